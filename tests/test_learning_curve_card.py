"""The trainer's learning curve (``wbcs train --curve [--target F]``, ``train.curve_entry``): the chosen
configuration fitted on subsets of the training rows and scored on the held-out rows, its last point the held-out
estimate itself, in the card with what it says; bad targets are one clear line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from wbcs.classify import TextClassifier
from wbcs.classify.card import card_markdown
from wbcs.classify.tasks import ExtraData, TaskData
from wbcs.classify.train import fit_task
from wbcs.errors import InputError

CUES = {"billing": "扣费", "data": "流量", "network": "信号"}


def cued_rows(n: int, seed: int) -> pd.DataFrame:
    """Posts whose label's cue word appears 70 % of the time (another label's otherwise), among filler characters:
    a model gets better with more rows and stays below perfect."""
    rng = np.random.default_rng(seed)
    filler = np.array(list("今天我的手机怎么回事请帮忙看一下谢谢"))
    labels = rng.choice(list(CUES), size=n)
    texts = []
    for lab in labels:
        cue = CUES[lab] if rng.random() < 0.7 else CUES[rng.choice([k for k in CUES if k != lab])]
        texts.append("".join(rng.choice(filler, 8)) + cue + "".join(rng.choice(filler, 4)))
    return pd.DataFrame({"post_id": [f"p{seed}-{i}" for i in range(n)], "text": texts, "label": labels,
                         "kind": "first_post"})


def task(n_train=480, n_test=160) -> TaskData:
    return TaskData("cued", "topic", "cue words", cued_rows(n_train, 0), cued_rows(n_test, 1))


def test_the_curve_ends_at_the_held_out_estimate_and_the_card_reads_it():
    est, entry = fit_task(task(), TextClassifier(calibration=None), seed=0, refit=False, curve=True, target=0.99)
    table = pd.DataFrame(entry["curve"]["table"])
    # an eighth, a quarter, a half (3 draws each), all (once): each at least 10 rows per label (30)
    assert table["n_labels"].tolist() == [60, 120, 240, 480] and table["draws"].tolist() == [3, 3, 3, 1]
    # the last point is the held-out fit itself: same rows, same configuration, same test rows
    assert table["macro_f1"].iloc[-1] == pytest.approx(entry["metrics"]["macro_f1"], abs=1e-4)
    assert table["macro_f1"].iloc[-1] > table["macro_f1"].iloc[0]
    verdict = entry["curve"]["verdict"]
    assert verdict.startswith("more labels") and ("0.99 needs at least" in verdict or "does not rise" in verdict)
    md = card_markdown({"fields": {"topic": entry}})
    assert "Learning curve of the chosen configuration on the held-out rows" in md
    assert "| 480 | 1 |" in md and f"- more labels? {verdict}" in md


def test_small_training_parts_keep_only_subsets_with_enough_rows_per_label():
    _, entry = fit_task(task(n_train=100), TextClassifier(calibration=None), seed=0, refit=False, curve=True)
    assert [r["n_labels"] for r in entry["curve"]["table"]] == [50, 100]  # a quarter (25) is under 10 per label
    assert "needs at least" not in entry["curve"]["verdict"]  # no target given


def test_a_field_that_learns_other_rows_too_draws_them_into_every_point():
    """Out-of-domain rows (here written posts whose cue is always right) join every draw: the curve counts the field's
    own labels, and its last point is the held-out fit with them, not the fit without."""
    written = pd.DataFrame({"text": [f"我想问问{cue}的事情" for cue in CUES.values()] * 20, "label": list(CUES) * 20})
    extra = ExtraData("written posts", written, weights=(1,))
    _, entry = fit_task(task(), TextClassifier(calibration=None), seed=0, refit=False, curve=True, extra=extra)
    _, plain = fit_task(task(), TextClassifier(calibration=None), seed=0, refit=False)
    last = entry["curve"]["table"][-1]
    assert last["n_labels"] == 480  # the own rows only
    assert last["ece"] == pytest.approx(entry["metrics"]["ece"], abs=1e-9)
    assert abs(last["ece"] - plain["metrics"]["ece"]) > 1e-4
    assert "- learning curve: not drawn" not in card_markdown({"fields": {"topic": entry}})


def test_a_target_needs_the_curve_and_a_macro_f1():
    with pytest.raises(InputError, match="a target is read against the learning curve: add --curve"):
        fit_task(task(), TextClassifier(calibration=None), target=0.7)
    with pytest.raises(InputError, match="the target is a macro-F1 between 0 and 1, got 1.5"):
        fit_task(task(), TextClassifier(calibration=None), curve=True, target=1.5)


def test_the_cli_draws_the_curve_and_refuses_a_target_alone_in_one_line(tmp_path):
    data = tmp_path / "mine.csv"
    cued_rows(400, 3).rename(columns={"label": "topic"})[["text", "topic"]].to_csv(data, index=False)
    cmd = [sys.executable, "-m", "wbcs", "train", "--task", "topic", "--data", str(data), "--config", "lr C=4"]
    alone = subprocess.run([*cmd, "--target", "0.9", "--out", str(tmp_path / "m" / "1")], capture_output=True, text=True)
    assert alone.returncode == 2 and len(alone.stderr.strip().splitlines()) == 1
    assert "add --curve" in alone.stderr and not (tmp_path / "m" / "1").exists()
    ok = subprocess.run([*cmd, "--curve", "--target", "0.99", "--out", str(tmp_path / "m" / "1")],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "learning curve: more labels" in ok.stderr + ok.stdout
    card = json.loads((tmp_path / "m" / "1" / "card.json").read_text(encoding="utf-8"))
    assert card["fields"]["topic"]["curve"]["target"] == 0.99
    assert "- more labels?" in (tmp_path / "m" / "1" / "MODEL_CARD.md").read_text(encoding="utf-8")
