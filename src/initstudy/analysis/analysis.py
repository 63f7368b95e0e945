"""The analysis of a trained grid: every table the figures and the report read.

One run trains each network to the full budget and logs its learning curve, so
the same runs answer at the notebook's budget (``analysis.notebook_iterations``)
and at the full one: :func:`runs_at` reads the runs as they stood at a logged
iteration, and every per-cell statistic is given at both, in a ``budget`` column.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from initstudy.analysis.comparisons import (
    COMPARISON_COLUMNS,
    compare_cells,
    holm,
    rank_by_threshold,
    ranking_changes,
)
from initstudy.analysis.outcomes import classify
from initstudy.analysis.robustness import compare_reruns, split_reruns
from initstudy.analysis.selection import select_on_validation
from initstudy.analysis.stats import summarize
from initstudy.analysis.survival import (
    RATIO_COLUMNS,
    learning_curves,
    median_times,
    speedup,
    time_to_learn,
)
from initstudy.grid.axes import (
    CHOSEN_AXES,
    REPLICATE_AXES,
    ROBUSTNESS_AXES,
    STRATUM_AXES,
    present,
)
from initstudy.grid.grid import rows_at, strata
from initstudy.model.gain import cell_gains, formula_table, he_equivalent_gain

#: Columns of the runs that change with the budget they are read at.
AT_BUDGET = ("final_cost", "train_accuracy", "validation_accuracy", "test_accuracy")
#: Columns of :func:`speedups` (after the stratum axes the grid has).
SPEEDUP_COLUMNS = ("a", "b", *RATIO_COLUMNS)


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
        See :func:`initstudy.analysis.outcomes.classify`.
    budgets : tuple of int
        Logged iterations at which the statistics are given, the full budget last.
    n_resamples, bootstrap_seed : int
        Bootstrap resamples and base seed.
    level : float
        Confidence level of every interval.
    reference : str
        The initializer every other is compared with (He in the default study).
    equal_gain : dict of str to float
        Initializer -> its scale at the reference's gain (per-layer ratio 1 for He),
        for the comparisons at equal gain; empty for none.
    thresholds : tuple of float
        Success thresholds at which the ranking is checked.
    layers : tuple of int
        Widths of the networks, for the predicted signal ratios and gains.
    """

    axes: tuple[str, ...]
    threshold: float
    stuck_margin: float
    budgets: tuple[int, ...]
    n_resamples: int
    bootstrap_seed: int
    level: float
    reference: str = "he"
    equal_gain: dict | None = None
    thresholds: tuple[float, ...] = ()
    layers: tuple[int, ...] = ()


def equal_gain_cells(cells, layers, reference: str, tolerance: float = 1e-3) -> dict:
    """Each initializer's scale in the grid whose He-equivalent gain equals the reference's
    at scale 1 (1 for He), for the comparisons at equal gain.

    Parameters
    ----------
    cells : iterable of (str, float)
        The grid's (init, scale) pairs.
    layers : list of int
    reference : str
    tolerance : float
        Relative difference of gains that counts as equal (config scales are rounded).

    Returns
    -------
    dict of str to float
        Initializer (not the reference) -> its first scale at that gain.
    """
    target = he_equivalent_gain(reference, list(layers), 1.0)
    found = {}
    for init, scale in cells:
        gain = he_equivalent_gain(init, list(layers), float(scale))
        if init != reference and init not in found and abs(gain - target) <= tolerance * target:
            found[init] = float(scale)
    return found


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


def selected(runs, times, settings: AnalysisSettings) -> pd.DataFrame:
    """Each initializer's chosen axes (scale, learning rate) chosen on validation, per stratum."""
    keep = present(settings.axes, STRATUM_AXES)
    # The times come in through ``times`` (a second copy would shadow them in the merge).
    runs = runs.drop(columns=["time_to_learn", "learned"], errors="ignore")
    return select_on_validation(
        runs, settings.axes, settings.threshold, settings.n_resamples,
        settings.bootstrap_seed, settings.level, keep, times,
    )  # fmt: skip


def _level_columns(settings: AnalysisSettings) -> list[str]:
    """The columns that name a stratum in the tables made per stratum (none without one)."""
    return list(present(settings.axes, STRATUM_AXES))


def _levels(table: pd.DataFrame, settings: AnalysisSettings):
    """The table's rows per stratum (one group of all rows without a stratum axis)."""
    yield from strata(table, settings.axes)


def _groups(chosen: pd.DataFrame, level: dict, settings: AnalysisSettings) -> dict[str, dict]:
    """The groups compared in one stratum: each chosen cell, and each initializer's cell at
    the reference's gain and the reference's choice on the other chosen axes (the learning
    rate). Name -> column values of its runs."""
    choose = present(settings.axes, CHOSEN_AXES)
    cells = {
        f"{row['init']} (chosen)": level | {"init": row["init"]} | {a: row[a] for a in choose}
        for _, row in chosen.iterrows()
    }
    reference = cells.get(f"{settings.reference} (chosen)", {})
    rate = {a: reference[a] for a in choose if a != "scale" and a in reference}
    for init, scale in (settings.equal_gain or {}).items():
        cells[f"{init} at equal gain"] = level | {"init": init, "scale": float(scale)} | rate
    return cells


