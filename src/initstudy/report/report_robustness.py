"""The report's facts on the reruns: does any finding change when the same networks are
trained again from perturbed weights or with another backend?"""

from __future__ import annotations

import pandas as pd

from initstudy.grid.axes import AXES, BASE_AXES, ROBUSTNESS_AXES, label_text
from initstudy.util.labels import cell_label


def robustness_facts(table: pd.DataFrame, alpha: float) -> dict | None:
    """Each rerun's flips and tests against the reference, per rerun and per cell.

    Parameters
    ----------
    table : pandas.DataFrame
        ``robustness.csv`` (:func:`initstudy.analysis.robustness.compare_reruns`).
    alpha : float
        Family-wise significance level (the Holm-adjusted p-values are read).

    Returns
    -------
    dict or None
        None without reruns; else ``reruns`` (per rerun: ``rerun``, ``n_cells``,
        ``n_runs``, ``n_flipped``, ``n_differ`` (cells whose success counts differ at
        ``alpha``) and ``smallest_p`` (the smallest Holm-adjusted p)) and ``cells`` (per
        row: ``cell`` (its label with every further axis), ``rerun``, the counts, flips
        and ``fisher_p_holm``).
    """
    if table.empty:
        return None
    robustness = [axis for axis in ROBUSTNESS_AXES if axis in table.columns]
    further = [
        axis for axis in table.columns if axis in AXES and axis not in (*BASE_AXES, *robustness)
    ]
    reruns = []
    for rerun, rows in table.groupby(robustness, sort=False):
        reruns.append(
            {
                "rerun": " ".join(str(value) for value in rerun),
                "n_cells": len(rows),
                "n_runs": int(rows["n_seeds"].sum()),
                "n_flipped": int(rows["n_flipped"].sum()),
                "n_differ": int((rows["fisher_p_holm"] < alpha).sum()),
                "smallest_p": float(rows["fisher_p_holm"].min()),
            }
        )
    cells = []
    for record in table.to_dict("records"):
        label = cell_label(record["init"], record["scale"])
        label += "".join(
            f", {axis.replace('_', ' ')} {label_text(axis, record[axis])}" for axis in further
        )
        rerun = " ".join(str(record[axis]) for axis in robustness)
        cells.append(record | {"cell": label, "rerun": rerun})
    return {"reruns": reruns, "cells": cells}
