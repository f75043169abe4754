"""A what-if scenario: validated, immutable, loaded from YAML (Ciw's habit of one network object).

The format (every key but ``arrivals``, ``agents`` and ``service_minutes`` optional)::

    name: manager-example
    start: 2025-01-06            # local date (Asia/Shanghai) the simulation starts, at midnight
    horizon_days: 7              # posts arrive during the horizon; the queue then drains
    warmup_days: 0               # posts arriving before this are left out of the statistics
    policy: default              # the policy file that omitted SLA clocks come from
    arrivals:
      rate_per_hour: 200         # 1, 24 (hour of day) or 168 (hour of week, Monday 00:00 first)
      # or: posts_per_day: 400, profile: stc3 | stc3_hour_of_day | flat
      bursts: [{start: "2025-01-08 10:00", hours: 2, posts: 500, kind: complaint}]
    mix: {complaint: 0.5, consultation: 0.5}   # relative weights of the post kinds, scaled to sum to 1 ({complaint: 5,
                                               # consultation: 3} is 0.625 / 0.375: list every kind you mean)
    duty: always                 # or 'policy', or {weekdays, start, end, holidays, on_call}
    agents: 14                   # on duty; or 24/168 numbers; or {shifts: [...]}; or {pools: [...]}
    on_call_agents: 0            # agents at least, outside duty hours and on holidays
    patrol_minutes: 0            # 0 = continuous; or 'policy', or {default: 30, complaint: 10}
    service_minutes: {distribution: exponential, mean: 3}   # or per kind {default: ..., complaint: ...}
    draft_factor: 1              # first-handling time × this with reply drafts (wbcs reply); per kind too
    priority: fifo               # fifo | kind (priority_order) | influence (followers, reposts)
    sla: {first_response_seconds: 20}   # or per kind {complaint: {acknowledge_minutes, ...}}, preset
    tickets: {share: {complaint: 0.6}, back_office: {capacity: 4, hours: {...}, clock: business},
              answer_minutes: {...}}
    satisfaction: {probability: 0.8, reopen_probability: 0.5, max_reopens: 2, reopen_after_hours: {...}}
    escalation: {kinds: [complaint], reposts_per_hour: 2, threshold: 10}   # reposts until the public reply
    influence: {followers: {distribution: lognormal, mean: 2000, sd: 20000}, reposts_per_1000_followers: 1}

Dynamics default to the textbook queue (always on duty, continuous monitoring, no tickets,
everyone satisfied), so the issue's M/M/c example means what it says; SLA clocks default to
the policy file. Every error names the key path, e.g.
``scenario.yaml: arrivals.rate_per_hour must have 1, 24 or 168 values, got 7``.

Every value is checked for its type and a range the machine can hold: files are read by
``wbcs.yamlsafe`` (bounded size and alias expansion; ``08:00`` unquoted is a time), numbers
must be finite, and a run may hold at most the memory of ``MAX_POSTS`` expected one-stage posts (a post keeping
``Scenario.stages`` agent tasks drawn in advance weighs ``post_weight(stages)``) and ``MAX_AGENTS`` agents. Dates and
times are written year first (``2025-01-08``, ``2025-01-08 10:00``, or a YAML date), as the CLI's time options are
(``wbcs.io.times.option_time``): ``06/01/2025`` is refused, never guessed. A time with a zone
(``2025-01-08 10:00+00:00``) is converted to Beijing time; one without is Beijing time already. A burst must fall after
the warm-up, where its posts are counted, and end by the end of the horizon, after which no post arrives.

To add a key: put it in ``TOP_KEYS``, read it in ``_parse`` with a ``_Reader`` method (which
checks type and range and names the key) and give ``Scenario`` a field for it.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from wbcs.config import data_file, shipped
from wbcs.errors import InputError
from wbcs.io.times import option_time
from wbcs.pii import mask_pii
from wbcs.policy import (
    MAX_MINUTES,
    POST_KINDS,
    WEEKDAYS,
    Duty,
    Policy,
    SlaClock,
    clock_minutes,
    known_keys,
    load_policy,
    parse_policy,
    weekday,
)
from wbcs.sim.distributions import LARGE, Dist, parse_dist

MINUTES_PER_WEEK = 7 * 24 * 60
# What one run may hold, in one-stage posts: the engine keeps ~0.5-1 KB per post (1 M posts peak at ~0.9 GB), and a
# year of the M/M/c benchmark (200 posts an hour) is 1.75 M posts. Every further stage of a post (tickets,
# reopens) keeps ~50 B more, five draws copied once into detection order (204k posts: 335 MB peak with 1 stage,
# 445 MB with 12; 407k: 437 MB with 1, 486 MB with 4): a sixteenth of a post, rounded up.
MAX_POSTS = 3_000_000
STAGE_WEIGHT = 1 / 16
MAX_AGENTS = 10_000  # per hour and pool; the engine keeps a slot per agent
MAX_LIST = 1_000  # bursts, shifts
MAX_POOLS = 20  # each pool keeps its agents for every minute of the run (8 MB a pool for two years)
FIRST_START, LAST_START = pd.Timestamp("1970-01-01"), pd.Timestamp("2200-12-31")
PRIORITIES = ("fifo", "kind", "influence")
PROFILES = ("stc3", "stc3_hour_of_day", "flat")
TOP_KEYS = ("name", "start", "horizon_days", "warmup_days", "drain_days", "policy", "arrivals", "mix",
            "duty", "agents", "on_call_agents", "patrol_minutes", "service_minutes", "priority",
            "priority_order", "sla", "tickets", "satisfaction", "escalation", "influence", "draft_factor")


@dataclass(frozen=True)
class Burst:
    """An incident surge: ``posts`` (Poisson mean) spread evenly over ``hours`` from ``start_minute``."""

    start_minute: float
    hours: float
    posts: float
    kind: str | None  # None: the scenario's mix


@dataclass(frozen=True)
class Pool:
    """A group of agents with the same skills and schedule."""

    name: str
    kinds: tuple[str, ...]
    week: tuple[int, ...] = field(repr=False)  # agents on each minute of the week, Monday 00:00 first
    on_call_agents: int = 0


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    start: pd.Timestamp
    horizon_days: float
    warmup_days: float
    drain_days: float
    rate_week: tuple[float, ...] = field(repr=False)  # arrivals per hour, 168 hours from Monday 00:00
    bursts: tuple[Burst, ...]
    mix: MappingProxyType  # kind → share (sums to 1); these mappings are read-only
    duty: Duty | None  # None: always on duty
    pools: tuple[Pool, ...]
    patrol_minutes: MappingProxyType  # kind → minutes (0 = continuous)
    service: MappingProxyType  # kind → Dist (minutes)
    draft_factor: MappingProxyType  # kind → factor on the first handling time (reply drafts; 1 = none)
    priority: str
    priority_order: tuple[str, ...]
    sla: MappingProxyType  # kind → SlaClock
    ticket_share: MappingProxyType
    back_office_capacity: int  # 0 = unlimited
    back_office: Dist  # minutes
    back_office_clock: str
    answer: Dist  # minutes of agent time to deliver a back-office answer
    satisfaction: MappingProxyType
    reopen_probability: float
    max_reopens: int
    reopen_after: Dist  # minutes
    escalation_kinds: tuple[str, ...]
    reposts_per_hour: float
    escalation_threshold: int
    followers: Dist
    reposts_per_1000_followers: float
    raw: MappingProxyType = field(repr=False, compare=False)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        from wbcs.yamlsafe import load_yaml

        p = find_scenario(path)
        return cls.from_dict(load_yaml(p), source=str(p))

    @classmethod
    def from_dict(cls, raw: dict, source: str = "scenario") -> Scenario:
        return _parse(raw, source)

    def mix_note(self) -> str | None:
        """One line when the scenario file's mix does not sum to 1: the shares it is simulated with (a mix is
        relative weights, scaled to sum to 1; {complaint: 0.5, consultation: 0.3} was read as leaving 0.2 to
        the other kinds). None when it sums to 1 or is not given."""
        given = self.raw.get("mix")
        total = sum(given.values()) if isinstance(given, Mapping) else 1.0
        if math.isclose(total, 1.0, rel_tol=1e-9):
            return None
        shares = ", ".join(f"{k} {self.mix[k]:.4g}" for k in given if self.mix[k] > 0)  # in the file's order
        return f"{self.source}: mix weights sum to {total:g}, not 1: simulated as relative weights, {shares}"

    def unstaffed_note(self) -> str | None:
        """One line when posts arrive of a kind no agent takes at any minute of the week (agents 0, no on-call
        agents): every one of them goes unserved, which a run does without complaint. None otherwise."""
        idle = [k for k in POST_KINDS if self.mix[k] > 0 and not any(k in p.kinds and any(p.week) for p in self.pools)]
        if not idle or self.expected_posts == 0:
            return None
        return (f"{self.source}: no agent is on duty at any time of the week for {', '.join(idle)} posts (agents, "
                "on_call_agents): every one of them goes unserved")

    @property
    def stages(self) -> int:
        """Agent tasks a post can need, each drawn in advance: 1 (first handling) or 2 + max_reopens (answers after
        the back office, reopened ones)."""
        return _stages(self.ticket_share, self.satisfaction, self.reopen_probability, self.max_reopens)

    @property
    def horizon_minutes(self) -> float:
        return self.horizon_days * 1440

    def burst_slot(self) -> tuple[float, float]:
        """(hours from the start, length in hours) of the first burst, or where an outage is put by
        default: 10:00 on the third day of the measured period (after the warm-up), for two hours (to the end of
        a horizon that ends sooner)."""
        if self.bursts:
            return self.bursts[0].start_minute / 60, self.bursts[0].hours
        first = np.ceil(self.warmup_days) * 24
        at = max(self.warmup_days * 24, min(first + 2 * 24 + 10, self.horizon_days * 24 - 2))
        return at, min(2.0, self.horizon_days * 24 - at)  # a burst ends by the horizon's end

    @property
    def expected_posts(self) -> float:
        """Mean posts a run: the hourly rates over the horizon plus the bursts."""
        return _expected_posts(np.asarray(self.rate_week), self.horizon_days) + sum(b.posts for b in self.bursts)

    def updated(self, patch: dict) -> Scenario:
        """A new scenario: this one's mapping with ``patch`` merged in (nested mappings merge), validated."""
        return _parse(_merge(self.raw, patch), self.source)

    def to_yaml(self) -> str:
        """The scenario's mapping as YAML that reads back to the same scenario (clock times quoted)."""
        from wbcs.yamlsafe import dump_yaml

        return dump_yaml(copy.deepcopy(dict(self.raw)))


