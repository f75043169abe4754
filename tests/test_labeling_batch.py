"""Gold sample, batch export and validated import (library and `wbcs label` commands)."""

from __future__ import annotations

import csv
import json

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


def test_export_writes_batches_and_empty_templates(tmp_path):
    files = export_batches(items_for(_posts()), tmp_path, size=2)
    assert [f.name for f in files] == ["batch_001.jsonl", "batch_002.jsonl"]
    lines = [json.loads(x) for x in files[0].read_text(encoding="utf-8").splitlines()]
    assert [x["item_id"] for x in lines] == ["101", "102"]
    assert "13812345678" not in files[0].read_text(encoding="utf-8")
    template = (tmp_path / "batch_002.labels.csv").read_text().splitlines()
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
    (GOOD.replace(",identifiable", ""), r"missing column 'identifiable'"),
    (HEADER.strip() + ",note\n101,neutral,other,other,,no,hi\n", r"unknown column 'note'"),
    (GOOD.replace(",yes", ",True"), r"column 'identifiable': unknown label 'True' \(known: yes, no\)"),
]


@pytest.mark.parametrize("body,message", BAD_CASES)
def test_a_bad_file_names_the_row_and_records_nothing(tmp_path, body, message):
    path = _write(tmp_path / "bad.csv", body)
    with LabelStore(tmp_path / "s.sqlite") as store:
        with pytest.raises(InputError, match=message):
            import_annotations(store, path, "ann1", known_ids=["101", "102", "103"])
        assert store.history().empty


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
    r = run_cli("label", "sample", "--out", str(sample), "--size", "30", "--seed", "3")
    assert r.returncode == 0, r.stderr
    ids = read_sample(sample)
    assert len(ids) == 30
    out = tmp_path / "batches"
    r = run_cli("label", "batch-export", "--sample", str(sample), "--out", str(out), "--size", "25")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "batch_001.jsonl", "batch_001.labels.csv", "batch_002.jsonl", "batch_002.labels.csv"]
    # fill the first template: every post neutral/other/other/no
    with open(out / "batch_001.labels.csv", newline="") as f:
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
    assert run_cli("label", "sample", "--out", str(first), "--size", "40", "--seed", "0").returncode == 0
    r = run_cli("label", "sample", "--out", str(second), "--size", "100000", "--seed", "1",
                "--exclude", str(first))
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


def mirror_telecom_ids() -> set[str]:
    from wbcs.datasets import load_stc3

    return set(load_stc3(split="train")["post_id"])
