"""The depth study's training: deep networks trained as the main grid trains its cells.

:func:`train_depth` trains one network per seed at a given depth,
:func:`summarize_depths` classifies them and computes the main grid's seed
statistics per depth, and :func:`stall_depths` finds the depth at which each
initializer stops training.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from initstudy.cell import CellResult, train_cell
from initstudy.data import Dataset
from initstudy.depth_theory import layer_widths
from initstudy.outcomes import classify
from initstudy.stats import derive_seed, summarize
from initstudy.train import Progress, TrainSettings


def train_depth(
    dataset: Dataset,
    init: str,
    scale: float,
    depth: int,
    width: int,
    seeds: list[int],
    settings: TrainSettings,
    progress: Progress | None = None,
) -> CellResult:
    """Train one network per seed of a given depth, as the main grid trains its cells.

    Parameters
    ----------
    dataset : Dataset
    init : str
    scale : float
    depth, width : int
        Hidden layers and their width.
    seeds : list of int
    settings : TrainSettings
        Learning rate, iterations and log interval (its ``layers`` are replaced
        by the widths of ``depth`` hidden layers of ``width``).
    progress : callable, optional
        Passed to :func:`initstudy.train.train_batch`.

    Returns
    -------
    CellResult
        As :func:`initstudy.cell.train_cell`, with ``depth`` and ``width``
        columns added to ``runs`` and ``costs`` after ``scale``.
    """
    settings = replace(settings, layers=layer_widths(depth, width))
    result = train_cell(dataset, init, scale, seeds, settings, progress)
    for frame in (result.runs, result.costs):
        frame.insert(2, "depth", int(depth))
        frame.insert(3, "width", int(width))
    return result


def summarize_depths(
    runs: pd.DataFrame,
    majority_rate: float,
    chance_tolerance: float,
    threshold: float,
    n_resamples: int,
    seed: int,
    level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classify the trained deep networks and compute the main grid's statistics per depth.

    Parameters
    ----------
    runs : pandas.DataFrame
        Rows of :func:`train_depth` runs, any number of depths.
    majority_rate, chance_tolerance : float
        As in :func:`initstudy.outcomes.classify`.
    threshold, n_resamples, seed, level
        As in :func:`initstudy.stats.summarize`; each depth bootstraps from
        ``derive_seed(seed, "depth", depth)``, so adding a depth changes no other row.

    Returns
    -------
    runs : pandas.DataFrame
        The input with a ``status`` column.
    summary : pandas.DataFrame
        :data:`initstudy.stats.SUMMARY_COLUMNS` with ``depth`` and ``width``
        after ``scale``, rows in the order of ``runs``.
    """
    runs = runs.copy()
    runs["status"] = classify(runs, majority_rate, chance_tolerance)
    parts = []
    for (depth, width), rows in runs.groupby(["depth", "width"], sort=False):
        summary = summarize(rows, threshold, n_resamples, derive_seed(seed, "depth", depth), level)
        summary.insert(2, "depth", int(depth))
        summary.insert(3, "width", int(width))
        parts.append(summary)
    summary = pd.concat(parts, ignore_index=True)
    order = list(dict.fromkeys(zip(runs["init"], runs["scale"], runs["depth"])))
    summary = summary.set_index(["init", "scale", "depth"]).loc[order].reset_index()
    return runs, summary


def stall_depths(summary: pd.DataFrame) -> pd.DataFrame:
    """Deepest depth at which each initializer trains, and the first at which it stalls.

    A depth *trains* when at least half of its seeds succeed (``n_success``
    from :func:`summarize_depths`); the initializer *stalls* at the first depth
    that does not.

    Parameters
    ----------
    summary : pandas.DataFrame
        Second table of :func:`summarize_depths`.

    Returns
    -------
    pandas.DataFrame
        Columns ``init, scale, trains_to, stalls_at`` (0 when no depth trains,
        resp. when every depth trains), in order of first appearance.
    """
    rows = []
    for (init, scale), cell in summary.groupby(["init", "scale"], sort=False):
        cell = cell.sort_values("depth")
        trains = (2 * cell["n_success"] >= cell["n_seeds"]).to_numpy()
        depths = cell["depth"].to_numpy(dtype=int)
        first_stall = int(np.argmin(trains)) if not trains.all() else len(trains)
        rows.append(
            {
                "init": init,
                "scale": float(scale),
                "trains_to": int(depths[first_stall - 1]) if first_stall > 0 else 0,
                "stalls_at": int(depths[first_stall]) if first_stall < len(trains) else 0,
            }
        )
    return pd.DataFrame(rows, columns=["init", "scale", "trains_to", "stalls_at"])
