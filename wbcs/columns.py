"""Reading a posts table's columns — its times, yes/no flags, ids and labels — with errors that name the row.

What every count over posts needs before it counts (``wbcs.kpi.indicators.prepare``), and what triage needs
before it sets deadlines: a time that is no time, a post given twice or a label outside the taxonomy is one
``InputError`` naming the file's row (``row_name``), not a silently wrong count. Below ``wbcs.triage`` and
``wbcs.kpi`` (both read columns this way), above ``wbcs.schema``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wbcs.checks import frame
from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.schema import BOOLEAN_WORDS, unknown_label

DATETIMES = ("created_at", "reply_at", "resolved_at")
TRUE = {w for w, v in BOOLEAN_WORDS.items() if v}
FALSE = {w for w, v in BOOLEAN_WORDS.items() if not v}


def local_times(s: pd.Series) -> pd.Series:
    """Beijing wall-clock times, tz-naive: a naive value is read as Beijing time, an aware one converted from its
    own offset (one file may hold 2024-05-01 08:30, 2024-05-01T00:30Z and 2024-05-01T08:30+08:00, the same
    instant)."""
    if not pd.api.types.is_datetime64_any_dtype(s):
        try:
            s = pd.to_datetime(s, errors="coerce", format="mixed")
        except ValueError:  # naive and aware values, or several offsets: no one dtype holds them
            return _mixed_zones(s)
    return s.dt.tz_convert(TIMEZONE).dt.tz_localize(None) if s.dt.tz is not None else s


# a clock time followed by a zone: 00:30Z, 08:30:00+08:00, Weibo's "Wed May 01 08:30:00 +0800 2024"
ZONED = r"(?i)\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z\b|UTC|GMT|[+-]\d{2}(?::?\d{2})?\b)"


def _mixed_zones(s: pd.Series) -> pd.Series:
    """``local_times`` of values pandas cannot read as one column: the zoned ones together as UTC instants,
    the rest as ``local_times`` reads them; a zone written otherwise, value by value (~0.5 ms each)."""
    zoned = s.astype("string").str.contains(ZONED, regex=True).fillna(False).to_numpy(dtype=bool)
    out = np.empty(len(s), dtype="datetime64[us]")
    if zoned.any():
        out[zoned] = local_times(pd.to_datetime(s[zoned], errors="coerce", format="mixed", utc=True)).to_numpy()
        out[~zoned] = local_times(s[~zoned]).to_numpy(dtype="datetime64[us]")
    else:
        codes, values = pd.factorize(s)
        wall = pd.DatetimeIndex([_wall_clock(pd.to_datetime(v, errors="coerce")) for v in values])
        out[:] = wall.take(codes, allow_fill=True, fill_value=pd.NaT).to_numpy(dtype="datetime64[us]")
    return pd.Series(out, index=s.index, name=s.name)


def _wall_clock(t: pd.Timestamp) -> pd.Timestamp:
    """One time as ``local_times`` reads it: naive as it is (Beijing time), aware converted to Beijing."""
    return t.tz_convert(TIMEZONE).tz_localize(None) if t.tzinfo is not None else t


def row_name(table: pd.DataFrame, i: int, source: str = "posts") -> str:
    """Where the ``i``-th row (position) of ``table`` is, for an error message: as its file numbers it
    ("FILE: row N", the 1-based data row) from the ``source_file``/``source_row`` columns ``read_posts``
    adds or the ``source_row`` index ``read_table`` gives; else ``source`` and the row's index label (and its
    1-based position in the table when labels repeat).
    (The position itself is no row of the file: the rows ingest rejected are gone before it.)"""
    if "source_row" in table:
        where = table["source_file"].iloc[i] if "source_file" in table else source
        return f"{where}: row {table['source_row'].iloc[i]}"
    if table.index.name == "source_row":
        return f"{source}: row {table.index[i]}"
    if not table.index.is_unique:  # a concatenation: the label alone would not say which row
        return f"{source}: row {i + 1} (index {table.index[i]})"
    return f"{source}: index {table.index[i]}"


def refuse_repeated_ids(table: pd.DataFrame, source: str = "posts",
                        why: str = "a post counted twice inflates every count") -> None:
    """A ``post_id`` given twice (a file concatenated with part of itself) is an error naming both rows."""
    if "post_id" not in table:
        return
    ids = table["post_id"].astype("string")
    twice = (ids.duplicated(keep=False) & ids.notna()).to_numpy(dtype=bool)
    if twice.any():
        rows = np.flatnonzero((ids == ids[twice].iloc[0]).fillna(False).to_numpy(dtype=bool))
        raise InputError(f"{row_name(table, rows[1], source)}, column 'post_id': {ids.iloc[rows[0]]!r} is also the "
                         f"post_id of {row_name(table, rows[0], source).rpartition(': ')[2]}; {why}: "
                         f"remove the repeated row")


def refuse_unknown_labels(posts: pd.DataFrame, source: str = "posts") -> None:
    """A label that is not in the taxonomy (``angry``, ``NEGATIVE``) is an error naming its row: counted, it
    would be no sentiment and no intent while it dilutes every share (``validate_posts``' check, here with the
    file's row numbers)."""
    if found := unknown_label(posts):
        field, i, value, n, known = found
        raise InputError(f"{row_name(posts, i, source)}, column {field!r}: unknown label {value!r} "
                         f"({n:,} row(s) in all; known: {', '.join(known)}): "
                         f"correct the labels, or remove the column to have the model label the posts")


def read_flags(table: pd.DataFrame, name: str, source: str = "posts", *, empty=None) -> pd.Series:
    """Column ``name`` as nullable booleans, from booleans, 1/0 or their usual spellings in exports
    (true/false, yes/no, 是/否, 满意/不满意); an empty cell is ``empty`` (None: unknown). Any other value is
    an error naming its row (``row_name``)."""
    s = table[name]
    if pd.api.types.is_bool_dtype(s):
        out = s.astype("boolean")
    else:
        number = pd.api.types.is_numeric_dtype(s)
        text = s.astype("Float64").astype("string") if number else s.astype("string").str.strip().str.lower()
        text = text.replace({"1.0": "1", "0.0": "0"}) if number else text
        text = text.mask(text == "")
        bad = (text.notna() & ~text.isin(TRUE | FALSE)).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{row_name(table, i, source)}, column {name!r}: {s.iloc[i]!r} is not true/false "
                             f"(write true/false, yes/no, 1/0 or 是/否)")
        out = text.isin(TRUE).astype("boolean").mask(text.isna())
    return out if empty is None else out.fillna(empty)


