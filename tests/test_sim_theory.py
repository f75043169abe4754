"""The simulator against queueing theory (Erlang C) and a peer simulator (Ciw).

Tolerance, stated once: a simulated figure agrees when the theoretical value (or the peer's
mean) lies within 3 standard errors of the replications' mean (for two simulators, 3 standard
errors of the difference) — the 99.7% interval, computed from the replications themselves.
Seeds are fixed, so the checks are deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import t as student

from wbcs.sim import Scenario, erlang, replicate

pytestmark = pytest.mark.slow


def _mean_se(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size))


def _answered_within(records, minutes: float) -> np.ndarray:
    """Per replication, the share of posts picked up within ``minutes`` (Erlang C's service level)."""
    return records.groupby("replication")["wait_minutes"].apply(lambda w: float((w <= minutes).mean())).to_numpy()


@pytest.mark.parametrize("load", [0.5, 0.7, 0.85, 0.95])
def test_mmc_agrees_with_erlang_c_across_loads(load):
    c, aht = 10, 3.0  # agents, minutes
    rate = load * c / aht * 60  # per hour
    target, reply_clock = 20 / 60, 3.0  # minutes: the pick-up within 20 s, the reply within 3 minutes
    sc = Scenario.from_dict({"horizon_days": 15, "warmup_days": 1, "arrivals": {"rate_per_hour": rate},
                             "agents": c, "service_minutes": {"distribution": "exponential", "mean": aht},
                             "sla": {"acknowledge_minutes": reply_clock}})
    s = replicate(sc, 10, seed=100 + int(load * 100), keep_records=True)
    simulated = {**s.per_run, "picked_up_within_20s": _answered_within(s.records, target)}
    theory = {
        "queued_share": erlang.probability_of_wait(c, rate, aht / 60),
        "picked_up_within_20s": erlang.service_level(c, rate, aht / 60, target / 60),
        # the acknowledgement is the reply at the end of the handling: the M/M/c response time
        "first_response_attainment": erlang.response_level(c, rate, aht / 60, reply_clock / 60),
        "mean_wait_minutes": erlang.mean_wait(c, rate, aht / 60) * 60,
        "utilization": erlang.occupancy(c, rate, aht / 60),
    }
    for metric, expected in theory.items():
        mean, se = _mean_se(simulated[metric])
        assert abs(mean - expected) <= 3 * se, f"load {load}: {metric} {mean:.4f} ± {se:.4f} vs theory {expected:.4f}"
    # the reported 95% interval is the Student-t one
    lo, hi = s.table.loc["first_response_attainment", ["ci_low", "ci_high"]]
    mean, se = _mean_se(s.per_run["first_response_attainment"])
    assert (hi - lo) / 2 == pytest.approx(student.ppf(0.975, 9) * se)


def test_the_issue_golden_case_simulated():
    sc = Scenario.from_dict({"horizon_days": 10, "warmup_days": 1, "arrivals": {"rate_per_hour": 200},
                             "mix": {"complaint": 1.0}, "agents": 14, "patrol_minutes": 0,
                             "service_minutes": {"distribution": "exponential", "mean": 3},
                             "priority": "fifo", "sla": {"first_response_seconds": 20}})
    s = replicate(sc, 8, seed=1, keep_records=True)
    # pyworkforce's service level is the pick-up within 20 s: 0.8884. The 20-second first *reply* of the
    # 10086 preset is met only by posts whose 3-minute handling (mean) ends within 20 s of their arrival, by
    # hand: C = 0.17413, θ = (14 − 10)/3 = 4/3 a minute, μ = 1/3, t = 1/3 minute:
    # (1 − C)(1 − e^{−μt}) + C(1 − (θe^{−μt} − μe^{−θt})/(θ − μ)) = 0.82587·0.10516 + 0.17413·0.02061 = 0.0904
    simulated = {**s.per_run, "picked_up_within_20s": _answered_within(s.records, 1 / 3)}
    for metric, expected in (("picked_up_within_20s", 0.8884), ("first_response_attainment", 0.0904),
                             ("queued_share", 0.1741), ("utilization", 0.7143)):
        mean, se = _mean_se(simulated[metric])
        assert abs(mean - expected) <= 3 * se, (metric, mean, se)


def test_the_10086_short_acknowledgement_written_as_its_scenario_file_says():
    """mmc_10086.yaml's comment models 10086's 20-second first reply as a short acknowledgement, the answer after
    it a ticket the same agents deliver: the keys it quotes parse and reply within 20 s to ~0.90 of the posts
    (against 0.090 after a whole 3-minute handling) with the same work per post, so the same occupancy."""
    from wbcs.config import data_file
    from wbcs.yamlsafe import load_yaml

    path = data_file("scenarios/mmc_10086.yaml")
    comment = [line.removeprefix("#") for line in path.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, line in enumerate(comment) if line.startswith("   service_minutes:"))
    end = next(i for i, line in enumerate(comment) if line.startswith(" Tried"))
    recipe = load_yaml(path, text="\n".join(comment[start:end]))
    assert set(recipe) == {"service_minutes", "tickets"}
    base = Scenario.from_yaml(path).updated({"horizon_days": 4})
    s = replicate(base.updated(recipe), 4, seed=1).per_run
    assert s["first_response_attainment"].mean() == pytest.approx(0.90, abs=0.02)
    assert s["utilization"].mean() == pytest.approx(erlang.occupancy(14, 200, 3 / 60), abs=0.02)


def _ciw_priority_waits(lam: float, mu: float, servers: int, horizon: float, warmup: float, reps: int):
    """Mean wait of each class per replication, from Ciw (two classes, class 0 first, no preemption)."""
    import ciw

    out = []
    for rep in range(reps):
        ciw.seed(1000 + rep)  # Ciw's own seeding: the peer's API, used only here
        network = ciw.create_network(
            arrival_distributions={"Class 0": [ciw.dists.Exponential(lam)], "Class 1": [ciw.dists.Exponential(lam)]},
            service_distributions={"Class 0": [ciw.dists.Exponential(mu)], "Class 1": [ciw.dists.Exponential(mu)]},
            number_of_servers=[servers], priority_classes={"Class 0": 0, "Class 1": 1})
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(horizon)
        recs = [r for r in sim.get_all_records() if r.arrival_date >= warmup]
        out.append([np.mean([r.waiting_time for r in recs if r.customer_class == cls]) for cls in ("Class 0", "Class 1")])
    return np.array(out)


def test_priority_queue_agrees_with_ciw():
    # two kinds, 0.3 posts a minute each, 4-minute exponential handling, 3 agents (ρ = 0.8);
    # complaints before consultations, non-preemptive, in both simulators
    lam, aht, servers, horizon, warmup, reps = 0.3, 4.0, 3, 4000.0, 1000.0, 12
    ciw_waits = _ciw_priority_waits(lam, 1 / aht, servers, horizon, warmup, reps)
    sc = Scenario.from_dict({"horizon_days": horizon / 1440, "warmup_days": warmup / 1440,
                             "arrivals": {"rate_per_hour": 2 * lam * 60},
                             "mix": {"complaint": 1, "consultation": 1}, "agents": servers,
                             "service_minutes": {"distribution": "exponential", "mean": aht},
                             "priority": "kind", "priority_order": ["complaint", "consultation"]})
    ours = replicate(sc, reps, seed=3, keep_records=True).records
    by_run = ours.groupby(["replication", "kind"], observed=True)["wait_minutes"].mean().unstack()
    for col, kind in enumerate(("complaint", "consultation")):
        m1, se1 = _mean_se(by_run[kind])
        m2, se2 = _mean_se(ciw_waits[:, col])
        assert abs(m1 - m2) <= 3 * np.hypot(se1, se2), f"{kind}: wbcs {m1:.3f} ± {se1:.3f}, Ciw {m2:.3f} ± {se2:.3f}"
    assert by_run["complaint"].mean() < by_run["consultation"].mean() / 3
    # conservation law: with equal exponential handling, priorities do not change the overall mean
    # wait, which stays Erlang C's
    overall, se = _mean_se(ours.groupby("replication")["wait_minutes"].mean())
    assert abs(overall - erlang.mean_wait(servers, 2 * lam, aht)) <= 3 * se
