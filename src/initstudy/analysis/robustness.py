"""Does a result survive a change of machine? Each rerun against the reference, run by run.

A grid with a robustness axis (``grid.axes.rerun``) trains every cell again: from
initial weights perturbed in their last bits, or with the NumPy backend instead of
the compiled one. Every finding reads the reference runs (:func:`split_reruns`); for
each cell and rerun, :func:`compare_reruns` puts the rerun's success count beside the
reference's over the same seeds, with Wilson intervals, the number of runs whose
outcome flipped, the difference of the rates with Newcombe's interval and Fisher's
exact test, Holm-corrected over every row.
"""

from __future__ import annotations

import pandas as pd

from initstudy.analysis.comparisons import holm, success_comparison
from initstudy.analysis.intervals import wilson_interval
from initstudy.grid.axes import REFERENCE_RUN, REPLICATE_AXES, ROBUSTNESS_AXES, present

#: Columns of :func:`compare_reruns` after the cell's axes.
ROBUSTNESS_COLUMNS = (
    "n_seeds",
    "reference_success",
    "rerun_success",
    "reference_ci_low",
    "reference_ci_high",
    "rerun_ci_low",
    "rerun_ci_high",
    "n_flipped",
    "rate_difference",
    "rate_difference_ci_low",
    "rate_difference_ci_high",
    "fisher_p",
    "fisher_p_holm",
    "counts_within_intervals",
)


def split_reruns(table: pd.DataFrame, axes) -> tuple[pd.DataFrame, pd.DataFrame, tuple]:
    """The reference runs (without the robustness columns) and the reruns of a table.

    Parameters
    ----------
    table : pandas.DataFrame
        Runs or curves, with the grid's axes as columns.
    axes : tuple of str
        The grid's axes.

    Returns
    -------
    reference : pandas.DataFrame
        The rows of the reference training, the robustness columns dropped: the table of
        the same grid without the axis.
    reruns : pandas.DataFrame
        Every other row, with its robustness columns (empty without the axis).
    axes : tuple of str
        The grid's axes but the robustness ones.
    """
    robustness = present(axes, ROBUSTNESS_AXES)
    kept = tuple(axis for axis in axes if axis not in robustness)
    if not robustness:
        return table, table.iloc[:0], kept
    is_reference = (table[list(robustness)] == REFERENCE_RUN).all(axis=1)
    reference = table[is_reference].drop(columns=list(robustness)).reset_index(drop=True)
    return reference, table[~is_reference].reset_index(drop=True), kept


def compare_counts(reference: pd.DataFrame, other: pd.DataFrame, on, level: float) -> dict:
    """Success counts of the same networks trained twice, side by side.

    Parameters
    ----------
    reference, other : pandas.DataFrame
        Runs with the ``on`` columns and ``success`` (bool), the same networks.
    on : list of str
        The columns that pair a run with its rerun (the seed, and the draw where pooled).
    level : float
        Level of the Wilson intervals and of the difference's interval.

    Returns
    -------
    dict
        :data:`ROBUSTNESS_COLUMNS` but ``fisher_p_holm``.
    """
    paired = reference[[*on, "success"]].merge(
        other[[*on, "success"]], on=list(on), suffixes=("_a", "_b"), validate="one_to_one"
    )
    n = len(paired)
    a, b = int(paired["success_a"].sum()), int(paired["success_b"].sum())
    a_low, a_high = wilson_interval(a, n, level)
    b_low, b_high = wilson_interval(b, n, level)
    test = success_comparison(b, n, a, n, level)
    return {
        "n_seeds": n,
        "reference_success": a,
        "rerun_success": b,
        "reference_ci_low": a_low,
        "reference_ci_high": a_high,
        "rerun_ci_low": b_low,
        "rerun_ci_high": b_high,
        "n_flipped": int((paired["success_a"] != paired["success_b"]).sum()),
        "rate_difference": test["rate_difference"],
        "rate_difference_ci_low": test["rate_difference_ci_low"],
        "rate_difference_ci_high": test["rate_difference_ci_high"],
        "fisher_p": test["fisher_p"],
        "counts_within_intervals": bool(a_low <= b / n <= a_high and b_low <= a / n <= b_high),
    }


def compare_reruns(
    reference: pd.DataFrame, reruns: pd.DataFrame, axes, threshold: float, level: float
) -> pd.DataFrame:
    """Every rerun of every cell against the reference training of the same networks.

    A run succeeds when its test accuracy is at least ``threshold`` (a diverged run
    fails), as in the summary's success counts.

    Parameters
    ----------
    reference : pandas.DataFrame
        The reference runs (:func:`split_reruns`), at the full budget.
    reruns : pandas.DataFrame
        The reruns, with the robustness columns.
    axes : tuple of str
        The grid's axes but the robustness ones.
    threshold, level : float

    Returns
    -------
    pandas.DataFrame
        One row per cell and rerun, in the reruns' order: the cell's axes (the pooled
        replicate axes left out), the robustness axes, then :data:`ROBUSTNESS_COLUMNS`.
    """
    replicates = present(axes, REPLICATE_AXES)
    cell = [axis for axis in axes if axis not in replicates]
    robustness = [column for column in ROBUSTNESS_AXES if column in reruns.columns]
    on = ["seed", *replicates]

    def scored(runs):
        return runs.assign(success=runs["test_accuracy"].to_numpy(dtype=float) >= threshold)

    by_cell = {key: rows for key, rows in scored(reference).groupby(cell, sort=False)}
    rows = []
    for key, rerun in scored(reruns).groupby([*cell, *robustness], sort=False):
        names = dict(zip([*cell, *robustness], key, strict=True))
        base = by_cell[tuple(names[axis] for axis in cell)]
        rows.append(names | compare_counts(base, rerun, on, level))
    table = pd.DataFrame(rows, columns=[*cell, *robustness, *ROBUSTNESS_COLUMNS])
    table["fisher_p_holm"] = holm(table["fisher_p"]) if len(table) else []
    return table
