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
    ratios: pd.DataFrame,
    spread: pd.DataFrame,
    level: float,
    figures: dict[str, dict],
    glorot: pd.DataFrame | None = None,
    glorot_figure: dict | None = None,
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
    glorot : pandas.DataFrame, optional
        Table of :func:`initstudy.theory.depth_glorot.layer_summary`, where the config
        measures Glorot & Bengio's rules (``depth_study.glorot_bengio``).
    glorot_figure : dict, optional
        Its figure, as an entry of ``figures``.

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
        glorot=None if glorot is None else glorot_facts(glorot, glorot_figure),
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


#: A rule keeps the back-propagated gradient "near constant" when the interval of its
#: per-layer factor lies within 1 +- this (the report states the criterion).
NEAR_CONSTANT = 0.1


def glorot_facts(summary: pd.DataFrame, figure: dict | None) -> dict:
    """Glorot & Bengio's rules at initialization: each layer's spread against theory.

    Parameters
    ----------
    summary : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_glorot.layer_summary`.
    figure : dict or None
        ``{"path", "title", "caption"}`` of its figure.

    Returns
    -------
    dict
        ``activation``, ``width``, ``n_seeds``, ``depth`` (the shallowest, drawn and
        tabulated), ``rules`` (:func:`_rule_facts` of each rule at that depth), ``deeper``
        (per further depth, the rules' per-layer factors), ``n_inside`` and
        ``n_transitions`` (theory's per-layer gradient ratio inside the measured interval,
        over the rules), ``worst`` (the row of the largest relative error),
        ``activation_inside``, ``n_layers`` and ``activation_worst`` (the same for the
        activations' root mean square), ``near`` (:data:`NEAR_CONSTANT`) and ``figure``.
    """
    depth = int(summary["depth"].min())
    shallow = summary[summary["depth"] == depth]
    rules = [_rule_facts(init, rows) for init, rows in shallow.groupby("init", sort=False)]
    transitions = [row for rule in rules for row in rule["rows"] if row["has_ratio"]]
    worst = max(transitions, key=lambda row: abs(row["error"]), default=None)
    layers = [row for rule in rules for row in rule["rows"]]
    deeper = [
        {"depth": int(d), "rules": [_rule_facts(i, r) for i, r in rows.groupby("init", sort=False)]}
        for d, rows in summary[summary["depth"] > depth].groupby("depth")
    ]
    return {
        "activation": str(summary["activation"].iloc[0]),
        "width": int(summary["width"].iloc[0]),
        "n_seeds": int(summary["n_seeds"].max()),
        "depth": depth,
        "rules": rules,
        "deeper": deeper,
        "n_inside": sum(row["inside"] for row in transitions),
        "n_transitions": len(transitions),
        "worst": worst,
        "activation_inside": sum(row["activation_inside"] for row in layers),
        "n_layers": len(layers),
        "activation_worst": max(layers, key=lambda row: abs(row["activation_error"])),
        "near": NEAR_CONSTANT,
        "figure": figure,
    }


def _rule_facts(init: str, rows: pd.DataFrame) -> dict:
    """One rule at one depth: its per-layer rows, the gradient's change from the last hidden
    layer to the first (and per layer, its geometric mean), the verdict."""
    rows = rows.sort_values("layer")
    records = rows.to_dict("records")
    for row in records:
        row["has_ratio"] = bool(np.isfinite(row["gradient_ratio_mean"]))
        row["error"] = row["gradient_ratio_mean"] / row["gradient_ratio_theory"] - 1
        row["inside"] = bool(
            row["gradient_ratio_low"] <= row["gradient_ratio_theory"] <= row["gradient_ratio_high"]
        )
        row["activation_error"] = row["activation_rms_mean"] / row["activation_rms_theory"] - 1
        row["activation_inside"] = bool(
            row["activation_rms_low"] <= row["activation_rms_theory"] <= row["activation_rms_high"]
        )
    first, steps = records[0], len(records) - 1
    power = 1.0 / steps

    def per_layer(value: float) -> float:
        return float(value**power) if value > 0 else math.nan

    total = {key: first[f"gradient_to_top_{key}"] for key in ("mean", "low", "high", "theory")}
    factor = {key: per_layer(value) for key, value in total.items()}
    verdict = "shrinks" if total["high"] < 1 else "grows" if total["low"] > 1 else "unchanged"
    entry = REGISTRY.get(init)
    hidden = records[1] if len(records) > 1 else first
    sigma_w2 = float(hidden["sigma_w2"])
    return {
        "init": init,
        "formula": entry.formula if entry else None,
        "description": entry.description if entry else None,
        "sigma_w2": sigma_w2,
        "limit": math.sqrt(sigma_w2),
        "rows": records,
        "total": total,
        "factor": factor,
        "verdict": verdict,
        "near_constant": bool(
            1 - NEAR_CONSTANT <= factor["low"] and factor["high"] <= 1 + NEAR_CONSTANT
        ),
        "first_error": first["activation_error"],
        "paper": _paper_claim(sigma_w2),
    }


def _paper_claim(sigma_w2: float) -> str | None:
    """What Glorot & Bengio's argument says of a rule with this hidden ``sigma_w^2``: the
    back-propagated variance changes by ``n Var(W) = sigma_w^2`` per layer, so below 1 it
    shrinks toward the input and at 1 it is kept; nothing is claimed above 1."""
    if math.isclose(sigma_w2, 1.0, rel_tol=1e-9):
        return "near_constant"
    return "shrinks" if sigma_w2 < 1 else None
