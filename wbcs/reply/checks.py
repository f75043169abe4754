"""Every draft checked against the standard before an agent sees it.

``check_draft(public, private, needs_dm=...)`` returns the reasons a draft fails (an empty
list: it passes). The reasons, each a short code and its words (``REASONS``):

- ``too_long``: a public reply over 140 characters (Sina's limit, standard §4.1). Characters
  are counted as Python ``len``: Weibo counts two ASCII characters as one, so this is the
  stricter count and a reply that passes here fits on Weibo;
- ``pii_public`` / ``pii_private``: an unmasked phone number, ID number or e-mail
  (``wbcs.text.find_pii``; a masked ``138****5678`` is no match, so masked text passes). A business's service
  line told for the customer to call is no personal data: find_pii already passes operator hotlines (10086, 95xxx)
  and 400/800 numbers, and a landline passes here when named as the service line (客服电话0591-..., 游戏客服,
  售后) or as a call the customer is asked or welcome to make (欢迎致电0871-..., 请您...致电0591-...). A mobile number
  is always flagged (an agent's or account manager's too), and so is a landline the team calls or a 联系电话;
- ``live_broadcast``: the public reply promises to report the handling step by step in
  public: in one sentence the handling (处理进度, 进展), a public place (评论区, 这条微博, 在微博, 在此) and
  an update (更新, 同步, 通报), or the team telling the customer there (在评论里告诉您, 在微博上告诉大家),
  or a live update without a place (实时更新处理进度, 直播处理过程), or the field work told as it goes (工程师已出发,
  师傅正在路上, 预计下午到达您家, 目前正在排查光猫: seeds/001, 避免将投诉处理的过程在网络上直播). Not an acknowledgement
  (已为您登记, 已派单处理, 此问题正在处理中, which standard §4.5.1 asks for), a visit planned (会安排师傅上门) or an area's
  repair told with its cause (基站故障，维护人员正在抢修中). Only the public reply is read: the private message may tell it.
  The standard says not to live-broadcast the handling; publishing the final result where the
  complaint appeared is allowed, so "处理结果" is no handling word here;
- ``compensation``: the draft promises compensation, a refund or a gift before the ticket has
  come back: a refund or compensation word (赔偿, 补偿, 退款, 退还, 免单, 退给您, 退到您的账户, ...), a
  gift, return or waiver addressed to the customer as 您, 你 or 亲 (送您, 为你赠送, 给亲返, 退您, 给你免了
  月租), or a return of money (多收的费用会全额退回). Not a promise, so not flagged: a gift of words (给你送上祝福,
  为您送上节日的问候) in a clause naming nothing of value, the same words negated (无法补偿), in a question, as the
  customer's own step (申请退款), as a noun (退款进度, 理赔条件), made already (已经为您退款, 已为您减免本月月租: the
  ticket's result, which DOMAIN.md lets be published where the complaint appeared), the system's own automatic
  refund (失败的交易系统会自动返还) or a contract's instalments
  (预存款分月返还, and the same word elsewhere in the sentence that says them: 分24个月返还给您，...也就是返还您的10元);
- ``time_promise``: the draft promises a handling time the policy does not give: a duration
  written as a number (24小时内, 3个工作日, 两小时, 二十四小时, 半个小时, 1-2个工作日: a range counts
  by its end; 一个月内, 半个月, 半年 at their longest, a month 31 days and a year 366) followed in the same clause by
  the team's action (回复, 答复, 处理, 联系您, 解决,
  恢复, 给您..., 发布, 有结果), or ending a clause that says what the handling takes (预计需要24小时,
  处理需要两天左右), when the promise is not exactly the resolve clock of the post's kind
  (``TimeLimit``, from the policy: ``time_limit(policy, kind)``) or the kind has no resolve clock.
  Sooner and later are both flagged: a sooner time is a promise the back office was never asked to
  keep, a later one tells the customer in public that the standard's clock will be missed. Not a
  promise, so not flagged: negated (无法在24小时内处理), a question (能否24小时内处理？), the
  customer's own step (请您24小时内回复我们), a past fact (已在24小时内处理, 2小时内已为您登记), a condition (保修期一年内的话),
  a contract's instalments (分24个月返还给您), service hours (24小时服务热线,
  and the round-the-clock slogan 24小时为您排忧解难: the service for the customer with no bound 内, not this case's
  handling) and a product's own timing (取消业务24小时内生效). A day promised the same way (明天给您答复, 本周五前处理完毕,
  3月5日前, 10号前, 月底前, 本周内, 周末前, 下周前, 本月内, 下个月内, 年底前, 今年内: by the end of that day, 前 included;
  周末 by its Sunday, a week, month or year by its last day; 下周 and 下个月 said bare: all of that span, so never
  exactly the clock) is flagged
  unless it is the day the clock runs out, counted from the post's time (``time_limit(..., posted=...)``, the deadline
  ``route_posts`` sets as ``resolve_by``; the message names the day and the deadline). The day is said from the
  reply's day, as the customer reads it: the post's when it came in on duty (or on call), else the next duty day's
  (DOMAIN.md: weekdays 08:00–20:00; ``TimeLimit.replied``): a Wednesday 21:00 post is answered Thursday 08:00, so its
  明天 is Friday, and a Saturday's post is answered Monday, so its 下周一 is the Monday after. A weekday without
  本/这/下 (周三, 星期三, 礼拜三) is the first on or after the reply's day, as 本周三 is this week's: a Wednesday's 周三
  is that day, its 周二 the next week's (a customer reads a weekday already past as the next). A deadline at a day's start (00:00, or the duty
  start on a business clock) runs out at the end of the day before, so the day and the duration checks agree
  (2个工作日内 and 明天 from Mon 08:00 both end with Tue's duty); on a business clock any day from the last duty day
  to that start is in time (周五前 and 周末前 of a clock due Mon 08:00): an earlier day promises sooner, a later one says the
  clock is missed. Without the post's time no day is placed, not even 明天 on a calendar clock of whole days: a post
  at 00:00 (a date-only export) runs out a day sooner than one later that day (48 hours: at the end of 明天, not on
  后天), and the reply's day, from which its 明天 counts, follows from the post's time too; every day is flagged saying
  there is no post time to place it. Not a promise of a day: a date something happened (3月5日您办理的套餐, 您周五反馈的问题,
  上周五), a thing of that day (周二的账单会为您处理), a span or a recurring day (周一至周五, 每周五), a day's service
  (明天营业厅照常为您服务), a start (明日起), and 今天 or a date said without 前/内 and without 会/将/要 (工作人员今天多次
  联系您: what was done); a weekday, 周末, 月底 or date so said promises only when the team's action follows it at once,
  a time of the day between at most, and is not said done (周三给您回复, 礼拜三回复您, 周三下午3点前上门, 3月6日给您答复,
  周末处理好 promise; 周二给您回复了, 工作人员周二多次联系您, 周二为您办理的套餐, 您3月6日的账单 tell). Working days (3个工作日内) are duty days of the policy (DOMAIN.md:
  weekdays 08:00–20:00, holidays per province): the business clock's days, never the calendar clock's hours.
  Checked only when the caller gives the limit (the drafts do: they know the post's kind);
- ``vague_time``: the draft of a consultation or a complaint promises the handling "as soon as possible" (尽快,
  尽早, 尽速, 及时, 第一时间 and the team's action or a result in the same clause: 尽快为您处理, 解决方案会尽快发布,
  有结果第一时间回复您) and states no time limit at all, while the policy gives the kind a resolve clock and the
  route answers the post later (not the suggestion route, ``answer_clock: false`` in data/replies.yaml: DOMAIN.md
  gives suggestions no clock and standard §4.5.4 collects them without one, so its "尽快反馈" passes although the
  route borrows the consultation clocks). Standard §4.5.1 (seeds/003_*): the acknowledgement says "在48小时内会给予
  详细答复"; §4.5.2: a complaint not answered at once gets "问题解决时限（如48小时之内一定给出合理的答复）"; DOMAIN.md
  gives these two kinds their answer clocks (Service levels). The other kinds get no such rule there, so their 尽快
  passes. Not a promise: a purpose (为尽快处理您的问题，请告知...), the customer's step (请您尽快..., 可以及时反馈给
  我们), a noun's attribute (感谢您的及时反馈), made already (已尽快为您处理), negated (没有及时回复您) or asked. 已 and
  请 count only when they govern the word itself: 已记录并将尽快反馈, 已催促工作人员尽快处理 and 请放心我们会尽快为您处理
  promise. A time that is stated but wrong is
  ``time_promise``'s. Checked, as it is, only when the caller gives the limit;
- ``missing_dm``: the route needs a private message (``dm: true`` in data/replies.yaml) and
  the draft has none;
- ``unfilled_slot``: a ``{slot}`` was left in the text;
- ``empty``: no public reply.

Why flag a time promise rather than rewrite it to the policy's clock: the number in a real reply is
often not a handling promise the words around it can be trusted to frame (an SP cancellation that
"24小时内生效", a 2-hour callback that is an acknowledgement, not the answer), and a rewritten reply
would put words in an agent's mouth that nobody read; the agent who picks the alternative sees the
flag with the policy's clock and edits it, as for a refund promise.

The phrase lists are regular expressions kept here beside their tests: they are the
standard's prohibitions written as the phrases agents actually use. How many ordinary
helpdesk replies they flag is measured on the STC-3 replies (tests/test_reply_wording_fixes.py).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbcs.config import TIMEZONE
from wbcs.errors import InputError
from wbcs.policy import WEEKDAYS, Duty
from wbcs.text import find_pii

MAX_PUBLIC_CHARS = 140

REASONS = {
    "empty": "no public reply",
    "too_long": "public reply over {limit} characters ({n})",
    "pii_public": "unmasked {kinds} in the public reply",
    "pii_private": "unmasked {kinds} in the private message",
    "live_broadcast": "live-broadcasts the handling in public ({phrase})",
    "compensation": "promises compensation before the ticket ({phrase})",
    "time_promise": "promises a time the policy does not give ({phrase}; {clock})",
    "vague_time": "promises no time limit ({phrase}; the policy's resolve clock for {kind}: {words})",
    "missing_dm": "the route needs a private message and there is none",
    "unfilled_slot": "slot {slot} left unfilled",
}

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_CLAUSE = re.compile(r"[^。！？!?；;，,、\s]+")
_FULL_STOP = re.compile(r"(?<!\d)\.|\.(?!\d)")  # an ASCII full stop, not a decimal point (2.5小时)
_PRIVATE = re.compile(r"私信|电话|短信|邮件")  # an update over these is no public broadcast

# live broadcast: the handling + a public place + an update, or a live update of the handling
_HANDLING = re.compile(r"进度|进展|处理(?!结果)")
_PLACE = re.compile(r"(?:这条|本条|此条|该条|本|此|这)微博|微博(?:下面|下方|评论|上|里)(?!私信)|(?:在|于)(?:官方)?微博(?!私信)"
                    r"|官微|评论(?:区|里|中|下面|下方)|楼下|在此|在这里|此处|这里")
_UPDATE = re.compile(r"更新|同步|通报|播报|直播|公布|发布|公示")
# or the team telling the customer there (在评论里告诉您, 在微博上告知大家): a place said with 在/于 and the telling in
# one clause, as 这里 alone is often the account itself (这里是电信客服，进度会通知您)
_TELL_THERE = re.compile(r"(?:在|于)(?:(?:这条|本条|此条|该条|本|此|这)?(?:官方)?微博(?:下面|下方|评论区?|上|里)?(?!私信)"
                         r"|评论(?:区|里|中|下面|下方)|此处|这里|此)[^。！？!?；;，,]{0,8}?"
                         r"(?:告诉|告知|通知|回复|答复)(?:您|你|亲|大家)")
_LIVE_UPDATE = re.compile(r"(?:实时|随时|持续|逐步|逐条)[^。！？!?；;，,]{0,2}(?:更新|同步|通报|播报|公布)|直播")
# or the field work told as it goes (seeds/001: 避免将投诉处理的过程在网络上直播): where the worker is now (工程师已出发, 师傅
# 正在路上, 预计下午到达您家) or the step being done on the customer's line or device (目前正在排查光猫). Not an
# acknowledgement (已为您登记, 已反馈相关部门, 已派单处理, 此问题正在处理中: standard §4.5.1 asks the reply to say it), a visit
# planned (会安排师傅上门为您检修) nor an area's repair told with its cause (基站故障，维护人员正在抢修中，预计两天内恢复)
_WORKER = r"(?:工程师|师傅|维修(?:人员|工程师)|装维人员|技术人员|技术员|抢修人员|维护人员|施工人员|工作人员|网格经理|客户经理)"
_FIELD_STEP = re.compile(_WORKER + r"[^。！？!?；;，,]{0,6}?(?:已经?|正在?|目前|现在|预计)[^。！？!?；;，,]{0,8}?"
                         r"(?:出发|在路上|赶往|赶赴|前往|到达|抵达|到场|在现场|上门途中)"
                         r"|(?:目前|现在|当前)?正在[^。！？!?；;，,]{0,4}?(?:排查|检修|维修|检测|调试|更换|测试)"
                         r"[^。！？!?；;，,]{0,4}?(?:光猫|猫|路由器?|机顶盒|线路|光纤|端口|分光器|设备|电脑|手机)")

# compensation: refund/compensation words are a promise on their own; a plain 退/返/送/赠/免 only with the
# customer as receiver (您, 你, or 亲 as shops call a customer, not 亲自/亲人...); 退回 only of money (the customer's
# own returned goods are no refund)
_YOU = r"(?:您|你|亲(?![自爱人戚情属友朋子切密身眼口手笔]))"
_REFUND = re.compile(r"赔偿|补偿|赔付|理赔|免单|减免|退款|退费|返现|补返|退还|返还"
                     r"|(?:退|返)(?:给|到|至|入|进)?" + _YOU)  # 退给你, 退到您的账户
_TO_YOU = re.compile(r"(?:为|给|帮|替|向)" + _YOU + r"[^。！？!?；;，,]{0,6}?(?:退(?!订|出|货|换|网|票|单|改)|返(?!回|厂|乡)"
                     # 送 of a delivery or a repair (为您送上门, 帮您送修, 给您送到家) is no gift
                     r"|赠送|(?<![发派配推传递运])送(?!达|货|上门|修|检|件|装|到家|过去|过来)"
                     r"|免(?:了|掉|除|去|收))"  # 给你免了月租, 为您免收
                     r"|(?:赠送|(?<![发派配推传递运])送)(?:给)?" + _YOU)
# a gift of words, not of value (给你送上祝福, 为您送上节日的问候, 送上我们的歉意): no compensation, unless the clause
# also names something of value (送您祝福和100M流量)
_GREETING = re.compile(r"祝福|祝愿|问候|关怀|关心|关爱|温暖|歉意|谢意|感谢|敬意|拥抱|笑脸|微笑|掌声|鼓励|好运|资讯")
_VALUE = re.compile(r"钱|费|元|款|余额|积分|流量|礼|券|卡|会员|短信|分钟|\d")
_MONEY_BACK = re.compile(r"退回|退补")
_MONEY = re.compile(r"钱|费|元|款|余额|积分|流量")
_AGENT = re.compile(r"(?:为|给|帮|替|向)" + _YOU)
_MONTHLY = r"每月|按月|分[^。，,]{0,4}月"  # a contract's instalments (预存款分24个月返还)
_NOT_A_PROMISE = re.compile(r"(?:无法|没有|未|不(?!便|好|满|周|少)|"  # negated
                            r"申请|要求|选择|点击|咨询|维权|收到|查询|查看|提交|办理|建议|取消|方可|才能|才可|"  # the customer's step
                            + _MONTHLY + r"|预存)[^。！？!?；;，,]{0,10}$")  # instalments of a contract
# a sentence that says the word of an instalment (分24个月返还给您，每月返还10元) uses it of that instalment in its other
# clauses too (也就是返还您的10元话费不会抵扣...)
_INSTALMENT = re.compile(r"(?:" + _MONTHLY + r")[^。！？!?；;，,]{0,6}?(返还|退还|返)")
# a refund made already is the ticket's result, which may be told (已经为您退款, 同事已经给您返现133元, 您的退款已经
#办理成功), not one promised before it; 已 then 会/将/要 (已核实将为您退款) is still a promise
_DONE = re.compile(r"已(?:经)?[^会将要。！？!?；;，,]*$")
_DONE_AFTER = re.compile(r"(?:已经?|成功)")
# the system's own rule, as a product's timing is no time promise (失败的交易系统会自动返还, 1~3个工作日系统会自动退款)
_AUTO = re.compile(r"自动[^。！？!?；;，,]*$")
_NOUN = re.compile(r"^(?:的)?(?:进度|问题|流程|条件|范围|判断|标准|规定|说明|政策|申请|手续|协议|情况|计划)")
_SLOT = re.compile(r"\{[a-z_]+\}")
# a business's service line in a reply (``_service_line``): its name, or a call the customer is asked to make, right
# before the number or before a list of numbers ending at it. Operator hotlines (10086, 95xxx) and 400/800 numbers are
# no personal data's form to find_pii, so only landlines with an area code need this
_NUMBER_LIST = re.compile(r"[:：.\s0-9\-－—、/或和及]*$")
_SERVICE_NAME = re.compile(r"(?:(?:客服|售后|服务|咨询|投诉)(?:电话|热线|专线)|客服|售后|热线(?:电话)?)(?:号码)?(?:是|为)?$")
_CALL = re.compile(r"(?:致电|拨打)$")
_WELCOME = re.compile(r"欢迎(?:您|你|亲)?$")

# time promise: a number (digits, Chinese numerals, 半, 几; a range 1-2 counts by its end) and a unit; 日 only as a
# span (3日内), not a date (每月3日, 3日起); not after 这/近/每/第 (这两天: these days), not hours of service: the
# duration followed by the service (24小时服务热线), or by the service for the customer with no bound (内) between,
# the round-the-clock slogan (24小时为您服务, 7×24小时竭诚为您排忧解难), which promises nothing about this case
_SERVICE = r"服务|在线|热线|营业|客服|值班|人工|不间断|开放|全天|守候|效劳|排忧解难|答疑解惑|保驾护航"
_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百几]+|半)"
_DURATION = re.compile(r"(?<![这那近前每第月分\d零〇一二两三四五六七八九十百几半.])"
                       r"(?:" + _NUM + r"\s*[-~～—–至到]\s*)?(?P<num>" + _NUM + r")\s*(?P<half>个半|个|半)?\s*"
                       r"(?P<unit>工作日|工作小时|小时|钟头|[hH](?![a-zA-Z])|分钟|天|日(?=之内|以内|内)|星期|礼拜|周"
                       r"|(?<=[个半])月|(?<!\d\d\d\d)年(?![\d零〇一二两三四五六七八九十]+月))"
                       r"(?!(?:(?:竭诚|随时|全程|全天候|贴心|都|均)?(?:为|给)(?:您|你|亲|大家)(?:提供)?)?(?:" + _SERVICE + r"))")
# a day promised (明天给您答复, 本周五前处理完毕, 3月5日前, 10号前, 月底前, 本周内): a day after the reply's (今天 ... 大后天),
# a weekday of this, next or the one after next week (bare: the first on or after the reply's day), the end of a week
# or a month, or a date (a month's day without a year: the first on or after the reply's day); then 前/内/为止, read as
# by the end of that day (3月5日前 the customer reads as 3月5日 included). Not a day of the past (上周五, 昨天), a
# recurring one (每周五), a span of days (周一至周五, service hours) or a start (明日起); a day that may be past or to
# come (今天, 周三, 3月5日) without 前/内 is a promise only said with 会/将/要...: 工作人员今天多次联系您 tells what was done;
# a weekday, 周末, 月底 or date also when the team's action follows it at once (周三给您回复, 3月6日给您答复, 周末处理好,
# ``_day_at_once``).
# 周末前 (本周末前, 下周末前) is by the end of that week's Sunday, not Saturday: 前 includes the day it names (3月5日前)
# and 周末 names Saturday and Sunday, so the customer reads its end, as 本周内 is by its Sunday. DOMAIN.md says of
# weekends only that they are off duty, so on a business clock it is all one: a clock never runs out on a weekend,
# and a promise of any day from the last duty day to the next duty start is in time (``_due_days``).
# A later week, month or year: 下周前 as 下周内, 本月内, 下个月内, 年底前, 今年内 (明年底: next year's) by its end; said
# bare, 下周 and 下个月 promise no day but a span (next Monday to Sunday, the next month's first to last day), at best its
# first day, so it is in time only when all of it is (``_wrong_day``); 本月 said bare is mostly a thing's (本月话费)
_DAY_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "今晚": 0, "当天": 0, "当日": 0, "明天": 1, "明日": 1, "明早": 1, "明晚": 1,
                  "次日": 1, "翌日": 1, "后天": 2, "大后天": 3}
_DATE = re.compile(r"(?=[今当明次翌后大本这下周星礼月年\d一二三四五六七八九十])"  # fails fast where no day can start
                   r"(?<![每隔逢上昨至到\d\-~～—–])"
                   r"(?:(?P<rel>" + "|".join(sorted(_RELATIVE_DAYS, key=len, reverse=True)) + r")"
                   r"|(?P<week>本|这|下下|下个?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"
                   r"|(?P<weekend>本|这个?|下个?|(?=周末))(?:周末|(?:周|星期)(?=之?内|以内|之?前|以前))"
                   r"|(?P<nextweek>下下|下个?)(?:周|星期|礼拜)(?![末一二三四五六日天1-7])"
                   r"|(?P<month>本|这个|下个?)?月(?:底|末)"
                   r"|(?P<wholemonth>下个?|(?:本|这个?)(?=月(?:之?内|以内|之?前|以前|为止)))月"
                   r"(?![底末初中份号日\d零〇一二两三四五六七八九十])"
                   r"|(?:(?P<year>今|本|这|明)|(?<![去前后明上每多几半\d零〇一二两三四五六七八九十百])(?<!去年|前年|明年|后年))"
                   r"年(?:底|末|(?=之?内|以内))"
                   r"|(?:(?P<y>\d{4})年)?(?P<m>" + _DAY_NUM + r")月(?P<d>" + _DAY_NUM + r")[日号]"
                   r"|(?P<dom>" + _DAY_NUM + r")号(?=之?前|以前|为止))"
                   r"(?P<by>之前|以前|前|之内|以内|内|为止)?"
                   r"(?!\s*(?:起|开始|至|到\s*(?:周|星期|礼拜|\d)|[-~～—–]))")
_WEEKDAY = {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6} | {str(i + 1): i for i in range(7)}
# a thing of that day (周二的账单会为您处理, 周五前的费用): the day names the thing, not when it is handled (的话: "if")
_OF_DAY = re.compile(r"的(?!话(?!费))")  # 的话费 is of the bill
# a weekday, 周末, 月底 or date said without 前/内 and 会/将/要 promises when the team's action follows it at once, a time
# of the day between at most (周三给您回复, 礼拜三回复您, 周三下午3点前上门, 3月6日给您答复, 周末处理好), and nothing after
# says it done or makes it a thing's (周二给您回复了, 工作人员周二联系过您, 周二为您办理的套餐; 了解, 过来 and 的话 are none)
_TIME_OF_DAY = re.compile(r"(?:凌晨|早上|上午|中午|下午|傍晚|晚上)?(?:" + _DAY_NUM + r"[点时:：]\d{0,2}(?:分|半)?)?"
                          r"(?:之?前|以前|左右)?")
_SAID_DONE = re.compile(r"了(?!解)|过(?![去来])|的(?!话(?!费))")
# the team's action on the customer's matter, ending at most 12 characters after the duration in the same clause
_ACTION = re.compile(r"(?:给|为|向|帮|与|和)您|回复|答复|解答|回电|致电|回访|联系(?!我们|我司|客服)|联络|处理|解决|修复|恢复"
                     r"|反馈|核实|核查|查证|跟进|上门|告知|通知|办结|发布|公布|(?:有|出)(?:结果|消息|回音|进展)")
# or the time the handling takes, said before the number with nothing after it (处理需要24小时, 预计需要两天左右):
# the team's estimate of its own handling; 预计24小时内生效 (a product's timing) goes on, so it is none
_TAKES = re.compile(r"(?:(?:处理|解决|修复|恢复|核实|核查|答复|回复)[^，,]{0,4}?(?:需要|需|要|用时|耗时)|预计|估计|预期)"
                    r"(?:需要|需|要|用时|耗时)?\s*(?:大约|大概|约)?\s*$")
_TAKES_END = re.compile(r"\s*(?:左右|的?时间|之?内|以内)?[。！!；;\s]*$")
_NEGATED = re.compile(r"无法|不能|没法|不会|未能|未(?!来)|不可能|难以|不保证|不一定|不确定|没有?(?!问题|关系|事)|不予")
_ASKED = re.compile(r"吗|是否|能否|可否|是不是|多久|多长时间")
# the customer's step (请您24小时内回复, 请尽快到营业厅办理): the words asking the customer, not after the team's 会/将/已
# (我们会请分店尽快跟您联系: the team asks a third party), and governing the word that ends the text before it, so no
# new actor between: the team (请放心我们会尽快为您处理, 建议您留下联系方式会尽快联系) or a department it asks
# (并请上级部门尽快处理)
_CUSTOMERS_STEP = re.compile(r"(?<![会将已])(?:请|烦请|麻烦|建议|您可|您需|需要您|您在)")
_TEAM_TURN = re.compile(r"我们|我司|俺们|咱们|小编|工作人员|同事|专员|专人|师傅|部门"
                        r"|(?:会|将)(?:在|于)?(?:(?:为|给|帮|替)(?:您|你|亲))?\s*$")
# a day's service, not a promise (明天营业厅照常为您服务: a duration says its own, 24小时服务热线)
_SERVES = re.compile(r"(?:提供)?(?:" + _SERVICE + r")")
# a condition, not a promise (保修期一年内的话可以给您邮寄)
_IF = re.compile(r"(?:之?内|以内)?的话(?!费)")
_WILL = re.compile(r"会|将|要|就|预计|争取|计划|可以|能")
# a past fact: 已 governing the word itself (已在24小时内处理, 已尽快为您处理, 已经及时帮您反馈), not an earlier verb of the
# clause (已记录并将尽快反馈, 已催促工作人员尽快处理: the handling is still to come)
_PAST = re.compile(r"已(?:经)?(?:在|于|(?:为|给|帮|替)(?:您|你|亲))*\s*$")
# vague time: as soon as possible (尽快, or 及时 and 第一时间, which say the same: 有结果第一时间回复您) and, within 8
# characters of the same clause, the team's action or a result
_SOON = re.compile(r"尽快|尽早|尽速|及时|第一时间")
_SOON_ACTION = re.compile(_ACTION.pattern + r"|办理|安排|检修|检测|到账|退|返")
# the customer as the one to hurry (您尽快去营业厅办理, 亲最好尽快联系快递), not the team for them (为您尽快处理)
_CUSTOMER_HURRIES = re.compile(r"(?:^|[^为给帮替向与和对到])(?:您|你|亲|客户|用户|机主)(?:最好|需要|需|要|可以|可|应该?)?\s*$")
# 为了帮您尽快核实, 以便我们后续能够第一时间响应; 为您尽快处理 is none
_PURPOSE = re.compile(r"(?:(?:为了|以便|便于|希望|争取|力争)[^。！？!?；;，,]{0,8}|为(?![您你亲])[^。！？!?；;，,]{0,4})$")
# the team as the one the action goes to (可以及时反馈给我们, 有问题要及时联系俺们): the customer's step
# (安排客服为你处理 is the team's: 客服 and 小编 are the team's receiving only after 给/至/到/向)
_TO_US = re.compile(r"(?:给|至|到|向)(?:我们|我司|俺们|咱们|小编|客服)|我们|我司|俺们|咱们")
# the kinds whose reply must state the answer's time limit (standard §4.5.1 and §4.5.2; DOMAIN.md, Service levels)
STATED_CLOCK_KINDS = ("consultation", "complaint")
_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
# a month or a year at its longest (31 and 366 days): a promise that may run past the clock is not the clock
_UNIT_HOURS = {"分钟": 1 / 60, "小时": 1, "钟头": 1, "h": 1, "H": 1, "天": 24, "日": 24, "星期": 168, "礼拜": 168, "周": 168,
               "月": 31 * 24, "年": 366 * 24}
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")


@dataclass(frozen=True)
class TimeLimit:
    """The handling time a draft may promise: the resolve clock of post kind ``kind`` (``hours`` None: the
    policy gives it none), on the duty-hours clock (``business``, days of ``duty_day_hours``) or the
    calendar, and its words in a reply (``wbcs.reply.templates.resolve_within``). Hashable, so checked
    drafts can be cached by it."""

    kind: str | None
    hours: float | None
    business: bool
    duty_day_hours: float
    words: str
    # False: the route answers nothing later, its reply is the handling (a suggestion thanked and passed on), so the
    # kind's clock bounds a time it says but 尽快 in it promises no answer (``answer_clock`` in data/replies.yaml)
    answers: bool = True
    # the post's time (Beijing time) and the instant its resolve clock runs out (``route_posts``' resolve_by), None
    # when the caller knows no post time: a promised day (明天, 本周五前) is placed from them
    posted: pd.Timestamp | None = None
    due: pd.Timestamp | None = None
    # the duty hours of a business clock: where its deadline at a duty start runs out (``_due_days``)
    duty: Duty = Duty()

    @property
    def replied(self) -> pd.Timestamp | None:
        """When the reply is sent, the moment its days (明天, 周五, 下周一, 3月5日) are said from: the post's time when it
        came in on duty (or on call), else the next duty start (``Duty.next_on_duty``: a Wednesday 21:00 post is answered
        Thursday 08:00, and its 明天 is Friday); None without the post's time."""
        return None if self.posted is None else self.duty.next_on_duty([self.posted])[0]

    @property
    def stated(self) -> bool:
        """Whether a reply on this limit must say the time rather than 尽快 (``vague_time``): the route answers later,
        on a resolve clock of a kind the standard asks to be told it (``STATED_CLOCK_KINDS``)."""
        return self.answers and self.hours is not None and self.kind in STATED_CLOCK_KINDS

    def describe(self) -> str:
        kind = self.kind or "a post without a kind"
        if self.hours is None:
            return f"no resolve clock for {kind} in the policy: say {self.words}"
        return f"the policy's resolve clock for {kind}: {self.words}"


