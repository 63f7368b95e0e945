"""Facts of the trainability map's section of the report (``trainability.md.j2``).

Every number comes from the map's tables (:mod:`initstudy.analysis.trainability`):
where deep networks train is read at the deepest depth measured, cell by cell,
with the Wilson interval of the share that trains, beside the ``sigma_w^2`` where
theory's ``6 xi_c`` exceeds that depth.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.analysis.trainability import COLUMN_KEYS, panel_keys
from initstudy.model.init import weight_variance

#: Initializers drawn as points of the (sigma_w^2, sigma_b^2) plane (equal hidden widths).
PLANE_INITIALIZERS = ("he", "lecun", "glorot")
#: Words of each value of ``agreement``.
AGREEMENT_TEXT = {
    "agrees": "agrees",
    "consistent": "consistent (one side measured)",
    "theory_deeper": "theory deeper than measured",
    "theory_shallower": "theory shallower than measured",
    "undecided": "undecided",
    "no_prediction": "no prediction (the signal grows without bound)",
}


def _share(row) -> dict:
    return {
        "sigma_w2": float(row["sigma_w2"]),
        "n_trained": int(row["n_trained"]),
        "n_runs": int(row["n_runs"]),
        "low": float(row["share_low"]),
        "high": float(row["share_high"]),
    }


def panel_facts(
    panel: pd.DataFrame, boundary: pd.DataFrame, curve: pd.DataFrame, row: dict
) -> dict:
    """The facts of one panel of the map: one activation and bias spread (and stratum).

    Parameters
    ----------
    panel : pandas.DataFrame
        The map's cells of the panel.
    boundary : pandas.DataFrame
        The panel's rows of :func:`initstudy.analysis.trainability.boundary_table`.
    curve : pandas.DataFrame
        The theory of the panel's activation and ``sigma_b^2``.
    row : dict
        The panel's keys.

    Returns
    -------
    dict
    """
    deepest = int(panel["depth"].max())
    at_depth = panel[panel["depth"] == deepest].sort_values("sigma_w2")
    train = [_share(r) for _, r in at_depth.iterrows() if r["share_low"] > 0.5]
    fail = [_share(r) for _, r in at_depth.iterrows() if r["share_high"] < 0.5]
    measured = np.sort(at_depth["sigma_w2"].to_numpy())
    theory_train = [float(s) for s in measured if _six_xi_c(curve, s) > deepest]
    critical = float(curve["critical_sigma_w2"].iloc[0]) if len(curve) else math.nan
    columns = [
        {
            "sigma_w2": float(r["sigma_w2"]),
            "six_xi_c": _depth_scale_text(float(r["six_xi_c"])),
            "phase": str(r["phase"]),
            "chi_1": float(r["chi_1"]),
            "depths": str(r["depths"]).replace(";", ", "),
            "deepest_trainable": _depth(r["deepest_trainable"]),
            "shallowest_untrainable": _depth(r["shallowest_untrainable"]),
            "agreement": AGREEMENT_TEXT[r["agreement"]],
        }
        for _, r in boundary.sort_values("sigma_w2").iterrows()
    ]
    counts = boundary["agreement"].value_counts()
    return {
        **row,
        "critical_sigma_w2": critical,
        "deepest": deepest,
        "train": train,
        "fail": fail,
        "undecided": len(at_depth) - len(train) - len(fail),
        "theory_train": theory_train,
        "columns": columns,
        "n_agree": int(counts.get("agrees", 0)),
        "n_consistent": int(counts.get("consistent", 0)),
        "n_missed": int(counts.get("theory_deeper", 0) + counts.get("theory_shallower", 0)),
        "n_decided": int(
            len(boundary) - counts.get("undecided", 0) - counts.get("no_prediction", 0)
        ),
    }


def _depth_scale_text(value: float) -> str:
    """6 xi_c for a reader: three significant digits, ∞ on the critical line, and a dash where
    theory has none (the signal's length grows without bound)."""
    if math.isnan(value):
        return "—"
    return "∞" if math.isinf(value) else f"{value:.3g}"


def _depth(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _six_xi_c(curve: pd.DataFrame, sigma_w2: float) -> float:
    """Theory's 6 xi_c at ``sigma_w2`` (the curve's nearest point: it holds every measured one)."""
    nearest = (curve["sigma_w2"] - sigma_w2).abs().idxmin()
    return float(curve.loc[nearest, "six_xi_c"])


def trainability_facts(
    cells: pd.DataFrame, boundary: pd.DataFrame, curve: pd.DataFrame, config: dict, level: float
) -> dict:
    """Every fact of the trainability map's section.

    Parameters
    ----------
    cells, boundary, curve : pandas.DataFrame
        The map's tables (:mod:`initstudy.analysis.trainability`).
    config : dict
        The experiment's config (budget, rate, threshold, seeds).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    dict
    """
    keys = panel_keys(cells)
    column_keys = [k for k in COLUMN_KEYS if k in boundary]
    panels = []
    for values, panel in cells.groupby(keys, sort=True):
        row = dict(zip(keys, values, strict=True))
        mask = np.ones(len(boundary), dtype=bool)
        for key in keys:
            mask &= (boundary[key] == row[key]).to_numpy()
        theory = curve[
            (curve["activation"] == row["activation"])
            & np.isclose(curve["sigma_b2"], row["sigma_b2"])
        ]
        panels.append(panel_facts(panel, boundary[mask], theory, row))
    widths = sorted(int(w) for w in cells["width"].unique())
    return {
        "panels": panels,
        "column_keys": column_keys,
        "iterations": int(config["model"]["iterations"]),
        "learning_rates": sorted(
            float(r)
            for r in cells.get(
                "learning_rate", pd.Series([config["model"]["learning_rate"]])
            ).unique()
        ),
        "threshold": float(config["analysis"]["success_threshold"]),
        "n_seeds": len(config["grid"]["seeds"]),
        "widths": widths,
        "depths": sorted(int(d) for d in cells["depth"].unique()),
        "level": level,
        "points": {name: weight_variance(name, 1.0, widths[0]) for name in PLANE_INITIALIZERS},
    }
