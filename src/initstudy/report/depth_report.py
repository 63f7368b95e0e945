"""The depth study's report section, theory without training: its facts from the signal
and spread tables, its wording in ``templates/depth.md.j2``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.model.init import REGISTRY
from initstudy.report.templates import render
from initstudy.util.labels import cell_label


def report_section(
    ratios: pd.DataFrame, spread: pd.DataFrame, level: float, figures: dict[str, dict]
) -> str:
    """The depth study's section of the markdown report, every number from the tables.

    Parameters
    ----------
    ratios : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_signal.signal_ratios`.
    spread : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_spread.spread_table`.
    level : float
        Level of the seed intervals and confidence intervals.
    figures : dict
        ``depth_signal``, ``depth_gradients`` -> ``{"path": link relative to the report,
        "title": ..., "caption": ...}``.

    Returns
    -------
    str
        Markdown, starting with a level-2 heading.
    """
    return render(
        "depth.md.j2",
        level=level,
        figures=figures,
        signal=signal_facts(ratios),
        spread=spread_facts(spread),
    )


def spread_facts(spread: pd.DataFrame) -> dict:
    """The measured variance of ``ln(q(L)/q(1))`` against the prediction.

    Parameters
    ----------
    spread : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_spread.spread_table`.

    Returns
    -------
    dict
        ``rows`` (records of ``spread`` with ``inside``: the prediction within the
        interval), ``n_inside`` and ``worst`` (the row of largest ``|ratio - 1|``).
    """
    rows = spread.to_dict("records")
    for row in rows:
        low, high = row["per_input_variance_low"], row["per_input_variance_high"]
        row["inside"] = bool(low <= row["predicted_variance"] <= high)
    finite = [row for row in rows if np.isfinite(row["variance_ratio"])]
    worst = max(finite, key=lambda row: abs(row["variance_ratio"] - 1), default=None)
    return {"rows": rows, "n_inside": sum(row["inside"] for row in rows), "worst": worst}


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