def time_limit(policy, kind: str | None, *, answers: bool = True, posted=None) -> TimeLimit:
    """The ``TimeLimit`` of post kind ``kind`` in ``policy`` (a ``wbcs.policy.Policy``); ``answers``: whether the
    post's route answers it later (``ReplyBook.answers(route)``); ``posted``: the post's time (a naive one is Beijing
    time; None or NaT: unknown), from which its resolve clock runs out as ``route_posts`` sets ``resolve_by``."""
    from wbcs.reply.templates import resolve_within
    from wbcs.triage import _deadline

    clock = policy.sla.get(kind) if isinstance(kind, str) else None
    hours = None if clock is None else clock.resolve_hours
    if posted is None or pd.isna(posted):
        posted = due = None
    else:
        try:
            posted = pd.Timestamp(posted)
        except (TypeError, ValueError):
            raise InputError(f"time_limit: the post's time must be a time, got {str(posted)[:40]!r}") from None
        posted = posted.tz_localize(TIMEZONE) if posted.tz is None else posted.tz_convert(TIMEZONE)
        due = _deadline(policy, pd.Series([posted]), pd.Series([kind], dtype=object), "resolve").iloc[0]
        due = None if pd.isna(due) else due
    return TimeLimit(kind, None if hours is None else float(hours), clock is not None and clock.clock == "business",
                     policy.duty.minutes_per_day / 60, resolve_within(policy, kind), answers, posted, due, policy.duty)


