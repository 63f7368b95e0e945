"""Summary statistics of the per-run table: intervals, robust means, paired comparisons.

Every function is pure and deterministic: random resampling draws from
``numpy.random.default_rng`` seeded by the caller, and per-cell seeds come from
:func:`derive_seed`, which depends only on the caller's seed and the cell itself,
so adding or reordering cells leaves the other cells' intervals unchanged.
"""

from __future__ import annotations

import hashlib
import math
from numbers import Real
from statistics import NormalDist

import numpy as np
import pandas as pd

from initstudy.outcomes import STATUSES

METRICS = ("test_accuracy", "train_accuracy", "final_cost")
METRIC_STATS = ("mean", "std", "median", "iqm", "ci_low", "ci_high")
SUMMARY_COLUMNS = (
    "init",
    "scale",
    "n_seeds",
    "n_finite",
    *(f"{metric}_{stat}" for metric in METRICS for stat in METRIC_STATS),
    "n_success",
    "success_rate",
    "success_ci_low",
    "success_ci_high",
    *(f"n_{status}" for status in STATUSES),
)

# Bound on the bootstrap index matrix drawn at once (int64: 80 MB).
_MAX_INDICES_PER_CHUNK = 10_000_000
_NAN_PAIR = (math.nan, math.nan)


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")


