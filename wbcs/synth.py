"""Synthetic posts and a service account's posting log, seeded and vectorised.

For demos, scale benchmarks and as the embedded default when no real data is
reachable: every table made here has ``df.attrs["synthetic"] = True`` and a
``source`` column saying ``synthetic``.

``generate_posts`` draws arrivals from a non-homogeneous Poisson process whose
hour-of-week rates are the real STC-3 rhythm (``wbcs.datasets.arrival_profile``),
optional incident bursts on top, and for each post consistent labels (intent →
sentiment → negative subtype, topic), author, engagement, and reply / resolution /
satisfaction times drawn per post kind from the SLA clocks and duty calendar of
``data/policy.yaml``. Texts come from the Chinese templates in
``data/synth_templates.yaml``: a pool of variants per label combination is built
once and posts draw from it (a categorical column), which keeps 10 M posts in
memory; the variants carry phone numbers, emoticons, #topics# and @mentions in
realistic shares so text features matter.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

from wbcs.checks import is_number, number, whole
from wbcs.checks import policy as check_policy
from wbcs.checks import rng as rng_from
from wbcs.config import TIMEZONE, data_file
from wbcs.errors import InputError
from wbcs.io.times import option_time
from wbcs.kpi.norms import CHARITY
from wbcs.policy import Policy
from wbcs.schema import load_taxonomy
from wbcs.triage import KIND_RULES
from wbcs.weibo import MID_EPOCH_OFFSET

log = logging.getLogger(__name__)

# Shares of mobile subscribers (MIIT, 2024: about 1.0 bn / 0.42 bn / 0.34 bn).
OPERATOR_SHARES = {"china_mobile": 0.56, "china_telecom": 0.24, "china_unicom": 0.20}
# Sina dominates; DOMAIN.md lists Tencent, Sohu, NetEase Weibo and forums as well.
PLATFORM_SHARES = {"sina_weibo": 0.75, "tencent_weibo": 0.07, "sohu_weibo": 0.04,
                   "netease_weibo": 0.03, "forum": 0.11}
INTENT_SHARES = {"complaint": 0.36, "consultation": 0.38, "suggestion": 0.05, "praise": 0.07, "other": 0.14}
SENTIMENT_GIVEN_INTENT = {
    "complaint": {"negative": 0.93, "neutral": 0.07},
    "consultation": {"neutral": 0.78, "negative": 0.17, "positive": 0.05},
    "suggestion": {"neutral": 0.60, "negative": 0.30, "positive": 0.10},
    "praise": {"positive": 1.0},
    "other": {"neutral": 0.65, "positive": 0.20, "negative": 0.15},
}
SUBTYPE_GIVEN_INTENT = {  # for negative posts only
    "complaint": {"concrete_complaint": 0.85, "vague_negativity": 0.12, "abuse": 0.03},
    "consultation": {"concrete_complaint": 0.70, "vague_negativity": 0.30},
    "suggestion": {"concrete_complaint": 0.50, "vague_negativity": 0.50},
    "other": {"vague_negativity": 0.70, "abuse": 0.30},
}
TOPIC_WEIGHTS = {"tariff": 12, "billing": 14, "data": 13, "network": 15, "broadband": 11, "payment": 7,
                 "value_added": 8, "handset": 3, "service": 8, "porting": 3, "spam_fraud": 4,
                 "roaming": 2}
TOPIC_GIVEN_INTENT = {
    "praise": {"service": 0.6, "network": 0.2, "broadband": 0.1, "other": 0.1},
    "other": {"other": 0.85, "data": 0.05, "tariff": 0.05, "service": 0.05},
}
# Replies per post kind: share never replied, and the median reply delay as a share
# of the kind's acknowledge target (lognormal, sigma 0.9: about 9% miss the target
# when the post arrives on duty; posts arriving off duty wait for the next shift).
REPLY = {"complaint": (0.03, 0.3), "consultation": (0.05, 0.3), "vague_negative": (0.10, 0.4),
         "abuse": (0.50, 0.5), "praise": (0.30, 0.5), "none": (0.85, 1.0)}
REPLY_SIGMA = 0.9
RESOLVED_SHARE = {"complaint": 0.88, "consultation": 0.92, "vague_negative": 0.40}
FEEDBACK_SHARE = 0.6  # replied posts whose author says whether they are satisfied
POOL_VARIANTS = 24
# Posts one table may hold: generating takes ~0.4 KB a post at its peak (1 M posts ~0.5 GB), so 10 M
# posts ~4 GB; more is made in several runs (a month at a time, as benchmarks/bench_dask.py does).
MAX_POSTS = 10_000_000


@lru_cache(maxsize=1)
def templates() -> dict:
    """``data/synth_templates.yaml``."""
    import yaml

    return yaml.safe_load(data_file("synth_templates.yaml").read_text(encoding="utf-8"))


def _weights(value, default: Mapping[str, float], what: str, known=None) -> tuple[list[str], np.ndarray]:
    if value is None:
        value = default
    if isinstance(value, str) or not isinstance(value, Mapping | Sequence):
        raise InputError(f"{what}: give a list of names or a mapping name -> share, got {value!r}")
    if not isinstance(value, Mapping):
        value = dict.fromkeys(value, 1.0)
    keys = [str(k) for k in value]
    if not all(is_number(v) for v in value.values()):  # "a" was a bare ValueError, NaN a table of NaN shares
        raise InputError(f"{what}: shares must be finite numbers, got {dict(value)!r}")
    w = np.asarray(list(value.values()), dtype=float)
    if not keys or (w < 0).any() or w.sum() <= 0:
        raise InputError(f"{what}: shares must be non-negative and not all zero, got {dict(value)!r}")
    bad = [k for k in keys if known is not None and k not in known]
    if bad:
        raise InputError(f"{what}: unknown {bad[0]!r} (known: {', '.join(known)})")
    return keys, w / w.sum()


def _draw(rng, probs: np.ndarray, n: int) -> np.ndarray:
    """n category codes with the given probabilities (inverse CDF: one uniform each)."""
    return np.minimum(np.searchsorted(np.cumsum(probs), rng.random(n), side="right"), len(probs) - 1)


def _draw_given(rng, parent: np.ndarray, parents: list[str], table: Mapping, labels: list[str],
                default: Mapping | None = None) -> np.ndarray:
    """A label code per row, drawn from ``table[parent label]`` (or ``default``); -1 if none applies."""
    out = np.full(len(parent), -1, dtype=np.int16)
    for i, name in enumerate(parents):
        rows = np.flatnonzero(parent == i)
        dist = table.get(name, default)
        if dist is None or not len(rows):
            continue
        keys = list(dist)
        codes = _draw(rng, np.asarray([dist[k] for k in keys], float) / sum(dist.values()), len(rows))
        out[rows] = np.asarray([labels.index(k) for k in keys])[codes]
    return out


def _profile(profile) -> np.ndarray:
    if profile is None:
        from wbcs.datasets import arrival_profile

        return arrival_profile()
    try:
        p = np.asarray(profile, dtype=float)
    except (TypeError, ValueError):  # words, or rows of unequal length
        p = np.full(0, np.nan)
    if p.shape not in ((168,), (24,)) or not np.isfinite(p).all() or (p < 0).any() or p.sum() <= 0:
        raise InputError("profile: give 168 (hour of week, Monday 00:00 first) or 24 finite non-negative rates")
    p = np.tile(p, 7) if p.shape == (24,) else p
    return p / p.mean()


def _period(start, days) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first instant and the end (exclusive) of ``days`` whole days from ``start``."""
    days = whole(days, "days", 1)
    t0 = option_time(start, "start")
    try:
        end = t0 + pd.Timedelta(days=int(days))
    except (ValueError, OverflowError):  # OutOfBoundsDatetime / OutOfBoundsTimedelta are ValueErrors
        end = None
    if end is None or end.tz_localize(None) > pd.Timestamp.max.floor("D"):
        raise InputError(f"days: {int(days):,} days from {t0:%Y-%m-%d} end after {pd.Timestamp.max:%Y-%m-%d}, "
                         "the last date a table can hold; give fewer days")
    return t0, end


