"""Each initializer at its best scale against a reference cell, seed by seed.

This is the study's first comparison: the best scale is chosen on the *test*
accuracy it then reports. The honest route of issue 11 chooses on validation
(:func:`initstudy.selection.select_on_validation`) and compares the chosen cells
with :func:`initstudy.comparisons.compare_cells`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.stats import bootstrap_mean_ci, check_run_keys, derive_seed

PAIRED_COLUMNS = (
    "init",
    "best_scale",
    "n_pairs",
    "p_beats",
    "p_beats_ci_low",
    "p_beats_ci_high",
    "p_beats_ci_note",
    "mean_difference",
)


def best_scale(runs: pd.DataFrame, init: str) -> float:
    """Scale of ``init`` with the highest mean test accuracy over finite runs.

    Ties go to the smaller scale; a scale without finite runs ranks below all
    others, so an initializer with no finite run at all gets its smallest scale.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table.
    init : str
        Initializer name; must occur in ``runs``.

    Returns
    -------
    float
    """
    rows = runs[runs["init"] == init]
    if rows.empty:
        raise ValueError(f"no runs for init {init!r}")
    best, best_mean = None, -math.inf
    for scale, accuracy in rows.groupby("scale", sort=True)["test_accuracy"]:
        x = accuracy.to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        mean = float(np.mean(x)) if x.size else -math.inf
        if best is None or mean > best_mean:
            best, best_mean = float(scale), mean
    return best


def _pair_scores(candidate: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """1 for a win of the candidate, 0.5 for a tie, 0 for a loss; NaN loses, NaN vs NaN ties."""
    finite_c, finite_r = np.isfinite(candidate), np.isfinite(reference)
    both = np.where(candidate > reference, 1.0, np.where(candidate == reference, 0.5, 0.0))
    one = np.where(finite_c, 1.0, np.where(finite_r, 0.0, 0.5))
    return np.where(finite_c & finite_r, both, one)


def paired_comparison(
    runs: pd.DataFrame,
    reference: tuple[str, float],
    n_resamples: int,
    seed: int,
    level: float = 0.95,
    axes: tuple[str, ...] = ("init", "scale"),
) -> pd.DataFrame:
    """Compare each other initializer at its best scale with a reference cell, seed by seed.

    With further axes (e.g. ``learning_rate``) the comparison is made within each
    of their combinations, whose values lead each row.

    Runs are paired by ``seed`` (inner join). ``p_beats`` is the probability of
    superiority: the mean over pairs of 1 when the candidate's test accuracy is
    strictly greater than the reference's, 0.5 when equal, 0 when lower; a NaN
    accuracy loses to any finite one and two NaNs tie. Its interval is the
    BCa bootstrap over pairs (:func:`~initstudy.stats.bootstrap_mean_ci` of
    those scores, seeded by ``derive_seed(seed, "paired", init, best_scale,
    *reference, *further axis values)``); ``p_beats_ci_note`` says why there is
    none (e.g. all scores equal).
    ``mean_difference`` is the mean of candidate minus reference test accuracy
    over pairs where both are finite.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table; at most one row per (init, scale, seed).
    reference : tuple of (str, float)
        The reference cell ``(init, scale)``; the scale is matched exactly.
    n_resamples : int
        Bootstrap resamples per interval.
    seed : int
        Non-negative base seed of the bootstrap.
    level : float
        Confidence level of the intervals.
    axes : tuple of str
        The grid's axes, ``init`` and ``scale`` first.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PAIRED_COLUMNS`, initializers in order of first appearance;
        empty (with those columns) if the reference cell has no runs. Statistics
        are NaN for an initializer sharing no seed with the reference.
    """
    check_run_keys(runs, axes)
    extra = [axis for axis in axes if axis not in ("init", "scale")]
    if not extra:
        return _paired_rows(runs, reference, n_resamples, seed, level, ())
    parts = [
        _paired_rows(rows, reference, n_resamples, seed, level, tuple(zip(extra, key)))
        for key, rows in runs.groupby(extra, sort=False)
    ]
    return pd.concat(parts, ignore_index=True)


def _paired_rows(runs, reference, n_resamples, seed, level, level_values) -> pd.DataFrame:
    """:func:`paired_comparison` within one combination ``level_values`` of the further axes."""
    columns = [axis for axis, _ in level_values] + list(PAIRED_COLUMNS)
    key = [value for _, value in level_values]
    ref_init, ref_scale = reference
    in_reference = (runs["init"] == ref_init) & (runs["scale"] == ref_scale)
    if not in_reference.any():
        return pd.DataFrame(columns=columns)
    ref_runs = runs.loc[in_reference, ["seed", "test_accuracy"]]
    rows = []
    for init in runs["init"].unique():
        if init == ref_init:
            continue
        scale = best_scale(runs, init)
        in_cell = (runs["init"] == init) & (runs["scale"] == scale)
        cell = runs.loc[in_cell, ["seed", "test_accuracy"]]
        pairs = cell.merge(ref_runs, on="seed", suffixes=("", "_ref")).sort_values("seed")
        candidate = pairs["test_accuracy"].to_numpy(dtype=float)
        ref_accuracy = pairs["test_accuracy_ref"].to_numpy(dtype=float)
        scores = _pair_scores(candidate, ref_accuracy)
        pair_seed = derive_seed(seed, "paired", init, scale, ref_init, ref_scale, *key)
        interval = bootstrap_mean_ci(scores, n_resamples, pair_seed, level)
        finite = np.isfinite(candidate) & np.isfinite(ref_accuracy)
        difference = candidate[finite] - ref_accuracy[finite]
        rows.append(
            {
                **dict(level_values),
                "init": init,
                "best_scale": scale,
                "n_pairs": len(pairs),
                "p_beats": float(np.mean(scores)) if scores.size else math.nan,
                "p_beats_ci_low": interval.low,
                "p_beats_ci_high": interval.high,
                "p_beats_ci_note": interval.note,
                "mean_difference": float(np.mean(difference)) if difference.size else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=columns)
