"""Queue and SLA simulator: what patrols, duty hours, staffing and incidents do to the SLAs.

Ciw-style API::

    from wbcs.sim import Scenario, simulate, replicate, plan_staffing
    sc = Scenario.from_yaml("data/scenarios/manager_example.yaml")
    records = simulate(sc, seed=1)          # one row per post
    summary = replicate(sc, n=20, seed=1)   # figures with 95% intervals, warm-up removed
    plan = plan_staffing(sc, target=0.9)    # agents per hour of week, next to Erlang C

Modules: ``scenario`` (the validated YAML), ``distributions``, ``arrivals`` (NHPP, bursts, mix),
``schedule`` (patrol ticks, shifts, duty windows), ``engine`` (the numba event loop),
``model`` (``simulate``/``run``), ``metrics`` (SLA flags, run figures), ``replicate``,
``erlang`` (Erlang C and A; the M/M/c time to the reply), ``staffing``.
"""

from wbcs.sim.model import SimRun, run, simulate
from wbcs.sim.replicate import Summary, confidence_interval, replicate
from wbcs.sim.scenario import Scenario
from wbcs.sim.staffing import StaffingPlan, plan_staffing

__all__ = ["Scenario", "SimRun", "StaffingPlan", "Summary", "confidence_interval", "plan_staffing",
           "replicate", "run", "simulate"]
