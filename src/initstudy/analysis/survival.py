"""Time to learn: when each run first reaches the success criterion, and per-cell curves.

A run *learns* at the first logged iteration at which its validation accuracy
reaches the threshold; one that never does is *censored* at the budget. A
diverged run is censored at the budget too, whatever it reached before: it ends
as no usable network, and keeping it at risk to the end makes a cell's curve the
share of *all* its runs that have learned (divergence competes with learning;
it is not a loss to follow-up, which censoring at divergence would assume).

Per cell, the Kaplan-Meier estimator ``S(t) = prod_{t_i <= t} (1 - d_i / n_i)``
(``d_i`` runs learning at ``t_i``, ``n_i`` at risk, a run censored at ``t_i``
still at risk there) gives the share learned ``1 - S(t)``, with pointwise
intervals from Greenwood's variance on the log(-log S) scale (inside [0, 1]).
With all censoring at the budget this is the plain share learned by ``t``; it
handles censoring anywhere, should runs ever stop early.

The median time to learn is the first time with ``S(t) <= 1/2`` (undefined when
fewer than half learn); its interval is Brookmeyer and Crowley's (1982): the
same rule applied to the pointwise bounds of ``S``. Chosen over a bootstrap: it
is deterministic, follows from the plotted curve, and bootstrap medians on the
coarse grid of logged iterations pile up on a few values. The ratio of two
medians ("X learns k times faster than Y") has no closed form and gets a
percentile bootstrap over runs (:func:`median_ratio`).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from initstudy.analysis.intervals import bound_columns, check_level
from initstudy.analysis.stats import axis_value, derive_seed
from initstudy.grid.grid import rows_at

#: Columns of :func:`time_to_learn` after the axes.
TIME_COLUMNS = ("seed", "time_to_learn", "learned")
#: Columns of :func:`kaplan_meier`.
KM_COLUMNS = ("time", "n_at_risk", "n_learned", "n_censored", "learned_share", "ci_low", "ci_high")
#: A cell's count of runs and of those that learned (by an iteration, or at all).
RUN_COUNTS = ("n_runs", "n_learned")
#: Columns of :func:`learning_curves` after the axes.
CURVE_COLUMNS = ("iteration", *RUN_COUNTS, "learned_share", *bound_columns("learned_share"))
#: Columns of :func:`median_times` after the axes.
MEDIAN_COLUMNS = (*RUN_COUNTS, "median_time_to_learn", *bound_columns("median"), "median_note")
#: Keys of :func:`median_ratio` (and :func:`speedup`), in this order.
RATIO_COLUMNS = (
    "median_a",
    "median_b",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "undefined_share",
    "note",
)
FEWER_THAN_HALF = "fewer than half learn"
UPPER_BEYOND_BUDGET = "upper bound beyond the budget"
# S(t) is a product of ratios: 0.5 may come out as 0.5000000000000001.
_HALF = 0.5 + 1e-12


def time_to_learn(
    runs: pd.DataFrame, curves: pd.DataFrame, axes: tuple[str, ...], threshold: float
) -> pd.DataFrame:
    """First logged iteration at which each run's validation accuracy reaches ``threshold``.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with the ``axes`` columns, ``seed`` and ``diverged_at``.
    curves : pandas.DataFrame
        Long table with the ``axes`` columns, ``seed``, ``iteration`` and
        ``validation_accuracy``; every run needs its curve.
    axes : tuple of str
        The columns that name a cell.
    threshold : float
        Validation accuracy that counts as learned.

    Returns
    -------
    pandas.DataFrame
        The ``axes`` and :data:`TIME_COLUMNS`, one row per run in the order of
        ``runs``: ``time_to_learn`` (float) is the iteration of learning, or the
        run's budget (its last logged iteration) when ``learned`` is False
        (never reached, or diverged).

    Raises
    ------
    ValueError
        If some run has no row in ``curves``.
    """
    keys = [*axes, "seed"]
    reached = curves["validation_accuracy"].to_numpy(dtype=float) >= threshold
    first = curves.loc[reached].groupby(keys, sort=False)["iteration"].min().rename("first")
    budget = curves.groupby(keys, sort=False)["iteration"].max().rename("budget")
    joined = runs[keys].merge(budget.reset_index(), on=keys, how="left")
    joined = joined.merge(first.reset_index(), on=keys, how="left")
    if joined["budget"].isna().any():
        missing = joined.loc[joined["budget"].isna(), keys].iloc[0].to_dict()
        raise ValueError(f"no validation curve for the run {missing}")
    diverged = runs["diverged_at"].to_numpy() >= 0
    learned = joined["first"].notna().to_numpy() & ~diverged
    times = np.where(learned, joined["first"], joined["budget"]).astype(float)
    return joined[keys].assign(time_to_learn=times, learned=learned)


def _km_matrix(codes: np.ndarray, events: np.ndarray, n_times: int):
    """Kaplan-Meier steps of ``B`` samples at once.

    ``codes`` (B, n) index each run's time among ``n_times`` sorted distinct
    times, ``events`` (B, n) says whether it learned there. Returns the number
    at risk, learning and censored at each time, shape (B, n_times), and ``S``.
    """
    rows, n = codes.shape
    flat = codes + n_times * np.arange(rows)[:, None]
    size = rows * n_times
    learned = np.bincount(flat[events], minlength=size).reshape(rows, n_times)
    ended = np.bincount(flat.ravel(), minlength=size).reshape(rows, n_times)
    at_risk = n - np.cumsum(ended, axis=1) + ended
    hazard = np.divide(learned, at_risk, out=np.zeros(at_risk.shape), where=at_risk > 0)
    return at_risk, learned, ended - learned, np.cumprod(1.0 - hazard, axis=1)


def _loglog_bounds(survival, at_risk, learned, level):
    """Pointwise bounds of S: Greenwood's variance on the log(-log S) scale."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(learned > 0, learned / (at_risk * (at_risk - learned)), 0.0)
        greenwood = np.cumsum(terms, axis=-1)  # Var(log S) by the delta method
        spread = z * np.sqrt(greenwood) / np.abs(np.log(survival))
        low = survival ** np.exp(spread)
        high = survival ** np.exp(-spread)
    inside = (survival > 0) & (survival < 1)
    return np.where(inside, low, survival), np.where(inside, high, survival)


