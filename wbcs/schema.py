"""The posts table every part of wbcs uses, and the label taxonomy.

A posts table is a pandas DataFrame with the columns of ``COLUMNS``. Only
``REQUIRED`` columns must be present; optional ones may be missing or null. Extra
columns are kept as they are (``wbcs.io.ingest`` keeps a file's other columns too, PII masked, and says which
it cannot keep). ``validate_posts`` coerces the dtypes and raises ``InputError`` naming the column (and row)
that is wrong.

``operator`` holds an operator's code (``OPERATORS``: china_mobile, china_telecom, china_unicom);
``operator_code`` reads the names people write for one (中国移动, 移动, China Mobile, CMCC) as its code.
``platform`` holds a platform's code (``PLATFORMS``: sina_weibo, tencent_weibo, ...), read by ``platform_code``.

The taxonomy (sentiment, intent, topic, negative subtype, identifiable) lives in
``data/taxonomy.yaml``; ``load_taxonomy`` reads and validates it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE, data_file
from wbcs.errors import InputError
from wbcs.text import normalize


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "string", "datetime", "Int64", "boolean"
    required: bool
    description: str


COLUMNS: dict[str, Column] = {
    c.name: c
    for c in [
        Column("post_id", "string", True, "unique id of the post (Weibo mid or the source's id)"),
        Column("platform", "string", False, "platform: a PLATFORMS code (sina_weibo, tencent_weibo, forum, ...)"),
        Column("created_at", "datetime", True, "when the post was published (Asia/Shanghai)"),
        Column("author_id", "string", False, "id of the author"),
        Column("author_followers", "Int64", False, "followers of the author"),
        Column("text", "string", True, "the post's text"),
        Column("reposts", "Int64", False, "reposts (转发)"),
        Column("comments", "Int64", False, "comments (评论)"),
        Column("likes", "Int64", False, "likes (点赞)"),
        Column("province", "string", False, "author's province"),
        Column("operator", "string", False, "operator the post is about: an OPERATORS code (china_mobile, ...)"),
        Column("reply_at", "datetime", False, "first public reply by the service account"),
        Column("resolved_at", "datetime", False, "when the issue was resolved"),
        Column("satisfied", "boolean", False, "customer's feedback after the reply"),
        Column("sentiment", "string", False, "label: positive / neutral / negative"),
        Column("intent", "string", False, "label: consultation / complaint / suggestion / praise / other"),
        Column("topic", "string", False, "label: business topic"),
        Column("negative_subtype", "string", False, "label: concrete_complaint / vague_negativity / abuse"),
    ]
}
REQUIRED = [c.name for c in COLUMNS.values() if c.required]
LABEL_FIELDS = ["sentiment", "intent", "topic", "negative_subtype"]
# the kind of item a posts table's rows are (the gold set's telecom first posts, beside customers' follow-up turns
# and other helpdesks' first posts): the kind the shipped model predicts and the share corrections assume for them
POST_KIND = "first_post"
DATETIME_COLUMNS = [c.name for c in COLUMNS.values() if c.dtype == "datetime"]


# --------------------------------------------------------------------------- operators and platforms


@dataclass(frozen=True)
class Operator:
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()  # other names an export writes for it: the short name, the abbreviation


# The one table of the operators a post can be about and the names read as each: the KPIs compare operators
# (competitor_lead), so 中国移动, 移动, China Mobile and CMCC must be one operator, not four
OPERATORS: dict[str, Operator] = {
    o.code: o
    for o in [
        Operator("china_mobile", "中国移动", "China Mobile", ("移动", "CMCC")),
        Operator("china_telecom", "中国电信", "China Telecom", ("电信", "CTCC", "天翼")),
        Operator("china_unicom", "中国联通", "China Unicom", ("联通", "CUCC")),
    ]
}

# a platform is named as an operator is: a code, its Chinese and English names, the other names exports write
Platform = Operator

# The one table of the platforms DOMAIN.md names and the names read as each: the aggregation rules count the
# platforms a question is asked on (≥ 2 in one day), so sina_weibo, 新浪微博, Sina Weibo and weibo must be one
PLATFORMS: dict[str, Platform] = {
    p.code: p
    for p in [
        Platform("sina_weibo", "新浪微博", "Sina Weibo", ("新浪", "Sina", "weibo", "微博", "weibo.com")),
        Platform("tencent_weibo", "腾讯微博", "Tencent Weibo", ("腾讯", "Tencent", "QQ微博", "t.qq.com")),
        Platform("sohu_weibo", "搜狐微博", "Sohu Weibo", ("搜狐", "Sohu")),
        Platform("netease_weibo", "网易微博", "NetEase Weibo", ("网易", "NetEase", "163")),
        Platform("forum", "论坛", "forum", ("BBS",)),
    ]
}


def _name_key(name: str) -> str:
    """A name as compared: width-folded, simplified (中國移動), lower case, without spaces, '_', '-' or '.'."""
    return re.sub(r"[\s_.\-]", "", normalize(name).lower())


@lru_cache(maxsize=2)
def _names(table: str) -> dict[str, str]:
    named = {"operator": OPERATORS, "platform": PLATFORMS}[table]
    return {_name_key(name): o.code for o in named.values() for name in (o.code, o.zh, o.en, *o.aliases)}


def operator_code(value) -> str | None:
    """The ``OPERATORS`` code ``value`` names (its code, Chinese or English name or an alias, in any case, width
    or script, with or without spaces: ``中国移动``, ``China Mobile``, ``china_mobile``, ``CMCC``), None when it
    names none."""
    return None if value is None else _names("operator").get(_name_key(str(value)))


def platform_code(value) -> str | None:
    """The ``PLATFORMS`` code ``value`` names, read as ``operator_code`` reads operators (``新浪微博``,
    ``Sina Weibo``, ``SINA_WEIBO``, ``weibo``), None when it names none."""
    return None if value is None else _names("platform").get(_name_key(str(value)))


# --------------------------------------------------------------------------- taxonomy


@dataclass(frozen=True)
class Label:
    id: str
    zh: str
    en: str
    definition: str
    keywords: tuple[str, ...] = ()  # the words that name it (a lexicon: features and weak labels)
    min_recall: float | None = None  # the recall the trainer must give it (``configs.recall_floor_step``)


@dataclass(frozen=True)
class Field:
    name: str
    zh: str
    en: str
    definition: str
    labels: tuple[Label, ...]
    applies_when: tuple[tuple[str, str], ...] = ()

    @property
    def ids(self) -> list[str]:
        return [lab.id for lab in self.labels]

    def lexicon(self) -> dict[str, tuple[str, ...]]:
        """Label id → its keywords, for the labels that have some."""
        return {lab.id: lab.keywords for lab in self.labels if lab.keywords}

    def floors(self) -> dict[str, float]:
        """Label id → its ``min_recall``, for the labels that have one."""
        return {lab.id: lab.min_recall for lab in self.labels if lab.min_recall is not None}

    def zh_name(self, label_id: str) -> str:
        for lab in self.labels:
            if lab.id == label_id:
                return lab.zh
        raise KeyError(f"{self.name} has no label {label_id!r}; known: {', '.join(self.ids)}")


@dataclass(frozen=True)
class Taxonomy:
    version: int
    fields: dict[str, Field]

    def ids(self, field: str) -> list[str]:
        return self[field].ids

    def __getitem__(self, field: str) -> Field:
        try:
            return self.fields[field]
        except KeyError:
            raise KeyError(f"unknown taxonomy field {field!r}; known: {', '.join(self.fields)}") from None


def _req(mapping: dict, key: str, where: str):
    if not isinstance(mapping, dict) or key not in mapping:
        raise InputError(f"{where}: missing key {key!r}")
    return mapping[key]


def parse_taxonomy(raw: dict, source: str = "taxonomy") -> Taxonomy:
    """Validate a taxonomy mapping (as read from YAML); errors name the key."""
    fields_raw = _req(raw, "fields", source)
    if not isinstance(fields_raw, dict) or not fields_raw:
        raise InputError(f"{source}: 'fields' must be a non-empty mapping")
    fields = {}
    for name, f in fields_raw.items():
        where = f"{source}: fields.{name}"
        labels_raw = _req(f, "labels", where)
        if not isinstance(labels_raw, list) or not labels_raw:
            raise InputError(f"{where}.labels must be a non-empty list")
        labels, seen = [], set()
        for i, lab in enumerate(labels_raw):
            lid = str(_req(lab, "id", f"{where}.labels[{i}]"))
            if lid in seen:
                raise InputError(f"{where}.labels[{i}]: duplicate id {lid!r}")
            seen.add(lid)
            words = lab.get("keywords") or []
            if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
                raise InputError(f"{where}.labels[{i}].keywords must be a list of non-empty strings")
            floor = lab.get("min_recall")
            if floor is not None and (isinstance(floor, bool) or not isinstance(floor, int | float) or not 0 < floor <= 1):
                raise InputError(f"{where}.labels[{i}].min_recall must be a recall in (0, 1], e.g. 0.6, not {floor!r}")
            labels.append(Label(lid, str(lab.get("zh", lid)), str(lab.get("en", lid)),
                                str(lab.get("definition", "")), tuple(w.strip() for w in words),
                                None if floor is None else float(floor)))
        when = tuple((str(k), str(v)) for k, v in (f.get("applies_when") or {}).items())
        fields[name] = Field(name, str(f.get("zh", name)), str(f.get("en", name)),
                             str(f.get("definition", "")), tuple(labels), when)
    for name, fld in fields.items():
        for k, v in fld.applies_when:
            if k not in fields or v not in fields[k].ids:
                raise InputError(f"{source}: fields.{name}.applies_when refers to unknown {k}={v}")
    return Taxonomy(int(raw.get("version", 1)), fields)


@lru_cache(maxsize=8)
def _load_taxonomy_cached(path: str) -> Taxonomy:
    from wbcs.yamlsafe import load_yaml

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: taxonomy file not found")
    return parse_taxonomy(load_yaml(p), source=str(p))  # the bounded reader of every settings file


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """The project's taxonomy (``data/taxonomy.yaml`` by default), validated."""
    return _load_taxonomy_cached(str(path or data_file("taxonomy.yaml")))


