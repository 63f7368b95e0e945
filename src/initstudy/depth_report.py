"""The depth study's report section: its facts from the depth tables, its wording in
``templates/depth.md.j2``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.depth_training import stall_depths
from initstudy.init import REGISTRY
from initstudy.labels import cell_label
from initstudy.templates import render


def report_section(
    ratios: pd.DataFrame,
    summary: pd.DataFrame,
    settings: dict,
    threshold: float,
    level: float,
    figures: dict[str, dict],
) -> str:
    """The depth study's section of the markdown report, every number from the tables.

    Parameters
    ----------
    ratios : pandas.DataFrame
        Table of :func:`initstudy.depth_signal.signal_ratios`.
    summary : pandas.DataFrame
        Second table of :func:`initstudy.depth_training.summarize_depths`.
    settings : dict
        The ``depth_study`` config section.
    threshold : float
        Test accuracy counted as a success.
    level : float
        Level of the seed intervals and confidence intervals.
    figures : dict
        ``depth_signal``, ``depth_gradients``, ``depth_accuracy`` -> ``{"path": link
        relative to the report, "title": ..., "caption": ...}``.

    Returns
    -------
    str
        Markdown, starting with a level-2 heading.
    """
    return render(
        "depth.md.j2",
        level=level,
        threshold=threshold,
        figures=figures,
        signal=signal_facts(ratios),
        training=training_facts(summary, settings["training"]),
    )


def signal_facts(ratios: pd.DataFrame) -> dict:
    """The signal at initialization against theory, at every depth and at the deepest.

    Parameters
    ----------
    ratios : pandas.DataFrame
        Table of :func:`initstudy.depth_signal.signal_ratios`.

    Returns
    -------
    dict
        ``depths``, ``width``, ``n_seeds``, ``last_seed``, ``deepest``, ``n_shapes``,
        ``deepest_rows`` (records of ``ratios`` at the deepest depth, with ``cell``
        and ``n_overflowed``), ``worst`` (:func:`worst_ratio_error`), ``wander``
        (:func:`wander_facts`) and ``gaussian`` (the Gaussian initializers studied).
    """
    deepest = int(ratios["depth"].max())
    n_seeds = int(ratios["n_seeds"].max())
    rows = ratios[ratios["depth"] == deepest].to_dict("records")
    for row in rows:
        row["cell"] = cell_label(row["init"], row["scale"])
        row["n_overflowed"] = int(row["n_seeds"] - row["n_finite"])
    studied = dict.fromkeys(ratios["init"])  # config order
    return {
        "depths": sorted(int(depth) for depth in ratios["depth"].unique()),
        "width": int(ratios["width"].iloc[0]),
        "n_seeds": n_seeds,
        "last_seed": n_seeds - 1,
        "deepest": deepest,
        "n_shapes": len(ratios),
        "deepest_rows": rows,
        "worst": worst_ratio_error(ratios),
        "wander": wander_facts(ratios, deepest),
        "gaussian": [init for init in studied if REGISTRY[init].kind == "gaussian"],
    }


def worst_ratio_error(ratios: pd.DataFrame) -> dict | None:
    """The shape whose mean per-layer ratio is furthest from the theory.

    Parameters
    ----------
    ratios : pandas.DataFrame

    Returns
    -------
    dict or None
        ``max_abs_error`` (a fraction), ``cell``, ``depth`` and ``error`` (signed);
        None when no error is finite.
    """
    errors = ratios["relative_error"].to_numpy(dtype=float)
    finite = errors[np.isfinite(errors)]
    if not finite.size:
        return None
    worst = ratios.loc[ratios["relative_error"].abs().idxmax()]
    return {
        "max_abs_error": float(np.abs(finite).max()),
        "cell": cell_label(worst["init"], worst["scale"]),
        "depth": int(worst["depth"]),
        "error": float(worst["relative_error"]),
    }


def wander_facts(ratios: pd.DataFrame, deepest: int) -> dict | None:
    """How far single He networks at the deepest depth wander from the theory.

    Parameters
    ----------
    ratios : pandas.DataFrame
    deepest : int

    Returns
    -------
    dict or None
        ``width``, ``spread_orders`` (decades between the seeds' interval bounds),
        ``below_theory`` (the geometric mean below the prediction), ``geomean``,
        ``median`` and ``mean`` of the signal; None without two finite He networks.
    """
    he = ratios[(ratios["init"] == "he") & (ratios["depth"] == deepest) & (ratios["n_finite"] > 1)]
    if he.empty:
        return None
    row = he.iloc[0]
    return {
        "width": int(row["width"]),
        "spread_orders": math.log10(row["signal_high"] / row["signal_low"]),
        "below_theory": bool(row["signal_geomean"] < row["predicted_signal"]),
        "geomean": float(row["signal_geomean"]),
        "median": float(row["signal_median"]),
        "mean": float(row["signal_mean"]),
    }


def training_facts(summary: pd.DataFrame, settings: dict) -> dict:
    """The deep networks' training: settings, the table's cells, where each stalls.

    Parameters
    ----------
    summary : pandas.DataFrame
        Second table of :func:`initstudy.depth_training.summarize_depths`.
    settings : dict
        The ``depth_study.training`` config section.

    Returns
    -------
    dict
        ``width``, ``last_seed``, ``iterations``, ``learning_rate``, ``columns``
        (cell labels), ``rows`` (per depth: ``depth`` and ``cells``, each the
        summary record of that shape or None), ``deepest`` and ``stalls``
        (:func:`stall_facts`).
    """
    shapes = list(dict.fromkeys(zip(summary["init"], summary["scale"])))
    by_shape = {
        (row["init"], row["scale"], row["depth"]): row for row in summary.to_dict("records")
    }
    depths = sorted(int(depth) for depth in summary["depth"].unique())
    return {
        "width": int(settings["width"]),
        "last_seed": int(settings["seeds"]) - 1,
        "iterations": int(settings["iterations"]),
        "learning_rate": float(settings["learning_rate"]),
        "columns": [cell_label(init, scale) for init, scale in shapes],
        "rows": [
            {
                "depth": depth,
                "cells": [_training_cell(by_shape.get((i, s, depth))) for i, s in shapes],
            }
            for depth in depths
        ],
        "deepest": depths[-1],
        "stalls": stall_facts(summary),
    }


def _training_cell(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {
        "n_success": int(row["n_success"]),
        "n_seeds": int(row["n_seeds"]),
        "n_diverged": int(row["n_diverged"]),
        "trained": bool(np.isfinite(row["test_accuracy_mean"])),
        "mean": row["test_accuracy_mean"],
        "low": row["test_accuracy_ci_low"],
        "high": row["test_accuracy_ci_high"],
    }


def stall_facts(summary: pd.DataFrame) -> list[dict]:
    """Per (initializer, scale): the deepest depth it trains at and where it stalls.

    Parameters
    ----------
    summary : pandas.DataFrame
        Second table of :func:`initstudy.depth_training.summarize_depths`.

    Returns
    -------
    list of dict
        ``cell``, ``trains_to`` and ``stalls_at`` (:func:`stall_depths`; 0 for none),
        ``trained`` (the summary counts at ``trains_to``) and ``stalled`` (at
        ``stalls_at``), each None where that depth is 0.
    """
    facts = []
    for row in stall_depths(summary).itertuples():
        cell = summary[(summary["init"] == row.init) & (summary["scale"] == row.scale)]
        facts.append(
            {
                "cell": cell_label(row.init, row.scale),
                "trains_to": int(row.trains_to),
                "stalls_at": int(row.stalls_at),
                "trained": _counts_at(cell, row.trains_to),
                "stalled": _counts_at(cell, row.stalls_at),
            }
        )
    return facts


def _counts_at(cell: pd.DataFrame, depth: int) -> dict | None:
    rows = cell[cell["depth"] == depth]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {key: int(row[key]) for key in ("n_success", "n_seeds", "n_diverged")}
