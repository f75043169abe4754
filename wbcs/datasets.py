"""The public datasets wbcs reads, and loaders that turn them into posts tables.

The registry (``data/datasets.yaml``) names every file with its row count, source
repository and commit, terms and SHA-256. ``dataset_path`` finds a file in the
mirror folder (``$WBCS_DATA_MIRROR``, default ``../shared/datasets``), else in
``data/raw/`` (``$WBCS_RAW_DIR``; filled by ``fetch``), checks its checksum, and
otherwise raises ``InputError`` saying what to do. The files are never copied into
the repository; only derived counts are (``data/stc3_arrival_profile.json``).

Loaders: ``load_stc3`` (real Weibo helpdesk dialogues, posts schema with real post
times decoded from the ids), ``load_cocc``, ``load_smp2020``, ``load_weibo_senti``;
``arrival_profile`` gives the hour-of-week rhythm of real customer posts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import urllib.error
import urllib.request
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.config import RAW_DIR, data_file, data_mirror
from wbcs.errors import InputError
from wbcs.progress import bar
from wbcs.schema import validate_posts
from wbcs.weibo import MENTION, mid_to_datetime, operator_of

RAW_ENV = "WBCS_RAW_DIR"
URL_ENV = "WBCS_DATA_URL"
PROFILE_FILE = "stc3_arrival_profile.json"


class DatasetMissing(InputError):
    """A registered file is neither in the mirror nor downloaded."""


class AttrTable(pd.DataFrame):
    """A DataFrame that is safe to keep in ``df.attrs`` (rejects, breaches).

    pandas copies ``attrs`` onto derived objects and, in ``concat``, compares the
    inputs' attrs with ``==``: with a plain DataFrame there, ``pd.concat([df[a], df[b]])``
    raises "truth value of a DataFrame is ambiguous". ``==`` on this table answers with
    one bool (``DataFrame.equals``); compare its columns for element-wise results.
    """

    @property
    def _constructor(self):
        return AttrTable

    def __eq__(self, other):
        return isinstance(other, pd.DataFrame) and self.equals(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None


# --------------------------------------------------------------------------- registry


@lru_cache(maxsize=1)
def registry() -> dict:
    """``data/datasets.yaml`` as a mapping name -> entry (with its ``files`` list)."""
    import yaml

    raw = yaml.safe_load(data_file("datasets.yaml").read_text(encoding="utf-8"))
    return raw["datasets"]


def _entry(name: str) -> dict:
    reg = registry()
    if name not in reg:
        raise InputError(f"unknown dataset {name!r}; known: {', '.join(reg)} (see `wbcs datasets list`)")
    return reg[name]


def _file_entry(name: str, file: str | None) -> dict:
    files = _entry(name)["files"]
    if file is None:
        if len(files) > 1:
            raise InputError(f"dataset {name!r} has {len(files)} files; pass one of: "
                             + ", ".join(f["path"] for f in files))
        return files[0]
    for f in files:
        if file in (f["path"], Path(f["path"]).name, Path(f["path"]).stem):
            return f
    raise InputError(f"dataset {name!r} has no file {file!r}; its files: "
                     + ", ".join(f["path"] for f in files))


def raw_dir() -> Path:
    """Where ``fetch`` downloads to: ``$WBCS_RAW_DIR``, else ``data/raw``."""
    env = os.environ.get(RAW_ENV)
    return Path(env).expanduser() if env else RAW_DIR


_HASHES: dict[tuple, str] = {}


def sha256(path: Path) -> str:
    """SHA-256 of a file (cached by path, size and modification time)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def _locations(rel: str) -> list[tuple[str, Path]]:
    out = []
    mirror = data_mirror()
    if mirror is not None:
        out.append(("mirror", mirror / rel))
    out.append(("data/raw", raw_dir() / rel))
    return out


