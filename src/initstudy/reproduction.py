"""Compare this run with the numbers the notebook printed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy import notebook
from initstudy.init import initialize_batch
from initstudy.net import batched_mlp, sigmoid


def setup_differences(config: dict) -> list[str]:
    """Config keys whose values differ from the notebook's setup.

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
    for section in ("dataset", "model"):
        for key, expected in notebook.SETUP[section].items():
            value = config[section][key]
            if value != expected:
                differences.append(f"{section}.{key}: {value} (notebook: {expected})")
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
    """Tidy form of :func:`initstudy.notebook.rerun_printed_runs`.

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
        The network, as drawn by :func:`initstudy.init.initialize_batch`.

    Returns
    -------
    dict
        ``saturated``: examples whose ``sigmoid`` output rounds to exactly 0 or 1;
        ``max_abs_logit``: the largest ``|z|`` of the output; ``examples``.
    """
    weights, biases = initialize_batch(init, layers, scale, [seed])
    z = batched_mlp(weights, biases, X.shape[1]).forward(np.ascontiguousarray(X))[0, 0]
    with np.errstate(over="ignore"):
        a = sigmoid(z)
    return {
        "saturated": int(np.count_nonzero((a == 0.0) | (a == 1.0))),
        "max_abs_logit": float(np.abs(z).max()),
        "examples": int(z.size),
    }
