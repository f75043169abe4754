"""From prediction to action: route each post and set its SLA clocks.

``route_posts`` gives every post a route of ``data/routes.yaml`` (ticket, public reply +
DM, ask the reason, set aside, thank, answer, ...): the first rule whose conditions hold
on the post's labels. The route's post kind picks the SLA clocks of the policy
(``wbcs.policy``, DOMAIN.md defaults): ``acknowledge_by`` and ``resolve_by`` are the last
instants a reply still meets the clock by the KPIs' and the simulator's rule: ``created_at``
+ the limit for a ``calendar`` clock; for a ``business`` clock the limit counted in duty time
(``Duty.add_minutes``), and where it runs out at the end of a duty period, the start of the
next one (the clock stands still off duty: a reply then is still in time).
Posts without labels are classified first with the shipped model
(``wbcs.classify.predict_posts``, which says so).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wbcs.checks import frame as check_frame
from wbcs.checks import policy as check_policy
from wbcs.config import TIMEZONE, data_file
from wbcs.errors import InputError
from wbcs.pii import MASKED_PHONE, has_phone
from wbcs.policy import POST_KINDS, Policy, known_keys

VERSION = 1  # the routes file format this wbcs reads
TOP_KEYS, ROUTE_KEYS, RULE_KEYS = ("version", "routes", "rules"), ("kind", "action", "zh"), ("route", "when")
# Columns a rule may test besides the taxonomy's fields (whose values are its label ids): the public-data
# model's own field (wbcs.classify.tasks 'complaint': the post states a problem), and posts-table
# columns whose values are the team's own (any value).
MODEL_FIELDS = {"complaint": ("yes", "no")}
FREE_COLUMNS = ("platform", "province", "operator")
OUTPUT_COLUMNS = ["post_id", "route", "kind", "action", "identifiable", "identifiable_source",
                  "created_at", "acknowledge_by", "resolve_by", "clock", "rule"]


@dataclass(frozen=True)
class Route:
    id: str
    kind: str | None
    action: str
    zh: str = ""


@dataclass(frozen=True)
class Rules:
    routes: dict[str, Route]
    rules: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]  # (route, ((column, values), ...))
    source: str = "routes"

    @property
    def columns(self) -> set[str]:
        return {col for _, when in self.rules for col, _ in when}


def parse_routes(raw: dict, source: str = "routes") -> Rules:
    """Validate a routes mapping (as read from YAML); errors name the key."""
    if not isinstance(raw, dict) or not isinstance(raw.get("routes"), dict) or not raw["routes"]:
        raise InputError(f"{source}: needs a non-empty 'routes' mapping")
    known_keys(raw, "", TOP_KEYS, source)
    version = raw.get("version", VERSION)
    if isinstance(version, bool) or version != VERSION:
        raise InputError(f"{source}: version {version!r} is not a routes format this wbcs reads (version: {VERSION})")
    routes = {}
    for rid, r in raw["routes"].items():
        if not isinstance(r, dict) or "action" not in r or "kind" not in r:
            raise InputError(f"{source}: routes.{rid} needs 'kind' and 'action'")
        known_keys(r, f"routes.{rid}", ROUTE_KEYS, source)
        if r["kind"] is not None and r["kind"] not in POST_KINDS:
            raise InputError(f"{source}: routes.{rid}.kind {r['kind']!r} is not a post kind "
                             f"({', '.join(POST_KINDS)}, or null)")
        for key in ("action", "zh"):  # a list or a mapping would be shown to the team as its Python repr
            if key in r and not isinstance(r[key], str):
                raise InputError(f"{source}: routes.{rid}.{key} must be text, got {_what(r[key])}")
        routes[str(rid)] = Route(str(rid), r["kind"], " ".join(r["action"].split()), r.get("zh", ""))
    rules_raw = raw.get("rules")
    if not isinstance(rules_raw, list) or not rules_raw:
        raise InputError(f"{source}: needs a non-empty 'rules' list")
    rules = []
    for i, rule in enumerate(rules_raw):
        if not isinstance(rule, dict):
            raise InputError(f"{source}: rules[{i}] must be a mapping {{route: ROUTE, when: {{COLUMN: VALUE}}}}, "
                             f"got {_what(rule)}")
        # a list or a mapping is looked up only once known to be text: it is unhashable (was a TypeError)
        if not isinstance(rule.get("route"), str) or rule["route"] not in routes:
            raise InputError(f"{source}: rules[{i}].route {_what(rule.get('route'))} is not one of the routes "
                             f"({', '.join(routes)})")
        known_keys(rule, f"rules[{i}]", RULE_KEYS, source)  # a misspelt 'when' would match every post
        when = {} if rule.get("when") is None else rule["when"]  # an empty list is no mapping either
        if not isinstance(when, dict):
            raise InputError(f"{source}: rules[{i}].when must be a mapping column → value(s)")
        rules.append((rule["route"], _conditions(when, f"rules[{i}] (route {rule['route']})", source)))
    if rules[-1][1]:
        raise InputError(f"{source}: the last rule must have an empty 'when' (the route of every other post)")
    return Rules(routes, tuple(rules), source)


def _conditions(when: dict, where: str, source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A rule's (column, values) pairs; a column or label no post can have is refused (the rule would never match)."""
    from wbcs.schema import load_taxonomy

    tax = load_taxonomy()
    allowed = {**{f: tuple(tax.ids(f)) for f in tax.fields}, **MODEL_FIELDS, **dict.fromkeys(FREE_COLUMNS)}
    conds = []
    for col, vals in when.items():
        if col not in allowed:
            raise InputError(f"{source}: {where}: when.{col} is not a column a rule can test "
                             f"(known: {', '.join(allowed)})")
        values = vals if isinstance(vals, list) else [vals]
        if not values:
            raise InputError(f"{source}: {where}: when.{col} needs at least one value")
        ids = allowed[col]
        for v in values:
            if ids is None and (isinstance(v, bool) or not isinstance(v, str | int)):
                # a free column's value is compared as text: a mapping, a list, null or true would match no cell
                raise InputError(f"{source}: {where}: when.{col} has {_what(v)}: give a value as text (in quotes), "
                                 "or a list of them")
            if ids is not None and v not in ids:
                hint = (f"; YAML reads an unquoted {'yes' if v else 'no'} as {str(v).lower()}: write it in quotes"
                        if isinstance(v, bool) else "")
                raise InputError(f"{source}: {where}: when.{col} has {v!r}, not one of {', '.join(ids)}{hint}")
        conds.append((str(col), tuple(str(v) for v in values)))
    return tuple(conds)


