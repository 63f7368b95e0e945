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
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from initstudy.tables.completeness import check_complete
from initstudy.tables.plausibility import check_plausible
from initstudy.util.atomic import atomic_path

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
    expected: pd.DataFrame | None = None,
    empty_reason: str | None = None,
) -> pd.DataFrame:
    """Read a CSV table written by :func:`write_table` and check that it is whole.

    The file must end with a line break (a truncated file rarely does), every
    line must have as many fields as the header, the table must have
    ``columns``, at least one row (unless ``empty_reason`` says why it may have
    none), and numbers in the ``numeric`` columns;
    every value must be plausible (:func:`initstudy.tables.plausibility.check_plausible`)
    and, given ``expected``, the rows exactly those the config asks for.

    Parameters
    ----------
    path : str or Path
    columns : tuple of str
        Columns the table must have.
    rebuild : str
        How to rebuild the file, quoted in the error message.
    numeric : tuple of str, optional
        Columns that must hold only numbers or empty fields.
    expected : pandas.DataFrame, optional
        The key columns of every row the table must hold
        (:func:`initstudy.tables.completeness.expected_rows`), checked by
        :func:`initstudy.tables.completeness.check_complete`.
    empty_reason : str, optional
        Why this table may legitimately hold no rows (its header alone), e.g.
        :func:`initstudy.tables.plausibility.empty_reason`; None (the default): a table
        without rows is damaged. A file without a header is damaged either way.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    CorruptTableError
        If the file cannot be read, is truncated or ragged, lacks a column or
        rows, or holds text in a numeric column; the message names the file.
    ImplausibleTableError
        If a value is out of its column's range or empty where it may not be, or a row
        is missing, repeated or not asked for; the message names file, line and rule.
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
        # round_trip: pandas' default parser can read a float one unit in the last place off
        # (0.22360679774997896 as 0.2236067977499789), and the tables' keys must read back exact.
        frame = pd.read_csv(io.StringIO(text), float_precision="round_trip")
    except (ValueError, pd.errors.ParserError) as error:
        raise CorruptTableError(
            _damaged(path, f"{type(error).__name__}: {error}", rebuild)
        ) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CorruptTableError(_damaged(path, f"missing column(s) {', '.join(missing)}", rebuild))
    if frame.empty and empty_reason is None:
        raise CorruptTableError(_damaged(path, "no rows", rebuild))
    text_columns = [c for c in numeric if not pd.api.types.is_numeric_dtype(frame[c])]
    if text_columns:
        raise CorruptTableError(
            _damaged(path, f"text in numeric column(s) {', '.join(text_columns)}", rebuild)
        )
    check_plausible(frame, path, rebuild)
    if expected is not None:
        check_complete(frame, expected, path, rebuild)
    return frame


def read_parameters(path: str | Path, rebuild: str):
    """Read a cell's trained parameters (``seeds``, ``W1..WL``, ``b1..bL`` stacked over seeds).

    The archive must open, hold ``seeds`` and each layer's weights and biases (no layer
    missing), and its arrays must fit :func:`initstudy.model.cell.save_parameters`'s layout: one
    integer seed per network, ``Wl`` of shape ``(networks, units, inputs)`` whose inputs are
    the units of the layer before, ``bl`` of shape ``(networks, units, 1)``.

    Parameters
    ----------
    path : str or Path
    rebuild : str
        How to rebuild the file, quoted in the error message.

    Returns
    -------
    seeds : ndarray
    weights, biases : list of ndarray

    Raises
    ------
    CorruptTableError
        If the file cannot be read (truncated, not an archive), lacks an array or holds one
        of the wrong shape; the message names the file (and the array).
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as stored:
            layers = [int(key[1:]) for key in stored.files if re.fullmatch(r"[Wb][1-9]\d*", key)]
            n_layers = max(layers, default=0)
            seeds = stored["seeds"]
            weights = [stored[f"W{l}"] for l in range(1, n_layers + 1)]
            biases = [stored[f"b{l}"] for l in range(1, n_layers + 1)]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise CorruptTableError(
            _damaged(path, f"{type(error).__name__}: {error}", rebuild)
        ) from None
    problem = _parameters_problem(seeds, weights, biases)
    if problem:
        raise CorruptTableError(_damaged(path, problem, rebuild))
    return seeds, weights, biases


def _parameters_problem(seeds, weights, biases) -> str | None:
    """What is wrong with the layout of stored parameters, or None."""
    if not weights:
        return "no weights W1..WL"
    if seeds.ndim != 1 or not np.issubdtype(seeds.dtype, np.integer) or not seeds.size:
        return f"seeds of shape {seeds.shape} and type {seeds.dtype}; expected (networks,) integers"
    n, inputs = len(seeds), "inputs"
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        if W.ndim != 3 or W.shape[0] != n or (l > 1 and W.shape[2] != inputs):
            return f"W{l} of shape {W.shape}; expected ({n}, units, {inputs}) for {n} seeds"
        if b.shape != (n, W.shape[1], 1):
            return f"b{l} of shape {b.shape}; expected {(n, W.shape[1], 1)} for W{l}"
        inputs = W.shape[1]
    return None


def _damaged(path: Path, detail: str, rebuild: str) -> str:
    return f"table '{path}' is damaged ({detail}); delete it and rebuild it: {rebuild}"
