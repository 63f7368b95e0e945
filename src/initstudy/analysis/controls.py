"""Control cells: two cells of the grid that draw the same weight matrices.

He ×1 draws ``W_l = 1 · sqrt(2 / fan_in) · N(0, 1)`` and LeCun ×√2 draws
``W_l = 1.4142135623730951 · sqrt(1 / fan_in) · N(0, 1)``: the same standard deviation
per layer, up to the last bits of the product, from the same generator of the seed. Their
networks are the same networks; their runs differ only by rounding. Two cells are such a
control pair when their initializers are of the same kind (they draw from the seed's
generator in the same way) and every layer's standard deviation (``scale · base_std``,
times the gain of an orthogonal matrix) agrees to :data:`CONTROL_RTOL`, read from the
registry (:data:`initstudy.model.init.REGISTRY`), never from the names.

How often a control pair's runs disagree, seed by seed, on success or on the outcome
class is the study's last-bit sensitivity: a difference between two other cells no
larger than it is not evidence of anything but rounding.
"""

from __future__ import annotations

import math
from itertools import combinations, pairwise

import numpy as np
import pandas as pd

from initstudy.grid.axes import ARCHITECTURE_AXES, REPLICATE_AXES, value_without_axis
from initstudy.model.data import input_width
from initstudy.model.init import REGISTRY

#: Relative difference of two per-layer standard deviations that counts as the same draw
#: (√2 · sqrt(1/n) and sqrt(2/n) differ by about 1e-16).
CONTROL_RTOL = 1e-12
#: Columns of :func:`control_disagreement` after the grouping axes.
CONTROL_COLUMNS = (
    "init_a",
    "scale_a",
    "init_b",
    "scale_b",
    "n_pairs",
    "n_success_a",
    "n_success_b",
    "n_success_disagree",
    "n_status_disagree",
)


def network_layers(config: dict, stratum: dict | None = None) -> list[int]:
    """The layer widths of the networks of a stratum, as :func:`initstudy.grid.axes.cell_settings`
    makes them: ``depth`` and ``width`` replace the hidden layers of ``model.layers``, and the
    data set gives the input width.

    Parameters
    ----------
    config : dict
        With ``model.layers`` (and ``dataset``, ``datasets`` for the input width, if any).
    stratum : dict, optional
        Stratum axis -> value.

    Returns
    -------
    list of int
    """
    stratum = stratum or {}
    layers = [int(width) for width in config["model"]["layers"]]
    if any(axis in stratum for axis in ARCHITECTURE_AXES):
        shape = {
            axis: stratum[axis] if axis in stratum else value_without_axis(config, axis)
            for axis in ARCHITECTURE_AXES
        }
        layers = [layers[0], *[int(shape["width"])] * int(shape["depth"]), layers[-1]]
    # The input width is the data set's (64 for the digits); a data set under ``datasets``
    # takes the keys it does not set from ``dataset``, its kind among them.
    base = config.get("dataset", {})
    name = stratum.get("dataset", base.get("name"))
    layers[0] = input_width({**base, **config.get("datasets", {}).get(name, {})})
    return layers


def layer_stds(init: str, scale: float, layers: list[int]) -> tuple[float, ...] | None:
    """Each layer's weight standard deviation of a cell: ``scale · base_std``, times the
    gain of an orthogonal matrix; None for an initializer not registered in this process.

    Parameters
    ----------
    init : str
    scale : float
    layers : list of int

    Returns
    -------
    tuple of float or None
    """
    entry = REGISTRY.get(init)
    if entry is None:
        return None
    gain = entry.gain if entry.kind == "orthogonal" else 1.0
    return tuple(
        float(scale) * gain * entry.base_std(fan_in, fan_out)
        for fan_in, fan_out in pairwise(layers)
    )


