"""Phone numbers, ID numbers, bank card numbers and e-mails: find them in the forms people write them (below), mask
them.

Detection runs on a *skeleton* of the text, never on the text as written: every
character is NFKC-normalised (full-width ``１３８``, ``＠``, ``．``, circled ``①`` and
mathematical digits become ASCII), digits of other scripts become 0-9, invisible
characters (zero-width spaces and joiners, direction marks, soft hyphens, combining
marks) are dropped, and ``。``/``｡`` read as a dot. Each skeleton character remembers the
character it came from, so what is found is masked in the original text.

A number is a run of digits in which up to four *separator* characters may sit between
two digits: spaces of every kind, ``. , - – — ― − ( ) / _ · 。`` — so ``138.1234.5678``,
``138–1234–5678``, ``138 - 1234 - 5678``, ``+86 (138) 1234 5678``, ``1 3 8 1 2 3 4 5 6 7 8``
and ``110105-1949-1231-002X`` are all one run. Within a run, the digit groups (the
blocks between separators) are the building blocks: an item is a whole number of
consecutive groups (earliest, then longest, wins), so digits glued to other digits
(order numbers, Weibo mids, dates) are never cut into a phone number. Numbers that are values are
left whole, so that masking a JSON or a table changes none of its numbers: a decimal number (``5.828059131936``,
``0.1381234567891``, ``1.3812345678e+10``; one point written ``.``, no other point glued to it) is one value,
its fraction never part of an item and its integer part only alone; and a comma before a space or a line break
(``[1, 5, 2, ...]``, JSON's ``1,\n 5``) separates numbers of a list. A number written in Chinese numerals
(``一三九零零一五零五五五``, the financial ``壹叁玖零零壹伍零伍伍伍``, ``幺`` for 1; ``〇``/``零`` for 0) is read
the same way when it is a run of ten or more numerals, no digit glued to it; one mixing numerals and digits
(``139零零15零555``) is not, nor is a number cut by words (``139转0013再0481``, ``1390016空格0592``): a
numeral (``一个``) or a word (``转`` is also an extension, ``10086转1``) next to digits is mostly not part of a
number, and reading them so masked Weibo user ids followed by 一个. Items:

- ``mobile``: ``1[3-9]`` + 9 digits, optionally after ``86``/``0086`` or the ``0`` dialled before it from
  another city (``013900150555``);
- ``landline``: an area code (``010``, ``02x``, ``0[3-9]xx``; or without its 0 after
  ``86``) and a 7-8 digit number starting 1-9 (``01012345678``, ``010-12345678``,
  ``(021)12345678``, ``010-1234 5678``, ``+86 10 12345678``);
- ``id_card``: an 18-character resident ID (17 digits and a digit or ``X``; province and
  birth date verified) or a 15-digit first-generation ID (province and a 1924-1999 birth
  date verified). An 18-character one is masked whatever its ISO 7064 MOD 11-2 check
  character when it is written as IDs are: in one piece (``110101199003071234``) or
  split after the region and the birth year or date (``110105 19491231 0021``,
  ``110105-1949-1231-0021``); a mistyped ID still gives away its holder's region and
  birth date. Numbers that merely line up (a count, a date written ``2016-03-07`` and
  a number: a table row) need the check character;
- ``bank_card``: 16-19 digits (not an ID: an ID is read first) in one piece, in groups of four
  (``6222 0212 3456 7890 128``, ``6222-0212-...``) or, 19 of them, as the six-digit issuer number and the rest
  (``622202 1234567890128``, as banks' SMS and apps write one; never an ID's length) that pass the Luhn check and
  start as a card issued in China does (UnionPay's ``62``), or as a card of another scheme (Visa ``4``, Mastercard
  ``51``-``55``, ...) written in groups of four; or, mistyped or not, that follow a card word (``卡号``, ``银行卡``,
  ``信用卡``, ``储蓄卡``, ``借记卡``, ``card``) by at most six characters of the same clause; or, Luhn-valid, any
  scheme, that follow a card word or a word naming where money goes (``退款到``, ``退到``, ``汇到``, ``账号``,
  ``帐号``, ``account``) by at most twelve (``退款到5500000000000004``, ``card ending 4111111111111111``);
  ``mask_pii``'s ``context`` (a column's header) is read as if written before the text. Any number passes the Luhn
  check once in ten: in one piece, a Weibo mid (STC-3's start ``33``-``40``) and a service-ticket number in
  Mastercard's range (STC-3's ``5150713686247086``) are no card; nor is a SIM card's ICCID (``89``...,
  Luhn-checked, after ``SIM卡号``). A Visa or Mastercard in one piece with neither word nor header before it is
  left as written: Weibo mids of 2016-07 to 2024-02 start as a Visa does (``4``), those since 2024-11 as a
  Mastercard (``51``-``55``), and one in ten passes the Luhn check (27 of STC-3's 220 mids starting ``40``); of
  the mirror's 96,820 texts the only such numbers are service tickets (2, Luhn-valid and ``515``..., of its 6
  numbers of 16 digits in one piece; no card);
- ``email``: ``local@domain.tld`` in ASCII after normalisation
  (``ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ``, ``alice@qq。com``), or with its at sign written out: ``#``, ``at`` in
  brackets (``abc(at)qq.com``, ``abc[at]qq.com``, ``sunli2020「at」qq.com``) or between spaces with a dot written out
  too (``zhaolei99 at 163 dot com``; dots may be written ``(dot)``, `` dot ``) and a common top-level domain
  (``.com``, ``.cn``, ``.net`` ...: a hashtag ``#话题#`` or ``C#`` is not an address).

Masking keeps what the industry's usual display keeps and is irreversible; the whole
span is replaced (prefix, separators and brackets included):

- mobile → ``138****5678``; landline → ``010-****5678``;
- ID → ``110***********002X`` (15-digit: ``110********0023``-style, first 3 and last 4);
- bank card → ``***************0128``: the last four, as banks name a card (尾号0128), a star per digit;
- e-mail → ``a***@example.com`` (the domain as normalised).

Hand-written: the maintained PII tools (Presidio, scrubadub) detect with per-locale
regular expressions on the text as written, which is what the forms above defeat. Cards are found as Presidio's
CreditCardRecognizer finds them (the schemes' first digits, the Luhn check, context words), but a card word decides
alone here: Presidio drops a number that fails the check even after ``card``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

PII_KINDS = ("mobile", "landline", "id_card", "bank_card", "email")

# Characters allowed between two digits of one number (after NFKC).
_SEPARATORS = set(" \t\n\r\f\v\xa0.,-()/_·•。、~〜") | {chr(c) for c in range(0x2010, 0x2016)} | {
    "\u2212", "\u2043", "\u30fc", "\u2e3a", "\u2e3b", "\u2027", "\u30fb"}
_SCRIPT_BREAK = "\u2063"  # marks a digit of another script (Arabic-Indic, Devanagari, ...)
_SEPARATORS.add(_SCRIPT_BREAK)
_DROP_CATEGORIES = {"Cf", "Mn", "Me"}  # invisible format characters and combining marks
# a dot written as an ideographic full stop or a middle dot or bullet (jolly@live•cn, abc@qq·com, as people write an
# address to slip past filters)
_DOTS = {"。": ".", "｡": ".", "•": ".", "·": ".", "・": ".", "･": ".", "∙": "."}
# Quick tests that let most texts skip the skeleton: seven digit-like characters
# (ASCII, full-width, other scripts' Nd, circled, super/subscript), or an at sign.
_DIGITLIKE = r"\d\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089\u2460-\u249b\u24ea-\u24ff\u2776-\u2793"
_DIGITS_HINT = re.compile(rf"(?:[^{_DIGITLIKE}]*[{_DIGITLIKE}]){{7}}", re.S)
# Chinese numerals, as a number is read out or written to slip past a filter (一三九零零一五零五五五, the financial
# 壹叁玖零零壹伍零伍伍伍, 幺 the 1 read out). Read only in a run of ten or more numerals (separators as in a run of
# digits, _digit_items), never glued to a number's digits: 一 follows a number in half the texts (1688495400一个)
_CN_DIGITS = {**dict.fromkeys("〇零", "0"), **dict.fromkeys("一幺壹", "1"), **dict.fromkeys("二贰貳", "2"),
              **dict.fromkeys("三叁參", "3"), **dict.fromkeys("四肆", "4"), **dict.fromkeys("五伍", "5"),
              **dict.fromkeys("六陆陸", "6"), **dict.fromkeys("七柒", "7"), **dict.fromkeys("八捌", "8"),
              **dict.fromkeys("九玖", "9")}
_CN = "".join(_CN_DIGITS)
_CN_SEPARATOR = " \u3000\t\\-－‐‑‒–—―·・"
# (the look-behind after the first numeral: a pattern starting with a character class is searched for it quickly)
_CN_RUN = re.compile(rf"[{_CN}](?<![{_DIGITLIKE}０-９].)(?:[{_CN_SEPARATOR}]{{0,2}}[{_CN}]){{9,}}(?![{_DIGITLIKE}０-９])")
_CN_TO_ASCII = str.maketrans({**_CN_DIGITS, **dict.fromkeys(_CN_SEPARATOR, " ")})
# an e-mail has a letter or digit (ASCII, full-width or mathematical, which NFKC makes
# ASCII) right before and after its at sign, invisible characters aside; a Weibo mention
# ("分享自@中国移动", "//@abc") has not
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
_ALNUM = "A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\U0001d400-\U0001d7ff"
# or an at sign written out (wangli88#qq.com, abc(at)qq.com, abc［at］qq.com, sunli2020「at」qq.com, zhaolei99 at
# 163 dot com: _SPELT_EMAIL decides); one search for both
_AT_HINT = re.compile(rf"[{_ALNUM}._%+\-．＿－][{_INVISIBLE}]*(?:[@＠﹫][{_INVISIBLE}]*[{_ALNUM}]"
                      rf"|[#＃]|\s*[(\[{{<（［「【〔]\s*[AaＡａ][TtＴｔ]|\s[AaＡａ][TtＴｔ]\s)")

_SEP_CLASS = "[" + re.escape("".join(sorted(_SEPARATORS))) + "]"
# a comma before a space or line break lists numbers (``[1, 5, 2]``, JSON's ``1,\n 5``): it ends a run
_NOT_A_LIST = rf"(?!{_SEP_CLASS}{{0,2}},\s)"
_RUN = re.compile(rf"[0-9](?:{_NOT_A_LIST}{_SEP_CLASS}{{0,4}}[0-9])*(?:{_NOT_A_LIST}{_SEP_CLASS}{{0,4}}[Xx](?![A-Za-z]))?")
# a decimal number (``5.828059131936``, ``0.1381234567891``, ``1.3812345678e+10``): one point between two digit
# groups, no other point-and-digits glued to it (``138.1234.5678`` is a phone number written with points)
_DECIMAL = re.compile(r"(?<![0-9]\.)(?<![0-9])([0-9]+)\.[0-9]+(?![0-9])(?!\.[0-9])")
_LIST_NUMBER = re.compile(r"[1-9][0-9]?")  # 1. to 99. before an item of a list
_LEADING_ZERO = re.compile(r"0[0-9]+")  # no number is written so (0.5 is): an area code and a point, 020.84401778
_GROUP = re.compile(r"[0-9]+|[Xx]")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-@])([A-Za-z0-9._%+\-]+)@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})")
# An e-mail with its at sign written out (in the skeleton: full-width brackets and ＃ are ASCII). '#', or 'at' in
# brackets, or ' at ' between spaces; its dots may be written out too (' dot ', '(dot)'). Without the @ a hashtag
# (#话题#, #iPhone15#), C#, or 'look at x.com' could look like one, so: a letter or digit right before the sign (no
# # or @ before the local part), a domain ending in a top-level domain people's mailboxes have, and with ' at '
# (English words) a ' dot ' written out before it
_AT_WORD = r"\s*[(\[{<「【〔]\s*at\s*[)\]}>」】〕]\s*"
_DOT_WORD = r"(?:\s*[(\[{<「【〔]\s*dot\s*[)\]}>」】〕]\s*|\s+dot\s+)"
_TLD = r"(?:com|cn|net|org|edu|gov|info|biz|io|me|cc|co|tv|hk|tw|mo|jp|kr|sg|uk|us|de|fr|ru|au|ca|top|xyz|vip)"
_LABEL = r"[A-Za-z0-9\-]+"
_SPELT_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._%+\-@#])([A-Za-z0-9._%+\-]*[A-Za-z0-9])"
    rf"(?:(?:#|{_AT_WORD})({_LABEL}(?:(?:\.|{_DOT_WORD}){_LABEL})*(?:\.|{_DOT_WORD}){_TLD})"
    rf"|\s+at\s+({_LABEL}(?:(?:\.|{_DOT_WORD}){_LABEL})*{_DOT_WORD}{_TLD}))(?![A-Za-z0-9\-])", re.I)
_DOT_WRITTEN = re.compile(_DOT_WORD, re.I)
# a mobile: after 86 or 0086, or after the 0 dialled before it from another city (013900150555)
_MOBILE = re.compile(r"(?:0086|86|0)?(1[3-9][0-9]{9})")
_AREA = re.compile(r"(?:(?:0086|86)?(0[0-9]{2,3})|(?:0086|86)([1-9][0-9]{1,2}))")
_NUMBER = re.compile(r"[1-9][0-9]{6,7}")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# How an 18-character ID is written (group sizes): in one piece, or split after the region and the birth
# date (6-8-4) or the birth year and month-day (6-4-4-4). A date written 2016-03-07 splits 4-2-2: a count,
# such a date and a number in a row make 6-4-2-2-4, which is masked only with its check character
_ID_LAYOUTS = {(18,), (6, 8, 4), (6, 4, 4, 4)}
# First two digits of a resident ID: the province-level region (GB/T 2260).
_ID_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45,
                 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
# A bank card (ISO/IEC 7812): 16-19 digits, the last a Luhn check digit, in one piece, in groups of four (the
# last group shorter or not) or, 19 digits, 6 and 13. Its first digits name the scheme: UnionPay's 62 for the cards
# banks in China issue; Visa 4, Mastercard 51-55 and 22-27, JCB 35, Discover and UnionPay 6 for the others. 89
# starts a SIM card's ICCID (a telecom's, ITU-T E.118), Luhn-checked and said 卡号 too.
_CARD_SCHEME = re.compile(r"4|5[1-5]|2[2-7]|35|6")
# A card word (卡号, 银行卡, ...) at most six characters before the number, none of them a digit or the end of a
# clause: 信用卡（招商银行）4392..., 银行卡号是：6222..., Card No. 4392... (not 银行卡已扣款。6222..., nor Ricardo's
# card: an English word stands alone)
_CLAUSE = r"[^0-9，,。！？!?；;\n]"
_CARD_WORDS = r"卡号|银行卡|信用卡|储蓄卡|借记卡|(?<![a-z])card(?![a-z])"
_CARD_WORD = re.compile(rf"(?:{_CARD_WORDS}){_CLAUSE}{{0,6}}$", re.I)
# As Presidio's context enhancement raises a Luhn-valid number's score when a context word is near (the words of
# the clause before it): such a number is a card after a card word or a word naming where money goes (退款到, 退到,
# 汇到; 账号, account) up to twelve characters before it in the same clause (card ending 4111...; 退款到我的招行
# 储蓄卡 ...). Not 打到, 转到 (a call: 打到10018, 呼转到138...), 尾号 (the last four digits follow it), 转发, 微博 (a mid)
_ACCOUNT_WORD = re.compile(rf"(?:{_CARD_WORDS}|退款到|退到|汇到|账号|帐号|(?<![a-z])account(?![a-z])){_CLAUSE}{{0,12}}$",
                           re.I)
_CARD_CONTEXT = 20  # characters before a number that _CARD_WORD and _ACCOUNT_WORD read
_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_MAX_DIGITS = 20  # longer than any item, with its prefix
_MIN_DIGITS = 10  # as short as an item can be (a 3-digit area code and a 7-digit number)


# --------------------------------------------------------------------------- the skeleton


def _skeleton_of(ch: str) -> str:
    """What one character becomes in the skeleton ('' when dropped)."""
    if unicodedata.category(ch) in _DROP_CATEGORIES:
        return ""
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if unicodedata.category(c) in _DROP_CATEGORIES:
            continue
        if c in _DOTS:
            c = _DOTS[c]
        elif not c.isascii() and unicodedata.category(c) == "Nd":
            # another script's digit: a digit, but one that does not glue to ASCII digits
            # (the invisible separator makes it its own group)
            c = _SCRIPT_BREAK + str(unicodedata.decimal(c))
        out.append(c)
    return "".join(out)


_skeleton_char = lru_cache(maxsize=65536)(_skeleton_of)


# Large blocks the skeleton leaves alone (letters without compatibility forms), and the
# surrogates: skipped when building _changing (in order).
_UNCHANGED = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA000, 0xA48F), (0xAC00, 0xD7A3), (0xD800, 0xDFFF))


@lru_cache(maxsize=1)
def _changing() -> re.Pattern:
    """The characters the skeleton may change: those of the Basic Multilingual Plane it
    does change (a character class compiled to a bitmap, built once in ~0.2 s) and every
    character beyond it (mathematical and other scripts' digits, enclosed alphanumerics,
    invisible tag characters, but also emoji: ``_skeleton_char`` decides, cached)."""
    scan, start = [], 0x80
    for a, b in _UNCHANGED:
        scan.append(range(start, a))
        start = b + 1
    scan.append(range(start, 0x10000))
    ranges: list[list[int]] = []
    for span in scan:
        for cp in span:
            ch = chr(cp)
            if _skeleton_of(ch) != ch:
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1][1] = cp
                else:
                    ranges.append([cp, cp])
    bmp = "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)
    return re.compile(f"[{bmp}]|[\U00010000-\U0010ffff]")


def _skeleton(text: str) -> tuple[str, list[int] | None]:
    """The skeleton of ``text`` and, per skeleton character, the index of its source
    (None when every character became one character: positions are the text's own)."""
    changing = _changing()
    skel = changing.sub(lambda m: _skeleton_char(m.group()), text)
    if len(skel) == len(text) and all(len(_skeleton_char(c)) == 1 for c in changing.findall(text)):
        return skel, None
    parts, pos, last = [], [], 0  # some character vanished or became several
    for m in changing.finditer(text):
        a = m.start()
        s = _skeleton_char(m.group())
        parts += [text[last:a], s]
        pos += [*range(last, a), *([a] * len(s))]
        last = a + 1
    parts.append(text[last:])
    pos += range(last, len(text))
    return "".join(parts), pos


# --------------------------------------------------------------------------- validity


def _valid_area_code(code: str) -> bool:
    # 010 and 020-029 are the only 3-digit area codes; others are 0 + 3 digits, 03xx-09xx.
    return code == "010" or (len(code) == 3 and code[1] == "2") or (len(code) == 4 and code[1] in "3456789")


def _valid_birth(y: int, m: int, d: int) -> bool:
    try:
        born = date(y, m, d)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _valid_id(groups: list[str]) -> bool:
    """The groups are an 18-character or a 15-digit resident ID number (the module docstring)."""
    digits = "".join(groups)
    if int(digits[:2]) not in _ID_PROVINCES:
        return False
    if len(digits) == 15:
        # born 1924 or later: an order number stamped YYMMDDhhmmss (15xxxx173027809) has an hour, 00-23, where
        # the birth year is, and 5 % of them made a date; a first-generation ID of a person born before 1924
        # has been void since 2013
        return digits.isdigit() and int(digits[6:8]) >= 24 and _valid_birth(
            1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    if not _valid_birth(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])):
        return False
    sizes = [len(g) for g in groups]
    if groups[-1] in "Xx":  # the check character X is a group of its own (_GROUP)
        sizes[-2:] = [sizes[-2] + 1]
    if tuple(sizes) in _ID_LAYOUTS:  # mistyped or not, it is written as an ID
        return True
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


