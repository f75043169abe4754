"""What the engines share with ``wbcs.io.ingest`` is its public API: ``as_bool`` (the yes/no cells) and
``by_unique`` (a function over each distinct value once). Before: ``wbcs.kpi.duck`` imported ``_as_bool`` and
``wbcs.kpi.partitioned_hot`` ``_by_unique``, private names another module could rename without knowing."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

import wbcs

PACKAGE = Path(wbcs.__file__).parent


def test_no_module_imports_a_private_name_of_ingest():
    private = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "wbcs.io.ingest":
                private += [f"{path.relative_to(PACKAGE)}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []


def test_as_bool_reads_yes_no_as_ingest_does():
    from wbcs.io.ingest import as_bool, by_unique

    assert [as_bool(v) for v in ["是", " YES ", "否", "true", "0", True, False, "maybe", None]] == \
        [True, True, False, True, False, True, False, None, None]
    calls = []
    out = by_unique(pd.Series(["a", "b", "a", None]), lambda v: calls.append(v) or v.upper())
    assert out.tolist() == ["A", "B", "A", None] and calls == ["a", "b"]
