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

PII (``find_pii``/``mask_pii``): mainland mobiles (optionally ``+86``/``0086``/``86``,
spaces or dashes in 3-4-4 groups), landlines with an area-code separator
(``010-12345678``, ``0755-1234567``, ``(021)12345678``), 18-digit resident ID
numbers (region, plausible birth date and ISO 7064 MOD 11-2 check digit verified)
and e-mail addresses. Digits must not touch the match on either side, so order
numbers, Weibo mids and dates are left alone. Masking keeps only what the
industry's usual display keeps and is irreversible:

- mobile ``+86 138-1234-5678`` → ``138****5678`` (prefix and separators dropped);
- landline ``010-12345678`` → ``010-****5678``;
- ID ``11010519491231002X`` → ``110***********002X``;
- e-mail ``alice@example.com`` → ``a***@example.com``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from wbcs.errors import InputError

REMOVABLE = ("emoticons", "topics", "mentions", "urls", "retweets", "location")
PII_KINDS = ("mobile", "landline", "id_card", "email")

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


# --------------------------------------------------------------------------- PII

# re.ASCII: \d is 0-9 only (full-width digits are folded first; other scripts' digits
# are no phone numbers).
_DASH = r"[ \-]?"
_MOBILE = re.compile(rf"(?<![\d+])(?:(?:\+|00)?86{_DASH})?(1[3-9]\d){_DASH}(\d{{4}}){_DASH}(\d{{4}})(?!\d)",
                     re.ASCII)
_LANDLINE = re.compile(
    r"(?<![\d+])(?:\((0\d{2,3})\)\s?|(0\d{2,3})[ \-])([1-9]\d{6,7})(?!\d)", re.ASCII)
_ID_CARD = re.compile(r"(?<![\dXx])([1-8]\d{5})(\d{8})(\d{3})([\dXx])(?![\dXx])", re.ASCII)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-@])([A-Za-z0-9._%+\-]+)@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# First two digits of a resident ID: the province-level region (GB/T 2260).
_ID_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45,
                 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}


def _valid_area_code(code: str) -> bool:
    # 010 and 020-029 are the only 3-digit area codes; others are 0 + 3 digits, 03xx-09xx.
    return code == "010" or (len(code) == 3 and code[1] == "2") or (len(code) == 4 and code[1] in "3456789")


def _valid_id(region: str, birth: str, body17: str, check: str) -> bool:
    if int(region[:2]) not in _ID_PROVINCES:
        return False
    try:
        born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date.today():
        return False
    total = sum(int(d) * w for d, w in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == check.upper()


# Quick tests that let most posts skip the patterns: every e-mail has an ASCII character
# on both sides of its '@' (a mention has CJK after it); every phone or ID number has
# seven digits in a row, separators allowed.
_EMAIL_HINT = re.compile(r"[A-Za-z0-9._%+\-][@＠][A-Za-z0-9\-]")
_DIGITS_HINT = re.compile(r"[０-９]|\d(?:[ \-－\u3000]?\d){6}", re.ASCII)


def _candidates(folded: str, emails: bool, digits: bool):
    if emails:
        for m in _EMAIL.finditer(folded):
            yield "email", m
    if not digits:
        return
    for m in _ID_CARD.finditer(folded):
        if _valid_id(m.group(1), m.group(2), "".join(m.group(1, 2, 3)), m.group(4)):
            yield "id_card", m
    for m in _MOBILE.finditer(folded):
        yield "mobile", m
    for m in _LANDLINE.finditer(folded):
        if _valid_area_code(m.group(1) or m.group(2)):
            yield "landline", m


def _matches(text: str) -> list[tuple[str, re.Match]]:
    if not isinstance(text, str):
        return []
    emails, digits = bool(_EMAIL_HINT.search(text)), bool(_DIGITS_HINT.search(text))
    if not (emails or digits):
        return []
    folded = _fold(text)
    found = sorted(_candidates(folded, emails, digits), key=lambda km: (km[1].start(), -km[1].end()))
    kept, end = [], -1
    for kind, m in found:  # earliest, then longest, match wins an overlap
        if m.start() >= end:
            kept.append((kind, m))
            end = m.end()
    return kept


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of every phone number, ID number and e-mail in ``text``."""
    return [(kind, m.start(), m.end()) for kind, m in _matches(text)]


def _mask(kind: str, m: re.Match) -> str:
    if kind == "mobile":
        return f"{m.group(1)}****{m.group(3)}"
    if kind == "landline":
        area, number = m.group(1) or m.group(2), m.group(3)
        return f"{area}-****{number[-4:]}"
    if kind == "id_card":
        return f"{m.group(0)[:3]}{'*' * 11}{m.group(0)[-4:]}"
    return f"{m.group(1)[0]}***@{m.group(2)}"


def mask_pii(text: str) -> str:
    """``text`` with every PII item of ``find_pii`` masked (formats in the module docstring)."""
    if not isinstance(text, str):
        return text
    # Repeat until nothing is found: an item that lost an overlap to another (an e-mail
    # glued to a phone number) shows up once the winner is masked. Each pass removes
    # digits or letters, so this ends, and mask_pii(mask_pii(x)) == mask_pii(x).
    while found := _matches(text):
        parts, pos = [], 0
        for kind, m in found:
            parts += [text[pos:m.start()], _mask(kind, m)]
            pos = m.end()
        text = "".join(parts) + text[pos:]
    return text


def has_phone(text: str) -> bool:
    """True when ``text`` holds a mobile or landline number (it decides the complaint route)."""
    return any(kind in ("mobile", "landline") for kind, _, _ in find_pii(text))


def mask_frame(df: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with PII masked in ``columns`` (default: every string column).

    Each distinct value is masked once; non-string cells are left as they are.
    """
    out = df.copy()
    if columns is None:
        columns = [c for c in out.columns
                   if pd.api.types.is_string_dtype(out[c]) or out[c].dtype == object
                   or isinstance(out[c].dtype, pd.CategoricalDtype)]
    for col in columns:
        if col not in out.columns:
            raise InputError(f"mask_frame: no column {col!r}; columns are {', '.join(map(str, out.columns))}")
        s = out[col]
        codes, uniques = pd.factorize(s)
        uniques = np.asarray(uniques, dtype=object)
        masked = np.array([mask_pii(u) if isinstance(u, str) else u for u in uniques], dtype=object)
        changed = masked != uniques
        if changed.any():
            values = s.to_numpy(dtype=object, na_value=None).copy()
            hit = (codes >= 0) & changed[np.maximum(codes, 0)]
            values[hit] = masked[codes[hit]]
            # a categorical gets new categories (two may mask to one); other dtypes are kept
            categorical = isinstance(s.dtype, pd.CategoricalDtype)
            out[col] = pd.Series(values, index=s.index).astype("category" if categorical else s.dtype)
    return out
