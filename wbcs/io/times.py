"""Reading the time cells of a user's export: every common form, Weibo's relative forms,
and a plausible range.

``read_time_cells(values, now=...)`` returns the times (tz-aware Beijing time; naive times
are Beijing time) with, per cell, what went wrong: ``"unparseable time"`` or ``"time
out of range"`` (before 1990 or from 2100 on: no post or reply is from then, and
pandas' nanosecond times end in 2262, so ``9999-12-31`` or epoch milliseconds
``9999999999999`` would otherwise crash the whole read), and which cells were relative
(``5分钟前``, ``昨天 10:22``, ``5月4日 21:17``: read against ``now``, the export time); a relative
form that would fall after ``now`` is ``"time after the export"``: the export time given is wrong.
Dates with the day and month first (``06/05/2024``) are read one way for a whole column (``DayMonth``),
never guessed cell by cell: a cell no date of its column decides is ``"ambiguous day/month"``. A file read
in chunks settles each column's rule over all of them before reading any (``DayMonth.see``, wbcs.io.ingest).
"""

from __future__ import annotations

import numbers
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

# Year first, as Chinese users and Chinese-locale Excel write it: 2016年1月2日 8:30, 2024年05月06日 15时00分,
# 2024/5/6 下午3:00, 2024-05-06 上午10:00:15. A word before the hour says which half of the day it is in.
_LOCAL_TIME = re.compile(
    r"(\d{4})(?:年(\d{1,2})月(\d{1,2})日|([-/])(\d{1,2})\4(\d{1,2}))\s*"
    r"(?:(凌晨|早上|上午|中午|下午|晚上)?\s*(\d{1,2})[:时点](\d{1,2})(?:分|[:分](\d{1,2})秒?)?)?")
# the hours each word names (24-hour, end exclusive): a 12-hour clock reading is the one inside them, as
# moment.js's zh-cn locale reads them (上午12:30 is 00:30, 下午12:30 is 12:30, 中午1:00 is 13:00); a time
# outside them (上午15:00), or with two readings inside (晚上12:00: noon or midnight?), is unreadable
_DAY_PARTS = {"凌晨": (0, 6), "早上": (4, 12), "上午": (0, 12), "中午": (11, 14), "下午": (12, 24), "晚上": (17, 24)}
# a day and a month in some order, then the year: 06/05/2024 is 6 May to a Chinese user, 5 June to pandas
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})((?:[\sT].*)?)$")
AMBIGUOUS = "ambiguous day/month"


def _shanghai(ts) -> pd.Timestamp | None:
    ts = pd.Timestamp(ts)
    if pd.isna(ts):
        return None
    return ts.tz_localize(TIMEZONE) if ts.tzinfo is None else ts.tz_convert(TIMEZONE)


