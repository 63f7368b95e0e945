"""Mean-field signal propagation in deep random networks, for any registered activation.

A deep fully connected network of width ``N -> inf`` with weights
``W_ij ~ N(0, sigma_w^2 / N)``, biases ``b_i ~ N(0, sigma_b^2)`` and
pre-activations ``z^l = W^l phi(z^{l-1}) + b^l`` (Poole et al., 2016;
Schoenholz et al., 2017). With ``Dz`` the standard Gaussian measure:

- length map: ``q_{l+1} = sigma_w^2 ∫Dz phi(sqrt(q_l) z)^2 + sigma_b^2``, with
  fixed point ``q*``;
- correlation map, for two inputs whose pre-activations have length ``q``::

      c_{l+1} = (sigma_w^2 ∫∫Dz1 Dz2 phi(u1) phi(u2) + sigma_b^2) / q_{l+1},
      u1 = sqrt(q) z1,  u2 = sqrt(q) (c z1 + sqrt(1 - c^2) z2),

  which at ``q = q*`` (where ``q_{l+1} = q*``) is the papers' map. ``c = 1`` is
  always a fixed point; ``c*`` is the stable one: 1 in the ordered phase, below 1
  in the chaotic phase;
- ``chi_1 = sigma_w^2 ∫Dz phi'(sqrt(q*) z)^2``, the slope of the correlation map
  at ``c = 1`` and the per-layer factor of the squared gradient; the phase is
  ordered, critical or chaotic as ``chi_1`` is below, at or above 1;
- ``chi_c = sigma_w^2 ∫∫Dz1 Dz2 phi'(u1) phi'(u2)`` at ``(q*, c*)``, the slope
  of the correlation map at ``c*``;
- depth scales ``xi_q = -1 / ln(dq_{l+1}/dq_l at q*)`` and
  ``xi_c = -1 / ln(chi_c)``: ``|q_l - q*|`` and ``|c_l - c*|`` shrink like
  ``exp(-l / xi)``. ``xi_c`` diverges on the critical line ``chi_1 = 1``, and
  Schoenholz et al. found that networks train only up to a depth of about
  ``6 xi_c``.

The slope of the length map needs no ``phi''``: differentiating under the
integral sign, ``d/dq ∫Dz phi(sqrt(q) z)^2 = ∫Dz z phi(sqrt(q) z) phi'(sqrt(q) z) / sqrt(q)``
(Stein's lemma would turn it into ``∫Dz (phi'^2 + phi phi'')``, Schoenholz et
al.'s form).

The critical ``sigma_w^2`` for a given ``sigma_b^2`` is found along the critical
line parametrized by ``q``: a ``q > 0`` is the fixed point
of the one pair with ``chi_1 = 1``, ``sigma_w^2(q) = 1 / ∫Dz phi'(sqrt(q) z)^2``
and ``sigma_b^2(q) = q - sigma_w^2(q) ∫Dz phi(sqrt(q) z)^2``, so a root in ``q``
of ``sigma_b^2(q) = sigma_b^2`` gives it. Root finding on ``chi_1 - 1`` in
``sigma_w^2`` instead would be ill-conditioned at ``sigma_b = 0`` for tanh,
where ``chi_1 - 1`` grows only like ``(sigma_w^2 - 1)^2 / 3`` above 1.

Degenerate cases, where ``q*`` is not a positive finite number:

- ``q* = inf``: the length map has no fixed point and ``q_l`` grows without
  bound (ReLU at ``sigma_w^2 >= 2``, linear at ``sigma_w^2 >= 1``, with
  ``sigma_b > 0``; also above those at ``sigma_b = 0``). ``chi_1`` is then its
  limit ``q -> inf`` (exact for the positively homogeneous ReLU and linear,
  whose ``chi_1`` does not depend on ``q``); ``c*``, ``chi_c``, ``xi_q`` and
  ``xi_c`` are NaN, since there is no fixed point to linearize about.
- ``q* = 0``: at ``sigma_b = 0`` with ``phi(0) = 0`` below the critical
  ``sigma_w^2`` (tanh at ``sigma_w^2 <= 1``, ReLU below 2, linear below 1), the
  signal decays to 0. Every quantity is its limit ``q -> 0+`` (the correlation
  map itself is 0/0 there); that is the ordered phase, with ``c* = 1``,
  ``chi_c = chi_1 = sigma_w^2 phi'(0+)^2`` (``sigma_w^2 / 2`` for ReLU).
- ``q* = NaN``: at ``sigma_b = 0`` where the length map is the identity to 1e-12
  (ReLU at ``sigma_w^2 = 2``, He's point; linear at 1), every ``q`` is a fixed
  point. For ReLU and linear nothing else depends on ``q``: the other
  quantities are taken at ``q = 1`` (critical, ``chi_1 = 1``).

Quadrature. Gauss-Hermite converges slowly on the kinks of ReLU and of its
derivative, so the integrals are done in polar coordinates: ``Dz1 Dz2 =
r exp(-r^2/2) dr dtheta / (2 pi)``, ``u1 = sqrt(q) r cos(theta)``,
``u2 = sqrt(q) r cos(theta - arccos c)``. An activation that is smooth except
at 0 is then smooth on each angular piece between the four angles where ``u1``
or ``u2`` changes sign, and on ``r > 0``. Both directions use Gauss-Legendre
panels graded geometrically toward the places where a feature of width
``1 / sqrt(q)`` sits (``r = 0``; the breakpoints in angle), the radius truncated
at 10 (Gaussian tail ``~ e^{-50}``). The one-dimensional integrals use the
same kind of radial rule on both half-lines. Measured: ReLU and linear meet their
closed forms to rounding (1e-15); tanh agrees with nested adaptive quadrature and
with much finer rules to 3e-13 for ``1e-4 <= q <= 1000``. Activations with kinks
away from 0 would converge only algebraically.

References
----------
Poole, B., Lahiri, S., Raghu, M., Sohl-Dickstein, J. & Ganguli, S. (2016).
Exponential expressivity in deep neural networks through transient chaos. NeurIPS.

Schoenholz, S. S., Gilmer, J., Ganguli, S. & Sohl-Dickstein, J. (2017).
Deep information propagation. ICLR.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from itertools import pairwise

import numpy as np
import pandas as pd

from initstudy.model.activations import lookup_activation
from initstudy.model.init import base_std

#: Columns of :func:`theory_table`, in order.
THEORY_COLUMNS = (
    "activation",
    "sigma_w2",
    "sigma_b2",
    "q_star",
    "c_star",
    "chi_1",
    "chi_c",
    "xi_q",
    "xi_c",
    "phase",
)
#: Columns of :func:`depth_scale_curve`, in order.
CURVE_COLUMNS = ("activation", "sigma_b2", "sigma_w2", "xi_c", "trainable_depth")
#: Schoenholz et al. (2017): networks deeper than about this many ``xi_c`` did not train.
TRAINABLE_DEPTH_FACTOR = 6.0
#: ``|chi_1 - 1|`` at or below this is the critical phase (and ``xi_c = inf``).
CRITICAL_TOLERANCE = 1e-9
#: The initializers placed on the (sigma_w^2, sigma_b^2) plane by :func:`initializer_points`.
PLANE_INITIALIZERS = ("he", "lecun", "glorot")

# The stand-ins for the limits q -> 0+ and q -> inf (exact for ReLU and linear,
# relative error ~ q for smooth activations at 0+).
_Q_SMALL = 1e-12
_Q_LARGE = 1e8
# Gauss-Legendre panels on [0, R], graded toward 0 down to R / 2^levels (the line's and the
# disc's radial rules), and on the angular pieces, graded toward both ends; one more level
# each per factor 2 of sqrt(q) above 2.
_RADIUS = 10.0
_LINE_LEVELS = 6
_LINE_NODES = 16
_DISC_RADIAL_LEVELS = 4
_DISC_RADIAL_NODES = 12
_ANGULAR_LEVELS = 3
_ANGULAR_NODES = 8
_MAX_EXTRA_LEVELS = 12
_MIN_PIECE = 1e-12
# c* to this, absolute: the quadrature's own accuracy is ~1e-13.
_C_TOLERANCE = 1e-14
_TWO_PI = 2.0 * math.pi


# --- quadrature ---------------------------------------------------------------------------------


@cache
def _legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n)


def _gauss_legendre(edges: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of ``n``-point Gauss-Legendre on each panel between ``edges``."""
    x, w = _legendre(n)
    a, b = edges[:-1, None], edges[1:, None]
    half = (b - a) / 2
    return (half * x + (a + b) / 2).ravel(), (half * w).ravel()


