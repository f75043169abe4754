"""The README's and --help's commands name data/... files from the repository's folder; run from a folder of the
user's own, ingest, kpi, hot, report, triage and reply said "file not found" (exit 2) where norms read the package's copy.
Every input path option of theirs now goes through wbcs.cli.shipped_input, which says when it took the copy."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli

EXPORT = "data/examples/weibo_export.csv"
SETTINGS = ["--policy", "data/policy.yaml", "--routes", "data/routes.yaml"]
COMMANDS = {
    "ingest": ["ingest", EXPORT, "--out", "out/posts.parquet", "--export-time", "2024-05-04 21:30"],
    "kpi": ["kpi", "--posts", EXPORT, *SETTINGS],
    "hot": ["hot", "--posts", EXPORT, "--policy", "data/policy.yaml"],
    "report": ["report", "--posts", EXPORT, "--out", "out/report.html", "--end", "2024-05-04",
               "--account-posts", "data/examples/account_posts.csv", *SETTINGS],
    "triage": ["triage", "--posts", EXPORT, "--out", "out/routed.csv", *SETTINGS],
    "norms": ["norms", "--posts", "data/examples/account_posts.csv", "--policy", "data/policy.yaml"],
    "reply": ["reply", "--posts", EXPORT, "--out", "out/drafts.csv", "--no-stc3", "--replies", "data/replies.yaml",
              *SETTINGS],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_data_paths_are_read_from_the_package_in_any_folder(tmp_path, command):
    args = COMMANDS[command]
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    taken = [a for a in args if a.startswith("data/")]
    for path in taken:  # each one said, on stderr (stdout stays the command's own: JSON with --json)
        assert f"{path}: not in this folder; reading the package's " in r.stderr, (path, r.stderr)
    assert not any(p.name == "data" for p in tmp_path.iterdir())  # read, nothing written there
