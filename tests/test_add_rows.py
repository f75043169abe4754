"""``wbcs train --task default --add FILE`` names a rejected row as the user sees it in FILE (the n-th data row, the
header not counted: the reader's ``source_row``, as ingest names rows) and says what each field learnt of FILE's posts,
not how many posts FILE has. A real CSV, a real ``wbcs train`` subprocess at the smallest settings."""

from __future__ import annotations

import csv
import subprocess
import sys

from wbcs.classify.tasks import load_task
from wbcs.config import ROOT

WBCS = [sys.executable, "-m", "wbcs"]


def train(*args):
    return subprocess.run([*WBCS, "train", "--task", "default", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def test_a_rejected_row_is_named_as_the_file_numbers_it_and_the_line_says_what_each_field_learnt(tmp_path):
    near_test = load_task("gold_topic").test["text"].iloc[0] + "！"  # a test item's text: left out of training
    mine = tmp_path / "mine.csv"
    write(mine, [["post_id", "text", "topic", "sentiment"],
                 ["p1", "宽带又断了三天没人修", "broadband", ""],
                 ["p2", "话费多扣了三十元", "billing", "negative"],
                 ["p3", "", "data", ""],  # the 3rd data row (line 4 of the file): no text
                 ["p4", near_test, "service", ""],
                 ["p5", "流量用完了还扣费", "", "negative"]])  # no topic: the topic field does not learn it
    ok = train("--add", mine, "--fields", "topic", "--keep", "models/wbcs-default/14", "--config", "lr C=4",
               "--max-train", 300, "--budget", 5, "--out", tmp_path / "m")
    assert ok.returncode == 0, ok.stderr
    lines = ok.stdout.splitlines()
    assert f"train: 1 row(s) of {mine} left out ({{'empty text': 1}}); rows 3" in lines
    # 4 usable posts; topic: p1, p2 (p4 is a near duplicate of a test item, p5 has no topic)
    assert (f"train: 4 labelled post(s) of {mine}: topic learnt 2 of them (1 left out as near duplicates of its test "
            "items); --max-train 300 then keeps at most 300 training rows per field, the gold set's and these alike"
            ) in lines
    assert not any("join the gold training part" in line for line in lines)


def test_a_label_after_an_unreadable_line_is_named_by_its_row_in_the_file(tmp_path):
    mine = tmp_path / "mine.csv"
    write(mine, [["post_id", "text", "topic"],
                 ["p1", "宽带又断了三天没人修", "broadband"],
                 ["p2", "话费多扣了三十元", "billing", "extra cell"],  # row 2: too many cells, left out by the reader
                 ["p3", "国际漫游不能用", "roam"]])  # row 3: a typo of roaming
    bad = train("--add", mine, "--fields", "topic", "--keep", "models/wbcs-default/14", "--config", "lr C=4",
                "--max-train", 300, "--out", tmp_path / "m")
    assert bad.returncode == 2
    assert f"{mine}: row 3, column 'topic': 'roam' is not a topic label (1 row(s): 3)" in bad.stderr
