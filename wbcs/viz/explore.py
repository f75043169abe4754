"""Plotly figures for exploring a posts table: volumes by operator and month, the
hour × weekday rhythm, and the text features (emoticons, #topics#, @mentions, phones).

Every function takes a posts table (or a Series) and returns a ``plotly.graph_objects.Figure``;
``wbcs.viz.figure.write_figures`` saves them. Times are read in Beijing time.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from wbcs.checks import frame, whole
from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.schema import OPERATORS, PLATFORMS
from wbcs.viz.figure import TEMPLATE, count_ticks, figure

WEEKDAYS_ZH = ["周一 Mon", "周二 Tue", "周三 Wed", "周四 Thu", "周五 Fri", "周六 Sat", "周日 Sun"]
OPERATOR_NAMES = {code: f"{o.zh} {o.en}" for code, o in OPERATORS.items()}
# the platforms DOMAIN.md names (schema's platform column), as a reader knows them
PLATFORM_NAMES = {code: f"{p.zh} {p.en}" for code, p in PLATFORMS.items()}
OPERATOR_COLORS = {"中国移动 China Mobile": "#1f77b4", "中国电信 China Telecom": "#2ca02c",
                   "中国联通 China Unicom": "#d62728", "unknown": "#999999"}


def _need(df: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in frame(df, "posts table").columns]
    if missing:
        raise InputError(f"posts table: missing column {missing[0]!r} for this figure")


def _local(times) -> pd.Series:
    if isinstance(times, pd.DataFrame):  # was pandas' "Cannot construct a Series from a DataFrame"
        raise InputError("times: give one column of datetimes (e.g. posts['created_at']), not the whole table")
    t = pd.Series(times)
    if not pd.api.types.is_datetime64_any_dtype(t):
        raise InputError("times: expected datetimes (e.g. the posts table's created_at column)")
    return t.dt.tz_convert(TIMEZONE) if t.dt.tz is not None else t.dt.tz_localize(TIMEZONE)


def _operator_names(df: pd.DataFrame) -> pd.Series:
    return df["operator"].astype("string").map(OPERATOR_NAMES).fillna("unknown")


@figure
def volume_by_operator(df: pd.DataFrame, *, title: str = "Posts by operator 各运营商声量") -> go.Figure:
    """Bar chart: posts per operator, with each bar's share of the total."""
    _need(df, "operator")
    if df.empty:  # plotly's "Cannot accept list of column references" otherwise
        raise InputError("volume_by_operator: the posts table has no rows; nothing to draw")
    counts = _operator_names(df).value_counts()
    fig = px.bar(x=counts.index, y=counts.to_numpy(), color=counts.index,
                 color_discrete_map=OPERATOR_COLORS, template=TEMPLATE, title=title,
                 text=[f"{n:,} ({n / counts.sum():.0%})" for n in counts])
    fig.update_layout(showlegend=False, xaxis_title=None, yaxis_title="posts")
    return fig.update_traces(textposition="outside", cliponaxis=False)


@figure
def volume_by_month(df: pd.DataFrame, *, title: str = "Posts per month by operator 月度声量") -> go.Figure:
    """Stacked bars: posts per calendar month (Beijing time), one colour per operator."""
    _need(df, "created_at", "operator")
    month = _local(df["created_at"]).dt.tz_localize(None).dt.to_period("M").dt.to_timestamp()
    table = (pd.DataFrame({"month": month, "operator": _operator_names(df)})
             .value_counts().rename("posts").reset_index().sort_values("month"))
    fig = px.bar(table, x="month", y="posts", color="operator", color_discrete_map=OPERATOR_COLORS,
                 template=TEMPLATE, title=title)
    fig.update_layout(barmode="stack", xaxis_title=None, legend_title=None, bargap=0.1)
    return fig.update_xaxes(dtick="M3", tickformat="%Y-%m")


@figure
def volume_by_year(df: pd.DataFrame, *, title: str = "Posts per year by operator 年度声量") -> go.Figure:
    """Grouped bars: posts per year (Beijing time) and operator."""
    _need(df, "created_at", "operator")
    table = (pd.DataFrame({"year": _local(df["created_at"]).dt.year.astype(str),
                           "operator": _operator_names(df)})
             .value_counts().rename("posts").reset_index().sort_values("year"))
    fig = px.bar(table, x="year", y="posts", color="operator", barmode="group",
                 color_discrete_map=OPERATOR_COLORS, template=TEMPLATE, title=title, text="posts")
    return fig.update_layout(xaxis_title=None, legend_title=None)


def hour_weekday_counts(times) -> pd.DataFrame:
    """7 × 24 table of counts: rows Monday..Sunday, columns hours 0..23 (Beijing time)."""
    t = _local(times).dropna()
    table = pd.crosstab(t.dt.day_of_week, t.dt.hour)
    return table.reindex(index=range(7), columns=range(24), fill_value=0)


