"""Gather the cells' tables into the study's tidy tables, checking each file is whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from initstudy.tables import COST_COLUMNS, RUN_COLUMNS, CorruptTableError, read_table


def collect_cells(
    runs_paths: list[str],
    costs_paths: list[str],
    seeds: list[int],
    logged: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate per-cell tables in the given (config) order.

    Every cell file must hold exactly one row per seed, and every cost file one
    row per seed and logged iteration: a truncated or edited file is refused
    rather than silently giving a shorter table.

    Parameters
    ----------
    runs_paths, costs_paths : list of str
        Per-cell ``runs.csv`` and ``costs.csv``, in the same order.
    seeds : list of int
        Seeds every cell must contain, in order.
    logged : ndarray
        Logged iterations every cost curve must contain.

    Returns
    -------
    runs, costs : pandas.DataFrame

    Raises
    ------
    CorruptTableError
        Naming the damaged file and how to rebuild it.
    """
    runs, costs = [], []
    for runs_path, costs_path in zip(runs_paths, costs_paths):
        rebuild = f"`snakemake --cores 1 {runs_path}` (its cell's train_cell job)"
        cell_runs = read_table(runs_path, RUN_COLUMNS, rebuild)
        if cell_runs["seed"].tolist() != list(seeds) or cell_runs[["init", "scale"]].isna().any(axis=None):
            raise CorruptTableError(
                f"table '{runs_path}' does not hold one row for each seed {list(seeds)}; "
                f"delete it and rebuild it: {rebuild}"
            )
        cell_costs = read_table(costs_path, COST_COLUMNS, rebuild)
        expected = pd.MultiIndex.from_product([seeds, logged], names=["seed", "iteration"])
        got = pd.MultiIndex.from_frame(cell_costs[["seed", "iteration"]])
        if not got.equals(expected):
            raise CorruptTableError(
                f"table '{costs_path}' does not hold the logged iterations of every seed; "
                f"delete it and rebuild it: {rebuild}"
            )
        runs.append(cell_runs)
        costs.append(cell_costs)
    return pd.concat(runs, ignore_index=True), pd.concat(costs, ignore_index=True)
