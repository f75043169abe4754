"""The annotator widget driven headlessly (ipyevents key dicts, button clicks) and its controller."""

from __future__ import annotations

import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.labeling.controller import LabelingController
from wbcs.labeling.store import LabelStore
from wbcs.labeling.widget import Annotator, key_table, keymap
from wbcs.schema import load_taxonomy

TAX = load_taxonomy()


def key(k, **mods):
    """A keydown as ipyevents sends it."""
    return {"event": "keydown", "type": "keydown", "key": k, "code": "", "altKey": False,
            "ctrlKey": False, "metaKey": False, "shiftKey": False, "repeat": False, **mods}


ITEMS = pd.DataFrame({
    "item_id": ["a", "b", "c", "d"],
    "text": ["寬帶斷網三天了[怒] @中国联通客服 我的號碼１３８１２３４５６７８", "谢谢客服,很快就修好了#好评#",
             "请问国际漫游怎么开通", "垃圾公司"],
    "reply": ["您好,请私信", "", "您好", None],
    "context": [[{"sender": "customer", "text": "已私信 13912345678"}], [], [], []],
})


class KeywordModel:
    """A small rule model with the suggestion protocol (``predict_proba(texts) -> dict``)."""

    def predict_proba(self, texts):
        rows = {"sentiment": [], "intent": [], "topic": [], "negative_subtype": []}
        for t in texts:
            bad = any(w in t for w in ("断", "垃圾"))
            rows["sentiment"].append({"positive": 0.1, "neutral": 0.1, "negative": 0.8} if bad
                                     else {"positive": 0.2, "neutral": 0.7, "negative": 0.1})
            rows["intent"].append({"complaint": 0.9, "consultation": 0.1} if bad
                                  else {"complaint": 0.2, "consultation": 0.8})
            rows["topic"].append({"broadband": 0.6, "roaming": 0.4} if "宽带" in t
                                 else {"broadband": 0.3, "roaming": 0.7})
            rows["negative_subtype"].append({"concrete_complaint": 0.75, "abuse": 0.25})
        return {f: pd.DataFrame(v).fillna(0.0) for f, v in rows.items()}


@pytest.fixture
def store(tmp_path):
    with LabelStore(tmp_path / "labels.sqlite") as s:
        yield s


def _mine(store, annotator="ann1"):
    cur = store.current(annotator)
    return {(r.item_id, r.field): r.value for r in cur.itertuples()}


def test_every_label_has_a_distinct_hotkey_shown_on_its_button(store):
    keys = keymap(TAX)
    assert len(keys) == sum(len(f.labels) for f in TAX.fields.values()) == 26
    assert len(set(keys.values())) == 26
    view = Annotator(LabelingController(ITEMS, store, "ann1"))
    for k, (field, label) in keys.items():
        assert view.buttons[(field, label)].description.startswith(f"[{k}] ")


@pytest.mark.parametrize("k", sorted(keymap(TAX)))
def test_each_hotkey_records_its_label(store, k):
    field, label = keymap(TAX)[k]
    c = LabelingController(ITEMS, store, "ann1", auto_advance=False)
    view = Annotator(c)
    if field == "negative_subtype":
        view.handle_key(key("3"))  # the subtype applies once the post is negative
    view.handle_key(key(k.upper() if k.isalpha() else k, shiftKey=k.isalpha()))  # caps work too
    assert _mine(store)[("a", field)] == label
    assert view.buttons[(field, label)].button_style == "success"
    assert c.item_id == "a"


def test_every_label_button_records_its_label_by_mouse(store):
    for (field, label), _ in Annotator(LabelingController(ITEMS, store, "probe")).buttons.items():
        c = LabelingController(ITEMS, store, "ann1", auto_advance=False)
        c.goto("a")  # complete after a few labels: the session would resume at b
        view = Annotator(c)
        if field == "negative_subtype":
            view.buttons[("sentiment", "negative")].click()
        view.buttons[(field, label)].click()
        assert _mine(store)[("a", field)] == label, (field, label)


def test_complete_item_moves_on_and_progress_counts_labels(store):
    c = LabelingController(ITEMS, store, "ann1")
    view = Annotator(c)
    for k in "3" "w" "g" "4" "8":  # negative, complaint, broadband, concrete, not identifiable
        assert c.item_id == "a"
        view.handle_key(key(k))
    assert c.item_id == "b"  # moved on after the last open field
    assert view.bar.value == 1 and view.bar.max == 4
    assert "1/4 done" in view.counts.value and "negative 1" in view.counts.value
    # a neutral post needs no subtype: 4 keys complete it
    for k in "2qx8":
        view.handle_key(key(k))
    assert c.item_id == "c" and c.progress()["done"] == 2
    assert c.progress()["counts"]["negative_subtype"] == {"concrete_complaint": 1,
                                                          "vague_negativity": 0, "abuse": 0}


