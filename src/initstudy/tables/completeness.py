"""Whether a table holds exactly the rows the config asks for: each once, none missing.

:func:`study_rows` gives the key columns of every row of the study's tables from the
config, :func:`expected_rows` those of any list of cells, and :func:`check_complete`
refuses a table with a missing, repeated or unexpected row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from initstudy.grid.grid import reference_cells
from initstudy.tables.plausibility import KEY_COLUMNS, ImplausibleTableError, refuse_row


def expected_rows(cells: list[dict], seeds=None, iterations=None) -> pd.DataFrame:
    """The key columns of the rows a table of the study must hold, in order.

    One row per cell, or per cell and seed, or per cell, seed and logged iteration.

    Parameters
    ----------
    cells : list of dict
        The grid's cells (:func:`initstudy.grid.grid.grid_cells`) or any mapping of key
        columns to values per row.
    seeds : list of int, optional
    iterations : array_like of int, optional

    Returns
    -------
    pandas.DataFrame
    """
    rows = [dict(cell) for cell in cells]
    if seeds is not None:
        rows = [{**row, "seed": int(seed)} for row in rows for seed in seeds]
    if iterations is not None:
        rows = [{**row, "iteration": int(step)} for row in rows for step in iterations]
    return pd.DataFrame(rows)


def check_complete(frame: pd.DataFrame, expected: pd.DataFrame, path, rebuild: str) -> None:
    """Check that ``frame`` holds exactly the rows ``expected`` names, each once.

    Rows are matched on the columns of ``expected`` (numbers compared as floats). A
    key column of the table that ``expected`` lacks (e.g. ``budget``) multiplies the
    expected rows by the values the table holds in it: every row at every budget.

    Parameters
    ----------
    frame : pandas.DataFrame
    expected : pandas.DataFrame
        The key columns of every row the table must hold (:func:`expected_rows`).
    path : str or Path
    rebuild : str

    Raises
    ------
    ImplausibleTableError
        Naming the file, the first missing, repeated or unexpected row and how to rebuild it.
    """
    for column in KEY_COLUMNS:
        if column in frame.columns and column not in expected.columns:
            values = pd.DataFrame({column: frame[column].drop_duplicates()})
            expected = expected.merge(values, how="cross")
    columns = list(expected.columns)
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ImplausibleTableError(
            f"table '{path}' is incomplete (no column(s) {', '.join(missing)}); "
            f"delete it and rebuild it: {rebuild}"
        )
    got = [_key(row) for row in frame[columns].itertuples(index=False)]
    wanted = {_key(row) for row in expected.itertuples(index=False)}
    seen = set()
    for index, key in enumerate(got):
        if key in seen or key not in wanted:
            what = (
                "repeats an earlier row" if key in seen else "is a row the config does not ask for"
            )
            refuse_row(frame, path, rebuild, index, what)
        seen.add(key)
    for row in expected.itertuples(index=False):
        if _key(row) not in seen:
            name = ", ".join(f"{c} {v}" for c, v in zip(columns, row))
            raise ImplausibleTableError(
                f"table '{path}' is incomplete (no row for {name}: {len(seen)} of "
                f"{len(wanted)} rows); delete it and rebuild it: {rebuild}"
            )


def _key(row) -> tuple:
    return tuple(
        float(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else str(v)
        for v in row
    )


def study_rows(config: dict, table: str) -> pd.DataFrame:
    """The key columns of every row of one of the study's tables, from the config (the
    reference runs: a rerun axis's other values are in ``reruns.csv``).

    Parameters
    ----------
    config : dict
        A validated config (defaults filled in).
    table : {"runs", "costs", "summary"}
        ``metrics/<table>.csv``: a row per cell and seed, per cell, seed and logged
        iteration, or per cell.

    Returns
    -------
    pandas.DataFrame
    """
    cells = reference_cells(config)
    seeds = config["grid"]["seeds"]
    if table == "summary":
        return expected_rows(cells)
    if table == "runs":
        return expected_rows(cells, seeds)
    if table == "costs":
        model = config["model"]
        logged = [*range(0, model["iterations"], model["log_every"]), model["iterations"]]
        return expected_rows(cells, seeds, logged)
    raise ValueError(f"no expected rows for table {table!r}")
