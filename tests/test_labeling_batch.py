"""Gold sample, batch export and validated import (library and `wbcs label` commands)."""

from __future__ import annotations

import csv
import json
import os

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.config import DATA_DIR
from wbcs.errors import InputError
from wbcs.labeling.batch import (
    export_batches,
    gold_sample,
    import_annotations,
    items_for,
    progress,
    read_annotations,
    read_sample,
)
from wbcs.labeling.sampling import allocate
from wbcs.labeling.store import LabelStore

FIELDS = ["sentiment", "intent", "topic", "negative_subtype", "identifiable"]
HEADER = "item_id," + ",".join(FIELDS) + "\n"


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_allocation_is_proportional_by_largest_remainder():
    # 10 of 20 rows: 12/20*10 = 6, 5/20*10 = 2.5, 3/20*10 = 1.5 → floors 6+2+1 = 9;
    # the one left goes to the largest remainder (0.5 tie: the first in order, 'b').
    sizes = pd.Series({"a": 12, "b": 5, "c": 3})
    assert allocate(sizes, 10).to_dict() == {"a": 6, "b": 3, "c": 1}
    assert allocate(sizes, 100).to_dict() == {"a": 12, "b": 5, "c": 3}  # never more than there is


def test_gold_sample_on_the_real_stc3_is_stratified_and_seeded(mirror):
    from wbcs.datasets import load_stc3

    posts = load_stc3(split="train")
    a = gold_sample(posts, 650, seed=0)
    assert len(a) == 650 and a["post_id"].is_unique
    assert list(a.columns) == ["post_id", "operator", "is_complaint"]
    # Proportional: each stratum within one post of its share of the 1,964 dialogues.
    full = posts.groupby(["operator", "is_complaint"]).size()
    got = a.groupby(["operator", "is_complaint"]).size()
    for key, size in full.items():
        assert abs(got.get(key, 0) - size * 650 / len(posts)) < 1
    assert gold_sample(posts, 650, seed=0).equals(a)
    assert not gold_sample(posts, 650, seed=1)["post_id"].equals(a["post_id"])
    # The committed sample is exactly what seed 0 gives.
    committed = read_sample(DATA_DIR / "labels" / "gold_sample.csv")
    assert committed == a["post_id"].tolist()


def _posts():
    return pd.DataFrame({
        "post_id": ["101", "102", "103"],
        "operator": ["china_unicom", "china_telecom", "china_unicom"],
        "is_complaint": [True, True, False],
        "text": ["手機號１３８１２３４５６７８，寬帶斷了[怒]", "话费不对", "谢谢"],
        "reply_text": ["您好，请私信", None, "不客气"],
        "thread": ["customer: 手機號１３８１２３４５６７８，寬帶斷了[怒]\nhelpdesk: 您好，请私信\n"
                   "customer: 我的号码 13912345678\n还是不行\nhelpdesk: 已转",
                   "customer: 话费不对", "customer: 谢谢\nhelpdesk: 不客气"],
    })


def test_items_are_normalised_masked_and_split_into_reply_and_context():
    items = items_for(_posts(), ["101", "102"])
    first = items.iloc[0]
    assert first["text"] == "手机号138****5678,宽带断了[怒]"  # t2s, half-width, mobile masked
    assert first["reply"] == "您好,请私信"
    assert first["context"] == [{"sender": "customer", "text": "我的号码 139****5678 还是不行"},
                                {"sender": "helpdesk", "text": "已转"}]
    assert items.iloc[1]["reply"] == "" and items.iloc[1]["context"] == []
    with pytest.raises(InputError, match="post id '999' is not among the posts"):
        items_for(_posts(), ["101", "999"], source="s.csv")


def test_items_are_found_by_id_whatever_its_type_and_ambiguous_posts_are_refused():
    assert items_for(_posts(), [102, 101])["item_id"].tolist() == ["102", "101"]  # was "not among the posts"
    twice = pd.concat([_posts(), _posts().iloc[[0]].assign(text="别的")])
    with pytest.raises(InputError, match="post id '101' is on 2 rows; keep one row per post"):  # was a pandas error
        items_for(twice, ["101"])
    assert items_for(twice, ["102"])["item_id"].tolist() == ["102"]
    with pytest.raises(InputError, match="no column 'post_id'"):
        items_for(_posts().drop(columns="post_id"))


