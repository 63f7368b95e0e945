"""Accuracy panels: accuracy and success rate against scale or depth, and heatmap panels.

The depth figure (the depth study) draws two panels, mean test accuracy and
success rate, with :func:`plot_accuracy_panels`, whose x axis (a column of the
summary) is a parameter; the grid's figures, faceted by stratum and learning
rate, are in :mod:`initstudy.plots.plots_facets` and draw their heatmap panels with
:func:`draw_heat_panel`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from initstudy.plots.plots import (
    SCALE_LABEL,
    cells_in_order,
    init_color,
    log_value_axis,
    panel_grid,
)
from initstudy.util.labels import cell_label

#: Columns of the accuracy panel: statistic, low and high end of its interval.
ACCURACY_COLUMNS = ("test_accuracy_mean", "test_accuracy_mean_ci_low", "test_accuracy_mean_ci_high")
#: Columns of the success-rate panel: statistic, low and high end of its interval.
SUCCESS_COLUMNS = ("success_rate", "success_ci_low", "success_ci_high")
#: Line styles of the scales of one initializer in the depth figure.
SCALE_LINESTYLES = ("-", "--", ":", "-.")


@dataclass(frozen=True)
class AccuracyAxis:
    """The x axis of the accuracy panels: one column of the summary, on a log scale.

    Attributes
    ----------
    column : str
        Summary column on the axis (``"scale"`` or ``"depth"``).
    label : str
        Axis label.
    margin : float
        Factor of room left of the smallest and right of the largest value.
    offset : float
        Factor between the x positions of neighbouring series, so that equal
        values of different series stay visible.
    band : bool
        Draw the mean accuracy as a line with its interval as a band (else as
        error bars, like the success rate).
    """

    column: str
    label: str
    margin: float
    offset: float
    band: bool


SCALE_AXIS = AccuracyAxis("scale", SCALE_LABEL, margin=1.6, offset=1.05, band=True)
DEPTH_AXIS = AccuracyAxis("depth", "hidden layers (log)", margin=1.25, offset=1.03, band=False)


@dataclass(frozen=True)
class Series:
    """One line of the accuracy panels: summary rows along the x axis, in one style.

    Attributes
    ----------
    label : str
        Legend entry.
    rows : pandas.DataFrame
        Summary rows of the series, one per value of the x axis.
    style : dict
        Keywords of :meth:`matplotlib.axes.Axes.errorbar` (``color`` at least).
    note : str
        A legend-only entry after the series (e.g. the depths with no finite run).
    """

    label: str
    rows: pd.DataFrame
    style: dict = field(default_factory=dict)
    note: str = ""


def plot_accuracy_panels(
    series: list[Series], axis: AccuracyAxis, size: tuple[float, float]
) -> tuple[Figure, object, object]:
    """Mean test accuracy (left) and success rate (right) of each series against ``axis``.

    Parameters
    ----------
    series : list of Series
        Drawn in order; series ``k`` of ``n`` is offset by ``axis.offset ** (k - (n - 1) / 2)``.
    axis : AccuracyAxis
    size : (float, float)
        Width and height of one panel, in inches.

    Returns
    -------
    matplotlib.figure.Figure
    matplotlib.axes.Axes
        The accuracy panel.
    matplotlib.axes.Axes
        The success-rate panel (y from 0 to 1).
    """
    fig, (accuracy, success) = panel_grid(2, 2, size, sharex=True)
    for k, line in enumerate(series):
        rows = line.rows.sort_values(axis.column)
        x = rows[axis.column].to_numpy(dtype=float) * axis.offset ** (k - (len(series) - 1) / 2)
        if axis.band:
            _draw_band(accuracy, x, rows, line)
        else:
            _draw_bars(accuracy, x, rows, ACCURACY_COLUMNS, line)
        _draw_bars(success, x, rows, SUCCESS_COLUMNS, line)
        if line.note:
            accuracy.plot([], [], " ", label=line.note)
    values = pd.concat([line.rows[axis.column] for line in series]) if series else []
    for ax in (accuracy, success):
        log_value_axis(ax, values, axis.label, axis.margin)
    success.set_ylim(-0.04, 1.04)
    return fig, accuracy, success


def _columns(rows: pd.DataFrame, names: tuple[str, str, str]) -> list[np.ndarray]:
    return [rows[name].to_numpy(dtype=float) for name in names]


def _draw_bars(ax, x: np.ndarray, rows: pd.DataFrame, columns, line: Series) -> None:
    """A statistic with its interval as error bars where it is finite; a value without an
    interval (identical seeds) is drawn without bars, a missing value not at all."""
    y, low, high = _columns(rows, columns)
    ok = np.isfinite(y)
    if ok.any():
        yerr = np.vstack([y[ok] - low[ok], high[ok] - y[ok]])
        yerr = np.where(np.isfinite(yerr), np.clip(yerr, 0, None), 0.0)
        ax.errorbar(x[ok], y[ok], yerr=yerr, label=line.label, **line.style)


def _draw_band(ax, x: np.ndarray, rows: pd.DataFrame, line: Series) -> None:
    """Mean accuracy as a line with its interval as a band; one cell as a square marker."""
    mean, low, high = _columns(rows, ACCURACY_COLUMNS)
    color = line.style["color"]
    ok = np.isfinite(mean)
    if ok.sum() == 1 and len(rows) == 1:
        band = np.isfinite(low[ok]) & np.isfinite(high[ok])
        yerr = np.vstack([mean[ok] - low[ok], high[ok] - mean[ok]]) if band.all() else None
        ax.errorbar(
            x[ok], mean[ok], yerr=yerr, fmt="s", ms=6, color=color, capsize=3, label=line.label
        )
    elif ok.any():
        ax.plot(x[ok], mean[ok], marker="o", ms=4, color=color, label=line.label)
        band = ok & np.isfinite(low) & np.isfinite(high)
        ax.fill_between(x, low, high, where=band, color=color, alpha=0.15, lw=0)


def _legend_entries(ax, labels: list[str]) -> tuple[list, list[str]]:
    """Handles and labels of ``ax`` in the order of ``labels``; labels not drawn are skipped."""
    handles = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    present = [label for label in labels if label in handles]
    return [handles[label] for label in present], present


def _reference_line(ax, y: float, label: str | None = None) -> None:
    ax.axhline(y, color="black", ls="--", lw=0.8, label=label)


def plot_accuracy_vs_depth(summary: pd.DataFrame, threshold: float, level: float) -> Figure:
    """Test accuracy and success rate of the trained deep networks against their depth.

    Parameters
    ----------
    summary : pandas.DataFrame
        Depth summary (``initstudy.analysis.stats.SUMMARY_COLUMNS`` plus ``depth``, ``width``).
    threshold : float
        Test accuracy counted as a success (dashed in the accuracy panel).
    level : float
        Confidence level of both panels' intervals, quoted in their axis labels.

    Returns
    -------
    matplotlib.figure.Figure
        Left: mean test accuracy with its bootstrap interval; right: share of
        seeds at or above ``threshold`` with Wilson intervals. One line per
        (initializer, scale), its line style telling the scales apart.
    """
    cells = cells_in_order(summary)
    scales = list(dict.fromkeys(scale for _, scale in cells))
    series = []
    for init, scale in cells:
        rows = summary[(summary["init"] == init) & (summary["scale"] == scale)]
        label = init if len(scales) == 1 else cell_label(init, scale)
        style = dict(color=init_color(init), capsize=2, elinewidth=0.9, lw=1.3, ms=4, marker="o",
                     ls=SCALE_LINESTYLES[scales.index(scale) % len(SCALE_LINESTYLES)])  # fmt: skip
        series.append(Series(label, rows, style, _no_finite_run(rows, label)))
    fig, acc, success = plot_accuracy_panels(series, DEPTH_AXIS, (5.4, 4.2))
    _reference_line(acc, threshold)
    _reference_line(success, 0.5)
    for ax in (acc, success):
        ax.grid(True, color="#eeeeee", lw=0.6)
    lows = summary["test_accuracy_mean_ci_low"].to_numpy(dtype=float)
    acc.set_ylim(min(0.3, lows[np.isfinite(lows)].min(initial=1.0) - 0.05), 1.02)
    acc.set_ylabel(f"mean test accuracy (bars: {level:.0%} bootstrap CI)")
    success.set_ylabel(f"share of seeds with accuracy ≥ {threshold:g} ({level:.0%} Wilson)")
    acc.set_title(f"Test accuracy (dashed: success, {threshold:g})")
    success.set_title("Success rate (dashed: half of the seeds, 'trains')")
    labels = [label for line in series for label in (line.label, line.note)]
    fig.legend(*_legend_entries(acc, labels), fontsize=8, loc="outside right upper")
    width = int(summary["width"].iloc[0])
    fig.suptitle(f"Training deep ReLU networks of width {width}: where each initializer stalls")
    return fig


def _no_finite_run(rows: pd.DataFrame, label: str) -> str:
    """``label: no finite run at depth 4, 6`` for the depths without a finite accuracy."""
    missing = rows.loc[~np.isfinite(rows["test_accuracy_mean"].to_numpy(dtype=float)), "depth"]
    if not len(missing):
        return ""
    return f"{label}: no finite run at depth " + ", ".join(str(int(d)) for d in sorted(missing))


def draw_heat_panel(ax, values: np.ndarray, notes: dict):
    """One heatmap panel: values as colours (from 0.5 or the lowest value up to 1), each
    entry's text in a colour readable on its shade, grey where an entry has no value.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    values : ndarray
        NaN where the entry is blank or has no value.
    notes : dict
        ``(row, column) -> (text, value or None)``.

    Returns
    -------
    matplotlib.image.AxesImage
    """
    finite = values[np.isfinite(values)]
    vmin = min(0.5, float(finite.min())) if finite.size else 0.5
    cmap = _heat_cmap()
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=1.0, aspect="auto")
    _annotate_cells(ax, notes, cmap, vmin)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return image


def _annotate_cells(ax, notes: dict, cmap, vmin: float) -> None:
    """Each cell's text in a colour readable on its shade; grey for a cell without a value."""
    for (i, j), (text, mean) in notes.items():
        if mean is None:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, color="#dddddd", lw=0))
            color = "black"
        else:
            r, g, b, _ = cmap((mean - vmin) / (1.0 - vmin) if vmin < 1 else 1.0)
            color = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color=color)


def _heat_cmap():
    cmap = colormaps["viridis"].copy()
    cmap.set_bad("white")
    return cmap
