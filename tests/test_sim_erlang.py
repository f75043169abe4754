"""Erlang C and Erlang A against published and hand-computed values."""

from __future__ import annotations

import math

import pytest
from scipy.stats import poisson

from wbcs.errors import InputError
from wbcs.sim import erlang


def test_erlang_c_golden_case():
    # pyworkforce's documented example: 100 contacts per 30 min (200/h), AHT 3 min, 20 s target
    rate, aht, target = 200, 3 / 60, 20 / 3600  # per hour, hours
    assert erlang.agents_for_service_level(rate, aht, target, 0.8) == 14
    assert erlang.service_level(14, rate, aht, target) == pytest.approx(0.888, abs=5e-4)
    assert erlang.probability_of_wait(14, rate, aht) == pytest.approx(0.174, abs=5e-4)
    assert erlang.occupancy(14, rate, aht) == pytest.approx(0.714, abs=5e-4)
    # 13 agents miss the 80% target, 14 meet it
    assert erlang.service_level(13, rate, aht, target) < 0.8


def test_erlang_c_small_cases_by_hand():
    # M/M/1, ρ = 0.5: P(wait) = ρ, SL(t) = 1 − ρ·e^{−(μ−λ)t}, Wq = ρ/(μ−λ)
    assert erlang.probability_of_wait(1, 0.5, 1.0) == pytest.approx(0.5)
    assert erlang.service_level(1, 0.5, 1.0, 2.0) == pytest.approx(1 - 0.5 * math.exp(-1.0))
    assert erlang.mean_wait(1, 0.5, 1.0) == pytest.approx(1.0)
    # c = 2, A = 1: B = (1/2)/(1 + 1 + 1/2) = 0.2; C = 2·0.2/(2 − 0.8) = 1/3
    assert erlang.erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang.probability_of_wait(2, 1.0, 1.0) == pytest.approx(1 / 3)
    # unstable or empty
    assert erlang.probability_of_wait(10, 200, 3 / 60) == 1.0
    assert erlang.service_level(10, 200, 3 / 60, 1.0) == 0.0
    assert erlang.mean_wait(10, 200, 3 / 60) == math.inf
    assert erlang.agents_for_service_level(0, 0.05, 0.01, 0.8) == 0


def test_response_level_is_the_wait_plus_the_handling_by_hand():
    """The share answered within t when the answer goes out at the end of the handling (a Weibo reply)."""
    # M/M/1: the time in system is exponential at rate μ − λ = 0.5: P(T ≤ 2) = 1 − e^{−1}
    assert erlang.response_level(1, 0.5, 1.0, 2.0) == pytest.approx(1 - math.exp(-1))
    # c = 2, A = 1: C = 1/3, θ = (2 − 1)/1 = μ: the waited part is Erlang-2, P(> t) = e^{−t}(1 + t); t = 1:
    # (2/3)(1 − e^{−1}) + (1/3)(1 − 2/e) = 0.509494
    assert erlang.response_level(2, 1.0, 1.0, 1.0) == pytest.approx(2 / 3 * (1 - math.exp(-1)) + (1 - 2 / math.e) / 3)
    # the golden case's 20-second clock on the reply: 0.82587·(1 − e^{−1/9}) + 0.17413·(1 − (4/3·e^{−1/9} −
    # 1/3·e^{−4/9})) = 0.0904 (the pick-up within 20 s is 0.888)
    c = erlang.probability_of_wait(14, 200, 3 / 60)
    by_hand = (1 - c) * (1 - math.exp(-1 / 9)) + c * (1 - (4 / 3 * math.exp(-1 / 9) - 1 / 3 * math.exp(-4 / 9)))
    assert erlang.response_level(14, 200, 3 / 60, 20 / 3600) == pytest.approx(by_hand) == pytest.approx(0.0904, abs=5e-5)
    # a handling of its own mean (one kind's first handling inside a longer workload); none: the pick-up
    assert erlang.response_level(14, 200, 3 / 60, 1 / 60, handling=0) == erlang.service_level(14, 200, 3 / 60, 1 / 60)
    assert (erlang.response_level(14, 200, 3 / 60, 2 / 60, handling=1 / 60)
            > erlang.response_level(14, 200, 3 / 60, 2 / 60) > 0)
    # never above the pick-up's level, 0 when unstable, and near equal rates without cancellation
    assert erlang.response_level(14, 200, 3 / 60, 0.5) < erlang.service_level(14, 200, 3 / 60, 0.5)
    assert erlang.response_level(10, 200, 3 / 60, 1.0) == 0.0
    assert erlang.response_level(2, 1.0, 1.0, 1.0, handling=1 + 1e-12) == pytest.approx(
        erlang.response_level(2, 1.0, 1.0, 1.0), rel=1e-9)


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    rate, aht, target = 200, 3 / 60, 20 / 3600
    a = erlang.erlang_a(14, rate, aht, patience=1e5, target=target)
    assert a.probability_of_wait == pytest.approx(erlang.probability_of_wait(14, rate, aht), abs=1e-5)
    assert a.service_level == pytest.approx(erlang.service_level(14, rate, aht, target), abs=1e-5)
    assert a.mean_wait == pytest.approx(erlang.mean_wait(14, rate, aht), rel=1e-4)
    assert a.probability_of_abandon < 1e-6
    # less patience: more abandon, fewer wait, the survivors are answered sooner
    levels = [erlang.erlang_a(14, rate, aht, patience=p, target=target) for p in (0.01, 0.1, 1.0)]
    assert levels[0].probability_of_abandon > levels[1].probability_of_abandon > levels[2].probability_of_abandon
    assert levels[0].probability_of_wait < levels[1].probability_of_wait < levels[2].probability_of_wait


