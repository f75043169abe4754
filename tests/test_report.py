"""`wbcs report`: a self-contained HTML report, opened and checked section by section."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.errors import InputError
from wbcs.report import SECTIONS, report_window

PHONE = "13812345678"
OUTAGE = f"联通4G突然没信号了，打10010也打不通，急！我的号码{PHONE}"
TITLE = f"客服周报 call {PHONE}"  # a user put a number in --title
RAW_IDS = re.compile(r"complaint_same_week|question_same_day|china_(?:unicom|mobile|telecom)|topic:|near_duplicate:"
                     r"|vague_negative")


class Page(HTMLParser):
    """Collects section ids, external references, scripts and the visible text."""

    def __init__(self):
        super().__init__()
        self.sections, self.external, self.scripts, self.text = {}, [], [], []
        self._section, self._in_script = None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self._section = a.get("id")
            self.sections[self._section] = []
        for key in ("src", "href"):
            if re.match(r"(https?:)?//", a.get(key) or ""):
                self.external.append((tag, a[key]))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        if tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)
            if self._section:
                self.sections[self._section].append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from wbcs.synth import generate_account_posts, generate_posts

    d = tmp_path_factory.mktemp("report")
    posts = generate_posts(days=28, start="2025-02-03", posts_per_day=120, seed=9, bursts=[
        {"start": "2025-02-26 10:00", "hours": 2, "posts": 80, "topic": "network",
         "operator": "china_unicom", "province": "广东"}])
    posts["text"] = posts["text"].astype("string")
    posts.loc[posts["burst"].notna(), "text"] = OUTAGE
    posts.to_parquet(d / "posts.parquet")
    generate_account_posts(days=28, start="2025-02-03", seed=9).to_csv(d / "account.csv", index=False)
    out = d / "report.html"
    r = run_cli("report", "--posts", str(d / "posts.parquet"), "--out", str(out), "--period", "week",
                "--end", "2025-02-26", "--account-posts", str(d / "account.csv"), "--title", TITLE)
    assert r.returncode == 0, r.stderr
    assert f"wrote {out}" in r.stdout
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    return posts, html, page, d


def test_every_section_is_there(report):
    _, _, page, _ = report
    assert list(page.sections) == SECTIONS
    for sid in SECTIONS:
        assert "".join(page.sections[sid]).strip(), sid


def test_it_opens_without_network(report):
    _, html, page, _ = report
    assert page.external == []
    assert "<iframe" not in html
    # plotly.js itself is inlined (a large script), and the charts are drawn by it
    assert max(len(s) for s in page.scripts) > 1_000_000 and "Plotly.newPlot" in html


def test_no_unmasked_phone_anywhere_but_the_masked_form_is_shown(report):
    _, html, page, _ = report
    library = max(page.scripts, key=len)  # plotly.js: numbers in its code are not posts
    rest = html.replace(library, "")
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", rest)
    assert "138****5678" in "".join(page.text)
    # the title too: it was written as given
    assert "<title>客服周报 call 138****5678</title>" in html and "<h1>客服周报 call 138****5678</h1>" in html


def test_no_e_mail_address_anywhere_not_even_in_plotly_js_licence_notices(report):
    """A PII grep of the report found feross@feross.org in the licence notices bundled with plotly.js; they are kept,
    with the address written 'feross at feross.org'."""
    _, html, _, _ = report
    assert not re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}", html)
    assert "Feross Aboukhadijeh <feross at feross.org>" in html and "Bundled license information" in html


def test_headline_counts_the_week_and_compares_it_with_the_previous_one(report):
    posts, _, page, _ = report
    local = posts["created_at"].dt.tz_localize(None)
    week = int(((local >= "2025-02-24") & (local < "2025-03-03")).sum())
    before = int(((local >= "2025-02-17") & (local < "2025-02-24")).sum())
    head = " ".join(page.sections["headline"])
    assert "2025-02-24 – 2025-03-02" in head and f"{week:,}" in head
    assert f"{week / before - 1:+.0%} ({before:,} → {week:,}) vs previous" in head  # a change shows its counts


def test_hot_issues_show_the_outage_with_its_evidence(report):
    _, _, page, _ = report
    hot = " ".join(page.sections["hot"])
    assert "网络/信号 (topic)" in hot and "2025-02-26 11:00" in hot  # detected when the 10:00 hour closed
    assert "一周同类投诉 same complaint within 7 days" in hot or "同日同类咨询 same question in one day" in hot


def test_ids_are_shown_by_their_names(report):
    """A manager read complaint_same_week, china_unicom, topic:broadband, near_duplicate:5118…, vague_negative:
    rules, operators, clusters and post kinds are shown by the taxonomy's and the policy's names."""
    _, _, page, _ = report
    for sid in ("hot", "unified", "sla"):
        text = " ".join(page.sections[sid])
        assert not RAW_IDS.search(text), (sid, RAW_IDS.search(text))
    unified = " ".join(page.sections["unified"])
    assert "中国联通 China Unicom" in unified and "相似帖子 near-duplicates of post " in unified
    sla = " ".join(page.sections["sla"])
    assert "笼统负面 vague negativity" in sla and "恶意抹黑/粗俗 abuse" in sla


def test_the_two_unified_answer_sections_have_distinct_titles(report):
    _, html, _, _ = report
    titles = re.findall(r"<h[23]>([^<(]*)", html)
    assert "Aggregation-rule alerts 聚合规则触发 " in titles and "Unified answer drafts 统一答复草稿" in titles
    assert sum("统一答复" in t for t in titles) == 1


def test_hot_issues_lead_with_incidents_and_the_outage_ranks_first(report):
    """The week's aggregation alerts (dozens) are merged into a few incidents; the outage is the
    first, a surge; the alerts stay as folded evidence."""
    posts, html, _, _ = report
    hot = html[html.index("<section id='hot'>"):html.index("</section>", html.index("<section id='hot'>"))]
    incidents = hot[hot.index("Incidents 事件"):hot.index("Spikes 突增")]
    n_incidents = int(re.search(r"Incidents 事件 \((\d+)", incidents).group(1))
    n_alerts = int(re.search(r"Aggregation-rule alerts 聚合规则触发 \((\d+)\)", hot).group(1))
    assert 0 < n_incidents < n_alerts / 3
    rows = re.findall(r"<tr>(.*?)</tr>", incidents, flags=re.S)[1:]  # the header row first
    assert 1 <= len(rows) <= 10
    first = re.sub(r"<[^>]+>", " ", rows[0])
    assert "网络/信号（中国联通）" in first and "surge" in first and "02-26" in first
    observed = int(re.search(r"(\d+) \(\d+\.\d\)", first).group(1))
    assert observed >= 80  # the 80 outage posts at least
    assert "<details><summary>" in hot[hot.index("Aggregation-rule alerts"):]


def test_incident_ranks_count_the_periods_incidents_in_the_order_and_expectation_of_wbcs_hot(report):
    """A user read "Incidents 事件 (11, the 10 best shown)" over ranks 1, 3, 4, 7 …: the ranks were those among the
    incidents of every date read. They count the week's incidents now, in wbcs hot's order of the same posts read
    on the week's days (``rank_incidents(days=...)``: ranked by all their days, a routine incident's most
    surprising day could be weeks before it), with its expected posts (the report reads all of this file's dates:
    its trend window holds them)."""
    import html as html_lib
    import json

    from wbcs.kpi.incidents import rank_incidents
    from wbcs.report import _expected_text

    _, html, _, d = report
    hot = html[html.index("<section id='hot'>"):html.index("Spikes 突增")]
    n, shown = map(int, re.search(r"Incidents 事件 \((\d+) this period, the (\d+) highest ranked shown\)", hot).groups())
    header, *rows = [[html_lib.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[dh]>(.*?)</t[dh]>", r)]
                     for r in re.findall(r"<tr>(.*?)</tr>", hot, flags=re.S)]
    assert shown == len(rows) == 10 < n
    assert [int(r[0]) for r in rows] == list(range(1, 11))
    posts_head = "posts this period (expected from 2025-02-03 – 2025-03-02)"
    assert posts_head in header and "Ranks count this period's incidents" in hot
    r = run_cli("hot", "--posts", str(d / "posts.parquet"), "--top", "0", "--json")
    assert r.returncode == 0, r.stderr
    every = pd.DataFrame(json.loads(r.stdout)["incidents"])
    every["counted_days"] = every["counted_days"].map(lambda days: [pd.Timestamp(x) for x in days])
    every[["start", "end"]] = every[["start", "end"]].apply(pd.to_datetime)
    week = rank_incidents(every, days=(pd.Timestamp("2025-02-24"), pd.Timestamp("2025-03-03")))
    assert len(week) == n
    peak = header.index("most unusual day: posts (expected)")
    assert [(r[1], r[header.index(posts_head)], r[peak]) for r in rows] == [
        (i.name, f"{i.observed:,} ({_expected_text(i.expected)})",
         f"{i.peak_day:%m-%d}: {i.peak_posts} ({_expected_text(i.peak_expected)})")
        for i in week.head(10).itertuples()]


def test_sla_and_norms_sections_have_their_tables(report):
    _, _, page, _ = report
    sla = " ".join(page.sections["sla"])
    for kind in ("咨询 consultation", "投诉 complaint", "笼统负面 vague negativity", "恶意抹黑/粗俗 abuse", "表扬 praise"):
        assert kind in sla
    norms = " ".join(page.sections["norms"])
    assert "posts_per_day" in norms and "account posts on 7 days" in norms


def test_the_same_posts_give_the_same_report_byte_for_byte(report):
    # plotly named each chart by a random uuid4: two identical runs differed, so reports could not be diffed or cached
    _, html, _, d = report
    again = d / "again.html"
    r = run_cli("report", "--posts", str(d / "posts.parquet"), "--out", str(again), "--period", "week",
                "--end", "2025-02-26", "--account-posts", str(d / "account.csv"), "--title", TITLE)
    assert r.returncode == 0, r.stderr
    assert again.read_text(encoding="utf-8") == html
    ids = re.findall(r'<div id="(chart-[0-9a-f]{16})"', html)
    assert len(ids) >= 5 and len(set(ids)) == len(ids)


def test_report_window_by_hand():
    df = pd.DataFrame({"created_at": pd.to_datetime(["2025-03-01 10:00", "2025-03-12 09:00"]).tz_localize(
        "Asia/Shanghai")})
    assert report_window(df, "week", "2025-03-12") == (pd.Timestamp("2025-03-10"), pd.Timestamp("2025-03-17"))
    assert report_window(df, "month", "2025-03-12") == (pd.Timestamp("2025-03-01"), pd.Timestamp("2025-04-01"))
    # no --end: the data stop on a Wednesday, so the last complete week is the one before
    assert report_window(df, "week") == (pd.Timestamp("2025-03-03"), pd.Timestamp("2025-03-10"))
    with pytest.raises(InputError, match="week or month"):
        report_window(df, "year")
    for bad in ("", "2025-02-30", "soon"):  # '' read as NaT and gave no window at all
        with pytest.raises(InputError, match="--end .* is not a date or time; give one like 2024-05-04"):
            report_window(df, "week", bad)
    # read as every time option is: day or month first cannot be told, so refused (it was read as 5 August)
    with pytest.raises(InputError, match=r"--end '08/05/2024' is read two ways \(8 May or 5 August\)"):
        report_window(df, "week", "08/05/2024")


def test_a_period_without_posts_is_a_one_line_error(report):
    _, _, _, d = report
    r = run_cli("report", "--posts", str(d / "posts.parquet"), "--out", str(d / "x.html"),
                "--end", "2024-06-01")
    assert r.returncode == 2 and "no posts between 2024-05-27 and 2024-06-02" in r.stderr
    r = run_cli("report", "--posts", str(d / "posts.parquet"), "--out", str(d / "x.pdf"))
    assert r.returncode == 2 and r.stderr.strip().endswith("x.pdf: unknown output format '.pdf'; use .html, .htm")


@pytest.fixture(scope="module")
def stc3_like_report():
    """A report over posts as STC-3 gives them (no reply times, labels by a model) with an
    account log of another month."""
    from wbcs.report import build_report
    from wbcs.synth import generate_account_posts, generate_posts

    posts = generate_posts(days=21, start="2025-02-03", posts_per_day=40, seed=5)
    posts = posts.drop(columns=["reply_at", "resolved_at", "satisfied"])
    posts["sentiment_source"] = "model"
    posts.attrs["classified"] = {"model": "wbcs-default/2"}
    account = generate_account_posts(days=10, start="2024-11-01", seed=1)
    html = build_report(posts, period="week", end="2025-02-12", account_posts=account)
    page = Page()
    page.feed(html)
    return page


def test_empty_sections_say_why(stc3_like_report):
    page = stc3_like_report
    head = " ".join(page.sections["headline"])
    assert "Not shown — no reply times in this data: Handling rate 处理率" in head
    assert "Labels from the model wbcs-default/2" in head and "sentiment" in head
    trends = " ".join(page.sections["trends"])
    assert "Not shown — handling, resolution and SLA rates: no reply times in this data" in trends
    assert "response times: no reply times in this data" in trends
    sla = " ".join(page.sections["sla"])
    assert "SLA attainment cannot be measured: no reply times in this data" in sla
    norms = " ".join(page.sections["norms"])
    assert "the account posting log runs 2024-11-01 – 2024-11-10 and does not overlap the report period " \
           "2025-02-10 – 2025-02-16" in norms


def test_complaint_tables_show_counts_with_changes_and_chinese_topic_names(report):
    _, _, page, _ = report
    complaints = " ".join(page.sections["complaints"])
    assert re.search(r"[+-]\d+% \(\d+ → \d+\)", complaints)
    assert "网络/信号" in complaints and " network " not in f" {complaints} "


def test_shares_of_the_models_labels_are_shown_corrected_by_hand():
    """A week whose 200 topic labels came from a model right 80 % of the time on two topics (errors symmetric):
    70 % counted as network is (0.70 − 0.20) / (0.80 − 0.20) = 83.3 % once corrected (ACC), shown next to the count."""
    from wbcs.report import build_report
    from wbcs.synth import generate_posts

    posts = generate_posts(days=7, start="2025-03-03", posts_per_day=40, seed=3).head(200).copy()
    posts["topic"] = ["network"] * 140 + ["billing"] * 60
    posts["topic_source"] = "model"
    posts.attrs["classified"] = {"model": "wbcs-default/12", "cv_confusion": {
        "topic": {"labels": ["billing", "network"], "matrix": [[80, 20], [20, 80]]}}}
    html, page = build_report(posts, period="week", end="2025-03-05"), Page()
    page.feed(html)
    text = " ".join(" ".join(page.sections["corrected"]).split())
    assert "140 70.0% 83.3% [" in text and "60 30.0% 16.7% [" in text and "ACC (pooled)" in text
    section = html[html.index("<section id='corrected'>"):html.index("<section id='trends'>")]
    assert "Plotly.newPlot" in section and "topic shares corrected for the model's errors" in section  # the chart
    assert "net favorability" not in text  # no sentiment label came from the model: nothing to say of it
    # labels given in the data: nothing to correct, and the section says why
    page = Page()
    page.feed(build_report(posts.drop(columns=["topic_source"]), period="week", end="2025-03-05"))
    assert "Nothing to correct: every label here was given" in " ".join(page.sections["corrected"])


@pytest.mark.slow  # loads the shipped model
def test_report_corrects_the_shipped_models_shares_as_wbcs_kpi_does(tmp_path):
    """Real STC-3 posts without labels: the shipped model labels them, and the report's corrected shares and net
    favorability are the very figures `wbcs kpi --json` gives for the same posts."""
    import json

    from wbcs.datasets import load_stc3
    from wbcs.kpi.quantify import favorability_text

    posts = load_stc3(split="train").head(240)[["post_id", "text", "operator"]].copy()
    posts["created_at"] = pd.date_range("2025-03-03 08:00", periods=len(posts), freq="40min", tz="Asia/Shanghai")
    path = tmp_path / "posts.csv"
    posts.to_csv(path, index=False)
    env = {"WBCS_CACHE": str(tmp_path / "cache")}
    r = run_cli("report", "--posts", str(path), "--out", str(tmp_path / "r.html"), "--end", "2025-03-05", env=env)
    assert r.returncode == 0, r.stderr
    page = Page()
    page.feed((tmp_path / "r.html").read_text(encoding="utf-8"))
    k = run_cli("kpi", "--posts", str(path), "--json", env=env)
    assert k.returncode == 0, k.stderr
    corrected = json.loads(k.stdout)["corrected"]
    text = " ".join(" ".join(page.sections["corrected"]).split())
    assert favorability_text(corrected) in text
    names = __import__("wbcs.viz.kpi", fromlist=["display_names"]).display_names("topic")
    for row in corrected["topic"]["shares"]:
        assert (f"{names.get(row['label'], row['label'])} {row['n']} {row['raw_share']:.1%} "
                f"{row['corrected_share']:.1%} [{row['lo']:.1%}, {row['hi']:.1%}]") in text
    assert corrected["topic"]["by_model"] == len(posts)
    # wbcs hot: each topic incident says how far the model's label of its topic holds, from the card's CV confusion
    from wbcs.classify.registry import load_model

    conf = load_model("wbcs-default").card["fields"]["topic"]["cv_confusion"]
    m = np.asarray(conf["matrix"], dtype=float)
    s = np.asarray(load_model("wbcs-default").card["fields"]["sentiment"]["cv_confusion"]["matrix"], dtype=float)
    neg = load_model("wbcs-default").card["fields"]["sentiment"]["cv_confusion"]["labels"].index("negative")
    head = " ".join(" ".join(page.sections["headline"]).split())
    assert (f"Its “negative” in cross-validation: precision {s[neg, neg] / s[:, neg].sum():.0%}, "
            f"recall {s[neg, neg] / s[neg].sum():.0%}") in head
    h = run_cli("hot", "--posts", str(path), "--json", "--top", "0", env=env)
    assert h.returncode == 0, h.stderr
    hot = json.loads(h.stdout)
    for label, r in hot["topic_label_reliability"].items():
        j = conf["labels"].index(label)
        assert r["precision"] == pytest.approx(m[j, j] / m[:, j].sum()) and r["recall"] == pytest.approx(m[j, j] / m[j].sum())
    h = run_cli("hot", "--posts", str(path), "--top", "0", env=env)
    topical = [i for i in hot["incidents"] if "|~" not in i["issue"]]
    assert h.returncode == 0 and topical  # a week of real posts holds topic incidents
    assert h.stdout.count("the model's label of this topic in CV: precision ") == len(topical)


def test_topic_incidents_say_how_far_the_models_topic_label_holds():
    """With topics from a model whose CV confusion is known, each topic incident shows the topic's precision and
    recall by hand: network called right 60 of 80 times it was called (75 %), found 60 of 100 (60 %)."""
    from wbcs.kpi.quantify import label_reliability
    from wbcs.report import build_report
    from wbcs.synth import generate_posts

    posts = generate_posts(days=28, start="2025-02-03", posts_per_day=120, seed=9, bursts=[
        {"start": "2025-02-26 10:00", "hours": 2, "posts": 80, "topic": "network", "operator": "china_unicom"}])
    topics = sorted(posts["topic"].dropna().unique())
    k, i = len(topics), topics.index("network")
    matrix = np.eye(k, dtype=int) * 50
    matrix[i, i], matrix[i, (i + 1) % k], matrix[(i + 1) % k, i] = 60, 40, 20  # 100 network posts, 80 called it
    posts["topic_source"] = "model"
    posts.attrs["classified"] = {"model": "m", "cv_confusion": {"topic": {"labels": topics,
                                                                          "matrix": matrix.tolist()}}}
    rel = label_reliability(posts, "topic")
    assert rel.loc["network"].tolist() == pytest.approx([0.75, 0.60])
    assert rel.loc[topics[(i + 1) % k]].tolist() == pytest.approx([50 / 90, 50 / 70])
    html = build_report(posts, period="week", end="2025-02-26")
    hot = html[html.index("<section id='hot'>"):html.index("Spikes 突增")]
    rows = [re.sub(r"<[^>]+>", " ", r) for r in re.findall(r"<tr>(.*?)</tr>", hot, flags=re.S)]
    assert "model&#x27;s topic label (CV)" in rows[0] or "model's topic label (CV)" in rows[0]
    outage = next(r for r in rows if "网络/信号（中国联通）" in r)
    assert "precision 75%, recall 60%" in outage
    posts.attrs = {}  # topics given in the data: no such column
    assert "topic label (CV)" not in build_report(posts, period="week", end="2025-02-26")


def test_a_table_given_unmasked_to_build_report_is_masked_in_every_table_and_chart():
    """The CLI's read_posts masks a file; build_report is also called on a caller's own table: a province, an
    operator or an author id holding a phone number or e-mail shows masked in the tables and the charts' data."""
    from wbcs.report import build_report
    from wbcs.synth import generate_posts

    posts = generate_posts(days=21, start="2025-02-03", posts_per_day=60, seed=9, bursts=[
        {"start": "2025-02-19 10:00", "hours": 2, "posts": 60, "topic": "network", "operator": "china_unicom"}])
    burst = posts["burst"].notna()
    posts = posts.astype({"province": object, "operator": object, "author_id": object})
    posts.loc[burst, "province"] = "广东 13812345678"
    posts.loc[burst, "operator"] = "联通 a.b@example.com"
    posts.loc[burst, "author_id"] = [f"=user 1370000{i:04d}" for i in range(int(burst.sum()))]
    html = build_report(posts, period="week", end="2025-02-19")
    page = Page()
    page.feed(html)
    rest = html.replace(max(page.scripts, key=len), "")  # plotly.js: numbers in its code are not posts
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", rest) and "a.b@example.com" not in rest
    complaints = " ".join(page.sections["complaints"])
    assert "广东 138****5678" in complaints and "广东 13812345678" not in html
    assert r"\u5e7f\u4e1c 138****5678" in rest  # the province chart's data
    assert "a***@example.com" in " ".join(page.sections["hot"])  # the incident's operator
    assert posts.loc[burst, "province"].eq("广东 13812345678").all()  # the caller's table is left as it was


