"""simulate(): records, determinism, SLA flags, Little's law and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wbcs.errors import InputError
from wbcs.policy import POST_KINDS
from wbcs.sim import Scenario, confidence_interval, replicate, run, simulate
from wbcs.sim.metrics import sla_met
from wbcs.sim.schedule import to_minutes

MMC = {"horizon_days": 10, "warmup_days": 1, "arrivals": {"rate_per_hour": 60}, "agents": 5,
       "service_minutes": {"distribution": "exponential", "mean": 4}, "sla": {"first_response_seconds": 60}}
FULL = {"horizon_days": 7, "arrivals": {"posts_per_day": 200, "profile": "stc3",
                                        "bursts": [{"start": 50, "hours": 2, "posts": 80, "kind": "complaint"}]},
        "mix": {"complaint": 0.4, "consultation": 0.4, "vague_negative": 0.1, "abuse": 0.05, "praise": 0.05},
        "duty": "policy", "patrol_minutes": "policy", "agents": 3, "priority": "influence",
        "service_minutes": {"default": {"distribution": "lognormal", "mean": 4, "sd": 2},
                            "complaint": {"distribution": "empirical", "values": [3, 5, 8, 13]}},
        "tickets": {"share": {"default": 0.2, "complaint": 0.6},
                    "back_office": {"capacity": 2, "clock": "business", "hours": {"distribution": "lognormal", "mean": 8, "sd": 4}}},
        "satisfaction": {"probability": 0.7, "reopen_probability": 0.8, "max_reopens": 2},
        "escalation": {"reposts_per_hour": 2, "threshold": 20}}


def test_records_have_one_row_per_post_with_the_issue_columns():
    rec = simulate(Scenario.from_dict(FULL), seed=4)
    for col in ("post_id", "kind", "arrival", "detection", "picked_up", "agent", "ticket", "back_office_done",
                "resolution", "satisfied", "reopened", "escalated", "escalation_reposts", "wait_minutes",
                "first_response_met", "resolution_met"):
        assert col in rec.columns
    assert rec["post_id"].is_unique and rec["arrival"].is_monotonic_increasing
    assert str(rec["arrival"].dt.tz) == "Asia/Shanghai"
    assert set(rec["kind"].cat.categories) == set(POST_KINDS)
    # the outage burst: 80 extra complaints (Poisson) in hours 50–52
    in_burst = rec[(rec["arrival"] >= pd.Timestamp("2025-01-08 02:00", tz="Asia/Shanghai"))
                   & (rec["arrival"] < pd.Timestamp("2025-01-08 04:00", tz="Asia/Shanghai"))]
    assert (in_burst["kind"] == "complaint").mean() > 0.6
    # kinds without a resolution clock (abuse, praise in the policy) have no resolution and no ticket
    no_clock = rec[rec["kind"].isin(["abuse", "praise"])]
    assert no_clock["resolution"].isna().all() and not no_clock["ticket"].any()
    assert no_clock["resolution_met"].isna().all() and no_clock["satisfied"].isna().all()
    tickets = rec[rec["ticket"] & rec["back_office_done"].notna()]
    assert (tickets["resolution"] > tickets["back_office_done"]).all()
    assert rec["reopened"].max() <= 2 and (rec["reopened"] > 0).any()


def test_same_seed_same_records_other_seed_other_records():
    sc = Scenario.from_dict(FULL)
    pd.testing.assert_frame_equal(simulate(sc, seed=7), simulate(sc, seed=7))
    assert not simulate(sc, seed=7)["wait_minutes"].equals(simulate(sc, seed=8)["wait_minutes"])
    a, b = replicate(sc, 3, seed=5), replicate(sc, 3, seed=5)
    pd.testing.assert_frame_equal(a.per_run, b.per_run)
    # a Generator is accepted as well and gives the same as its seed
    pd.testing.assert_frame_equal(simulate(sc, seed=np.random.default_rng(7)), simulate(sc, seed=7))


def test_seed_none_is_fresh_entropy_everywhere_and_replications_record_it():
    """simulate(seed=None) ran while replicate/plan_staffing refused None; now None is fresh draws in every one,
    and a summary keeps the entropy drawn, so the runs can be repeated."""
    sc = Scenario.from_dict(MMC).updated({"horizon_days": 2, "warmup_days": 0})
    assert len(simulate(sc, seed=None))
    fresh = replicate(sc, 2, seed=None)
    assert isinstance(fresh.seed, int) and fresh.seed > 2**32
    pd.testing.assert_frame_equal(replicate(sc, 2, seed=fresh.seed).per_run, fresh.per_run)
    assert replicate(sc, 2, seed=5).seed == 5


@pytest.mark.parametrize("call, says", [
    (lambda sc: simulate(sc, seed=-1), "seed must be a whole number ≥ 0 .*got -1"),
    (lambda sc: simulate(sc, seed="a"), "seed must be a whole number ≥ 0 .*got 'a'"),
    (lambda sc: simulate(sc, seed=1.5), "seed must be a whole number ≥ 0 .*got 1.5"),
    (lambda sc: replicate(sc, 2.5), "replications must be a whole number ≥ 1, got 2.5"),
    (lambda sc: replicate(sc, 2, seed=np.random.default_rng(1)), "or None for replications, not a Generator"),
    (lambda sc: simulate(5), "scenario must be a Scenario .*got int"),
    (lambda sc: replicate([sc], 2), "scenario must be a Scenario .*got list"),
    (lambda sc: confidence_interval([1, 2, 3], level=2), "confidence level must be between 0 and 1"),
])
def test_bad_seeds_counts_and_scenarios_are_one_line(call, says):
    with pytest.raises(InputError, match=says):
        call(Scenario.from_dict(MMC))


def test_a_scenario_file_or_mapping_is_read_for_the_user(tmp_path):
    path = tmp_path / "s.yaml"
    sc = Scenario.from_dict(MMC).updated({"horizon_days": 2, "warmup_days": 0})
    path.write_text(sc.to_yaml(), encoding="utf-8")
    want = simulate(sc, seed=3)
    pd.testing.assert_frame_equal(simulate(path, seed=3), want)
    pd.testing.assert_frame_equal(simulate(str(path), seed=3), want)
    pd.testing.assert_frame_equal(simulate(dict(sc.raw), seed=3), want)
    with pytest.raises(InputError, match="scenario file not found"):
        simulate(tmp_path / "none.yaml")


def test_sla_flags_by_hand():
    sc = Scenario.from_dict({**MMC, "duty": "policy",
                             "sla": {"complaint": {"acknowledge_minutes": 30, "resolve_hours": 1, "clock": "business"},
                                     "consultation": {"acknowledge_minutes": 30, "resolve_hours": 1, "clock": "calendar"}}})
    t = to_minutes(sc, pd.DatetimeIndex(["2025-01-10 19:50", "2025-01-10 19:50", "2025-01-07 10:00"]))
    first = to_minutes(sc, pd.DatetimeIndex(["2025-01-13 08:15", "2025-01-13 08:15", "2025-01-07 10:31"]))
    res = np.append(to_minutes(sc, pd.DatetimeIndex(["2025-01-13 08:45", "2025-01-13 08:45"])), np.nan)
    kinds = np.array([POST_KINDS.index("complaint"), POST_KINDS.index("consultation"), 1])
    ack, resolved = sla_met(sc, t, first, res, kinds)
    # acknowledgement, business clock: Fri 19:50–20:00 (10) + Mon 08:00–08:15 (15) = 25 ≤ 30 → met;
    # calendar: 2 days 12 h 25 min → missed; 31 minutes → missed
    assert list(ack) == [True, False, False]
    # resolution: business 10 + 45 = 55 ≤ 60 → met; calendar 2 days 13 h → missed; never resolved → missed
    assert list(resolved) == [True, False, False]
    praise = np.array([POST_KINDS.index("praise")])
    assert sla_met(sc, t[:1], first[:1], res[:1], praise)[1].isna().all()  # praise has no resolution clock


def test_acknowledgement_is_the_public_reply_at_the_end_of_the_first_handling():
    """The policy's acknowledgement is the first public reply; an agent posts it when the first handling
    ends. Ample agents, a 10-minute handling: every post is picked up at once and replied 10 minutes after
    it arrives, so a 10.5-minute clock is met and a 9.5-minute one missed (counted at the pick-up, both were)."""
    base = {**MMC, "agents": 50, "service_minutes": {"distribution": "deterministic", "mean": 10}}
    rec = simulate(Scenario.from_dict({**base, "sla": {"acknowledge_minutes": 10.5}}), seed=1)
    assert (rec["wait_minutes"] == 0).all()
    assert ((rec["handled"] - rec["arrival"] - pd.Timedelta(minutes=10)).abs() < pd.Timedelta(microseconds=1)).all()
    # the pick-up is named as such: a "first_response" column held it, and read as in time beside a missed flag
    assert "first_response" not in rec.columns and (rec["picked_up"] == rec["arrival"]).all()
    assert rec["first_response_met"].all()
    missed = simulate(Scenario.from_dict({**base, "sla": {"acknowledge_minutes": 9.5}}), seed=1)
    assert not missed["first_response_met"].any()


def test_the_simulated_attainment_is_the_one_the_kpis_compute_from_the_same_posts():
    """The simulator and ``wbcs kpi`` read the acknowledgement at the same instant: the simulated posts, given to
    the KPI engine with their reply times, get the simulator's attainment per kind (policy clocks: 30 minutes for
    complaints, 2 hours for consultations; 2 agents near full load, so pick-up and reply often fall either side)."""
    from wbcs.kpi.indicators import indicators

    sc = Scenario.from_dict({"horizon_days": 3, "arrivals": {"rate_per_hour": 5}, "agents": 2,
                             "mix": {"complaint": 1, "consultation": 1},
                             "service_minutes": {"distribution": "exponential", "mean": 20}})
    rec = simulate(sc, seed=3)
    assert rec["handled"].notna().all()
    posts = pd.DataFrame({"post_id": rec["post_id"].astype(str), "created_at": rec["arrival"],
                          "reply_at": rec["handled"], "intent": rec["kind"].astype(str)})
    kpi = indicators(posts)["sla"]
    for kind in ("complaint", "consultation"):
        mine = rec.loc[rec["kind"] == kind, "first_response_met"]
        assert kpi[kind]["acknowledge_due"] == len(mine)
        assert kpi[kind]["acknowledge_attainment"] == pytest.approx(mine.mean())
    # the pick-up would have said more: the instant matters here
    picked = rec["wait_minutes"] <= np.where(rec["kind"] == "complaint", 30, 120)
    assert picked.mean() > rec["first_response_met"].mean() + 0.05


def test_littles_law_on_the_records():
    # L = λ·W over a window: the time-average number waiting equals the arrival rate times the mean wait
    r = run(Scenario.from_dict({**MMC, "agents": 5}), seed=11)
    rec = r.records
    a = to_minutes(r.scenario, rec["arrival"])
    s = to_minutes(r.scenario, rec["picked_up"])
    t0, t1 = 1440.0, 10 * 1440.0
    grid = np.arange(t0, t1, 0.5) + 0.25
    waiting = np.searchsorted(np.sort(a), grid, side="right") - np.searchsorted(np.sort(s), grid, side="right")
    in_window = (a >= t0) & (a < t1)
    lam = in_window.sum() / (t1 - t0)
    W = (s - a)[in_window].mean()
    assert waiting.mean() == pytest.approx(lam * W, rel=0.03)
    # and with the agents: number in system = λ·(W + mean handling)
    e = to_minutes(r.scenario, rec["handled"])
    in_system = np.searchsorted(np.sort(a), grid, side="right") - np.searchsorted(np.sort(e), grid, side="right")
    assert in_system.mean() == pytest.approx(lam * (e - a)[in_window].mean(), rel=0.03)


def test_utilisation_and_backlog_series():
    r = run(Scenario.from_dict(MMC), seed=2)
    h = r.hourly
    assert len(h) == (10 + 14) * 24 and (h["agents"] == 5).all()
    assert h["utilization"].iloc[24:240].mean() == pytest.approx(60 * 4 / 60 / 5, abs=0.03)  # ρ = λ·AHT/c = 0.8
    assert (h["backlog"] >= 0).all() and h["backlog"].iloc[-1] == 0
    assert h["arrivals"].sum() == len(r.records)


def test_influence_priority_serves_big_accounts_first():
    sc = Scenario.from_dict({**MMC, "agents": 4, "priority": "influence",
                             "influence": {"followers": {"distribution": "lognormal", "mean": 5000, "sd": 50000}}})
    rec = simulate(sc, seed=1)
    big = rec["followers"] > rec["followers"].quantile(0.9)
    small = rec["followers"] < rec["followers"].quantile(0.5)
    assert rec.loc[big, "wait_minutes"].mean() < 0.5 * rec.loc[small, "wait_minutes"].mean()


def _unanswered_hours(rec: pd.DataFrame) -> pd.Series:
    """Hours from the post to its public reply (the end of the first handling)."""
    return (rec["handled"] - rec["arrival"]).dt.total_seconds() / 3600


def test_escalation_grows_with_the_wait_for_the_reply():
    sc = Scenario.from_dict({**MMC, "agents": 4, "escalation": {"reposts_per_hour": 6, "threshold": 3}})
    rec = simulate(sc, seed=1)
    assert rec["handled"].notna().all()
    # reposts ~ Poisson(6 an hour × hours unanswered): the total matches 6 × total hours to the reply
    expected = 6 * _unanswered_hours(rec).sum()
    assert rec["escalation_reposts"].sum() == pytest.approx(expected, rel=4 / np.sqrt(expected))
    slow = rec["wait_minutes"] > 60
    assert rec.loc[slow, "escalation_reposts"].mean() > 2 * rec.loc[~slow, "escalation_reposts"].mean()
    assert (rec["escalated"] == (rec["escalation_reposts"] >= 3)).all()


def test_escalation_stops_at_the_public_reply_not_at_the_pick_up():
    """A customer reposts while nobody has answered in public; an agent picking the post up is invisible to
    them. Ample agents (20 Erlangs offered to 50) and a 20-minute handling: no post waits, every reply comes
    20 minutes after the post, so at 6 reposts an hour each post draws Poisson(2) reposts (counted until the
    pick-up, none)."""
    sc = Scenario.from_dict({**MMC, "agents": 50, "service_minutes": {"distribution": "deterministic", "mean": 20},
                             "escalation": {"reposts_per_hour": 6, "threshold": 3}})
    rec = simulate(sc, seed=2)
    assert (rec["wait_minutes"] == 0).all()
    assert _unanswered_hours(rec).to_numpy() == pytest.approx(1 / 3)
    n = len(rec)
    assert rec["escalation_reposts"].mean() == pytest.approx(2, abs=4 * np.sqrt(2 / n))
    # P(Poisson(2) ≥ 3) = 1 − e^{−2}(1 + 2 + 2) = 0.3233
    assert rec["escalated"].mean() == pytest.approx(1 - 5 * np.exp(-2), abs=4 * np.sqrt(0.25 / n))


scenarios = st.fixed_dictionaries({
    "rate": st.floats(0, 40), "agents": st.integers(0, 4), "patrol": st.sampled_from([0, 10, 30]),
    "duty": st.sampled_from(["always", "policy", {"on_call": True}]),
    "ticket": st.floats(0, 1), "capacity": st.sampled_from([None, 1, 3]),
    "p_sat": st.floats(0, 1), "priority": st.sampled_from(["fifo", "kind", "influence"]),
    "bo_clock": st.sampled_from(["calendar", "business"]),
})


@settings(max_examples=25)
@given(params=scenarios, seed=st.integers(0, 2**32 - 1))
def test_invariants(params, seed):
    sc = Scenario.from_dict({
        "horizon_days": 2, "drain_days": 3, "arrivals": {"rate_per_hour": params["rate"]},
        "mix": {k: 1 for k in POST_KINDS}, "duty": params["duty"], "agents": params["agents"],
        "patrol_minutes": params["patrol"], "priority": params["priority"],
        "service_minutes": {"distribution": "exponential", "mean": 5},
        "tickets": {"share": params["ticket"], "back_office": {"capacity": params["capacity"], "clock": params["bo_clock"]}},
        "satisfaction": {"probability": params["p_sat"], "reopen_probability": 0.7, "max_reopens": 2}})
    r = run(sc, seed)
    rec = r.records
    served = rec["picked_up"].notna()
    # no negative waits; every step after the one before
    assert (rec["detection"] >= rec["arrival"]).all()
    assert (rec.loc[served, "picked_up"] >= rec.loc[served, "detection"]).all()
    assert (rec.loc[served, "wait_minutes"] >= 0).all() and (rec.loc[served, "queue_minutes"] >= 0).all()
    assert (rec.loc[served, "handled"] >= rec.loc[served, "picked_up"]).all()
    resolved = rec["resolution"].notna()
    assert (rec.loc[resolved, "resolution"] >= rec.loc[resolved, "handled"]).all()
    assert (rec.loc[resolved, "final_resolution"] >= rec.loc[resolved, "resolution"]).all()
    # served ≤ arrived; nobody served without agents
    assert served.sum() <= len(rec)
    if params["agents"] == 0:
        assert not served.any()
    assert (rec["reopened"] <= 2).all()
    from wbcs.sim.metrics import run_metrics

    m = run_metrics(rec, r.hourly, sc)
    for key in ("first_response_attainment", "resolution_attainment", "satisfaction"):
        assert np.isnan(m[key]) or 0 <= m[key] <= 1
    assert m["unserved"] <= m["posts"]
    assert (r.hourly["busy_agents"] >= 0).all()


@pytest.mark.parametrize("df", [*range(1, 60), 99, 100, 499, 1000, 4999, 9999])
def test_the_t_quantile_agrees_with_scipy(df):
    """The intervals' hand-written t quantile (scipy.stats is not imported on the command line)."""
    from scipy.stats import t as student

    from wbcs.sim.replicate import t_quantile

    for p in (0.8, 0.9, 0.95, 0.975, 0.995, 0.9995):
        assert t_quantile(p, df) == pytest.approx(student.ppf(p, df), rel=1e-11, abs=0)
