"""The depth study's measurement: per-layer signal of fresh deep networks, against the theory.

:func:`measure_signal` runs freshly initialized networks forward and backward
once and records per-layer second moments and gradient norms;
:func:`signal_ratios` turns them into measured per-layer ratios and depth-wise
signals, next to the predictions of :mod:`initstudy.theory.depth_theory`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.model.init import initialize_batch
from initstudy.model.net import NumpyMLP
from initstudy.theory.depth_theory import (
    SHAPE,
    layer_widths,
    predicted_depth_signal,
    predicted_ratio,
    predicted_signal,
)

#: Columns of the per-layer table (one row per network and layer).
SIGNAL_COLUMNS = (
    *SHAPE,
    "seed",
    "layer",
    "fan_in",
    "fan_out",
    "forward_second_moment",
    "predicted_second_moment",
    "backward_second_moment",
    "weight_gradient_norm",
)
#: Columns of the ratio table (one row per initializer, scale and depth).
RATIO_COLUMNS = (
    *SHAPE,
    "n_seeds",
    "n_finite",
    "n_transitions",
    "predicted_ratio",
    "ratio_mean",
    "ratio_std",
    "ratio_min",
    "ratio_max",
    "ratio_low",
    "ratio_high",
    "relative_error",
    "backward_ratio_mean",
    "predicted_signal",
    "signal_mean",
    "signal_median",
    "signal_geomean",
    "signal_low",
    "signal_high",
    "signal_within_spread",
)
# Seeds measured at once: bounds the stored activations of a 50-layer batch to ~100 MB.
_SEEDS_PER_CHUNK = 8


def measure_signal(
    X: np.ndarray,
    y: np.ndarray,
    init: str,
    scale: float,
    depth: int,
    width: int,
    seeds: list[int],
) -> pd.DataFrame:
    """Per-layer second moments and gradient norms of freshly initialized networks.

    One network per seed is drawn with :func:`initstudy.model.init.initialize_batch`
    and run forward and backward once on ``X`` by the trainer's own passes
    (:class:`initstudy.model.net.NumpyMLP`, whose buffers keep every layer), with the
    loss the trainer minimizes (mean binary cross-entropy of the sigmoid output).
    For each layer ``l`` (1 .. depth + 1, the last being the output):

    - ``forward_second_moment``: mean of ``z_l^2`` over units and examples;
    - ``predicted_second_moment``: its theoretical value
      (:func:`initstudy.theory.depth_theory.predicted_signal`);
    - ``backward_second_moment``: mean of ``(dL/dz_l)^2`` over units and examples;
    - ``weight_gradient_norm``: Frobenius norm of ``dL/dW_l``.

    Values that overflow are recorded as they come out (``inf`` or NaN), never raised.

    Parameters
    ----------
    X : ndarray of shape (2, m)
        Inputs, examples as columns.
    y : ndarray of shape (1, m) or (m,)
        Labels 0/1.
    init : str
    scale : float
    depth, width : int
        Hidden layers and their width.
    seeds : list of int
        One network per seed.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SIGNAL_COLUMNS`, ordered by seed then layer.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(1, -1)
    widths = layer_widths(depth, width)
    seeds = [int(seed) for seed in seeds]
    forward, backward, grad_norm = [], [], []
    for start in range(0, len(seeds), _SEEDS_PER_CHUNK):
        chunk = seeds[start : start + _SEEDS_PER_CHUNK]
        weights, biases = initialize_batch(init, widths, scale, chunk)
        with np.errstate(all="ignore"):
            f, b, g = _layer_statistics(weights, biases, X, y)
        forward.append(f)
        backward.append(b)
        grad_norm.append(g)
    n_layers = len(widths) - 1
    return pd.DataFrame(
        {
            "init": init,
            "scale": float(scale),
            "depth": int(depth),
            "width": int(width),
            "seed": np.repeat(np.asarray(seeds, dtype=np.int64), n_layers),
            "layer": np.tile(np.arange(1, n_layers + 1), len(seeds)),
            "fan_in": np.tile(widths[:-1], len(seeds)),
            "fan_out": np.tile(widths[1:], len(seeds)),
            "forward_second_moment": np.concatenate(forward).ravel(),
            "predicted_second_moment": np.tile(
                predicted_signal(init, scale, depth, width, X), len(seeds)
            ),
            "backward_second_moment": np.concatenate(backward).ravel(),
            "weight_gradient_norm": np.concatenate(grad_norm).ravel(),
        },
        columns=list(SIGNAL_COLUMNS),
    )


def _layer_statistics(weights, biases, X, y):
    """One forward and backward pass of the trainer's NumPy networks; per-layer ``(B, L)`` stats."""
    networks = NumpyMLP(weights, biases, X.shape[1])
    networks.forward(X)
    networks.backward(X, y)
    forward = [np.mean(z * z, axis=(1, 2)) for z in networks.pre_activations]
    backward = [np.mean(dz * dz, axis=(1, 2)) for dz in networks.output_gradients]
    grad_norm = [np.sqrt(np.sum(dW * dW, axis=(1, 2))) for dW in networks.weight_gradients]
    return np.stack(forward, axis=1), np.stack(backward, axis=1), np.stack(grad_norm, axis=1)


def signal_ratios(signal: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Measured per-layer ratios and depth-wise signal against the theory, per network shape.

    For each (init, scale, depth, width) and each seed, the *measured ratio* is
    the mean over the ``depth - 1`` hidden-to-hidden transitions of
    ``q_{l+1} / q_l`` (``q`` the forward second moment), and the *signal* is
    ``q_depth / q_1``, the product of those transitions, predicted to be
    ``predicted_ratio ** (depth - 1)``. Statistics are over the seeds whose
    forward moments are all finite and positive (``n_finite``); the rest are
    counted, not averaged.

    Parameters
    ----------
    signal : pandas.DataFrame
        Table of :func:`measure_signal` (columns :data:`SIGNAL_COLUMNS`).
    level : float
        Coverage of the seed interval: ``ratio_low``/``ratio_high`` and
        ``signal_low``/``signal_high`` are the ``(1 - level) / 2`` and
        ``(1 + level) / 2`` quantiles over seeds.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RATIO_COLUMNS`, one row per network shape in order of
        first appearance. ``relative_error`` is ``ratio_mean / predicted_ratio - 1``;
        ``signal_within_spread`` says whether ``predicted_signal`` lies in
        ``[signal_low, signal_high]``. Statistics without a finite seed are NaN.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    keys = ["init", "scale", "depth", "width"]
    rows = [
        _ratio_row(init, float(scale), int(depth), int(width), shape, level)
        for (init, scale, depth, width), shape in signal.groupby(keys, sort=False)
    ]
    return pd.DataFrame(rows, columns=list(RATIO_COLUMNS))