# --------------------------------------------------------------------------- posts table


def empty_posts() -> pd.DataFrame:
    """A posts table with every column and no rows."""
    return validate_posts(pd.DataFrame({c: [] for c in COLUMNS}))


def to_shanghai(values: pd.Series) -> pd.Series:
    """Parse to tz-aware Asia/Shanghai datetimes; naive times are read as Beijing time."""
    s = pd.to_datetime(values, errors="coerce", format="mixed") if values.dtype == object else values
    if not pd.api.types.is_datetime64_any_dtype(s):
        s = pd.to_datetime(s, errors="coerce")
    if s.dt.tz is None:
        return s.dt.tz_localize(TIMEZONE, ambiguous="NaT", nonexistent="NaT")
    return s.dt.tz_convert(TIMEZONE)


# how exports and people write yes/no (lower-cased): one list for every reader of a flag column
BOOLEAN_WORDS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False, "y": True, "n": False,
                 "t": True, "f": False, "是": True, "否": False, "有": True, "无": False, "满意": True, "不满意": False}


def _coerce(df: pd.DataFrame, col: Column, source: str) -> pd.Series:
    s = df[col.name]
    if col.dtype == "string":
        return s.astype("string")
    if col.dtype == "datetime":
        out = to_shanghai(s)
        bad = out.isna() & s.notna()
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(f"{source}: row {i}, column {col.name!r}: cannot read {s.iloc[i]!r} as a time")
        return out
    if col.dtype == "Int64":
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & s.notna()
        frac = num.notna() & (num % 1 != 0)
        if bad.any() or frac.any():
            i = int((bad | frac).to_numpy().nonzero()[0][0])
            raise InputError(f"{source}: row {i}, column {col.name!r}: {s.iloc[i]!r} is not a whole number")
        return num.astype("Int64")
    if col.dtype == "boolean":
        mapping = {True: True, False: False, **BOOLEAN_WORDS}
        def conv(v):
            if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
                return pd.NA
            key = v.strip().lower() if isinstance(v, str) else v
            if key not in mapping:
                raise KeyError(v)
            return mapping[key]
        out = []
        for i, v in enumerate(s.tolist()):
            try:
                out.append(conv(v))
            except (KeyError, TypeError):
                raise InputError(f"{source}: row {i}, column {col.name!r}: {v!r} is not true/false") from None
        return pd.Series(out, index=s.index, dtype="boolean")
    raise AssertionError(col.dtype)


