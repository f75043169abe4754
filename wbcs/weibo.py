"""Weibo's own forms: post ids (mid) and their times, base62 URL codes, the relative times
Weibo shows (``5分钟前``, ``昨天 10:22``, ``5月4日 21:17``) and IP locations (``IP属地：广东``).

A numeric Weibo mid carries its creation time in the high bits:
``unix_seconds = (mid >> 22) + 515483463`` (see ../shared/datasets/README.md).
Only a number Weibo could have made is decoded: 16 digits (every mid since 2009; 15 digits decode
before 1994, 17 after 2060) giving a time from Sina Weibo's opening (August 2009) to a year after
``now``. Anything else (an old-format short id, a 19-digit number, which would give year 56644) is
no mid and gives no time. A decoded time comes with a plausibility flag: a post cannot be from the future.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE, data_file

MID_EPOCH_OFFSET = 515483463
EARLIEST = pd.Timestamp("2009-08-01", tz=TIMEZONE)  # Sina Weibo's public beta
# how far after `now` a number still decodes as a mid (flagged implausible): a wrong clock or export time is
# off by hours or months, not more; a number decoding later than that is no mid at all
MID_AHEAD = pd.Timedelta(days=366)
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

    Returns ``(times, plausible)``: tz-aware Asia/Shanghai times, NaT where the id is no
    Weibo mid (not 16 digits, or decoding before Weibo existed or over ``MID_AHEAD`` after
    ``now``), and a boolean Series that is False for NaT and for times after ``now``.
    Callers should not trust implausible times (flag them, fall back to another source).
    """
    s = pd.Series(mids, dtype="string") if not isinstance(mids, pd.Series) else mids.astype("string")
    digits = s.str.fullmatch(r"\d{16}").fillna(False).to_numpy(dtype=bool)
    raw = np.zeros(len(s), dtype=np.int64)
    if digits.any():
        raw[digits] = s[digits].astype("int64").to_numpy()
    seconds = (raw >> 22) + MID_EPOCH_OFFSET
    times = pd.Series(pd.to_datetime(seconds, unit="s", utc=True), index=s.index).dt.tz_convert(TIMEZONE)
    upper = (now or pd.Timestamp.now(tz=TIMEZONE)).tz_convert(TIMEZONE)
    times[~(digits & (times >= EARLIEST).to_numpy() & (times <= upper + MID_AHEAD).to_numpy())] = pd.NaT
    plausible = times.notna() & (times <= upper)
    return times, plausible.astype(bool)


# --------------------------------------------------------------------------- relative times

# What Weibo shows instead of a date (web and mobile): seconds/minutes/hours ago, today,
# yesterday, the day before, a month and day of the current year ("05-04 21:17" on mobile).
_AGO = re.compile(r"(\d{1,3})\s*(秒|分钟|小时)前")
_DAY = re.compile(r"(今天|昨天|前天)\s*(\d{1,2}):(\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})(?:月|-)(\d{1,2})日?\s*(\d{1,2}):(\d{2})")
# A month-day over this long after the export time is last year's, the nearer of the two readings (a page
# shown in December and saved in January); one less far after it is this year's and the export time is wrong
# (a typed time off by hours, days or months), which rolling it back a year would hide
HALF_YEAR = pd.Timedelta(days=183)


