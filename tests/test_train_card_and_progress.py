"""What ``wbcs train`` shows and says of its own run: every phase named on a progress bar as it starts (the selection's
steps on a bar of their own), never a frame in a log; and the card says of out-of-domain rows what became of them,
as the selection's table does: chosen, tried and not used, or not tried because the time budget was spent
(``train.fit_task``, ``configs.select``, ``card.extra_outcome``)."""

from __future__ import annotations

import io
import re
import sys

import numpy as np
import pandas as pd
import pytest

from wbcs.classify import TextClassifier
from wbcs.classify.card import card_markdown, extra_outcome
from wbcs.classify.tasks import ExtraData, task_from_table
from wbcs.classify.train import fit_task

POS, NEG, NOISE = list("好赞棒爱喜乐美妙"), list("差烂坑骗慢贵错怒"), list("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _rows(n: int, seed: int) -> pd.DataFrame:
    """n posts, half 'pos' and half 'neg', each with two characters of its label among ten of noise."""
    rng = np.random.default_rng(seed)
    labels = ["pos", "neg"] * (n // 2)
    texts = ["".join(rng.permutation([*rng.choice(POS if y == "pos" else NEG, 2), *rng.choice(NOISE, 10)]))
             for y in labels]
    return pd.DataFrame({"text": texts, "mood": labels})


def _fit(budget: float, **options):
    task = task_from_table(_rows(120, 1), "mood", test=_rows(40, 2))[0]
    extra = ExtraData("public.csv", _rows(60, 3).rename(columns={"mood": "label"}),
                      [{"source": "public.csv", "rows": 60, "sha256": "0" * 64}])
    return fit_task(task, seed=0, budget=budget, words=False, extra=extra,
                    base=TextClassifier(min_df=1, calibration="sigmoid", random_state=0), **options)


PHASES = ["choosing a configuration", "choosing how its shares are counted", "held-out fit",
          "held-out figures (bootstrap intervals, the plain peer)", "learning curve", "refit for the saved model"]


def test_every_phase_of_a_training_run_is_named_on_a_terminal(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _fit(0, curve=True)
    shown = terminal.getvalue()
    on_bar = re.findall(r"training mood: .*?\[[0-9:]+, ([^\]]+)\]", shown)
    assert [p for p in PHASES if p in on_bar] == PHASES, on_bar  # each named on the run's bar, in order
    # the selection's bar names each of its steps, those after the candidates too (they once ran unseen)
    steps = set(re.findall(r"choosing a configuration: .*?\[[0-9:]+, ([^\]]+)\]", shown))
    assert {"lr C=1", "vote"} <= steps
    assert any(s.endswith("sigmoid calibration") for s in steps) and any(s.endswith("+ class bias") for s in steps)
    assert any(s.endswith("public.csv (own rows ×3)") for s in steps)
    # choosing how its shares are counted: the quantifiers' repeated CV counts its repeats × folds (kpi.quantify.quantifier_cv)
    counted = re.findall(r"quantifier CV: .*?\| (\d+)/(\d+) \[", shown)
    # it advances (the last refresh before a cleared bar closes depends on tqdm's clock, not on the count)
    assert counted and counted[-1][1] != "0" and int(counted[-1][0]) > int(counted[0][0])
    # each bar counts its steps right: never past its total, and it ends complete
    counts = [(int(n), int(total)) for n, total in re.findall(r"\| (\d+)/(\d+) \[", shown)]
    assert counts and all(n <= total for n, total in counts)


def test_out_of_domain_rows_the_time_budget_left_untried_are_said_untried_not_unused(monkeypatch):
    log = io.StringIO()  # stderr a file or a pipe: no '\r' frame, no bar at all
    monkeypatch.setattr(sys, "stderr", log)
    # a budget spent by the first candidate: every step after it, the out-of-domain rows' too, is skipped
    _, entry = _fit(1e-9, refit=False)
    assert log.getvalue() == ""
    cut = "time budget (1e-09 s) spent"
    skipped = [r for r in entry["selection"]["table"] if "public.csv (own rows" in r["config"]]
    assert [r["skipped"] for r in skipped] == [cut, cut]
    role = next(d["role"] for d in entry["data"] if d["source"] == "public.csv")
    assert role == f"out-of-domain rows, not tried: {cut}"
    assert entry["extra"]["weight"] is None
    card = card_markdown({"fields": {"mood": entry}})
    assert f"own rows weighted ×1, ×3 — not tried: {cut})" in card and "tried and not used" not in card


def _selection(rows: list[dict], chosen=None, weights=(1.0, 3.0)) -> dict:
    return {"extra": {"name": "public.csv", "rows": 60, "weights": list(weights), "chosen_weight": chosen},
            "table": [{"config": "lr C=1", "skipped": None, "params": {"C": 1.0}}, *rows]}


def _tried(w: float) -> dict:
    return {"config": f"lr C=1 + public.csv (own rows ×{w:g})", "skipped": None, "params": {"C": 1.0, "extra_weight": w}}


def _cut(w: float, params: bool = True) -> dict:
    return {"config": f"lr C=1 + public.csv (own rows ×{w:g})", "skipped": "time budget (40 s) spent",
            **({"params": {"extra_weight": w}} if params else {})}


@pytest.mark.parametrize("rows, chosen, said", [
    ([_tried(1), _tried(3)], None, "tried and not used"),
    ([_tried(1), _tried(3)], 3, "×1 tried and not used; ×3 chosen"),
    ([_tried(1), _cut(3)], None, "×1 tried and not used; ×3 not tried: time budget (40 s) spent"),
    ([_tried(1), _cut(3)], 1.0, "×1 chosen; ×3 not tried: time budget (40 s) spent"),
    ([_cut(1), _cut(3)], None, "not tried: time budget (40 s) spent"),
    # a card written before a skipped row kept its weight: untried, its reason unsaid (never "tried")
    ([_tried(1), _cut(3, params=False)], None, "×1 tried and not used; ×3 not tried"),
])
def test_what_became_of_each_domain_weight(rows, chosen, said):
    assert extra_outcome(_selection(rows, chosen)) == said


def _steps(shown: str, desc: str) -> list[str]:
    """The step names bar ``desc`` showed, in order, each once."""
    return list(dict.fromkeys(re.findall(rf"{desc}: .*?\[[0-9:]+, ([^\]]+)\]", shown)))


@pytest.mark.slow  # ~30 s of CPU: the quality step and distillation embed 1,400 texts with a tiny backbone
def test_distillation_and_saving_name_each_of_their_steps(monkeypatch, tmp_path):
    """A run with the quality step and distillation, then its save: distillation names each fold of the teacher and of
    every student, and the save each field (they ran under their phase's name alone, the save under none)."""
    from tests.test_embedding import length_set
    from wbcs.classify import save_model
    from wbcs.classify.distil import WEIGHTS
    from wbcs.classify.train import train_model
    from wbcs.classify.transformer import tiny_backbone

    texts, y = length_set(200, seed=0)  # labels the tiny backbone reads and the n-grams hardly do (test_distil)
    pool, _ = length_set(1200, seed=5)
    backbone = str(tiny_backbone(tmp_path / "bb", texts + pool, layers=2, hidden=32, seed=0))
    task = task_from_table(pd.DataFrame({"text": texts, "size": y}), "size", seed=0)[0]
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    # a budget spent by the first candidate (lr C=1): the quality step prefers the ensemble, so distillation runs
    model = train_model({"size": task}, seed=0, budget=1e-9, words=False, quality=backbone, distil=pool)
    save_model(model, tmp_path / "m" / "1")
    shown = terminal.getvalue()
    entry = model.card["fields"]["size"]
    assert {f"quality step ({backbone})", "distillation"} <= set(_steps(shown, "training size"))
    # the quality step: the fast model's folds, then per view of the post its embedding and each C's regressions
    # (the tiny backbone's 2 layers: layer -1 only)
    from wbcs.classify.embedding import CS

    views = ("the post", "the post in a question")
    assert _steps(shown, "quality step")[:1 + len(views) * (1 + len(CS))] == ["fast model", *(
        s for view in views for s in (f"embedding {view}", *(f"{view}: layer -1 + LR C={c:g}" for c in CS)))]
    folds = [f"fold {k}/5" for k in range(1, 6)]
    last = [f"{r['config']}: its class biases and recall floors" for r in entry["distil"]["table"]
            if r["weight"] is not None and r["config"].startswith("student") and entry["distil"]["weight"] == r["weight"]]
    assert _steps(shown, "distillation") == ["fast model", *(f"teacher, {f}" for f in folds),
                                             *(f"student: pool × {w:g}, {f}" for w in WEIGHTS for f in folds), *last[:1]]
    assert _steps(shown, "saving the model") == ["size", "card, checksums"]
    counts = [(int(n), int(total)) for n, total in re.findall(r"\| (\d+)/(\d+) \[", shown)]
    assert counts and all(n <= total for n, total in counts)


def test_the_default_model_names_each_field_as_its_data_is_read(monkeypatch, mirror):
    """train_default reads every field's task before the first field trains (~1-2 s each): named on a bar, not
    silent."""
    import wbcs.classify.train as train
    from wbcs.classify.tasks import default_tasks

    class Stop(Exception):
        pass

    def stop(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(train, "train_model", stop)  # the reading is what is watched here, not the training
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with pytest.raises(Stop):
        train.train_default(seed=0, extra=None, synthetic=False)
    assert _steps(terminal.getvalue(), "reading the training data") == list(default_tasks())
