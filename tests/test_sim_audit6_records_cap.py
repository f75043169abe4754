"""`wbcs simulate --records` holds every run's records in memory: its cap, 20 M records "at ~200 bytes each", was
~610 bytes a record at the peak (3.3 GB at 5.25 M records, 6.4 GB at 10.5 M). 6 M records keep it under ~4 GB."""

from __future__ import annotations

from wbcs import cli
from wbcs.cli.simulate import MAX_RECORDS
from wbcs.sim.scenario import MAX_POSTS

YEAR = ("name: year\nhorizon_days: 366\narrivals: {rate_per_hour: 200}\nagents: 14\n"
        "service_minutes: {distribution: exponential, mean: 3}\n")


def test_records_beyond_the_cap_are_refused_before_any_run(tmp_path, capsys):
    scenario = tmp_path / "year.yaml"
    scenario.write_text(YEAR, encoding="utf-8")
    # 4 runs of 1,756,800 posts: 7.0 M records, ~4.3 GB at the peak (the old cap let them run); the warm-up of 400
    # days, refused by the run, shows the cap is checked before it
    args = ["simulate", "--scenario", str(scenario), "--replications", "4", "--records", str(tmp_path / "r.parquet"),
            "--warmup-days", "400"]
    assert cli.main(args) == 2
    assert capsys.readouterr().err == (
        "wbcs simulate: error: --records: 4 replications of ~1,756,800 posts would hold more than 6,000,000 records "
        "in memory (~7,027,200, ~4.3 GB); lower --replications (at most 3 here)\n")
    assert 2 * MAX_POSTS <= MAX_RECORDS  # two runs of the most posts a run may hold always fit