def test_erlang_a_with_patience_equal_to_handling_time_is_poisson():
    # θ = μ: every customer present leaves at rate μ, so the number in system is Poisson(A)
    c, rate, aht = 5, 6.0, 1.0  # A = 6 > c: Erlang A is stable even when Erlang C is not
    a = erlang.erlang_a(c, rate, aht, patience=aht, target=0.0)
    assert a.probability_of_wait == pytest.approx(poisson.sf(c - 1, 6.0), abs=1e-9)
    # E[queue] = Σ (k − c)·P(k) for k > c; P(abandon) = θ·E[queue]/λ
    mean_queue = sum((k - c) * poisson.pmf(k, 6.0) for k in range(c, 200))
    assert a.probability_of_abandon == pytest.approx(mean_queue / rate, abs=1e-9)
    assert a.service_level == pytest.approx(1 - a.probability_of_wait, abs=1e-9)  # target 0


@pytest.mark.parametrize("call", [
    lambda: erlang.service_level(-1, 1, 1, 1),
    lambda: erlang.probability_of_wait(2, 1, 0),
    lambda: erlang.agents_for_service_level(10, 1, 1, 1.2),
    lambda: erlang.erlang_a(0, 1, 1, 1),
    lambda: erlang.erlang_a(2, 1, 1, 0),
])
def test_bad_arguments_raise_input_error(call):
    with pytest.raises(InputError):
        call()


@pytest.mark.parametrize("call, says", [
    (lambda: erlang.service_level(14, 200, 0.05, -5), "target must be a finite number ≥ 0, got -5"),  # was -9e172
    (lambda: erlang.service_level(14, math.nan, 0.05, 0.1), "rate must be a finite number ≥ 0, got nan"),
    (lambda: erlang.mean_wait(14, 200, math.nan), "aht must be a finite number > 0"),
    (lambda: erlang.probability_of_wait(14, math.inf, 0.05), "rate must be a finite number"),
    (lambda: erlang.service_level(2.5, 20, 0.1, 0.1), "agents must be a whole number ≥ 0, got 2.5"),
    (lambda: erlang.probability_of_wait(2.5, 20, 0.1), "agents must be a whole number ≥ 0, got 2.5"),
    (lambda: erlang.erlang_b(2.5, 1), "agents must be a whole number"),
    (lambda: erlang.erlang_b(-1, 5), "agents must be a whole number ≥ 0, got -1"),  # was 1.0
    (lambda: erlang.erlang_b(3, -1), "load must be a finite number ≥ 0"),
    (lambda: erlang.erlang_a(2.5, 1, 1, 1), "agents must be a whole number ≥ 1"),
    (lambda: erlang.erlang_a(2, 1, 1, math.nan), "patience must be a finite number > 0"),
    (lambda: erlang.response_level(14, 200, 0.05, 0.1, handling=-1), "handling must be a finite number ≥ 0, got -1"),
    (lambda: erlang.erlang_a(2, 1, 1, 1, -1), "target must be a finite number ≥ 0"),
    (lambda: erlang.agents_for_service_level(10, 1, 1, 0.8, max_occupancy=0), "max_occupancy must be in"),
    (lambda: erlang.agents_for_service_level(10, 1, -1, 0.8), "target must be a finite number ≥ 0"),
    (lambda: erlang.agents_for_service_level(10, 1, 1, math.nan), r"level\) must be in \[0, 1\)"),
])
def test_each_bad_argument_is_named(call, says):
    with pytest.raises(InputError, match=says):
        call()


def test_a_whole_float_number_of_agents_is_that_number():
    assert erlang.service_level(14.0, 200, 0.05, 0.1) == erlang.service_level(14, 200, 0.05, 0.1)
    assert erlang.erlang_b(3.0, 2) == erlang.erlang_b(3, 2)
