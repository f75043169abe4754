"""KPI figures (plotly) and the ipywidgets KPI dashboard.

Figures take the tables of ``wbcs.kpi.indicators`` (``period=...``, optionally ``by=...``)
or a posts table, and return ``plotly.graph_objects.Figure``. ``posts_behind`` is the
drill-down: the posts behind one point of a chart, PII-masked. ``KpiDashboard`` puts it
all behind date, operator, platform, province and topic filters; it runs in JupyterLab,
headless (tests call its handlers) and as a Voilà app.

Charts carry their n (posts behind each point, in the hover and the titles) and 95%
intervals where a rate has one; labels show the taxonomy's Chinese names; periods the data
cover only in part are marked; an indicator the data cannot give is left out with the
reason (``missing_reasons``), never drawn as an empty axis or a bare "–".
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wbcs.checks import frame as check_frame
from wbcs.checks import whole
from wbcs.columns import local_times, read_times
from wbcs.errors import InputError
from wbcs.kpi import indicators
from wbcs.kpi.indicators import (
    RATE_FORMAT,
    RATES,
    check_request,
    coverage,
    format_indicator,
    format_minutes,
    local_as_of,
    period_start,
    post_kind,
    prepare,
)
from wbcs.kpi.labels import model_labelled
from wbcs.kpi.quantify import favorability_text, label_reliability, reliability_text
from wbcs.policy import Policy
from wbcs.text import mask_frame, mask_pii
from wbcs.triage import KIND_RULES
from wbcs.viz.explore import hour_weekday_heatmap
from wbcs.viz.figure import TEMPLATE, count_ticks, figure, text_width

RATE_NAMES = {
    "negative_handling_rate": "handling 处理率",
    "negative_resolution_rate": "resolution 解决率",
    "reply_satisfaction_rate": "satisfaction 满意率",
    "reply_rate": "reply rate 回复率",
    "sla_acknowledge_attainment": "SLA acknowledge 响应达标",
    "sla_resolve_attainment": "SLA resolve 解决达标",
}
FILTERS = ["operator", "platform", "province", "topic"]
LABEL_FIELDS = ["sentiment", "intent", "topic", "negative_subtype"]
DRILL_COLUMNS = ["created_at", "platform", "operator", "province", "topic", "sentiment", "intent",
                 "text", "reply_at"]
MIN_SHARE_POSTS = 20  # a period with fewer posts gets no topic shares (1 post = "100 %")
DODGE = 0.4  # rates_trend: the share of its period a period's rates are spread over, the first in its middle
XPERIOD = {"day": 86_400_000, "week": 7 * 86_400_000, "month": "M1"}  # plotly's xperiod of each period (ms or months)
# A legend entry's height at plotly's 12 px font and the legend's padding, as Chromium draws them (13 topics: a
# 257 px legend), plus slack; the topic chart's margins (title above, dates below)
LEGEND_ENTRY, LEGEND_PAD, MARGIN_TOP, MARGIN_BOTTOM = 20, 20, 90, 60
# A trend chart's legend hangs from the figure's bottom edge (yref "container"), where plotly.js reserves its height
# below the x axis's labels. At y = -0.15 of the plot it sat a share of the plot's height under the axis: in the
# report's 416 px half charts six entries take six lines, the plot shrinks to 143 px, and the legend covered "2025"
LEGEND_BELOW = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"}
# The response-time axis's ticks, most telling first. One is kept where it is clear of every tick kept before it by
# half of each label and TICK_GAP px in the narrowest plot the histogram is drawn in: the report's half chart at a
# 900 px window (wbcs.report.HALF_WIDTH, 416 px) less plotly's 80 px side margins. 1 min … 2 d ticks 0.3 decade
# apart there ran into each other ("1.0 h2.0 h"). The axis spans 1 min … 1 d at least, so it always has ticks.
RESPONSE_TICKS = {60: "1 h", 1440: "1 d", 1: "1 min", 10: "10 min", 360: "6 h", 10080: "7 d", 43200: "30 d"}
NARROWEST_PLOT, TICK_GAP, TICK_FONT = 416 - 2 * 80, 8, 12  # plotly's tick labels are 12 px
# What each indicator needs, in the order a reason is looked for: (column, why it is missing).
NEEDS = {
    "volume": [],
    "net_favorability": [("sentiment", "no sentiment labels in this data")],
    "negative_handling_rate": [("sentiment", "no sentiment labels in this data"),
                               ("reply_at", "no reply times in this data")],
    "negative_resolution_rate": [("sentiment", "no sentiment labels in this data"),
                                 ("resolved_at", "no resolution times in this data")],
    "reply_satisfaction_rate": [("sentiment", "no sentiment labels in this data"),
                                ("reply_at", "no reply times in this data"),
                                ("satisfied", "no satisfaction feedback in this data")],
    "reply_satisfaction_rate_of_known": [("sentiment", "no sentiment labels in this data"),
                                         ("reply_at", "no reply times in this data"),
                                         ("satisfied", "no satisfaction feedback in this data")],
    "reply_rate": [("reply_at", "no reply times in this data")],
    "median_response_minutes": [("reply_at", "no reply times in this data")],
    "sla_acknowledge_attainment": [("intent", "no intent labels in this data"),
                                   ("reply_at", "no reply times in this data")],
    "sla_resolve_attainment": [("intent", "no intent labels in this data"),
                               ("resolved_at", "no resolution times in this data")],
}
EMPTY = {  # when the columns are there but the denominator is zero
    "net_favorability": "no positive or negative posts",
    "negative_handling_rate": "no negative posts", "negative_resolution_rate": "no negative posts",
    "reply_satisfaction_rate": "no replied negative posts",
    "reply_satisfaction_rate_of_known": "no feedback on replied negative posts",
    "reply_rate": "no posts", "median_response_minutes": "no replied posts",
    "sla_acknowledge_attainment": "no post with a clock is past its deadline or answered yet",
    "sla_resolve_attainment": "no post with a clock is past its deadline or resolved yet",
}


# --------------------------------------------------------------------------- helpers


def display_names(field: str) -> dict[str, str]:
    """Id → the name a reader is shown, for one field: a label's Chinese name in the taxonomy
    (``data/taxonomy.yaml``); an ``operator`` or ``platform`` by name (中国联通 China Unicom, 新浪微博 Sina Weibo); a policy post ``kind`` (the SLA
    rows) by the taxonomy's names of the label that makes a post that kind (咨询 consultation, 笼统负面 vague
    negativity); an aggregation ``rule`` by what it counts."""
    from wbcs.schema import load_taxonomy

    tax = load_taxonomy()
    if field in ("operator", "platform"):
        from wbcs.viz.explore import OPERATOR_NAMES, PLATFORM_NAMES

        return dict(OPERATOR_NAMES if field == "operator" else PLATFORM_NAMES)
    if field == "kind":
        from wbcs.triage import KIND_RULES

        names = {}
        for conditions, kind in KIND_RULES:  # the first rule of a kind that is one taxonomy label names it
            if kind in names or kind is None or len(conditions) != 1 or next(iter(conditions)) not in tax.fields:
                continue
            (label_field, label), = conditions.items()
            lab = next(x for x in tax[label_field].labels if x.id == label)
            names[kind] = f"{lab.zh} {lab.en}"
        return names
    if field == "rule":
        from wbcs.aggregate import RULE_NAMES

        return dict(RULE_NAMES)
    return {lab.id: lab.zh for lab in tax[field].labels} if field in tax.fields else {}


def shown(values: pd.Series, field: str) -> pd.Series:
    """``values`` as shown on charts and tables: ids as ``display_names`` gives them, others as they are;
    ``field="cluster"``: an aggregation or spike cluster key (``topic:network`` → 网络/信号 (topic),
    ``near_duplicate:ID`` → near-duplicates of post ID)."""
    if field == "cluster":
        topics = display_names("topic")

        def name(key: str) -> str:
            kind, _, rest = key.partition(":")
            if kind == "topic":
                return f"{topics.get(rest, rest)} (topic)"
            return f"相似帖子 near-duplicates of post {rest}" if kind == "near_duplicate" else key
    else:
        names = display_names(field)

        def name(v: str) -> str:
            return names.get(v, v)
    if not isinstance(values, pd.Series):
        raise InputError(f"shown: values must be a pandas Series (e.g. table['topic']), got {type(values).__name__}")
    text = values.astype("string")
    return text.map(lambda v: name(v) if isinstance(v, str) else v).astype("string")


def missing_reasons(posts: pd.DataFrame, summary: dict) -> dict[str, str]:
    """Indicator → why it has no value in ``summary`` (for the indicators that have none)."""
    check_frame(posts, "missing_reasons: posts")
    _summary(summary, "missing_reasons")
    out = {}
    for key, needs in NEEDS.items():
        if summary.get(key) is not None:
            continue
        why = next((reason for col, reason in needs if col not in posts or not posts[col].notna().any()), None)
        out[key] = why or EMPTY.get(key, "no data")
    return out


def label_sources(posts: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per label field: posts whose label came from a model and posts whose label was given, told as
    ``wbcs.kpi.labels.model_labelled`` tells them in every layout wbcs wrote (the oldest predict's file has no
    ``<field>_source``: its labels with a probability are a model's, not given)."""
    check_frame(posts, "label_sources: posts")
    out = {}
    for field in LABEL_FIELDS:
        if field not in posts:
            continue
        has, model = posts[field].notna(), model_labelled(posts, field)[0]
        out[field] = {"model": int(model.sum()), "given": int((has & ~model).sum())}
    return out


