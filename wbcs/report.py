"""The periodic operations report (微博运营分析报告) as one self-contained HTML file.

``build_report(posts, period="week", end=None)`` covers the calendar week (Monday to
Sunday) or month that contains ``end`` (default: the day of the latest post) and
compares it with the period before (its same days where the data cover the period in
part, ``compared_days``): headline KPIs with their change, the shares of the model's
labels corrected for its errors (``wbcs.kpi.quantify``: topic, sentiment, intent, net
favorability), trend charts over the last periods, top complaint topics and provinces
(the complaint flow's posts, ``wbcs.viz.kpi.complaints``), hot issues (incidents ranked
by how surprising their most unusual day of the period is, then their evidence: spikes and aggregation-rule alerts),
SLA attainment per post kind, and — when an account posting log is given — the
posting-norm breaches. plotly.js is inlined once, so the file opens without network
access; every text and table is PII-masked.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import date
from pathlib import Path
from string import Template

import pandas as pd

from wbcs import checks
from wbcs.aggregate import user_ids
from wbcs.columns import local_times, read_times
from wbcs.errors import InputError
from wbcs.kpi import indicators
from wbcs.kpi.hot import fold_spikes, hot_issues
from wbcs.kpi.incidents import NO_ALERT, alert_rows, rank_incidents
from wbcs.kpi.indicators import (
    default_as_of,
    format_indicator,
    kinds_of,
    local_as_of,
)
from wbcs.kpi.norms import check_norms
from wbcs.kpi.quantify import label_reliability, reliability_text
from wbcs.policy import Policy, load_policy
from wbcs.text import mask_frame, mask_pii

SECTIONS = ["headline", "corrected", "trends", "complaints", "hot", "unified", "sla", "norms", "notes"]
# periods shown in the trend charts, one point each: the title says "last 8 weeks", and daily points of a week's
# report drew ~1 post a day on STC-3 (every day's topic shares left out, six rates between 0 and 100 % daily)
HISTORY = {"week": 8, "month": 6}

PAGE = Template("""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",Helvetica,Arial,sans-serif;
     margin:0;background:#f4f5f7;color:#222}
