"""The markdown report's facts: every number and finding computed from this run's tables.

Each ``*_facts`` function returns plain dicts and lists (numbers, cell labels,
flags); the wording lives in the templates of :mod:`initstudy.templates`, which
:func:`render_report` fills in. Numbers stay numbers here: the templates write
them with the filters of :mod:`initstudy.labels`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.labels import cell_label
from initstudy.templates import render


def render_report(facts: dict) -> str:
    """The markdown report: ``report.md.j2`` filled in with ``facts``.

    Parameters
    ----------
    facts : dict
        ``setup``, ``reproduction``, ``summary_rows``, ``findings``, ``initial_costs``,
        ``figures``, ``depth_section`` (markdown, or empty) and ``reproducibility``, as
        made by the ``*_facts`` functions of this module.

    Returns
    -------
    str
    """
    return render("report.md.j2", **facts)


def seed_facts(seeds: list[int]) -> dict:
    """The seeds of a run, and whether they are one consecutive range (``seeds 0–19``).

    Parameters
    ----------
    seeds : list of int

    Returns
    -------
    dict
        ``numbers`` (the seeds) and ``consecutive`` (more than two seeds counting up by one).
    """
    values = [int(seed) for seed in seeds]
    consecutive = len(values) > 2 and values == list(range(values[0], values[0] + len(values)))
    return {"numbers": values, "consecutive": consecutive}


def setup_facts(config: dict) -> dict:
    """Every hyperparameter of the run, from the config.

    Parameters
    ----------
    config : dict
        With the sections ``dataset``, ``model``, ``grid`` and ``analysis``.

    Returns
    -------
    dict
        ``dataset``, ``model`` and ``analysis`` (the config sections), ``scales``
        (initializer -> its scales), ``n_cells``, ``seeds`` (:func:`seed_facts`),
        ``n_networks`` and ``reference`` (the reference cell's label).
    """
    grid, analysis = config["grid"], config["analysis"]
    scales = {name: list(values) for name, values in grid["initializations"].items()}
    n_cells = sum(len(values) for values in scales.values())
    reference = analysis["reference"]
    return {
        "dataset": config["dataset"],
        "model": config["model"],
        "analysis": analysis,
        "scales": scales,
        "n_cells": n_cells,
        "seeds": seed_facts(grid["seeds"]),
        "n_networks": n_cells * len(grid["seeds"]),
        "reference": cell_label(reference["init"], reference["scale"]),
    }


def reproduction_facts(
    table: pd.DataFrame | None, differences: list[str], saturation: dict | None
) -> dict:
    """The notebook's printed numbers beside this run's, or why they cannot be compared.

    Parameters
    ----------
    table : pandas.DataFrame or None
        :func:`initstudy.reproduction.reproduction_table`; None when the setups differ.
    differences : list of str
        :func:`initstudy.reproduction.setup_differences`.
    saturation : dict or None
        :func:`initstudy.reproduction.output_saturation` of random ×10.

    Returns
    -------
    dict
        ``comparable``, ``differences``, ``rows`` (the table's records), ``runs``
        (per notebook run: ``name``, ``accuracies_equal``, ``accuracies`` as
        ``(quantity, value)`` pairs, ``worst_relative`` difference of a finite
        printed cost, ``relative_to_code_here`` and ``matches_code_here``),
        ``saturation`` and ``random_accuracies_equal``.
    """
    if table is None:
        return {"comparable": False, "differences": list(differences)}
    runs = [_reproduced_run(name, rows) for name, rows in table.groupby("run", sort=False)]
    return {
        "comparable": True,
        "differences": list(differences),
        "rows": table.to_dict("records"),
        "runs": runs,
        "saturation": saturation,
        "random_accuracies_equal": any(
            run["name"] == "random ×10" and run["accuracies_equal"] for run in runs
        ),
    }


def _reproduced_run(name: str, rows: pd.DataFrame) -> dict:
    costs = rows[rows["quantity"].str.startswith("cost")]
    accuracies = rows[~rows["quantity"].str.startswith("cost")]
    finite = costs[np.isfinite(costs["notebook_code_here"])]
    relative_here = float(
        (
            (finite["this_run"] - finite["notebook_code_here"]).abs()
            / finite["notebook_code_here"].abs()
        ).max()
    )
    return {
        "name": name,
        "accuracies_equal": bool((accuracies["difference"].abs() < 1e-9).all()),
        "accuracies": [
            (quantity.replace("_", " "), float(value))
            for quantity, value in zip(accuracies["quantity"], accuracies["this_run"])
        ],
        "worst_relative": float(costs["relative_difference"].max()),
        "relative_to_code_here": relative_here,
        "matches_code_here": relative_here <= 1e-12,
    }


def summary_rows(summary: pd.DataFrame) -> list[dict]:
    """The grid's seed statistics, one record per cell, for the results table.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``summary.csv``.

    Returns
    -------
    list of dict
        The columns of ``summary.csv`` plus ``cell`` (its label).
    """
    records = summary.to_dict("records")
    for record in records:
        record["cell"] = cell_label(record["init"], record["scale"])
    return records


def findings_facts(
    summary: pd.DataFrame, runs: pd.DataFrame, paired: pd.DataFrame, config: dict
) -> dict:
    """The numbers behind the findings: best cell, each initializer, failures, paired seeds.

    Parameters
    ----------
    summary, runs, paired : pandas.DataFrame
        ``summary.csv``, ``runs.csv`` and ``paired.csv``.
    config : dict
        With the ``analysis`` section.

    Returns
    -------
    dict
        ``threshold``, ``level``, ``best`` (the summary record of the cell with the
        highest mean test accuracy, with its ``cell`` label; None when no cell has a
        finite run), ``initializers`` (:func:`initializer_facts` of each),
        ``failures`` (:func:`failure_facts`), ``reference`` (label) and ``paired``
        (records of ``paired.csv`` with ``cell`` and ``finite``).
    """
    analysis = config["analysis"]
    best = _best_cell(summary)
    if best is not None:
        best["cell"] = cell_label(best["init"], best["scale"])
    paired_records = paired.to_dict("records")
    for record in paired_records:
        record["cell"] = cell_label(record["init"], record["best_scale"])
        record["finite"] = math.isfinite(record["mean_difference"])
    reference = analysis["reference"]
    return {
        "threshold": analysis["success_threshold"],
        "level": analysis["confidence_level"],
        "best": best,
        "initializers": [
            initializer_facts(init, cells) for init, cells in summary.groupby("init", sort=False)
        ],
        "failures": failure_facts(runs),
        "reference": cell_label(reference["init"], reference["scale"]),
        "paired": paired_records,
    }


def initializer_facts(init: str, cells: pd.DataFrame) -> dict:
    """How one initializer fared across its scales.

    Parameters
    ----------
    init : str
    cells : pandas.DataFrame
        The rows of ``summary.csv`` of ``init``.

    Returns
    -------
    dict
        ``init``, ``n_seeds``, ``first`` (the record of its first scale, which for
        ``zeros`` is its only one), ``best`` (the record of its scale with the
        highest mean test accuracy; None when no scale gave a finite network),
        ``always`` and ``never`` (the scales where every seed / no seed succeeds).
    """
    n_seeds = int(cells["n_seeds"].iloc[0])
    scales = list(zip(cells["scale"], cells["n_success"]))
    return {
        "init": init,
        "n_seeds": n_seeds,
        "first": cells.iloc[0].to_dict(),
        "best": _best_cell(cells),
        "always": [float(scale) for scale, k in scales if k == n_seeds],
        "never": [float(scale) for scale, k in scales if k == 0],
    }


def _best_cell(summary: pd.DataFrame) -> dict | None:
    """The record of the cell with the highest mean test accuracy among those with a finite run."""
    finite = summary[summary["n_finite"] > 0]
    if finite.empty:
        return None
    return finite.loc[finite["test_accuracy_mean"].idxmax()].to_dict()


def failure_facts(runs: pd.DataFrame) -> dict:
    """How many networks failed in each way, and in which cells.

    Parameters
    ----------
    runs : pandas.DataFrame
        ``runs.csv``.

    Returns
    -------
    dict
        ``n_networks``, ``counts`` (``diverged``, ``symmetric``, ``chance`` -> number of
        runs) and ``cells`` (the same keys -> ``(cell label, runs)`` pairs in table order).
    """
    statuses = ("diverged", "symmetric", "chance")
    counts = runs["status"].value_counts()
    cells = {
        status: [
            (cell_label(init, scale), int(n))
            for (init, scale), n in runs[runs["status"] == status]
            .groupby(["init", "scale"], sort=False)
            .size()
            .items()
        ]
        for status in statuses
    }
    return {
        "n_networks": len(runs),
        "counts": {status: int(counts.get(status, 0)) for status in statuses},
        "cells": cells,
    }


def initial_cost_facts(runs: pd.DataFrame) -> list[dict]:
    """The median initial cost at each initializer's smallest and largest scale.

    Parameters
    ----------
    runs : pandas.DataFrame
        ``runs.csv``.

    Returns
    -------
    list of dict
        Per initializer with two scales or more: ``init``, ``low_scale``,
        ``low_cost``, ``high_scale``, ``high_cost``.
    """
    grouped = runs.groupby(["init", "scale"], sort=False)["initial_cost"].median()
    facts = []
    for init, series in grouped.groupby(level=0, sort=False):
        if len(series) < 2:
            continue
        scales = series.index.get_level_values(1)
        facts.append(
            {
                "init": init,
                "low_scale": float(scales.min()),
                "low_cost": float(series.iloc[scales.argmin()]),
                "high_scale": float(scales.max()),
                "high_cost": float(series.iloc[scales.argmax()]),
            }
        )
    return facts
