"""A scenario's arrivals and mix from a team's own posts (wbcs.kpi.workload; wbcs simulate/staff/sweep --posts)."""

import json

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli
from wbcs.errors import InputError
from wbcs.kpi.quantify import corrected_table
from wbcs.kpi.workload import _kind_given_intent, workload
from wbcs.policy import POST_KINDS
from wbcs.sim import Scenario

MONDAY = pd.Timestamp("2025-01-06 00:00")  # two whole weeks: Monday 00:00 to Sunday 23:59 a week later


def _two_weeks(n_mon10: int = 3) -> pd.DataFrame:
    """Every hour of both weeks seen twice; posts: one at the first and one at the last hour (the span),
    ``n_mon10`` every Monday 10:xx (both weeks) and one on the first Tuesday 09:xx only."""
    times = [MONDAY + pd.Timedelta(minutes=5), MONDAY + pd.Timedelta(days=13, hours=23, minutes=50)]
    for week in (0, 7):
        times += [MONDAY + pd.Timedelta(days=week, hours=10, minutes=m) for m in range(n_mon10)]
    times.append(MONDAY + pd.Timedelta(days=1, hours=9, minutes=30))
    return pd.DataFrame({"post_id": [str(i) for i in range(len(times))], "created_at": times,
                         "text": "@中国移动 宽带又断了", "intent": "complaint"})


def test_arrivals_are_posts_per_hour_of_week_over_the_times_each_hour_was_seen():
    w = workload(_two_weeks(n_mon10=3))
    rates = w.rate_per_hour
    assert rates.shape == (168,) and w.weeks == pytest.approx(2.0)
    assert rates[10] == pytest.approx(3.0)  # 6 posts on Mondays 10:00, seen twice
    assert rates[24 + 9] == pytest.approx(0.5)  # one post on one of the two Tuesdays 09:00
    assert rates[0] == pytest.approx(0.5) and rates[167] == pytest.approx(0.5)
    assert rates.sum() == pytest.approx(9 / 2)  # 9 posts in two weeks
    # a span not a whole number of weeks: Monday to the next Wednesday sees Monday–Wednesday's hours twice
    posts = _two_weeks().drop(index=1)  # (the last post, on the second Sunday, goes)
    posts = pd.concat([posts, posts.iloc[[0]].assign(created_at=MONDAY + pd.Timedelta(days=9, hours=2))])
    w = workload(posts)
    assert w.weeks == pytest.approx((9 * 24 + 3) / 168)
    assert w.rate_per_hour[10] == pytest.approx(3.0) and w.rate_per_hour[24 * 2 + 2] == pytest.approx(0.5)
    assert w.rate_per_hour[24 * 4 + 10] == 0  # a Friday, seen once, no post


def _model_labelled(labels: list[str], matrix: list[list[int]]) -> pd.DataFrame:
    """60 posts over the two weeks, 45 complaints and 15 consultations by a model whose cross-validated
    confusion over ``labels`` is ``matrix``."""
    posts = _two_weeks().iloc[[0, 1]]
    posts = posts.loc[posts.index.repeat(30)].reset_index(drop=True)
    posts["post_id"] = [str(i) for i in range(60)]
    posts["intent"] = ["complaint"] * 45 + ["consultation"] * 15
    posts["intent_source"] = "model"
    posts.attrs["classified"] = {"cv_confusion": {"intent": {"labels": labels, "matrix": matrix}}}
    return posts


