"""Reading and writing the study's CSV tables: atomic, deterministic, checked.

Floats are written with Python's shortest round-trip representation, so a
table's bytes depend only on its values; reading checks the columns so that a
damaged intermediate file stops the run with a message that names the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from initstudy.atomic import atomic_path

RUN_COLUMNS = (
    "init",
    "scale",
    "seed",
    "initial_cost",
    "final_cost",
    "train_accuracy",
    "test_accuracy",
    "diverged_at",
    "distinct_units",
    "hidden_widths",
)
COST_COLUMNS = ("init", "scale", "seed", "iteration", "cost")


class CorruptTableError(RuntimeError):
    """A stored table cannot be read or lacks columns it must have."""


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as CSV (no index, ``\\n`` line ends) atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str or Path
    """
    with atomic_path(path, suffix=".csv") as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")


def read_table(path: str | Path, columns: tuple[str, ...], rebuild: str) -> pd.DataFrame:
    """Read a CSV table and check that it has ``columns`` and at least one row.

    Parameters
    ----------
    path : str or Path
    columns : tuple of str
        Columns the table must have.
    rebuild : str
        How to rebuild the file, quoted in the error message.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    CorruptTableError
        If the file cannot be parsed, is empty, or lacks a column.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, keep_default_na=True)
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise CorruptTableError(_damaged(path, f"{type(error).__name__}: {error}", rebuild)) from error
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CorruptTableError(_damaged(path, f"missing column(s) {', '.join(missing)}", rebuild))
    if frame.empty:
        raise CorruptTableError(_damaged(path, "no rows", rebuild))
    return frame


def _damaged(path: Path, detail: str, rebuild: str) -> str:
    return f"table '{path}' is damaged ({detail}); delete it and rebuild it: {rebuild}"