def dataset_path(name: str, file: str | None = None) -> Path:
    """The checked local path of a registered file (mirror first, then data/raw).

    ``file`` picks one file of a multi-file dataset (its path, name or stem). Raises
    ``InputError`` on a checksum mismatch and ``DatasetMissing`` (an ``InputError``)
    with what to do when the file is nowhere.
    """
    f = _file_entry(name, file)
    for _where, path in _locations(f["path"]):
        if path.is_file():
            got = sha256(path)
            if got != f["sha256"]:
                raise InputError(f"{path}: SHA-256 {got[:12]}… does not match the registry's "
                                 f"{f['sha256'][:12]}… for dataset {name!r}; the file changed or is "
                                 f"incomplete: replace it (or delete it and run `wbcs datasets fetch {name}`)")
            return path
    mirror = data_mirror()
    raise DatasetMissing(
        f"dataset {name!r}: {f['path']} not found in the mirror ({mirror or 'none configured'}) "
        f"nor in {raw_dir()}; set WBCS_DATA_MIRROR=/path/to/datasets or run "
        f"`wbcs datasets fetch {name} --url-base URL`")


def dataset_files(name: str) -> list[Path]:
    """Every place a file of dataset ``name`` is read from, present or not (the mirror's, then
    data/raw's): what no output may be, since a changed file fails its checksum from then on."""
    return [path for f in _entry(name)["files"] for _where, path in _locations(f["path"])]


def list_datasets() -> pd.DataFrame:
    """One row per registered file: what it is, where it came from, where it is available."""
    rows = []
    for name, e in registry().items():
        for f in e["files"]:
            available, location = "missing", None
            for where, path in _locations(f["path"]):
                if path.is_file():
                    ok = sha256(path) == f["sha256"]
                    available = where if ok else f"{where} (checksum mismatch)"
                    location = str(path)
                    break
            rows.append({"name": name, "file": f["path"], "rows": f["rows"], "what": e["what"],
                         "source": f"{e['source_repo']} @ {e['commit']}", "terms": e["terms"],
                         "sha256": f["sha256"], "available": available, "location": location,
                         "loader": f"wbcs.datasets.{e['loader']}"})
    return pd.DataFrame(rows)


def fetch(name: str, *, url_base: str | None = None, dest: Path | None = None) -> list[Path]:
    """Download a dataset's files into ``dest`` (default ``data/raw``), checking SHA-256.

    ``url_base`` (or ``$WBCS_DATA_URL``) is a folder laid out like the mirror
    (``URL/stc3_weibo_helpdesk/dialogues.jsonl``): ``http(s)://`` or ``file://``.
    The upstream repositories (``source_url`` in the registry) hold the original
    formats the mirror's JSON Lines were converted from, so they are not fetched
    directly. A file already present with the right checksum is kept.
    """
    entry = _entry(name)
    base = url_base or os.environ.get(URL_ENV)
    if not base:
        raise InputError(f"dataset {name!r}: no download source; pass --url-base URL of a folder laid out "
                         f"like the mirror (or set {URL_ENV}), or set WBCS_DATA_MIRROR to a local copy. "
                         f"Upstream: {entry['source_repo']} @ {entry['commit']}")
    from wbcs.io.write import new_temp

    dest = Path(dest) if dest else raw_dir()
    written = []
    for f in entry["files"]:
        target = dest / f["path"]
        if target.is_file() and sha256(target) == f["sha256"]:
            written.append(target)
            continue
        url = f"{base.rstrip('/')}/{f['path']}"
        # the folders this download makes (deepest first): a failed one removes them again, as it said it saved nothing
        made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = new_temp(target)  # named after this process: a killed download's part is removed by the next
        except OSError as e:  # a file where a folder must be, no permission, a full disk
            raise InputError(f"{target.parent}: cannot write the download there ({e.strerror or e}); "
                             f"give --dest a folder you can write to") from None
        try:
            h = hashlib.sha256()
            try:
                with urllib.request.urlopen(url, timeout=60) as resp, open(tmp, "wb") as out:
                    total = int(resp.headers.get("Content-Length") or 0) or None
                    with bar(total=total, unit="B", unit_scale=True, desc=f["path"], leave=False) as meter:
                        for block in iter(lambda: resp.read(1 << 16), b""):
                            out.write(block)
                            h.update(block)
                            meter.update(len(block))
            except (urllib.error.URLError, OSError, ValueError) as e:
                raise InputError(f"{url}: download failed ({getattr(e, 'reason', e)}); "
                                 f"check --url-base or the network") from None
            if h.hexdigest() != f["sha256"]:
                raise InputError(f"{url}: SHA-256 {h.hexdigest()[:12]}… does not match the registry's "
                                 f"{f['sha256'][:12]}…; the server's copy differs, nothing was saved")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
            if not target.exists():
                for folder in made:
                    with contextlib.suppress(OSError):  # not empty: another file's, kept
                        folder.rmdir()
        written.append(target)
    return written


