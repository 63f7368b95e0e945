"""Compare this run with the numbers the notebook printed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.grid.grid import axis_levels, further_axes
from initstudy.model import notebook
from initstudy.model.init import initialize_batch


def _model_differences(config: dict) -> list[str]:
    """The notebook's model settings the grid lacks (its learning rate and budget)."""
    model, expected = config["model"], notebook.SETUP["model"]
    differences = []
    if model["layers"] != expected["layers"]:
        differences.append(f"model.layers: {model['layers']} (notebook: {expected['layers']})")
    rates = axis_levels(config, "learning_rate")
    if expected["learning_rate"] not in rates:
        given = rates if "learning_rate" in further_axes(config) else rates[0]
        differences.append(f"model.learning_rate: {given} (notebook: {expected['learning_rate']})")
    budget = int(config.get("analysis", {}).get("notebook_iterations", model["iterations"]))
    longer = model["iterations"] > expected["iterations"] and budget == expected["iterations"]
    if model["iterations"] != expected["iterations"] and not longer:
        differences.append(
            f"model.iterations: {model['iterations']} (notebook: {expected['iterations']})"
        )
    return differences


def setup_differences(config: dict) -> list[str]:
    """Config keys whose values differ from the notebook's setup.

    The grid may train longer than the notebook (its runs are then read at
    ``analysis.notebook_iterations``) and at several learning rates (one of
    them the notebook's); the base data set must be the notebook's (further
    data sets and a validation split, drawn with its own seed, change nothing).

    Parameters
    ----------
    config : dict

    Returns
    -------
    list of str
        ``"key: value (notebook: value)"`` for each difference; empty when the
        run can be compared with the notebook's printed numbers.
    """
    differences = []
    for key, expected in notebook.SETUP["dataset"].items():
        value = config["dataset"][key]
        if value != expected:
            differences.append(f"dataset.{key}: {value} (notebook: {expected})")
    if config["dataset"].get("kind", "circles") != "circles":
        differences.append(f"dataset.kind: {config['dataset']['kind']} (notebook: circles)")
    differences += _model_differences(config)
    if notebook.PRINTED_EVERY % config["model"]["log_every"]:
        differences.append(
            f"model.log_every: {config['model']['log_every']} "
            f"(must divide the notebook's {notebook.PRINTED_EVERY})"
        )
    seed = config["notebook"]["seed"]
    if seed not in config["grid"]["seeds"]:
        differences.append(f"grid.seeds lacks notebook.seed {seed}")
    for init, scale in notebook.PRINTED:
        if scale not in [float(s) for s in config["grid"]["initializations"].get(init, [])]:
            differences.append(f"grid.initializations.{init} lacks the notebook's scale {scale:g}")
    return differences


def notebook_cell(config: dict) -> dict:
    """The values of the grid's further axes at which the notebook's runs sit: its learning
    rate, the base data set, the first draw (only the axes the grid has).

    Parameters
    ----------
    config : dict

    Returns
    -------
    dict
        Axis name -> value, e.g. ``{"learning_rate": 0.01, "dataset": "circles"}``.
    """
    axes = further_axes(config)
    values = {
        "learning_rate": float(notebook.SETUP["model"]["learning_rate"]),
        "dataset": config["dataset"].get("name", "circles"),
        "draw": 0,
    }
    return {axis: value for axis, value in values.items() if axis in axes}


