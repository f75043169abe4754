"""Erlang C (M/M/c) and Erlang A (M/M/c+M, with abandonment): the analytic answers.

Rates and times in any one unit (e.g. per hour and hours, or per minute and minutes).
``agents`` is the number of servers c (a whole number), ``rate`` λ, ``aht`` the mean handling time 1/μ,
``target`` the time target (of the wait until an agent picks the contact up in ``service_level`` and
Erlang A, of the wait plus the handling in ``response_level``), ``patience`` the mean time before a customer
gives up (1/θ). Rates and times are finite and ≥ 0 (``aht`` and ``patience`` > 0); anything else is an
``InputError`` naming the argument. Hand-written (a few lines each) so the simulator's validation does not depend on
a third-party formula; the golden case of pyworkforce's documentation is a test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from wbcs.checks import is_number, number, whole
from wbcs.errors import InputError


def _agents(agents, least: int = 0) -> int:
    """``agents`` as an int: a whole number (3 or 3.0) ≥ ``least``; a fraction of an agent has no Erlang answer."""
    return whole(agents, "erlang: agents", least, floats=True)


def _number(value, name: str, *, positive: bool = False) -> float:
    """``value`` as a float: finite and ≥ 0 (> 0 when ``positive``)."""
    return number(value, f"erlang: {name}", positive=positive)


def _check(agents: int, rate: float, aht: float, least: int = 0) -> tuple[int, float]:
    """The agents as an int and the offered load A = rate · aht in Erlangs; every argument checked."""
    return _agents(agents, least), _number(rate, "rate") * _number(aht, "aht", positive=True)


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/c/c by the stable recursion B(k) = A·B(k−1) / (k + A·B(k−1))."""
    agents, load = _agents(agents), _number(load, "load")
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return b


def probability_of_wait(agents: int, rate: float, aht: float) -> float:
    """Erlang C: the chance that a contact has to wait (1 when the queue is unstable)."""
    agents, a = _check(agents, rate, aht)
    if agents <= a:
        return 1.0
    b = erlang_b(agents, a)
    return agents * b / (agents - a * (1 - b))


def service_level(agents: int, rate: float, aht: float, target: float) -> float:
    """P(wait ≤ target) = 1 − C·exp(−(c − A)·target / aht): the share picked up within ``target`` (a Weibo
    post's reply goes out later, when the handling ends: ``response_level``)."""
    agents, a = _check(agents, rate, aht)
    target = _number(target, "target")
    if agents <= a:
        return 0.0
    return 1.0 - probability_of_wait(agents, rate, aht) * math.exp(-(agents - a) * target / aht)


def response_level(agents: int, rate: float, aht: float, target: float, handling: float | None = None) -> float:
    """P(wait + handling ≤ target): the share answered within ``target`` when the answer goes out at the end
    of the handling, as a Weibo reply does (posted once written), rather than at its start (``service_level``,
    a call answered when picked up). The wait is Erlang C's; ``handling``, the mean time from pick-up to the
    answer, is exponential (M/M/c), by default ``aht`` (then this is the M/M/c response time; with one agent
    it is exponential at rate μ − λ).

    The wait is 0 with probability 1 − C, else exponential at rate θ = (c − A)/aht; with H at rate μ, the sum
    of two exponentials at rates a ≤ b exceeds t with probability e^{−at}·(1 + a·(1 − e^{−(b−a)t})/(b − a)),
    written so that it neither overflows nor cancels when a ≈ b (its limit there is e^{−at}·(1 + at))."""
    agents, a = _check(agents, rate, aht)
    target = _number(target, "target")
    handling = aht if handling is None else _number(handling, "handling")
    if agents <= a:
        return 0.0
    if handling == 0:  # the answer at the pick-up
        return service_level(agents, rate, aht, target)
    wait = probability_of_wait(agents, rate, aht)
    mu, theta = 1.0 / handling, (agents - a) / aht
    low, gap = min(mu, theta), abs(mu - theta)
    spread = target if gap == 0 else -math.expm1(-gap * target) / gap  # ∫₀ᵗ e^{−(b−a)s} ds
    both_exceed = math.exp(-low * target) * (1 + low * spread)
    return (1 - wait) * -math.expm1(-mu * target) + wait * (1 - both_exceed)


def mean_wait(agents: int, rate: float, aht: float) -> float:
    """Average speed of answer over all contacts: C·aht / (c − A)."""
    agents, a = _check(agents, rate, aht)
    if agents <= a:
        return math.inf
    return probability_of_wait(agents, rate, aht) * aht / (agents - a)


def occupancy(agents: int, rate: float, aht: float) -> float:
    """Share of agent time spent handling: A / c (capped at 1)."""
    agents, a = _check(agents, rate, aht)
    return min(a / agents, 1.0) if agents else 1.0