def _cn_number(text: str) -> float | None:
    """Digits or a Chinese numeral (二十四, 两, 四十八, 一百二十) as a number; None when it names no single
    amount (几, 一两: a few)."""
    if text[0].isdigit():
        return float(text)
    if text == "半":
        return 0.5
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGIT:
            if digit is not None:
                return None  # 一两, 两三: a range said as two numerals
            digit = _CN_DIGIT[ch]
        elif ch in "十百":
            total += (1 if digit is None else digit) * (10 if ch == "十" else 100)
            digit = None
        else:
            return None  # 几
    return float(total + (digit or 0))


def _hours(m: re.Match, business: bool, day_hours: float) -> float | None:
    """The duration ``m`` in hours of the limit's clock; None when it names no amount or is not said on that clock
    (working days against a calendar clock, calendar hours against a business one)."""
    n = _cn_number(m["num"])
    if n is None:
        return None
    n += 0.5 if m["half"] in ("个半", "半") and m["num"] != "半" else 0
    unit = m["unit"]
    if unit.startswith("工作"):
        return (n * day_hours if unit == "工作日" else n) if business else None
    return None if business else n * _UNIT_HOURS[unit]


def _clauses(text: str):
    """The clauses (split at ，,、) of ``text``'s sentences that are no question: where a reply promises something."""
    for sentence in _SENTENCE.findall(_FULL_STOP.sub("。", text)):
        if not sentence.rstrip().endswith(("？", "?")):
            yield from re.split(r"[，,、]", sentence)


