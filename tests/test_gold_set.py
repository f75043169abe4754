"""The committed gold set (data/labels): consistent with the taxonomy and the guidelines, reproducible from
the committed passes with the real CLI, its agreement figures in data/labels/README.md, its ids real STC-3
dialogues and no texts committed."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.config import DATA_DIR
from wbcs.schema import load_taxonomy

LABELS = DATA_DIR / "labels"
FIELDS = ["sentiment", "intent", "topic", "negative_subtype", "identifiable"]


@pytest.fixture(scope="module")
def gold() -> pd.DataFrame:
    return pd.read_csv(LABELS / "gold.csv", dtype=str, keep_default_na=False)


def test_gold_covers_the_sample_in_the_full_schema(gold):
    sample = pd.concat([pd.read_csv(LABELS / f, dtype=str) for f in ("gold_sample.csv", "gold_sample_2.csv")])
    assert len(gold) == 1964 and gold["post_id"].is_unique  # every telecom first post of STC-3
    assert set(gold["post_id"]) == set(sample["post_id"])
    assert list(gold.columns) == ["post_id", *FIELDS]
    tax = load_taxonomy()
    for field in FIELDS:
        values = gold[field][gold[field] != ""]
        assert set(values) <= set(tax.ids(field)), field
    negative = gold["sentiment"] == "negative"
    assert (gold.loc[negative, "negative_subtype"] != "").all()  # a subtype for every negative post
    assert (gold.loc[~negative, "negative_subtype"] == "").all()  # and only for them
    assert (gold[["sentiment", "intent", "topic", "identifiable"]] != "").all().all()
    # guidelines §4: a complaint is negative, praise is positive
    assert (gold.loc[gold["intent"] == "complaint", "sentiment"] == "negative").all()
    assert (gold.loc[gold["intent"] == "praise", "sentiment"] == "positive").all()


def test_no_post_text_is_committed():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for path in [LABELS / "gold.csv", *sorted((LABELS / "passes").rglob("*"))]:
        if path.is_file():
            assert not cjk.search(path.read_text(encoding="utf-8")), f"{path} holds Chinese text"


def test_gold_turns_are_consistent_and_cover_their_samples():
    turns = pd.read_csv(LABELS / "gold_turns.csv", dtype=str, keep_default_na=False)
    samples = pd.concat([pd.read_csv(f, dtype=str) for f in sorted(LABELS.glob("turns_sample*.csv"))])
    assert list(turns.columns) == ["item_id", "sentiment", "intent", "negative_subtype"]
    assert set(turns["item_id"]) == set(samples["item_id"]) and len(turns) == 4642
    negative = turns["sentiment"] == "negative"
    assert (turns.loc[negative, "negative_subtype"] != "").all() and (turns.loc[~negative, "negative_subtype"] == "").all()
    # guidelines v1.3 §1: complaint <=> negative, praise => positive
    assert ((turns["intent"] == "complaint") == negative).all()
    assert (turns.loc[turns["intent"] == "praise", "sentiment"] == "positive").all()


@pytest.mark.slow
def test_passes_rebuild_into_the_same_gold_sets_and_the_readme_figures(tmp_path, gold):
    store = tmp_path / "store.sqlite"
    r = run_cli("label", "rebuild", "--passes", str(LABELS / "passes"), "--store", str(store))
    assert r.returncode == 0, r.stderr
    assert set(p.name for p in (LABELS / "passes").iterdir() if p.is_dir()) >= {"ann1", "ann2", "adjudicator"}

    out = tmp_path / "gold.csv"
    r = run_cli("label", "consensus", "--store", str(store), "--out", str(out))
    assert r.returncode == 0 and "unresolved items: none" in r.stdout, r.stdout + r.stderr
    rebuilt = pd.read_csv(out, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(rebuilt.sort_values("post_id").reset_index(drop=True),
                                  gold.sort_values("post_id").reset_index(drop=True))
    turns = tmp_path / "gold_turns.csv"
    r = run_cli("label", "consensus", "--store", str(store), "--out", str(turns),
                "--sample", *map(str, sorted(LABELS.glob("turns_sample*.csv"))))
    assert r.returncode == 0 and "unresolved items: none" in r.stdout, r.stdout + r.stderr
    key = ["item_id"]
    pd.testing.assert_frame_equal(
        pd.read_csv(turns, dtype=str, keep_default_na=False).sort_values(key).reset_index(drop=True),
        pd.read_csv(LABELS / "gold_turns.csv", dtype=str, keep_default_na=False).sort_values(key).reset_index(drop=True))

    readme = (LABELS / "README.md").read_text(encoding="utf-8")
    # README rows: | sample | field | n | agreement | kappa | alpha | (3 decimals of the exact values;
    # the JSON gives 4, so compare within half a unit of the third decimal instead of re-rounding)
    table = {(m[0], m[1]): (int(m[2]), *map(float, m[3:]))
             for m in re.findall(r"^\| (\w+) \| (\w+) \| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$",
                                 readme, flags=re.M)}
    for sample in ["gold_sample", "gold_sample_2", "turns_sample_test", "turns_sample_train_1", "turns_sample_train_2",
                   "turns_sample_train_3", "turns_sample_train_4"]:
        r = run_cli("label", "agreement", "--store", str(store), "--sample", str(LABELS / f"{sample}.csv"), "--json")
        assert r.returncode == 0, r.stderr
        for field, a in json.loads(r.stdout).items():
            if not a["n"]:
                continue  # turns have no topic or identifiable
            got = (a["n"], a["agreement"], a["kappa"], a["alpha"])
            assert (sample, field) in table, f"README.md has no row for {sample} / {field}: {got}"
            row = table[sample, field]
            assert row[0] == got[0] and all(abs(x - y) <= 0.00051 for x, y in zip(row[1:], got[1:], strict=True)), \
                f"README.md lacks the current figures for {sample} / {field}: {row} vs {got}"


def test_gold_ids_are_real_stc3_training_dialogues(mirror, gold):
    from wbcs.classify.tasks import load_gold

    df = load_gold(LABELS / "gold.csv")
    assert len(df) == len(gold) and df["text"].str.len().gt(0).all()


def test_triage_identifiable_rule_against_the_gold_labels(mirror):
    """identifiable is decided by a rule (a phone number in the text), not learnt: measured on the gold
    set at kappa 0.63 (misses self-masked numbers and account ids, counts staff numbers)."""
    from sklearn.metrics import cohen_kappa_score

    from wbcs.classify.tasks import load_gold
    from wbcs.text import has_phone

    df = load_gold(LABELS / "gold.csv")
    rule = df["text"].map(has_phone).map({True: "yes", False: "no"})
    assert cohen_kappa_score(df["identifiable"], rule) > 0.55


def test_the_distillation_pool_is_unlabelled_training_turns(mirror):
    from wbcs.errors import InputError
    from wbcs.goldset import PARTS_FILE, load_gold_items, part_of, read_parts, unlabelled_turns

    pool = unlabelled_turns()
    # telecom first posts and first posts to other accounts: all gold
    assert len(pool) == 1889 and set(pool["kind"]) == {"follow_up"}
    assert not set(pool["item_id"]) & set(load_gold_items()["item_id"])
    assert (part_of(pool["item_id"], read_parts(PARTS_FILE)) == "train").all()  # no test dialogue's turn
    assert pool["text"].str.strip().ne("").all()
    with pytest.raises(InputError, match="part 'dev': use train or test"):
        unlabelled_turns("dev")


def test_only_the_training_turns_chosen_by_sampling_are_not_random_draws_of_their_kind(mirror):
    """The telecom first posts are a census, the test part's turns all of its dialogues', the training part's first
    posts to other accounts all of them (the third round took every one the first two left), and the fourth round's
    later messages a random draw (its sample says so: column drawn); the first two rounds' later messages were
    chosen by uncertainty sampling (turns_sample_train_1/2.csv), so they teach no share correction."""
    from wbcs.classify.tasks import load_task, unsampled_kinds
    from wbcs.goldset import unlabelled_turns

    task = load_task("gold_intent")
    train, test = task.train, task.test
    assert test["sampled"].all()
    assert train.loc[train["kind"].isin(["first_post", "other_first_post"]), "sampled"].all()
    fourth = pd.read_csv(LABELS / "turns_sample_train_4.csv", dtype=str)
    assert (fourth["drawn"] == "random").all() and (fourth["kind"] == "follow_up").all()
    follow = train[train["kind"] == "follow_up"]
    assert (follow["sampled"] == follow["post_id"].isin(set(fourth["item_id"]))).all()
    assert 500 < follow["sampled"].sum() <= 600
    assert unsampled_kinds(train) == ["follow_up"]
    assert set(unlabelled_turns()["kind"]) == {"follow_up"}  # what makes other_first_post a census
    sample_ids = set(pd.concat([pd.read_csv(LABELS / f"turns_sample_train_{i}.csv") for i in (1, 2)])["item_id"].astype(str))
    assert set(train.loc[~train["sampled"], "post_id"]) <= sample_ids
