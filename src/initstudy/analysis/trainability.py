"""The trainability map: which share of seeds trains, cell by cell of the (sigma_w^2, depth)
plane, beside mean-field theory's depth scale ``6 xi_c`` (Schoenholz et al., 2017).

A cell of the map is one activation, bias spread ``sigma_b``, initializer, scale, depth
and width (and data set and learning rate where the grid has them as axes). A run
*trains* when its outcome class is ``ok`` (:mod:`initstudy.analysis.outcomes`: it
did not diverge, collapse or stay stuck, and its validation accuracy reached the
success threshold within the budget). Each cell's share gets a Wilson interval.

Along each column of the map (one ``sigma_w^2``), the measured boundary is bracketed
by two depths read off the intervals, never off point estimates alone:

- ``deepest_trainable``: the deepest depth whose interval lies above 1/2 (most seeds
  train, beyond the interval's doubt);
- ``shallowest_untrainable``: the shallowest depth whose interval lies below 1/2.

Theory's ``6 xi_c`` then agrees with the measurement when it lies between the two;
where the measurement has one side only (no depth fails, or none trains), theory is
at most consistent with it, and the table says which way it misses otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.analysis.intervals import wilson_interval
from initstudy.model.init import weight_variance
from initstudy.theory.mean_field import (
    TRAINABLE_DEPTH_FACTOR,
    critical_sigma_w2,
    mean_field,
    theory_table,
)

#: The outcome class that counts as trained.
TRAINED_STATUS = "ok"
#: The columns a map column (one sigma_w^2, every depth) is keyed on, where the table has them;
#: a cell of the map is a column's key and its depth.
COLUMN_KEYS = ("activation", "bias_std", "dataset", "learning_rate", "init", "scale", "width")
#: Keys of a panel of the map (one figure panel, one report table) beside ``activation`` and
#: ``sigma_b2``, where the map has them.
PANEL_STRATA = ("dataset", "learning_rate", "width")


def panel_keys(cells: pd.DataFrame) -> list[str]:
    """The columns that split the map's cells into panels: ``activation``, ``sigma_b2`` and
    whichever of :data:`PANEL_STRATA` the cells have.

    Parameters
    ----------
    cells : pandas.DataFrame
        :func:`trainability_cells`.

    Returns
    -------
    list of str
    """
    return ["activation", "sigma_b2", *[key for key in PANEL_STRATA if key in cells]]


#: Significant digits kept of sigma_w^2 and sigma_b^2 (their floats carry rounding of sqrt).
DIGITS = 10


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.{DIGITS}g}")


def trainability_cells(runs: pd.DataFrame, level: float) -> pd.DataFrame:
    """The share of runs that trained in each cell of the map, with its Wilson interval.

    Parameters
    ----------
    runs : pandas.DataFrame
        The reference runs of a grid with the ``depth`` and ``width`` axes and a
        ``status`` column; ``activation`` and ``bias_std`` where the grid has them
        (else relu and 0).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per cell: its keys, ``depth``, ``sigma_w2``, ``sigma_b2``,
        ``n_runs``, ``n_trained``, ``share_trained``, ``share_low``, ``share_high``.
    """
    frame = runs.copy()
    if "activation" not in frame:
        frame["activation"] = "relu"
    if "bias_std" not in frame:
        frame["bias_std"] = 0.0
    keys = [key for key in COLUMN_KEYS if key in frame] + ["depth"]
    rows = []
    for values, cell in frame.groupby(keys, sort=True):
        row = dict(zip(keys, values, strict=True))
        trained = int((cell["status"] == TRAINED_STATUS).sum())
        n = len(cell)
        low, high = wilson_interval(trained, n, level)
        rows.append(
            row
            | {
                "sigma_w2": _round(weight_variance(row["init"], row["scale"], int(row["width"]))),
                "sigma_b2": _round(float(row["bias_std"]) ** 2),
                "n_runs": n,
                "n_trained": trained,
                "share_trained": trained / n,
                "share_low": low,
                "share_high": high,
            }
        )
    return pd.DataFrame(rows)


def boundary_table(cells: pd.DataFrame) -> pd.DataFrame:
    """The measured boundary of each column of the map beside theory's ``6 xi_c``.

    Parameters
    ----------
    cells : pandas.DataFrame
        As :func:`trainability_cells` returns.

    Returns
    -------
    pandas.DataFrame
        One row per column (its keys, ``sigma_w2``, ``sigma_b2``): the ``phase``,
        ``chi_1``, ``xi_c`` and ``six_xi_c`` of mean-field theory, the depths
        measured, ``deepest_trainable`` and ``shallowest_untrainable`` (NaN where
        none), and ``agreement`` (:func:`agreement`).
    """
    keys = [key for key in COLUMN_KEYS if key in cells]
    rows = []
    for values, column in cells.groupby(keys, sort=True):
        row = dict(zip(keys, values, strict=True))
        first = column.iloc[0]
        sigma_w2, sigma_b2 = float(first["sigma_w2"]), float(first["sigma_b2"])
        theory = mean_field(sigma_w2, sigma_b2, row["activation"])
        xi_c = float(theory.xi_c)
        column = column.sort_values("depth")
        above = column.loc[column["share_low"] > 0.5, "depth"]
        below = column.loc[column["share_high"] < 0.5, "depth"]
        deepest = float(above.max()) if len(above) else math.nan
        shallowest = float(below.min()) if len(below) else math.nan
        rows.append(
            row
            | {
                "sigma_w2": sigma_w2,
                "sigma_b2": sigma_b2,
                "phase": theory.phase,
                "chi_1": float(theory.chi_1),
                "xi_c": xi_c,
                "six_xi_c": TRAINABLE_DEPTH_FACTOR * xi_c,
                "depths": ";".join(str(int(d)) for d in column["depth"]),
                "deepest_trainable": deepest,
                "shallowest_untrainable": shallowest,
                "agreement": agreement(TRAINABLE_DEPTH_FACTOR * xi_c, deepest, shallowest),
            }
        )
    return pd.DataFrame(rows)


def agreement(six_xi_c: float, deepest: float, shallowest: float) -> str:
    """Where theory's ``6 xi_c`` lies against a column's measured bracket.

    ``agrees`` only where the measurement brackets the boundary on both sides
    (a depth that trains and a deeper one that fails) and ``6 xi_c`` lies
    between them; ``consistent`` where it has one side only and ``6 xi_c`` lies
    on it (beyond a depth that trains, or short of one that fails): a bound
    that theory meets, not a boundary it drew.

    Parameters
    ----------
    six_xi_c : float
        May be ``inf`` (at the critical line).
    deepest, shallowest : float
        ``deepest_trainable`` and ``shallowest_untrainable``; NaN where none.

    Returns
    -------
    {"agrees", "consistent", "theory_deeper", "theory_shallower", "undecided", "no_prediction"}
    """
    if np.isnan(six_xi_c):
        return "no_prediction"
    if np.isnan(deepest) and np.isnan(shallowest):
        return "undecided"
    if not np.isnan(shallowest) and six_xi_c >= shallowest:
        return "theory_deeper"
    if not np.isnan(deepest) and six_xi_c < deepest:
        return "theory_shallower"
    return "consistent" if np.isnan(deepest) or np.isnan(shallowest) else "agrees"


#: Points of the fine sigma_w^2 grid on which theory is tabled and 6 xi_c drawn.
CURVE_POINTS = 121


def theory_curve(cells: pd.DataFrame) -> pd.DataFrame:
    """Mean-field theory on a fine ``sigma_w^2`` grid over the map's range, per activation and
    ``sigma_b^2``: every quantity of :func:`initstudy.theory.mean_field.theory_table`, with
    ``6 xi_c`` and the critical ``sigma_w^2``.

    The grid holds every ``sigma_w^2`` of the map and the critical one, so that each
    measured column's theory is a row of it.

    Parameters
    ----------
    cells : pandas.DataFrame
        :func:`trainability_cells`.

    Returns
    -------
    pandas.DataFrame
        :data:`initstudy.theory.mean_field.THEORY_COLUMNS`, ``six_xi_c``,
        ``critical_sigma_w2``.
    """
    low, high = float(cells["sigma_w2"].min()), float(cells["sigma_w2"].max())
    measured = cells["sigma_w2"].unique()
    tables = []
    for (activation, sigma_b2), _ in cells.groupby(["activation", "sigma_b2"], sort=True):
        critical = float(critical_sigma_w2(float(sigma_b2), activation))
        grid = np.union1d(np.linspace(low, high, CURVE_POINTS), measured)
        if low < critical < high:
            grid = np.union1d(grid, [critical])
        table = theory_table(grid, [float(sigma_b2)], activation)
        table["six_xi_c"] = TRAINABLE_DEPTH_FACTOR * table["xi_c"]
        table["critical_sigma_w2"] = critical
        tables.append(table)
    return pd.concat(tables, ignore_index=True)