def test_a_pool_with_a_repeated_item_or_no_item_id_is_refused():
    from wbcs.labeling.select import choose_posts

    pool = pd.DataFrame({"item_id": [f"p{i}" for i in range(6)], "text": [f"第{i}条" for i in range(6)]})
    picked = choose_posts(pool, 6, strategy="random", seed=0)
    assert sorted(picked["item_id"]) == pool["item_id"].tolist()  # once each
    with pytest.raises(InputError, match="item_id 'p0' is on 2 rows"):  # p0 came back twice
        choose_posts(pd.concat([pool, pool.iloc[[0]]]), 6, strategy="random")
    with pytest.raises(InputError, match="no column 'item_id'"):
        choose_posts(pool.rename(columns={"item_id": "post_id"}), 2, strategy="random")


def test_export_writes_batches_and_empty_templates(tmp_path):
    files = export_batches(items_for(_posts()), tmp_path, size=2)
    assert [f.name for f in files] == ["batch_001.jsonl", "batch_002.jsonl"]
    lines = [json.loads(x) for x in files[0].read_text(encoding="utf-8").splitlines()]
    assert [x["item_id"] for x in lines] == ["101", "102"]
    assert "13812345678" not in files[0].read_text(encoding="utf-8")
    # through wbcs's writer: UTF-8 with a BOM, so that Excel reads it as UTF-8
    template = (tmp_path / "batch_002.labels.csv").read_text(encoding="utf-8-sig").splitlines()
    assert template == [HEADER.strip(), "103,,,,,"]


GOOD = HEADER + ("101,negative,complaint,broadband,concrete_complaint,yes\n"
                 "102,neutral,consultation,billing,,no\n")


def test_a_good_file_is_recorded_whole_and_reimport_adds_nothing(tmp_path):
    path = _write(tmp_path / "b.csv", GOOD)
    with LabelStore(tmp_path / "s.sqlite") as store:
        s = import_annotations(store, path, "ann1", known_ids=["101", "102", "103"])
        assert (s.recorded, s.unchanged) == (9, 0)  # 5 fields + 4 (no subtype for a neutral post)
        again = import_annotations(store, path, "ann1", known_ids=["101", "102", "103"])
        assert (again.recorded, again.unchanged) == (0, 9)
        cur = store.current("ann1")
        assert len(cur) == 9
        assert cur.set_index(["item_id", "field"])["value"][("101", "identifiable")] == "yes"
        # a corrected file records only the change
        _write(path, GOOD.replace("102,neutral,consultation,billing", "102,neutral,consultation,tariff"))
        fixed = import_annotations(store, path, "ann1", known_ids=["101", "102", "103"])
        assert (fixed.recorded, fixed.unchanged) == (1, 8)
        table = progress(store, ["101", "102", "103"])
        assert table.to_dict("records") == [{"annotator": "ann1", "complete": 2, "remaining": 1}]


