"""Erlang A's service level in closed form, its chain in linear time: a long queue (2 agents, 100 an hour, aht 3,
patience 100) took over 120 s (a max over the growing list each step) and a dense matrix exponential as wide as
the queue (10,000² floats, 0.8 GB a copy); an absurd one is refused naming the arguments."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.linalg import expm

from wbcs.errors import InputError
from wbcs.sim import erlang


def _served_by_matrix_exponential(agents, aht, patience, target, longest):
    """P(served within target | j ahead), j = 0..longest, from the tagged arrival's chain (what erlang_a used)."""
    mu, theta, J = 1 / aht, 1 / patience, longest
    q = np.zeros((J + 3, J + 3))
    for j in range(J + 1):
        ahead = agents * mu + j * theta
        q[j, J + 1 if j == 0 else j - 1] = ahead
        q[j, J + 2] = theta
        q[j, j] = -(ahead + theta)
    return expm(q * target)[: J + 1, J + 1]


@pytest.mark.parametrize("agents, rate, aht, patience, target", [
    (14, 200, 3 / 60, 0.1, 20 / 3600), (5, 6.0, 1.0, 1.0, 0.5), (2, 3.0, 1.0, 3.0, 2.0), (1, 0.5, 1.0, 0.01, 0.05),
    (30, 400, 0.1, 1.0, 0.05),
])
def test_service_level_equals_the_tagged_arrival_s_chain(agents, rate, aht, patience, target):
    a = erlang.erlang_a(agents, rate, aht, patience, target)
    # the chain's distribution, recomputed: π_k ∝ Π λ / (min(i, c)μ + max(i − c, 0)θ)
    mu, theta = 1 / aht, 1 / patience
    k = np.arange(1, 4000)
    logp = np.concatenate([[0], np.cumsum(np.log(rate / (np.minimum(k, agents) * mu + np.maximum(k - agents, 0) * theta)))])
    p = np.exp(logp - logp.max())
    p /= p.sum()
    longest = int(np.nonzero(p > 1e-16)[0].max()) - agents
    served = _served_by_matrix_exponential(agents, aht, patience, target, max(longest, 0))
    queue = np.arange(max(longest, 0) + 1)
    expected = p[:agents].sum() + (p[agents:agents + queue.size] * served).sum()
    assert a.service_level == pytest.approx(expected, abs=1e-10)
    assert a.probability_of_wait == pytest.approx(p[agents:].sum(), abs=1e-10)


def test_given_time_enough_the_served_are_those_who_do_not_give_up():
    # θ = μ: the number in system is Poisson(A); with an unbounded target, served = 1 − abandoned = 1 − θ·E[queue]/λ
    from scipy.stats import poisson

    c, rate = 5, 6.0
    a = erlang.erlang_a(c, rate, 1.0, patience=1.0, target=1e4)
    mean_queue = sum((k - c) * poisson.pmf(k, 6.0) for k in range(c, 200))
    assert a.service_level == pytest.approx(1 - mean_queue / rate, abs=1e-12)
    assert a.service_level == pytest.approx(1 - a.probability_of_abandon, abs=1e-12)


def test_a_long_queue_is_fast_and_an_absurd_one_refused():
    t = time.perf_counter()
    a = erlang.erlang_a(2, 100, 3, 100, 1)  # ~9,933 waiting
    assert time.perf_counter() - t < 5 and a.probability_of_abandon == pytest.approx(1 - 2 / 300, rel=1e-6)
    with pytest.raises(InputError, match=r"erlang: Erlang A with agents=2, rate=100, aht=3, patience=100000 has "
                                         r"about 9,933,335 contacts in the system .*more than the 1,000,000 states"):
        erlang.erlang_a(2, 100, 3, 1e5, 1)
