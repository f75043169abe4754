"""Chinese Weibo text: normalisation, structured extraction, PII detection and masking.

``normalize`` prepares text for models and search: zero-width and other invisible
format characters are deleted, full-width forms (letters, digits, punctuation,
ideographic space) become half-width, traditional becomes simplified Chinese
(OpenCC ``t2s``), whitespace is collapsed and stripped, and on request the
structured items below are removed.

``extract`` recovers the structured items of a post, each as a list of the exact
substrings of the input:

- ``emoticons``: Weibo emoticon codes, ``[怒]``, ``[哈哈]``, ``[good]``;
- ``topics``: ``#话题#`` (Weibo's double-hash form);
- ``mentions``: ``@user`` outside retweet markers (nicknames: letters, digits,
  CJK, ``_`` and ``-``, up to 30 characters; a nickname runs until a character
  outside that set, so ``@张三你好`` is read as one nickname, as Weibo does);
- ``urls``: ``http(s)://...`` and ``www....`` links;
- ``retweets``: the ``//@user: text`` chain, as ``{"user", "text"}`` dicts;
- ``location``: STC-3's place tag, e.g. ``郑州·河南``, ``我在这里:北京·望京...``.

Full-width marks (``＃``, ``＠``, ``：``) are recognised too: extraction runs on a
width-folded copy, which has the same length, so spans map back to the input.

PII: ``find_pii`` and ``mask_pii`` live in ``wbcs.pii`` (the forms of phone numbers, ID
numbers and e-mails it lists, and those it does not read) and are imported here; ``mask_frame`` masks them in every
column of a table, numbers included; ``has_phone`` (whether a text gives a phone number, written out or as
``mask_pii`` masked it) is ``wbcs.pii``'s, beside the code that writes the masked form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache, partial

import numpy as np
import pandas as pd

from wbcs.errors import InputError
from wbcs.pii import PII_KINDS, find_pii, has_phone, mask_pii

__all__ = ["BLANK", "PII_KINDS", "REMOVABLE", "extract", "find_pii", "has_phone", "has_text",
           "mask_frame", "mask_pii", "normalize", "normalize_series", "text_features"]

REMOVABLE = ("emoticons", "topics", "mentions", "urls", "retweets", "location")

# --------------------------------------------------------------------------- character tables

# Full-width ASCII variants U+FF01..U+FF5E sit exactly 0xFEE0 above ASCII; the
# ideographic space becomes a space. (NFKC would also do this, but it rewrites much
# more: circled digits, ℃, compatibility ideographs; we only want width folding.)
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Invisible format characters: zero-width space/joiners, direction marks and
# embeddings, word joiner, invisible operators, BOM, soft hyphen.
_INVISIBLE = [(0x00AD, 0x00AD), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
              (0x2060, 0x2064), (0xFEFF, 0xFEFF)]
_SEP = "\x1e"  # joins many texts for one pass; str.split() counts it as whitespace


def _clean_joined(blob: str) -> str:
    """Width folding and invisible-character deletion on code points, vectorised
    (str.translate with a dict costs a Python lookup per character: 3x slower here)."""
    cps = np.frombuffer(blob.encode("utf-32-le"), dtype=np.uint32).copy()
    wide = (cps >= 0xFF01) & (cps <= 0xFF5E)
    cps[wide] -= 0xFEE0
    cps[cps == 0x3000] = 0x20
    drop = np.zeros(len(cps), dtype=bool)
    for lo, hi in _INVISIBLE:
        drop |= (cps >= lo) & (cps <= hi)
    return cps[~drop].tobytes().decode("utf-32-le")


@lru_cache(maxsize=1)
def _converter():
    import opencc  # built once: loading the dictionaries is the slow part

    return opencc.OpenCC("t2s")


def _t2s(text: str) -> str:
    # A few OpenCC mappings chain (薴 → 苧 → 苎), so convert until stable: this keeps
    # normalize idempotent. Simplified input returns after one call.
    conv = _converter()
    for _ in range(4):
        out = conv.convert(text)
        if out == text:
            break
        text = out
    return text


def _t2s_many(values: list[str]) -> list[str]:
    """``_t2s`` of each value with one OpenCC call for all (joined by ``_SEP``, which no
    phrase spans); only values that changed are converted again to reach stability."""
    parts = _converter().convert(_SEP.join(values)).split(_SEP)
    if len(parts) != len(values):  # a value held the separator itself: one at a time
        return [_t2s(v) for v in values]
    return [p if p == v else _t2s(p) for p, v in zip(parts, values, strict=True)]


# --------------------------------------------------------------------------- structured items

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NICK = r"[\w\-]{1,30}"
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?=&%+]*[A-Za-z0-9/=_~\-&%+]")
_RETWEET = re.compile(rf"//@({_NICK})\s*:\s*(.*?)\s*(?=//@{_NICK}\s*:|$)", re.S)
_EMOTICON = re.compile(r"\[(?!\d+\])[^\W_]{1,8}\]")
_TOPIC = re.compile(r"#[^#\s](?:[^#\n]{0,48}[^#\s])?#")
# Not after an ASCII word character or '/': skips e-mails and '//@' retweet markers.
_MENTION = re.compile(rf"(?<![A-Za-z0-9._%+/\-])@{_NICK}")
_PLACE = rf"[{_CJK}]{{2,8}}"
_LOCATION = re.compile(
    rf"(?:我在这里:|(?<!\S))(?:{_PLACE}(?:·\w{{0,10}})+(?:\.{{3}}|…)"  # 北京·望京... anywhere
    rf"|{_PLACE}·[{_CJK}]{{1,8}}(?=\s*(?://@|$)))"  # 郑州·河南 at the end of the post's own text
)
_PATTERNS = {"emoticons": _EMOTICON, "topics": _TOPIC, "mentions": _MENTION,
             "location": _LOCATION}
_WIDE = re.compile("[\uff01-\uff5e\u3000]")


def _fold(text: str) -> str:
    """Width folding that keeps every position (one character for one), for matching.
    A regex substitution touches only the few full-width characters of a post, where
    str.translate would look up every character."""
    return _WIDE.sub(lambda m: chr(_WIDTH[ord(m.group())]), text)


# A character every match of a pattern contains: a cheap test that skips the regex.
_MARKS = {"emoticons": "[", "topics": "#", "mentions": "@", "location": "·"}


def _scan(text: str, kinds: Iterable[str] = REMOVABLE) -> tuple[dict[str, list[tuple[int, int]]],
                                                                 list[re.Match]]:
    """Spans of the structured items ``kinds`` in ``text``, and the retweet matches.

    Runs on a width-folded copy (same length, so spans index ``text``) in which URLs are
    blanked out: a URL may hold '#', '@' or '//' that belong to no other item.
    """
    work = _fold(text)
    urls = [m.span() for m in _URL.finditer(work)] if "://" in work or "www." in work else []
    if urls:
        chars = list(work)
        for a, b in urls:  # a mark that is neither space nor a word character
            chars[a:b] = "\x1a" * (b - a)
        work = "".join(chars)
    spans = {kind: [] for kind in REMOVABLE} | {"urls": urls}
    retweets = list(_RETWEET.finditer(work)) if "//@" in work and "retweets" in kinds else []
    # The chain runs from the first '//@user:' marker to the end of the post.
    spans["retweets"] = [(retweets[0].start(), len(text))] if retweets else []
    for kind, pattern in _PATTERNS.items():
        if kind in kinds and _MARKS[kind] in work:
            spans[kind] = [m.span() for m in pattern.finditer(work)]
    return spans, retweets


def _check_remove(remove: Iterable[str]) -> tuple[str, ...]:
    if isinstance(remove, str):
        remove = (remove,)
    items = tuple(remove)
    unknown = [r for r in items if r not in REMOVABLE]
    if unknown:
        raise InputError(f"normalize: unknown item to remove {unknown[0]!r}; "
                         f"choose from {', '.join(REMOVABLE)}")
    return items


def _remove_items(text: str, items: tuple[str, ...]) -> str:
    # Emoticons vanish without a trace (they sit inside words); other items leave a
    # space. Repeat until none is left: removing one item can complete another
    # ("[[哈哈]哈]"), and the result must hold none of the removed items.
    while True:
        found, _ = _scan(text, items)
        spans = sorted((a, b, kind) for kind in items for a, b in found[kind])
        if not spans:
            return text
        parts, pos = [], 0
        for a, b, kind in spans:
            if a >= pos:
                parts += [text[pos:a], "" if kind == "emoticons" else " "]
            pos = max(pos, b)
        text = " ".join(("".join(parts) + text[pos:]).split())


def _normalize_many(values: list[str], items: tuple[str, ...]) -> list[str]:
    cleaned = _clean_joined(_SEP.join(values)).split(_SEP)
    if len(cleaned) != len(values):  # a value held the separator itself: one at a time
        cleaned = [_clean_joined(v) for v in values]
    out = [" ".join(p.split()) for p in _t2s_many(cleaned)]
    return [_remove_items(t, items) for t in out] if items else out


def normalize(text: str, *, remove: Iterable[str] = ()) -> str:
    """Normalise one post's text (see the module docstring); ``remove`` names items to drop."""
    return _normalize_many([str(text)], _check_remove(remove))[0]