def test_jsonl_files_work_like_csv(tmp_path):
    rows = [{"item_id": "101", "sentiment": "positive", "intent": "praise", "topic": "service",
             "negative_subtype": "", "identifiable": "no"}]
    path = _write(tmp_path / "b.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert len(read_annotations(path, known_ids=["101"])) == 4


BAD_CASES = [
    # (file body, expected message fragment)
    (GOOD.replace("101,", "999,"), r"row 1, column 'item_id': unknown item id '999' \(not in the sample\)"),
    (GOOD.replace("billing", "bills"), r"row 2 \(item 102\), column 'topic': unknown label 'bills' \(known: tariff,"),
    (GOOD.replace("complaint,broadband", ",broadband"), r"row 1 \(item 101\), column 'intent' is empty"),
    (GOOD.replace("concrete_complaint", ""), r"column 'negative_subtype' is empty but sentiment is 'negative'"),
    (GOOD.replace("billing,,no", "billing,abuse,no"), r"row 2 \(item 102\), column 'negative_subtype': given but sentiment is 'neutral'; leave it blank"),
    (GOOD + "101,neutral,other,other,,no\n", r"row 3, column 'item_id': item '101' given twice"),
    ("\n".join(line.rsplit(",", 1)[0] for line in GOOD.splitlines()) + "\n", r"missing column 'identifiable'"),
    # a row with more cells than the header: refused, not cut to the header's columns
    (GOOD.replace(",identifiable", ""), r"bad.csv: row 1: malformed line \(6 fields, the header has 5\)"),
    (HEADER.strip() + ",note\n101,neutral,other,other,,no,hi\n", r"unknown column 'note'"),
    (GOOD.replace(",yes", ",True"), r"column 'identifiable': unknown label 'True' \(known: yes, no\)"),
    # a phone number typed into a label cell is echoed masked, as everything that leaves the package
    (GOOD.replace("neutral", "13812345678"), r"row 2 \(item 102\), column 'sentiment': unknown label '138\*\*\*\*5678'"),
    # the blank template: the message lists what the cell may hold
    (HEADER + "101,,,,,\n", r"row 1 \(item 101\), column 'sentiment' is empty; every row needs it "
                           r"\(one of: positive, neutral, negative\)"),
]


@pytest.mark.parametrize("body,message", BAD_CASES)
def test_a_bad_file_names_the_row_and_records_nothing(tmp_path, body, message):
    path = _write(tmp_path / "bad.csv", body)
    with LabelStore(tmp_path / "s.sqlite") as store:
        with pytest.raises(InputError, match=message):
            import_annotations(store, path, "ann1", known_ids=["101", "102", "103"])
        assert store.history().empty


def test_export_never_resets_a_labels_file_that_holds_labels(tmp_path):
    """Re-exporting into a folder whose template an annotator has filled would reset it to an empty template:
    the labels would be lost. Refused, nothing written; a template still empty is re-exported."""
    export_batches(items_for(_posts()), tmp_path, size=2)
    export_batches(items_for(_posts()), tmp_path, size=2)  # untouched templates: fine
    labels = tmp_path / "batch_002.labels.csv"
    labels.write_text(HEADER + "103,neutral,other,other,,no\n", encoding="utf-8")
    before = {f.name: f.read_bytes() for f in tmp_path.iterdir()}
    with pytest.raises(InputError, match=r"batch_002.labels.csv: holds 4 filled labels; .*import it first.* or choose another --out$"):
        export_batches(items_for(_posts()), tmp_path, size=2)
    assert {f.name: f.read_bytes() for f in tmp_path.iterdir()} == before  # not even batch_001 rewritten
    # a folder that is a file: one line
    with pytest.raises(InputError, match="a file, not a folder"):
        export_batches(items_for(_posts()), labels, size=2)


def test_batch_files_are_written_atomically(tmp_path):
    export_batches(items_for(_posts()), tmp_path, size=5)
    before = (tmp_path / "batch_001.jsonl").read_bytes()
    bad = items_for(_posts()).assign(operator=["x", float("inf"), "y"])  # not JSON: the write fails on row 2
    with pytest.raises(ValueError, match="JSON"):
        export_batches(bad, tmp_path, size=5)
    assert (tmp_path / "batch_001.jsonl").read_bytes() == before  # the previous file, never half a new one
    assert sorted(f.name for f in tmp_path.iterdir()) == ["batch_001.jsonl", "batch_001.labels.csv"]  # no temp file


def test_annotation_files_saved_as_gbk_are_read(tmp_path):
    """Excel on a Chinese Windows saves CSV as GBK: read as ingest reads an export, not a UnicodeDecodeError."""
    adj = tmp_path / "adj.csv"
    adj.write_bytes("item_id,field,value,text\n101,topic,broadband,宽带又断了\n".encode("gbk"))
    assert read_annotations(adj, known_ids=["101"]) == [{"item_id": "101", "field": "topic", "value": "broadband"}]
    wide = tmp_path / "wide.csv"
    wide.write_bytes((HEADER + "101,中性,other,other,,no\n").encode("gbk"))
    with pytest.raises(InputError, match="unknown label '中性'"):  # decoded, not mojibake
        read_annotations(wide, known_ids=["101"])
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_bytes('{"item_id": "101", "sentiment": "中性"}\n'.encode("gbk"))
    with pytest.raises(InputError, match="a.jsonl: line 1: not UTF-8 text"):
        read_annotations(jsonl)


def test_ids_a_spreadsheet_would_run_read_back_as_they_were(tmp_path):
    """wbcs's writer puts a ' before a cell starting with = + - @; the ids of a sample and a template it wrote must
    read back as the posts' ids."""
    ids = ['=HYPERLINK("x")', "+SUM(1)", "@x", "-1"]
    posts = pd.DataFrame({"post_id": ids, "text": ["宽带断了", "话费不对", "谢谢", "信号差"]})
    export_batches(items_for(posts), tmp_path, size=10)
    raw = (tmp_path / "batch_001.labels.csv").read_text(encoding="utf-8-sig")
    assert "'@x" in raw and "\n@x" not in raw  # no cell runs as a formula
    template = pd.read_csv(tmp_path / "batch_001.labels.csv", dtype=str, keep_default_na=False)
    filled = template.assign(sentiment="neutral", intent="other", topic="other", identifiable="no")
    filled.to_csv(tmp_path / "ann1.csv", index=False)  # as an annotator's spreadsheet saves it: the ' kept
    rows = read_annotations(tmp_path / "ann1.csv", known_ids=ids)
    assert sorted({r["item_id"] for r in rows}) == sorted(ids)
    from wbcs.io import write_table

    write_table(pd.DataFrame({"item_id": ids}), tmp_path / "sample.csv", mask=False)
    assert read_sample(tmp_path / "sample.csv") == ids


def test_progress_counts_what_the_adjudicator_adjudicated_without_a_remainder(tmp_path):
    with LabelStore(tmp_path / "s.sqlite") as store:
        store.record("101", "topic", "network", "adjudicator")
        store.record("101", "sentiment", "neutral", "ann1")
        table = progress(store, ["101", "102", "103"])
    assert table.to_dict("records") == [{"annotator": "adjudicator", "complete": 1, "remaining": None},
                                        {"annotator": "ann1", "complete": 0, "remaining": 3}]


def test_long_files_for_the_adjudicator(tmp_path):
    body = ("item_id,field,value,label_ann1,label_ann2\n"
            "101,topic,broadband,broadband,network\n"
            "102,negative_subtype,,abuse,\n")  # blank: not needed, not recorded
    rows = read_annotations(_write(tmp_path / "adj.csv", body), known_ids=["101", "102"])
    assert rows == [{"item_id": "101", "field": "topic", "value": "broadband"}]
    bad = _write(tmp_path / "adj2.csv", "item_id,field,value\n101,colour,red\n")
    with pytest.raises(InputError, match="row 1 \\(item 101\\), column 'field': unknown field 'colour'"):
        read_annotations(bad)


def test_cli_sample_batches_import_status_and_export(tmp_path, mirror):
    sample = tmp_path / "sample.csv"
    r = run_cli("label", "sample", "--out", str(sample), "--size", "30", "--seed", "3", "--include-committed")
    assert r.returncode == 0, r.stderr
    ids = read_sample(sample)
    assert len(ids) == 30
    out = tmp_path / "batches"
    r = run_cli("label", "batch-export", "--sample", str(sample), "--out", str(out), "--size", "25")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "batch_001.jsonl", "batch_001.labels.csv", "batch_002.jsonl", "batch_002.labels.csv"]
    # fill the first template: every post neutral/other/other/no
    with open(out / "batch_001.labels.csv", newline="", encoding="utf-8-sig") as f:  # wbcs's CSV: a BOM
        rows = list(csv.DictReader(f))
    for row in rows:
        row.update(sentiment="neutral", intent="other", topic="other", identifiable="no")
    filled = tmp_path / "ann1_001.csv"
    with open(filled, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["item_id", *FIELDS])
        w.writeheader()
        w.writerows(rows)
    store = tmp_path / "store.sqlite"
    args = ["--annotator", "test-cli", "--store", str(store), "--sample", str(sample)]
    r = run_cli("label", "import", str(filled), *args)
    assert r.returncode == 0, r.stderr
    assert "recorded 100 labels for test-cli" in r.stdout  # 25 posts × 4 fields
    r = run_cli("label", "status", "--store", str(store), "--sample", str(sample), "--json")
    assert json.loads(r.stdout)["annotators"] == [{"annotator": "test-cli", "complete": 25, "remaining": 5}]
    # a bad file: exit 2, one line, nothing more recorded
    bad = _write(tmp_path / "bad.csv", filled.read_text().replace("neutral", "meh", 1))
    r = run_cli("label", "import", str(bad), *args)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "row 1" in r.stderr and "unknown label 'meh'" in r.stderr
    r = run_cli("label", "export", "--store", str(store), "--out", str(tmp_path / "labels.csv"))
    assert r.returncode == 0
    assert len(pd.read_csv(tmp_path / "labels.csv")) == 100
    r = run_cli("label", "import", str(filled), "--annotator", "bad name!", "--store", str(store),
                "--sample", str(sample))
    assert r.returncode == 2 and "annotator name" in r.stderr
    # an annotator the store does not know: refused, as agreement refuses one, not "0 labels"
    r = run_cli("label", "export", "--store", str(store), "--out", str(tmp_path / "bogus.csv"), "--annotator", "bogus")
    assert r.returncode == 2 and "--annotator 'bogus': no labels of theirs" in r.stderr and "test-cli" in r.stderr
    assert not (tmp_path / "bogus.csv").exists()
    # re-exporting into the folder whose first template is filled: refused, the labels kept
    (out / "batch_001.labels.csv").write_bytes(filled.read_bytes())
    r = run_cli("label", "batch-export", "--sample", str(sample), "--out", str(out), "--size", "25")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "batch_001.labels.csv: holds 100 filled labels" in r.stderr and "choose another --out" in r.stderr
    assert (out / "batch_001.labels.csv").read_bytes() == filled.read_bytes()
    # a new annotator named with a phone number is refused (an export would mask the name and merge annotators)
    r = run_cli("label", "import", str(filled), "--annotator", "客户13812345678", "--identical", "--store", str(store),
                "--sample", str(sample))
    assert r.returncode == 2 and "contact data" in r.stderr and "13812345678" not in r.stderr, r.stderr
    # a Chinese name: the JSON keeps it as it is, not as \\uXXXX escapes
    # (test-cli's own file: --identical, or it is refused as another annotator's file)
    r = run_cli("label", "import", str(filled), "--annotator", "客服小王", "--identical", "--store", str(store),
                "--sample", str(sample))
    assert r.returncode == 0, r.stderr
    r = run_cli("label", "status", "--store", str(store), "--sample", str(sample), "--json")
    assert "客服小王" in r.stdout, r.stdout
    # both annotators gave one label throughout: κ and α are 0/0, shown as undefined with the reason, not 'nan'
    r = run_cli("label", "agreement", "--store", str(store), "--sample", str(sample))
    assert r.returncode == 0, r.stderr
    assert "nan" not in r.stdout and "sentiment             25   1.000       –       –" in r.stdout, r.stdout
    assert "– : undefined (every label of the field is one class" in r.stdout


