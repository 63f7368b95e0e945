"""Full-batch gradient descent of a batch of networks, with the cost log and the run's metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from initstudy.model.activations import DEFAULT_ACTIVATION
from initstudy.model.net import batched_mlp, cost_from_logits, sigmoid

Progress = Callable[[int, np.ndarray, float], None]


@dataclass(frozen=True)
class TrainSettings:
    """How a batch of networks is trained: the shape, the step and the log.

    Attributes
    ----------
    layers : tuple of int
        Widths from input to output, e.g. ``(2, 10, 5, 1)``.
    learning_rate : float
        Step size of full-batch gradient descent.
    iterations : int
        Number of updates.
    log_every : int
        Log the cost every ``log_every`` iterations (before the update).
    backend : {"auto", "numpy", "numba"} or None
        Who computes the passes (:func:`initstudy.model.net.resolve_backend`); None is the default.
    activation : str
        The hidden layers' activation (:data:`initstudy.model.activations.ACTIVATIONS`).
    """

    layers: tuple[int, ...]
    learning_rate: float
    iterations: int
    log_every: int
    backend: str | None = None
    activation: str = DEFAULT_ACTIVATION

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(int(width) for width in self.layers))
        object.__setattr__(self, "learning_rate", float(self.learning_rate))
        object.__setattr__(self, "iterations", int(self.iterations))
        object.__setattr__(self, "log_every", int(self.log_every))


@dataclass
class TrainResult:
    """What training a batch of ``B`` networks produced.

    Attributes
    ----------
    logged_iterations : ndarray of shape (K,)
        ``0, log_every, ...`` below ``iterations``, then ``iterations`` itself
        (the cost of the trained network).
    costs : ndarray of shape (B, K)
        Cost at each logged iteration, before that iteration's update; NaN from
        the point a network diverged.
    diverged_at : ndarray of shape (B,)
        First logged iteration whose cost or weights were not finite; -1 if none.
    accuracies : dict of str to ndarray of shape (B, K)
        Accuracy on each evaluated split at each logged iteration (NaN once diverged).
    weights, biases : list of ndarray
        Trained parameters (a diverged network's are all NaN).
    """

    logged_iterations: np.ndarray
    costs: np.ndarray
    diverged_at: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    accuracies: dict


def logged_iterations(iterations: int, log_every: int) -> np.ndarray:
    """Iterations at which the cost is logged: every ``log_every`` from 0, then the end.

    Parameters
    ----------
    iterations, log_every : int

    Returns
    -------
    ndarray of int64
    """
    return np.append(np.arange(0, iterations, log_every), iterations).astype(np.int64)


def train_batch(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    settings: TrainSettings,
    progress: Progress | None = None,
    evaluate: dict | None = None,
) -> TrainResult:
    """Train ``B`` networks of one shape together by full-batch gradient descent.

    Parameters
    ----------
    weights, biases : list of ndarray
        Stacked initial parameters, ``(B, n_out, n_in)`` and ``(B, n_out, 1)``;
        they are not modified.
    X : ndarray of shape (n_0, m)
        Training inputs, examples as columns.
    y : ndarray of shape (1, m)
        Labels 0/1 as floats.
    settings : TrainSettings
        Learning rate, iterations, log interval and backend (``settings.layers``
        is not read: the shape comes from ``weights``).
    progress : callable, optional
        Called as ``progress(iteration, costs, elapsed_seconds)`` at each log point.
    evaluate : dict of str to (X, y), optional
        Splits whose accuracy is measured at each log point (``X`` of shape
        ``(n_0, m_split)``, ``y`` of shape ``(m_split,)``); measuring never changes
        the training.

    Returns
    -------
    TrainResult
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64).reshape(1, -1)
    net = batched_mlp(weights, biases, X.shape[1], settings.backend, settings.activation)
    iterations, learning_rate = settings.iterations, settings.learning_rate
    log_at = logged_iterations(iterations, settings.log_every)
    costs = np.full((net.batch, log_at.size), np.nan)
    diverged_at = np.full(net.batch, -1, dtype=np.int64)
    evaluate = evaluate or {}
    accuracies = {name: np.full((net.batch, log_at.size), np.nan) for name in evaluate}
    start = time.perf_counter()

    def log(k: int, iteration: int, z_out: np.ndarray) -> None:
        cost = cost_from_logits(z_out, y)
        finite = np.isfinite(cost)
        for W, b in zip(net.weights, net.biases):
            finite &= np.isfinite(W).all(axis=(1, 2)) & np.isfinite(b).all(axis=(1, 2))
        newly = ~finite & (diverged_at < 0)
        diverged_at[newly] = iteration
        alive = diverged_at < 0
        costs[alive, k] = cost[alive]
        if newly.any():
            # A diverged network is frozen at NaN: it stays out of every later
            # statistic, and its inf/NaN arithmetic cannot be mistaken for a result.
            for W, b in zip(net.weights, net.biases):
                W[newly] = np.nan
                b[newly] = np.nan
        for name, (X_split, y_split) in evaluate.items():
            accuracies[name][:, k] = accuracy(
                net.weights, net.biases, X_split, y_split, settings.activation
            )
        if progress is not None:
            progress(iteration, costs[:, k], time.perf_counter() - start)

    # Between two log points the whole stretch of iterations is one call: the compiled
    # kernel then takes each network through it without returning to Python.
    for k in range(log_at.size - 1):
        log(k, int(log_at[k]), net.forward(X))
        net.run(X, y, learning_rate, int(log_at[k + 1] - log_at[k]))
    log(log_at.size - 1, iterations, net.forward(X))
    weights = [W.copy() for W in net.weights]
    biases = [b.copy() for b in net.biases]
    return TrainResult(log_at, costs, diverged_at, weights, biases, accuracies)


