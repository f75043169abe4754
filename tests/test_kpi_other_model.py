"""Labels another model gave a file (its name in ``label_model``) are counted, never corrected with a card that is
not theirs.

The audit: a user's own sentiment model (a folder outside the registry) labelled 800 posts; ``wbcs kpi`` could not read
that model's card, filled intent and topic with the shipped model, and then corrected the user's sentiment labels
with the shipped model's card: negative share 26.5 % "corrected" against 70.4 % counted (truth 54.9 %)."""

from __future__ import annotations

import json

import pandas as pd

from tests.helpers import run_cli

TEXTS = ["宽带又断网了，打了三次客服都没人管", "请问怎么查询本月的流量套餐余量", "信号太差了，家里一格都没有",
         "感谢客服小姐姐耐心解答，问题解决了", "话费莫名其妙被扣了二十块，给个说法", "携号转网需要什么手续"]


def _file(tmp_path, name: str) -> str:
    n = 60
    df = pd.DataFrame({
        "post_id": [f"p{i}" for i in range(n)],
        "text": [f"{TEXTS[i % len(TEXTS)]}（第{i}条）" for i in range(n)],
        "created_at": pd.date_range("2024-05-06 09:00", periods=n, freq="37min").strftime("%Y-%m-%d %H:%M"),
        "sentiment": ["negative"] * 40 + ["neutral"] * 15 + ["positive"] * 5,
        "sentiment_proba": 0.6, "sentiment_source": "model", "label_model": name})
    path = tmp_path / f"{name.replace('/', '_')}.csv"
    df.to_csv(path, index=False)
    return str(path)


def _kpi(path: str) -> tuple[dict, str]:
    r = run_cli("kpi", "--posts", path, "--json", "--no-cache")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r.stderr


def test_another_model_s_sentiment_is_counted_not_corrected_with_the_shipped_card(tmp_path):
    got, err = _kpi(_file(tmp_path, "elsewhere/3"))
    assert "labels by a model, counted, not corrected for its errors: its model elsewhere/3 is not in the registry" \
        in err
    corrected = got.get("corrected") or {}
    assert "sentiment" not in corrected and "negative_share" not in corrected, corrected


def test_the_shipped_model_s_own_labels_are_still_corrected(tmp_path):
    got, _ = _kpi(_file(tmp_path, "wbcs-default/14"))
    assert "sentiment" in (got.get("corrected") or {}), "the shipped model's labels are corrected with its card"


def test_a_users_model_folder_is_named_by_a_path_that_finds_its_card_again(tmp_path):
    """A folder outside the registry was named 'card name/folder name' (audit_a1/r2), which nothing resolves: kpi
    said its model was not in the registry. Its name is now its absolute path; a registry folder keeps NAME/VERSION."""
    from tests.test_classify_baseline import LABELS, TEXTS
    from wbcs.classify import PostClassifier, TextClassifier, load_model, save_model
    from wbcs.classify.registry import model_dir

    folder = save_model(PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}, card={"name": "mine"}),
                        tmp_path / "models" / "mine" / "2")
    model = load_model(folder)
    assert model.name == str(folder.resolve()) and model_dir(model.name).resolve() == folder.resolve()
    assert load_model().name.startswith("wbcs-default/")
    src = tmp_path / "posts.csv"
    pd.DataFrame({"post_id": ["a", "b"], "text": ["宽带断网了", "谢谢客服"],
                  "created_at": ["2024-05-06 09:00", "2024-05-06 10:00"]}).to_csv(src, index=False)
    r = run_cli("predict", "--model", str(folder), "--input", str(src), "--out", str(tmp_path / "labelled.csv"))
    assert r.returncode == 0, r.stderr
    assert pd.read_csv(tmp_path / "labelled.csv")["sentiment_model"].eq(str(folder.resolve())).all()
    _, err = _kpi(str(tmp_path / "labelled.csv"))
    assert "not in the registry" not in err


def test_a_named_model_whose_card_is_no_object_is_counted_in_one_line(tmp_path):
    """model_card_of read card.json beside the registry's own reader: a card written as [] broke kpi on card.get.
    It now reads it with ``registry.read_card``: the labels are counted and the line names card.json."""
    from tests.test_classify_baseline import LABELS, TEXTS
    from wbcs.classify import PostClassifier, TextClassifier, save_model

    folder = save_model(PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}, card={"name": "mine"}),
                        tmp_path / "m" / "1")
    (folder / "card.json").write_text("[]", encoding="utf-8")
    got, err = _kpi(_file(tmp_path, str(folder.resolve())))
    assert "labels by a model, counted, not corrected for its errors" in err and "not a model card" in err
    assert "sentiment" not in (got.get("corrected") or {})
