"""Every draft checked against the standard before an agent sees it.

``check_draft(public, private, needs_dm=...)`` returns the reasons a draft fails (an empty
list: it passes). The reasons, each a short code and its words (``REASONS``):

- ``too_long``: a public reply over 140 characters (Sina's limit, standard §4.1). Characters
  are counted as Python ``len``: Weibo counts two ASCII characters as one, so this is the
  stricter count and a reply that passes here fits on Weibo;
- ``pii_public`` / ``pii_private``: an unmasked phone number, ID number or e-mail
  (``wbcs.text.find_pii``; a masked ``138****5678`` is no match, so masked text passes);
- ``live_broadcast``: the public reply promises to report the handling step by step in
  public: in one sentence the handling (处理进度, 进展), a public place (评论区, 这条微博, 在此) and
  an update (更新, 同步, 通报), or a live update without a place (实时更新处理进度, 直播处理过程).
  The standard says not to live-broadcast the handling; publishing the final result where the
  complaint appeared is allowed, so "处理结果" is no handling word here;
- ``compensation``: the draft promises compensation, a refund or a gift before the ticket has
  come back: a refund or compensation word (赔偿, 补偿, 退款, 退还, 免单, 退给您, ...), a gift or
  return addressed to the customer (送您, 为您赠送, 给您返, 退您), or a return of money (多收的费用会
  全额退回). Not a promise, so not flagged: the same words negated (无法补偿), in a question, as the
  customer's own step (申请退款), as a noun (退款进度, 理赔条件) or a contract's instalments
  (预存款分月返还);
- ``missing_dm``: the route needs a private message (``dm: true`` in data/replies.yaml) and
  the draft has none;
- ``unfilled_slot``: a ``{slot}`` was left in the text;
- ``empty``: no public reply.

The phrase lists are regular expressions kept here beside their tests: they are the
standard's two prohibitions written as the phrases agents actually use. How many ordinary
helpdesk replies they flag is measured on the STC-3 replies (tests/test_reply_wording_fixes.py).
"""

from __future__ import annotations

import re

import pandas as pd

from wbcs.errors import InputError
from wbcs.text import find_pii

MAX_PUBLIC_CHARS = 140

REASONS = {
    "empty": "no public reply",
    "too_long": "public reply over {limit} characters ({n})",
    "pii_public": "unmasked {kinds} in the public reply",
    "pii_private": "unmasked {kinds} in the private message",
    "live_broadcast": "live-broadcasts the handling in public ({phrase})",
    "compensation": "promises compensation before the ticket ({phrase})",
    "missing_dm": "the route needs a private message and there is none",
    "unfilled_slot": "slot {slot} left unfilled",
}

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_CLAUSE = re.compile(r"[^。！？!?；;，,、\s]+")
_FULL_STOP = re.compile(r"(?<!\d)\.|\.(?!\d)")  # an ASCII full stop, not a decimal point (2.5小时)
_PRIVATE = re.compile(r"私信|电话|短信|邮件")  # an update over these is no public broadcast

# live broadcast: the handling + a public place + an update, or a live update of the handling
_HANDLING = re.compile(r"进度|进展|处理(?!结果)")
_PLACE = re.compile(r"(?:这条|本条|此条|该条|本|此|这)微博|微博(?:下面|下方|评论|上|里)(?!私信)"
                    r"|评论(?:区|里|中|下面|下方)|楼下|在此|在这里|此处|这里")
_UPDATE = re.compile(r"更新|同步|通报|播报|直播|公布|发布|公示")
_LIVE_UPDATE = re.compile(r"(?:实时|随时|持续|逐步|逐条)[^。！？!?；;，,]{0,2}(?:更新|同步|通报|播报|公布)|直播")

# compensation: refund/compensation words are a promise on their own; a plain 退/返/送/赠 only with the
# customer as receiver; 退回 only of money (the customer's own returned goods are no refund)
_REFUND = re.compile(r"赔偿|补偿|赔付|理赔|免单|减免|退款|退费|返现|补返|退还|返还|(?:退|返)给您|(?:退|返)您")
_TO_YOU = re.compile(r"(?:为|给|帮|替|向)您[^。！？!?；;，,]{0,6}?(?:退(?!订|出|货|换|网|票|单|改)|返(?!回|厂|乡)|赠送"
                     r"|(?<![发派配推传递运])送(?!达|货))|(?:赠送|(?<![发派配推传递运])送)(?:给)?您")
