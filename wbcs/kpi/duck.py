"""The same indicators from DuckDB over Parquet files, for archives too big for pandas.

``indicators(source, ...)`` takes a Parquet path, a glob (``archive/*.parquet``) or a
list of them, and returns what ``wbcs.kpi.indicators`` returns for the same posts: the
per-post counters of ``wbcs.kpi.indicators`` are written as SQL expressions, summed per
group in one scan (``GROUPING SETS`` for the whole-file summary), and the rates are
derived by the same ``finish`` function. Business-hour SLA clocks join a small table of
duty minutes per calendar day built with ``wbcs.policy.Duty``, so the calendar logic is
not written twice.
"""

from __future__ import annotations

import glob as globmod
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.kpi.indicators import (
    COUNTERS,
    DATETIMES,
    KIND_RULES,
    QUANTILES,
    STAGES,
    available_counters,
    check_request,
    finish,
    period_grid,
    summary,
)
from wbcs.policy import Policy, load_policy


def _files(source) -> list[str]:
    items = [source] if isinstance(source, (str, Path)) else list(source)
    files = []
    for item in items:
        found = sorted(globmod.glob(str(item))) if any(ch in str(item) for ch in "*?[") else [str(item)]
        if not found or not all(Path(f).is_file() for f in found):
            raise InputError(f"{item}: no Parquet file there; give a file, a glob or a list of them")
        files += found
    return files


def count_where(cond: str) -> str:
    # count(*) FILTER counts a NULL condition as false (count_if over NULLs gives NULL)
    return f"count(*) FILTER (WHERE {cond})"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# Beijing wall-clock time as integer microseconds: UTC + 8 h. Asia/Shanghai has kept this
# fixed offset (no daylight saving) since 1991, long before Weibo, and integer arithmetic
# is about ten times faster in DuckDB than ICU's AT TIME ZONE on every row.
OFFSET_US = int(pd.Timestamp("2020-01-01", tz=TIMEZONE).utcoffset() / pd.Timedelta(microseconds=1))
DAY_US = 86_400_000_000
US = {"created_at": "_c", "reply_at": "_r", "resolved_at": "_s"}  # local µs columns in the SQL