def _what(value) -> str:
    """A YAML value as an error shows it: its text and what YAML read it as."""
    return f"{value!r} ({'null' if value is None else type(value).__name__})"


def load_routes(path: str | Path | None = None) -> Rules:
    """The routes file at ``path`` (default ``data/routes.yaml``), validated."""
    from wbcs.yamlsafe import load_yaml

    p = Path(path) if path else data_file("routes.yaml")
    return parse_routes(load_yaml(p), source=str(p))  # bounded: a user's --routes may be an anchor bomb


def _deadline(policy: Policy, created: pd.Series, kinds: pd.Series, what: str) -> pd.Series:
    out = pd.Series(pd.NaT, index=created.index, dtype=f"datetime64[ns, {TIMEZONE}]")
    for kind in kinds.dropna().unique():
        clock = policy.sla.get(kind)
        amount = None if clock is None else (clock.acknowledge_minutes if what == "ack" else
                                             None if clock.resolve_hours is None else clock.resolve_hours * 60)
        if amount is None:
            continue
        rows = (kinds == kind).to_numpy() & created.notna().to_numpy()
        if clock.clock == "business":
            out[rows] = policy.duty.add_minutes(created[rows], amount)
        else:
            out[rows] = created[rows] + pd.Timedelta(minutes=amount)
    return out


