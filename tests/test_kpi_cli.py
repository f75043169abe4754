"""`wbcs kpi`, `wbcs hot`, `wbcs norms` and `wbcs report` in real subprocesses on files written here."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.helpers import one_error, run_cli
from tests.test_hot import timeline
from tests.test_kpi_duck import same
from tests.test_kpi_indicators import crafted
from tests.test_norms import good_day


@pytest.fixture
def posts_csv(tmp_path):
    path = tmp_path / "posts.csv"
    crafted().to_csv(path, index=False)
    return path


@pytest.mark.parametrize("command", ["kpi", "hot", "norms", "report"])
def test_help_has_a_runnable_example(command):
    r = run_cli(command, "--help")
    assert r.returncode == 0 and "Example:\n  wbcs " + command in r.stdout


def test_kpi_json_has_the_issue_keys_with_hand_computed_values(posts_csv):
    r = run_cli("kpi", "--posts", str(posts_csv), "--json")
    assert r.returncode == 0, r.stderr
    k = json.loads(r.stdout)
    for key in ("volume", "net_favorability", "net_favorability_incl_neutral", "negative_handling_rate",
                "negative_resolution_rate", "reply_satisfaction_rate", "median_response_minutes",
                "topic_share"):
        assert key in k
    assert k["volume"] == 8 and k["net_favorability"] == pytest.approx(-1 / 3)
    assert k["negative_handling_rate"] == 0.75 and k["median_response_minutes"] == 60
    assert k["topic_share"] == {"network": 0.5, "billing": 0.25, "service": 0.125}
    assert k["input"]["rejected"] == 0 and k["input"]["classified"] is None
    assert "table" not in k


def test_kpi_table_per_period_and_group(posts_csv, tmp_path):
    r = run_cli("kpi", "--posts", str(posts_csv), "--period", "day", "--json")
    table = json.loads(r.stdout)["table"]
    assert [row["volume"] for row in table] == [3, 2, 2, 1]
    for count in ("volume", "n_negative", "n_replied", "sla_acknowledge_due", "likes"):  # counts, not 3.0
        assert all(type(row[count]) is int for row in table), (count, [row[count] for row in table])
    assert table[0]["period"] == "2025-03-03T00:00:00" and table[0]["volume_change_ratio"] is None
    assert table[2]["negative_handling_rate"] is None  # no negative posts that day: null, not 0
    by = json.loads(run_cli("kpi", "--posts", str(posts_csv), "--by", "operator", "--json").stdout)["table"]
    assert [(row["operator"], row["volume"]) for row in by] == [("china_mobile", 4), ("china_unicom", 4)]
    text = run_cli("kpi", "--posts", str(posts_csv), "--period", "week")
    assert text.returncode == 0 and "net_favorability" in text.stdout and "2025-03-03" in text.stdout


def test_kpi_text_says_why_an_indicator_is_null_and_counts_are_integers(posts_csv, tmp_path):
    path = tmp_path / "no_replies.csv"
    pd.read_csv(posts_csv).drop(columns=["reply_at"]).to_csv(path, index=False)
    r = run_cli("kpi", "--posts", str(path), "--period", "day")
    assert r.returncode == 0, r.stderr
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.startswith("  ")}
    assert lines["reply_rate"].split(None, 1)[1] == "null (no reply times in this data)"
    assert lines["net_favorability"].split()[1] == "-0.33"  # a value has no reason next to it
    rows = [line.split() for line in r.stdout.splitlines() if line.startswith("2025-03-0")]
    assert [row[1] for row in rows] == ["3", "2", "2", "1"]  # volumes, not 3.0
    # the table's missing values read as the summary's (null), not NaN: no replies, no response minutes
    header = r.stdout.splitlines()[[row.split()[:1] for row in r.stdout.splitlines()].index(["period"])].split()
    assert "NaN" not in r.stdout and {row[header.index("median_response_minutes")] for row in rows} == {"null"}


def test_kpi_duckdb_engine_gives_the_same_numbers(posts_csv, tmp_path):
    parquet = tmp_path / "posts.parquet"
    crafted().to_parquet(parquet)
    a = json.loads(run_cli("kpi", "--posts", str(posts_csv), "--json").stdout)
    b = json.loads(run_cli("kpi", "--posts", str(parquet), "--engine", "duckdb", "--json").stdout)
    for key in ("volume", "net_favorability", "reply_satisfaction_rate", "p90_response_minutes",
                "sla_acknowledge_attainment", "topic_share", "sla", "competitor_lead"):
        same(a[key], b[key], key)


T5 = """post_id,created_at,reply_at,text,sentiment,intent,negative_subtype,topic
s1,2024-05-06 10:00,,建议增加夜间套餐,neutral,suggestion,,tariff
s2,2024-05-06 10:00,,宽带又断了三次,negative,other,concrete_complaint,broadband
s3,2024-05-06 10:00,,太差了,negative,other,,other
s4,2024-05-08 10:00,2024-05-08 10:05,套餐怎么改,neutral,consultation,,tariff
"""


def test_kpi_counts_every_post_triage_gives_a_deadline(tmp_path):
    """An auditor's file: triage gives a suggestion, a negative concrete complaint of intent other and a negative
    post of intent other deadlines, all three past by the last time in the file (05-08 10:05); kpi left them out
    and read 1 due, 1 met (100 %). By hand: s1 consultation (2 h), s2 complaint (30 min), s3 vague negative
    (2 h) unanswered and late; s4 answered in 5 min: 4 due, 1 met."""
    posts = tmp_path / "t5.csv"
    posts.write_text(T5, encoding="utf-8")
    r = run_cli("triage", "--posts", str(posts), "--out", str(tmp_path / "triage.csv"))
    assert r.returncode == 0, r.stderr
    routed = pd.read_csv(tmp_path / "triage.csv", encoding="utf-8-sig")
    assert routed["kind"].tolist() == ["consultation", "complaint", "vague_negative", "consultation"]
    k = json.loads(run_cli("kpi", "--posts", str(posts), "--json").stdout)
    assert (k["sla_acknowledge_due"], k["sla_acknowledge_met"], k["sla_acknowledge_attainment"]) == (4, 1, 0.25)
    assert {kind: (v["posts"], v["acknowledge_due"], v["acknowledge_met"]) for kind, v in k["sla"].items()
            if v["posts"]} == {"consultation": (2, 2, 1), "complaint": (1, 1, 0), "vague_negative": (1, 1, 0)}


def test_kpi_reply_satisfaction_is_out_of_every_replied_negative_post(tmp_path):
    """DOMAIN.md's 回复满意率: replied topics with positive feedback / replied topics. Replied negative posts p3
    (satisfied), p4 (not) and p9 (no feedback): 1/3, where kpi read 1/2 (of those with feedback), now the
    second, named indicator."""
    posts = tmp_path / "t1.csv"
    posts.write_text("post_id,created_at,reply_at,satisfied,sentiment,intent,negative_subtype,text\n"
                     "p3,2024-05-06 10:00,2024-05-06 10:30,True,negative,complaint,concrete_complaint,测试\n"
                     "p4,2024-05-06 10:00,2024-05-06 10:31,False,negative,complaint,concrete_complaint,测试\n"
                     "p5,2024-05-06 10:00,,,negative,complaint,concrete_complaint,测试\n"
                     "p8,2024-05-06 10:00,2024-05-06 11:00,True,positive,praise,,测试\n"
                     "p9,2024-05-07 10:00,2024-05-07 10:05,,negative,other,abuse,测试\n", encoding="utf-8")
    r = run_cli("kpi", "--posts", str(posts), "--json")
    assert r.returncode == 0, r.stderr
    k = json.loads(r.stdout)
    assert k["reply_satisfaction_rate"] == pytest.approx(1 / 3)
    assert k["reply_satisfaction_rate_of_known"] == 0.5


def test_engines_agree_on_the_kind_of_every_label_combination(tmp_path):
    """The kind rules now test the public-data model's complaint yes/no and the sentiment: both engines count
    them alike (the DuckDB engine writes its post_kind key as SQL from the same rules)."""
    from tests.test_kpi_duck import same_table
    from tests.test_kpi_indicators import every_label_combination
    from wbcs.kpi import duck, indicators

    df = every_label_combination().drop(columns="identifiable")
    # DuckDB refuses a post without a sentiment or an intent (the pandas engine's command labels it first)
    df = df[df["sentiment"].notna() & df["intent"].notna()].reset_index(drop=True)
    n = len(df)
    df["created_at"] = pd.Timestamp("2024-05-06 10:00", tz="Asia/Shanghai") + pd.to_timedelta(
        [i % 50 for i in range(n)], unit="h")
    df["reply_at"] = df["created_at"] + pd.to_timedelta([(10, 200, None)[i % 3] for i in range(n)], unit="min")
    df["satisfied"] = pd.array([(True, False, None)[i % 3] for i in range(n)], dtype="boolean")
    df.to_parquet(tmp_path / "combos.parquet")
    for kw in ({"by": "post_kind"}, {"period": "day", "by": ["post_kind"]}):
        same_table(indicators(df, **kw), duck.indicators(tmp_path / "combos.parquet", **kw))
    # the commands on the posts with all their labels (the pandas engine's command labels the others first),
    # the complaint column too (ingest keeps it)
    labelled = tmp_path / "labelled.parquet"
    given = ~((df["sentiment"] == "negative") & df["negative_subtype"].isna()).fillna(False)
    df[given].assign(topic="tariff").to_parquet(labelled)
    a = json.loads(run_cli("kpi", "--posts", str(labelled), "--json").stdout)
    b = json.loads(run_cli("kpi", "--posts", str(labelled), "--engine", "duckdb", "--json").stdout)
    assert a["input"]["classified"] is None and a["sla_acknowledge_due"] > 0
    for key in ("sla_acknowledge_due", "sla_acknowledge_met", "reply_satisfaction_rate",
                "reply_satisfaction_rate_of_known", "sla"):
        same(a[key], b[key], key)


def test_kpi_rejected_rows_are_reported_not_dropped_silently(tmp_path):
    df = crafted()
    df.loc[2, "text"] = ""  # an empty text is rejected by ingest
    path = tmp_path / "posts.csv"
    df.to_csv(path, index=False)
    r = run_cli("kpi", "--posts", str(path), "--json")
    k = json.loads(r.stdout)
    assert k["volume"] == 7 and k["input"]["rejected"] == 1
    assert "1 row(s) rejected" in r.stderr


def test_unlabelled_posts_need_a_model_and_bad_input_exits_2(tmp_path, posts_csv):
    path = tmp_path / "unlabelled.csv"
    crafted().drop(columns=["sentiment", "intent", "topic", "negative_subtype"]).to_csv(path, index=False)
    r = run_cli("kpi", "--posts", str(path), "--model", str(tmp_path / "no-model"), "--json")
    assert r.returncode == 2 and r.stdout == ""
    assert "posts without labels: sentiment (8 posts), intent (8 posts), topic (8 posts)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run_cli("kpi", "--posts", str(posts_csv), "--by", "city")
    assert r.returncode == 2 and "no column 'city'" in r.stderr
    r = run_cli("kpi", "--posts", str(tmp_path / "missing.csv"))
    assert r.returncode == 2 and "file not found" in r.stderr


def test_hot_json_lists_spikes_and_rules_with_evidence(tmp_path):
    df = timeline().assign(sentiment="negative", intent="complaint")
    df.loc[5, "text"] = "话费不对，我的手机13812345678一直被扣费"
    path = tmp_path / "timeline.csv"
    df.to_csv(path, index=False)
    r = run_cli("hot", "--posts", str(path), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    spikes = [s for s in out["spikes"] if s["key"] == "topic:network"]
    assert len(spikes) == 1 and spikes[0]["start"] == "2025-03-12T09:00:00"
    assert spikes[0]["observed"] == 20 and len(spikes[0]["post_ids"]) == 20
    assert any(a["rule"] == "complaint_same_week" for a in out["alerts"])
    assert "13812345678" not in r.stdout  # evidence texts are masked


def test_hot_prints_the_top_incidents_first_and_json_has_their_evidence(tmp_path):
    from tests.test_incidents import outage_timeline

    path = tmp_path / "outage.csv"
    outage_timeline().to_csv(path, index=False)
    r = run_cli("hot", "--posts", str(path), "--top", "1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == (f"{path}: 3 incident(s) (1 surge(s)) from 5 aggregation alert(s); 1 hourly spike(s) "
                        "(and 1 near-duplicate cluster spike(s) inside them)")  # the outage's cluster folded in
    assert lines[1].startswith("  1. [surge] 2025-03-10  网络/信号（中国移动）：")
    # the usual 2 a day: the surge day is not in network's share (test_incidents.outage_timeline)
    assert lines[2].startswith("     22 posts vs 2.0 expected (x11.0), 1 alert(s) on 1 day(s) → publish an apology")
    assert lines[-1] == "(2 more: --top 0 shows all; --json adds the evidence, alerts and spikes)"
    out = json.loads(run_cli("hot", "--posts", str(path), "--top", "0", "--json").stdout)
    assert out["n_incidents"] == len(out["incidents"]) == 3 and len(out["alerts"]) == 5
    top = out["incidents"][0]
    assert top["rank"] == 1 and len(top["post_ids"]) == 22 and top["start"] == "2025-03-10T00:00:00"
    assert sorted(i for inc in out["incidents"] for i in inc["alert_index"]) == [0, 1, 2, 3, 4]
    assert out["input"]["series"] == "topic, near_duplicate"
    # --topics-only: no near-duplicate cluster, so the summary has nothing folded in
    r = run_cli("hot", "--posts", str(path), "--top", "1", "--topics-only", "--json")
    only = json.loads(r.stdout)
    assert only["input"]["series"] == "topic" and {s["series"] for s in only["spikes"]} == {"topic"}
    assert all(a["cluster_kind"] == "topic" for a in only["alerts"]) and len(only["alerts"]) < 5
    r = run_cli("hot", "--posts", str(path), "--top", "-1")
    assert r.returncode == 2 and "--top must be ≥ 0" in r.stderr


def test_norms_json_lists_breaches_per_rule(tmp_path):
    df = good_day()
    df.loc[3, "text"] = "长" * 150
    df["is_repost"] = df["is_repost"].map({True: "是", False: "否"})  # as an export would write it
    path = tmp_path / "account.csv"
    df.to_csv(path, index=False)
    r = run_cli("norms", "--posts", str(path), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["breaches_per_rule"]["post_length"] == 1 and sum(out["breaches_per_rule"].values()) == 1
    assert out["breaches"][0]["day"] == "2025-03-03" and out["breaches"][0]["value"] == 150
    df.loc[0, "is_repost"] = "maybe"
    df.to_csv(path, index=False)
    r = run_cli("norms", "--posts", str(path))
    assert r.returncode == 2 and "column 'is_repost': 'maybe' is not true/false" in r.stderr


@pytest.fixture
def unlabelled_csv(tmp_path):
    """Posts without labels: a command reading them must classify first. With a --model that does not exist,
    a check made after classifying would be preceded by the model's error."""
    path = tmp_path / "unlabelled.csv"
    crafted().drop(columns=["sentiment", "intent", "topic", "negative_subtype"]).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("as_of", ["notadate", "2024-02-30"])
