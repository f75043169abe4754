"""Posting norms: a compliant crafted day, then one rule broken at a time."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.kpi.norms import BREACH_COLUMNS, RULES, check_norms
from wbcs.policy import load_policy

DAY = pd.Timestamp("2025-03-03")


def good_day(day=DAY) -> pd.DataFrame:
    """12 posts 08:30 … 17:40, 50 minutes apart; daytime mix 7 service : 4 industry : 1 life
    (shares .583 / .333 / .083, largest gap .033); 4 reposts : 8 originals = 0.5; one picture."""
    cats = ["life"] + ["service"] * 7 + ["industry"] * 4
    df = pd.DataFrame({
        "created_at": [day + pd.Timedelta(minutes=8 * 60 + 30 + 50 * k) for k in range(12)],
        "text": [f"【服务提醒】第{k}条：话费账单可在APP查询。" for k in range(12)],
        "category": cats,
        "is_repost": [False] * 8 + [True] * 4,
        "has_picture": [True] + [False] * 11,
    })
    df["post_id"] = [f"{day:%m%d}-{k}" for k in range(12)]
    df["created_at"] = df["created_at"].dt.tz_localize("Asia/Shanghai")
    return df


def rules_of(report) -> list[str]:
    return report.breaches["rule"].tolist()


def test_a_compliant_day_has_no_breach():
    r = check_norms(good_day())
    assert list(r.breaches.columns) == BREACH_COLUMNS and r.breaches.empty
    assert r.checked == {rule: "checked" for rule in RULES}
    assert (r.days, r.posts) == (1, 12)


def test_posts_per_day_counts_empty_days_between_active_ones():
    df = pd.concat([good_day(), good_day(DAY + pd.Timedelta(days=2))])
    r = check_norms(df)
    assert r.days == 3 and r.to_dict()["breaches_per_rule"]["posts_per_day"] == 1
    empty = r.breaches[r.breaches["rule"] == "posts_per_day"].iloc[0]
    assert str(empty["day"]) == "2025-03-04" and empty["value"] == 0 and empty["expected"] == "10-20"
    # that empty day also has no morning post, evening post or picture
    assert set(r.breaches.loc[r.breaches["day"].astype(str) == "2025-03-04", "rule"]) == {
        "posts_per_day", "morning_post", "evening_post", "pictures"}


def test_spacing_lists_the_two_posts_of_each_bad_gap():
    df = good_day()
    df.loc[5, "created_at"] -= pd.Timedelta(minutes=25)  # 12:40 → 12:15: gaps 25 and 75
    r = check_norms(df)
    assert rules_of(r) == ["spacing", "spacing"]
    assert r.breaches["value"].tolist() == [25.0, 75.0]
    assert r.breaches["post_ids"].tolist() == [["0303-4", "0303-5"], ["0303-5", "0303-6"]]


def test_morning_and_evening_posts():
    late = good_day()
    late["created_at"] += pd.Timedelta(hours=1)  # 09:30 … 18:40; 17:50 still near 18:00
    assert rules_of(check_norms(late)) == ["morning_post"]
    no_evening = good_day().iloc[:11]  # last post 16:50
    r = check_norms(no_evening)
    assert rules_of(r) == ["evening_post"] and r.breaches.loc[0, "expected"] == "18:00"


def test_content_mix_share_gap():
    df = good_day()
    df.loc[1:3, "category"] = "industry"  # 4 service : 7 industry : 1 life → gap |7/12 − .3| = .283
    r = check_norms(df)
    assert rules_of(r) == ["content_mix"]
    assert r.breaches.loc[0, "value"] == pytest.approx(7 / 12 - 0.3, abs=1e-3)
    assert len(r.breaches.loc[0, "post_ids"]) == 12


def test_post_length_at_most_140_characters():
    df = good_day()
    df.loc[2, "text"] = "好" * 140
    assert check_norms(df).breaches.empty
    df.loc[2, "text"] = "好" * 141
    r = check_norms(df)
    assert rules_of(r) == ["post_length"] and r.breaches.loc[0, "value"] == 141
    assert r.breaches.loc[0, "post_ids"] == ["0303-2"]


def test_at_least_one_picture_a_day():
    df = good_day().assign(has_picture=False)
    assert rules_of(check_norms(df)) == ["pictures"]


def test_repost_to_original_ratio():
    df = good_day().assign(is_repost=False)  # 0 : 12 = 0 (norm 0.3–0.7)
    r = check_norms(df)
    assert rules_of(r) == ["repost_ratio"] and r.breaches.loc[0, "value"] == 0.0
    df.loc[[1, 2, 3, 4, 5, 6], "is_repost"] = True  # 6 : 6 = 1.0
    assert check_norms(df).breaches.loc[0, "value"] == 1.0


def test_at_most_two_charity_news_culture_reposts():
    df = good_day()
    df.loc[[9, 10], "category"] = "charity_news_culture"  # 2 reposts of that kind: fine
    assert "charity_reposts" not in rules_of(check_norms(df))
    df.loc[11, "category"] = "charity_news_culture"
    r = check_norms(df)
    row = r.breaches[r.breaches["rule"] == "charity_reposts"].iloc[0]
    assert row["value"] == 3 and row["post_ids"] == ["0303-9", "0303-10", "0303-11"]


def test_missing_columns_are_reported_as_not_checked():
    r = check_norms(good_day().drop(columns=["category", "has_picture"]))
    assert r.checked["content_mix"] == "not checked: no column 'category'"
    assert r.checked["charity_reposts"] == "not checked: no column 'category'"
    assert r.checked["pictures"] == "not checked: no column 'has_picture'"
    assert r.checked["repost_ratio"] == "checked" and r.breaches.empty
    with pytest.raises(InputError, match="missing column 'created_at'"):
        check_norms(good_day().drop(columns=["created_at"]))


def test_thresholds_come_from_the_policy():
    pol = load_policy()
    strict = dataclasses.replace(pol, posting_norms={**pol.posting_norms, "posts_per_day": [13, 20],
                                                     "max_chars": 10})
    r = check_norms(good_day(), policy=strict)
    assert rules_of(r).count("posts_per_day") == 1 and rules_of(r).count("post_length") == 12
    broken = dataclasses.replace(pol, posting_norms={**pol.posting_norms, "spacing_minutes": [60, 30]})
    with pytest.raises(InputError, match=r"posting_norms\.spacing_minutes"):
        check_norms(good_day(), policy=broken)
    # a misspelt key (max_char) was ignored: its norm then came from nowhere, or failed as missing
    misspelt = dataclasses.replace(pol, posting_norms={**pol.posting_norms, "max_char": 100})
    with pytest.raises(InputError, match=r"policy\.yaml: posting_norms\.max_char is not a known key \(known: "
                                         r"posts_per_day, .*max_chars, "):
        check_norms(good_day(), policy=misspelt)


def test_every_breach_planted_in_a_synthetic_log_is_found():
    from wbcs.synth import generate_account_posts

    df = generate_account_posts(days=60, seed=4, breach_rate=0.3)
    found = check_norms(df).breaches
    found = set(zip(found["day"].astype(str), found["rule"], strict=True))
    rule_of = {"too_few_posts": "posts_per_day", "too_many_posts": "posts_per_day",
               "missed_morning_post": "morning_post", "missed_evening_post": "evening_post",
               "tight_spacing": "spacing", "no_picture": "pictures", "too_long": "post_length",
               "too_many_charity_reposts": "charity_reposts"}
    planted = df.attrs["breaches"]
    assert len(planted) > 5
    for day, kind in zip(planted["date"].astype(str), planted["breach"], strict=True):
        assert (day, rule_of[kind]) in found, (day, kind)


def _log_file(tmp_path, df) -> pd.DataFrame:
    """``df`` as `wbcs norms` reads it: written to account.csv and read back (the index: each data row's number)."""
    from wbcs.io import read_table

    df.to_csv(tmp_path / "account.csv", index=False)
    return read_table(tmp_path / "account.csv")


def test_errors_name_the_file_and_its_1_based_data_row(tmp_path):
    df = good_day()
    df["is_repost"] = df["is_repost"].astype(object)
    df.loc[0, "is_repost"] = "maybe"
    with pytest.raises(InputError, match=r"^account\.csv: row 1, column 'is_repost': 'maybe' is not true/false"):
        check_norms(_log_file(tmp_path, df), source="account.csv")
    late = good_day()
    late.loc[4, "created_at"] = pd.NaT
    with pytest.raises(InputError, match=r"^account\.csv: row 5, column 'created_at' is empty"):
        check_norms(_log_file(tmp_path, late), source="account.csv")


def test_a_repeated_post_id_is_refused_naming_both_rows(tmp_path):
    df = pd.concat([good_day(), good_day().iloc[[3]]], ignore_index=True)  # post 0303-3 again as row 13
    with pytest.raises(InputError, match=r"^account\.csv: row 13, column 'post_id': '0303-3' is also the post_id "
                                         r"of row 4; .*remove the repeated row"):
        check_norms(_log_file(tmp_path, df), source="account.csv")


@pytest.mark.parametrize("value, said", [("Service", "'Service' is not a category of the posting norms"),
                                         (None, "empty")])
def test_a_category_outside_the_norms_is_refused_not_left_out_of_the_mix(tmp_path, value, said):
    df = good_day()
    df.loc[[2, 5], "category"] = value  # left out of the mix silently, the day's mix looked compliant
    with pytest.raises(InputError, match=rf"^account\.csv: row 3, column 'category': {said} \(use one of service, "
                                         r"industry, life, charity_news_culture\); 2 row\(s\) in all"):
        check_norms(_log_file(tmp_path, df), source="account.csv")
    df.loc[[2, 5], "category"] = " service "  # spaces around a known category are no error
    assert check_norms(df).breaches.empty


def test_a_log_without_posts_is_an_error_not_a_clean_bill(tmp_path):
    with pytest.raises(InputError, match=r"^account\.csv: no posts \(only a header\)"):
        check_norms(_log_file(tmp_path, good_day().iloc[:0]), source="account.csv")
