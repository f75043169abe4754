"""wbcs.datasets: the registry, finding/downloading files, every loader on the real mirror."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

import wbcs.datasets as ds
from wbcs.config import data_file
from wbcs.errors import InputError
from wbcs.schema import validate_posts
from wbcs.weibo import operator_of


def _stc3(**kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ds.load_stc3(**kw)


@pytest.fixture
def no_data(tmp_path, monkeypatch):
    """No mirror and an empty data/raw: nothing is reachable."""
    (tmp_path / "empty-mirror").mkdir()
    monkeypatch.setenv("WBCS_DATA_MIRROR", str(tmp_path / "empty-mirror"))
    monkeypatch.setenv("WBCS_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.delenv("WBCS_DATA_URL", raising=False)
    return tmp_path


@pytest.fixture
def served(tmp_path):
    """A real HTTP server (http.server in a thread) serving tmp_path/site; yields (folder, url)."""
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------- registry


def test_registry_checksums_match_the_mirror(mirror):
    table = ds.list_datasets()
    assert set(table["name"]) == {"stc3", "cocc", "smp2020", "weibo_senti"}
    assert len(table) == 6  # smp2020 has 3 files
    assert (table["available"] == "mirror").all(), table[["file", "available"]]
    for row in table.itertuples():
        assert ds.sha256(mirror / row.file) == row.sha256
        with open(mirror / row.file, encoding="utf-8") as fh:
            assert sum(1 for line in fh if line.strip()) == row.rows


def test_registry_rows_agree_with_provenance(mirror):
    prov = pd.read_csv(mirror / "PROVENANCE.tsv", sep="\t")
    reg = ds.list_datasets().set_index("file")
    for row in prov.itertuples():
        # PROVENANCE's contents column starts with the row count ("3700 dialogues ...")
        assert reg.loc[row.file, "rows"] == int(row.contents.split()[0])
        assert reg.loc[row.file, "source"].split(" @ ")[1].split()[0] == row.commit.split()[0]


def test_unknown_dataset_and_file_name_the_known_ones():
    with pytest.raises(InputError, match="unknown dataset 'nope'; known: stc3, cocc"):
        ds.dataset_path("nope")
    with pytest.raises(InputError, match="has 3 files; pass one of"):
        ds.dataset_path("smp2020")
    with pytest.raises(InputError, match="has no file 'x'"):
        ds.dataset_path("smp2020", "x")


def test_no_mirror_says_what_to_do(no_data):
    with pytest.raises(ds.DatasetMissing) as e:
        ds.load_stc3()
    msg = str(e.value)
    assert "set WBCS_DATA_MIRROR=" in msg and "wbcs datasets fetch stc3" in msg
    assert "\n" not in msg
    assert (ds.list_datasets()["available"] == "missing").all()


def test_mirror_checksum_mismatch_is_an_error(mirror, tmp_path, monkeypatch):
    copy = tmp_path / "mirror"
    shutil.copytree(mirror / "cocc_complaints", copy / "cocc_complaints")
    with open(copy / "cocc_complaints" / "complaints.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"text": "多出来的一行", "label": "网络问题"}\n')
    monkeypatch.setenv("WBCS_DATA_MIRROR", str(copy))
    with pytest.raises(InputError, match="does not match the registry"):
        ds.dataset_path("cocc")
    assert ds.list_datasets().set_index("name").loc["cocc", "available"] == "mirror (checksum mismatch)"


# --------------------------------------------------------------------------- download


def test_fetch_over_http_checks_the_checksum(mirror, no_data, served):
    site, url = served
    shutil.copytree(mirror / "cocc_complaints", site / "cocc_complaints")
    paths = ds.fetch("cocc", url_base=url)
    raw = no_data / "raw" / "cocc_complaints" / "complaints.jsonl"
    assert paths == [raw]
    assert ds.sha256(raw) == ds.registry()["cocc"]["files"][0]["sha256"]
    # now found in data/raw (the mirror is empty) and loadable
    assert ds.dataset_path("cocc") == raw
    assert ds.list_datasets().set_index("name").loc["cocc", "available"] == "data/raw"
    assert len(ds.load_cocc()) == 1947


def test_fetch_mismatch_saves_nothing(mirror, no_data, served):
    site, url = served
    (site / "cocc_complaints").mkdir()
    text = (mirror / "cocc_complaints" / "complaints.jsonl").read_text(encoding="utf-8")
    (site / "cocc_complaints" / "complaints.jsonl").write_text(text.replace("网络问题", "网络故障", 1),
                                                              encoding="utf-8")
    with pytest.raises(InputError, match="does not match the registry's .*nothing was saved"):
        ds.fetch("cocc", url_base=url)
    folder = no_data / "raw" / "cocc_complaints"
    assert not folder.exists()  # no partial file left behind, nor the folder the fetch made for it


def test_fetch_removes_a_killed_downloads_part(mirror, no_data, served):
    from wbcs.io.write import _host

    site, url = served
    shutil.copytree(mirror / "cocc_complaints", site / "cocc_complaints")
    folder = no_data / "raw" / "cocc_complaints"
    folder.mkdir(parents=True)
    # what a download killed mid-way left (its writer gone: this pid with another start time); every retry left one
    part = folder / f".complaints.jsonl.{_host()}-{os.getpid()}-00000000.0123abcd.tmp"
    part.write_bytes(b"half a file")
    assert ds.fetch("cocc", url_base=url) == [folder / "complaints.jsonl"]
    assert sorted(p.name for p in folder.iterdir()) == ["complaints.jsonl"]


def test_fetch_from_a_file_url_and_errors(mirror, no_data):
    paths = ds.fetch("smp2020", url_base=mirror.as_uri())
    assert [p.name for p in paths] == ["virus_train.jsonl", "virus_eval.jsonl", "usual_eval.jsonl"]
    with pytest.raises(InputError, match="download failed"):
        ds.fetch("cocc", url_base=(no_data / "nowhere").as_uri())
    with pytest.raises(InputError, match="no download source; pass --url-base"):
        ds.fetch("cocc")
    (no_data / "a-file").write_text("x")  # --dest a file: one line, not NotADirectoryError
    with pytest.raises(InputError, match=r"a-file.*: cannot write the download there .*give --dest a folder"):
        ds.fetch("cocc", url_base=mirror.as_uri(), dest=no_data / "a-file")


# --------------------------------------------------------------------------- STC-3


def test_stc3_counts_and_schema(mirror):
    tel = _stc3()
    everything = _stc3(telecom_only=False, split=None)
    assert len(tel) == 1964  # README: 1,964 with a telecom operator, no telecom id is implausible
    assert len(everything) + len(everything.attrs["rejects"]) == 3700
    validate_posts(tel, source="stc3")  # passes the schema as returned
    assert tel["post_id"].is_unique and (tel["platform"] == "sina_weibo").all()
    # replies exist but STC-3 has no reply times: no reply_at, so reply KPIs are null, not 0
    assert "reply_at" not in tel.columns and tel["reply_text"].notna().all()
    assert tel["operator"].notna().all()
    assert set(tel["operator"]) == {"china_telecom", "china_unicom", "china_mobile"}
    assert tel["created_at"].dt.year.between(2012, 2016).all()
    # first_nugget decides is_complaint: CNUG0 -> True, CNaN -> False
    assert (tel["is_complaint"] == (tel["first_nugget"] == "CNUG0")).all()
    assert set(tel["first_nugget"]) == {"CNUG0", "CNaN"}
    assert tel[["quality_A", "quality_S", "quality_E"]].abs().max().max() <= 2
    assert (tel["n_turns"] == tel["thread"].str.count(r"(?m)^(customer|helpdesk): ")).all()


def test_stc3_one_dialogue_by_hand(mirror):
    row = _stc3().set_index("post_id").loc["3830401296796826"]
    # (3830401296796826 >> 22) + 515483463 = 913238834 + 515483463 = 1428722297 s
    # = 2015-04-11 03:18:17 UTC = 11:18:17 Beijing time
    assert row["created_at"] == pd.Timestamp("2015-04-11 11:18:17", tz="Asia/Shanghai")
    assert row["text"].startswith("中国电信的控制箱就这样吗？")
    assert row["operator"] == "china_telecom"
    assert row["province"] == "山东"  # @中国电信济南客服 -> 济南 -> 山东
    assert row["reply_text"].startswith("您好,您反映的情况我们已认真记录")
    assert row["n_turns"] == 2 and row["is_complaint"]
    assert row["quality_S"] == pytest.approx(-0.526)


def test_stc3_rejects_old_format_ids_with_a_warning(mirror):
    with pytest.warns(UserWarning, match="3 dialogue"):
        df = ds.load_stc3(telecom_only=False, split=None)
    rej = df.attrs["rejects"]
    # short old-format ids (they would decode to 1986, before Weibo existed) are no Weibo mid
    assert sorted(rej["post_id"]) == ["14503511086", "15842852100", "6219857921"]
    assert rej["reason"].str.startswith("id is not a 16-digit Weibo mid").all()
    assert not df["post_id"].isin(rej["post_id"]).any()


def test_stc3_split_must_exist(mirror):
    with pytest.raises(InputError, match="no split 'test'; splits in the file: train"):
        ds.load_stc3(split="test")


def test_province_and_operator_rules():
    assert ds.province_of("广东客服") == "广东"
    assert ds.province_of("辽宁大连客服") == "辽宁"
    assert ds.province_of("襄阳客服") == "湖北"  # prefecture city -> its province
    assert ds.province_of("呼和浩特") == "内蒙古"  # the longest name matches first
    assert ds.province_of("吉林") == "吉林"  # the province wins over the same-named city
    assert ds.province_of("客服") is None
    assert ds._province(["中国联通客服"], "信号太差了 @中国联通客服 深圳·龙岗...") == "广东"
    assert ds._province([], "宽带太慢 @厦门电信10000号客服") == "福建"
    assert ds._province(["中国联通客服"], "没有地点") is None
    assert operator_of("移动的信号比中国电信好? 中国移动...", ["中国电信客服", "中国移动"]) == "china_telecom"
    assert operator_of("4G网络确实超快 @赣州联通客服", []) == "china_unicom"
    assert operator_of("今天天气好", []) is None
    # by default the accounts a post @mentions: 移动 alone in an account's name is China Mobile
    assert operator_of("@广东移动 家里宽带又断了，电信都比你们强") == "china_mobile"
    assert operator_of("@中国移动客服 携号转网去联通要多久") == "china_mobile"
    assert operator_of("中国电信的宽带太慢了") == "china_telecom"
    assert operator_of("移动硬盘坏了 @某某数码") is None


# --------------------------------------------------------------------------- arrival profile


def test_committed_profile_equals_the_mirror(mirror, tmp_path):
    committed = json.loads(data_file(ds.PROFILE_FILE).read_text(encoding="utf-8"))
    counts = ds.arrival_counts()
    assert np.array_equal(np.asarray(committed["counts"]).ravel(), counts)
    assert committed["total"] == counts.sum() == 3697  # 3,700 minus the 3 rejects
    assert committed["source"]["sha256"] == ds.registry()["stc3"]["files"][0]["sha256"]
    # rewritten through the atomic writer: a new folder is made, the bytes are the committed file's
    again = ds.write_arrival_counts(tmp_path / "new" / ds.PROFILE_FILE)
    assert again.read_bytes() == data_file(ds.PROFILE_FILE).read_bytes()
    assert [p.name for p in again.parent.iterdir()] == [ds.PROFILE_FILE]  # no temporary file left


def test_profile_shape_and_rhythm(mirror):
    week = ds.arrival_profile()
    day = ds.arrival_profile("hour_of_day")
    assert week.shape == (168,) and day.shape == (24,)
    assert week.mean() == pytest.approx(1.0) and day.mean() == pytest.approx(1.0)
    assert (week >= 0).all()
    # README: quiet 02:00-06:00, peaks around 10:00 and 20:00-21:00
    assert day[2:6].max() < 0.15 and day[10] > 1.5 and day[20] > 1.4
    # the daily rhythm shows in every day of the week
    by_day = week.reshape(7, 24)
    assert (by_day[:, 2:6].mean(axis=1) < 0.2).all() and (by_day[:, 9:22].mean(axis=1) > 1.0).all()
    # light smoothing: the 1-2-1 kernel keeps the total and stays close to the raw counts
    raw = ds.arrival_counts() / ds.arrival_counts().mean()
    assert np.corrcoef(raw, week)[0, 1] > 0.95


def test_telecom_rhythm_agrees_with_all_dialogues(mirror):
    tel = _stc3()["created_at"].dt.hour.value_counts().reindex(range(24), fill_value=0)
    assert np.corrcoef(tel.to_numpy(), ds.arrival_profile("hour_of_day"))[0, 1] > 0.95


def test_profile_falls_back_to_the_committed_counts(no_data, mirror, monkeypatch):
    monkeypatch.setenv("WBCS_DATA_MIRROR", str(mirror))
    fitted = ds.arrival_profile()
    monkeypatch.setenv("WBCS_DATA_MIRROR", str(no_data / "empty-mirror"))
    with pytest.warns(UserWarning, match="STC-3 not reachable: arrival profile from the committed counts"):
        fallback = ds.arrival_profile()
    assert np.allclose(fallback, fitted)
    with pytest.raises(InputError, match="resolution 'minute'"):
        ds.arrival_profile("minute")


# --------------------------------------------------------------------------- text corpora


def test_cocc_classes_and_topics(mirror):
    df = ds.load_cocc()
    assert len(df) == 1947 and len(df.attrs["rejects"]) == 0
    # PROVENANCE.tsv: 不知情定制问题 249, 业务使用问题 255, 业务办理问题 240, 信息安全问题 242,
    # 服务问题 246, 网络问题 238, 营销活动问题 234, 费用问题 243
    assert df["cocc_label"].value_counts().to_dict() == {
        "业务使用问题": 255, "不知情定制问题": 249, "服务问题": 246, "费用问题": 243,
        "信息安全问题": 242, "业务办理问题": 240, "网络问题": 238, "营销活动问题": 234}
    pairs = df.groupby("cocc_label")["cocc_label_id"].unique()
    assert all(len(v) == 1 for v in pairs)  # one stable id per class
    assert df.loc[df["cocc_label"] == "网络问题", "topic"].eq("network").all()
    assert df.loc[df["cocc_label"] == "业务使用问题", "topic"].isna().all()  # no clean mapping
    assert df["topic"].notna().sum() == 249 + 242 + 246 + 238 + 243
    validate_posts(df, required=("post_id", "text"))  # topics are taxonomy ids
    assert df["post_id"].iloc[0] == "cocc-1"


def test_smp2020_counts_mapping_and_dedupe(mirror):
    raw = ds.load_smp2020(dedupe=False)
    assert raw["split"].value_counts().to_dict() == {"virus_train": 8606, "virus_eval": 2000, "usual_eval": 2000}
    assert raw.attrs["dropped"] == 0
    # PROVENANCE: surprise 197 + 47 + 170 = 414 rows have no 3-class sentiment
    assert raw["sentiment"].isna().sum() == 414 and (raw.loc[raw["sentiment"].isna(), "emotion"] == "surprise").all()
    assert (raw.loc[raw["emotion"] == "fear", "sentiment"] == "negative").all()
    assert (raw.loc[raw["emotion"] == "happy", "sentiment"] == "positive").all()
    df = ds.load_smp2020()
    assert len(df) + df.attrs["dropped"] == 12606 and df.attrs["dropped"] > 0
    assert len(df.attrs["rejects"]) == df.attrs["dropped"]
    from wbcs.text import normalize_series

    key = normalize_series(df["text"].astype("string"))
    # no normalised text is left in two splits, and the evaluation splits are complete
    assert df["split"].groupby(key).nunique().max() == 1
    assert (df["split"] == "virus_eval").sum() == 2000
    dropped = raw.set_index("post_id").loc[df.attrs["rejects"]["post_id"]]
    assert (dropped["split"] != "virus_eval").all()
    assert df["post_id"].str.fullmatch(r"smp-(virus_train|virus_eval|usual_eval)-\d+").all()


def test_smp2020_split_choice_and_errors(mirror):
    one = ds.load_smp2020("usual_eval")
    assert len(one) == 2000 and one.attrs["dropped"] == 0  # nothing to dedupe against
    with pytest.raises(InputError, match="unknown split 'usual_train'"):
        ds.load_smp2020(("usual_train",))


@pytest.mark.slow
def test_weibo_senti_strips_the_emoticons_it_was_labelled_with(mirror):
    with pytest.warns(UserWarning, match="row\\(s\\) left out"):
        df = ds.load_weibo_senti()
    rej = df.attrs["rejects"]
    assert len(df) + len(rej) == 66867
    assert (rej["reason"] == "empty once the emoticon codes are removed").all()
    assert not df["text"].str.contains(r"\[(?:哈哈|泪|怒|爱你|鼓掌|抓狂|衰)\]").any()
    assert df["emoticons"].str.contains(r"\[").mean() > 0.95  # what was removed stays visible
    assert set(df["sentiment"]) == {"positive", "negative"}
    row = df.set_index("post_id").loc["senti-3"]  # "[嘻嘻]来自牛腩君的画外音：..." label 1
    assert row["emoticons"] == "[嘻嘻]" and row["text"].startswith("来自牛腩君的画外音")
    assert row["sentiment"] == "positive"
    kept = ds.load_weibo_senti(strip_emoticons=False)
    assert len(kept) == 66867 and kept["text"].iloc[2].startswith("[嘻嘻]")
    assert (kept["sentiment"] == "positive").sum() == 33585  # PROVENANCE


# --------------------------------------------------------------------------- CLI


def test_cli_list_json(mirror):
    from tests.helpers import run_cli

    r = run_cli("datasets", "list", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert {row["name"] for row in rows} == {"stc3", "cocc", "smp2020", "weibo_senti"}
    assert all(len(row["sha256"]) == 64 and row["available"] == "mirror" for row in rows)


def test_cli_export_masks_pii_and_writes_rejects(mirror, tmp_path):
    from tests.helpers import run_cli

    out = tmp_path / "stc3.parquet"
    r = run_cli("datasets", "export", "stc3", "--all", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "3697 rows of stc3" in r.stdout and "3 rows left out" in r.stdout
    df = pd.read_parquet(out)
    assert len(df) == 3697
    rejects = pd.read_csv(tmp_path / "stc3.rejects.csv", dtype=str)
    assert sorted(rejects["post_id"]) == ["14503511086", "15842852100", "6219857921"]
    # the real texts hold phone numbers: every one of them is masked in the export
    from wbcs.text import find_pii

    raw = _stc3(telecom_only=False, split=None)
    with_pii = raw["text"].map(lambda t: any(k == "mobile" for k, _, _ in find_pii(t)))
    assert with_pii.sum() > 0
    exported = df.set_index("post_id").loc[raw.loc[with_pii, "post_id"], "text"]
    assert not exported.map(lambda t: any(k == "mobile" for k, _, _ in find_pii(t))).any()
    assert exported.str.contains(r"1[3-9]\d\*{4}\d{4}").all()


def test_cli_fetch_and_missing_data(mirror, tmp_path):
    from tests.helpers import run_cli

    env = {"WBCS_DATA_MIRROR": str(tmp_path / "none"), "WBCS_RAW_DIR": str(tmp_path / "raw")}
    r = run_cli("datasets", "export", "cocc", "--out", str(tmp_path / "c.csv"), env=env)
    assert r.returncode == 2
    assert "set WBCS_DATA_MIRROR=" in r.stderr and "wbcs datasets fetch cocc" in r.stderr
    r = run_cli("datasets", "fetch", "cocc", "--url-base", mirror.as_uri(), env=env)
    assert r.returncode == 0, r.stderr
    assert "SHA-256 checked" in r.stdout
    r = run_cli("datasets", "export", "cocc", "--out", str(tmp_path / "c.csv"), env=env)
    assert r.returncode == 0, r.stderr
    assert len(pd.read_csv(tmp_path / "c.csv")) == 1947
    r = run_cli("datasets", "fetch", "nope", env=env)
    assert r.returncode == 2 and "unknown dataset 'nope'" in r.stderr


def test_cli_synth(tmp_path):
    from tests.helpers import run_cli

    out = tmp_path / "synth.csv"
    r = run_cli("synth", "--days", "2", "--seed", "3", "--burst", "2025-01-01 19:00,1,50,billing",
                "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "SYNTHETIC posts (seed 3)" in r.stdout
    df = pd.read_csv(out, dtype={"post_id": str})
    assert (df["source"] == "synthetic").all() and (df["burst"] == "burst-0").sum() == 50
    assert not df["text"].str.contains(r"1[3-9]\d[ -]?\d{4}[ -]?\d{4}").any()  # phones masked
    assert df["text"].str.contains(r"1[3-9]\d\*{4}\d{4}").any()
    r = run_cli("synth", "--account", "--days", "3", "--out", str(tmp_path / "acct.jsonl"))
    assert r.returncode == 0, r.stderr
    r = run_cli("synth", "--burst", "tomorrow,2", "--out", str(tmp_path / "x.csv"))
    assert r.returncode == 2 and "--burst 'tomorrow,2': write START,HOURS,POSTS,TOPIC" in r.stderr


@pytest.mark.parametrize("command", [["datasets", "list"], ["datasets", "fetch"], ["datasets", "export"],
                                     ["synth"]])
def test_cli_help_has_an_example(command):
    from tests.helpers import run_cli

    r = run_cli(*command, "--help")
    assert r.returncode == 0 and "Example:\n  wbcs " in r.stdout


def test_tables_with_rejects_still_concat(mirror):
    df = _stc3(telecom_only=False, split=None)
    assert isinstance(df.attrs["rejects"], pd.DataFrame)
    # pandas compares attrs in concat; a plain DataFrame there would raise "ambiguous"
    both = pd.concat([df[df["telecom"]], df[~df["telecom"]]])
    assert len(both) == len(df)
    assert both.attrs["rejects"] == df.attrs["rejects"]  # one bool: the tables are equal
    assert list(df.attrs["rejects"]["reason"].str.contains("16-digit")) == [True] * 3


def test_cli_export_never_writes_over_the_dataset_it_reads(mirror, tmp_path):
    """--out (or its .rejects.csv) equal to the dataset's own file, in the mirror or in data/raw, hard link
    included, is refused before loading: it was replaced and every later load failed its checksum."""
    import os

    from tests.helpers import run_cli

    own = tmp_path / "mirror" / "cocc_complaints" / "complaints.jsonl"
    own.parent.mkdir(parents=True)
    shutil.copy(mirror / "cocc_complaints" / "complaints.jsonl", own)
    raw = tmp_path / "raw" / "cocc_complaints" / "complaints.jsonl"
    raw.parent.mkdir(parents=True)
    shutil.copy(own, raw)
    os.link(own, tmp_path / "alias.jsonl")
    before = own.read_bytes()
    env = {"WBCS_DATA_MIRROR": str(tmp_path / "mirror"), "WBCS_RAW_DIR": str(tmp_path / "raw")}
    for out in (own, raw, tmp_path / "alias.jsonl", tmp_path / "raw" / "stc3_weibo_helpdesk" / "dialogues.jsonl"):
        name = "stc3" if "stc3" in str(out) else "cocc"
        r = run_cli("datasets", "export", name, "--out", str(out), env=env)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert f"{out}: --out is the dataset's own file; writing it would destroy the input" in r.stderr
    assert own.read_bytes() == raw.read_bytes() == before
    assert not (tmp_path / "raw" / "stc3_weibo_helpdesk").exists()
    r = run_cli("datasets", "export", "cocc", "--out", str(tmp_path / "c.csv"), env=env)
    assert r.returncode == 0, r.stderr  # the dataset still loads: its checksum holds
