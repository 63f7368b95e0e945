"""Confidence intervals from SciPy, or the stated reason why there is none.

The mean's interval is ``scipy.stats.bootstrap`` with the bias-corrected and
accelerated (BCa) method, a proportion's the Wilson score interval of
``scipy.stats.binomtest``. An interval that cannot be stated is NaN with a
reason (an :class:`Interval`'s ``note``): no finite value, one value, all
values identical, all seeds identical (a deterministic run repeated, e.g.
``zeros``, whose seeds are not independent samples; decided by
``initstudy.analysis.stats.identical_seeds``), or a degenerate bootstrap distribution on
which BCa is undefined.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

NO_VALUE = "no finite value"
ONE_VALUE = "one finite value"
SAME_VALUES = "all values identical"
IDENTICAL = "all seeds identical"
BCA_UNDEFINED = "BCa undefined: degenerate bootstrap distribution"

# Bound on the bootstrap index matrix drawn at once (int64: 80 MB).
_MAX_INDICES_PER_CHUNK = 10_000_000


class Interval(NamedTuple):
    """A confidence interval, or NaN bounds and the reason there is none.

    Attributes
    ----------
    low, high : float
        The bounds; both NaN when there is no interval.
    note : str
        Empty when the interval exists, otherwise why it does not.
    """

    low: float
    high: float
    note: str = ""


def bound_columns(name: str) -> tuple[str, str]:
    """The table columns of the interval of ``name``: ``<name>_ci_low``, ``<name>_ci_high``.

    Parameters
    ----------
    name : str

    Returns
    -------
    tuple of str
    """
    return f"{name}_ci_low", f"{name}_ci_high"


def no_interval(note: str) -> Interval:
    """An :class:`Interval` with NaN bounds and the reason ``note``."""
    return Interval(math.nan, math.nan, note)


def check_level(level: float) -> None:
    """Refuse a confidence level outside (0, 1) with a ``ValueError``."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")


def without_nan(values) -> np.ndarray:
    """The values as a flat float array, NaN dropped."""
    x = np.asarray(values, dtype=float).ravel()
    return x[~np.isnan(x)]


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion, from SciPy.

    ``scipy.stats.binomtest(successes, n).proportion_ci(level, method="wilson")``:
    with ``p = successes / n`` and ``z`` the ``(1 + level) / 2`` normal quantile,
    ``(p + z²/2n ∓ z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``.

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= n``.
    n : int
        Number of trials.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    low, high : float
        Within [0, 1]; ``low`` is exactly 0 when ``successes == 0`` and ``high``
        exactly 1 when ``successes == n``; ``(nan, nan)`` when ``n == 0``.

    Raises
    ------
    ValueError
        If the counts or the level are out of range.
    """
    check_level(level)
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return math.nan, math.nan
    from scipy import stats as scipy_stats  # imported here: training jobs never need it

    ci = scipy_stats.binomtest(int(successes), int(n)).proportion_ci(level, method="wilson")
    return float(ci.low), float(ci.high)


def bootstrap_mean_ci(values, n_resamples: int, seed: int, level: float = 0.95) -> Interval:
    """BCa bootstrap confidence interval of the mean, from ``scipy.stats.bootstrap``.

    The bias-corrected and accelerated interval (Efron 1987) corrects the
    percentile interval for the skew of the bootstrap distribution; accuracies
    near 1 are skewed. Resamples are drawn by ``numpy.random.default_rng(seed)``
    (at most ten million indices at once).

    Parameters
    ----------
    values : array_like
        Sample; NaN values are dropped first.
    n_resamples : int
        Number of bootstrap resamples, at least 1.
    seed : int
        Seed of the generator; the same seed gives the same interval.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    Interval
        Within ``[min(values), max(values)]``. No interval (NaN bounds, with
        the note) for an empty sample (:data:`NO_VALUE`), a single value
        (:data:`ONE_VALUE`), identical values (:data:`SAME_VALUES`), or where BCa
        is undefined (:data:`BCA_UNDEFINED`).

    Raises
    ------
    ValueError
        If ``n_resamples < 1`` or the level is out of range.
    """
    check_level(level)
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    x = without_nan(values)
    if x.size == 0:
        return no_interval(NO_VALUE)
    if x.size == 1:
        return no_interval(ONE_VALUE)
    if np.all(x == x[0]):
        return no_interval(SAME_VALUES)
    from scipy import stats as scipy_stats  # imported here: training jobs never need it

    with warnings.catch_warnings():
        # SciPy warns and returns NaN where BCa is undefined; that is handled below.
        warnings.simplefilter("ignore")
        result = scipy_stats.bootstrap(
            (x,),
            np.mean,
            n_resamples=n_resamples,
            batch=max(1, _MAX_INDICES_PER_CHUNK // x.size),
            vectorized=True,
            axis=-1,
            confidence_level=level,
            method="BCa",
            rng=np.random.default_rng(seed),
        )
    low, high = result.confidence_interval
    if not (np.isfinite(low) and np.isfinite(high)):
        return no_interval(BCA_UNDEFINED)
    # A mean lies within the sample's range; clipping removes summation round-off.
    low, high = np.clip([low, high], x.min(), x.max())
    return Interval(float(low), float(high))
