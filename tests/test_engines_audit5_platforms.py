"""Platform names are read as the codes of ``wbcs.schema.PLATFORMS`` at ingest, as operator names are read as
``OPERATORS`` codes; an unknown platform is kept as written and counted in the summary.

Before: ``wbcs hot --posts plat.csv`` (sina_weibo/新浪微博, Sina Weibo/weibo, sina_weibo/SINA_WEIBO: three days,
two questions a day on one platform written two ways) gave three question_same_day alerts "2 platforms (≥ 2)
in one day"."""

from __future__ import annotations

import json

from tests.helpers import run_cli
from wbcs.io import ingest_to, read_posts

HEADER = "post_id,created_at,text,author_id,platform,sentiment,intent,topic,operator\n"


def _plat(tmp_path):
    src = tmp_path / "plat.csv"
    src.write_text(HEADER + "1,2024-05-04 09:00:00,请问流量包怎么办理啊,u1,sina_weibo,neutral,consultation,data,china_mobile\n"
                   "2,2024-05-04 12:00:00,流量包在哪里办理,u2,新浪微博,neutral,consultation,data,china_mobile\n"
                   "3,2024-05-05 09:00:00,宽带怎么续费,u3,Sina Weibo,neutral,consultation,broadband,china_mobile\n"
                   "4,2024-05-05 12:00:00,宽带续费在哪,u4,weibo,neutral,consultation,broadband,china_mobile\n"
                   "5,2024-05-06 12:00:00,话费怎么查,u5,sina_weibo,neutral,consultation,billing,china_mobile\n"
                   "6,2024-05-06 13:00:00,话费在哪查,u6,SINA_WEIBO,neutral,consultation,billing,china_mobile\n",
                   encoding="utf-8")
    return src


def test_one_platform_written_two_ways_is_one_platform(tmp_path):
    r = run_cli("hot", "--posts", str(_plat(tmp_path)), "--no-cache", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    # two questions a day, each pair on Sina Weibo only: neither ≥ 3 askers nor ≥ 2 platforms
    assert [a for a in out["alerts"] if a["rule"] == "question_same_day"] == []
    assert out["incidents"] == []


def test_platform_names_read_as_codes():
    from wbcs.schema import platform_code

    for name in ["sina_weibo", "新浪微博", "Sina Weibo", "weibo", "SINA_WEIBO", "ｓｉｎａ ｗｅｉｂｏ", "新浪"]:
        assert platform_code(name) == "sina_weibo", name
    assert [platform_code(n) for n in ["腾讯微博", "Tencent Weibo", "论坛", "NetEase Weibo", "搜狐微博"]] == \
        ["tencent_weibo", "tencent_weibo", "forum", "netease_weibo", "sohu_weibo"]
    assert platform_code("天涯") is None and platform_code(None) is None


def test_unknown_platform_kept_and_counted(tmp_path, capsys):
    src = tmp_path / "p.csv"
    src.write_text("post_id,created_at,text,platform\n1,2024-05-04 09:00,a,新浪微博\n2,2024-05-04 09:01,b,天涯\n"
                   "3,2024-05-04 09:02,c,天涯\n4,2024-05-04 09:03,d,\n", encoding="utf-8")
    posts, info = read_posts(src)
    assert posts["platform"].tolist()[:3] == ["sina_weibo", "天涯", "天涯"] and posts["platform"].isna().iloc[3]
    assert info["unknown_platforms"] == {"天涯": 2}
    assert "platform(s) '天涯' (2 row(s)) not known, kept as written" in capsys.readouterr().err
    summary = ingest_to([src], tmp_path / "p.parquet", tmp_path / "rejects.csv")
    assert [f["unknown_platforms"] for f in summary["files"].values()] == [{"天涯": 2}]


def test_the_platform_tables_agree():
    from wbcs.schema import PLATFORMS
    from wbcs.synth import PLATFORM_SHARES
    from wbcs.viz.explore import PLATFORM_NAMES

    # the synthetic posts and the charts name the platforms too: the same codes and names
    assert set(PLATFORM_SHARES) == set(PLATFORMS)
    assert PLATFORM_NAMES == {p.code: f"{p.zh} {p.en}" for p in PLATFORMS.values()}
