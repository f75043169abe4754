"""Tasks on the real data, the gold-set path of the shipped model, user tables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import wbcs.classify.tasks as tasks
from wbcs.errors import InputError


def test_task_from_table_reports_unusable_rows():
    texts = ["信号太差了打不了电话", None, "宽带又断了三天", "话费多扣了五十元", "  ", "流量用超了没提醒",
             "套餐变更很麻烦", None, "客服态度非常好", "国际漫游怎么开通", "  ", "充值以后还是停机",
             "营业厅排队两小时", None, "骚扰电话太多了", "新手机一周就坏", "  ", "携号转网被拒绝"]
    df = pd.DataFrame({"text": texts, "mood": ["pos", "pos", "neg", None, "neu", "pos"] * 3},
                      index=pd.RangeIndex(1, 19, name="source_row"))
    task, rejects = tasks.task_from_table(df, "mood", source="f.csv")
    # per block of 6: row 2 (no text), row 4 (no label), row 5 (blank text) → 3 × 3 rejects
    assert len(rejects) == 9 and rejects["source_row"].tolist()[:3] == [2, 4, 5]
    assert rejects["reason"].tolist()[:3] == ["empty text", "empty label", "empty text"]
    assert len(task.train) + len(task.test) == 9 and set(task.train["label"]) <= {"pos", "neg"}
    with pytest.raises(InputError, match="at least 2 different labels"):
        tasks.task_from_table(df.assign(mood="pos"), "mood", source="f.csv")
    with pytest.raises(InputError, match="no column 'label'"):
        tasks.task_from_table(df, "mood", label_col="label", source="f.csv")


def test_unknown_task():
    with pytest.raises(InputError, match="unknown task 'nope'"):
        tasks.load_task("nope")


@pytest.mark.slow
def test_gold_set_adds_the_full_schema(mirror, tmp_path, monkeypatch):
    from wbcs import goldset
    from wbcs.classify.train import train_default
    from wbcs.datasets import load_stc3

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        posts = load_stc3(telecom_only=True).head(240)
    # a crafted gold set on real STC-3 ids (labels derived from the nuggets, for the plumbing only)
    complaint = posts["is_complaint"].fillna(False).to_numpy(dtype=bool)
    rng = np.random.default_rng(0)
    gold = pd.DataFrame({
        "post_id": posts["post_id"].to_numpy(),
        "sentiment": np.where(complaint, "negative", "neutral"),
        "intent": np.where(complaint, "complaint", "consultation"),
        "topic": rng.choice(["network", "billing", "broadband"], len(posts)),
        "negative_subtype": np.where(complaint, np.where(np.arange(len(posts)) % 3, "concrete_complaint",
                                                         "vague_negativity"), ""),
        "identifiable": np.where(posts["text"].str.contains(r"1\d{10}"), "yes", "no"),
    })
    path = tmp_path / "gold.csv"
    gold.to_csv(path, index=False)
    monkeypatch.setattr(tasks, "GOLD_FILE", path)
    monkeypatch.setattr(goldset, "GOLD_FILE", path)
    monkeypatch.setattr(goldset, "GOLD_TURNS_FILE", tmp_path / "no_turns.csv")  # first posts only
    assert tasks.default_tasks()["intent"] == "gold_intent"
    model = train_default(seed=0, max_train=300)
    assert {"sentiment", "intent", "topic", "negative_subtype"} == set(model.fields)  # complaint = intent
    assert model.card["fields"]["intent"]["data"][0]["rows"] == 240
    # the topic and subtype try data/synthetic/'s posts of the labels they have (topic: network, billing,
    # broadband; subtype: vague negativity), the intent none
    extras = {f: model.card["fields"][f].get("extra") for f in model.fields}
    written = {f: tasks.synthetic_rows(f).rows["label"] for f in ("topic", "negative_subtype")}
    assert extras["topic"]["name"] == "LLM-written topic posts"
    assert extras["topic"]["rows"] == written["topic"].isin(["network", "billing", "broadband"]).sum() > 0
    assert extras["negative_subtype"]["rows"] == (written["negative_subtype"] == "vague_negativity").sum() > 0
    assert extras["intent"] is None
    out = model.predict(posts["text"].head(20))
    assert set(out["intent"].dropna()) <= {"complaint", "consultation"}
    # negative_subtype only where the predicted sentiment is negative
    assert out.loc[out["sentiment"] != "negative", "negative_subtype"].isna().all()

    bad = gold.assign(post_id=["123"] + gold["post_id"].tolist()[1:])
    bad.to_csv(path, index=False)
    with pytest.raises(InputError, match="row 0, column 'post_id': '123' is not an STC-3"):
        tasks.load_gold(path)


def test_a_gold_models_limits_count_its_own_data():
    """The card's limits name what the model was given (rows per label file, rare-class and topic counts, the kinds
    not drawn at random), not the figures of an earlier gold set."""
    from wbcs.classify.train import _gold_limits

    def task(field, labels, kinds=None, sampled=None):
        train = pd.DataFrame({"post_id": [str(i) for i in range(len(labels))], "text": ["x"] * len(labels),
                              "label": labels})
        if kinds:
            train = train.assign(kind=kinds, sampled=sampled)
        return tasks.TaskData(f"gold_{field}", field, "", train, train.head(1),
                              [{"source": "data/labels/gold.csv", "sha256": "0", "rows": 12},
                               {"source": "data/labels/gold_turns.csv", "sha256": "0", "rows": 4321}])

    intent = task("intent", ["complaint"] * 5 + ["suggestion"] * 3, ["first_post"] * 4 + ["follow_up"] * 4,
                  [True] * 4 + [False] * 4)
    topic = task("topic", ["data"] * 7 + ["roaming"] * 2)
    subtype = task("negative_subtype", ["concrete_complaint"] * 4 + ["abuse"])
    text = " ".join(_gold_limits({"intent": intent, "topic": topic, "negative_subtype": subtype}))
    assert "12 STC-3 telecom first posts" in text and "4,321 customers' later messages" in text
    assert "Suggestions (3 training examples) and abuse (1)" in text and "(9 training posts, 2 to 7 per topic; where its cross-validation keeps them, also from posts a language model wrote" in text
    assert "the training part's later messages were chosen by active learning" in text
    intent.train["sampled"] = [True] * 4 + [False, True, True, True]
    assert "some of the training part's later messages were chosen by active learning: their corrections learn " \
           "from the rows drawn at random only" in " ".join(_gold_limits({"intent": intent}))
    intent.train["sampled"] = True
    assert "active learning" not in " ".join(_gold_limits({"intent": intent}))


def test_a_gold_task_lists_the_file_that_fixes_its_test_part(mirror):
    # the held-out figures of a gold model's card rest on data/labels/split.csv: its hash is one of the task's sources
    from wbcs.datasets import sha256
    from wbcs.goldset import PARTS_FILE

    task = tasks.TASKS["gold_intent"](0)
    split = [s for s in task.sources if s["source"] == "data/labels/split.csv"]
    assert split == [{"source": "data/labels/split.csv", "sha256": sha256(PARTS_FILE),
                      "role": "decides which dialogues are the held-out test part"}]
