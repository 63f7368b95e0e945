"""Classify each trained network by how its training went.

Every class is read off training (its cost curve, its hidden units) or off
validation, never off the test set, so that classifying a run and choosing a
cell on validation stay independent of the test accuracy that is reported.
The six classes, in order of precedence:

- ``diverged``: the cost became non-finite (``diverged_at >= 0``);
- ``symmetric``: some hidden layer has fewer distinct units than its width;
- ``collapsed``: the network's output collapsed to a constant: its final
  training cost is within :data:`COLLAPSE_TOLERANCE` of ln 2 and it gives every
  point of the training split, and every point of the validation split, the same
  class (read off the accuracies: the study's data sets put half of each split
  in each class, so one class everywhere scores exactly 1/2 on a split of an even
  number of points; on an odd one it scores 1/2 ± 1/(2n), which is not recognized,
  and such a run keeps the class below). Whether it learned first (a high
  learning rate kills every ReLU unit) or never did, it is neither ``stuck``
  nor ``slow``;
- ``stuck``: the training cost never dropped ``stuck_margin`` below ln 2, the
  cost of predicting 1/2 everywhere, anywhere on its logged curve;
- ``slow``: it learns (not stuck), but its validation accuracy at the budget is
  below the success threshold (or missing);
- ``ok``: everything else.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: Run classes, best first; :func:`classify` applies them in reverse order.
STATUSES = ("ok", "slow", "stuck", "collapsed", "symmetric", "diverged")
#: The cost of a network that outputs 1/2 for every point.
CHANCE_COST = math.log(2.0)
#: How close to ln 2 the final training cost of a collapsed run is: a constant output
#: within about 0.022 of 1/2 on two classes of equal size.
COLLAPSE_TOLERANCE = 1e-3
#: The accuracy of predicting one class on a split with half of its points in each class.
ONE_CLASS_ACCURACY = 0.5


def majority_rate(labels) -> float:
    """Share of the most frequent class, the accuracy of always predicting it.

    Parameters
    ----------
    labels : array_like
        Class labels of any shape (the course stores them as ``(1, m)``); flattened.

    Returns
    -------
    float
        Count of the most frequent label divided by the number of labels.

    Raises
    ------
    ValueError
        If ``labels`` is empty.
    """
    flat = np.asarray(labels).ravel()
    if flat.size == 0:
        raise ValueError("majority_rate needs at least one label")
    _, counts = np.unique(flat, return_counts=True)
    return float(counts.max() / flat.size)


def _parse_counts(text) -> tuple[int, ...] | None:
    """Parse ``"10;5"`` into ``(10, 5)``; ``None`` for a missing (NaN or empty) entry."""
    if not isinstance(text, str):
        if text is None or pd.isna(text):
            return None
        text = str(text)
    text = text.strip()
    if not text:
        return None
    return tuple(int(part) for part in text.split(";"))


def is_symmetric(distinct_units, hidden_widths) -> bool:
    """Whether some hidden layer has fewer distinct units than its width.

    Parameters
    ----------
    distinct_units : str
        Distinct hidden units per hidden layer joined by ``";"``, e.g. ``"1;1"``.
    hidden_widths : str
        Widths of the hidden layers joined by ``";"``, e.g. ``"10;5"``.

    Returns
    -------
    bool
        ``True`` if any layer has collapsed; ``False`` if all layers are full or
        either entry is missing (NaN or empty), since then nothing was measured.

    Raises
    ------
    ValueError
        If the two entries list different numbers of layers or are not integers.
    """
    distinct = _parse_counts(distinct_units)
    widths = _parse_counts(hidden_widths)
    if distinct is None or widths is None:
        return False
    if len(distinct) != len(widths):
        raise ValueError(
            f"distinct_units {distinct_units!r} and hidden_widths {hidden_widths!r} "
            "list different numbers of layers"
        )
    return any(d < w for d, w in zip(distinct, widths, strict=True))


def lowest_costs(runs: pd.DataFrame, curves: pd.DataFrame, axes: tuple[str, ...]) -> np.ndarray:
    """Lowest finite training cost on each run's logged curve, in the order of ``runs``.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with the ``axes`` columns and ``seed``.
    curves : pandas.DataFrame
        Long table with the ``axes`` columns, ``seed``, ``iteration`` and ``cost``.
    axes : tuple of str
        The columns that name a cell.

    Returns
    -------
    ndarray of float
        NaN for a run whose logged costs are all non-finite.

    Raises
    ------
    ValueError
        If some run has no row in ``curves``.
    """
    keys = [*axes, "seed"]
    cost = curves["cost"].to_numpy(dtype=float)
    finite = curves[keys].assign(lowest_cost=np.where(np.isfinite(cost), cost, np.nan))
    # min() skips NaN; size tells a run without rows from one without finite costs.
    per_run = finite.groupby(keys, sort=False)["lowest_cost"].agg(["min", "size"]).reset_index()
    joined = runs[keys].merge(per_run, on=keys, how="left")
    if joined["size"].isna().any():
        missing = joined.loc[joined["size"].isna(), keys].iloc[0].to_dict()
        raise ValueError(f"no cost curve for the run {missing}")
    return joined["min"].to_numpy(dtype=float)


def is_collapsed(final_cost, train_accuracy, validation_accuracy) -> np.ndarray:
    """Whether each run's output collapsed to a constant.

    A network whose output is one constant ``p`` for every point has the training cost
    ``-(ln p + ln(1 - p)) / 2 >= ln 2`` on two classes of equal size, and predicts one
    class on every split, which scores :data:`ONE_CLASS_ACCURACY` there. Both are read
    here: the final training cost within :data:`COLLAPSE_TOLERANCE` of ln 2, and the
    training and validation accuracy each equal to 1/2 (to 1e-12). The test split is
    not read.

    Parameters
    ----------
    final_cost, train_accuracy, validation_accuracy : array_like of float
        Per run, at the budget; NaN (a diverged run) is never collapsed.

    Returns
    -------
    ndarray of bool
    """
    cost = np.asarray(final_cost, dtype=float)
    near = np.abs(cost - CHANCE_COST) <= COLLAPSE_TOLERANCE
    for accuracy in (train_accuracy, validation_accuracy):
        near &= np.abs(np.asarray(accuracy, dtype=float) - ONE_CLASS_ACCURACY) <= 1e-12
    return near


def classify(
    runs: pd.DataFrame,
    curves: pd.DataFrame,
    axes: tuple[str, ...],
    threshold: float,
    stuck_margin: float,
) -> pd.Series:
    """Status of each run, with precedence diverged > symmetric > collapsed > stuck > slow > ok.

    - ``diverged``: ``diverged_at >= 0`` (or, defensively, a non-finite ``final_cost``);
    - ``symmetric``: some hidden layer has fewer distinct units than its width
      (see :func:`is_symmetric`);
    - ``collapsed``: ``final_cost`` within :data:`COLLAPSE_TOLERANCE` of ln 2 and one
      class predicted on the training and the validation split (see :func:`is_collapsed`);
    - ``stuck``: the lowest finite training cost on the run's logged curve is
      above ``ln 2 - stuck_margin`` (it never dropped the margin below
      :data:`CHANCE_COST`);
    - ``slow``: ``validation_accuracy`` at the budget is below ``threshold`` or missing;
    - ``ok``: otherwise.

    The test accuracy is not read.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with the ``axes`` columns, ``seed``, ``diverged_at``,
        ``final_cost``, ``distinct_units``, ``hidden_widths``, ``train_accuracy`` and
        ``validation_accuracy``.
    curves : pandas.DataFrame
        Long table of logged training costs: the ``axes`` columns, ``seed``,
        ``iteration`` and ``cost``; every run needs its curve.
    axes : tuple of str
        The columns that name a cell.
    threshold : float
        Validation accuracy at the budget from which a learning run is ``ok``.
    stuck_margin : float
        How far below ln 2 the training cost must drop at least once, > 0.

    Returns
    -------
    pandas.Series
        Strings from :data:`STATUSES`, named ``"status"``, on the index of ``runs``.

    Raises
    ------
    ValueError
        If ``stuck_margin`` is not positive or a run has no cost curve.
    """
    if not stuck_margin > 0:
        raise ValueError(f"stuck_margin must be positive, got {stuck_margin!r}")
    final_cost = runs["final_cost"].to_numpy(dtype=float)
    diverged = (runs["diverged_at"].to_numpy() >= 0) | ~np.isfinite(final_cost)
    units, widths = runs["distinct_units"], runs["hidden_widths"]
    symmetric = np.array(
        [is_symmetric(d, w) for d, w in zip(units, widths, strict=True)],
        dtype=bool,
    )
    lowest = lowest_costs(runs, curves, axes)
    stuck = ~(lowest <= CHANCE_COST - stuck_margin)  # NaN: never dropped
    validation = runs["validation_accuracy"].to_numpy(dtype=float)
    collapsed = is_collapsed(final_cost, runs["train_accuracy"], validation)
    slow = ~(validation >= threshold)  # NaN: not reached
    conditions = [diverged, symmetric, collapsed, stuck, slow]
    status = np.select(conditions, ["diverged", "symmetric", "collapsed", "stuck", "slow"], "ok")
    return pd.Series(status.astype(object), index=runs.index, name="status")
