"""wbcs.synth: synthetic posts and account posting logs, checked against their own theory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wbcs.errors import InputError
from wbcs.policy import load_policy
from wbcs.schema import COLUMNS, validate_posts
from wbcs.synth import generate_account_posts, generate_posts
from wbcs.weibo import mid_to_datetime

FLAT = np.ones(168)  # a flat profile keeps these tests independent of the dataset mirror


@pytest.fixture(scope="module")
def posts() -> pd.DataFrame:
    # 28 days (4 whole weeks) x 2,000 a day; a burst on Friday 2025-01-10 19:00-21:00
    return generate_posts(days=28, start="2025-01-06", posts_per_day=2000, seed=7,
                          bursts=[{"start": "2025-01-10 19:00", "hours": 2, "posts": 400,
                                   "topic": "broadband", "operator": "china_telecom",
                                   "province": "广东", "name": "fibre-cut"}])


def test_same_seed_same_table_and_other_seed_differs():
    a = generate_posts(days=3, posts_per_day=300, seed=1, profile=FLAT)
    b = generate_posts(days=3, posts_per_day=300, seed=1, profile=FLAT)
    c = generate_posts(days=3, posts_per_day=300, seed=2, profile=FLAT)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) != len(c) or not a["text"].equals(c["text"])
    # a Generator works as the seed as well
    d = generate_posts(days=3, posts_per_day=300, seed=np.random.default_rng(1), profile=FLAT)
    pd.testing.assert_frame_equal(a, d)


def test_every_schema_column_and_valid(posts):
    assert set(COLUMNS) <= set(posts.columns)
    checked = validate_posts(posts.head(5000), source="synth")  # ids unique, labels in taxonomy
    assert checked["created_at"].equals(posts["created_at"].head(5000))
    assert posts["post_id"].is_unique
    assert posts["created_at"].is_monotonic_increasing
    assert posts.attrs["synthetic"] is True and (posts["source"] == "synthetic").all()
    # ids are Weibo-style mids that decode to the post's own time
    decoded, plausible = mid_to_datetime(posts["post_id"].head(2000))
    assert plausible.all() and (decoded == posts["created_at"].head(2000)).all()


def test_labels_are_consistent(posts):
    neg = posts["sentiment"] == "negative"
    assert posts.loc[neg, "negative_subtype"].notna().all()
    assert posts.loc[~neg, "negative_subtype"].isna().all()
    assert (posts.loc[posts["intent"] == "praise", "sentiment"] == "positive").all()
    assert (posts.loc[posts["intent"] == "complaint", "sentiment"] != "positive").all()
    # intent shares near the configured ones (n ~ 56k background posts; 3 sigma < 0.006)
    share = posts.loc[posts["burst"].isna(), "intent"].value_counts(normalize=True)
    assert share["complaint"] == pytest.approx(0.36, abs=0.01)
    assert share["consultation"] == pytest.approx(0.38, abs=0.01)


def test_arrivals_follow_the_profile():
    profile = np.tile(np.r_[np.full(8, 0.2), np.full(12, 1.6), np.full(4, 0.8)], 7)
    df = generate_posts(days=28, start="2025-01-06", posts_per_day=3000, seed=3, profile=profile)
    # expected total: 28 days x 3,000 (the profile is rescaled to mean 1) = 84,000; Poisson sd 290
    assert abs(len(df) - 84_000) < 4 * np.sqrt(84_000)
    t = df["created_at"]
    counts = np.bincount(t.dt.day_of_week * 24 + t.dt.hour, minlength=168)
    expected = len(df) * profile / profile.sum()
    assert stats.chisquare(counts, expected).pvalue > 0.001
    # night hours (00-08) carry 0.2 / mean(profile) of the average rate
    assert counts.reshape(7, 24)[:, :8].sum() / len(df) == pytest.approx(8 * 0.2 / 24 / profile.mean(), rel=0.05)


def test_default_profile_is_the_real_rhythm(mirror):
    df = generate_posts(days=14, posts_per_day=2000, seed=4)
    by_hour = df["created_at"].dt.hour.value_counts(normalize=True).sort_index()
    assert by_hour.loc[2:5].sum() < 0.02  # STC-3: quiet 02:00-06:00
    assert by_hour.loc[9:22].sum() > 0.75


def test_burst_is_there_to_find(posts):
    b = posts[posts["burst"] == "fibre-cut"]
    assert len(b) == 400
    assert (b["topic"] == "broadband").all() and (b["operator"] == "china_telecom").all()
    assert (b["province"] == "广东").all()
    assert b["created_at"].min() >= pd.Timestamp("2025-01-10 19:00", tz="Asia/Shanghai")
    assert b["created_at"].max() < pd.Timestamp("2025-01-10 21:00", tz="Asia/Shanghai")
    hourly = posts.set_index("created_at").resample("h").size()
    assert hourly.idxmax().hour in (19, 20) and hourly.max() > 3 * hourly.quantile(0.99) / 2
    assert posts.attrs["bursts"][0]["name"] == "fibre-cut"


def test_reply_times_follow_policy_and_duty(posts):
    c, r, s = posts["created_at"], posts["reply_at"], posts["resolved_at"]
    assert (r.dropna() >= c[r.notna()]).all()
    assert (s.dropna() >= r[s.notna()]).all()
    assert r[s.notna()].notna().all()  # resolved only after a reply
    assert posts.loc[posts["satisfied"].notna(), "reply_at"].notna().all()
    duty = load_policy().duty
    off = ~duty.on_duty(c)
    replied_off = off & r.notna().to_numpy()
    # posts arriving off duty wait for the next shift
    assert (r[replied_off] >= duty.next_on_duty(c[replied_off])).all()
    # on-duty complaints: replied by P = 0.97, within 30 min with P(lognormal(ln 9 min, 0.9) < 30)
    comp = (posts["intent"] == "complaint") & (posts["negative_subtype"] == "concrete_complaint") & ~off
    delay = (r[comp] - c[comp]).dt.total_seconds() / 60
    assert delay.notna().mean() == pytest.approx(0.97, abs=0.01)
    theory = stats.norm.cdf(np.log(30 / 9) / 0.9)  # = 0.909
    assert (delay.dropna() <= 30).mean() == pytest.approx(theory, abs=0.015)
    # 'other' posts: neutral/positive (0.85) are not replied with P 0.85; negative ones (0.15) are
    # vague (0.7, P 0.1) or abuse (0.3, P 0.5): 0.85 * 0.85 + 0.15 * (0.07 + 0.15) = 0.7555
    assert r[posts["intent"] == "other"].isna().mean() == pytest.approx(0.7555, abs=0.02)


def test_reply_times_follow_the_kinds_the_kpis_count(posts):
    """The generator drew replies by its own copy of the kind rules; it draws them by the KPIs' (the routes'):
    a complaint of vague negativity is vague negativity (asked its reason), as triage and the KPIs take it."""
    from wbcs.kpi.indicators import post_kind
    from wbcs.synth import REPLY, _kinds

    labels = {c: (list(posts[c].cat.categories), posts[c].cat.codes.to_numpy())
              for c in ("intent", "sentiment", "negative_subtype")}
    drawn = pd.Series(np.array(list(REPLY))[_kinds(labels, list(REPLY))], dtype="string").replace("none", pd.NA)
    assert drawn.tolist() == post_kind(posts).tolist()
    # complaints of vague negativity are never replied with vague negativity's P 0.10, not the complaint's 0.03
    vague = (posts["intent"] == "complaint") & (posts["negative_subtype"] == "vague_negativity")
    assert vague.sum() > 1000 and posts.loc[vague, "reply_at"].isna().mean() == pytest.approx(0.10, abs=0.02)


def test_authors_engagement_and_text_features(posts):
    f = posts["author_followers"].astype(float)
    assert f.max() > 100 * f.median()  # heavy tail
    assert (posts[["reposts", "comments", "likes"]] >= 0).all().all()
    assert posts["author_id"].value_counts().iloc[0] > 20  # some authors post a lot
    text = posts["text"].astype(str)
    phone = text.str.contains(r"1[3-9]\d[ -]?\d{4}[ -]?\d{4}")
    assert 0.03 < phone.mean() < 0.12  # 15% of complaints and consultations
    assert 0.3 < text.str.contains(r"\[[^\]]+\]").mean() < 0.6
    assert 0.5 < text.str.contains("@").mean() < 0.9
    assert text.str.contains(r"#[^#]+#").mean() > 0.03
    assert posts["text"].dtype == "category"  # the template pool keeps 10 M rows small


@pytest.mark.parametrize("kwargs, message", [
    ({"operators": ["china_tietong"]}, "operators: unknown 'china_tietong'"),
    ({"platforms": {"sina_weibo": -1}}, "platforms: shares must be non-negative"),
    ({"profile": np.ones(5)}, "profile: give 168"),
    ({"start": "yesterday-ish"}, "start 'yesterday-ish' is not a date or time"),
    ({"bursts": [{"start": "2025-01-01", "hours": 1}]}, r"bursts\[0\]: needs start, hours and posts"),
    ({"bursts": [{"start": "2025-01-01", "hours": 1, "posts": 5, "topic": "weather"}]},
     r"bursts\[0\]: unknown topic 'weather'"),
    ({"days": 0}, "days must be a whole number ≥ 1, got 0"),
    ({"days": 100_000}, "days: 100,000 days from 2025-01-01 end after 2262-04-11"),  # was OutOfBoundsDatetime
    ({"start": "2262-04-01", "days": 30}, "days: 30 days from 2262-04-01 end after 2262-04-11"),
    ({"posts_per_day": float("nan")}, "posts_per_day must be a finite number ≥ 0, got nan"),  # was a bare ValueError
    ({"posts_per_day": "500"}, "posts_per_day must be a finite number ≥ 0, got '500'"),  # was a TypeError
    ({"days": 3.5}, "days must be a whole number ≥ 1, got 3.5"),
    ({"operators": {"china_mobile": float("nan"), "china_unicom": 1}}, "operators: shares must be finite numbers"),
    ({"platforms": {"sina_weibo": "most"}}, "platforms: shares must be finite numbers"),  # was a bare ValueError
    ({"profile": [float("nan")] * 24}, "profile: give 168"),  # was NaN rates: a ValueError from numpy's poisson
    ({"profile": "flat"}, "profile: give 168"),
    # one burst instead of a list of them: its keys were read as bursts ("bursts[0]: needs start, hours and posts")
    ({"bursts": {"start": "2025-01-02", "hours": 1, "posts": 5}}, r"bursts must be a list of bursts, e.g. \[\{'start'"),
    ({"posts_per_day": 1e12}, "is 30,000,000,000,000 posts, more than the 10,000,000 one table may hold"),
    ({"bursts": [{"start": "2025-01-02", "hours": 1, "posts": 20_000_000}]},
     r"\+ 20,000,000 burst posts is 20,015,000 posts, more than the 10,000,000"),
    ({"bursts": [{"start": "2025-01-01 10:00", "hours": float("nan"), "posts": 50}]},
     r"bursts\[0\]: hours must be a finite number > 0, got nan"),  # its posts were dated 1732
    ({"bursts": [{"start": "2025-01-02", "hours": 1, "posts": 2.5}]}, r"bursts\[0\]: posts must be a whole number"),
    ({"bursts": [{"start": "2025-03-01 10:00", "hours": 2, "posts": 50}]},
     r"bursts\[0\]: 2025-03-01 10:00 for 2 hours is not within the generated days \(2025-01-01 00:00 to 2025-01-31"),
    ({"bursts": [{"start": "2025-01-30 23:00", "hours": 2, "posts": 50}]}, "is not within the generated days"),
    ({"seed": -1}, r"seed must be a whole number ≥ 0 \(--seed\), got -1"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(InputError, match=message):
        generate_posts(**{"profile": FLAT, **kwargs})


def test_cli_refuses_a_negative_seed_in_one_line(tmp_path):
    from tests.helpers import run_cli

    for extra in ([], ["--account"]):  # was ValueError: expected non-negative integer
        r = run_cli("synth", "--days", "1", "--seed", "-1", "--out", str(tmp_path / "s.csv"), *extra)
        assert r.returncode == 2 and r.stderr.strip() == "wbcs synth: error: seed must be a whole number ≥ 0 (--seed), got -1"
    assert not (tmp_path / "s.csv").exists()


def test_a_burst_of_a_whole_float_number_of_posts_is_that_number():
    """The one whole-number check (wbcs.checks.whole, floats=True) that erlang's agents use too: 50.0 posts are 50."""
    burst = {"start": "2025-01-02 10:00", "hours": 1}
    a = generate_posts(days=3, posts_per_day=10, profile=FLAT, bursts=[{**burst, "posts": 50.0}])
    b = generate_posts(days=3, posts_per_day=10, profile=FLAT, bursts=[{**burst, "posts": 50}])
    assert a["burst"].notna().sum() == b["burst"].notna().sum() == 50


