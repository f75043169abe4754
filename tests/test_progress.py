"""Progress bars (wbcs.progress): shown on a terminal and in a notebook, never '\\r' frames in a log, and ended
cleanly when the work ends before its total."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
import yaml

from tests.helpers import run_cli_on_terminal, run_notebook
from wbcs.config import ROOT
from wbcs.progress import bar, finish

SMALL = {"name": "small", "horizon_days": 3, "warmup_days": 1, "arrivals": {"rate_per_hour": 30},
         "mix": {"complaint": 0.5, "consultation": 0.5}, "agents": 3,
         "service_minutes": {"distribution": "exponential", "mean": 4},
         "tickets": {"share": 0.3, "back_office": {"capacity": 2}}, "satisfaction": {"probability": 0.8}}
HEADER = "item_id,sentiment,intent,topic,negative_subtype,identifiable\n"
GOOD = HEADER + "101,negative,complaint,broadband,concrete_complaint,yes\n102,neutral,consultation,billing,,no\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def notebook(monkeypatch):
    """tqdm.auto as in a Jupyter kernel (tqdm.notebook's widget bar); yields the bars made."""
    import tqdm.auto
    import tqdm.notebook

    made = []

    class Widget(tqdm.notebook.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(tqdm.auto, "tqdm", Widget)
    return made


def test_a_bar_shows_on_a_terminal_only_and_never_when_progress_is_off():
    assert not bar(range(3), file=Terminal()).disable
    assert bar(range(3), file=io.StringIO()).disable  # stderr a log file or a pipe
    assert bar(range(3), progress=False, file=Terminal()).disable


def test_in_a_notebook_the_widget_shows_and_one_cut_short_ends_done_not_red(notebook):
    shown = bar(total=20)  # a kernel's stderr is no terminal: tqdm.notebook still shows its widget
    assert notebook == [shown] and not shown.disable
    shown.update(16)
    finish(shown)
    widget = shown.container.children[1]
    assert (widget.value, widget.max) == (16, 16) and widget.bar_style != "danger"
    assert bar(total=20, progress=False).disable


def test_a_bar_cut_short_is_finished_at_its_count():
    out = Terminal()
    shown = bar(total=20, file=out)
    shown.update(16)
    finish(shown)
    assert "100%" in out.getvalue().split("\r")[-1] and "16/16" in out.getvalue().split("\r")[-1]


def test_a_staffing_search_that_converges_early_ends_its_bar_full(monkeypatch):
    """The staff bar stayed at '80% 16/20' when the search converged before --max-iterations."""
    from wbcs.sim.staffing import plan_staffing

    out = Terminal()
    monkeypatch.setattr(sys, "stderr", out)
    plan = plan_staffing(SMALL, 0.8, replications=1, max_iterations=50, progress=True)
    assert plan.converged and plan.iterations < 50
    last = out.getvalue().rstrip("\n").split("\r")[-1]
    assert "100%" in last and f"{plan.iterations}/{plan.iterations}" in last, last


def test_self_training_that_stops_early_leaves_no_red_bar_in_a_notebook(notebook):
    from wbcs.classify.strong import SelfTraining

    texts = ["信号差", "宽带断了", "话费多扣了", "谢谢客服"] * 3
    SelfTraining(threshold=1.1, max_rounds=3).fit(  # nothing is sure: one round
        texts, ["neg", "neg", "neu", "neu"] * 3, unlabelled=["信号好", "宽带"])
    [shown] = notebook  # done: hidden as a bar with leave=False is, not left red as failed
    assert shown.container.children[1].bar_style != "danger" and shown.container.layout.visibility == "hidden"


BARS = {  # cell: what it leaves in the executed notebook
    "done": "for _ in bar(range(7), desc='done', leave=False): pass\nprint('after done')",
    "cut short": "meter = bar(total=20, desc='cut short', leave=False)\nmeter.update(16)\nfinish(meter)",
    "failed": "try:\n    for i in bar(range(5), desc='failed', leave=False):\n        if i == 2:\n"
              "            raise RuntimeError('stop')\nexcept RuntimeError:\n    print('after failed')",
    "kept": "for _ in bar(range(3), desc='kept'): pass",
}


@pytest.mark.notebook
def test_a_notebook_keeps_no_trace_of_a_finished_bar_and_shows_a_failed_one(tmp_path):
    """A leave=False bar left its closed widget in the cell: "Error displaying widget: model not found" in Voilà,
    'choosing a configuration: 0%| 0/7' in a saved notebook (notebook 03 had 11 of them)."""
    import nbformat

    source = [nbformat.v4.new_code_cell("from wbcs.progress import bar, finish")]
    source += [nbformat.v4.new_code_cell(code) for code in BARS.values()]
    (tmp_path / "src").mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=source), tmp_path / "src" / "bars.ipynb")
    run_notebook(tmp_path / "src" / "bars.ipynb", tmp_path, timeout=300)
    cells = dict(zip(BARS, nbformat.read(tmp_path / "bars.ipynb", as_version=4).cells[1:], strict=True))
    shown = {name: [o for o in cell.outputs if o.output_type == "display_data"] for name, cell in cells.items()}

    for name in ("done", "cut short"):  # one output each, emptied
        assert [o.data for o in shown[name]] == [{}], (name, cells[name].outputs)
    assert [o.text for o in cells["done"].outputs if o.output_type == "stream"] == ["after done\n"]
    [failed] = shown["failed"]  # visible, with how far it got (red in a live notebook)
    assert "application/vnd.jupyter.widget-view+json" in failed.data
    assert failed.data["text/plain"].startswith("failed:  40%") and "2/5" in failed.data["text/plain"]
    [kept] = shown["kept"]  # saved as it ended, not as it started
    assert kept.data["text/plain"].startswith("kept: 100%") and "3/3" in kept.data["text/plain"]


