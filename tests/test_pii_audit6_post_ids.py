"""Post ids are masked by one rule wherever a table leaves (``wbcs.io.write.mask_table``): the key column was never
masked, so an e-mail or an ID number used as an id was written as it is, while the ids listed in a cell (an alert's
``post_ids``) were masked like text, so a mid of a mobile number's shape (STC-3's 14503511086) was 145****1086 in
the alerts and 14503511086 in the posts: the evidence no longer joined."""

import pandas as pd
import pytest

from wbcs.io import write_table
from wbcs.pii import mask_ids


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".jsonl"])
def test_a_mid_is_kept_alike_in_the_key_and_in_a_list_of_ids_and_pii_used_as_an_id_is_masked(tmp_path, ext):
    posts = pd.DataFrame({"post_id": ["14503511086", "zhang77@qq.com", "110101199003071233", "3830401296796826"],
                          "text": ["宽带断网", "信号差", "话费多扣", "电话13912345678"]})
    # as triage writes them (wbcs.triage.lists_as_text), and as JSON
    alerts = pd.DataFrame({"post_ids": ["14503511086; 3830401296796826"], "sample_text": ["13912345678"]})
    alerts_json = alerts.assign(post_ids='["14503511086", "3830401296796826"]')
    read = {".csv": lambda p: pd.read_csv(p, dtype=str), ".parquet": pd.read_parquet,
            ".jsonl": lambda p: pd.read_json(p, lines=True, dtype=False)}[ext]
    got = read(write_table(posts, tmp_path / f"posts{ext}"))
    assert list(got["post_id"]) == ["14503511086", "z***@qq.com", "110***********1233", "3830401296796826"]
    assert list(got["text"])[-1] == "电话139****5678"
    for i, table in enumerate((alerts, alerts_json)):
        cell = read(write_table(table, tmp_path / f"alerts{i}{ext}"))["post_ids"][0]
        assert "14503511086" in cell and "3830401296796826" in cell and "*" not in cell, cell


def test_a_number_column_of_ids_is_kept_but_for_an_id_number():
    from wbcs.io.write import prepare

    out = prepare(pd.DataFrame({"post_id": [14503511086, 110101199003071233]}))
    assert list(out["post_id"].astype(str)) == ["14503511086", "110***********1233"]


@pytest.mark.parametrize(("text", "masked"), [
    ("14503511086", "14503511086"),  # a mid of a mobile number's shape
    ('["14503511086", "01012345678"]', '["14503511086", "01012345678"]'),
    ("zhang77@qq.com", "z***@qq.com"),
    ("110101199003071233", "110***********1233"),
    ("139-1234-5678; 14503511086", "139****5678; 14503511086"),  # written as a phone number, not as an id
    ("+8613912345678", "139****5678"),
])
def test_mask_ids(text, masked):
    assert mask_ids(text) == masked
