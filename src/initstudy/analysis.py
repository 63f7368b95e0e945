"""The analysis of a trained grid: every table the figures and the report read.

One run trains each network to the full budget and logs its learning curve, so
the same runs answer at the notebook's budget (``analysis.notebook_iterations``)
and at the full one: :func:`runs_at` reads the runs as they stood at a logged
iteration, and every per-cell statistic is given at both, in a ``budget`` column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from initstudy.outcomes import classify
from initstudy.stats import summarize
from initstudy.survival import learning_curves, median_times, time_to_learn

#: Columns of the runs that change with the budget they are read at.
AT_BUDGET = ("final_cost", "train_accuracy", "validation_accuracy", "test_accuracy")


@dataclass(frozen=True)
class AnalysisSettings:
    """What the analysis needs from the config.

    Attributes
    ----------
    axes : tuple of str
        The grid's axes (the columns that name a cell).
    threshold : float
        Accuracy counted as success (test) and as learned (validation).
    stuck_margin : float
        See :func:`initstudy.outcomes.classify`.
    budgets : tuple of int
        Logged iterations at which the statistics are given, the full budget last.
    n_resamples, bootstrap_seed : int
        Bootstrap resamples and base seed.
    level : float
        Confidence level of every interval.
    """

    axes: tuple[str, ...]
    threshold: float
    stuck_margin: float
    budgets: tuple[int, ...]
    n_resamples: int
    bootstrap_seed: int
    level: float


def budgets(notebook_iterations: int, iterations: int, logged) -> tuple[int, ...]:
    """The budgets the tables answer at: the notebook's (if logged and shorter), then the full.

    Parameters
    ----------
    notebook_iterations, iterations : int
    logged : array_like
        The logged iterations.

    Returns
    -------
    tuple of int
    """
    early = notebook_iterations < iterations and notebook_iterations in set(np.asarray(logged))
    return (int(notebook_iterations), int(iterations)) if early else (int(iterations),)


def runs_at(runs: pd.DataFrame, curves: pd.DataFrame, axes, iteration: int) -> pd.DataFrame:
    """The runs as they stood at a logged ``iteration``: cost and accuracies read from the
    curves, divergence only if it happened by then.

    The distinct units are those at the end of training (symmetry, once there,
    never breaks, so a symmetric run was symmetric at every earlier log point).

    Parameters
    ----------
    runs, curves : pandas.DataFrame
        The per-run table and the learning curves.
    axes : tuple of str
    iteration : int

    Returns
    -------
    pandas.DataFrame
        ``runs`` with :data:`AT_BUDGET` and ``diverged_at`` as of ``iteration``.
    """
    keys = [*axes, "seed"]
    at = curves.loc[curves["iteration"] == iteration, [*keys, "cost", *AT_BUDGET[1:]]]
    at = at.rename(columns={"cost": "final_cost"})
    early = runs.drop(columns=list(AT_BUDGET)).merge(at, on=keys, how="left", validate="1:1")
    diverged = early["diverged_at"].to_numpy()
    early["diverged_at"] = np.where((diverged >= 0) & (diverged <= iteration), diverged, -1)
    return early[list(runs.columns)]


def classified(runs, curves, settings: AnalysisSettings, iteration: int) -> pd.DataFrame:
    """:func:`runs_at` ``iteration`` with each run's status and time to learn by then."""
    early = runs_at(runs, curves, settings.axes, iteration)
    seen = curves[curves["iteration"] <= iteration]
    early["status"] = classify(
        early, seen, settings.axes, settings.threshold, settings.stuck_margin
    ).to_numpy()
    times = time_to_learn(early, seen, settings.axes, settings.threshold)
    early["time_to_learn"] = times["time_to_learn"].to_numpy()
    early["learned"] = times["learned"].to_numpy()
    return early


def analyse(runs: pd.DataFrame, curves: pd.DataFrame, settings: AnalysisSettings) -> dict:
    """Every table of the analysis.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per trained network (see ``initstudy.tables.RUN_COLUMNS``).
    curves : pandas.DataFrame
        The learning curves (``initstudy.tables.COST_COLUMNS``).
    settings : AnalysisSettings

    Returns
    -------
    dict of str to pandas.DataFrame
        ``runs`` (with ``status``, ``time_to_learn``, ``learned`` at the full
        budget), ``summary`` (one row per cell and budget), ``learning`` (the
        share of runs learned by each logged iteration, per cell) and ``times``
        (the median time to learn per cell).
    """
    axes = settings.axes
    parts, final = [], None
    for budget in settings.budgets:
        at = classified(runs, curves, settings, budget)
        stats = summarize(
            at, settings.threshold, settings.n_resamples, settings.bootstrap_seed,
            settings.level, axes,
        )  # fmt: skip
        stats.insert(len(axes), "budget", budget)
        parts.append(stats)
        final = at
    times = final[[*axes, "seed", "time_to_learn", "learned"]]
    logged = np.unique(curves["iteration"].to_numpy())
    return {
        "runs": final,
        "summary": pd.concat(parts, ignore_index=True),
        "learning": learning_curves(times, axes, logged, settings.level),
        "times": median_times(times, axes, settings.level),
    }
