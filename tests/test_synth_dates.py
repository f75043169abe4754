"""`wbcs synth` reads --start and a burst's start as the CLI's time options are (option_time): 06/01/2025 was read
as 1 June and 13/01/2025 as 13 January, one command both ways."""
import re

import numpy as np
import pandas as pd
import pytest

from tests.helpers import one_error, run_cli
from wbcs.errors import InputError
from wbcs.io.times import option_time
from wbcs.synth import generate_posts


@pytest.mark.parametrize(("args", "said"), [
    (["--start", "06/01/2025"], "start '06/01/2025' is read two ways (6 January or 1 June)"),
    (["--start", "13/01/2025"], "start '13/01/2025' is not written year first"),
    (["--start", "2025-01-06", "--burst", "08/01/2025 10:00,2,50,network"],
     "'08/01/2025 10:00' is read two ways (8 January or 1 August)"),
])
def test_a_day_month_start_is_refused_not_guessed(tmp_path, args, said):
    out = tmp_path / "p.parquet"
    line = one_error(run_cli("synth", "--days", "2", "--posts-per-day", "20", "--out", str(out), *args), "synth")
    assert said in line and "YYYY-MM-DD" in line
    assert not out.exists()


def test_a_year_first_start_and_burst_are_read_as_written(tmp_path):
    out = tmp_path / "p.parquet"
    r = run_cli("synth", "--days", "2", "--posts-per-day", "20", "--seed", "1", "--start", "2025/01/06",
                "--burst", "2025-01-07 10:00,1,40,network", "--out", str(out))
    assert r.returncode == 0, r.stderr
    t = pd.read_parquet(out)["created_at"]
    t = t.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None) if t.dt.tz is not None else t
    assert t.min() >= pd.Timestamp("2025-01-06") and t.max() < pd.Timestamp("2025-01-08")
    burst = t[(t >= pd.Timestamp("2025-01-07 10:00")) & (t < pd.Timestamp("2025-01-07 11:00"))]
    assert len(burst) >= 40  # the burst's 40 posts and the hour's own


@pytest.mark.parametrize("value", [2025, 1.7e18, True, np.int64(20250106)])
def test_a_number_is_no_time_wherever_it_is_given(value):
    """option_time refuses a number itself (pd.Timestamp read 2025 as 2,025 ns after 1970): synth's start and a
    burst's start, a scenario's start and --as-of all say it in option_time's one line."""
    shown = re.escape(repr(value))
    with pytest.raises(InputError, match=rf"^--as-of {shown} is not a date or time; give one like 2024-05-04"):
        option_time(value, "--as-of")
    with pytest.raises(InputError, match=rf"^start {shown} is not a date or time"):
        generate_posts(days=1, start=value, posts_per_day=10, seed=1)
    with pytest.raises(InputError, match=rf"^bursts\[0\].start {shown} is not a date or time"):
        generate_posts(days=1, start="2025-01-06", posts_per_day=10, seed=1,
                       bursts=[{"start": value, "hours": 1, "posts": 5}])
