"""Reading and writing the study's CSV tables: atomic, deterministic, checked.

Floats are written with Python's shortest round-trip representation, so a
table's bytes depend only on its values. A missing value (NaN: a statistic of
no finite run, the accuracy of a diverged network) is an empty field; the
report prints it as an em dash. Reading checks the file is whole and has its
columns, so that a damaged intermediate file stops the run with a message that
names the file and how to rebuild it instead of giving a wrong table.
"""

from __future__ import annotations

import csv
import io
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
    "validation_accuracy",
    "test_accuracy",
    "diverged_at",
    "distinct_units",
    "hidden_widths",
)
#: Columns of ``RUN_COLUMNS`` that hold numbers (possibly missing).
RUN_NUMBERS = RUN_COLUMNS[1:9]
#: The learning curves (``costs.csv``): training cost and the accuracy of each split.
COST_COLUMNS = (
    "init",
    "scale",
    "seed",
    "iteration",
    "cost",
    "train_accuracy",
    "validation_accuracy",
    "test_accuracy",
)
COST_NUMBERS = COST_COLUMNS[1:]


class CorruptTableError(RuntimeError):
    """A stored table cannot be read or lacks columns it must have."""


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as CSV (no index, ``\\n`` line ends, NaN as an empty field) atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str or Path
    """
    with atomic_path(path, suffix=".csv") as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")


def read_table(
    path: str | Path,
    columns: tuple[str, ...],
    rebuild: str,
    *,
    numeric: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Read a CSV table written by :func:`write_table` and check that it is whole.

    The file must end with a line break (a truncated file rarely does), every
    line must have as many fields as the header, the table must have
    ``columns``, at least one row, and numbers in the ``numeric`` columns.

    Parameters
    ----------
    path : str or Path
    columns : tuple of str
        Columns the table must have.
    rebuild : str
        How to rebuild the file, quoted in the error message.
    numeric : tuple of str, optional
        Columns that must hold only numbers or empty fields.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    CorruptTableError
        If the file cannot be read, is truncated or ragged, lacks a column or
        rows, or holds text in a numeric column; the message names the file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CorruptTableError(
            _damaged(path, f"{type(error).__name__}: {error}", rebuild)
        ) from None
    if not text.endswith("\n"):
        raise CorruptTableError(_damaged(path, "no line break at the end: truncated", rebuild))
    widths = {len(row) for row in csv.reader(io.StringIO(text))}
    if len(widths) > 1:
        raise CorruptTableError(
            _damaged(path, "its lines have different numbers of fields", rebuild)
        )
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (ValueError, pd.errors.ParserError) as error:
        raise CorruptTableError(
            _damaged(path, f"{type(error).__name__}: {error}", rebuild)
        ) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CorruptTableError(_damaged(path, f"missing column(s) {', '.join(missing)}", rebuild))
    if frame.empty:
        raise CorruptTableError(_damaged(path, "no rows", rebuild))
    text_columns = [c for c in numeric if not pd.api.types.is_numeric_dtype(frame[c])]
    if text_columns:
        raise CorruptTableError(
            _damaged(path, f"text in numeric column(s) {', '.join(text_columns)}", rebuild)
        )
    return frame


def _damaged(path: Path, detail: str, rebuild: str) -> str:
    return f"table '{path}' is damaged ({detail}); delete it and rebuild it: {rebuild}"
