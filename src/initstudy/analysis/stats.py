"""Summary statistics of the per-run table: intervals, robust means, outcome counts.

Intervals come from SciPy: the mean's from ``scipy.stats.bootstrap`` with the
bias-corrected and accelerated (BCa) method, a success rate's from the Wilson
score interval of ``scipy.stats.binomtest``. Every function is pure and
deterministic: resampling draws from ``numpy.random.default_rng`` seeded by the
caller, and per-cell seeds come from :func:`derive_seed`, which depends only on
the caller's seed and the cell itself, so adding or reordering cells leaves the
other cells' intervals unchanged.

An interval that cannot be stated is NaN, with the reason in a ``*_ci_note``
column (see :mod:`initstudy.analysis.intervals`).
"""

from __future__ import annotations

import hashlib
import math
from numbers import Integral, Real

import numpy as np
import pandas as pd

from initstudy.analysis.intervals import (
    BCA_UNDEFINED,
    IDENTICAL,
    NO_VALUE,
    ONE_VALUE,
    SAME_VALUES,
    Interval,
    bootstrap_mean_ci,
    no_interval,
    wilson_interval,
    without_nan,
)
from initstudy.analysis.outcomes import STATUSES

__all__ = [
    "BCA_UNDEFINED",
    "CELL_STATISTICS",
    "IDENTICAL",
    "METRICS",
    "METRIC_STATS",
    "NO_VALUE",
    "ONE_VALUE",
    "SAME_VALUES",
    "SUMMARY_COLUMNS",
    "Interval",
    "bootstrap_mean_ci",
    "check_run_keys",
    "derive_seed",
    "identical_seeds",
    "interquartile_mean",
    "summarize",
    "wilson_interval",
]

METRICS = ("test_accuracy", "validation_accuracy", "train_accuracy", "final_cost")
METRIC_STATS = ("mean", "std", "median", "iqm", "mean_ci_low", "mean_ci_high", "mean_ci_note")
#: Per-cell statistics of :func:`summarize`, after the cell's axis columns.
CELL_STATISTICS = (
    "n_seeds",
    "n_finite",
    *(f"{metric}_{stat}" for metric in METRICS for stat in METRIC_STATS),
    "n_success",
    "success_rate",
    "success_ci_low",
    "success_ci_high",
    "success_ci_note",
    *(f"n_{status}" for status in STATUSES),
)
SUMMARY_COLUMNS = ("init", "scale", *CELL_STATISTICS)


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
    x = np.sort(without_nan(values))
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


#: Per-run outcome columns that, all equal across seeds, make a cell's seeds identical.
OUTCOME_COLUMNS = ("initial_cost", *METRICS)