def normalize_series(s: pd.Series, *, remove: Iterable[str] = ()) -> pd.Series:
    """``normalize`` over a Series, fast: each distinct value once, all values through
    one vectorised clean-up and one OpenCC call. Missing values stay missing; the index
    is kept."""
    items = _check_remove(remove)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    converted = _normalize_many([str(u) for u in np.asarray(uniques, dtype=object)], items)
    values = pd.array(converted + [pd.NA], dtype="string")
    return pd.Series(values[codes], index=s.index, name=s.name)


# What ``normalize`` leaves nothing of, as code-point ranges: whitespace (str.isspace: what str.split collapses and
# Python re's \s matches; no character above U+3000 is one) and the invisible characters it deletes. The one set
# behind ``has_text`` and the archive engines' SQL test of an empty text (wbcs.kpi.duck), which must agree with it.
BLANK = tuple([(c, c) for c in range(0x3001) if chr(c).isspace()] + _INVISIBLE)
# a character ``normalize`` keeps
_VISIBLE = re.compile("[^" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in BLANK) + "]")


def has_text(texts) -> np.ndarray:
    """Per text (a list or Series), whether there is anything to read: True unless it is missing or holds only
    whitespace and invisible format characters, i.e. unless ``normalize`` makes it "" (without its OpenCC pass,
    which never empties a text). A zero-width space or a BOM alone (STC-3 texts carry them) is no text: a model's
    guess at "" is no label, a row ingest reads it from is no post. The one test of emptiness for every path
    that reads, labels or scores posts (the archive engines' SQL is built from ``BLANK``)."""
    # a compiled pattern: pandas matches it with Python's re (pyarrow's own regex engine would be another one)
    s = pd.Series(texts, dtype=object).astype("string")
    return s.str.contains(_VISIBLE).fillna(False).to_numpy(dtype=bool)


