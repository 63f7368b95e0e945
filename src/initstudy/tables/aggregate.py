"""Gather the cells' tables into the study's tidy tables, checking each file is whole."""

from __future__ import annotations

import numpy as np
import pandas as pd

from initstudy.tables.completeness import expected_rows
from initstudy.tables.tables import (
    COST_COLUMNS,
    COST_NUMBERS,
    RUN_COLUMNS,
    RUN_NUMBERS,
    CorruptTableError,
    read_table,
)

REBUILD_CELL = "rerun the study's snakemake command (rule train_cell retrains this cell)"


def collect_cells(
    runs_paths: list[str],
    costs_paths: list[str],
    seeds: list[int],
    logged: np.ndarray,
    axes: tuple[str, ...] = ("init", "scale"),
    cells: list[dict] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate per-cell tables in the given (config) order.

    Every cell file must hold one cell, exactly one row per seed, and every
    cost file one row per seed and logged iteration of that same cell: a
    truncated or edited file is refused rather than silently giving a shorter
    or wrong table. Given the config's ``cells``, file ``i`` must hold exactly
    ``cells[i]`` with every seed (and every logged iteration), and every value
    must be plausible (:mod:`initstudy.tables.plausibility`).

    Parameters
    ----------
    runs_paths, costs_paths : list of str
        Per-cell ``runs.csv`` and ``costs.csv``, in the same order.
    seeds : list of int
        Seeds every cell must contain, in order.
    logged : ndarray
        Logged iterations every cost curve must contain.
    axes : tuple of str
        The grid's axes: the columns that name a cell.
    cells : list of dict, optional
        The cell each pair of files must hold, in the same order (the config's
        :func:`initstudy.grid.grid.grid_cells`).

    Returns
    -------
    runs, costs : pandas.DataFrame

    Raises
    ------
    CorruptTableError
        Naming the damaged file and how to rebuild it.
    ImplausibleTableError
        Naming the file, the line and the implausible value, missing or foreign row.
    """
    runs, costs, seen = [], [], {}
    expected = pd.MultiIndex.from_product([list(seeds), logged], names=["seed", "iteration"])
    for index, (runs_path, costs_path) in enumerate(zip(runs_paths, costs_paths, strict=True)):
        rows = {}
        if cells is not None:
            rows = {"runs": expected_rows([cells[index]], seeds)}
            rows["costs"] = expected_rows([cells[index]], seeds, logged)
        cell_runs = read_table(
            runs_path, RUN_COLUMNS, REBUILD_CELL, numeric=RUN_NUMBERS, expected=rows.get("runs")
        )
        cell = _one_cell(cell_runs, runs_path, axes)
        if cell_runs["seed"].tolist() != list(seeds):
            _refuse(runs_path, f"it does not hold one row for each seed {list(seeds)}")
        if cell in seen:
            _refuse(runs_path, f"it holds the cell of '{seen[cell]}'")
        seen[cell] = runs_path
        cell_costs = read_table(
            costs_path, COST_COLUMNS, REBUILD_CELL, numeric=COST_NUMBERS, expected=rows.get("costs")
        )
        if _one_cell(cell_costs, costs_path, axes) != cell:
            _refuse(costs_path, f"it does not hold the cell of '{runs_path}'")
        got = pd.MultiIndex.from_frame(cell_costs[["seed", "iteration"]])
        if not got.equals(expected):
            _refuse(costs_path, "it does not hold the logged iterations of every seed")
        runs.append(cell_runs)
        costs.append(cell_costs)
    return pd.concat(runs, ignore_index=True), pd.concat(costs, ignore_index=True)


def _one_cell(frame: pd.DataFrame, path: str, axes: tuple[str, ...]) -> tuple:
    missing = [axis for axis in axes if axis not in frame.columns]
    if missing:
        _refuse(path, f"it lacks the axis column(s) {', '.join(missing)}")
    keys = frame[list(axes)].drop_duplicates()
    if len(keys) != 1 or keys.isna().any(axis=None):
        _refuse(path, f"it does not hold exactly one ({', '.join(axes)}) cell")
    return tuple(keys.iloc[0])


def _refuse(path: str, detail: str) -> None:
    raise CorruptTableError(
        f"table '{path}' is damaged ({detail}); delete it and rebuild it: {REBUILD_CELL}"
    )
