"""Header mapping: which column of a user's export is which column of the posts table.

Every command that reads posts maps headers through here (``resolve_columns``), so a
Weibo export with 内容/发布时间/用户昵称/IP属地/来源 reads the same in ``ingest``,
``predict``, ``triage``, ``kpi``, ``hot`` and ``report``. Besides the schema's columns
(``wbcs.schema.COLUMNS``) ingest reads ``EXTRA_COLUMNS`` under these names, whatever the
export calls them (every other column of a file it keeps as it is, under its own name):

- ``author_name``: the nickname (用户昵称); it stands in for ``author_id`` when the
  export has no user id (aggregation rules count distinct authors);
- ``ip_location``: Weibo's IP属地 as written; ``province`` is filled from it when the
  export has no province column and it names a mainland province;
- ``client``: 来源, the app a post was sent from ("iPhone客户端"), which is not the
  platform (the platform of a Weibo export is Weibo itself);
- ``has_phone`` and ``time_from_mid``: what an earlier ``wbcs ingest`` found, read back
  (the phone number is masked in its text by then, so it cannot be found again);
- ``identifiable`` and ``complaint``: "yes"/"no" (是/否, true/false… as written), what the triage routes
  (``data/routes.yaml``) and the KPIs' post kinds read: a person's own judgement that the customer is
  identified, and the public-data model's "states a problem".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from wbcs.errors import InputError
from wbcs.schema import COLUMNS
from wbcs.text import normalize

EXTRA_COLUMNS = {"author_name": "string", "ip_location": "string", "client": "string",
                 "time_from_mid": "boolean", "has_phone": "boolean", "identifiable": "string", "complaint": "string"}

# Column -> accepted headers, in priority order (the first one present wins).
# Headers are compared after normalize(), lower-casing and dropping spaces/underscores.
_ALIASES: dict[str, list[str]] = {
    "post_id": ["微博id", "mid", "微博编号", "帖子id", "id"],
    "text": ["内容", "正文", "微博内容", "博文", "微博正文", "帖子内容", "评论内容", "投诉内容",
             "文本", "content"],
    "created_at": ["发布时间", "发表时间", "发博时间", "发帖时间", "创建时间", "评论时间", "时间", "日期时间",
                   "发布日期", "发表日期", "日期", "created", "created_time", "create_time", "time", "publish_time",
                   "post_time", "pubtime", "datetime", "date"],
    "platform": ["平台", "来源平台", "媒体", "site"],
    "province": ["省份", "地区", "省", "所在地", "region"],
    "author_id": ["用户id", "作者", "用户", "用户名", "发布者", "uid", "user_id", "author", "user"],
    "author_followers": ["粉丝数", "粉丝", "粉丝量", "followers", "followers_count"],
    "reposts": ["转发数", "转发量", "转发", "reposts_count", "retweets"],
    "comments": ["评论数", "评论量", "comments_count"],
    "likes": ["点赞数", "点赞", "点赞量", "赞", "attitudes_count"],
    "reply_at": ["回复时间", "首次回复时间"],
    "resolved_at": ["解决时间", "办结时间", "处理完成时间"],
    "satisfied": ["是否满意", "满意度", "满意"],
    "operator": ["运营商"],
    "sentiment": ["情感", "情感倾向", "情绪"],
    "intent": ["意图", "诉求类型"],
    "topic": ["业务类型", "业务分类", "投诉分类"],
    "negative_subtype": ["负面类型", "负面子类"],
    "author_name": ["用户昵称", "昵称", "作者昵称", "博主昵称", "screen_name", "nickname"],
    "ip_location": ["ip属地", "ip归属地", "ip地址", "发布地"],
    "client": ["来源", "客户端", "发布设备", "设备", "source"],
    "time_from_mid": [],
    "has_phone": [],
    "identifiable": ["信息完整", "可识别", "是否可识别"],
    "complaint": ["是否投诉"],
}
# Alias header -> column; every column is also its own alias.
HEADER_ALIASES: dict[str, str] = {a: col for col, names in _ALIASES.items() for a in [col, *names]}
TARGETS = [*COLUMNS, *EXTRA_COLUMNS]


def shown_columns(columns: Iterable, *, most: int = 30, width: int = 60) -> str:
    """Column names for a message, one line a person can read: each cut to ``width``
    characters, at most ``most`` of them (a JSON record read as a header, or a file of
    10,000 columns, made a message megabytes long)."""
    columns = [str(c) for c in columns]
    names = [c if len(c) <= width else c[:width - 1] + "…" for c in columns[:most]]
    more = f" and {len(columns) - most:,} more" if len(columns) > most else ""
    return ", ".join(names) + more


def header_key(header) -> str:
    return re.sub(r"[\s_]", "", normalize(str(header)).lower())


_ALIAS_KEYS = {header_key(a): col for a, col in HEADER_ALIASES.items()}
_PRIORITY = {header_key(a): i for names in _ALIASES.values() for i, a in enumerate(names, 1)}


def resolve_columns(columns: Iterable, mapping: dict | None, source: str) -> dict[str, str]:
    """Column -> file column: ``HEADER_ALIASES``, overridden by an explicit ``mapping``
    (target -> source). Raises ``InputError`` for an unknown target or a source column
    the file does not have."""
    columns = [str(c) for c in columns]
    chosen: dict[str, tuple[int, str]] = {}
    for col in columns:
        key = header_key(col)
        target = _ALIAS_KEYS.get(key)
        if target:
            rank = 0 if key == header_key(target) else _PRIORITY.get(key, 99)
            if target not in chosen or rank < chosen[target][0]:
                chosen[target] = (rank, col)
    resolved = {t: c for t, (_, c) in chosen.items()}
    for target, src in (mapping or {}).items():
        if target not in TARGETS:
            raise InputError(f"mapping {target}={src}: unknown column {target!r}; "
                             f"choose from {', '.join(TARGETS)}")
        match = [c for c in columns if c == src] or [c for c in columns if header_key(c) == header_key(src)]
        if not match:
            raise InputError(f"{source}: mapping {target}={src}: no column {src!r}; "
                             f"columns are: {shown_columns(columns)}")
        resolved[target] = match[0]
    return resolved


def find_column(columns: Iterable, target: str, given: str | None, source: str, option: str) -> str:
    """The file column holding ``target``: ``given`` (a command's ``--text-col``; ``InputError`` when the file
    lacks it), else the header mapping's choice (``InputError`` when none)."""
    columns = [str(c) for c in columns]
    if given is not None:  # a column the user named must be there: another one standing in would go unnoticed
        if given in columns:
            return given
        raise InputError(f"{source}: no column {given!r} ({option}); columns: {shown_columns(columns)}")
    found = resolve_columns(columns, None, source).get(target)
    if found is None:
        raise InputError(f"{source}: no column {given or target!r} ({option}) and no header that means "
                         f"{target} (such as {', '.join(_ALIASES[target][:3])}); columns: {shown_columns(columns)}")
    return found