class _Query:
    """SQL for one set of Parquet files: local times, counters, post kinds, SLA clocks."""

    def __init__(self, con, files: list[str], policy: Policy, as_of):
        self.con, self.policy, self.files = con, policy, files
        self.scan = f"read_parquet([{', '.join(_lit(f) for f in files)}], union_by_name=true)"
        rows = con.execute(f"DESCRIBE SELECT * FROM {self.scan}").fetchall()
        self.types = {row[0]: row[1] for row in rows}
        self.columns = list(self.types)
        self.source = files[0] if len(files) == 1 else f"{files[0]} (+{len(files) - 1} files)"
        for col in DATETIMES:
            if col in self.types and "TIMESTAMP" not in self.types[col]:
                raise InputError(f"{self.source}: column {col!r} is {self.types[col]}, not a timestamp; "
                                 f"write the file with wbcs ingest or pandas datetimes")
        self.times = {c: US[c] for c in DATETIMES if c in self.types}
        latest = self._check_times()
        if as_of is None:
            self.as_of = latest
        else:
            t = pd.Timestamp(as_of)
            self.as_of = t.tz_convert(TIMEZONE).tz_localize(None) if t.tzinfo else t
        self.as_of_us = None if self.as_of is None else \
            (self.as_of - pd.Timestamp(0)) // pd.Timedelta(microseconds=1)

    def us(self, col: str) -> str:
        """Local wall-clock microseconds of a datetime column (naive = already local)."""
        if "TZ" in self.types[col] or "TIME ZONE" in self.types[col]:
            return f"(epoch_us(CAST({_q(col)} AS TIMESTAMPTZ)) + {OFFSET_US})"
        return f"epoch_us(CAST({_q(col)} AS TIMESTAMP))"

    def _check_times(self):
        """The pandas engine's ``prepare`` checks (naming file and row), in one scan that
        also finds the latest time in the data and the whole archive's response quantiles."""
        checks = [(f"{_q('created_at')} IS NULL", "column 'created_at' is empty or not a time")]
        checks += [(f"{self.us(c)} < {self.us('created_at')}",
                    f"column {c!r} is before the post's created_at; fix or remove the row")
                   for c in ("reply_at", "resolved_at") if c in self.types]
        times = ", ".join(f"{self.us(c)} AS {u}" for c, u in self.times.items())
        maxes = [f"max({u})" for u in self.times.values()]
        quantiles = [self.quantiles()] if "reply_at" in self.types else []
        row = self.con.execute(
            f"SELECT {', '.join(maxes + [count_where(c) for c, _ in checks] + quantiles)} "
            f"FROM (SELECT *, {times} FROM {self.scan})").fetchall()[0]
        for (cond, what), n in zip(checks, row[len(maxes):], strict=False):
            if n:
                scan = self.scan.replace("union_by_name=true", "union_by_name=true, filename=true, "
                                         "file_row_number=true")
                bad = self.con.execute(f"SELECT filename, file_row_number FROM {scan} WHERE {cond} "
                                       f"LIMIT 1").fetchall()[0]
                raise InputError(f"{bad[0]}: row {bad[1]}, {what}")
        q = row[-1] if quantiles else None
        self.whole_quantiles = {name: (q[i] if q is not None else np.nan)
                                for i, name in enumerate(QUANTILES)} if quantiles else {}
        values = [v for v in row[:len(maxes)] if v is not None]
        return pd.Timestamp(max(values), unit="us") if values else None

    def kind_code(self) -> str:
        """1-based index of the post's rule in KIND_RULES (NULL where none applies): an
        integer, so the per-row SLA limits below are list look-ups, not string CASEs."""
        whens = []
        for i, (rule, _) in enumerate(KIND_RULES, start=1):
            if all(c in self.types for c in rule):
                cond = " AND ".join(f"{_q(c)} = {_lit(v)}" for c, v in rule.items())
                whens.append(f"WHEN {cond} THEN {i}")
        return f"CASE {' '.join(whens)} END" if whens else "CAST(NULL AS INTEGER)"

    # -- SLA clocks: calendar minutes, or duty minutes through a table of days
    def _days(self) -> str | None:
        """Register a table (day number → duty minutes before that day, duty day or not)."""
        if not any(c.clock == "business" for c in self.policy.sla.values()) or self.as_of is None:
            return None
        first = self.con.execute(f"SELECT min({self.us('created_at')}) FROM {self.scan}").fetchall()[0][0]
        days = pd.date_range(pd.Timestamp(first, unit="us").normalize(), self.as_of.normalize(), freq="D")
        duty = self.policy.duty
        start = days.tz_localize(TIMEZONE)
        self.con.register("wbcs_duty_days", pd.DataFrame({
            "day": days.to_numpy().astype("datetime64[D]").astype(np.int64),
            "cum": duty.business_minutes(start[:1].repeat(len(days)), start),
            "bus": duty.on_duty(start + pd.Timedelta(hours=duty.start.hour, minutes=duty.start.minute)
                                ).astype(float),
        }))
        self.duty_start = duty.start.hour * 60 + duty.start.minute
        self.duty_len = duty.minutes_per_day
        self.now_business = float(duty.business_minutes(
            start[:1], pd.DatetimeIndex([self.as_of]).tz_localize(TIMEZONE))[0])
        return "wbcs_duty_days"

    def _f(self, alias: str, us: str) -> str:
        """Duty minutes from the first day to the time ``us`` (Duty.business_minutes' F)."""
        minute = f"(({us} % {DAY_US}) / 60e6)"
        return (f"({alias}.cum + {alias}.bus * least(greatest({minute} - {self.duty_start}, 0), "
                f"{self.duty_len}))")

    def _limits(self) -> dict[str, str]:
        """Per-row SLA limit columns (SQL) by name ``_<stage>_<clock>``: calendar limits in
        µs, business limits in duty minutes; NULL for kinds on the other clock or without one."""
        out = {}
        for stage in STAGES:
            for clock, unit in (("calendar", 60_000_000), ("business", 1)):
                values = []
                for _, kind in KIND_RULES:
                    c = self.policy.sla.get(kind)
                    minutes = None if c is None or c.clock != clock else (
                        c.acknowledge_minutes if stage == "acknowledge" else
                        None if c.resolve_hours is None else c.resolve_hours * 60)
                    values.append("NULL" if minutes is None else repr(minutes * unit))
                if any(v != "NULL" for v in values):
                    out[f"_{stage}_{clock}"] = f"[{', '.join(values)}][_k]"
        return out

    def sla(self) -> tuple[dict[str, str], str]:
        """SQL for each SLA counter, and the joins the business clocks need."""
        days = self._days()
        limits = self._limits()
        joins = f" LEFT JOIN {days} d_created ON d_created.day = _c // {DAY_US}" if days else ""
        out = {}
        for stage, col in STAGES.items():
            if col not in self.types or "intent" not in self.types or self.as_of is None:
                continue
            done = US[col]
            met, due = [], []
            cal, bus = f"_{stage}_calendar", f"_{stage}_business"
            if cal in limits:
                met.append(f"{done} IS NOT NULL AND {done} - _c <= {cal}")
                due.append(f"{cal} IS NOT NULL AND ({done} IS NOT NULL OR {self.as_of_us} - _c > {cal})")
            if bus in limits:
                alias = f"d_{col}"
                joins += f" LEFT JOIN {days} {alias} ON {alias}.day = {done} // {DAY_US}"
                start = self._f("d_created", "_c")
                # greatest() skips NULLs, so an unreplied post must be ruled out explicitly
                met.append(f"{done} IS NOT NULL AND greatest({self._f(alias, done)} - {start}, 0) <= {bus}")
                due.append(f"{bus} IS NOT NULL AND ({done} IS NOT NULL OR "
                           f"greatest({self.now_business} - {start}, 0) > {bus})")
            out[f"sla_{stage}_due"] = count_where(" OR ".join(f"({d})" for d in due) or "false")
            out[f"sla_{stage}_met"] = count_where(" OR ".join(f"({m})" for m in met) or "false")
        return out, joins

    def counters(self) -> tuple[list[str], str]:
        have = set(available_counters(self.columns))
        neg = "sentiment = 'negative'"
        sql = {
            "volume": "count(*)",
            "n_positive": count_where("sentiment = 'positive'"),
            "n_neutral": count_where("sentiment = 'neutral'"),
            "n_negative": count_where(neg), "n_sentiment": "count(sentiment)",
            "n_replied": "count(reply_at)",
            "n_negative_replied": count_where(f"{neg} AND reply_at IS NOT NULL"),
            "n_negative_resolved": count_where(f"{neg} AND resolved_at IS NOT NULL"),
            "n_negative_replied_satisfaction_known":
                count_where(f"{neg} AND reply_at IS NOT NULL AND satisfied IS NOT NULL"),
            "n_negative_replied_satisfied": count_where(f"{neg} AND reply_at IS NOT NULL AND satisfied"),
            "reposts": "sum(CAST(reposts AS DOUBLE))", "comments": "sum(CAST(comments AS DOUBLE))",
            "likes": "sum(CAST(likes AS DOUBLE))", "followers": "sum(CAST(author_followers AS DOUBLE))",
        }
        sla, joins = self.sla()
        sql.update(sla)
        return [f"{sql[n]} AS {n}" for n in COUNTERS if n in have and n in sql], joins

    def quantiles(self) -> str | None:
        """Both response-time quantiles from one sort (a list of fractions)."""
        if "reply_at" not in self.types:
            return None
        return f"quantile_cont((_r - _c) / 60e6, {list(QUANTILES.values())}) AS _quantiles"

    def run(self, keys: dict[str, str], *, quantiles: bool = True) -> pd.DataFrame:
        """Counters (and the response quantiles) per group of ``keys`` (name → SQL)."""
        exprs, joins = self.counters()
        if quantiles and self.quantiles():
            exprs.append(self.quantiles())
        clash = [k for k in keys if k in self.types or k == "post_kind"]
        rest = f"src1.* EXCLUDE ({', '.join(_q(k) for k in clash)})" if clash else "src1.*"
        key_sql = "".join(f"{expr} AS {_q(name)}, " for name, expr in keys.items())
        times = "".join(f", {self.us(c)} AS {u}" for c, u in self.times.items())
        kinds = f"[{', '.join(_lit(k) for _, k in KIND_RULES)}][_k]"
        limits = "".join(f", {sql} AS {name}" for name, sql in self._limits().items())
        names = ", ".join(_q(k) for k in keys)
        out = self.con.execute(
            f"WITH src0 AS (SELECT *, {self.kind_code()} AS _k{times} FROM {self.scan}), "
            f"src1 AS (SELECT *, {kinds} AS post_kind{limits} FROM src0), "
            f"src AS (SELECT {key_sql}{rest} FROM src1) "
            f"SELECT {', '.join(filter(None, [names, *exprs]))} FROM src{joins}"
            + (f" GROUP BY {names}" if keys else "")).df()
        if "_quantiles" in out:
            values = out.pop("_quantiles")
            for i, name in enumerate(QUANTILES):
                out[name] = [v[i] if isinstance(v, (list, np.ndarray)) else np.nan for v in values]
        return out