def notebook_runs(
    runs: pd.DataFrame, costs: pd.DataFrame, cell: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs and learning curves of the grid at the notebook's further-axis values.

    Parameters
    ----------
    runs, costs : pandas.DataFrame
        Per-run table (as it stood at the notebook's budget) and learning curves.
    cell : dict
        :func:`notebook_cell`.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The rows of ``runs`` and ``costs`` on ``cell``, at most the notebook's
        iterations of the curves.
    """
    budget = notebook.SETUP["model"]["iterations"]
    keep_runs = np.ones(len(runs), dtype=bool)
    keep_costs = (costs["iteration"] <= budget).to_numpy()
    for axis, value in cell.items():
        keep_runs &= (runs[axis] == value).to_numpy()
        keep_costs &= (costs[axis] == value).to_numpy()
    return runs[keep_runs], costs[keep_costs]


def reproduction_table(
    runs: pd.DataFrame, costs: pd.DataFrame, rerun: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """Every number the notebook printed beside this run's and the notebook code's rerun here.

    Parameters
    ----------
    runs, costs : pandas.DataFrame
        The study's ``runs.csv`` and ``costs.csv``.
    rerun : pandas.DataFrame
        ``init, scale, quantity, value``: the notebook's code run on this machine.
    seed : int
        The notebook's seed.

    Returns
    -------
    pandas.DataFrame
        ``run, quantity, notebook, this_run, difference, relative_difference, notebook_code_here``.
    """
    rows = []
    for (init, scale), printed in notebook.PRINTED.items():
        cell = runs[(runs["init"] == init) & (runs["scale"] == scale) & (runs["seed"] == seed)]
        curve = costs[(costs["init"] == init) & (costs["scale"] == scale) & (costs["seed"] == seed)]
        by_iteration = dict(zip(curve["iteration"], curve["cost"]))
        here = rerun[(rerun["init"] == init) & (rerun["scale"] == scale)]
        here = dict(zip(here["quantity"], here["value"]))
        quantities = [
            (
                f"cost @ {i * notebook.PRINTED_EVERY}",
                value,
                by_iteration[i * notebook.PRINTED_EVERY],
            )
            for i, value in enumerate(printed["costs"])
        ]
        quantities += [
            (name, printed[name], float(cell[name].iloc[0]))
            for name in ("train_accuracy", "test_accuracy")
        ]
        for quantity, printed_value, value in quantities:
            difference = value - printed_value
            rows.append(
                {
                    "run": f"{init} ×{scale:g}",
                    "quantity": quantity,
                    "notebook": printed_value,
                    "this_run": value,
                    "difference": difference,
                    "relative_difference": abs(difference) / abs(printed_value)
                    if math.isfinite(printed_value)
                    else math.nan,
                    "notebook_code_here": here.get(quantity, math.nan),
                }
            )
    return pd.DataFrame(rows)


def rerun_frame(reruns: dict) -> pd.DataFrame:
    """Tidy form of :func:`initstudy.model.notebook.rerun_printed_runs`.

    Parameters
    ----------
    reruns : dict

    Returns
    -------
    pandas.DataFrame
        ``init, scale, quantity, value``.
    """
    rows = []
    for (init, scale), result in reruns.items():
        for i, cost in enumerate(result["costs"]):
            rows.append((init, scale, f"cost @ {i * notebook.PRINTED_EVERY}", cost))
        for name in ("train_accuracy", "test_accuracy"):
            rows.append((init, scale, name, result[name]))
    return pd.DataFrame(rows, columns=["init", "scale", "quantity", "value"])


def output_saturation(X: np.ndarray, init: str, scale: float, seed: int, layers: list[int]) -> dict:
    """How saturated the initial network's outputs are: why the notebook printed ``inf``.

    Parameters
    ----------
    X : ndarray of shape (2, m)
    init, scale, seed, layers
        The network, as drawn by :func:`initstudy.model.init.initialize_batch`.

    Returns
    -------
    dict
        ``saturated``: examples whose ``sigmoid`` output rounds to exactly 0 or 1;
        ``max_abs_logit``: the largest ``|z|`` of the output; ``examples``.
    """
    # Imported here: the Snakefile imports this module, and numba would add a fifth of a
    # second to every Snakemake start.
    from initstudy.model.net import batched_mlp, sigmoid

    weights, biases = initialize_batch(init, layers, scale, [seed])
    z = batched_mlp(weights, biases, X.shape[1]).forward(np.ascontiguousarray(X))[0, 0]
    with np.errstate(over="ignore"):
        a = sigmoid(z)
    return {
        "saturated": int(np.count_nonzero((a == 0.0) | (a == 1.0))),
        "max_abs_logit": float(np.abs(z).max()),
        "examples": int(z.size),
    }
