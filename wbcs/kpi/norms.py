"""Posting norms: an account's own posting log checked against the standard (§4.1–4.2).

Every threshold comes from ``policy.posting_norms`` (``data/policy.yaml``). Rules, each
checked per calendar day (Beijing time) from the first to the last day of the log, so a
day without posts is a breach too:

- ``posts_per_day``: between the two bounds (10–20);
- ``spacing``: consecutive posts 30–60 minutes apart, across midnight too (23:50 and 00:10 are
  two posts 20 minutes apart); only the night's break — a gap across midnight longer than the
  maximum — is no spacing, as the standard's posts run "from morning to night";
- ``morning_post`` / ``evening_post``: a post within ``anchor_tolerance_minutes`` of
  08:30 / 18:00;
- ``content_mix``: daytime posts (duty hours of the policy) of the mix's categories
  (service : industry : life = 6 : 3 : 1) — the largest gap between a share and its
  target share ≤ ``content_mix_tolerance``; a day with posts but no daytime post of these
  categories is a breach (its mix is 0 : 0 : 0); a day without posts is the posts_per_day
  breach;
- ``post_length``: ≤ ``max_chars`` characters a post (Sina's 140);
- ``pictures``: at least ``min_pictures_per_day`` posts with a picture;
- ``repost_ratio``: reposts / originals within ``repost_to_original`` ±
  ``repost_ratio_tolerance`` (1 : 2 → 0.5 ± 0.2);
- ``charity_reposts``: at most ``max_charity_news_culture_reposts_per_day`` reposts of
  category ``charity_news_culture``.

A rule whose column (``category``, ``is_repost``, ``has_picture``) is missing is
reported as not checked, with the reason; it is never passed silently. An empty cell of
``is_repost`` or ``has_picture`` is an error naming its row, as an empty category is:
read as "no", it would pass or break a rule unseen. (The standard's
forbidden content — politics, vulgarity, personal emotion — needs a person's judgement
and is not checked here.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wbcs import checks
from wbcs.columns import read_flags, read_times, refuse_repeated_ids, row_name
from wbcs.errors import InputError
from wbcs.policy import Policy, norm_thresholds

RULES = ["posts_per_day", "spacing", "morning_post", "evening_post", "content_mix", "post_length",
         "pictures", "repost_ratio", "charity_reposts"]
NEEDS = {"content_mix": "category", "pictures": "has_picture", "repost_ratio": "is_repost",
         "charity_reposts": "is_repost"}
BREACH_COLUMNS = ["rule", "day", "detail", "value", "expected", "post_ids"]
CHARITY = "charity_news_culture"


@dataclass
class NormsReport:
    """Breaches (one row each, ``BREACH_COLUMNS``) and what was checked."""

    breaches: pd.DataFrame
    checked: dict[str, str] = field(default_factory=dict)  # rule → "checked" or why not
    days: int = 0
    posts: int = 0

    def to_dict(self) -> dict:
        rows = self.breaches.assign(day=self.breaches["day"].astype(str)).to_dict("records")
        counts = self.breaches["rule"].value_counts()
        return {"days": self.days, "posts": self.posts, "checked": self.checked,
                "breaches_per_rule": {r: int(counts.get(r, 0)) for r in RULES}, "breaches": rows}


def _check_rows(log: pd.DataFrame, categories: list[str], source: str) -> None:
    """A post counted twice (the same ``post_id``) or a category the norms do not know (left out of the
    content mix unseen) is an error naming its row."""
    refuse_repeated_ids(log, source, "a post counted twice breaks the posts-per-day and spacing checks")
    if "category" in log:
        unknown = ~log["category"].astype("string").str.strip().isin(categories).fillna(False)
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            value = log["category"].iloc[i]
            raise InputError(f"{row_name(log, i, source)}, column 'category': "
                             f"{'empty' if pd.isna(value) else f'{value!r} is not a category of the posting norms'}"
                             f" (use one of {', '.join(map(str, categories))}); {int(unknown.sum()):,} row(s) "
                             f"in all have no such category")


def check_norms(account_posts: pd.DataFrame, *, policy: Policy | None = None,
                source: str = "account posts") -> NormsReport:
    """Check an account's posting log (post_id, created_at, text, and optionally
    is_repost, category, has_picture) against the posting norms of ``policy``.
    ``source`` names the log in errors (its rows as ``row_name`` says them)."""
    policy = checks.policy(policy)
    nm = norm_thresholds(policy)
    for col in ("post_id", "created_at", "text"):
        if col not in account_posts:
            raise InputError(f"{source}: missing column {col!r} (columns: "
                             f"{', '.join(map(str, account_posts.columns))})")
    if account_posts.empty:
        raise InputError(f"{source}: no posts (only a header): nothing to check against the posting norms")
    local = read_times(account_posts, source=source)["created_at"].reset_index(drop=True)
    _check_rows(account_posts, [*nm["mix"], CHARITY], source)
    df = account_posts.reset_index(drop=True)
    for col in ("is_repost", "has_picture"):  # read before the sort: errors name the file's rows
        if col in df:
            flags = read_flags(account_posts, col, source)
            empty = flags.isna().to_numpy()
            if empty.any():  # read as "no", a repost counted as an original unseen, as an empty category is refused
                rules = " and ".join(r for r, c in NEEDS.items() if c == col)
                raise InputError(f"{row_name(account_posts, int(np.flatnonzero(empty)[0]), source)}, column "
                                 f"{col!r}: empty ({int(empty.sum()):,} row(s) in all): write true/false, yes/no, "
                                 f"1/0 or 是/否 for every post, or remove the column to leave {rules} unchecked")
            df[col] = flags.to_numpy(dtype=bool)
    if "category" in df:
        df["category"] = df["category"].astype("string").str.strip()
    df = df.assign(_t=local, _day=local.dt.floor("D"),
                   _min=(local - local.dt.floor("D")) / pd.Timedelta(minutes=1),
                   post_id=df["post_id"].astype(str)).sort_values("_t", kind="stable")
    checked = {r: "checked" for r in RULES}
    for rule, col in NEEDS.items():
        if col not in df:
            checked[rule] = f"not checked: no column {col!r}"
    days = pd.date_range(df["_day"].min(), df["_day"].max(), freq="D")
    by_day = dict(list(df.groupby("_day")))
    out: list[dict] = []

    def breach(rule, day, detail, value, expected, ids):
        out.append({"rule": rule, "day": day.date(), "detail": detail, "value": value,
                    "expected": expected, "post_ids": list(ids)})

    lo, hi = nm["posts"]
    smin, smax = nm["spacing"]
    duty_from = policy.duty.start.hour * 60 + policy.duty.start.minute
    duty_to = policy.duty.end.hour * 60 + policy.duty.end.minute
    mix_total = sum(nm["mix"].values())
    # spacing over the whole log, so that 23:50 and 00:10 are a gap of 20 minutes; a gap across midnight longer
    # than the maximum is the night's break (DOMAIN.md: posts "from morning to night"), not a spacing; a breach
    # is the later post's day's
    gaps = np.diff(df["_t"].to_numpy()) / np.timedelta64(1, "m")
    day_of = df["_day"].to_numpy()
    night = day_of[1:] != day_of[:-1]
    for i in np.flatnonzero((gaps < smin) | ((gaps > smax) & ~night)):
        side = "below" if gaps[i] < smin else "above"  # one decimal and the side: 29.6 printed as 30 read as a pass
        breach("spacing", pd.Timestamp(day_of[i + 1]), f"{gaps[i]:.1f} minutes between two posts, {side} the norm "
               f"{smin:g}–{smax:g}", round(float(gaps[i]), 1), f"{smin:g}-{smax:g}",
               df["post_id"].iloc[i:i + 2])
    for day in days:
        d = by_day.get(day, df.iloc[:0])
        ids = d["post_id"].tolist()
        if not lo <= len(d) <= hi:
            breach("posts_per_day", day, f"{len(d)} posts (norm {lo:g}–{hi:g})", len(d),
                   f"{lo:g}-{hi:g}", ids)
        for rule, anchor in (("morning_post", nm["morning"]), ("evening_post", nm["evening"])):
            if not (np.abs(d["_min"].to_numpy() - anchor) <= nm["tolerance"]).any():
                at = f"{int(anchor) // 60:02d}:{int(anchor) % 60:02d}"
                breach(rule, day, f"no post within {nm['tolerance']:g} minutes of {at}", None, at, [])
        long = d[d["text"].astype(str).str.len() > nm["max_chars"]]
        for pid, text in zip(long["post_id"], long["text"].astype(str), strict=True):
            breach("post_length", day, f"{len(text)} characters (norm ≤ {nm['max_chars']:g})",
                   len(text), f"<={nm['max_chars']:g}", [pid])
        if "has_picture" in d and d["has_picture"].sum() < nm["pictures"]:
            breach("pictures", day, f"{int(d['has_picture'].sum())} posts with a picture "
                   f"(norm ≥ {nm['pictures']:g})", int(d["has_picture"].sum()), f">={nm['pictures']:g}", ids)
        if "category" in d:
            daytime = d[(d["_min"] >= duty_from) & (d["_min"] < duty_to)]
            day_mix = daytime[daytime["category"].isin(list(nm["mix"]))]
            if len(d) and not len(day_mix):  # a mix of 0 : 0 : 0 is no 6 : 3 : 1; an empty day is posts_per_day's
                want = " : ".join(f"{w:g}" for w in nm["mix"].values())
                breach("content_mix", day, f"no daytime post ({policy.duty.start:%H:%M}–{policy.duty.end:%H:%M}) "
                       f"of {', '.join(map(str, nm['mix']))} (norm ≈ {want})", None, want,
                       daytime["post_id"].tolist())
            elif len(day_mix):
                shares = day_mix["category"].value_counts(normalize=True)
                gap = max(abs(float(shares.get(c, 0.0)) - w / mix_total) for c, w in nm["mix"].items())
                if gap > nm["mix_tolerance"]:
                    got = " : ".join(f"{c} {int((day_mix['category'] == c).sum())}" for c in nm["mix"])
                    want = " : ".join(f"{w:g}" for w in nm["mix"].values())
                    breach("content_mix", day, f"daytime mix {got} (norm ≈ {want}; largest share gap "
                           f"{gap:.2f} > {nm['mix_tolerance']:g})", round(gap, 3), want,
                           day_mix["post_id"].tolist())
        if "is_repost" in d:
            reposts, originals = int(d["is_repost"].sum()), int((~d["is_repost"]).sum())
            ratio = reposts / originals if originals else (np.inf if reposts else np.nan)
            if len(d) and not abs(ratio - nm["ratio"]) <= nm["ratio_tolerance"]:
                breach("repost_ratio", day, f"{reposts} reposts : {originals} originals (norm ≈ "
                       f"{nm['ratio']:g} ± {nm['ratio_tolerance']:g})",
                       None if not np.isfinite(ratio) else round(ratio, 3),
                       f"{nm['ratio'] - nm['ratio_tolerance']:g}-{nm['ratio'] + nm['ratio_tolerance']:g}",
                       d.loc[d["is_repost"], "post_id"].tolist())
            if "category" in d:
                charity = d[d["is_repost"] & (d["category"] == CHARITY)]
                if len(charity) > nm["charity"]:
                    breach("charity_reposts", day, f"{len(charity)} charity/news/culture reposts "
                           f"(norm ≤ {nm['charity']:g})", len(charity), f"<={nm['charity']:g}",
                           charity["post_id"].tolist())
            elif "charity_reposts" in checked:
                checked["charity_reposts"] = "not checked: no column 'category'"
    # object values: a breach without one (an anchor missed) stays None, where a float column made it NaN, which
    # --json printed as NaN (no JSON), and a count stayed an int
    table = pd.DataFrame(out, columns=BREACH_COLUMNS, dtype=object)
    table["rule"] = pd.Categorical(table["rule"], categories=RULES)
    table = table.sort_values(["day", "rule"], kind="stable").reset_index(drop=True)
    table["rule"] = table["rule"].astype(str)
    return NormsReport(table, checked, days=len(days), posts=len(df))