def shipped_scenarios() -> list[str]:
    """The names of the scenarios shipped in the package's ``data/scenarios``."""
    return sorted(p.stem for p in data_file("scenarios").glob("*.yaml"))


def find_scenario(path: str | Path) -> Path:
    """The scenario file ``path`` names: the file itself; else a shipped scenario, by its name
    (``manager_example``) or by its path in the repository (``data/scenarios/manager_example.yaml``), so that the
    README's commands work from any folder, as the policy file is found. Neither: an InputError listing the
    shipped names."""
    p = Path(path)
    if p.exists():  # a folder too: load_yaml says it is one
        return p
    folder = data_file("scenarios")
    copy = shipped(p) if len(p.parts) > 1 else folder / (p.name if p.suffix else f"{p.name}.yaml")
    if copy is not None and copy.is_file() and copy.resolve().parent == folder.resolve():
        return copy
    raise InputError(f"{p}: scenario file not found; give a scenario YAML or the name of a shipped one "
                     f"({', '.join(shipped_scenarios())}: {data_file('scenarios')})")


def as_scenario(scenario) -> Scenario:
    """``scenario`` itself, or the ``Scenario`` of a scenario file (a path) or of a mapping; anything else
    is an InputError (it was an AttributeError deep in the simulator)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | Path):
        return Scenario.from_yaml(scenario)
    if isinstance(scenario, Mapping):
        return Scenario.from_dict(dict(scenario))
    raise InputError(f"scenario must be a Scenario (wbcs.sim.Scenario.from_yaml(path)), a scenario file or a "
                     f"mapping, got {type(scenario).__name__}")


def _merge(base, patch: dict) -> dict:
    out = copy.deepcopy(dict(base))
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


class _Reader:
    """Typed look-ups that fail with the source and the key path."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, what: str):
        raise InputError(f"{self.source}: {key} {what}")

    def mapping(self, value, key: str, known: tuple[str, ...] | list[str]) -> dict:
        if not isinstance(value, dict):
            self.fail(key, f"must be a mapping, got {value!r}")
        known_keys(value, key, tuple(known), self.source)
        return value

    def number(self, value, key: str, *, low: float = 0, high: float = LARGE, positive: bool = False) -> float:
        """A finite number in [low, high] (> low if ``positive``)."""
        if (isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high
                or (positive and value == low)):
            bound = f"> {low:g}" if positive else f"≥ {low:g}"
            self.fail(key, f"must be a number {bound} and ≤ {_big(high)}, got {value!r}")
        return float(value)

    def integer(self, value, key: str, *, low: int = 0, high: float = LARGE) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, f"must be a whole number ≥ {low} and ≤ {_big(high)}, got {value!r}")
        return int(value)

    def items(self, value, key: str, what: str, most: int = MAX_LIST) -> list:
        """A non-empty list of at most ``most`` items."""
        if not isinstance(value, list) or not value or len(value) > most:
            self.fail(key, f"must be a non-empty list of {what} (at most {most:,})")
        return value

    def kind(self, value, key: str) -> str:
        if value not in POST_KINDS:
            self.fail(key, f"must be a post kind ({', '.join(POST_KINDS)}), got {value!r}")
        return value

    def per_kind(self, value, key: str, parse) -> dict:
        """One value for every kind, or ``{default: v, kind: v, ...}``."""
        if isinstance(value, dict):
            for k in value:
                if k != "default":
                    self.kind(k, f"{key}.{k}")
            if "default" not in value and set(value) != set(POST_KINDS):
                self.fail(key, "needs a 'default' or a value for every post kind")
            return {k: parse(value.get(k, value.get("default")), f"{key}.{k}" if k in value else f"{key}.default")
                    for k in POST_KINDS}
        v = parse(value, key)
        return {k: v for k in POST_KINDS}

    def clock_minute(self, value, key: str, *, allow_24: bool = False) -> int:
        return clock_minutes(value, key, self.source, allow_24=allow_24)

    def timestamp(self, value, key: str) -> pd.Timestamp:
        """A date or 'YYYY-MM-DD HH:MM' (a YAML date too), read as the CLI's time options are (``option_time``): text
        year first ('06/01/2025' was read as 1 June and '13/01/2025' as 13 January: both refused), a number refused."""
        # the simulation runs on Beijing wall-clock time: a zone given is converted (10:00+00:00 is 18:00 there;
        # dropping it read 10:00), a naive time is Beijing time already, as wbcs reads times everywhere
        return option_time(value, f"{self.source}: {key}").tz_localize(None)