def _without_nan(values) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[~np.isnan(x)]


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    With ``p = successes / n`` and ``z`` the ``(1 + level) / 2`` standard normal
    quantile, the bounds are ``(p + z²/2n ∓ z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``.

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
        Bounds clipped to [0, 1]; ``low`` is exactly 0 when ``successes == 0``
        and ``high`` exactly 1 when ``successes == n``; ``(nan, nan)`` when ``n == 0``.

    Raises
    ------
    ValueError
        If the counts or the level are out of range.
    """
    _check_level(level)
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return _NAN_PAIR
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    z2_n = z * z / n
    center = (p + z2_n / 2) / (1 + z2_n)
    half = z * math.sqrt(p * (1 - p) / n + z2_n / (4 * n)) / (1 + z2_n)
    low = 0.0 if successes == 0 else max(0.0, center - half)
    high = 1.0 if successes == n else min(1.0, center + half)
    return low, high


def bootstrap_mean_ci(
    values, n_resamples: int, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean.

    Draws ``n_resamples`` resamples with replacement (index matrices in chunks
    of at most ten million indices) from ``numpy.random.default_rng(seed)`` and
    returns the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles (NumPy's
    default linear interpolation) of the resample means.

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
    low, high : float
        Within ``[min(values), max(values)]``; ``(nan, nan)`` for an empty
        sample; ``(c, c)`` exactly for a sample of identical values ``c``.

    Raises
    ------
    ValueError
        If ``n_resamples < 1`` or the level is out of range.
    """
    _check_level(level)
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    x = _without_nan(values)
    if x.size == 0:
        return _NAN_PAIR
    if np.all(x == x[0]):
        return float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    rows_per_chunk = max(1, _MAX_INDICES_PER_CHUNK // x.size)
    means = np.empty(n_resamples)
    for start in range(0, n_resamples, rows_per_chunk):
        stop = min(start + rows_per_chunk, n_resamples)
        indices = rng.integers(0, x.size, size=(stop - start, x.size))
        means[start:stop] = x[indices].mean(axis=1)
    alpha = 1 - level
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    # A mean lies within the sample's range; clipping removes summation round-off.
    low, high = np.clip([low, high], x.min(), x.max())
    return float(low), float(high)


def interquartile_mean(values) -> float:
    """Interquartile mean: the mean of the middle 50 % of the sorted sample.

    Each of the ``n`` sorted values ``x_(i)`` owns the slice ``[(i-1)/n, i/n]``
    of the unit interval; its weight is the length of that slice inside
    ``[1/4, 3/4]``, divided by 1/2. This is twice the integral of the empirical
    quantile function over ``[1/4, 3/4]``, so boundary values count fractionally
    and the result is defined for every ``n``. It equals the IQM of Agarwal et
    al. (2021) (``scipy.stats.trim_mean(x, 0.25)``) when ``n`` is a multiple
    of 4. Examples: ``1..8`` gives mean(3, 4, 5, 6) = 4.5; for ``n = 5`` the
    weights are ``(0, 0.3, 0.4, 0.3, 0)``; for ``n = 1`` or ``2`` the plain mean.

    Parameters
    ----------
    values : array_like
        Sample; NaN values are dropped first.

    Returns
    -------
    float
        The interquartile mean, NaN for an empty sample.
    """
    x = np.sort(_without_nan(values))
    n = x.size
    if n == 0:
        return math.nan
    # In units of 1/(4n) the slices [4(i-1), 4i] and the window [n, 3n] have
    # integer ends, so the weights are exact integers summing to 2n.
    upper = 4 * np.arange(1, n + 1)
    weights = np.clip(np.minimum(upper, 3 * n) - np.maximum(upper - 4, n), 0, None)
    return float(np.dot(weights, x) / (2 * n))


def _key_text(part) -> str:
    # Numbers go through float so that 1, 1.0 and np.float64(1.0) name the same cell.
    if isinstance(part, Real) and not isinstance(part, bool):
        return repr(float(part))
    return str(part)


def derive_seed(seed: int, *key) -> int:
    """Seed for one cell, from the caller's seed and the cell's own key.

    The key parts are written as text (numbers as ``repr(float(x))``), joined,
    hashed with SHA-256, and mixed with ``seed`` by ``numpy.random.SeedSequence``.
    The result depends on nothing else, in particular not on the cell's position.

    Parameters
    ----------
    seed : int
        Non-negative base seed.
    *key : str or float
        Parts identifying the cell, e.g. ``init, scale``.

    Returns
    -------
    int
        A 64-bit seed for ``numpy.random.default_rng``.
    """
    text = "\x1f".join(_key_text(part) for part in key)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return int(np.random.SeedSequence([seed, *words]).generate_state(1, np.uint64)[0])


def check_run_keys(runs: pd.DataFrame, axes: tuple[str, ...] = ("init", "scale")) -> None:
    """Refuse runs with a missing key or more than one row per (cell, seed).

    Parameters
    ----------
    runs : pandas.DataFrame
    axes : tuple of str
        The columns that name a cell.

    Raises
    ------
    ValueError
    """
    names = ", ".join((*axes, "seed"))
    keys = runs[[*axes, "seed"]]
    if keys.isna().any().any():
        raise ValueError(f"{names} must not be missing")
    if keys.duplicated().any():
        raise ValueError(f"runs hold more than one row for some ({names})")


def _describe(values: np.ndarray, prefix: str, n_resamples: int, seed: int, level: float) -> dict:
    """Mean, std, median, IQM and bootstrap interval of the finite ``values``."""
    x = values[np.isfinite(values)]
    n = x.size
    if n == 0:
        return {f"{prefix}_{stat}": math.nan for stat in METRIC_STATS}
    low, high = bootstrap_mean_ci(x, n_resamples, seed, level)
    return {
        f"{prefix}_mean": float(np.mean(x)),
        f"{prefix}_std": float(np.std(x, ddof=1)) if n >= 2 else math.nan,
        f"{prefix}_median": float(np.median(x)),
        f"{prefix}_iqm": interquartile_mean(x),
        f"{prefix}_ci_low": low,
        f"{prefix}_ci_high": high,
    }


def _summarize_cell(
    cell: pd.DataFrame, threshold: float, n_resamples: int, seed: int, level: float
) -> dict:
    test = cell["test_accuracy"].to_numpy(dtype=float)
    row = {"n_seeds": len(cell), "n_finite": int(np.isfinite(test).sum())}
    for metric in METRICS:
        values = cell[metric].to_numpy(dtype=float)
        row.update(_describe(values, metric, n_resamples, seed, level))
    n_success = int(np.sum(test >= threshold))  # NaN compares False: a failure
    low, high = wilson_interval(n_success, len(cell), level)
    row.update(
        n_success=n_success,
        success_rate=n_success / len(cell),
        success_ci_low=low,
        success_ci_high=high,
    )
    counts = cell["status"].value_counts()
    for status in STATUSES:
        row[f"n_{status}"] = int(counts.get(status, 0))
    return row


def summarize(
    runs: pd.DataFrame,
    threshold: float,
    n_resamples: int,
    seed: int,
    level: float = 0.95,
    axes: tuple[str, ...] = ("init", "scale"),
) -> pd.DataFrame:
    """One row of statistics per cell of the grid (per combination of ``axes``).

    For each metric in :data:`METRICS` the mean, std (``ddof=1``; NaN below two
    values), median, IQM and percentile-bootstrap interval of the mean are taken
    over the finite values (all NaN when there are none). Successes are runs with
    ``test_accuracy >= threshold`` (NaN counts as failure), with a Wilson interval
    over all seeds. Each cell bootstraps with ``derive_seed(seed, *cell)`` (its axis values),
    the same seed for all three metrics, on its rows sorted by ``seed``, so the
    result does not depend on the order of the rows or on the other cells.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with a ``status`` column (see ``outcomes.classify``); at
        most one row per (init, scale, seed).
    threshold : float
        Test accuracy at or above which a run counts as a success.
    n_resamples : int
        Bootstrap resamples per interval.
    seed : int
        Non-negative base seed of the bootstrap.
    level : float
        Confidence level of all intervals.
    axes : tuple of str
        The columns that name a cell; ``init`` and ``scale`` come first.

    Returns
    -------
    pandas.DataFrame
        The axes, then :data:`SUMMARY_COLUMNS` after ``init, scale``; cells in order of
        first appearance in ``runs``.

    Raises
    ------
    ValueError
        On missing or duplicated (init, scale, seed) keys or unknown statuses.
    """
    check_run_keys(runs, axes)
    unknown = set(runs["status"]) - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown statuses: {sorted(map(str, unknown))}")
    rows = []
    for key, cell in runs.groupby(list(axes), sort=False):
        cell = cell.sort_values("seed", kind="stable")
        row = {axis: value if axis == "init" else float(value) for axis, value in zip(axes, key)}
        cell_seed = derive_seed(seed, *row.values())
        row.update(_summarize_cell(cell, threshold, n_resamples, cell_seed, level))
        rows.append(row)
    return pd.DataFrame(rows, columns=[*axes, *SUMMARY_COLUMNS[2:]])
