"""What a team's own posts say a simulated week should carry: arrivals per hour of week and the mix of post kinds.

The scenarios in ``data/scenarios/`` carry illustrative volumes and mixes (only the arrival *shape* is real, from
STC-3). A manager tuning staffing wants last month's: ``workload(posts)`` gives the ``arrivals`` and ``mix`` of a
scenario (``wbcs.sim.Scenario``) from a posts table.

- Arrivals: the posts of each hour of the week divided by how many times that hour occurs between the first
  post's hour and the last's, so a file from a Monday to the next Wednesday does not count Thursday's hours as
  one week and Monday's as two. Every post counts, whatever its kind: posts of no policy kind (chit-chat, ads)
  take an agent's time too (they are simulated in the mix of the others, which the note says). At least a week
  of posts is needed, else some hours of the week were never seen.
- Mix: the shares of the policy's post kinds (``post_kind``: the kind of the route ``wbcs triage`` gives a
  post, so suggestions count as consultations and negative posts of intent other as complaints or vague
  negativity). They are built on the classifier's labels, and the intent is where it errs most (consultations
  read as complaints: BENCHMARKS.md); so when the model's card allows a correction of the intent shares
  (``corrected_table``: the method its grouped CV chose for a posts table), the mix is
  ``Σ_intent corrected_share(intent) × P(kind | intent)``, the second factor counted on the posts (abuse among
  complaints, or the kinds of negative posts of intent other, keep their counted split): post-stratification on
  the corrected intent margin. The interval of each kind's share maps every bootstrap draw of the intent shares
  the same way. Without a correction (human labels, an old card, or a card whose CV kept the counts) the mix is
  the counted one, and ``note`` says why; where the card's CV kept the counts, their interval (the counts' own
  error in that CV: ``corrected_table``) is mapped to the kinds the same way. Labels a person gave, or the
  counts asked for (``correct=False``), have no interval.

Hand-written (not a forecasting library): the simulator takes a mean rate per hour of week, which is a count
and a division; forecasting next month's volume (trend, holidays) is a different question left to the manager's
own numbers in the YAML.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbcs.checks import rng
from wbcs.columns import local_times
from wbcs.errors import InputError
from wbcs.kpi.indicators import post_kind
from wbcs.kpi.quantify import corrected_table, percentile_interval
from wbcs.policy import POST_KINDS, WEEKDAYS
from wbcs.triage import KIND_RULES

HOURS_OF_WEEK = 168


@dataclass(frozen=True)
class Workload:
    """Arrivals and mix of a posts table, ready for a scenario (``patch``), with what they rest on."""

    rate_per_hour: np.ndarray  # 168 mean posts per hour of week, Monday 00:00 first (Asia/Shanghai)
    mix: pd.DataFrame  # kind, n (posts of that kind), counted_share, share, lo, hi
    posts: int  # posts with a time (all counted in the arrivals)
    without_time: int  # posts without a readable created_at (not in the arrivals)
    without_kind: int  # posts of no policy kind (triage's routes give them no clock): in the arrivals, not the mix
    start: pd.Timestamp  # the first and last post's hour, local time
    end: pd.Timestamp
    method: str  # how the mix was estimated ("counted", or the intent correction's method)
    note: str

    @property
    def weeks(self) -> float:
        return _weeks(self.start, self.end)

    def patch(self, scenario_raw: dict, *, arrivals: bool = True, counted: bool = False) -> dict:
        """``scenario_raw`` (a scenario's mapping, e.g. ``dict(scenario.raw)``; read it back with
        ``Scenario.from_dict``) with this mix — the estimated one, or the ``counted`` one — and, when ``arrivals``,
        these arrivals; its bursts are kept. The mix replaces the scenario's whole (a kind this one lacks is not
        kept from it)."""
        raw = dict(scenario_raw)
        if arrivals:
            kept = {k: v for k, v in dict(raw.get("arrivals") or {}).items()
                    if k not in ("rate_per_hour", "posts_per_day", "profile")}
            raw["arrivals"] = {"rate_per_hour": [round(float(r), 4) for r in self.rate_per_hour], **kept}
        shares = self.mix["counted_share" if counted else "share"]
        raw["mix"] = {kind: round(float(v), 4) for kind, v in zip(self.mix["kind"], shares, strict=True) if v > 0}
        return raw

    def to_dict(self) -> dict:
        busiest = int(np.argmax(self.rate_per_hour))
        return {"posts": self.posts, "without_time": self.without_time, "without_kind": self.without_kind,
                "start": self.start.isoformat(), "end": self.end.isoformat(), "weeks": round(self.weeks, 2),
                "mean_per_hour": float(self.rate_per_hour.mean()),
                "busiest_hour": {"weekday": WEEKDAYS[busiest // 24], "hour": busiest % 24,
                                 "per_hour": float(self.rate_per_hour[busiest])},
                "rate_per_hour": [float(r) for r in self.rate_per_hour],
                "mix_method": self.method, "note": self.note,
                # a mix of a person's labels, or counted as asked, has no interval: null, not NaN (which strict
                # JSON readers refuse)
                "mix": self.mix.astype(object).where(self.mix.notna(), None).to_dict("records")}

    def summary(self) -> str:
        """Two lines for a terminal: the arrivals, then the mix (with its interval where it has one; corrected
        against counted)."""
        d = self.to_dict()
        b = d["busiest_hour"]
        first = (f"{self.posts:,} posts, {self.start:%Y-%m-%d %H:00} – {self.end:%Y-%m-%d %H:00} "
                 f"({self.weeks:.1f} weeks): {d['mean_per_hour']:.3g} posts an hour on average, busiest "
                 f"{b['weekday']} {b['hour']:02d}:00 ({b['per_hour']:.3g})")
        shares = " · ".join(f"{r.kind} {r.share:.2f}" + (f" [{r.lo:.2f}, {r.hi:.2f}]" if np.isfinite(r.lo) else "")
                            + (f", counted {r.counted_share:.2f}" if self.method != "counted" else "")
                            for r in self.mix.itertuples())
        return f"{first}\nmix ({self.method}): {shares}" + (f"\nnote: {self.note}" if self.note else "")


def _weeks(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Weeks from the first post's hour to the last's, both counted."""
    return ((end - start) / pd.Timedelta(hours=1) + 1) / HOURS_OF_WEEK