def extract(text: str) -> dict:
    """The structured items of a post (see the module docstring), in order of appearance."""
    text = str(text)
    found, retweets = _scan(text)
    out = {kind: [text[a:b] for a, b in found[kind]] for kind in REMOVABLE if kind != "retweets"}
    out["retweets"] = [{"user": text[m.start(1):m.end(1)], "text": text[m.start(2):m.end(2)]}
                       for m in retweets]
    return {kind: out[kind] for kind in REMOVABLE}


def text_features(texts: pd.Series) -> pd.DataFrame:
    """One row per text: each ``extract`` item as a list column, ``has_phone`` and
    ``n_chars`` (characters of the normalised text). Distinct values are computed once."""
    texts = pd.Series(texts)
    codes, uniques = pd.factorize(texts.astype("string").fillna(""))
    rows = []
    norm = normalize_series(pd.Series(uniques, dtype="string"))
    for u, n in zip(uniques.tolist(), norm.tolist(), strict=True):
        row = extract(u)
        row["has_phone"] = has_phone(u)
        row["n_chars"] = len(n)
        rows.append(row)
    table = pd.DataFrame(rows, columns=[*REMOVABLE, "has_phone", "n_chars"])
    out = table.iloc[codes].reset_index(drop=True)
    out.index = texts.index
    return out.astype({"has_phone": bool, "n_chars": "int64"})


