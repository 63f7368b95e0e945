"""The numba kernel's vectorized ``tanh``: its coefficients, its accuracy and its limits.

The oracle is the C library's ``long double`` ``tanh`` (64 significant bits, 11 more than a
double), through NumPy; ``math.tanh`` (glibc's, a double) is a second, coarser one.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from backends import NOT_PINNED, NUMBA_PINNED

pytestmark = pytest.mark.skipif(not NUMBA_PINNED, reason=NOT_PINNED)
LONG_DOUBLE = np.finfo(np.longdouble).nmant >= 63


@pytest.fixture(scope="module")
def kernel():
    from initstudy.model import kernel_numba_tanh

    return kernel_numba_tanh


def _tanh(kernel, x):
    out = np.array(x, dtype=np.float64)
    kernel.tanh_row(out)
    return out


def _arguments(n):
    """The edges of the formulas and the limits, then ``n`` magnitudes from 1e-300 to 30 and
    values of order 1 where a network's pre-activations lie, these with both signs."""
    rng = np.random.default_rng(0)
    edges = np.array([1.0, 19.0, 19.5, 22.0, 2.0**-27, 2.0**-55, 1e-300, 5e-324,
                      2.2250738585072014e-308, math.log(2) / 4, 1e300])  # fmt: skip
    edges = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, np.inf)])
    x = np.concatenate([
        10.0 ** rng.uniform(-300, math.log10(30), n), rng.uniform(0, 25, n),
        rng.uniform(0.9, 1.1, n), rng.normal(0, 1, 2 * n),
    ])  # fmt: skip
    return np.concatenate([edges, x, -x])


def _add(a, b):
    """The sum of two polynomials (coefficient lists, lowest power first)."""
    n = max(len(a), len(b))
    return [x + y for x, y in zip(a + [0] * (n - len(a)), b + [0] * (n - len(b)), strict=True)]


def test_the_coefficients_are_the_continued_fraction_and_the_pade_approximant(kernel):
    """``x P(u) / Q(u)`` is ``x / (1 + u / (3 + ... + u / 17))`` (u = x**2), and ``N(r)``
    is exp's [6/6] Padé numerator ``sum (12 - j)! / (j! (6 - j)!) r**j``."""
    # Fold the continued fraction from its last term: T = (2j + 1) + u / T, as num / den in u.
    num, den = [2 * kernel.CONVERGENT_DEPTH + 1], [1]
    for j in range(kernel.CONVERGENT_DEPTH - 1, -1, -1):
        num, den = _add([(2 * j + 1) * c for c in num], [0, *den]), num
    P, Q = den, num  # tanh = x / T_0
    assert P[0] == Q[0]
    correction = _add(Q, [-p for p in P])[1:]
    assert kernel.DENOMINATOR == tuple(float(c) for c in Q)
    assert kernel.CORRECTION == tuple(float(c) for c in correction)

    n = kernel.PADE_ORDER
    pade = [math.factorial(2 * n - j) // (math.factorial(j) * math.factorial(n - j))
            for j in range(n + 1)]  # fmt: skip
    assert kernel.EVEN == tuple(float(c) for c in pade[0::2])
    assert kernel.ODD == tuple(float(c) for c in pade[1::2])
    # [n/n] Padé: N(r) / N(-r) - e**r = O(r**(2n + 1)); the check at r = 1/64, in fractions.
    r = Fraction(1, 64)
    value = sum(Fraction(c) * r**j for j, c in enumerate(pade))
    value /= sum(Fraction(c) * (-r) ** j for j, c in enumerate(pade))
    series = sum(r**j / math.factorial(j) for j in range(40))
    assert abs(value - series) < Fraction(1, 10**25)


@pytest.mark.skipif(not LONG_DOUBLE, reason="long double has no more bits than a double here")
def test_the_kernels_tanh_is_within_one_and_a_half_ulp_of_the_exact_tanh(kernel):
    x = _arguments(400_000)
    x = x[np.isfinite(x)]
    ours = _tanh(kernel, x)
    exact = np.tanh(x.astype(np.longdouble))
    ulp = np.spacing(np.abs(exact.astype(np.float64))).astype(np.longdouble)
    error = np.abs((ours.astype(np.longdouble) - exact) / ulp).astype(np.float64)
    assert error.max() <= 1.5
    assert error.mean() <= 0.3
    # glibc's tanh, for scale: further from the exact values than ours.
    glibc = np.frompyfunc(math.tanh, 1, 1)(x).astype(np.float64)
    glibc_error = np.abs((glibc.astype(np.longdouble) - exact) / ulp).astype(np.float64)
    assert glibc_error.mean() > error.mean()


def _ulps(a, b):
    """|a - b| in units in the last place (the distance between the two doubles)."""
    ia, ib = a.view(np.int64), b.view(np.int64)
    ia = np.where(ia < 0, np.int64(-(2**63)) - ia, ia)
    ib = np.where(ib < 0, np.int64(-(2**63)) - ib, ib)
    return np.abs(ia - ib)


def test_the_kernels_tanh_has_tanhs_limits_symmetry_and_order(kernel):
    x = _arguments(200_000)
    ours = _tanh(kernel, x)
    special = _tanh(kernel, [0.0, -0.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(
        special[:4].view(np.int64), np.array([0.0, -0.0, 1.0, -1.0]).view(np.int64)
    )
    assert np.isnan(special[4])
    tiny = np.abs(x) < 2.0**-27
    np.testing.assert_array_equal(ours[tiny].view(np.int64), x[tiny].view(np.int64))
    far = np.abs(x) >= 19.5
    np.testing.assert_array_equal(ours[far], np.sign(x[far]))
    np.testing.assert_array_equal(_tanh(kernel, -x).view(np.int64), (-ours).view(np.int64))
    assert np.all(np.abs(ours) <= 1.0)
    glibc = np.frompyfunc(math.tanh, 1, 1)(x).astype(np.float64)
    assert _ulps(ours, glibc).max() <= 3
    # Non-decreasing, across the switch between the formulas too.
    ordered = np.sort(np.concatenate([x, np.linspace(0.999, 1.001, 20_001)]))
    assert np.all(np.diff(_tanh(kernel, ordered)) >= 0)


def test_the_kernel_computes_its_formulas_operation_by_operation(kernel):
    """The compiled row against the module's formulas in NumPy (one IEEE operation at a time):
    bit for bit, so that no fused multiply-add or reordering crept in."""
    x = _arguments(20_000)
    x = x[np.isfinite(x)]
    with np.errstate(all="ignore"):  # overflow, inf * 0: in the formula not selected
        a = np.abs(x)
        u = a * a
        s = np.zeros_like(a)
        for c in reversed(kernel.CORRECTION):
            s = s * u + c
        q = np.zeros_like(a)
        for c in reversed(kernel.DENOMINATOR):
            q = q * u + c
        near_zero = a - (a * u) * s / q
        y = np.minimum(a + a, 39.0)
        k = np.rint(y * 1.44269504088896338700)
        r = (y - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
        v = r * r
        even, odd = np.zeros_like(a), np.zeros_like(a)
        for c in reversed(kernel.EVEN):
            even = even * v + c
        for c in reversed(kernel.ODD):
            odd = odd * v + c
        odd = r * odd
        away = 1.0 - 2.0 * (even - odd) / (np.ldexp(even + odd, k.astype(int)) + (even - odd))
    expected = np.copysign(np.where(a < kernel.SWITCH, near_zero, away), x)
    np.testing.assert_array_equal(_tanh(kernel, x).view(np.int64), expected.view(np.int64))