def _luhn(digits: str) -> bool:
    """The last digit is the Luhn check digit of the others (every second digit from the right doubled)."""
    return (sum(map(int, digits[-1::-2])) + sum(_LUHN_DOUBLED[int(d)] for d in digits[-2::-2])) % 10 == 0


def _card(groups: list[str], before: str) -> bool:
    """The groups (digits only) are a bank card's number, ``before`` the text before it (the module docstring)."""
    digits = "".join(groups)
    sizes = [len(g) for g in groups]
    if not 16 <= len(digits) <= 19 or digits.startswith("89"):
        return False
    in_fours = len(groups) > 1 and set(sizes[:-1]) == {4} and sizes[-1] <= 4
    # a 19-digit UnionPay card as its issuer number and the rest (622202 1234567890123); another scheme's first
    # digits so written are an order number's date as often (250312-...), so only 62 or a word makes it a card
    if not (len(groups) == 1 or in_fours or sizes == [6, 13]):
        return False
    if _CARD_WORD.search(before):
        return True
    return _luhn(digits) and (digits.startswith("62") or (in_fours and _CARD_SCHEME.match(digits) is not None)
                              or _ACCOUNT_WORD.search(before) is not None)


def _item(groups: list[str], before: str = "") -> tuple[str, str] | None:
    """(kind, masked form) when the concatenated groups are one PII item; ``before``: the text before them."""
    digits = "".join(groups)
    if len(digits) in (15, 18) and _valid_id(groups):
        masked = digits[:3] + "*" * (len(digits) - 7) + digits[-4:].upper()
        return "id_card", masked
    if "X" in digits.upper():
        return None
    m = _MOBILE.fullmatch(digits)
    if m:
        return "mobile", f"{m.group(1)[:3]}****{m.group(1)[-4:]}"
    for k in range(3, len(digits) - 6):  # valid area codes are prefix-free: one split fits
        a = _AREA.fullmatch(digits[:k])
        number = digits[k:]
        if a and _NUMBER.fullmatch(number):
            area = a.group(1) or "0" + a.group(2)
            if _valid_area_code(area):
                return "landline", f"{area}-****{number[-4:]}"
    if _card(groups, before):
        return "bank_card", "*" * (len(digits) - 4) + digits[-4:]
    return None