# A time given as an option (--export-time, --as-of, --end) is one value the user types: only forms with the
# year first, which no reader takes month-first ('04/05/2024' is 4 May to a Chinese user, 5 April to pandas).
_UNAMBIGUOUS = re.compile(
    r"\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def option_time(t, name: str = "--export-time") -> pd.Timestamp:
    """The time an option ``name`` gives (``--export-time``, ``--as-of``, ``--end``) in Beijing time; naive is
    Beijing time. Text must be year first (2024-05-04 21:30, 2024/05/04, ISO with a zone, 2024年5月4日 21:30,
    2024/5/4 下午9:30): a day/month order is refused, never guessed, and so is a number; InputError, naming
    ``name``."""
    if isinstance(t, str):
        v = t.strip()
        m = _DAY_MONTH_YEAR.fullmatch(v)
        if m and int(m.group(1)) <= 12 and int(m.group(3)) <= 12 and m.group(1) != m.group(3):
            raise InputError(f"{name} {t!r} is read two ways ({_two_ways(m)}); write it year first as YYYY-MM-DD "
                             f"HH:MM, e.g. {m.group(4)}-{m.group(3):0>2}-{m.group(1):0>2} for the first")
        ts = _one(v) if v else None
        if ts is not None and not (_LOCAL_TIME.fullmatch(v) or _UNAMBIGUOUS.fullmatch(v)):
            raise InputError(f"{name} {t!r} is not written year first; write it as YYYY-MM-DD HH:MM, "
                             "e.g. 2024-05-04 or '2024-05-04 21:30'")
    elif isinstance(t, numbers.Number):  # pd.Timestamp reads 2262 as 2262 ns after 1970: a number is no time
        ts = None
    else:
        try:
            ts = _shanghai(t)
        except (ValueError, TypeError):
            ts = None
    if ts is None:
        raise InputError(f"{name} {t!r} is not a date or time; give one like 2024-05-04 or "
                         "'2024-05-04 21:30' (Beijing time unless it names its zone)")
    return ts


def export_time(t) -> pd.Timestamp:
    """The export time (``--export-time``): ``option_time``."""
    return option_time(t, "--export-time")


def _two_ways(m: re.Match) -> str:
    a, b = int(m.group(1)), int(m.group(3))
    month = ("January February March April May June July August September October November December").split()
    return f"{a} {month[b - 1]} or {b} {month[a - 1]}"


def _one(v: str) -> pd.Timestamp | None:
    """Slow path for one string: year-first local forms ('2016年1月2日 8:30', '2024/5/6 下午3:00'), then
    pandas/dateutil."""
    m = _LOCAL_TIME.fullmatch(v)
    if m:
        y, mo, d, _, mo2, d2, part, h, mi, sec = m.groups()
        hour = _hour(int(h or 0), part)
        try:
            return None if hour is None else pd.Timestamp(
                year=int(y), month=int(mo or mo2), day=int(d or d2), hour=hour, minute=int(mi or 0),
                second=int(sec or 0), tz=TIMEZONE)
        except ValueError:
            return None
    try:
        return _shanghai(v)
    except (ValueError, OverflowError, TypeError):
        return None


def _hour(h: int, part: str | None) -> int | None:
    """The 24-hour hour of ``h`` said with the day part ``part`` (上午, 下午, ...; None: a 24-hour clock)."""
    if part is None:
        return h
    lo, hi = _DAY_PARTS[part]
    fits = [c for c in ({h % 12, h % 12 + 12} if h <= 12 else {h}) if lo <= c < hi]
    return fits[0] if len(fits) == 1 else None


class DayMonth:
    """How one column's slash dates with the year last (06/05/2024) are read: day first when some cell's first
    part is over 12 (13/05/2024), month first when some cell's second part is (05/13/2024); when no cell says,
    or cells say both, a cell that could be either is refused (``AMBIGUOUS``), never guessed. One per column,
    handed to each ``read_time_cells`` of its chunks, so that the column follows one rule."""

    def __init__(self):
        self.day_first = self.month_first = None  # a cell that says so (its date), once one has

    @property
    def rule(self) -> str | None:
        """'day first', 'month first', 'both' (cells disagree), or None when no cell says."""
        if self.day_first and self.month_first:
            return "both"
        return "day first" if self.day_first else "month first" if self.month_first else None

    def said(self) -> str | None:
        """The rule with the cell that set it, for a summary: 'day first (13/05/2024)'."""
        if self.rule is None:
            return None
        if self.rule == "both":
            return f"day first ({self.day_first}) and month first ({self.month_first}): ambiguous dates refused"
        return f"{self.rule} ({self.day_first or self.month_first})"

    def see(self, cells: pd.Series) -> bool:
        """Learn the rule from a column's cells (as read from the file) without reading them: the first pass
        over a file read in chunks, so that its first chunk follows the rule a later one sets. Only a cell's first
        ten characters can say the order (06/05/2024), so each distinct date once: times to the second are all
        distinct, their dates a few hundred (the pass cost ingest 15 % of its time on 300,000 posts, cell by cell).
        A cell that is no text (a number, a time a reader decoded) is read as its str(), which no date of this
        form begins. Whether any cell was a date of this form."""
        dates = pd.Series(cells.dropna().astype(str).str.strip().str.slice(0, 10).unique(), dtype=object)
        parts = dates.str.extract(_DAY_MONTH_YEAR.pattern).dropna(subset=[0])
        self._learn(parts)
        return len(parts) > 0

    def _learn(self, parts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """The day/month parts' numbers of ``parts`` (``_DAY_MONTH_YEAR``'s groups), first noting the cell
        that says each order."""
        a, b = parts[0].astype(int), parts[2].astype(int)
        for kind, says in (("day_first", (a > 12) & (b <= 12)), ("month_first", (b > 12) & (a <= 12))):
            if getattr(self, kind) is None and says.any():
                first = parts[says].iloc[0]
                setattr(self, kind, first[0] + first[1] + first[2] + first[1] + first[3])
        return a, b

    def read(self, texts: pd.Series, problem: pd.Series) -> pd.Series:
        """``texts`` with their day/month/year dates written year first; a cell neither its parts nor the
        column decide is ``AMBIGUOUS`` in ``problem`` and left out."""
        parts = texts.str.extract(_DAY_MONTH_YEAR.pattern)
        hit = parts[0].notna().to_numpy(dtype=bool)
        if not hit.any():
            return texts
        parts = parts[hit]
        a, b = self._learn(parts)
        both = (a <= 12) & (b <= 12) & (a != b)  # 05/05/2024 reads one way
        undecided = both & (self.rule not in ("day first", "month first"))
        problem[undecided.index[undecided.to_numpy()]] = AMBIGUOUS
        day_first = (a > 12) | (both & (self.rule == "day first"))
        day, month = a.where(day_first, b), b.where(day_first, a)
        out = texts.copy()
        out[parts.index] = parts[3] + "-" + month.map("{:02d}".format) + "-" + day.map("{:02d}".format) + parts[4]
        return out[~out.index.isin(undecided.index[undecided.to_numpy()])]


def read_time_cells(values: pd.Series, *, now: pd.Timestamp | None = None,
                    order: DayMonth | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(times, problem, relative)`` for the cells of ``values``.

    Accepts ISO and common date formats, the Weibo API's 'Tue May 31 17:46:55 +0800 2011',
    '2016年1月2日 8:30', '2024/5/6 下午3:00', Unix seconds or milliseconds (10 or 13 digits, as text
    or number), datetime cells and, when ``now`` is given, Weibo's relative forms. Dates with the
    day and month first (06/05/2024) are read by ``order``, the column's ``DayMonth`` (given: kept
    across the chunks of a column; else one for ``values``). ``times`` is NaT where a cell is
    missing or has a ``problem``."""
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
            t = _shanghai(c)
            if t is not None and not EARLIEST <= t < LATEST:  # here: a Parquet time of year 56644 (pandas holds
                problem[i] = OUT_OF_RANGE  # it in seconds) is no datetime, and the Series of them all failed
            else:
                stamps[i] = t
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
    rest = (order or DayMonth()).read(texts[dated], problem)
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
