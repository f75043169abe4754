"""The service policy: duty calendar, patrols, SLA clocks, aggregation and posting norms.

Read from ``data/policy.yaml`` (DOMAIN.md defaults) or a user's copy. ``load_policy``
validates it and fails with one line naming the key. ``Duty`` answers the calendar
questions every SLA clock needs, vectorised over arrays of times with numpy's
business-day functions (``busday_count``/``busday_offset``), which already handle
weekmasks and holiday lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE, data_file
from wbcs.errors import InputError

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
POST_KINDS = ["consultation", "complaint", "vague_negative", "abuse", "praise"]
MINUTE = np.timedelta64(1, "m")


def _time(value, key: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"policy: {key} must be a time like '08:00', got {value!r}") from None


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

    def _split(self, times) -> tuple[np.ndarray, np.ndarray]:
        """Local calendar day (datetime64[D]) and minute of day (float) of each time."""
        t = pd.DatetimeIndex(pd.to_datetime(times))
        t = t.tz_localize(TIMEZONE) if t.tz is None else t.tz_convert(TIMEZONE)
        local = t.tz_localize(None).to_numpy()
        day = local.astype("datetime64[D]")
        return day, (local - day) / MINUTE

    def _busday_kwargs(self) -> dict:
        return {"weekmask": self.weekmask,
                "holidays": np.array(self.holidays, dtype="datetime64[D]")}

    def on_duty(self, times) -> np.ndarray:
        """True where a time falls inside duty hours on a duty day."""
        day, minute = self._split(times)
        s = self.start.hour * 60 + self.start.minute
        return np.is_busday(day, **self._busday_kwargs()) & (minute >= s) & (minute < s + self.minutes_per_day)

    def business_minutes(self, start, end) -> np.ndarray:
        """Duty minutes elapsed between ``start`` and ``end`` (element-wise; 0 if end < start).

        F(t) = duty days before t's day × minutes per day + duty minutes of t's day up to t;
        the answer is F(end) − F(start).
        """
        def cumulative(times):
            day, minute = self._split(times)
            origin = np.datetime64("2000-01-03")
            kw = self._busday_kwargs()
            days = np.busday_count(origin, day, **kw).astype(float)
            s = self.start.hour * 60 + self.start.minute
            today = np.clip(minute - s, 0, self.minutes_per_day) * np.is_busday(day, **kw)
            return days * self.minutes_per_day + today

        return np.maximum(cumulative(end) - cumulative(start), 0.0)

    def next_on_duty(self, times) -> pd.DatetimeIndex:
        """Each time itself when on duty (or on call), else the start of the next duty period."""
        t = pd.DatetimeIndex(pd.to_datetime(times))
        t = t.tz_localize(TIMEZONE) if t.tz is None else t.tz_convert(TIMEZONE)
        if self.on_call:
            return t
        day, minute = self._split(t)
        kw = self._busday_kwargs()
        s = self.start.hour * 60 + self.start.minute
        before_end = minute < s + self.minutes_per_day
        # the first duty day on or after today (if today's hours are not over), else after today
        first = np.busday_offset(np.where(before_end, day, day + 1), 0, roll="forward", **kw)
        start_of_duty = (first + np.timedelta64(s, "m")).astype("datetime64[ns]")
        out = np.where(self.on_duty(t), t.tz_localize(None).to_numpy(),
                       np.maximum(start_of_duty, t.tz_localize(None).to_numpy()))
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


def _number(value, key: str, *, allow_none: bool = False, minimum: float = 0) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise InputError(f"policy: {key} must be a number ≥ {minimum:g}, got {value!r}")
    return float(value)


def parse_policy(raw: dict, source: str = "policy") -> Policy:
    """Validate a policy mapping (as read from YAML). Errors name the key."""
    if not isinstance(raw, dict):
        raise InputError(f"{source}: a policy must be a mapping of sections")

    def section(name: str) -> dict:
        value = raw.get(name)
        if not isinstance(value, dict):
            raise InputError(f"{source}: missing section {name!r}")
        return value

    d = section("duty")
    days = tuple(str(x).lower()[:3] for x in d.get("weekdays", WEEKDAYS[:5]))
    unknown = [x for x in days if x not in WEEKDAYS]
    if unknown:
        raise InputError(f"{source}: duty.weekdays has {unknown[0]!r}; use mon..sun")
    start, end = _time(d.get("start", "08:00"), "duty.start"), _time(d.get("end", "20:00"), "duty.end")
    if end <= start:
        raise InputError(f"{source}: duty.end ({end}) must be after duty.start ({start})")
    try:
        holidays = tuple(dt.date.fromisoformat(str(h)) for h in d.get("holidays") or [])
    except ValueError as e:
        raise InputError(f"{source}: duty.holidays: {e}") from None
    duty = Duty(days, start, end, holidays, bool(d.get("on_call", False)))

    patrol = {str(k): _number(v, f"patrol_minutes.{k}") for k, v in section("patrol_minutes").items()}
    if "default" not in patrol:
        raise InputError(f"{source}: patrol_minutes needs a 'default'")

    sla = {}
    for kind, clocks in section("sla").items():
        if kind not in POST_KINDS:
            raise InputError(f"{source}: sla.{kind} is not a post kind ({', '.join(POST_KINDS)})")
        if not isinstance(clocks, dict):
            raise InputError(f"{source}: sla.{kind} must be a mapping")
        clock = clocks.get("clock", "calendar")
        if clock not in ("calendar", "business"):
            raise InputError(f"{source}: sla.{kind}.clock must be 'calendar' or 'business'")
        sla[kind] = SlaClock(kind,
                             _number(clocks.get("acknowledge_minutes"), f"sla.{kind}.acknowledge_minutes", allow_none=True),
                             _number(clocks.get("resolve_hours"), f"sla.{kind}.resolve_hours", allow_none=True),
                             clock)
    return Policy(duty=duty, patrol_minutes=patrol, sla=sla,
                  presets=dict(raw.get("presets") or {}),
                  content_change_minutes=_number(raw.get("content_change_minutes", 10), "content_change_minutes"),
                  aggregation=dict(raw.get("aggregation") or {}),
                  posting_norms=dict(raw.get("posting_norms") or {}),
                  source=source)


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy at ``path`` (default ``data/policy.yaml``), validated."""
    import yaml

    p = Path(path) if path else data_file("policy.yaml")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{p}: policy file not found") from None
    except yaml.YAMLError as e:
        raise InputError(f"{p}: not valid YAML ({str(e).splitlines()[0]})") from None
    return parse_policy(raw, source=str(p))
