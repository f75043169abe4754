"""read_posts' line on rejected rows names the first few (row, why, column and value): it said only
"partial.csv: 1 row(s) rejected (bad value: 1); run 'wbcs ingest …' to see them", so a user had to run another
command to learn that row 3's intent 'praiseX' is no label. Every command reads posts through it."""

from __future__ import annotations

import pandas as pd

from tests.helpers import run_cli
from wbcs.io.ingest import read_posts

ROWS = [("p1", "宽带坏了三天没人修", "2024-05-06 10:00", "complaint", "1"),
        ("p2", "请问流量套餐怎么办理", "2024-05-06 10:00", "", "2"),
        ("p3", "谢谢你们", "2024-05-06 10:00", "praiseX", "3")]


def _csv(path, rows):
    pd.DataFrame(rows, columns=["post_id", "text", "created_at", "intent", "author_followers"]).to_csv(
        path, index=False)
    return path


def test_the_line_names_the_rejected_row_its_column_and_value(tmp_path, capsys):
    posts, _ = read_posts(_csv(tmp_path / "partial.csv", ROWS))
    assert posts["post_id"].tolist() == ["p1", "p2"]
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{tmp_path / 'partial.csv'}: 1 row(s) rejected (bad value: 1); row 3, bad value: intent "
                   f"'praiseX' is not a label; run 'wbcs ingest {tmp_path / 'partial.csv'} --out OUT.parquet "
                   f"--rejects REJECTS.csv' to see them all"]


def test_the_first_three_are_named_masked_and_the_rest_counted(tmp_path, capsys):
    rows = [("q1", "有号码", "2024-05-06 10:00", "", "13812345678"), ("q2", "  ", "2024-05-06 10:00", "", "1"),
            ("q3", "时间", "2024-13-45 10:00", "", "1"), ("q4", "好", "2024-05-06 10:00", "praiseX", "1"),
            ("q5", "好", "2024-05-06 10:00", "angry", "1"), ("q6", "好", "2024-05-06 10:00", "", "1")]
    read_posts(_csv(tmp_path / "many.csv", rows))
    err = capsys.readouterr().err
    assert ("5 row(s) rejected (bad value: 3, empty text: 1, unparseable time: 1); row 1, bad value: "
            "author_followers '138****5678' is not a count (0 to a billion); row 2, empty text: no text; row 3, "
            "unparseable time: created_at '2024-13-45 10:00'; and 2 more; run 'wbcs ingest") in err
    assert "13812345678" not in err


def test_every_command_says_it_in_the_same_words(tmp_path):
    path = _csv(tmp_path / "partial.csv", ROWS)
    said = "partial.csv: 1 row(s) rejected (bad value: 1); row 3, bad value: intent 'praiseX' is not a label; run"
    for args in (("reply", "--posts", str(path), "--out", str(tmp_path / "d.csv"), "--no-stc3"),
                 ("triage", "--posts", str(path), "--out", str(tmp_path / "t.csv"))):
        r = run_cli(*args)
        assert r.returncode == 0 and said in r.stderr, (args, r.stderr)
