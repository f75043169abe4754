"""wbcs label agreement with fewer than two annotators: one line and exit 2, not an empty table (n = 0) and exit 0."""

from __future__ import annotations

from tests.helpers import run_cli
from tests.test_labeling_integrity import ANN1, ANN2


def test_agreement_of_one_annotator_is_refused_in_one_line(tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text("post_id\n101\n102\n")
    store = tmp_path / "s.sqlite"
    base = ["--store", str(store), "--sample", str(sample)]
    for name, body in (("tA", ANN1), ("adjudicator", ANN1)):
        (tmp_path / f"{name}.csv").write_text(body, encoding="utf-8")
        r = run_cli("label", "import", str(tmp_path / f"{name}.csv"), "--annotator", name, "--identical", *base)
        assert r.returncode == 0, r.stderr
    for extra in ([], ["--json"]):
        r = run_cli("label", "agreement", *base, *extra)
        assert r.returncode == 2 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1, r.stdout + r.stderr
        assert (f"agreement needs at least two annotators; {store} has tA on the items of --sample "
                "(and adjudicator, who is not compared)") in r.stderr
    (tmp_path / "tB.csv").write_text(ANN2, encoding="utf-8")
    assert run_cli("label", "import", str(tmp_path / "tB.csv"), "--annotator", "tB", *base).returncode == 0
    r = run_cli("label", "agreement", *base, "--annotators", "tA", "tA")
    assert r.returncode == 2 and "--annotators gives tA, tA; " in r.stderr, r.stderr
    r = run_cli("label", "agreement", *base)
    assert r.returncode == 0 and "topic" in r.stdout, r.stderr