def relative_time(text: str, now: pd.Timestamp) -> pd.Timestamp | None:
    """The time a Weibo relative form stands for, read against ``now`` (the moment the
    page was exported), or None when ``text`` is not one of them. A month and day
    without a year is in ``now``'s year (Weibo shows the year of older posts), even a little after
    ``now``: the export time is then wrong and the caller rejects it; it is the year before only when
    over ``HALF_YEAR`` (183 days) after ``now`` (a "12月31日" exported on 2 January)."""
    v = str(text).strip()
    now = now.tz_convert(TIMEZONE) if now.tzinfo else now.tz_localize(TIMEZONE)
    if v == "刚刚":
        return now
    m = _AGO.fullmatch(v)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return now - pd.Timedelta(**{{"秒": "seconds", "分钟": "minutes", "小时": "hours"}[unit]: n})
    m = _DAY.fullmatch(v)
    if m:
        back = {"今天": 0, "昨天": 1, "前天": 2}[m.group(1)]
        h, mi = int(m.group(2)), int(m.group(3))
        if h > 23 or mi > 59:
            return None
        day = now.normalize() - pd.Timedelta(days=back)
        return day + pd.Timedelta(hours=h, minutes=mi)
    m = _MONTH_DAY.fullmatch(v)
    if m:
        mo, d, h, mi = (int(x) for x in m.groups())
        try:
            t = pd.Timestamp(year=now.year, month=mo, day=d, hour=h, minute=mi, tz=TIMEZONE)
        except ValueError:
            return None
        # (29 February, day 60 of its year, is never that far after `now`: the year before need not have one)
        return t.replace(year=now.year - 1) if t - now > HALF_YEAR else t
    return None


# --------------------------------------------------------------------------- operators

OPERATOR_WORDS = {"china_telecom": re.compile(r"电信|天翼|10000号"), "china_unicom": re.compile(r"联通|10010"),
                  "china_mobile": re.compile(r"中国移动|移动公司|10086|移动\w{0,4}客服")}
# in an account's name 移动 alone is China Mobile (@广东移动); in a post's text it is too common a word
OPERATOR_ACCOUNTS = OPERATOR_WORDS | {"china_mobile": re.compile(r"移动|10086")}
_NAME = r"[^\s@:：,，。!！?？]"  # a character of an account's name
MENTION = re.compile(f"@({_NAME}+)")  # the account name a post @mentions


def mentions(operator: str | None = None) -> str:
    """The pattern of a text that @mentions an account of ``operator`` (None: of any operator), as ``operator_of``
    finds them (the DuckDB engine reads operators with it: ``wbcs.kpi.duck.fill_operators``)."""
    accounts = [rx.pattern for op, rx in OPERATOR_ACCOUNTS.items() if operator in (None, op)]
    return f"@{_NAME}*(?:{'|'.join(accounts)})"


MENTIONS = mentions()
# where ``operator_of`` gives an operator: an @mention of an operator's account, or an operator's words
NAMES_OPERATOR = MENTIONS + "|" + "|".join(rx.pattern for rx in OPERATOR_WORDS.values())


def operator_of(text: str, accounts=None) -> str | None:
    """The operator a post is about: from the service accounts it addresses (``accounts``; by default the
    operators' accounts it @mentions), else from its text; None when it names none. Several operators: the one
    the text names first (a customer writes about their own)."""
    text = text if isinstance(text, str) else ""
    if accounts is None:
        accounts = [m for m in MENTION.findall(text) if any(rx.search(m) for rx in OPERATOR_ACCOUNTS.values())]
    joined = " ".join(accounts)
    found = [op for op, rx in OPERATOR_ACCOUNTS.items() if rx.search(joined)] or \
            [op for op, rx in OPERATOR_WORDS.items() if rx.search(text)]
    if len(found) <= 1:
        return found[0] if found else None

    def first(op):
        m = OPERATOR_WORDS[op].search(text)
        return m.start() if m else len(text)
    return min(found, key=first)


# --------------------------------------------------------------------------- IP locations


@lru_cache(maxsize=1)
def _province_names() -> dict[str, str]:
    import yaml

    raw = yaml.safe_load(data_file("provinces.yaml").read_text(encoding="utf-8"))["provinces"]
    names = {}
    for short, info in raw.items():
        names[short] = short
        names[info["full"]] = short
    return names


def ip_province(location: str | None) -> str | None:
    """The mainland province of a Weibo IP location (``IP属地：广东``, ``广东``, ``广东省``);
    None for places abroad, Hong Kong/Macau/Taiwan and anything else."""
    if location is None or not isinstance(location, str):
        return None
    v = re.sub(r"^\s*(?:IP属地|ip属地|发布于)\s*[:：]?\s*", "", location).strip()
    return _province_names().get(v)
