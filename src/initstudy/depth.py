"""The depth study: how the signal of a deep ReLU network grows or vanishes at initialization.

Signal propagation (He et al., 2015; Poole et al., 2016) predicts the second
moment of the pre-activations layer by layer. For a ReLU layer with zero biases
and weights of std ``scale * base_std(fan_in, fan_out)``,

    E[z_{l+1}^2] = scale^2 * fan_in * base_std^2 * E[relu(z_l)^2]
                 = scale^2 * fan_in * base_std^2 / 2 * E[z_l^2],

since ``z_l`` is symmetric, so that ReLU keeps half of its second moment. The
factor ``scale^2 * fan_in * base_std^2 / 2`` is the *per-layer ratio*: 1 for He,
1/2 for LeCun and (at equal widths) for Glorot and orthogonal, ``width / 2``
for ``random``. The backward pass multiplies the second moment of the loss
gradient by the same factor with ``fan_out`` in place of ``fan_in``.

The ratio is exact in expectation at any width: flipping the sign of a row of
``W_l`` leaves its distribution unchanged and swaps the halves of ``z_l`` that
ReLU keeps and drops, so ``E[mean(relu(z_l)^2) / mean(z_l^2)] = 1/2``; given
layer ``l``, ``E[mean(z_{l+1}^2)] = scale^2 * fan_in * base_std^2 * mean(relu(z_l)^2)``.
What finite width changes is the spread: each layer multiplies the signal by a
random factor around the ratio, so over ``L`` layers the signal of one network
wanders like a product of ``L`` random factors, log-normally, with a log
variance growing like ``L / width`` (Hanin & Rolnick, 2018). The mean over
networks still follows ``ratio^L``; the typical (median) network falls below it.

The measured per-layer ratio uses only the hidden-to-hidden layers, whose fan-in
and fan-out are both the width: the first layer reads the raw 2-D input (no ReLU
in front, fan-in 2) and the last has fan-out 1, so their factors differ and
would blur the comparison. A network with ``depth`` hidden layers has
``depth - 1`` such transitions, ``z_1 -> z_2 -> ... -> z_depth``.
"""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pandas as pd

from initstudy.cell import CellResult, train_cell
from initstudy.config import ConfigError, format_scale
from initstudy.data import Dataset
from initstudy.init import base_std, initialize_batch
from initstudy.net import sigmoid
from initstudy.outcomes import classify
from initstudy.stats import derive_seed, summarize
from initstudy.train import Progress, TrainSettings