@cache
def _radial_rule(levels: int, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Panels on ``[0, R]`` with edges ``0, R/2^levels, ..., R/2, R``."""
    edges = np.array([0.0] + [_RADIUS * 2.0**-k for k in range(levels, -1, -1)])
    return _gauss_legendre(edges, nodes)


@cache
def _line_rule(extra: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``r_k > 0`` and weights with ``∫Dz g(z) ≈ sum_k w_k (g(r_k) + g(-r_k))``."""
    r, w = _radial_rule(_LINE_LEVELS + extra, _LINE_NODES)
    return r, w * np.exp(-r * r / 2) / math.sqrt(_TWO_PI)


@cache
def _disc_radial_rule(extra: int) -> tuple[np.ndarray, np.ndarray]:
    """Radial nodes and weights of ``r exp(-r^2 / 2) dr / (2 pi)``."""
    r, w = _radial_rule(_DISC_RADIAL_LEVELS + extra, _DISC_RADIAL_NODES)
    return r, w * r * np.exp(-r * r / 2) / _TWO_PI


def _graded_edges(a: float, b: float, levels: int) -> np.ndarray:
    half = (b - a) / 2
    steps = [half * 2.0**-k for k in range(levels, 0, -1)]
    return np.array([a, *(a + s for s in steps), a + half, *(b - s for s in reversed(steps)), b])


def _extra_levels(q: float) -> int:
    """Grading levels beyond the base ones for features of width ``1 / sqrt(q)``."""
    return min(max(0, math.ceil(math.log2(max(q, 4.0) / 4.0) / 2)), _MAX_EXTRA_LEVELS)


def _angular_rule(theta_c: float, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on ``[0, 2 pi)``, split where ``u1`` or ``u2`` changes sign."""
    quarter = math.pi / 2
    breaks = sorted(
        {(t % _TWO_PI) for t in (quarter, 3 * quarter, theta_c + quarter, theta_c - quarter)}
    )
    breaks.append(breaks[0] + _TWO_PI)
    nodes, weights = [], []
    for a, b in pairwise(breaks):
        if b - a > _MIN_PIECE:
            x, w = _gauss_legendre(_graded_edges(a, b, levels), _ANGULAR_NODES)
            nodes.append(x)
            weights.append(w)
    return np.concatenate(nodes), np.concatenate(weights)


def gaussian_expectation(f: Callable[[np.ndarray], np.ndarray], q: float) -> float:
    """``∫Dz f(sqrt(q) z)``: the mean of ``f(u)`` for ``u ~ N(0, q)``, split at ``u = 0``.

    Parameters
    ----------
    f : callable
        Elementwise function, smooth except at 0.
    q : float
        Variance, ``>= 0``.

    Returns
    -------
    float
    """
    r, w = _line_rule(_extra_levels(_check_length(q)))
    u = math.sqrt(q) * r
    return float(w @ (f(u) + f(-u)))


def pair_expectation(
    f: Callable[[np.ndarray], np.ndarray], g: Callable[[np.ndarray], np.ndarray], q: float, c: float
) -> float:
    """``∫∫Dz1 Dz2 f(u1) g(u2)`` with ``u1 = sqrt(q) z1``, ``u2 = sqrt(q) (c z1 + sqrt(1-c^2) z2)``.

    ``(u1, u2)`` is a centred Gaussian pair with variances ``q`` and correlation ``c``.

    Parameters
    ----------
    f, g : callable
        Elementwise functions, smooth except at 0.
    q : float
        Variance, ``>= 0``.
    c : float
        Correlation in ``[-1, 1]``.

    Returns
    -------
    float
    """
    theta_c = math.acos(_check_correlation(c))
    extra = _extra_levels(_check_length(q))
    theta, w_theta = _angular_rule(theta_c, _ANGULAR_LEVELS + extra)
    r, w_r = _disc_radial_rule(extra)
    s = math.sqrt(q)
    u1 = s * np.outer(np.cos(theta), r)
    u2 = s * np.outer(np.cos(theta - theta_c), r)
    return float(w_theta @ (f(u1) * g(u2)) @ w_r)


# --- the maps -----------------------------------------------------------------------------------


def length_map(q: float, sigma_w2: float, sigma_b2: float, activation: str = "tanh") -> float:
    """``q_{l+1} = sigma_w^2 ∫Dz phi(sqrt(q) z)^2 + sigma_b^2``.

    Parameters
    ----------
    q : float
        Length (second moment of a pre-activation) at layer ``l``, ``>= 0``.
    sigma_w2, sigma_b2 : float
        Weight variance times fan-in, and bias variance, ``>= 0``.
    activation : str
        A name in :data:`initstudy.model.activations.ACTIVATIONS`.

    Returns
    -------
    float
    """
    phi = lookup_activation(activation).function
    _check_variances(sigma_w2, sigma_b2)
    return sigma_w2 * gaussian_expectation(lambda u: phi(u) ** 2, q) + sigma_b2


def length_map_slope(q: float, sigma_w2: float, activation: str = "tanh") -> float:
    """``d q_{l+1} / d q_l = sigma_w^2 ∫Dz z phi(sqrt(q) z) phi'(sqrt(q) z) / sqrt(q)``.

    The derivative in ``q`` of the length map's integral, taken under the
    integral sign: no ``phi''`` needed. Computed as ``sigma_w^2 E[u phi(u) phi'(u)] / q``,
    ``u ~ N(0, q)``.

    Parameters
    ----------
    q : float
        Length, ``> 0`` (use a tiny ``q`` for the limit at 0).
    sigma_w2 : float
    activation : str

    Returns
    -------
    float
    """
    act = lookup_activation(activation)
    if not _check_length(q) > 0:
        raise ValueError("the slope of the length map needs q > 0")
    mean = gaussian_expectation(lambda u: u * act.function(u) * act.derivative(u), q)
    return sigma_w2 * mean / q


def chi_1(q: float, sigma_w2: float, activation: str = "tanh") -> float:
    """``chi_1 = sigma_w^2 ∫Dz phi'(sqrt(q) z)^2``, at the length ``q`` (usually ``q*``).

    Parameters
    ----------
    q : float
        Length, ``>= 0``.
    sigma_w2 : float
    activation : str

    Returns
    -------
    float
    """
    dphi = lookup_activation(activation).derivative
    return sigma_w2 * gaussian_expectation(lambda u: dphi(u) ** 2, q)


def correlation_map(
    c: float, q: float, sigma_w2: float, sigma_b2: float, activation: str = "tanh"
) -> float:
    """Correlation at layer ``l + 1`` of two inputs of length ``q`` and correlation ``c`` at ``l``.

    ``(sigma_w^2 ∫∫Dz1 Dz2 phi(u1) phi(u2) + sigma_b^2) / q_{l+1}`` with
    ``q_{l+1} =`` :func:`length_map` ``(q)``; at ``q = q*`` that is the
    papers' map, which divides by ``q*``. It maps ``[-1, 1]`` into itself
    (Cauchy-Schwarz) and 1 to 1.

    Parameters
    ----------
    c : float
        Correlation in ``[-1, 1]``.
    q : float
        Length of both inputs' pre-activations, ``> 0``.
    sigma_w2, sigma_b2 : float
    activation : str

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``q_{l+1}`` is 0 (the map is 0/0), or an argument is out of range.
    """
    phi = lookup_activation(activation).function
    following = length_map(q, sigma_w2, sigma_b2, activation)
    if following <= 0:
        raise ValueError("the correlation map is 0/0 where the next length is 0")
    return (sigma_w2 * pair_expectation(phi, phi, q, c) + sigma_b2) / following


def correlation_slope(c: float, q: float, sigma_w2: float, activation: str = "tanh") -> float:
    """``sigma_w^2 ∫∫Dz1 Dz2 phi'(u1) phi'(u2)``: the correlation map's slope at ``c``, at ``q*``.

    ``chi_c`` at ``c = c*``; ``chi_1`` at ``c = 1``.

    Parameters
    ----------
    c : float
        Correlation in ``[-1, 1]``.
    q : float
        Length, ``>= 0``.
    sigma_w2 : float
    activation : str

    Returns
    -------
    float
    """
    dphi = lookup_activation(activation).derivative
    return sigma_w2 * pair_expectation(dphi, dphi, _check_length(q), c)


def depth_scale(slope: float) -> float:
    """``xi = -1 / ln(slope)``, the depth over which a deviation from a fixed point shrinks by e.

    Parameters
    ----------
    slope : float
        The map's slope at its stable fixed point, in ``[0, 1]``.

    Returns
    -------
    float
        0 for slope 0; ``inf`` for a slope within :data:`CRITICAL_TOLERANCE` of 1
        or above (a marginal fixed point); NaN for NaN.
    """
    if math.isnan(slope):
        return math.nan
    if slope >= 1 - CRITICAL_TOLERANCE:
        return math.inf
    if slope <= 0:
        return 0.0
    return -1.0 / math.log(slope)


# --- fixed points -------------------------------------------------------------------------------


def length_fixed_point(sigma_w2: float, sigma_b2: float, activation: str = "tanh") -> float:
    """``q*``: the smallest stable fixed point of the length map.

    Parameters
    ----------
    sigma_w2, sigma_b2 : float
        ``>= 0``.
    activation : str

    Returns
    -------
    float
        ``q* > 0``; ``inf`` where ``q_l`` grows without bound; 0 where it decays to 0
        (``sigma_b = 0``, ``phi(0) = 0``, below critical); NaN where the length map is
        the identity and every ``q`` is a fixed point (see the module docstring).
    """
    _check_variances(sigma_w2, sigma_b2)
    act = lookup_activation(activation)
    if sigma_w2 == 0:
        return float(sigma_b2)

    def gap(q: float) -> float:
        return length_map(q, sigma_w2, sigma_b2, act.name) - q

    low = float(sigma_b2)
    if sigma_b2 == 0 and float(act.function(np.float64(0.0))) == 0:
        # q = 0 is a fixed point: stable if the map lies below the diagonal just above it.
        if all(abs(gap(q)) <= 1e-12 * q for q in (_Q_SMALL, 1.0, 1e4)):
            return math.nan
        if gap(_Q_SMALL) <= 0:
            return 0.0
        low = _Q_SMALL
    # q* >= sigma_b^2 and gap(low) >= 0: step up by factors of 4 until the map falls below q.
    high = max(4 * low, _Q_SMALL)
    while gap(high) >= 0:
        if high > _Q_LARGE:
            return math.inf
        low, high = high, 4 * high
    return _root(gap, low, high)


def correlation_fixed_point(
    sigma_w2: float, sigma_b2: float, activation: str = "tanh", q_star: float | None = None
) -> float:
    """``c*``: the stable fixed point of the correlation map at ``q*``.

    Parameters
    ----------
    sigma_w2, sigma_b2 : float
    activation : str
    q_star : float, optional
        :func:`length_fixed_point`, if already known.

    Returns
    -------
    float
        1 in the ordered and critical phases; the largest fixed point below 1 in
        the chaotic phase; NaN where ``q* = inf``.
    """
    q = length_fixed_point(sigma_w2, sigma_b2, activation) if q_star is None else q_star
    if math.isinf(q):
        return math.nan
    q = _evaluation_length(q)
    if chi_1(q, sigma_w2, activation) <= 1 + CRITICAL_TOLERANCE:
        return 1.0
    phi = lookup_activation(activation).function
    following = length_map(q, sigma_w2, sigma_b2, activation)

    def gap(c: float) -> float:
        return (sigma_w2 * pair_expectation(phi, phi, q, c) + sigma_b2) / following - c

    return _stable_root_below_one(gap)


def _stable_root_below_one(gap: Callable[[float], float]) -> float:
    """The root of ``gap(c) = f(c) - c`` nearest below 1: the stable ``c*`` of a chaotic map.

    In the chaotic phase ``gap`` is negative just below the unstable fixed point
    1 and ``>= 0`` at -1 (``f`` maps into ``[-1, 1]``); where it turns from
    ``>= 0`` to negative on the way up, ``f' < 1``: that root is stable. 1 if
    ``gap`` is still ``>= 0`` at ``1 - 1e-12`` (``c*`` that close to 1 is
    indistinguishable from it).
    """
    if gap(0.5) >= 0:
        low = 0.5
        for k in range(1, 13):
            high = 1 - 10.0**-k
            if gap(high) < 0:
                return _root(gap, low, high, _C_TOLERANCE)
            low = high
        return 1.0
    high = 0.5
    for low in (0.0, -0.5, -1.0):
        if gap(low) >= 0:
            return _root(gap, low, high, _C_TOLERANCE)
        high = low
    return -1.0  # gap(-1) < 0 only by rounding: f(-1) = -1


def _evaluation_length(q_star: float) -> float:
    """Where the quantities at ``q*`` are evaluated: the limit 0+ for 0, any ``q`` for NaN."""
    if math.isnan(q_star):
        return 1.0
    if math.isinf(q_star):
        return _Q_LARGE
    return max(q_star, _Q_SMALL)


# --- the phase diagram --------------------------------------------------------------------------


@dataclass(frozen=True)
class MeanField:
    """The mean-field quantities at one (activation, sigma_w^2, sigma_b^2).

    Fields as :data:`THEORY_COLUMNS` (see :func:`mean_field`).
    """

    activation: str
    sigma_w2: float
    sigma_b2: float
    q_star: float
    c_star: float
    chi_1: float
    chi_c: float
    xi_q: float
    xi_c: float
    phase: str


def mean_field(sigma_w2: float, sigma_b2: float, activation: str = "tanh") -> MeanField:
    """``q*``, ``c*``, ``chi_1``, ``chi_c``, ``xi_q``, ``xi_c`` and the phase at one point.

    Parameters
    ----------
    sigma_w2, sigma_b2 : float
        ``>= 0``.
    activation : str

    Returns
    -------
    MeanField
        ``phase`` is ``"critical"`` where ``|chi_1 - 1| <=`` :data:`CRITICAL_TOLERANCE`,
        else ``"ordered"`` or ``"chaotic"``. See the module docstring for ``q*`` of
        0, ``inf`` and NaN.
    """
    sigma_w2, sigma_b2 = float(sigma_w2), float(sigma_b2)
    name = lookup_activation(activation).name
    q_star = length_fixed_point(sigma_w2, sigma_b2, name)
    q = _evaluation_length(q_star)
    slope_1 = chi_1(q, sigma_w2, name)
    phase = _phase(slope_1)
    if math.isinf(q_star):
        c_star = slope_c = xi_q = xi_c = math.nan
    else:
        c_star = correlation_fixed_point(sigma_w2, sigma_b2, name, q_star)
        slope_c = correlation_slope(c_star, q, sigma_w2, name)
        xi_q = depth_scale(length_map_slope(q, sigma_w2, name))
        xi_c = math.inf if phase == "critical" else depth_scale(slope_c)
    return MeanField(name, sigma_w2, sigma_b2, q_star, c_star, slope_1, slope_c, xi_q, xi_c, phase)


def _phase(slope_1: float) -> str:
    if abs(slope_1 - 1) <= CRITICAL_TOLERANCE:
        return "critical"
    return "ordered" if slope_1 < 1 else "chaotic"


def theory_table(
    sigma_w2: Iterable[float], sigma_b2: Iterable[float], activation: str = "tanh"
) -> pd.DataFrame:
    """:func:`mean_field` on the grid ``sigma_b2 x sigma_w2``, one row per point.

    Parameters
    ----------
    sigma_w2, sigma_b2 : iterable of float
    activation : str

    Returns
    -------
    pandas.DataFrame
        Columns :data:`THEORY_COLUMNS`; rows ordered by ``sigma_b2``, then ``sigma_w2``.
    """
    weights = [float(x) for x in sigma_w2]
    rows = [asdict(mean_field(w, b, activation)) for b in sigma_b2 for w in weights]
    return pd.DataFrame(rows, columns=list(THEORY_COLUMNS))


def critical_sigma_w2(sigma_b2: float, activation: str = "tanh") -> float:
    """The ``sigma_w^2`` at which ``chi_1(q*) = 1`` for the given ``sigma_b^2``.

    Solved along the critical line parametrized by ``q`` (module docstring);
    where ``sigma_b^2(q)`` never reaches ``sigma_b2`` the line lies at
    ``q* = inf``, and the answer is ``1 / lim_{q->inf} ∫Dz phi'(sqrt(q) z)^2``
    (ReLU: 2, linear: 1, whatever the bias).

    Parameters
    ----------
    sigma_b2 : float
        ``>= 0``.
    activation : str

    Returns
    -------
    float
        tanh: 1 at ``sigma_b2 = 0``; ReLU: 2; linear: 1.
    """
    _check_variances(1.0, sigma_b2)
    name = lookup_activation(activation).name

    def weight(q: float) -> float:
        return 1.0 / chi_1(q, 1.0, name)

    def bias_gap(q: float) -> float:
        return q - weight(q) * length_map(q, 1.0, 0.0, name) - sigma_b2

    low = _Q_SMALL
    if bias_gap(low) >= 0:
        return weight(low)
    while low < _Q_LARGE:
        high = 4 * low
        if bias_gap(high) >= 0:
            return weight(_root(bias_gap, low, high))
        low = high
    return weight(_Q_LARGE)


def depth_scale_curve(
    sigma_b2: float,
    activation: str = "tanh",
    sigma_w2: Iterable[float] | None = None,
    *,
    low: float = 0.5,
    high: float = 4.0,
    num: int = 200,
) -> pd.DataFrame:
    """``xi_c`` and ``6 xi_c`` on a fine ``sigma_w^2`` grid: the curve over a sigma_w^2 x depth map.

    Parameters
    ----------
    sigma_b2 : float
    activation : str
    sigma_w2 : iterable of float, optional
        The grid. By default ``num`` points evenly spaced on ``[low, high]`` and,
        where ``xi_c`` peaks, the critical ``sigma_w^2`` times ``1 ± 10^-k``,
        ``k = 2 .. 5``, those inside ``[low, high]``.
    low, high : float
        Ends of the default grid.
    num : int
        Evenly spaced points of the default grid.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CURVE_COLUMNS`, by increasing ``sigma_w2``;
        ``trainable_depth = 6 xi_c``. ``xi_c`` diverges at the critical point,
        is ``inf`` on it and NaN where ``q* = inf``: clip before drawing.
    """
    if sigma_w2 is None:
        grid = _curve_grid(sigma_b2, activation, low, high, num)
    else:
        grid = np.asarray(list(sigma_w2), dtype=float)
    curve = pd.DataFrame({"sigma_w2": grid})
    curve["xi_c"] = [mean_field(w, sigma_b2, activation).xi_c for w in grid]
    curve.insert(0, "sigma_b2", float(sigma_b2))
    curve.insert(0, "activation", lookup_activation(activation).name)
    curve["trainable_depth"] = TRAINABLE_DEPTH_FACTOR * curve["xi_c"]
    return curve[list(CURVE_COLUMNS)]


def _curve_grid(sigma_b2: float, activation: str, low: float, high: float, num: int) -> np.ndarray:
    critical = critical_sigma_w2(sigma_b2, activation)
    near = critical * (1 + np.outer([-1.0, 1.0], 10.0 ** -np.arange(2, 6)).ravel())
    near = near[(near >= low) & (near <= high)]
    return np.unique(np.concatenate([np.linspace(low, high, num), near]))


def initializer_points(
    inits: Sequence[str] = PLANE_INITIALIZERS, width: int = 100
) -> dict[str, tuple[float, float]]:
    """Where initializers sit on the (sigma_w^2, sigma_b^2) plane, at equal hidden widths.

    ``sigma_w^2 = fan_in * base_std(fan_in, fan_out)^2`` from the initializer
    registry with ``fan_in = fan_out = width``, zero biases: He 2, LeCun 1,
    Glorot 1 at any width.

    Parameters
    ----------
    inits : sequence of str
        Names in :data:`initstudy.model.init.INITIALIZERS`.
    width : int
        The hidden width.

    Returns
    -------
    dict
        ``name -> (sigma_w2, sigma_b2)``, ``sigma_w2`` rounded to 12 decimals so
        that He lands exactly on 2.
    """
    return {name: (round(width * base_std(name, width, width) ** 2, 12), 0.0) for name in inits}


# --- helpers ------------------------------------------------------------------------------------


def _root(f: Callable[[float], float], low: float, high: float, xtol: float = 1e-300) -> float:
    # Imported here: the Snakefile imports this module (through depth_glorot), and
    # scipy.optimize would add a fifth of a second to every Snakemake start.
    from scipy.optimize import brentq

    # brentq's default xtol (2e-12, absolute) would be coarse for a q* of 1e-9; relative it is.
    return float(brentq(f, low, high, xtol=xtol, rtol=4 * np.finfo(float).eps, maxiter=200))


def _check_variances(sigma_w2: float, sigma_b2: float) -> None:
    if not (sigma_w2 >= 0 and sigma_b2 >= 0 and math.isfinite(sigma_w2 + sigma_b2)):
        raise ValueError(f"need finite sigma_w2, sigma_b2 >= 0, got {sigma_w2!r}, {sigma_b2!r}")


def _check_length(q: float) -> float:
    if not (q >= 0 and math.isfinite(q)):
        raise ValueError(f"need a finite length q >= 0, got {q!r}")
    return float(q)


def _check_correlation(c: float) -> float:
    if not -1 <= c <= 1:
        raise ValueError(f"need a correlation c in [-1, 1], got {c!r}")
    return float(c)
