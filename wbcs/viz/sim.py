"""Simulated SLAs as plotly figures, and the what-if app (ipywidgets) of notebook 04.

Figures take ``{policy label: wbcs.sim.Summary}`` (from ``replicate(..., keep_records=True)``)
so two policies sit side by side: SLA attainment per kind with 95% intervals, the distribution of
the time to the first public reply (and of the pick-up wait), the backlog through the week, agents
and utilisation by hour of the week, and a staffing plan against Erlang C.

``WhatIfApp`` follows the labelling widgets' split: ``policy_patch`` turns control values into
a scenario patch (pure, tested), the app only wires sliders to ``replicate`` and redraws.
"""

from __future__ import annotations

import copy
import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from wbcs.errors import InputError
from wbcs.policy import POST_KINDS, WEEKDAYS
from wbcs.sim import Scenario, StaffingPlan, Summary, plan_staffing, replicate
from wbcs.sim.metrics import agents_present
from wbcs.sim.scenario import as_scenario
from wbcs.viz.figure import TEMPLATE, figure, write_figures

KIND_LABELS = {"consultation": "咨询<br>consultation", "complaint": "投诉<br>complaint",
               "vague_negative": "笼统负面<br>vague negative", "abuse": "恶意<br>abuse", "praise": "表扬<br>praise"}
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
HOUR_LABELS = [f"{d.capitalize()} {h:02d}" for d in WEEKDAYS for h in range(24)]
HEADLINE = {"posts": "posts 帖子数", "first_response_attainment": "first response in time 首次响应达标",
            "resolution_attainment": "resolved in time 解决达标", "mean_wait_minutes": "mean wait to pick-up (min) 平均等待接单",
            "p90_wait_minutes": "90% wait to pick-up (min) 90%等待接单", "mean_detection_minutes": "detection delay (min) 发现延迟",
            "utilization": "utilisation 坐席利用率", "satisfaction": "satisfied 满意率",
            "reopen_share": "reopened 重开率", "escalated": "escalated posts 升级"}


def _summaries(summaries, who: str) -> Mapping:
    """``summaries`` when it is a mapping policy label → ``Summary``; one Summary (the usual slip) or anything else
    is an InputError saying what to pass (it was an AttributeError: 'Summary' object has no attribute 'items')."""
    if isinstance(summaries, Summary):
        raise InputError(f"{who}: give the summaries as a dict label → Summary, e.g. {{'policy A': summary}}, "
                         "not one Summary")
    if not isinstance(summaries, Mapping) or not all(isinstance(s, Summary) for s in summaries.values()):
        raise InputError(f"{who}: summaries must be a dict label → Summary (wbcs.sim.replicate(...)), got "
                         + (f"a {type(summaries).__name__}" if not isinstance(summaries, Mapping) else
                            "a value that is no Summary"))
    return summaries


def _ci(table: pd.DataFrame, metric: str) -> tuple[float, float, float]:
    row = table.loc[metric]
    return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])