INPUT_WIDTH = 2
OUTPUT_WIDTH = 1
#: Columns of the per-layer table (one row per network and layer).
SIGNAL_COLUMNS = (
    "init",
    "scale",
    "depth",
    "width",
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
    "init",
    "scale",
    "depth",
    "width",
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
#: Initializers the depth study may use (``zeros`` has no signal to propagate).
DEPTH_INITIALIZERS = ("he", "lecun", "glorot", "orthogonal", "random")
#: Defaults of the config section ``depth_study`` (the schema states the same ones).
DEFAULT_SETTINGS: dict = {
    "enabled": True,
    "initializations": list(DEPTH_INITIALIZERS),
    "scales": [1],
    "depths": [2, 5, 10, 20, 30, 50],
    "width": 32,
    "signal_seeds": 50,
    "training": {
        "depths": [2, 5, 10, 20],
        "width": 16,
        "seeds": 5,
        "learning_rate": 0.06,
        "iterations": 1000,
        "log_every": 100,
    },
}
# Seeds measured at once: bounds the stored activations of a 50-layer batch to ~100 MB.
_SEEDS_PER_CHUNK = 8


def depth_settings(section: dict | None) -> dict:
    """The ``depth_study`` config section with defaults filled in, checked across keys.

    The JSON schema fills the same defaults; filling them here as well keeps
    the workflow valid with a config that predates the section.

    Parameters
    ----------
    section : dict or None
        ``config["depth_study"]`` (None or missing keys take the defaults).

    Returns
    -------
    dict
        A new dict; ``training`` is a new dict too.

    Raises
    ------
    initstudy.config.ConfigError
        Naming the key, the value given and what is allowed.
    """
    section = dict(section or {})
    settings = {**DEFAULT_SETTINGS, **section}
    settings["training"] = {**DEFAULT_SETTINGS["training"], **(section.get("training") or {})}
    for name in settings["initializations"]:
        if name not in DEPTH_INITIALIZERS:
            _fail("depth_study.initializations", name, "one of " + ", ".join(DEPTH_INITIALIZERS))
    texts = [format_scale(scale) for scale in settings["scales"]]
    if len(set(texts)) != len(texts) or any(float(s) <= 0 for s in settings["scales"]):
        _fail("depth_study.scales", settings["scales"], "distinct positive numbers")
    if any(int(depth) < 2 for depth in settings["depths"]):
        _fail(
            "depth_study.depths", settings["depths"], "integers >= 2 (one hidden-to-hidden layer)"
        )
    training = settings["training"]
    if training["log_every"] > training["iterations"]:
        _fail(
            "depth_study.training.log_every",
            training["log_every"],
            f"an integer from 1 to depth_study.training.iterations ({training['iterations']})",
        )
    return settings


def _fail(key: str, value: object, allowed: str) -> None:
    raise ConfigError(f"config key '{key}': got {value!r}; allowed: {allowed}")


def layer_widths(depth: int, width: int) -> list[int]:
    """Widths of a network with ``depth`` hidden layers of ``width`` units on the circles data.

    Parameters
    ----------
    depth : int
        Number of hidden layers, at least 1.
    width : int
        Units per hidden layer, at least 1.

    Returns
    -------
    list of int
        ``[2, width, ..., width, 1]`` with ``depth`` entries ``width``.

    Raises
    ------
    ValueError
        If ``depth`` or ``width`` is below 1.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth!r}")
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width!r}")
    return [INPUT_WIDTH] + [int(width)] * int(depth) + [OUTPUT_WIDTH]


def predicted_ratio(init: str, scale: float, fan_in: int, fan_out: int) -> float:
    """Factor by which a ReLU layer multiplies the second moment of the pre-activations.

    ``scale^2 * fan_in * base_std(fan_in, fan_out)^2 / 2``; with ``fan_in`` and
    ``fan_out`` swapped it is the backward factor of the loss gradient.

    Parameters
    ----------
    init : str
        Initializer name (see :data:`initstudy.init.INITIALIZERS`).
    scale : float
        Multiplier of the base standard deviation.
    fan_in, fan_out : int
        Widths of the layer's input and output.

    Returns
    -------
    float
        1 for He at scale 1, 1/2 for LeCun, ``fan_in / 2`` for ``random``.

    Examples
    --------
    >>> predicted_ratio("he", 1.0, 64, 64), predicted_ratio("lecun", 1.0, 64, 64)
    (1.0, 0.5)
    """
    return float(scale) ** 2 * fan_in * base_std(init, fan_in, fan_out) ** 2 / 2


def predicted_signal(init: str, scale: float, depth: int, width: int, X: np.ndarray) -> np.ndarray:
    """Second moment of the pre-activations of every layer that the theory predicts.

    The first layer sees the raw input, without a ReLU in front:
    ``E[z_1^2] = (scale * base_std(2, width))^2 * mean over examples of |x|^2``.
    Every later layer multiplies it by :func:`predicted_ratio` of its fans.

    Parameters
    ----------
    init : str
    scale : float
    depth, width : int
        Hidden layers and their width.
    X : ndarray of shape (2, m)
        The inputs the signal is measured on.

    Returns
    -------
    ndarray of shape (depth + 1,)
        Layers ``1 .. depth + 1`` (the last is the output logit); ``inf`` where
        the product overflows.
    """
    widths = layer_widths(depth, width)
    std = float(scale) * base_std(init, widths[0], widths[1])
    first = std**2 * float(np.mean(np.sum(np.asarray(X, dtype=float) ** 2, axis=0)))
    factors = [predicted_ratio(init, scale, n_in, n_out) for n_in, n_out in pairwise(widths[1:])]
    with np.errstate(over="ignore"):
        return first * np.cumprod([1.0, *factors])


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

    One network per seed is drawn with :func:`initstudy.init.initialize_batch`
    and run forward and backward once on ``X`` with the loss the trainer
    minimizes (mean binary cross-entropy of the sigmoid output). For each layer
    ``l`` (1 .. depth + 1, the last being the output):

    - ``forward_second_moment``: mean of ``z_l^2`` over units and examples;
    - ``predicted_second_moment``: its theoretical value (:func:`predicted_signal`);
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
            f, b, g = _passes(weights, biases, X, y)
        forward.append(f)
        backward.append(b)
        grad_norm.append(g)
    n_layers = len(widths) - 1
    layer = np.arange(1, n_layers + 1)
    return pd.DataFrame(
        {
            "init": init,
            "scale": float(scale),
            "depth": int(depth),
            "width": int(width),
            "seed": np.repeat(np.asarray(seeds, dtype=np.int64), n_layers),
            "layer": np.tile(layer, len(seeds)),
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


def _passes(weights, biases, X, y):
    """Forward and backward of a batch of networks; per-layer statistics of shape (B, L)."""
    n_layers = len(weights)
    m = X.shape[1]
    acts = [X]  # input of each layer; the ReLU mask is acts > 0
    forward = []
    a = X
    for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = np.matmul(W, a) + b
        forward.append(np.mean(z * z, axis=(1, 2)))
        if l < n_layers - 1:
            a = np.maximum(z, 0)
            acts.append(a)
    dz = (sigmoid(z) - y) / m  # gradient of the mean cross-entropy at the output logit
    backward, grad_norm = [None] * n_layers, [None] * n_layers
    for l in range(n_layers - 1, -1, -1):
        backward[l] = np.mean(dz * dz, axis=(1, 2))
        dW = np.matmul(dz, np.swapaxes(acts[l], -1, -2))
        grad_norm[l] = np.sqrt(np.sum(dW * dW, axis=(1, 2)))
        if l > 0:
            dz = np.matmul(np.swapaxes(weights[l], -1, -2), dz) * (acts[l] > 0)
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
    rows = []
    keys = ["init", "scale", "depth", "width"]
    for (init, scale, depth, width), shape in signal.groupby(keys, sort=False):
        q = _by_seed(shape, "forward_second_moment")
        qb = _by_seed(shape, "backward_second_moment")
        depth, width = int(depth), int(width)
        hidden = q[:, :depth]  # layers 1 .. depth; the output layer is left out
        finite = np.all(np.isfinite(hidden) & (hidden > 0), axis=1)
        with np.errstate(all="ignore"):
            ratios = (hidden[:, 1:] / hidden[:, :-1]).mean(axis=1)
            back = (qb[:, : depth - 1] / qb[:, 1:depth]).mean(axis=1)
            whole = hidden[:, -1] / hidden[:, 0]
        ratios, whole, back = ratios[finite], whole[finite], back[finite]
        back = back[np.isfinite(back)]
        predicted = predicted_ratio(init, scale, width, width)
        with np.errstate(over="ignore"):
            expected = float(np.float64(predicted) ** (depth - 1))  # inf, not OverflowError
        row = {
            "init": init,
            "scale": float(scale),
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
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RATIO_COLUMNS))


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


def train_depth(
    dataset: Dataset,
    init: str,
    scale: float,
    depth: int,
    width: int,
    seeds: list[int],
    settings: TrainSettings,
    progress: Progress | None = None,
) -> CellResult:
    """Train one network per seed of a given depth, as the main grid trains its cells.

    Parameters
    ----------
    dataset : Dataset
    init : str
    scale : float
    depth, width : int
        Hidden layers and their width.
    seeds : list of int
    settings : TrainSettings
        Learning rate, iterations and log interval (its ``layers`` are replaced
        by the widths of ``depth`` hidden layers of ``width``).
    progress : callable, optional
        Passed to :func:`initstudy.train.train_batch`.

    Returns
    -------
    CellResult
        As :func:`initstudy.cell.train_cell`, with ``depth`` and ``width``
        columns added to ``runs`` and ``costs`` after ``scale``.
    """
    settings = replace(settings, layers=layer_widths(depth, width))
    result = train_cell(dataset, init, scale, seeds, settings, progress)
    for frame in (result.runs, result.costs):
        frame.insert(2, "depth", int(depth))
        frame.insert(3, "width", int(width))
    return result


def summarize_depths(
    runs: pd.DataFrame,
    majority_rate: float,
    chance_tolerance: float,
    threshold: float,
    n_resamples: int,
    seed: int,
    level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classify the trained deep networks and compute the main grid's statistics per depth.

    Parameters
    ----------
    runs : pandas.DataFrame
        Rows of :func:`train_depth` runs, any number of depths.
    majority_rate, chance_tolerance : float
        As in :func:`initstudy.outcomes.classify`.
    threshold, n_resamples, seed, level
        As in :func:`initstudy.stats.summarize`; each depth bootstraps from
        ``derive_seed(seed, "depth", depth)``, so adding a depth changes no other row.

    Returns
    -------
    runs : pandas.DataFrame
        The input with a ``status`` column.
    summary : pandas.DataFrame
        :data:`initstudy.stats.SUMMARY_COLUMNS` with ``depth`` and ``width``
        after ``scale``, rows in the order of ``runs``.
    """
    runs = runs.copy()
    runs["status"] = classify(runs, majority_rate, chance_tolerance)
    parts = []
    for (depth, width), rows in runs.groupby(["depth", "width"], sort=False):
        summary = summarize(rows, threshold, n_resamples, derive_seed(seed, "depth", depth), level)
        summary.insert(2, "depth", int(depth))
        summary.insert(3, "width", int(width))
        parts.append(summary)
    summary = pd.concat(parts, ignore_index=True)
    order = list(dict.fromkeys(zip(runs["init"], runs["scale"], runs["depth"])))
    summary = summary.set_index(["init", "scale", "depth"]).loc[order].reset_index()
    return runs, summary


def stall_depths(summary: pd.DataFrame) -> pd.DataFrame:
    """Deepest depth at which each initializer trains, and the first at which it stalls.

    A depth *trains* when at least half of its seeds succeed (``n_success``
    from :func:`summarize_depths`); the initializer *stalls* at the first depth
    that does not.

    Parameters
    ----------
    summary : pandas.DataFrame
        Second table of :func:`summarize_depths`.

    Returns
    -------
    pandas.DataFrame
        Columns ``init, scale, trains_to, stalls_at`` (0 when no depth trains,
        resp. when every depth trains), in order of first appearance.
    """
    rows = []
    for (init, scale), cell in summary.groupby(["init", "scale"], sort=False):
        cell = cell.sort_values("depth")
        trains = (2 * cell["n_success"] >= cell["n_seeds"]).to_numpy()
        depths = cell["depth"].to_numpy(dtype=int)
        first_stall = int(np.argmin(trains)) if not trains.all() else len(trains)
        rows.append(
            {
                "init": init,
                "scale": float(scale),
                "trains_to": int(depths[first_stall - 1]) if first_stall > 0 else 0,
                "stalls_at": int(depths[first_stall]) if first_stall < len(trains) else 0,
            }
        )
    return pd.DataFrame(rows, columns=["init", "scale", "trains_to", "stalls_at"])
