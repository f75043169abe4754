"""Forms people write a phone number or an e-mail in that were not masked: a mobile with the 0 dialled before it
from another city, a mobile in Chinese numerals, an e-mail with its at sign written out. And what must stay as it
is: hashtags, prices, dates, order numbers, a numeral after a number (Weibo user ids followed by 一个)."""

import pandas as pd
import pytest

from wbcs.cli import main
from wbcs.pii import find_pii, has_phone, mask_pii


@pytest.mark.parametrize(("text", "masked"), [
    ("外地座机打我手机要加0：013900150555，宽带", "外地座机打我手机要加0：139****0555，宽带"),
    ("拨0 139 0015 0555", "拨139****0555"),
    ("号码一三九零零一五零五五五停机了", "号码139****0555停机了"),
    ("壹叁玖零零壹伍零伍伍伍", "139****0555"),
    ("贰零贰肆年 壹叁玖零零壹伍零伍伍伍", "贰零贰肆年 139****0555"),
    ("电话：一 三 九 零 零 一 五 零 五 五 五。", "电话：139****0555。"),
    ("幺三九-零零一五-零五五五", "139****0555"),
    ("第一三九零零一五零五五五", "第139****0555"),  # 第 is no numeral: the eleven are the number
    ("座机零一零一二三四五六七八", "座机010-****5678"),
    ("发票发到 wangli88#qq.com,", "发票发到 w***@qq.com,"),
    ("发到wangli88＃qq.com", "发到w***@qq.com"),
    ("abc(at)qq.com", "a***@qq.com"),
    ("abc（at）qq。com", "a***@qq.com"),
    ("abc[at]qq.com", "a***@qq.com"),
    ("abc [AT] qq.com", "a***@qq.com"),
    ("sunli2020「at」qq.com", "s***@qq.com"),
    ("zhaolei99 at 163 dot com", "z***@163.com"),
    ("abc(at)qq(dot)com", "a***@qq.com"),
    ("li.si#mail.example.com.cn 谢谢", "l***@mail.example.com.cn 谢谢"),
])
def test_a_written_out_form_is_masked_and_masking_again_changes_nothing(text, masked):
    assert mask_pii(text) == masked
    assert mask_pii(masked) == masked


@pytest.mark.parametrize("text", [
    "#话题# #中国移动# #iPhone15# #NBA#nba.com", "学C#.NET", "look at google.com", "a#b.c", "sunli#2020",
    "套餐58元，流量10GB，2024-05-06 12:00 办理", "订单号 2024050612345678，金额 1,388.00 元",
    "今天下午注册的围脖，一个帐号是1688495400一个是/1841947563，一个", "一二三四五六七八九十", "第一名一二三四五六七",
    "一三九零零一五零五五五一", "拨打10086转1转3", "数量012345678", "订单0123456789012",
])
def test_what_is_not_pii_is_left_as_it_is(text):
    assert find_pii(text) == [] and mask_pii(text) == text


def test_a_mobile_in_numerals_is_a_phone():
    assert has_phone("号码一三九零零一五零五五五停机了") and has_phone("加0：013900150555")


def test_ingest_masks_the_forms_and_says_the_phone(tmp_path):
    src = tmp_path / "forms.csv"
    src.write_text("微博正文,发布时间\n"
                   "@中国移动客服 外地座机打我手机要加0：013900150555，宽带报修没人回,2024-05-01 10:00\n"
                   "@中国电信客服 号码一三九零零一五零五五五停机了,2024-05-01 11:00\n"
                   "@中国联通客服 发票发到 wangli88#qq.com,2024-05-01 12:00\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["ingest", str(src), "--out", str(out), "--export-time", "2024-05-06 00:00"]) == 0
    got = pd.read_csv(out)
    assert [t.split(" ", 1)[1] for t in got["text"]] == [
        "外地座机打我手机要加0：139****0555，宽带报修没人回", "号码139****0555停机了", "发票发到 w***@qq.com"]
    assert list(got["has_phone"]) == [True, True, False]