def agents_for_service_level(rate: float, aht: float, target: float, level: float,
                             *, max_occupancy: float = 1.0) -> int:
    """The fewest agents whose Erlang C service level reaches ``level`` (0 when there is no work)."""
    if not is_number(level) or not 0 <= level < 1:
        raise InputError(f"erlang: service level target (level) must be in [0, 1), got {level!r}")
    if not is_number(max_occupancy) or not 0 < max_occupancy <= 1:  # 0 would search for ever
        raise InputError(f"erlang: max_occupancy must be in (0, 1], got {max_occupancy!r}")
    _, a = _check(0, rate, aht)
    _number(target, "target")
    if a == 0:
        return 0
    c = max(1, math.floor(a) + 1)
    while service_level(c, rate, aht, target) < level or a / c > max_occupancy:
        c += 1
    return c


@dataclass(frozen=True)
class ErlangA:
    """Steady state of M/M/c+M: waits, abandonment and the service level."""

    probability_of_wait: float
    probability_of_abandon: float
    mean_wait: float          # over all arrivals, time in queue (served or not)
    service_level: float      # share of arrivals picked up (served) within the target
    occupancy: float


# states of the Erlang A chain (number in system) it will hold: ~16 bytes each, and a queue that long is one
# where patience, not agents, does the work (rate 100, aht 3, patience 10,000, 2 agents: ~10⁶ waiting)
MAX_STATES = 1_000_000


def erlang_a(agents: int, rate: float, aht: float, patience: float, target: float = 0.0,
             *, tail: float = 1e-13) -> ErlangA:
    """Erlang A from the birth–death chain on the number in system, truncated where its tail
    is below ``tail``; the service level follows a tagged arrival through the queue ahead of it.
    As patience → ∞ every figure tends to Erlang C's.

    With j ahead the tagged arrival moves to j − 1 at rate ν_i = cμ + iθ (a server frees or one ahead gives
    up) and gives up itself at rate θ; it is served once past j = 0. Tilting by its own patience, with m = cμ/θ:
    P(served within t | j ahead) = Π ν_i/(ν_i + θ) · P(Σ Exp(ν_i + θ) ≤ t) = m/(m + j + 1) · I_{1−e^{−θt}}(j + 1, m + 1),
    the product telescoping and the sum of exponentials at rates (m + 1)θ … (m + j + 1)θ being −log of a
    Beta(m + 1, j + 1) variable over θ (I: the regularised incomplete beta function). Memory and time grow with the
    chain, not its square (the matrix exponential this replaced took 0.8 GB for a 10,000-long queue); a chain over
    ``MAX_STATES`` states is an InputError naming the arguments.
    """
    from scipy.special import betainc

    agents, _ = _check(agents, rate, aht, least=1)
    patience, target = _number(patience, "patience", positive=True), _number(target, "target")
    mu, theta = 1.0 / aht, 1.0 / patience
    if rate == 0:
        return ErlangA(0.0, 0.0, 0.0, 1.0, 0.0)
    # the queue grows while arrivals outpace the agents and those giving up: to (λ − cμ)/θ, then its tail falls
    peak = agents + max(rate - agents * mu, 0.0) / theta
    if peak > MAX_STATES:
        raise InputError(f"erlang: Erlang A with agents={agents}, rate={rate:g}, aht={aht:g}, patience={patience:g} "
                         f"has about {peak:,.0f} contacts in the system ({peak - agents:,.0f} waiting), more than the "
                         f"{MAX_STATES:,} states it computes; add agents or give a shorter patience (in the unit of "
                         "rate and aht)")
    # log π_k, up to a constant: π_k = π_{k−1} · λ / (min(k, c)μ + max(k − c, 0)θ); the running maximum keeps
    # each step O(1) (a max over the list was quadratic)
    logp = [0.0]
    top = 0.0
    k = 0
    while True:
        k += 1
        logp.append(logp[-1] + math.log(rate / (min(k, agents) * mu + max(k - agents, 0) * theta)))
        top = max(top, logp[-1])
        if k > agents and logp[-1] < top + math.log(tail):
            break
    logp = np.array(logp)
    p = np.exp(logp - top)
    p /= p.sum()
    states = np.arange(p.size)
    queue = np.maximum(states - agents, 0)
    p_wait = float(p[agents:].sum())
    mean_queue = float((p * queue).sum())
    p_abandon = theta * mean_queue / rate
    busy = float((p * np.minimum(states, agents)).sum())
    ahead = queue[agents:]
    m = agents * mu / theta
    served_by = m / (m + ahead + 1) * betainc(ahead + 1, m + 1, -math.expm1(-theta * target))
    level = float(p[:agents].sum() + (p[agents:] * served_by).sum())
    return ErlangA(p_wait, p_abandon, mean_queue / rate, level, busy / agents)