def _list_number(m: re.Match, text: str, pos: list[int] | None) -> bool:
    """The decimal-looking ``m`` is a list number glued to what follows (问题：1.13812345678是我的号码): 1-99,
    after a punctuation mark (or the start of the text or a line, or a space) and followed by Chinese text (a
    character that is not ASCII) or, after a punctuation mark, the end of the text. A value in JSON, a table or
    a CSV row is followed by ASCII (``,`` ``]`` ``}`` a space, a line break) or stands alone, and one right
    after a Chinese character (余额5.13812345678) is a value too."""
    if not _LIST_NUMBER.fullmatch(m.group(1)):
        return False
    a = m.start() if pos is None else pos[m.start()]
    b = m.end() if pos is None else pos[m.end() - 1] + 1
    before, after = text[a - 1:a], text[b:b + 1]
    if after.isascii() and after:
        return False
    if before and unicodedata.category(before)[0] == "P" and unicodedata.category(before) != "Pd":  # not a sign
        return True
    return (not before or before.isspace()) and bool(after)


def _decimals(skel: str, text: str, pos: list[int] | None) -> tuple[set[int], set[int]]:
    """Skeleton positions where the integer parts and the fraction parts of decimal numbers start.
    The point must be written as a point (``.``, ``．``): ``。`` ends a sentence, and 电话13812345678。3点 has
    no decimal in it. An integer part with a leading 0 (020.84401778) is an area code, not a number; a list
    number's point (``_list_number``) ends the list number, so what follows it is read on its own."""
    whole, fraction = set(), set()
    if "." in skel:
        for m in _DECIMAL.finditer(skel):
            point = m.end(1)
            if text[point if pos is None else pos[point]] in _DOTS or _LEADING_ZERO.fullmatch(m.group(1)):
                continue
            whole.add(m.start())
            if not _list_number(m, text, pos):
                fraction.add(point + 1)
    return whole, fraction


