"""Every draft checked against the standard before an agent sees it.

``check_draft(public, private, needs_dm=...)`` returns the reasons a draft fails (an empty
list: it passes). The reasons, each a short code and its words (``REASONS``):

- ``too_long``: a public reply over 140 characters (Sina's limit, standard §4.1). Characters
  are counted as Python ``len``: Weibo counts two ASCII characters as one, so this is the
  stricter count and a reply that passes here fits on Weibo;
- ``pii_public`` / ``pii_private``: an unmasked phone number, ID number or e-mail
  (``wbcs.text.find_pii``; a masked ``138****5678`` is no match, so masked text passes);
- ``live_broadcast``: the public reply promises to report the handling step by step in
  public ("实时更新处理进度", "直播"): the standard says not to live-broadcast the handling;
- ``compensation``: the draft promises compensation, a refund or a gift (赔偿, 补偿, 退还话费,
  赠送流量, …): before the ticket has come back nobody may promise one;
- ``missing_dm``: the route needs a private message (``dm: true`` in data/replies.yaml) and
  the draft has none;
- ``unfilled_slot``: a ``{slot}`` was left in the text;
- ``empty``: no public reply.

The phrase lists are regular expressions kept here beside their tests: they are the
standard's two prohibitions written as the phrases agents actually use.
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

_LIVE = re.compile(
    r"直播|实时(?:更新|通报|播报|公布)|(?:处理)?进(?:度|展)[^。！？]{0,8}(?:在此|在这里|评论区|本条微博|微博上)"
    r"[^。！？]{0,4}(?:更新|通报|公布|播报)|(?:在此|在这里|评论区)[^。！？]{0,6}(?:随时|持续|逐步)"
    r"[^。！？]{0,4}(?:更新|通报|播报)[^。！？]{0,6}(?:进度|进展|处理)")
_COMPENSATION = re.compile(
    r"赔偿|补偿|赔付|理赔|(?:退还|返还|退回|退补|减免|免除|赠送|送您|补给您|返给您)[^。！？，,]{0,8}"
    r"(?:话费|费用|月租|流量|金额|钱|元|积分)|(?:退|返)(?:费|款)")
_SLOT = re.compile(r"\{[a-z_]+\}")


def _reason(code: str, **kw) -> str:
    return f"{code}: {REASONS[code].format(**kw)}"


def _pii(text: str) -> list[str]:
    return sorted({kind for kind, _, _ in find_pii(text)})


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
    m = _LIVE.search(public)
    if m:
        out.append(_reason("live_broadcast", phrase=m.group(0)))
    m = _COMPENSATION.search(public + "\n" + private)
    if m:
        out.append(_reason("compensation", phrase=m.group(0)))
    if needs_dm and not private.strip():
        out.append(_reason("missing_dm"))
    m = _SLOT.search(public + private)
    if m:
        out.append(_reason("unfilled_slot", slot=m.group(0)))
    return out


def reason_codes(reasons: list[str]) -> list[str]:
    """The codes of ``check_draft``'s reasons (``too_long``, ``pii_public``, ...)."""
    return [r.split(":", 1)[0] for r in reasons]
