"""The quantifiers' repeated cross-validation (``wbcs.kpi.quantify.quantifier_cv``, the trainer's phase 'choosing how
its shares are counted') advances its bar once per repeat × validation fold: a step per repeat showed the first one,
with the bootstrap and most of the phase's time (5 s of 9.5 on 400 rows), as one step, the bar standing at 0/10 and
then jumping."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from tests.helpers import run_cli_on_terminal
from wbcs.kpi.quantify import REPEATS

POS, NEG, NOISE = list("好赞棒爱喜乐美妙"), list("差烂坑骗慢贵错怒"), list("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉")


def test_wbcs_train_shows_a_step_per_repeat_and_fold_of_the_quantifier_cv(tmp_path):
    rng = np.random.default_rng(1)
    moods = ["pos", "neg"] * 60
    texts = ["".join(rng.permutation([*rng.choice(POS if y == "pos" else NEG, 2), *rng.choice(NOISE, 10)]))
             for y in moods]
    pd.DataFrame({"text": texts, "mood": moods}).to_csv(tmp_path / "mood.csv", index=False)
    # every step drawn (tqdm's own settings, read from the environment): by default a frame is drawn at most every
    # 0.1 s, and which steps show would depend on the machine's speed
    r, shown = run_cli_on_terminal("train", "--task", "mood", "--data", str(tmp_path / "mood.csv"), "--budget", "1e-9",
                                   "--no-words", "--no-refit", "--out", str(tmp_path / "m"),
                                   env={"TQDM_MININTERVAL": "0", "TQDM_MINITERS": "1"})
    assert r.returncode == 0, r.stderr
    frames = [(int(n), int(total)) for n, total in re.findall(r"quantifier CV: .*?\| (\d+)/(\d+) \[", shown)]
    # the trainer's 5 grouped folds, each repeat's: 10 × 5 steps, as many as the folds the card counts
    card = json.loads((tmp_path / "m" / "card.json").read_text(encoding="utf-8"))
    assert card["fields"]["mood"]["cv_quantify"]["chosen"]["all"]["folds"] == REPEATS * 5 == 50
    assert {total for _, total in frames} == {50}
    assert list(dict.fromkeys(n for n, _ in frames)) == list(range(51))  # one step at a time, the first 5 too
