"""query's cold start on texts that are all empty says what to do (it was scikit-learn's "empty vocabulary")."""

from __future__ import annotations

import pytest

from wbcs.errors import InputError
from wbcs.labeling.sampling import query


@pytest.mark.parametrize("texts", [["", "", ""], [" ", "\u200b", None]])
def test_cold_start_on_empty_texts_says_what_to_do(texts):
    with pytest.raises(InputError, match=r"the 3 texts to choose from are all empty .*strategy='random'"):
        query(texts, 2, strategy="cold_start")
    assert len(query(texts, 2, strategy="random")) == 2


def test_some_empty_texts_are_still_spread():
    assert sorted(query(["", "宽带断网", "话费多扣"], 2, strategy="cold_start", seed=0)) in ([0, 1], [0, 2], [1, 2])
