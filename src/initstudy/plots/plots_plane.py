"""Figures in the input plane: the circles dataset and the decision regions of trained networks.

Data sets whose examples are not points in the plane (the digits: 64 features) are drawn
as a sample of their images in the data-set figure, and left out of the decision-region
figure with a note; a data set in the plane is drawn exactly as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from initstudy.model.data import DIGITS_CLASSES, feature_count
from initstudy.plots.plots import (
    CLASS_COLORS,
    CLASS_NAMES,
    init_color,
    panel_grid,
    panel_message,
    tidy_axes,
)
from initstudy.util.labels import cell_label

if TYPE_CHECKING:
    from initstudy.model.data import Dataset

#: Square over which decision regions are drawn, as in the course's plots.
BOUNDARY_EXTENT = (-1.5, 1.5)
#: Images of each class the data-set figure shows per split of an image data set, and how
#: many side by side.
IMAGES_PER_CLASS = 8
IMAGE_COLUMNS = 4
#: Colour of the canvas between the images.
IMAGE_BACKGROUND = "#D9D9D9"


def in_plane(dataset: Dataset) -> bool:
    """Whether a data set's examples are points in the plane (two features).

    Parameters
    ----------
    dataset : Dataset

    Returns
    -------
    bool
    """
    return dataset.n_features == 2


def _scatter_classes(ax, X: np.ndarray, y, counted: bool, **style) -> None:
    """The points of ``X``, one scatter per class; ``counted`` adds the count to the label."""
    for cls in (0, 1):
        points = X[np.asarray(y) == cls]
        label = f"{CLASS_NAMES[cls]}: {len(points)}" if counted else CLASS_NAMES[cls]
        ax.scatter(points[:, 0], points[:, 1], color=CLASS_COLORS[cls], label=label, **style)


def plot_dataset(dataset, noise=None) -> Figure:
    """Train, validation and test points of every data set, coloured by class.

    A data set whose examples are not points in the plane is drawn as a sample of its
    images instead (:func:`_draw_images`), without a noise.

    Parameters
    ----------
    dataset : Dataset or dict of str to Dataset
        One data set, or several by name (one panel row each).
    noise : float or dict of str to float, optional
        Noise of each data set, quoted in its row's titles (data sets in the plane only).

    Returns
    -------
    matplotlib.figure.Figure
        One row per data set, one panel per non-empty split; points in the plane with
        equal aspect and shared axes.
    """
    datasets = dataset if isinstance(dataset, dict) else {"": dataset}
    noises = noise if isinstance(noise, dict) else dict.fromkeys(datasets, noise)
    splits = [
        split
        for split in ("train", "validation", "test")
        if any(len(data.split(split)[1]) for data in datasets.values())
    ]
    ncols = len(splits)
    planar = {name: in_plane(data) for name, data in datasets.items()}
    if all(planar.values()):
        fig, axes = panel_grid(len(datasets) * ncols, ncols, (3.6, 3.8), sharex=True, sharey=True)
    else:
        fig, axes = panel_grid(len(datasets) * ncols, ncols, (3.6, 3.8))
        # Only the panels in the plane share their axes, with one another.
        plane = [ax for k, ax in enumerate(axes) if planar[list(datasets)[k // ncols]]]
        for ax in plane[1:]:
            ax.sharex(plane[0])
            ax.sharey(plane[0])
    for row, (name, data) in enumerate(datasets.items()):
        if not planar[name]:
            for ax, split in zip(axes[row * ncols :], splits, strict=False):
                X, y = data.split(split)
                title = f"{name}, {split} split" if name else f"{split} split"
                ax.set_title(f"{title}: {len(X)} images", fontsize=9)
                _draw_images(ax, X, y)
            continue
        prefix = f"{name} (noise std {noises[name]:g}), " if noises.get(name) is not None else ""
        prefix = prefix if name else prefix.replace(" (", "(", 1)
        for ax, split in zip(axes[row * ncols :], splits, strict=False):
            X, y = data.split(split)
            _scatter_classes(ax, X, y, True, s=12, edgecolors="white", linewidths=0.3)
            ax.set_title(f"{prefix}{split} split: {len(X)} points", fontsize=9)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
            ax.set_aspect("equal")
            ax.legend(loc="upper right", fontsize=6, framealpha=0.9)
    if all(planar.values()):
        fig.suptitle("The data sets: two classes in the plane, not linearly separable")
        tidy_axes(axes, ncols)
    else:
        sample = f"the first {IMAGES_PER_CLASS} images of each class of each split"
        points = any(planar.values())
        fig.suptitle(
            f"The data sets: two classes each (points in the plane; for images, {sample})"
            if points
            else f"The data sets: {sample}"
        )
    return fig


def _class_label(cls: int, width: int) -> str:
    """Name of class ``cls`` of a data set with ``width`` features."""
    if width == feature_count("digits"):
        digits = DIGITS_CLASSES[cls]
        return f"class {cls}: digits {digits[0]}–{digits[-1]}"
    return f"class {cls}"


def _draw_images(ax, X: np.ndarray, y) -> None:
    """The first :data:`IMAGES_PER_CLASS` examples of each class of a split as square images
    (class 0 above class 1, each block framed in its class colour), with each class's
    count; examples whose width is not a square number are not drawable and say so."""
    width = X.shape[1]
    side = math.isqrt(width)
    if side * side != width:
        panel_message(ax, f"{width} features per example:\nnot drawn as images")
        return
    y = np.asarray(y)
    rows = math.ceil(IMAGES_PER_CLASS / IMAGE_COLUMNS)
    step = side + 1  # one pixel of background between images
    block = rows * step + 1  # and one more between the classes
    canvas = np.full((2 * block - 2, IMAGE_COLUMNS * step - 1), np.nan)
    ticks, labels = [], []
    for cls in (0, 1):
        images = X[y == cls]
        top = cls * block
        for k, image in enumerate(images[:IMAGES_PER_CLASS]):
            r, c = top + (k // IMAGE_COLUMNS) * step, (k % IMAGE_COLUMNS) * step
            canvas[r : r + side, c : c + side] = image.reshape(side, side)
        height = rows * step - 1
        ax.add_patch(
            Rectangle(
                (-0.5, top - 0.5), canvas.shape[1], height,
                fill=False, edgecolor=CLASS_COLORS[cls], linewidth=1.5,
            )
        )  # fmt: skip
        ticks.append(top + (height - 1) / 2)
        labels.append(f"{_class_label(cls, width)}\n{len(images)} images")
    cmap = colormaps["gray_r"].with_extremes(bad=IMAGE_BACKGROUND)
    ax.imshow(np.ma.masked_invalid(canvas), cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks(ticks, labels, fontsize=7)
    for label, color in zip(ax.get_yticklabels(), CLASS_COLORS, strict=True):
        label.set_color(color)
    ax.tick_params(axis="y", length=0)


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
        Why it is shown, e.g. ``"notebook run"`` or ``"chosen on validation"``.
    data : Dataset or None
        The data set it was trained on, whose training points are drawn (None:
        the figure's data set).
    activation : str
        Its hidden layers' activation.
    data_name : str
        Its data set's name, for the figure's note when that data set is not in the plane.
    """

    init: str
    scale: float
    seed: int
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    train_accuracy: float
    test_accuracy: float
    role: str = ""
    data: Dataset | None = None
    activation: str = "relu"
    data_name: str = ""


