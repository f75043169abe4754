"""Plotly figures for the classifier: confusion matrix, reliability diagram, learning curve,
model comparison. Each takes the tables/dicts of ``wbcs.classify.evaluate`` (or the
benchmark) and returns a ``plotly.graph_objects.Figure``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from wbcs.errors import InputError
from wbcs.viz.figure import TEMPLATE, figure, text_width

TITLE_SIZE = 17  # plotly_white's title font size


@figure
def confusion_matrix(report: dict, *, normalize: bool = True,
                     title: str = "Confusion matrix 混淆矩阵") -> go.Figure:
    """Heatmap of ``report["confusion"]`` (rows = true label); cells show the count and,
    with ``normalize``, colour by the share of the true label (recall per row)."""
    if "confusion" not in report:
        raise InputError("report has no 'confusion' entry; pass the dict wbcs.classify.evaluate.metrics returns")
    labels = report["confusion"]["labels"]
    m = np.asarray(report["confusion"]["matrix"], dtype=float)
    rows = m.sum(axis=1, keepdims=True)
    share = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    z = share if normalize else m
    text = [[f"{int(c)}<br>{s:.0%}" for c, s in zip(rc, rs, strict=True)] for rc, rs in zip(m, share, strict=True)]
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=labels, text=text, texttemplate="%{text}", colorscale="Blues",
                               zmin=0, zmax=1 if normalize else None,
                               colorbar={"title": "share of row" if normalize else "posts"},
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>"))
    n = int(m.sum())
    title = f"{title} · n = {n:,}"
    # plotly neither wraps nor shrinks a title: the figure is made wide enough for it
    width = max(160 + 70 * len(labels), int(text_width(title, TITLE_SIZE)) + 60)
    fig.update_layout(template=TEMPLATE, title={"text": title, "x": 0.01, "xanchor": "left"},
                      xaxis_title="predicted 预测", yaxis_title="true 真实", margin={"l": 60, "r": 20},
                      yaxis_autorange="reversed", width=width, height=160 + 60 * len(labels))
    return fig


@figure
def reliability_diagram(table: pd.DataFrame, *, ece: float | None = None,
                        title: str = "Reliability diagram 校准曲线") -> go.Figure:
    """Accuracy against mean confidence per bin (``evaluate.reliability_table``), with the
    diagonal of perfect calibration; marker size shows how many posts fall in each bin."""
    for col in ("confidence", "accuracy", "count"):
        if col not in table.columns:
            raise InputError(f"reliability table: missing column {col!r} (use evaluate.reliability_table)")
    size = 8 + 22 * np.sqrt(table["count"] / max(table["count"].max(), 1))
    fig = go.Figure([
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dash", "color": "#999"}, name="perfect"),
        go.Scatter(x=table["confidence"], y=table["accuracy"], mode="lines+markers", name="model",
                   marker={"size": size}, customdata=table["count"],
                   hovertemplate="confidence %{x:.2f}<br>accuracy %{y:.2f}<br>%{customdata} posts<extra></extra>"),
    ])
    if ece is not None:
        title = f"{title} — ECE {ece:.3f}"
    fig.update_layout(template=TEMPLATE, title=title, xaxis_title="mean confidence", yaxis_title="accuracy",
                      xaxis_range=[0, 1], yaxis_range=[0, 1.02], width=520, height=480)
    return fig


@figure
def learning_curve(df: pd.DataFrame, *, metric: str = "macro_f1",
                   title: str = "Learning curve 学习曲线") -> go.Figure:
    """``metric`` against the number of training labels (``evaluate.learning_curve``); one
    line per ``model`` when the table has that column, with error bars of ± one standard deviation over the draws
    when it has ``{metric}_sd`` (and the title says so)."""
    for col in ("n_labels", metric):
        if col not in df.columns:
            raise InputError(f"learning-curve table: missing column {col!r}")
    spread = f"{metric}_sd" if f"{metric}_sd" in df.columns and df[f"{metric}_sd"].gt(0).any() else None
    fig = px.line(df, x="n_labels", y=metric, color="model" if "model" in df.columns else None, markers=True,
                  error_y=spread, template=TEMPLATE, title=title + (" (bars: ±1 sd over draws)" if spread else ""),
                  log_x=True)
    # ticks at the sizes measured: plotly's own log ticks read "5 6 7 8 9 100 2 3"; of sizes closer than ×1.25 (two
    # curves' 786 and 800) only the first gets a tick, or their labels print over each other
    sizes = []
    for v in sorted(int(v) for v in df["n_labels"].unique()):
        if not sizes or v >= 1.25 * sizes[-1]:
            sizes.append(v)
    fig.update_xaxes(tickvals=sizes, ticktext=[f"{v:,}" for v in sizes], minor={"showgrid": False})
    fig.update_layout(xaxis_title="training labels (log scale)",
                      yaxis_title={"macro_f1": "macro-F1"}.get(metric, metric.replace("_", " ")))
    return fig


@figure
def model_comparison(df: pd.DataFrame, *, metric: str = "macro_f1", baseline: str | None = None,
                     title: str = "Model comparison 模型比较") -> go.Figure:
    """Horizontal bars of ``metric`` per ``model``, one panel per ``task`` when present (best at
    the top of each), on an axis from 0; ``baseline`` names the model drawn as a labelled dotted
    reference line. Error bars come from ``{metric}_ci_low`` / ``{metric}_ci_high`` columns
    (e.g. a bootstrap over the test set); without them the title says there are none, and an
    ``n_test`` column puts the test size in each label."""
    for col in ("model", metric):
        if col not in df.columns:
            raise InputError(f"comparison table: missing column {col!r}")
    d = df.assign(task=df["task"] if "task" in df.columns else "").sort_values(["task", metric])
    tasks = list(dict.fromkeys(d["task"]))
    lo_col, hi_col = f"{metric}_ci_low", f"{metric}_ci_high"
    has_ci = lo_col in d.columns and hi_col in d.columns
    text = d[metric].map(lambda v: f"{v:.3f}")
    if "n_test" in d.columns:
        text = text + d["n_test"].map(lambda n: f" (n = {int(n):,})")
    fig = px.bar(d, x=metric, y="model", orientation="h", facet_row="task", category_orders={"task": tasks},
                 text=text, template=TEMPLATE,
                 error_x=(d[hi_col] - d[metric]) if has_ci else None,
                 error_x_minus=(d[metric] - d[lo_col]) if has_ci else None,
                 title=f"{title} ({'bars: 95% intervals' if has_ci else 'no intervals given'})")
    if has_ci:  # the value at the bar's foot, where no whisker crosses it
        fig.update_traces(textposition="inside", insidetextanchor="start", textfont_color="white",
                          marker_color="#4c78a8")
    else:
        fig.update_traces(textposition="outside", marker_color="#4c78a8", cliponaxis=False)
    fig.update_yaxes(matches=None, title="")  # each panel lists only its own models
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
    if baseline is not None:
        for i, task in enumerate(reversed(tasks), start=1):  # plotly numbers facet rows from the bottom
            sel = d[(d["model"] == baseline) & (d["task"] == task)]
            if len(sel):
                v = float(sel[metric].iloc[0])
                fig.add_vline(x=v, line_dash="dot", line_color="#d62728", row=i, col=1,
                              annotation_text=f"{baseline} {v:.3f}", annotation_position="top",
                              annotation_font={"color": "#d62728", "size": 11})
    # an honest axis: bars start at 0, the whole scale of the metric is shown
    fig.update_xaxes(range=[0, 1.0], title="")
    fig.update_xaxes(title=metric.replace("_", "-"), row=1, col=1)  # row 1 is the bottom panel
    n = d.groupby("task")["model"].nunique().sum()
    fig.update_layout(height=160 + 34 * n + 50 * len(tasks), width=900, margin={"l": 10, "r": 120})
    return fig