@pytest.fixture(scope="module")
def partial_month():
    """A February report on posts that end on 02-09: 9 of its 28 days."""
    from wbcs.report import build_report
    from wbcs.synth import generate_posts

    posts = generate_posts(days=40, start="2025-01-01", posts_per_day=30, seed=3)
    page = Page()
    page.feed(build_report(posts, period="month", end="2025-02-05"))
    return posts, page


def test_a_partly_covered_period_is_compared_with_the_same_days_of_the_previous_one(partial_month):
    """'Posts 45, −42% (78 → 45) vs previous' set 22 days of September against all of August, unsaid."""
    posts, page = partial_month
    local = posts["created_at"].dt.tz_localize(None)
    now = int((local >= "2025-02-01").sum())
    before = int(((local >= "2025-01-01") & (local < "2025-01-10")).sum())  # January 1–9, not all of January
    assert before < int((local < "2025-02-01").sum())
    head = " ".join(page.sections["headline"])
    assert ("2025-02-01 – 2025-02-28 (month): the data cover 9 of its 28 days, 2025-02-01 – 2025-02-09, so changes "
            "are against the same days of the previous month, 2025-01-01 – 2025-01-09.") in head
    assert f"{now / before - 1:+.0%} ({before:,} → {now:,}) vs previous" in head
    assert f"{now:,} in this period, {before:,} in the previous one (on the same days)." in " ".join(
        page.sections["notes"])