def _check_volume(days: int, per_day: float, burst_posts: list[float]) -> None:
    """At most ``MAX_POSTS`` posts (expected): the table is built in memory."""
    total = days * per_day + sum(burst_posts)
    if total > MAX_POSTS:
        raise InputError(f"{days:,} days × {per_day:,.6g} posts a day"
                         + (f" + {sum(burst_posts):,.0f} burst posts" if burst_posts else "")
                         + f" is {total:,.0f} posts, more than the {MAX_POSTS:,} one table may hold in memory "
                         "(~0.4 KB each while generated); lower them or generate the days in several runs")


def _arrivals(rng, start: pd.Timestamp, days: int, per_day: float, profile: np.ndarray) -> np.ndarray:
    """Arrival times (ns since epoch) of a Poisson process with piecewise-constant hourly rates.

    Exact for a rate that is constant within each hour: the count in each hour is
    Poisson(rate) and, given the count, the times are uniform within the hour.
    """
    hours = pd.date_range(start, periods=int(days) * 24, freq="h")
    how = hours.day_of_week.to_numpy() * 24 + hours.hour.to_numpy()
    counts = rng.poisson(per_day / 24.0 * profile[how])
    base = np.repeat(hours.as_unit("ns").asi8, counts)
    return base + (rng.random(base.size) * 3_600e9).astype(np.int64)


