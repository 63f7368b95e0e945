"""Glorot & Bengio's (2010) measurement at initialization: each layer's activations and
back-propagated gradients of fresh networks, one forward and backward pass of the trainer's
NumPy networks (:mod:`initstudy.theory.depth_glorot` has the theory beside it)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.model.activations import lookup_activation
from initstudy.model.init import initialize_batch
from initstudy.model.net import NumpyMLP
from initstudy.theory.depth_glorot import HISTOGRAM_COLUMNS, LAYER_COLUMNS, QUANTITIES
from initstudy.theory.depth_theory import layer_widths

#: Bins of every histogram, spanning +-HALF_WIDTH root mean squares of the widest layer.
BINS = 101
HALF_WIDTH = 4.0
#: Networks measured at once (bounds the stored layers of a batch).
_SEEDS_PER_CHUNK = 8


def measure_layers(
    X: np.ndarray,
    y: np.ndarray,
    init: str,
    depth: int,
    width: int,
    seeds: list[int],
    activation: str = "tanh",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-layer second moments and histograms of fresh networks, one forward and backward pass.

    One network per seed (:func:`initstudy.model.init.initialize_batch`, zero biases) of
    ``depth`` hidden layers of ``width`` units on the inputs ``X``, run by the trainer's
    NumPy passes (:class:`initstudy.model.net.NumpyMLP`) with the loss it minimizes.

    Parameters
    ----------
    X : ndarray of shape (2, m)
        Inputs, examples as columns.
    y : ndarray of shape (m,) or (1, m)
        Labels 0/1.
    init : str
        A registered or declared initializer, at scale 1.
    depth, width : int
        Hidden layers and their width.
    seeds : list of int
        One network per seed (at least one).
    activation : str
        The hidden layers' activation.

    Returns
    -------
    layers : pandas.DataFrame
        Columns :data:`LAYER_COLUMNS`, by seed then layer (``1 .. depth + 1``); the
        output layer has no ``activation_second_moment`` (NaN).
    histograms : pandas.DataFrame
        Columns :data:`HISTOGRAM_COLUMNS`: for each quantity and hidden layer, the density
        over units, examples and seeds on :data:`BINS` common bins; values outside the
        bins (set by the first networks) are left out of the density's area.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(1, -1)
    widths = layer_widths(depth, width)
    seeds = [int(seed) for seed in seeds]
    rows, counts, edges, total = [], None, None, 0
    for start in range(0, len(seeds), _SEEDS_PER_CHUNK):
        chunk = seeds[start : start + _SEEDS_PER_CHUNK]
        weights, biases = initialize_batch(init, widths, 1.0, chunk)
        networks = NumpyMLP(weights, biases, X.shape[1], activation)
        with np.errstate(all="ignore"):
            networks.forward(X)
            networks.backward(X, y)
        values = _hidden_values(networks, depth)
        if edges is None:
            edges = {name: _edges(layers) for name, layers in values.items()}
            counts = {name: np.zeros((depth, BINS)) for name in values}
        for name, layers in values.items():
            for l, v in enumerate(layers):
                counts[name][l] += np.histogram(v, bins=edges[name])[0]
        total += values["activation"][0].size
        rows.append(_chunk_rows(networks, values, chunk, widths))
    layers = pd.concat(rows, ignore_index=True)
    layers.insert(0, "width", int(width))
    layers.insert(0, "depth", int(depth))
    layers.insert(0, "activation", lookup_activation(activation).name)
    layers.insert(0, "init", init)
    return layers[list(LAYER_COLUMNS)], _histogram_table(init, depth, edges, counts, total)


def _hidden_values(networks: NumpyMLP, depth: int) -> dict[str, list[np.ndarray]]:
    """``phi(z_l)`` and ``dL/dz_l`` of the hidden layers, each ``(B, width, m)``."""
    function = networks.activation.function
    return {
        "activation": [function(z) for z in networks.pre_activations[:depth]],
        "gradient": list(networks.output_gradients[:depth]),
    }


def _edges(layers: list[np.ndarray]) -> np.ndarray:
    """Common bin edges: +-HALF_WIDTH times the largest root mean square over the layers."""
    finite = [np.sqrt(np.mean(v[np.isfinite(v)] ** 2)) for v in layers if np.isfinite(v).any()]
    half = HALF_WIDTH * max([r for r in finite if r > 0], default=1.0)
    return np.linspace(-half, half, BINS + 1)


def _chunk_rows(networks: NumpyMLP, values: dict, chunk: list[int], widths: list[int]):
    """The per-network rows of one chunk of seeds."""
    n_layers = len(widths) - 1
    activation = [np.mean(a * a, axis=(1, 2)) for a in values["activation"]]
    activation.append(np.full(len(chunk), math.nan))  # the output layer: a sigmoid, not phi
    return pd.DataFrame(
        {
            "seed": np.repeat(np.asarray(chunk, dtype=np.int64), n_layers),
            "layer": np.tile(np.arange(1, n_layers + 1), len(chunk)),
            "fan_in": np.tile(widths[:-1], len(chunk)),
            "fan_out": np.tile(widths[1:], len(chunk)),
            "forward_second_moment": _per_network(
                [np.mean(z * z, axis=(1, 2)) for z in networks.pre_activations]
            ),
            "activation_second_moment": _per_network(activation),
            "backward_second_moment": _per_network(
                [np.mean(g * g, axis=(1, 2)) for g in networks.output_gradients]
            ),
            "weight_gradient_norm": _per_network(
                [np.sqrt(np.sum(dW * dW, axis=(1, 2))) for dW in networks.weight_gradients]
            ),
        }
    )


def _per_network(per_layer: list[np.ndarray]) -> np.ndarray:
    """Per-layer arrays of ``B`` values -> one value per (network, layer), networks first."""
    return np.stack(per_layer, axis=1).ravel()


def _histogram_table(init, depth, edges, counts, total) -> pd.DataFrame:
    frames = []
    for name in QUANTITIES:
        width = np.diff(edges[name])
        for l in range(depth):
            frames.append(
                pd.DataFrame(
                    {
                        "init": init,
                        "depth": int(depth),
                        "quantity": name,
                        "layer": l + 1,
                        "bin_left": edges[name][:-1],
                        "bin_right": edges[name][1:],
                        "density": counts[name][l] / (total * width),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)[list(HISTOGRAM_COLUMNS)]
