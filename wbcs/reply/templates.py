"""The standard wording as data: ``data/replies.yaml`` loaded, validated and filled.

``load_replies`` reads the file and checks it against the routes (``wbcs.triage.load_routes``)
and the taxonomy's topics: every route of the routes file has an entry, every entry names a
route, every aggregation entry names a rule of ``wbcs.aggregate``, every ``{slot}`` is one of
``SLOTS``, a route with ``dm: true`` has a private message in every template and a route
without one promises none (请留意私信), no template writes a time limit as a number (48小时内:
``{resolve_within}`` says it, from the policy); a mistake is one ``InputError`` line naming
the file and the key.

``ReplyBook.template(route, topic)`` picks the topic's wording where the route has one, else
the route's; ``slots_for(post)`` reads the slot values from a post (operator, province, author);
``resolve_within(policy, kind)`` words the resolve clock of a post kind; ``fill`` puts them in.
Templates are written folded in YAML for readability: whitespace inside a template is dropped
on load (Chinese text has none), so line breaks never reach a reply.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wbcs.config import data_file
from wbcs.errors import InputError
from wbcs.reply.checks import TimeLimit, time_promise

SLOTS = ("customer", "operator", "account", "hotline", "topic", "resolve_within")
OPERATOR_KEYS = ("name", "account", "hotline")


@dataclass(frozen=True)
class Template:
    """One wording: the public reply and, where the route needs one, the private message."""

    public: str
    private: str | None = None


@dataclass(frozen=True)
class ReplyBook:
    """The validated reply file."""

    # route → {"dm": bool, "reply": bool, "answers": bool, "default": Template, "topics": {topic: Template}}
    routes: dict[str, dict]
    aggregation: dict[str, Template]
    operators: dict[str, dict[str, str]]
    default_operator: str
    topics: dict[str, str]
    source: str = "replies"

    def needs_dm(self, route: str) -> bool:
        return bool(self.routes[route]["dm"])

    def answers(self, route: str) -> bool:
        """False for routes whose reply is the whole handling (``answer_clock: false``: a suggestion thanked and passed
        on), which owe no answer on their kind's resolve clock (``checks.TimeLimit.answers``)."""
        return bool(self.routes[route]["answers"])

    def replies(self, route: str) -> bool:
        """False for routes that get no reply (monitor)."""
        return bool(self.routes[route]["reply"])

    def template(self, route: str, topic: str | None = None) -> Template | None:
        """The topic's wording of ``route`` where there is one, else the route's; None: no reply."""
        entry = self.routes.get(route)
        if entry is None:
            raise InputError(f"{self.source}: no wording for route {route!r}; add it under 'routes'")
        if not entry["reply"]:
            return None
        return entry["topics"].get(topic or "", entry["default"])

    def slots_for(self, *, operator=None, province=None, author=None, topic=None) -> dict[str, str]:
        """Slot values for a post (missing values fall back to the defaults of the file)."""
        op = operator if isinstance(operator, str) and operator in self.operators else self.default_operator
        info = self.operators[op]
        prov = province if isinstance(province, str) and province else ""
        name = author.lstrip("@").strip() if isinstance(author, str) else ""
        return {"customer": f"@{name} " if name else "", "operator": info["name"],
                "account": info["account"].format(province=prov), "hotline": info["hotline"],
                "topic": self.topics.get(topic if isinstance(topic, str) else "", self.topics["other"])}


_SLOT = re.compile(r"\{(" + "|".join(SLOTS) + r")\}")


def fill(text: str | None, slots: dict[str, str]) -> str | None:
    """``text`` with its ``{slot}``s replaced. A regex, not ``str.format``: retrieved real
    replies may hold other braces, which stay as they are. A slot without a value stays too,
    and ``check_draft`` reports it (``unfilled_slot``)."""
    return None if text is None else _SLOT.sub(lambda m: slots.get(m.group(1), m.group(0)), text)


