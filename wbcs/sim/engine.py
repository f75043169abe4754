"""The one engine: an event loop for the agents' priority queue and the back office, numba-compiled
for long work and run by the interpreter for short work (see ``run_engine``).

Everything random is drawn beforehand (vectorised, from the caller's Generator), so the loop is
deterministic and fast. Agents work in pools (skills: the kinds a pool may take) whose size
changes at shift boundaries; a shrinking pool lets its busy agents finish (non-preemptive).
Each post is a chain of agent tasks: the first handling (its end is the public reply, the
acknowledgement) and, per back-office round, the delivery of the answer. Queues are one binary heap per kind,
ordered by (priority key, time the task became available, task id); a free agent takes the
best head among the kinds its pool may handle.

Why hand-written: no queueing library models patrol batches, shifts, skills, tickets and
reopening together at this speed (Ciw and SimPy run one Python object per customer).
"""

from __future__ import annotations

import contextlib
import functools
import math
import types

import numpy as np

COMPLETE, BO_ARRIVE, BO_DONE = 0, 1, 2


def _empty(sizes):
    """Whether every queue is empty (``sizes``: one length per kind)."""
    for s in sizes:
        if s > 0:
            return False
    return True


def _less(a1, a2, a3, b1, b2, b3):
    if a1 != b1:
        return a1 < b1
    if a2 != b2:
        return a2 < b2
    return a3 < b3


def _heap_push(k1, k2, ids, size, q, base, x1, x2, xid):
    """Push onto heap ``q``, stored in the flat arrays from index ``base[q]``."""
    o = base[q]
    i = size[q]
    size[q] += 1
    while i > 0:
        parent = (i - 1) >> 1
        if not _less(x1, x2, xid, k1[o + parent], k2[o + parent], ids[o + parent]):
            break
        k1[o + i] = k1[o + parent]
        k2[o + i] = k2[o + parent]
        ids[o + i] = ids[o + parent]
        i = parent
    k1[o + i] = x1
    k2[o + i] = x2
    ids[o + i] = xid


def _heap_pop(k1, k2, ids, size, q, base):
    o = base[q]
    top = ids[o]
    size[q] -= 1
    n = size[q]
    if n > 0:
        x1, x2, xid = k1[o + n], k2[o + n], ids[o + n]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and _less(k1[o + c + 1], k2[o + c + 1], ids[o + c + 1], k1[o + c], k2[o + c], ids[o + c]):
                c += 1
            if not _less(k1[o + c], k2[o + c], ids[o + c], x1, x2, xid):
                break
            k1[o + i] = k1[o + c]
            k2[o + i] = k2[o + c]
            ids[o + i] = ids[o + c]
            i = c
        k1[o + i] = x1
        k2[o + i] = x2
        ids[o + i] = xid
    return top


def _add_business(t, d, win_start, win_end):
    """t plus d minutes counted only inside the windows (inf when they run out)."""
    i = np.searchsorted(win_end, t, side="right")
    if i >= len(win_start):
        return math.inf
    cur = max(t, win_start[i])
    while True:
        room = win_end[i] - cur
        if d <= room:
            return cur + d
        d -= room
        i += 1
        if i >= len(win_start):
            return math.inf
        cur = win_start[i]


