"""Posting norms: times in mixed offsets, policy values refused, the content mix of a day without its
categories, empty flags, spacing across midnight and its message, the shipped example from any folder, and
sweep's note of a varied mix."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from tests.test_norms import DAY, _log_file, good_day
from wbcs.columns import local_times, read_times
from wbcs.errors import InputError
from wbcs.kpi.norms import check_norms
from wbcs.policy import load_policy


def with_norms(**norms):
    pol = load_policy()
    return dataclasses.replace(pol, posting_norms={**pol.posting_norms, **norms})


def test_naive_utc_and_offset_times_in_one_column_are_each_read_as_beijing_time():
    # the same 08:30 Beijing three ways, then 09:15 +08:00 and a naive 10:00: pandas refused the mix
    s = pd.Series(["2024-05-01T00:30:00Z", "2024-05-01 08:30", "2024-05-01T09:15:00+08:00", None,
                   "2024-05-01T03:00:00+01:00"], index=[7, 8, 9, 10, 11])
    t = local_times(s)
    assert t.index.tolist() == [7, 8, 9, 10, 11]
    assert t.tolist()[:3] == [pd.Timestamp("2024-05-01 08:30"), pd.Timestamp("2024-05-01 08:30"),
                              pd.Timestamp("2024-05-01 09:15")]
    assert pd.isna(t[10]) and t[11] == pd.Timestamp("2024-05-01 10:00")
    # Weibo's API format and ISO's basic one (no colon in the clock: read value by value) among them
    t = local_times(pd.Series(["Wed May 01 00:40:00 +0000 2024", "20240501T010000Z", "2024-05-01 09:30"]))
    assert t.tolist() == [pd.Timestamp("2024-05-01 08:40"), pd.Timestamp("2024-05-01 09:00"),
                          pd.Timestamp("2024-05-01 09:30")]
    # a value that is no time is still an error naming its row, in a mixed column too
    bad = pd.DataFrame({"created_at": ["2024-05-01T00:30:00Z", "2024-05-01 09:15", "garbage"]})
    with pytest.raises(InputError, match=r"index 2, column 'created_at': cannot read 'garbage'"):
        read_times(bad)


def test_norms_of_a_log_with_utc_and_offset_times(tmp_path):
    df = good_day()  # tz-aware +08:00; two posts written in UTC, one naive: the spacing stays 50 minutes
    df["created_at"] = df["created_at"].astype(str).str.replace(" ", "T")
    df.loc[3, "created_at"] = (pd.Timestamp(df.loc[3, "created_at"]).tz_convert("UTC")).isoformat()
    df.loc[4, "created_at"] = pd.Timestamp(df.loc[4, "created_at"]).tz_localize(None).isoformat()
    r = check_norms(_log_file(tmp_path, df), source="account.csv")
    assert r.breaches.empty and (r.days, r.posts) == (1, 12)


@pytest.mark.parametrize("norms, said", [
    ({"content_mix": {"service": 0, "industry": 0, "life": 0}}, r"posting_norms\.content_mix: the weights sum to 0"),
    ({"morning_post": "25:99"}, r"posting_norms\.morning_post must be a time of day like '08:30'.*got '25:99'"),
    ({"evening_post": "18:60"}, r"posting_norms\.evening_post must be a time of day"),
    ({"morning_post": "24:00"}, r"posting_norms\.morning_post must be a time of day"),
    ({"posts_per_day": [True, 20]}, r"posting_norms\.posts_per_day must be \[low, high\], got \[True, 20\]"),
])
def test_impossible_policy_values_are_refused_naming_the_key(norms, said):
    with pytest.raises(InputError, match=said):
        check_norms(good_day(), policy=with_norms(**norms))


def test_a_day_whose_daytime_posts_hold_none_of_the_mix_is_a_content_mix_breach():
    df = good_day()
    df["category"] = "charity_news_culture"
    df["is_repost"] = False  # no charity-repost breach in the way
    df.loc[11, "created_at"] = DAY.tz_localize("Asia/Shanghai") + pd.Timedelta(hours=20, minutes=30)
    df.loc[11, "category"] = "service"  # a service post, but at night: still no daytime mix
    r = check_norms(df)
    mix = r.breaches[r.breaches["rule"] == "content_mix"]
    assert len(mix) == 1
    row = mix.iloc[0]
    assert row["detail"] == "no daytime post (08:00–20:00) of service, industry, life (norm ≈ 6 : 3 : 1)"
    assert pd.isna(row["value"]) and row["expected"] == "6 : 3 : 1" and row["post_ids"] == df["post_id"][:11].tolist()


def test_an_empty_repost_or_picture_cell_is_refused_naming_its_row(tmp_path):
    for col in ("is_repost", "has_picture"):
        df = good_day()
        df[col] = df[col].astype(object)
        df.loc[[3, 6], col] = None  # was read as "no": a repost counted as an original, unseen
        with pytest.raises(InputError, match=rf"^account\.csv: row 4, column '{col}': empty \(2 row\(s\) in all\)"):
            check_norms(_log_file(tmp_path, df), source="account.csv")


def test_spacing_message_does_not_round_across_the_limit():
    df = good_day()
    base = DAY.tz_localize("Asia/Shanghai")
    df.loc[1, "created_at"] = base + pd.Timedelta(hours=8, minutes=59, seconds=36)  # 29.6 after 08:30
    df.loc[2, "created_at"] = df.loc[1, "created_at"] + pd.Timedelta(minutes=60, seconds=24)
    details = check_norms(df).breaches.query("rule == 'spacing'")["detail"].tolist()
    assert details[:2] == ["29.6 minutes between two posts, below the norm 30–60",
                           "60.4 minutes between two posts, above the norm 30–60"]


def test_spacing_is_checked_across_midnight_but_the_nights_break_is_no_spacing():
    late = good_day().assign(created_at=lambda d: d["created_at"] + pd.Timedelta(hours=6))  # 14:30 … 23:40
    early = good_day(DAY + pd.Timedelta(days=1)).assign(
        created_at=lambda d: d["created_at"] - pd.Timedelta(hours=8, minutes=10))  # 00:20 … 09:30
    assert "spacing" not in check_norms(pd.concat([late, early])).breaches["rule"].tolist()  # 40 minutes: norm
    early["created_at"] -= pd.Timedelta(minutes=20)  # 23:40 and 00:00: 20 minutes apart, across midnight
    spacing = check_norms(pd.concat([late, early])).breaches.query("rule == 'spacing'")
    assert spacing[["day", "value", "post_ids"]].astype(str).values.tolist() == [
        ["2025-03-04", "20.0", "['0303-11', '0304-0']"]]
    # the break of a night (17:40 to 08:30 the next morning) is no spacing breach
    assert check_norms(pd.concat([good_day(), good_day(DAY + pd.Timedelta(days=1))])).breaches.empty


def test_norms_reads_the_shipped_example_from_any_folder(tmp_path, monkeypatch, capsys):
    from wbcs.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["norms", "--posts", "data/examples/account_posts.csv", "--json"]) == 0
    out, err = capsys.readouterr()
    assert '"posts": 60' in out
    assert "data/examples/account_posts.csv: not in this folder; reading the package's " in err


def test_sweep_says_the_rescaled_mix_of_each_varied_policy_once(capsys):
    from wbcs.cli.simulate import _varied_mix_notes
    from wbcs.sim import Scenario
    from wbcs.sim.scenario import find_scenario

    base = Scenario.from_yaml(find_scenario("default"))
    _varied_mix_notes(base, {"mix.complaint": [0, 0.4, 0], "agents": [3, 4]})
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1  # 0.4 sums to 1: nothing to say; complaint 0 said once for its 4 policies
    assert err[0].startswith("sweep policy mix.complaint=0: ")
    assert err[0].endswith("mix weights sum to 0.6, not 1: simulated as relative weights, consultation 0.5833, "
                           "vague_negative 0.25, abuse 0.06667, praise 0.1")


def test_a_breach_without_a_value_is_null_in_json_and_a_count_an_int():
    import json

    r = check_norms(good_day().iloc[:9])  # 9 posts, the last 15:10: no evening post
    rows = {b["rule"]: b for b in r.to_dict()["breaches"]}
    assert rows["evening_post"]["value"] is None and rows["posts_per_day"]["value"] == 9
    assert isinstance(rows["posts_per_day"]["value"], int)
    json.dumps(r.to_dict(), allow_nan=False)  # NaN, printed by --json, is no JSON
