"""Weight initializers, all in one parametrization.

Every initializer draws ``W_l = scale * base_std_l * N(0, 1)`` from
``numpy.random.RandomState(seed)``, layer by layer (``W1`` first), with zero
biases. ``zeros`` draws nothing; ``orthogonal`` replaces the Gaussian matrix by
an orthogonal one (QR of a Gaussian, signs fixed so the draw is unique).
At the notebook's settings, seed 3 reproduces its printed matrices.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise

import numpy as np

BaseStd = Callable[[int, int], float]

#: name -> base standard deviation of one weight as a function of (fan_in, fan_out).
#: For ``orthogonal`` this is the per-entry std an orthogonal matrix behaves like
#: (each unit's second moment ``|x|^2 / max(fan_in, fan_out)``); ``zeros`` has none.
BASE_STD: dict[str, BaseStd | None] = {
    "zeros": None,
    "random": lambda fan_in, fan_out: 1.0,
    "he": lambda fan_in, fan_out: math.sqrt(2.0 / fan_in),
    "lecun": lambda fan_in, fan_out: math.sqrt(1.0 / fan_in),
    "glorot": lambda fan_in, fan_out: math.sqrt(2.0 / (fan_in + fan_out)),
    "orthogonal": lambda fan_in, fan_out: math.sqrt(1.0 / max(fan_in, fan_out)),
}

INITIALIZERS: tuple[str, ...] = tuple(BASE_STD)

Params = list[tuple[np.ndarray, np.ndarray]]


def base_std(name: str, fan_in: int, fan_out: int) -> float:
    """Base standard deviation of one weight of a layer (0 for ``zeros``).

    Parameters
    ----------
    name : str
        Initializer name, one of :data:`INITIALIZERS`.
    fan_in, fan_out : int
        Widths of the layer's input and output.

    Returns
    -------
    float
    """
    rule = _rule(name)
    return 0.0 if rule is None else rule(fan_in, fan_out)


def initialize(name: str, layers: list[int], scale: float, seed: int) -> Params:
    """Draw the weights and biases of one network.

    Parameters
    ----------
    name : str
        Initializer name, one of :data:`INITIALIZERS`.
    layers : list of int
        Widths from input to output, e.g. ``[2, 10, 5, 1]``.
    scale : float
        Multiplier of the base standard deviation (ignored by ``zeros``).
    seed : int
        Seed of the ``numpy.random.RandomState`` that draws all layers.

    Returns
    -------
    list of (W, b)
        ``W`` of shape ``(layers[l], layers[l-1])``, ``b`` zeros of shape ``(layers[l], 1)``.
    """
    rule = _rule(name)
    rng = np.random.RandomState(seed)
    params = []
    for fan_in, fan_out in pairwise(layers):
        if rule is None:
            W = np.zeros((fan_out, fan_in))
        elif name == "orthogonal":
            W = scale * _orthogonal(rng, fan_out, fan_in)
        else:
            # std first, then one multiplication: bit-identical to the notebook's
            # ``randn(...) * np.sqrt(2 / fan_in)`` and ``randn(...) * 10``.
            W = rng.randn(fan_out, fan_in) * (scale * rule(fan_in, fan_out))
        params.append((W, np.zeros((fan_out, 1))))
    return params


def initialize_batch(
    name: str, layers: list[int], scale: float, seeds: list[int]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Draw one network per seed and stack them for the batched trainer.

    Parameters
    ----------
    name, layers, scale
        As in :func:`initialize`.
    seeds : list of int
        One network per seed, in this order.

    Returns
    -------
    weights : list of ndarray
        ``weights[l]`` has shape ``(len(seeds), layers[l+1], layers[l])``.
    biases : list of ndarray
        ``biases[l]`` has shape ``(len(seeds), layers[l+1], 1)``.
    """
    nets = [initialize(name, layers, scale, seed) for seed in seeds]
    weights = [np.stack([net[l][0] for net in nets]) for l in range(len(layers) - 1)]
    biases = [np.stack([net[l][1] for net in nets]) for l in range(len(layers) - 1)]
    return weights, biases


def _orthogonal(rng: np.random.RandomState, rows: int, cols: int) -> np.ndarray:
    tall = rows >= cols
    gaussian = rng.randn(*((rows, cols) if tall else (cols, rows)))
    q, r = np.linalg.qr(gaussian)
    # QR is unique only up to the signs of R's diagonal; fixing them makes the
    # matrix Haar-distributed and the same on every LAPACK.
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    return q if tall else q.T


def _rule(name: str) -> BaseStd | None:
    if name not in BASE_STD:
        allowed = ", ".join(INITIALIZERS)
        raise ValueError(f"unknown initializer {name!r}; allowed: {allowed}")
    return BASE_STD[name]
