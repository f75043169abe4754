"""Triage: routing rules on crafted posts, SLA deadlines (calendar and duty time), route files."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbcs.errors import InputError
from wbcs.policy import SlaClock, load_policy
from wbcs.triage import load_routes, parse_routes, route_posts

T = pd.Timestamp("2024-01-03 10:00", tz="Asia/Shanghai")  # a Wednesday, on duty


def posts(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"post_id": [f"p{i}" for i in range(n)], "created_at": [T] * n, "text": ["帖子"] * n}
    return pd.DataFrame({**base, **cols})


def test_full_schema_routes():
    df = posts(
        text=["网络断了 13812345678", "网络断了", "你们真垃圾", "烦死了", "谢谢", "请问怎么开通", "建议延长营业时间", "哈哈",
              "投诉 13812345678"],
        sentiment=["negative", "negative", "negative", "negative", "positive", "neutral", "neutral", "neutral",
                   "negative"],
        intent=["complaint", "complaint", "other", "other", "praise", "consultation", "suggestion", "other",
                "complaint"],
        negative_subtype=["concrete_complaint", "concrete_complaint", "abuse", "vague_negativity", None, None,
                          None, None, "abuse"],
    )
    out = route_posts(df)
    assert out["route"].tolist() == ["ticket", "complaint_reply_dm", "set_aside", "ask_reason", "thank",
                                     "answer", "suggestion", "monitor", "set_aside"]  # abuse wins over complaint
    assert out["kind"].tolist()[:7] == ["complaint", "complaint", "abuse", "vague_negative", "praise",
                                        "consultation", "consultation"]
    assert pd.isna(out["kind"].iloc[7])
    assert out["identifiable"].tolist()[:2] == ["yes", "no"]
    assert (out["identifiable_source"] == "phone number in text").all()
    assert out.attrs["classified"] is None  # labels were all there: no model ran
    # the gold schema: every negative post's intent is complaint, a vague grumble's too; it is asked its reason
    # (DOMAIN.md: vague negativity → ask the reason), not sent down the complaint routes
    vague = route_posts(posts(text=["烦死了", "烦死了 13812345678"], sentiment=["negative"] * 2,
                              intent=["complaint"] * 2, negative_subtype=["vague_negativity"] * 2))
    assert vague["route"].tolist() == ["ask_reason"] * 2 and vague["kind"].tolist() == ["vague_negative"] * 2


def test_identifiable_column_wins_over_phone_and_has_phone_column():
    df = posts(text=["没号码", "有号码 13812345678"], sentiment=["negative"] * 2, intent=["complaint"] * 2,
               identifiable=["yes", None], has_phone=[False, False])
    out = route_posts(df)
    # row 0: labelled identifiable; row 1: ingest's has_phone (computed before masking) says no phone
    assert out["route"].tolist() == ["ticket", "complaint_reply_dm"]
    assert out["identifiable_source"].tolist() == ["label", "has_phone column"]


def test_public_model_rules_without_intent():
    df = posts(text=["a", "b", "c", "d", "e"],
               sentiment=["negative", "negative", "neutral", "positive", "negative"],
               complaint=["yes", "yes", "yes", "no", "no"], intent=[None] * 5,
               identifiable=["yes", "no", "no", "no", "no"])
    df.attrs["classified"] = {"model": "test"}  # as if predict_posts had run
    out = route_posts(df)
    assert out["route"].tolist() == ["ticket", "complaint_reply_dm", "answer", "thank", "ask_reason"]


def test_calendar_deadlines_hand_computed():
    df = posts(sentiment=["negative", "neutral", "positive", "neutral"],
               intent=["complaint", "consultation", "praise", "other"])
    out = route_posts(df).set_index("route")
    # complaint: acknowledge 30 min, resolve 48 h; consultation: 120 min / 48 h; praise: 120 min / none
    assert out.loc["complaint_reply_dm", "acknowledge_by"] == pd.Timestamp("2024-01-03 10:30", tz="Asia/Shanghai")
    assert out.loc["complaint_reply_dm", "resolve_by"] == pd.Timestamp("2024-01-05 10:00", tz="Asia/Shanghai")
    assert out.loc["answer", "acknowledge_by"] == pd.Timestamp("2024-01-03 12:00", tz="Asia/Shanghai")
    assert out.loc["thank", "acknowledge_by"] == pd.Timestamp("2024-01-03 12:00", tz="Asia/Shanghai")
    assert pd.isna(out.loc["thank", "resolve_by"])
    assert pd.isna(out.loc["monitor", "acknowledge_by"]) and pd.isna(out.loc["monitor", "clock"])


def business_policy(holidays=()):
    p = load_policy()
    sla = {**p.sla, "complaint": SlaClock("complaint", 120, 48, "business")}
    return dataclasses.replace(p, sla=sla, duty=dataclasses.replace(p.duty, holidays=tuple(holidays)))


@pytest.mark.parametrize("created, ack, resolve, holidays", [
    # Fri 19:00: 60 min left on Friday, 60 on Monday → Mon 09:00; 48 h = 2,880 duty minutes:
    # Fri 60 + Mon/Tue/Wed 3×720 = 2,220, 660 more on Thu from 08:00 → Thu 19:00
    ("2024-01-05 19:00", "2024-01-08 09:00", "2024-01-11 19:00", ()),
    # Saturday night: the clock starts Monday 08:00; 2,880 = 4 whole duty days, used up at Thu 20:00;
    # it stands still until Fri 08:00, and a reply until then is met → Fri 08:00
    ("2024-01-06 03:00", "2024-01-08 10:00", "2024-01-12 08:00", ()),
    # ... or Tuesday when Monday is a holiday; used up Fri 20:00 → Mon 08:00
    ("2024-01-06 03:00", "2024-01-09 10:00", "2024-01-15 08:00", (dt.date(2024, 1, 8),)),
    # exactly fits the rest of the day: Fri 18:00 + 120 is used up at 20:00 and stands still over
    # the weekend → Mon 08:00; resolve: Fri 120 + Mon–Wed 2,160 = 2,280, 600 more on Thu → 18:00
    ("2024-01-05 18:00", "2024-01-08 08:00", "2024-01-11 18:00", ()),
    # the auditor's case: Mon 18:00 + 120 → Tue 08:00 (replies at Mon 23:00, Tue 07:59 are met)
    ("2024-05-06 18:00", "2024-05-07 08:00", "2024-05-10 18:00", ()),
    # Tue 17:00 + 2,880 = 180 on Tue, Wed, Thu (holiday), Fri, Mon, Tue 3×720 + 540 → Tue 17:00
    ("2024-04-30 17:00", "2024-04-30 19:00", "2024-05-07 17:00", (dt.date(2024, 5, 2),)),
])
def test_business_clock(created, ack, resolve, holidays):
    df = posts(created_at=[pd.Timestamp(created, tz="Asia/Shanghai")], sentiment=["negative"],
               intent=["complaint"])
    out = route_posts(df, policy=business_policy(holidays)).iloc[0]
    assert out["clock"] == "business"
    assert out["acknowledge_by"] == pd.Timestamp(ack, tz="Asia/Shanghai")
    assert out["resolve_by"] == pd.Timestamp(resolve, tz="Asia/Shanghai")


HOLIDAYS = (dt.date(2024, 1, 1), dt.date(2024, 5, 1), dt.date(2024, 5, 2), dt.date(2024, 5, 3), dt.date(2024, 10, 1))


@given(st.lists(st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2024, 12, 31)),
                min_size=1, max_size=20),
       st.one_of(st.integers(min_value=0, max_value=20_000), st.sampled_from([120, 720, 1440, 2880, 1 / 3]),
                 st.floats(min_value=0, max_value=20_000)))
def test_duty_deadline_is_the_last_instant_the_kpi_counts_met(starts, minutes):
    """The deadline triage shows is where the KPIs' and the simulator's rule (business_minutes ≤ limit)
    turns from met to missed: the reply at it is met, one a second (a nanosecond) later is not."""
    duty = dataclasses.replace(load_policy().duty, holidays=HOLIDAYS)
    t0 = pd.DatetimeIndex(starts).tz_localize("Asia/Shanghai")
    t1 = duty.add_minutes(t0, minutes)
    assert (duty.business_minutes(t0, t1) <= minutes).all()
    assert (duty.business_minutes(t0, t1 + pd.Timedelta(seconds=1)) > minutes).all()
    assert (duty.business_minutes(t0, t1 + pd.Timedelta(nanoseconds=1)) > minutes).all()
    assert duty.on_duty(t1).all()  # a reply is never due in off-duty time: then it is due at the next start


@pytest.mark.parametrize("created, minutes, deadline", [
    ("2024-05-06 18:00", 120, "2024-05-07 08:00"),  # Mon evening → Tue duty start
    ("2024-05-06 18:00", 119, "2024-05-06 19:59"),  # a minute less: the same evening
    ("2024-05-10 19:00", 60, "2024-05-13 08:00"),  # Fri evening → Mon, past the weekend
    ("2024-04-30 19:30", 30, "2024-05-06 08:00"),  # Tue before the May-day holidays (Wed–Fri) → next Mon
    ("2024-05-11 10:00", 720, "2024-05-14 08:00"),  # created on a Saturday, off duty: all of Monday → Tue
    ("2024-05-06 22:00", 0, "2024-05-07 08:00"),  # a 0 clock off duty: the reply is met until duty starts
    ("2024-05-06 10:00", 0, "2024-05-06 10:00"),  # ... and on duty at once
    ("2024-05-06 18:00", 1 / 3, "2024-05-06 18:00:20"),  # 20 seconds
])
def test_duty_deadline_hand_computed(created, minutes, deadline):
    duty = dataclasses.replace(load_policy().duty, holidays=HOLIDAYS)
    t0 = pd.DatetimeIndex([created]).tz_localize("Asia/Shanghai")
    t1 = duty.add_minutes(t0, minutes)
    assert t1[0] == pd.Timestamp(deadline, tz="Asia/Shanghai")
    met = duty.business_minutes(t0.repeat(2), [t1[0], t1[0] + pd.Timedelta(seconds=1)]) <= minutes
    assert met.tolist() == [True, False]


@pytest.mark.parametrize("minutes", [-5, float("nan"), [10, -1], 1e15])
def test_add_minutes_refuses_minutes_that_are_no_duration(minutes):
    """-5 gave 07:55, before the duty day the deadline is counted in; NaN no deadline at all."""
    t0 = pd.DatetimeIndex(["2024-03-04 00:30", "2024-03-04 09:00"]).tz_localize("Asia/Shanghai")
    with pytest.raises(InputError, match=r"Duty.add_minutes: minutes must be finite numbers ≥ 0 and ≤ 527040 "
                                         r"\(a year\), got (-5.0|nan|-1.0|1000000000000000.0)$"):
        load_policy().duty.add_minutes(t0, minutes)


def test_route_file_validation(tmp_path):
    assert "ticket" in load_routes().routes
    good = {"routes": {"a": {"kind": "praise", "action": "thank"}}, "rules": [{"route": "a", "when": {}}]}
    assert parse_routes(good).rules == (("a", ()),)
    free = {**good, "rules": [{"route": "a", "when": {"operator": "china_mobile", "complaint": "yes"}}, good["rules"][0]]}
    assert parse_routes(free).rules[0] == ("a", (("operator", ("china_mobile",)), ("complaint", ("yes",))))
    cases = [
        ({"routes": {}}, "non-empty 'routes'"),
        ({"routes": {"a": {"kind": "praise"}}, "rules": []}, "routes.a needs 'kind' and 'action'"),
        ({"routes": {"a": {"kind": "party", "action": "x"}}, "rules": []}, "routes.a.kind 'party'"),
        ({**good, "rules": [{"route": "b", "when": {}}]}, r"rules\[0\].route 'b'"),
        ({**good, "rules": [{"route": "a", "when": {"intent": "praise"}}]}, "last rule must have an empty"),
        # a rule that could never match was accepted: a misspelt column, an unknown label, an unquoted yes
        ({**good, "rules": [{"route": "a", "when": {"intnet": "praise"}}, {"route": "a"}]},
         r"rules\[0\] \(route a\): when.intnet is not a column a rule can test \(known: sentiment, intent, topic, "
         r"negative_subtype, identifiable, complaint, platform, province, operator\)"),
        ({**good, "rules": [{"route": "a", "when": {"intent": ["praise", "prase"]}}, {"route": "a"}]},
         r"rules\[0\] \(route a\): when.intent has 'prase', not one of consultation, complaint, suggestion, "
         r"praise, other"),
        ({**good, "rules": [{"route": "a", "when": {"identifiable": True}}, {"route": "a"}]},
         "when.identifiable has True, not one of yes, no; YAML reads an unquoted yes as true: write it in quotes"),
        ({**good, "rules": [{"route": "a", "when": {"intent": []}}, {"route": "a"}]}, "needs at least one value"),
        ({**good, "rules": [{"route": "a", "wehn": {"intent": "praise"}}, {"route": "a"}]},
         r"rules\[0\].wehn is not a known key \(known: route, when\)"),  # would have matched every post
        ({**good, "routes": {"a": {"kind": "praise", "action": "x", "acton": "y"}}}, "routes.a.acton is not a known"),
        ({**good, "bogus_key": 1}, "bogus_key is not a known key"),
        ({**good, "version": 99}, "version 99 is not a routes format"),
    ]
    for raw, message in cases:
        with pytest.raises(InputError, match=message):
            parse_routes(raw)
    bad = tmp_path / "routes.yaml"
    bad.write_text("routes: [unclosed", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_routes(bad)
    bad.write_text("routes: {a: {kind: null, action: x}}\nrules:\n  - {route: a, when: {x: 2024-02-30}}\n",
                   encoding="utf-8")  # was ValueError: day is out of range for month
    with pytest.raises(InputError, match=r"routes.yaml: line 3, column 26: 2024-02-30 is not a real date"):
        load_routes(bad)


def test_missing_columns():
    with pytest.raises(InputError, match="missing column 'created_at'"):
        route_posts(pd.DataFrame({"text": ["x"]}))


def test_unlabelled_posts_are_classified_first(tmp_path, capsys):
    from tests.test_classify_baseline import LABELS, TEXTS
    from wbcs.classify import PostClassifier, TextClassifier, save_model

    model = PostClassifier({"sentiment": TextClassifier().fit(TEXTS, LABELS),
                            "complaint": TextClassifier().fit(TEXTS, ["yes" if x == "negative" else "no"
                                                                      for x in LABELS])})
    path = save_model(model, tmp_path / "m")
    df = posts(text=["信号太差了打不了电话 13812345678", "谢谢很满意"])
    out = route_posts(df, model=path)
    assert out["route"].tolist() == ["ticket", "thank"]
    assert out.attrs["classified"]["filled"] == {"sentiment": 2, "complaint": 2}
    assert "predict_posts: model" in capsys.readouterr().out
    assert np.all(out.index == df.index)


def test_an_upper_case_intent_is_refused_not_routed_to_monitor():
    df = posts(sentiment=["negative", "negative"], intent=["complaint", "Complaint"])
    with pytest.raises(InputError, match=r"^posts: index 1, column 'intent': unknown label 'Complaint'"):
        route_posts(df, classify=False)


@pytest.mark.parametrize("when, said", [(pd.NaT, "column 'created_at' is empty or not a time"),
                                        ("garbage", "column 'created_at': cannot read 'garbage' as a time")])
def test_a_post_without_a_time_is_refused_not_given_no_deadline(when, said):
    df = posts(sentiment=["negative", "negative"], intent=["complaint", "complaint"])
    df["created_at"] = pd.Series([T, when], dtype=object)
    with pytest.raises(InputError, match=rf"^posts: index 1, {said}"):
        route_posts(df, classify=False)


def test_route_posts_names_what_it_needs_when_given_no_table():
    with pytest.raises(InputError, match=r"route_posts: posts must be a pandas DataFrame, got list .*pd.DataFrame\(rows\)"):
        route_posts([{"text": "信号差"}], classify=False)


def test_the_other_entry_points_name_a_wrong_argument():
    """A path for the policy or the routes and a list for the routed table were AttributeErrors / TypeErrors."""
    from wbcs.triage import aggregation_alerts_for, lists_as_text

    p = posts(intent=["complaint"], sentiment=["negative"])
    with pytest.raises(InputError, match=r"policy must be a wbcs.policy.Policy \(wbcs.policy.load_policy"):
        route_posts(p, policy="policy.yaml", classify=False)
    with pytest.raises(InputError, match=r"routes must be wbcs.triage.load_routes\('routes.yaml'\) .*got str"):
        route_posts(p, routes="routes.yaml", classify=False)
    with pytest.raises(InputError, match="aggregation_alerts_for: routed must be a pandas DataFrame, got list"):
        aggregation_alerts_for(p, [{"kind": "complaint"}])
    with pytest.raises(InputError, match="routed must be the table route_posts.*no 'kind' column"):
        aggregation_alerts_for(p, p)
    with pytest.raises(InputError, match="lists_as_text: df must be a pandas DataFrame, got list"):
        lists_as_text([{"post_ids": ["a"]}])