def test_cli_import_of_a_bad_file_creates_no_store_and_batch_export_needs_a_folder(tmp_path):
    sample = _write(tmp_path / "sample.csv", "post_id\n101\n102\n103\n")
    store = tmp_path / "mine.sqlite"
    blank = _write(tmp_path / "batch_001.labels.csv", HEADER + "101,,,,,\n")
    r = run_cli("label", "import", str(blank), "--annotator", "ann1", "--sample", str(sample), "--store", str(store))
    assert r.returncode == 2 and "(one of: positive, neutral, negative)" in r.stderr, r.stderr
    assert not store.exists()  # a failed import leaves no new store behind
    # a good file then a bad one: nothing recorded, still no store
    good = _write(tmp_path / "good.csv", GOOD)
    r = run_cli("label", "import", str(good), str(blank), "--annotator", "ann1", "--sample", str(sample),
                "--store", str(store))
    assert r.returncode == 2 and not store.exists()
    passes = tmp_path / "passes"
    (passes / "ann1").mkdir(parents=True)
    _write(passes / "ann1" / "a.csv", GOOD)
    _write(passes / "ann1" / "b.csv", HEADER + "101,,,,,\n")
    r = run_cli("label", "rebuild", "--passes", str(passes), "--store", str(store), "--sample", str(sample))
    assert r.returncode == 2 and "b.csv: row 1" in r.stderr and not store.exists()
    # an adjudicator's status is what they adjudicated, not a remainder of the whole sample
    assert run_cli("label", "import", str(good), "--annotator", "ann1", "--sample", str(sample),
                   "--store", str(store)).returncode == 0
    adj = _write(tmp_path / "adj.csv", "item_id,field,value\n101,topic,network\n")
    assert run_cli("label", "import", str(adj), "--annotator", "adjudicator", "--sample", str(sample),
                   "--store", str(store)).returncode == 0
    r = run_cli("label", "status", "--store", str(store), "--sample", str(sample))
    assert "adjudicator      adjudicated     1 items" in r.stdout and "ann1             complete     2  remaining     1" \
        in r.stdout, r.stdout
    line = next(x for x in r.stdout.splitlines() if "adjudicator" in x)
    assert "remaining" not in line
    # --out an existing file, not a folder: one line, exit 2, no traceback
    r = run_cli("label", "batch-export", "--sample", str(sample), "--posts", str(tmp_path / "posts.csv"),
                "--out", str(good))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "a file, not a folder" in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_cli_batch_export_into_a_read_only_folder_is_one_line(tmp_path):
    sample = _write(tmp_path / "sample.csv", "post_id\n101\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        r = run_cli("label", "batch-export", "--sample", str(sample), "--posts", str(tmp_path / "posts.csv"),
                    "--out", str(locked / "batches"))
    finally:
        locked.chmod(0o700)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "permission denied" in r.stderr


