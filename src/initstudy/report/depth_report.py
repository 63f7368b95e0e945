"""The depth study's report section: its facts from the depth tables, its wording in
``templates/depth.md.j2``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.analysis.depth_robustness import empty_reason
from initstudy.model.init import REGISTRY
from initstudy.report.depth_findings import (
    he_comparison,
    matched_facts,
    robustness_facts,
    spread_facts,
    training_facts,
)
from initstudy.report.templates import render
from initstudy.util.labels import cell_label


def report_section(
    ratios: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    settings: dict,
    threshold: float,
    level: float,
    figures: dict[str, dict],
) -> str:
    """The depth study's section of the markdown report, every number from the tables.

    Parameters
    ----------
    ratios : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_signal.signal_ratios`.
    tables : dict of str to pandas.DataFrame
        ``summary`` (:func:`initstudy.analysis.depth_training.summarize_depths`), ``rates``
        (:func:`~initstudy.analysis.depth_training.select_learning_rates`), ``robustness``
        (:func:`initstudy.analysis.depth_robustness.compare_variants`), ``matched``
        (:func:`~initstudy.analysis.depth_robustness.compare_with_reference`), ``spread``
        (:func:`initstudy.theory.depth_spread.spread_table`), ``failure`` and ``pooled``
        (:func:`~initstudy.theory.depth_spread.failure_prediction`).
    settings : dict
        The ``depth_study`` config section (its ``training.reruns`` and
        ``training.initializations`` say why the robustness or matched table may be empty).
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
    summary = tables["summary"]
    return render(
        "depth.md.j2",
        level=level,
        threshold=threshold,
        figures=figures,
        signal=signal_facts(ratios),
        training=training_facts(summary, tables["rates"], settings["training"]),
        robustness=robustness_facts(tables["robustness"]),
        matched=matched_facts(tables["matched"]),
        spread=spread_facts(tables["spread"], tables["failure"], tables["pooled"]),
        he=he_comparison(summary, tables["matched"]),
        perturbation=float(settings["training"]["perturbation"]),
        empty={
            table: empty_reason(settings["training"], table) for table in ("robustness", "matched")
        },
    )


def signal_facts(ratios: pd.DataFrame) -> dict:
    """The signal at initialization against theory, at every depth and at the deepest.

    Parameters
    ----------
    ratios : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_signal.signal_ratios`.

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
