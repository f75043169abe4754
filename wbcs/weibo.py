"""Weibo post ids (mid): decode creation times, read base62 URL codes.

A numeric Weibo mid carries its creation time in the high bits:
``unix_seconds = (mid >> 22) + 515483463`` (see ../shared/datasets/README.md).
Old-format ids (short numbers) decode to nonsense, so every decoded time comes
with a plausibility flag: Sina Weibo opened in August 2009, and a post cannot be
from the future.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE

MID_EPOCH_OFFSET = 515483463
EARLIEST = pd.Timestamp("2009-08-01", tz=TIMEZONE)  # Sina Weibo's public beta
_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base62_to_mid(code: str) -> str:
    """Turn a Weibo URL code (e.g. ``'z0JH2lOMb'``) into its numeric mid.

    The code is read in groups of 4 characters from the right; each group is a
    base62 number written as 7 decimal digits (the leftmost group unpadded).
    """
    if not code or any(c not in _B62 for c in code):
        raise ValueError(f"not a Weibo base62 code: {code!r}")
    parts = []
    end = len(code)
    while end > 0:
        start = max(0, end - 4)
        value = 0
        for c in code[start:end]:
            value = value * 62 + _B62.index(c)
        parts.append(str(value) if start == 0 else f"{value:07d}")
        end = start
    return "".join(reversed(parts)).lstrip("0") or "0"


def mid_to_datetime(mids, *, now: pd.Timestamp | None = None) -> tuple[pd.Series, pd.Series]:
    """Decode creation times from numeric mids.

    Returns ``(times, plausible)``: tz-aware Asia/Shanghai times (NaT where the id
    is not a number) and a boolean Series that is False for NaT and for times
    before Weibo existed or after ``now``. Callers should not trust implausible
    times (flag them, fall back to another source).
    """
    s = pd.Series(mids, dtype="string") if not isinstance(mids, pd.Series) else mids.astype("string")
    digits = s.str.fullmatch(r"\d{1,19}").fillna(False).to_numpy(dtype=bool)
    raw = np.zeros(len(s), dtype=np.int64)
    if digits.any():
        raw[digits] = s[digits].astype("int64").to_numpy()
    seconds = (raw >> 22) + MID_EPOCH_OFFSET
    times = pd.Series(pd.to_datetime(seconds, unit="s", utc=True), index=s.index).dt.tz_convert(TIMEZONE)
    times[~digits] = pd.NaT
    upper = (now or pd.Timestamp.now(tz=TIMEZONE)).tz_convert(TIMEZONE)
    plausible = times.notna() & (times >= EARLIEST) & (times <= upper)
    return times, plausible.astype(bool)
