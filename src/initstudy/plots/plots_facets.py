"""Figures faceted by the grid's further axes: one panel row per stratum (each combination
of the stratum axes, e.g. data set, depth and width, present in the table), one panel
column per learning rate, so that no panel mixes cells of different strata or learning
rates.

A table without a stratum axis has one panel row (stratum ``{}``), one without a
``learning_rate`` column one panel column (named None). The panel functions here draw the
grid at the full budget: the success rate and the mean test accuracy against the scale,
and the heatmap of every cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from initstudy.grid.axes import AXES, CHOSEN_AXES
from initstudy.grid.grid import rows_at, strata, stratum_label
from initstudy.plots.plots import (
    SCALE_LABEL,
    finish_panels,
    init_color,
    inits_in_order,
    log_value_axis,
    panel_grid,
    panel_message,
)
from initstudy.plots.plots_accuracy import draw_heat_panel
from initstudy.util.labels import TIMES, cell_label

#: The axis of the panel columns: the chosen axis other than the scale (the learning rate).
#: The scale is already on every panel (its x axis, or the heatmap's rows), so the other
#: chosen axis is the one left to facet by; the unpacking fails loudly should the registry
#: ever hold a third chosen axis, which these figures have no place for.
(COLUMN_AXIS,) = (axis for axis in CHOSEN_AXES if axis != "scale")
#: How the column axis is named in titles and labels: ``learning rate``.
COLUMN_LABEL = COLUMN_AXIS.replace("_", " ")


def levels(frame: pd.DataFrame, axis: str) -> list:
    """The values of ``axis`` in ``frame`` (table order for text, sorted for numbers); [None]
    when the table has no such column.

    Parameters
    ----------
    frame : pandas.DataFrame
    axis : str

    Returns
    -------
    list
    """
    if axis not in frame.columns:
        return [None]
    values = list(dict.fromkeys(frame[axis]))
    return values if axis in AXES and AXES[axis].kind is str else sorted(values)


def panel_rows(frame: pd.DataFrame) -> list[tuple[dict, pd.DataFrame]]:
    """The panel rows of a figure: the table's strata (every combination of the stratum axes
    among its columns), in table order.

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    list of (dict, pandas.DataFrame)
        Stratum axis -> value and its rows; ``[({}, frame)]`` without a stratum axis
        (:func:`initstudy.grid.grid.strata`).
    """
    return strata(frame, frame.columns)


#: The rows of a table in one facet (a None value or a missing column: all).
facet = rows_at


def facet_title(stratum: dict | None = None, rate=None) -> str:
    """``"circles, learning rate 0.04"``, ``"moons, depth 10, learning rate 0.04"``; empty
    without either.

    Parameters
    ----------
    stratum : dict or None
        Stratum axis -> value, named by :func:`initstudy.grid.grid.stratum_label`.
    rate : float or None
        The value of the column axis (:data:`COLUMN_AXIS`).

    Returns
    -------
    str
    """
    label = stratum_label(stratum or {})
    parts = [] if label is None else [label]
    if rate is not None:
        parts.append(f"{COLUMN_LABEL} {rate:g}")
    return ", ".join(parts)


def scale_axis(ax, scales) -> None:
    """Log x axis of scales, a tick at each, labelled by
    :func:`initstudy.util.labels.display_scale`, labels that would overprint moved down a
    line (:func:`initstudy.plots.plots.log_value_axis`).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    scales : array_like of float
    """
    log_value_axis(ax, scales, SCALE_LABEL)


def full_budget(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary rows at the largest budget (all rows without a ``budget`` column).

    Parameters
    ----------
    summary : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
    """
    if "budget" not in summary.columns:
        return summary
    return summary[summary["budget"] == summary["budget"].max()]


def _draw_success(ax, rows: pd.DataFrame, inits: list[str], offset: float = 1.06) -> None:
    """Success rate against scale with Wilson bars, one series per initializer."""
    for k, init in enumerate(inits):
        cell = rows[rows["init"] == init].sort_values("scale")
        if cell.empty:
            continue
        x = cell["scale"].to_numpy(dtype=float) * offset ** (k - (len(inits) - 1) / 2)
        y = cell["success_rate"].to_numpy(dtype=float)
        low = cell["success_ci_low"].to_numpy(dtype=float)
        high = cell["success_ci_high"].to_numpy(dtype=float)
        bars = np.vstack([y - low, high - y])
        bars = np.where(np.isfinite(bars), np.clip(bars, 0, None), 0.0)
        style = "s" if len(cell) == 1 else "o-"
        ax.errorbar(x, y, yerr=bars, fmt=style, ms=4, lw=1.1, capsize=2, elinewidth=0.8,
                    color=init_color(init), label=init)  # fmt: skip


def _draw_accuracy(ax, rows: pd.DataFrame, inits: list[str], offset: float = 1.06) -> None:
    """Mean test accuracy against scale with its interval as a band, one line per initializer."""
    for k, init in enumerate(inits):
        cell = rows[rows["init"] == init].sort_values("scale")
        mean = cell["test_accuracy_mean"].to_numpy(dtype=float)
        ok = np.isfinite(mean)
        if not ok.any():
            continue
        x = cell["scale"].to_numpy(dtype=float) * offset ** (k - (len(inits) - 1) / 2)
        low = cell["test_accuracy_mean_ci_low"].to_numpy(dtype=float)
        high = cell["test_accuracy_mean_ci_high"].to_numpy(dtype=float)
        color = init_color(init)
        ax.plot(x[ok], mean[ok], "o-" if ok.sum() > 1 else "s", ms=4, color=color, label=init)
        band = ok & np.isfinite(low) & np.isfinite(high)
        ax.fill_between(x, low, high, where=band, color=color, alpha=0.15, lw=0)