@figure
def attainment_figure(summaries: dict[str, Summary], *, target: float | None = None) -> go.Figure:
    """Grouped bars: first-response and resolution attainment, overall and per kind, 95% CIs."""
    # the first panel has up to six groups, the second four: widths in proportion; the kind names are left to plotly,
    # which slants them where they would touch (kept level, they ran together at 800 px: "all postsconsultation…")
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04, column_widths=[0.6, 0.4],
                        subplot_titles=("first response in time 首次响应达标", "resolved in time 解决达标"))
    for i, (label, s) in enumerate(_summaries(summaries, "attainment_figure").items()):
        t = s.table
        for col, name in enumerate(("first_response_attainment", "resolution_attainment"), start=1):
            keys = [name] + [f"{k}.{name}" for k in POST_KINDS]
            x, y, up, down = [], [], [], []
            for key, kind in zip(keys, [None, *POST_KINDS], strict=True):
                mean, lo, hi = _ci(t, key)
                if math.isnan(mean):
                    continue
                x.append("全部<br>all posts" if kind is None else KIND_LABELS[kind])
                y.append(mean)
                up.append(0 if math.isnan(hi) else hi - mean)
                down.append(0 if math.isnan(lo) else mean - lo)
            fig.add_bar(x=x, y=y, name=label, legendgroup=label, offsetgroup=label, showlegend=col == 1,
                        marker_color=COLORS[i % len(COLORS)],
                        error_y={"type": "data", "array": up, "arrayminus": down, "thickness": 1.2},
                        hovertemplate="%{x}: %{y:.1%}<extra>" + label + "</extra>", row=1, col=col)
            # the label above the whisker: inside the bar at its base, a whisker reaching down to 0 crossed it (abuse,
            # 51%: 0–99%); on a bar of no height standing on the interval's top, in the policy's slot of the group
            fig.add_bar(x=x, y=[0] * len(y), base=np.add(y, up), name=label, legendgroup=label, offsetgroup=label,
                        showlegend=False, hoverinfo="skip", marker_color="rgba(0,0,0,0)", cliponaxis=False,
                        text=[f"{v:.0%}" for v in y], textposition="outside", textangle=0, row=1, col=col)
    if target is not None:
        fig.add_hline(y=target, line_dash="dash", line_color="#555", annotation_text=f"target {target:.0%}")
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%")
    fig.update_xaxes(tickfont={"size": 11})
    # a label too small to read (narrow bars: three policies at 900 px) is left to the hover, not turned on end
    # and shrunk under the whiskers; the legend below the kind names slanted (at -0.2 they reached it at 800 px)
    fig.update_layout(barmode="group", template=TEMPLATE, height=470, legend={"orientation": "h", "y": -0.35},
                      uniformtext={"minsize": 10, "mode": "hide"},
                      title="SLA attainment SLA达标率<br><sup>bars: mean of replications; whiskers: 95% CI</sup>")
    return fig