def test_the_mix_corrects_the_intent_margin_and_keeps_the_kinds_within_an_intent():
    # a model whose confusion says it calls every second consultation a complaint: its 45 complaints / 15
    # consultations are 30 / 30 in truth; 9 of its complaints are abuse (triage sets abuse aside)
    posts = _model_labelled(["complaint", "consultation"], [[100, 0], [50, 50]])
    posts["negative_subtype"] = ["abuse"] * 9 + ["concrete_complaint"] * 36 + [None] * 15
    w = workload(posts, n_boot=200)
    mix = w.mix.set_index("kind")
    # counted: 36 complaint, 9 abuse, 15 consultation of 60
    assert mix["counted_share"].to_dict() == pytest.approx(
        {"consultation": 0.25, "complaint": 0.6, "vague_negative": 0.0, "abuse": 0.15, "praise": 0.0})
    # corrected: complaints 0.5 (of which 36/45 complaint, 9/45 abuse), consultations 0.5
    assert mix["share"].to_dict() == pytest.approx(
        {"consultation": 0.5, "complaint": 0.4, "vague_negative": 0.0, "abuse": 0.1, "praise": 0.0})
    assert (mix["lo"] <= mix["share"] + 1e-12).all() and (mix["share"] <= mix["hi"] + 1e-12).all()
    # abuse's interval holds the complaint share's uncertainty and that of the 9-in-45 split: wider than
    # 9/45 of the complaint intent's interval (all it was when the split was taken as exact)
    intent = corrected_table(posts, "intent", n_boot=200, seed=0).set_index("label")
    assert mix.loc["abuse", "hi"] - mix.loc["abuse", "lo"] > 1.2 * 9 / 45 * (
        intent.loc["complaint", "hi"] - intent.loc["complaint", "lo"])
    assert w.method.startswith("intent corrected by ACC")
    counted = workload(posts, correct=False).mix.set_index("kind")
    # a counted mix has no interval: null in JSON, not NaN, which strict readers (JSON.parse) refuse
    strict = json.loads(json.dumps(workload(posts, correct=False).to_dict()), parse_constant=lambda c: 1 / 0)
    assert all(r["lo"] is None and r["hi"] is None for r in strict["mix"])
    assert counted["share"].to_dict() == pytest.approx(counted["counted_share"].to_dict())
    assert "as asked" in workload(posts, correct=False).note
    # labels a person gave: nothing to correct, and the note says so
    human = workload(posts.drop(columns="intent_source"))
    assert human.method == "counted" and "no intent came from a model" in human.note


def test_an_intent_the_model_never_gave_goes_to_its_rules_kind():
    # the card knows praise and suggestion, the posts hold none of either (the model gave neither): their rows of
    # P(kind | intent) come from the kind rules (praise → praise, suggestion → consultation); it raised on a read-only
    # view
    posts = _model_labelled(["complaint", "consultation", "praise", "suggestion"],
                            [[100, 0, 0, 0], [50, 50, 0, 0], [0, 0, 100, 0], [0, 0, 0, 100]])
    mix = workload(posts, n_boot=50).mix.set_index("kind")
    assert mix["share"].to_dict() == pytest.approx(
        {"consultation": 0.5, "complaint": 0.5, "vague_negative": 0.0, "abuse": 0.0, "praise": 0.0})


def test_suggestions_and_negative_other_posts_take_the_kind_triage_gives_them():
    """Triage answers suggestions on the consultation clock and asks the reason of a negative post of intent
    other; the mix left them out as posts of no kind (and an intent no post has went to no kind)."""
    posts = _two_weeks().assign(intent=["suggestion"] * 5 + ["other"] * 4, sentiment=["neutral"] * 5 + ["negative"] * 4)
    mix = workload(posts).mix.set_index("kind")
    assert mix["counted_share"].to_dict() == pytest.approx(
        {"consultation": 5 / 9, "complaint": 0.0, "vague_negative": 4 / 9, "abuse": 0.0, "praise": 0.0})
    given = _kind_given_intent(np.zeros((3, len(POST_KINDS) + 1)), ["suggestion", "other", "praise"])
    assert given[0, POST_KINDS.index("consultation")] == given[1, -1] == given[2, POST_KINDS.index("praise")] == 1


def test_the_patch_keeps_the_scenario_but_its_arrivals_and_mix(tmp_path):
    base = Scenario.from_dict({"arrivals": {"posts_per_day": 400, "profile": "stc3",
                                            "bursts": [{"start": "2025-01-08 10:00", "hours": 2, "posts": 50}]},
                               "start": "2025-01-06", "agents": 3, "service_minutes": {"mean": 3},
                               "mix": {"complaint": 0.2, "consultation": 0.8}})
    w = workload(_two_weeks())
    fitted = Scenario.from_dict(w.patch(dict(base.raw)))
    assert np.allclose(fitted.rate_week, w.rate_per_hour)
    assert dict(fitted.mix) == {"complaint": 1.0, **{k: 0.0 for k in fitted.mix if k != "complaint"}}
    assert fitted.bursts == base.bursts and fitted.raw["agents"] == base.raw["agents"]
    assert fitted.expected_posts == pytest.approx(9 / 2 / 7 * fitted.horizon_days + 50)
    # the mix alone (a manager's own volume kept), and the whole mix replaced: no kind left from the scenario's
    mixed = Scenario.from_dict(w.patch(dict(base.raw), arrivals=False, counted=True))
    assert mixed.rate_week == base.rate_week and mixed.mix["consultation"] == 0 and mixed.mix["complaint"] == 1