def _burst_specs(bursts, t0: pd.Timestamp, end: pd.Timestamp) -> list[tuple[Mapping, int, float, int]]:
    """(burst, start ns, hours, posts) of each burst, checked: it lies within the generated days
    (one outside added posts before or after them; NaN hours dated its posts 1732)."""
    if bursts is not None and not isinstance(bursts, list | tuple):  # one burst's keys were read as bursts
        raise InputError(f"bursts must be a list of bursts, e.g. [{{'start': '2025-01-10 19:00', 'hours': 2, "
                         f"'posts': 500}}], got {type(bursts).__name__}")
    out = []
    for i, b in enumerate(bursts or []):
        where = f"bursts[{i}]"
        if not isinstance(b, Mapping) or not {"start", "hours", "posts"} <= set(b):
            raise InputError(f"{where}: needs start, hours and posts (and optionally topic, operator, province)")
        hours = number(b["hours"], f"{where}: hours", positive=True)
        posts = whole(b["posts"], f"{where}: posts", floats=True)
        at = option_time(b["start"], f"{where}.start")
        if not t0 <= at < end or at + pd.Timedelta(hours=hours) > end:
            raise InputError(f"{where}: {at:%Y-%m-%d %H:%M} for {hours:g} hours is not within the generated days "
                             f"({t0:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}); move the burst or change start/days")
        out.append((b, at.value, hours, posts))
    return out


def _bursts(rng, specs: list[tuple[Mapping, int, float, int]], topics: list[str], ops: list[str], provs: list[str],
            prov_p: np.ndarray) -> list[dict]:
    out = []
    for i, (b, t0, hours, posts) in enumerate(specs):
        where = f"bursts[{i}]"
        topic = b.get("topic", "network")
        op = b.get("operator") or ops[int(rng.integers(len(ops)))]
        prov = b.get("province") or provs[int(_draw(rng, prov_p, 1)[0])]
        for key, value, known in (("topic", topic, topics), ("operator", op, ops), ("province", prov, provs)):
            if value not in known:
                raise InputError(f"{where}: unknown {key} {value!r} (known: {', '.join(known)})")
        times = t0 + (rng.random(posts) * hours * 3_600e9).astype(np.int64)
        out.append({"name": str(b.get("name", f"burst-{i}")), "times": times, "topic": topic,
                    "operator": op, "province": prov})
    return out


def _mids(seconds: np.ndarray, rng) -> np.ndarray:
    """Weibo-style mids that decode to each post's second: (s − offset) << 22 | low bits.

    Low bits = the post's rank within its second (times are sorted) × 1024 + noise,
    so ids are unique and ``wbcs.weibo.mid_to_datetime`` gives back ``created_at``.
    """
    idx = np.arange(seconds.size)
    new_second = np.ones(seconds.size, dtype=bool)
    new_second[1:] = seconds[1:] != seconds[:-1]
    rank = idx - np.maximum.accumulate(np.where(new_second, idx, 0))  # O(n) on sorted times
    if rank.size and rank.max() >= 4096:
        raise InputError("posts_per_day too high: more than 4,096 posts in one second")
    return ((seconds - MID_EPOCH_OFFSET) << 22) | (rank << 10) | rng.integers(0, 1024, seconds.size)


def _phone(rng) -> str:
    digits = "1" + str(rng.integers(3, 10)) + "".join(str(d) for d in rng.integers(0, 10, 9))
    style = rng.integers(4)
    return [digits, f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", f"+86 {digits}",
            f"{digits[:3]} {digits[3:7]} {digits[7:]}"][style]


def _text(rng, op: str, intent: str, sentiment: str, subtype: str | None, topic: str) -> str:
    """One text for a label combination, from the templates."""
    tpl, tax = templates(), load_taxonomy()
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    if intent == "praise":
        body = pick(tpl["praise"])
    elif intent == "suggestion":
        body = pick(tpl["suggestion"])
    elif subtype in ("vague_negativity", "abuse") and intent in ("complaint", "other"):
        body = pick(tpl[subtype])
    elif intent in ("complaint", "consultation"):
        by_topic = tpl[intent]
        body = pick(by_topic.get(topic) or by_topic["other"])
        if intent == "consultation" and subtype == "vague_negativity":
            body += pick(tpl["vague_negativity"])
    else:
        body = pick(tpl["other"])
    info = tpl["operators"][op]
    fill = {"op": info["zh"], "hotline": info["hotline"], "topic": tax["topic"].zh_name(topic).split("/")[0],
            "amount": pick([18, 28, 38, 58, 88, 128, 199]), "gb": pick([1, 2, 5, 10, 20, 30]),
            "days": int(rng.integers(2, 16)), "n": int(rng.integers(2, 11))}
    text = body.format(**fill)
    if intent in ("complaint", "consultation") and rng.random() < 0.15:
        text = pick(tpl["phone_phrases"]).format(phone=_phone(rng)) + text
    if intent == "complaint" and subtype == "concrete_complaint" and rng.random() < 0.3:
        text += pick(tpl["negative_neutral"])
    if rng.random() < 0.45:
        codes = tpl["emoticons"][sentiment]
        text += "".join(f"[{pick(codes)}]" for _ in range(int(rng.integers(1, 4))))
    tags = tpl["hashtags"].get(intent)
    if tags and rng.random() < 0.12:
        text = "#" + pick(tags).format(**fill) + "#" + text
    if rng.random() < 0.7:
        mention = pick(info["accounts"])
        text = f"{mention} {text}" if rng.random() < 0.4 else f"{text} {mention}"
    return text


