"""Mid decoding and base62 URL codes."""

from __future__ import annotations

import pandas as pd

from wbcs.weibo import base62_to_mid, mid_to_datetime


def test_mid_decodes_to_beijing_time():
    # (3830401296796826 >> 22) + 515483463 = 1428722297 = 2015-04-11 03:18:17 UTC
    times, ok = mid_to_datetime(["3830401296796826"])
    assert times.iloc[0] == pd.Timestamp("2015-04-11 11:18:17", tz="Asia/Shanghai")
    assert ok.tolist() == [True]


def test_implausible_and_non_numeric_ids_are_flagged():
    times, ok = mid_to_datetime(["6219857921", "abc", None, "99999999999999999"],
                                now=pd.Timestamp("2026-01-01", tz="Asia/Shanghai"))
    assert pd.isna(times.iloc[0]) and not ok.iloc[0]  # an old-format id (1986) is no mid: no time
    assert pd.isna(times.iloc[1]) and pd.isna(times.iloc[2])
    assert ok.tolist() == [False, False, False, False]  # the last decodes past `now`


def test_base62_url_code_to_mid():
    assert base62_to_mid("z0JH2lOMb") == "3501756485200075"
    # groups of 4 from the right are zero-padded to 7 digits
    assert base62_to_mid("1" + "0000") == "1" + "0000000"