def resolve_within(policy, kind: str | None) -> str:
    """The resolve clock of post kind ``kind`` in ``policy`` as the words of a reply: "48小时内",
    "90分钟内", "4个工作日内" (a business clock of whole duty days: 48 h of 12-hour duty days),
    "30个工作小时内"; "尽快" when the kind has no resolve clock. DOMAIN.md: every SLA number is a
    parameter, so no reply may say 48 when the policy says 24."""
    clock = policy.sla.get(kind) if isinstance(kind, str) else None
    if clock is None or clock.resolve_hours is None:
        return "尽快"
    hours = clock.resolve_hours
    if clock.clock == "business":
        days = hours * 60 / policy.duty.minutes_per_day
        if days >= 1 and days == int(days):
            return f"{int(days)}个工作日内"
        return f"{_amount(hours)}个工作小时内"
    if hours != int(hours):
        return f"{_amount(hours * 60)}分钟内"
    return f"{int(hours)}小时内"


def _amount(x: float) -> str:
    return str(int(x)) if x == int(x) else f"{x:.4g}"


def slots_of(text: str) -> list[str]:
    """The ``{slot}`` names a template uses (``string.Formatter`` parses the braces)."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as e:  # an unmatched brace
        raise ValueError(str(e)) from None


def _text(raw, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(f"{where} must be a non-empty text")
    text = "".join(raw.split())
    try:
        names = slots_of(text)
    except ValueError as e:
        raise InputError(f"{where}: {e}; write a slot as {{name}}") from None
    for name in names:
        if name not in SLOTS:
            raise InputError(f"{where}: unknown slot {{{name}}}; slots are {', '.join('{' + s + '}' for s in SLOTS)}")
    return text


# a time limit written out (48小时内, 两小时内) would not follow the policy: {resolve_within} says it. A template
# promises no time of its own, so any promise the drafts' check finds (``checks.time_promise``, one grammar) is refused
_NO_CLOCK = TimeLimit(kind=None, hours=None, business=False, duty_day_hours=24.0, words="{resolve_within}")
# a promise that a private message will come, which only a route with dm: true keeps
_DM_PROMISE = re.compile(r"留意私信|私信(?:告知|通知|回复|联系|答复|发送)|会私信|稍后私信|通过私信(?:告知|通知|回复|答复)")


def _template(raw, where: str, dm: bool) -> Template:
    if not isinstance(raw, dict):
        raise InputError(f"{where} must be a mapping with 'public' (and 'private')")
    unknown = set(raw) - {"public", "private"}
    if unknown:
        raise InputError(f"{where}.{sorted(unknown)[0]} is not a known key (public, private)")
    if "public" not in raw:
        raise InputError(f"{where}.public is missing")
    if dm and "private" not in raw:
        raise InputError(f"{where}.private is missing: the route has dm: true, so it needs a private message")
    private = _text(raw["private"], f"{where}.private") if "private" in raw else None
    public = _text(raw["public"], f"{where}.public")
    for part, text in (("public", public), ("private", private or "")):
        promise = time_promise(text, _NO_CLOCK)
        if promise:
            raise InputError(f"{where}.{part}: the time limit {promise!r} is written out; write "
                             f"{{resolve_within}}, which the drafts fill from the policy's SLA clock of the route")
    m = _DM_PROMISE.search(public)
    if m and not dm:
        raise InputError(f"{where}.public promises a private message ({m.group(0)}) but the route has dm: false; "
                         f"set dm: true and write the private message, or reword the public reply")
    return Template(public, private)


def parse_replies(raw, source: str = "replies", *, routes=None, topics: list[str] | None = None) -> ReplyBook:
    """Validate a replies mapping (as read from YAML) against the routes and the topics."""
    from wbcs.schema import load_taxonomy
    from wbcs.triage import load_routes

    route_ids = list((routes or load_routes()).routes)
    topic_ids = list(topics if topics is not None else load_taxonomy().ids("topic"))
    if not isinstance(raw, dict):
        raise InputError(f"{source}: a replies file is a mapping with 'operators', 'topics', 'routes'")
    for key in ("operators", "topics", "routes"):
        if not isinstance(raw.get(key), dict) or not raw[key]:
            raise InputError(f"{source}: needs a non-empty '{key}' mapping")

    ops = dict(raw["operators"])
    default = ops.pop("default", None)
    for op, info in ops.items():
        if not isinstance(info, dict) or set(OPERATOR_KEYS) - set(info):
            raise InputError(f"{source}: operators.{op} needs {', '.join(OPERATOR_KEYS)}")
        try:
            str(info["account"]).format(province="")
        except (KeyError, IndexError, ValueError):
            raise InputError(f"{source}: operators.{op}.account may only use the slot {{province}}") from None
    if default not in ops:
        raise InputError(f"{source}: operators.default {default!r} is not one of the operators ({', '.join(ops)})")
    operators = {op: {k: str(info[k]) for k in OPERATOR_KEYS} for op, info in ops.items()}

    words = {}
    for t, w in raw["topics"].items():
        if t not in topic_ids:
            raise InputError(f"{source}: topics.{t} is not a topic of the taxonomy ({', '.join(topic_ids)})")
        words[t] = _text(w, f"{source}: topics.{t}")
    if "other" not in words:
        raise InputError(f"{source}: topics.other is missing (the words for an unknown topic)")

    missing = [r for r in route_ids if r not in raw["routes"]]
    if missing:
        raise InputError(f"{source}: routes.{missing[0]} is missing: every route of the routes file needs "
                         f"its wording (use 'reply: false' for a route that gets none)")
    book = {}
    for rid, entry in raw["routes"].items():
        where = f"{source}: routes.{rid}"
        if rid not in route_ids:
            raise InputError(f"{where} is not a route of the routes file ({', '.join(route_ids)})")
        if not isinstance(entry, dict):
            raise InputError(f"{where} must be a mapping (dm, public, private, topics)")
        keys = ("dm", "reply", "answer_clock", "public", "private", "topics")
        unknown = set(entry) - set(keys)
        if unknown:
            raise InputError(f"{where}.{sorted(unknown)[0]} is not a known key ({', '.join(keys)})")
        dm, replies, answers = entry.get("dm", False), entry.get("reply", True), entry.get("answer_clock", True)
        if not all(isinstance(v, bool) for v in (dm, replies, answers)):
            raise InputError(f"{where}: dm, reply and answer_clock must be true or false")
        if not replies:
            book[rid] = {"dm": False, "reply": False, "answers": False, "default": None, "topics": {}}
            continue
        default_t = _template({k: entry[k] for k in ("public", "private") if k in entry}, where, dm)
        per_topic = {}
        for t, tt in (entry.get("topics") or {}).items():
            if t not in topic_ids:
                raise InputError(f"{where}.topics.{t} is not a topic of the taxonomy ({', '.join(topic_ids)})")
            per_topic[t] = _template(tt, f"{where}.topics.{t}", dm)
        book[rid] = {"dm": dm, "reply": True, "answers": answers, "default": default_t, "topics": per_topic}

    from wbcs.aggregate import rules

    rule_names = [r.name for r in rules()]
    agg = {}
    for name, tt in (raw.get("aggregation") or {}).items():
        if name not in rule_names:  # a misspelt rule would load and leave its unified answer without wording
            raise InputError(f"{source}: aggregation.{name} is not an aggregation rule ({', '.join(rule_names)})")
        agg[str(name)] = _template(tt, f"{source}: aggregation.{name}", False)
    return ReplyBook(book, agg, operators, default, words, source)


def load_replies(path: str | Path | None = None, *, routes=None) -> ReplyBook:
    """The replies file at ``path`` (default ``data/replies.yaml``), validated against the routes."""
    if path is None and routes is None:
        return _default_book()
    return _load(Path(path) if path else data_file("replies.yaml"), routes)


@lru_cache(maxsize=1)
def _default_book() -> ReplyBook:
    return _load(data_file("replies.yaml"), None)


def _load(p: Path, routes) -> ReplyBook:
    from wbcs.yamlsafe import load_yaml

    if not Path(p).exists():
        raise InputError(f"{p}: replies file not found")
    return parse_replies(load_yaml(p), source=str(p), routes=routes)  # the bounded reader of every settings file
