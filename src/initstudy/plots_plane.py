"""Figures in the input plane: the circles dataset and the decision regions of trained networks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure

from initstudy.labels import cell_label
from initstudy.plots import (
    CLASS_COLORS,
    CLASS_NAMES,
    init_color,
    inits_in_order,
    panel_grid,
    panel_message,
    tidy_axes,
)

if TYPE_CHECKING:
    from initstudy.data import Dataset

#: Square over which decision regions are drawn, as in the course's plots.
BOUNDARY_EXTENT = (-1.5, 1.5)


def _scatter_classes(ax, X: np.ndarray, y, counted: bool, **style) -> None:
    """The points of ``X``, one scatter per class; ``counted`` adds the count to the label."""
    for cls in (0, 1):
        points = X[np.asarray(y) == cls]
        label = f"{CLASS_NAMES[cls]}: {len(points)}" if counted else CLASS_NAMES[cls]
        ax.scatter(points[:, 0], points[:, 1], color=CLASS_COLORS[cls], label=label, **style)


def plot_dataset(dataset: Dataset, noise: float | None = None) -> Figure:
    """Train and test points of the circles dataset, coloured by class.

    Parameters
    ----------
    dataset : Dataset
    noise : float, optional
        Noise of the dataset, quoted in the title.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels (train, test) with equal aspect.
    """
    fig, axes = panel_grid(2, 2, (4.2, 4.4), sharex=True, sharey=True)
    splits = (
        ("train", dataset.X_train, dataset.y_train),
        ("test", dataset.X_test, dataset.y_test),
    )
    for ax, (name, X, y) in zip(axes, splits, strict=True):
        _scatter_classes(ax, X, y, True, s=14, edgecolors="white", linewidths=0.3)
        ax.set_title(f"{name} split: {len(X)} points")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal")
        ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
    title = "Circles dataset: two classes, not linearly separable"
    if noise is not None:
        title += f" (noise std {noise:g})"
    fig.suptitle(title)
    tidy_axes(axes, 2)
    return fig


@dataclass
class BoundaryPanel:
    """One trained network to draw, with what its panel title says.

    Attributes
    ----------
    init : str
    scale : float
    seed : int
    weights, biases : list of ndarray
        The network's parameters stacked as a batch of one,
        ``(1, n_out, n_in)`` and ``(1, n_out, 1)``.
    train_accuracy, test_accuracy : float
        NaN for a network that diverged.
    role : str
        Why it is shown, e.g. ``"notebook run"`` or ``"best scale of lecun"``.
    """

    init: str
    scale: float
    seed: int
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    train_accuracy: float
    test_accuracy: float
    role: str = ""


def boundary_cells(
    summary: pd.DataFrame, notebook: list[tuple[str, float]]
) -> list[tuple[str, float, str]]:
    """The cells whose networks the decision-boundary figure shows.

    The notebook's runs present in ``summary``, then for every other
    initializer the cell with the highest mean test accuracy (the first in
    table order on ties; an initializer whose cells have no finite accuracy is
    left out).

    Parameters
    ----------
    summary : pandas.DataFrame
        Per-cell table with ``init``, ``scale`` and ``test_accuracy_mean``.
    notebook : list of (str, float)
        The notebook's runs (``initstudy.notebook.PRINTED``'s keys).

    Returns
    -------
    list of (init, scale, role)
    """
    present = set(zip(summary["init"], summary["scale"].astype(float), strict=True))
    chosen = [(init, float(s), "notebook run") for init, s in notebook if (init, s) in present]
    shown = {init for init, _, _ in chosen}
    for init in inits_in_order(summary):
        if init in shown:
            continue
        rows = summary[summary["init"] == init]
        means = rows["test_accuracy_mean"].to_numpy(dtype=float)
        if not np.isfinite(means).any():
            continue
        best = rows.iloc[int(np.nanargmax(means))]
        chosen.append((init, float(best["scale"]), f"best scale of {init}"))
    return chosen


def pick_network(seeds, seed: int) -> int:
    """Index of ``seed`` in a cell's ``seeds``, or 0 (the first seed) if it is absent.

    Parameters
    ----------
    seeds : array_like of int
    seed : int

    Returns
    -------
    int
    """
    where = np.flatnonzero(np.asarray(seeds) == seed)
    return int(where[0]) if where.size else 0


def plot_decision_boundaries(
    dataset: Dataset, panels: list[BoundaryPanel], resolution: int = 300
) -> Figure:
    """Decision regions of trained networks over the plane, with the training points.

    Parameters
    ----------
    dataset : Dataset
    panels : list of BoundaryPanel
        One panel each, in order, three per row.
    resolution : int
        Mesh points per axis over :data:`BOUNDARY_EXTENT`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = panel_grid(max(1, len(panels)), 3, (3.6, 3.8), sharex=True, sharey=True)
    axis = np.linspace(*BOUNDARY_EXTENT, resolution)
    mesh = np.meshgrid(axis, axis)
    if not panels:
        panel_message(axes[0], "no network to show")
    for ax, panel in zip(axes, panels, strict=False):  # one spare axis if none
        _draw_regions(ax, panel, mesh)
        _scatter_classes(
            ax, dataset.X_train, dataset.y_train, False, s=8, edgecolors="black", linewidths=0.2
        )
        _frame_panel(ax, panel)
    if panels:
        axes[0].legend(loc="lower left", fontsize=6, framealpha=0.9)
    fig.suptitle("Decision regions of trained networks (shading: predicted class; dots: train set)")
    tidy_axes(axes, 3)
    return fig


def _draw_regions(ax, panel: BoundaryPanel, mesh: tuple[np.ndarray, np.ndarray]) -> None:
    """Shade the plane by the class the network predicts, or say that it diverged."""
    # Imported here: the trainer (and its optional numba kernels) only matters to this figure.
    from initstudy.train import predict

    if not all(np.isfinite(W).all() for W in panel.weights):
        panel_message(ax, "this network diverged:\nno decision boundary")
        return
    xx, yy = mesh
    regions = ListedColormap([_tint(c, 0.72) for c in CLASS_COLORS])
    with np.errstate(all="ignore"):
        points = np.vstack([xx.ravel(), yy.ravel()])
        labels = predict(panel.weights, panel.biases, points)[0].reshape(xx.shape)
    ax.pcolormesh(xx, yy, labels, cmap=regions, vmin=0, vmax=1, shading="auto")


def _frame_panel(ax, panel: BoundaryPanel) -> None:
    """Title, coloured frame and the square extent of one network's panel."""
    role = f" ({panel.role})" if panel.role else ""
    title = f"{cell_label(panel.init, panel.scale)}, seed {panel.seed}{role}\n"
    title += _accuracy_text(panel.train_accuracy, panel.test_accuracy)
    ax.set_title(title, fontsize=9, color=init_color(panel.init))
    for spine in ax.spines.values():
        spine.set_edgecolor(init_color(panel.init))
        spine.set_linewidth(2)
    ax.set_xlim(*BOUNDARY_EXTENT)
    ax.set_ylim(*BOUNDARY_EXTENT)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def _tint(color: str, amount: float) -> tuple[float, float, float]:
    """``color`` mixed with white (``amount`` 0: unchanged, 1: white)."""
    return tuple(c + (1.0 - c) * amount for c in to_rgb(color))


def _accuracy_text(train: float, test: float) -> str:
    if not (np.isfinite(train) and np.isfinite(test)):
        return "diverged: no accuracy"
    return f"train acc {train:.2f}, test acc {test:.2f}"