def read_jsonl(path: Path) -> list[dict]:
    """Records of a JSON Lines file; a broken line is an ``InputError`` naming it."""
    records = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise InputError(f"{path}: line {i}: not valid JSON ({e.msg}); "
                                 f"replace the file with the registry's version") from None
    return records


# --------------------------------------------------------------------------- places


@lru_cache(maxsize=1)
def provinces() -> pd.DataFrame:
    """Mainland provinces (short name as index): full name, 2020 population, cities."""
    import yaml

    raw = yaml.safe_load(data_file("provinces.yaml").read_text(encoding="utf-8"))["provinces"]
    return pd.DataFrame([{"province": k, "full": v["full"], "population_m": float(v["population_m"]),
                          "cities": tuple(v["cities"])} for k, v in raw.items()]).set_index("province")


@lru_cache(maxsize=1)
def _place_index() -> tuple[dict[str, str], re.Pattern]:
    table = provinces()
    place = {}
    for prov, row in table.iterrows():
        for city in row["cities"]:
            place.setdefault(city, prov)
        place[prov] = prov  # a province name wins over a same-named city (吉林)
    names = sorted(place, key=len, reverse=True)  # longest first: 呼和浩特 before 呼和
    return place, re.compile("|".join(map(re.escape, names)))


def province_of(name: str | None) -> str | None:
    """Province of a place name that starts with a province or city (广东, 大连客服 → 辽宁)."""
    if not name:
        return None
    place, pattern = _place_index()
    m = pattern.match(name)
    return place[m.group(0)] if m else None


# --------------------------------------------------------------------------- STC-3

_ACCOUNT_PREFIX = re.compile(r"^(中国)?(电信|联通|移动)")
# Weibo's location tag at the end of a post: "广州·天河..." or "我在这里:榆林·钟楼".
_LOCATION_TAG = re.compile(r"(?:^|[\s:：])([\u4e00-\u9fff]{2,5})·[^\s·]{1,12}")


def _province(accounts: list[str], text: str) -> str | None:
    """From a regional service account (中国电信广东客服, @赣州联通客服), else a location tag."""
    for acc in accounts + [m for m in MENTION.findall(text) if re.search("电信|联通|移动", m)]:
        rest = _ACCOUNT_PREFIX.sub("", acc)
        prov = province_of(rest) or province_of(acc)
        if prov:
            return prov
    tags = _LOCATION_TAG.findall(text)
    return province_of(tags[-1]) if tags else None


