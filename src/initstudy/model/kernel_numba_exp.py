"""The output gradient ``1/m * (sigmoid(z) - y)`` of :mod:`initstudy.model.kernel_numba`,
vectorized.

``math.exp`` is a call into the C library that LLVM cannot vectorize, and it
cost as much as a third of a training iteration of the notebook's network. This
is fdlibm's ``exp`` (``e_exp.c``, error below 1 ulp: ``x = k ln2 + r``, a
rational form in ``r*r``, then times ``2**k``) written without branches, so
that it runs on SIMD lanes. It may differ from NumPy's ``exp`` in the last bit
of some results.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from initstudy.model.kernel_numba_build import force_vector_width
from initstudy.model.kernel_numba_cache import cache_with_all_sources

force_vector_width()  # before anything here compiles (kernel_numba_build)
cache_with_all_sources()  # before the first cached function (kernel_numba_cache)

_JIT = {
    "nopython": True, "nogil": True, "cache": True, "error_model": "numpy", "fastmath": False,
    "_nrt": False,
}  # fmt: skip

_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_P1, _P2 = 1.66666666666666019037e-01, -2.77777777770155933842e-03
_P3, _P4 = 6.61375632143793436117e-05, -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_OVERFLOW = 7.09782712893383973096e02  # exp(x) is inf above this
_CEILING = 709.8  # arguments are clamped into [_FLOOR, _CEILING] before the reduction
# Below -40, 1 + exp(x) rounds to 1 whatever exp(x) is: the argument is clamped there.
_FLOOR = -40.0
_ROUND = 6755399441055744.0  # 1.5 * 2**52: adding then subtracting it rounds to an integer
_EVENTS = 700.0  # beyond +-700 the caller replays the extreme arguments through NumPy


@numba.jit(**_JIT)
def _exp_reduced(x):  # pragma: no cover
    """``(y, k)`` with ``exp(x) = y * 2**k`` for ``x`` in ``[-40, 709.8]``, as fdlibm."""
    kf = (x * _INV_LN2 + _ROUND) - _ROUND
    hi = x - kf * _LN2_HI
    lo = kf * _LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    return 1.0 - ((lo - (r * c) / (2.0 - c)) - hi), kf


@numba.jit(**_JIT)
def _extreme_arguments(z, lo, hi):  # pragma: no cover
    """``lo, hi`` widened to the smallest and largest finite ``-z``."""
    for e in range(z.size):
        x = -z[e]
        if hi < x < math.inf:
            hi = x
        elif -math.inf < x < lo:
            lo = x
    return lo, hi


@numba.jit(**{**_JIT, "inline": "always"})
def sigmoid_error(z, y, inv_m, dz, bits, lo, hi):  # pragma: no cover
    """``dz = (1 / (1 + exp(-z)) - y) * inv_m``, the notebook's operations, in two SIMD passes.

    ``bits`` (int64 scratch of ``z.size``) carries ``2**(k-1)`` from the first pass
    to the second as the bits of a float64. Returns ``lo, hi``, widened to the
    smallest and largest finite argument of ``exp`` if one is beyond +-700 (the
    only ones at which ``exp`` can overflow or underflow).
    """
    m = z.size
    scale = bits.view(np.float64)
    extreme = 0
    for e in range(m):
        x = -z[e]
        # NaN goes to the floor too: the integer conversion needs a finite number.
        xc = (x if x < _CEILING else _CEILING) if x > _FLOOR else _FLOOR
        y_e, kf = _exp_reduced(xc)
        dz[e] = y_e
        bits[e] = (np.int64(kf) + 1022) << 52
        extreme += 1 if _EVENTS < abs(x) < math.inf else 0
    for e in range(m):
        x = -z[e]
        ex = (dz[e] * scale[e]) * 2.0  # y * 2**(k-1) * 2: exact, and 2**1024 never formed
        ex = math.inf if x > _OVERFLOW else (x if x != x else ex)
        dz[e] = (1.0 / (1.0 + ex) - y[e]) * inv_m
    if extreme:
        lo, hi = _extreme_arguments(z, lo, hi)
    return lo, hi
