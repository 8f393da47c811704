"""The numba sources of :mod:`emp_theory._kernels.jit` (imported only when those run).

Every function takes float32 arrays and works on their bit patterns as ``uint32``: the
magnitude key of an entry is its pattern with the sign bit cleared. The summing loops
are compiled with reassociation allowed (so they vectorize); the counting and
comparing loops are integer code. Small loops live in their own functions because
numba/LLVM vectorizes a loop over a whole array argument, not one nested in another.
Compiled code is cached on disk (``cache=True``).
"""

from __future__ import annotations

import numba as nb
import numpy as np

_FM = {"reassoc", "contract"}
_MAG = np.uint32(0x7FFFFFFF)


@nb.njit(nogil=True, fastmath=_FM, cache=True)
def _sums(x):
    s1 = 0.0
    s2 = 0.0
    for t in range(x.size):
        v = np.float64(x[t])
        s1 += abs(v)
        s2 += v * v
    return s1, s2


@nb.njit(nogil=True, cache=True)
def _hist_top(u, h):
    for t in range(u.size):
        h[(u[t] & _MAG) >> 16] += 1


@nb.njit(nogil=True, cache=True)
def block_sums(x, o1, o2, first):
    n = x.size
    B = 256
    for i in range(0, n, B):
        a, b = _sums(x[i : min(i + B, n)])
        o1[first + i // B] = a
        o2[first + i // B] = b


@nb.njit(nogil=True, cache=True)
def block_sums_hist(x, o1, o2, first, h):
    n = x.size
    u = x.view(np.uint32)
    B = 256
    for i in range(0, n, B):
        j = min(i + B, n)
        a, b = _sums(x[i:j])
        o1[first + i // B] = a
        o2[first + i // B] = b
        _hist_top(u[i:j], h)


@nb.njit(nogil=True, cache=True)
def _hist_low(u, top, h):
    for t in range(u.size):
        k = u[t] & _MAG
        if (k >> 16) == top:
            h[k & 0xFFFF] += 1


@nb.njit(nogil=True, cache=True)
def hist_low(x, top, h):
    _hist_low(x.view(np.uint32), np.uint32(top), h)


@nb.njit(nogil=True, cache=True)
def _gt(u, T, m):
    for t in range(u.size):
        m[t] = (u[t] & _MAG) > T


@nb.njit(nogil=True, cache=True)
def _ge(u, T, m):
    for t in range(u.size):
        m[t] = (u[t] & _MAG) >= T


@nb.njit(nogil=True, cache=True)
def above(x, T, m):
    _gt(x.view(np.uint32), np.uint32(T), m)


@nb.njit(nogil=True, cache=True)
def at_least(x, T, m):
    _ge(x.view(np.uint32), np.uint32(T), m)


@nb.njit(nogil=True, cache=True)
def fill_ties(x, T, quota, m):
    u = x.view(np.uint32)
    T = np.uint32(T)
    left = quota
    for t in range(u.size):
        if left == 0:
            break
        if (u[t] & _MAG) == T:
            m[t] = True
            left -= 1


@nb.njit(nogil=True, fastmath=_FM, cache=True)
def _sum_gt(x, T):
    u = x.view(np.uint32)
    s = 0.0
    for t in range(u.size):
        if (u[t] & _MAG) > T:
            s += abs(np.float64(x[t]))
    return s


@nb.njit(nogil=True, fastmath=_FM, cache=True)
def _sum_ge(x, T):
    u = x.view(np.uint32)
    s = 0.0
    for t in range(u.size):
        if (u[t] & _MAG) >= T:
            s += abs(np.float64(x[t]))
    return s


@nb.njit(nogil=True, cache=True)
def sum_kept(x, T, inclusive, o, first):
    n = x.size
    T = np.uint32(T)
    B = 256
    for i in range(0, n, B):
        y = x[i : min(i + B, n)]
        o[first + i // B] = _sum_ge(y, T) if inclusive else _sum_gt(y, T)


@nb.njit(nogil=True, cache=True)
def exact_parts(x, s1, s2lo, s2hi):
    # per biased exponent e: the integer sums of the 24-bit mantissas m and of m*m
    # (split at bit 24 so that the int64 sums cannot overflow below 2**39 entries)
    u = x.view(np.uint32)
    for t in range(u.size):
        b = u[t]
        e = (b >> 23) & 0xFF
        m = np.int64(b & 0x7FFFFF)
        if e:
            m += 0x800000
        s1[e] += m
        q = m * m
        s2lo[e] += q & 0xFFFFFF
        s2hi[e] += q >> 24


# ---------------------------------------------------------------------------
# Unsigned bit patterns of any width (the streamer's 8-, 16-, 32- and 64-bit floats)
# ---------------------------------------------------------------------------
@nb.njit(nogil=True, cache=True)
def count_keys(raw, mask, shift, h):
    for t in range(raw.size):
        h[(raw[t] & mask) >> shift] += 1


@nb.njit(nogil=True, cache=True)
def count_digit(keys, hi, prefix, shift, low_mask, h):
    for t in range(keys.size):
        k = keys[t]
        if (k >> hi) == prefix:
            h[(k >> shift) & low_mask] += 1


@nb.njit(nogil=True, cache=True)
def zero_below(r, mask, T, inclusive, zero):
    # `zero` has r's dtype: `x if c else 0` would unify uint64 with int64 into float64
    kept = 0
    if inclusive:
        for t in range(r.size):
            keep = (r[t] & mask) >= T
            r[t] = r[t] if keep else zero
            kept += keep
    else:
        for t in range(r.size):
            keep = (r[t] & mask) > T
            r[t] = r[t] if keep else zero
            kept += keep
    return kept


@nb.njit(nogil=True, cache=True)
def count_equal(r, mask, T):
    c = 0
    for t in range(r.size):
        c += (r[t] & mask) == T
    return c


@nb.njit(nogil=True, cache=True)
def zero_below_ties(r, mask, T, ties, zero):
    kept = 0
    for t in range(r.size):
        k = r[t] & mask
        keep = k > T
        if k == T and ties > 0:
            keep = True
            ties -= 1
        r[t] = r[t] if keep else zero
        kept += keep
    return kept
