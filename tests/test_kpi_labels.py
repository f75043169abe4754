"""The label cache of ``labels_for_file``: a label the posts carry always wins over a cached one."""

from __future__ import annotations

import pandas as pd

from wbcs.kpi import labels as kl


def fake_model(posts: pd.DataFrame, *, model=None, quiet: bool = False) -> pd.DataFrame:
    """ensure_labels with a 'model' that says negative/complaint for every empty cell."""
    out = posts.copy()
    for f, guess in (("sentiment", "negative"), ("intent", "complaint")):
        empty = out[f].isna()
        out[f] = out[f].astype("string").fillna(guess)
        out[f"{f}_source"] = pd.Series("label", index=out.index, dtype="string").mask(empty, "model")
        out[f"{f}_proba"] = pd.Series(0.9, index=out.index).where(empty)
    out.attrs = {**posts.attrs, "classified": {"model": "fake", "rows": int(empty.sum())}}
    return out


def test_a_label_set_after_the_file_was_read_wins_over_the_cached_model_label(tmp_path, monkeypatch):
    monkeypatch.setenv("WBCS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(kl, "ensure_labels", fake_model)
    posts = pd.DataFrame({"post_id": ["a", "b", "c"], "text": ["网络差", "话费", "谢谢"],
                          "sentiment": pd.array([None, None, None], dtype="string"),
                          "intent": pd.array([None, "consultation", None], dtype="string")})
    path = tmp_path / "posts.csv"
    posts.to_csv(path, index=False)
    first = kl.labels_for_file(path, posts)
    assert first.loc[0, "sentiment"] == "negative" and first.loc[0, "sentiment_source"] == "model"
    corrected = posts.copy()
    corrected.loc[0, "sentiment"] = "positive"  # the user's own label, set in the notebook
    again = kl.labels_for_file(path, corrected)
    uncached = kl.labels_for_file(path, corrected, cache=False)
    assert (again.loc[0, "sentiment"], again.loc[0, "sentiment_source"]) == ("positive", "label")
    pd.testing.assert_frame_equal(again, uncached)
    # the file as read still takes its cached labels
    assert "cached" in kl.labels_for_file(path, posts).attrs["classified"]


def test_rows_that_are_no_table_are_named_not_blamed_on_the_model(tmp_path):
    """A list of rows counted as a table without labels, and the error said the classifier could not label it."""
    import pytest

    from wbcs.errors import InputError

    rows = [{"post_id": "1", "text": "信号差", "sentiment": "negative", "intent": "complaint", "topic": "network"}]
    with pytest.raises(InputError, match=r"^ensure_labels: posts must be a pandas DataFrame, got list .*DataFrame\(rows\)"):
        kl.ensure_labels(rows)
    with pytest.raises(InputError, match=r"^labels_for_file: posts must be a pandas DataFrame, got list"):
        kl.labels_for_file(tmp_path / "posts.csv", rows)
