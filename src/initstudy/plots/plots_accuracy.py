"""Heatmap panels: one value per entry as a colour, with its text in a readable shade.

The grid's figures, faceted by stratum and learning rate, are in
:mod:`initstudy.plots.plots_facets` and draw their heatmap panels with :func:`draw_heat_panel`.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.patches import Rectangle


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
