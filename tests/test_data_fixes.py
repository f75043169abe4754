"""Fixes to the data side: a phone number glued to a list number is masked (floats stay whole), the demo's
--out that cannot be a folder is one line, the synthetic account greets at the right time, a failed fetch
leaves no empty folder behind."""

from __future__ import annotations

import shutil

import pytest

import wbcs.datasets as ds
from wbcs import demo
from wbcs.errors import InputError
from wbcs.pii import find_pii, mask_pii
from wbcs.synth import generate_account_posts


@pytest.mark.parametrize("text, masked", [
    ("问题：1.13812345678是我的号码", "问题：1.138****5678是我的号码"),   # the list number's point is no decimal point
    ("问题：2.13812345678是我的号码", "问题：2.138****5678是我的号码"),
    ("三个问题,就在这,1.04213992700是不是联通公司工作电话", "三个问题,就在这,1.0421-****2700是不是联通公司工作电话"),  # STC-3
    ("问题如下\n1.13812345678是我的", "问题如下\n1.138****5678是我的"),   # at the start of a line
    ("问题： 12.13812345678是", "问题： 12.138****5678是"),
    ("我的号码：1.13812345678", "我的号码：1.138****5678"),             # after punctuation, at the end
    ("１．１３８１２３４５６７８是", "１．138****5678是"),                 # full-width, at the start
    ("投诉关联的电话为:020.84401778", "投诉关联的电话为:020-****1778"),   # STC-3: no number starts 0 then digits
])
def test_a_phone_number_after_a_list_number_is_masked(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", [
    "套餐58.00元", "3.5G", "1.5元", "流量1.5元/M",
    "余额5.13812345678",             # right after a Chinese character: a value
    "1.13812345678", "  1.13812345678", "x 1.13812345678",   # alone, or a table's last column
    "[1.13812345678]", '{"x":1.13812345678}', "a,1.13812345678\n",   # JSON and CSV
    "问题-1.13812345678是",           # a sign
    "问题：1.3812345678是",           # 1 and 10 digits: not read as one mobile
])
def test_decimals_stay_whole(text):
    assert mask_pii(text) == text and find_pii(text) == []


def test_demo_out_that_cannot_be_a_folder_is_one_line(tmp_path, capsys):
    afile = tmp_path / "a-file"
    afile.write_text("x")
    for out in (afile, afile / "under"):  # FileExistsError, NotADirectoryError (like /proc/nope's ENOENT)
        assert demo.main(["--out", str(out), "--smoke"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"--out {out}: cannot make the output folder" in err
        assert "Traceback" not in err
    assert afile.read_text() == "x"


def test_account_greetings_at_their_time():
    df = generate_account_posts(days=60, seed=1)
    hours = df["created_at"].dt.hour + df["created_at"].dt.minute / 60
    morning, evening = df["text"].str.startswith("【早安】"), df["text"].str.startswith("【晚安】")
    assert morning.sum() >= 55 and evening.sum() >= 55
    assert hours[morning].between(8.25, 8.76).all()      # 08:30 ± 15 min (± 5 min of schedule noise inside)
    assert hours[evening].between(17.75, 18.26).all()   # 18:00 ± 15 min
    assert (df["category"][morning | evening] == "life").all()
    assert df.equals(generate_account_posts(days=60, seed=1))   # the seed still decides all


def test_a_failed_fetch_leaves_no_folder(mirror, tmp_path):
    site = tmp_path / "site" / "cocc_complaints"
    site.mkdir(parents=True)
    text = (mirror / "cocc_complaints" / "complaints.jsonl").read_text(encoding="utf-8")
    (site / "complaints.jsonl").write_text(text.replace("网络问题", "网络故障", 1), encoding="utf-8")
    dest = tmp_path / "raw"
    with pytest.raises(InputError, match="nothing was saved"):
        ds.fetch("cocc", url_base=site.parent.as_uri(), dest=dest)
    assert not dest.exists()   # both folders it made are gone
    dest.mkdir()
    (dest / "mine.txt").write_text("kept")
    with pytest.raises(InputError, match="nothing was saved"):
        ds.fetch("cocc", url_base=site.parent.as_uri(), dest=dest)
    assert [p.name for p in dest.iterdir()] == ["mine.txt"]   # a folder that was there stays
    shutil.copy(mirror / "cocc_complaints" / "complaints.jsonl", site / "complaints.jsonl")
    assert ds.fetch("cocc", url_base=site.parent.as_uri(), dest=dest) == [dest / "cocc_complaints" / "complaints.jsonl"]