def _customers_step(before: str) -> bool:
    """Whether the words ``before`` a promise ask the customer to do it (请您尽快..., 请您24小时内回复我们): the last
    asking words with no new actor after them (``_TEAM_TURN``)."""
    asks = [m.end() for m in _CUSTOMERS_STEP.finditer(before)]
    return bool(asks) and not _TEAM_TURN.search(before, asks[-1])


def names_day(text: str) -> bool:
    """Whether ``text`` names a day (明天, 周五, 3月5日) that a promise may be placed from: only then does checking it
    need the post's time (``TimeLimit.posted``), so the checks of other texts can be shared across posts."""
    return _DATE.search(text) is not None  # \d is any digit, full-width ones too


def _promised_days(m: re.Match, day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last day the promise ``m`` of ``_DATE`` names, said in a reply of ``day``: one day (the same
    twice) or a span said bare (下周, 下个月); None: no such date (2月30日)."""
    monday = day - dt.timedelta(days=day.weekday())
    if m["nextweek"]:  # 下周: next Monday to Sunday (下周前: by its Sunday, as 下周内)
        first = monday + dt.timedelta(days=7 if m["nextweek"] != "下下" else 14)
        return (first if not m["by"] else first + dt.timedelta(days=6)), first + dt.timedelta(days=6)
    if m["wholemonth"]:  # 下个月: its first to last day; 本月内, 下个月内: by its last day
        year, month = (day.year + day.month // 12, day.month % 12 + 1) if m["wholemonth"][0] == "下" else (
            day.year, day.month)
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return (last if m["by"] else dt.date(year, month, 1)), last
    if m["year"] is not None or m.group(0).startswith("年"):  # 年底前, 今年内, 明年底
        end = dt.date(day.year + (m["year"] == "明"), 12, 31)
        return end, end
    found = _promised_day(m, day, monday)
    return None if found is None else (found, found)


def _promised_day(m: re.Match, day: dt.date, monday: dt.date) -> dt.date | None:
    """The last day the one-day promise ``m`` of ``_DATE`` names, said in a reply of ``day`` (in the week of
    ``monday``); None: no such date (2月30日)."""
    if m["rel"]:
        return day + dt.timedelta(days=_RELATIVE_DAYS[m["rel"]])
    weeks = {None: 0, "": 0, "本": 0, "这": 0, "这个": 0, "下": 1, "下个": 1, "下下": 2}
    if m["wd"]:
        wd = _WEEKDAY[m["wd"]]
        if m["week"] is None:  # 周五: the first Friday on or after the reply's day
            return day + dt.timedelta(days=(wd - day.weekday()) % 7)
        return monday + dt.timedelta(days=7 * weeks[m["week"]] + wd)
    if m["weekend"] is not None:  # 本周内, 周末前: by its Sunday (see _DATE)
        return monday + dt.timedelta(days=7 * weeks[m["weekend"]] + 6)
    if m["m"] is None:  # 10号前 (5号 said on the 20th: next month's), 月底 (下个月底: next month's)
        d = int(_cn_number(m["dom"])) if m["dom"] else None
        ahead = d < day.day if d else m["month"] in ("下", "下个")
        year, month = (day.year + day.month // 12, day.month % 12 + 1) if ahead else (day.year, day.month)
        return _date(year, month, d or calendar.monthrange(year, month)[1])
    year = int(m["y"]) if m["y"] else day.year
    found = _date(year, int(_cn_number(m["m"])), int(_cn_number(m["d"])))
    if found is not None and found < day and not m["y"]:  # 1月5日 said in December: next year's
        found = _date(year + 1, found.month, found.day)
    return found


def _date(year: int, month: int, d: int) -> dt.date | None:
    try:
        return dt.date(year, month, d)
    except ValueError:
        return None


def _day(d) -> str:
    return f"{d:%Y-%m-%d} ({WEEKDAYS[d.weekday()]})"


def _due_days(limit: TimeLimit) -> tuple[dt.date, dt.date]:
    """The first and last day a promise may name for ``limit.due``: its own day, unless it is at a day's start (00:00,
    or the duty start on a business clock, where ``Duty.add_minutes`` puts a clock that ran out at the end of the last
    duty period). Then the clock ran out at the end of the day before (the 24 hours of a post at 00:00 end with its
    day; 2个工作日 from Mon 08:00 end with Tue's duty), on a business clock of the last duty day, and any day after it
    up to the due's is as good: a reply then is in time, with no duty time between (Fri 20:00 to Mon 08:00: 周五前,
    周末前)."""
    due = limit.due.date()
    if not limit.hours or limit.due.time() != (limit.duty.start if limit.business else dt.time(0)):
        return due, due
    before = due - dt.timedelta(days=1)
    if not limit.business:
        return before, before
    last_duty = np.busday_offset(before, 0, roll="backward", weekmask=limit.duty.weekmask,
                                 holidays=np.array(limit.duty.holidays, dtype="datetime64[D]"))
    return last_duty.astype(object), before


def _wrong_day(m: re.Match, span: str, limit: TimeLimit) -> str | None:
    """Why the day promised by ``m`` (``span``) is not the day ``limit``'s clock runs out, None when it is. Placed from
    the reply's day (``TimeLimit.replied``), which needs the post's time; without it no day is (see the module's
    docstring: not even 明天 on a calendar clock)."""
    if limit.due is None:
        return f"{span}: a day, and no post time to place it against the clock"
    promised = _promised_days(m, limit.replied.date())
    if promised is None:
        return f"{span}: no such day"
    first, last = _due_days(limit)
    if first <= promised[0] and promised[1] <= last:
        return None
    said = " to ".join(dict.fromkeys(_day(d) for d in promised))
    if first == limit.due.date():
        return f"{span} = {said}, the clock runs out {_day(first)} {limit.due:%H:%M}"
    return f"{span} = {said}, the clock runs out {_day(first)} at the day's end (due {limit.due:%Y-%m-%d %H:%M})"


def _day_at_once(clause: str, m: re.Match, act: int, end: int) -> bool:
    """Whether the weekday, 周末, 月底 or date ``m`` of ``clause``, said without 前/内 and 会/将/要, promises the team's
    action at ``act`` (its words ending at ``end``): it follows the day at once (``_TIME_OF_DAY`` between at most) and
    nothing after says it done (``_SAID_DONE``). A relative day (明天) has its own rule (``time_promise``)."""
    return (m["rel"] is None and _TIME_OF_DAY.fullmatch(clause, m.end(), act) is not None
            and _SAID_DONE.search(clause, end) is None)


def time_promise(text: str, limit: TimeLimit) -> str | None:
    """The words of ``text`` that promise a handling time other than ``limit`` (a duration not its clock, a day not the
    one its clock runs out), None when none do."""
    for clause in _clauses(text.translate(_WIDE_DIGITS)):
        for m in sorted((*_DURATION.finditer(clause), *_DATE.finditer(clause)), key=lambda m: m.start()):
            day = m.re is _DATE
            act = _ACTION.search(clause, m.end(), m.end() + 12)
            if act is None:
                takes, rest = _TAKES.search(clause, 0, m.start()), _TAKES_END.match(clause, m.end())
                if day or takes is None or rest is None:
                    continue
                before, span, to_you, end = clause[:takes.start()], clause[takes.start():m.end()], False, m.end()
            else:
                end, to_you = act.end(), "您" in act.group(0) or clause[act.end():act.end() + 1] == "您"
                if clause[end:end + 1] == "您":
                    end += 1
                elif to_you and (verb := _ACTION.match(clause, end)):  # 给您 回复: the phrase names the verb
                    end = verb.end()
                before, span = clause[:m.start()], clause[m.start():end]
            if (_NEGATED.search(before + span) or _ASKED.search(clause) or _PAST.search(before)
                    or (_customers_step(before) and not to_you) or "已" in clause[m.end():end]
                    or _IF.match(clause, m.end())
                    or (day and (_SERVES.match(clause, end) or _OF_DAY.match(clause, m.end())))
                    or (day and not m["by"] and not _RELATIVE_DAYS.get(m["rel"]) and not _WILL.search(clause[:end])
                        and not _day_at_once(clause, m, act.start(), end))):
                continue
            if limit.hours is None:
                return span.strip()
            if day:
                wrong = _wrong_day(m, span.strip(), limit)
                if wrong:
                    return wrong
                continue
            hours = _hours(m, limit.business, limit.duty_day_hours)
            if hours is None or abs(hours - limit.hours) > 1e-9:
                return span.strip()
    return None


def vague_time(text: str) -> str | None:
    """The words of ``text`` that promise the handling as soon as possible with no time (尽快为您处理), None when none
    do. Whether the draft states a time elsewhere is the caller's to judge (``check_draft``)."""
    for clause in _clauses(text):
        for m in _SOON.finditer(clause):
            act = _SOON_ACTION.search(clause, m.end(), m.end() + 8)
            before = clause[:m.start()]
            if act is None:
                continue
            # the team acts for the customer (请私信提供号码尽快为您核实), not for the customer's own (及时为您的账户充值)
            to_you = "您" in act.group(0) and not clause.startswith("的", act.end())
            if (_NEGATED.search(clause[:act.end()]) or _PURPOSE.search(before)
                    or (_customers_step(before) and not to_you) or _CUSTOMER_HURRIES.search(before)
                    or _PAST.search(before)
                    or before.endswith("的")  # a noun's attribute: 感谢您的及时反馈
                    or _TO_US.match(clause, act.end())):
                continue
            verb = _SOON_ACTION.match(clause, act.end()) if to_you else None  # 为您 处理: name the verb
            return clause[m.start():(verb or act).end()].strip()
    return None


