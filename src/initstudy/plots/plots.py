"""Shared style and helpers of every figure of the study, and :func:`save_figure`.

The figures themselves live in the ``plots_*`` modules, one module per group:
:mod:`initstudy.plots.plots_plane` (the dataset and decision regions),
:mod:`initstudy.plots.plots_training` (cost curves), :mod:`initstudy.plots.plots_accuracy`
(accuracy against scale or depth, the heatmap) and :mod:`initstudy.plots.plots_depth`
(signal and gradients of the depth study). Each function there takes the tidy
tables (``runs``, ``costs``, ``summary``, the depth tables) and arrays, never
file names of the workflow, so that it can be tested without Snakemake, and
returns a matplotlib Figure. Every figure colours an initializer with
:func:`init_color`, names a cell with :func:`initstudy.util.labels.cell_label` and
leaves cells without a finite value out of a plot (or labels them in words),
never drawn as NaN.

Figures are built on :class:`matplotlib.figure.Figure` directly, not through
``pyplot``: no global state, no GUI backend, nothing to close.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import (
    FixedLocator,
    Formatter,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
)

from initstudy.model.init import REGISTRY
from initstudy.util.atomic import atomic_path
from initstudy.util.labels import TIMES, display_scale

#: One colour per initializer, declared in its :data:`initstudy.model.init.REGISTRY` entry
#: (Okabe-Ito palette, safe for colour-blind readers).
COLORS: dict[str, str] = {name: entry.color for name, entry in REGISTRY.items()}
#: Colour of an initializer missing from :data:`COLORS`.
FALLBACK_COLOR = "#999999"
#: Colour of notes written on a panel.
NOTE_COLOR = "#444444"
#: Point colours of the two classes (0: outer circle, 1: inner circle).
CLASS_COLORS = ("#C0392B", "#2E6DB4")
CLASS_NAMES = ("class 0 (outer circle)", "class 1 (inner circle)")
LN2 = math.log(2.0)
SCALE_LABEL = f"scale ({TIMES} base std, log)"
DPI = 150
#: Where :func:`corner_note` puts its text: axes coordinates and alignment.
CORNERS = {
    "upper right": (0.97, 0.95, "right", "top"),
    "lower left": (0.02, 0.02, "left", "bottom"),
}


def init_color(init: str) -> str:
    """Colour of an initializer in every figure.

    Parameters
    ----------
    init : str

    Returns
    -------
    str
        A matplotlib colour (hex string).
    """
    entry = REGISTRY.get(init)  # initializers a config declares are registered at run time
    return entry.color if entry else FALLBACK_COLOR


def save_figure(fig: Figure, path: str | Path, dpi: int = DPI) -> None:
    """Write ``fig`` as PNG atomically, without a software stamp in the metadata.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or Path
    dpi : int
    """
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})


def inits_in_order(frame: pd.DataFrame) -> list[str]:
    """Initializers in order of first appearance (config order for the study's tables).

    Parameters
    ----------
    frame : pandas.DataFrame
        A table with an ``init`` column.

    Returns
    -------
    list of str
    """
    return list(dict.fromkeys(frame["init"]))


def cells_in_order(frame: pd.DataFrame) -> list[tuple[str, float]]:
    """(initializer, scale) pairs in order of first appearance.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table with ``init`` and ``scale`` columns.

    Returns
    -------
    list of (str, float)
    """
    return list(dict.fromkeys(zip(frame["init"], frame["scale"].astype(float))))


def panel_grid(n: int, ncols: int, size: tuple[float, float], **kwargs) -> tuple[Figure, list]:
    """A figure with ``n`` panels in rows of ``ncols``; unused panels removed.

    Parameters
    ----------
    n : int
        Number of panels.
    ncols : int
        Panels per row (fewer where ``n`` is smaller).
    size : (float, float)
        Width and height of one panel, in inches.
    **kwargs
        Passed to :meth:`matplotlib.figure.Figure.subplots` (``sharex``, ``sharey``).

    Returns
    -------
    matplotlib.figure.Figure
    list of matplotlib.axes.Axes
        The ``n`` panels, row by row.
    """
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs).ravel()
    for ax in axes[n:]:
        ax.remove()
    return fig, list(axes[:n])


def tidy_axes(axes: list, ncols: int) -> None:
    """Keep shared axis labels on the outer panels only.

    A panel keeps its x labels unless another panel sits below it, and its y
    labels only in the first column (when the axes are shared).

    Parameters
    ----------
    axes : list of matplotlib.axes.Axes
        Panels as :func:`panel_grid` returns them.
    ncols : int
        Panels per row.
    """
    n = len(axes)
    for k, ax in enumerate(axes):
        if len(ax.get_shared_x_axes().get_siblings(ax)) > 1:
            below = k + ncols < n
            ax.tick_params(axis="x", labelbottom=not below)
            if below:
                ax.set_xlabel("")
        if len(ax.get_shared_y_axes().get_siblings(ax)) > 1 and k % ncols:
            ax.tick_params(axis="y", labelleft=False)
            ax.set_ylabel("")


def finish_panels(fig: Figure, axes: list, ncols: int, title: str) -> Figure:
    """Tidy the panels' shared axes, put the first panel's legend right of them all, and title
    the figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    axes : list of matplotlib.axes.Axes
        Panels as :func:`panel_grid` returns them.
    ncols : int
        Panels per row.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``.
    """
    tidy_axes(axes, ncols)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig


class SpacedLabels(Formatter):
    """x tick labels that never overprint one another, placed when the figure is drawn.

    Every tick keeps its mark; its label (from ``labels``) goes on the first text line
    below the axis where it keeps ``gap`` (in ems) from the label before it on that line,
    down to ``lines`` lines (a label on line k starts with k line breaks); a label with no
    free line is left out, its tick unlabelled. Ticks are placed left to right, so ``1``,
    ``1.1583`` and ``√2`` on a log axis become ``1`` and ``√2`` on the first line and
    ``1.1583`` below them. Widths are measured with the label font's own metrics and the
    positions with the axis as it is drawn, after the layout, at the drawing's dpi.

    Parameters
    ----------
    labels : dict of float to str
        Tick value -> its label.
    gap : float
        Least white space between two labels on one line, in ems.
    lines : int
        Text lines the labels may take.
    """

    def __init__(self, labels: dict, gap: float = 0.35, lines: int = 3):
        self.labels = {float(value): text for value, text in labels.items()}
        self.gap = gap
        self.lines = lines

    def __call__(self, x, pos=None) -> str:
        return self.labels.get(float(x), "")

    def format_ticks(self, values) -> list[str]:
        texts = [self(value) for value in values]
        axes = None if self.axis is None else self.axis.axes
        if axes is None or not texts:
            return texts
        font = FontProperties(size=mpl.rcParams["xtick.labelsize"])
        points = axes.figure.dpi / 72.0
        centres = axes.transData.transform(np.c_[values, np.ones(len(values))])[:, 0]
        gap = self.gap * font.get_size_in_points() * points
        ends = [-math.inf] * self.lines  # right end of the last label on each line
        placed = []
        for centre, text in sorted(zip(centres, texts, strict=True), key=lambda pair: pair[0]):
            half = text_to_path.get_text_width_height_descent(text, font, False)[0] * points / 2
            line = next((k for k, end in enumerate(ends) if centre - half >= end + gap), None)
            if line is None or not text:
                placed.append((centre, ""))
                continue
            ends[line] = centre + half
            placed.append((centre, "\n" * line + text))
        by_centre = dict(placed)
        return [by_centre[centre] for centre in centres]


def log_value_axis(ax, values, label: str = SCALE_LABEL, margin: float = 1.6) -> None:
    """Log x axis with a tick at every value, labelled as in the tables, labels that would
    overprint moved down a line (:class:`SpacedLabels`).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    values : array_like of float
        The values on the axis (scales of the grid, depths); non-finite and
        non-positive ones are ignored.
    label : str
        Axis label.
    margin : float
        Factor of room left of the smallest and right of the largest value.
    """
    values = sorted({float(v) for v in values if np.isfinite(v) and v > 0})
    ax.set_xscale("log")
    if values:
        ax.xaxis.set_major_locator(FixedLocator(values))
        ax.xaxis.set_major_formatter(SpacedLabels({v: display_scale(v) for v in values}))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlim(values[0] / margin, values[-1] * margin)
    ax.set_xlabel(label)


def log_cost_axis(ax) -> None:
    """Log y axis for costs, ticks at 1, 2, 5 times powers of ten, written as plain numbers.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    """
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def corner_note(ax, text: str, corner: str = "upper right", color: str = "black") -> None:
    """A small note in a corner of a panel.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    text : str
    corner : str
        A key of :data:`CORNERS`.
    color : str
    """
    x, y, ha, va = CORNERS[corner]
    ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8, color=color)


def panel_message(ax, text: str) -> None:
    """A message in the middle of a panel that has nothing (or nothing finite) to draw.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    text : str
    """
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        color=NOTE_COLOR,
        wrap=True,
    )