_MONEY_BACK = re.compile(r"退回|退补")
_MONEY = re.compile(r"钱|费|元|款|余额|积分|流量")
_AGENT = re.compile(r"(?:为|给|帮|替|向)您")
_NOT_A_PROMISE = re.compile(r"(?:无法|没有|未|不(?!便|好|满|周|少)|"  # negated
                            r"申请|要求|选择|点击|咨询|维权|收到|查询|提交|办理|建议|取消|方可|才能|才可|"  # the customer's step
                            r"每月|按月|分[^。，,]{0,4}月|预存)[^。！？!?；;，,]{0,10}$")  # instalments of a contract
_NOUN = re.compile(r"^(?:的)?(?:进度|问题|流程|条件|范围|判断|标准|规定|说明|政策|申请|手续|协议|情况|计划)")
_SLOT = re.compile(r"\{[a-z_]+\}")


def _reason(code: str, **kw) -> str:
    return f"{code}: {REASONS[code].format(**kw)}"


def _pii(text: str) -> list[str]:
    return sorted({kind for kind, _, _ in find_pii(text)})


def live_broadcast(text: str) -> str | None:
    """The words of ``text`` that broadcast the handling in public, None when none do."""
    for sentence in _SENTENCE.findall(_FULL_STOP.sub("。", text)):
        handling = _HANDLING.search(sentence)
        if handling is None:
            continue
        for parts in ((_PLACE.search(sentence), _UPDATE.search(sentence)), (_LIVE_UPDATE.search(sentence),)):
            if all(parts):
                start = min(m.start() for m in (handling, *parts))
                span = sentence[start:max(m.end() for m in (handling, *parts))]
                if not _PRIVATE.search(span):
                    return span
    return None


def _promise(clause: str, m: re.Match) -> bool:
    """Whether the refund word ``m`` of ``clause`` promises it: the customer named as receiver always
    does; else not when negated, the customer's own step, a contract's instalment or a noun."""
    before = clause[:m.start()]
    if _NOUN.match(clause[m.end():]):
        return False
    return bool(_AGENT.search(before[-8:])) or not _NOT_A_PROMISE.search(before[-12:])


def compensation(text: str) -> str | None:
    """The clause of ``text`` that promises compensation, a refund or a gift, None when none does."""
    for sentence in _SENTENCE.findall(_FULL_STOP.sub("。", text)):
        if sentence.rstrip().endswith(("？", "?")):  # asking whether a refund arrived promises none
            continue
        for clause in _CLAUSE.findall(sentence):
            hits = [m for m in (*_REFUND.finditer(clause), *_TO_YOU.finditer(clause)) if _promise(clause, m)]
            if not hits and _MONEY.search(clause):
                hits = [m for m in _MONEY_BACK.finditer(clause) if _promise(clause, m)]
            if hits:
                return clause.strip()
    return None


def check_draft(public: str | None, private: str | None = None, *, needs_dm: bool = False) -> list[str]:
    """Reasons the draft fails the standard (``code: words``), in a fixed order; [] when it passes.
    A missing draft (None, NaN) is an empty one."""
    for name, text in (("public", public), ("private", private)):
        if not isinstance(text, str) and not (pd.api.types.is_scalar(text) and pd.isna(text)):
            raise InputError(f"check_draft: the {name} draft must be text, got {type(text).__name__}")
    public = public if isinstance(public, str) else ""
    private = private if isinstance(private, str) else ""
    out = []
    if not public.strip():
        out.append(_reason("empty"))
    if len(public) > MAX_PUBLIC_CHARS:
        out.append(_reason("too_long", limit=MAX_PUBLIC_CHARS, n=len(public)))
    for code, text in (("pii_public", public), ("pii_private", private)):
        kinds = _pii(text)
        if kinds:
            out.append(_reason(code, kinds=", ".join(kinds)))
    phrase = live_broadcast(public)
    if phrase:
        out.append(_reason("live_broadcast", phrase=phrase))
    phrase = compensation(public) or compensation(private)
    if phrase:
        out.append(_reason("compensation", phrase=phrase))
    if needs_dm and not private.strip():
        out.append(_reason("missing_dm"))
    m = _SLOT.search(public + private)
    if m:
        out.append(_reason("unfilled_slot", slot=m.group(0)))
    return out


def reason_codes(reasons: list[str]) -> list[str]:
    """The codes of ``check_draft``'s reasons (``too_long``, ``pii_public``, ...)."""
    return [r.split(":", 1)[0] for r in reasons]