def _reason(code: str, **kw) -> str:
    return f"{code}: {REASONS[code].format(**kw)}"


def _service_line(text: str, start: int) -> bool:
    """Whether the landline at ``start`` of ``text`` is the business's service line, told for the customer to call:
    in its clause right after a service line's name (客服电话：0591-..., 游戏客服0591-..., 广东售后020-..., and the
    numbers listed after one: 售后电话.400-0818666 0755-23084007), or after a call the customer is asked or welcome to
    make (欢迎致电0871-..., 请您在工作日致电0591-...). A number the team calls (我们会致电0591-...) or a 联系电话 (often
    the customer's own) is no service line."""
    head = _NUMBER_LIST.sub("", re.split(r"[。！？!?；;，,\n]", text[:start])[-1])
    if _SERVICE_NAME.search(head):
        return True
    call = _CALL.search(head)
    return call is not None and (_WELCOME.search(head, 0, call.start()) is not None
                                 or _customers_step(head[:call.start()]))


def _pii(text: str) -> list[str]:
    """The kinds of personal data ``text`` shows: a service line is the business's, not the customer's; a mobile number
    is always the kind it is (a person's, even an agent's or an account manager's)."""
    return sorted({kind for kind, start, _ in find_pii(text) if kind != "landline" or not _service_line(text, start)})