def test_a_bad_as_of_is_refused_before_any_work_not_printed_as_null(unlabelled_csv, tmp_path, as_of):
    r = run_cli("kpi", "--posts", str(unlabelled_csv), "--model", str(tmp_path / "no-model"), "--as-of", as_of,
                "--json")
    assert f"--as-of {as_of!r} is not a date or time" in one_error(r, "kpi")


def test_bad_options_of_hot_and_report_are_refused_before_the_posts_are_classified(unlabelled_csv, tmp_path):
    no_model = str(tmp_path / "no-model")
    for flag, value, got in (("--alpha", "2", "2.0"), ("--baseline-days", "0", "0"), ("--min-posts", "0", "0"),
                             ("--threshold", "1.5", "1.5")):
        line = one_error(run_cli("hot", "--posts", str(unlabelled_csv), "--model", no_model, flag, value), "hot")
        assert f"{flag} must be" in line and line.endswith(f"got {got}")
    line = one_error(run_cli("report", "--posts", str(unlabelled_csv), "--model", no_model,
                              "--out", str(tmp_path / "report.csv")), "report")
    assert "report.csv: unknown output format '.csv'; use .html" in line
    line = one_error(run_cli("report", "--posts", str(unlabelled_csv), "--model", no_model,
                              "--out", str(tmp_path / "report.html"), "--end", "2025-02-30"), "report")
    assert "--end '2025-02-30' is not a date or time; give one like 2024-05-04" in line
    assert not (tmp_path / "report.html").exists()


