"""The ``wbcs ingest`` command ``read_posts`` advises carries the export time it was given (``export_time``).

Before: the advice was 'wbcs ingest F --out OUT.parquet --rejects REJECTS.csv' (or '--map created_at=COLUMN ... and
use OUT.parquet') whatever the export time: run as advised, the file's relative times (5分钟前, 今天 22:00) were read
against its modification time instead, so the command "to see them all" could show other rows than those refused (a
今天 22:00 after the export time given is no reject for a file modified later that day), and OUT.parquet held
other times, which the SLA clocks are read from."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.io import read_posts

AT = "2024-05-04 21:30"


def test_the_rejects_advice_carries_the_export_time(tmp_path, capsys):
    # two posts at relative times: yesterday 10:22 (2024-05-03), and today 22:00, after the export time given
    path = tmp_path / "posts.csv"
    pd.DataFrame({"post_id": ["p1", "p2"], "created_at": ["昨天 10:22", "今天 22:00"],
                  "text": ["宽带又断了", "信号太差"]}).to_csv(path, index=False)
    posts, info = read_posts(path, export_time=AT)
    assert posts["created_at"].tolist() == [pd.Timestamp("2024-05-03 10:22", tz="Asia/Shanghai")]
    assert info["rejected"] == 1
    err = capsys.readouterr().err
    assert "'今天 22:00' would be after the export time 2024-05-04 21:30 (--export-time)" in err
    assert f"run 'wbcs ingest {path} --out OUT.parquet --rejects REJECTS.csv --export-time \"{AT}\"' to see them " \
           "all" in err


def test_the_no_posts_line_carries_the_export_time_with_its_seconds(tmp_path):
    path = tmp_path / "posts.csv"
    pd.DataFrame({"post_id": ["p1"], "created_at": ["今天 22:00"], "text": ["宽带又断了"]}).to_csv(path, index=False)
    with pytest.raises(InputError) as e:
        read_posts(path, export_time="2024-05-04T13:30:15Z")  # said in Beijing time, as a naive time is read
    assert str(e.value).endswith(f"run 'wbcs ingest {path} --out OUT.parquet --rejects REJECTS.csv --export-time "
                                 "\"2024-05-04 21:30:15\"' to see them all")


def test_the_map_advice_carries_the_export_time(tmp_path):
    path = tmp_path / "posts.csv"
    pd.DataFrame({"when": ["5分钟前"], "text": ["宽带又断了"]}).to_csv(path, index=False)
    with pytest.raises(InputError) as e:
        read_posts(path, export_time=AT)
    assert str(e.value).endswith(f"map one: run 'wbcs ingest {path} --out OUT.parquet --map created_at=COLUMN "
                                 f"--export-time \"{AT}\"' and use OUT.parquet")


def test_without_an_export_time_the_advice_has_none(tmp_path):
    path = tmp_path / "posts.csv"
    pd.DataFrame({"post_id": ["p1"], "created_at": ["今天 22:00"], "text": ["宽带又断了"]}).to_csv(path, index=False)
    modified = pd.Timestamp("2024-05-04 12:00", tz="Asia/Shanghai").timestamp()
    os.utime(path, (modified, modified))
    with pytest.raises(InputError) as e:  # after the file's modification time
        read_posts(path)
    assert "'今天 22:00' would be after the export time 2024-05-04 12:00 (the file's modification time)" in str(e.value)
    assert str(e.value).endswith(f"run 'wbcs ingest {path} --out OUT.parquet --rejects REJECTS.csv' to see them all")