def test_subtype_is_refused_unless_negative_and_its_buttons_are_disabled(store):
    c = LabelingController(ITEMS, store, "ann1")
    view = Annotator(c)
    view.handle_key(key("1"))  # positive
    assert view.buttons[("negative_subtype", "abuse")].disabled
    view.handle_key(key("6"))
    assert ("a", "negative_subtype") not in _mine(store)
    assert "applies only when sentiment is negative" in view.status.value
    view.handle_key(key("3"))
    assert not view.buttons[("negative_subtype", "abuse")].disabled


def test_undo_and_redo_across_fields_and_items_by_key_and_button(store):
    c = LabelingController(ITEMS, store, "ann1")
    view = Annotator(c)
    for k in "3w" "g4" "8":  # item a complete → now on b
        view.handle_key(key(k))
    view.handle_key(key("1"))  # b: positive
    assert c.item_id == "b"
    view.handle_key(key("Backspace"))  # undo b's sentiment
    assert ("b", "sentiment") not in _mine(store) and c.item_id == "b"
    view.handle_key(key("z", ctrlKey=True))  # undo a's identifiable: the view goes back to a
    assert c.item_id == "a" and ("a", "identifiable") not in _mine(store)
    view.actions["undo"].click()  # a's subtype
    assert ("a", "negative_subtype") not in _mine(store)
    assert "undo: negative_subtype = concrete_complaint (a)" in view.status.value
    view.handle_key(key("Backspace", shiftKey=True))  # redo the subtype
    assert _mine(store)[("a", "negative_subtype")] == "concrete_complaint"
    view.handle_key(key("y", ctrlKey=True))  # redo identifiable
    view.handle_key(key("z", ctrlKey=True, shiftKey=True))  # redo b's sentiment
    assert _mine(store)[("b", "sentiment")] == "positive" and c.item_id == "b"
    view.actions["redo"].click()
    assert "nothing to redo" in view.status.value
    # the history keeps every step
    actions = store.history()["action"].tolist()
    assert actions.count("undo") == 3 and actions.count("redo") == 3


def test_skip_back_and_next_by_key_and_button(store):
    c = LabelingController(ITEMS, store, "ann1")
    view = Annotator(c)
    view.handle_key(key(" "))
    assert c.item_id == "b" and store.skipped("ann1") == {"a"}
    view.actions["skip"].click()
    assert c.item_id == "c"
    view.handle_key(key("ArrowLeft"))
    assert c.item_id == "b"
    view.actions["back"].click()
    assert c.item_id == "a"
    view.handle_key(key("ArrowRight"))
    view.actions["forward"].click()
    assert c.item_id == "c"
    view.actions["back"].click()
    view.actions["back"].click()
    view.actions["back"].click()  # stays on the first item
    assert c.item_id == "a"


def test_accept_takes_suggestions_in_field_order_and_moves_on(store):
    c = LabelingController(ITEMS, store, "ann1", model=KeywordModel())
    view = Annotator(c)
    assert "suggested: negative (0.80)" in view.hints["sentiment"].value
    assert view.buttons[("sentiment", "negative")].button_style == "info"
    view.handle_key(key("7"))  # identifiable yes by hand (the model has no such field)
    view.handle_key(key("Enter"))
    mine = _mine(store)
    assert mine[("a", "sentiment")] == "negative" and mine[("a", "negative_subtype")] == "concrete_complaint"
    assert mine[("a", "topic")] == "broadband" and mine[("a", "identifiable")] == "yes"
    assert c.item_id == "b"
    # b is neutral by the model: no subtype; identifiable "no" by the rule (no number) → complete
    assert "suggested: no (rule: no number in post)" in view.hints["identifiable"].value
    view.actions["accept"].click()
    assert ("b", "negative_subtype") not in _mine(store) and _mine(store)[("b", "identifiable")] == "no"
    assert c.item_id == "c" and c.is_complete("b")


def test_enter_moves_on_without_a_model_and_says_what_is_still_open(store):
    c = LabelingController(ITEMS, store, "ann2")
    view = Annotator(c)
    # the raw text of a holds a phone number (masked on screen): the rule says identifiable
    assert "suggested: yes (rule: number in post)" in view.hints["identifiable"].value
    view.handle_key(key("Enter"))
    assert _mine(store, "ann2") == {("a", "identifiable"): "yes"}
    assert c.item_id == "b"  # moved on, as the README promises
    assert "a still needs sentiment, intent, topic" in view.status.value and "comes round again" in view.status.value
    for _ in range(3):
        view.handle_key(key("Enter"))
    assert c.item_id == "a"  # round the queue: the open item comes back


def test_the_key_table_says_which_label_each_key_means(store):
    table = key_table(TAX)
    row = table[table["key"] == "3"].iloc[0]
    assert (row["field"], row["label"], row["中文"]) == ("sentiment", "negative", "负面")
    assert set(table.loc[table["field"] != "(action)", "key"]) == set(keymap(TAX))
    assert list(table.loc[table["field"] == "(action)", "key"])[:2] == ["Enter", "Space"]
    view = Annotator(LabelingController(ITEMS, store, "ann1"))
    assert "<kbd>3</kbd> 负面 negative" in view.legend.value and "<kbd>a</kbd>" in view.legend.value