def _big(x: float) -> str:
    return f"{x:g}" if x < 10_000 else f"{x:,.0f}"


def _shown(value) -> str:
    """A value as the user wrote it (dates as text), cut short."""
    text = value.isoformat() if isinstance(value, (dt.date, dt.time)) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected_posts(rate_week: np.ndarray, horizon_days: float) -> float:
    return float(rate_week.mean() * 24 * horizon_days)


def _duty_mapping(duty: Duty) -> dict:
    return {"weekdays": list(duty.weekdays), "start": duty.start.strftime("%H:%M"),
            "end": duty.end.strftime("%H:%M"), "holidays": [d.isoformat() for d in duty.holidays],
            "on_call": duty.on_call}


def _week_from_hours(values: list[int]) -> np.ndarray:
    hours = np.resize(np.asarray(values, dtype=np.int64), 168)  # 24 values repeat over the week
    return np.repeat(hours, 60)


def _parse_agents(r: _Reader, value, key: str, duty: Duty | None) -> np.ndarray:
    """Agents on each minute of the week."""
    if isinstance(value, list):
        if len(value) not in (24, 168):
            r.fail(key, f"must have 24 or 168 values (agents by hour), got {len(value)}")
        return _week_from_hours([r.integer(v, f"{key}[{i}]", high=MAX_AGENTS) for i, v in enumerate(value)])
    if isinstance(value, dict):
        r.mapping(value, key, ("shifts",))
        shifts = r.items(value.get("shifts"), f"{key}.shifts", "{days, start, end, agents}")
        week = np.zeros(MINUTES_PER_WEEK, dtype=np.int64)
        for i, s in enumerate(shifts):
            k = f"{key}.shifts[{i}]"
            r.mapping(s, k, ("days", "start", "end", "agents"))
            days = s.get("days", WEEKDAYS)
            if not isinstance(days, list) or not days:
                r.fail(f"{k}.days", "must be a list of weekdays (mon..sun)")
            idx = [WEEKDAYS.index(weekday(d, f"{k}.days", r.source)) for d in days]
            a = r.clock_minute(s.get("start"), f"{k}.start")
            b = r.clock_minute(s.get("end"), f"{k}.end", allow_24=True)
            n = r.integer(s.get("agents"), f"{k}.agents", high=MAX_AGENTS)
            if a == b:
                r.fail(f"{k}.end", "must differ from start")
            for d in idx:  # a shift ending before it starts runs past midnight
                lo, hi = d * 1440 + a, d * 1440 + b + (1440 if b < a else 0)
                week[np.arange(lo, hi) % MINUTES_PER_WEEK] += n
        if week.max() > MAX_AGENTS:
            r.fail(f"{key}.shifts", f"put {week.max():,} agents on duty at once; at most {MAX_AGENTS:,}")
        return week
    n = r.integer(value, key, high=MAX_AGENTS)
    return np.full(MINUTES_PER_WEEK, n, dtype=np.int64) if duty is None else np.where(duty_week(duty), n, 0)


