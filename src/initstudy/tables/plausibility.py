"""Plausibility of the study's tables: ranges, consistency and completeness, declared per column.

A table that is whole and has its columns (:func:`initstudy.tables.tables.read_table`
checks that) can still hold values no run of the study writes: a test accuracy
of 7.5, a final cost of ``inf``, a blank accuracy on a run that did not
diverge, a cell or seed that is missing. Every table read goes through
:func:`check_plausible`, and the readers of the study's tables also through
:func:`check_complete` with the rows the config asks for, so that no
statistic, figure or report is computed from such a table.

Each column's rule is one line of :data:`COLUMN_RULES` (an exact name or an
``fnmatch`` pattern; the first match wins): its kind, its range and when it may
be empty. A column no pattern matches is not checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fnmatch import fnmatchcase

import numpy as np
import pandas as pd

from initstudy.analysis.outcomes import STATUSES
from initstudy.grid.axes import AXES, REFERENCE_RUN
from initstudy.grid.grid import further_axes

#: When a column may be empty: never; exactly on the rows of diverged runs; only on those
#: rows (they may also hold a value); or anywhere.
EMPTY_RULES = ("never", "diverged", "if-diverged", "any")


@dataclass(frozen=True)
class Rule:
    """What a column may hold.

    Attributes
    ----------
    kind : {"number", "integer", "text"}
    low, high : float
        Closed range of a number column (``-inf``/``inf`` when unbounded); every
        value must be finite.
    empty : str
        One of :data:`EMPTY_RULES`.
    texts : tuple of str
        The texts a text column may hold (empty: any text).
    """

    kind: str = "number"
    low: float = -math.inf
    high: float = math.inf
    empty: str = "never"
    texts: tuple[str, ...] = ()

    def allowed(self) -> str:
        """What the rule allows, in words."""
        if self.kind == "text":
            return "one of " + ", ".join(self.texts) if self.texts else "a text"
        noun = "an integer" if self.kind == "integer" else "a finite number"
        if math.isfinite(self.low) and math.isfinite(self.high):
            noun += f" from {self.low:g} to {self.high:g}"
        elif math.isfinite(self.low):
            noun += f" >= {self.low:g}"
        return noun


FRACTION = Rule(low=0.0, high=1.0, empty="any")
COUNT = Rule("integer", low=0.0)
POSITIVE = Rule(low=math.ulp(0.0))

#: The rule of each kind of axis column (:attr:`initstudy.grid.axes.Axis.plausible`).
AXIS_RULES = {
    "text": Rule("text"),
    "positive": POSITIVE,
    "nonnegative": Rule(low=0.0),
    "count": COUNT,
}
#: Column (exact name or pattern) -> rule; the first match wins.
COLUMN_RULES: tuple[tuple[str, Rule], ...] = (
    ("*_note", Rule("text", empty="any")),
    *((name, AXIS_RULES[axis.plausible]) for name, axis in AXES.items()),
    ("status", Rule("text", texts=STATUSES)),
    ("seed", Rule("integer", low=0.0, high=2.0**32 - 1)),
    ("iteration", COUNT),
    ("budget", COUNT),
    ("diverged_at", Rule("integer", low=-1.0)),
    ("train_accuracy", Rule(low=0.0, high=1.0, empty="diverged")),
    ("validation_accuracy", Rule(low=0.0, high=1.0, empty="diverged")),
    ("test_accuracy", Rule(low=0.0, high=1.0, empty="diverged")),
    ("final_cost", Rule(low=0.0, empty="diverged")),
    ("initial_cost", Rule(low=0.0, empty="if-diverged")),
    ("cost", Rule(low=0.0, empty="any")),
    ("*_accuracy_*", FRACTION),
    ("final_cost_*", Rule(low=0.0, empty="any")),
    ("n_*", COUNT),
    ("success_*", FRACTION),
    ("mean_difference*", Rule(low=-1.0, high=1.0, empty="any")),
    ("rate_difference*", Rule(low=-1.0, high=1.0, empty="any")),
    ("*_p", FRACTION),
    ("*_p_holm", FRACTION),
    ("learned_share*", FRACTION),
    ("time_to_learn", Rule("integer", low=0.0, empty="any")),
    ("median_time_to_learn", Rule(low=0.0, empty="any")),
)

#: Pairs of columns whose values must not decrease from the first to the second.
ORDERED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("n_finite", "n_seeds"),
    ("n_success", "n_seeds"),
    ("n_learned", "n_runs"),
    ("success_ci_low", "success_rate"),
    ("success_rate", "success_ci_high"),
    *((f"{m}_ci_low", f"{m}_ci_high") for m in ("test_accuracy", "train_accuracy", "final_cost")),
)
#: Columns that name a row in messages and in completeness checks, in this order.
KEY_COLUMNS = (*AXES, "budget", "seed", "iteration")


def one_initializer(config: dict) -> str | None:
    """Why the grid compares nothing: it has one initializer, so the reference is the only
    cell chosen (the comparisons and speed ratios then hold no rows).

    Parameters
    ----------
    config : dict
        A config with a ``grid`` section.

    Returns
    -------
    str or None
        ``"one initializer (he): nothing to compare"``; None when the grid has several.
    """
    inits = list(config["grid"]["initializations"])
    return None if len(inits) > 1 else f"one initializer ({inits[0]}): nothing to compare"


def no_reruns(config: dict) -> str | None:
    """Why the grid reruns nothing: it has no ``rerun`` axis, or one with ``reference`` alone.

    Parameters
    ----------
    config : dict

    Returns
    -------
    str or None
        The reason; None when the grid reruns its cells.
    """
    reruns = [value for value in further_axes(config).get("rerun", []) if value != REFERENCE_RUN]
    return None if reruns else "no reruns (grid.axes.rerun lists none)"


#: The study's tables (``metrics/<name>.csv``) that may hold no rows, and when: name ->
#: a function of the config that gives the reason, or None where the table must hold rows.
#: Every other table must hold at least one row.
EMPTY_WHEN = {
    "comparisons": one_initializer,
    "speedups": one_initializer,
    "reruns": no_reruns,
    "robustness": no_reruns,
}


def empty_reason(config: dict, table: str) -> str | None:
    """Why ``metrics/<table>.csv`` may hold no rows under ``config``, or None if it may not.

    Parameters
    ----------
    config : dict
        A validated config.
    table : str
        The table's name (``comparisons``, ``runs``, ...).

    Returns
    -------
    str or None
        The reason (:data:`EMPTY_WHEN`), which the report says in plain words; None for a
        table that must hold rows, whose emptiness means it is damaged.
    """
    when = EMPTY_WHEN.get(table)
    return None if when is None else when(config)


class ImplausibleTableError(ValueError):
    """A stored table holds values, or lacks or repeats rows, that no run writes."""


def rule_for(column: str) -> Rule | None:
    """The rule of ``column`` in :data:`COLUMN_RULES`, or None if it has none.

    Parameters
    ----------
    column : str

    Returns
    -------
    Rule or None
    """
    for pattern, rule in COLUMN_RULES:
        if fnmatchcase(column, pattern):
            return rule
    return None


def check_plausible(frame: pd.DataFrame, path, rebuild: str) -> None:
    """Check every column with a rule (range, kind, empty fields) and the ordered pairs.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (empty fields are NaN).
    path : str or Path
        The file, for the message.
    rebuild : str
        How to rebuild the file (the rule that writes it), for the message.

    Raises
    ------
    ImplausibleTableError
        Naming the file, the line and row, the column, its value, what is allowed and how
        to rebuild the file.
    """
    diverged = diverged_rows(frame)
    for column in frame.columns:
        rule = rule_for(str(column))
        if rule is not None:
            bad, detail = _violations(frame[column], rule, diverged)
            if bad.any():
                refuse_row(frame, path, rebuild, int(np.argmax(bad)), f"{column} {detail}")
    for low, high in ORDERED_COLUMNS:
        if low in frame.columns and high in frame.columns:
            bad = (frame[low] > frame[high]).to_numpy()
            if bad.any():
                refuse_row(frame, path, rebuild, int(np.argmax(bad)), f"{low} above {high}")


def diverged_rows(frame: pd.DataFrame) -> np.ndarray:
    """Which rows are of diverged runs (or diverged log points of a curve).

    From the ``status`` column where there is one, else ``diverged_at >= 0``, else
    an empty ``cost`` (a learning curve after its divergence).

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    ndarray of bool
    """
    if "status" in frame.columns:
        return (frame["status"] == "diverged").to_numpy()
    if "diverged_at" in frame.columns:
        return (pd.to_numeric(frame["diverged_at"], errors="coerce") >= 0).to_numpy()
    if "cost" in frame.columns:
        return frame["cost"].isna().to_numpy()
    return np.zeros(len(frame), dtype=bool)


def _violations(values: pd.Series, rule: Rule, diverged: np.ndarray) -> tuple[np.ndarray, str]:
    empty = values.isna().to_numpy()
    if rule.empty == "never" and empty.any():
        return empty, f"is empty; allowed: {rule.allowed()}"
    if rule.empty in ("diverged", "if-diverged") and (empty & ~diverged).any():
        return empty & ~diverged, "is empty, but the run did not diverge"
    if rule.empty == "diverged" and (diverged & ~empty).any():
        bad = diverged & ~empty
        return (
            bad,
            f"is {_show(values.iloc[int(np.argmax(bad))])}, but the run diverged (allowed: empty)",
        )
    bad = np.zeros(len(values), dtype=bool)
    bad[np.flatnonzero(~empty)] = _wrong_values(values[~empty], rule)
    if not bad.any():
        return bad, ""
    return bad, f"is {_show(values.iloc[int(np.argmax(bad))])}; allowed: {rule.allowed()}"


def _wrong_values(present: pd.Series, rule: Rule) -> np.ndarray:
    if rule.kind == "text":
        texts = present.astype(str)
        wrong = (texts.str.len() == 0).to_numpy()
        return wrong | ~texts.isin(rule.texts).to_numpy() if rule.texts else wrong
    numbers = pd.to_numeric(present, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        wrong = ~np.isfinite(numbers) | (numbers < rule.low) | (numbers > rule.high)
        if rule.kind == "integer":
            wrong |= numbers != np.round(numbers)
    return wrong


def _show(value) -> str:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return repr(float(value))
    return repr(str(value))


def refuse_row(frame: pd.DataFrame, path, rebuild: str, index: int, detail: str) -> None:
    """Raise :class:`ImplausibleTableError` naming the file, row ``index`` and ``detail``."""
    # Line 1 is the header, so the frame's row i is on line i + 2.
    raise ImplausibleTableError(
        f"table '{path}' is implausible (line {index + 2}, {row_name(frame.iloc[index])}: "
        f"{detail}); delete it and rebuild it: {rebuild}"
    )


def row_name(row: pd.Series) -> str:
    """The key columns of a row, as ``init he, scale 1.0, seed 3``.

    Parameters
    ----------
    row : pandas.Series

    Returns
    -------
    str
    """
    parts = [f"{key} {row[key]}" for key in KEY_COLUMNS if key in row.index]
    return ", ".join(parts) or "a row"
