"""The hidden layers' ``tanh`` of :mod:`initstudy.model.kernel_numba`, vectorized.

``math.tanh`` is a call into the C library per value, which LLVM cannot
vectorize: it made a deep ``tanh`` network train at half the speed of a ReLU
one. This ``tanh`` is written for SIMD lanes: two short formulas, both computed
for every value, and a select between them, with no branch, no table and no
integer conversion.

- ``|x| < 1``: ``x - x u S(u) / Q(u)`` with ``u = x**2``, where ``x P(u) / Q(u)``
  is the eighth convergent of Lambert's continued fraction
  ``tanh x = x / (1 + u / (3 + u / (5 + ...)))`` (``S = (Q - P) / u``): a rational
  function with integer coefficients, written as a correction to ``x`` so that
  small arguments keep their bits (``tanh x = x`` below about ``2**-27``).
- ``|x| >= 1``: ``1 - 2 / (e**(2|x|) + 1)``, with ``e**y = 2**k N(r) / N(-r)``,
  ``y = k ln2 + r``, ``|r| <= ln2 / 2``, and ``N(r) / N(-r)`` exp's [6/6] Padé
  approximant (relative error below ``2e-19`` there); the two divisions are one:
  ``1 - 2 N(-r) / (2**k N(r) + N(-r))``. ``2**k`` is built from the bits of the
  rounded ``y / ln2``, ``y`` is capped at 39 (where ``tanh`` rounds to 1).

Strict IEEE operations, no fused multiply-adds, so every CPU gives the same bits
(``tests/test_kernel_targets.py``). Measured against the ``long double`` ``tanh``
on 11 million values: at most 1.41 ulp from the exact value (``tests/test_kernel_tanh.py``
asserts 1.5), 0.24 ulp on average, where glibc's ``tanh`` is at most 2.2 ulp from
it (0.5 on average) and NumPy's at most 1.2. Limits: ``tanh(+-inf) = +-1``, the sign
of ``-0.0`` kept, ``x`` itself for tiny ``x``, NaN for NaN. A row of values of order
1 takes 0.67 ns per value on a Zen 5 CPU, 2.3 times as fast as the branch-free port
of fdlibm's ``tanh`` (glibc's, bit for bit) that this replaced (``docs/performance.md``).
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
# Inlined into the caller's loop (a call in the loop would stop its vectorization).
_INLINE = {**_JIT, "inline": "always"}

#: The continued fraction's eighth convergent, ``x P(u) / Q(u)``: ``Q``'s coefficients
#: and those of ``S = (Q - P) / u``, lowest power first.
CONVERGENT_DEPTH = 8
DENOMINATOR = (34459425.0, 16216200.0, 945945.0, 13860.0, 45.0)
CORRECTION = (11486475.0, 810810.0, 12870.0, 44.0)
#: exp's [6/6] Padé numerator ``N(r) = E(r**2) + r O(r**2)``, ``N(-r) = E - r O``.
PADE_ORDER = 6
EVEN = (665280.0, 75600.0, 840.0, 1.0)
ODD = (332640.0, 10080.0, 42.0)
#: Below it the continued fraction, from it on the exponential.
SWITCH = 1.0
# fdlibm's two-part ln2 (ln2_hi ends in 21 zero bits: k * ln2_hi is exact for k up to 56).
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
# tanh(19.5) rounds to 1; so does 1 - 2 / (e**39 + 1).
_CAP = 39.0
# Adding 1.5 * 2**52 rounds to an integer k, and the sum's bits are _ROUND_BITS + k.
_ROUND = 6755399441055744.0
_ROUND_BITS = np.int64(0x4338000000000000)
_BIAS = np.int64(1023)


@numba.jit(**_INLINE)
def tanh(x):  # pragma: no cover
    """``tanh(x)``, without branches (the module's two formulas, then a select)."""
    a = abs(x)
    u = a * a
    s = ((CORRECTION[3] * u + CORRECTION[2]) * u + CORRECTION[1]) * u + CORRECTION[0]
    q = (((DENOMINATOR[4] * u + DENOMINATOR[3]) * u + DENOMINATOR[2]) * u + DENOMINATOR[1]) * u
    near_zero = a - (a * u) * s / (q + DENOMINATOR[0])

    y = a + a
    y = _CAP if y > _CAP else y  # NaN stays NaN
    shifted = y * _INV_LN2 + _ROUND
    k = shifted - _ROUND
    r = (y - k * _LN2_HI) - k * _LN2_LO
    v = r * r
    even = ((EVEN[3] * v + EVEN[2]) * v + EVEN[1]) * v + EVEN[0]
    odd = r * ((ODD[2] * v + ODD[1]) * v + ODD[0])
    numerator, denominator = even + odd, even - odd
    power = np.int64((np.float64(shifted).view(np.int64) - _ROUND_BITS + _BIAS) << 52)
    away = 1.0 - (denominator + denominator) / (numerator * power.view(np.float64) + denominator)
    return math.copysign(near_zero if a < SWITCH else away, x)


@numba.jit(**_INLINE)
def tanh_row(z):  # pragma: no cover
    """``z = tanh(z)`` in place: one SIMD pass over a row."""
    for e in range(z.size):
        z[e] = tanh(z[e])
