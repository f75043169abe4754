"""SLA flags per post and the figures of one run (posts observed after the warm-up).

Clocks come from the scenario's ``sla`` (the policy's by default): the first public reply (the end of
the first handling, ``wbcs.sim.model``) must come within ``acknowledge_minutes`` of the arrival, the
first answer within ``resolve_hours``; a
``business`` clock counts only duty minutes (``Duty.business_minutes``; always on duty = calendar).
A post never picked up misses its clocks; a kind without a clock has no flag (NA).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE
from wbcs.policy import POST_KINDS
from wbcs.sim.scenario import Scenario
from wbcs.sim.schedule import to_datetimes


def _elapsed(scenario: Scenario, start: np.ndarray, end: np.ndarray, business: np.ndarray) -> np.ndarray:
    out = end - start
    use = business & ~np.isnan(end)
    if scenario.duty is not None and use.any():
        local = [pd.DatetimeIndex(to_datetimes(scenario, x[use])).tz_localize(TIMEZONE) for x in (start, end)]
        out[use] = scenario.duty.business_minutes(*local)
    return out


def sla_met(scenario: Scenario, arrival, reply, resolution, kinds) -> tuple[pd.arrays.BooleanArray, ...]:
    """Whether each post met its acknowledgement (``reply``: minute of the first public reply) and resolution
    clocks (NA: no clock)."""
    flags = []
    for attr, scale, end in (("acknowledge_minutes", 1, reply), ("resolve_hours", 60, resolution)):
        limit = np.array([np.nan if getattr(scenario.sla[k], attr) is None else getattr(scenario.sla[k], attr) * scale
                          for k in POST_KINDS])[kinds]
        business = np.array([scenario.sla[k].clock == "business" for k in POST_KINDS])[kinds]
        elapsed = _elapsed(scenario, arrival, end, business)
        met = ~np.isnan(elapsed) & (np.nan_to_num(elapsed, nan=np.inf) <= limit)
        flags.append(pd.arrays.BooleanArray(met, np.isnan(limit)))
    return tuple(flags)


def _share(flags: pd.Series) -> float:
    valid = flags.dropna()
    return float(valid.mean()) if len(valid) else np.nan


def overtime_agents(hourly: pd.DataFrame) -> pd.Series:
    """Agents working past their shift's end, per hour: the hour's busy agent-hours beyond its agents on shift.

    A shrinking pool lets its busy agents finish their post (``wbcs.sim.engine``), so the leaving shift's last
    work, the closing patrol's finds at the duty end above all (``wbcs.sim.schedule``), is done in an hour whose
    ``agents`` no longer count them: busy / on shift went above 1 (1.11 at 20:00 with one agent on call), and an
    hour with nobody on shift hid its work. Utilisation counts these agents as present, busy / (on shift +
    overtime), as a workforce plan pays them. The hourly series holds no more than the hour's totals, so this is
    the least overtime they allow: a leaving agent's minutes while the on-call agent idles in the same hour are
    counted as the on-call agent's."""
    return (hourly["busy_agents"] - hourly["agents"]).clip(lower=0)


def agents_present(hourly: pd.DataFrame) -> pd.Series:
    """Agents present per hour: on shift, and those finishing their last post past its end (``overtime_agents``);
    utilisation is busy over these, so it never exceeds 1."""
    return hourly["agents"] + overtime_agents(hourly)


def run_metrics(records: pd.DataFrame, hourly: pd.DataFrame, scenario: Scenario) -> dict[str, float]:
    """The headline figures of one run, over posts arriving in [warm-up, horizon)."""
    obs = records[records["observed"]]
    wait = obs["wait_minutes"].dropna()
    h0, h1 = int(scenario.warmup_days * 24), int(np.ceil(scenario.horizon_days * 24))
    window = hourly.iloc[h0:h1]
    present = agents_present(window).sum()
    resolvable = obs["resolution_met"].notna()
    out = {
        "posts": float(len(obs)),
        "first_response_attainment": _share(obs["first_response_met"]),
        "resolution_attainment": _share(obs["resolution_met"]),
        "mean_wait_minutes": float(wait.mean()) if len(wait) else np.nan,
        "p90_wait_minutes": float(wait.quantile(0.9)) if len(wait) else np.nan,
        "queued_share": float((obs["queue_minutes"].dropna() > 0).mean()) if len(wait) else np.nan,
        "mean_detection_minutes": float(obs["detection_minutes"].mean()) if len(obs) else np.nan,
        "utilization": float(window["busy_agents"].sum() / present) if present > 0 else np.nan,
        "unserved": float(obs["picked_up"].isna().sum()),
        "ticket_share": float(obs.loc[resolvable, "ticket"].mean()) if resolvable.any() else np.nan,
        "mean_resolution_hours": float(obs["resolution_hours"].mean()) if resolvable.any() else np.nan,
        "satisfaction": _share(obs["satisfied"]),
        "reopen_share": float((obs.loc[resolvable, "reopened"] > 0).mean()) if resolvable.any() else np.nan,
        "escalated": float(obs["escalated"].sum()),
    }
    for kind in POST_KINDS:
        of_kind = obs[obs["kind"] == kind]
        out[f"{kind}.posts"] = float(len(of_kind))
        out[f"{kind}.first_response_attainment"] = _share(of_kind["first_response_met"])
        out[f"{kind}.resolution_attainment"] = _share(of_kind["resolution_met"])
    return out
