"""Effective gain: every initializer and scale on one axis, the He-equivalent gain.

A weight layer ``l`` that follows a ReLU maps the previous pre-activations
``z_{l-1}`` (symmetric about 0, so ``E[relu(z)^2] = E[z^2] / 2``) to
``z_l = W_l relu(z_{l-1})``. With ``W_l`` drawn independently of its input and
its entries uncorrelated with mean 0,

    ratio_l = E[z_l^2] / E[z_{l-1}^2] = fan_in_l * E[W_ij^2] / 2,

per unit. Gaussian initializers have ``E[W_ij^2] = (scale * base_std_l)^2``,
so ``ratio_l = scale^2 * fan_in_l * base_std_l^2 / 2``: 1 for He at scale 1.

The same holds for any draw with that variance (truncated normal, uniform).
Orthogonal (``W = scale * Q``, ``Q`` with orthonormal rows or columns; a
declared orthogonal initializer multiplies by its ``gain`` too) is not
Gaussian, but the same count holds with its actual second moment. ``Q`` has
``min(fan_in, fan_out)`` singular values 1, so ``sum Q_ij^2 = min(fan_in,
fan_out)`` exactly and ``E[Q_ij^2] = 1 / max(fan_in, fan_out)``; and its
entries are uncorrelated (a Haar ``Q`` is invariant under flipping the sign of
one column). Hence ``ratio_l = scale^2 * min(1, fan_in / fan_out) / 2``:

- square: ``Q`` keeps the norm, ReLU halves it: ratio ``scale^2 / 2``;
- wide (``fan_out < fan_in``): ``Q`` projects, keeping ``fan_out / fan_in`` of
  the norm, spread over ``fan_out`` units: each unit keeps its second moment,
  ratio ``scale^2 / 2``;
- tall (``fan_out > fan_in``): ``Q`` keeps the norm exactly but spreads it over
  more units: ratio ``scale^2 * fan_in / fan_out / 2``.

So orthogonal at the ReLU gain ``scale = sqrt(2)`` has ratio 1 on square and
wide layers, and below 1 on tall ones.

The He-equivalent gain ``g`` is the scale at which He has the same ratio:
``g = sqrt(ratio)``. Across layers of different widths the ratios differ; ``g``
uses their geometric mean, so that He ``x g`` has the same product of ratios,
i.e. the same predicted end-to-end growth of the signal through the network.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pandas as pd

from initstudy.model.init import REGISTRY, base_std, lookup

#: What ``scale`` multiplies, per initializer kind.
SCALE_MULTIPLIES = {
    "gaussian": "the base std: W_l = scale · base_std_l · N(0, 1)",
    "truncated_normal": "the base std: W_l = scale · base_std_l · (unit-variance truncated normal)",
    "uniform": "the base std: W_l = scale · base_std_l · sqrt(3) · U(-1, 1)",
    "orthogonal": "Q: scale is the gain, every singular value of W_l is {gain}",
    "zeros": "nothing: W_l = 0",
}


def entry_second_moment(name: str, fan_in: int, fan_out: int) -> float:
    """Second moment ``E[W_ij^2]`` of one weight at scale 1.

    Parameters
    ----------
    name : str
        Registered initializer.
    fan_in, fan_out : int
        Widths of the layer's input and output.

    Returns
    -------
    float
        ``base_std^2`` for a variance-scaled draw (Gaussian, truncated normal
        or uniform, each drawn with that variance), ``gain^2 * min / (fan_in *
        fan_out)`` = ``gain^2 / max(fan_in, fan_out)`` for orthogonal (the
        squared Frobenius norm of ``Q`` is its rank; ``gain`` is the registry
        entry's, 1 for ``orthogonal``), 0 for zeros.
    """
    entry = lookup(name)
    if entry.kind == "orthogonal":
        return entry.gain**2 * min(fan_in, fan_out) / (fan_in * fan_out)
    return base_std(name, fan_in, fan_out) ** 2


def signal_ratios(name: str, layers: list[int], scale: float) -> np.ndarray:
    """Predicted ratio of each weight layer that follows a ReLU (``W_2`` to ``W_L``).

    Parameters
    ----------
    name : str
        Registered initializer.
    layers : list of int
        Widths from input to output, e.g. ``[2, 10, 5, 1]``.
    scale : float
        The cell's scale.

    Returns
    -------
    ndarray
        ``scale^2 * fan_in * E[W_ij^2] / 2`` per layer, ``len(layers) - 2`` values.
    """
    shapes = list(pairwise(layers))[1:]
    return np.array(
        [
            # NumPy floats: a huge scale gives inf, not Python's OverflowError.
            np.float64(scale) ** 2 * fan_in * entry_second_moment(name, fan_in, fan_out) / 2
            for fan_in, fan_out in shapes
        ]
    )


def he_equivalent_gain(name: str, layers: list[int], scale: float) -> float:
    """The scale of He with the same geometric-mean signal ratio.

    Parameters
    ----------
    name, layers, scale
        As in :func:`signal_ratios`.

    Returns
    -------
    float
        ``sqrt`` of the geometric mean of :func:`signal_ratios`; 0 for zeros,
        NaN for a network without a layer after a ReLU.
    """
    ratios = signal_ratios(name, layers, scale)
    if ratios.size == 0:
        return math.nan
    if np.any(ratios == 0):
        return 0.0
    return float(math.sqrt(math.exp(np.mean(np.log(ratios)))))


def ratio_columns(layers: list[int]) -> list[str]:
    """Names of the per-layer ratio columns: ``signal_ratio_W2`` to ``signal_ratio_W{L}``."""
    return [f"signal_ratio_W{index}" for index in range(2, len(layers))]


def cell_gains(cells: pd.DataFrame, layers: list[int]) -> pd.DataFrame:
    """Each cell's predicted per-layer signal ratios and He-equivalent gain.

    Parameters
    ----------
    cells : pandas.DataFrame
        Any table with ``init`` and ``scale`` columns (e.g. the summary).
    layers : list of int
        Widths from input to output.

    Returns
    -------
    pandas.DataFrame
        A copy of ``cells`` with the :func:`ratio_columns` and
        ``he_equivalent_gain`` added.
    """
    cell_keys = list(zip(cells["init"], cells["scale"].astype(float), strict=True))
    ratios = np.array([signal_ratios(init, layers, scale) for init, scale in cell_keys])
    table = cells.copy()
    names = ratio_columns(layers)
    for column, values in zip(names, ratios.reshape(len(cells), len(names)).T, strict=True):
        table[column] = values
    table["he_equivalent_gain"] = [he_equivalent_gain(init, layers, s) for init, s in cell_keys]
    return table


def formula_table(layers: list[int]) -> pd.DataFrame:
    """Every registered initializer's exact rule, for the report's Setup.

    Parameters
    ----------
    layers : list of int
        Widths from input to output.

    Returns
    -------
    pandas.DataFrame
        One row per initializer in registry order: ``init``, ``kind``,
        ``formula``, ``scale_multiplies``, ``base_std_W1`` to ``base_std_W{L}``
        (the std of one weight at scale 1; for orthogonal the root mean square
        of its entries, ``1 / sqrt(max(fan_in, fan_out))``), ``he_gain_at_scale_1``
        (:func:`he_equivalent_gain` at scale 1) and ``scale_for_he_gain_1``
        (the scale with He-equivalent gain 1; NaN for zeros).
    """
    rows = []
    for name, entry in REGISTRY.items():
        row = {
            "init": name,
            "kind": entry.kind,
            "formula": entry.formula,
            "scale_multiplies": SCALE_MULTIPLIES[entry.kind].format(
                gain="scale" if entry.gain == 1 else f"scale · {entry.gain:g}"
            ),
        }
        for index, (fan_in, fan_out) in enumerate(pairwise(layers), start=1):
            row[f"base_std_W{index}"] = math.sqrt(entry_second_moment(name, fan_in, fan_out))
        gain = he_equivalent_gain(name, layers, 1.0)
        row["he_gain_at_scale_1"] = gain
        row["scale_for_he_gain_1"] = 1 / gain if gain > 0 else math.nan
        rows.append(row)
    return pd.DataFrame(rows)