def plot_accuracy_vs_scale(summary: pd.DataFrame, threshold: float, level: float) -> Figure:
    """Mean test accuracy and success rate against the scale, per stratum and learning rate.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``summary.csv``; drawn at its full budget.
    threshold : float
        Test accuracy counted as a success (dashed line).
    level : float
        Confidence level of the intervals, quoted in the labels.

    Returns
    -------
    matplotlib.figure.Figure
        Per stratum (data set, depth, width; :func:`panel_rows`) two panel rows (mean
        test accuracy with its BCa band; success rate with Wilson bars), one column per
        learning rate, scales on a log axis.
    """
    rows_all = full_budget(summary)
    groups, rates = panel_rows(rows_all), levels(rows_all, COLUMN_AXIS)
    inits = inits_in_order(rows_all)
    ncols = len(rates)
    fig, axes = panel_grid(2 * len(groups) * ncols, ncols, (3.4, 2.7), sharex=True, sharey=True)
    pct = f"{level:.0%}"
    for i, (stratum, stratum_rows) in enumerate(groups):
        for j, rate in enumerate(rates):
            rows = facet(stratum_rows, **{COLUMN_AXIS: rate})
            accuracy, success = axes[2 * i * ncols + j], axes[(2 * i + 1) * ncols + j]
            _draw_accuracy(accuracy, rows, inits)
            _draw_success(success, rows, inits)
            for ax in (accuracy, success):
                ax.axhline(threshold, color="black", ls="--", lw=0.8)
                scale_axis(ax, rows_all["scale"])
                ax.set_ylim(-0.04, 1.04)
            accuracy.set_title(facet_title(stratum, rate), fontsize=9)
            accuracy.set_ylabel(f"mean test acc.\n(band: {pct} BCa)", fontsize=8)
            success.set_ylabel(f"success rate\n(bars: {pct} Wilson)", fontsize=8)
    return finish_panels(
        fig,
        axes,
        ncols,
        f"Mean test accuracy and share of seeds with test accuracy ≥ {threshold:g} (dashed)\n"
        "against the scale, at the full budget",
    )


def heatmap_values(rows: pd.DataFrame, cells: list, rates: list) -> tuple[np.ndarray, dict]:
    """The mean test accuracy of each (initializer × scale, learning rate) and its text.

    Parameters
    ----------
    rows : pandas.DataFrame
        One stratum's summary rows at one budget.
    cells : list of (str, float)
        The heatmap's rows.
    rates : list
        Its columns (learning rates; [None] without the axis).

    Returns
    -------
    values : ndarray
        NaN where the grid has no such cell or it has no finite run.
    notes : dict
        ``(row, column) -> (text, mean or None)``; ``"diverged"`` for no finite run.
    """
    values = np.full((len(cells), len(rates)), np.nan)
    notes: dict[tuple[int, int], tuple[str, float | None]] = {}
    for record in rows.to_dict("records"):
        i = cells.index((record["init"], float(record["scale"])))
        j = rates.index(record.get(COLUMN_AXIS))
        mean = float(record["test_accuracy_mean"])
        count = f"{int(record['n_success'])}/{int(record['n_seeds'])}"
        if np.isfinite(mean):
            values[i, j] = mean
            notes[i, j] = (f"{mean:.2f}\n{count}", mean)
        else:
            notes[i, j] = (f"diverged\n{count}", None)
    return values, notes


def plot_heatmap(summary: pd.DataFrame, threshold: float) -> Figure:
    """Mean test accuracy of every cell: rows initializer × scale, columns learning rate, one
    panel per stratum (data set, depth, width; :func:`panel_rows`), side by side.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``summary.csv``; drawn at its full budget.
    threshold : float
        Test accuracy counted as a success (quoted in the title).

    Returns
    -------
    matplotlib.figure.Figure
        Each entry: mean test accuracy and k/n seeds at or above ``threshold``;
        blank where the grid has no cell, grey where no run is finite.
    """
    rows_all = full_budget(summary)
    groups, rates = panel_rows(rows_all), levels(rows_all, COLUMN_AXIS)
    cells = list(dict.fromkeys(zip(rows_all["init"], rows_all["scale"].astype(float))))
    width = 2.4 + 0.8 * len(rates)
    fig, axes = panel_grid(len(groups), len(groups), (width, 1.4 + 0.42 * len(cells)))
    image = None
    for ax, (stratum, rows) in zip(axes, groups, strict=True):
        values, notes = heatmap_values(rows, cells, rates)
        if not notes:
            panel_message(ax, "no cells")
            continue
        image = draw_heat_panel(ax, values, notes)
        ax.set_xticks(range(len(rates)), ["—" if r is None else f"{r:g}" for r in rates])
        ax.set_yticks(range(len(cells)), [cell_label(*cell) for cell in cells], fontsize=8)
        for tick, (init, _) in zip(ax.get_yticklabels(), cells, strict=True):
            tick.set_color(init_color(init))
        ax.set_xlabel(COLUMN_LABEL if rates != [None] else "")
        ax.set_title(facet_title(stratum) or "every cell", fontsize=10)
    if image is not None:
        fig.colorbar(image, ax=axes, label="mean test accuracy (fraction)", shrink=0.8)
    fig.suptitle(
        f"Mean test accuracy over seeds at the full budget\n(below it: k of n seeds with test "
        f"accuracy ≥ {threshold:g}); rows: initializer {TIMES} scale",
        fontsize=10,
    )
    return fig