def _text_column(rng, keys: np.ndarray, names: list[list[str]]) -> pd.Categorical:
    """Texts for rows keyed by label codes (one column per name list, -1 = none):
    POOL_VARIANTS variants per distinct key, drawn once, then indexed per row."""
    sizes = [len(x) + 1 for x in names]  # +1: code -1 (no label) is shifted to 0
    flat = np.zeros(len(keys), dtype=np.int64)
    for j, size in enumerate(sizes):
        flat = flat * size + keys[:, j] + 1
    present = np.flatnonzero(np.bincount(flat, minlength=int(np.prod(sizes))))
    group = np.searchsorted(present, flat)  # O(n) grouping: the key space is small
    pool, index = [], {}
    variant_code = np.empty((len(present), POOL_VARIANTS), dtype=np.int32)
    for g, key in enumerate(present):
        labels = []
        for size, options in zip(reversed(sizes), reversed(names), strict=True):
            key, c = divmod(int(key), size)
            labels.insert(0, options[c - 1] if c else None)
        for v in range(POOL_VARIANTS):
            t = _text(rng, *labels)
            variant_code[g, v] = index.setdefault(t, len(pool))
            if variant_code[g, v] == len(pool):
                pool.append(t)
    codes = variant_code[group, rng.integers(0, POOL_VARIANTS, len(keys))]
    return pd.Categorical.from_codes(codes, categories=pool)


def _cat(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=labels)