def validate_posts(df: pd.DataFrame, *, source: str = "posts", taxonomy: Taxonomy | None = None,
                   check_labels: bool = True, required: Sequence[str] = tuple(REQUIRED)) -> pd.DataFrame:
    """Check and coerce a posts table; returns a new DataFrame.

    Raises ``InputError`` naming the source and column (and row) when a required
    column is missing or empty, a value cannot be coerced, ``post_id`` repeats, or a
    label is not in the taxonomy. Text-only corpora (no times) pass
    ``required=("post_id", "text")``.
    """
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{source}: missing required column {missing[0]!r} "
                         f"(required: {', '.join(required)})")
    out = df.copy()
    for name, col in COLUMNS.items():
        if name in out.columns:
            out[name] = _coerce(out, col, source)
    if "post_id" in out.columns:
        dup = out["post_id"].duplicated(keep="first") & out["post_id"].notna()
        if dup.any():
            i = int(dup.to_numpy().nonzero()[0][0])
            raise InputError(f"{source}: row {i}, column 'post_id': duplicate id {out['post_id'].iloc[i]!r}")
    for col in required:
        empty = out[col].isna()
        if empty.any():
            i = int(empty.to_numpy().nonzero()[0][0])
            raise InputError(f"{source}: row {i}, column {col!r} is empty")
    if check_labels and (found := unknown_label(out, taxonomy)):
        field, i, value, _, known = found
        raise InputError(f"{source}: row {i}, column {field!r}: unknown label {value!r} (known: {', '.join(sorted(known))})")
    return out


def unknown_label(posts: pd.DataFrame, taxonomy: Taxonomy | None = None):
    """The first label outside the taxonomy (``angry``, ``NEGATIVE``) as (field, position, value, how many rows
    have one in that field, the field's labels), or None: callers name the row their own way."""
    tax = taxonomy or load_taxonomy()
    for field in (f for f in LABEL_FIELDS if f in posts.columns and f in tax.fields):
        # each distinct value once (a million posts hold a dozen labels): a third of indicators' time otherwise
        codes, uniques = pd.factorize(posts[field], use_na_sentinel=True)
        known = set(tax.ids(field))
        wrong = np.array([str(u) not in known for u in uniques] + [False], dtype=bool)  # the last: missing
        bad = wrong[codes]
        if bad.any():
            i = int(bad.nonzero()[0][0])
            return field, i, str(uniques[codes[i]]), int(bad.sum()), tax.ids(field)
    return None
