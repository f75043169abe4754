"""Reading the time cells of a user's export: every common form, Weibo's relative forms,
and a plausible range.

``read_time_cells(values, now=...)`` returns the times (tz-aware Beijing time; naive times
are Beijing time) with, per cell, what went wrong: ``"unparseable time"`` or ``"time
out of range"`` (before 1990 or from 2100 on: no post or reply is from then, and
pandas' nanosecond times end in 2262, so ``9999-12-31`` or epoch milliseconds
``9999999999999`` would otherwise crash the whole read), and which cells were relative
(``5分钟前``, ``昨天 10:22``, ``5月4日 21:17``: read against ``now``, the export time); a relative
form that would fall after ``now`` is ``"time after the export"``: the export time given is wrong.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.weibo import relative_time

DTYPE = f"datetime64[ns, {TIMEZONE}]"
EARLIEST = pd.Timestamp("1990-01-01", tz=TIMEZONE)
LATEST = pd.Timestamp("2100-01-01", tz=TIMEZONE)  # exclusive
UNREADABLE, OUT_OF_RANGE = "unparseable time", "time out of range"
AFTER_EXPORT = "time after the export"  # 今天 23:00 in a file exported at 21:30: the export time is wrong

_CHINESE_TIME = re.compile(
    r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2}))?秒?)?")


def _shanghai(ts) -> pd.Timestamp | None:
    ts = pd.Timestamp(ts)
    if pd.isna(ts):
        return None
    return ts.tz_localize(TIMEZONE) if ts.tzinfo is None else ts.tz_convert(TIMEZONE)


# The export time is one value the user types: only forms with the year first, which no
# reader takes month-first ('04/05/2024' is 4 May to a Chinese user, 5 April to pandas).
_UNAMBIGUOUS = re.compile(
    r"\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def export_time(t) -> pd.Timestamp:
    """The export time (``--export-time``) in Beijing time; naive is Beijing time. Text must be
    year first (2024-05-04 21:30, 2024/05/04, ISO with a zone, 2024年5月4日 21:30): a day/month
    order is refused, never guessed."""
    if isinstance(t, str):
        v = t.strip()
        if not (_CHINESE_TIME.fullmatch(v) or _UNAMBIGUOUS.fullmatch(v)):
            raise InputError(f"--export-time {t!r}: not an unambiguous time; write it year first as "
                             "YYYY-MM-DD HH:MM, e.g. 2024-05-04 21:30")
        ts = _one(v)
    else:
        try:
            ts = _shanghai(t)
        except (ValueError, TypeError):
            ts = None
    if ts is None:
        raise InputError(f"--export-time {t!r}: not a time; write it as YYYY-MM-DD HH:MM, e.g. 2024-05-04 21:30")
    return ts


def _one(v: str) -> pd.Timestamp | None:
    """Slow path for one string: Chinese dates ('2016年1月2日 8:30'), then pandas/dateutil."""
    m = _CHINESE_TIME.fullmatch(v)
    if m:
        y, mo, d, h, mi, sec = (int(x or 0) for x in m.groups())
        v = f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{sec:02d}"
    try:
        return _shanghai(v)
    except (ValueError, OverflowError, TypeError):
        return None


def read_time_cells(values: pd.Series, *, now: pd.Timestamp | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(times, problem, relative)`` for the cells of ``values``.

    Accepts ISO and common date formats, the Weibo API's 'Tue May 31 17:46:55 +0800 2011',
    '2016年1月2日 8:30', Unix seconds or milliseconds (10 or 13 digits, as text or number),
    datetime cells and, when ``now`` is given, Weibo's relative forms. ``times`` is NaT
    where a cell is missing or has a ``problem``."""
    out = pd.Series(pd.NaT, index=values.index, dtype=DTYPE)
    problem = pd.Series(None, index=values.index, dtype=object)
    relative = pd.Series(False, index=values.index)

    def put(times: pd.Series) -> None:
        """Times for some cells (NaT: unreadable), checked against the range."""
        if not len(times):
            return
        times = times.astype(f"datetime64[us, {TIMEZONE}]")  # microseconds hold year 1 to 9999
        ok = (times >= EARLIEST) & (times < LATEST)
        problem[times.index[times.isna().to_numpy()]] = UNREADABLE
        problem[times.index[(times.notna() & ~ok).to_numpy()]] = OUT_OF_RANGE
        out[times.index[ok.to_numpy()]] = times[ok].astype(DTYPE)

    if pd.api.types.is_datetime64_any_dtype(values):
        s = values.dt.tz_localize(TIMEZONE) if values.dt.tz is None else values.dt.tz_convert(TIMEZONE)
        put(s[s.notna()])
        return out, problem, relative
    cells = values[values.notna().to_numpy(dtype=bool)].astype(object)
    is_text = cells.map(lambda c: isinstance(c, str)).to_numpy(dtype=bool)
    texts = cells[is_text].astype(str).str.strip()
    others, stamps = {}, {}
    for i, c in cells[~is_text].items():  # numbers and datetime cells (xlsx, Parquet)
        if isinstance(c, bool | np.bool_):
            problem[i] = UNREADABLE
        elif isinstance(c, int | np.integer) or (isinstance(c, float | np.floating) and float(c).is_integer()):
            others[i] = str(int(c))  # epoch seconds or milliseconds kept as a number
        elif hasattr(c, "year"):
            stamps[i] = _shanghai(c)
        else:
            problem[i] = UNREADABLE
    if stamps:  # one put for them all: a put per cell made reading a wbcs Parquet output ~3 ms a post
        put(pd.Series(list(stamps.values()), index=list(stamps), dtype=f"datetime64[us, {TIMEZONE}]"))
    if others:
        texts = pd.concat([texts, pd.Series(others, dtype=object)])
    if not len(texts):
        return out, problem, relative
    texts = texts.astype(object)
    epoch = texts.str.fullmatch(r"\d{10}|\d{13}").fillna(False).to_numpy(dtype=bool)
    if epoch.any():
        e = texts[epoch]
        n = e.astype("int64")
        seconds = n.where(e.str.len() == 10, n // 1000)
        millis = n.where(e.str.len() == 13, n * 1000)
        far = ~seconds.between(-(2**33), 2**33)  # beyond year 2242: out of range, not an overflow
        problem[e.index[far.to_numpy()]] = OUT_OF_RANGE
        put(pd.to_datetime(millis[~far], unit="ms", utc=True).dt.tz_convert(TIMEZONE))
    dated = ~epoch & texts.str.contains(r"\d{4}", regex=True).fillna(False).to_numpy(dtype=bool)
    rest = texts[dated]
    if len(rest):
        try:  # fast, vectorised: all ISO-like, one time zone or none
            fast = pd.to_datetime(rest, errors="coerce", format="ISO8601")
            fast = fast.dt.tz_localize(TIMEZONE) if fast.dt.tz is None else fast.dt.tz_convert(TIMEZONE)
        except (ValueError, TypeError, OverflowError):
            fast = pd.Series(pd.NaT, index=rest.index, dtype=DTYPE)
        put(fast[fast.notna()])
        slow = rest[fast.isna().to_numpy()]
        codes, uniques = pd.factorize(slow)
        parsed = np.array([_one(v) for v in uniques] + [None], dtype=object)
        put(pd.Series(list(parsed[codes]), index=slow.index, dtype=f"datetime64[us, {TIMEZONE}]"))
    bare = texts[~epoch & ~dated]  # no year: Weibo's relative forms, read against `now`
    if len(bare):
        found = [relative_time(v, now) if now is not None else None for v in bare]
        relative[bare.index] = [t is not None for t in found]
        late = np.array([t is not None and t > now for t in found], dtype=bool)
        problem[bare.index[late]] = AFTER_EXPORT
        put(pd.Series(found, index=bare.index, dtype=f"datetime64[us, {TIMEZONE}]")[~late])
    return out, problem, relative


def parse_times(values: pd.Series, *, now: pd.Timestamp | None = None) -> pd.Series:
    """The times of ``read_time_cells``, NaT where missing, unreadable or out of range."""
    return read_time_cells(values, now=now)[0]