def _rates(times: pd.Series) -> tuple[np.ndarray, pd.Timestamp, pd.Timestamp]:
    hours = times.dt.floor("h")
    start, end = hours.min(), hours.max()
    slots = pd.date_range(start, end, freq="h")
    if len(slots) < HOURS_OF_WEEK:
        raise InputError(f"the posts cover {len(slots) / 24:.1f} days ({start:%Y-%m-%d %H:00} – {end:%Y-%m-%d %H:00}); "
                         "arrivals per hour of week need at least a week of posts: give a longer file, or set "
                         "the scenario's arrivals yourself")
    seen = np.bincount(slots.day_of_week * 24 + slots.hour, minlength=HOURS_OF_WEEK)
    counts = np.bincount(hours.dt.day_of_week * 24 + hours.dt.hour, minlength=HOURS_OF_WEEK)
    return counts / seen, start, end


def _kind_given_intent(counts: np.ndarray, labels: list[str]) -> np.ndarray:
    """P(kind | intent) from ``counts`` (…, intents × [*POST_KINDS, "none"]: posts of each intent and kind, any
    leading axes); an intent no post has goes to the kind the first rule on that intent alone names
    (``KIND_RULES``: suggestion → consultation), or to no kind."""
    by_rule: dict[str, str | None] = {}
    for rule, kind in KIND_RULES:
        if set(rule) == {"intent"}:
            by_rule.setdefault(rule["intent"], kind)
    fallback = np.zeros(counts.shape[-2:])
    for i, label in enumerate(labels):
        fallback[i, POST_KINDS.index(by_rule[label]) if by_rule.get(label) is not None else -1] = 1
    total = counts.sum(axis=-1, keepdims=True)
    return np.where(total > 0, counts / np.maximum(total, 1), fallback)