def load_stc3(*, telecom_only: bool = True, split: str | None = "train") -> pd.DataFrame:
    """STC-3 Weibo helpdesk dialogues as a posts table (one row per dialogue).

    ``post_id`` is the dialogue id (the mid of the customer's first post) and
    ``created_at`` is decoded from it; dialogues whose id gives no plausible time are
    left out and listed in ``df.attrs["rejects"]`` (post_id, reason) with a warning.
    ``text`` is the first customer turn (raw), ``reply_text`` the first helpdesk
    turn, ``thread`` every turn as "sender: text" lines. ``is_complaint`` is True
    when the first customer turn's majority nugget is CNUG0 (states a problem),
    False for CNaN, else null. There is no ``reply_at`` column: every dialogue has a
    helpdesk reply, but STC-3 gives no reply times, so reply-based KPIs (handling rate,
    response minutes, SLA attainment) come out null rather than a false 0.
    """
    path = dataset_path("stc3")
    records = read_jsonl(path)
    splits = sorted({r.get("split") for r in records})
    if split is not None and split not in splits:
        raise InputError(f"{path}: no split {split!r}; splits in the file: {', '.join(splits)} (or None for all)")
    rows = []
    for r in records:
        if (telecom_only and not r["telecom"]) or (split is not None and r["split"] != split):
            continue
        turns = r["turns"]
        first = turns[0]["text"]
        reply = next((t["text"] for t in turns if t["sender"] == "helpdesk"), None)
        nug = r["nugget_majority"][0]
        accounts = list(r["operator_accounts"])
        rows.append({
            "post_id": str(r["id"]), "platform": "sina_weibo", "text": first,
            "operator": operator_of(first, accounts), "province": _province(accounts, first),
            "reply_text": reply, "thread": "\n".join(f"{t['sender']}: {t['text']}" for t in turns),
            "n_turns": len(turns), "first_nugget": nug,
            "is_complaint": True if nug == "CNUG0" else (False if nug == "CNaN" else None),
            "quality_A": r["quality_mean"]["A"], "quality_S": r["quality_mean"]["S"],
            "quality_E": r["quality_mean"]["E"], "operator_accounts": ",".join(accounts),
            "telecom": bool(r["telecom"]), "split": r["split"],
        })
    df = pd.DataFrame(rows)
    times, plausible = mid_to_datetime(df["post_id"])
    rejects = AttrTable({
        "post_id": df.loc[~plausible, "post_id"],
        "reason": [f"id decodes to an implausible time ({t:%Y-%m-%d})" if pd.notna(t)
                   else "id is not a 16-digit Weibo mid (an old-format or other id: no time to read from it)"
                   for t in times[~plausible]],
    }).reset_index(drop=True)
    df = df.loc[plausible].assign(created_at=times[plausible])
    df = df.astype({"is_complaint": "boolean", "n_turns": "int64"})
    order = ["post_id", "platform", "created_at", "text", "operator", "province"]
    df = validate_posts(df[order + [c for c in df.columns if c not in order]].reset_index(drop=True),
                        source=str(path))
    df.attrs["rejects"] = rejects
    df.attrs["source"] = "stc3"
    if len(rejects):
        warnings.warn(f"stc3: {len(rejects)} dialogue(s) left out: their ids give no plausible post "
                      f"time (see df.attrs['rejects'])", stacklevel=2)
    return df


# --------------------------------------------------------------------------- text corpora

# COCC's 8 classes: stable id, and the taxonomy topic where the class maps cleanly.
# 业务使用 (using a service), 业务办理 (getting something done) and 营销活动
# (promotions) cut across several topics, so they get none.
COCC_CLASSES = {
    "业务使用问题": ("service_use", None),
    "业务办理问题": ("transaction", None),
    "信息安全问题": ("info_security", "spam_fraud"),
    "网络问题": ("network", "network"),
    "费用问题": ("charges", "billing"),
    "营销活动问题": ("promotion", None),
    "不知情定制问题": ("unconsented_subscription", "value_added"),
    "服务问题": ("service_attitude", "service"),
}


def _text_table(rows: list[dict] | pd.DataFrame, source: str, rejects: list[dict]) -> pd.DataFrame:
    df = validate_posts(pd.DataFrame(rows).reset_index(drop=True), source=source, required=("post_id", "text"))
    df.attrs["rejects"] = AttrTable(rejects, columns=["post_id", "reason"])
    if rejects:
        warnings.warn(f"{source}: {len(rejects)} row(s) left out (see df.attrs['rejects'])", stacklevel=3)
    return df


def load_cocc() -> pd.DataFrame:
    """COCC complaint work orders: post_id ``cocc-<line>``, text, cocc_label (Chinese),
    cocc_label_id (stable English id) and topic (taxonomy id where it maps cleanly, else null)."""
    path = dataset_path("cocc")
    rows, rejects = [], []
    for i, r in enumerate(read_jsonl(path), 1):
        pid = f"cocc-{i}"
        if r.get("label") not in COCC_CLASSES:
            raise InputError(f"{path}: line {i}, key 'label': unknown class {r.get('label')!r} "
                             f"(known: {', '.join(COCC_CLASSES)})")
        if not str(r.get("text") or "").strip():
            rejects.append({"post_id": pid, "reason": "empty text"})
            continue
        label_id, topic = COCC_CLASSES[r["label"]]
        rows.append({"post_id": pid, "text": r["text"], "cocc_label": r["label"],
                     "cocc_label_id": label_id, "topic": topic})
    return _text_table(rows, str(path), rejects)


SMP_SPLITS = ("virus_train", "virus_eval", "usual_eval")
# Which copy of a text found in several splits is kept: evaluation splits win over
# training (a model must not be trained on its test rows), virus_eval over usual_eval.
SMP_PRIORITY = ("virus_eval", "usual_eval", "virus_train")
# 6 emotions -> 3-class sentiment. surprise is left out (null): on Weibo it is as often
# 惊喜 (pleasant) as 震惊 (shocked), so it has no polarity without relabelling.
EMOTION_TO_SENTIMENT = {"happy": "positive", "angry": "negative", "sad": "negative",
                        "fear": "negative", "neutral": "neutral", "surprise": None}