def generate_posts(*, days: int = 30, start="2025-01-01", posts_per_day: float = 500, seed=0,
                   operators=None, platforms=None, profile=None, bursts=None,
                   policy: Policy | None = None) -> pd.DataFrame:
    """A synthetic posts table with every schema column, sorted by ``created_at``.

    ``operators`` / ``platforms``: names (equal shares) or name -> share mappings
    (defaults: subscriber and platform shares). ``profile``: 168 hour-of-week (or 24)
    relative rates; default the real STC-3 rhythm. ``bursts``: incidents on top of
    the background, e.g. ``[{"start": "2025-01-10 19:00", "hours": 2, "posts": 500,
    "topic": "network", "operator": "china_unicom", "province": "广东"}]`` (operator
    and province drawn once when not given); their posts carry the burst's name in
    the ``burst`` column. Label, platform, province, author and text columns are
    categoricals to keep 10 M rows small; ``wbcs.schema.validate_posts`` turns them
    into strings when a consumer needs that. ``is_complaint`` is the flag
    ``wbcs.datasets.load_stc3`` gives real posts (the first post states a problem),
    here true for the complaint intent: an analysis of either table reads it alike.
    """
    from wbcs.datasets import provinces

    rng = rng_from(seed)
    t0, end = _period(start, days)
    per_day = number(posts_per_day, "posts_per_day")
    specs = _burst_specs(bursts, t0, end)
    _check_volume(days, per_day, [posts for *_, posts in specs])
    policy = check_policy(policy)
    tax = load_taxonomy()
    ops, op_p = _weights(operators, OPERATOR_SHARES, "operators", known=list(templates()["operators"]))
    plats, plat_p = _weights(platforms, PLATFORM_SHARES, "platforms")
    prov_table = provinces()
    provs = list(prov_table.index)

    # arrivals: background + bursts, sorted; burst_id -1 for the background
    times = [_arrivals(rng, t0, days, per_day, _profile(profile))]
    prov_p = prov_table["population_m"].to_numpy() / prov_table["population_m"].sum()
    burst_list = _bursts(rng, specs, tax.ids("topic"), ops, provs, prov_p)
    times += [b["times"] for b in burst_list]
    burst_id = np.concatenate([np.full(len(t), i - 1, dtype=np.int16) for i, t in enumerate(times)])
    seconds = np.concatenate(times) // 1_000_000_000
    order = np.argsort(seconds, kind="stable")
    seconds, burst_id = seconds[order], burst_id[order]
    n, in_burst = len(seconds), burst_id >= 0

    # who and where
    operator = _draw(rng, op_p, n)
    province = _draw(rng, prov_p, n)
    province[rng.random(n) < 0.08] = -1  # many authors show no province
    for i, b in enumerate(burst_list):
        rows = burst_id == i
        operator[rows], province[rows] = ops.index(b["operator"]), provs.index(b["province"])

    # labels: intent -> sentiment -> subtype (negative only), topic | intent
    intents, sentiments = tax.ids("intent"), tax.ids("sentiment")
    subtypes, topics = tax.ids("negative_subtype"), tax.ids("topic")
    intent = _draw(rng, np.asarray([INTENT_SHARES[k] for k in intents]), n)
    intent[in_burst] = np.where(rng.random(in_burst.sum()) < 0.85, intents.index("complaint"),
                                intents.index("consultation"))
    sentiment = _draw_given(rng, intent, intents, SENTIMENT_GIVEN_INTENT, sentiments)
    subtype = np.full(n, -1, dtype=np.int16)
    neg = sentiment == sentiments.index("negative")
    subtype[neg] = _draw_given(rng, intent[neg], intents, SUBTYPE_GIVEN_INTENT, subtypes)
    topic_w = {k: v / sum(TOPIC_WEIGHTS.values()) for k, v in TOPIC_WEIGHTS.items()}
    topic = _draw_given(rng, intent, intents, TOPIC_GIVEN_INTENT, topics, default=topic_w)
    for i, b in enumerate(burst_list):
        topic[burst_id == i] = topics.index(b["topic"])

    # authors: a power law of activity (top 1% write ~20% of posts), lognormal followers
    n_authors = max(100, n // 4)
    author = np.minimum((n_authors * rng.random(n) ** 3).astype(np.int64), n_authors - 1)
    followers_of = np.minimum(rng.lognormal(5.0, 1.8, n_authors), 5e7).astype(np.int64)
    followers = followers_of[author]
    buzz = 0.05 * followers ** 0.6 * np.where(neg, 2.0, 1.0) * np.where(in_burst, 3.0, 1.0)
    lam = rng.gamma(0.6, buzz / 0.6)  # gamma-Poisson: heavy-tailed engagement

    created_ns = seconds * 1_000_000_000
    labels = {"intent": (intents, intent), "sentiment": (sentiments, sentiment), "negative_subtype": (subtypes, subtype)}
    reply_ns, resolved_ns, satisfied = _service(rng, created_ns, labels, policy)

    keys = np.stack([operator, intent, sentiment, subtype, topic], axis=1)
    text = _text_column(rng, keys, [ops, intents, sentiments, [*subtypes], topics])
    mids = _mids(seconds, rng)

    df = pd.DataFrame({
        "post_id": pd.arrays.ArrowStringArray(pa.array(mids).cast(pa.string())),
        "platform": _cat(_draw(rng, plat_p, n), plats),
        "created_at": _when(created_ns),
        "author_id": pd.Categorical.from_codes(*_author_codes(author)),
        "author_followers": pd.array(followers, dtype="Int64"),
        "text": text,
        "reposts": pd.array(rng.poisson(0.4 * lam), dtype="Int64"),
        "comments": pd.array(rng.poisson(0.6 * lam), dtype="Int64"),
        "likes": pd.array(rng.poisson(1.2 * lam), dtype="Int64"),
        "province": _cat(province, provs),
        "operator": _cat(operator, ops),
        "reply_at": _when(reply_ns),
        "resolved_at": _when(resolved_ns),
        "satisfied": satisfied,
        "sentiment": _cat(sentiment, sentiments),
        "intent": _cat(intent, intents),
        "topic": _cat(topic, topics),
        "negative_subtype": _cat(subtype, subtypes),
        "is_complaint": pd.array(intent == intents.index("complaint"), dtype="boolean"),
        "burst": _cat(burst_id, [b["name"] for b in burst_list]),
        "source": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=["synthetic"]),
    })
    df.attrs.update(synthetic=True, seed=seed if isinstance(seed, int) else None,
                    bursts=[{k: v for k, v in b.items() if k != "times"} for b in burst_list])
    log.info("synthetic data: %d posts from wbcs.synth.generate_posts (seed %s)", n, seed)
    return df