def test_files_without_posts_are_refused_in_one_line(tmp_path):
    header = tmp_path / "header.csv"
    header.write_text("用户昵称,微博正文,发布时间\n", encoding="utf-8")
    for command in ("kpi", "hot"):
        # hot once said to run wbcs.classify.predict_posts, a Python function, on a header-only export
        line = one_error(run_cli(command, "--posts", str(header), "--json"), command)
        assert line.endswith(f"{header}: no posts (only a header); give a file with posts")
    rejected = tmp_path / "rejected.csv"
    rejected.write_text("用户昵称,微博正文,发布时间\na,,2025-03-03 10:00\nb,,2025-03-03 11:00\n", encoding="utf-8")
    r = run_cli("kpi", "--posts", str(rejected))
    assert r.returncode == 2 and f"{rejected}: no posts (all 2 rows were rejected)" in r.stderr
    account = tmp_path / "account.csv"
    good_day().iloc[:0].to_csv(account, index=False)
    assert "account.csv: no posts (only a header)" in one_error(run_cli("norms", "--posts", str(account)), "norms")


def test_row_errors_name_the_file_and_its_data_row_as_the_file_numbers_it(tmp_path):
    df = crafted()
    df.loc[0, "text"] = ""  # rejected by ingest: the rows after it moved up one place
    df.loc[4, "reply_at"] = df.loc[4, "created_at"] - pd.Timedelta(hours=1)
    path = tmp_path / "posts.csv"
    df.to_csv(path, index=False)
    r = run_cli("kpi", "--posts", str(path))
    assert r.returncode == 0, r.stderr  # the reply before its post is rejected by ingest, named, the rest counted
    assert "row 5, time before post: column 'reply_at': " in r.stderr  # data row 5, not 4 (nor 3)
    log = good_day().astype({"is_repost": object})
    log.loc[0, "is_repost"] = "maybe"
    log.to_csv(tmp_path / "account.csv", index=False)
    line = one_error(run_cli("norms", "--posts", str(tmp_path / "account.csv")), "norms")
    assert f"{tmp_path / 'account.csv'}: row 1, column 'is_repost': 'maybe' is not true/false" in line