def _shown(v):
    """A number as a text column shows it (whole floats without '.0')."""
    if v is None or pd.isna(v):
        return None
    return str(int(v)) if isinstance(v, float | np.floating) and float(v).is_integer() else str(v)


def _pii_text(v):
    """The text a non-string cell shows, when it could hold PII (integers and whole floats:
    a phone or ID number kept as a number); None for every other value."""
    if isinstance(v, bool | np.bool_):
        return None
    if isinstance(v, int | np.integer | float | np.floating) and np.isfinite(v) and float(v).is_integer() \
            and 1e6 <= abs(v) < 1e19:  # every phone or ID number has at least seven digits
        return str(int(v))
    return None


CONTAINERS = (list, tuple, set, dict, np.ndarray)


def _mask_within(v, mask=mask_pii):
    """A cell that holds values (an incident's post ids and sample texts, a dict): the same container with
    each text, and each number that could be a phone or ID number, masked (by ``mask``, a text → text)."""
    if isinstance(v, dict):
        return {k: _mask_within(x, mask) for k, x in v.items()}
    if isinstance(v, CONTAINERS):
        items = [_mask_within(x, mask) for x in v]
        return items if isinstance(v, list | np.ndarray) else type(v)(items)
    if isinstance(v, str):
        return mask(v)
    t = _pii_text(v)
    return v if t is None or mask(t) == t else mask(t)


def mask_frame(df: pd.DataFrame, columns: Iterable[str] | str | None = None, *, mask=mask_pii) -> pd.DataFrame:
    """A copy of ``df`` with PII masked in ``columns`` (a column name, a list of them, default: every column).

    Text cells are masked in place. A number column (a phone or ID number typed as a
    number in a spreadsheet, an int64 in Parquet) that holds PII becomes a text column
    with those values masked. Each distinct value is examined once. A cell holding a list,
    tuple, set or dict has the texts (and numbers) inside it masked. ``mask`` (a text → text, ``mask_pii`` by default)
    may be a cached one a caller keeps across chunks of one file. ``mask_pii`` reads each column's name as context
    (a Visa in one piece is a card under ``银行卡号``, not alone)."""
    out = df.copy()
    columns = list(out.columns) if columns is None else [columns] if isinstance(columns, str) else list(columns)
    for col in columns:
        if col not in out.columns:
            raise InputError(f"mask_frame: no column {col!r}; columns are {', '.join(map(str, out.columns))}")
        s = out[col]
        mask_col = partial(mask, context=str(col)) if mask is mask_pii else mask
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) \
                or pd.api.types.is_timedelta64_dtype(s):
            continue  # cannot hold a number or a text
        if s.dtype == object and s.map(lambda v: isinstance(v, CONTAINERS)).any():  # unhashable: cell by cell
            # each distinct text once: the same author ids recur across an archive's alerts (736k ids, 201k
            # distinct: masking dask hot's alerts 4–6 s → about half)
            out[col] = s.map(partial(_mask_within, mask=lru_cache(maxsize=None)(mask_col)))
            continue
        numeric = pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype)
        codes, uniques = pd.factorize(s)
        uniques = np.asarray(uniques, dtype=object)
        texts = [u if isinstance(u, str) else _pii_text(u) for u in uniques]
        masked = np.array([mask_col(t) if t is not None else u for t, u in zip(texts, uniques, strict=True)],
                          dtype=object)
        changed = np.array([t is not None and m != t for t, m in zip(texts, masked, strict=True)], dtype=bool)
        if not changed.any():
            continue
        if numeric:  # the whole column as text: one type per column
            shown = np.array([t if t is not None else _shown(u) for t, u in zip(texts, uniques, strict=True)],
                             dtype=object)
            shown[changed] = masked[changed]
            values = np.append(shown, None)[codes]
            out[col] = pd.Series(values, index=s.index, dtype="string")
            continue
        values = s.to_numpy(dtype=object, na_value=None).copy()
        hit = (codes >= 0) & changed[np.maximum(codes, 0)]
        values[hit] = masked[codes[hit]]
        # a categorical gets new categories (two may mask to one); other dtypes are kept
        categorical = isinstance(s.dtype, pd.CategoricalDtype)
        out[col] = pd.Series(values, index=s.index).astype("category" if categorical else s.dtype)
    return out