def _when(ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 ns since the epoch (int64 min = NaT) -> Beijing time, without parsing."""
    return pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC").tz_convert(TIMEZONE)


def _author_codes(author: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Category codes and ids ``u0000042`` of the authors that posted (O(n), no sort)."""
    present = np.flatnonzero(np.bincount(author))
    lookup = np.zeros(author.max() + 1 if author.size else 1, dtype=np.int32)
    lookup[present] = np.arange(present.size, dtype=np.int32)
    ids = pa.compute.utf8_lpad(pa.array(present).cast(pa.string()), 7, "0")
    ids = pa.compute.binary_join_element_wise("u", ids, "")
    return lookup[author], pd.Index(pd.arrays.ArrowStringArray(ids))


def _kinds(labels: Mapping[str, tuple[list[str], np.ndarray]], names: list[str]) -> np.ndarray:
    """Each post's SLA kind as an index of ``names`` ("none": no kind) from its label codes (column → (ids,
    codes)): the rules the KPIs count by (``KIND_RULES``, triage's routes), on codes rather than strings."""
    n = len(next(iter(labels.values()))[1])
    kind = np.full(n, names.index("none"), dtype=np.int8)
    open_ = np.ones(n, dtype=bool)  # no rule matched yet
    for rule, name in KIND_RULES:
        hit = open_.copy()
        for col, value in rule.items():
            ids, codes = labels.get(col, ([], None))
            hit &= codes == ids.index(value) if value in ids else False
        kind[hit] = names.index(name or "none")
        open_ &= ~hit
    return kind


def _service(rng, created_ns: np.ndarray, labels: Mapping[str, tuple[list[str], np.ndarray]],
             policy: Policy) -> tuple[np.ndarray, np.ndarray, pd.arrays.BooleanArray]:
    """Reply, resolution and satisfaction per post, by its SLA kind (NaT / NA where none); ``labels``: column
    → (label ids, each post's code)."""
    n = len(created_ns)
    nat = np.iinfo(np.int64).min  # NaT as int64
    kinds = list(REPLY)
    kind = _kinds(labels, kinds)

    start = policy.duty.next_on_duty(_when(created_ns)).as_unit("ns").asi8
    median_k, never_k, resolve_k = [], [], []
    for k in kinds:
        sla = policy.sla.get(k)
        ack = sla.acknowledge_minutes if sla and sla.acknowledge_minutes else 240.0
        median_k.append(REPLY[k][1] * ack)
        never_k.append(REPLY[k][0])
        resolve_k.append(sla.resolve_hours if sla and sla.resolve_hours and k in RESOLVED_SHARE else np.nan)
    median, never, resolve_h = (np.asarray(x, float)[kind] for x in (median_k, never_k, resolve_k))
    delay_min = median * rng.lognormal(0.0, REPLY_SIGMA, n)
    replied = rng.random(n) >= never
    reply = np.where(replied, start + (delay_min * 60).astype(np.int64) * 1_000_000_000, nat)

    share_resolved = np.asarray([RESOLVED_SHARE.get(k, 0.0) for k in kinds])[kind]
    resolved = replied & ~np.isnan(resolve_h) & (rng.random(n) < share_resolved)
    # time to resolve after the reply: lognormal with median a quarter of the target
    after_h = np.where(resolved, 0.25 * np.nan_to_num(resolve_h) * rng.lognormal(0.0, 1.0, n), 0.0)
    resolved_at = np.where(resolved, reply + (after_h * 3600).astype(np.int64) * 1_000_000_000, nat)

    within = resolved & (resolved_at - created_ns <= np.nan_to_num(resolve_h) * 3_600e9)
    p_sat = np.where(within, 0.85, np.where(resolved, 0.55, 0.30))
    sat = rng.random(n) < p_sat
    has_feedback = replied & (kind != kinds.index("abuse")) & (rng.random(n) < FEEDBACK_SHARE)
    satisfied = pd.arrays.BooleanArray(sat, ~has_feedback)
    return reply, resolved_at, satisfied


# --------------------------------------------------------------------------- account posting log

# Each breach planted on a day and the rules of the posting norms (wbcs.kpi.norms) it breaks; every other rule
# holds that day, as on the days without a breach. Too few posts break spacing too: with the default norms 9 posts
# cannot span 08:30 → 18:00 in steps of at most 60 minutes.
BREACH_RULES = {"too_few_posts": ("posts_per_day", "spacing"), "too_many_posts": ("posts_per_day",),
                "missed_morning_post": ("morning_post",), "missed_evening_post": ("evening_post",),
                "tight_spacing": ("spacing",), "no_picture": ("pictures",), "too_long": ("post_length",),
                "too_many_charity_reposts": ("charity_reposts",)}
BREACHES = list(BREACH_RULES)


def generate_account_posts(*, days: int = 30, start="2025-01-01", seed=0, breach_rate: float = 0.15,
                           policy: Policy | None = None) -> pd.DataFrame:
    """A service account's own posting log, within the posting norms of the policy but on planted days.

    Each day meets every rule ``wbcs.kpi.norms`` checks with ``posting_norms``: 10–20
    posts spaced 30–60 minutes, a morning greeting near 08:30 and an evening one
    near 18:00 (life posts), a daytime content mix service : industry : life within
    the tolerance of 6 : 3 : 1, a picture, ≤ 140 characters a post, reposts : originals
    within 1 : 2 ± 0.2, at most 2 charity/news/culture reposts. On a share
    ``breach_rate`` of days one breach is planted (``BREACH_RULES``: what it breaks);
    ``df.attrs["breaches"]`` lists them (date, breach) so a norms checker can be
    tested against it: it should find those and nothing else.
    Columns: post_id, created_at, text, is_repost, category, has_picture, source.
    """
    rng = rng_from(seed)
    t0, _ = _period(start, days)
    if not is_number(breach_rate) or not 0 <= breach_rate <= 1:
        raise InputError(f"breach_rate must be between 0 and 1, got {breach_rate!r}")
    policy = check_policy(policy)
    norms = policy.posting_norms
    duty = [t.hour * 60 + t.minute for t in (policy.duty.start, policy.duty.end)]
    mix = norms["content_mix"]
    mix_keys, mix_p = list(mix), np.asarray(list(mix.values()), float) / sum(mix.values())
    max_charity = int(norms["max_charity_news_culture_reposts_per_day"])
    texts = templates()["account_posts"]
    greeting = {"morning": "【早安】", "evening": "【晚安】"}
    life = {k: [t for t in texts["life"] if t.startswith(tag)] for k, tag in greeting.items()}
    life["life"] = [t for t in texts["life"] if not t.startswith(tuple(greeting.values()))]
    day0 = t0.normalize()
    rows, breaches = [], []
    for d in range(int(days)):
        breach = BREACHES[int(rng.integers(len(BREACHES)))] if rng.random() < breach_rate else None
        minutes, greets = _day_times(rng, breach, norms)
        n = len(minutes)
        greeting = np.zeros(n, dtype=bool)
        greeting[list(greets)] = True
        daytime = (minutes >= duty[0]) & (minutes < duty[1])  # the posts the content mix counts
        planted_charity = breach == "too_many_charity_reposts"
        is_repost = np.zeros(n, dtype=bool)  # the greetings are the account's own posts
        reposts = rng.choice(np.flatnonzero(~greeting), _repost_count(
            rng, n, int((~greeting).sum()), max_charity + 1 if planted_charity else 0, norms), replace=False)
        is_repost[reposts] = True
        # charity reposts are outside the mix: as many as the day's mix can spare (a short day needs its daytime
        # posts for the mix); the planted breach has one more than the norm allows
        n_charity = max_charity + 1 if planted_charity else min(len(reposts), int(rng.integers(0, max_charity + 1)))
        fixed = np.asarray([int((daytime & greeting).sum()) if k == "life" else 0 for k in mix_keys])
        while True:
            charity = np.zeros(n, dtype=bool)
            charity[reposts[:n_charity]] = True
            counts = _mix_counts(rng, int((daytime & ~charity).sum()), fixed, mix_p, norms["content_mix_tolerance"])
            if counts is not None or n_charity == 0 or planted_charity:
                break
            n_charity -= 1
        if counts is None:
            raise InputError(f"posting_norms: no daytime content mix of a {n}-post day meets content_mix {mix} "
                             f"± {norms['content_mix_tolerance']}; widen content_mix_tolerance")
        category = np.asarray(mix_keys, dtype=object)[_draw(rng, mix_p, n)]  # off duty: any category
        category[greeting] = "life"
        category[rng.permutation(np.flatnonzero(daytime & ~charity & ~greeting))] = np.repeat(mix_keys, counts - fixed)
        category[charity] = CHARITY
        picture = rng.random(n) < 0.35
        if breach == "no_picture":
            picture[:] = False
        else:
            short = int(np.ceil(norms["min_pictures_per_day"])) - int(picture.sum())
            picture[rng.choice(np.flatnonzero(~picture), max(short, 0), replace=False)] = True
        # a greeting is posted at its own anchor (【早安】 in the morning, 【晚安】 in the evening), the other life
        # posts use the other life texts; one draw per post, as for every category
        pool = category.copy()
        pool[list(greets)] = list(greets.values())
        text = [life[c] if c in life else texts[c] for c in pool]
        text = [t[int(rng.integers(len(t)))] for t in text]
        if breach == "too_long":
            i = int(rng.integers(n))
            text[i] = text[i] + "详情" + "请关注后续通知，" * 20
        stamps = day0 + pd.Timedelta(days=d) + pd.to_timedelta(np.round(minutes * 60), unit="s")
        rows.append(pd.DataFrame({"created_at": stamps, "text": text, "is_repost": is_repost,
                                  "category": category, "has_picture": picture}))
        if breach:
            breaches.append({"date": (day0 + pd.Timedelta(days=d)).date(), "breach": breach})
    df = pd.concat(rows, ignore_index=True).sort_values("created_at", kind="stable", ignore_index=True)
    seconds = df["created_at"].dt.as_unit("s").astype("int64").to_numpy()
    df.insert(0, "post_id", pd.array(_mids(seconds, rng).astype(str), dtype="string"))
    df["category"] = df["category"].astype("string")
    df["source"] = "synthetic"
    from wbcs.datasets import AttrTable

    df.attrs.update(synthetic=True, breaches=AttrTable(breaches, columns=["date", "breach"]))
    log.info("synthetic data: %d account posts from wbcs.synth.generate_account_posts (seed %s)", len(df), seed)
    return df


def _minutes(hhmm: str) -> float:
    h, m = str(hhmm).split(":")
    return int(h) * 60 + int(m)


def _day_times(rng, breach: str | None, norms: Mapping) -> tuple[np.ndarray, dict[int, str]]:
    """A day's posting times (minutes of the day, whole seconds) and its greetings (post index → 'morning' or
    'evening'): a greeting near each anchor, gaps within the spacing, ``breach``'s rule broken.

    Missing the morning, the day starts after the morning's window; missing the evening, it ends before the
    evening's (a gap across the window would be longer than the spacing allows)."""
    lo, hi = norms["posts_per_day"]
    # one second inside the spacing: the times are rounded to the second
    smin, smax = norms["spacing_minutes"][0] + 1 / 60, norms["spacing_minutes"][1] - 1 / 60
    morning, evening = _minutes(norms["morning_post"]), _minutes(norms["evening_post"])
    window = norms["anchor_tolerance_minutes"]
    first = morning + window + float(rng.uniform(10, 60)) if breach == "missed_morning_post" \
        else morning + float(rng.uniform(-5, 5))
    last = evening - window - float(rng.uniform(10, 60)) if breach == "missed_evening_post" \
        else evening + float(rng.uniform(-5, 5))
    k_lo, k_hi = int(np.ceil((last - first) / smax)), int(np.floor((last - first) / smin))
    if breach == "too_few_posts":  # one short: fewer would leave the two life greetings over the mix's life share
        n = int(lo) - 1
    elif breach == "too_many_posts":
        n = int(rng.integers(hi + 1, hi + 6))
    else:  # enough posts to span the greetings; missing the evening, none after the last
        n = int(rng.integers(max(lo, k_lo + 1), (min(hi, k_hi + 1) if breach == "missed_evening_post" else hi) + 1))
    after = 0 if breach == "missed_evening_post" else int(rng.integers(1, 5))
    minutes, k = _day_schedule(rng, n, first, last, smin, smax, after)
    if breach == "tight_spacing":  # a post between the greetings follows its predecessor too soon
        i = int(rng.integers(1, k))
        minutes[i] = minutes[i - 1] + float(rng.uniform(5, smin / 2))
    greets = {i: name for i, name, missed in ((0, "morning", "missed_morning_post"),
                                              (k, "evening", "missed_evening_post")) if breach != missed}
    return np.round(minutes * 60) / 60, greets


def _day_schedule(rng, n: int, start: float, end: float, smin: float, smax: float,
                  after: int) -> tuple[np.ndarray, int]:
    """n posting minutes-of-day from ``start``, gaps in [smin, smax], and the index k of the post at ``end``.

    k gaps fill start → end exactly (k chosen so the mean gap lies in the range, about
    ``after`` posts left over, noise kept small enough to stay inside it); the rest follow
    the post at ``end``. Too few posts to fill the span are spread evenly (gaps above smax).
    """
    span = end - start
    k = int(np.clip(n - 1 - after, np.ceil(span / smax), np.floor(span / smin)))
    if n - 1 < k:
        return start + np.linspace(0, span, n), n - 1
    mean = span / k
    delta = 0.45 * min(mean - smin, smax - mean)
    noise = rng.uniform(-delta, delta, k)
    before = start + np.concatenate([[0], np.cumsum(mean + noise - noise.mean())])
    later = end + np.cumsum(rng.uniform(smin, smax, n - 1 - k))
    return np.concatenate([before, later]), k


def _repost_count(rng, n: int, free: int, at_least: int, norms: Mapping) -> int:
    """How many of a day's n posts are reposts: about ratio / (1 + ratio) of them, kept where reposts : originals
    lies within the norm's band, at least ``at_least``, at most the ``free`` posts that may be reposts."""
    ratio, tolerance = norms["repost_to_original"], norms["repost_ratio_tolerance"]
    fits = [r for r in range(int(at_least), free + 1) if r < n and abs(r / (n - r) - ratio) <= tolerance]
    if not fits:
        raise InputError(f"posting_norms: no day of {n} posts has reposts : originals within {ratio:g} ± "
                         f"{tolerance:g} (with at least {at_least} reposts); widen repost_ratio_tolerance")
    return int(np.clip(rng.binomial(n, ratio / (1 + ratio)), fits[0], fits[-1]))


def _mix_counts(rng, m: int, fixed: np.ndarray, target: np.ndarray, tolerance: float) -> np.ndarray | None:
    """Posts per category of the content mix for a day's m daytime posts, at least ``fixed`` of each: a
    multinomial draw around the ``target`` shares, each count then kept where its share lies within
    ``tolerance`` of its target (the norm: the largest gap ≤ tolerance). None if no counts can."""
    if m == 0:
        return None
    allowed = [[c for c in range(f, m + 1) if abs(c / m - t) <= tolerance] for f, t in zip(fixed, target, strict=True)]
    if not all(allowed):
        return None
    low, high = np.asarray([a[0] for a in allowed]), np.asarray([a[-1] for a in allowed])
    if low.sum() > m or high.sum() < m:
        return None
    free = np.maximum(target * m - fixed, 0.0)  # the fixed posts (greetings) count towards their category's share
    drawn = fixed + rng.multinomial(m - fixed.sum(), free / free.sum() if free.sum() > 0 else target)
    counts = np.zeros(len(target), dtype=int)
    left = m
    for i in range(len(target)):  # each count clipped to what leaves the others a count they allow
        counts[i] = np.clip(drawn[i], max(low[i], left - high[i + 1:].sum()), min(high[i], left - low[i + 1:].sum()))
        left -= counts[i]
    return counts
