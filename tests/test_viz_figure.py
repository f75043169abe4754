"""wbcs.viz.figure: what every figure goes through — dates a FigureWidget sends as dates,
label text that plotly shows as text, and the files figures are written to."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.serializers import _py_to_js

from wbcs.errors import InputError
from wbcs.kpi import indicators
from wbcs.viz import explore, figure
from wbcs.viz import kpi as vk

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def sent(fig: go.Figure) -> list[dict]:
    """The traces exactly as a FigureWidget sends them to the browser."""
    return _py_to_js(go.FigureWidget(fig)._widget_data, None)


@pytest.fixture(scope="module")
def synthetic():
    from wbcs.synth import generate_posts

    return generate_posts(days=15, posts_per_day=40, seed=1)


def test_a_figure_widget_sends_nanosecond_times_as_dates(synthetic):
    # the time columns of synth, ingest and the period tables are datetime64[ns]
    table = indicators(synthetic, period="day")
    assert table["period"].dtype == "datetime64[ns]"
    for fig in (vk.volume_trend(table), vk.favorability_trend(table), vk.rates_trend(table)):
        x = sent(fig)[0]["x"]
        assert isinstance(x[0], str) and DATE.match(x[0]), x[:2]
        assert x[0] == "2025-01-01 00:00:00"
    # explore's month bars and the simulated backlog too
    month = sent(explore.volume_by_month(synthetic.assign(operator="china_mobile")))[0]["x"]
    assert DATE.match(month[0])


def test_a_tz_aware_time_is_drawn_at_its_wall_clock_time():
    t = pd.Series(pd.to_datetime(["2025-03-01 09:30"]).tz_localize("Asia/Shanghai"))
    fig = figure.finish(go.Figure(go.Scatter(x=t, y=[1])))
    assert list(sent(fig)[0]["x"]) == ["2025-03-01 09:30:00"]


def test_nat_is_a_gap_not_a_string():
    x = np.array(["2025-03-01", "NaT"], dtype="datetime64[ns]")
    assert list(sent(figure.finish(go.Figure(go.Scatter(x=x, y=[1, 2]))))[0]["x"]) == ["2025-03-01 00:00:00", None]


EVIL = '<a href="https://evil.example">点我</a>'
STYLE = "<b style='font-size:80px'>广东</b>"


def test_label_text_is_shown_as_text_not_markup():
    posts = pd.DataFrame({
        "created_at": pd.to_datetime(["2025-03-03 10:00"] * 3).tz_localize("Asia/Shanghai"),
        "sentiment": ["negative"] * 3, "intent": ["complaint"] * 3,
        "province": [EVIL, STYLE, "北京"], "topic": [EVIL, "network", "network"]})
    bar = vk.province_bar(posts)
    shown = set(bar.data[0].y)
    assert '&lt;a href="https://evil.example">点我&lt;/a>' in shown
    assert "&lt;b style='font-size:80px'>广东</b>" in shown and "北京" in shown
    # plotly.express copies category values into trace names and hover templates
    # (indicators refuses a topic outside the taxonomy: the markup goes into its table, as any caller's table may hold)
    table = indicators(posts.assign(topic=["network", "billing", "billing"]), period="day", by="topic")
    table.loc[table["topic"] == "billing", "topic"] = EVIL
    share = vk.topic_share_trend(table, min_posts=1)
    for trace in share.data:
        assert "<a " not in (trace.name or "") and "<a " not in (trace.hovertemplate or "")
    # nothing of either survives anywhere in the figure's JSON as live markup
    for fig in (bar, share):
        js = fig.to_json()
        assert "<a href" not in js and "<b style" not in js


def test_the_charts_own_markup_is_kept():
    assert figure.safe_text("咨询<br>consultation") == "咨询<br>consultation"
    assert figure.safe_text("%{x}<br><b>%{y}</b><extra></extra>") == "%{x}<br><b>%{y}</b><extra></extra>"
    assert figure.safe_text("a < b <script>") == "a &lt; b &lt;script>"


def test_text_width_counts_chinese_as_wide():
    assert figure.text_width("中文", 10) == pytest.approx(22)  # 1.1 em: the one measure titles are wrapped by
    assert figure.text_width("ab", 10) == pytest.approx(12)
    assert figure.text_width("<b>ab</b>", 10) == pytest.approx(12)


def test_html_export_writes_plotly_js_once_per_folder(tmp_path):
    figs = explore.explore_figures(pd.DataFrame({
        "created_at": pd.to_datetime(["2025-01-06 10:30", "2025-02-06 11:00"]).tz_localize("Asia/Shanghai"),
        "operator": ["china_unicom", "china_mobile"], "text": ["信号差[怒]", "#联通# 好"]}))
    paths = figure.write_figures(figs, tmp_path)
    assert [p.suffix for p in paths] == [".html"] * 5
    js = tmp_path / "plotly.min.js"
    assert js.stat().st_size > 1_000_000  # the library, once
    for p in paths:
        html = p.read_text(encoding="utf-8")
        assert p.stat().st_size < 200_000 and 'src="plotly.min.js"' in html
    assert sorted(q.name for q in tmp_path.iterdir()) == sorted([*(p.name for p in paths), "plotly.min.js"])
    first = [p.read_bytes() for p in paths]  # the same figures give the same pages (no random chart id)
    assert [p.read_bytes() for p in figure.write_figures(figs, tmp_path)] == first
    with pytest.raises(InputError, match="--format must be one of html, png, svg"):
        figure.write_figures(figs, tmp_path, format="gif")



def test_html_export_is_atomic_and_mends_a_cut_short_plotly_js(tmp_path):
    """Pages and plotly.min.js go through wbcs.io's atomic writer: a plotly.min.js cut short by a killed run
    is written whole again (plotly kept any file of that name), and a page that cannot be written is one
    InputError before any page is replaced, with no temporary file left."""
    from plotly.offline import get_plotlyjs

    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    (tmp_path / "plotly.min.js").write_text(get_plotlyjs()[:1000], encoding="utf-8")
    page, = figure.write_figures({"bars": fig}, tmp_path)
    assert (tmp_path / "plotly.min.js").read_text(encoding="utf-8") == get_plotlyjs()
    before = page.read_bytes()
    (tmp_path / "lines.html").mkdir()
    with pytest.raises(InputError, match=r"lines.html: is a folder"):
        figure.write_figures({"bars": go.Figure(go.Bar(x=["b"], y=[2])), "lines": fig}, tmp_path)
    assert sorted(q.name for q in tmp_path.iterdir()) == ["bars.html", "lines.html", "plotly.min.js"]
    assert page.read_bytes() == before
    with pytest.raises(InputError, match=r"bars.html: .*bars.html is a file, not a folder"):
        figure.write_figures({"bars": fig}, page)  # a file given as the folder


@pytest.mark.slow
def test_png_and_svg_export_through_kaleido(tmp_path):
    pytest.importorskip("kaleido")
    import shutil

    if not any(shutil.which(b) for b in ("chromium", "google-chrome", "chrome", "chromium-browser")):
        pytest.skip("no Chromium or Chrome for kaleido: apt-get install chromium")
    fig = figure.finish(go.Figure(go.Bar(x=["广东", "北京"], y=[3, 1]), layout={"title": "投诉 complaints"}))
    png, = figure.write_figures({"bars": fig}, tmp_path, format="png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000
    svg, = figure.write_figures({"bars": fig}, tmp_path, format="svg")
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg") and "广东" in svg.read_text(encoding="utf-8")


def test_a_chart_the_browser_silently_did_not_draw_is_retried_then_an_error(tmp_path, monkeypatch):
    """kaleido hands a chart's error (a browser timeout) back to plotly, which drops it: the
    file is just not there. Stand in for that with a writer that draws only on its second call."""
    import plotly.io as pio

    calls = []

    def flaky(figs, paths, format):
        calls.append([Path(p).name for p in paths])
        if len(calls) > 1:
            for p in paths:
                Path(p).write_text("<svg/>", encoding="utf-8")

    monkeypatch.setattr(pio, "write_images", flaky)
    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    (tmp_path / "bars.svg").write_text("old", encoding="utf-8")
    # a killed run's drawing folder (its writer gone: this pid, another start time) is removed by the next run
    from wbcs.io.write import _host

    (killed := tmp_path / f".charts.{_host()}-{os.getpid()}-00000000.0123abcd.tmp").mkdir()
    (killed / "bars.svg").write_text("<svg/>", encoding="utf-8")
    out, = figure.write_figures({"bars": fig}, tmp_path, format="svg")
    assert calls == [["bars.svg"], ["bars.svg"]] and out.read_text(encoding="utf-8") == "<svg/>"
    monkeypatch.setattr(pio, "write_images", lambda figs, paths, format: None)
    with pytest.raises(InputError, match=r"cannot write lines\.svg: the headless browser drew nothing"):
        figure.write_figures({"lines": fig}, tmp_path, format="svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bars.svg"]  # nothing half-written left behind
