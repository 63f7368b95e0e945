"""Choose each initializer's best cell on validation, then report it on test.

Choosing the best scale on the test set and reporting its test accuracy
overstates it (the winner's curse). Here the choice reads only validation data:
the mean validation accuracy at the budget and, to break ties, the median time
to learn (itself read off validation accuracy). The test columns are computed
only for the chosen cells, after the choice.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.analysis.intervals import IDENTICAL, Interval, bootstrap_mean_ci, no_interval
from initstudy.analysis.stats import axis_value, derive_seed, identical_seeds, wilson_interval
from initstudy.analysis.survival import median_time
from initstudy.grid.axes import CHOSEN_AXES

#: Columns of :func:`select_on_validation` after ``init``, the kept and the chosen axes.
SELECTION_COLUMNS = (
    "n_runs",
    "n_candidates",
    "validation_accuracy_mean",
    "median_time_to_learn",
    "n_success",
    "success_rate",
    "success_ci_low",
    "success_ci_high",
    "success_ci_note",
    "test_accuracy_mean",
    "test_accuracy_median",
    "test_accuracy_mean_ci_low",
    "test_accuracy_mean_ci_high",
    "test_accuracy_mean_ci_note",
)


def _validation_score(cell: pd.DataFrame) -> tuple[float, float]:
    """(mean validation accuracy over finite runs, or -inf; median time to learn, or inf)."""
    validation = cell["validation_accuracy"].to_numpy(dtype=float)
    finite = validation[np.isfinite(validation)]
    mean = float(np.mean(finite)) if finite.size else -math.inf
    median = math.nan
    if "time_to_learn" in cell.columns:
        median = median_time(cell["time_to_learn"], cell["learned"])[0]
    return mean, median


def _choose(group: pd.DataFrame, choose: list[str]):
    """The chosen cell of one group: its axis values, runs, validation mean and median time."""
    best = None
    for key, cell in group.groupby(choose, sort=True):
        mean, median = _validation_score(cell)
        # Means equal up to round-off are ties; then faster, then smaller axis values.
        order = (-round(mean, 12), math.inf if math.isnan(median) else median, *key)
        if best is None or order < best[0]:
            best = (order, key, cell, mean, median)
    return best[1:]


def _test_statistics(
    cell: pd.DataFrame, threshold: float, n_resamples: int, seed: int, level: float
) -> dict:
    """Success count and test accuracy of the chosen cell's runs, with intervals."""
    test = cell["test_accuracy"].to_numpy(dtype=float)
    n_success = int(np.sum(test >= threshold))
    identical = identical_seeds(cell)
    if identical:
        success = mean_ci = no_interval(IDENTICAL)
    else:
        success = Interval(*wilson_interval(n_success, test.size, level))
        mean_ci = bootstrap_mean_ci(test, n_resamples, seed, level)
    finite = test[np.isfinite(test)]
    return {
        "n_success": n_success,
        "success_rate": n_success / test.size,
        "success_ci_low": success.low,
        "success_ci_high": success.high,
        "success_ci_note": success.note,
        "test_accuracy_mean": float(np.mean(finite)) if finite.size else math.nan,
        "test_accuracy_median": float(np.median(finite)) if finite.size else math.nan,
        "test_accuracy_mean_ci_low": mean_ci.low,
        "test_accuracy_mean_ci_high": mean_ci.high,
        "test_accuracy_mean_ci_note": mean_ci.note,
    }


def select_on_validation(
    runs: pd.DataFrame,
    axes: tuple[str, ...],
    threshold: float,
    n_resamples: int,
    seed: int,
    level: float = 0.95,
    keep: tuple[str, ...] = (),
    times: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """For each initializer (and level of ``keep``), the cell with the best validation accuracy.

    The candidates are the combinations of the :data:`initstudy.grid.axes.CHOSEN_AXES` present in
    ``axes`` (scale, learning rate); any other axis not in ``keep`` (e.g. the
    data draws) is pooled: its runs count together. The chosen candidate has
    the highest mean validation accuracy over its finite runs (a candidate
    without any ranks last); ties (equal to 12 decimals) go to the smaller
    median time to learn (from ``times``; undefined counts as slowest), then to
    the smaller scale, then the smaller learning rate. Nothing of the test set
    is read before the choice.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with the ``axes``, ``seed``, ``validation_accuracy``
        and ``test_accuracy``.
    axes : tuple of str
        The grid's axes; ``init`` among them.
    threshold : float
        Test accuracy at or above which a run succeeds, for the test columns.
    n_resamples : int
        Bootstrap resamples of the test accuracy's interval.
    seed : int
        Base seed; a chosen cell bootstraps with ``derive_seed(seed,
        "selected", init, *kept values, *chosen values)``.
    level : float
        Confidence level.
    keep : tuple of str
        Axes whose levels are chosen for separately (e.g. ``("dataset",)``).
    times : pandas.DataFrame, optional
        Output of :func:`initstudy.analysis.survival.time_to_learn`, for the tie-break
        and the ``median_time_to_learn`` column (NaN without it).

    Returns
    -------
    pandas.DataFrame
        ``init``, the ``keep`` axes, the chosen axes, then
        :data:`SELECTION_COLUMNS`: runs pooled in the chosen cell, number of
        candidates, the validation mean and median time it was chosen by, and
        its test statistics (as in :func:`initstudy.analysis.stats.summarize`; no
        interval where the seeds are identical). Groups in order of first
        appearance.
    """
    choose = [axis for axis in CHOSEN_AXES if axis in axes and axis not in keep]
    if times is not None:
        keys = [*axes, "seed"]
        runs = runs.merge(times[[*keys, "time_to_learn", "learned"]], on=keys, how="left")
    groups = ["init", *keep]
    rows = []
    for group_key, group in runs.groupby(groups, sort=False):
        key, cell, mean, median = _choose(group, choose)
        chosen = dict(zip(groups, group_key, strict=True)) | dict(zip(choose, key, strict=True))
        chosen = {axis: axis_value(value) for axis, value in chosen.items()}
        cell_seed = derive_seed(seed, "selected", *chosen.values())
        row = chosen | {
            "n_runs": len(cell),
            "n_candidates": group.groupby(choose).ngroups,
            "validation_accuracy_mean": mean if math.isfinite(mean) else math.nan,
            "median_time_to_learn": median,
        }
        cell = cell.sort_values([*axes, "seed"], kind="stable")  # independent of row order
        rows.append(row | _test_statistics(cell, threshold, n_resamples, cell_seed, level))
    return pd.DataFrame(rows, columns=[*groups, *choose, *SELECTION_COLUMNS])
