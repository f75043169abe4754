"""SLA attainment read "as of" a time (an audit's finding): an outcome after ``as_of`` is not known at ``as_of``, in
``wbcs kpi --as-of`` and in the report, which reads the clocks at its period's end.

The report of a week read at the week's end counted the complaints resolved after it with their later outcome
(met or late) and left out only those never resolved, although their deadline had passed too: STC-3's week of
2015-12-28 read "51.4% of 35" where the posts as they stood at 2016-01-04 00:00 give 13 of 28."""

from __future__ import annotations

import json

import pandas as pd

from tests.helpers import run_cli
from wbcs.kpi import indicators
from wbcs.report import build_report, clocks_as_of

COLUMNS = ["post_id", "created_at", "text", "platform", "operator", "province", "sentiment", "intent", "topic",
           "reply_at", "resolved_at"]
AS_OF = "2024-05-06 00:00"  # the end of the week 2024-04-29 (Mon) – 05-05


def complaints() -> pd.DataFrame:
    """Seven complaints of the week 2024-04-29 – 05-05 (Beijing time), each acknowledged in 10 min; resolve
    within 48 h (data/policy.yaml). The latest time in the file is c6's resolution, 05-08 12:00.

    id  created      resolved           deadline      read at 05-06 00:00    read at 05-08 12:00 (the file's latest)
    c1  05-01 10:00  05-02 10:00 (24 h)  05-03 10:00   met                    met
    c2  05-01 12:00  05-04 12:00 (72 h)  05-03 12:00   late                   late
    c3  05-02 09:00  never               05-04 09:00   late                   late
    c4  05-02 20:00  05-06 10:00 (62 h)  05-04 20:00   late (passed, none)    late
    c5  05-05 08:00  05-06 09:00 (25 h)  05-07 08:00   pending                met
    c6  05-05 10:00  05-08 12:00 (74 h)  05-07 10:00   pending                late
    c7  05-05 12:00  never               05-07 12:00   pending                late

    At 05-06 00:00: 1 met of 4 due, 25.0% (the old rule counted c5 met and c6 late from their later outcomes and
    left c7 out: 2 of 6). At 05-08 12:00: 2 of 7, 28.6%."""
    rows = [("c1", "2024-05-01 10:00", "2024-05-02 10:00"), ("c2", "2024-05-01 12:00", "2024-05-04 12:00"),
            ("c3", "2024-05-02 09:00", None), ("c4", "2024-05-02 20:00", "2024-05-06 10:00"),
            ("c5", "2024-05-05 08:00", "2024-05-06 09:00"), ("c6", "2024-05-05 10:00", "2024-05-08 12:00"),
            ("c7", "2024-05-05 12:00", None)]
    posts = pd.DataFrame([(i, c, "宽带坏了", "sina_weibo", "china_mobile", "北京", "negative", "complaint", "broadband",
                           pd.Timestamp(c) + pd.Timedelta(minutes=10), r) for i, c, r in rows], columns=COLUMNS)
    return posts.assign(**{c: pd.to_datetime(posts[c]).dt.tz_localize("Asia/Shanghai")
                           for c in ("created_at", "reply_at", "resolved_at")})


def resolve(k: dict) -> tuple[int, int]:
    entry = k["sla"]["complaint"]
    return entry["resolve_met"], entry["resolve_due"]


def test_an_outcome_after_as_of_is_unknown_at_as_of():
    posts = complaints()
    assert resolve(indicators(posts, as_of=AS_OF)) == (1, 4)  # was (2, 6)
    assert indicators(posts, as_of=AS_OF)["sla_resolve_attainment"] == 0.25
    assert resolve(indicators(posts)) == (2, 7)  # read at the file's latest time, 05-08 12:00
    # what happened after as_of cannot change the reading at as_of: the posts as they stood then read the same
    cut = pd.Timestamp(AS_OF, tz="Asia/Shanghai")
    known = posts.assign(resolved_at=posts["resolved_at"].where(posts["resolved_at"] <= cut))
    assert resolve(indicators(known, as_of=AS_OF)) == (1, 4)
    week = indicators(posts, as_of=AS_OF, period="week", by="post_kind")
    row = week[week["post_kind"] == "complaint"].iloc[0]
    assert (row["sla_resolve_met"], row["sla_resolve_due"]) == (1, 4)
    # acknowledged in 10 min each, all before as_of: 7 of 7
    assert indicators(posts, as_of=AS_OF)["sla_acknowledge_attainment"] == 1.0


def test_a_reply_after_as_of_past_its_deadline_is_late_and_one_before_it_pending():
    posts = complaints().iloc[[0]].assign(reply_at=pd.Timestamp("2024-05-01 11:00", tz="Asia/Shanghai"))  # 60 min
    at = indicators(posts, as_of="2024-05-01 10:45")["sla"]["complaint"]  # deadline 10:30 passed, reply at 11:00
    assert (at["acknowledge_met"], at["acknowledge_due"]) == (0, 1)
    before = indicators(posts, as_of="2024-05-01 10:20")["sla"]["complaint"]  # deadline ahead, no reply yet
    assert (before["acknowledge_met"], before["acknowledge_due"]) == (0, 0)


def test_the_report_reads_the_week_at_its_end_as_kpi_as_of_does(tmp_path):
    posts = complaints()
    assert clocks_as_of(posts, pd.Timestamp("2024-05-06")) == pd.Timestamp(AS_OF)
    page = build_report(posts, end="2024-05-05")
    assert "25.0% of 4" in page  # was 33.3% of 6
    assert 'wbcs kpi --as-of &quot;2024-05-06 00:00&quot;' in page
    assert "pending, not counted, if its deadline was still ahead at 2024-05-06 00:00" in page
    # the CLI's kpi at that time gives the same figures
    path = tmp_path / "posts.csv"
    posts.to_csv(path, index=False)
    r = run_cli("kpi", "--posts", str(path), "--as-of", AS_OF, "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    assert resolve(json.loads(r.stdout)) == (1, 4)
