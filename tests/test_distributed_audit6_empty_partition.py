"""An empty partition of an archive labelled by ``wbcs predict`` (audit 6): it was written with every column as text
and without the prediction columns, so DuckDB and Dask refused the labelled archive ("column 'created_at' is
VARCHAR, not a timestamp") and ``pd.read_parquet`` of the folder dropped the predictions."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.test_classify_baseline import LABELS, TEXTS


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from wbcs.classify import PostClassifier, TextClassifier, save_model

    return save_model(PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}),
                      tmp_path_factory.mktemp("model") / "tiny")


def _archive(root):
    posts = pd.DataFrame({"post_id": ["a", "b", "c"], "text": TEXTS[:3], "likes": [1, 2, 3],
                          "created_at": pd.to_datetime(["2025-01-01 08:00"] * 3).tz_localize("Asia/Shanghai")})
    for week, rows in (("2024-W52", posts.iloc[:0]), ("2025-W01", posts)):  # the empty one sorts first
        (root / f"week={week}").mkdir(parents=True)
        rows.to_parquet(root / f"week={week}" / "part-0.parquet", index=False)
    return root


def test_an_empty_parquet_file_reads_with_its_schemas_types(tmp_path):
    from wbcs.io import read_table

    df = read_table(_archive(tmp_path / "arch") / "week=2024-W52" / "part-0.parquet")
    full = read_table(tmp_path / "arch" / "week=2025-W01" / "part-0.parquet")
    assert df.empty and df.dtypes.to_dict() == full.dtypes.to_dict()  # were all object
    assert isinstance(df["created_at"].dtype, pd.DatetimeTZDtype)


def test_an_empty_partition_is_labelled_with_the_schema_of_the_others(tmp_path, model):
    from wbcs.distributed.predict import predict_archive

    s = predict_archive(_archive(tmp_path / "arch"), tmp_path / "out", model=model, progress=False)
    assert s["rows"] == 3 and s["files"] == 2
    empty = pq.read_schema(tmp_path / "out" / "week=2024-W52" / "part-0.parquet")
    full = pq.read_schema(tmp_path / "out" / "week=2025-W01" / "part-0.parquet")
    assert empty.equals(full, check_metadata=False), (empty, full)
    assert pa.types.is_timestamp(empty.field("created_at").type)  # was a string
    assert {"sentiment", "sentiment_proba"} <= set(empty.names)
    # the folder read as one table keeps the predictions (they were dropped: the first file had none)
    both = pd.read_parquet(tmp_path / "out")
    assert both["sentiment_proba"].notna().sum() == 3

