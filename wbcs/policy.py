"""The service policy: duty calendar, patrols, SLA clocks, aggregation and posting norms.

Read from ``data/policy.yaml`` (DOMAIN.md defaults) or a user's copy. ``load_policy``
validates it and fails with one line naming the key. ``Duty`` answers the calendar
questions every SLA clock needs, vectorised over arrays of times with numpy's
business-day functions (``busday_count``/``busday_offset``), which already handle
weekmasks and holiday lists.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE, data_file
from wbcs.errors import InputError

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
VERSION = 1  # the policy file format this wbcs reads
AGGREGATION_KEYS = {"question": ("min_users_per_day", "min_platforms_per_day"),
                    "complaint": ("min_customers_per_week", "min_platforms_per_week")}
PRESET_KEYS = ("first_response_seconds", "reply_rate")
TOP_KEYS = ("version", "duty", "patrol_minutes", "sla", "presets", "content_change_minutes", "aggregation",
            "posting_norms")
DUTY_KEYS = ("weekdays", "start", "end", "holidays", "on_call")
SLA_KEYS = ("acknowledge_minutes", "resolve_hours", "clock")
POST_KINDS = ["consultation", "complaint", "vague_negative", "abuse", "praise"]
MINUTE_NS = 60 * 10**9


_CLOCK = re.compile(r"^([01]?[0-9]|2[0-4]):([0-5][0-9])(?::([0-5][0-9]))?$")


def clock_minutes(value, key: str, source: str = "policy", *, allow_24: bool = False) -> int:
    """Minutes after midnight of a clock time ``'08:00'`` (or ``datetime.time``); ``'24:00'`` → 1440
    where ``allow_24``. An integer is refused: YAML 1.1 reads an unquoted ``20:00`` as 1200
    (``wbcs.yamlsafe.Loader`` does not, but a mapping built elsewhere may still carry one).

    Seconds other than ``:00`` are refused, not honoured: every consumer of a clock time counts whole
    minutes (``Duty``'s day arithmetic, the simulator's minute-of-week grid ``sim.scenario.duty_week`` and
    its shifts, the DuckDB engine's duty window, the posting norms' daytime, a scenario's duty written back
    as 'HH:MM'), so '08:00:30' read as 08:00 gave deadlines and simulations 30 seconds off the file unseen,
    and honouring seconds in some of them only would make them disagree with each other."""
    if isinstance(value, dt.time) and not (value.second or value.microsecond):
        return value.hour * 60 + value.minute
    m = _CLOCK.match(value) if isinstance(value, str) else None
    minutes = int(m[1]) * 60 + int(m[2]) if m else -1
    if (m and m[3] not in (None, "00")) or isinstance(value, dt.time):  # a time with seconds
        raise InputError(f"{source}: {key} must be a time in whole minutes like '08:00', got {str(value)!r} "
                         "(duty hours, SLA clocks and the simulator count minutes; seconds are not kept)")
    if not m or minutes > 1440 or (minutes == 1440 and not allow_24):
        sexagesimal = isinstance(value, int) and not isinstance(value, bool) and 60 <= value < 1440
        hint = (f" (YAML 1.1 reads an unquoted {value // 60}:{value % 60:02d} as the number {value}; "
                "write the time in quotes)" if sexagesimal else "")
        raise InputError(f"{source}: {key} must be a time like '08:00', got {value!r}{hint}")
    return minutes


def weekday(value, key: str, source: str = "policy") -> str:
    """``mon``..``sun`` of ``'mon'`` or ``'Monday'``; anything else is refused as written (``funday``, not ``fun``)."""
    name = value.lower() if isinstance(value, str) else None
    if name in DAY_NAMES:
        return WEEKDAYS[DAY_NAMES.index(name)]
    if name not in WEEKDAYS:
        raise InputError(f"{source}: {key} has {value!r}; use mon..sun")
    return name


def known_keys(mapping: dict, key: str, known: tuple[str, ...], source: str) -> None:
    """Refuse a key outside ``known``: a misspelt one would be ignored and its default used unseen."""
    for k in mapping:
        if k not in known:
            where = f"{key}.{k}" if key else str(k)
            raise InputError(f"{source}: {where} is not a known key (known: {', '.join(known)})")


def _time(value, key: str, source: str) -> dt.time:
    minutes = clock_minutes(value, key, source)
    return dt.time(minutes // 60, minutes % 60)


@dataclass(frozen=True)
class Duty:
    """When agents are on duty: weekdays, daily hours, holidays, on-call."""

    weekdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(20, 0)
    holidays: tuple[dt.date, ...] = ()
    on_call: bool = False

    @property
    def weekmask(self) -> list[bool]:
        return [d in self.weekdays for d in WEEKDAYS]

    @property
    def minutes_per_day(self) -> float:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def _split(self, times) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Local calendar day (datetime64[D]) and nanoseconds after midnight (int64) of each time, and
        its duty nanoseconds that day (0 to ``minutes_per_day``: 0 before duty, all after, 0 on days off)."""
        t = pd.DatetimeIndex(pd.to_datetime(times))
        t = t.tz_localize(TIMEZONE) if t.tz is None else t.tz_convert(TIMEZONE)
        local = t.tz_localize(None).to_numpy()
        day = local.astype("datetime64[D]")
        into_day = (local - day).astype("timedelta64[ns]").astype(np.int64)  # < 1 day: no overflow
        start, per_day = self._hours_ns
        return day, into_day, np.clip(into_day - start, 0, per_day) * np.is_busday(day, **self._busday_kwargs())

    @property
    def _hours_ns(self) -> tuple[int, int]:
        """Duty start after midnight and duty length of a day, in nanoseconds."""
        return (self.start.hour * 60 + self.start.minute) * MINUTE_NS, round(self.minutes_per_day * MINUTE_NS)

    def _busday_kwargs(self) -> dict:
        return {"weekmask": self.weekmask,
                "holidays": np.array(self.holidays, dtype="datetime64[D]")}

    def on_duty(self, times) -> np.ndarray:
        """True where a time falls inside duty hours on a duty day."""
        day, into_day, _ = self._split(times)
        start, per_day = self._hours_ns
        return np.is_busday(day, **self._busday_kwargs()) & (into_day >= start) & (into_day < start + per_day)

    def business_minutes(self, start, end) -> np.ndarray:
        """Duty minutes elapsed between ``start`` and ``end`` (element-wise; 0 if end < start).

        F(t) = duty days before t's day × minutes per day + duty minutes of t's day up to t;
        the answer is F(end) − F(start), counted in integer nanoseconds and divided once, so a
        reply exactly at a deadline (``add_minutes``) of 20 seconds or 233.54
        minutes is at the limit, not a float rounding above it.
        """
        (d0, _, t0), (d1, _, t1) = self._split(start), self._split(end)
        days = np.busday_count(d0, d1, **self._busday_kwargs()).astype(np.int64)
        return np.maximum(days * self._hours_ns[1] + t1 - t0, 0) / MINUTE_NS

    def next_on_duty(self, times) -> pd.DatetimeIndex:
        """Each time itself when on duty (or on call), else the start of the next duty period."""
        t = pd.DatetimeIndex(pd.to_datetime(times))
        t = t.tz_localize(TIMEZONE) if t.tz is None else t.tz_convert(TIMEZONE)
        if self.on_call:
            return t
        day, into_day, _ = self._split(t)
        kw = self._busday_kwargs()
        start, per_day = self._hours_ns
        before_end = into_day < start + per_day
        # the first duty day on or after today (if today's hours are not over), else after today
        first = np.busday_offset(np.where(before_end, day, day + 1), 0, roll="forward", **kw)
        start_of_duty = first.astype("datetime64[ns]") + np.timedelta64(start, "ns")
        out = np.where(self.on_duty(t), t.tz_localize(None).to_numpy(),
                       np.maximum(start_of_duty, t.tz_localize(None).to_numpy()))
        return pd.DatetimeIndex(out).tz_localize(TIMEZONE)

    def add_minutes(self, start, minutes) -> pd.DatetimeIndex:
        """The deadline of a duty-time clock of ``minutes`` started at each ``start``: the last
        instant a reply still meets it, i.e. the latest ``t`` with ``business_minutes(start, t)
        <= minutes`` (the met rule of the KPIs and the simulator).

        From the next on-duty moment, the minutes left in that day are used first, then whole duty
        days (numpy's business-day offsets, so weekmask and holidays apply), then the rest on the
        last day. A clock that runs out exactly at the end of a duty period stands still until the
        next one starts (a reply at Mon 23:00 or Tue 07:59 is as much in time as one at Mon 20:00),
        so its deadline is the start of the next duty period, weekends and holidays skipped. Counted
        in integer nanoseconds: a reply at the deadline is met, one a nanosecond later is not.
        """
        starts = pd.DatetimeIndex(pd.to_datetime(start))
        need = np.broadcast_to(np.asarray(minutes, dtype=float), (len(starts),)).copy()
        usable = np.isfinite(need) & (need >= 0) & (need <= MAX_MINUTES)
        if not usable.all():  # -5 gave a deadline before the duty day began, NaN none, 1e15 an overflow
            raise InputError(f"Duty.add_minutes: minutes must be finite numbers ≥ 0 and ≤ {MAX_MINUTES} "
                             f"(a year), got {float(need[~usable][0])!r}")
        need_ns = np.round(need * MINUTE_NS).astype(np.int64)
        need_ns -= need_ns / MINUTE_NS > need  # rounded up: business_minutes would say a hair late
        day, into_day, _ = self._split(replace(self, on_call=False).next_on_duty(starts))
        d0, per_day = self._hours_ns
        rest = need_ns - (d0 + per_day - into_day)  # what is left after the first day's duty ends
        today = rest < 0  # = 0 runs out at the day's end, so the deadline is the next duty start
        later = np.maximum(rest, 0)
        last_day = np.busday_offset(day, np.where(today, 0, later // per_day + 1), roll="forward",
                                    **self._busday_kwargs())
        at = np.where(today, into_day + need_ns, d0 + later % per_day)
        out = last_day.astype("datetime64[ns]") + at.astype("timedelta64[ns]")
        return pd.DatetimeIndex(out).tz_localize(TIMEZONE)


@dataclass(frozen=True)
class SlaClock:
    """The clocks of one post kind: acknowledge within minutes, resolve within hours."""

    kind: str
    acknowledge_minutes: float | None
    resolve_hours: float | None
    clock: str = "calendar"  # or "business"


@dataclass(frozen=True)
class Policy:
    duty: Duty
    patrol_minutes: dict[str, float]
    sla: dict[str, SlaClock]
    presets: dict = field(default_factory=dict)
    content_change_minutes: float = 10
    aggregation: dict = field(default_factory=dict)
    posting_norms: dict = field(default_factory=dict)
    source: str = "policy"

    def patrol_for(self, kind: str) -> float:
        return float(self.patrol_minutes.get(kind, self.patrol_minutes["default"]))


def _holidays(value, source: str) -> tuple[dt.date, ...]:
    """The holiday dates: a list of YYYY-MM-DD dates (YAML reads an unquoted one as a date). A single date
    or string is refused, not iterated: a str was read character by character ('Invalid isoformat string: 2'),
    a date was not iterable (a traceback)."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        shown = value.isoformat() if isinstance(value, dt.date) else repr(value)
        raise InputError(f"{source}: duty.holidays must be a list of dates like [2026-10-01, 2026-10-02], "
                         f"got {shown}")
    days = []
    for i, h in enumerate(value):
        try:  # a datetime is a date too, but a time of day in a list of days off is a typing error
            day = h if isinstance(h, dt.date) and not isinstance(h, dt.datetime) else (
                dt.date.fromisoformat(h) if isinstance(h, str) else None)
        except ValueError:
            day = None
        if day is None:
            shown = h.isoformat() if isinstance(h, dt.date) else repr(h)
            raise InputError(f"{source}: duty.holidays[{i}] must be a date (YYYY-MM-DD), got {shown}")
        days.append(day)
    return tuple(days)


def aggregation_thresholds(agg, source: str = "policy") -> dict[str, dict[str, int]]:
    """The aggregation rules' thresholds (``AGGREGATION_KEYS``), each a whole number ≥ 1; errors name the key.
    Read by ``parse_policy`` (so a bad one is refused when the file is loaded, before a command writes
    anything) and by ``wbcs.aggregate.rules`` (a ``Policy`` may be built or changed in Python)."""
    if not isinstance(agg, dict):
        raise InputError(f"{source}: aggregation must be a mapping of question and complaint, got {agg!r}")
    known_keys(agg, "aggregation", tuple(AGGREGATION_KEYS), source)
    for section, keys in AGGREGATION_KEYS.items():  # every misspelt key first: it explains a value missing
        rule = agg.get(section) or {}
        if not isinstance(rule, dict):
            raise InputError(f"{source}: aggregation.{section} must be a mapping of {', '.join(keys)}, got {rule!r}")
        known_keys(rule, f"aggregation.{section}", keys, source)
    out: dict[str, dict[str, int]] = {}
    for section, keys in AGGREGATION_KEYS.items():
        rule = agg.get(section) or {}
        for key in keys:
            value = rule.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{source}: aggregation.{section}.{key} must be a whole number ≥ 1, got {value!r}")
        out[section] = {key: rule[key] for key in keys}
    return out


def _number(value, key: str, source: str, *, allow_none: bool = False, maximum: float) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= maximum:
        raise InputError(f"{source}: {key} must be a number ≥ 0 and ≤ {maximum:.10g}, got {value!r}")
    return float(value)


# Upper bounds: clocks longer than a year (or patrols rarer than daily) are typing errors, and
# infinite values would overflow the time arithmetic downstream.
MAX_MINUTES = 366 * 1440
MAX_HOURS = 366 * 24


def parse_policy(raw: dict, source: str = "policy") -> Policy:
    """Validate a policy mapping (as read from YAML). Errors name the key."""
    if not isinstance(raw, dict):
        raise InputError(f"{source}: a policy must be a mapping of sections")

    known_keys(raw, "", TOP_KEYS, source)
    version = raw.get("version", VERSION)
    if isinstance(version, bool) or version != VERSION:
        raise InputError(f"{source}: version {version!r} is not a policy format this wbcs reads (version: {VERSION})")

    def section(name: str) -> dict:
        value = raw.get(name)
        if not isinstance(value, dict):
            raise InputError(f"{source}: missing section {name!r}")
        return value

    d = section("duty")
    known_keys(d, "duty", DUTY_KEYS, source)
    weekdays = d.get("weekdays", WEEKDAYS[:5])
    if not isinstance(weekdays, list | tuple) or not weekdays:  # no duty day: business clocks never run
        raise InputError(f"{source}: duty.weekdays must be a list of weekdays (mon..sun) with at least one day, "
                         f"got {weekdays!r}")
    days = tuple(weekday(x, "duty.weekdays", source) for x in weekdays)
    start, end = _time(d.get("start", "08:00"), "duty.start", source), _time(d.get("end", "20:00"), "duty.end", source)
    if end <= start:
        raise InputError(f"{source}: duty.end ({end}) must be after duty.start ({start})")
    holidays = _holidays(d.get("holidays"), source)
    on_call = d.get("on_call", False)
    if not isinstance(on_call, bool):  # bool("false") would be True
        raise InputError(f"{source}: duty.on_call must be true or false, got {on_call!r}")
    duty = Duty(days, start, end, holidays, on_call)

    # keyed by post kind (patrol_for): a misspelt kind ('complaints') would fall back to the default unseen
    known_keys(section("patrol_minutes"), "patrol_minutes", ("default", *POST_KINDS), source)
    patrol = {str(k): _number(v, f"patrol_minutes.{k}", source, maximum=1440)
              for k, v in section("patrol_minutes").items()}
    if "default" not in patrol:
        raise InputError(f"{source}: patrol_minutes needs a 'default'")

    sla = {}
    for kind, clocks in section("sla").items():
        if kind not in POST_KINDS:
            raise InputError(f"{source}: sla.{kind} is not a post kind ({', '.join(POST_KINDS)})")
        if not isinstance(clocks, dict):
            raise InputError(f"{source}: sla.{kind} must be a mapping")
        known_keys(clocks, f"sla.{kind}", SLA_KEYS, source)
        clock = clocks.get("clock", "calendar")
        if clock not in ("calendar", "business"):
            raise InputError(f"{source}: sla.{kind}.clock must be 'calendar' or 'business'")
        sla[kind] = SlaClock(kind,
                             _number(clocks.get("acknowledge_minutes"), f"sla.{kind}.acknowledge_minutes", source,
                                     allow_none=True, maximum=MAX_MINUTES),
                             _number(clocks.get("resolve_hours"), f"sla.{kind}.resolve_hours", source,
                                     allow_none=True, maximum=MAX_HOURS),
                             clock)
    # The sections other modules read (wbcs.aggregate, the simulator's sla.preset, wbcs norms) are checked
    # here too, where the file is read, so every command that loads the policy refuses the same file before it
    # writes anything (triage wrote --out, then failed on the aggregation thresholds). A section left out is
    # checked by the command that needs it (a scenario's duty/SLA sections are parsed without them).
    if raw.get("aggregation") is not None:
        aggregation_thresholds(raw["aggregation"], source)
    presets = raw.get("presets") or {}
    if not isinstance(presets, dict):
        raise InputError(f"{source}: presets must be a mapping of named presets, got {presets!r}")
    for name, preset in presets.items():
        if not isinstance(preset, dict):
            raise InputError(f"{source}: presets.{name} must be a mapping of {', '.join(PRESET_KEYS)}, got {preset!r}")
        known_keys(preset, f"presets.{name}", PRESET_KEYS, source)
        if "first_response_seconds" in preset:
            _number(preset["first_response_seconds"], f"presets.{name}.first_response_seconds", source,
                    maximum=MAX_MINUTES * 60)
        if "reply_rate" in preset:  # a share of posts replied to (10086: 1.0 = 100 %)
            _number(preset["reply_rate"], f"presets.{name}.reply_rate", source, maximum=1)
    norms = raw.get("posting_norms")
    if norms is not None and not isinstance(norms, dict):
        raise InputError(f"{source}: posting_norms must be a mapping of norms, got {norms!r}")
    policy = Policy(duty=duty, patrol_minutes=patrol, sla=sla, presets=dict(presets),
                    content_change_minutes=_number(raw.get("content_change_minutes", 10), "content_change_minutes",
                                                   source, maximum=1440),
                    aggregation=dict(raw.get("aggregation") or {}),
                    posting_norms=dict(norms or {}),
                    source=source)
    if norms is not None:  # the reader `wbcs norms` uses, so loading and the check agree on one rule set
        norm_thresholds(policy)
    return policy


NORM_KEYS = ("posts_per_day", "spacing_minutes", "morning_post", "evening_post", "anchor_tolerance_minutes",
             "content_mix", "content_mix_tolerance", "max_chars", "min_pictures_per_day", "repost_to_original",
             "repost_ratio_tolerance", "max_charity_news_culture_reposts_per_day")


def _is_number(v) -> bool:
    """A number of the policy file: YAML's true is no 1 (posts_per_day: [true, 20] was read as [1, 20])."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def norm_thresholds(policy: Policy) -> dict:
    """The posting norms' thresholds of ``policy`` (``wbcs.kpi.norms`` checks a log against them), each checked."""
    n = policy.posting_norms
    known_keys(n, "posting_norms", NORM_KEYS, policy.source)  # a misspelt key would leave its norm unchecked
    where = f"{policy.source}: posting_norms"

    def pair(key):
        v = n.get(key)
        if not (isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v)
                and v[0] <= v[1]):
            raise InputError(f"{where}.{key} must be [low, high], got {v!r}")
        return float(v[0]), float(v[1])

    def number(key):
        v = n.get(key)
        if not _is_number(v) or v < 0:
            raise InputError(f"{where}.{key} must be a number ≥ 0, got {v!r}")
        return float(v)

    def minute(key):
        h, sep, m = str(n.get(key)).strip().partition(":")
        if not (sep and h.isdigit() and m.isdigit() and len(m) == 2 and int(h) < 24 and int(m) < 60):
            raise InputError(f"{where}.{key} must be a time of day like '08:30' (hours 00–23, minutes 00–59), "
                             f"got {n.get(key)!r}")
        return int(h) * 60 + int(m)

    mix = n.get("content_mix")
    if not isinstance(mix, dict) or not mix or any(not _is_number(v) or v < 0 for v in mix.values()):
        raise InputError(f"{where}.content_mix must map categories to weights, got {mix!r}")
    if not sum(mix.values()) > 0:  # the shares are weight / total: no category would have one
        raise InputError(f"{where}.content_mix: the weights sum to 0; give a category a weight > 0, got {mix!r}")
    return {"posts": pair("posts_per_day"), "spacing": pair("spacing_minutes"),
            "morning": minute("morning_post"), "evening": minute("evening_post"),
            "tolerance": number("anchor_tolerance_minutes"), "mix": mix,
            "mix_tolerance": number("content_mix_tolerance"), "max_chars": number("max_chars"),
            "pictures": number("min_pictures_per_day"), "ratio": number("repost_to_original"),
            "ratio_tolerance": number("repost_ratio_tolerance"),
            "charity": number("max_charity_news_culture_reposts_per_day")}


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy at ``path`` (default ``data/policy.yaml``), validated (``wbcs.yamlsafe``: bounded,
    unquoted clock times read as times)."""
    from wbcs.yamlsafe import load_yaml

    p = Path(path) if path else data_file("policy.yaml")
    if not p.exists():
        raise InputError(f"{p}: policy file not found")
    return parse_policy(load_yaml(p), source=str(p))