def test_a_chinese_annotator_name_is_accepted(store):
    c = LabelingController(ITEMS, store, "张三")
    Annotator(c).handle_key(key("3"))
    assert _mine(store, "张三") == {("a", "sentiment"): "negative"}
    for bad in ("_x", "张 三", "a/b", ""):
        with pytest.raises(InputError, match="annotator name"):
            LabelingController(ITEMS, store, bad)


def test_a_key_press_on_a_closed_store_says_so_instead_of_raising(tmp_path):
    s = LabelStore(tmp_path / "closed.sqlite")
    view = Annotator(LabelingController(ITEMS, s, "ann1"))
    s.close()
    view.handle_key(key("3"))
    assert "label store cannot be written" in view.status.value and "run the cell that opens it again" in view.status.value


def test_keys_that_do_nothing(store):
    c = LabelingController(ITEMS, store, "ann1")
    view = Annotator(c)
    for event in (key("F5"), key("Process"), key("1", altKey=True), key("1", ctrlKey=True),
                  {**key("1"), "event": "keyup", "type": "keyup"}):
        view.handle_key(event)
    assert store.history().empty and c.item_id == "a"


def test_annotators_never_see_each_others_labels(store):
    first = Annotator(LabelingController(ITEMS, store, "ann1"))
    for k in "3wg48":
        first.handle_key(key(k))
    other = LabelingController(ITEMS, store, "ann2")
    view = Annotator(other)
    assert other.item_id == "a" and other.labels() == {}
    assert other.progress()["done"] == 0
    assert all(b.button_style != "success" for b in view.buttons.values())  # none of ann1's labels
    assert "negative 1" not in view.counts.value and "complaint 1" not in view.counts.value
    # ann1 resumes where they stopped
    assert LabelingController(ITEMS, store, "ann1").item_id == "b"


def test_texts_are_normalised_and_masked_and_the_reply_is_collapsible(store):
    view = Annotator(LabelingController(ITEMS, store, "ann1"))
    assert "13812345678" not in view.text.value and "138****5678" in view.text.value
    assert "宽带断网" in view.text.value  # traditional → simplified
    assert ">[怒]</span>" in view.text.value and ">@中国联通客服</span>" in view.text.value
    assert view.reply.selected_index is None  # collapsed until opened
    assert "139****5678" in view.thread.value and "您好,请私信" in view.thread.value


def test_controller_rejects_bad_input(store):
    c = LabelingController(ITEMS, store, "ann1")
    with pytest.raises(InputError, match="unknown field"):
        c.label("colour", "red")
    with pytest.raises(InputError, match="unknown label 'meh'"):
        c.label("sentiment", "meh")
    with pytest.raises(InputError, match="missing column 'text'"):
        LabelingController(ITEMS.drop(columns="text"), store, "ann1")
    with pytest.raises(InputError, match="annotator name"):
        LabelingController(ITEMS, store, "no spaces please")


def test_active_learning_loop_on_real_posts(tmp_path, mirror):
    from wbcs.datasets import load_stc3
    from wbcs.labeling.batch import items_for

    posts = load_stc3(split="train")
    ids = list(posts.loc[posts["is_complaint"] == False, "post_id"][:15]) + \
        list(posts.loc[posts["is_complaint"] == True, "post_id"][:45])  # noqa: E712
    truth = dict(zip(posts["post_id"], posts["is_complaint"], strict=True))
    with LabelStore(tmp_path / "al.sqlite") as store:
        c = LabelingController(items_for(posts, ids), store, "test-al", auto_advance=False)
        assert c.retrain() == {} and "not enough labels" in c.message
        for iid in ids[:10] + ids[15:25]:  # 10 non-complaints, 10 complaints: sentiment only
            c.goto(iid)
            c.label("sentiment", "negative" if truth[iid] else "neutral")
        used = c.retrain(min_labels=10, seed=0)
        assert used == {"sentiment": 20}
        sugg = c.suggestions(ids[40])
        assert set(sugg) == {"sentiment", "identifiable"} and 0.5 <= sugg["sentiment"].proba <= 1
        assert sugg["identifiable"].source == "rule"
        c.goto(ids[0])
        chosen = c.requeue("entropy", field="sentiment", n=5, seed=0)
        assert len(chosen) == 5 and not set(chosen) & set(ids[:10] + ids[15:25])
        # the current item (still open: only its sentiment is labelled) stays, the chosen follow
        assert c.item_id == ids[0] and c.queue[c.position + 1: c.position + 6] == chosen
        assert sorted(c.queue) == sorted(ids)  # nothing lost or doubled


def test_one_key_press_delivered_twice_counts_once(store):
    c = LabelingController(ITEMS, store, "ann1")
    view = Annotator(c)
    enter = key("Enter", timeStamp=22194.6)
    view.handle_key(enter)
    view.handle_key(dict(enter))  # the same DOM event again, as Voilà delivered it
    assert c.item_id == "b"  # one Enter: one post
    view.handle_key(key("Enter", timeStamp=23001.2))
    assert c.item_id == "c"