def load_smp2020(splits=SMP_SPLITS, *, dedupe: bool = True) -> pd.DataFrame:
    """SMP2020-EWECT Weibo posts: post_id ``smp-<split>-<id>``, text, emotion (6 classes),
    sentiment (3 classes; null for surprise), split.

    With ``dedupe``, a text (normalised by ``wbcs.text.normalize``) found in several of
    the chosen splits is kept only in the one that wins by ``SMP_PRIORITY``; the
    others are listed in ``df.attrs["rejects"]`` and counted in ``df.attrs["dropped"]``.
    """
    from wbcs.text import normalize_series

    splits = (splits,) if isinstance(splits, str) else tuple(splits)
    unknown = [s for s in splits if s not in SMP_SPLITS]
    if unknown or not splits:
        raise InputError(f"smp2020: unknown split {unknown[0] if unknown else None!r} "
                         f"(known: {', '.join(SMP_SPLITS)})")
    frames = []
    for split in splits:
        path = dataset_path("smp2020", split)
        recs = pd.DataFrame(read_jsonl(path))
        bad = ~recs["label"].isin(list(EMOTION_TO_SENTIMENT))
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(f"{path}: line {i + 1}, key 'label': unknown emotion {recs['label'].iloc[i]!r}")
        frames.append(pd.DataFrame({
            "post_id": "smp-" + split + "-" + recs["id"].astype(str), "text": recs["text"],
            "emotion": recs["label"], "sentiment": recs["label"].map(EMOTION_TO_SENTIMENT),
            "split": split}))
    df = pd.concat(frames, ignore_index=True)
    rejects = AttrTable(columns=["post_id", "reason"])
    if dedupe:
        key = normalize_series(df["text"].astype("string"))
        rank = df["split"].map({s: i for i, s in enumerate(SMP_PRIORITY)})
        best = rank.groupby(key).transform("min")
        drop = rank > best
        winner = best.map(dict(enumerate(SMP_PRIORITY)))
        rejects = AttrTable({"post_id": df.loc[drop, "post_id"],
                                "reason": "same text kept in " + winner[drop]}).reset_index(drop=True)
        df = df.loc[~drop].reset_index(drop=True)
    out = validate_posts(df, source="smp2020", required=("post_id", "text"))
    out.attrs.update(rejects=rejects, dropped=len(rejects), source="smp2020")
    return out


# Emoticon codes whose characters the source lost to "?" ("[?光]", "[?]"): they still
# carry the label, and wbcs.text does not read them as emoticons, so they go too.
_LOST_EMOTICON = re.compile(r"\[(?=[^\]]*\?)(?:[^\W_]|\?){1,8}\]")


def load_weibo_senti(*, strip_emoticons: bool = True) -> pd.DataFrame:
    """weibo_senti_100k: post_id ``senti-<line>``, text, sentiment (positive/negative),
    emoticons (the codes found, space-separated, so an analyst can see them).

    The labels were made from the emoticons, so by default they are removed from the
    text (``wbcs.text.normalize(remove=("emoticons",))``, which also normalises the
    text). Rows left empty by that are listed in ``df.attrs["rejects"]``, with a
    warning. Some characters of the source were lost to ``?``: not fixable here.
    """
    from wbcs.text import extract, normalize_series

    path = dataset_path("weibo_senti")
    recs = pd.DataFrame(read_jsonl(path))
    bad = ~recs["label"].isin([0, 1])
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(f"{path}: line {i + 1}, key 'label': {recs['label'].iloc[i]!r} is not 0 or 1")
    raw = recs["text"].astype("string")
    codes, uniques = pd.factorize(raw)
    found = np.asarray([" ".join(extract(u)["emoticons"] + _LOST_EMOTICON.findall(u)) for u in uniques],
                       dtype=object)[codes]
    text = raw
    if strip_emoticons:
        text = normalize_series(raw, remove=("emoticons",)).str.replace(_LOST_EMOTICON, "", regex=True)
    df = pd.DataFrame({"post_id": [f"senti-{i}" for i in range(1, len(recs) + 1)],
                       "text": text.str.strip(),
                       "sentiment": np.where(recs["label"] == 1, "positive", "negative"),
                       "emoticons": pd.array(found, dtype="string")})
    empty = df["text"].fillna("").str.strip() == ""
    rejects = [{"post_id": p, "reason": "empty once the emoticon codes are removed"}
               for p in df.loc[empty, "post_id"]]
    return _text_table(df.loc[~empty], str(path), rejects)