@pytest.mark.parametrize("rate", ["0.1", float("nan")])
def test_account_log_refuses_a_breach_rate_that_is_no_number(rate):
    with pytest.raises(InputError, match="breach_rate must be between 0 and 1"):  # "0.1" was a TypeError
        generate_account_posts(days=2, breach_rate=rate)


def test_account_log_refuses_days_past_the_last_date():
    with pytest.raises(InputError, match="days: 100,000 days from 2025-01-01 end after 2262-04-11"):
        generate_account_posts(days=100_000)


def test_cli_bounds_days_volume_and_bursts_in_one_line(tmp_path):
    from tests.helpers import run_cli

    out = tmp_path / "s.csv"
    for args, message in [
        (["--days", "100000"], "days: 100,000 days from 2025-01-01 end after 2262-04-11"),
        (["--posts-per-day", "1e12"], "more than the 10,000,000 one table may hold in memory"),  # was 7.9 TiB
        (["--posts-per-day", "nan"], "posts_per_day must be a finite number ≥ 0, got nan"),
        (["--burst", "2025-01-01 10:00,nan,50,network"], "bursts[0]: hours must be a finite number > 0, got nan"),
        (["--burst", "2025-03-01 10:00,2,50,network"], "is not within the generated days"),
        (["--days", "9", "--out", str(tmp_path / "s.txt")], "unknown output format '.txt'; use .csv"),
    ]:
        r = run_cli("synth", "--out", str(out), *args)
        assert r.returncode == 2 and r.stderr.startswith("wbcs synth: error: ") and message in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_operator_and_platform_shares():
    df = generate_posts(days=7, posts_per_day=2000, seed=5, profile=FLAT,
                        operators={"china_mobile": 3, "china_unicom": 1}, platforms=["sina_weibo", "forum"])
    assert set(df["operator"].dropna()) == {"china_mobile", "china_unicom"}
    assert (df["operator"] == "china_mobile").mean() == pytest.approx(0.75, abs=0.015)
    assert (df["platform"] == "forum").mean() == pytest.approx(0.5, abs=0.015)