def boundary_cells(
    cells: list[dict], selection: pd.DataFrame, notebook: list[tuple[str, float]], at: dict
) -> list[tuple[dict, str]]:
    """The cells whose networks the decision-boundary figure shows.

    The notebook's runs (at the notebook's learning rate on its data set, ``at``)
    present in the grid, then each initializer's cell chosen on validation,
    stratum by stratum (never chosen on test).

    Parameters
    ----------
    cells : list of dict
        The grid's cells (axis name -> value).
    selection : pandas.DataFrame
        ``selection.csv``: ``init``, the chosen axes and the stratum axes the grid has
        (one record per initializer and stratum).
    notebook : list of (str, float)
        The notebook's runs (``initstudy.model.notebook.PRINTED``'s keys).
    at : dict
        The further-axis values of the notebook's runs, e.g. ``{"learning_rate": 0.01}``.

    Returns
    -------
    list of (cell, role)
        ``cell`` is one of ``cells``.
    """
    present = {tuple(sorted(cell.items())): cell for cell in cells}

    def find(values: dict) -> dict | None:
        matches = [
            cell for cell in present.values()
            if all(cell.get(axis) == value for axis, value in values.items() if axis in cell)
        ]  # fmt: skip
        return matches[0] if matches else None

    chosen = []
    for init, scale in notebook:
        cell = find({"init": init, "scale": float(scale), **at})
        if cell is not None:
            chosen.append((cell, "notebook run"))
    axes = [axis for axis in selection.columns if axis in next(iter(present.values()), {})]
    for record in selection.to_dict("records"):
        cell = find({axis: record[axis] for axis in axes})
        if cell is not None:
            chosen.append((cell, "chosen on validation"))
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

    Networks trained on a data set that is not in the plane (:func:`in_plane`) have no
    decision regions to draw: they are left out, and the figure's title says how many,
    on which data sets.

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
    shown = [in_plane(panel.data if panel.data is not None else dataset) for panel in panels]
    left_out = [panel for panel, drawn in zip(panels, shown, strict=True) if not drawn]
    panels = [panel for panel, drawn in zip(panels, shown, strict=True) if drawn]
    fig, axes = panel_grid(max(1, len(panels)), 3, (3.6, 3.8), sharex=True, sharey=True)
    axis = np.linspace(*BOUNDARY_EXTENT, resolution)
    mesh = np.meshgrid(axis, axis)
    if not panels and left_out:
        panel_message(
            axes[0], "no network on a data set\nin the plane: no decision\nregions to draw"
        )
        axes[0].set_axis_off()
    elif not panels:
        panel_message(axes[0], "no network to show")
    for ax, panel in zip(axes, panels, strict=False):  # one spare axis if none
        _draw_regions(ax, panel, mesh)
        data = panel.data if panel.data is not None else dataset
        _scatter_classes(
            ax, data.X_train, data.y_train, False, s=8, edgecolors="black", linewidths=0.2
        )
        _frame_panel(ax, panel)
    if panels:
        axes[0].legend(loc="lower left", fontsize=6, framealpha=0.9)
    title = "Decision regions of trained networks (shading: predicted class; dots: train set)"
    if left_out:
        title = title if panels else "Decision regions of trained networks"
        fig.suptitle(f"{title}\n{_left_out_note(left_out, dataset)}", wrap=True)
    else:
        fig.suptitle(title)
    tidy_axes(axes, 3)
    return fig


