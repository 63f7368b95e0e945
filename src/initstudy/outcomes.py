"""Classify each trained network by how it ended: learned, diverged, symmetric or at chance."""

from __future__ import annotations

import numpy as np
import pandas as pd

STATUSES = ("ok", "diverged", "symmetric", "chance")


def majority_rate(labels) -> float:
    """Share of the most frequent class, the accuracy of always predicting it.

    Parameters
    ----------
    labels : array_like
        Class labels of any shape (the course stores them as ``(1, m)``); flattened.

    Returns
    -------
    float
        Count of the most frequent label divided by the number of labels.

    Raises
    ------
    ValueError
        If ``labels`` is empty.
    """
    flat = np.asarray(labels).ravel()
    if flat.size == 0:
        raise ValueError("majority_rate needs at least one label")
    _, counts = np.unique(flat, return_counts=True)
    return float(counts.max() / flat.size)


def _parse_counts(text) -> tuple[int, ...] | None:
    """Parse ``"10;5"`` into ``(10, 5)``; ``None`` for a missing (NaN or empty) entry."""
    if not isinstance(text, str):
        if text is None or pd.isna(text):
            return None
        text = str(text)
    text = text.strip()
    if not text:
        return None
    return tuple(int(part) for part in text.split(";"))


def is_symmetric(distinct_units, hidden_widths) -> bool:
    """Whether some hidden layer has fewer distinct units than its width.

    Parameters
    ----------
    distinct_units : str
        Distinct hidden units per hidden layer joined by ``";"``, e.g. ``"1;1"``.
    hidden_widths : str
        Widths of the hidden layers joined by ``";"``, e.g. ``"10;5"``.

    Returns
    -------
    bool
        ``True`` if any layer has collapsed; ``False`` if all layers are full or
        either entry is missing (NaN or empty), since then nothing was measured.

    Raises
    ------
    ValueError
        If the two entries list different numbers of layers or are not integers.
    """
    distinct = _parse_counts(distinct_units)
    widths = _parse_counts(hidden_widths)
    if distinct is None or widths is None:
        return False
    if len(distinct) != len(widths):
        raise ValueError(
            f"distinct_units {distinct_units!r} and hidden_widths {hidden_widths!r} "
            "list different numbers of layers"
        )
    return any(d < w for d, w in zip(distinct, widths, strict=True))


def classify(runs: pd.DataFrame, majority_rate: float, chance_tolerance: float) -> pd.Series:
    """Status of each run, with precedence diverged > symmetric > chance > ok.

    - ``diverged``: ``diverged_at >= 0`` or ``final_cost`` is not finite;
    - ``symmetric``: some hidden layer has fewer distinct units than its width
      (see :func:`is_symmetric`);
    - ``chance``: ``|test_accuracy - majority_rate| <= chance_tolerance``;
    - ``ok``: otherwise (including a non-diverged run with NaN test accuracy).

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with columns ``diverged_at``, ``final_cost``,
        ``distinct_units``, ``hidden_widths`` and ``test_accuracy``.
    majority_rate : float
        Test accuracy of always predicting the majority class.
    chance_tolerance : float
        Largest distance from ``majority_rate`` still counted as chance.

    Returns
    -------
    pandas.Series
        Strings from :data:`STATUSES`, named ``"status"``, on the index of ``runs``.
    """
    final_cost = runs["final_cost"].to_numpy(dtype=float)
    diverged = (runs["diverged_at"].to_numpy() >= 0) | ~np.isfinite(final_cost)
    units, widths = runs["distinct_units"], runs["hidden_widths"]
    symmetric = np.array(
        [is_symmetric(d, w) for d, w in zip(units, widths, strict=True)],
        dtype=bool,
    )
    test_accuracy = runs["test_accuracy"].to_numpy(dtype=float)
    chance = np.abs(test_accuracy - majority_rate) <= chance_tolerance  # NaN compares False
    status = np.select([diverged, symmetric, chance], ["diverged", "symmetric", "chance"], "ok")
    return pd.Series(status.astype(object), index=runs.index, name="status")