# --------------------------------------------------------------------------- account posting log


def test_account_posts_mostly_follow_the_norms():
    norms = load_policy().posting_norms
    df = generate_account_posts(days=120, seed=11)
    pd.testing.assert_frame_equal(df, generate_account_posts(days=120, seed=11))
    assert df.attrs["synthetic"] is True and df["post_id"].is_unique
    assert set(df["category"]) == {"service", "industry", "life", "charity_news_culture"}
    breaches = df.attrs["breaches"]
    assert 0.05 < len(breaches) / 120 < 0.3  # breach_rate 0.15
    day = df["created_at"].dt.date
    clean = df[~day.isin(set(breaches["date"]))]
    for d, g in clean.groupby(clean["created_at"].dt.date):
        m = g["created_at"].dt.hour * 60 + g["created_at"].dt.minute
        assert 10 <= len(g) <= 20, d
        gaps = g["created_at"].diff().dt.total_seconds().iloc[1:] / 60
        assert gaps.min() >= 30 - 1 and gaps.max() <= 60 + 1, (d, gaps)
        assert abs(m.iloc[0] - 8 * 60 - 30) <= 30  # morning post near 08:30
        assert (abs(m - 18 * 60) <= 30).any()  # evening post near 18:00
        assert g["has_picture"].any() and g["text"].str.len().max() <= norms["max_chars"]
        assert ((g["category"] == "charity_news_culture") & g["is_repost"]).sum() <= 2
    assert df["is_repost"].mean() == pytest.approx(1 / 3, abs=0.05)  # repost : original = 1 : 2
    mix = df.loc[df["category"] != "charity_news_culture", "category"].value_counts(normalize=True)
    assert abs(mix["service"] - 0.6) < 0.1 and abs(mix["industry"] - 0.3) < 0.1 and abs(mix["life"] - 0.1) < 0.1


