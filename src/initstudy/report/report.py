"""The markdown report's facts: every number and finding computed from this run's tables.

Each ``*_facts`` function returns plain dicts and lists (numbers, cell labels,
flags); the wording lives in the templates of :mod:`initstudy.report.templates`, which
:func:`render_report` fills in. Numbers stay numbers here: the templates write
them with the filters of :mod:`initstudy.util.labels`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from initstudy.analysis.outcomes import COLLAPSE_TOLERANCE, STATUSES
from initstudy.grid.axes import STRATUM_AXES, present
from initstudy.grid.grid import (
    BASE_AXES,
    axis_levels,
    further_axes,
    grid_cells,
    strata,
    stratum_label,
)
from initstudy.model.data import dataset_specs
from initstudy.model.gain import formula_table
from initstudy.report.templates import render
from initstudy.util.labels import cell_label


def render_report(facts: dict) -> str:
    """The markdown report: ``report.md.j2`` filled in with ``facts``.

    Parameters
    ----------
    facts : dict
        ``setup``, ``reproduction``, ``summary_rows``, ``findings``, ``initial_costs``,
        ``figures``, ``experiment_sections`` and ``depth_section`` (markdown, or empty) and
        ``reproducibility``, as made by the ``*_facts`` functions of this module.

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


def dataset_facts(config: dict) -> list[dict]:
    """Each data set the grid trains on, with its generator and splits.

    Parameters
    ----------
    config : dict

    Returns
    -------
    list of dict
        ``name``, ``kind``, ``noise``, ``n_train``, ``n_validation``, ``n_test`` and the
        split seeds, in the order of the ``dataset`` axis (the base data set alone without it).
    """
    specs = dataset_specs(config)
    names = axis_levels(config, "dataset")
    return [{"name": name, "kind": "circles"} | specs[name] for name in names]


def formula_facts(layers: list[int], inits: list[str]) -> dict:
    """The exact rule of every initializer of the grid, with its base std per layer.

    Parameters
    ----------
    layers : list of int
    inits : list of str
        The grid's initializers (those not registered in this process are left out).

    Returns
    -------
    dict
        ``layers`` (``W1`` ...), ``rows`` (records of
        :func:`initstudy.model.gain.formula_table` with ``base_stds``, a list per layer).
    """
    table = formula_table(layers)
    names = [f"W{index}" for index in range(1, len(layers))]
    rows = []
    for record in table[table["init"].isin(inits)].to_dict("records"):
        record["base_stds"] = [record[f"base_std_{name}"] for name in names]
        rows.append(record)
    return {"layers": names, "rows": rows}


def setup_facts(config: dict) -> dict:
    """Every hyperparameter of the run, from the config.

    Parameters
    ----------
    config : dict
        With the sections ``dataset``, ``model``, ``grid`` and ``analysis``.

    Returns
    -------
    dict
        ``dataset``, ``model`` and ``analysis`` (the config sections), ``datasets``
        (:func:`dataset_facts`), ``learning_rates``, ``notebook_budget`` (the
        earlier budget the tables also answer at, or None), ``draws`` (the draw
        axis, or empty), ``scales`` (initializer -> its scales), ``formulas``
        (:func:`formula_facts`), ``n_cells``, ``seeds`` (:func:`seed_facts`),
        ``n_networks``, ``reference`` (the reference cell's label), ``reference_init`` and
        ``collapse_tolerance`` (:data:`initstudy.analysis.outcomes.COLLAPSE_TOLERANCE`).
    """
    grid, analysis, model = config["grid"], config["analysis"], config["model"]
    scales = {name: list(values) for name, values in grid["initializations"].items()}
    n_cells = len(grid_cells(config))
    reference = analysis["reference"]
    early = int(analysis.get("notebook_iterations", model["iterations"]))
    return {
        "dataset": config["dataset"],
        "model": model,
        "analysis": analysis,
        "datasets": dataset_facts(config),
        "learning_rates": axis_levels(config, "learning_rate"),
        "notebook_budget": early if early < model["iterations"] else None,
        "draws": list(further_axes(config).get("draw", [])),
        "scales": scales,
        "formulas": formula_facts(model["layers"], list(scales)),
        "n_cells": n_cells,
        "seeds": seed_facts(grid["seeds"]),
        "n_networks": n_cells * len(grid["seeds"]),
        "reference": cell_label(reference["init"], reference["scale"]),
        "reference_init": reference["init"],
        "collapse_tolerance": COLLAPSE_TOLERANCE,
    }