def live_broadcast(text: str) -> str | None:
    """The words of ``text`` that broadcast the handling in public, None when none do."""
    for sentence in _SENTENCE.findall(_FULL_STOP.sub("。", text)):
        handling = _HANDLING.search(sentence)
        for parts in ((_PLACE.search(sentence), _UPDATE.search(sentence)), (_LIVE_UPDATE.search(sentence),),
                      (_TELL_THERE.search(sentence),)) if handling else ():
            if all(parts):
                start = min(m.start() for m in (handling, *parts))
                span = sentence[start:max(m.end() for m in (handling, *parts))]
                if not _PRIVATE.search(span):
                    return span
        step = _FIELD_STEP.search(sentence)
        if step and not _PRIVATE.search(step.group(0)):
            return step.group(0)
    return None


def _promise(clause: str, m: re.Match) -> bool:
    """Whether the refund word ``m`` of ``clause`` promises it: not when made already or the system's own rule; else
    the customer named as receiver always does; else not when negated, the customer's own step, a contract's
    instalment or a noun."""
    before = clause[:m.start()]
    if (_NOUN.match(clause[m.end():]) or _DONE.search(before) or _DONE_AFTER.match(clause, m.end())
            or _AUTO.search(before)):
        return False
    return bool(_AGENT.search(before[-8:])) or not _NOT_A_PROMISE.search(before[-12:])


