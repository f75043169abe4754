"""KPI figures (plotly) and the ipywidgets KPI dashboard.

Figures take the tables of ``wbcs.kpi.indicators`` (``period=...``, optionally ``by=...``)
or a posts table, and return ``plotly.graph_objects.Figure``. ``posts_behind`` is the
drill-down: the posts behind one point of a chart, PII-masked. ``KpiDashboard`` puts it
all behind date, operator, platform, province and topic filters; it runs in JupyterLab,
headless (tests call its handlers) and as a Voilà app.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from wbcs.errors import InputError
from wbcs.kpi import indicators
from wbcs.kpi.indicators import local_times, period_start, post_kind
from wbcs.policy import Policy
from wbcs.text import mask_frame
from wbcs.viz.explore import TEMPLATE, hour_weekday_heatmap

RATE_NAMES = {
    "negative_handling_rate": "handling 处理率",
    "negative_resolution_rate": "resolution 解决率",
    "reply_satisfaction_rate": "satisfaction 满意率",
    "reply_rate": "reply rate 回复率",
    "sla_acknowledge_attainment": "SLA acknowledge 响应达标",
    "sla_resolve_attainment": "SLA resolve 解决达标",
}
FILTERS = ["operator", "platform", "province", "topic"]
DRILL_COLUMNS = ["created_at", "platform", "operator", "province", "topic", "sentiment", "intent",
                 "text", "reply_at"]


def _x(table: pd.DataFrame) -> pd.Series:
    if "period" not in table:
        raise InputError("this figure needs a table with a 'period' column (indicators(period=...))")
    return table["period"]


def volume_trend(table: pd.DataFrame, *, spikes: pd.DataFrame | None = None,
                 alerts: pd.DataFrame | None = None, title: str = "Volume 声量") -> go.Figure:
    """Posts per period, with spike episodes and aggregation alerts marked where they start."""
    fig = go.Figure(go.Scatter(x=_x(table), y=table["volume"], mode="lines+markers", name="posts",
                               line={"color": "#1f77b4"},
                               hovertemplate="%{x|%Y-%m-%d}: %{y:,} posts<extra></extra>"))
    for frame, when, label, symbol, color in ((spikes, "start", "spike 突增", "triangle-up", "#d62728"),
                                             (alerts, "triggered_at", "aggregation rule 统一答复",
                                              "diamond", "#ff7f0e")):
        if frame is None or frame.empty:
            continue
        t = local_times(pd.to_datetime(frame[when]))
        # the period each event falls in, so the marker sits on the line
        idx = np.clip(np.searchsorted(_x(table).to_numpy(), t.to_numpy(), side="right") - 1, 0, None)
        keys = frame["key"] if "key" in frame else frame["cluster_key"]
        fig.add_trace(go.Scatter(
            x=_x(table).iloc[idx], y=table["volume"].iloc[idx], mode="markers", name=label,
            marker={"symbol": symbol, "size": 12, "color": color, "line": {"width": 1, "color": "white"}},
            text=[f"{k} at {w:%Y-%m-%d %H:%M}" for k, w in zip(keys, t, strict=True)],
            hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(title=title, template=TEMPLATE, yaxis_title="posts", xaxis_title=None,
                      legend={"orientation": "h", "y": -0.15}, height=380)
    return fig


def topic_share_trend(table: pd.DataFrame, *, title: str = "Topic share 话题点占比") -> go.Figure:
    """Stacked areas: each topic's share of the period's posts (a table ``by="topic"``)."""
    if "topic" not in table or "share" not in table:
        raise InputError("topic_share_trend needs indicators(period=..., by='topic')")
    t = table.assign(topic=table["topic"].fillna("(none)"))
    fig = px.area(t, x="period", y="share", color="topic", template=TEMPLATE, title=title)
    fig.update_layout(yaxis_tickformat=".0%", yaxis_title="share of posts", xaxis_title=None,
                      legend_title=None, height=380)
    return fig


def favorability_trend(table: pd.DataFrame, *, title: str = "Net favorability 净喜好度") -> go.Figure:
    """Both net favorability variants per period, on a −1 … 1 axis."""
    fig = go.Figure()
    for col, name in (("net_favorability", "(pos − neg) / (pos + neg)"),
                      ("net_favorability_incl_neutral", "(pos − neg) / all")):
        fig.add_trace(go.Scatter(x=_x(table), y=table[col], mode="lines+markers", name=name,
                                 connectgaps=False))
    fig.add_hline(y=0, line={"color": "#999", "width": 1})
    fig.update_layout(title=title, template=TEMPLATE, yaxis={"range": [-1.05, 1.05]}, xaxis_title=None,
                      legend={"orientation": "h", "y": -0.15}, height=380)
    return fig


def rates_trend(table: pd.DataFrame, *, title: str = "Handling, resolution, satisfaction 负面处理") -> go.Figure:
    """Negative handling / resolution, reply satisfaction, reply rate and SLA attainment."""
    fig = go.Figure()
    for col, name in RATE_NAMES.items():
        if col in table and table[col].notna().any():
            fig.add_trace(go.Scatter(x=_x(table), y=table[col], mode="lines+markers", name=name))
    fig.update_layout(title=title, template=TEMPLATE, yaxis={"tickformat": ".0%", "range": [0, 1.05]},
                      xaxis_title=None, legend={"orientation": "h", "y": -0.15}, height=400)
    return fig


def response_time_histogram(posts: pd.DataFrame, *, title: str = "Response time 响应速度") -> go.Figure:
    """Minutes from post to first reply (log scale), with the median and p90 marked."""
    if "reply_at" not in posts:
        raise InputError("response_time_histogram needs a 'reply_at' column")
    minutes = ((posts["reply_at"] - posts["created_at"]) / pd.Timedelta(minutes=1)).dropna()
    fig = go.Figure()
    if len(minutes):
        fig.add_trace(go.Histogram(x=np.log10(minutes.clip(lower=0.1)), nbinsx=60, name="replies",
                                   marker_color="#1f77b4", hovertemplate="%{y} replies<extra></extra>"))
        for q, name in ((0.5, "median"), (0.9, "p90")):
            v = minutes.quantile(q)
            fig.add_vline(x=np.log10(max(v, 0.1)), line={"dash": "dash", "color": "#d62728"},
                          annotation_text=f"{name} {_minutes(v)}", annotation_position="top")
    ticks = [1, 10, 30, 60, 120, 480, 1440, 2880, 10080]
    fig.update_layout(title=title, template=TEMPLATE, bargap=0.02, height=360, yaxis_title="replies",
                      xaxis={"title": "minutes from post to first reply", "tickvals": np.log10(ticks),
                             "ticktext": [_minutes(t) for t in ticks]}, showlegend=False)
    return fig


def _minutes(m: float) -> str:
    if m < 60:
        return f"{m:.0f} min"
    return f"{m / 60:.1f} h" if m < 1440 else f"{m / 1440:.1f} d"


def complaint_bar(posts: pd.DataFrame, column: str, *, top: int = 15, title: str | None = None) -> go.Figure:
    """Negative posts per value of ``column`` (topic, province, ...), most first."""
    if column not in posts:
        raise InputError(f"complaint_bar: no column {column!r}")
    neg = posts[posts["sentiment"].astype("string") == "negative"] if "sentiment" in posts else posts
    counts = neg[column].astype("string").fillna("(unknown)").value_counts().head(top)[::-1]
    fig = go.Figure(go.Bar(x=counts.to_numpy(), y=counts.index, orientation="h", marker_color="#d62728",
                           text=[f"{v:,}" for v in counts], textposition="outside", cliponaxis=False))
    fig.update_layout(title=title or f"Negative posts by {column}", template=TEMPLATE,
                      xaxis_title="negative posts", height=max(260, 26 * len(counts) + 120))
    return fig


def province_bar(posts: pd.DataFrame, *, top: int = 15) -> go.Figure:
    """Negative posts per province (a bar chart: no map file is needed offline)."""
    return complaint_bar(posts, "province", top=top, title="Complaints by province 各省负面")


def sla_bar(summary: dict, *, title: str = "SLA attainment by post kind 各类时限达标") -> go.Figure:
    """Acknowledge and resolve attainment per policy post kind (from the summary dict)."""
    kinds = list(summary["sla"])
    fig = go.Figure()
    for stage, color in (("acknowledge", "#1f77b4"), ("resolve", "#2ca02c")):
        vals = [summary["sla"][k][f"{stage}_attainment"] for k in kinds]
        due = [summary["sla"][k][f"{stage}_due"] for k in kinds]
        fig.add_trace(go.Bar(x=kinds, y=vals, name=stage, marker_color=color,
                             text=[f"{v:.0%}" if v is not None else "–" for v in vals],
                             textposition="outside", customdata=due,
                             hovertemplate="%{x}: %{y:.1%} of %{customdata} posts<extra></extra>"))
    fig.update_layout(title=title, template=TEMPLATE, barmode="group", height=360,
                      yaxis={"tickformat": ".0%", "range": [0, 1.12]}, legend={"orientation": "h", "y": -0.2})
    return fig


def posts_behind(posts: pd.DataFrame, *, period: str, start, **filters) -> pd.DataFrame:
    """The drill-down: posts of the period starting at ``start`` (and matching ``filters``,
    column → value or list of values), newest first, PII-masked."""
    local = local_times(posts["created_at"])
    keep = np.array(period_start(local, period) == pd.Timestamp(start), dtype=bool)
    for col, value in filters.items():
        if value is None or value == [] or col not in posts:
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        keep &= posts[col].astype("string").isin([str(v) for v in values]).fillna(False).to_numpy()
    cols = [c for c in DRILL_COLUMNS if c in posts]
    out = posts.loc[keep, cols].sort_values("created_at", ascending=False)
    masked = [c for c in cols if c in ("text", "province")]
    return mask_frame(out.astype({c: "string" for c in masked}), columns=masked)


def table_html(df: pd.DataFrame, *, max_rows: int = 50) -> str:
    """A small escaped HTML table (PII must already be masked)."""
    shown = df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r) + "</tr>"
                   for r in shown.itertuples(index=False))
    more = f"<p>… {len(df) - max_rows:,} more</p>" if len(df) > max_rows else ""
    return f"<table class='wbcs-table'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{more}"


def _cell(v) -> str:
    if v is None or (not isinstance(v, (list, str)) and pd.isna(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d %H:%M}"
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def kpi_cards_html(summary: dict, previous: dict | None = None) -> str:
    """Headline KPIs as cards, each with its change against ``previous`` when given."""
    cards = [("Posts 声量", "volume", "{:,}"), ("Net favorability 净喜好度", "net_favorability", "{:+.2f}"),
             ("Handling rate 处理率", "negative_handling_rate", "{:.1%}"),
             ("Resolution rate 解决率", "negative_resolution_rate", "{:.1%}"),
             ("Satisfaction 满意率", "reply_satisfaction_rate", "{:.1%}"),
             ("Median response 响应", "median_response_minutes", None),
             ("SLA acknowledge 响应达标", "sla_acknowledge_attainment", "{:.1%}")]
    out = []
    for label, key, fmt in cards:
        v = summary.get(key)
        text = "–" if v is None else (_minutes(v) if fmt is None else fmt.format(v))
        delta = ""
        if previous is not None and v is not None and previous.get(key) is not None:
            p = previous[key]
            if key == "volume":
                delta = "–" if not p else f"{(v / p - 1):+.0%} vs previous"
            elif key == "median_response_minutes":
                delta = f"{v - p:+.0f} min vs previous"
            elif key == "net_favorability":
                delta = f"{v - p:+.2f} vs previous"
            else:
                delta = f"{(v - p) * 100:+.1f} pts vs previous"
        out.append(f"<div class='wbcs-card'><div class='wbcs-label'>{html.escape(label)}</div>"
                   f"<div class='wbcs-value'>{html.escape(text)}</div>"
                   f"<div class='wbcs-delta'>{html.escape(delta)}</div></div>")
    return "<div class='wbcs-cards'>" + "".join(out) + "</div>"


CARD_CSS = """<style>
.wbcs-cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.wbcs-card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px;background:#fafafa}
.wbcs-label{font-size:12px;color:#555}.wbcs-value{font-size:22px;font-weight:600}
.wbcs-delta{font-size:11px;color:#777}
.wbcs-table{border-collapse:collapse;font-size:12px}.wbcs-table td,.wbcs-table th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
</style>"""


class KpiDashboard:
    """The KPI dashboard: filters on the left of every figure, drill-down below.

    ``KpiDashboard(posts).widget`` is an ipywidgets box; display it in a notebook or
    serve the notebook with Voilà. ``posts`` is a labelled posts table.
    """

    def __init__(self, posts: pd.DataFrame, *, policy: Policy | None = None, title: str = "KPI dashboard"):
        import ipywidgets as w

        from wbcs.viz.widgets import FigureTabs

        if posts.empty:
            raise InputError("KpiDashboard: the posts table is empty")
        self.posts = posts.assign(post_kind=post_kind(posts)).reset_index(drop=True)
        self.policy = policy
        local = local_times(self.posts["created_at"])
        days = pd.date_range(local.min().normalize(), local.max().normalize(), freq="D")
        self.local = local
        self.dates = w.SelectionRangeSlider(options=[(f"{d:%Y-%m-%d}", d) for d in days],
                                            index=(0, len(days) - 1), description="dates",
                                            layout={"width": "95%"}, continuous_update=False)
        self.period = w.ToggleButtons(options=["day", "week", "month"], value=self._default_period(days),
                                      description="period")
        self.filters = {}
        for col in FILTERS:
            if col in self.posts and self.posts[col].notna().any():
                values = sorted(self.posts[col].dropna().astype(str).unique())
                self.filters[col] = w.SelectMultiple(options=values, description=col, rows=min(6, len(values)),
                                                     layout={"width": "230px"})
        self.cards = w.HTML()
        names = ("volume", "topics", "favorability", "rates", "response", "rhythm", "provinces")
        self.tabs = FigureTabs({name: name for name in names})
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
            w.HTML(f"<h3>{html.escape(title)}</h3>{CARD_CSS}"), self.dates, self.period,
            w.HBox(list(self.filters.values())), self.status, self.cards, self.tabs.widget,
            w.HBox([self.drill_period, self.drill_topic]), self.drill])
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

    def refresh(self) -> None:
        """Recompute every indicator and figure for the current filters."""
        posts = self.filtered()
        self.status.value = f"<i>{len(posts):,} posts selected</i>"
        if posts.empty:
            self.cards.value = "<p>No posts match these filters.</p>"
            self.table = self.by_topic = None
            self.tabs.clear()
            self.drill_period.options = []
            return
        period = self.period.value
        self.summary = indicators(posts, policy=self.policy)
        self.table = indicators(posts, period=period, policy=self.policy)
        self.by_topic = indicators(posts, period=period, by="topic", policy=self.policy) \
            if "topic" in posts and posts["topic"].notna().any() else None
        self.cards.value = kpi_cards_html(self.summary)
        figs = {"volume": volume_trend(self.table), "favorability": favorability_trend(self.table),
                "rates": rates_trend(self.table), "rhythm": hour_weekday_heatmap(posts["created_at"])}
        if self.by_topic is not None:
            figs["topics"] = topic_share_trend(self.by_topic)
        if "reply_at" in posts:
            figs["response"] = response_time_histogram(posts)
        if "province" in posts:
            figs["provinces"] = province_bar(posts)
        self.current = figs
        self.tabs.show(figs)
        for name in set(self.figures) - set(figs):
            self.tabs.note(name, f"no data for {name} (missing column)")
        starts = self.table.loc[self.table["volume"] > 0, "period"]
        self.drill_period.options = [(f"{p:%Y-%m-%d} ({period})", p) for p in starts[::-1]]
        self.drill_period.value = starts.iloc[-1] if len(starts) else None  # the latest period
        topics = sorted(posts["topic"].dropna().astype(str).unique()) if "topic" in posts else []
        self.drill_topic.options = [("all", None)] + [(t, t) for t in topics]
        self.show_drill()

    def show_drill(self) -> None:
        """The posts behind the chosen period (and topic), PII-masked."""
        if self.drill_period.value is None:
            self.drill.value = ""
            self.drill_rows = None
            return
        self.drill_rows = posts_behind(self.filtered(), period=self.period.value,
                                       start=self.drill_period.value, topic=self.drill_topic.value)
        self.drill.value = table_html(self.drill_rows)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
