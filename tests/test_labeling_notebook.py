"""notebooks/02-label-posts.ipynb runs headless in smoke mode, and its annotator still works after Run All."""

from __future__ import annotations

import nbformat
import pytest

from tests.helpers import run_notebook
from wbcs.config import ROOT
from wbcs.labeling.store import LabelStore

AFTER_RUN_ALL = """
# pressed after every cell ran, as a user does after Run All
view.handle_key({"event": "keydown", "key": "1", "shiftKey": False, "ctrlKey": False})
assert "cannot be written" not in view.status.value, view.status.value
print("after run all:", view.status.value)
"""


@pytest.mark.notebook
def test_label_posts_notebook_runs_and_the_widget_works_after_run_all(tmp_path, mirror):
    nb = nbformat.read(ROOT / "notebooks" / "02-label-posts.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(AFTER_RUN_ALL))
    copy = tmp_path / "02-label-posts.ipynb"
    nbformat.write(nb, copy)
    out = tmp_path / "02-label-posts"
    out.mkdir()
    with LabelStore(out / "labels-smoke.sqlite") as stale:  # an earlier smoke run's presses: not carried into this one
        stale.skip("an-earlier-item", "smoke-test")
    run_notebook(copy, tmp_path)
    for ext in ("jsonl", "csv", "parquet"):
        assert (out / f"labels_smoke-test.{ext}").stat().st_size > 0
    assert not (out / "labels.sqlite").exists()  # a user's own store is never touched by the smoke presses
    with LabelStore(out / "labels-smoke.sqlite") as store:
        hist = store.history()
    # the headless key presses: 5 labels, 2 undos, 2 redos, 1 skip; then one more after Run All
    assert hist["action"].value_counts().to_dict() == {"label": 6, "undo": 2, "redo": 2, "skip": 1}
    executed = nbformat.read(copy, as_version=4)
    text = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "after run all: sentiment = positive" in text
    # the gold-set check rebuilds the notebook's own sample from the passes (all of them took minutes), whole
    from wbcs.config import DATA_DIR
    from wbcs.labeling.batch import read_sample

    sample = set(read_sample(DATA_DIR / "labels" / "gold_sample.csv"))
    with LabelStore(out / "gold_rebuilt.sqlite") as gold:
        rebuilt = gold.current()
    assert set(rebuilt["item_id"]) == sample and set(rebuilt["annotator"]) == {"ann1", "ann2", "adjudicator"}
    gold_cell = next(c for c in executed.cells if "read_passes" in c.source)
    assert "kappa" in gold_cell.outputs[0]["data"]["text/html"]


@pytest.mark.notebook
def test_voila_serves_the_annotator_alone_and_at_once(tmp_path, mirror):
    """Voilà sends the page once every cell ran: the gold-set rebuild made annotators wait ~5 minutes for it."""
    from tests.test_kpi_notebook import voila_page

    page = voila_page("02-label-posts.ipynb", tmp_path)
    assert "Traceback" not in page and "Error" not in page.split("</script>")[-1]
    assert page.count("application/vnd.jupyter.widget-view+json") == 1  # the annotator
    assert "The posts to label" in page and ".celltag_notebook-only { display: none; }" in page  # hidden
    out = tmp_path / "02-label-posts"
    assert not (out / "gold_rebuilt.sqlite").exists() and not list(out.glob("labels_*"))  # neither ran
    assert "looked for:" not in page
    with LabelStore(out / "labels-smoke.sqlite") as store:
        assert store.history().empty  # in the app nothing presses keys for the annotator
