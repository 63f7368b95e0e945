"""Initial weights perturbed in their last bits: does a result survive a change of machine?

A rerun from weights multiplied by ``1 ± 1e-13`` (a few hundred units in the last
place) stands for what another BLAS, compiler or processor changes in the first
iterations; a conclusion that such a rerun overturns is no conclusion.
"""

from __future__ import annotations

import numpy as np

from initstudy.model.init import initialize_batch


def perturb_weights(
    weights: list[np.ndarray], seeds: list[int], relative: float, perturbation_seed: int
) -> list[np.ndarray]:
    """Multiply every weight by ``1 + relative`` or ``1 - relative``, the sign drawn at random.

    Network ``seeds[b]`` (row ``b`` of every stacked matrix) draws its signs layer by
    layer from ``numpy.random.default_rng([perturbation_seed, seeds[b]])``, so a
    network is perturbed the same way whatever batch it is trained in.

    Parameters
    ----------
    weights : list of ndarray
        Stacked weights ``(B, n_out, n_in)``; not modified.
    seeds : list of int
        The network seed of each row.
    relative : float
        Size of the perturbation, e.g. ``1e-13`` (a few hundred units in the last place).
    perturbation_seed : int

    Returns
    -------
    list of ndarray
    """
    perturbed = [W.copy() for W in weights]
    for row, seed in enumerate(seeds):
        rng = np.random.default_rng([int(perturbation_seed), int(seed)])
        for W in perturbed:
            W[row] *= 1.0 + relative * rng.choice((-1.0, 1.0), W[row].shape)
    return perturbed


def perturbed_initial(
    init: str,
    layers: list[int],
    scale: float,
    seeds: list[int],
    perturbation: tuple[float, int],
    bias_std: float = 0.0,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The initial parameters of a cell, its weights perturbed by :func:`perturb_weights`.

    Parameters
    ----------
    init : str
    layers : list of int
    scale : float
    seeds : list of int
    perturbation : (relative, seed)
    bias_std : float
        As in :func:`initstudy.model.init.initialize` (the biases are not perturbed).

    Returns
    -------
    (weights, biases)
        Stacked over seeds, as :func:`initstudy.model.init.initialize_batch` gives them.
    """
    weights, biases = initialize_batch(init, list(layers), scale, seeds, bias_std)
    return perturb_weights(weights, seeds, *perturbation), biases