def _ecdf(values: np.ndarray, total: int, points: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Share of ``total`` posts done within each time (posts never picked up never reach it)."""
    v = np.sort(values[~np.isnan(values)])
    if v.size == 0:
        return np.array([]), np.array([])
    idx = np.unique(np.linspace(0, v.size - 1, min(points, v.size)).astype(int))
    return v[idx], (idx + 1) / total


def reply_minutes(records: pd.DataFrame) -> np.ndarray:
    """Minutes from each post to its first public reply, the end of its first handling (``handled``), where the
    acknowledgement clock stops (``wbcs.sim.model``); NaN for a post never picked up."""
    return ((records["handled"] - records["arrival"]).dt.total_seconds() / 60).to_numpy(dtype=float)


@figure
def wait_figure(summaries: dict[str, Summary]) -> go.Figure:
    """Cumulative distribution of the time to the first public reply (log scale) against the acknowledgement
    clocks, which stop at that reply; the wait until an agent picks the post up (the queue's figure, Erlang C's
    wait) dotted beside it, the gap between the two being the first handling."""
    fig = go.Figure()
    clocks: set[tuple[float, bool]] = set()
    for i, (label, s) in enumerate(_summaries(summaries, "wait_figure").items()):
        rec = _records(s)
        color = COLORS[i % len(COLORS)]
        for name, minutes, line, what in (
                (label, reply_minutes(rec), {"width": 2.5}, "replied"),
                (f"{label}: picked up 接单", rec["wait_minutes"].to_numpy(dtype=float), {"width": 1.2, "dash": "dot"},
                 "picked up")):
            x, y = _ecdf(np.maximum(minutes, 1 / 60), len(minutes))  # times under a second drawn at one second
            fig.add_scatter(x=x, y=y, mode="lines", name=name, legendgroup=label, line={"color": color, **line},
                            hovertemplate=f"{what} within %{{x:.1f}} min: %{{y:.1%}}<extra>{label}</extra>")
        clocks |= {(c.acknowledge_minutes, c.clock == "business") for k, c in s.scenario.sla.items()
                   if c.acknowledge_minutes and s.scenario.mix[k] > 0}
    ordered = sorted(clocks)
    for i, (c, business) in enumerate(ordered):  # on a log axis shapes take data values, annotations log10 ones
        fig.add_vline(x=c, line_dash="dot", line_color="#888")
        text = f"clock {c:g} min" if c < 60 else f"clock {c / 60:g} h"
        # a business clock counts duty minutes only: the calendar time on the axis may pass it and still be in time;
        # each name ends at its line, the last starts there (centred, 30 min and 2 h ran together at 800 px)
        fig.add_annotation(x=np.log10(c), y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                           xanchor="left" if i == len(ordered) - 1 else "right",
                           text=text + (" of duty 值班时间" if business else ""), font={"color": "#555"})
    ticks = [1 / 60, 1, 10, 30, 60, 120, 480, 1440, 2880, 10080]
    labels = ["1 s", "1 min", "10 min", "30 min", "1 h", "2 h", "8 h", "1 day", "2 days", "1 week"]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=labels,
                     title="time from the post to the first public reply 至首次公开回复用时")
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title="posts replied to within 累计占比")
    # the legend below the axis title when the ticks slant (at -0.2 the title ran over it at 800 px)
    fig.update_layout(template=TEMPLATE, height=450, legend={"orientation": "h", "y": -0.35},
                      # the key as a subtitle: on one line the title was cut at 800 px ("dotted: picked up")
                      title="First public reply 首次回复用时<br><sup>solid: the reply, where the clock stops; dotted: "
                            "picked up by an agent</sup>")
    return fig


def _records(s: Summary) -> pd.DataFrame:
    if s.records is None:
        raise InputError("wait_figure needs the posts: run replicate(..., keep_records=True)")
    return s.records


@figure
def backlog_figure(summaries: dict[str, Summary]) -> go.Figure:
    """Posts no agent has picked up yet, hour by hour over the horizon, and agents on shift."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for i, (label, s) in enumerate(_summaries(summaries, "backlog_figure").items()):
        h = s.hourly.iloc[: int(math.ceil(s.scenario.horizon_days * 24))]
        color = COLORS[i % len(COLORS)]
        fig.add_scatter(x=h["time"], y=h["backlog"], name=f"{label}: waiting for an agent 待接单", mode="lines",
                        line={"color": color, "width": 2.5}, hovertemplate="%{x}<br>%{y:.0f} posts<extra></extra>")
        fig.add_scatter(x=h["time"], y=h["agents"], name=f"{label}: agents 在岗", mode="lines",
                        line={"color": color, "width": 1, "dash": "dot", "shape": "hv"}, secondary_y=True,
                        hovertemplate="%{x}<br>%{y:.1f} agents<extra></extra>")
    fig.update_yaxes(title="posts waiting for an agent 待接单帖子", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title="agents on shift 在岗坐席", rangemode="tozero", showgrid=False, tickmode="auto", dtick=1, secondary_y=True)
    fig.update_layout(template=TEMPLATE, height=420, title="Backlog through the week 一周积压 (mean of replications)",
                      legend={"orientation": "h", "y": -0.2})
    return fig


def _by_hour_of_week(s: Summary) -> pd.DataFrame:
    """Agents on shift, agents present (``wbcs.sim.metrics.agents_present``: with those working past their shift's
    end, per hour of the run before the weeks are averaged) and busy agents by hour of the week; utilisation is busy over both,
    the agents present, as the summary's utilisation counts them, so it never exceeds 1."""
    sc = s.scenario
    h = s.hourly.iloc[int(sc.warmup_days * 24): int(math.ceil(sc.horizon_days * 24))].copy()
    h["how"] = (sc.start.day_of_week * 24 + h["hour"]) % 168
    h["present"] = agents_present(h)
    g = h.groupby("how")[["agents", "present", "busy_agents"]].mean().reindex(range(168))
    g["overtime_agents"] = g["present"] - g["agents"]
    g["utilization"] = g["busy_agents"] / g["present"].where(g["present"] > 0)
    return g


@figure
def utilization_figure(summaries: dict[str, Summary]) -> go.Figure:
    """Agents on shift (and past its end) and their utilisation (busy / present) by hour of the week."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.4, 0.6],
                        subplot_titles=("agents on shift 在岗坐席 (▲ and those finishing a post after their shift 含超时)",
                                        "utilisation 坐席利用率 (busy / agents present, ▲ included 忙碌/在岗含超时)"))
    for i, (label, s) in enumerate(_summaries(summaries, "utilization_figure").items()):
        g = _by_hour_of_week(s)
        color = COLORS[i % len(COLORS)]
        fig.add_scatter(x=HOUR_LABELS, y=g["agents"], name=label, legendgroup=label, line={"color": color, "shape": "hv"},
                        row=1, col=1, hovertemplate="%{x}: %{y:.1f} agents<extra>" + label + "</extra>")
        late = (g["overtime_agents"] > 0).to_numpy()
        if late.any():  # the leaving shift finishing its last posts (the closing patrol's): a mark where it happens
            fig.add_scatter(x=np.array(HOUR_LABELS)[late], y=g["present"][late],
                            customdata=g["overtime_agents"][late], name=f"{label}: past shift end 超时",
                            legendgroup=label, mode="markers", marker={"color": color, "symbol": "triangle-up", "size": 8},
                            row=1, col=1, hovertemplate="%{x}: %{y:.2f} agents, %{customdata:.2f} of them past their "
                                                        "shift's end<extra>" + label + "</extra>")
        fig.add_scatter(x=HOUR_LABELS, y=g["utilization"], name=label, legendgroup=label, showlegend=False,
                        line={"color": color}, row=2, col=1, connectgaps=False,
                        hovertemplate="%{x}: %{y:.0%}<extra>" + label + "</extra>")
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", row=2, col=1)
    fig.update_xaxes(tickvals=HOUR_LABELS[::12], tickangle=-45, row=2, col=1)
    fig.update_layout(template=TEMPLATE, height=520, title="Agents and utilisation by hour of week 分时段坐席利用率",
                      legend={"orientation": "h", "y": -0.25})
    return fig


@figure
def staffing_figure(plan: StaffingPlan) -> go.Figure:
    """Agents per hour of the week: the simulated plan (bars) against Erlang C (line)."""
    if not isinstance(plan, StaffingPlan):
        raise InputError(f"staffing_figure: plan must be the StaffingPlan plan_staffing(...) returns, got "
                         f"{type(plan).__name__}")
    t = plan.table
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=HOUR_LABELS, y=t["sim_agents"], name="simulation 仿真排班", marker_color=COLORS[0],
                customdata=np.stack([t["sim_attainment"].fillna(-1), t["attainable_posts"]], axis=1),
                hovertemplate="%{x}: %{y} agents<br>attainment %{customdata[0]:.0%}"
                              " of %{customdata[1]:.0f} posts<extra></extra>")
    fig.add_scatter(x=HOUR_LABELS, y=t["erlang_agents"], name="Erlang C 公式", mode="lines",
                    line={"color": "#d62728", "shape": "hvh", "width": 2})
    fig.add_scatter(x=HOUR_LABELS, y=t["arrivals_per_hour"], name="arrivals / hour 到达率", mode="lines",
                    line={"color": "#999", "dash": "dot"}, secondary_y=True)
    fig.update_xaxes(tickvals=HOUR_LABELS[::12], tickangle=-45)
    # One hour (Monday 08:00, the weekend's pile) can need 5-10x the agents of any other; an axis up
    # to it flattens the rest of the week. The axis stops above the other hours and a clipped bar
    # carries its value.
    sim = t["sim_agents"].to_numpy(float)
    staffed = sim[sim > 0]
    cap = max(1.5 * float(np.percentile(staffed, 95)) if len(staffed) else 0.0,
              1.2 * float(t["erlang_agents"].max()), 1.0)
    clipped = sim > cap
    for label, v in zip(np.array(HOUR_LABELS)[clipped], sim[clipped], strict=True):
        fig.add_annotation(x=label, y=cap, text=f"{int(v)} ↑", showarrow=False, yanchor="bottom",
                           font={"size": 11, "color": COLORS[0]})
    fig.update_yaxes(title="agents 坐席", range=[0, cap * (1.1 if clipped.any() else 1.05)], secondary_y=False)
    fig.update_yaxes(title="posts per hour 每小时帖子", rangemode="tozero", showgrid=False, tickmode="auto",
                     secondary_y=True)
    total_sim, total_erl = int(t["sim_agents"].sum()), int(t["erlang_agents"].sum())
    note = f"<br><sup>{int(clipped.sum())} hour(s) above {cap:.0f} agents cut off, value written on top</sup>" \
        if clipped.any() else ""
    fig.update_layout(template=TEMPLATE, height=460, bargap=0.1, legend={"orientation": "h", "y": -0.3},
                      title=f"Staffing for {plan.target:.0%} in time 排班: simulation {total_sim} vs "
                            f"Erlang C {total_erl} agent-hours a week{note}")
    return fig


def summary_table(summaries: dict[str, Summary]) -> pd.DataFrame:
    """Headline figures per policy as 'mean [95% CI]' strings, for display."""
    def fmt(metric: str, mean: float, lo: float, hi: float) -> str:
        if math.isnan(mean):
            return "–"
        pct = "attainment" in metric or metric in ("utilization", "satisfaction", "reopen_share")
        f = (lambda v: f"{v:.1%}") if pct else (lambda v: f"{v:,.1f}")
        return f(mean) if math.isnan(lo) else f"{f(mean)} [{f(lo)}, {f(hi)}]"

    cols = {label: [fmt(m, *_ci(s.table, m)) for m in HEADLINE]
            for label, s in _summaries(summaries, "summary_table").items()}
    return pd.DataFrame(cols, index=list(HEADLINE.values()))


FIGURES = {"attainment": attainment_figure, "waits": wait_figure, "backlog": backlog_figure,
           "utilization": utilization_figure}


def figures(summaries: dict[str, Summary], plan: StaffingPlan | None = None) -> dict[str, go.Figure]:
    out = {name: make(summaries) for name, make in FIGURES.items()}
    if plan is not None:
        out["staffing"] = staffing_figure(plan)
    return out


# --- the what-if app -------------------------------------------------------------------------

def controls_from(scenario: Scenario) -> dict:
    """Control values that show ``scenario`` (as far as the controls reach): always on duty is duty hours 0–24 with
    weekends; a clock the scenario does not have shows a usual one (30 minutes, 120, 48 hours), as the patrol and
    the clocks show the complaint's where kinds differ. ``policy_patch`` changes only what differs from these."""
    duty = scenario.duty
    start, end = (duty.start.hour, duty.end.hour) if duty else (0, 24)
    week = np.asarray(scenario.pools[0].week)
    first_duty_day = WEEKDAYS.index(duty.weekdays[0]) if duty else 0
    mid = (start + end) // 2
    sla = scenario.sla

    def given(value, usual: float) -> float:  # 0 is a clock (`or` made a 0-minute clock 30)
        return float(usual if value is None else value)

    return {
        "early_agents": int(week[first_duty_day * 1440 + start * 60]),
        "late_agents": int(week[first_duty_day * 1440 + mid * 60]),
        "on_call_agents": scenario.pools[0].on_call_agents,
        "duty_hours": (start, end),
        "weekends": duty is None or {"sat", "sun"} <= set(duty.weekdays),
        "on_call": duty is None or duty.on_call,
        "patrol": int(scenario.patrol_minutes["complaint"]),
        "complaint_ack": given(sla["complaint"].acknowledge_minutes, 30),
        "consultation_ack": given(sla["consultation"].acknowledge_minutes, 120),
        "resolve_hours": given(sla["complaint"].resolve_hours, 48),
        "burst_posts": int(scenario.bursts[0].posts) if scenario.bursts else 0,
        "priority": scenario.priority,
    }


def policy_patch(values: dict, scenario: Scenario) -> dict:
    """The scenario patch the control ``values`` stand for, of the controls moved from ``controls_from(scenario)``
    only: untouched controls leave the scenario as it is (they rewrote it in the controls' terms: an always-on-duty
    account put on duty 00–23, a 0-minute clock made 30, per-kind patrols and resolution clocks made one).

    Duty days and hours (0–24 with weekends: always on duty) with the two shifts that split the duty day, whose
    agents follow them; on-call agents and patrols at night; one patrol interval and one resolution clock for every
    kind; the complaint and question clocks; the posts of the first burst (0: none; where the base has none, one of
    complaints at 10:00 on the third measured day, ``Scenario.burst_slot``); the priority rule."""
    shown = controls_from(scenario)
    moved = {k for k, v in values.items() if v != shown[k]}
    patch: dict = {}
    start, end = values["duty_hours"]
    days = WEEKDAYS if values["weekends"] else WEEKDAYS[:5]
    if moved & {"duty_hours", "weekends", "on_call"}:
        if (start, end, values["weekends"]) == (0, 24, True):
            patch["duty"] = "always"
        elif end == 24:  # a duty day ends by 23:59 (wbcs.policy.Duty): 24:00 is only round the clock
            raise InputError(f"duty hours {start:02d}–24 end at midnight: only round the clock (00–24 with weekend "
                             "duty) does; end them by 23:00, with patrols at night for the rest")
        else:
            patch["duty"] = {"weekdays": days, "start": f"{start:02d}:00", "end": f"{end:02d}:00",
                             "on_call": values["on_call"]}
    if moved & {"early_agents", "late_agents", "duty_hours", "weekends"}:
        mid = (start + end) // 2
        shifts = [{"days": days, "start": f"{start:02d}:00", "end": f"{mid:02d}:00", "agents": values["early_agents"]},
                  {"days": days, "start": f"{mid:02d}:00", "end": f"{end:02d}:00", "agents": values["late_agents"]}]
        patch["agents"] = {"shifts": [s for s in shifts if s["start"] != s["end"]]}
    if "on_call_agents" in moved:
        patch["on_call_agents"] = values["on_call_agents"]
    if "patrol" in moved:
        patch["patrol_minutes"] = values["patrol"]
    sla: dict = {}
    if "resolve_hours" in moved:
        sla = {k: {"resolve_hours": values["resolve_hours"]} for k in POST_KINDS
               if scenario.sla[k].resolve_hours is not None}
    for kind in ("complaint", "consultation"):
        if f"{kind}_ack" in moved:
            sla.setdefault(kind, {})["acknowledge_minutes"] = values[f"{kind}_ack"]
    if sla:
        patch["sla"] = sla
    if "burst_posts" in moved:
        if scenario.bursts:  # the first burst's posts (0: no first burst); when it is, and the other bursts, stay
            bursts = copy.deepcopy(list(scenario.raw["arrivals"]["bursts"]))
            bursts[0]["posts"] = values["burst_posts"]
            bursts = bursts if values["burst_posts"] else bursts[1:]
        else:
            burst_at, burst_hours = scenario.burst_slot()  # after the warm-up, where its posts are counted
            bursts = [{"start": burst_at, "hours": burst_hours, "posts": values["burst_posts"], "kind": "complaint"}]
        patch["arrivals"] = {"bursts": bursts}
    if "priority" in moved:
        patch["priority"] = values["priority"]
    return patch


PLAN_BUTTON = "Plan staffing for A 排班"


class WhatIfApp:
    """Two policies side by side: sliders and pickers per policy, charts that follow them.

    ``WhatIfApp(base, b={"patrol": 10})`` starts both policies from ``base`` (B with its
    overrides); ``app.widget`` is what the notebook displays; ``app.update()`` re-simulates
    (the sliders call it when released); ``app.plan()`` adds the staffing plan of policy A.
    ``client`` (``wbcs.distributed.connect``) runs the replications on a Dask cluster.
    """

    def __init__(self, base: Scenario, *, a: dict | None = None, b: dict | None = None,
                 replications: int = 5, seed: int = 0, target: float = 0.9, client=None):
        import ipywidgets as w

        from wbcs.viz.widgets import FigureTabs

        # a scenario file or mapping as simulate takes it (a path was an AttributeError: no 'updated')
        self.base, self.replications, self.seed, self.target = as_scenario(base), replications, seed, target
        self.client = client
        start = controls_from(self.base)
        self.controls = {"A": self._controls({**start, **(a or {})}), "B": self._controls({**start, **(b or {})})}
        self.summaries: dict[str, Summary] = {}
        self.plan_result: StaffingPlan | None = None
        self._planned_for: dict | None = None  # policy A's control values the plan was made with
        self._failed: str | None = None  # why the controls' current settings could not be simulated
        self.status = w.HTML()
        self.table = w.HTML()
        self.tabs = FigureTabs({"attainment": "SLA 达标", "waits": "Waits 等待", "backlog": "Backlog 积压",
                                "utilization": "Utilisation 利用率", "staffing": "Staffing 排班"})
        plan_button = w.Button(description=PLAN_BUTTON, layout=w.Layout(width="auto"))  # no icon: icons come from a CDN
        plan_button.on_click(lambda _: self.plan())
        columns = [w.VBox([w.HTML(f"<b>Policy {label} 方案{label}</b>"), *c.values()],
                          layout=w.Layout(width="50%", padding="0 8px"))
                   for label, c in self.controls.items()]
        self.widget = w.VBox([w.HBox(columns), w.HBox([plan_button, self.status]), self.table, self.tabs.widget])
        self.tabs.show({"staffing": f"No staffing plan yet: press “{PLAN_BUTTON}” to plan policy A. 尚未排班"})
        for c in self.controls.values():
            for control in c.values():
                control.observe(lambda _change: self.update(), names="value")
        self.update()

    @staticmethod
    def _controls(v: dict) -> dict:
        import ipywidgets as w

        # wide enough for the longest description ("outage burst (posts) 突发投诉": 221 px by figure.text_width,
        # which counts wide): 150 px cut them
        style = {"description_width": "230px"}
        layout = w.Layout(width="100%")

        def slider(cls, description, value, lo, hi, step):
            # a value beyond the usual range widens it: clamped (a 300-minute clock shown as 240), the untouched
            # control would have changed the scenario
            return cls(value=value, min=min(lo, value), max=max(hi, value), step=step, description=description,
                       style=style, layout=layout, continuous_update=False)

        return {
            "early_agents": slider(w.IntSlider, "early shift 早班坐席", v["early_agents"], 0, 30, 1),
            "late_agents": slider(w.IntSlider, "late shift 晚班坐席", v["late_agents"], 0, 30, 1),
            "on_call_agents": slider(w.IntSlider, "on call 值班坐席", v["on_call_agents"], 0, 10, 1),
            "duty_hours": w.IntRangeSlider(value=v["duty_hours"], min=0, max=24, step=1, description="duty hours 值班时段",
                                           style=style, layout=layout, continuous_update=False),
            # the checkbox indents by the description width; at its own 300 px its label kept ~60 px ("week…")
            "weekends": w.Checkbox(value=v["weekends"], description="weekend duty 周末值班", style=style, layout=layout),
            "on_call": w.Checkbox(value=v["on_call"], description="patrol at night 夜间巡查", style=style,
                                  layout=layout),
            "patrol": slider(w.IntSlider, "patrol every (min) 巡查间隔", v["patrol"], 0, 120, 5),
            "complaint_ack": slider(w.FloatSlider, "complaint ack (min) 投诉响应", v["complaint_ack"], 0, 240, 5),
            "consultation_ack": slider(w.FloatSlider, "question ack (min) 咨询响应", v["consultation_ack"], 0, 480, 10),
            "resolve_hours": slider(w.FloatSlider, "answer within (h) 解决时限", v["resolve_hours"], 1, 96, 1),
            "burst_posts": slider(w.IntSlider, "outage burst (posts) 突发投诉", v["burst_posts"], 0, 2000, 50),
            "priority": w.Dropdown(options=[("first come 先到先服务", "fifo"), ("by kind 按类型", "kind"),
                                            ("by influence 按影响力", "influence")],
                                   value=v["priority"], description="priority 优先级", style=style, layout=layout),
        }

    def values(self, label: str) -> dict:
        """Policy ``label``'s control values."""
        return {name: c.value for name, c in self.controls[label].items()}

    def scenario(self, label: str) -> Scenario:
        return self.base.updated(policy_patch(self.values(label), self.base))

    def update(self) -> None:
        """Re-simulate both policies with the same seeds and redraw every chart. A staffing plan made with other
        settings of policy A is taken down, its tab saying to plan again (it showed the old plan as current)."""
        if self.plan_result is not None and self.values("A") != self._planned_for:
            self.plan_result = self._planned_for = None
            self.tabs.show({"staffing": f"Policy A has changed since its staffing plan: press “{PLAN_BUTTON}” to "
                                        "plan it again. 方案A已更改，请重新排班"})
        self.status.value = "simulating 仿真中…"
        try:
            self.summaries = {f"policy {label} 方案{label}": replicate(self.scenario(label), self.replications,
                                                                      self.seed, keep_records=True,
                                                                      client=self.client)
                              for label in self.controls}
        except InputError as e:  # e.g. duty hours of zero length
            self._failed = str(e)
            self.status.value = f"<span style='color:#c00'>{html.escape(str(e))}</span>"
            return
        self._failed = None
        self.table.value = summary_table(self.summaries).to_html(classes="wbcs-sim", border=0)
        # each chart is made when its tab is opened (the first answer costs one chart, not four)
        self.tabs.show({name: (lambda make=make, s=self.summaries: make(s)) for name, make in FIGURES.items()})
        notes = [n for s in self.summaries.values() if (n := s.scenario.unstaffed_note())]
        self.status.value = "<br>".join([f"{self.replications} replications per policy, seed {self.seed}",
                                         *(f"<span style='color:#c00'>{html.escape(n)}</span>"
                                           for n in dict.fromkeys(notes))])

    def plan(self) -> StaffingPlan:
        """The staffing plan of policy A (simulation next to Erlang C), drawn in its tab."""
        self.status.value = "planning staffing 排班计算中…"
        values = self.values("A")
        self.plan_result = plan_staffing(self.scenario("A"), self.target, replications=max(2, self.replications // 2),
                                         seed=self.seed, client=self.client)
        self._planned_for = values
        self.tabs.show({"staffing": staffing_figure(self.plan_result)})
        self.status.value = (f"staffing plan: {int(self.plan_result.table['sim_agents'].sum())} agent-hours a week "
                             f"(Erlang C {int(self.plan_result.table['erlang_agents'].sum())})"
                             + (f"<br><span style='color:#c00'>{html.escape(self.plan_result.note)}</span>"
                                if self.plan_result.note else ""))
        return self.plan_result

    def current_figures(self) -> dict[str, go.Figure]:
        """The charts of the controls' settings as plain figures, the staffing plan only when it was made with them
        (``update`` drops one made with others): what a page without widgets (a notebook exported to HTML) can show
        of the app. Settings that could not be simulated are an InputError: the charts on hand are of earlier ones."""
        if self._failed is not None:
            raise InputError(f"the what-if app's current settings could not be simulated ({self._failed}); "
                             "no charts shown, nothing written: change the controls first")
        return figures(self.summaries, self.plan_result)

    def write(self, folder, *, format: str = "html") -> list:
        """The current charts (``current_figures``) as files (``wbcs.viz.figure.write_figures``)."""
        return write_figures(self.current_figures(), folder, format=format)