def label_note_html(posts: pd.DataFrame, model: str | None = None, reliability: pd.DataFrame | None = None) -> str:
    """One line saying which labels are the model's and which were given; with ``reliability`` (the sentiment's
    ``quantify.label_reliability``), how far its "negative" holds: the negative rates count the posts it calls so."""
    src = label_sources(posts)
    by_model = {f: c for f, c in src.items() if c["model"]}
    if not by_model:
        return "<p class='wbcs-note'>Labels: as given in the data (no model labels).</p>"
    parts = [f"{f} {c['model']:,} by model" + (f", {c['given']:,} given" if c["given"] else "")
             for f, c in by_model.items()]
    given_only = [f for f, c in src.items() if not c["model"] and c["given"]]
    tail = f"; given in the data: {', '.join(given_only)}" if given_only else ""
    name = f" {html.escape(model)}" if model else ""
    # only where these posts' sentiment came from the model
    said = reliability_text(reliability, "negative") if src.get("sentiment", {}).get("model") else ""
    negative = (f" Its “negative” in cross-validation: {said} — the negative handling and resolution rates count "
                "the posts it calls negative." if said else "")
    return ("<p class='wbcs-note wbcs-model'><b>Labels from the model" + name + "</b> (predictions, not "
            "human labels; rates built on them can differ from true ones): "
            + html.escape("; ".join(parts) + tail + "." + negative) + "</p>")


def period_coverage(table: pd.DataFrame, period: str, first, last) -> pd.DataFrame:
    """``table`` with ``days_in_period`` and ``days_covered``: the calendar days of each period
    that lie between ``first`` and ``last`` (the data's first and last post, Beijing time)."""
    cov = coverage(_x(table, "period_coverage"), period, first, last)  # (wbcs kpi's, from the window given here)
    return table.assign(days_in_period=cov["days_in_period"].to_numpy(), days_covered=cov["days_covered"].to_numpy())


