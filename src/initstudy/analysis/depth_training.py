"""The depth study's training: deep networks, a learning rate chosen on validation, outcomes.

:func:`train_depth` trains one network per seed at a given depth and learning
rate (optionally from initial weights perturbed in their last bits);
:func:`classify_depth_runs` gives each run the main grid's outcome class, or
``unstable`` when it ended above its starting cost; :func:`select_learning_rates`
picks each (initializer, scale, depth)'s rate from its candidates on the
validation split alone; :func:`summarize_depths` computes the main grid's seed
statistics for the chosen runs, and :func:`depth_verdicts` says where each
initializer trains and where it stalls, only where the interval says so.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from initstudy.analysis import survival
from initstudy.analysis.outcomes import STATUSES, classify
from initstudy.analysis.stats import summarize
from initstudy.model.cell import CellResult, train_cell
from initstudy.model.data import Dataset
from initstudy.model.perturb import perturbed_initial
from initstudy.model.train import Progress, TrainSettings
from initstudy.theory.depth_theory import SHAPE, layer_widths

#: Outcome classes of a deep run, best first: the main grid's, and ``unstable`` (a finite
#: run that ended above its starting cost), which takes precedence over all but ``diverged``.
DEPTH_STATUSES = (*STATUSES[:-1], "unstable", STATUSES[-1])
#: The columns that name one trained configuration of the depth study.
RUN_AXES = (*SHAPE, "learning_rate")


def train_depth(
    dataset: Dataset,
    init: str,
    scale: float,
    depth: int,
    width: int,
    seeds: list[int],
    settings: TrainSettings,
    progress: Progress | None = None,
    perturbation: tuple[float, int] | None = None,
) -> CellResult:
    """Train one network per seed of a given depth, as the main grid trains its cells.

    Parameters
    ----------
    dataset : Dataset
    init : str
    scale : float
    depth, width : int
        Hidden layers and their width.
    seeds : list of int
    settings : TrainSettings
        Learning rate, iterations, log interval and backend (its ``layers`` are
        replaced by the widths of ``depth`` hidden layers of ``width``).
    progress : callable, optional
        Passed to :func:`initstudy.model.train.train_batch`.
    perturbation : (relative, seed), optional
        Train from the initial weights perturbed by
        :func:`initstudy.model.perturb.perturb_weights`.

    Returns
    -------
    CellResult
        As :func:`initstudy.model.cell.train_cell`, with ``depth``, ``width`` and
        ``learning_rate`` columns added to ``runs`` and ``costs`` after ``scale``.
    """
    settings = replace(settings, layers=layer_widths(depth, width))
    initial = None
    if perturbation is not None:
        initial = perturbed_initial(init, list(settings.layers), scale, seeds, perturbation)
    result = train_cell(dataset, init, scale, seeds, settings, progress, initial=initial)
    for frame in (result.runs, result.costs):
        frame.insert(2, "depth", int(depth))
        frame.insert(3, "width", int(width))
        frame.insert(4, "learning_rate", settings.learning_rate)
    return result


def classify_depth_runs(
    runs: pd.DataFrame, costs: pd.DataFrame, threshold: float, stuck_margin: float
) -> pd.Series:
    """Outcome of each deep run: :func:`initstudy.analysis.outcomes.classify`, or ``unstable``.

    A run is ``unstable`` when it did not diverge but its final training cost is
    above its initial one: gradient descent made it worse, a sign of a step too
    large for the network. It takes precedence over every class but ``diverged``.
    The depth tables keep it in an ``outcome`` column: a ``status`` column holds
    the main grid's classes only.

    Parameters
    ----------
    runs : pandas.DataFrame
        Runs of :func:`train_depth` (columns :data:`RUN_AXES`, ``seed`` and those
        :func:`~initstudy.analysis.outcomes.classify` reads).
    costs : pandas.DataFrame
        Their learning curves.
    threshold, stuck_margin : float
        As in :func:`~initstudy.analysis.outcomes.classify` (validation accuracy, never test).

    Returns
    -------
    pandas.Series
        Strings from :data:`DEPTH_STATUSES`, named ``"outcome"``, on the index of ``runs``.
    """
    status = classify(runs, costs, RUN_AXES, threshold, stuck_margin)
    final, initial = runs["final_cost"].to_numpy(float), runs["initial_cost"].to_numpy(float)
    unstable = (status != "diverged").to_numpy() & np.isfinite(final) & (final > initial)
    return status.where(~unstable, "unstable").rename("outcome")


def time_to_learn(runs: pd.DataFrame, costs: pd.DataFrame, threshold: float) -> np.ndarray:
    """First logged iteration at which each run's validation accuracy reaches ``threshold``.

    :func:`initstudy.analysis.survival.time_to_learn` (a diverged run never learns), with
    NaN for a run that did not learn within the budget (censored).

    Parameters
    ----------
    runs, costs : pandas.DataFrame
        As in :func:`classify_depth_runs`.
    threshold : float

    Returns
    -------
    ndarray of float
    """
    times = survival.time_to_learn(runs, costs, RUN_AXES, threshold)
    return np.where(times["learned"], times["time_to_learn"], np.nan)


def select_learning_rates(runs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Every candidate learning rate of each shape, scored on validation, the best marked.

    A rate's score is, in order: the number of seeds whose validation accuracy
    reaches ``threshold``; their mean validation accuracy (a diverged run counts
    as 0); the smaller rate. Only validation accuracy is read: the test split
    cannot change the choice.

    Parameters
    ----------
    runs : pandas.DataFrame
        Runs of every candidate rate with columns :data:`RUN_AXES`,
        ``validation_accuracy`` and ``outcome`` (:func:`classify_depth_runs`).
    threshold : float

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RUN_AXES`, ``n_seeds, n_validation_success,
        validation_accuracy_mean, n_unstable, n_diverged, chosen``, rows in the
        order of ``runs``, exactly one chosen per shape.
    """
    scored = runs.assign(
        _success=runs["validation_accuracy"] >= threshold,
        _accuracy=runs["validation_accuracy"].fillna(0.0),
        _unstable=runs["outcome"] == "unstable",
        _diverged=runs["outcome"] == "diverged",
    )
    table = (
        scored.groupby(list(RUN_AXES), sort=False)
        .agg(
            n_seeds=("seed", "size"),
            n_validation_success=("_success", "sum"),
            validation_accuracy_mean=("_accuracy", "mean"),
            n_unstable=("_unstable", "sum"),
            n_diverged=("_diverged", "sum"),
        )
        .reset_index()
    )
    score = ["n_validation_success", "validation_accuracy_mean", "_rate"]
    ranked = table.assign(_rate=-table["learning_rate"])
    ranked = ranked.sort_values(score, ascending=False, kind="stable")
    best = ranked.drop_duplicates(list(SHAPE)).index
    table["chosen"] = table.index.isin(best)
    return table