def test_account_breaches_are_real():
    df = generate_account_posts(days=200, seed=2, breach_rate=0.5)
    per_day = df.groupby(df["created_at"].dt.date)
    for row in df.attrs["breaches"].itertuples():
        g = per_day.get_group(row.date)
        m = g["created_at"].dt.hour * 60 + g["created_at"].dt.minute
        if row.breach == "too_few_posts":
            assert len(g) < 10
        elif row.breach == "too_many_posts":
            assert len(g) > 20
        elif row.breach == "missed_morning_post":
            assert m.min() > 8 * 60 + 30 + 30
        elif row.breach == "missed_evening_post":
            assert not (abs(m - 18 * 60) <= 30).any()
        elif row.breach == "tight_spacing":
            assert (g["created_at"].diff().dt.total_seconds() / 60).min() < 30
        elif row.breach == "no_picture":
            assert not g["has_picture"].any()
        elif row.breach == "too_long":
            assert g["text"].str.len().max() > 140
        elif row.breach == "too_many_charity_reposts":
            assert ((g["category"] == "charity_news_culture") & g["is_repost"]).sum() > 2
    assert set(df.attrs["breaches"]["breach"]) == {
        "too_few_posts", "too_many_posts", "missed_morning_post", "missed_evening_post",
        "tight_spacing", "no_picture", "too_long", "too_many_charity_reposts"}