def axis_value(value):
    """A cell's axis value as a plain Python value: text stays text, integers int, else float.

    Parameters
    ----------
    value : object
        An axis value as pandas hands it out (e.g. ``numpy.float64``).

    Returns
    -------
    str, int or float
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    return float(value)


def identical_seeds(cell: pd.DataFrame) -> bool:
    """Whether at least two runs of a cell have the same value in every outcome column.

    Such a cell is one deterministic run repeated (``zeros`` draws no random
    numbers), so its seeds are not independent samples and it gets no interval.
    Two missing values count as equal. Only the columns of
    :data:`OUTCOME_COLUMNS` present in ``cell`` are compared.

    Parameters
    ----------
    cell : pandas.DataFrame
        The runs of one cell.

    Returns
    -------
    bool
    """
    if len(cell) < 2:
        return False
    columns = [column for column in OUTCOME_COLUMNS if column in cell.columns]
    values = cell[columns].to_numpy(dtype=float)
    same = (values == values[0]) | (np.isnan(values) & np.isnan(values[0]))
    return bool(same.all())


def _describe(values: np.ndarray, prefix: str, n_resamples: int, seed: int, level: float) -> dict:
    """Mean, std, median, IQM and BCa interval of the mean of the finite ``values``."""
    x = values[np.isfinite(values)]
    n = x.size
    interval = bootstrap_mean_ci(x, n_resamples, seed, level)
    if n == 0:
        row = {f"{prefix}_{stat}": math.nan for stat in METRIC_STATS}
        return row | {f"{prefix}_mean_ci_note": interval.note}
    return {
        f"{prefix}_mean": float(np.mean(x)),
        f"{prefix}_std": float(np.std(x, ddof=1)) if n >= 2 else math.nan,
        f"{prefix}_median": float(np.median(x)),
        f"{prefix}_iqm": interquartile_mean(x),
        f"{prefix}_mean_ci_low": interval.low,
        f"{prefix}_mean_ci_high": interval.high,
        f"{prefix}_mean_ci_note": interval.note,
    }


def _success(test: np.ndarray, threshold: float, level: float, identical: bool) -> dict:
    n_success = int(np.sum(test >= threshold))  # NaN compares False: a failure
    n = test.size
    if identical:
        interval = no_interval(IDENTICAL)
    else:
        interval = Interval(*wilson_interval(n_success, n, level))
    return {
        "n_success": n_success,
        "success_rate": n_success / n,
        "success_ci_low": interval.low,
        "success_ci_high": interval.high,
        "success_ci_note": interval.note,
    }


def _summarize_cell(
    cell: pd.DataFrame, threshold: float, n_resamples: int, seed: int, level: float
) -> dict:
    test = cell["test_accuracy"].to_numpy(dtype=float)
    identical = identical_seeds(cell)
    row = {"n_seeds": len(cell), "n_finite": int(np.isfinite(test).sum())}
    for metric in METRICS:
        values = cell[metric].to_numpy(dtype=float)
        row.update(_describe(values, metric, n_resamples, seed, level))
        if identical:  # identical values, and the reason is the cell, not chance
            row[f"{metric}_mean_ci_note"] = IDENTICAL
    row.update(_success(test, threshold, level, identical))
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

    For each metric in :data:`METRICS` (test, validation and training accuracy
    at the budget, final training cost) the ``mean``, ``std`` (``ddof=1``; NaN
    below two values), ``median``, ``iqm`` (:func:`interquartile_mean`) and the
    BCa interval of the mean (``mean_ci_low``, ``mean_ci_high``, ``mean_ci_note``)
    are taken over the finite values (NaN when there are none). Successes are
    runs with ``test_accuracy >= threshold`` (NaN counts as failure), with a
    Wilson interval over all seeds. A cell whose seeds are identical
    (:func:`identical_seeds`) gets no interval at all, note :data:`IDENTICAL`.
    Each cell bootstraps with ``derive_seed(seed, *cell)`` (its axis values),
    the same seed for every metric, on its rows sorted by ``seed``, so the
    result does not depend on the order of the rows or on the other cells.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with the ``axes``, ``seed``, the :data:`METRICS` and a
        ``status`` column (see ``outcomes.classify``); one row per (cell, seed).
    threshold : float
        Test accuracy at or above which a run counts as a success.
    n_resamples : int
        Bootstrap resamples per interval.
    seed : int
        Non-negative base seed of the bootstrap.
    level : float
        Confidence level of all intervals.
    axes : tuple of str
        The columns that name a cell.

    Returns
    -------
    pandas.DataFrame
        The ``axes``, then :data:`CELL_STATISTICS`: ``n_seeds``, ``n_finite``
        (finite test accuracies), ``{metric}_{stat}`` for each metric and
        :data:`METRIC_STATS`, ``n_success``, ``success_rate``,
        ``success_ci_low``, ``success_ci_high``, ``success_ci_note`` and
        ``n_{status}`` for each of :data:`~initstudy.analysis.outcomes.STATUSES`; cells
        in order of first appearance in ``runs``. Notes are empty strings when
        the interval exists.

    Raises
    ------
    ValueError
        On missing or duplicated (cell, seed) keys or unknown statuses.
    """
    check_run_keys(runs, axes)
    unknown = set(runs["status"]) - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown statuses: {sorted(map(str, unknown))}")
    rows = []
    for key, cell in runs.groupby(list(axes), sort=False):
        cell = cell.sort_values("seed", kind="stable")
        row = {axis: axis_value(value) for axis, value in zip(axes, key, strict=True)}
        cell_seed = derive_seed(seed, *row.values())
        row.update(_summarize_cell(cell, threshold, n_resamples, cell_seed, level))
        rows.append(row)
    return pd.DataFrame(rows, columns=[*axes, *CELL_STATISTICS])
