"""The KPI dashboard's filters and the SLA charts' value labels, as an audit saw them in Chromium: a filter of one
value drawn as a collapsed dropdown ("0 selected", the value unseen), four 300 px filters wider than an 800 px page,
value labels under the error whiskers."""

from __future__ import annotations

from tests.test_report_audit_kpi import week_posts
from wbcs.viz import kpi as vk


def test_a_filter_of_one_value_is_a_list_that_shows_it():
    """Chromium draws a one-row <select multiple> as a dropdown reading '0 selected': a list shows two rows at least."""
    dash = vk.KpiDashboard(week_posts())  # one platform, operator and province; three topics
    for col in ("platform", "operator", "province"):
        assert len(dash.filters[col].options) == 1 and dash.filters[col].rows == 2, col
    assert dash.filters["topic"].rows == 3


def test_the_filters_wrap_onto_a_second_row_in_a_narrow_window():
    dash = vk.KpiDashboard(week_posts())
    (row,) = [box for box in dash.widget.children if getattr(box, "children", None) == tuple(dash.filters.values())]
    assert row.layout.flex_flow == "row wrap"
    assert {f.layout.width for f in dash.filters.values()} == {"300px"}  # two to a row at 800 px, four at 1366