# --- labelled posts are read as labelled; the model's labels are reused (issue 13, item 9) -----------------

@pytest.mark.slow  # loads the shipped model twice
def test_only_posts_without_labels_go_through_the_model_and_their_labels_are_reused(tmp_path, monkeypatch, capsys):
    from wbcs.io import ingest
    from wbcs.kpi.labels import labels_for_file

    monkeypatch.setenv("WBCS_CACHE", str(tmp_path / "cache"))
    df = crafted()
    df.loc[[1, 6], "intent"] = None  # p2 and p7 lost their intent; the other six are labelled
    path = tmp_path / "posts.csv"
    df.to_csv(path, index=False)
    posts = ingest([path]).posts
    first = labels_for_file(path, posts)
    c = first.attrs["classified"]
    assert (c["rows"], c["of"], c["filled"]["intent"]) == (2, 8, 2)
    assert "classified 2 of 8 posts with model" in capsys.readouterr().err
    assert first["intent_source"].tolist() == ["label", "model", *["label"] * 4, "model", "label"]
    labelled = [0, 2, 3, 4, 5, 7]
    assert first.loc[labelled, "intent"].tolist() == df.loc[labelled, "intent"].tolist()  # kept as they were
    assert first["intent"].notna().all() and first["intent_proba"].notna().sum() == 2
    # the next call on the same file reuses the labels instead of loading the model
    again = labels_for_file(path, ingest([path]).posts)
    assert "labels of 2 posts reused from model" in capsys.readouterr().err
    assert again.attrs["classified"]["cached"].startswith(str(tmp_path / "cache"))
    for col in ("sentiment", "intent", "topic", "intent_proba", "intent_source"):
        pd.testing.assert_series_equal(again[col], first[col], check_dtype=False)
    # a changed file is classified again
    df.loc[0, "text"] += "！"
    df.to_csv(path, index=False)
    labels_for_file(path, ingest([path]).posts)
    assert "classified 2 of 8 posts" in capsys.readouterr().err
    assert len(list((tmp_path / "cache" / "labels").glob("*.parquet"))) == 2