def _digit_items(skel: str, text: str, pos: list[int] | None, context: str = ""):
    """(start, end, kind, masked) of every number item in the skeleton (positions ``pos`` map to ``text``).

    A decimal number's digits are a value, not a phone or ID number written with a point: its fraction
    part is never in an item and its integer part only alone (``13812345678.5`` is masked as a mobile),
    so no float is masked (``5.828059131936``, ``0.1381234567891``, ``1.3812345678e+10``, a table's
    ``0.614679`` glued to the next row's ``2025-02-04``)."""
    whole, fraction = _decimals(skel, text, pos)
    for run in _RUN.finditer(skel):
        if run.end() - run.start() < _MIN_DIGITS:  # most numbers in a table or JSON: too short to be an item
            continue
        groups = [(m.start() + run.start(), m.end() + run.start(), m.group()) for m in _GROUP.finditer(run.group())]
        i = 0
        while i < len(groups):
            found = None
            if groups[i][2] not in "Xx" and groups[i][0] not in fraction:
                a = groups[i][0] if pos is None else pos[groups[i][0]]
                before = (context + text[max(0, a - _CARD_CONTEXT):a])[-_CARD_CONTEXT:]
                n = 0
                ends = []
                for j in range(i, len(groups)):
                    n += len(groups[j][2])
                    if n > _MAX_DIGITS or (j > i and (groups[j][0] in whole or groups[j][0] in fraction)):
                        break
                    if n >= _MIN_DIGITS:
                        ends.append(j)
                    if groups[i][0] in whole:
                        break
                for j in reversed(ends):  # the longest item first
                    got = _item([g[2] for g in groups[i:j + 1]], before)
                    if got:
                        found = (j, got)
                        break
            if found is None:
                i += 1
                continue
            j, (kind, masked) = found
            start = groups[i][0]
            while start > 0 and skel[start - 1] in "+(":  # '+86', '(010)': the prefix goes too
                start -= 1
            end = groups[j][1]
            if skel[end:end + 1] == ")" and "(" in skel[start:groups[i][1] + 1]:
                end += 1
            yield start, end, kind, masked
            i = j + 1