def _left_out_note(panels: list[BoundaryPanel], dataset: Dataset) -> str:
    """What the decision-region figure leaves out: networks whose data are not in the plane."""
    names = list(dict.fromkeys(panel.data_name for panel in panels if panel.data_name))
    widths = {(panel.data if panel.data is not None else dataset).n_features for panel in panels}
    where = f" on {', '.join(names)}" if names else ""
    count = f"{len(panels)} network{'s' if len(panels) != 1 else ''}"
    features = "/".join(map(str, sorted(widths)))
    return f"not drawn: {count}{where} ({features} input features, not points in the plane)"


def _draw_regions(ax, panel: BoundaryPanel, mesh: tuple[np.ndarray, np.ndarray]) -> None:
    """Shade the plane by the class the network predicts, or say that it diverged."""
    # Imported here: the trainer (and its optional numba kernels) only matters to this figure.
    from initstudy.model.train import predict

    if not all(np.isfinite(W).all() for W in panel.weights):
        panel_message(ax, "this network diverged:\nno decision boundary")
        return
    xx, yy = mesh
    regions = ListedColormap([_tint(c, 0.72) for c in CLASS_COLORS])
    with np.errstate(all="ignore"):
        points = np.vstack([xx.ravel(), yy.ravel()])
        labels = predict(panel.weights, panel.biases, points, panel.activation)[0]
        labels = labels.reshape(xx.shape)
    ax.pcolormesh(xx, yy, labels, cmap=regions, vmin=0, vmax=1, shading="auto")


def _frame_panel(ax, panel: BoundaryPanel) -> None:
    """Title, coloured frame and the square extent of one network's panel."""
    role = f"\n{panel.role}" if panel.role else ""
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