def test_a_labelled_file_never_loads_the_classifier(posts_csv, tmp_path):
    code = ("import sys, json; from wbcs.cli import main; main(['kpi', '--posts', sys.argv[1], '--json']); "
            "print(json.dumps(sorted(m for m in ('sklearn', 'torch', 'wbcs.classify') if m in sys.modules)), "
            "file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, str(posts_csv)], capture_output=True, text=True,
                       env={**os.environ, "WBCS_CACHE": str(tmp_path)})
    assert r.returncode == 0 and r.stderr.strip().splitlines()[-1] == "[]", r.stderr
    assert json.loads(r.stdout)["input"]["classified"] is None


@pytest.mark.slow  # loads the shipped model
def test_kpi_corrects_the_models_shares_and_counts_given_labels_as_they_are(tmp_path):
    env = {"WBCS_CACHE": str(tmp_path / "cache")}
    df = crafted()
    df.loc[[1, 6], "intent"] = None  # two posts need the model; six carry their intent
    path = tmp_path / "posts.csv"
    df.to_csv(path, index=False)
    runs = [run_cli("kpi", "--posts", str(path), "--json", env=env) for _ in range(2)]  # the second from the cache
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    first, again = (json.loads(r.stdout)["corrected"] for r in runs)
    assert first == again  # the cached labels keep the confusion the correction needs
    intent = first["intent"]
    assert (intent["by_model"], intent["given"]) == (2, 6)
    shares = {r["label"]: r for r in intent["shares"]}
    given = df["intent"].dropna().value_counts()
    for label, r in shares.items():
        # a given label counts 1/8 exactly; the two model posts spread 2/8 by the corrected estimate
        assert given.get(label, 0) / 8 <= r["corrected_share"] <= given.get(label, 0) / 8 + 2 / 8 + 1e-9
        assert r["lo"] <= r["corrected_share"] + 1e-9 and r["corrected_share"] <= r["hi"] + 1e-9
    assert abs(sum(r["corrected_share"] for r in shares.values()) - 1) < 1e-6
    # the printed summary says which method each field's shares went through, or why they were kept as counted
    r = run_cli("kpi", "--posts", str(path), env=env)
    assert r.returncode == 0 and f"    intent: {intent['note']}" in r.stdout