@figure
def hour_weekday_heatmap(times, title: str = "Posts by hour and weekday 发帖时段分布",
                         *, normalize: bool = False) -> go.Figure:
    """Heatmap of posts per hour of day (x) and weekday (y), Beijing time.

    ``times``: datetimes (e.g. ``df["created_at"]``). ``normalize=True`` shows each
    cell's share of all posts instead of counts.
    """
    table = hour_weekday_counts(times)
    z = table / max(table.to_numpy().sum(), 1) if normalize else table
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=[f"{h:02d}" for h in range(24)], y=WEEKDAYS_ZH, colorscale="YlOrRd",
        colorbar={"title": "share", "tickformat": ".1%"} if normalize else
        {"title": "posts", **count_ticks(table.to_numpy().max())},
        hovertemplate="%{y} %{x}:00<br>%{z}<extra></extra>", xgap=1, ygap=1))
    fig.update_layout(title=title, template=TEMPLATE, xaxis_title="hour (Beijing time)",
                      yaxis={"autorange": "reversed"}, height=360)
    return fig


def text_feature_counts(texts: pd.Series, *, top: int = 12) -> dict:
    """Top emoticons, #topics# and @mentions (with counts), and the share of texts with
    each feature, from ``wbcs.text.text_features``. A phone number, e-mail or ID number in a
    topic or mention is masked (``wbcs.text.mask_pii``), and counted with what masks the same."""
    from wbcs.text import mask_pii, text_features

    if isinstance(texts, str | pd.DataFrame):  # a str was one post's text, a table pandas' ValueError
        raise InputError("texts: give a column of texts (e.g. posts['text']), not "
                         + ("one string" if isinstance(texts, str) else "the whole table"))
    top = whole(top, "top", 1)  # -1 was every one but the last
    feats = text_features(pd.Series(texts).reset_index(drop=True))
    out = {}
    for kind in ("emoticons", "topics", "mentions"):
        counts = feats[kind].explode().dropna().value_counts()
        counts.index = counts.index.map(mask_pii)
        out[kind] = counts.groupby(level=0, sort=False).sum().sort_values(ascending=False, kind="stable").head(top)
    shares = {kind: feats[kind].map(len).gt(0).mean() for kind in ("emoticons", "topics", "mentions", "urls",
                                                                   "retweets")}
    shares["phone number"] = feats["has_phone"].mean()
    shares["location tag"] = feats["location"].map(len).gt(0).mean()
    out["shares"] = pd.Series(shares).sort_values(ascending=False)
    return out


@figure
def text_features_figure(texts: pd.Series, *, top: int = 12,
                         title: str = "Text features 文本特征") -> go.Figure:
    """Four panels: share of posts with each feature, top emoticons, top #topics#, top @mentions
    (PII masked, as ``text_feature_counts`` gives them)."""
    c = text_feature_counts(texts, top=top)
    fig = make_subplots(rows=2, cols=2, horizontal_spacing=0.25, vertical_spacing=0.12,
                        subplot_titles=["share of posts with …", "top emoticons 表情",
                                        "top #topics# 话题", "top @mentions 提及"])
    panels = [(c["shares"], 1, 1, "#4c78a8", ".0%"), (c["emoticons"], 1, 2, "#f58518", ",d"),
              (c["topics"], 2, 1, "#54a24b", ",d"), (c["mentions"], 2, 2, "#b279a2", ",d")]
    for series, row, col, colour, fmt in panels:
        s = series.iloc[::-1]  # largest on top
        fig.add_trace(go.Bar(x=s.to_numpy(), y=[str(i)[:24] for i in s.index], orientation="h",
                             marker_color=colour, texttemplate=f"%{{x:{fmt}}}", textposition="outside",
                             cliponaxis=False, showlegend=False), row=row, col=col)
        # counts on whole-number ticks: on 300 posts the top #topic# had 2 posts and the axis ticks 0.5 and 1.5
        fig.update_xaxes(**({"tickformat": ".0%"} if fmt == ".0%" else count_ticks(s.max() if len(s) else 0)),
                         row=row, col=col)
    return fig.update_layout(title=title, template=TEMPLATE, height=760, margin={"l": 10, "r": 40})


def explore_figures(df: pd.DataFrame) -> dict[str, go.Figure]:
    """The standard set of exploration figures for a posts table (name -> figure)."""
    _need(df, "created_at", "operator", "text")  # a table without text was KeyError 'text' after four figures
    return {
        "volume_by_operator": volume_by_operator(df),
        "volume_by_year": volume_by_year(df),
        "volume_by_month": volume_by_month(df),
        "hour_weekday": hour_weekday_heatmap(df["created_at"]),
        "text_features": text_features_figure(df["text"]),
    }