main{max-width:1100px;margin:0 auto;padding:24px 28px;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid #1f77b4;padding-bottom:4px;margin-top:34px}
.sub{color:#666;margin:0 0 12px}.grid{display:grid;grid-template-columns:1fr 1fr;gap:12px}
@media (max-width:899px){.grid{grid-template-columns:1fr}}
.wbcs-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px;margin:10px 0}
.wbcs-card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;background:#fafafa}
.wbcs-label{font-size:12px;color:#555}.wbcs-value{font-size:22px;font-weight:600}.wbcs-delta{font-size:11px;color:#777}
table.wbcs-table{border-collapse:collapse;font-size:12.5px;width:100%;margin:6px 0}
.wbcs-table td,.wbcs-table th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
.wbcs-table th{background:#f0f3f7}.note{color:#666;font-size:12.5px}
@media print{body{background:#fff}main{padding:0}
  /* a printed or PDF report shows what a reader would open on screen (the alerts behind the hot issues): Chromium
     prints a closed <details> as its summary alone, and CSS can open one only through ::details-content */
  details::details-content{content-visibility:visible;display:block}
  details>summary{list-style:none}details>summary::-webkit-details-marker{display:none}.screen-only{display:none}}
</style>
<script type="text/javascript">$plotlyjs</script>
</head><body><main>
<h1>$title</h1>
<p class="sub">$subtitle</p>
$body
</main></body></html>
""")


def report_window(posts: pd.DataFrame, period: str, end=None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, stop) of the calendar week or month that contains ``end`` (Beijing dates);
    without ``end``, the last complete week or month of the data."""
    if period not in HISTORY:
        raise InputError(f"--period must be week or month, got {period!r}")
    if end is None:  # the last complete period of the data
        if posts.empty:
            raise InputError("report: the posts table is empty")
        last = local_times(posts["created_at"]).max().normalize()
        start, stop = report_window(posts, period, last)
        return (start, stop) if stop - pd.Timedelta(days=1) == last else \
            (_shift(start, period, -1), start)
    # read as every time option is (local_as_of: year first, so 08/05/2024 is refused, not read as 5 August; a time
    # that names its zone, 2024-05-01T20:00:00Z, as Beijing time: kept aware, it gave a window no post's local time
    # could be compared with, a TypeError after classifying)
    day = local_as_of(end, "--end").normalize()
    if period == "week":
        start = day - pd.Timedelta(days=day.day_of_week)
        return start, start + pd.Timedelta(days=7)
    start = day.replace(day=1)
    return start, start + pd.DateOffset(months=1)


def _shift(start: pd.Timestamp, period: str, n: int) -> pd.Timestamp:
    return start + (pd.Timedelta(days=7 * n) if period == "week" else pd.DateOffset(months=n))


def compared_days(posts: pd.DataFrame, period: str, start, stop) -> tuple[pd.Timestamp, ...]:
    """(first, stop) of the days of the period [start, stop) the posts cover, and (first, stop) of the days of the
    previous period the report compares them with: all of it when the posts cover the whole period, else the same
    days of it (the same day offsets from its start, cut at its end).

    Like for like, as social-care suites compare a period to date with the same days of the period before: set
    against a whole month, the 22 days of September the data hold read as a 42 % fall in posts that is mostly the
    8 days missing, and rates drift with the days of the month too (bills, weekends)."""
    t = local_times(posts["created_at"])
    lo, hi = max(start, t.min().normalize()), min(stop, t.max().normalize() + pd.Timedelta(days=1))
    prev_start = _shift(start, period, -1)
    if (lo, hi) == (start, stop):
        return lo, hi, prev_start, start
    return lo, hi, min(prev_start + (lo - start), start), min(prev_start + (hi - start), start)


def clocks_as_of(posts: pd.DataFrame, stop: pd.Timestamp) -> pd.Timestamp:
    """The time the SLA clocks of a period ending at ``stop`` are read at: the latest time in the posts
    (``indicators.default_as_of``, any time column: what ``wbcs kpi`` reads them at), but not after the period.
    The latest post alone missed the replies and resolutions after it: a complaint without a reply was pending
    in the report and late in ``wbcs kpi`` on the same posts. Read at the period's end, a report of a past period
    gives the same attainment whatever later replies its file holds (``indicators`` reads an outcome after
    ``as_of`` as unknown)."""
    return min(stop, default_as_of(read_times(posts)))


def sla_reading(as_of: pd.Timestamp) -> str:
    """What the SLA attainment read at ``as_of`` counts, in the report's words (``indicators``' rule), with the
    ``wbcs kpi`` call that reads the clocks at the same time."""
    at = f"{as_of:%Y-%m-%d %H:%M}"
    return (f"SLA clocks read at {at} (Beijing time), as wbcs kpi --as-of \"{at}\" reads them: a post is met if its reply "
            f"(resolution) came within its limit and by then, late if its deadline passed by then without one (it "
            f"came later or never), and pending, not counted, if its deadline was still ahead at {at} and it had "
            f"none by then, whatever happened after")


def check_account_posts(account_posts: pd.DataFrame, source: str = "account posts") -> pd.DataFrame:
    """The account posting log, refused in one line without the ``created_at`` the report picks its period's
    posts by (a KeyError was raised); ``check_norms`` checks its other columns on the period's posts."""
    account_posts = checks.frame(account_posts, source)
    if "created_at" not in account_posts:
        raise InputError(f"{source}: missing column 'created_at' (columns: "
                         f"{', '.join(map(str, account_posts.columns))}); give the account's posting log "
                         f"(post_id, created_at, text), e.g. data/examples/account_posts.csv")
    return account_posts


def _between(posts: pd.DataFrame, lo, hi) -> pd.DataFrame:
    t = local_times(posts["created_at"])
    return posts[((t >= lo) & (t < hi)).to_numpy()]


# A chart's width in the report at its narrowest, a 900 px window, where the page is still two columns (main's 900
# px less its padding, 28 px each side; a half is that less the 12 px gap, halved); narrower windows get one column
FULL_WIDTH = 900 - 2 * 28
HALF_WIDTH = (FULL_WIDTH - 12) // 2


def _fig(fig, width: int = FULL_WIDTH) -> str:
    """The chart as a ``<div>``, its title wrapped to fit ``width`` px (``fit_title``)."""
    # plotly is imported where a report is drawn, not with the CLI
    from wbcs.viz.figure import fit_title

    fig = fit_title(fig, width)
    # the chart's id from its content, not plotly's random uuid4: the same posts give the same report, byte for byte
    key = hashlib.sha256(fig.to_json().encode()).hexdigest()[:16]
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{key}",
                       config={"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]})


def _change_table(cur: pd.DataFrame, prev: pd.DataFrame, column: str, top: int = 10, rules=None) -> pd.DataFrame:
    """Complaints (``wbcs.viz.kpi.complaints``) per value of ``column`` this period and last, most first."""
    from wbcs.viz.kpi import change_text, complaints, shown

    def counts(df):
        if column not in df or df.empty:
            return pd.Series(dtype="int64")
        return complaints(df, rules=rules)[column].astype("string").fillna("(unknown 未知)").value_counts()  # as the chart

    now, before = counts(cur), counts(prev)

    table = pd.DataFrame({"this period": now, "previous": before}).fillna(0).astype(int)
    table["change"] = [change_text(a, b) for a, b in zip(table["this period"], table["previous"], strict=True)]
    share = table["this period"] / max(int(now.sum()), 1)
    table.insert(1, "share", [format_indicator("share", s) for s in share])  # as wbcs kpi writes a topic's share
    table = table.sort_values(["this period", "previous"], ascending=False).head(top).rename_axis(column).reset_index()
    table[column] = shown(table[column], column)
    return table


INCIDENTS_SHOWN = 10  # incidents listed in the report, best ranked first
SPIKE_BASELINE_DAYS = 7  # the spike detector's baseline (wbcs hot's default)


def incident_table(incidents: pd.DataFrame, start=None, stop=None, reliability: pd.DataFrame | None = None,
                   expected: str = "expected") -> tuple[pd.DataFrame, int]:
    """The incidents counted on a day of the period [``start``, ``stop``) (None: all of them, ranked by all
    their days), best ranked first (at most ``INCIDENTS_SHOWN``), as the report (and notebook 05) shows them, and
    how many there are. An incident is the aggregation-rule alerts of one issue merged over its days
    (``wbcs.kpi.incidents``): dozens of alerts a day become a few.
    They are ranked, and their posts counted, on the period's days (``rank_incidents(days=...)``): ranked by
    their whole span, a routine incident's most unusual day could be weeks before the period, and the table never
    showed it. Each row shows that day, the one it ranks by, with its posts and expected posts. Ranks count the
    period's incidents only. ``expected`` heads the expected posts (what they were expected from).
    ``reliability`` (``quantify.label_reliability`` of the topic, when a model gave the topics) adds how far the
    model's label of each topic incident can be trusted."""
    inc = _ranked_incidents(incidents, start, stop)
    return _incident_rows(inc, start is not None, reliability, expected), len(inc)


def _ranked_incidents(incidents: pd.DataFrame, start=None, stop=None) -> pd.DataFrame:
    """``rank_incidents`` of the incidents counted on a day of [``start``, ``stop``) (None: all of them, by all
    their days); no incident, none. The report ranks its period's once: its incident table and its alert rows
    (their incident's rank) read the same ranking."""
    if incidents.empty:
        return incidents
    return rank_incidents(incidents, days=None if start is None else (start, stop))


def _incident_rows(inc: pd.DataFrame, this_period: bool, reliability: pd.DataFrame | None,
                   expected: str) -> pd.DataFrame:
    """``incident_table``'s rows of the ranked incidents ``inc`` (``_ranked_incidents``), best first."""
    if inc.empty:
        return pd.DataFrame()
    top = inc.head(INCIDENTS_SHOWN)
    days = [f"{a:%m-%d}" + (f" – {b - pd.Timedelta(days=1):%m-%d}" if (b - a).days > 1 else "")
            for a, b in zip(top["start"], top["end"], strict=True)]
    table = pd.DataFrame({
        "rank": top["rank"].to_numpy(),
        "incident": top["name"].to_numpy(),
        "kind": top["status"].to_numpy(),
        "its days": days,
        f"posts{' this period' if this_period else ''} ({expected})": [f"{o:,} ({_expected_text(e)})"
                                            for o, e in zip(top["observed"], top["expected"], strict=True)],
        "most unusual day: posts (expected)": [
            f"{d:%m-%d}: {o:,} ({_expected_text(e)})"
            for d, o, e in zip(top["peak_day"], top["peak_posts"], top["peak_expected"], strict=True)],
        "alerts": top["n_alerts"].to_numpy(),
        "action": ["; ".join(a) or NO_ALERT for a in top["actions"]],
        "sample (masked)": top["sample_text"].to_numpy(),
    })
    if reliability is not None:
        table.insert(6, "model's topic label (CV)",
                     [reliability_text(reliability, issue.partition("|")[2]) for issue in top["issue"]])
    return table


def _expected_text(e: float) -> str:
    """Expected posts to one decimal, or two significant digits below one: a surge day of 3 posts against 0.04
    read "3 (0.0)"."""
    return f"{e:.1f}" if e >= 0.95 else f"{e:.2g}"


POST_IDS_SHOWN, CLUSTERS_SHOWN = 5, 3  # of a spike's or an alert row's post ids, and of a row's clusters


def _first(items: list, n: int, sep: str = ", ") -> str:
    """The first ``n`` of ``items``, and how many more there are."""
    return sep.join(map(str, items[:n])) + (f" … {len(items) - n:,} more" if len(items) > n else "")


ALERT_KINDS = {"near_duplicate": "near-duplicates 相似帖子", "topic": "topic 话题"}  # in the order a row names them


def _hot_tables(spikes: pd.DataFrame, alerts: pd.DataFrame, incidents: pd.DataFrame, ranked: pd.DataFrame, start,
                stop, baseline_days: int, user_of: dict) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The period's spikes (as ``fold_spikes`` shows them, expected from the ``baseline_days`` before them) and
    aggregation alerts as report tables, rules and clusters in words, and how many alerts the period had. The
    alerts of one incident (``incidents``, which ``alerts`` were merged into), rule and day are one row
    (``wbcs.kpi.incidents.alert_rows``), saying which kinds of cluster fired: a near-duplicate cluster's alert
    and its topic's over the same posts were two rows, one answer post to publish; rows follow their incident's
    rank in ``ranked`` (``_ranked_incidents`` of the period, the incident table's). A row counts the users
    (``user_of``: each post id's user, as the rules count them, ``wbcs.aggregate.user_ids``) and platforms of
    all its alerts' posts."""
    from wbcs.viz.kpi import shown

    if len(spikes):
        spikes = spikes[(spikes["detected_at"] >= start) & (spikes["detected_at"] < stop)]
    n_alerts = 0
    if len(alerts):
        row = alert_rows(alerts, incidents)  # of every alert: the incidents' alert_index points into all of them
        t = local_times(pd.to_datetime(alerts["triggered_at"]))
        alerts = alerts[((t >= start) & (t < stop)).to_numpy()]
        n_alerts = len(alerts)
    # alerts in the trend window but none in the period (half of STC-3's weeks): merged, the empty groups gave
    # post_ids NaN and the table crashed; the period then says no rule fired, as for spikes
    if n_alerts:
        # a row: its first alert's time and rule, the clusters of all its alerts, the broadest alert's sample
        # (the topic's holds the near-duplicates' posts), the posts of all of them and their users and platforms
        # (the broadest alert's counts were the row's: 26 near-duplicate alerts over 79 posts of 70 users on 5
        # platforms read "3 / 2")
        broadest = alerts.assign(row=row).sort_values("n_posts", ascending=False, kind="stable").groupby(
            "row", sort=False).head(1).set_index("row")
        groups = alerts.groupby(row.loc[alerts.index], sort=False)
        kinds = groups["cluster_kind"].agg(lambda k: " + ".join(ALERT_KINDS.get(x, x) for x in ALERT_KINDS
                                                                if x in set(k)) or " + ".join(sorted(set(k))))
        # a row of 26-30 near-duplicate alerts named them all in one block: the first few, as its post ids
        clusters = groups["cluster_key"].agg(lambda k: _first(list(shown(pd.Series(k.unique()), "cluster")),
                                                              CLUSTERS_SHOWN, "; "))
        ids = groups["post_ids"].agg(lambda p: list(dict.fromkeys(i for ids in p for i in ids)))
        platforms = groups["platforms"].agg(lambda p: len({x for ps in p for x in ps}))
        alerts = groups.head(1).set_index(groups.head(1).index.map(row)).assign(
            cluster_kinds=kinds, clusters=clusters, post_ids=ids,
            n_users=ids.map(lambda p: len({user_of[str(i)] for i in p})), n_platforms=platforms,
            sample_text=broadest["sample_text"])
        # rows in the order of their incidents in the table above (by this period's rank), then the most posts
        # first: in time order the first 30 of 231 rows were the week's first day and a half, the later surge
        # hidden; the alerts of no incident last
        rank_of = {i: r for r, ix in zip(ranked.get("rank", []), ranked.get("alert_index", []), strict=True)
                   for i in ix}
        alerts = alerts.assign(incident=pd.array([rank_of.get(i) for i in alerts.index], dtype="Int64"),
                               size=[-len(p) for p in alerts["post_ids"]])
        alerts = alerts.sort_values(["incident", "size", "triggered_at"], na_position="last", kind="stable")
    a = pd.DataFrame({
        "incident": [("—" if pd.isna(r) else int(r)) for r in alerts.get("incident", [])],
        "triggered": local_times(pd.to_datetime(alerts["triggered_at"])) if len(alerts) else [],
        "rule": shown(alerts.get("rule", pd.Series(dtype=object)), "rule"),
        "action": alerts.get("action", pd.Series(dtype=object)),
        "alerts fired": alerts.get("cluster_kinds", pd.Series(dtype=object)),
        "cluster": alerts.get("clusters", pd.Series(dtype=object)),
        "users / platforms": [f"{u} / {p}" for u, p in zip(alerts.get("n_users", []), alerts.get("n_platforms", []),
                                                           strict=True)],
        "sample (masked)": alerts.get("sample_text", pd.Series(dtype=object)),
        "post ids": [_first(list(ids), POST_IDS_SHOWN) for ids in alerts.get("post_ids", [])],
    }).reset_index(drop=True)
    return spike_table(spikes, baseline_days), a, n_alerts


def spike_table(spikes: pd.DataFrame, baseline_days: int) -> pd.DataFrame:
    """Spikes (``fold_spikes``' rows, expected from the ``baseline_days`` before them) as the report (and
    notebook 05) shows them, in time order: series in words, posts against expected, p-value, platforms and the
    first post ids."""
    from wbcs.viz.kpi import shown

    s = pd.DataFrame({
        "detected": spikes.get("detected_at", pd.Series(dtype=object)),
        "series": shown(spikes.get("key", pd.Series(dtype=object)), "cluster"),
        f"posts (expected from the {baseline_days} days before)": [f"{o} ({e:.1f})" for o, e in zip(spikes.get("observed", []), spikes.get("expected", []),
                                                             strict=True)],
        "p-value": [f"{p:.1e}" for p in spikes.get("p_value", [])],
        "users": spikes.get("n_users", pd.Series(dtype=object)),
        "near-duplicate clusters inside": spikes.get("clusters_inside", pd.Series(dtype=object)),
        "platforms": [", ".join(shown(pd.Series(list(p), dtype=object), "platform")) for p in spikes.get("platforms", [])],
        "sample (masked)": spikes.get("sample_text", pd.Series(dtype=object)),
        "post ids": [_first(list(ids), POST_IDS_SHOWN) for ids in spikes.get("post_ids", [])],
    })
    return s.sort_values("detected") if len(s) else s


def build_report(posts: pd.DataFrame, *, period: str = "week", end=None,
                 account_posts: pd.DataFrame | None = None, policy: Policy | None = None,
                 title: str | None = None, notes: list[str] | None = None, routes=None,
                 account_source: str = "account posts") -> str:
    """The HTML report (see the module docstring) of a labelled posts table; ``routes`` (a routes file or
    ``wbcs.triage.load_routes``' result, as ``wbcs triage --routes`` takes it; None: the default) give each post
    its kind, so the report counts complaints and SLA clocks as triage routed them. ``account_source`` names
    ``account_posts`` (its file) in errors."""
    from plotly.offline import get_plotlyjs

    from wbcs.viz import kpi as vk
    from wbcs.viz.explore import hour_weekday_heatmap

    policy = policy or load_policy()
    rules = kinds_of(routes)  # a routes file the kinds cannot be read from is refused before any work
    # masked as read_posts masks a file for the CLI (a caller's table may not be): every value a table or chart
    # names (province, operator, platform, ...); texts are shown as samples only, masked where they are drawn
    posts = checks.frame(posts, "build_report: posts")
    posts = mask_frame(posts, columns=[c for c in posts.columns if c not in ("post_id", "text")])
    start, stop = report_window(posts, period, end)
    cur = _between(posts, start, stop)
    created = local_times(posts["created_at"])  # once: the window's edges below are read from it
    earliest, latest = created.min(), created.max()
    if cur.empty:
        raise InputError(f"report: no posts between {start:%Y-%m-%d} and {stop - pd.Timedelta(days=1):%Y-%m-%d}; "
                         f"choose another --end (posts run from {earliest:%Y-%m-%d} to {latest:%Y-%m-%d})")
    lo, hi, prev_lo, prev_hi = compared_days(posts, period, start, stop)
    prev = _between(posts, prev_lo, prev_hi)
    as_of = clocks_as_of(posts, stop)
    k_cur = indicators(cur, policy=policy, as_of=as_of, routes=routes)
    # the previous period's clocks read when this one's are, as the trend chart and wbcs kpi --as-of read them and the
    # page says: read at its own end, its posts replied after it were pending or late beside the chart's met (the card
    # said +0.8 pts beside a chart's +1.3)
    k_prev = indicators(prev, policy=policy, as_of=as_of, routes=routes) if len(prev) else None
    first = _shift(start, period, -(HISTORY[period] - 1))  # the trend window's first period
    history = _between(posts, first, stop)
    # the clocks read when the headline's are: the trend's last period gives the headline's SLA attainment
    trend = indicators(history, period=period, policy=policy, as_of=as_of, routes=routes)
    # hot issues over the trend window, plus a week before it as the detector's baseline
    hot_from = max(first - pd.Timedelta(days=8), earliest.normalize())
    hot_posts = _between(posts, hot_from, stop)
    hot = hot_issues(hot_posts, policy=policy, baseline_days=SPIKE_BASELINE_DAYS)
    spikes = fold_spikes(hot["spikes"])  # one spike per outage, for the table and the volume chart
    ranked = _ranked_incidents(hot["incidents"], start, stop)  # the incident table's, and the alert rows' order
    spikes_t, alerts_t, n_alerts = _hot_tables(
        spikes, hot["alerts"], hot["incidents"], ranked, start, stop, SPIKE_BASELINE_DAYS,
        dict(zip(hot_posts["post_id"].astype(str), user_ids(hot_posts), strict=True)))
    label = f"{start:%Y-%m-%d} – {stop - pd.Timedelta(days=1):%Y-%m-%d}"
    body = []

    reasons = vk.missing_reasons(cur, k_cur)
    labels_note = vk.label_note_html(cur, (posts.attrs.get("classified") or {}).get("model"),
                                     label_reliability(posts, "sentiment"))
    day = pd.Timedelta(days=1)

    def days(a, b):  # the days [a, b) as a reader reads them
        return f"{a:%Y-%m-%d}" + (f" – {b - day:%Y-%m-%d}" if b - a > day else "")

    partial = (lo, hi) != (start, stop)
    against = days(prev_lo, prev_hi) if prev_hi > prev_lo else f"nothing: the previous {period} has no such days"
    scope = (f"{label} ({period}): the data cover {(hi - lo).days} of its {(stop - start).days} days, "
             f"{days(lo, hi)}, so changes are against the same days of the previous {period}, {against}"
             if partial else f"{label} ({period}); changes against {against}")
    body.append(f"<section id='headline'><h2>Headline 核心指标</h2><p class='note'>{html.escape(scope)}"
                f"{'' if k_prev else ' (no posts then)'}.</p>{vk.kpi_cards_html(k_cur, k_prev, missing=reasons)}"
                f"{labels_note}</section>")

    body.append(_corrected_section(cur, posts.attrs))

    # a trend period is partial where the window or the data cut it (and a lone period's axis spans its days)
    def covered(table):
        return vk.period_coverage(table, period, max(earliest, first),
                                  min(latest, stop - day))

    trend = covered(trend)
    volume = vk.volume_trend(trend, spikes=spikes)
    # the band shades the period's dates, [start, stop), where every trend draws the period's point (in the middle of
    # its dates: vk._period_axis): centred on the period's first day, the week 29 Apr – 5 May shaded 26 Apr – 2 May
    volume.add_vrect(x0=start, x1=stop, fillcolor="#1f77b4", opacity=0.08,
                     line_width=0, annotation_text="this period", annotation_position="top left")
    k_hist = indicators(history, policy=policy, routes=routes)
    why_not = vk.missing_reasons(history, k_hist)
    charts, left_out = [volume], []
    if k_hist.get("net_favorability") is not None:
        charts.append(vk.favorability_trend(trend))
    else:
        left_out.append(f"net favorability: {why_not['net_favorability']}")
    if any(k_hist.get(k) is not None for k in vk.RATE_NAMES):
        charts.append(vk.rates_trend(trend))
    else:
        left_out.append("handling, resolution and SLA rates: "
                        + "; ".join(sorted({why_not[k] for k in vk.RATE_NAMES if k in why_not})))
    most = int(trend["volume"].max()) if len(trend) else 0
    if "topic" not in history or not history["topic"].notna().any():
        left_out.append("topic shares: no topic labels in this data")
    elif most < vk.MIN_SHARE_POSTS:  # a chart of no bars, telling a static page's reader to choose a period
        left_out.append(f"topic shares per {period}: every {period} has fewer than {vk.MIN_SHARE_POSTS} posts (at "
                        f"most {most}), too few for shares (one post would be 100 %); this period's topics are "
                        "counted under Complaints below")
    else:
        charts.append(vk.topic_share_trend(covered(indicators(history, period=period, by="topic",
                                                              policy=policy, routes=routes)), unit=period))
    if "reply_at" in cur and cur["reply_at"].notna().any():
        charts.append(vk.response_time_histogram(cur))
    else:
        left_out.append("response times: no reply times in this data")
    charts.append(hour_weekday_heatmap(cur["created_at"], title="When posts arrive 发帖时段"))
    gaps = "".join(f"<p class='note'>Not shown — {html.escape(g)}.</p>" for g in left_out)
    body.append(f"<section id='trends'><h2>Trends 趋势 (last {HISTORY[period]} {period}s)</h2>"
                f"<p class='note'>One point a {period}, the last one this {period}; a {period} the data cover in "
                f"part is marked on the volume chart. Rates carry 95% intervals: with few posts a {period} they are "
                f"wide, and a change within them may be chance.</p>"
                f"<div class='grid'>{''.join(f'<div>{_fig(c, HALF_WIDTH)}</div>' for c in charts)}</div>{gaps}</section>")

    parts = []
    for col, name in (("topic", "Top complaint topics 投诉热点业务"), ("province", "Top provinces 投诉省份")):
        if col in cur and cur[col].notna().any():
            parts.append(f"<h3>{name}</h3>{vk.table_html(_change_table(cur, prev, col, rules=rules))}")
            parts.append(_fig(vk.complaint_bar(cur, col, top=12, title=name, rules=rules)))
    why = vk.no_complaints_reason(cur, rules=rules)
    if why:
        parts = [f"<p>No complaint tables: {html.escape(why)}.</p>"]
    body.append("<section id='complaints'><h2>Complaints 投诉分析</h2>"
                f"<p class='note'>{html.escape(vk.COMPLAINTS_MEANING[0].upper() + vk.COMPLAINTS_MEANING[1:])}.</p>"
                + ("".join(parts) or "<p>No topic or province labels in these posts.</p>") + "</section>")

    reliability = label_reliability(posts, "topic")
    hot_dates = f"{hot_from:%Y-%m-%d} – {stop - pd.Timedelta(days=1):%Y-%m-%d}"
    incidents_t, n_incidents = _incident_rows(ranked, True, reliability, f"expected from {hot_dates}"), len(ranked)
    shown = f", the {len(incidents_t)} highest ranked shown" if len(incidents_t) < n_incidents else ""
    body.append("<section id='hot'><h2>Hot issues 热点 (incidents, spikes and aggregation rules)</h2>"
                f"<h3>Incidents 事件 ({n_incidents} this period{shown})</h3>"
                + ("<p class='note'>Each incident is the aggregation-rule alerts of one issue (a topic of one "
                   "operator, or a group of near-duplicate posts) merged over its days, ranked by how improbable its "
                   "most unusual day <i>of this period</i> is against what the issue usually draws (every surge, a "
                   "day far above it, first), shown with its posts and expected posts; its posts are counted on "
                   "this period's days, its days are all of them. The alerts themselves are listed "
                   "below as the evidence. Ranks count this period's incidents. What an issue usually draws is "
                   f"its share of the posts of {hot_dates} (the trend window and the 8 days before it), the "
                   "posts this report reads: <code>wbcs hot</code> reads every post of its file, so on a file "
                   "of more dates its expected posts differ; on these dates' posts it gives the same expected "
                   "posts, and ranks by all of an incident's days."
                   + (" Where the model gave the topics, its cross-validated precision and recall for the topic say "
                      "how far the count can be trusted: of the posts it calls that topic, the share that are; of "
                      "the topic's posts, the share it finds." if reliability is not None else "") + "</p>"
                   + vk.table_html(mask_frame(incidents_t, columns=["sample (masked)"]))
                   if n_incidents else "<p>No incident this period.</p>")
                + f"<h3>Spikes 突增 ({len(spikes_t)})</h3>"
                + (vk.table_html(mask_frame(spikes_t, columns=["sample (masked)"]), max_rows=30)
                   if len(spikes_t) else "<p>No spike this period.</p>")
                + f"<h3>Aggregation-rule alerts 聚合规则触发 ({n_alerts})</h3>"
                + (f"<details><summary>{n_alerts} alert(s) this period<span class='screen-only'>: show them"
                   "</span></summary><p class='note'>The alerts of one incident, rule and day are one row (an "
                   "incident's alerts: those most of whose posts are its issue's), their kinds of cluster under "
                   "<i>alerts fired</i>: a near-duplicate cluster's alert and its topic's over the same posts ask "
                   "for one answer post"
                   + (f"; {n_alerts} alerts in {len(alerts_t)} row{'s' if len(alerts_t) > 1 else ''}" if len(alerts_t) < n_alerts else "")
                   + ". Rows follow the incidents above (their rank under <i>incident</i>), then the most posts "
                   "first; the alerts of no incident come last.</p>"
                   f"{vk.table_html(alerts_t, max_rows=30)}</details>"
                   if len(alerts_t) else "<p>No rule fired this period.</p>")
                + "</section>")

    body.append(_unified_section(hot["alerts"], start, stop, policy))

    if k_cur["sla_acknowledge_attainment"] is None and k_cur["sla_resolve_attainment"] is None:
        sla = (f"<p>SLA attainment cannot be measured: {html.escape(reasons['sla_acknowledge_attainment'])}.</p>"
               f"{vk.table_html(vk.sla_table(k_cur)[['kind', 'posts', 'clock', 'acknowledge within', 'resolve within']])}")
    else:
        sla = f"{vk.table_html(vk.sla_table(k_cur))}{_fig(vk.sla_bar(k_cur))}"
    body.append(f"<section id='sla'><h2>SLA performance 服务时限</h2><p class='note'>{html.escape(sla_reading(as_of))}."
                f"</p>{sla}</section>")

    if account_posts is not None:
        account_posts = check_account_posts(account_posts, account_source)
        log = _between(account_posts, start, stop)
        nr = check_norms(log, policy=policy, source=account_source) if len(log) else None
        if nr is None:
            t = local_times(account_posts["created_at"]) if len(account_posts) else None
            text = ("<p>The account posting log is empty.</p>" if t is None else
                    f"<p>No posting-norm check: the account posting log runs {t.min():%Y-%m-%d} – {t.max():%Y-%m-%d}"
                    f" and does not overlap the report period {html.escape(label)}; give a log that covers it "
                    f"(wbcs report --account-posts FILE).</p>")
        else:
            summary, detail = norms_tables(nr)
            text = (f"<p>{nr.posts} account posts on {nr.days} days.</p>{vk.table_html(summary)}"
                    f"<h3>Breaches</h3>{vk.table_html(detail, max_rows=60) if len(detail) else '<p>None.</p>'}")
        body.append(f"<section id='norms'><h2>Posting norms 发帖规范</h2>{text}</section>")
    else:
        body.append("<section id='norms'><h2>Posting norms 发帖规范</h2><p>No account posting log was "
                    "given (wbcs report --account-posts FILE).</p></section>")

    items = [f"{len(posts):,} posts read; {len(cur):,} in this period, {len(prev):,} in the previous one"
             + (" (on the same days)." if partial else "."),
             "Phone numbers, ID numbers, bank card numbers and e-mail addresses are masked in every text and table.",
             f"SLA clocks from the policy {html.escape(str(policy.source))}. {html.escape(sla_reading(as_of))}."]
    items += [html.escape(mask_pii(n)) for n in notes or []]
    body.append("<section id='notes'><h2>Notes 说明</h2><ul>" + "".join(f"<li>{i}</li>" for i in items)
                + "</ul></section>")
    title = mask_pii(title) if title else f"Weibo customer-service operations report 微博运营分析报告 · {label}"
    return PAGE.substitute(title=html.escape(title), plotlyjs=_plotlyjs(get_plotlyjs()),
                           subtitle=html.escape(f"Generated {date.today():%Y-%m-%d} by wbcs · period {label}"),
                           body="\n".join(body))


def norms_tables(nr) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ``check_norms`` result as the report (and notebook 05) shows it: breaches and what was checked per rule,
    and the breaches with their first post ids."""
    counts = nr.to_dict()["breaches_per_rule"]
    summary = pd.DataFrame({"rule": list(counts), "breaches": list(counts.values()),
                            "checked": [nr.checked[r] for r in counts]})
    detail = nr.breaches.assign(post_ids=[_first(list(p), 4) for p in nr.breaches["post_ids"]])
    return summary, detail


def _corrected_section(cur: pd.DataFrame, attrs: dict) -> str:
    """The period's shares of the model's labels corrected for its errors (``wbcs.kpi.quantify``, as ``wbcs kpi`` and
    the dashboard's Corrected tab give them), next to the counts the other sections show."""
    from wbcs.kpi.quantify import corrected_summary, favorability_text
    from wbcs.viz import kpi as vk

    cur = cur.copy()
    cur.attrs = attrs  # the model's cross-validated confusion and quantifiers travel in attrs
    summary = corrected_summary(cur)  # the dashboard's Corrected tab's and wbcs kpi's draws
    head = "<section id='corrected'><h2>Shares corrected for the model's errors 模型误差校正</h2>"
    if not summary:
        return head + f"<p>Nothing to correct: {html.escape(vk.NO_CORRECTION)}.</p></section>"
    parts = [("<p class='note'>The other sections count the labels as they are. Where a model put them on the "
              "posts, its errors bias those counts; here each field's shares are estimated with the method its "
              "card's grouped cross-validation chose (or kept as counted where no correction came closer), with "
              "95% bootstrap intervals.</p>")]
    if summary.get("net_favorability"):
        parts.append(f"<p><b>{html.escape(favorability_text(summary))}</b>.</p>")
    topic = vk.corrected_frame(summary, "topic")
    if topic is not None:
        parts.append(_fig(vk.corrected_share_bar(topic, "topic")))  # net favorability is in the line above
    parts.append(vk.corrected_shares_html(summary))
    return head + "".join(parts) + "</section>"


def _unified_section(alerts: pd.DataFrame, start, stop, policy: Policy) -> str:
    """The one-answer post drafted for each aggregation alert of the period (wbcs.reply)."""
    from wbcs.reply.drafts import unified_drafts
    from wbcs.viz.kpi import shown, table_html

    if len(alerts):
        t = local_times(pd.to_datetime(alerts["triggered_at"]))
        alerts = alerts[((t >= start) & (t < stop)).to_numpy()]
    head = "<section id='unified'><h2>Unified answer drafts 统一答复草稿</h2>"
    if not len(alerts):
        return head + "<p>No aggregation rule fired this period: no unified answer to publish.</p></section>"
    drafts = unified_drafts(alerts, policy=policy)  # the time it promises is the policy's resolve clock
    table = pd.DataFrame({"triggered": local_times(pd.to_datetime(alerts["triggered_at"])).to_numpy(),
                          "rule": drafts["rule"], "operator": alerts["operator"].to_numpy(),
                          "cluster": drafts["cluster_key"],
                          "draft (standard wording)": drafts["draft"], "checks": drafts["checks"]})
    # alerts of one operator and rule with the same wording ask for one post, not one each
    key = ["operator", "rule", "draft (standard wording)"]
    posts = (table.assign(alerts=1).groupby(key, sort=False, dropna=False)
             .agg(triggered=("triggered", "first"), cluster=("cluster", "first"), alerts=("alerts", "sum"),
                  checks=("checks", "first")).reset_index()
             [["triggered", "rule", "operator", "cluster", "alerts", "draft (standard wording)", "checks"]])
    for col, field in (("rule", "rule"), ("operator", "operator"), ("cluster", "cluster")):
        posts[col] = shown(posts[col], field)
    return (head + f"<p class='note'>{len(posts)} answer post(s) for the period's {len(table)} alert(s): one per "
            "operator, rule and wording (the first alert's time and cluster shown), in the standard wording of "
            "data/replies.yaml (edit it there), checked like every reply draft.</p>"
            + table_html(mask_frame(posts), max_rows=30) + "</section>")


def _plotlyjs(library: str) -> str:
    """plotly.js with the e-mail addresses of its bundled licence notices written ``name at host``: the notices
    (authors, licences) stay whole, and a check of the report for e-mail addresses finds the posts' only."""
    head, mark, notices = library.rpartition("/*! Bundled license information:")
    return head + mark + re.sub(r"([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)", r"\1 at \2", notices) if mark else library


def write_report(path: str | Path, posts: pd.DataFrame, **kwargs) -> Path:
    """Write ``build_report(posts, **kwargs)`` to ``path`` (UTF-8)."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{path}: the report is HTML; give a path ending in .html")
    from wbcs.io import write_text

    return write_text(path, build_report(posts, **kwargs))  # atomic: a failed report leaves the last one
