"""The hidden layers' ``tanh`` of :mod:`initstudy.model.kernel_numba`, vectorized.

``math.tanh`` is a call into the C library per value, which LLVM cannot
vectorize (and whose branches the CPU mispredicts on mixed signs and
magnitudes): it made a deep ``tanh`` network train at half the speed of a ReLU
one. This is fdlibm's ``tanh`` (``s_tanh.c``) and the ``expm1`` it calls
(``s_expm1.c``), in glibc's version (which evaluates the polynomial in pairs),
written without branches: every lane computes every case that ``tanh``'s
arguments reach, in the operations of the C code, and keeps its own by selects,
so that a row runs on SIMD lanes. Exponents are added by multiplying by a power
of two built from its bits (exact, as fdlibm's ``__HI(y) += k << 20``), and
``k`` stays a float (``trunc``), so that no integer conversion stops the
vectorization. Strict IEEE operations, no fused multiply-adds.

The result is fdlibm's, bit for bit: glibc's ``tanh`` where its ``expm1`` is the
generic build. On x86-64 CPUs with FMA, glibc picks an ``expm1`` compiled with
fused multiply-adds, whose ``tanh`` differs from this one in the last bits of
fewer than 1 value in 1000 for arguments of order 1 (at most 3 ulp;
``tests/test_activations.py`` checks a few million values); both are within
about 2 ulp of the exact ``tanh``. Limits as fdlibm's: ``tanh(+-inf) = +-1``,
``tanh(-0.0) = -0.0``, ``x`` itself below ``2**-55``, NaN for NaN. NumPy's own
(SIMD) ``tanh`` differs from glibc's in the last bits of about a third of such
values. A row of values of order 1 takes about half the time of ``math.tanh``'s
loop (about 130 AVX2 instructions per 4 values, against a call and mispredicted
branches per value).
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
# Inlined into the caller's loop (numba's inlining: LLVM finds tanh too long to inline itself,
# and a call in the loop would stop its vectorization).
_INLINE = {**_JIT, "inline": "always"}

# s_expm1.c's constants.
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_Q1, _Q2 = -3.33333333333331316428e-02, 1.58730158725481460165e-03
_Q3, _Q4 = -7.93650757867487942473e-05, 4.00821782732936239552e-06
_Q5 = -2.01099218183624371326e-07
# s_expm1.c reduces |x| > 0.5 ln2, that is, where the high word of |x| is above 0x3fd62e42:
# from the double whose high word is 0x3fd62e43.
_HALF_LN2_ABOVE = 0.3465735912322998  # 0x3fd62e4300000000
# s_tanh.c returns x * (1 + x) (that is x) below 2**-55 and 1 from 22 on; from 19.5 on
# its 1 - 2 / (expm1(2|x|) + 2) rounds to 1 as well (2 / (e**39 + 1) < 2**-54).
_TINY = 2.0**-55
_ONE_ABOVE = 19.5
# Adding then subtracting 1.5 * 2**52 rounds to an integer; an integer k plus it has
# the bits _ROUND_BITS + k.
_ROUND = 6755399441055744.0
_ROUND_BITS = np.int64(0x4338000000000000)
_BIAS = np.int64(1023)


@numba.jit(**_INLINE)
def _power_of_two(kf):  # pragma: no cover
    """``2**k`` for an integer-valued float ``kf`` in ``[-1022, 1023]``, from its bits."""
    k = np.float64(kf + _ROUND).view(np.int64) - _ROUND_BITS
    return np.int64((k + _BIAS) << 52).view(np.float64)


@numba.jit(**_INLINE)
def _expm1(a, big):  # pragma: no cover
    """fdlibm's ``expm1(x)`` at ``x = a`` (``big``: ``a`` in ``[2, 39]``) or ``x = -a``
    (``a`` in ``[0, 2)``): the arguments of tanh, whose ``k`` is 3 to 56, or 0 to -3.

    The cases of ``s_expm1.c`` that these arguments reach, each in its operations; every
    lane computes every case.
    """
    sign = 1.0 if big else -1.0
    x = sign * a
    # The reduction x = k ln2 + (hi - lo), k = trunc(x / ln2 +- 0.5), or 0 below
    # _HALF_LN2_ABOVE. Below 1.5 ln2 (high word under 0x3ff0a2b2) fdlibm takes k = +-1 and
    # hi = x -+ ln2_hi, lo = +-ln2_lo without the product: the same (trunc gives +-1 there).
    kf = sign * np.trunc(_INV_LN2 * a + 0.5)
    kf = kf if a >= _HALF_LN2_ABOVE else 0.0
    hi = x - kf * _LN2_HI
    lo = kf * _LN2_LO
    r = hi - lo
    c = (hi - r) - lo
    hfx = 0.5 * r
    hxs = r * hfx
    # glibc evaluates fdlibm's polynomial in this order (in pairs), not in Horner's.
    h2 = hxs * hxs
    h4 = h2 * h2
    r1 = ((1.0 + hxs * _Q1) + h2 * (_Q2 + hxs * _Q3)) + h4 * (_Q4 + hxs * _Q5)
    t = 3.0 - r1 * hfx
    e = hxs * ((r1 - t) / (6.0 - r * t))
    small = r - (r * e - hxs)  # k == 0
    e = r * (e - c) - c
    e -= hxs
    minus_one = 0.5 * (r - e) - 0.5  # k == -1
    scale = _power_of_two(kf)
    inverse = _power_of_two(-kf)
    # k <= -2: (1 - (e - r)) 2**k - 1; 2 <= k < 20: ((1 - 2**-k) - (e - r)) 2**k, one
    # expression (subtracting 0 changes nothing); 20 <= k <= 56: ((r - (e + 2**-k)) + 1) 2**k.
    y = ((1.0 - inverse if big else 1.0) - (e - r)) * scale - (0.0 if big else 1.0)
    y = ((r - (e + inverse)) + 1.0) * scale if kf >= 20.0 else y
    y = minus_one if kf == -1.0 else y
    return small if kf == 0.0 else y


@numba.jit(**_INLINE)
def tanh(x):  # pragma: no cover
    """fdlibm's (glibc's) ``tanh(x)``, without branches.

    ``1 - 2 / (t + 2)`` with ``t = expm1(2|x|)`` for ``|x| >= 1``, else ``-t / (t + 2)``
    with ``t = expm1(-2|x|)``, with the sign of ``x``; 1 from 19.5 on (and for inf); below
    ``2**-55`` (and for NaN) ``x * (1 + x)``, which is ``x``, as fdlibm writes it (a plain
    ``x`` would let LLVM store the row with a masked store, which Zen runs slowly).
    Arguments whose result is not ``expm1``'s pass 0 to it.
    """
    ax = abs(x)
    big = ax >= 1.0
    t = _expm1(ax + ax if _TINY <= ax < _ONE_ABOVE else 0.0, big)
    q = (2.0 if big else -t) / (t + 2.0)
    z = 1.0 - q if big else q
    z = math.copysign(z if ax < _ONE_ABOVE else 1.0, x)
    return z if ax >= _TINY else x * (1.0 + x)


@numba.jit(**_INLINE)
def tanh_row(z):  # pragma: no cover
    """``z = tanh(z)`` in place: one SIMD pass over a row."""
    for e in range(z.size):
        z[e] = tanh(z[e])
