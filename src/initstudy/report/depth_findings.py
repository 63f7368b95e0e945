"""Facts of the depth study's training half for its report section: the chosen runs, the
reruns, the matched-gain comparisons, the spread at finite width and He et al. (2015).

Every function turns the depth tables into plain values; the wording is in
``templates/depth.md.j2``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.analysis.depth_training import depth_verdicts
from initstudy.grid.grid import rows_at
from initstudy.util.labels import cell_label

#: He et al. (2015)'s deepest plain ReLU network, the depth of their claim.
HE_DEPTH = 30


def shape_label(init: str, scale: float) -> str:
    """``he ×1``, ``lecun ×√2``: the cell label, with √2 written as such."""
    if math.isclose(float(scale), math.sqrt(2.0), rel_tol=1e-12):
        return f"{init} ×√2"
    return cell_label(init, scale)


def _counts(row) -> dict:
    return {
        "k": int(row["n_success"]),
        "n": int(row["n_seeds"]),
        "low": float(row["success_ci_low"]),
        "high": float(row["success_ci_high"]),
    }


def training_facts(summary: pd.DataFrame, rates: pd.DataFrame, settings: dict) -> dict:
    """The chosen runs per depth and shape, the learning rates and the unstable runs.

    Parameters
    ----------
    summary : pandas.DataFrame
        Table of :func:`initstudy.analysis.depth_training.summarize_depths`.
    rates : pandas.DataFrame
        Table of :func:`initstudy.analysis.depth_training.select_learning_rates`.
    settings : dict
        The ``depth_study.training`` config section.

    Returns
    -------
    dict
        Settings, ``columns`` (shape labels), ``rows`` (per depth, the cells),
        ``unstable`` (candidate and chosen counts) and ``he_deepest``.
    """
    summary = summary.assign(verdict=depth_verdicts(summary))
    shapes = list(dict.fromkeys(zip(summary["init"], summary["scale"])))
    by_key = {(r["init"], r["scale"], r["depth"]): r for r in summary.to_dict("records")}
    depths = sorted(int(depth) for depth in summary["depth"].unique())
    rows = [
        {"depth": depth, "cells": [_cell(by_key.get((i, s, depth))) for i, s in shapes]}
        for depth in depths
    ]
    return {
        "width": int(settings["width"]),
        "n_seeds": int(settings["seeds"]),
        "iterations": int(settings["iterations"]),
        "learning_rates": [float(rate) for rate in settings["learning_rates"]],
        "columns": [shape_label(init, scale) for init, scale in shapes],
        "rows": rows,
        "deepest": depths[-1],
        "unstable": {
            "candidates": int(rates["n_unstable"].sum()),
            "n_candidates": int(rates["n_seeds"].sum()),
            "chosen": int(summary["n_unstable"].sum()),
            "n_chosen": int(summary["n_seeds"].sum()),
            "diverged_chosen": int(summary["n_diverged"].sum()),
        },
        "he_deepest": _he_deepest(summary, depths[-1], int(settings["iterations"])),
        "verdicts": _verdicts(summary, shapes),
    }


def _cell(row: dict | None) -> dict | None:
    if row is None:
        return None
    return _counts(row) | {
        "rate": float(row["learning_rate"]),
        "mean": float(row["test_accuracy_mean"]),
        "unstable": int(row["n_unstable"]),
        "diverged": int(row["n_diverged"]),
        "verdict": row["verdict"],
    }


def _he_deepest(summary: pd.DataFrame, deepest: int, budget: int) -> dict | None:
    rows = rows_at(summary, init="he", scale=1.0, depth=deepest)
    if rows.empty:
        return None
    row = rows.iloc[0]
    latest = float(row["time_to_learn_max"])
    return _counts(row) | {
        "learned": int(row["n_learned"]),
        "latest": int(latest) if np.isfinite(latest) else None,
        "budget": budget,
        "slow": int(row["n_slow"]),
    }


def _verdicts(summary: pd.DataFrame, shapes: list) -> list[dict]:
    """Per shape: the deepest depth that trains and the first that stalls (0: none)."""
    facts = []
    for init, scale in shapes:
        cell = rows_at(summary, init=init, scale=scale).sort_values("depth")
        trains = cell.loc[cell["verdict"] == "trains", "depth"]
        stalls = cell.loc[cell["verdict"] == "stalls", "depth"]
        facts.append(
            {
                "shape": shape_label(init, scale),
                "trains_to": int(trains.max()) if len(trains) else 0,
                "stalls_from": int(stalls.min()) if len(stalls) else 0,
                "unclear": [int(d) for d in cell.loc[cell["verdict"] == "unclear", "depth"]],
            }
        )
    return facts


def robustness_facts(robustness: pd.DataFrame) -> list[dict]:
    """Per rerun: how many counts agree with the reference, flips and the smallest p-value.

    Parameters
    ----------
    robustness : pandas.DataFrame
        Table of :func:`initstudy.analysis.depth_robustness.compare_variants`.

    Returns
    -------
    list of dict
        ``variant``, ``n_shapes``, ``n_within``, ``n_flipped``, ``n_runs``,
        ``min_holm_p``, ``largest`` (the shape with the largest count difference).
    """
    facts = []
    for variant, rows in robustness.groupby("variant", sort=False):
        gap = (rows["variant_success"] - rows["reference_success"]).abs()
        largest = rows.loc[gap.idxmax()]
        facts.append(
            {
                "variant": variant,
                "n_shapes": len(rows),
                "n_within": int(rows["counts_within_intervals"].sum()),
                "n_flipped": int(rows["n_flipped"].sum()),
                "n_runs": int(rows["n_seeds"].sum()),
                "min_holm_p": float(rows["holm_p"].min()),
                "largest": _paired_counts(largest),
            }
        )
    return facts


def matched_facts(matched: pd.DataFrame) -> list[dict]:
    """Every shape against He ×1 at each depth: counts, difference with interval, Holm p.

    Parameters
    ----------
    matched : pandas.DataFrame
        Table of :func:`initstudy.analysis.depth_robustness.compare_with_reference`.

    Returns
    -------
    list of dict
    """
    return [
        _paired_counts(row)
        | {
            "difference": float(row["rate_difference"]),
            "low": float(row["rate_difference_ci_low"]),
            "high": float(row["rate_difference_ci_high"]),
            "significant": bool(row["holm_p"] < 0.05),
        }
        for row in matched.to_dict("records")
    ]


def _paired_counts(row) -> dict:
    """A shape's success counts in two trainings of the same seeds (``reference``: the
    reference training or shape, ``variant``: the rerun or the compared shape) and their test."""
    return {
        "shape": shape_label(row["init"], row["scale"]),
        "depth": int(row["depth"]),
        "reference": int(row["reference_success"]),
        "variant": int(row["variant_success"]),
        "n": int(row["n_seeds"]),
        "flipped": int(row["n_flipped"]),
        "holm_p": float(row["holm_p"]),
    }


def spread_facts(spread: pd.DataFrame, failure: pd.DataFrame, pooled: pd.DataFrame) -> dict:
    """The measured variance of ``ln(q(L)/q(1))`` against the prediction, and against failure.

    Parameters
    ----------
    spread : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_spread.spread_table`.
    failure, pooled : pandas.DataFrame
        The two tables of :func:`initstudy.theory.depth_spread.failure_prediction`.

    Returns
    -------
    dict
        ``rows`` (records of ``spread`` with ``inside``: the prediction within the
        interval), ``n_inside``, ``worst`` (largest ``|ratio - 1|``), ``cells``
        and ``pooled`` of the failure test.
    """
    rows = spread.to_dict("records")
    for row in rows:
        low, high = row["per_input_variance_low"], row["per_input_variance_high"]
        row["inside"] = bool(low <= row["predicted_variance"] <= high)
    finite = [row for row in rows if np.isfinite(row["variance_ratio"])]
    worst = max(finite, key=lambda row: abs(row["variance_ratio"] - 1), default=None)
    cells = failure[failure["auc"].notna()].to_dict("records")
    for cell in cells:
        cell["shape"] = shape_label(cell["init"], cell["scale"])
    pooled = pooled.iloc[0].to_dict()
    for count in ("n_cells", "n_fail", "n_success"):
        pooled[count] = int(pooled[count])
    return {
        "rows": rows,
        "n_inside": sum(row["inside"] for row in rows),
        "worst": worst,
        "cells": cells,
        "pooled": pooled if pooled["n_cells"] else None,
    }


def he_comparison(summary: pd.DataFrame, matched: pd.DataFrame) -> dict:
    """He ×1 against LeCun ×1 (He et al.'s "Xavier") at the deepest depth trained.

    Parameters
    ----------
    summary, matched : pandas.DataFrame

    Returns
    -------
    dict
        ``depth``, ``their_depth`` (30), ``reaches`` (the deepest depth is at
        least 30), ``he`` and ``lecun`` (counts with Wilson bounds and verdicts,
        None if not trained) and ``test`` (the matched comparison, or None).
    """
    summary = summary.assign(verdict=depth_verdicts(summary))
    deepest = int(summary["depth"].max())

    def at(init: str) -> dict | None:
        rows = rows_at(summary, init=init, scale=1.0, depth=deepest)
        return None if rows.empty else _counts(rows.iloc[0]) | {"verdict": rows.iloc[0]["verdict"]}

    test = [f for f in matched_facts(matched) if f["shape"] == "lecun ×1" and f["depth"] == deepest]
    return {
        "depth": deepest,
        "their_depth": HE_DEPTH,
        "reaches": deepest >= HE_DEPTH,
        "he": at("he"),
        "lecun": at("lecun"),
        "test": test[0] if test else None,
    }
