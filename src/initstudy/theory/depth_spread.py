"""The spread of the signal at finite width: measured against Hanin & Rolnick, and against training.

Every He network keeps the signal on average, but a single network of finite
width multiplies it by a random factor at every layer, so ``ln(q(L)/q(1))``
wanders with a variance :func:`initstudy.theory.depth_theory.predicted_log_signal`
predicts exactly (``~ 5 (L - 1) / n``). :func:`spread_table` measures that
variance over seeds at several widths and depths; :func:`failure_prediction`
asks whether the networks that wander furthest are the ones that fail to train.

``q(l)`` here is the squared length of layer ``l``'s pre-activations:
per input (``|z_l(x)|^2``, the quantity of the prediction) or summed over the
training inputs (the dataset's signal, which is what training sees; it is the
``forward_second_moment`` ratio of :mod:`initstudy.theory.depth_signal`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from initstudy.model.init import initialize_batch
from initstudy.theory.depth_theory import SHAPE, layer_widths, predicted_log_signal

#: Columns of :func:`spread_table`.
SPREAD_COLUMNS = (
    *SHAPE,
    "n_seeds",
    "n_finite",
    "predicted_mean",
    "predicted_variance",
    "leading_order_variance",
    "per_input_mean",
    "per_input_variance",
    "per_input_variance_low",
    "per_input_variance_high",
    "variance_ratio",
    "dataset_variance",
)
#: Columns of :func:`failure_prediction`'s table per cell.
FAILURE_COLUMNS = (
    "init",
    "scale",
    "depth",
    "n_fail",
    "n_success",
    "median_distance_fail",
    "median_distance_success",
    "auc",
    "p_value",
)
#: Columns of :func:`failure_prediction`'s pooled test.
POOLED_COLUMNS = ("n_cells", "n_fail", "n_success", "auc", "p_value")
_SEEDS_PER_CHUNK = 16


def log_signal(
    X: np.ndarray, init: str, scale: float, depth: int, width: int, seeds: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``ln(q(depth) / q(1))`` of freshly drawn networks, per input and for the whole data set.

    Parameters
    ----------
    X : ndarray of shape (2, m)
        Inputs, examples as columns.
    init : str
    scale : float
    depth, width : int
        Hidden layers and their width.
    seeds : list of int
        One network per seed (drawn by :func:`initstudy.model.init.initialize_batch`).

    Returns
    -------
    per_input : ndarray of shape (len(seeds), m)
        ``ln(|z_depth(x)|^2 / |z_1(x)|^2)``; ``-inf`` where a layer is all off for ``x``.
    dataset : ndarray of shape (len(seeds),)
        ``ln(sum_x |z_depth(x)|^2 / sum_x |z_1(x)|^2)``.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    widths = layer_widths(depth, width)
    seeds = [int(seed) for seed in seeds]
    first, last = [], []
    for start in range(0, len(seeds), _SEEDS_PER_CHUNK):
        weights, _ = initialize_batch(init, widths, scale, seeds[start : start + _SEEDS_PER_CHUNK])
        z = weights[0] @ X  # zero biases at initialization
        first.append(np.sum(z * z, axis=1))
        for W in weights[1:depth]:
            z = W @ np.maximum(z, 0.0)
        last.append(np.sum(z * z, axis=1))
    first, last = np.concatenate(first), np.concatenate(last)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_input = np.log(last / first)
        dataset = np.log(last.sum(axis=1) / first.sum(axis=1))
    return per_input, dataset


def mean_variance_over_seeds(values: np.ndarray, counts: np.ndarray | None = None):
    """Variance over seeds (rows, ``ddof=1``) of each input (column), averaged over inputs.

    Parameters
    ----------
    values : ndarray of shape (S, m)
    counts : ndarray of shape (R, S), optional
        Bootstrap resamples: how often each seed is drawn in each.

    Returns
    -------
    float or ndarray of shape (R,)
        One value, or one per resample when ``counts`` is given.
    """
    if counts is None:
        return float(np.var(values, axis=0, ddof=1).mean())
    n = values.shape[0]
    counts = np.asarray(counts, dtype=float)
    mean = counts @ values / n
    second = counts @ (values * values) / n
    return ((second - mean * mean) * n / (n - 1)).mean(axis=1)


def spread_row(
    X: np.ndarray,
    depth: int,
    width: int,
    seeds: list[int],
    n_resamples: int,
    seed: int,
    level: float,
) -> dict:
    """One row of :func:`spread_table`: He ×1 networks of one shape against the prediction."""
    per_input, dataset = log_signal(X, "he", 1.0, depth, width, seeds)
    finite = np.isfinite(per_input).all(axis=1)
    values = per_input[finite]
    mean, variance = predicted_log_signal(depth, width)
    row = {
        "init": "he",
        "scale": 1.0,
        "depth": int(depth),
        "width": int(width),
        "n_seeds": len(seeds),
        "n_finite": int(finite.sum()),
        "predicted_mean": mean,
        "predicted_variance": variance,
        "leading_order_variance": 5.0 * (depth - 1) / width,
        "per_input_mean": float(values.mean()) if values.size else math.nan,
        "per_input_variance": math.nan,
        "per_input_variance_low": math.nan,
        "per_input_variance_high": math.nan,
        "variance_ratio": math.nan,
        "dataset_variance": math.nan,
    }
    if values.shape[0] > 1:
        row["dataset_variance"] = float(np.var(dataset[finite], ddof=1))
        rng = np.random.default_rng([seed, depth, width])
        draws = rng.integers(0, values.shape[0], (n_resamples, values.shape[0]))
        counts = np.apply_along_axis(np.bincount, 1, draws, minlength=values.shape[0])
        low, high = np.quantile(
            mean_variance_over_seeds(values, counts), [(1 - level) / 2, (1 + level) / 2]
        )
        measured = mean_variance_over_seeds(values)
        row.update(per_input_variance=measured, per_input_variance_low=float(low))
        row.update(per_input_variance_high=float(high))
        row["variance_ratio"] = measured / variance if variance > 0 else math.nan
    return row


def spread_table(
    X: np.ndarray,
    depths: list[int],
    widths: list[int],
    seeds: list[int],
    n_resamples: int,
    seed: int,
    level: float = 0.95,
) -> pd.DataFrame:
    """Variance of ``ln(q(L)/q(1))`` over He networks, measured and predicted, per depth and width.

    The measured per-input variance is the variance over seeds of each input's
    log signal, averaged over the inputs; its interval is the percentile
    bootstrap over seeds (``n_resamples``, generator seeded by ``seed``, depth and
    width). Seeds with a dead layer for some input (probability ``~ L 2^-n``)
    are counted (``n_seeds - n_finite``), not used. ``dataset_variance`` is the
    variance over seeds of the whole data set's log signal (no prediction: the
    inputs share the weights, so averaging over them narrows it).

    Parameters
    ----------
    X : ndarray of shape (2, m)
    depths, widths : list of int
    seeds : list of int
    n_resamples : int
    seed : int
    level : float

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SPREAD_COLUMNS`, one row per (depth, width), widths inner.
    """
    rows = [
        spread_row(X, int(depth), int(width), seeds, n_resamples, seed, level)
        for depth in depths
        for width in widths
        if depth >= 2
    ]
    return pd.DataFrame(rows, columns=list(SPREAD_COLUMNS))


def attach_log_signal(runs: pd.DataFrame, X: np.ndarray) -> pd.DataFrame:
    """``runs`` with the data set's ``log_signal`` of each run's initial network.

    Parameters
    ----------
    runs : pandas.DataFrame
        Columns ``init, scale, depth, width, seed`` (the initial network is drawn again).
    X : ndarray of shape (2, m)
        The training inputs.

    Returns
    -------
    pandas.DataFrame
        A copy with a ``log_signal`` column.
    """
    runs = runs.copy()
    runs["log_signal"] = np.nan
    for (init, scale, depth, width), rows in runs.groupby(
        ["init", "scale", "depth", "width"], sort=False
    ):
        seeds = rows["seed"].astype(int).tolist()
        _, dataset = log_signal(X, init, float(scale), int(depth), int(width), seeds)
        runs.loc[rows.index, "log_signal"] = dataset
    return runs


def failure_prediction(
    runs: pd.DataFrame, n_permutations: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Do the seeds whose signal wandered furthest at initialization fail to train?

    Within each (init, scale, depth) cell with both failing and succeeding
    seeds, ``|log_signal|`` (the distance of the data set's ``ln(q(L)/q(1))`` from
    0, a network that keeps its signal) of the failing seeds is compared with the
    succeeding ones: ``auc`` is Mann-Whitney's ``U / (n_fail n_success)``, the
    probability that a failing seed wandered further (0.5: no relation), with
    its exact two-sided p-value. The pooled test sums ``U - n_fail n_success / 2``
    over those cells and permutes the outcomes within each cell
    (``n_permutations``, ``numpy.random.default_rng(seed)``; two-sided), so that
    seeds of different depths are never compared with each other.

    Parameters
    ----------
    runs : pandas.DataFrame
        Columns ``init, scale, depth, log_signal`` and ``success`` (bool).
    n_permutations : int
    seed : int

    Returns
    -------
    cells : pandas.DataFrame
        Columns :data:`FAILURE_COLUMNS`, one row per cell (``auc`` and ``p_value``
        NaN where all seeds share one outcome).
    pooled : pandas.DataFrame
        One row, columns :data:`POOLED_COLUMNS` (NaN ``auc`` and ``p_value``
        when no cell has both outcomes).
    """
    rows, cells = [], []
    for (init, scale, depth), cell in runs.groupby(["init", "scale", "depth"], sort=False):
        distance = np.abs(cell["log_signal"].to_numpy(dtype=float))
        failed = ~cell["success"].to_numpy(dtype=bool)
        n_fail, n_success = int(failed.sum()), int((~failed).sum())
        row = {"init": init, "scale": float(scale), "depth": int(depth), "n_fail": n_fail,
               "n_success": n_success, "median_distance_fail": math.nan,
               "median_distance_success": math.nan, "auc": math.nan,
               "p_value": math.nan}  # fmt: skip
        if n_fail and n_success:
            test = stats.mannwhitneyu(distance[failed], distance[~failed], method="exact")
            row.update(median_distance_fail=float(np.median(distance[failed])))
            row.update(median_distance_success=float(np.median(distance[~failed])))
            row.update(auc=float(test.statistic) / (n_fail * n_success))
            row.update(p_value=float(test.pvalue))
            cells.append((stats.rankdata(distance), failed))
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(FAILURE_COLUMNS))
    pooled = _pooled(table[table["auc"].notna()], cells, n_permutations, seed)
    return table, pd.DataFrame([pooled], columns=list(POOLED_COLUMNS))


def _pooled(tested: pd.DataFrame, cells: list, n_permutations: int, seed: int) -> dict:
    """The stratified permutation test over the cells of :func:`failure_prediction`."""
    pooled = {"n_cells": len(tested), "n_fail": int(tested["n_fail"].sum()),
              "n_success": int(tested["n_success"].sum()), "auc": math.nan,
              "p_value": math.nan}  # fmt: skip
    if not cells:
        return pooled
    rng = np.random.default_rng(seed)

    def centred_u(ranks: np.ndarray, failed: np.ndarray) -> np.ndarray:
        # U of the failing seeds, from their rank sum, minus its mean under no relation.
        k, n = failed.sum(axis=-1), failed.shape[-1]
        return (failed * ranks).sum(axis=-1) - k * (k + 1) / 2 - k * (n - k) / 2

    observed = sum(centred_u(ranks, failed) for ranks, failed in cells)
    permuted = np.zeros(n_permutations)
    for ranks, failed in cells:
        shuffled = rng.permuted(np.tile(failed, (n_permutations, 1)), axis=1)
        permuted += centred_u(ranks, shuffled)
    pairs = float((tested["n_fail"] * tested["n_success"]).sum())
    pooled["auc"] = float(observed / pairs + 0.5)
    as_extreme = np.sum(np.abs(permuted) >= abs(observed) - 1e-9)
    pooled["p_value"] = float((1 + as_extreme) / (1 + n_permutations))
    return pooled