def workload(posts: pd.DataFrame, *, correct: bool = True, n_boot: int = 1000, level: float = 0.95,
             seed=0) -> Workload:
    """The arrivals and kind mix of ``posts`` (a posts table with ``created_at``, ``intent`` and, for abuse,
    vague negativity and negative posts of intent other, ``negative_subtype`` and ``sentiment``; labels from a
    person or from ``predict_posts``); see the module. ``correct=False``: the counted mix even where the model's
    card allows a correction."""
    if not isinstance(posts, pd.DataFrame):
        raise InputError(f"posts must be a DataFrame (a posts table), got {type(posts).__name__}")
    missing = [c for c in ("created_at", "intent") if c not in posts]
    if missing:
        raise InputError(f"posts have no {' or '.join(missing)} column: a workload needs each post's time and intent "
                         "(label the posts first: wbcs predict, or the --model of the command)")
    times = local_times(posts["created_at"])
    timed = times.notna().to_numpy()
    if not timed.any():
        raise InputError("no post has a readable created_at: arrivals per hour need the posts' times")
    rates, start, end = _rates(times[timed])
    kinds = post_kind(posts)
    has_kind = kinds.notna().to_numpy()
    if not has_kind.any():
        raise InputError("no post has a policy kind (complaint, consultation, praise, vague negativity or abuse): "
                         "the mix needs labelled posts (intent, sentiment, negative_subtype)")
    counted = kinds[has_kind].value_counts().reindex(POST_KINDS, fill_value=0)
    mix = pd.DataFrame({"kind": POST_KINDS, "n": counted.to_numpy(),
                        "counted_share": counted.to_numpy() / counted.sum()})
    gen = rng(seed)  # one stream: the intent shares' bootstrap, then the kinds' redraws
    table = corrected_table(posts, "intent", n_boot=n_boot, seed=gen) if correct else None
    notes = []
    if table is None:
        method = "counted"
        why = "as asked" if not correct else "no intent came from a model whose card allows a correction"
        # labels a person gave are exact (``corrected_table`` counts them as they are); the counts of the model's
        # labels, when asked for, were given no error to draw from
        notes.append(f"the intent shares are counted ({why}); no interval")
        mix["share"], mix["lo"], mix["hi"] = mix["counted_share"], np.nan, np.nan
    else:
        # kept counts have an interval too (their own error in the card's CV, the training posts' widened by it):
        # each of the table's draws, corrected or counted, is mapped to the kinds the same way
        if table.attrs["corrected"]:
            method = f"intent corrected by {table.attrs['method']}"
        else:
            method = "counted"
            notes.append(f"the intent shares are counted ({table.attrs['note']})")
        labels = list(table["label"])
        counts = pd.crosstab(posts["intent"].astype("string"), kinds.fillna("none")).reindex(
            index=labels, columns=[*POST_KINDS, "none"], fill_value=0).to_numpy(dtype=float)
        point = table["corrected_share"].to_numpy() @ _kind_given_intent(counts, labels)
        # each draw also redraws the posts' kinds within an intent (the counted split of complaints into abuse,
        # vague negativity and the rest is a sample too): a multinomial draw of the intent × kind table
        boot = table.attrs["boot"]
        n = int(counts.sum())
        redrawn = gen.multinomial(n, counts.ravel() / n, size=len(boot)).reshape(len(boot), *counts.shape)
        draws = np.einsum("bi,bik->bk", boot, _kind_given_intent(redrawn.astype(float), labels))
        point, draws = point[:-1] / point[:-1].sum(), draws[:, :-1] / draws[:, :-1].sum(axis=1, keepdims=True)
        mix["share"] = point
        mix["lo"], mix["hi"] = percentile_interval(draws, level, point)
    without_kind = int((~has_kind & timed).sum())
    if without_kind:
        notes.append(f"{without_kind:,} posts of no policy kind (no clock in triage's routes: chit-chat, ads, no "
                     "labels) are in the arrivals and simulated in the mix of the others")
    empty = int((rates == 0).sum())
    if empty > HOURS_OF_WEEK // 2:  # too few posts for a profile (a raw export whose 5月4日 forms span a year)
        notes.append(f"{empty} of the {HOURS_OF_WEEK} hours of the week saw no post in "
                     f"{_weeks(start, end):.1f} weeks, so no post arrives "
                     "in them in the simulation: check the posts' times, give a file with more posts, or set the "
                     "scenario's arrivals yourself")
    without_time = int((~timed).sum())
    if without_time:
        notes.append(f"{without_time:,} posts without a readable created_at are left out of the arrivals")
    return Workload(rates, mix, int(timed.sum()), without_time, without_kind, start, end, method, "; ".join(notes))