def read_times(posts: pd.DataFrame, source: str = "posts", columns=DATETIMES) -> pd.DataFrame:
    """Local wall-clock datetimes (``local_times``) of the ``columns`` (``created_at`` among them); a value that
    is no time (``garbage``), an empty ``created_at`` or a reply or resolution before the post is an error naming
    its row (``row_name``): read as empty, a reply would count as none."""
    if "created_at" not in frame(posts, f"read_times: {source}"):
        raise InputError(f"{source}: no column 'created_at'; columns are {', '.join(map(str, posts.columns))}")
    columns = [columns] if isinstance(columns, str) else columns  # "created_at" was read letter by letter: KeyError
    out = pd.DataFrame(index=posts.index)
    for col in columns:
        if col in posts:
            out[col] = local_times(posts[col])
            if pd.api.types.is_datetime64_any_dtype(posts[col]):
                continue
            given = posts[col].notna() & ~posts[col].astype("string").str.strip().isin(["", "NaT"]).fillna(False)
            bad = (out[col].isna() & given).to_numpy(dtype=bool)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(f"{row_name(posts, i, source)}, column {col!r}: cannot read {posts[col].iloc[i]!r} "
                                 f"as a time ({int(bad.sum()):,} row(s) in all); write it like 2024-05-04 21:30"
                                 + ("" if col == "created_at" else " or leave the cell empty"))
    for col in ("reply_at", "resolved_at"):
        if col in out:
            bad = out[col] < out["created_at"]
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(f"{row_name(posts, i, source)}, column {col!r}: {out[col].iloc[i]} is before "
                                 f"the post's created_at {out['created_at'].iloc[i]}; fix or remove the row")
    bad = out["created_at"].isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{row_name(posts, i, source)}, column 'created_at' is empty or not a time "
                         f"({int(bad.sum()):,} row(s) in all): every post needs its time, like 2024-05-04 21:30; "
                         f"fill it or remove the row")
    return out