def _rollup(fine: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Sum the counters of the finest groups up to ``cols`` (counts are additive)."""
    counters = [c for c in COUNTERS if c in fine]
    return fine.groupby(cols, dropna=False, sort=True)[counters].sum(min_count=1).reset_index()


def indicators(source, *, period: str | None = None, by=None, policy: Policy | None = None,
               as_of=None, con=None):
    """``wbcs.kpi.indicators`` computed by DuckDB over Parquet ``source`` (path, glob or list)."""
    import duckdb

    policy = policy or load_policy()
    files = _files(source)
    con = con or duckdb.connect()
    q = _Query(con, files, policy, as_of)
    by = check_request([*q.columns, "post_kind"], period, by, source=q.source)
    for col in ("sentiment", "intent"):
        if col not in q.types:
            raise InputError(f"{q.source}: no {col!r} column: classify the posts first "
                             f"(wbcs predict) or use the pandas engine, which can")
    if period is None and not by:
        # one scan at the finest grouping, rolled up in pandas; quantiles in a second, narrow scan
        fine_keys = [k for k in ("operator", "topic") if k in q.types] + ["post_kind"]
        fine = q.run({k: _q(k) for k in fine_keys}, quantiles=False)
        counters = [c for c in COUNTERS if c in fine]
        whole = fine[counters].sum(min_count=1).to_frame().T if len(fine) else \
            pd.DataFrame([dict.fromkeys(available_counters(q.columns), 0)])
        for name, value in q.whole_quantiles.items():
            whole[name] = value
        whole = finish(whole)
        has = set(fine_keys)
        return summary(whole, finish(_rollup(fine, ["topic"])) if "topic" in has else None,
                       finish(_rollup(fine, ["post_kind"])),
                       finish(_rollup(fine, ["operator", "topic"])) if {"operator", "topic"} <= has
                       else None, policy, q.as_of)
    keys = {}
    if period is not None:
        keys["period"] = f"date_trunc({_lit(period)}, make_timestamp(_c))"
    keys.update({c: _q(c) for c in by})
    raw = q.run(keys)
    if "period" in raw:
        raw["period"] = pd.to_datetime(raw["period"])
    return finish(period_grid(raw, period, list(keys)))