def _words_only(clause: str, m: re.Match) -> bool:
    """Whether the gift ``m`` of ``clause`` sends only words: a greeting as what is sent (给你送上祝福) or as what is
    sent to you with nothing after it (祝福送给你), and nothing of value in the clause. A greeting said as the reason
    (为表歉意送您一副筷子, 送您一副筷子表示歉意) is no object, so that gift stays a promise."""
    at = m.group(0).find("送")
    if at < 0 or _VALUE.search(clause):
        return False
    sent = clause[m.start() + at + 1:]
    said = next((g for g in _GREETING.finditer(sent) if not re.search(r"表[示达]?$", sent[:g.start()])), None)
    return bool(said or ("送给" in m.group(0) and not clause[m.end():].strip("们哦啦呀呢啊~")
                                            and _GREETING.search(clause[max(0, m.start() - 6):m.start()])))


def compensation(text: str) -> str | None:
    """The clause of ``text`` that promises compensation, a refund or a gift, None when none does."""
    for sentence in _SENTENCE.findall(_FULL_STOP.sub("。", text)):
        if sentence.rstrip().endswith(("？", "?")):  # asking whether a refund arrived promises none
            continue
        instalment = {m.group(1) for m in _INSTALMENT.finditer(sentence)}
        for clause in _CLAUSE.findall(sentence):
            hits = [m for m in (*_REFUND.finditer(clause), *_TO_YOU.finditer(clause))
                    if _promise(clause, m) and not _words_only(clause, m) and m.group(0) not in instalment]
            if not hits and _MONEY.search(clause):
                hits = [m for m in _MONEY_BACK.finditer(clause) if _promise(clause, m)]
            if hits:
                return clause.strip()
    return None