def test_bad_posts_say_what_is_missing():
    with pytest.raises(InputError, match="at least a week"):
        workload(_two_weeks().iloc[[0, 2, 3]])
    with pytest.raises(InputError, match="no created_at"):
        workload(_two_weeks().drop(columns="created_at"))
    with pytest.raises(InputError, match="no post has a policy kind"):  # chit-chat: triage gives it no clock
        workload(_two_weeks().assign(intent="other", sentiment="neutral"))
    with pytest.raises(InputError, match="must be a DataFrame"):
        workload(_two_weeks().to_dict("records"))
    posts = _two_weeks()
    posts.loc[3, "created_at"], posts.loc[4, "intent"] = pd.NaT, None
    w = workload(posts)
    assert (w.posts, w.without_time, w.without_kind) == (8, 1, 1)
    assert "1 posts without a readable created_at" in w.note and "1 posts of no policy kind" in w.note


def test_simulate_and_staff_take_a_teams_posts(tmp_path):
    posts = _two_weeks(n_mon10=40).assign(sentiment="negative", topic="broadband",
                                          negative_subtype="concrete_complaint", created_at=lambda d:
                                          d["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    posts.loc[::2, ["intent", "negative_subtype", "sentiment"]] = ["consultation", None, "neutral"]
    path = tmp_path / "posts.csv"
    posts.to_csv(path, index=False)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("start: 2025-01-06\nhorizon_days: 7\narrivals: {posts_per_day: 2000}\nagents: 2\n"
                        "service_minutes: {mean: 3}\n", encoding="utf-8")
    r = run_cli("simulate", "--scenario", str(scenario), "--posts", str(path), "--replications", "2", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    n = len(posts)
    assert out["workload"]["posts"] == n and out["workload"]["mix_method"] == "counted"
    assert out["posts"] == pytest.approx(n / 2, rel=0.5)  # a week of two weeks' posts, not 2,000 a day
    assert "arrivals and mix from" in r.stderr and "busiest mon 10:00 (40)" in r.stderr
    mix = {m["kind"]: m["share"] for m in out["workload"]["mix"]}
    assert mix["consultation"] == pytest.approx((posts["intent"] == "consultation").mean())
    planned = tmp_path / "planned.yaml"
    r = run_cli("staff", "--scenario", str(scenario), "--posts", str(path), "--replications", "1",
                "--max-iterations", "5", "--write-scenario", str(planned))
    assert r.returncode == 0, r.stderr
    assert "rate_per_hour" in planned.read_text(encoding="utf-8")
    # the posts file is an input: never the output, and --model alone is refused
    link = tmp_path / "posts.yaml"
    link.symlink_to(path)
    r = run_cli("staff", "--scenario", str(scenario), "--posts", str(path), "--write-scenario", str(link))
    assert r.returncode == 2 and "--posts" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    r = run_cli("simulate", "--scenario", str(scenario), "--model", "models/wbcs-default/12")
    assert r.returncode == 2 and "add --posts" in r.stderr
    short = tmp_path / "short.csv"
    posts.iloc[[0, 2, 3]].to_csv(short, index=False)
    r = run_cli("sweep", "--scenario", str(scenario), "--posts", str(short), "--vary", "agents=2,3")
    assert r.returncode == 2 and "at least a week" in r.stderr and r.stderr.count("\n") == 1


def test_a_profile_with_most_hours_never_seen_says_so():
    # 9 posts over two weeks (a sparse export does the same): most hours of
    # the week get no arrival at all in the simulation, which must not pass unsaid
    w = workload(_two_weeks(n_mon10=3))
    assert (w.rate_per_hour == 0).sum() == 164
    assert "164 of the 168 hours of the week saw no post in 2.0 weeks" in w.note
    times = pd.date_range(MONDAY, periods=2 * 168, freq="h") + pd.Timedelta(minutes=7)  # a post every hour
    busy = pd.DataFrame({"post_id": [str(i) for i in range(len(times))], "created_at": times,
                         "text": "@中国移动 宽带又断了", "intent": "complaint"})
    assert "saw no post" not in workload(busy).note
