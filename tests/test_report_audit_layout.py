"""The report's and the dashboard's layout at narrow widths (an audit's findings, seen in Chromium): the topic
chart's note in the report's half-width charts, the dashboard's tab titles."""

from __future__ import annotations

from tests.test_report_audit_kpi import week_posts
from wbcs.kpi import indicators
from wbcs.viz import kpi as vk


def test_the_topic_charts_note_fits_a_half_width_report_chart():
    by = indicators(week_posts(), period="day", by="topic")
    fig = vk.topic_share_trend(by)  # every day under 20 posts
    lines = fig.layout.annotations[0].text.split("<br>")
    # the report's charts are 544 px wide at its widest, 416 px in a 900 px window: at 14 px, 60 Latin letters
    # take about 350 px (measured in Chromium), the plot all but 40 px of the chart, without axes
    assert len(lines) == 3 and max(map(len, lines)) <= 60, lines
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False  # no axis title under it
    assert (fig.layout.margin.l, fig.layout.margin.r) == (20, 20)


def test_every_tab_title_is_whole_however_narrow_the_tabs():
    """ipywidgets gives each tab 144 px and shrinks them alike (at 900 px: "Favorability 喜"); the tabs of a
    FigureTabs are as wide as their titles, on as many rows as they need (seen in Chromium at 900 and 700 px)."""
    from wbcs.viz.widgets import TAB_CSS

    dash = vk.KpiDashboard(week_posts())
    assert "wbcs-tabs" in dash.tabs.tab._dom_classes
    style = dash.tabs.widget.children[0]
    assert style.value == TAB_CSS and style.layout.display == "none"
    assert ".wbcs-tabs > .lm-TabBar > .lm-TabBar-content { flex-wrap: wrap;" in TAB_CSS
    assert ".jupyter-widgets.widget-tab.wbcs-tabs > .lm-TabBar .lm-TabBar-tab { flex: 0 0 auto; }" in TAB_CSS
