"""Every chart title of `wbcs report` fits its chart in a 900 px window (seen in Chromium: the half-width charts are
416 px there, and "Topic share 话题点占比 · 7 periods under 20 posts not shown" and "Handling, resolution,
satisfaction 负面处理 (95% intervals)" were cut at the chart's edge; plotly does not wrap a title)."""

import json
import re
import unicodedata

import plotly.graph_objects as go
import pytest

from wbcs.viz.figure import fit_title, wrap_line

TITLE_SIZE = 17  # px: plotly's title font in the report (1.4 × its 12 px font), as Chromium draws it
COLUMN_PX = 0.55 * TITLE_SIZE  # a column; Chromium draws the report's titles at ~0.46 em a column


def columns(line: str) -> int:
    """Characters of ``line`` with a CJK one counted as two, tags left out."""
    plain = re.sub(r"<[^>]*>", "", line)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in plain)


def budget(width: int, line: str) -> int:
    """Columns of a title line that fit a chart ``width`` px wide: the title starts at 5 % of the width (the
    template's x); a subtitle line in <sup> is drawn at 70 %."""
    size = 0.7 if line.startswith("<sup>") else 1
    return int(width * 0.95 / (COLUMN_PX * size))


def charts(page: str) -> list[tuple[dict, bool]]:
    """Each chart's layout in the report and whether it is one of the two-column grid's (half width)."""
    decoder, found = json.JSONDecoder(), []
    grid = re.search(r"<div class='grid'>.*?</section>", page, re.DOTALL)
    for m in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', page):
        _, end = decoder.raw_decode(page, m.end())  # the traces
        layout, _ = decoder.raw_decode(page, re.compile(r",\s*").match(page, end).end())
        found.append((layout, bool(grid) and grid.start() < m.start() < grid.end()))
    return found


@pytest.fixture(scope="module")
def page():
    from wbcs.report import build_report
    from wbcs.synth import generate_posts

    # 4 posts a day from a Thursday: the first week's 4 days are under the topic chart's 20 posts, so its title says
    # how many weeks are not shown, its longest; reply and resolution times give the rates chart, the other long title
    posts = generate_posts(days=18, start="2025-02-06", posts_per_day=4, seed=2)  # weeks of 15, 32, 29 posts
    return build_report(posts, period="week", end="2025-02-19")


def test_every_title_line_fits_its_chart_at_900_px(page):
    from wbcs.report import FULL_WIDTH, HALF_WIDTH

    assert (FULL_WIDTH, HALF_WIDTH) == (844, 416)  # measured in Chromium at a 900 px window
    found = charts(page)
    titles = {layout["title"]["text"].split("<br>")[0] for layout, _ in found}
    assert any(t.startswith("Topic share") for t in titles) and any(t.startswith("Handling") for t in titles)
    assert sum(half for _, half in found) >= 4
    for layout, half in found:
        width = HALF_WIDTH if half else FULL_WIDTH
        for line in layout["title"]["text"].split("<br>"):
            assert columns(line) <= budget(width, line), (width, line)


def test_the_topic_charts_note_starts_a_line_of_its_own(page):
    text = next(layout["title"]["text"] for layout, _ in charts(page) if layout["title"]["text"].startswith("Topic"))
    head, note = text.split("<br>")
    assert head == "Topic share 话题点占比"
    assert note == "1 week under 20 posts not shown"  # the report's period (a week of 4 days), not 'periods'


def test_wrap_line_breaks_at_a_titles_parts_then_words_then_characters():
    # budgets in em: a CJK character 1.1, anything else 0.6 (figure.ems)
    assert wrap_line("Topic share 话题点占比 · 7 periods under 20 posts not shown", 23) == [
        "Topic share 话题点占比", "7 periods under 20 posts not shown"]
    assert wrap_line("Volume 声量 · n = 9 posts", 23) == ["Volume 声量 · n = 9 posts"]  # 14.8 em: fits, unchanged
    assert wrap_line("a 中文中文中文 b", 4.4) == ["a", "中文中文", "中文 b"]  # 4 CJK characters are 4.4 em
    assert wrap_line("x &lt;&lt;&lt;", 5) == ["x", "&lt;&lt;", "&lt;"]  # an entity is never cut (4.8 em)


def test_fit_title_grows_the_top_margin_and_height_by_the_lines_it_adds():
    fig = go.Figure().update_layout(title="Handling, resolution, satisfaction 负面处理 (95% intervals)",
                                    template="plotly_white", height=400, margin={"t": 90})
    fit_title(fig, 416)
    lines = fig.layout.title.text.split("<br>")
    assert lines == ["Handling, resolution, satisfaction", "负面处理 (95% intervals)"]
    assert fig.layout.margin.t == pytest.approx(90 + 1.3 * 17)  # one line more, 1.3 em apart: the plot keeps its size
    assert fig.layout.height == pytest.approx(400 + 1.3 * 17)
    wide = go.Figure().update_layout(title="Handling, resolution, satisfaction 负面处理 (95% intervals)", height=400)
    assert fit_title(wide, 844).layout.title.text.count("<br>") == 0 and wide.layout.height == 400


def test_a_subtitle_is_wrapped_at_its_own_size_and_stays_one():
    sub = "word " * 40
    fig = fit_title(go.Figure().update_layout(title=f"Shares<br><sup>{sub.strip()}</sup>"), 416)
    head, *subs = fig.layout.title.text.split("<br>")
    assert head == "Shares" and len(subs) > 1
    assert all(s.startswith("<sup>") and s.endswith("</sup>") and columns(s) <= budget(416, s) for s in subs)