def duty_week(duty: Duty) -> np.ndarray:
    """True on the minutes of the week inside duty hours on duty weekdays."""
    minute = np.arange(MINUTES_PER_WEEK)
    s = duty.start.hour * 60 + duty.start.minute
    day_ok = np.isin(minute // 1440, [WEEKDAYS.index(d) for d in duty.weekdays])
    return day_ok & (minute % 1440 >= s) & (minute % 1440 < s + duty.minutes_per_day)


def _with_on_call(week: np.ndarray, duty: Duty | None, off: int) -> np.ndarray:
    """Outside duty hours at least ``off`` agents (on call), whatever form the schedule had."""
    return week if duty is None else np.where(duty_week(duty), week, np.maximum(week, off))


def _parse_rates(r: _Reader, arr: dict) -> np.ndarray:
    if ("rate_per_hour" in arr) == ("posts_per_day" in arr):
        r.fail("arrivals", "needs exactly one of rate_per_hour or posts_per_day")
    if "rate_per_hour" in arr:
        if "profile" in arr:
            r.fail("arrivals.profile", "goes with posts_per_day, not rate_per_hour")
        v = arr["rate_per_hour"]
        values = v if isinstance(v, list) else [v]
        if len(values) not in (1, 24, 168):
            r.fail("arrivals.rate_per_hour", f"must have 1, 24 or 168 values, got {len(values)}")
        return np.resize(np.array([r.number(x, "arrivals.rate_per_hour", high=MAX_POSTS) for x in values]), 168)
    per_day = r.number(arr["posts_per_day"], "arrivals.posts_per_day", high=MAX_POSTS)
    profile = arr.get("profile", "stc3")
    if profile not in PROFILES:
        r.fail("arrivals.profile", f"must be one of {', '.join(PROFILES)}, got {profile!r}")
    shape = np.ones(168) if profile == "flat" else np.resize(_stc3_profile(profile), 168)
    return per_day / 24 * shape / shape.mean()


def _stages(ticket_share: Mapping, satisfaction: Mapping, reopen_probability: float, max_reopens: int) -> int:
    """``Scenario.stages`` from its parts (the volume check runs before the Scenario exists)."""
    tickets = any(v > 0 for v in ticket_share.values())
    reopen = max_reopens > 0 and reopen_probability > 0 and any(v < 1 for v in satisfaction.values())
    return 2 + max_reopens if tickets or reopen else 1


def post_weight(stages: int) -> float:
    """The memory of a post of ``stages`` agent tasks, in one-stage posts (``MAX_POSTS``)."""
    return 1 + (stages - 1) * STAGE_WEIGHT


def _check_volume(r: _Reader, arr: dict, rate_week: np.ndarray, horizon: float, bursts: list[Burst],
                  stages: int) -> None:
    """At most the memory of ``MAX_POSTS`` one-stage posts a run (each post weighing ``post_weight(stages)``: the cap
    counted posts, and 12 stages a post took ~1.5 times the memory); the error names the key that brings them and,
    for posts of several stages, ``satisfaction.max_reopens``, which multiplies the stages."""
    weight = post_weight(stages)
    limit = f"more than the {MAX_POSTS:,} posts a run the simulator holds in memory"

    def too_many(key: str, posts: str, total: float, lower: str) -> None:
        if stages == 1:
            r.fail(key, f"{posts}, {limit}; {lower}")
        r.fail(key, f"{posts}, each kept as {stages} agent tasks (tickets or reopens: 2 + satisfaction.max_reopens), "
                    f"the memory of {total * weight:,.0f} one-task posts, {limit}; {lower}, or lower "
                    "satisfaction.max_reopens")

    background = _expected_posts(rate_week, horizon)
    if background * weight > MAX_POSTS:
        too_many("arrivals.rate_per_hour" if "rate_per_hour" in arr else "arrivals.posts_per_day",
                 f"gives {background:,.0f} posts in {horizon:g} days", background, "lower it or shorten horizon_days")
    total = background
    for i, b in enumerate(bursts):
        total += b.posts
        if total * weight > MAX_POSTS:
            too_many(f"arrivals.bursts[{i}].posts", f"brings the run to {total:,.0f} expected posts", total, "lower it")


@functools.lru_cache(maxsize=8)
def _policy(path: str, mtime: float) -> Policy:
    """The policy file, parsed once per version (sliders re-validate scenarios often)."""
    return load_policy(path)


@functools.lru_cache(maxsize=2)
def _stc3_profile(profile: str) -> tuple[float, ...]:
    """The STC-3 arrival profile, read once per process (sliders re-validate scenarios often)."""
    from wbcs.datasets import arrival_profile

    return tuple(arrival_profile("hour_of_week" if profile == "stc3" else "hour_of_day", committed=True))


def _parse(raw, source: str) -> Scenario:
    r = _Reader(source)
    if not isinstance(raw, dict):
        raise InputError(f"{source}: a scenario must be a mapping of keys, got {type(raw).__name__}")
    r.mapping(raw, "", TOP_KEYS)
    for key in ("arrivals", "agents", "service_minutes"):
        if key not in raw:
            r.fail(key, "is missing (every scenario needs arrivals, agents and service_minutes)")

    name = raw.get("name", Path(source).stem)
    if not isinstance(name, (str, int, float)) or isinstance(name, bool) or len(str(name)) > 200:
        r.fail("name", f"must be a short text (at most 200 characters), got {_shown(name)}")
    # shown in progress bars, JSON, tables and the YAML written back (to_yaml): masked, as all that leaves
    name = mask_pii(str(name))
    if "name" in raw and name != str(raw["name"]):
        raw = {**raw, "name": name}

    policy_ref = raw.get("policy", "default")
    if not isinstance(policy_ref, str):
        r.fail("policy", f"must be 'default' or a path to a policy file, got {policy_ref!r}")
    p = data_file("policy.yaml") if policy_ref == "default" else Path(policy_ref)
    p = p if p.is_absolute() or source == "scenario" else Path(source).parent / p
    try:
        policy = _policy(str(p.resolve()), p.stat().st_mtime if p.exists() else 0.0)
    except InputError as e:
        r.fail("policy:", str(e))

    start = r.timestamp(raw.get("start", "2025-01-06"), "start")
    if start != start.normalize():
        r.fail("start", f"must be a date (the simulation starts at midnight), got {_shown(raw.get('start'))}")
    if not FIRST_START <= start <= LAST_START:
        r.fail("start", f"must be a date from {FIRST_START:%Y-%m-%d} to {LAST_START:%Y-%m-%d}, got {start:%Y-%m-%d}")
    horizon = r.number(raw.get("horizon_days", 7), "horizon_days", low=0, high=366, positive=True)
    warmup = r.number(raw.get("warmup_days", 0), "warmup_days", high=366)
    if warmup >= horizon:
        r.fail("warmup_days", f"must be shorter than horizon_days ({horizon:g}), got {warmup:g}")
    drain = r.number(raw.get("drain_days", 14), "drain_days", high=366)

    arr = r.mapping(raw["arrivals"], "arrivals", ("rate_per_hour", "posts_per_day", "profile", "bursts"))
    rate_week = _parse_rates(r, arr)
    bursts = []
    for i, b in enumerate(r.items(arr["bursts"], "arrivals.bursts", "{start, hours, posts, kind}")
                          if arr.get("bursts") else []):
        k = f"arrivals.bursts[{i}]"
        r.mapping(b, k, ("start", "hours", "posts", "kind"))
        at = b.get("start")
        if isinstance(at, (int, float)) and not isinstance(at, bool):
            minute = r.number(at, f"{k}.start", high=horizon * 24) * 60
        else:
            minute = (r.timestamp(at, f"{k}.start") - start) / pd.Timedelta(minutes=1)
        if not 0 <= minute < horizon * 1440:
            r.fail(f"{k}.start", f"{_shown(at)} is outside the horizon ({start:%Y-%m-%d} + {horizon:g} days)")
        if minute < warmup * 1440:
            when = start + pd.Timedelta(minutes=minute)
            r.fail(f"{k}.start", f"{when:%Y-%m-%d %H:%M} is inside the warm-up (the first {warmup:g} days, until "
                                 f"{start + pd.Timedelta(days=warmup):%Y-%m-%d %H:%M}), where posts are not counted; "
                                 "move the burst later or shorten warmup_days")
        kind = r.kind(b["kind"], f"{k}.kind") if "kind" in b else None
        hours = r.number(b.get("hours"), f"{k}.hours", positive=True, high=horizon * 24)
        # its posts after the horizon were dropped unsaid (expected_posts counted them all: 1,000 expected, ~160
        # simulated); a millionth of a minute over is float rounding of an end at the horizon (24 h + 1.2 h of 1.05 d)
        if minute + hours * 60 > horizon * 1440 + 1e-6:
            r.fail(k, f"runs from hour {minute / 60:g} for {hours:g} hours, past the end of the horizon (hour "
                      f"{horizon * 24:g}: horizon_days {horizon:g}), where no post is simulated; end it by then "
                      f"(hours ≤ {horizon * 24 - minute / 60:g}) or lengthen horizon_days")
        bursts.append(Burst(minute, hours, r.number(b.get("posts"), f"{k}.posts", high=MAX_POSTS), kind))

    mix_raw = r.mapping(raw.get("mix", {"complaint": 1.0}), "mix", POST_KINDS)
    mix = {k: r.number(mix_raw.get(k, 0), f"mix.{k}") for k in POST_KINDS}
    total = sum(mix.values())
    if total <= 0:
        r.fail("mix", "needs at least one post kind with a share > 0")
    mix = {k: v / total for k, v in mix.items()}

    duty_raw = raw.get("duty", "always")
    if duty_raw == "always":
        duty = None
    elif duty_raw == "policy":
        duty = policy.duty
    else:
        r.mapping(duty_raw, "duty", ("weekdays", "start", "end", "holidays", "on_call"))
        merged = {**_duty_mapping(policy.duty), **duty_raw}
        duty = _via_policy({"duty": merged, "sla": {}}, source).duty

    off = r.integer(raw.get("on_call_agents", 0), "on_call_agents", high=MAX_AGENTS)
    agents = raw["agents"]
    if isinstance(agents, dict) and "pools" in agents:
        r.mapping(agents, "agents", ("pools",))
        pools = []
        for i, p in enumerate(r.items(agents["pools"], "agents.pools", "{name, kinds, agents}", MAX_POOLS)):
            k = f"agents.pools[{i}]"
            r.mapping(p, k, ("name", "kinds", "agents"))
            if "agents" not in p:
                r.fail(f"{k}.agents", "is missing")
            kinds = tuple(r.kind(x, f"{k}.kinds") for x in p.get("kinds", POST_KINDS))
            week = _with_on_call(_parse_agents(r, p["agents"], f"{k}.agents", duty), duty, off)
            pools.append(Pool(str(p.get("name", f"pool{i}"))[:100], kinds, tuple(week.tolist()), off))
        uncovered = [kd for kd in POST_KINDS if mix[kd] > 0 and not any(kd in p.kinds for p in pools)]
        if uncovered:
            r.fail("agents.pools", f"no pool handles {uncovered[0]!r}; add it to a pool's kinds")
    else:
        week = _with_on_call(_parse_agents(r, agents, "agents", duty), duty, off)
        pools = [Pool("agents", tuple(POST_KINDS), tuple(week.tolist()), off)]

    patrol_raw = raw.get("patrol_minutes", 0)
    if patrol_raw == "policy":
        patrol = {k: policy.patrol_for(k) for k in POST_KINDS}
    else:
        patrol = r.per_kind(patrol_raw, "patrol_minutes", lambda v, k: r.number(v, k, high=1440))

    def dist_or_kinds(value, key: str) -> dict[str, Dist]:
        if isinstance(value, dict) and not ({"distribution", "mean", "values"} & set(value)):
            return r.per_kind(value, key, lambda v, kk: parse_dist(v, kk, source))
        d = parse_dist(value, key, source)
        return {k: d for k in POST_KINDS}

    service = dist_or_kinds(raw["service_minutes"], "service_minutes")
    draft_factor = r.per_kind(raw.get("draft_factor", 1), "draft_factor",
                              lambda v, k: r.number(v, k, high=1, positive=True))

    priority = raw.get("priority", "fifo")
    if priority not in PRIORITIES:
        r.fail("priority", f"must be one of {', '.join(PRIORITIES)}, got {priority!r}")
    order = raw.get("priority_order", ["complaint", "consultation", "vague_negative", "abuse", "praise"])
    if not isinstance(order, list):
        r.fail("priority_order", "must be a list of post kinds, most urgent first")
    order = [r.kind(x, "priority_order") for x in order]
    order += [k for k in POST_KINDS if k not in order]

    sla = _parse_sla(r, raw.get("sla", "policy"), policy, source)

    t = r.mapping(raw.get("tickets", {"share": 0}), "tickets", ("share", "back_office", "answer_minutes"))
    share = r.per_kind(t.get("share", 0), "tickets.share", lambda v, k: r.number(v, k, high=1))
    bo = r.mapping(t.get("back_office", {}), "tickets.back_office", ("capacity", "hours", "clock"))
    capacity = bo.get("capacity")
    capacity = 0 if capacity is None else r.integer(capacity, "tickets.back_office.capacity", low=1, high=MAX_AGENTS)
    bo_hours = parse_dist(bo.get("hours", {"distribution": "lognormal", "mean": 24, "sd": 12}),
                          "tickets.back_office.hours", source)
    bo_clock = bo.get("clock", "calendar")
    if bo_clock not in ("calendar", "business"):
        r.fail("tickets.back_office.clock", f"must be 'calendar' or 'business', got {bo_clock!r}")
    answer = parse_dist(t.get("answer_minutes", {"distribution": "exponential", "mean": 5}),
                        "tickets.answer_minutes", source)

    s = r.mapping(raw.get("satisfaction", {}), "satisfaction",
                  ("probability", "reopen_probability", "max_reopens", "reopen_after_hours"))
    satisfied = r.per_kind(s.get("probability", 1.0), "satisfaction.probability", lambda v, k: r.number(v, k, high=1))
    reopen = r.number(s.get("reopen_probability", 0.5), "satisfaction.reopen_probability", high=1)
    max_reopens = r.integer(s.get("max_reopens", 2), "satisfaction.max_reopens", high=10)  # arrays grow with it
    reopen_after = parse_dist(s.get("reopen_after_hours", {"distribution": "exponential", "mean": 2}),
                              "satisfaction.reopen_after_hours", source)
    _check_volume(r, arr, rate_week, horizon, bursts, _stages(share, satisfied, reopen, max_reopens))

    e = r.mapping(raw.get("escalation", {}), "escalation", ("kinds", "reposts_per_hour", "threshold"))
    esc_kinds = e.get("kinds", ["complaint"])
    if not isinstance(esc_kinds, list):
        r.fail("escalation.kinds", "must be a list of post kinds")
    esc_kinds = tuple(r.kind(x, "escalation.kinds") for x in esc_kinds)

    inf = r.mapping(raw.get("influence", {}), "influence", ("followers", "reposts_per_1000_followers"))
    followers = parse_dist(inf.get("followers", {"distribution": "lognormal", "mean": 2000, "sd": 20000}),
                           "influence.followers", source)

    return Scenario(
        name=name, source=source, start=start,
        horizon_days=horizon, warmup_days=warmup, drain_days=drain,
        rate_week=tuple(float(x) for x in rate_week), bursts=tuple(bursts), mix=_frozen(mix), duty=duty,
        pools=tuple(pools), patrol_minutes=_frozen(patrol), service=_frozen(service),
        draft_factor=_frozen(draft_factor), priority=priority,
        priority_order=tuple(order), sla=_frozen(sla), ticket_share=_frozen(share), back_office_capacity=capacity,
        back_office=bo_hours.scaled(60), back_office_clock=bo_clock, answer=answer,
        satisfaction=_frozen(satisfied), reopen_probability=reopen, max_reopens=max_reopens,
        reopen_after=reopen_after.scaled(60), escalation_kinds=esc_kinds,
        reposts_per_hour=r.number(e.get("reposts_per_hour", 0), "escalation.reposts_per_hour", high=10_000),
        escalation_threshold=r.integer(e.get("threshold", 10), "escalation.threshold", low=1),
        followers=followers,
        reposts_per_1000_followers=r.number(inf.get("reposts_per_1000_followers", 1.0),
                                            "influence.reposts_per_1000_followers", high=1000),
        raw=_frozen(copy.deepcopy(raw)))


def _frozen(mapping: dict) -> MappingProxyType:
    """A read-only view, so a frozen Scenario's mappings cannot change under it either."""
    return MappingProxyType(mapping)


def _parse_sla(r: _Reader, value, policy: Policy, source: str) -> dict[str, SlaClock]:
    """The policy's clocks, overridden for every kind (top-level keys) or per kind."""
    if value == "policy":
        return {k: policy.sla.get(k, SlaClock(k, None, None)) for k in POST_KINDS}
    every = ("first_response_seconds", "acknowledge_minutes", "resolve_hours", "clock", "preset")
    r.mapping(value, "sla", every + tuple(POST_KINDS))
    base = {k: {"acknowledge_minutes": c.acknowledge_minutes, "resolve_hours": c.resolve_hours, "clock": c.clock}
            for k, c in policy.sla.items()}
    overrides: dict = {}
    if "preset" in value:
        preset = policy.presets.get(value["preset"])
        if not isinstance(preset, dict):
            r.fail("sla.preset", f"{value['preset']!r} is not a preset of the policy ({', '.join(policy.presets)})")
        if "first_response_seconds" in preset:  # checked when the policy was loaded (``parse_policy``)
            overrides["acknowledge_minutes"] = preset["first_response_seconds"] / 60
    if "first_response_seconds" in value:
        if "acknowledge_minutes" in value:
            r.fail("sla.first_response_seconds", "and sla.acknowledge_minutes say the same thing; keep one")
        overrides["acknowledge_minutes"] = r.number(value["first_response_seconds"], "sla.first_response_seconds",
                                                    high=MAX_MINUTES * 60) / 60
    for k in ("acknowledge_minutes", "resolve_hours", "clock"):
        if k in value:
            overrides[k] = value[k]
    clocks = {}
    for kind in POST_KINDS:
        per_kind = value.get(kind, {})
        r.mapping(per_kind, f"sla.{kind}", ("acknowledge_minutes", "resolve_hours", "clock"))
        clocks[kind] = {**base.get(kind, {"acknowledge_minutes": None, "resolve_hours": None}),
                        **overrides, **per_kind}
    return _via_policy({"duty": {}, "sla": clocks}, source).sla


def _via_policy(sections: dict, source: str) -> Policy:
    """Validate duty/SLA sections with the policy's own parser; errors keep the scenario's name."""
    try:
        return parse_policy({**sections, "patrol_minutes": {"default": 0}}, source)
    except InputError as e:  # some policy messages start with "policy:" whatever the source
        message = str(e).removeprefix(f"{source}: ").removeprefix("policy: ")
        raise InputError(f"{source}: {message}") from None