def test_every_label_command_has_an_example():
    from wbcs.cli import build_parser

    parser = build_parser()
    top = next(a for a in parser._actions if a.dest == "command").choices["label"]
    cmds = next(a for a in top._actions if a.dest == "label_command").choices
    assert {"sample", "batch-export", "import", "rebuild", "status", "export", "agreement",
            "disagreements", "consensus", "issues"} <= set(cmds)
    for name, p in cmds.items():
        assert "Example:\n  wbcs label " + name in p.format_help(), name


def test_rebuild_imports_every_annotator_folder(tmp_path):
    passes = tmp_path / "passes"
    (passes / "ann1").mkdir(parents=True)
    (passes / "ann2").mkdir()
    _write(passes / "ann1" / "batch_001.csv", GOOD)
    _write(passes / "ann2" / "batch_001.csv", GOOD.replace("broadband", "network"))
    _write(passes / "ann2" / "notes.md", "102 — is a bill question a consultation?\n")  # not imported
    sample = _write(tmp_path / "sample.csv", "post_id\n101\n102\n103\n")
    store = tmp_path / "store.sqlite"
    args = ["label", "rebuild", "--passes", str(passes), "--store", str(store), "--sample", str(sample)]
    r = run_cli(*args)
    assert r.returncode == 0 and "2 files" in r.stdout and "recorded 18 labels" in r.stdout, r.stderr
    r = run_cli(*args)  # again: nothing new
    assert "recorded 0 labels, 18 already there" in r.stdout
    with LabelStore(store) as s:
        cur = s.current().set_index(["annotator", "item_id", "field"])["value"]
    assert cur[("ann2", "101", "topic")] == "network" and cur[("ann1", "101", "topic")] == "broadband"


