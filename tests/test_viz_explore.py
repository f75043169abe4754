"""wbcs.viz.explore: the exploration figures hold the numbers they claim."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wbcs.errors import InputError
from wbcs.viz import explore


def _posts() -> pd.DataFrame:
    times = pd.to_datetime(["2025-01-06 10:30", "2025-01-06 10:59", "2025-01-12 23:59",
                            "2025-01-06 00:30"]).tz_localize("Asia/Shanghai")
    return pd.DataFrame({
        "created_at": times,
        "operator": ["china_unicom", "china_unicom", "china_telecom", None],
        "text": ["@中国联通客服 信号差[怒] #联通#", "我的号码13812345678 宽带断了",
                 "流量 @中国电信客服 @中国电信", "好评[赞] 广州·天河"],
    })


def test_hour_weekday_counts_by_hand():
    counts = explore.hour_weekday_counts(_posts()["created_at"])
    assert counts.shape == (7, 24) and counts.to_numpy().sum() == 4
    assert counts.loc[0, 10] == 2  # Monday 2025-01-06, 10:30 and 10:59
    assert counts.loc[6, 23] == 1  # Sunday 2025-01-12 23:59
    assert counts.loc[0, 0] == 1  # Monday 00:30
    utc = explore.hour_weekday_counts(pd.Series([pd.Timestamp("2025-01-05 16:30", tz="UTC")]))
    assert utc.loc[0, 0] == 1  # 2025-01-05 16:30 UTC = Monday 00:30 Beijing time


def test_heatmap_shows_the_counts():
    fig = explore.hour_weekday_heatmap(_posts()["created_at"], title="t")
    z = np.asarray(fig.data[0].z)
    assert z.shape == (7, 24) and z[0, 10] == 2 and fig.layout.title.text == "t"
    assert list(fig.data[0].y)[0].startswith("周一")
    share = np.asarray(explore.hour_weekday_heatmap(_posts()["created_at"], normalize=True).data[0].z)
    assert share.sum() == pytest.approx(1.0) and share[0, 10] == pytest.approx(0.5)
    with pytest.raises(InputError, match="expected datetimes"):
        explore.hour_weekday_heatmap(pd.Series(["10:00"]))


def test_volume_figures():
    df = _posts()
    bars = explore.volume_by_operator(df)
    got = {x: sum(d.y[list(d.x).index(x)] for d in bars.data if x in list(d.x))
           for x in ["中国联通 China Unicom", "中国电信 China Telecom", "unknown"]}
    assert got == {"中国联通 China Unicom": 2, "中国电信 China Telecom": 1, "unknown": 1}
    month = explore.volume_by_month(df)
    assert sum(sum(d.y) for d in month.data) == 4
    year = explore.volume_by_year(df)
    assert {str(x) for d in year.data for x in d.x} == {"2025"}
    with pytest.raises(InputError, match="missing column 'operator'"):
        explore.volume_by_operator(df.drop(columns="operator"))


def test_text_feature_counts_by_hand():
    c = explore.text_feature_counts(_posts()["text"])
    assert c["emoticons"].to_dict() == {"[怒]": 1, "[赞]": 1}
    assert c["mentions"]["@中国电信客服"] == 1 and c["mentions"].sum() == 3
    assert c["topics"].to_dict() == {"#联通#": 1}
    assert c["shares"]["phone number"] == 0.25 and c["shares"]["mentions"] == 0.5
    assert c["shares"]["location tag"] == 0.25
    fig = explore.text_features_figure(_posts()["text"])
    assert len(fig.data) == 4


def test_explore_figures_are_the_standard_set():
    assert list(explore.explore_figures(_posts())) == ["volume_by_operator", "volume_by_year", "volume_by_month",
                                                       "hour_weekday", "text_features"]


def test_topics_and_mentions_are_shown_with_their_pii_masked():
    texts = pd.Series(["#我的号码13812345678#求助 @a@b.com 身份证#11010519491231002X#", "#投诉a@b.com# [怒]",
                       "@13812345678 你好", "#我的号码13912345678#求助"])
    counts = explore.text_feature_counts(texts)
    shown = " ".join(map(str, [*counts["topics"].index, *counts["mentions"].index]))
    for pii in ("13812345678", "a@b.com", "11010519491231002X", "13912345678"):
        assert pii not in shown
    assert counts["topics"].sum() == 4  # two phone numbers that mask alike count together, none lost
    posts = _posts().assign(text=list(texts))
    for fig in (explore.text_features_figure(texts), explore.explore_figures(posts)["text_features"]):
        js = fig.to_json()
        assert not any(pii in js for pii in ("13812345678", "a@b.com", "11010519491231002X"))


@pytest.mark.parametrize("call, says", [
    (lambda df: explore.volume_by_month(df.to_dict("records")),
     r"^posts table must be a pandas DataFrame, got list \(a list of dicts is not accepted: pass pd.DataFrame\(rows\)\)$"),
    (lambda df: explore.volume_by_year(df["operator"]), "^posts table must be a pandas DataFrame, got Series"),
    (lambda df: explore.volume_by_operator(df.iloc[:0]), "^volume_by_operator: the posts table has no rows"),
    (lambda df: explore.explore_figures(df.drop(columns="text")), "missing column 'text'"),  # was KeyError 'text'
    (lambda df: explore.hour_weekday_heatmap(df), r"^times: give one column of datetimes \(e.g. posts\['created_at'\]\)"),
    (lambda df: explore.text_features_figure(df), r"^texts: give a column of texts .*not the whole table$"),
    (lambda df: explore.text_feature_counts("我的手机没信号"), "^texts: .*not one string$"),  # was counted as one post
    (lambda df: explore.text_feature_counts(df["text"], top=-1), "^top must be a whole number ≥ 1, got -1$"),
])
def test_a_wrong_argument_is_named_in_one_line(call, says):
    with pytest.raises(InputError, match=says):
        call(_posts())


def test_heatmap_colour_bar_counts_in_whole_posts():
    """With at most a few posts a cell, plotly stepped the colour bar by 0.5 and ',d' wrote '0 1 1 2 2'."""
    bar = explore.hour_weekday_heatmap(_posts()["created_at"]).data[0].colorbar
    assert (bar.tick0, bar.dtick, bar.tickformat) == (0, 1, ",d")
    many = pd.Series(pd.to_datetime(["2025-01-06 10:30"] * 12).tz_localize("Asia/Shanghai"))
    assert explore.hour_weekday_heatmap(many).data[0].colorbar.dtick is None  # plotly's steps are whole from 10 on
    assert explore.hour_weekday_heatmap(_posts()["created_at"], normalize=True).data[0].colorbar.dtick is None
