"""The quantifiers' repeated cross-validation (``wbcs.kpi.quantify.quantifier_cv``, the trainer's phase 'choosing how
its shares are counted') advances its bar once per repeat × validation fold: a step per repeat showed the first one,
with the bootstrap and about half the phase's time (5 s of 9.5 on 400 rows), as one step, the bar standing at 0/10 and
then jumping."""

from __future__ import annotations

import json
import re

from tests.helpers import run_cli_on_terminal
from tests.test_train_card_and_progress import _rows
from wbcs.kpi.quantify import REPEATS


def test_wbcs_train_shows_a_step_per_repeat_and_fold_of_the_quantifier_cv(tmp_path):
    _rows(120, 1).to_csv(tmp_path / "mood.csv", index=False)  # 'pos' and 'neg' posts
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