def same_draws(a: tuple, b: tuple, layers: list[int], rtol: float = CONTROL_RTOL) -> bool:
    """Whether two different cells draw the same weight matrices, up to the last bits.

    Parameters
    ----------
    a, b : (str, float)
        (initializer, scale) of each cell.
    layers : list of int
    rtol : float
        Relative tolerance on each layer's standard deviation.

    Returns
    -------
    bool
        True when the cells differ, their initializers are of the same kind and every
        layer's standard deviation agrees to ``rtol``.
    """
    (init_a, scale_a), (init_b, scale_b) = a, b
    if (init_a, float(scale_a)) == (init_b, float(scale_b)):
        return False
    if init_a not in REGISTRY or init_b not in REGISTRY:
        return False
    if REGISTRY[init_a].kind != REGISTRY[init_b].kind:
        return False
    stds_a, stds_b = layer_stds(init_a, scale_a, layers), layer_stds(init_b, scale_b, layers)
    return all(
        math.isclose(x, y, rel_tol=rtol, abs_tol=0.0) for x, y in zip(stds_a, stds_b, strict=True)
    )


def control_pairs(cells, layers: list[int]) -> list[tuple[tuple[str, float], tuple[str, float]]]:
    """Every pair of the grid's cells that draw the same matrices (:func:`same_draws`).

    Parameters
    ----------
    cells : iterable of (str, float)
        The grid's (initializer, scale) pairs; repeats are ignored.
    layers : list of int

    Returns
    -------
    list of ((str, float), (str, float))
        In the order of the cells.
    """
    unique = list(dict.fromkeys((str(init), float(scale)) for init, scale in cells))
    return [(a, b) for a, b in combinations(unique, 2) if same_draws(a, b, layers)]


def control_disagreement(
    runs: pd.DataFrame, pairs: list, axes: tuple[str, ...], threshold: float
) -> pd.DataFrame:
    """How often the runs of each control pair disagree, seed by seed.

    Runs are paired on the seed and the replicate axes (the data draw); they are
    compared at each level of every other axis (learning rate, data set, depth,
    width). A run succeeds at test accuracy ``>= threshold`` (a missing one fails).

    Parameters
    ----------
    runs : pandas.DataFrame
        ``runs.csv``: the ``axes``, ``seed``, ``test_accuracy`` and ``status``.
    pairs : list of ((str, float), (str, float))
        :func:`control_pairs`.
    axes : tuple of str
        The grid's axes.
    threshold : float

    Returns
    -------
    pandas.DataFrame
        The grouping axes, then :data:`CONTROL_COLUMNS`: the runs paired, each cell's
        successes, the pairs that disagree on success and those whose outcome classes
        differ; one row per pair and level, in the order of the pairs and the table.
    """
    pair_on = ["seed", *(axis for axis in REPLICATE_AXES if axis in axes)]
    by = [axis for axis in axes if axis not in ("init", "scale", *pair_on)]
    rows = []
    for a, b in pairs:
        sides = [rows_of(runs, *cell) for cell in (a, b)]
        keep = [*by, *pair_on, "test_accuracy", "status"]
        joined = sides[0][keep].merge(sides[1][keep], on=[*by, *pair_on], suffixes=("_a", "_b"))
        groups = joined.groupby(by, sort=False) if by else [((), joined)]
        for key, group in groups:
            key = key if isinstance(key, tuple) else (key,)
            success_a = group["test_accuracy_a"].to_numpy(dtype=float) >= threshold
            success_b = group["test_accuracy_b"].to_numpy(dtype=float) >= threshold
            status = group["status_a"].to_numpy() != group["status_b"].to_numpy()
            rows.append(
                dict(zip(by, key, strict=True))
                | {"init_a": a[0], "scale_a": a[1], "init_b": b[0], "scale_b": b[1]}
                | {
                    "n_pairs": len(group),
                    "n_success_a": int(success_a.sum()),
                    "n_success_b": int(success_b.sum()),
                    "n_success_disagree": int(np.sum(success_a != success_b)),
                    "n_status_disagree": int(status.sum()),
                }
            )
    return pd.DataFrame(rows, columns=[*by, *CONTROL_COLUMNS])


def rows_of(runs: pd.DataFrame, init: str, scale: float) -> pd.DataFrame:
    """The runs of one (initializer, scale) cell."""
    return runs[(runs["init"] == init) & (runs["scale"].astype(float) == float(scale))]
