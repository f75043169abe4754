"""Customer turns as labelling items, the fixed test part, and labels for a subset of the fields."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.config import DATA_DIR
from wbcs.errors import InputError
from wbcs.goldset import customer_turns, dialogue_of, part_of, read_parts
from wbcs.labeling.agreement import consensus, resolve
from wbcs.labeling.batch import read_annotations, sample_fields
from wbcs.labeling.turns import fix_test_part, turn_items

LABELS = DATA_DIR / "labels"


def _dialogues() -> pd.DataFrame:
    return pd.DataFrame({
        "post_id": ["100", "200"], "telecom": [True, False], "operator": ["china_unicom", None],
        "first_nugget": ["CNUG0", "CNaN"],
        "thread": ["customer: 宽带断了 电话13812345678\nhelpdesk: 请私信号码\ncustomer: 已私信\nhelpdesk: 已处理\n"
                   "customer: 好的谢谢",
                   "customer: 快递丢了\nhelpdesk: 抱歉\ncustomer: 什么时候赔?"],
    })


def test_customer_turns_keep_the_dialogue_id_for_first_posts():
    turns = customer_turns(_dialogues())
    assert turns["item_id"].tolist() == ["100", "100_t2", "100_t4", "200", "200_t2"]
    assert turns["kind"].tolist() == ["first_post", "follow_up", "follow_up", "first_post", "follow_up"]
    assert turns["text"].tolist()[2] == "好的谢谢"
    assert [dialogue_of(i) for i in turns["item_id"]] == ["100", "100", "100", "200", "200"]


def test_turn_items_show_before_and_after_masked():
    items = turn_items(_dialogues(), ["100_t2", "100"])
    first = items.iloc[1]
    assert first["before"] == [] and "138****5678" in first["text"] and "13812345678" not in first["text"]
    later = items.iloc[0]
    assert later["text"] == "已私信" and [t["sender"] for t in later["before"]] == ["customer", "helpdesk"]
    assert [t["text"] for t in later["after"]] == ["已处理", "好的谢谢"]
    with pytest.raises(InputError, match="no customer turn 1"):
        turn_items(_dialogues(), ["100_t1"])  # a helpdesk turn
    with pytest.raises(InputError, match="dialogue 999"):
        turn_items(_dialogues(), ["999_t2"])


def test_test_part_is_stratified_seeded_and_grouped():
    d = pd.DataFrame({"post_id": [str(i) for i in range(100)], "telecom": [i < 60 for i in range(100)],
                      "operator": ["a"] * 100, "first_nugget": ["CNUG0"] * 100})
    parts = fix_test_part(d, frac=0.2, seed=3)
    test = parts[parts["part"] == "test"]["dialogue_id"].astype(int)
    assert len(test) == 20 and (test < 60).sum() == 12  # 20 % of each stratum: 12 of 60, 8 of 40
    assert parts.equals(fix_test_part(d, frac=0.2, seed=3))
    assert part_of(["5_t3", "5"], parts).nunique() == 1  # every turn of a dialogue in its dialogue's part
    with pytest.raises(InputError, match="between 0 and 1"):
        fix_test_part(d, frac=1.5)


def test_annotations_of_turns_carry_only_their_fields(tmp_path):
    known = {"100": ("sentiment", "intent", "topic", "negative_subtype", "identifiable"),
             "100_t2": ("sentiment", "intent"), "100_t4": ("sentiment", "intent")}
    good = tmp_path / "turns.csv"
    good.write_text("item_id,sentiment,intent\n100_t2,neutral,other\n100_t4,positive,praise\n", encoding="utf-8")
    rows = read_annotations(good, known_ids=known)
    assert {(r["item_id"], r["field"], r["value"]) for r in rows} == {
        ("100_t2", "sentiment", "neutral"), ("100_t2", "intent", "other"),
        ("100_t4", "sentiment", "positive"), ("100_t4", "intent", "praise")}
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("item_id,sentiment,intent\n100_t2,neutral,other\n100,negative,complaint\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2 \(item 100\): this item is labelled for sentiment, intent, topic"):
        read_annotations(mixed, known_ids=known)
    wide = tmp_path / "wide.csv"
    wide.write_text("item_id,sentiment,intent,topic,negative_subtype,identifiable\n100_t2,neutral,other,other,,no\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="unknown column 'topic'"):
        read_annotations(wide, known_ids=known)


def test_consensus_of_turns_resolves_only_their_fields():
    cur = pd.DataFrame([
        {"item_id": "100_t2", "field": f, "value": v, "annotator": a, "labelled_at": "t"}
        for a in ("ann1", "ann2") for f, v in (("sentiment", "neutral"), ("intent", "other"))
    ] + [{"item_id": "100_t4", "field": "sentiment", "value": "positive", "annotator": a, "labelled_at": "t"}
         for a in ("ann1", "ann2")]
      + [{"item_id": "100_t4", "field": "intent", "value": v, "annotator": a, "labelled_at": "t"}
         for a, v in (("ann1", "praise"), ("ann2", "other"))])
    fields_for = {"100_t2": ("sentiment", "intent"), "100_t4": ("sentiment", "intent")}
    resolved = resolve(cur, fields_for=fields_for)
    assert len(resolved) == 4  # two fields of two items, nothing about topic or identifiable
    assert resolved.set_index(["item_id", "field"]).loc[("100_t4", "intent"), "status"] == "disputed"
    gold = consensus(resolved, fields=("sentiment", "intent"), id_col="item_id")
    assert gold.to_dict("records") == [{"item_id": "100_t2", "sentiment": "neutral", "intent": "other"}]
    assert gold.attrs["unresolved"] == {"disputed": 1}


def test_the_committed_test_part_and_turn_sample(mirror):
    parts = read_parts(LABELS / "split.csv")
    assert len(parts) == 3697 and (parts["part"] == "test").sum() == 739  # 20 % of the dated dialogues
    test_turns = sample_fields(LABELS / "turns_sample_test.csv")
    assert set(test_turns.values()) == {("sentiment", "intent", "negative_subtype")}
    assert (part_of(list(test_turns), parts) == "test").all()  # the turn sample of the test part is all test
    # the telecom first posts of the test dialogues are labelled in the full schema by the gold samples
    posts = sample_fields([LABELS / "gold_sample.csv", LABELS / "gold_sample_2.csv"])
    in_test = part_of(list(posts), parts) == "test"
    assert in_test.sum() == 392 and not set(posts) & set(test_turns)


def test_cli_turns_from_sample_to_consensus(tmp_path, mirror):
    parts = tmp_path / "split.csv"
    assert run_cli("label", "split", "--out", str(parts), "--test-frac", "0.02", "--seed", "1").returncode == 0
    r = run_cli("label", "split", "--out", str(parts))
    assert r.returncode == 2 and "never redrawn" in r.stderr
    sample = tmp_path / "turns_sample_r.csv"
    r = run_cli("label", "sample-turns", "--part", "train", "--size", "6", "--parts", str(parts),
                "--out", str(sample), "--seed", "2", "--include-committed")
    assert r.returncode == 0, r.stderr
    ids = list(sample_fields(sample))
    assert len(ids) == 6 and (part_of(ids, read_parts(parts)) == "train").all()
    out = tmp_path / "batches"
    r = run_cli("label", "batch-export", "--sample", str(sample), "--out", str(out), "--size", "10")
    assert r.returncode == 0, r.stderr
    item = json.loads((out / "batch_001.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert set(item) == {"item_id", "operator", "kind", "before", "text", "after"}
    template = pd.read_csv(out / "batch_001.labels.csv", dtype=str)
    assert list(template.columns) == ["item_id", "sentiment", "intent", "negative_subtype"]
    store = tmp_path / "store.sqlite"
    for ann, intent in (("ann1", "other"), ("ann2", "consultation")):
        filled = template.assign(sentiment="neutral", intent=["other"] * 5 + [intent])
        f = tmp_path / f"{ann}.csv"
        filled.to_csv(f, index=False)
        r = run_cli("label", "import", str(f), "--annotator", ann, "--store", str(store), "--sample", str(sample))
        assert r.returncode == 0 and "recorded 12 labels" in r.stdout, r.stdout + r.stderr
    r = run_cli("label", "agreement", "--store", str(store), "--sample", str(sample), "--json")
    agree = json.loads(r.stdout)
    assert agree["sentiment"]["n"] == 6 and agree["intent"]["agreement"] == pytest.approx(5 / 6, abs=1e-4)
    assert agree["topic"]["n"] == 0
    gold = tmp_path / "gold_turns.csv"
    r = run_cli("label", "consensus", "--store", str(store), "--sample", str(sample), "--out", str(gold))
    assert r.returncode == 0 and "unresolved items: 1 disputed" in r.stdout, r.stdout + r.stderr
    assert list(pd.read_csv(gold).columns) == ["item_id", "sentiment", "intent", "negative_subtype"] and len(pd.read_csv(gold)) == 5


def test_cli_sample_turns_of_one_kind_takes_what_is_left(tmp_path, mirror):
    """--kind other_first_post with a size above the pool: every training first post to a non-telecom account
    not sampled yet (a census of the kind, with what earlier samples hold); its batches are strict JSON."""
    from wbcs.datasets import load_stc3

    parts = tmp_path / "split.csv"
    assert run_cli("label", "split", "--out", str(parts), "--test-frac", "0.02", "--seed", "1").returncode == 0
    some = tmp_path / "some.csv"
    assert run_cli("label", "sample-turns", "--part", "train", "--kind", "other_first_post", "--size", "7",
                   "--parts", str(parts), "--out", str(some), "--include-committed").returncode == 0
    rest = tmp_path / "rest.csv"
    r = run_cli("label", "sample-turns", "--part", "train", "--kind", "other_first_post", "--size", "100000",
                "--parts", str(parts), "--exclude", str(some), "--out", str(rest), "--seed", "3", "--include-committed")
    assert r.returncode == 0, r.stderr
    with pytest.warns(UserWarning, match="left out"):  # 3 undated dialogues: in no sample
        turns = customer_turns(load_stc3(telecom_only=False, split=None))
    turns = turns[(turns["kind"] == "first_post") & ~turns["telecom"].astype(bool) & turns["text"].str.strip().ne("")]
    train = turns[part_of(turns["item_id"], read_parts(parts)).to_numpy() == "train"]
    drawn = [*pd.read_csv(some, dtype=str)["item_id"], *pd.read_csv(rest, dtype=str)["item_id"]]
    assert len(drawn) == len(set(drawn)) == len(train) > 900 and set(drawn) == set(train["item_id"])
    # named as --kind, wbcs train and the gold set name them: these are first posts to other accounts
    assert f"(other_first_post {len(drawn) - 7})" in r.stdout and "follow_up" not in r.stdout
    assert set(pd.read_csv(rest, dtype=str)["kind"]) == {"other_first_post"}
    # nothing left: said, exit 2, no file
    empty = tmp_path / "empty.csv"
    r = run_cli("label", "sample-turns", "--part", "train", "--kind", "other_first_post", "--parts", str(parts),
                "--exclude", str(some), str(rest), "--out", str(empty), "--include-committed")
    assert r.returncode == 2 and "no customer turn left to sample" in r.stderr and "nothing was written" in r.stderr
    assert not empty.exists()
    out = tmp_path / "batches"
    assert run_cli("label", "batch-export", "--sample", str(some), "--out", str(out)).returncode == 0

    def no_nan(name):
        raise AssertionError(f"{name} in a batch file")

    items = [json.loads(line, parse_constant=no_nan) for line in (out / "batch_001.jsonl").read_text("utf-8").splitlines()]
    assert len(items) == 7 and all(i["operator"] is None and i["kind"] == "first_post" for i in items)


def test_balanced_selection_finds_the_rare_class_first():
    from wbcs.labeling.select import balanced_turns

    labelled = pd.DataFrame({
        "text": ["宽带又断了太差了"] * 12 + ["信号还是没有"] * 12 + ["请问怎么办理套餐"] * 3 + ["谢谢你们"] * 3,
        "intent": ["complaint"] * 24 + ["consultation"] * 3 + ["praise"] * 3,
        "sentiment": ["negative"] * 24 + ["neutral"] * 3 + ["positive"] * 3})
    pool = pd.DataFrame({"item_id": [f"{i}_t2" for i in range(40)],
                         "text": ["网络太差了又断了"] * 36 + ["请问这个套餐怎么办理", "谢谢你们帮忙", "请问在哪里办理", "太感谢了谢谢"]})
    rare = {"intent": ("consultation", "praise")}
    chosen = balanced_turns(pool, 8, labelled=labelled, seed=0, rare=rare)
    assert len(chosen) == 8 and chosen["item_id"].is_unique
    picked = chosen.set_index("item_id")["reason"]
    # half the budget (4) goes round-robin to the rare classes: the four rare-looking turns
    assert set(picked[picked.str.startswith("rare:")].index) == {"36_t2", "37_t2", "38_t2", "39_t2"}
    assert (picked == "uncertain").sum() == 2 and (picked == "random").sum() == 2
    assert balanced_turns(pool, 8, labelled=labelled, seed=0, rare=rare).equals(chosen)  # seeded