def test_a_second_sample_excludes_the_first_and_both_count_as_known_items(tmp_path, mirror):
    first, second = tmp_path / "gold_sample.csv", tmp_path / "gold_sample_2.csv"
    assert run_cli("label", "sample", "--out", str(first), "--size", "40", "--seed", "0", "--include-committed").returncode == 0
    r = run_cli("label", "sample", "--out", str(second), "--size", "100000", "--seed", "1",
                "--exclude", str(first), "--include-committed")
    assert r.returncode == 0, r.stderr
    a, b = read_sample(first), read_sample(second)
    assert not set(a) & set(b)
    telecom = mirror_telecom_ids()
    assert set(a) | set(b) == telecom  # a size above what is left takes every remaining post
    assert read_sample([first, second]) == a + b
    _write(tmp_path / "dup.csv", "post_id\n" + a[0] + "\n")
    with pytest.raises(InputError, match="is in two samples"):
        read_sample([first, tmp_path / "dup.csv"])
    # an annotation of an item of the second sample imports when both samples are given
    filled = _write(tmp_path / "one.csv", HEADER + f"{b[0]},neutral,other,other,,no\n")
    store = tmp_path / "store.sqlite"
    r = run_cli("label", "import", str(filled), "--annotator", "t", "--store", str(store),
                "--sample", str(first))
    assert r.returncode == 2 and "not in the sample" in r.stderr
    r = run_cli("label", "import", str(filled), "--annotator", "t", "--store", str(store),
                "--sample", str(first), str(second))
    assert r.returncode == 0, r.stderr
    # nothing left to sample: said, exit 2, no header-only file
    third = tmp_path / "gold_sample_3.csv"
    r = run_cli("label", "sample", "--out", str(third), "--size", "100", "--seed", "3", "--exclude", str(first),
                str(second), "--include-committed")
    assert r.returncode == 2 and f"every one of the {len(telecom)} candidate posts" in r.stderr, r.stderr
    assert "nothing was written" in r.stderr and not third.exists()


