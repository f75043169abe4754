"""Set-up: pyproject and environment.yml agree; `import wbcs` is light; the CLI answers."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml

from tests.helpers import run_cli
from wbcs.config import ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    py_deps = {_name(r) for r in project["dependencies"]}
    for reqs in project["optional-dependencies"].values():
        py_deps |= {_name(r) for r in reqs if not r.startswith("wbcs[")}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    env_deps, pip_deps = set(), set()
    for d in env["dependencies"]:
        if isinstance(d, dict):
            pip_deps |= {_name(r) for r in d["pip"] if not r.startswith("-e")}
        elif _name(d) not in ("python", "pip"):
            env_deps.add(_name(d))
    assert env_deps | pip_deps == py_deps, (
        f"only in pyproject: {sorted(py_deps - env_deps - pip_deps)}; "
        f"only in environment.yml: {sorted((env_deps | pip_deps) - py_deps)}")
    assert "-e .[all]" in next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]


def test_torch_is_pinned_to_the_cpu_build_everywhere():
    text = (ROOT / "pyproject.toml").read_text() + (ROOT / "environment.yml").read_text()
    # every requirement line naming torch (quoted in pyproject, a list item in the yml)
    pins = re.findall(r"""(?:"|- )torch\b([^"\n]*)""", text)
    assert len(pins) == 2 and all(p.strip() == "==2.13.0" for p in pins), pins
    assert "torch==2.13.0" in (ROOT / "Makefile").read_text()


def test_import_wbcs_is_light():
    code = ("import sys, wbcs, wbcs.schema, wbcs.cli; "
            "heavy = [m for m in ('torch', 'transformers', 'plotly', 'ipywidgets', 'sklearn') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import wbcs pulled in: {out.stdout.strip()}"


def test_import_wbcs_works_without_torch():
    # A finder that refuses torch/transformers, as on a machine without them.
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'transformers'): raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import wbcs, wbcs.cli\n"
        "wbcs.cli.build_parser()\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_cli_help_and_version():
    r = run_cli("--help")
    assert r.returncode == 0 and "COMMAND" in r.stdout
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("wbcs ")


def test_every_command_has_help_with_an_example():
    from wbcs.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        text = p.format_help()
        assert "Example" in text and "wbcs " in text, f"'wbcs {name} --help' shows no example"


def test_readme_opens_with_the_two_commands_and_ci_calls_make_test():
    head = (ROOT / "README.md").read_text().split("\n## ", 1)[0]
    assert "make demo" in head and "make test" in head
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "make test"


def _imported_top_modules() -> set[str]:
    """Top-level modules imported anywhere in the package, tests, benchmarks and notebooks."""
    import ast
    import json

    sources = [p.read_text(encoding="utf-8") for d in ("wbcs", "tests", "benchmarks")
               for p in (ROOT / d).rglob("*.py")]
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        sources += ["\n".join(line for line in "".join(c["source"]).splitlines()
                              if not line.lstrip().startswith(("%", "!")))
                    for c in cells if c["cell_type"] == "code"]
    mods = set()
    for src in sources:
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods.add(node.module.split(".")[0])
    return mods - set(sys.stdlib_module_names) - {"wbcs", "tests", "benchmarks"}


def test_every_imported_package_is_declared():
    """A package installed by hand but not declared passes locally and fails on a fresh machine
    (it happened once with small-text): every third-party import must come from a declared
    distribution or from one of their own dependencies' distributions that we name below."""
    from importlib.metadata import packages_distributions, requires

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for reqs in project["optional-dependencies"].values():
        declared |= {_name(r) for r in reqs if not r.startswith("wbcs[")}
    # distributions that come with a declared one (the declared one requires them)
    reachable = set(declared)
    for dist in declared:
        try:
            reachable |= {_name(r) for r in requires(dist) or [] if "extra ==" not in r}
        except Exception:  # noqa: BLE001 — a declared but not installed extra is checked elsewhere
            pass
    dists = packages_distributions()
    missing = {}
    # peers a benchmark measures when present (imported under `except ImportError`), never wbcs deps
    optional_peers = {"datasketch", "playwright"}  # playwright: bench_voila drives Chromium when present
    for mod in sorted(_imported_top_modules() - optional_peers):
        names = {_name(d) for d in dists.get(mod, [])}
        if not names & reachable:
            missing[mod] = sorted(names) or ["not installed"]
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
