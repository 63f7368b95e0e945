"""Choose each initializer's best cell on validation, then report it on test.

Choosing the best scale on the test set and reporting its test accuracy
overstates it (the winner's curse). Here the choice reads only validation data:
the mean validation accuracy at the budget and, to break ties, the median time
to learn (itself read off validation accuracy). The test columns are computed
only for the chosen cells, after the choice.

A tie on validation is a tie: :func:`candidates` lists every candidate with its
validation score and whether it ties with the best, and the selection counts the
tied cells (``n_tied``) and names the rule that broke the tie (``tie_break``), so
that the report can name the tied cells and never read the tie-break as a finding.
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
    "n_tied",
    "tie_break",
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
#: What broke a tie on validation (``tie_break``): nothing (no tie), the shorter median
#: time to learn, or the order of the axis values (smaller scale, then learning rate).
TIE_BREAKS = ("none", "time to learn", "axis order")
#: Columns of :func:`candidates` after ``init``, the kept and the chosen axes.
CANDIDATE_COLUMNS = ("validation_accuracy_mean", "median_time_to_learn", "tied", "chosen")


def _validation_score(cell: pd.DataFrame) -> tuple[float, float]:
    """(mean validation accuracy over finite runs, or -inf; median time to learn, or inf)."""
    validation = cell["validation_accuracy"].to_numpy(dtype=float)
    finite = validation[np.isfinite(validation)]
    mean = float(np.mean(finite)) if finite.size else -math.inf
    median = math.nan
    if "time_to_learn" in cell.columns:
        median = median_time(cell["time_to_learn"], cell["learned"])[0]
    return mean, median


def _scores(group: pd.DataFrame, choose: list[str]) -> list[tuple]:
    """Every candidate of one group, best first: (order, key, cell, mean, median).

    Means equal up to round-off (12 decimals) are ties; then the faster, then the
    smaller axis values go first.
    """
    scores = []
    for key, cell in group.groupby(choose, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        mean, median = _validation_score(cell)
        order = (-round(mean, 12), math.inf if math.isnan(median) else median, *key)
        scores.append((order, key, cell, mean, median))
    return sorted(scores, key=lambda score: score[0])


def _tie_break(scores: list[tuple]) -> tuple[int, str]:
    """How many candidates tie with the best on validation, and what chose among them."""
    tied = [score for score in scores if score[0][0] == scores[0][0][0]]
    if len(tied) == 1:
        return 1, TIE_BREAKS[0]
    fastest = [score for score in tied if score[0][1] == tied[0][0][1]]
    return len(tied), TIE_BREAKS[1] if len(fastest) == 1 else TIE_BREAKS[2]


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


def _chosen_axes(axes, keep) -> list[str]:
    """The axes chosen on validation: the chosen axes of the grid not kept apart."""
    return [axis for axis in CHOSEN_AXES if axis in axes and axis not in keep]


def _with_times(runs: pd.DataFrame, axes, times: pd.DataFrame | None) -> pd.DataFrame:
    """``runs`` with the times to learn of ``times`` (unchanged without them)."""
    if times is None:
        return runs
    keys = [*axes, "seed"]
    return runs.merge(times[[*keys, "time_to_learn", "learned"]], on=keys, how="left")


def candidates(
    runs: pd.DataFrame,
    axes: tuple[str, ...],
    keep: tuple[str, ...] = (),
    times: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every candidate cell of the choice on validation, with its score and its place.

    The same scores, order and ties as :func:`select_on_validation`; nothing of the
    test set is read. Without ``times``, the runs' own ``time_to_learn`` and
    ``learned`` columns (``runs.csv`` has them) break ties, where present.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with the ``axes``, ``seed`` and ``validation_accuracy``.
    axes : tuple of str
        The grid's axes; ``init`` among them.
    keep : tuple of str
        Axes whose levels are chosen for separately (e.g. ``("dataset",)``).
    times : pandas.DataFrame, optional
        Output of :func:`initstudy.analysis.survival.time_to_learn`.

    Returns
    -------
    pandas.DataFrame
        ``init``, the ``keep`` axes, the chosen axes, then :data:`CANDIDATE_COLUMNS`:
        the mean validation accuracy, the median time to learn, ``tied`` (its mean equals
        the best one's to 12 decimals; the chosen cell too) and ``chosen``; per group
        (initializer and kept levels, in order of first appearance), best first.
    """
    choose = _chosen_axes(axes, keep)
    runs = _with_times(runs, axes, times)
    groups = ["init", *keep]
    rows = []
    for group_key, group in runs.groupby(groups, sort=False):
        scores = _scores(group, choose)
        for rank, (order, key, _, mean, median) in enumerate(scores):
            cell = dict(zip(groups, group_key, strict=True)) | dict(zip(choose, key, strict=True))
            rows.append(
                {axis: axis_value(value) for axis, value in cell.items()}
                | {
                    "validation_accuracy_mean": mean if math.isfinite(mean) else math.nan,
                    "median_time_to_learn": median,
                    "tied": order[0] == scores[0][0][0],
                    "chosen": rank == 0,
                }
            )
    return pd.DataFrame(rows, columns=[*groups, *choose, *CANDIDATE_COLUMNS])


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
        candidates, how many of them tie with it on the validation mean (``n_tied``,
        itself included; 1 without a tie) and what broke the tie (``tie_break``, one
        of :data:`TIE_BREAKS`), the validation mean and median time it was chosen by, and
        its test statistics (as in :func:`initstudy.analysis.stats.summarize`; no
        interval where the seeds are identical). Groups in order of first
        appearance.
    """
    choose = _chosen_axes(axes, keep)
    runs = _with_times(runs, axes, times)
    groups = ["init", *keep]
    rows = []
    for group_key, group in runs.groupby(groups, sort=False):
        scores = _scores(group, choose)
        _, key, cell, mean, median = scores[0]
        n_tied, tie_break = _tie_break(scores)
        chosen = dict(zip(groups, group_key, strict=True)) | dict(zip(choose, key, strict=True))
        chosen = {axis: axis_value(value) for axis, value in chosen.items()}
        cell_seed = derive_seed(seed, "selected", *chosen.values())
        row = chosen | {
            "n_runs": len(cell),
            "n_candidates": len(scores),
            "n_tied": n_tied,
            "tie_break": tie_break,
            "validation_accuracy_mean": mean if math.isfinite(mean) else math.nan,
            "median_time_to_learn": median,
        }
        cell = cell.sort_values([*axes, "seed"], kind="stable")  # independent of row order
        rows.append(row | _test_statistics(cell, threshold, n_resamples, cell_seed, level))
    return pd.DataFrame(rows, columns=[*groups, *choose, *SELECTION_COLUMNS])