def _ratio_row(
    init: str, scale: float, depth: int, width: int, shape: pd.DataFrame, level: float
) -> dict:
    """One row of :func:`signal_ratios`: the seeds of one network shape against the theory."""
    q = _by_seed(shape, "forward_second_moment")
    qb = _by_seed(shape, "backward_second_moment")
    hidden = q[:, :depth]  # layers 1 .. depth; the output layer is left out
    finite = np.all(np.isfinite(hidden) & (hidden > 0), axis=1)
    with np.errstate(all="ignore"):
        ratios = (hidden[:, 1:] / hidden[:, :-1]).mean(axis=1)
        back = (qb[:, : depth - 1] / qb[:, 1:depth]).mean(axis=1)
        whole = hidden[:, -1] / hidden[:, 0]
    ratios, whole, back = ratios[finite], whole[finite], back[finite]
    back = back[np.isfinite(back)]
    predicted = predicted_ratio(init, scale, width, width)
    expected = predicted_depth_signal(predicted, depth)
    row = {
        "init": init,
        "scale": scale,
        "depth": depth,
        "width": width,
        "n_seeds": int(q.shape[0]),
        "n_finite": int(finite.sum()),
        "n_transitions": depth - 1,
        "predicted_ratio": predicted,
        **_spread(ratios, "ratio", level),
        "relative_error": math.nan,
        "backward_ratio_mean": float(back.mean()) if back.size else math.nan,
        "predicted_signal": expected,
        **_spread(whole, "signal", level),
        "signal_geomean": math.nan,
        "signal_within_spread": False,
    }
    if ratios.size:
        row["relative_error"] = row["ratio_mean"] / predicted - 1
        row["signal_geomean"] = float(np.exp(np.mean(np.log(whole))))
        row["signal_within_spread"] = bool(row["signal_low"] <= expected <= row["signal_high"])
    return row


def _by_seed(shape: pd.DataFrame, column: str) -> np.ndarray:
    """``(n_seeds, n_layers)`` array of one column, layers in order."""
    ordered = shape.sort_values(["seed", "layer"], kind="stable")
    n_seeds = ordered["seed"].nunique()
    return ordered[column].to_numpy(dtype=float).reshape(n_seeds, -1)


def _spread(values: np.ndarray, prefix: str, level: float) -> dict:
    """Mean, std, min, max and the central ``level`` quantile interval over seeds."""
    names = ("mean", "std", "min", "max", "low", "high")
    if prefix == "signal":
        names = ("mean", "median", "low", "high")
    if values.size == 0:
        return {f"{prefix}_{name}": math.nan for name in names}
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    stats = {
        "mean": float(np.mean(values)),
        "std": float(np.std(values, ddof=1)) if values.size > 1 else math.nan,
        "min": float(values.min()),
        "max": float(values.max()),
        "median": float(np.median(values)),
        "low": float(low),
        "high": float(high),
    }
    return {f"{prefix}_{name}": stats[name] for name in names}