def check_draft(public: str | None, private: str | None = None, *, needs_dm: bool = False,
                limit: TimeLimit | None = None) -> list[str]:
    """Reasons the draft fails the standard (``code: words``), in a fixed order; [] when it passes.
    A missing draft (None, NaN) is an empty one. ``limit``: the handling time the draft may promise
    (``time_limit(policy, kind)``); None: time promises are not checked (the caller knows no kind)."""
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
    if limit is not None:
        phrase = time_promise(public, limit) or time_promise(private, limit)
        if phrase:
            out.append(_reason("time_promise", phrase=phrase, clock=limit.describe()))
        elif limit.stated:
            # a time stated anywhere in the draft (the public reply's 48小时内给您答复) is its limit; none: 尽快 is vague
            no_clock = TimeLimit(limit.kind, None, limit.business, limit.duty_day_hours, limit.words)
            stated = time_promise(public, no_clock) or time_promise(private, no_clock)
            phrase = None if stated else vague_time(public) or vague_time(private)
            if phrase:
                out.append(_reason("vague_time", phrase=phrase, kind=limit.kind, words=limit.words))
    if needs_dm and not private.strip():
        out.append(_reason("missing_dm"))
    m = _SLOT.search(public + private)
    if m:
        out.append(_reason("unfilled_slot", slot=m.group(0)))
    return out


def reason_codes(reasons: list[str]) -> list[str]:
    """The codes of ``check_draft``'s reasons (``too_long``, ``pii_public``, ...)."""
    return [r.split(":", 1)[0] for r in reasons]