def compared(runs, selection, settings: AnalysisSettings) -> pd.DataFrame:
    """Every comparison the report makes, Holm-corrected over all of them together: each
    chosen initializer against the reference's chosen cell, and each initializer at the
    reference's gain against the reference at its chosen learning rate, per stratum."""
    reference = f"{settings.reference} (chosen)"
    parts = []
    for level, chosen in _levels(selection, settings):
        cells = {
            name: cell for name, cell in _groups(chosen, level, settings).items()
            if not rows_at(runs, **cell).empty
        }  # fmt: skip
        pairs = [(name, reference) for name in cells if name != reference]
        if reference not in cells or not pairs:
            continue
        pair_on = ("seed", *present(settings.axes, REPLICATE_AXES))
        table = compare_cells(
            runs, cells, settings.threshold, settings.n_resamples,
            settings.bootstrap_seed, settings.level, pair_on, pairs=pairs,
        )  # fmt: skip
        parts.append(table.assign(**level)[[*level, *table.columns]])
    if not parts:  # one initializer: nothing to compare
        return pd.DataFrame(columns=[*_level_columns(settings), *COMPARISON_COLUMNS])
    table = pd.concat(parts, ignore_index=True)
    table["fisher_p_holm"] = holm(table["fisher_p"])
    table["wilcoxon_p_holm"] = holm(table["wilcoxon_p"])
    return table


def speedups(times, selection, settings: AnalysisSettings) -> pd.DataFrame:
    """How many times faster each initializer learns than the reference, each at its cell
    chosen on validation (median times to learn, bootstrap interval), per stratum."""
    reference = f"{settings.reference} (chosen)"
    rows = []
    for level, chosen in _levels(selection, settings):
        cells = _groups(chosen, level, settings)
        if reference not in cells:
            continue
        for name, cell in cells.items():
            if name == reference or not name.endswith("(chosen)"):
                continue
            ratio = speedup(
                times, cell, cells[reference], settings.n_resamples,
                settings.bootstrap_seed, settings.level,
            )  # fmt: skip
            rows.append(level | {"a": name, "b": reference} | ratio)
    # Declared columns: with one initializer there are no rows, but still the header.
    return pd.DataFrame(rows, columns=[*_level_columns(settings), *SPEEDUP_COLUMNS])


def ranked(runs, selection, settings: AnalysisSettings) -> pd.DataFrame:
    """The ranking of the chosen cells by success rate at each threshold, per stratum."""
    keys = ["init", *present(settings.axes, (*CHOSEN_AXES, *STRATUM_AXES))]
    chosen = runs.merge(selection[keys], on=keys)
    parts = []
    for level, rows in _levels(chosen, settings):
        table = ranking_changes(rank_by_threshold(rows, settings.thresholds))
        parts.append(table.assign(**level)[[*level, *table.columns]])
    return pd.concat(parts, ignore_index=True)


def analyse(runs: pd.DataFrame, curves: pd.DataFrame, settings: AnalysisSettings) -> dict:
    """Every table of the analysis: the findings on the reference runs, then the reruns.

    Parameters
    ----------
    runs, curves : pandas.DataFrame
        Every trained network and its learning curve, the grid's axes as columns.
    settings : AnalysisSettings

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables of :func:`analyse_reference` on the reference runs (without the
        robustness columns; ``costs``: their curves), ``reruns`` (the other runs at the full
        budget, classified) and ``robustness`` (each rerun against the reference,
        :func:`initstudy.analysis.robustness.compare_reruns`); both empty without a
        robustness axis.
    """
    reference_runs, rerun_runs, axes = split_reruns(runs, settings.axes)
    reference_curves, rerun_curves, _ = split_reruns(curves, settings.axes)
    tables = analyse_reference(reference_runs, reference_curves, replace(settings, axes=axes))
    final = tables["runs"]
    if rerun_runs.empty:
        robustness = present(settings.axes, ROBUSTNESS_AXES) or ROBUSTNESS_AXES
        reruns = final.iloc[:0].assign(**{axis: pd.Series(dtype=object) for axis in robustness})
    else:
        reruns = classified(rerun_runs, rerun_curves, settings, settings.budgets[-1])
    tables["costs"] = reference_curves
    tables["reruns"] = reruns
    tables["robustness"] = compare_reruns(final, reruns, axes, settings.threshold, settings.level)
    return tables


def analyse_reference(runs: pd.DataFrame, curves: pd.DataFrame, settings: AnalysisSettings) -> dict:
    """Every table of the findings, from the reference runs of a grid.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per trained network (see ``initstudy.tables.tables.RUN_COLUMNS``).
    curves : pandas.DataFrame
        The learning curves (``initstudy.tables.tables.COST_COLUMNS``).
    settings : AnalysisSettings

    Returns
    -------
    dict of str to pandas.DataFrame
        ``runs`` (with ``status``, ``time_to_learn``, ``learned`` at the full
        budget), ``summary`` (one row per cell and budget), ``learning`` (the
        share of runs learned by each logged iteration, per cell) and ``times``
        (the median time to learn per cell), ``selection`` (each initializer's cell
        chosen on validation, per stratum), ``comparisons`` (see :func:`compared`)
        and ``rankings`` (see :func:`ranked`).
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
    selection = selected(final, times, settings)
    return {
        "runs": final,
        "summary": pd.concat(parts, ignore_index=True),
        "learning": learning_curves(times, axes, logged, settings.level),
        "times": median_times(times, axes, settings.level),
        "selection": selection,
        "comparisons": compared(final, selection, settings),
        "speedups": speedups(times, selection, settings),
        "rankings": ranked(final, selection, settings),
        "gain": cell_gains(
            final[list(axes[:2])].drop_duplicates().reset_index(drop=True), list(settings.layers)
        ),
        "formulas": formula_table(list(settings.layers)),
    }
