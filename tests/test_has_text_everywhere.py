"""One test of "a post has text" (``wbcs.text.has_text``) everywhere a post is read, labelled or scored: a text of
only whitespace and the invisible characters ``normalize`` deletes (a zero-width space, a BOM, joiners: STC-3 texts
carry them) is no text.

Before: ingest, the archive engines' SQL, ``wbcs evaluate`` and ``classify.evaluate`` stripped only whitespace, so a
text of "\\u200b" was a post to ingest and to the DuckDB/Dask engines and no post to predict; and ``as_texts`` made a
``pd.NA`` in a list the text "<NA>", which a model labelled."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from tests.helpers import run_cli
from tests.test_engines_read_as_ingest import ENGINES, _rejected
from tests.test_kpi_duck import same, same_table
from tests.test_kpi_indicators import crafted
from wbcs import checks
from wbcs.classify import PostClassifier, TextClassifier, save_model
from wbcs.classify.baseline import as_texts
from wbcs.classify.evaluate import metrics
from wbcs.io import read_posts
from wbcs.kpi import duck, indicators
from wbcs.text import has_text

BLANKS = ["\u200b", "\ufeff \u200c\u3000", "\u2060\u200d\n"]  # no text, each
TEXTS = ["宽带又断了", "话费多扣了", "谢谢客服", "网速太慢了"] * 4
LABELS = ["negative", "negative", "positive", "negative"] * 4


def test_ingest_and_the_archive_engines_reject_a_text_of_invisible_characters_alike(tmp_path, capsys):
    """A real Parquet file, crafted()'s posts with three blank texts: pandas (read_posts), DuckDB and Dask reject the
    same rows for the same reason and give the same figures; a text that starts with a zero-width space and goes on
    is a post everywhere."""
    df = crafted()
    df.loc[[1, 4, 6], "text"] = BLANKS
    df.loc[0, "text"] = "\u200b宽带断了"
    df.to_parquet(tmp_path / "p.parquet")
    posts, info = read_posts(tmp_path / "p.parquet", quiet=True)
    assert info["reject_reasons"] == {"empty text": 3} and len(posts) == 5
    assert _rejected(tmp_path / "p.parquet") == [(2, "empty text"), (5, "empty text"), (7, "empty text")]
    rejects, _ = duck._Archive(duckdb.connect(), [str(tmp_path / "p.parquet")], checks.policy(None)).screen()
    assert list(zip(rejects["file_row_number"] + 1, rejects["reason"], strict=True)) == _rejected(
        tmp_path / "p.parquet")
    want, table = indicators(posts), indicators(posts, period="day", by="topic")
    assert want["volume"] == 5
    capsys.readouterr()
    for engine in ENGINES:
        duck._REPEATS_SEEN.clear()
        same(want, engine(tmp_path / "p.parquet"))
        same_table(table, engine(tmp_path / "p.parquet", period="day", by="topic", quiet=True))
        assert capsys.readouterr().err.strip() == (
            f"{tmp_path / 'p.parquet'}: row 2, column 'text' is empty; 3 row(s) rejected (empty text: 3), left out "
            f"of every count; correct the rows (wbcs ingest rejects them)")


def test_the_engines_sql_finds_no_text_where_has_text_does_for_every_character(tmp_path):
    """Each character of the Basic Multilingual Plane (surrogates aside) as a text of its own: the SQL (built from
    wbcs.text.BLANK) rejects exactly those has_text finds no text in: whitespace of every kind, the invisible ones."""
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    pd.DataFrame({"text": chars, "created_at": pd.Timestamp("2025-03-03 09:00", tz="Asia/Shanghai")}).to_parquet(
        tmp_path / "c.parquet")
    rejects, _ = duck._Archive(duckdb.connect(), [str(tmp_path / "c.parquet")], checks.policy(None)).screen()
    blank = np.flatnonzero(~has_text(chars))
    assert sorted(rejects["file_row_number"]) == blank.tolist()
    assert {"\u3000", "\u200b", "\ufeff", "\u00a0", "\u2028"} <= {chars[i] for i in blank}


def test_evaluate_leaves_out_a_label_of_invisible_characters():
    """classify.evaluate's metrics: a true label of only a zero-width space is none (left out), not a class."""
    m = metrics(["a", "\u200b", "b", " \ufeff"], ["a", "a", "b", "b"])
    assert m["n"] == 2 and m["left_out"] == 2 and m["accuracy"] == 1.0 and "\u200b" not in m["per_class"]


def test_wbcs_evaluate_counts_a_text_of_invisible_characters_as_no_text(tmp_path):
    est = TextClassifier(min_df=1, calibration=None).fit(TEXTS, LABELS)
    save_model(PostClassifier({"sentiment": est}, name="blank"), tmp_path / "m")
    pd.DataFrame({"text": ["宽带又断了", "\u200b", "谢谢客服", "\ufeff\u200c"],
                  "sentiment": ["negative", "positive", "positive", "negative"]}).to_csv(tmp_path / "t.csv",
                                                                                         index=False)
    r = run_cli("evaluate", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "t.csv"), "--json",
                "--kind", "none")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["no_text"] == 2 and report["n"] == 2 and report["left_out"] == 2
    assert "2 labelled row(s) without text left out; rows 2, 4" in r.stderr


def test_a_missing_value_in_a_list_is_no_text_not_the_text_na():
    assert as_texts(["x", pd.NA, None, np.nan, pd.NaT, 3]) == ["x", "", "", "", "", "3"]
    model = PostClassifier({"sentiment": TextClassifier(min_df=1, calibration=None).fit(TEXTS, LABELS)})
    out = model.predict(["宽带又断了", pd.NA])
    assert out["sentiment"].isna().tolist() == [False, True] and np.isnan(out["sentiment_proba"][1])