def test_compared_days_by_hand():
    from wbcs.report import compared_days

    posts = pd.DataFrame({"created_at": pd.to_datetime(["2025-02-10 08:00", "2025-03-30 23:59"])})
    march, april = pd.Timestamp("2025-03-01"), pd.Timestamp("2025-04-01")
    # March 1–30 against February 1–28 (its 30 first days cut at its end)
    assert compared_days(posts, "month", march, april) == (march, pd.Timestamp("2025-03-31"),
                                                           pd.Timestamp("2025-02-01"), march)
    week = pd.Timestamp("2025-02-10"), pd.Timestamp("2025-02-17")  # whole: the previous week whole
    assert compared_days(posts, "week", *week) == (*week, pd.Timestamp("2025-02-03"), week[0])
    posts = pd.DataFrame({"created_at": pd.to_datetime(["2025-02-12 08:00", "2025-02-14 09:00"])})
    assert compared_days(posts, "week", *week) == (pd.Timestamp("2025-02-12"), pd.Timestamp("2025-02-15"),
                                                   pd.Timestamp("2025-02-05"), pd.Timestamp("2025-02-08"))


def test_complaints_count_the_complaint_flow_and_say_so(partial_month):
    """The section named Complaints 投诉 counted negative posts; it counts complaints now, as the SLA table does."""
    from wbcs.kpi.indicators import post_kind

    posts, page = partial_month
    local = posts["created_at"].dt.tz_localize(None)
    feb = posts[(local >= "2025-02-01").to_numpy()]
    kinds = post_kind(feb)
    network = int(((kinds == "complaint") & (feb["topic"] == "network")).sum())
    negative = int(((feb["sentiment"] == "negative") & (feb["topic"] == "network")).sum())
    assert network != negative
    text = " ".join(page.sections["complaints"])
    assert "the posts triage sends to the complaint flow" in text
    row = re.search(r"网络/信号\s+(\d+)", text)
    assert row and int(row.group(1)) == network


def test_the_reports_unified_answers_promise_the_reports_policy_time():
    # the report drafted its unified answers with the default policy's 48 hours whatever --policy said
    import dataclasses

    from wbcs.policy import load_policy
    from wbcs.report import _unified_section

    alerts = pd.DataFrame({"rule": ["question_same_day"], "cluster_key": ["topic:roaming"],
                           "operator": ["china_telecom"], "topic": ["roaming"],
                           "triggered_at": [pd.Timestamp("2025-02-25 10:00", tz="Asia/Shanghai")]})
    pol = load_policy()
    day = dataclasses.replace(pol, sla={k: dataclasses.replace(c, resolve_hours=24) for k, c in pol.sla.items()})
    start, stop = pd.Timestamp("2025-02-24"), pd.Timestamp("2025-03-03")  # local time, as the report gives them
    assert "24小时内" in _unified_section(alerts, start, stop, day)
    assert "48小时内" in _unified_section(alerts, start, stop, pol)
