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


class _Query:
    """SQL for one set of Parquet files: local times, counters, post kinds, SLA clocks."""

    def __init__(self, con, files: list[str], policy: Policy, as_of):
        self.con, self.policy, self.files = con, policy, files
        self.scan = f"read_parquet([{', '.join(_lit(f) for f in files)}], union_by_name=true)"
        self.types = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {self.scan}").fetchall()}
        self.columns = list(self.types)
        self.source = files[0] if len(files) == 1 else f"{files[0]} (+{len(files) - 1} files)"
        for col in DATETIMES:
            if col in self.types and "TIMESTAMP" not in self.types[col]:
                raise InputError(f"{self.source}: column {col!r} is {self.types[col]}, not a timestamp; "
                                 f"write the file with wbcs ingest or pandas datetimes")
        self._check_times()
        if as_of is None:
            self.as_of = self._latest()
        else:
            t = pd.Timestamp(as_of)
            self.as_of = t.tz_convert(TIMEZONE).tz_localize(None) if t.tzinfo else t

    def local(self, col: str) -> str:
        if "TZ" in self.types[col] or "TIME ZONE" in self.types[col]:
            return f"({_q(col)} AT TIME ZONE {_lit(TIMEZONE)})"
        return f"CAST({_q(col)} AS TIMESTAMP)"

    def _check_times(self):
        """The same checks as the pandas engine's ``prepare``, naming file and row."""
        scan = f"read_parquet([{', '.join(_lit(f) for f in self.files)}], union_by_name=true, " \
               f"filename=true, file_row_number=true)"
        checks = [("created_at IS NULL", "column 'created_at' is empty or not a time")]
        checks += [(f"{self.local(c)} < {self.local('created_at')}",
                    f"column {c!r} is before the post's created_at; fix or remove the row")
                   for c in ("reply_at", "resolved_at") if c in self.types]
        for cond, what in checks:
            bad = self.con.execute(f"SELECT filename, file_row_number FROM {scan} WHERE {cond} LIMIT 1"
                                   ).fetchall()
            if bad:
                raise InputError(f"{bad[0][0]}: row {bad[0][1]}, {what}")

    def _latest(self):
        cols = [c for c in DATETIMES if c in self.types]
        row = self.con.execute(f"SELECT {', '.join(f'max({self.local(c)})' for c in cols)} "
                               f"FROM {self.scan}").fetchall()[0]
        values = [v for v in row if v is not None]
        return pd.Timestamp(max(values)) if values else None

    def kind(self) -> str:
        whens = []
        for rule, kind in KIND_RULES:
            if all(c in self.types for c in rule):
                cond = " AND ".join(f"{_q(c)} = {_lit(v)}" for c, v in rule.items())
                whens.append(f"WHEN {cond} THEN {_lit(kind)}")
        return f"CASE {' '.join(whens)} END" if whens else "CAST(NULL AS VARCHAR)"

    # -- SLA clocks: calendar minutes, or duty minutes through a table of days
    def _days(self) -> str | None:
        if not any(c.clock == "business" for c in self.policy.sla.values()) or self.as_of is None:
            return None
        first = self.con.execute(f"SELECT min(CAST({self.local('created_at')} AS DATE)) "
                                 f"FROM {self.scan}").fetchall()[0][0]
        days = pd.date_range(pd.Timestamp(first), self.as_of.normalize(), freq="D")
        duty = self.policy.duty
        start = days.tz_localize(TIMEZONE)
        table = pd.DataFrame({
            "day": days.date,
            "cum": duty.business_minutes(start[:1].repeat(len(days)), start),
            "bus": duty.on_duty(start + pd.Timedelta(hours=duty.start.hour, minutes=duty.start.minute)
                                ).astype(float),
        })
        self.con.register("wbcs_duty_days", table)
        self.duty_start = duty.start.hour * 60 + duty.start.minute
        self.duty_len = duty.minutes_per_day
        self.origin = start[0]
        return "wbcs_duty_days"

    def _f(self, alias: str, t: str) -> str:
        minute = f"((epoch_us({t}) - epoch_us(CAST(CAST({t} AS DATE) AS TIMESTAMP))) / 60e6)"
        return (f"({alias}.cum + {alias}.bus * least(greatest({minute} - {self.duty_start}, 0), "
                f"{self.duty_len}))")

    def _elapsed(self, clock: str, col: str | None, alias: str | None) -> str:
        """Minutes from the post to ``col`` (or to as_of when ``col`` is None)."""
        created = self.local("created_at")
        if clock == "calendar":
            end = self.local(col) if col else f"TIMESTAMP {_lit(self.as_of)}"
            return f"((epoch_us({end}) - epoch_us({created})) / 60e6)"
        now = float(self.policy.duty.business_minutes(
            pd.DatetimeIndex([self.origin]), pd.DatetimeIndex([self.as_of]).tz_localize(TIMEZONE))[0])
        end = self._f(alias, self.local(col)) if col else str(now)
        return f"greatest({end} - {self._f('d_created', created)}, 0)"

    def sla(self) -> tuple[dict[str, str], str]:
        """SQL for each SLA counter, and the joins the business clocks need."""
        days = self._days()
        joins = ""
        if days:
            joins = f" LEFT JOIN {days} d_created ON d_created.day = CAST({self.local('created_at')} AS DATE)"
        out = {}
        for stage, col in STAGES.items():
            if col not in self.types or "intent" not in self.types or self.as_of is None:
                continue
            alias = f"d_{col}"
            if days:
                joins += f" LEFT JOIN {days} {alias} ON {alias}.day = CAST({self.local(col)} AS DATE)"
            due, met = [], []
            for kind, clock in self.policy.sla.items():
                limit = clock.acknowledge_minutes if stage == "acknowledge" else (
                    None if clock.resolve_hours is None else clock.resolve_hours * 60)
                if limit is None:
                    continue
                done = f"{_q(col)} IS NOT NULL"
                met.append(f"WHEN {_lit(kind)} THEN {done} AND "
                           f"{self._elapsed(clock.clock, col, alias)} <= {limit}")
                due.append(f"WHEN {_lit(kind)} THEN {done} OR "
                           f"{self._elapsed(clock.clock, None, alias)} > {limit}")
            for name, whens in (("due", due), ("met", met)):
                expr = f"CASE post_kind {' '.join(whens)} ELSE false END" if whens else "false"
                out[f"sla_{stage}_{name}"] = count_where(expr)
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
        exprs = [f"{sql[n]} AS {n}" for n in COUNTERS if n in have and n in sql]
        if "reply_at" in self.types:
            resp = (f"CASE WHEN reply_at IS NOT NULL THEN (epoch_us({self.local('reply_at')}) - "
                    f"epoch_us({self.local('created_at')})) / 60e6 END")
            exprs += [f"quantile_cont({resp}, {q}) AS {name}" for name, q in QUANTILES.items()]
        return exprs, joins

    def run(self, keys: dict[str, str], sets: list[list[str]]) -> pd.DataFrame:
        exprs, joins = self.counters()
        clash = [k for k in keys if k in self.types or k == "post_kind"]
        rest = f"src0.* EXCLUDE ({', '.join(_q(k) for k in clash)})" if clash else "src0.*"
        key_sql = "".join(f"{expr} AS {_q(name)}, " for name, expr in keys.items())
        src = (f"WITH src0 AS (SELECT *, {self.kind()} AS post_kind FROM {self.scan}), "
               f"src AS (SELECT {key_sql}{rest} FROM src0) ")
        names = ", ".join(_q(k) for k in keys)
        select = ", ".join(filter(None, [names, *exprs]))
        if not keys:
            return self.con.execute(f"{src} SELECT {select} FROM src{joins}").df()
        grouping = ", ".join("(" + ", ".join(_q(k) for k in s) + ")" for s in sets)
        return self.con.execute(f"{src} SELECT {select}, GROUPING({names}) AS _set FROM src{joins} "
                            f"GROUP BY GROUPING SETS ({grouping})").df()


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
        sets = [[], ["post_kind"]] + ([["topic"]] if "topic" in q.types else []) + \
            ([["operator", "topic"]] if {"topic", "operator"} <= set(q.types) else [])
        keys = {k: _q(k) for k in dict.fromkeys(k for s in sets for k in s)}
        raw = q.run(keys, sets)
        bit = {k: 1 << (len(keys) - 1 - i) for i, k in enumerate(keys)}

        def part(cols):
            """The finished rows of one grouping set (DuckDB's GROUPING() bit is 1 for an
            absent key)."""
            mask = sum(b for k, b in bit.items() if k not in cols)
            rows = raw[raw["_set"] == mask].drop(columns=["_set", *[k for k in keys if k not in cols]])
            return finish(rows.sort_values(cols).reset_index(drop=True))

        whole = part([])
        if not len(whole):  # an empty archive: zero counts, null rates
            whole = finish(pd.DataFrame([dict.fromkeys(available_counters(q.columns), 0)]))
        return summary(whole, part(["topic"]) if "topic" in keys else None, part(["post_kind"]),
                       part(["operator", "topic"]) if "operator" in keys else None, policy, q.as_of)
    keys = {}
    if period is not None:
        keys["period"] = f"date_trunc({_lit(period)}, {q.local('created_at')})"
    keys.update({c: _q(c) for c in by})
    raw = q.run(keys, [list(keys)]).drop(columns="_set")
    if "period" in raw:
        raw["period"] = pd.to_datetime(raw["period"])
    return finish(period_grid(raw, period, list(keys)))
