"""Train one grid cell (an initializer at a scale, over seeds) into tidy tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from initstudy.model.data import SPLITS, Dataset
from initstudy.model.init import initialize_batch
from initstudy.model.train import Progress, TrainSettings, distinct_units, train_batch
from initstudy.util.atomic import atomic_path


@dataclass
class CellResult:
    """The tables and trained parameters of one cell.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per seed (see ``initstudy.tables.tables.RUN_COLUMNS``).
    costs : pandas.DataFrame
        Learning curves in long form: ``init, scale, seed, iteration, cost``
        (training cost) and ``train_accuracy, validation_accuracy, test_accuracy``
        at each logged iteration.
    weights, biases : list of ndarray
        Trained parameters stacked over seeds.
    fp_events : collections.Counter
        NumPy floating-point events (overflow, invalid, ...) during training,
        counted per NumPy call instead of printed.
    """

    runs: pd.DataFrame
    costs: pd.DataFrame
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    fp_events: Counter


def train_cell(
    dataset: Dataset,
    init: str,
    scale: float,
    seeds: list[int],
    settings: TrainSettings,
    progress: Progress | None = None,
    initial: tuple[list[np.ndarray], list[np.ndarray]] | None = None,
    bias_std: float = 0.0,
) -> CellResult:
    """Train one network per seed and measure each.

    Parameters
    ----------
    dataset : Dataset
    init : str
        Initializer name.
    scale : float
        Multiplier of the initializer's base standard deviation.
    seeds : list of int
    settings : TrainSettings
    progress : callable, optional
        Passed to :func:`initstudy.model.train.train_batch`.
    initial : (weights, biases), optional
        Stacked initial parameters to train instead of drawing them (the depth
        study perturbs them); by default :func:`initstudy.model.init.initialize_batch`.
    bias_std : float
        Standard deviation of the initial biases (0: zeros), when ``initial`` is not given.

    Returns
    -------
    CellResult
    """
    layers = list(settings.layers)
    weights, biases = initial or initialize_batch(init, layers, scale, seeds, bias_std)
    X_train, y_train = dataset.X_train.T, dataset.y_train.reshape(1, -1).astype(np.float64)
    splits = {name: (X.T, y) for name in SPLITS for X, y in [dataset.split(name)] if y.size}
    events: Counter = Counter()

    def count(kind: str, flag: int) -> None:
        events[kind.strip()] += 1

    previous = np.seterrcall(count)
    try:
        with np.errstate(all="call"):
            result = train_batch(weights, biases, X_train, y_train, settings, progress, splits)
    finally:
        np.seterrcall(previous)
    # A split the data set lacks (no validation points) has no accuracy: NaN.
    missing = np.full(result.costs.shape, np.nan)
    curves = {f"{name}_accuracy": result.accuracies.get(name, missing) for name in SPLITS}
    units = distinct_units(result.weights, result.biases)
    hidden = ";".join(str(n) for n in layers[1:-1])
    runs = pd.DataFrame(
        {
            "init": init,
            "scale": float(scale),
            "seed": np.asarray(seeds, dtype=np.int64),
            "initial_cost": result.costs[:, 0],
            "final_cost": result.costs[:, -1],
            **{column: values[:, -1] for column, values in curves.items()},
            "diverged_at": result.diverged_at,
            # A diverged network's weights are NaN: it has no units to compare.
            "distinct_units": [
                "" if diverged >= 0 else ";".join(str(n) for n in row)
                for row, diverged in zip(units, result.diverged_at)
            ],
            "hidden_widths": hidden,
        }
    )
    n_seeds, n_logs = result.costs.shape
    costs = pd.DataFrame(
        {
            "init": init,
            "scale": float(scale),
            "seed": np.repeat(np.asarray(seeds, dtype=np.int64), n_logs),
            "iteration": np.tile(result.logged_iterations, n_seeds),
            "cost": result.costs.reshape(-1),
            **{column: values.reshape(-1) for column, values in curves.items()},
        }
    )
    return CellResult(runs, costs, result.weights, result.biases, events)


def save_parameters(result: CellResult, seeds: list[int], path: str | Path) -> None:
    """Store a cell's trained parameters (``W1..WL``, ``b1..bL`` stacked over ``seeds``).

    Parameters
    ----------
    result : CellResult
    seeds : list of int
    path : str or Path
    """
    arrays = {"seeds": np.asarray(seeds, dtype=np.int64)}
    for l, (W, b) in enumerate(zip(result.weights, result.biases), start=1):
        arrays[f"W{l}"], arrays[f"b{l}"] = W, b
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)


def load_parameters(path: str | Path) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Read parameters written by :func:`save_parameters`.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    seeds : ndarray
    weights, biases : list of ndarray
    """
    with np.load(path, allow_pickle=False) as stored:
        n_layers = sum(1 for key in stored.files if key.startswith("W"))
        weights = [stored[f"W{l}"] for l in range(1, n_layers + 1)]
        biases = [stored[f"b{l}"] for l in range(1, n_layers + 1)]
        return stored["seeds"], weights, biases