def chosen_runs(runs: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """The runs of each shape's chosen learning rate (:func:`select_learning_rates`)."""
    chosen = rates.loc[rates["chosen"], list(RUN_AXES)]
    return runs.merge(chosen, on=list(RUN_AXES), how="inner")


def summarize_depths(
    runs: pd.DataFrame, threshold: float, n_resamples: int, seed: int, level: float = 0.95
) -> pd.DataFrame:
    """The main grid's statistics per (initializer, scale, depth) of classified deep runs.

    Parameters
    ----------
    runs : pandas.DataFrame
        One learning rate per shape (:func:`chosen_runs`), with ``outcome``
        (:data:`DEPTH_STATUSES`) and ``time_to_learn``.
    threshold, n_resamples, seed, level
        As in :func:`initstudy.analysis.stats.summarize` (success: test accuracy at least
        ``threshold``); each cell bootstraps from its own axis values.

    Returns
    -------
    pandas.DataFrame
        :data:`RUN_AXES`, then :data:`initstudy.analysis.stats.CELL_STATISTICS` with the
        outcome counts ``n_{status}`` of :data:`DEPTH_STATUSES`, then
        ``n_learned`` and ``time_to_learn_max`` (validation criterion reached,
        the latest first iteration among those runs); rows in the order of ``runs``.
    """
    # stats.summarize knows the main grid's classes only; the counts are redone below.
    summary = summarize(
        runs.assign(status="ok"), threshold, n_resamples, seed, level, axes=RUN_AXES
    )
    for (index, _), (_, cell) in zip(
        summary.iterrows(), runs.groupby(list(RUN_AXES), sort=False), strict=True
    ):
        counts = cell["outcome"].value_counts()
        for status in DEPTH_STATUSES:
            summary.loc[index, f"n_{status}"] = int(counts.get(status, 0))
        learned = cell["time_to_learn"].dropna()
        summary.loc[index, "n_learned"] = len(learned)
        summary.loc[index, "time_to_learn_max"] = learned.max() if len(learned) else np.nan
    counts = [f"n_{status}" for status in DEPTH_STATUSES] + ["n_learned"]
    return summary.astype({column: int for column in counts})


def depth_verdicts(summary: pd.DataFrame) -> pd.Series:
    """Whether each (initializer, scale, depth) trains, stalls, or the seeds cannot tell.

    ``trains`` when the success rate's interval lies above 1/2, ``stalls`` when
    it lies below, ``unclear`` otherwise (also without an interval).

    Parameters
    ----------
    summary : pandas.DataFrame
        Table of :func:`summarize_depths` (``success_ci_low``, ``success_ci_high``).

    Returns
    -------
    pandas.Series
        Named ``"verdict"``, on the index of ``summary``.
    """
    low = summary["success_ci_low"].to_numpy(dtype=float)
    high = summary["success_ci_high"].to_numpy(dtype=float)
    verdict = np.select([low > 0.5, high < 0.5], ["trains", "stalls"], "unclear")
    return pd.Series(verdict.astype(object), index=summary.index, name="verdict")