def _add_busy(busy, pool, t0, t1):
    """Add the service interval [t0, t1) to its pool's busy minutes per hour."""
    h = int(t0 // 60.0)
    while h < busy.shape[1] and h * 60.0 < t1:
        busy[pool, h] += min(t1, (h + 1) * 60.0) - max(t0, h * 60.0)
        h += 1


def _bo_arrive(t, task, state, bo_queue, bo_delay, bo_capacity, bo_business, win_start, win_end,
               et, es, ec, en, ebase, code_base):
    """A ticket reaches the back office: started if a handler is free, else queued (FIFO)."""
    S = bo_delay.shape[1]
    if bo_capacity == 0 or state[0] < bo_capacity:
        state[0] += 1
        d = bo_delay[task // S, task % S]
        done = _add_business(t, d, win_start, win_end) if bo_business else t + d
        state[2] += 1
        _heap_push(et, es, ec, en, 0, ebase, done, state[2], task * code_base * 4 + BO_DONE)
        return
    bo_queue[state[1]] = task
    state[1] += 1


def _loop(avail, kind, key1, svc0, ticket, resolves, p_sat, p_reopen, max_reopens,
          bo_delay, ans_svc, sat_u, reopen_u, reopen_lag,
          pool_can, pool_offset, pool_max, change_t, change_pool, change_n,
          bo_capacity, bo_business, win_start, win_end, n_hours):
    """Run every post through agents and back office.

    ``avail`` (detection minutes) must be sorted. Task id = post × S + stage; stage 0 is the
    first handling, stage s ≥ 1 the answer after back-office round s. Per-post arrays of shape
    (n, S) hold the pre-drawn values of each stage. An event is coded as
    (task × (agents + 1) + agent + 1) × 4 + type. Returns per-post start/end of the first
    handling, its agent, the first back-office completion, first and final resolution,
    satisfaction (−1 none, 0, 1), reopen counts, and busy minutes per pool and hour.
    """
    n = len(avail)
    S = bo_delay.shape[1]
    P, K = pool_can.shape
    start0 = np.full(n, np.nan)
    end0 = np.full(n, np.nan)
    agent0 = np.full(n, -1, np.int64)
    bo_first = np.full(n, np.nan)
    res_first = np.full(n, np.nan)
    res_final = np.full(n, np.nan)
    satisfied = np.full(n, -1, np.int8)
    reopens = np.zeros(n, np.int64)
    busy_minutes = np.zeros((P, n_hours))

    # heaps in flat arrays, sized for the worst case (every task of a kind waiting at once):
    # growing them on demand would cost more in reference counting than the memory saved
    n_agents = 0
    for p in range(P):
        n_agents += pool_max[p]
    qbase = np.zeros(K, np.int64)
    for post in range(n):  # each kind's heap starts after the tasks of the kinds before it
        for k in range(kind[post] + 1, K):
            qbase[k] += S
    qk1, qk2, qid = np.empty(n * S + 1), np.empty(n * S + 1), np.empty(n * S + 1, np.int64)
    qn = np.zeros(K, np.int64)
    cap = n_agents + 1 if S == 1 else n_agents + n * (S + 1) + 1
    et, es, ec = np.empty(cap), np.empty(cap), np.empty(cap, np.int64)
    en = np.zeros(1, np.int64)
    ebase = np.zeros(1, np.int64)
    code_base = n_agents + 1
    state = np.zeros(3, np.int64)  # back-office busy, back-office queue tail, event sequence
    bo_queue = np.empty(n * S + 1, np.int64)
    bo_head = 0

    target = np.zeros(P, np.int64)
    busy = np.zeros(P, np.int64)
    stack = np.empty(n_agents, np.int64)  # free agent ids, one stack per pool
    top = np.zeros(P, np.int64)
    for p in range(P):
        for j in range(pool_max[p]):
            stack[pool_offset[p] + j] = pool_offset[p] + pool_max[p] - 1 - j
        top[p] = pool_max[p]

    i_arr = 0
    i_chg = 0
    n_chg = len(change_t)
    while True:
        t_arr = avail[i_arr] if i_arr < n else math.inf
        t_ev = et[0] if en[0] > 0 else math.inf
        t_chg = change_t[i_chg] if i_chg < n_chg else math.inf
        if t_ev == math.inf and t_arr == math.inf and (_empty(qn) or t_chg == math.inf):
            break
        new_task = -1  # a task that becomes available to the agents now
        check_pool = -1  # a pool whose idle agents may take work now
        if t_ev <= t_chg and t_ev <= t_arr:
            t = t_ev
            code = _heap_pop(et, es, ec, en, 0, ebase)
            typ = code % 4
            task = code // 4 // code_base
            agent = code // 4 % code_base - 1
            post, stage = task // S, task % S
            k = kind[post]
            if typ == COMPLETE:
                p = 0
                while agent >= pool_offset[p] + pool_max[p]:
                    p += 1
                busy[p] -= 1
                stack[pool_offset[p] + top[p]] = agent
                top[p] += 1
                check_pool = p
                answered = stage > 0
                if stage == 0:
                    end0[post] = t
                    if resolves[k] and ticket[post]:
                        _bo_arrive(t, post * S + 1, state, bo_queue, bo_delay, bo_capacity,
                                   bo_business, win_start, win_end, et, es, ec, en, ebase, code_base)
                    else:
                        answered = resolves[k]
                if answered:
                    res_final[post] = t
                    if math.isnan(res_first[post]):
                        res_first[post] = t
                    if sat_u[post, stage] < p_sat[k]:
                        satisfied[post] = 1
                    else:
                        satisfied[post] = 0
                        if reopens[post] < max_reopens and stage + 1 < S and reopen_u[post, stage] < p_reopen:
                            reopens[post] += 1
                            state[2] += 1
                            _heap_push(et, es, ec, en, 0, ebase, t + reopen_lag[post, stage], state[2],
                                       (task + 1) * code_base * 4 + BO_ARRIVE)
            elif typ == BO_ARRIVE:
                _bo_arrive(t, task, state, bo_queue, bo_delay, bo_capacity,
                           bo_business, win_start, win_end, et, es, ec, en, ebase, code_base)
            else:  # BO_DONE: the answer goes back to the agents
                if math.isnan(bo_first[post]):
                    bo_first[post] = t
                state[0] -= 1
                if bo_head < state[1]:
                    nxt = bo_queue[bo_head]
                    bo_head += 1
                    _bo_arrive(t, nxt, state, bo_queue, bo_delay, bo_capacity,
                               bo_business, win_start, win_end, et, es, ec, en, ebase, code_base)
                new_task = task
        elif t_chg < t_arr:  # a post seen at a shift change goes to the shift on duty until then: it takes the
            # closing patrol's finds at the duty end (wbcs.sim.schedule); at a shift start the posts queue and
            # the arriving agents take them in priority order
            t = t_chg
            check_pool = change_pool[i_chg]
            target[check_pool] = change_n[i_chg]
            i_chg += 1
        else:
            t = t_arr
            new_task = i_arr * S
            i_arr += 1

        if new_task >= 0:  # queue it; an idle agent allowed to take it is woken below
            k = kind[new_task // S]
            _heap_push(qk1, qk2, qid, qn, k, qbase, key1[new_task // S], t, new_task)
            for p in range(P):
                if pool_can[p, k] and busy[p] < target[p]:
                    check_pool = p
                    break
        if check_pool >= 0:  # idle agents of this pool take the best tasks they may handle
            p = check_pool
            while busy[p] < target[p]:
                best = -1
                for k in range(K):
                    if pool_can[p, k] and qn[k] > 0 and (best < 0 or _less(
                            qk1[qbase[k]], qk2[qbase[k]], qid[qbase[k]],
                            qk1[qbase[best]], qk2[qbase[best]], qid[qbase[best]])):
                        best = k
                if best < 0:
                    break
                task = _heap_pop(qk1, qk2, qid, qn, best, qbase)
                post, stage = task // S, task % S
                top[p] -= 1
                agent = stack[pool_offset[p] + top[p]]
                busy[p] += 1
                d = svc0[post] if stage == 0 else ans_svc[post, stage]
                if stage == 0:
                    start0[post] = t
                    agent0[post] = agent
                _add_busy(busy_minutes, p, t, t + d)
                state[2] += 1
                _heap_push(et, es, ec, en, 0, ebase, t + d, state[2],
                           (task * code_base + agent + 1) * 4 + COMPLETE)
    return start0, end0, agent0, bo_first, res_first, res_final, satisfied, reopens, busy_minutes


# ---------------------------------------------------------------------------------------------
# Two ways to run the same loop. numba's own import and target initialisation cost ~1.5 s of CPU
# per process (measured in BENCHMARKS.md, sim), more than the interpreter needs for a one-week
# what-if, so the loop runs as plain Python until a process has simulated INTERPRETED_POSTS
# posts (or is told more are coming, ``plan``), then as numba-compiled code (cache=True: loaded
# from the cache after the first compilation on a machine). Both execute this file's source on
# the same float64 values in the same order, so they return the same numbers (tests check it).

_FUNCTIONS = ("_empty", "_less", "_heap_push", "_heap_pop", "_add_business", "_add_busy", "_bo_arrive", "_loop")
INTERPRETED_POSTS = 50_000  # ~where the interpreter (20–35 µs a post more) passes numba (1.4–1.9 s start-up)


class _Lists:
    """The part of numpy the loop uses, with Python lists for its 1-D arrays: the interpreter
    reads and writes a list element several times faster than a numpy array's."""

    nan, int64, int8 = math.nan, int, int
    searchsorted = staticmethod(np.searchsorted)

    @staticmethod
    def full(size, value, dtype=float):
        return [dtype(value)] * size

    @staticmethod
    def zeros(shape, dtype=float):
        return np.zeros(shape) if isinstance(shape, tuple) else [dtype(0)] * shape

    @staticmethod
    def empty(size, dtype=float):
        return [dtype(0)] * size


_PY = {**globals(), "np": _Lists}
for _name in _FUNCTIONS:
    _PY[_name] = types.FunctionType(globals()[_name].__code__, _PY, _name)

_compiled = None  # the numba dispatcher of _loop once this process uses it
_interpreted = 0  # posts this process has run through the interpreted loop

_ARRAYS_1D = (0, 1, 2, 3, 4, 5, 6, 15, 16, 17, 18, 19)  # _loop's per-element 1-D arguments
_OUT_TYPES = (float, float, np.int64, float, float, float, np.int8, np.int64)


@contextlib.contextmanager
def _signals_through():
    """A SIGTERM or Ctrl-C whose handler raised inside numba's own Python callbacks (``_numba_unpickle``, loading the
    compiled loop's constants) comes out as ``SystemError: ... returned a result with an exception set``, the
    interrupt its cause: the command printed that traceback instead of its "stopped" line. The interrupt is raised
    as itself; any other SystemError stays what it is."""
    try:
        yield
    except SystemError as e:
        cause = e.__cause__ or e.__context__
        if cause is not None and not isinstance(cause, Exception):  # KeyboardInterrupt, the CLI's stop signal
            raise cause from None
        raise


@functools.cache
def _compile():
    """The numba dispatcher of ``_loop`` (its helpers jitted in place, as callees must be)."""
    import numba

    module = globals()
    for name in _FUNCTIONS:
        module[name] = numba.njit(cache=True)(module[name])
    return module["_loop"]


def plan(posts: float) -> None:
    """Say that about ``posts`` posts are about to be simulated in this process: if that is
    more than the interpreter should run, the compiled loop is loaded now."""
    global _compiled
    if _compiled is None and _interpreted + posts > INTERPRETED_POSTS:
        with _signals_through():
            _compiled = _compile()


def run_engine(*args):
    """Run every post through agents and back office (see ``_loop`` for the arguments);
    compiled or interpreted, the same numbers."""
    global _interpreted
    n = len(args[0])
    plan(n)
    if _compiled is not None:
        with _signals_through():
            return _compiled(*args)
    _interpreted += n
    args = [a.tolist() if i in _ARRAYS_1D else a for i, a in enumerate(args)]
    *out, busy = _PY["_loop"](*args)
    return (*(np.asarray(a, dtype) for a, dtype in zip(out, _OUT_TYPES, strict=True)), busy)
