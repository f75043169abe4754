"""A team labels its own posts and retrains with them: ``wbcs label sample-posts`` (the gold set's models choose the
rare classes' likeliest posts), ``batch-export --posts``, import, ``disagreements --posts``, ``consensus --posts``
(texts next to the labels) and ``wbcs train --task default --add FILE`` (``tasks.OwnPosts``). Real files, a real
SQLite store, real subprocesses."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest

from tests.helpers import TEAM_COMPLAINTS, TEAM_THANKS, team_export
from wbcs.classify.tasks import OwnPosts, TaskData
from wbcs.config import ROOT
from wbcs.errors import InputError
from wbcs.labeling.select import rare_labels
from wbcs.labeling.turns import clean

WBCS = [sys.executable, "-m", "wbcs"]


def run(*args, cwd):
    return subprocess.run([*WBCS, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_rare_labels_are_those_under_the_bar_rarest_first():
    labelled = pd.DataFrame({"topic": ["data"] * 5 + ["roaming"] * 1 + ["payment"] * 2 + [None],
                             "intent": ["complaint"] * 9})
    assert rare_labels(labelled, ["topic", "intent"], below=3) == {"topic": ("roaming", "payment")}
    assert rare_labels(labelled, ["topic"], below=100) == {"topic": ("roaming", "payment", "data")}


def test_own_posts_are_checked_row_by_row_and_their_rejects_reported():
    df = pd.DataFrame({"post_id": ["a", "b", "c", "d"], "text": ["宽带断了", "", "漫游费太贵", "流量没了"],
                       "topic": ["broadband", "data", "roaming", None], "sentiment": ["negative", None, None, None]},
                      index=pd.RangeIndex(1, 5))  # as read_table numbers a file's rows (its source_row)
    own, rejects = OwnPosts.from_table(df, source="mine.csv")
    assert own.rows["post_id"].tolist() == ["a", "c"]
    assert rejects[["source_row", "reason"]].values.tolist() == [[2, "empty text"], [4, "no label"]]
    with pytest.raises(InputError, match=r"mine.csv: row 3, column 'topic': 'roam' is not a topic label"):
        OwnPosts.from_table(df.assign(topic=["broadband", "data", "roam", None]), source="mine.csv")
    with pytest.raises(InputError, match="needs a 'text' column and at least one of"):
        OwnPosts.from_table(df.drop(columns="text"), source="mine.csv")


def test_own_posts_join_the_training_part_only_and_never_beside_a_test_text():
    test = pd.DataFrame({"post_id": ["t1"], "text": ["国际漫游开通了还是不能用，在日本打不了电话"], "label": ["roaming"],
                         "kind": ["first_post"], "group": ["d1"], "sampled": [True]})
    train = test.assign(post_id="g1", text="宽带又断了三天没人修", label="broadband", group="d2")
    task = TaskData("gold_topic", "topic", "topics", train, test)
    own, _ = OwnPosts.from_table(pd.DataFrame({
        "post_id": ["x", "y", "z"], "text": ["话费多扣了三十元", "国际漫游开通了还是不能用，在日本打不了电话！", "短信"],
        "topic": ["billing", "roaming", None], "sentiment": [None, None, "neutral"]}), source="mine.csv")
    added = own.into(task)
    assert len(added.test) == 1 and added.test.equals(task.test)
    new = added.train.iloc[1:]
    assert new[["post_id", "label", "kind", "group", "sampled"]].values.tolist() == [
        ["own:x", "billing", "first_post", "own:x", False]]  # y is a near duplicate of the test post; z has no topic
    assert "1 own labelled post(s) of mine.csv added to the training part (1 left out as near duplicates" in added.notes[-1]
    assert added.sources[-1]["role"] == "a team's own labelled posts: 1 added to the training part"


def test_random_choice_is_seeded_and_a_bad_posts_file_is_one_line(tmp_path):
    from wbcs.labeling.select import choose_posts

    pool = pd.DataFrame({"item_id": [f"p{i}" for i in range(20)], "text": [f"第{i}条" for i in range(20)]})
    a, b = (choose_posts(pool, 5, strategy="random", seed=3) for _ in range(2))
    assert a["item_id"].tolist() == b["item_id"].tolist() and len(set(a["item_id"])) == 5
    assert (a["reason"] == "random").all() and a.attrs["rare"] == {}
    with pytest.raises(InputError, match="strategy 'smart'"):
        choose_posts(pool, 5, strategy="smart")
    missing = run("label", "sample-posts", "--posts", tmp_path / "none.csv", "--out", tmp_path / "s.csv", cwd=tmp_path)
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1 and "no such file" in missing.stderr
    export = tmp_path / "export.csv"
    # a raw export: 内容 and 发布时间 map to text and created_at; the row without text is rejected, and said
    export.write_text("内容,发布时间\n宽带又断了,2024-05-01 10:00\n,2024-05-01 11:00\n漫游费太贵了,2024-05-02 09:00\n",
                      encoding="utf-8")
    ok = run("label", "sample-posts", "--posts", export, "--strategy", "random", "--size", 5, "--out",
             tmp_path / "s.csv", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "1 row(s) rejected" in ok.stderr
    assert len(pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")) == 2  # every post with a text


def test_a_team_labels_its_own_posts_and_trains_with_them(tmp_path, mirror):
    ok = run("ingest", "data/examples/weibo_export.csv", "--out", tmp_path / "posts.parquet", "--export-time",
             "2024-05-04 21:30", cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    posts = tmp_path / "posts.parquet"
    sample = tmp_path / "sample.csv"
    ok = run("label", "sample-posts", "--posts", posts, "--size", 6, "--out", sample, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "looked for" in ok.stdout and "topic roaming" in ok.stdout and "chosen for:" in ok.stdout
    chosen = pd.read_csv(sample, encoding="utf-8-sig")
    assert len(chosen) == 6 and set(chosen["item_id"]) <= set(pd.read_parquet(posts)["post_id"])
    assert (chosen["drawn"] == "balanced").all()
    again = run("label", "sample-posts", "--posts", posts, "--size", 6, "--out", sample, cwd=tmp_path)
    assert again.returncode == 2 and "a sample is already there" in again.stderr

    ok = run("label", "batch-export", "--sample", sample, "--posts", posts, "--out", tmp_path / "batches", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    items = [json.loads(line) for line in (tmp_path / "batches" / "batch_001.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [i["item_id"] for i in items] == chosen["item_id"].tolist()
    assert not any("13800000000" in i["text"] for i in items)  # annotators read masked texts
    store = tmp_path / "mine.sqlite"
    for annotator in ("ann1", "ann2"):
        with open(tmp_path / f"{annotator}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["item_id", "sentiment", "intent", "topic", "negative_subtype", "identifiable"])
            for k, item in enumerate(items):
                topic = "billing" if annotator == "ann2" and k == 0 else "service"
                w.writerow([item["item_id"], "negative", "complaint", topic, "concrete_complaint", "no"])
        ok = run("label", "import", tmp_path / f"{annotator}.csv", "--annotator", annotator, "--sample", sample,
                 "--store", store, cwd=tmp_path)
        assert ok.returncode == 0, ok.stderr
    ok = run("label", "disagreements", "--sample", sample, "--store", store, "--posts", posts, "--out",
             tmp_path / "adj.csv", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    queue = pd.read_csv(tmp_path / "adj.csv", encoding="utf-8-sig")
    assert queue[["item_id", "field", "label_ann1", "label_ann2"]].values.tolist() == [
        [items[0]["item_id"], "topic", "service", "billing"]]
    assert queue["text"].iloc[0].lstrip("'") == items[0]["text"]
    queue.assign(value="broadband")[["item_id", "field", "value"]].to_csv(tmp_path / "ruled.csv", index=False)
    ok = run("label", "import", tmp_path / "ruled.csv", "--annotator", "adjudicator", "--sample", sample, "--store",
             store, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    gold = tmp_path / "gold.csv"  # named as the project's own gold file: the card must still tell them apart
    ok = run("label", "consensus", "--sample", sample, "--store", store, "--posts", posts, "--out", gold, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    labels = pd.read_csv(gold, encoding="utf-8-sig").set_index("post_id")
    assert labels.loc[items[0]["item_id"], "topic"] == "broadband" and (labels["topic"] == "service").sum() == 5
    assert labels.loc[items[0]["item_id"], "text"].lstrip("'") == items[0]["text"]  # ' keeps a cell from being a formula

    ok = run("train", "--task", "default", "--add", gold, "--config", "lr C=4", "--max-train", 5000, "--budget", 5,
             "--fields", "topic", "--keep", "models/wbcs-default/11", "--out", tmp_path / "m" / "1", cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert "6 labelled post(s) of" in ok.stdout + ok.stderr
    # the fields kept from --keep are said to be kept, not printed as if chosen and refitted here
    assert "train: sentiment: carried over unchanged from wbcs-default/11 (not retrained" in ok.stdout
    card = json.loads((tmp_path / "m" / "1" / "card.json").read_text(encoding="utf-8"))
    topic = card["fields"]["topic"]
    assert topic["train_rows"] == 1572 + 6 and topic["test_rows"] == 392  # the fixed test part is unchanged
    assert any(d.get("role", "").startswith("a team's own labelled posts: 6 added") for d in topic["data"])
    limits = " ".join(card["limits"])
    assert "1,964 STC-3 telecom first posts" in limits and (
        f"a team's own labelled posts ({gold}: 6 rows), added to the training part as telecom first posts where they "
        "have the field's label: topic learnt 6 of them; sentiment, intent, negative_subtype (carried over unchanged "
        "from wbcs-default/11) did not learn from them") in limits
    bad = run("train", "--task", "topic", "--add", gold, "--out", tmp_path / "m" / "2", cwd=ROOT)
    assert bad.returncode == 2 and "use it with --task default" in bad.stderr


def test_likely_label_errors_of_a_teams_own_labels_read_its_texts(tmp_path):
    complaints, thanks = TEAM_COMPLAINTS, TEAM_THANKS
    export = tmp_path / "export.csv"
    export.write_text(team_export(), encoding="utf-8")
    ok = run("ingest", export, "--out", tmp_path / "posts.parquet", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    posts = pd.read_parquet(tmp_path / "posts.parquet")
    ids = dict(zip(posts["text"], posts["post_id"], strict=True))
    pd.DataFrame({"item_id": posts["post_id"], "fields": "sentiment"}).to_csv(tmp_path / "sample.csv", index=False)
    labels = pd.DataFrame({"item_id": [ids[t] for t in complaints + thanks],
                           "sentiment": ["negative"] * 8 + ["positive"] * 7 + ["negative"]})  # the last one is wrong
    labels.to_csv(tmp_path / "ann1.csv", index=False)
    store = tmp_path / "mine.sqlite"
    ok = run("label", "import", tmp_path / "ann1.csv", "--annotator", "ann1", "--sample", tmp_path / "sample.csv",
             "--store", store, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    ok = run("label", "issues", "--store", store, "--annotator", "ann1", "--field", "sentiment", "--folds", 3,
             "--posts", tmp_path / "posts.parquet", "--text", "--out", tmp_path / "issues.csv", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    found = pd.read_csv(tmp_path / "issues.csv", encoding="utf-8-sig")
    top = found.iloc[0]
    assert top["item_id"] == ids[thanks[-1]] and top["given"] == "negative" and top["suggested"] == "positive"
    assert top["text"] == clean(thanks[-1]) and len(found) == 16  # the text annotators read: normalised, masked


def test_no_label_command_writes_over_an_input_and_formula_shaped_ids_survive(tmp_path):
    """Post ids a spreadsheet would run (=, +, -, @) are written with a leading ' and read back without it, from
    sample-posts to batch-export, import and consensus; --out is never an input (the sample, the posts, the
    store); consensus says what to do with the disputed items."""
    export = tmp_path / "export.csv"
    texts = ["宽带又断了", "漫游费太贵了", "话费多扣了", "信号太差", "谢谢客服", "流量没了"]
    export.write_text("内容,发布时间\n" + "".join(f"{t},2024-05-0{i + 1} 10:00\n" for i, t in enumerate(texts)),
                      encoding="utf-8")
    assert run("ingest", export, "--out", tmp_path / "in.parquet", cwd=tmp_path).returncode == 0
    ids = ['=HYPERLINK("x")', "+SUM(1)", "@x", "-1", "p5", "p6"]
    pd.read_parquet(tmp_path / "in.parquet").assign(post_id=ids).to_parquet(tmp_path / "posts.parquet")
    posts, sample, store = tmp_path / "posts.parquet", tmp_path / "sample.csv", tmp_path / "mine.sqlite"
    ok = run("label", "sample-posts", "--posts", posts, "--strategy", "random", "--size", 6, "--out", sample,
             cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "'@x" in sample.read_text(encoding="utf-8-sig")  # no cell we write runs as a formula
    ok = run("label", "batch-export", "--sample", sample, "--posts", posts, "--out", tmp_path / "b", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr  # was: post id "'@x" is not among the posts
    with open(tmp_path / "b" / "batch_001.labels.csv", newline="", encoding="utf-8-sig") as f:
        template = list(csv.DictReader(f))
    for annotator in ("ann1", "ann2"):
        with open(tmp_path / f"{annotator}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(template[0]))
            w.writeheader()
            for k, row in enumerate(template):
                sentiment = "positive" if annotator == "ann2" and k == 0 else "neutral"
                w.writerow(row | {"sentiment": sentiment, "intent": "other", "topic": "other", "identifiable": "no"})
        ok = run("label", "import", tmp_path / f"{annotator}.csv", "--annotator", annotator, "--sample", sample,
                 "--store", store, cwd=tmp_path)
        assert ok.returncode == 0 and "recorded 24 labels" in ok.stdout, ok.stdout + ok.stderr
    before = {p: p.read_bytes() for p in (sample, posts)}
    refused = [
        ("consensus", "--sample", sample, "--store", store, "--out", sample),
        ("consensus", "--sample", sample, "--store", store, "--posts", posts, "--out", posts),
        ("disagreements", "--sample", sample, "--store", store, "--posts", posts, "--out", posts),
        ("disagreements", "--sample", sample, "--store", store, "--out", sample),
        ("issues", "--store", store, "--annotator", "ann1", "--posts", posts, "--out", posts),
    ]
    for args in refused:
        r = run("label", *args, cwd=tmp_path)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
        assert "writing it would destroy the input" in r.stderr, r.stderr
    assert {p: p.read_bytes() for p in (sample, posts)} == before
    gold = tmp_path / "gold.csv"
    ok = run("label", "consensus", "--sample", sample, "--store", store, "--posts", posts, "--out", gold, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "unresolved items: 1 disputed" in ok.stdout and "wbcs label disagreements" in ok.stdout
    assert "--annotator adjudicator" in ok.stdout and f"--posts {posts}" in ok.stdout  # what to do next
    from wbcs.labeling.store import read_records

    disputed = read_records(tmp_path / "b" / "batch_001.labels.csv")[0]["item_id"]  # the template's first, as it was
    assert disputed in ids and template[0]["item_id"] in (disputed, "'" + disputed)
    assert sorted(r["post_id"] for r in read_records(gold)) == sorted(set(ids) - {disputed})


def test_sample_posts_masks_a_phone_number_in_the_posts_file_name(tmp_path):
    """The sample's source column names the posts file: a phone number in that name is masked like every cell we
    write, the post ids stay as they are (an old Weibo mid has a mobile number's shape) and the next step reads
    the sample as before."""
    export = tmp_path / "客户13812345678.csv"
    export.write_text("post_id,内容,发布时间\n13900001111,宽带又断了,2024-05-01 10:00\n"
                      "p2,漫游费太贵了,2024-05-02 09:00\n", encoding="utf-8")
    sample = tmp_path / "s.csv"
    ok = run("label", "sample-posts", "--posts", export, "--strategy", "random", "--size", 2, "--out", sample,
             cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    text = sample.read_text(encoding="utf-8-sig")
    assert "13812345678" not in text and "138****5678" in text
    chosen = pd.read_csv(sample, encoding="utf-8-sig", dtype=str)
    assert sorted(chosen["item_id"]) == ["13900001111", "p2"] and (chosen["source"] == "客户138****5678.csv").all()
    ok = run("label", "batch-export", "--sample", sample, "--posts", export, "--out", tmp_path / "b", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    items = [json.loads(x) for x in (tmp_path / "b" / "batch_001.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(i["item_id"] for i in items) == ["13900001111", "p2"]