def _matches(text, context: str = "") -> list[tuple[int, int, str, str]]:
    """(start, end, kind, masked) in ``text``'s own positions, earliest then longest first."""
    if not isinstance(text, str):
        return []
    numerals, digits = _CN_RUN.search(text), _DIGITS_HINT.match(text)
    at = _AT_HINT.search(text)
    if not (numerals or digits or at):
        return []
    found = [] if numerals is None else [
        (a + run.start(), b + run.start(), kind, masked) for run in _CN_RUN.finditer(text, numerals.start())
        for a, b, kind, masked in _digit_items(run.group().translate(_CN_TO_ASCII), run.group(), None)]
    if not (digits or at):
        return found
    skel, pos = _skeleton(text)
    in_skel = []
    if at:
        in_skel += [(m.start(), m.end(), "email", f"{m.group(1)[0]}***@{m.group(2)}") for m in _EMAIL.finditer(skel)]
        in_skel += [(m.start(), m.end(), "email", f"{m.group(1)[0]}***@" + _DOT_WRITTEN.sub(".", m.group(2) or m.group(3)))
                    for m in _SPELT_EMAIL.finditer(skel)]
    if digits:
        in_skel += _digit_items(skel, text, pos, context[-_CARD_CONTEXT:])
    found += in_skel if pos is None else [(pos[a], pos[b - 1] + 1, kind, masked) for a, b, kind, masked in in_skel]
    found.sort(key=lambda f: (f[0], -f[1]))
    kept, end = [], -1
    for f in found:
        if f[0] >= end:
            kept.append(f)
            end = f[1]
    return kept


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of every phone number, ID number, bank card number and e-mail in ``text``."""
    return [(kind, a, b) for a, b, kind, _ in _matches(text)]


def _masked(text: str, keep=None, context: str = "") -> tuple[str, set[str]]:
    """``text`` with every item masked but those ``keep(text, start, end, kind)`` keeps, and the kinds masked."""
    kinds: set[str] = set()
    # Repeat until nothing is found: an item that lost an overlap to another (an e-mail
    # glued to a phone number) shows up once the winner is masked. Each pass removes
    # digits or letters, so this ends, and mask_pii(mask_pii(x)) == mask_pii(x).
    while found := [f for f in _matches(text, context) if keep is None or not keep(text, *f[:3])]:
        parts, last = [], 0
        for a, b, kind, masked in found:
            parts += [text[last:a], masked]
            kinds.add(kind)
            last = b
        text = "".join(parts) + text[last:]
    return text, kinds


def mask_and_find(text: str, context: str = "") -> tuple[str, set[str]]:
    """``text`` masked, and the kinds of PII that were in it (one pass for both); ``context`` as ``mask_pii``'s."""
    if not isinstance(text, str):
        return text, set()
    return _masked(text, context=context)


