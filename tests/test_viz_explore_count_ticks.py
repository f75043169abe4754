"""Whole-number count ticks on the text-features figure (wbcs.viz.explore): nb01 at 300 posts ticked the top
#topics# axis at 0.5 and 1.5."""

import pandas as pd

from wbcs.viz import explore


def test_small_counts_get_whole_number_ticks():
    # one #topic# twice, five once: the largest count is 2, where plotly ticked 0, 0.5, 1, 1.5, 2
    texts = pd.Series(["#联通偷流量# @中国联通 [呵呵]"] * 2 + [f"#话题{i}# @中国联通客服" for i in range(5)])
    layout = explore.text_features_figure(texts).layout
    shares, emoticons, topics, mentions = layout.xaxis, layout.xaxis2, layout.xaxis3, layout.xaxis4
    assert shares.tickformat == ".0%" and shares.dtick is None
    for axis in (emoticons, topics, mentions):
        assert (axis.tick0, axis.dtick, axis.tickformat) == (0, 1, ",d")
    # at 10 or more plotly's own steps are whole numbers: left to it
    many = explore.text_features_figure(pd.Series(["#联通偷流量#"] * 12)).layout
    assert many.xaxis3.dtick is None and many.xaxis3.tickformat == ",d"
