"""What ingest masks: post ids by the one rule of ``wbcs.io.write.mask_table`` (it masked every column but the key
itself, so an e-mail or an ID number in an export's id column left the package as written), and a file's name in its
messages, whose hints stay commands a user can run."""

import pandas as pd

from tests.helpers import run_cli


def test_ingest_masks_pii_used_as_an_id_and_keeps_a_mid_of_a_phone_shape(tmp_path):
    src = tmp_path / "export.csv"
    src.write_text("微博id,微博正文,发布时间\n"
                   "14503511086,宽带坏了 @中国电信,2024-05-01 10:00\n"
                   "zhang77@qq.com,信号差 @中国移动,2024-05-01 11:00\n"
                   "110101199003071233,话费多扣 @中国联通,2024-05-01 12:00\n", encoding="utf-8")
    out = tmp_path / "posts.csv"
    r = run_cli("ingest", str(src), "--out", str(out), "--export-time", "2024-05-06 00:00")
    assert r.returncode == 0, r.stderr
    ids = list(pd.read_csv(out, dtype=str)["post_id"])
    assert ids == ["14503511086", "z***@qq.com", "110***********1233"], ids



def test_a_file_named_after_a_customer_is_masked_and_its_hint_is_a_command_to_run(tmp_path):
    # the hint printed the masked name ('wbcs ingest 客户138****5678.csv ...'), which is no file: "file not found"
    src = tmp_path / "客户13812345678.csv"
    src.write_text("微博id,微博正文,发布时间\n1,宽带坏了,2024-05-01 10:00\n2,,2024-05-01 11:00\n", encoding="utf-8")
    r = run_cli("kpi", "--posts", str(src), "--json")
    assert r.returncode == 0, r.stderr
    assert "13812345678" not in r.stderr and "客户138****5678.csv: 1 row(s) rejected" in r.stderr
    assert "run 'wbcs ingest FILE --out OUT.parquet --rejects REJECTS.csv' on this file to see them all" in r.stderr


def test_two_files_whose_names_mask_alike_stay_apart(tmp_path):
    # both were 客户138****5678.csv in source_file and the rejects: a rejected row's file could not be told
    for i, phone in enumerate(("13812345678", "13800005678")):
        (tmp_path / f"客户{phone}.csv").write_text(f"微博id,微博正文,发布时间\n{i}1,宽带坏了,2024-05-01 10:00\n"
                                                  f"{i}2,,2024-05-01 11:00\n", encoding="utf-8")
    out = tmp_path / "two.parquet"
    r = run_cli("ingest", str(tmp_path / "客户13812345678.csv"), str(tmp_path / "客户13800005678.csv"),
                "--out", str(out), "--rejects", str(tmp_path / "rej.csv"))
    assert r.returncode == 0, r.stderr
    first = str(tmp_path / "客户138****5678.csv")
    assert list(pd.read_parquet(out)["source_file"]) == [first, f"{first} (file 2)"]
    assert list(pd.read_csv(tmp_path / "rej.csv")["source_file"]) == [first, f"{first} (file 2)"]