def test_duckdb_and_dask_print_an_unmasked_parquet_masked(tmp_path):
    """A Parquet file written with ingest --no-mask goes to duckdb and dask as written (they never call read_posts):
    what they print of it — groups in the table and JSON, the alerts' author ids, the folder's name — is masked, as
    the pandas engine's."""
    import re

    df = timeline().assign(sentiment="negative", intent="complaint", operator="china_mobile")
    df["province"] = ["广东 13812345678" if i % 2 else "北京" for i in range(len(df))]
    df["author_id"] = [f"=user 1381234{i:04d}" for i in range(len(df))]
    folder = tmp_path / "客户13900001111"
    folder.mkdir()
    df.to_parquet(folder / "raw.parquet")
    raw = re.compile(r"1381234\d{4}|13900001111")
    duck = run_cli("kpi", "--posts", str(folder / "raw.parquet"), "--engine", "duckdb", "--by", "province")
    assert duck.returncode == 0, duck.stderr
    assert "广东 138****5678" in duck.stdout and not raw.search(duck.stdout)
    assert duck.stdout.startswith(f"{tmp_path}/客户139****1111/raw.parquet: 440 posts")
    dask = run_cli("kpi", "--posts", str(folder), "--engine", "dask", "--by", "province", "--json")
    assert dask.returncode == 0, dask.stderr
    out = json.loads(dask.stdout)
    assert {r["province"] for r in out["table"]} == {"广东 138****5678", "北京"}
    assert out["input"]["file"] == f"{tmp_path}/客户139****1111"
    hot = run_cli("hot", "--posts", str(folder), "--engine", "dask", "--json")
    assert hot.returncode == 0, hot.stderr
    authors = {a for alert in json.loads(hot.stdout)["alerts"] for a in alert["author_ids"]}
    assert authors and all(re.fullmatch(r"=user 138\*\*\*\*\d{4}", a) for a in authors), authors
    assert not raw.search(hot.stdout)
    log = tmp_path / "账号13900001111.csv"
    good_day().to_csv(log, index=False)
    norms = run_cli("norms", "--posts", str(log))
    assert norms.returncode == 0 and norms.stdout.startswith(f"{tmp_path}/账号139****1111.csv: "), norms.stderr


def test_duckdb_says_a_repeated_post_id_once_with_a_breakdown(tmp_path):
    """The summary and the --by table are two passes over the file: the repeated id was said twice."""
    from tests.test_kpi_indicators import crafted

    df = crafted()
    pd.concat([df, df.iloc[[1]]], ignore_index=True).to_parquet(tmp_path / "dup.parquet")
    r = run_cli("kpi", "--posts", str(tmp_path / "dup.parquet"), "--engine", "duckdb", "--by", "topic")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("rejected (duplicate id: 1)") == 1, r.stderr


def test_json_output_writes_nan_and_infinities_as_null():
    # json.dumps wrote a plain float NaN as NaN (it never reaches default=), which strict JSON readers refuse
    import json
    import math

    import numpy as np

    from wbcs.cli.analytics import to_json

    text = to_json({"a": float("nan"), "b": [math.inf, 1.5, np.float64("nan")], "c": (2, -math.inf), "d": "x"})
    assert json.loads(text) == {"a": None, "b": [None, 1.5, None], "c": [2, None], "d": "x"}
    assert "NaN" not in text and "Infinity" not in text
