"""Audit 5 of wbcs.synth: the account log's days without a planted breach keep every posting norm, `synth
--account` refuses the options it does not use, and a same-seed .xlsx is the same bytes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.kpi.norms import check_norms
from wbcs.synth import BREACH_RULES, generate_account_posts


def planted(df: pd.DataFrame) -> set[tuple[str, str]]:
    """(day, rule) of every norm the planted breaches break."""
    b = df.attrs["breaches"]
    return {(str(day), rule) for day, kind in zip(b["date"], b["breach"], strict=True) for rule in BREACH_RULES[kind]}


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_norms_finds_the_planted_breaches_and_nothing_else(tmp_path, seed):
    # the audit's run: 23–33 of ~50 days without a planted breach broke repost_ratio or content_mix (2025-01-07 of
    # seed 3: 9 reposts to 11 originals)
    out = tmp_path / "acct.csv"
    r = run_cli("synth", "--account", "--days", "60", "--seed", str(seed), "--out", str(out))
    assert r.returncode == 0, r.stderr
    r = run_cli("norms", "--posts", str(out), "--json")
    assert r.returncode == 0, r.stderr
    found = {(b["day"], b["rule"]) for b in json.loads(r.stdout)["breaches"]}
    df = generate_account_posts(days=60, seed=seed)  # the same log: the planted breaches are in its attrs
    assert pd.read_csv(out, dtype={"post_id": str})["post_id"].tolist() == df["post_id"].tolist()
    assert len(df.attrs["breaches"]) > 0
    assert found == planted(df)


def test_every_kind_of_breach_breaks_only_its_rules():
    kinds = set()
    for seed in range(5):
        df = generate_account_posts(days=40, seed=seed, breach_rate=0.6)
        found = check_norms(df).breaches
        assert set(zip(found["day"].astype(str), found["rule"], strict=True)) == planted(df), seed
        kinds |= set(df.attrs["breaches"]["breach"])
    assert kinds == set(BREACH_RULES)
    assert check_norms(generate_account_posts(days=60, seed=7, breach_rate=0)).breaches.empty


@pytest.mark.parametrize(("args", "option"), [
    (["--burst", "2099-01-01,2,5,nosuch"], "--burst"),  # an invalid burst was ignored too: exit 0
    (["--posts-per-day", "500"], "--posts-per-day"),  # given, even at the default of the posts table
])
def test_account_refuses_the_options_of_the_posts_table(tmp_path, args, option):
    out = tmp_path / "acct.csv"
    r = run_cli("synth", "--account", "--days", "3", *args, "--out", str(out))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"wbcs synth: error: {option} does not apply to --account: ")
    assert len(r.stderr.strip().splitlines()) == 1 and not out.exists()


def test_posts_table_keeps_its_default_volume(tmp_path):
    out = tmp_path / "posts.csv"
    r = run_cli("synth", "--days", "7", "--seed", "4", "--out", str(out))  # a whole week of the weekly rhythm
    assert r.returncode == 0, r.stderr
    assert 3_300 < len(pd.read_csv(out)) < 3_700  # 500 posts a day (Poisson: sd 59 a week)
