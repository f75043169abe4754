"""Every indicator of DOMAIN.md on a small crafted table, values computed by hand."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.kpi import indicators, post_kind
from wbcs.policy import load_policy

NA = None


def ts(s):
    return pd.Timestamp(s, tz="Asia/Shanghai") if s else pd.NaT


def test_a_table_that_is_no_dataframe_is_refused_saying_what_to_pass():
    """A list of dicts (or one column) was an AttributeError from inside pandas; by=5 'int' object is not
    iterable; a path for the policy an AttributeError."""
    rows = crafted().to_dict("records")
    with pytest.raises(InputError, match=r"indicators: posts must be a pandas DataFrame, got list .*pd.DataFrame\(rows\)"):
        indicators(rows)
    with pytest.raises(InputError, match="indicators: posts must be a pandas DataFrame, got Series"):
        indicators(crafted()["text"])
    with pytest.raises(InputError, match="post_kind: posts must be a pandas DataFrame, got list"):
        post_kind(rows)
    with pytest.raises(InputError, match=r"by must be a column name or a list of them \(e.g. by='topic'"):
        indicators(crafted(), period="day", by=5)
    with pytest.raises(InputError, match="by must be a column name or a list of them"):
        indicators(crafted(), period="day", by=[["operator"]])
    with pytest.raises(InputError, match=r"policy must be a wbcs.policy.Policy .*got str"):
        indicators(crafted(), policy="policy.yaml")
    # one column name is that column, not its letters (which matched no column: KeyError 'created_at')
    from wbcs.columns import read_times

    assert list(read_times(crafted(), columns="created_at").columns) == ["created_at"]
    with pytest.raises(InputError, match="read_times: posts must be a pandas DataFrame, got list"):
        read_times(rows)
    # a tuple or an Index of names is a list of them
    assert indicators(crafted(), by=("operator",)).equals(indicators(crafted(), by=pd.Index(["operator"])))


def crafted() -> pd.DataFrame:
    """8 posts, 2025-03-03 (Mon) .. 03-06, two operators.

    id  created      sentiment intent       subtype  topic   operator reply(min) resolved     satisfied
    p1  03-03 09:00  negative  complaint    concrete network mobile   09:20 (20)  03-04 09:00  True
    p2  03-03 10:00  negative  complaint    concrete network mobile   11:00 (60)  -            False
    p3  03-03 12:00  negative  consultation vague    billing unicom   -           -            -
    p4  03-04 08:00  neutral   consultation -        billing mobile   09:30 (90)  03-04 12:00  -
    p5  03-04 09:00  positive  praise       -        service unicom   13:00 (240) -            -
    p6  03-05 10:00  positive  praise       -        network unicom   -           -            -
    p7  03-05 11:00  neutral   other        -        -       mobile   -           -            -
    p8  03-06 20:00  negative  complaint    abuse    network unicom   21:00 (60)  -            True
    """
    rows = [
        ("p1", "2025-03-03 09:00", "negative", "complaint", "concrete_complaint", "network", "china_mobile",
         "2025-03-03 09:20", "2025-03-04 09:00", True, 3, 1, 10, 100),
        ("p2", "2025-03-03 10:00", "negative", "complaint", "concrete_complaint", "network", "china_mobile",
         "2025-03-03 11:00", NA, False, 0, 2, 0, 50),
        ("p3", "2025-03-03 12:00", "negative", "consultation", "vague_negativity", "billing", "china_unicom",
         NA, NA, NA, 1, 0, 0, 10),
        ("p4", "2025-03-04 08:00", "neutral", "consultation", NA, "billing", "china_mobile",
         "2025-03-04 09:30", "2025-03-04 12:00", NA, 0, 0, 1, 20),
        ("p5", "2025-03-04 09:00", "positive", "praise", NA, "service", "china_unicom",
         "2025-03-04 13:00", NA, NA, 0, 0, 0, 30),
        ("p6", "2025-03-05 10:00", "positive", "praise", NA, "network", "china_unicom",
         NA, NA, NA, 0, 0, 0, 40),
        ("p7", "2025-03-05 11:00", "neutral", "other", NA, NA, "china_mobile", NA, NA, NA, 0, 0, 0, 0),
        ("p8", "2025-03-06 20:00", "negative", "complaint", "abuse", "network", "china_unicom",
         "2025-03-06 21:00", NA, True, 5, 5, 5, 1000),
    ]
    cols = ["post_id", "created_at", "sentiment", "intent", "negative_subtype", "topic", "operator",
            "reply_at", "resolved_at", "satisfied", "reposts", "comments", "likes", "author_followers"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("created_at", "reply_at", "resolved_at"):
        df[c] = pd.to_datetime(df[c]).dt.tz_localize("Asia/Shanghai")
    df["satisfied"] = df["satisfied"].astype("boolean")
    df["text"] = "帖子" + df["post_id"]
    df["platform"] = "sina_weibo"
    return df


def test_post_kinds_follow_the_policy_kinds():
    assert post_kind(crafted()).tolist() == ["complaint", "complaint", "vague_negative", "consultation",
                                             "praise", "praise", pd.NA, "abuse"]


def every_label_combination() -> pd.DataFrame:
    """A post for each combination of sentiment × intent × negative_subtype × complaint (the public-data
    model's yes/no) × identifiable, each with an empty cell too."""
    from wbcs.schema import load_taxonomy

    tax = load_taxonomy()
    values = {"sentiment": tax.ids("sentiment"), "intent": tax.ids("intent"),
              "negative_subtype": tax.ids("negative_subtype"), "complaint": ["yes", "no"],
              "identifiable": ["yes", "no"]}
    rows = list(itertools.product(*[[*v, None] if c != "identifiable" else v for c, v in values.items()]))
    df = pd.DataFrame(rows, columns=list(values), dtype="string")
    return df.assign(post_id=[f"c{i}" for i in range(len(df))], text="帖子", created_at=ts("2025-03-03 09:00"))


def test_a_posts_kind_is_the_kind_of_the_route_triage_gives_it():
    """The KPIs' hand-written kind rules left out posts triage gives a clock (a suggestion, a negative post of
    intent other) and ordered vague negativity before the intent complaint; now every label combination, with
    the default routes, is of the kind of its route, whether its author can be identified or not."""
    from wbcs.triage import route_posts

    posts = every_label_combination()
    routed = route_posts(posts, classify=False)
    assert post_kind(posts).tolist() == routed["kind"].tolist()
    assert set(routed["route"]) >= {"ticket", "complaint_reply_dm", "suggestion", "ask_reason", "monitor"}
    # without the complaint column (a model with intent) and with categorical labels, as a Parquet file has them
    plain = posts[posts["complaint"].isna()].drop(columns="complaint").astype({"intent": "category"})
    assert post_kind(plain).tolist() == route_posts(plain, classify=False)["kind"].tolist()


def test_kind_rules_come_from_the_routes_and_refuse_a_kind_that_depends_on_identifiable(tmp_path):
    from wbcs.triage import KIND_RULES, kind_rules, load_routes, parse_routes

    assert kind_rules(load_routes()) == KIND_RULES
    assert ({"intent": "suggestion"}, "consultation") in KIND_RULES
    # vague negativity before the complaint intent, which the gold schema gives every negative post
    assert KIND_RULES.index(({"negative_subtype": "vague_negativity"}, "vague_negative")) < KIND_RULES.index(
        ({"intent": "complaint"}, "complaint"))
    routes = {"routes": {"ticket": {"kind": "complaint", "action": "a"}, "ask": {"kind": "vague_negative", "action": "b"},
                         "none": {"kind": None, "action": "c"}},
              "rules": [{"route": "ticket", "when": {"intent": ["complaint", "suggestion"], "identifiable": "yes"}},
                        {"route": "ask", "when": {"sentiment": "negative"}}, {"route": "none", "when": {}}]}
    with pytest.raises(InputError, match=r"^my\.yaml: a post with \{'intent': 'complaint', 'sentiment': 'negative'\} "
                                         r"is of kind complaint when identifiable and vague_negative when not; the "
                                         r"KPIs count kinds from the labels alone"):
        kind_rules(parse_routes(routes, "my.yaml"))
    routes["rules"][0]["when"].pop("identifiable")  # a list of values: one rule per value; the no-kind rule goes
    assert kind_rules(parse_routes(routes)) == [({"intent": "complaint"}, "complaint"),
                                                ({"intent": "suggestion"}, "complaint"),
                                                ({"sentiment": "negative"}, "vague_negative")]
    routes["rules"][1]["when"] = {"operator": "china_mobile"}
    with pytest.raises(InputError, match=r"the rules test 'operator': the KPIs count a post's kind from sentiment"):
        kind_rules(parse_routes(routes, "my.yaml"))


def test_whole_table_indicators_match_hand_computed_values():
    k = indicators(crafted())
    assert k["volume"] == 8
    assert (k["n_positive"], k["n_neutral"], k["n_negative"]) == (2, 2, 4)
    assert k["net_favorability"] == pytest.approx((2 - 4) / (2 + 4))          # −1/3
    assert k["net_favorability_incl_neutral"] == pytest.approx((2 - 4) / 8)   # −0.25
    assert k["negative_handling_rate"] == pytest.approx(3 / 4)    # p1 p2 p8 replied of 4 negatives
    assert k["negative_resolution_rate"] == pytest.approx(1 / 4)  # p1 resolved
    assert k["negative_resolution_rate_as_written"] == pytest.approx(3 / 4)
    assert k["reply_satisfaction_rate"] == pytest.approx(2 / 3)   # p1, p8 of p1 p2 p8
    assert k["reply_satisfaction_rate_of_known"] == pytest.approx(2 / 3)  # all three gave feedback
    assert k["reply_rate"] == pytest.approx(5 / 8)
    # response minutes of replied posts: 20, 60, 90, 240, 60 → sorted 20 60 60 90 240
    assert k["median_response_minutes"] == pytest.approx(60)
    assert k["p90_response_minutes"] == pytest.approx(90 + 0.6 * (240 - 90))  # rank 3.6 → 180
    assert (k["reposts"], k["comments"], k["likes"], k["followers"]) == (9, 8, 16, 1250)
    # topic share over all 8 posts; p7 has no topic and is not a key
    assert k["topic_share"] == pytest.approx({"network": 4 / 8, "billing": 2 / 8, "service": 1 / 8})


def test_reply_satisfaction_is_out_of_every_replied_negative_post():
    """DOMAIN.md: replied topics with positive feedback / replied topics. It was out of the replied negative
    posts whose feedback is known, which reads high when most give none."""
    df = crafted()
    df.loc[1, "satisfied"] = pd.NA  # p2: replied, no feedback; p1 and p8 satisfied
    k = indicators(df)
    assert (k["n_negative_replied"], k["n_negative_replied_satisfied"], k["n_negative_replied_satisfaction_known"]
            ) == (3, 2, 2)
    assert k["reply_satisfaction_rate"] == pytest.approx(2 / 3)
    assert k["reply_satisfaction_rate_of_known"] == 1.0
    by_day = indicators(df, period="day").set_index("period")
    assert by_day.loc["2025-03-03", "reply_satisfaction_rate"] == 0.5  # p1 of p1 p2
    assert by_day.loc["2025-03-03", "reply_satisfaction_rate_of_known"] == 1.0
    assert indicators(df.drop(columns="satisfied"))["reply_satisfaction_rate"] is None  # not measurable, not 0
    assert indicators(df.assign(satisfied=pd.NA))["reply_satisfaction_rate"] == 0.0  # replies, nobody satisfied
    assert indicators(df.assign(satisfied=pd.NA))["reply_satisfaction_rate_of_known"] is None


def test_sla_attainment_per_post_kind_by_hand():
    k = indicators(crafted())  # as_of = latest time in the data = 03-06 21:00
    assert k["as_of"] == "2025-03-06T21:00:00"
    sla = k["sla"]
    # complaint (ack 30 min, resolve 48 h): p1 20 min met, p2 60 min missed;
    # p1 resolved in 24 h met, p2 unresolved after 83 h missed
    assert (sla["complaint"]["posts"], sla["complaint"]["acknowledge_due"],
            sla["complaint"]["acknowledge_met"]) == (2, 2, 1)
    assert sla["complaint"]["resolve_attainment"] == pytest.approx(0.5)
    # vague_negative: p3 never replied, 81 h waited > 120 min → due, missed
    assert sla["vague_negative"]["acknowledge_attainment"] == 0
    assert sla["consultation"]["acknowledge_attainment"] == 1     # p4: 90 ≤ 120
    assert sla["consultation"]["resolve_attainment"] == 1         # p4: 4 h ≤ 48 h
    assert sla["praise"]["acknowledge_due"] == 2 and sla["praise"]["acknowledge_met"] == 0  # 240 min; none
    assert sla["abuse"]["acknowledge_met"] == 1 and sla["abuse"]["resolve_due"] == 0
    assert sla["abuse"]["resolve_attainment"] is None             # no resolve clock for abuse
    # pooled: ack met p1 p4 p8 of 7 posts with a clock (p7 'other' has none); resolve 2 of 4
    assert k["sla_acknowledge_attainment"] == pytest.approx(3 / 7)
    assert k["sla_resolve_attainment"] == pytest.approx(2 / 4)


def test_unreplied_posts_inside_their_deadline_are_pending_not_missed():
    df = crafted().iloc[[5]]  # p6: praise at 03-05 10:00, never replied, 120-minute clock
    assert indicators(df, as_of="2025-03-05 11:00")["sla"]["praise"]["acknowledge_due"] == 0
    assert indicators(df, as_of="2025-03-05 12:01")["sla"]["praise"]["acknowledge_due"] == 1


def test_business_clock_counts_duty_minutes_only():
    pol = load_policy()
    business = dataclasses.replace(pol, sla={**pol.sla, "complaint": dataclasses.replace(
        pol.sla["complaint"], clock="business")})
    df = crafted().iloc[[0, 1]].copy()
    # Fri 19:50 → Mon 08:15: 10 + 15 = 25 duty minutes (≤ 30) although 60 h passed
    df["created_at"] = [ts("2025-03-07 19:50"), ts("2025-03-07 19:55")]
    df["reply_at"] = [ts("2025-03-10 08:15"), pd.NaT]
    df["resolved_at"] = pd.NaT
    as_of = "2025-03-10 08:20"  # p2 unreplied: 5 + 20 = 25 duty minutes so far → pending
    cal = indicators(df, as_of=as_of)["sla"]["complaint"]
    bus = indicators(df, policy=business, as_of=as_of)["sla"]["complaint"]
    assert (cal["acknowledge_due"], cal["acknowledge_met"]) == (2, 0)
    assert (bus["acknowledge_due"], bus["acknowledge_met"]) == (1, 1)


def test_competitor_lead_on_each_topic():
    # net favorability: network mobile (0−2)/2 = −1, unicom (1−1)/2 = 0; billing mobile has
    # no pos/neg (null), unicom −1; service: unicom only
    lead = indicators(crafted())["competitor_lead"]
    assert lead["network"] == {"china_mobile": pytest.approx(-1.0), "china_unicom": pytest.approx(1.0)}
    assert lead["billing"] == {"china_mobile": None, "china_unicom": None}
    assert lead["service"] == {"china_unicom": None}


def test_daily_table_with_volume_change_ratio():
    t = indicators(crafted(), period="day")
    assert t["period"].dt.strftime("%m-%d").tolist() == ["03-03", "03-04", "03-05", "03-06"]
    assert t["volume"].tolist() == [3, 2, 2, 1]
    np.testing.assert_allclose(t["volume_change_ratio"], [np.nan, 2 / 3, 1.0, 0.5])
    # 03-03: 3 negatives, p1 p2 replied; 03-05: no negatives → null, not 0
    assert t.loc[0, "negative_handling_rate"] == pytest.approx(2 / 3)
    assert np.isnan(t.loc[2, "negative_handling_rate"])
    assert t.loc[1, "net_favorability"] == pytest.approx(1.0)  # p5 positive, p4 neutral


def test_empty_periods_are_rows_with_zero_volume_and_null_rates():
    df = crafted()
    late = df.iloc[[4]].assign(post_id="p9", created_at=ts("2025-03-20 09:00"), reply_at=pd.NaT)
    t = indicators(pd.concat([df, late], ignore_index=True), period="week")
    assert t["period"].dt.strftime("%m-%d").tolist() == ["03-03", "03-10", "03-17"]  # Mondays
    assert t["volume"].tolist() == [8, 0, 1]
    # 0 / 8 = 0 for the empty week; 1 / 0 → null for the week after it
    np.testing.assert_allclose(t["volume_change_ratio"], [np.nan, 0.0, np.nan])
    assert np.isnan(t.loc[1, "net_favorability"]) and np.isnan(t.loc[1, "median_response_minutes"])


def test_breakdown_by_topic_gives_share_and_topic_rates():
    t = indicators(crafted(), by="topic")
    assert t["topic"].tolist()[:3] == ["billing", "network", "service"] and pd.isna(t["topic"].iloc[3])
    net = t[t["topic"] == "network"].iloc[0]
    assert net["volume"] == 4 and net["share"] == pytest.approx(0.5)
    assert net["net_favorability"] == pytest.approx((1 - 3) / 4)  # p6 pos; p1 p2 p8 neg
    monthly = indicators(crafted(), period="month", by=["operator", "post_kind"])
    assert monthly["volume"].sum() == 8 and set(monthly["period"].dt.day) == {1}


def test_missing_optional_columns_give_null_not_zero():
    df = crafted().drop(columns=["reply_at", "satisfied", "reposts"])
    k = indicators(df)
    for name in ("negative_handling_rate", "reply_satisfaction_rate", "reply_rate",
                 "median_response_minutes", "sla_acknowledge_attainment", "reposts"):
        assert k[name] is None, name
    assert k["negative_resolution_rate"] == pytest.approx(1 / 4)  # resolved_at is still there
    bare = indicators(df[["post_id", "created_at", "text"]])
    assert bare["volume"] == 8 and bare["net_favorability"] is None and bare["topic_share"] == {}


def test_zero_denominators_are_null():
    positives = crafted().iloc[[4, 5]]  # two praise posts, no negatives
    k = indicators(positives)
    assert k["net_favorability"] == 1.0
    assert k["negative_handling_rate"] is None and k["reply_satisfaction_rate"] is None
    empty = indicators(crafted().iloc[:0])
    assert empty["volume"] == 0 and empty["net_favorability"] is None and empty["as_of"] is None


def test_bad_requests_and_impossible_times_are_input_errors():
    with pytest.raises(InputError, match="period must be one of day, week, month"):
        indicators(crafted(), period="year")
    with pytest.raises(InputError, match="no column 'city'"):
        indicators(crafted(), by="city")
    df = crafted()
    df.loc[3, "reply_at"] = ts("2025-03-04 07:00")
    with pytest.raises(InputError, match=r"posts: index 3, column 'reply_at'.*before"):
        indicators(df)  # a table without a file: its index label
    # read from a file (read_posts' columns): the file and its 1-based data row, not the position among the
    # rows ingest kept (two rows of export.csv rejected before it: position 3 is its data row 6)
    filed = df.assign(source_file="export.csv", source_row=[1, 2, 4, 6, 7, 8, 9, 10])
    with pytest.raises(InputError, match=r"^export\.csv: row 6, column 'reply_at'.*before"):
        indicators(filed)
    df.loc[3, "reply_at"], df.loc[5, "created_at"] = pd.NaT, pd.NaT
    with pytest.raises(InputError, match=r"^export\.csv: row 8, column 'created_at' is empty"):
        indicators(df.assign(source_file="export.csv", source_row=[1, 2, 4, 6, 7, 8, 9, 10]))


@pytest.mark.parametrize("as_of", ["notadate", "2024-02-30", "", "NaT"])
def test_an_as_of_that_is_no_time_is_refused_not_read_as_null(as_of):
    with pytest.raises(InputError, match=r"^--as-of '.*' is not a date or time; give one like 2024-05-04"):
        indicators(crafted(), as_of=as_of)
    assert indicators(crafted(), as_of="2025-03-06 12:00")["as_of"] == "2025-03-06T12:00:00"


@pytest.mark.parametrize("column, value, said", [
    ("sentiment", "NEGATIVE", "unknown label 'NEGATIVE'"),  # upper case: no sentiment counted at all
    ("sentiment", "angry", "unknown label 'angry'"),  # a label outside the taxonomy dilutes the denominators
    ("intent", "Complaint", "unknown label 'Complaint'"),
])
def test_an_unknown_label_is_refused_naming_its_row(column, value, said):
    df = crafted()
    df[column] = df[column].astype(object)
    df.loc[4, column] = value
    with pytest.raises(InputError, match=rf"^posts: index 4, column '{column}': {said} \(1 row\(s\) in all; known: "):
        indicators(df)


@pytest.mark.parametrize("column", ["reply_at", "resolved_at", "created_at"])
def test_a_time_that_cannot_be_read_is_refused_not_read_as_no_reply(column):
    df = crafted()
    df[column] = df[column].astype(object)
    df.loc[2, column] = "garbage"
    with pytest.raises(InputError, match=rf"^posts: index 2, column '{column}': cannot read 'garbage' as a time"):
        indicators(df)
    df.loc[2, column] = "" if column != "created_at" else ts("2025-03-03 12:00")  # an empty cell is no reply
    assert indicators(df)["volume"] == 8


def test_a_post_given_twice_is_refused_naming_both_rows():
    df = pd.concat([crafted(), crafted().iloc[[2]]])  # p3 pasted again
    with pytest.raises(InputError, match=r"^posts: row 9 \(index 2\), column 'post_id': 'p3' is also the post_id "
                                         r"of row 3 \(index 2\); a post counted twice"):
        indicators(df)


def test_satisfaction_written_as_yes_no_counts_as_booleans():
    df = crafted()
    as_words = df.assign(satisfied=df["satisfied"].astype(object).map({True: "yes", False: "否"}))
    assert indicators(as_words) == indicators(df)
    as_words.loc[1, "satisfied"] = "maybe"
    with pytest.raises(InputError, match=r"^posts: index 1, column 'satisfied': 'maybe' is not true/false"):
        indicators(as_words)


def test_a_breakdown_grid_past_its_bound_is_refused_before_it_is_built(monkeypatch):
    """Every group gets every period: 1,964 real posts by author per day were 3 million rows, 3.8 GB, and a JSON
    past 2 GiB came out cut. crafted(): 4 topic groups (network, billing, service, none) × 4 days = 16 rows."""
    import sys

    assert len(indicators(crafted(), period="day", by="topic")) == 16
    monkeypatch.setattr(sys.modules["wbcs.kpi.indicators"], "MAX_GRID_ROWS", 15)
    with pytest.raises(InputError, match=r"^a table by topic per day would have 16 rows \(4 groups × 4 days\), "
                                         r"more than 15: choose a longer period or fewer breakdown columns"):
        indicators(crafted(), period="day", by="topic")
    assert len(indicators(crafted(), period="week", by="topic")) == 4


def test_a_bad_or_empty_created_at_is_told_what_to_write_not_to_leave_it_empty():
    """The garbage time's message said "or leave the cell empty", and the empty cell was then refused."""
    from wbcs.columns import read_times

    bad = crafted().astype({"created_at": object})
    bad.loc[2, "created_at"] = "not a time"
    with pytest.raises(InputError) as e:
        read_times(bad)
    assert "cannot read 'not a time' as a time" in str(e.value) and "leave the cell empty" not in str(e.value)
    bad.loc[2, "created_at"] = None
    with pytest.raises(InputError, match=r"column 'created_at' is empty or not a time \(1 row\(s\) in all\): every "
                                         r"post needs its time, like 2024-05-04 21:30; fill it or remove the row"):
        read_times(bad)
