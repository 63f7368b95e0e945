"""Signal-propagation theory of the depth study: what a deep ReLU network does at initialization.

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

The measured per-layer ratio (:mod:`initstudy.theory.depth_signal`) uses only the
hidden-to-hidden layers, whose fan-in and fan-out are both the width: the first
layer reads the raw 2-D input (no ReLU in front, fan-in 2) and the last has
fan-out 1, so their factors differ and would blur the comparison. A network
with ``depth`` hidden layers has ``depth - 1`` such transitions,
``z_1 -> z_2 -> ... -> z_depth``.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from initstudy.model.init import base_std

#: The columns that name one (initializer, scale, depth, width) shape in the depth tables.
SHAPE = ("init", "scale", "depth", "width")

INPUT_WIDTH = 2
OUTPUT_WIDTH = 1


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
        Initializer name (see :data:`initstudy.model.init.INITIALIZERS`).
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
    # NumPy floats: a huge scale gives inf, not Python's OverflowError.
    return float(np.float64(scale) ** 2 * fan_in * base_std(init, fan_in, fan_out) ** 2 / 2)


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


def predicted_depth_signal(ratio: float, depth: int) -> float:
    """The signal ``q_depth / q_1`` the theory predicts: ``ratio ** (depth - 1)``.

    Parameters
    ----------
    ratio : float
        Per-layer ratio (:func:`predicted_ratio` at equal widths).
    depth : int
        Hidden layers; ``depth - 1`` hidden-to-hidden transitions.

    Returns
    -------
    float
        ``inf`` where the power overflows (never ``OverflowError``).
    """
    with np.errstate(over="ignore"):
        return float(np.float64(ratio) ** (int(depth) - 1))


def relu_log_factor(width: int) -> tuple[float, float]:
    """Mean and variance of the log of one He ReLU layer's random factor, exactly.

    Take one input and a He network (weights ``N(0, 2 / fan_in)``, zero biases)
    of hidden width ``n``. Given the activations ``a_l`` of layer ``l``, the
    pre-activations ``z_{l+1} = W a_l`` are i.i.d. ``N(0, 2 |a_l|^2 / n)``, and
    the ReLU keeps the ``K ~ Binomial(n, 1/2)`` positive ones, so

        |a_{l+1}|^2 / |a_l|^2 = (2 / n) * chi2_K,

    independently from layer to layer (the direction of ``a_l`` does not matter:
    the Gaussian is rotation invariant). Given ``K``, ``ln chi2_K`` has mean
    ``psi(K/2) + ln 2`` and variance ``psi'(K/2)`` (digamma, trigamma), so

        mean = E[psi(K/2)] + ln(4 / n),    variance = E[psi'(K/2)] + Var[psi(K/2)],

    with ``K`` conditioned on ``K >= 1`` (all units off, probability ``2^-n``,
    kills the signal; it is counted as non-finite, not averaged). To leading order
    ``psi'(K/2) ~ 2/K ~ 4/n`` and ``Var psi(K/2) ~ Var ln K ~ 1/n``, so the variance
    is ``5/n + O(1/n^2)`` and the mean ``-5/(2n) + O(1/n^2)`` (the factor has mean 1:
    a log-normal's log has mean minus half its variance). This is Hanin & Rolnick's
    (2018) constant 5 for Gaussian weights (their ``exp(5 sum_j 1/n_j)`` for the
    second moment of the squared length).

    Parameters
    ----------
    width : int
        Hidden width ``n``, at least 1.

    Returns
    -------
    mean, variance : float

    Examples
    --------
    ``n = 2``: ``K`` is 1 or 2 with probabilities 2/3 and 1/3 (given ``K >= 1``);
    ``psi'(1/2) = pi^2/2``, ``psi'(1) = pi^2/6`` and ``psi(1/2) - psi(1) = -2 ln 2``,
    so the variance is ``7 pi^2/18 + (2/9) (2 ln 2)^2``:

    >>> import math
    >>> round(relu_log_factor(2)[1] - (7 * math.pi**2 / 18 + 8 * math.log(2) ** 2 / 9), 12)
    0.0
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width!r}")
    from scipy import special, stats

    active = np.arange(1, int(width) + 1)
    weight = stats.binom.pmf(active, int(width), 0.5)
    weight = weight / weight.sum()
    digamma = special.digamma(active / 2)
    mean_digamma = float(np.dot(weight, digamma))
    variance = float(np.dot(weight, special.polygamma(1, active / 2)))
    variance += float(np.dot(weight, (digamma - mean_digamma) ** 2))
    return mean_digamma + math.log(4 / width), variance


def predicted_log_signal(depth: int, width: int) -> tuple[float, float]:
    """Mean and variance of ``ln(q(depth) / q(1))`` for one input of a He ReLU network.

    ``q(l) = |z_l|^2`` is the squared length of layer ``l``'s pre-activations. The
    first layer reads the input with no ReLU in front, and ``|z_l|^2`` counts the
    units the ReLU drops as well as those it keeps, but over the ``depth - 1``
    hidden-to-hidden steps these corrections cancel exactly: with ``K_1`` the
    active units of layer 1, ``ln(q(depth)/q(1))`` is the sum of
    ``ln(2 chi2_n / n)`` (the last layer's full length), ``depth - 2`` factors of
    :func:`relu_log_factor` and ``ln Beta(K_1/2, (n - K_1)/2)`` (the kept share of
    layer 1), whose means and variances add up to ``(depth - 1)`` times those of
    :func:`relu_log_factor` (``psi'(n/2)`` enters once with each sign). So

        Var ln(q(depth)/q(1)) = (depth - 1) * v(n) ~ 5 (depth - 1) / n.

    Parameters
    ----------
    depth : int
        Hidden layers, at least 1.
    width : int
        Their width.

    Returns
    -------
    mean, variance : float
        Both 0 for ``depth == 1``.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth!r}")
    mean, variance = relu_log_factor(width)
    return (int(depth) - 1) * mean, (int(depth) - 1) * variance