def rate_interval(num, den, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson interval of num/den (NaN where den is 0), from scipy's beta quantiles."""
    from scipy.stats import beta

    k, n = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    a = (1 - level) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k > 0, beta.ppf(a, k, n - k + 1), 0.0)
        hi = np.where(k < n, beta.ppf(1 - a, k + 1, n - k), 1.0)
    bad = ~(n > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def change_text(now: float, before: float) -> str:
    """A change with the counts it comes from: '+220% (5 → 16)'; 'new (0 → 3)'."""
    if not before:
        return f"new (0 → {now:,.0f})" if now else ""
    return f"{now / before - 1:+.0%} ({before:,.0f} → {now:,.0f})"


def _x(table: pd.DataFrame, who: str, *columns: str) -> pd.Series:
    """The ``period`` column of a table of ``indicators(posts, period=...)``, which ``who`` draws; a table without it
    or without one of ``columns`` (a posts table, a list of rows) is an InputError saying what to pass."""
    missing = [c for c in ("period", *columns) if c not in check_frame(table, f"{who}: table").columns]
    if missing:
        raise InputError(f"{who} needs a table of indicators(posts, period=...) (it has no column {missing[0]!r})")
    return table["period"]


def _summary(summary, who: str, *keys: str) -> Mapping:
    """``summary`` when it is the dict ``indicators(posts)`` returns (no ``period``, no ``by``) with ``keys``."""
    if not isinstance(summary, Mapping) or any(k not in summary for k in keys):
        got = type(summary).__name__ if not isinstance(summary, Mapping) else "a dict without " + repr(
            next(k for k in keys if k not in summary))
        raise InputError(f"{who}: summary must be the dict indicators(posts) returns (no period, no by), got {got}")
    return summary


def duration_ticks(lo: float, hi: float) -> dict[float, str]:
    """The ``RESPONSE_TICKS`` on an axis of log10 minutes from ``lo`` to ``hi``, as {log10 minutes: label}, that keep
    clear of each other in a plot ``NARROWEST_PLOT`` px wide (see there)."""
    per_decade = NARROWEST_PLOT / (hi - lo)

    def clear(a: float, label_a: str, b: float, label_b: str) -> bool:
        need = (text_width(label_a, TICK_FONT) + text_width(label_b, TICK_FONT)) / 2 + TICK_GAP
        return abs(a - b) * per_decade >= need

    kept: dict[float, str] = {}
    for minutes, label in RESPONSE_TICKS.items():
        x = float(np.log10(minutes))
        if lo <= x <= hi and all(clear(x, label, k, other) for k, other in kept.items()):
            kept[x] = label
    return dict(sorted(kept.items()))


def _period_of(table: pd.DataFrame) -> str:
    """The period (day, week or month) of a table of ``indicators(posts, period=...)``: by its ``days_in_period``
    (``period_coverage``), else by its periods' starts (a month's on the 1st and 28 days apart or more, a week's on
    Mondays and 7 or more); a lone period without coverage is taken for a day."""
    if "days_in_period" in table and len(table):
        days = int(table["days_in_period"].iloc[0])
        return "day" if days == 1 else "week" if days == 7 else "month"
    starts = pd.Series(pd.to_datetime(table["period"]).dropna().unique()).sort_values()
    gap = starts.diff().min()
    if pd.isna(gap) or gap < pd.Timedelta(days=7):
        return "day"
    if gap >= pd.Timedelta(days=28) and (starts.dt.day == 1).all():
        return "month"
    return "week" if (starts.dt.day_of_week == 0).all() else "day"


def _period_axis(fig: go.Figure, table: pd.DataFrame) -> go.Figure:
    """``fig`` (a trend over ``table``'s periods) with each point and bar drawn in the middle of its period's dates,
    where the report's "this period" band shades them (plotly period positioning: a period of ``XPERIOD``, counted
    from the latest period's start; the table's x, which the hover names, stays the period's first day). Drawn at the
    first day, a week's point stood on its Monday and a month's on its 1st, half a period left of the band.

    A lone period: plotly spans a lone date by a millisecond ("23:59:59.999 Dec 31, 2024 … 00:00:00.001"), so the axis
    spans the period's dates (its ``days_in_period`` from ``period_coverage``, else a day) with one tick in their middle
    naming it, and a bar takes most of the period (plotly's own width for a lone bar is a millisecond)."""
    starts = pd.to_datetime(table["period"]).dropna()
    if starts.empty:
        return fig
    start = starts.max()
    fig.update_traces(xperiod=XPERIOD[_period_of(table)], xperiod0=start, xperiodalignment="middle")
    if starts.nunique() != 1:
        return fig
    days = int(table["days_in_period"].iloc[0]) if "days_in_period" in table else 1
    tick = f"{start:%Y-%m}" if days >= 28 else f"week of {start:%Y-%m-%d}" if days == 7 else f"{start:%Y-%m-%d}"
    end = start + pd.Timedelta(days=days)
    fig.update_xaxes(type="date", range=[start, end], tickvals=[start + (end - start) / 2], ticktext=[tick])
    return fig.update_traces(width=0.6 * days * 86_400_000, selector={"type": "bar"})  # a date axis counts in ms


# --------------------------------------------------------------------------- figures


@figure
def volume_trend(table: pd.DataFrame, *, spikes: pd.DataFrame | None = None,
                 alerts: pd.DataFrame | None = None, title: str = "Volume 声量") -> go.Figure:
    """Posts per period, with spike episodes and aggregation alerts marked where they start.
    Periods the data cover only in part (``period_coverage`` columns) are hollow and say so."""
    x, y = _x(table, "volume_trend", "volume"), table["volume"].astype(int)
    for name, given in (("spikes", spikes), ("alerts", alerts)):  # a list was "no attribute 'empty'"
        if given is not None:
            check_frame(given, f"volume_trend: {name}")
    fig = go.Figure(go.Scatter(x=x, y=y, mode="lines+markers", name="posts", line={"color": "#1f77b4"},
                               hovertemplate="%{x|%Y-%m-%d}: %{y:,} posts<extra></extra>"))
    if "days_covered" in table:
        part = (table["days_covered"] < table["days_in_period"]).to_numpy()
        if part.any():
            cov = table.loc[part]
            fig.add_trace(go.Scatter(
                x=x[part], y=y[part], mode="markers+text", name="partial period 不完整周期",
                marker={"symbol": "circle-open", "size": 13, "color": "#d62728", "line": {"width": 2}},
                text=[f"{c} of {d} days" for c, d in zip(cov["days_covered"], cov["days_in_period"], strict=True)],
                textposition="top center", textfont={"size": 10, "color": "#d62728"},
                hovertemplate="%{x|%Y-%m-%d}: %{y:,} posts in %{text} covered by the data<extra></extra>"))
    for frame, when, label, symbol, color in ((spikes, "start", "spike 突增", "triangle-up", "#d62728"),
                                             (alerts, "triggered_at", "aggregation rule 统一答复",
                                              "diamond", "#ff7f0e")):
        if frame is None or frame.empty:
            continue
        t = local_times(pd.to_datetime(frame[when]))
        # the period each event falls in, so the marker sits on the line
        idx = np.clip(np.searchsorted(x.to_numpy(), t.to_numpy(), side="right") - 1, 0, None)
        keys = frame["key"] if "key" in frame else frame["cluster_key"]
        fig.add_trace(go.Scatter(
            x=x.iloc[idx], y=y.iloc[idx], mode="markers", name=label,
            marker={"symbol": symbol, "size": 12, "color": color, "line": {"width": 1, "color": "white"}},
            text=[f"{k} at {w:%Y-%m-%d %H:%M}" for k, w in zip(keys, t, strict=True)],
            hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(title=f"{title} · n = {int(y.sum()):,} posts", template=TEMPLATE, yaxis_title="posts",
                      xaxis_title=None, legend=LEGEND_BELOW, height=380,
                      yaxis={"rangemode": "tozero", **count_ticks(y.max() if len(y) else 0)})
    return _period_axis(fig, table)


@figure
def topic_share_trend(table: pd.DataFrame, *, min_posts: int = MIN_SHARE_POSTS,
                      title: str = "Topic share 话题点占比", unit: str = "period") -> go.Figure:
    """Stacked bars: each topic's share of the period's posts (a table ``by="topic"``), topics
    by their Chinese names. Periods with fewer than ``min_posts`` posts are left out (one post
    would be a 100 % share) and the title says how many (of ``unit``: the report's "week")."""
    _x(table, "topic_share_trend")
    if "topic" not in table or "share" not in table:
        raise InputError("topic_share_trend needs indicators(period=..., by='topic')")
    t = table.assign(topic=shown(table["topic"], "topic").fillna("(none 无)"))
    n = t.groupby("period")["volume"].transform("sum")
    kept = t[n >= min_posts].assign(n=n[n >= min_posts].astype(int))
    dropped = int(t.loc[n < min_posts, "period"].nunique())
    order = kept.groupby("topic")["volume"].sum().sort_values(ascending=False).index
    palette = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6",
               "#9d755d", "#bab0ac", "#2f4b7c", "#a05195", "#665191", "#d45087"]
    fig = go.Figure()
    for i, topic in enumerate(order):
        g = kept[kept["topic"] == topic]
        fig.add_bar(x=g["period"], y=g["share"], name=topic, marker_color=palette[i % len(palette)],
                    customdata=np.stack([g["volume"].astype(int), g["n"]], axis=1),
                    hovertemplate=f"{topic}<br>%{{x|%Y-%m-%d}}: %{{y:.0%}} (%{{customdata[0]:,}} of "
                                  "%{customdata[1]:,} posts)<extra></extra>")
    note = f" · {dropped} {unit}{'s' if dropped > 1 else ''} under {min_posts} posts not shown" if dropped else ""
    if kept.empty and dropped:  # an empty frame with axes from -1 to 6 said nothing: say why and what to do
        # in lines (plotly does not wrap), on a plot without axes or side margins: on one line the text was cut
        # off in the report's half-width charts (544 px) and ran over the y axis's title
        fig.add_annotation(text=f"Every period has fewer than {min_posts} posts: choose a longer period<br>"
                                "(week, month) or fewer filters<br>每个周期帖子太少", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5, font={"size": 14})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        fig.update_layout(margin={"l": 20, "r": 20})
    # every topic's legend entry fits: a legend beside the plot scrolls past the plot's height (not the figure's),
    # and the largest topics, listed last, were hidden under the scroll bar
    fig.update_layout(barmode="stack", bargap=0.05, template=TEMPLATE, title=f"{title}{note}",
                      height=max(400, MARGIN_TOP + MARGIN_BOTTOM + LEGEND_PAD + LEGEND_ENTRY * len(order)),
                      margin={"t": MARGIN_TOP, "b": MARGIN_BOTTOM},
                      yaxis={"tickformat": ".0%", "range": [0, 1], "title": "share of posts"},
                      xaxis_title=None, legend_title=None)
    return _period_axis(fig, kept)


@figure
def corrected_share_bar(table: pd.DataFrame, field: str = "topic", *, summary: dict | None = None) -> go.Figure:
    """A field's shares as counted and corrected for the classifier's errors (``wbcs.kpi.quantify``):
    paired bars, the corrected one with its 95 % bootstrap interval; n in the hover and the title."""
    names = display_names(field)
    if "raw_share" not in check_frame(table, "corrected_share_bar: table"):
        raise InputError("corrected_share_bar: table must be corrected_frame(corrected_summary(posts), field) "
                         "(it has no column 'raw_share')")
    t = table.sort_values("raw_share", ascending=False)
    x = [names.get(v, v) for v in t["label"]]
    corrected, method = table.attrs.get("corrected", True), table.attrs.get("method", "ACC")
    fig = go.Figure()
    fig.add_bar(x=x, y=t["raw_share"], name="as counted 原始计数", marker_color="#9ab",
                customdata=t["n"], hovertemplate="%{x}: %{y:.1%} (%{customdata} posts)<extra>as counted</extra>")
    fig.add_bar(x=x, y=t["corrected_share"], name="corrected 校正后" if corrected else "estimate (= counts) 估计",
                marker_color="#1f6fb2",
                error_y={"type": "data", "symmetric": False, "array": (t["hi"] - t["corrected_share"]).clip(lower=0),
                         "arrayminus": (t["corrected_share"] - t["lo"]).clip(lower=0)},
                hovertemplate="%{x}: %{y:.1%} " + ("corrected" if corrected else "as counted")
                + "<extra>95% interval shown</extra>")
    n_model, n_given = table.attrs.get("by_model", 0), table.attrs.get("given", 0)
    title = ((f"{field} shares corrected for the model's errors 模型误差校正 ({method})" if corrected else
              f"{field} shares as counted, not corrected 未校正")
             + f" — {n_model:,} model labels" + (f", {n_given:,} given" if n_given else ""))
    # each subtitle one line, left for fit_title to wrap at the width the chart is drawn (the report's, the
    # dashboard's): wrapped here at 110 characters, its lines were wrapped again at 800 px into stubs ("card's cross-")
    if not corrected and table.attrs.get("note"):  # why: the reader must not take the counts for a correction
        title += f"<br><sup>{table.attrs['note']}</sup>"
    if summary and summary.get("net_favorability"):
        title += f"<br><sup>{favorability_text(summary)}</sup>"
    # the plot keeps its height whatever the subtitle lines take; the legend sits below the slanted labels
    # the title block hangs from the top (plotly centres it in the margin, and 6 lines reached into the plot)
    lines = title.count("<br>")
    fig.update_layout(template=TEMPLATE, barmode="group", yaxis={"tickformat": ".0%", "title": "share"},
                      title={"text": title, "yref": "container", "y": 1 - 30 / (480 + 24 * lines), "yanchor": "top"},
                      legend={"orientation": "h", "y": -0.45}, margin={"t": 60 + 24 * lines, "b": 130},
                      height=480 + 24 * lines)
    return fig


NO_CORRECTION = ("every label here was given, not predicted, or the model has no cross-validated confusion in its "
                 "card")


def corrected_frame(summary: dict, field: str) -> pd.DataFrame | None:
    """``field``'s shares of a ``corrected_summary`` as the table ``corrected_share_bar`` draws (label, n, raw_share,
    corrected_share, lo, hi; attrs: how they were estimated), or None when the field had no model labels: the chart
    and the tables are drawn from the one summary, so they show the same figures."""
    s = summary.get(field)
    if s is None:
        return None
    table = pd.DataFrame(s["shares"])
    table.attrs.update({k: s[k] for k in ("by_model", "given", "method", "corrected", "note")})
    return table


def corrected_shares_table(summary: dict) -> pd.DataFrame:
    """Every field's shares of a ``corrected_summary`` for a reader: the counted and the corrected share with its
    95 % interval, side by side, labels in the taxonomy's names, largest corrected share first."""
    rows = []
    for field in ("topic", "sentiment", "intent"):
        table = corrected_frame(summary, field)
        if table is None:
            continue
        names, done = display_names(field), table.attrs["corrected"]
        for r in table.sort_values("corrected_share", ascending=False).itertuples():
            rows.append({"field": field, "label": names.get(r.label, r.label), "posts as counted": int(r.n),
                         "share as counted": f"{r.raw_share:.1%}",
                         "estimated share (95% interval)": f"{r.corrected_share:.1%} [{r.lo:.1%}, {r.hi:.1%}]",
                         "how": table.attrs["method"] if done else "as counted, not corrected"})
    return pd.DataFrame(rows, columns=["field", "label", "posts as counted", "share as counted",
                                       "estimated share (95% interval)", "how"])


def corrected_shares_html(summary: dict) -> str:
    """``corrected_shares_table`` as an HTML table, then each field's note: how its shares were estimated, or why they
    were kept as counted (the dashboard's Corrected tab and the report)."""
    notes = [f"{field}: {summary[field]['note']}" for field in ("topic", "sentiment", "intent")
             if (summary.get(field) or {}).get("note")]
    return table_html(corrected_shares_table(summary), max_rows=60) + "".join(
        f"<p class='note'>{html.escape(n)}</p>" for n in notes)


@figure
def favorability_trend(table: pd.DataFrame, *, title: str = "Net favorability 净喜好度") -> go.Figure:
    """Both net favorability variants per period, on a −1 … 1 axis; n in the hover."""
    x = _x(table, "favorability_trend", "n_positive", "n_negative", "n_sentiment", "net_favorability",
           "net_favorability_incl_neutral")
    fig = go.Figure()
    for col, name, n in (("net_favorability", "(pos − neg) / (pos + neg)", table["n_positive"] + table["n_negative"]),
                         ("net_favorability_incl_neutral", "(pos − neg) / all", table["n_sentiment"])):
        fig.add_trace(go.Scatter(x=x, y=table[col], mode="lines+markers", name=name, connectgaps=False,
                                 customdata=n.fillna(0).astype(int),
                                 hovertemplate="%{x|%Y-%m-%d}: %{y:+.2f} (n = %{customdata:,})<extra></extra>"))
    fig.add_hline(y=0, line={"color": "#999", "width": 1})
    fig.update_layout(title=title, template=TEMPLATE, yaxis={"range": [-1.05, 1.05]}, xaxis_title=None,
                      legend=LEGEND_BELOW, height=380)
    return _period_axis(fig, table)


@figure
def rates_trend(table: pd.DataFrame, *, title: str = "Handling, resolution, satisfaction 负面处理") -> go.Figure:
    """Negative handling / resolution, reply satisfaction, reply rate and SLA attainment, each
    with its 95% interval (Clopper–Pearson) and k of n in the hover."""
    x = pd.to_datetime(_x(table, "rates_trend"))  # a posts table drew an empty chart
    drawn = [col for col in RATE_NAMES if col in table and table[col].notna().any()]
    # each rate a little later in its period than the one before (dodged; the first in the period's middle, where
    # the other trends draw it), so the intervals of one period's rates do not cover each other: on STC-3's ~1 post
    # a day six spanned 0-100 % at the same x. (plotly's scattermode "group" spreads a lone period over 1 ms.)
    gaps = x.drop_duplicates().sort_values().diff().dropna()
    step = gaps.min() if len(gaps) else pd.Timedelta(days=int(table["days_in_period"].iloc[0])
                                                      if "days_in_period" in table and len(table) else 1)
    dodges = [step * DODGE * j / max(len(drawn) - 1, 1) for j in range(len(drawn))]
    fig = go.Figure()
    for col, dodge in zip(drawn, dodges, strict=True):
        name = RATE_NAMES[col]
        num, den = (table[c] for c in RATES[col])
        lo, hi = rate_interval(num, den)
        fig.add_trace(go.Scatter(
            x=x + dodge, y=table[col], mode="lines+markers", name=name,
            line={"width": 1.5},
            error_y={"type": "data", "array": hi - table[col], "arrayminus": table[col] - lo,
                     "thickness": 1, "width": 2},
            customdata=np.stack([num.fillna(0).astype(int), den.fillna(0).astype(int)], axis=1),
            text=x.dt.strftime("%Y-%m-%d"),  # the period, not the dodged x (hover only: mode has no text)
            hovertemplate=name + " %{text}: %{y:.0%} (%{customdata[0]:,} of %{customdata[1]:,})"
                                 "<extra></extra>"))
    fig.update_layout(title=f"{title} (95% intervals)", template=TEMPLATE,
                      yaxis={"tickformat": ".0%", "range": [0, 1.05]},
                      xaxis_title=None, legend=LEGEND_BELOW, height=400)
    fig = _period_axis(fig, table)
    # plotly draws a point in the middle of the period it falls in, which would undo the dodge: a rate's periods are
    # counted from a start moved on by its dodge, as its x is (a month's by 12.4 days at most: plotly steps a month
    # from its day of the month), so it stands its dodge after the middle
    for trace, dodge in zip(fig.data, dodges, strict=True):
        trace.xperiod0 = pd.Timestamp(trace.xperiod0) + dodge
    return fig


@figure
def response_time_histogram(posts: pd.DataFrame, *, title: str = "Response time 响应速度") -> go.Figure:
    """Minutes from post to first reply (log scale), with the median and p90 marked."""
    if "reply_at" not in check_frame(posts, "response_time_histogram: posts"):
        raise InputError("response_time_histogram needs a 'reply_at' column")
    times = read_times(posts, columns=("created_at", "reply_at"))  # Beijing time both, however each is written
    minutes = ((times["reply_at"] - times["created_at"]) / pd.Timedelta(minutes=1)).dropna()
    fig = go.Figure()
    x = np.log10(minutes.clip(lower=0.1))  # a reply within 6 s is drawn at 6 s: log10(0) has no place
    # the axis: a bin's width (of 60) beyond the replies, and 1 min … 1 d at least
    pad = (x.max() - x.min()) / 60 if len(x) else 0.0
    ends = [x.min() - pad, x.max() + pad] if len(x) else []
    lo, hi = min([0.0, *ends]), max([float(np.log10(1440)), *ends])
    if len(minutes):
        fig.add_trace(go.Histogram(x=x, nbinsx=60, name="replies",
                                   marker_color="#1f77b4", hovertemplate="%{y} replies<extra></extra>"))
        for q, name in ((0.5, "median"), (0.9, "p90")):
            v = minutes.quantile(q)
            fig.add_vline(x=np.log10(max(v, 0.1)), line={"dash": "dash", "color": "#d62728"},
                          annotation_text=f"{name} {format_minutes(v)}", annotation_position="top")
    ticks = duration_ticks(lo, hi)
    fig.update_layout(title=f"{title} · n = {len(minutes):,} replies", template=TEMPLATE, bargap=0.02,
                      height=360, yaxis_title="replies",
                      xaxis={"title": "minutes from post to first reply", "range": [lo, hi],
                             "tickvals": list(ticks), "ticktext": list(ticks.values())}, showlegend=False)
    return fig


# What the report and the dashboard count as complaints (投诉), said where they are counted: the posts triage
# sends to the complaint flow, as the SLA table's 投诉 complaint row counts them. Not every negative post: the
# standard asks vague negativity its reason and sets abuse aside (DOMAIN.md, "which businesses and which
# provinces draw most complaints" is about the handled complaints)
COMPLAINTS_MEANING = ("complaints 投诉: the posts triage sends to the complaint flow (post kind 投诉 complaint, the one "
                      "the complaint SLA clocks time: intent complaint, or a concrete complaint); vague negativity and "
                      "abuse are handled otherwise and not counted")
_COMPLAINT_RULES = [rule for rule, kind in KIND_RULES if kind == "complaint"]


def complaints(posts: pd.DataFrame, *, rules=None) -> pd.DataFrame:
    """The posts of ``posts`` whose policy post kind is ``complaint`` (``COMPLAINTS_MEANING``; kinds by ``rules``,
    ``wbcs.kpi.indicators.kinds_of``: None for the default routes)."""
    kind = post_kind(check_frame(posts, "complaints: posts"), rules=rules)
    return posts[(kind == "complaint").fillna(False).to_numpy()]


def no_complaints_reason(posts: pd.DataFrame, *, rules=None) -> str | None:
    """Why ``posts`` hold no complaint (no labels that make one, or none among them); None when they hold some."""
    if len(complaints(posts, rules=rules)):
        return None
    has = {c for c in posts.columns if posts[c].notna().any()}
    if not any(set(rule) <= has for rule in _COMPLAINT_RULES):
        needs = " or ".join(dict.fromkeys(" with ".join(rule) for rule in _COMPLAINT_RULES))
        return f"no labels that make a post a complaint in this data (it needs {needs})"
    return "no complaints among these posts"


@figure
def complaint_bar(posts: pd.DataFrame, column: str, *, top: int = 15, title: str | None = None,
                  rules=None) -> go.Figure:
    """Complaints (``complaints``) per value of ``column`` (topic, province, ...), most first; taxonomy
    fields by their Chinese names. Posts without a complaint say why in the middle of the chart."""
    check_frame(posts, "complaint_bar: posts")
    top = whole(top, "complaint_bar: top", 1)  # -1 was every value but the last
    if not isinstance(column, str):  # ['topic'] was "unhashable type: 'list'"
        raise InputError(f"complaint_bar: column must be one column name (e.g. 'topic'), got {column!r}")
    if column not in posts:
        raise InputError(f"complaint_bar: no column {column!r}")
    counts = shown(complaints(posts, rules=rules)[column], column).fillna("(unknown 未知)").value_counts()
    head = counts.head(top)[::-1]
    rest = f", top {top} of {len(counts)} shown" if len(counts) > top else ""
    fig = go.Figure(go.Bar(x=head.to_numpy(), y=head.index, orientation="h", marker_color="#d62728",
                           text=[f"{v:,}" for v in head], textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:,} complaints<extra></extra>"))
    if why := no_complaints_reason(posts, rules=rules):
        fig.add_annotation(text=why, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font={"size": 14})
    fig.update_layout(title=f"{title or f'Complaints by {column} 投诉'} · n = {int(counts.sum()):,}{rest}",
                      template=TEMPLATE, xaxis={"title": "complaints 投诉", **count_ticks(head.max() if len(head) else 0)},
                      height=max(260, 26 * len(head) + 120))
    return fig


def province_bar(posts: pd.DataFrame, *, top: int = 15) -> go.Figure:
    """Complaints per province (a bar chart: no map file is needed offline)."""
    return complaint_bar(posts, "province", top=top, title="Complaints by province 各省投诉")


@figure
def sla_bar(summary: dict, *, title: str = "SLA attainment by post kind 各类时限达标") -> go.Figure:
    """Acknowledge and resolve attainment per policy post kind (from the summary dict), with
    95% intervals and the posts each is out of."""
    kinds = list(_summary(summary, "sla_bar", "sla")["sla"])
    names = display_names("kind")
    fig = go.Figure()
    for stage, color in (("acknowledge", "#1f77b4"), ("resolve", "#2ca02c")):
        vals = np.array([summary["sla"][k][f"{stage}_attainment"] for k in kinds], dtype=float)
        due = np.array([summary["sla"][k][f"{stage}_due"] or 0 for k in kinds], dtype=float)
        met = np.array([summary["sla"][k][f"{stage}_met"] or 0 for k in kinds], dtype=float)
        lo, hi = rate_interval(met, due)
        x = [names.get(k, k) for k in kinds]
        fig.add_trace(go.Bar(x=x, y=vals, name=stage, legendgroup=stage, offsetgroup=stage, marker_color=color,
                             customdata=due.astype(int),
                             error_y={"type": "data", "array": hi - vals, "arrayminus": vals - lo, "thickness": 1},
                             hovertemplate="%{x}: %{y:.1%} of %{customdata:,} posts<extra></extra>"))
        # the label above the whisker, which crossed it outside the bar's top ("17% of 42"): on a bar of no height
        # standing on the interval's top, in the same slot of the group
        fig.add_trace(go.Bar(x=x, y=np.zeros(len(kinds)), base=hi, name=stage, legendgroup=stage, offsetgroup=stage,
                             showlegend=False, hoverinfo="skip", marker_color="rgba(0,0,0,0)", cliponaxis=False,
                             text=["" if np.isnan(v) else f"{v:.0%} of {d:,.0f}" for v, d in zip(vals, due, strict=True)],
                             textposition="outside"))
    # the legend hangs from the figure's bottom edge, below the kind names (LEGEND_BELOW): at y = -0.2 of the plot the
    # names plotly slants in a narrow chart (the report's at an 800 px window) ran over it
    fig.update_layout(title=f"{title} (95% intervals)", template=TEMPLATE, barmode="group", height=360,
                      yaxis={"tickformat": ".0%", "range": [0, 1.15]}, legend=LEGEND_BELOW)
    return fig


# --------------------------------------------------------------------------- tables and cards


def posts_behind(posts: pd.DataFrame, *, period: str, start, **filters) -> pd.DataFrame:
    """The drill-down: posts of the period starting at ``start`` (and matching ``filters``,
    column → value or list of values), newest first, PII-masked. ``start`` may be naive (Beijing wall time)
    or tz-aware, as the data's own times are; a ``period`` other than day, week or month is refused."""
    if period is None:  # None passed check_request (no period is an indicators request) and gave months
        raise InputError("posts_behind: period must be one of day, week, month, got None")
    check_request(check_frame(posts, "posts_behind: posts").columns, period, None)
    local = local_times(posts["created_at"])
    keep = np.array(period_start(local, period) == local_as_of(start, "start"), dtype=bool)
    for col, value in filters.items():
        if value is None or value == [] or col not in posts:
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        keep &= posts[col].astype("string").isin([str(v) for v in values]).fillna(False).to_numpy()
    cols = [c for c in DRILL_COLUMNS if c in posts]
    out = posts.loc[keep, cols].sort_values("created_at", ascending=False)
    for col in ("topic", "sentiment", "intent", "operator", "platform"):  # named as the filters name them
        if col in out:
            out[col] = shown(out[col], col)
    masked = [c for c in cols if c in ("text", "province")]
    return mask_frame(out.astype({c: "string" for c in masked}), columns=masked)


def table_html(df: pd.DataFrame, *, max_rows: int = 50) -> str:
    """A small escaped HTML table (PII must already be masked)."""
    shown_rows = check_frame(df, "table_html: df").head(whole(max_rows, "table_html: max_rows"))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown_rows.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r) + "</tr>"
                   for r in shown_rows.itertuples(index=False))
    more = f"<p>… {len(df) - max_rows:,} more</p>" if len(df) > max_rows else ""
    return f"<table class='wbcs-table'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{more}"


def _cell(v) -> str:
    if v is None or (not isinstance(v, (list, str)) and pd.isna(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d %H:%M}"
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:.3g}"
    if isinstance(v, (int, np.integer)):
        return f"{v:,}"
    return str(v)


# each written by ``format_indicator``, as wbcs kpi and the report write it
CARDS = [("Posts 声量", "volume"), ("Net favorability 净喜好度", "net_favorability"),
         ("Handling rate 处理率", "negative_handling_rate"), ("Resolution rate 解决率", "negative_resolution_rate"),
         ("Satisfaction 满意率", "reply_satisfaction_rate"), ("Median response 响应", "median_response_minutes"),
         ("SLA acknowledge 响应达标", "sla_acknowledge_attainment")]


def kpi_cards_html(summary: dict, previous: dict | None = None, *,
                   missing: dict[str, str] | None = None) -> str:
    """Headline KPIs as cards, each with its change against ``previous`` when given. A KPI
    without a value is left out; ``missing`` (``missing_reasons``) says why, in one line."""
    _summary(summary, "kpi_cards_html")
    if previous is not None:
        _summary(previous, "kpi_cards_html (previous)")
    out, left_out = [], {}
    for label, key in CARDS:
        v = summary.get(key)
        if v is None:
            left_out.setdefault((missing or {}).get(key, "no data"), []).append(label)
            continue
        text = format_indicator(key, v)
        delta = ""
        if previous is not None and previous.get(key) is not None:
            p = previous[key]
            if key == "volume":
                delta = f"{change_text(v, p)} vs previous"
            elif key == "median_response_minutes":
                delta = f"{format_minutes(v, v - p)} vs previous"
            elif key == "net_favorability":
                delta = f"{format_indicator(key, v - p)} vs previous"
            else:
                delta = f"{(v - p) * 100:+.1f} pts vs previous"
        out.append(f"<div class='wbcs-card'><div class='wbcs-label'>{html.escape(label)}</div>"
                   f"<div class='wbcs-value'>{html.escape(text)}</div>"
                   f"<div class='wbcs-delta'>{html.escape(delta)}</div></div>")
    why = "".join(f"<p class='wbcs-note'>Not shown — {html.escape(reason)}: {html.escape(', '.join(keys))}.</p>"
                  for reason, keys in left_out.items())
    return "<div class='wbcs-cards'>" + "".join(out) + "</div>" + why


INDICATOR_NAMES = {"volume": "posts 声量", "n_negative": "negative posts 负面帖子", "n_replied": "replied posts 已回复",
                   "net_favorability": "net favorability 净喜好度",
                   "net_favorability_incl_neutral": "net favorability, neutral counted 净喜好度(含中性)",
                   **RATE_NAMES, "median_response_minutes": "median response 响应时间中位数",
                   "p90_response_minutes": "90th percentile response 响应时间P90"}


def indicator_table(summary: dict) -> pd.DataFrame:
    """The headline indicators as display strings: counts as integers, rates as percentages, times in the unit
    that reads best; indexed by the indicator's key (as ``wbcs kpi --json`` names it), with its name beside it."""
    _summary(summary, "indicator_table")
    rows = []
    for key in INDICATOR_NAMES:
        rows.append((key, INDICATOR_NAMES[key], format_indicator(key, summary.get(key))))
    return pd.DataFrame(rows, columns=["indicator", "name", "value"]).set_index("indicator")


# the sla_table row of the posts no clock applies to: of no policy kind (triage's `monitor` route: chit-chat, ads, no
# labels) or of a kind the policy gives no clock
NO_CLOCK = "无时限 no clock"


def sla_table(summary: dict) -> pd.DataFrame:
    """SLA attainment per post kind as display strings (posts as integers, 'x% of n'); the posts no clock applies to
    (``NO_CLOCK``) in a row of their own, in no attainment, so the posts add up to the period's volume."""
    def pct(rate, due) -> str:
        return "–" if rate is None else f"{rate:{RATE_FORMAT}} of {int(due):,}"

    names = display_names("kind")
    _summary(summary, "sla_table", "sla", "volume")  # {} was KeyError 'sla'
    rows = [{
        "kind": names.get(k, k), "posts": f"{int(v['posts']):,}", "clock": v["clock"],
        "acknowledge within": f"{v['acknowledge_minutes']:g} min" if v["acknowledge_minutes"] else "–",
        "acknowledged in time": pct(v["acknowledge_attainment"], v["acknowledge_due"]),
        "resolve within": f"{v['resolve_hours']:g} h" if v["resolve_hours"] else "–",
        "resolved in time": pct(v["resolve_attainment"], v["resolve_due"])} for k, v in summary["sla"].items()]
    if unclocked := summary["volume"] - sum(v["posts"] for v in summary["sla"].values()):
        rows.append({"kind": NO_CLOCK, "posts": f"{unclocked:,}", "clock": "none", "acknowledge within": "–",
                     "acknowledged in time": "not counted", "resolve within": "–", "resolved in time": "not counted"})
    return pd.DataFrame(rows)


CARD_CSS = """<style>
.wbcs-cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.wbcs-card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px;background:#fafafa}
.wbcs-label{font-size:12px;color:#555}.wbcs-value{font-size:22px;font-weight:600}
.wbcs-delta{font-size:11px;color:#777}.wbcs-note{font-size:12px;color:#666;margin:2px 0}
.wbcs-model{color:#8a5a00}
.wbcs-table{border-collapse:collapse;font-size:12px}.wbcs-table td,.wbcs-table th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
</style>"""


# --------------------------------------------------------------------------- the dashboard


class KpiDashboard:
    """The KPI dashboard: filters on the left of every figure, drill-down below.

    ``KpiDashboard(posts).widget`` is an ipywidgets box; display it in a notebook or
    serve the notebook with Voilà. ``posts`` is a labelled posts table. Each tab is a
    builder ``(dashboard, posts) -> Figure | str`` in ``self.builders`` (a string says why the
    tab has no chart); ``add_tab`` adds one. Only the tab on screen is drawn; the others are
    drawn when opened.
    """

    def __init__(self, posts: pd.DataFrame, *, policy: Policy | None = None, title: str = "KPI dashboard"):
        import ipywidgets as w

        from wbcs.viz.widgets import FigureTabs

        if check_frame(posts, "KpiDashboard: posts").empty:
            raise InputError("KpiDashboard: the posts table is empty")
        # refused as indicators refuses them (a post without a time, given twice, an unknown label), not dropped
        local = prepare(posts)["created_at"].reset_index(drop=True)
        self.posts = posts.assign(post_kind=post_kind(posts)).reset_index(drop=True)
        self.model = (posts.attrs.get("classified") or {}).get("model")
        self.policy = policy
        days = pd.date_range(local.min().normalize(), local.max().normalize(), freq="D")
        self.local = local
        self.dates = w.SelectionRangeSlider(options=[(f"{d:%Y-%m-%d}", d) for d in days],
                                            index=(0, len(days) - 1), description="dates 日期",
                                            readout=False, continuous_update=False,
                                            layout={"width": "70%"}, style={"description_width": "initial"})
        self.dates_label = w.HTML()
        self.period = w.ToggleButtons(options=[("day 日", "day"), ("week 周", "week"), ("month 月", "month")],
                                      value=self._default_period(days), description="period 周期",
                                      style={"description_width": "initial", "button_width": "90px"})
        self.filters = {}
        for col in FILTERS:
            if col in self.posts and self.posts[col].notna().any():
                values = sorted(self.posts[col].dropna().astype(str).unique())
                names = display_names(col)
                # the values stay as they are (they filter); what is shown is masked (a phone number as a province)
                # two rows at least: Chromium draws a one-row list as a dropdown reading "0 selected", its value unseen
                self.filters[col] = w.SelectMultiple(options=[(mask_pii(names.get(v, v)), v) for v in values],
                                                     description=col, rows=min(6, max(2, len(values))),
                                                     layout={"width": "300px"})  # 中国电信 China Telecom whole
        self.cards = w.HTML()
        self.labels_note = w.HTML()
        self.builders: dict[str, Callable] = {
            "volume": KpiDashboard._volume, "topics": KpiDashboard._topics,
            "favorability": KpiDashboard._favorability, "rates": KpiDashboard._rates,
            "response": KpiDashboard._response, "rhythm": KpiDashboard._rhythm,
            "provinces": KpiDashboard._provinces, "corrected": KpiDashboard._corrected}
        self.tabs = FigureTabs({"volume": "Volume 声量", "topics": "Topics 话题", "favorability": "Favorability 喜好",
                                "rates": "Handling 处理", "response": "Response 响应", "rhythm": "Rhythm 时段",
                                "provinces": "Provinces 省份", "corrected": "Corrected 校正"})
        self.figures = self.tabs.slots
        self.drill_period = w.Dropdown(description="drill-down", layout={"width": "300px"})
        self.drill_topic = w.Dropdown(description="topic", layout={"width": "260px"})
        self.drill = w.HTML()
        self.status = w.HTML()
        for widget in [self.dates, self.period, *self.filters.values()]:
            widget.observe(lambda _change: self.refresh(), names="value")
        for widget in (self.drill_period, self.drill_topic):
            widget.observe(lambda _change: self.show_drill(), names="value")
        self.widget = w.VBox([
            w.HTML(f"<h3>{html.escape(mask_pii(title))}</h3>{CARD_CSS}"), w.HBox([self.dates, self.dates_label]), self.period,
            # four filters are 1200 px: at 800 px two to a row (in one row the last was cut off, with no scroll)
            w.HBox(list(self.filters.values()), layout={"flex_flow": "row wrap"}),
            self.status, self.cards, self.labels_note, self.tabs.widget,
            w.HBox([self.drill_period, self.drill_topic]), self.drill])
        self.refresh()

    def add_tab(self, name: str, title: str, builder: Callable) -> None:
        """A new tab drawn by ``builder(dashboard, posts) -> Figure | str`` (a str says why empty)."""
        self.builders[name] = builder
        self.tabs.add(name, title)
        self.refresh()

    @staticmethod
    def _default_period(days: pd.DatetimeIndex) -> str:
        return "day" if len(days) <= 62 else ("week" if len(days) <= 730 else "month")

    def filtered(self) -> pd.DataFrame:
        lo, hi = self.dates.value
        keep = (self.local >= lo) & (self.local < hi + pd.Timedelta(days=1))
        for col, widget in self.filters.items():
            if widget.value:
                keep &= self.posts[col].astype("string").isin(widget.value).fillna(False)
        return self.posts[keep.to_numpy()]

    # each tab: (dashboard, filtered posts) -> Figure, or a str saying why there is none
    def _volume(self, posts):
        return volume_trend(self.table)

    def _topics(self, posts):
        if self.by_topic is None:
            return "No topic labels in this data."
        return topic_share_trend(self.by_topic)

    def _favorability(self, posts):
        return favorability_trend(self.table) if self.summary.get("net_favorability") is not None else \
            f"No net favorability: {self.reasons.get('net_favorability', 'no data')}."

    def _rates(self, posts):
        if all(self.summary.get(k) is None for k in RATE_NAMES):
            reasons = sorted({self.reasons[k] for k in RATE_NAMES if k in self.reasons})
            return f"No handling, resolution or SLA rates: {'; '.join(reasons)}."
        return rates_trend(self.table)

    def _response(self, posts):
        if "reply_at" not in posts or not posts["reply_at"].notna().any():
            return "No response times: no reply times in this data."
        return response_time_histogram(posts)

    def _rhythm(self, posts):
        return hour_weekday_heatmap(posts["created_at"])

    def _provinces(self, posts):
        if "province" not in posts or not posts["province"].notna().any():
            return "No provinces in this data."
        if why := no_complaints_reason(posts):
            return f"No complaints by province: {why}."
        return province_bar(posts), f"<p class='wbcs-note'>{html.escape(COMPLAINTS_MEANING)}.</p>"

    def _corrected(self, posts):
        from wbcs.kpi.quantify import corrected_summary

        posts = posts.copy()
        posts.attrs = self.posts.attrs  # the model's cross-validated confusion travels in attrs
        summary = corrected_summary(posts)  # its own draws and seed, as the report's and wbcs kpi's
        table = corrected_frame(summary, "topic")
        if table is None:
            return f"No corrected shares: {NO_CORRECTION}."
        # below the topic chart, every field's shares (sentiment and intent too), as the report shows them
        return corrected_share_bar(table, "topic", summary=summary), corrected_shares_html(summary)

    def refresh(self) -> None:
        """Recompute every indicator for the current filters; redraw the tab on screen."""
        posts = self.filtered()
        lo, hi = self.dates.value
        self.dates_label.value = f"<b>{lo:%Y-%m-%d} – {hi:%Y-%m-%d}</b>"
        self.status.value = f"<i>{len(posts):,} posts selected</i>"
        if posts.empty:
            self.cards.value = "<p>No posts match these filters.</p>"
            self.labels_note.value = ""
            self.table = self.by_topic = None
            self.tabs.clear()
            self.drill_period.options = []
            return
        period = self.period.value
        self.summary = indicators(posts, policy=self.policy)
        self.reasons = missing_reasons(posts, self.summary)
        table = indicators(posts, period=period, policy=self.policy)
        t = local_times(posts["created_at"])
        first, last = max(t.min(), lo), min(t.max(), hi)
        self.table = period_coverage(table, period, first, last)
        # the coverage tells the charts each period's length too (a lone period's axis spans it)
        self.by_topic = period_coverage(indicators(posts, period=period, by="topic", policy=self.policy), period,
                                        first, last) if "topic" in posts and posts["topic"].notna().any() else None
        self.cards.value = kpi_cards_html(self.summary, missing=self.reasons)
        self.labels_note.value = label_note_html(posts, self.model, label_reliability(self.posts, "sentiment"))
        self.tabs.show({name: (lambda b=build: b(self, posts)) for name, build in self.builders.items()})
        starts = self.table.loc[self.table["volume"] > 0, "period"]
        self.drill_period.options = [(f"{p:%Y-%m-%d} ({period})", p) for p in starts[::-1]]
        self.drill_period.value = starts.iloc[-1] if len(starts) else None  # the latest period
        topics = sorted(posts["topic"].dropna().astype(str).unique()) if "topic" in posts else []
        names = display_names("topic")
        # "" for all topics: a Dropdown shows an option whose value is None as an empty box
        keep = self.drill_topic.value if self.drill_topic.value in topics else ""
        self.drill_topic.options = [("all 全部", "")] + [(names.get(t, t), t) for t in topics]
        self.drill_topic.value = keep  # a new options list selects nothing
        self.show_drill()

    @property
    def current(self) -> dict[str, go.Figure | str]:
        """Every tab's figure (or reason) for the current filters, drawing those not drawn yet."""
        return {name: self.tabs.content(name) for name in self.builders}

    def show_drill(self) -> None:
        """The posts behind the chosen period (and topic), PII-masked."""
        if self.drill_period.value is None:
            self.drill.value = ""
            self.drill_rows = None
            return
        self.drill_rows = posts_behind(self.filtered(), period=self.period.value,
                                       start=self.drill_period.value, topic=self.drill_topic.value or None)
        self.drill.value = table_html(self.drill_rows)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


class DashboardChooser:
    """Several posts tables behind one toggle, one ``KpiDashboard`` each, built the first time
    its table is chosen. A table can be given as a function that makes it (e.g. reads and
    classifies a file): the app then shows its first dashboard without waiting for the others."""

    def __init__(self, sources: dict[str, pd.DataFrame | Callable[[], pd.DataFrame]], **dashboard_options):
        import ipywidgets as w

        if not isinstance(sources, Mapping):  # a list was "dictionary update sequence element #0 has length 20"
            raise InputError("DashboardChooser: sources must be a dict name → posts table (or a function that makes "
                             f"one), e.g. {{'March': posts}}; got {type(sources).__name__}")
        if not sources:
            raise InputError("DashboardChooser: no posts tables given")
        self.sources, self.options = dict(sources), dashboard_options
        self.dashboards: dict[str, KpiDashboard] = {}
        # a table's name is the chooser's key; what is shown of it is masked (a file named by a phone number)
        self.choice = w.ToggleButtons(options=[(mask_pii(str(n)), n) for n in self.sources], description="data 数据",
                                      style={"description_width": "initial", "button_width": "auto"})
        self.status = w.HTML()
        self.holder = w.VBox()
        self.widget = w.VBox([self.choice, self.status, self.holder])
        self.choice.observe(lambda change: self.show(change["new"]), names="value")
        self.show(self.choice.value)

    def show(self, name: str) -> KpiDashboard | None:
        """The dashboard of table ``name`` (made on first use); a table that cannot be had says why."""
        if name not in self.dashboards:
            self.status.value = f"<i>loading {html.escape(mask_pii(str(name)))}…</i>"
            source = self.sources[name]
            try:
                posts = source() if callable(source) else source
                self.dashboards[name] = KpiDashboard(posts, title=f"KPI dashboard · {name}", **self.options)
            except InputError as e:  # it may quote a cell (an unknown label '13812345678'): masked as the CLI's
                self.status.value = f"<span style='color:#c00'>{html.escape(mask_pii(f'{name}: {e}'))}</span>"
                self._display(None)
                return None
        self.status.value = ""
        self._display(name)
        self.holder.children = [dashboard.widget for dashboard in self.dashboards.values()]
        return self.dashboards[name]

    def _display(self, name: str | None) -> None:
        """Dashboard ``name`` shown, the others hidden, not taken off the page: there, their charts' views were
        removed but plotly (7.1) kept them listening, and a chart's next update (its width, fitted to the window)
        reached a removed view: "Error setting state: Cannot read properties of undefined (reading 'map')"."""
        for key, dashboard in self.dashboards.items():
            dashboard.widget.layout.display = None if key == name else "none"

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