def _mid(text: str, a: int, b: int, kind: str) -> bool:
    # a phone or card number written as bare ASCII digits, in a column of post ids, is a Weibo mid (or another id)
    return kind in ("mobile", "landline", "bank_card") and text[a:b].isascii() and text[a:b].isdigit()


def mask_ids(text):
    """``text``, a post id or a cell listing post ids (``"14503511086; 14503511087"``, a JSON list), with PII masked
    but for mids: an old Weibo mid has the shape of a phone number (STC-3's 14503511086) and other files join on
    it, so a phone or card number written as bare digits is kept as it is (another platform's 19-digit ids pass
    the Luhn check once in ten); an e-mail, an ID number and a phone or card number written as people write one
    (``139-1234-5678``, ``+8613912345678``, ``6222 0212 ...``) are masked as ``mask_pii`` masks them."""
    return _masked(text, _mid)[0] if isinstance(text, str) else text


def mask_pii(text: str, context: str = "") -> str:
    """``text`` with every item of ``find_pii`` masked (forms in the module docstring). ``context``: text read as if
    it stood right before ``text``, as Presidio's ``analyze(context=...)`` takes words from outside the text: the
    header of the column a cell is in (``银行卡号`` over a Visa written in one piece, which alone is no card)."""
    return mask_and_find(text, context)[0]


# A phone number exactly as ``mask_pii`` writes it masked (``_item`` above): a mobile 138****5678 (1[3-9] +
# one digit, four stars, four digits) or a landline 010-****5678 (a valid area code: 010, 02x, 0[3-9]xx), neither
# glued to another digit or star (an ID masked is 3 digits and 11 stars). Masked text is what every command writes
# and reads back (wbcs datasets export, wbcs ingest): a complaint that gave its number is identifiable after masking
# as before, so has_phone(mask_pii(t)) == has_phone(t).
MASKED_PHONE = re.compile(r"(?<![0-9*])(?:1[3-9][0-9]|010-|02[0-9]-|0[3-9][0-9]{2}-)\*{4}[0-9]{4}(?![0-9*])")


def has_phone(text: str) -> bool:
    """True when ``text`` gives a mobile or landline number, written out or as ``mask_pii`` masks it
    (``MASKED_PHONE``): it decides whether a complaint identifies its customer (the route)."""
    return isinstance(text, str) and (MASKED_PHONE.search(text) is not None
                                      or any(kind in ("mobile", "landline") for kind, _, _ in find_pii(text)))
