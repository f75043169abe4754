"""Labels the indicators need: classify unlabelled posts with the shipped model first."""

from __future__ import annotations

import sys

import pandas as pd

from wbcs.errors import InputError

NEEDED = ("sentiment", "intent")  # every post has these; an empty topic may mean "no topic"


def unlabelled(posts: pd.DataFrame) -> dict[str, int]:
    """Posts without each needed label; a missing ``topic`` column counts every post (an
    empty topic cell is allowed, as is an empty negative_subtype)."""
    out = {f: int(posts[f].isna().sum()) if f in posts else len(posts) for f in NEEDED}
    out["topic"] = 0 if "topic" in posts else len(posts)
    return out


def ensure_labels(posts: pd.DataFrame, *, model=None, quiet: bool = False) -> pd.DataFrame:
    """``posts`` itself when every post has its labels; otherwise a copy whose empty label
    cells are filled by ``wbcs.classify.predict_posts`` with ``model`` (None → the shipped
    model). ``attrs["classified"]`` records what was filled, and a line on stderr says so.
    Without a usable model this is an ``InputError`` naming the unlabelled posts."""
    missing = {f: n for f, n in unlabelled(posts).items() if n}
    if not missing or posts.empty:
        return posts
    from wbcs.classify import predict_posts

    what = ", ".join(f"{f} ({n:,} posts)" for f, n in missing.items())
    try:
        out = predict_posts(posts, model, verbose=False)
    except InputError as e:
        raise InputError(f"posts without labels: {what}; they need the classifier, but: {e}") from None
    c = out.attrs.get("classified", {})
    if not quiet:
        print(f"classified with model {c.get('model')}: posts had no {what}"
              + (f"; the model does not cover {', '.join(c['not_covered'])}" if c.get("not_covered") else ""),
              file=sys.stderr)
    return out