def identifiability(posts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """("yes"/"no", where it came from) per post: the ``identifiable`` column where given, else a phone
    number in the text (``wbcs.pii.has_phone``: written out or masked). A ``has_phone`` column (ingest's,
    found before masking) says it for the number written out; a number masked before ingest (a text as
    ``wbcs datasets export`` writes it) left ingest nothing to find, so a masked one in the text counts too."""
    given = posts["identifiable"].astype("string") if "identifiable" in posts.columns else \
        pd.Series(pd.NA, index=posts.index, dtype="string")
    if "has_phone" in posts.columns:
        column = posts["has_phone"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        masked = posts["text"].astype("string").str.contains(MASKED_PHONE).fillna(False).to_numpy(dtype=bool)
        phone = column | masked
        how = np.where(column | ~masked, "has_phone column", "phone number in text")
    else:
        phone = posts["text"].fillna("").map(has_phone).astype(bool)
        how = "phone number in text"
    value = given.fillna(pd.Series(np.where(phone, "yes", "no"), index=posts.index, dtype="string"))
    source = pd.Series(np.where(given.notna(), "label", how), index=posts.index, dtype="string")
    return value, source


def needs_labels(posts: pd.DataFrame) -> bool:
    """True unless sentiment and intent are all there (human labels) or a model already ran. Running the model
    on the whole table changes no labelled post's route: ``predict_posts`` fills only empty cells, and none of the
    fields that refine a given intent (``wbcs.classify.api.REFINES_INTENT``)."""
    unlabelled = any(c not in posts.columns or posts[c].isna().any() for c in ("sentiment", "intent"))
    return unlabelled and not posts.attrs.get("classified")


def route_posts(posts: pd.DataFrame, *, policy: Policy | None = None, routes: Rules | None = None,
                model=None, classify: bool = True) -> pd.DataFrame:
    """One row per post (same index): ``OUTPUT_COLUMNS``.

    Posts whose ``sentiment`` or ``intent`` is missing are classified first (``model``: a
    PostClassifier, a model folder/name, or None for the shipped default) unless
    ``classify=False`` or ``posts.attrs["classified"]`` says a model already ran. ``rule``
    is the index of the rule that matched.
    """
    check_frame(posts, "route_posts: posts")
    policy = check_policy(policy)
    if routes is not None and not isinstance(routes, Rules):
        raise InputError(f"route_posts: routes must be wbcs.triage.load_routes('routes.yaml') or None (the default "
                         f"routes), got {type(routes).__name__}")
    routes = routes or load_routes()
    for col in ("text", "created_at"):
        if col not in posts.columns:
            raise InputError(f"posts: missing column {col!r} needed for triage")
    from wbcs.columns import read_times, refuse_unknown_labels
    from wbcs.schema import to_shanghai

    # a created_at that is no time would give no deadline, a label outside the taxonomy (Complaint) the
    # fallback route: both are errors naming the row
    read_times(posts, columns=("created_at",))
    refuse_unknown_labels(posts)
    labels = posts
    if classify and needs_labels(posts):
        from wbcs.classify import predict_posts

        labels = predict_posts(posts, model)
    ident, ident_source = identifiability(labels)
    frame = labels.assign(identifiable=ident)
    chosen = pd.Series(-1, index=frame.index)
    for i, (_route, conds) in enumerate(routes.rules):
        match = chosen.eq(-1)
        for col, values in conds:
            if col not in frame.columns:
                match &= False
                break
            match &= frame[col].astype("string").isin(values).fillna(False).astype(bool)
        chosen[match] = i
    route_ids = chosen.map(lambda i: routes.rules[i][0])
    kinds = route_ids.map(lambda r: routes.routes[r].kind)
    created = to_shanghai(frame["created_at"])
    out = pd.DataFrame({
        "post_id": frame["post_id"] if "post_id" in frame.columns else pd.Series(frame.index, index=frame.index),
        "route": route_ids.astype("string"), "kind": kinds.astype("string"),
        "action": route_ids.map(lambda r: routes.routes[r].action).astype("string"),
        "identifiable": ident, "identifiable_source": ident_source, "created_at": created,
        "acknowledge_by": _deadline(policy, created, kinds, "ack"),
        "resolve_by": _deadline(policy, created, kinds, "resolve"),
        "clock": kinds.map(lambda k: policy.sla[k].clock if k in policy.sla else None).astype("string"),
        "rule": chosen.astype(int),
    }, index=frame.index)
    out.attrs["classified"] = labels.attrs.get("classified")
    return out


def aggregation_alerts_for(posts: pd.DataFrame, routed: pd.DataFrame, *, policy: Policy | None = None,
                           threshold: float = 0.8, progress: bool = False) -> pd.DataFrame:
    """The aggregation alerts (``wbcs.aggregate``) of routed posts.

    The rules read ``intent``; where it is missing (a model without intent) the route's
    kind stands in (consultation → consultation, complaint → complaint), and
    ``attrs["intent_from_route"]`` counts those posts. ``progress``: ``aggregation_alerts``' bar.
    """
    from wbcs.aggregate import aggregation_alerts

    check_frame(posts, "aggregation_alerts_for: posts")
    if "kind" not in check_frame(routed, "aggregation_alerts_for: routed").columns:
        raise InputError("aggregation_alerts_for: routed must be the table route_posts(posts) returns (it has no "
                         "'kind' column)")
    kind_intent = routed["kind"].map({"consultation": "consultation", "complaint": "complaint"})
    given = posts["intent"] if "intent" in posts.columns else pd.Series(pd.NA, index=posts.index, dtype="string")
    stand_in = given.isna() & kind_intent.notna()
    alerts = aggregation_alerts(posts.assign(intent=given.astype("string").fillna(kind_intent)),
                                policy=policy, threshold=threshold, progress=progress)
    alerts.attrs["intent_from_route"] = int(stand_in.sum())
    return alerts


def lists_as_text(df: pd.DataFrame, sep: str = "; ") -> pd.DataFrame:
    """List cells (an alert's post ids, authors, platforms) as "a; b; c" text, for files."""
    check_frame(df, "lists_as_text: df")
    listy = [c for c in df.columns if df[c].map(lambda v: isinstance(v, list | tuple)).any()]
    return df.assign(**{c: df[c].map(lambda v: sep.join(map(str, v)) if isinstance(v, list | tuple) else v)
                        for c in listy})


# The label columns a post's SLA kind may be read from: those the KPIs count posts by (``wbcs.kpi.indicators``'
# inner table), so that they count each post with the clock its route has.
KIND_COLUMNS = ("sentiment", "intent", "negative_subtype", "complaint")


def kind_rules(routes: Rules) -> list[tuple[dict[str, str], str | None]]:
    """The post kind rules of a routes file (``wbcs.triage.load_routes``): a post's kind is the kind of the
    route triage gives it. Its rules in order, each as (column → value, the route's kind; None: no kind), a
    condition with several values as one rule per value, up to the last rule that gives a kind.

    ``identifiable`` is left out: triage decides it per post (a column, or a phone number in the text),
    and in the routes it only chooses between two routes of one kind (a ticket or a public reply + DM, both
    complaints). A routes file in which it changes a post's kind, or whose rules test a column the KPIs
    do not count by (``KIND_COLUMNS``), is refused: the indicators could not say which clock such a post has.
    """
    expanded = [(dict(zip([c for c, _ in conds], values, strict=True)), routes.routes[route].kind)
                for route, conds in routes.rules for values in itertools.product(*[v for _, v in conds])]
    columns = sorted({c for when, _ in expanded for c in when} - {"identifiable"})
    if other := [c for c in columns if c not in KIND_COLUMNS]:
        raise InputError(f"{routes.source}: the rules test {', '.join(map(repr, other))}: the KPIs count a post's "
                         f"kind from {', '.join(KIND_COLUMNS)} only; give the SLA kinds by those columns")
    domain = [sorted({when[c] for when, _ in expanded if c in when}) + [None] for c in columns]

    def kind(post: dict):
        return next((k for when, k in expanded if all(post.get(c) == v for c, v in when.items())), None)

    for values in itertools.product(*domain):
        post = {c: v for c, v in zip(columns, values, strict=True) if v is not None}
        yes, no = kind({**post, "identifiable": "yes"}), kind({**post, "identifiable": "no"})
        if yes != no:
            raise InputError(f"{routes.source}: a post with {post or 'no labels'} is of kind {yes or 'none'} when "
                             f"identifiable and {no or 'none'} when not; the KPIs count kinds from the labels "
                             "alone: give the routes a post takes either way the same kind")
    rules: list[tuple[dict[str, str], str | None]] = []
    for when, k in expanded:
        when = {c: v for c, v in when.items() if c != "identifiable"}
        if when not in [w for w, _ in rules]:  # a rule after one with the same conditions never matches
            rules.append((when, k))
    while rules and rules[-1][1] is None:
        rules.pop()
    return rules


# The policy's post kind of a post: the first rule whose conditions all hold wins; built from the default
# routes (data/routes.yaml), what the KPIs, the simulator's --posts mix and the synthetic posts' reply times
# count each post's clock by.
KIND_RULES: list[tuple[dict[str, str], str | None]] = kind_rules(load_routes())