# --------------------------------------------------------------------------- arrival rhythm


def arrival_counts() -> np.ndarray:
    """Posts per hour of week (Monday 00:00 Beijing time = 0) over all plausible STC-3 dialogues.

    All 3,700 dialogues, not only the 1,964 telecom ones: every dialogue is a customer
    writing to a service account (the behaviour whose rhythm we need), and twice
    the data halves the noise of 168 cells; the telecom subset's hour-of-day
    profile agrees with it (tests/test_datasets.py checks the correlation).
    """
    key = sha256(dataset_path("stc3"))
    if key not in _COUNTS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the rejects are expected here
            t = load_stc3(telecom_only=False, split=None)["created_at"]
        _COUNTS[key] = np.bincount((t.dt.day_of_week * 24 + t.dt.hour).to_numpy(), minlength=168)
    return _COUNTS[key].copy()


_COUNTS: dict[str, np.ndarray] = {}  # by the file's SHA-256


def _committed_counts() -> np.ndarray:
    counts = json.loads(data_file(PROFILE_FILE).read_text(encoding="utf-8"))["counts"]
    return np.asarray(counts, dtype=np.int64).reshape(168)


def write_arrival_counts(path: Path | None = None) -> Path:
    """Write the derived hour-of-week counts (no texts) that ``arrival_profile`` falls back to."""
    from wbcs.io.write import write_text

    path = Path(path or data_file(PROFILE_FILE))
    counts = arrival_counts()
    meta = {
        "what": "Customer posts to Weibo service accounts per hour of week, from the post times "
                "decoded from the ids of the plausible STC-3 dialogues (all, not only telecom)",
        "index": "counts[day][hour], day 0 = Monday, Asia/Shanghai",
        "source": {"dataset": "stc3", "file": _file_entry("stc3", None)["path"],
                   "sha256": _file_entry("stc3", None)["sha256"]},
        "made_by": "python -c 'import wbcs.datasets as d; d.write_arrival_counts()'",
        "total": int(counts.sum()),
    }
    days = ",\n  ".join(json.dumps([int(c) for c in row]) for row in counts.reshape(7, 24))
    head = json.dumps(meta, ensure_ascii=False, indent=1)[:-2]  # without the closing "\n}"
    return write_text(path, f'{head},\n "counts": [\n  {days}\n ]\n}}\n')


def arrival_profile(resolution: str = "hour_of_week", *, committed: bool = False) -> np.ndarray:
    """Relative arrival rates, mean 1.0: 168 (hour of week, Monday 00:00 = 0) or 24 (hour of day).

    Fitted from the real STC-3 post times when the dataset is reachable, else from the
    committed counts in ``data/stc3_arrival_profile.json`` (with a warning); ``committed``
    reads those counts at once (the same numbers, tests/test_datasets.py checks it, without
    the seconds of reading the dataset: what the simulator's start-up needs). The
    hour-of-week counts (~22 a cell) are smoothed with a circular 1-2-1 kernel over
    neighbouring hours, which keeps the daily peaks and removes most Poisson noise.
    """
    if resolution not in ("hour_of_week", "hour_of_day"):
        raise InputError(f"resolution {resolution!r}: use 'hour_of_week' or 'hour_of_day'")
    counts = None
    if not committed:
        try:
            counts = arrival_counts().astype(float)
        except DatasetMissing:
            warnings.warn(f"STC-3 not reachable: arrival profile from the committed counts in data/{PROFILE_FILE}",
                          stacklevel=2)
    if counts is None:
        counts = _committed_counts().astype(float)
    if resolution == "hour_of_day":
        rates = counts.reshape(7, 24).sum(axis=0)
    else:
        rates = 0.25 * np.roll(counts, 1) + 0.5 * counts + 0.25 * np.roll(counts, -1)
    return rates / rates.mean()
