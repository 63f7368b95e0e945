"""Weight initializers: one registry, one parametrization.

Every initializer is one :class:`Initializer` in :data:`REGISTRY`, which states
everything the study needs to know about it: how it draws a layer, its base
standard deviation, its colour in the figures, the exact rule in words and a
short description. Every other place (config checks, figures, the depth study,
the report) looks initializers up here.

A network is drawn from ``numpy.random.RandomState(seed)``, layer by layer
(``W1`` first), with zero biases unless a bias standard deviation ``sigma_b`` is
given: the biases are then ``sigma_b * N(0, 1)``, drawn from a generator of
their own (``RandomState([seed, BIAS_STREAM])``) so that the weights of a seed
are the same whatever ``sigma_b`` is. A ``gaussian`` initializer draws
``W_l = scale * base_std_l * N(0, 1)``; ``orthogonal`` draws an orthogonal
matrix instead (QR of a Gaussian, signs fixed so the draw is unique);
``zeros`` draws nothing. At the notebook's settings, seed 3 reproduces its
printed matrices.

Adding a Gaussian initializer is one more entry in :data:`REGISTRY` (and its
scales in ``config/config.yaml``; the config schema and ``config/README.md``
list the names, and ``tests/test_registry.py`` fails until they agree).

A config can also declare its own initializers, as Keras and PyTorch define
them (:func:`initstudy.model.declared.declare_initializers`): a variance-scaling rule
(``scale``, fan
``mode``, ``distribution`` normal, truncated normal or uniform) or an
orthogonal matrix with a ``gain``. Each becomes one more registry entry, so it
can be used wherever a registered name can.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import numpy as np

BaseStd = Callable[[int, int], float]
Kind = Literal["gaussian", "truncated_normal", "uniform", "orthogonal", "zeros"]
KINDS: tuple[Kind, ...] = ("gaussian", "truncated_normal", "uniform", "orthogonal", "zeros")

#: A truncated normal keeps the draws within this many standard deviations (as Keras does).
TRUNCATION = 2.0


def truncated_normal_std(bound: float) -> float:
    """Standard deviation of N(0, 1) truncated to ``[-bound, bound]``.

    The truncated density is ``phi(x) / Z`` with ``Z = 2 Phi(bound) - 1``;
    integrating ``x^2 phi(x)`` by parts (``x phi(x) = -phi'(x)``) gives the
    variance ``1 - 2 bound phi(bound) / Z``. At ``bound = 2`` the std is
    0.8796256610342398: a truncated draw is divided by it so that its variance
    is the one the rule asks for.

    Parameters
    ----------
    bound : float
        Truncation point, in standard deviations (> 0).

    Returns
    -------
    float
    """
    density = math.exp(-bound * bound / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(bound / math.sqrt(2))
    return math.sqrt(1 - 2 * bound * density / mass)


#: Standard deviation of a standard normal truncated at +-TRUNCATION.
TRUNCATED_STD = truncated_normal_std(TRUNCATION)

Params = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Initializer:
    """Everything the study states about one initializer.

    Attributes
    ----------
    name : str
        The name used in configs, tables, file paths and figures.
    kind : {"gaussian", "truncated_normal", "uniform", "orthogonal", "zeros"}
        How a layer is drawn (see :meth:`draw`).
    base_std : callable (fan_in, fan_out) -> float
        Standard deviation of one weight at scale 1, whatever the distribution.
        For ``orthogonal`` it is the per-entry std an orthogonal matrix behaves
        like (each unit's second moment ``gain^2 |x|^2 / max(fan_in, fan_out)``);
        for ``zeros`` it is 0.
    color : str
        Its colour in every figure (hex string).
    formula : str
        The exact rule of a layer's weights, in words, e.g.
        ``"W_l = scale · sqrt(2 / fan_in) · N(0, 1)"``.
    description : str
        One line on where it comes from or what it does.
    gain : float
        Multiplier of an ``orthogonal`` matrix (1 for the registered one).
    """

    name: str
    kind: Kind
    base_std: BaseStd
    color: str
    formula: str
    description: str
    gain: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            allowed = ", ".join(KINDS)
            raise ValueError(f"initializer {self.name!r}: kind {self.kind!r}; allowed: {allowed}")

    def draw(
        self, rng: np.random.RandomState, fan_in: int, fan_out: int, scale: float
    ) -> np.ndarray:
        """Draw the weight matrix of one layer.

        Parameters
        ----------
        rng : numpy.random.RandomState
            The network's generator; ``zeros`` leaves it untouched.
        fan_in, fan_out : int
            Widths of the layer's input and output.
        scale : float
            Multiplier of the base standard deviation (ignored by ``zeros``).

        Returns
        -------
        ndarray of shape (fan_out, fan_in)
        """
        if self.kind == "zeros":
            return np.zeros((fan_out, fan_in))
        if self.kind == "orthogonal":
            return scale * self.gain * _orthogonal(rng, fan_out, fan_in)
        std = scale * self.base_std(fan_in, fan_out)
        if self.kind == "truncated_normal":
            return _truncated_normal(rng, (fan_out, fan_in)) * (std / TRUNCATED_STD)
        if self.kind == "uniform":
            # U(-a, a) has variance a^2 / 3.
            return rng.uniform(-1.0, 1.0, (fan_out, fan_in)) * (std * math.sqrt(3.0))
        # std first, then one multiplication: bit-identical to the notebook's
        # ``randn(...) * np.sqrt(2 / fan_in)`` and ``randn(...) * 10``.
        return rng.randn(fan_out, fan_in) * std


def _gaussian(name: str, std: str, base_std: BaseStd, color: str, description: str) -> Initializer:
    """A Gaussian rule, ``W_l = scale · <std> · N(0, 1)`` (the factor left out where it is 1)."""
    factor = "" if std == "1" else f"{std} · "
    formula = f"W_l = scale · {factor}N(0, 1)"
    return Initializer(name, "gaussian", base_std, color, formula, description)


#: Every initializer of the study, in the order of the default config.
REGISTRY: dict[str, Initializer] = {
    entry.name: entry
    for entry in (
        Initializer(
            name="zeros",
            kind="zeros",
            base_std=lambda fan_in, fan_out: 0.0,
            color="#555555",
            formula="W_l = 0",
            description="no scale (its list must be [1]); the units of a layer stay identical",
        ),
        _gaussian(
            "random",
            "1",
            lambda fan_in, fan_out: 1.0,
            "#E69F00",
            'base std 1; the notebook\'s "random" is scale 10',
        ),
        _gaussian(
            "he",
            "sqrt(2 / fan_in)",
            lambda fan_in, fan_out: math.sqrt(2.0 / fan_in),
            "#0072B2",
            "He et al. (2015): keeps the second moment of a ReLU network's signal",
        ),
        _gaussian(
            "lecun",
            "sqrt(1 / fan_in)",
            lambda fan_in, fan_out: math.sqrt(1.0 / fan_in),
            "#009E73",
            'LeCun et al. (1998); the notebook\'s "Xavier"',
        ),
        _gaussian(
            "glorot",
            "sqrt(2 / (fan_in + fan_out))",
            lambda fan_in, fan_out: math.sqrt(2.0 / (fan_in + fan_out)),
            "#CC79A7",
            "Glorot & Bengio (2010): averages fan-in and fan-out",
        ),
        Initializer(
            name="orthogonal",
            kind="orthogonal",
            base_std=lambda fan_in, fan_out: math.sqrt(1.0 / max(fan_in, fan_out)),
            color="#D55E00",
            formula="W_l = scale · Q, Q orthogonal (QR of a Gaussian, signs fixed)",
            description="Saxe et al. (2014); behaves like base std sqrt(1 / max(fan_in, fan_out))",
        ),
    )
}

#: Names of the registered initializers, in registry order.
INITIALIZERS: tuple[str, ...] = tuple(REGISTRY)


def lookup(name: str) -> Initializer:
    """The registry entry of an initializer.

    Parameters
    ----------
    name : str
        Initializer name, one of :data:`INITIALIZERS`.

    Returns
    -------
    Initializer

    Raises
    ------
    ValueError
        For an unknown name, listing the allowed ones.
    """
    if name not in REGISTRY:
        allowed = ", ".join(REGISTRY)
        raise ValueError(f"unknown initializer {name!r}; allowed: {allowed}")
    return REGISTRY[name]


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
    return lookup(name).base_std(fan_in, fan_out)


def weight_variance(name: str, scale: float, width: int) -> float:
    """``sigma_w^2`` of a hidden layer of ``width`` units fed by one as wide: the weights'
    variance times the fan-in, the horizontal axis of mean-field theory's phase plane.

    ``he`` at scale 1 is 2, ``lecun`` 1, ``glorot`` 1 (equal fan-in and fan-out),
    ``orthogonal`` ``scale^2`` (its entries' variance is ``1 / width``).

    Parameters
    ----------
    name : str
        Initializer name, one of :data:`INITIALIZERS`.
    scale : float
        Multiplier of the base standard deviation.
    width : int
        The hidden layers' width (fan-in = fan-out).

    Returns
    -------
    float
    """
    return float(scale) ** 2 * width * base_std(name, width, width) ** 2


#: The second word of the seed of the generator that draws the biases.
BIAS_STREAM = 1


def initialize(
    name: str, layers: list[int], scale: float, seed: int, bias_std: float = 0.0
) -> Params:
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
        Seed of the ``numpy.random.RandomState`` that draws all weight layers.
    bias_std : float
        Standard deviation ``sigma_b`` of every layer's biases (0: zeros, the notebook's).

    Returns
    -------
    list of (W, b)
        ``W`` of shape ``(layers[l], layers[l-1])``, ``b`` of shape ``(layers[l], 1)``.
    """
    initializer = lookup(name)
    rng = np.random.RandomState(seed)
    weights = [
        initializer.draw(rng, fan_in, fan_out, scale) for fan_in, fan_out in pairwise(layers)
    ]
    if bias_std == 0:
        return [(W, np.zeros((W.shape[0], 1))) for W in weights]
    bias_rng = np.random.RandomState([seed, BIAS_STREAM])
    return [(W, bias_rng.randn(W.shape[0], 1) * bias_std) for W in weights]


def initialize_batch(
    name: str, layers: list[int], scale: float, seeds: list[int], bias_std: float = 0.0
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Draw one network per seed and stack them for the batched trainer.

    Parameters
    ----------
    name, layers, scale
        As in :func:`initialize`.
    seeds : list of int
        One network per seed, in this order.
    bias_std : float
        As in :func:`initialize`.

    Returns
    -------
    weights : list of ndarray
        ``weights[l]`` has shape ``(len(seeds), layers[l+1], layers[l])``.
    biases : list of ndarray
        ``biases[l]`` has shape ``(len(seeds), layers[l+1], 1)``.
    """
    nets = [initialize(name, layers, scale, seed, bias_std) for seed in seeds]
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


def _truncated_normal(rng: np.random.RandomState, shape: tuple[int, int]) -> np.ndarray:
    """N(0, 1) draws within +-TRUNCATION: draws outside are drawn again (as Keras does)."""
    values = rng.randn(*shape)
    outside = np.abs(values) > TRUNCATION
    while outside.any():
        values[outside] = rng.randn(int(outside.sum()))
        outside = np.abs(values) > TRUNCATION
    return values