def predict(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    X: np.ndarray,
    activation: str = DEFAULT_ACTIVATION,
) -> np.ndarray:
    """Labels of each network: 1 where ``sigmoid`` of the output exceeds 0.5, as the notebook.

    Parameters
    ----------
    weights, biases : list of ndarray
    X : ndarray of shape (n_0, m)
    activation : str
        The hidden layers' activation.

    Returns
    -------
    ndarray of shape (B, m), int64
    """
    net = batched_mlp(weights, biases, X.shape[1], activation=activation)
    return (sigmoid(net.forward(np.ascontiguousarray(X)))[:, 0, :] > 0.5).astype(np.int64)


def accuracy(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    activation: str = DEFAULT_ACTIVATION,
) -> np.ndarray:
    """Share of examples each network labels correctly (NaN for a network with NaN weights).

    Parameters
    ----------
    weights, biases : list of ndarray
    X : ndarray of shape (n_0, m)
    y : ndarray of shape (m,) or (1, m)
    activation : str
        The hidden layers' activation.

    Returns
    -------
    ndarray of shape (B,)
    """
    hits = (predict(weights, biases, X, activation) == np.reshape(y, (1, -1))).mean(axis=1)
    broken = ~np.isfinite(weights[0]).all(axis=(1, 2))
    return np.where(broken, np.nan, hits)


def distinct_units(weights: list[np.ndarray], biases: list[np.ndarray]) -> np.ndarray:
    """Number of distinct hidden units per network and hidden layer.

    Two units are the same when their incoming weights and bias are exactly
    equal; zeros initialization keeps every unit of a layer identical forever.

    Parameters
    ----------
    weights, biases : list of ndarray

    Returns
    -------
    ndarray of shape (B, L - 1), int64
    """
    batch, hidden = weights[0].shape[0], len(weights) - 1
    counts = np.zeros((batch, hidden), dtype=np.int64)
    for l in range(hidden):
        units = np.concatenate([weights[l], biases[l]], axis=2)
        for n in range(batch):
            counts[n, l] = np.unique(units[n], axis=0).shape[0]
    return counts