def mirror_telecom_ids() -> set[str]:
    from wbcs.datasets import load_stc3

    return set(load_stc3(split="train")["post_id"])


def test_batch_export_never_writes_over_its_posts_or_sample(tmp_path):
    """--posts or --sample that is a batch file of --out is refused before anything is written: the 1,323 posts of
    an ingest table named batch_001.jsonl were replaced by a 10-line batch."""
    out = tmp_path / "o9"
    out.mkdir()
    posts = out / "batch_001.jsonl"
    posts.write_text("".join(json.dumps({"post_id": f"p{i}", "text": f"宽带第{i}次断了", "created_at":
                                         "2025-01-01T10:00:00+08:00"}, ensure_ascii=False) + "\n"
                             for i in range(12)), encoding="utf-8")
    sample = _write(tmp_path / "s.csv", "post_id\n" + "".join(f"p{i}\n" for i in range(12)))
    before = posts.read_bytes()
    r = run_cli("label", "batch-export", "--sample", str(sample), "--posts", str(posts), "--out", str(out),
                "--size", "10")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f"{posts}: is the --posts file; writing it would destroy the input" in r.stderr
    assert posts.read_bytes() == before and sorted(p.name for p in out.iterdir()) == ["batch_001.jsonl"]
    # the sample where a batch's labels template goes
    own, elsewhere = out / "batch_002.labels.csv", tmp_path / "posts.jsonl"
    own.write_bytes(sample.read_bytes())
    elsewhere.write_bytes(before)
    r = run_cli("label", "batch-export", "--sample", str(own), "--posts", str(elsewhere), "--out", str(out),
                "--size", "10")
    assert r.returncode == 2 and f"{own}: is the --sample file" in r.stderr, r.stderr
    assert own.read_bytes() == sample.read_bytes() and posts.read_bytes() == before
    with pytest.raises(InputError, match="is the input file"):
        export_batches(items_for(_posts()), out, size=2, inputs=[posts])
    assert posts.read_bytes() == before
    r = run_cli("label", "batch-export", "--sample", str(sample), "--posts", str(posts), "--out",
                str(tmp_path / "b"), "--size", "10")
    assert r.returncode == 0 and (tmp_path / "b" / "batch_002.jsonl").is_file(), r.stderr