def kaplan_meier(times, learned, level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier estimate of the share of runs that has learned, with pointwise intervals.

    Parameters
    ----------
    times : array_like
        Time of each run: when it learned, or when it was censored.
    learned : array_like of bool
        True where the run learned at its time, False where it was censored.
    level : float
        Confidence level of the pointwise intervals.

    Returns
    -------
    pandas.DataFrame
        :data:`KM_COLUMNS`, one row per distinct time in increasing order:
        ``n_at_risk`` (runs with time >= it), ``n_learned`` and ``n_censored``
        there, ``learned_share`` = 1 - S after that time, and its interval
        ``ci_low``, ``ci_high`` (log-log Greenwood; equal to the estimate where
        it is 0 or 1). The share is constant between rows and 0 before the first.
    """
    check_level(level)
    times = np.asarray(times, dtype=float)
    events = np.asarray(learned, dtype=bool)
    distinct, codes = np.unique(times, return_inverse=True)
    steps = [row[0] for row in _km_matrix(codes[None, :], events[None, :], distinct.size)]
    at_risk, n_learned, n_censored, survival = steps
    s_low, s_high = _loglog_bounds(survival, at_risk, n_learned, level)
    columns = (distinct, at_risk, n_learned, n_censored, 1 - survival, 1 - s_high, 1 - s_low)
    return pd.DataFrame(dict(zip(KM_COLUMNS, columns, strict=True)))


def _first_time_at_or_below_half(curve: np.ndarray, distinct: np.ndarray) -> np.ndarray:
    """Per row of ``curve`` (S at the distinct times), the first time with S <= 1/2; inf if none."""
    below = curve <= _HALF
    first = np.argmax(below, axis=-1)
    return np.where(below.any(axis=-1), distinct[first], math.inf)


def median_time(times, learned, level: float = 0.95) -> tuple[float, float, float, str]:
    """Median time to learn with its Brookmeyer-Crowley interval.

    Parameters
    ----------
    times, learned, level
        As in :func:`kaplan_meier`.

    Returns
    -------
    median, low, high : float
        The first time with ``S <= 1/2`` and the same for the lower and upper
        pointwise bounds of ``S``; NaN where undefined within the data.
    note : str
        ``""``, :data:`FEWER_THAN_HALF` (no median) or
        :data:`UPPER_BEYOND_BUDGET` (a median, but no upper bound).
    """
    km = kaplan_meier(times, learned, level)
    distinct = km["time"].to_numpy()
    curves = 1 - km[["learned_share", "ci_high", "ci_low"]].to_numpy().T  # S, S_low, S_high
    median, low, high = (float(t) for t in _first_time_at_or_below_half(curves, distinct))
    note = (
        FEWER_THAN_HALF if math.isinf(median) else UPPER_BEYOND_BUDGET if math.isinf(high) else ""
    )
    median, low, high = (math.nan if math.isinf(t) else t for t in (median, low, high))
    return median, low, high, note


def _cells(times: pd.DataFrame, axes: tuple[str, ...]):
    """Each cell's axis values (plain Python) and its rows, in order of first appearance."""
    for key, cell in times.groupby(list(axes), sort=False):
        yield {axis: axis_value(value) for axis, value in zip(axes, key, strict=True)}, cell


def learning_curves(
    times: pd.DataFrame, axes: tuple[str, ...], iterations, level: float = 0.95
) -> pd.DataFrame:
    """Each cell's Kaplan-Meier share of runs learned, at every logged iteration.

    Parameters
    ----------
    times : pandas.DataFrame
        Output of :func:`time_to_learn`.
    axes : tuple of str
        The columns that name a cell.
    iterations : array_like
        The logged iterations at which to read the step function.
    level : float
        Confidence level of the pointwise intervals.

    Returns
    -------
    pandas.DataFrame
        The ``axes`` and :data:`CURVE_COLUMNS`: at each iteration the cell's
        ``n_runs``, ``n_learned`` (runs that learned at or before it) and the
        step function's ``learned_share`` with its pointwise interval.
    """
    iterations = np.asarray(iterations, dtype=float)
    parts = []
    for cell, rows in _cells(times, axes):
        km = kaplan_meier(rows["time_to_learn"], rows["learned"], level)
        # Row 0 stands for "before the first time"; row i + 1 for the i-th distinct time.
        row = np.searchsorted(km["time"].to_numpy(), iterations, side="right")
        learned = np.concatenate([[0], np.cumsum(km["n_learned"].to_numpy())])
        part = {"iteration": iterations, "n_runs": len(rows), "n_learned": learned[row]}
        for column, source in zip(CURVE_COLUMNS[3:], KM_COLUMNS[4:], strict=True):
            part[column] = np.concatenate([[0.0], km[source].to_numpy(dtype=float)])[row]
        parts.append(pd.DataFrame(cell | part, columns=[*axes, *CURVE_COLUMNS]))
    return pd.concat(parts, ignore_index=True)


def median_times(times: pd.DataFrame, axes: tuple[str, ...], level: float = 0.95) -> pd.DataFrame:
    """Each cell's median time to learn with its Brookmeyer-Crowley interval.

    Parameters
    ----------
    times, axes
        As in :func:`learning_curves`.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        The ``axes`` and :data:`MEDIAN_COLUMNS` (see :func:`median_time`), one
        row per cell in order of first appearance.
    """
    rows = []
    for cell, runs in _cells(times, axes):
        median = median_time(runs["time_to_learn"], runs["learned"], level)
        values = (len(runs), int(runs["learned"].sum()), *median)
        rows.append(cell | dict(zip(MEDIAN_COLUMNS, values, strict=True)))
    return pd.DataFrame(rows, columns=[*axes, *MEDIAN_COLUMNS])


def _bootstrap_medians(times, learned, n_resamples: int, rng) -> np.ndarray:
    """Median of ``n_resamples`` resamples of the runs (inf where fewer than half learn)."""
    times = np.asarray(times, dtype=float)
    events = np.asarray(learned, dtype=bool)
    distinct, codes = np.unique(times, return_inverse=True)
    picks = rng.integers(0, times.size, size=(n_resamples, times.size))
    *_, survival = _km_matrix(codes[picks], events[picks], distinct.size)
    return _first_time_at_or_below_half(survival, distinct)


def _ratio(numerator, denominator):
    """Elementwise ``numerator / denominator`` of medians (inf = never): NaN where undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):  # inf/inf, 0/0: NaN; x/inf: 0; x/0: inf
        return np.divide(numerator, denominator)


def median_ratio(
    times_a, learned_a, times_b, learned_b, n_resamples: int, seed: int, level: float = 0.95
) -> dict:
    """How many times faster cell A learns than cell B: ``median_B / median_A``, with an interval.

    Percentile bootstrap: each cell's runs are resampled independently
    (``numpy.random.default_rng(seed)``, A then B), each resample's
    Kaplan-Meier median taken (inf where fewer than half learn), and the
    ratio's quantiles read by the inverted empirical CDF, so that infinite
    ratios give an infinite bound, not an interpolated NaN. Not BCa: jackknife
    medians on the grid of logged iterations are mostly equal, which leaves its
    acceleration undefined.

    Parameters
    ----------
    times_a, learned_a, times_b, learned_b : array_like
        Times and learned flags of the runs of A and B (see :func:`kaplan_meier`).
    n_resamples : int
        Bootstrap resamples, at least 1.
    seed : int
        Seed of the generator.
    level : float
        Confidence level.

    Returns
    -------
    dict
        ``median_a``, ``median_b`` (NaN where fewer than half learn), ``ratio``,
        ``ratio_ci_low``, ``ratio_ci_high`` (``inf`` when unbounded),
        ``undefined_share`` (resamples where both medians were undefined or
        both zero, left out of the quantiles) and ``note`` (why ``ratio`` is
        NaN, else empty).
    """
    check_level(level)
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    median_a = median_time(times_a, learned_a, level)[0]
    median_b = median_time(times_b, learned_b, level)[0]
    point = _ratio(*(math.inf if math.isnan(m) else m for m in (median_b, median_a)))
    rng = np.random.default_rng(seed)
    boot_a = _bootstrap_medians(times_a, learned_a, n_resamples, rng)
    boot_b = _bootstrap_medians(times_b, learned_b, n_resamples, rng)
    ratios = _ratio(boot_b, boot_a)
    defined = ratios[~np.isnan(ratios)]
    low = high = math.nan
    if defined.size:
        quantiles = [(1 - level) / 2, (1 + level) / 2]
        low, high = np.quantile(defined, quantiles, method="inverted_cdf")
    undefined = math.isnan(point) or math.isinf(point) or point == 0
    return {
        "median_a": median_a,
        "median_b": median_b,
        "ratio": math.nan if undefined else float(point),
        "ratio_ci_low": float(low),
        "ratio_ci_high": float(high),
        "undefined_share": 1 - defined.size / n_resamples,
        "note": _ratio_note(median_a, median_b) if undefined else "",
    }


def _ratio_note(median_a: float, median_b: float) -> str:
    """Why the ratio of two medians is not a positive number."""
    names = [name for name, m in (("A", median_a), ("B", median_b)) if math.isnan(m)]
    if names:
        return f"{' and '.join(names)}: {FEWER_THAN_HALF}"
    return "a median is 0"


def speedup(
    times: pd.DataFrame,
    a: dict,
    b: dict,
    n_resamples: int,
    seed: int,
    level: float = 0.95,
) -> dict:
    """:func:`median_ratio` of two groups of runs named by axis values.

    Parameters
    ----------
    times : pandas.DataFrame
        Output of :func:`time_to_learn`.
    a, b : dict
        Axis values selecting the runs of A and B, e.g.
        ``{"init": "he", "scale": 1.0, "learning_rate": 0.1}``; axes left out
        are pooled (e.g. the data draws).
    n_resamples, level
        As in :func:`median_ratio`.
    seed : int
        Base seed; the bootstrap uses ``derive_seed(seed, "speedup", *A, *B)``.

    Returns
    -------
    dict
        As :func:`median_ratio`; ``ratio`` is how many times faster A learns.

    Raises
    ------
    ValueError
        If either selection holds no run.
    """
    groups = []
    for cell in (a, b):
        rows = rows_at(times, **cell)
        if rows.empty:
            raise ValueError(f"no runs for {cell}")
        groups += [rows["time_to_learn"], rows["learned"]]
    key = [part for cell in (a, b) for item in sorted(cell.items()) for part in item]
    return median_ratio(*groups, n_resamples, derive_seed(seed, "speedup", *key), level)