def reproduction_facts(
    table: pd.DataFrame | None, differences: list[str], saturation: dict | None
) -> dict:
    """The notebook's printed numbers beside this run's, or why they cannot be compared.

    Parameters
    ----------
    table : pandas.DataFrame or None
        :func:`initstudy.analysis.reproduction.reproduction_table`; None when the setups differ.
    differences : list of str
        :func:`initstudy.analysis.reproduction.setup_differences`.
    saturation : dict or None
        :func:`initstudy.analysis.reproduction.output_saturation` of random ×10.

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


#: Columns of ``times.csv`` the results table shows.
TIME_STATISTICS = ("median_time_to_learn", "median_ci_low", "median_ci_high", "median_note")


def budget_split(summary: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The summary's rows at the full budget, and at the earlier (notebook's) budget if any.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``summary.csv`` (a ``budget`` column; without it every row is at the full budget).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame or None)
    """
    if "budget" not in summary.columns:
        return summary, None
    budgets = sorted(summary["budget"].unique())
    full = summary[summary["budget"] == budgets[-1]]
    early = summary[summary["budget"] == budgets[0]] if len(budgets) > 1 else None
    return full, early


def strata_facts(axes) -> dict:
    """The grid's stratum axes (every finding is reported per stratum) and how the report
    names them.

    Parameters
    ----------
    axes : tuple of str
        The grid's axes.

    Returns
    -------
    dict
        ``axes`` (the stratum axes among ``axes``, in registry order), ``by_dataset``
        (True when the strata are the data sets, or there is only one: the report then
        speaks of data sets) and ``each`` (the strata in words, ``each depth`` or ``each
        combination of data set and depth``; empty when ``by_dataset``).
    """
    keys = present(axes, STRATUM_AXES)
    by_dataset = keys in ((), ("dataset",))
    words = ["data set" if axis == "dataset" else axis.replace("_", " ") for axis in keys]
    if by_dataset:
        each = ""
    elif len(words) == 1:
        each = f"each {words[0]}"
    else:
        each = f"each combination of {', '.join(words[:-1])} and {words[-1]}"
    return {"axes": list(keys), "by_dataset": by_dataset, "each": each}


def results_facts(summary: pd.DataFrame, times: pd.DataFrame, axes) -> dict:
    """The grid's statistics per cell at the full budget, with the success count at the
    notebook's budget and the median time to learn, one table per stratum
    (:func:`initstudy.grid.grid.strata`: per data set in the default grid).

    Parameters
    ----------
    summary, times : pandas.DataFrame
        ``summary.csv`` and ``times.csv``.
    axes : tuple of str
        The grid's axes.

    Returns
    -------
    dict
        ``budget``, ``early_budget`` (None without one), ``statuses`` (the outcome classes,
        :data:`initstudy.analysis.outcomes.STATUSES`), ``columns`` (the axes shown as
        columns besides the cell: all but ``init``, ``scale`` and the stratum axes),
        ``strata`` (:func:`strata_facts`) and ``tables`` (per stratum: ``stratum``, stratum
        axis -> value; ``label``, its :func:`initstudy.grid.grid.stratum_label`, None
        without a stratum axis; and ``rows``: summary records with ``cell``,
        ``axis_values``, ``n_success_early`` and the :data:`TIME_STATISTICS`).
    """
    keys = list(axes)
    full, early = budget_split(summary)
    table = full.merge(times[[*keys, *TIME_STATISTICS]], on=keys, how="left")
    if early is not None:
        early_counts = early[[*keys, "n_success"]].rename(columns={"n_success": "n_success_early"})
        table = table.merge(early_counts, on=keys, how="left")
    columns = [axis for axis in axes if axis not in (*BASE_AXES, *STRATUM_AXES)]
    tables = []
    for stratum, rows in strata(table, axes):
        records = rows.to_dict("records")
        for record in records:
            record["cell"] = cell_label(record["init"], record["scale"])
            record["axis_values"] = [record[axis] for axis in columns]
        tables.append({"stratum": stratum, "label": stratum_label(stratum), "rows": records})
    return {
        "budget": int(full["budget"].iloc[0]) if "budget" in full.columns else None,
        "early_budget": None if early is None else int(early["budget"].iloc[0]),
        "statuses": list(STATUSES),
        "columns": columns,
        "strata": strata_facts(axes),
        "tables": tables,
    }


def failure_facts(summary: pd.DataFrame) -> dict:
    """How many networks ended in each status, at each budget, and in which cells.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``summary.csv`` (``n_<status>`` per cell and budget).

    Returns
    -------
    dict
        ``n_networks``, ``counts`` (status -> runs at the full budget), ``early_counts``
        (the same at the notebook's budget, or None) and ``cells`` (each status but
        ``ok`` -> ``(cell label, runs)`` pairs summed over the further axes, in table order).
    """
    full, early = budget_split(summary)
    columns = {status: f"n_{status}" for status in STATUSES}
    cells = {}
    for status in STATUSES[1:]:
        totals = full.groupby(["init", "scale"], sort=False)[columns[status]].sum()
        cells[status] = [(cell_label(*key), int(n)) for key, n in totals.items() if n]
    return {
        "n_networks": int(full["n_seeds"].sum()),
        "counts": {status: int(full[column].sum()) for status, column in columns.items()},
        "early_counts": None
        if early is None
        else {status: int(early[column].sum()) for status, column in columns.items()},
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
