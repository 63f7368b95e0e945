"""The spread of the signal at finite width, measured against Hanin & Rolnick.

Every He network keeps the signal on average, but a single network of finite
width multiplies it by a random factor at every layer, so ``ln(q(L)/q(1))``
wanders with a variance :func:`initstudy.theory.depth_theory.predicted_log_signal`
predicts exactly (``~ 5 (L - 1) / n``). :func:`spread_table` measures that
variance over seeds at several widths and depths.

``q(l)`` here is the squared length of layer ``l``'s pre-activations:
per input (``|z_l(x)|^2``, the quantity of the prediction) or summed over the
training inputs (the dataset's signal, which is what training sees; it is the
``forward_second_moment`` ratio of :mod:`initstudy.theory.depth_signal`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

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
#: Networks drawn at once by :func:`log_signal` (bounds the memory of deep, wide ones).
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