def _passes(tmp_path):
    passes = tmp_path / "passes"
    for annotator in ("ann1", "ann2"):
        (passes / annotator).mkdir(parents=True)
        (passes / annotator / "batch_001.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sample.csv").write_text("post_id\n101\n102\n", encoding="utf-8")
    return passes


def _commands(tmp_path):
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(SMALL))
    ids = ["3830401296796826", "3830401296796827"]
    (tmp_path / "posts.csv").write_text("post_id,created_at,text\n" + "".join(f"{i},2024-03-01 10:00,信号差\n"
                                                                             for i in ids), encoding="utf-8")
    (tmp_path / "posts_sample.csv").write_text("post_id\n" + "\n".join(ids) + "\n", encoding="utf-8")
    return {
        "simulate": ["simulate", "--scenario", str(tmp_path / "small.yaml"), "--replications", "5"],
        "staff": ["staff", "--scenario", str(tmp_path / "small.yaml"), "--target", "0.8", "--replications", "1"],
        "rebuild": ["label", "rebuild", "--passes", str(_passes(tmp_path)), "--store", str(tmp_path / "s.sqlite"),
                    "--sample", str(tmp_path / "sample.csv")],
        "batch-export": ["label", "batch-export", "--sample", str(tmp_path / "posts_sample.csv"), "--posts",
                         str(tmp_path / "posts.csv"), "--out", str(tmp_path / "batches"), "--size", "1"],
    }


@pytest.mark.parametrize("command", ["simulate", "staff", "rebuild", "batch-export"])
def test_a_log_file_gets_no_progress_frames(tmp_path, command):
    """`wbcs simulate … 2> log` wrote a '\\r' frame of its bar into the log every few tenths of a second."""
    log = tmp_path / "stderr.log"
    with open(log, "w") as err:
        r = subprocess.run([sys.executable, "-m", "wbcs", *_commands(tmp_path)[command]], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=err, text=True, timeout=600)
    written = log.read_text(encoding="utf-8")
    assert r.returncode == 0, written
    assert "\r" not in written and "%|" not in written, written


def test_label_rebuild_shows_the_files_imported_on_a_terminal(tmp_path):
    """352 annotation files took 2 min 35 s with nothing on the screen."""
    r, shown = run_cli_on_terminal(*_commands(tmp_path)["rebuild"])
    assert r.returncode == 0 and "recorded 18 labels" in r.stdout, shown
    assert "importing: 100%" in shown and "2/2" in shown, shown
