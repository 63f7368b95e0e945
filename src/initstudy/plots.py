"""Figures of the study, one function per figure, each returning a matplotlib Figure.

The functions take the tidy tables (``runs``, ``costs``, ``summary``) and arrays,
never file names of the workflow, so that they can be tested without Snakemake;
:func:`save_figure` writes a figure atomically. Every figure colours an
initializer with :data:`COLORS`. Cells without a finite value are left out of
a plot (or labelled in words), never drawn as NaN.

Figures are built on :class:`matplotlib.figure.Figure` directly, not through
``pyplot``: no global state, no GUI backend, nothing to close.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
)

from initstudy.atomic import atomic_path
from initstudy.config import format_scale
from initstudy.init import REGISTRY

if TYPE_CHECKING:
    from initstudy.data import Dataset

#: One colour per initializer, declared in its :data:`initstudy.init.REGISTRY` entry
#: (Okabe-Ito palette, safe for colour-blind readers).
COLORS: dict[str, str] = {name: entry.color for name, entry in REGISTRY.items()}
#: Colour of an initializer missing from :data:`COLORS`.
FALLBACK_COLOR = "#999999"
#: Point colours of the two classes (0: outer circle, 1: inner circle).
CLASS_COLORS = ("#C0392B", "#2E6DB4")
CLASS_NAMES = ("class 0 (outer circle)", "class 1 (inner circle)")
#: Square over which decision regions are drawn, as in the course's plots.
BOUNDARY_EXTENT = (-1.5, 1.5)
LN2 = math.log(2.0)
TIMES = "\N{MULTIPLICATION SIGN}"
SCALE_LABEL = f"scale ({TIMES} base std, log)"
DPI = 150


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
    return COLORS.get(init, FALLBACK_COLOR)


def cell_label(init: str, scale: float) -> str:
    """Short name of a cell, e.g. ``he ×1`` or ``random ×0.01``.

    Parameters
    ----------
    init : str
    scale : float

    Returns
    -------
    str
    """
    return f"{init} {TIMES}{format_scale(scale)}"


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


def _inits(frame: pd.DataFrame) -> list[str]:
    """Initializers in order of first appearance (config order for the study's tables)."""
    return list(dict.fromkeys(frame["init"]))


def _scale_axis(ax, scales) -> None:
    """Log x axis with a tick at every scale of the grid, labelled as in the tables."""
    scales = sorted({float(s) for s in scales if np.isfinite(s) and s > 0})
    ax.set_xscale("log")
    if scales:
        ax.xaxis.set_major_locator(FixedLocator(scales))
        ax.set_xticklabels([format_scale(s) for s in scales])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlim(scales[0] / 1.6, scales[-1] * 1.6)
    ax.set_xlabel(SCALE_LABEL)


def _log_cost_axis(ax) -> None:
    """Log y axis for costs, ticks at 1, 2, 5 times powers of ten, written as plain numbers."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _corner_note(ax, text: str) -> None:
    """A small note in the top-right corner of a panel."""
    ax.text(0.97, 0.95, text, transform=ax.transAxes, ha="right", va="top", fontsize=8)


def _panel_note(ax, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        color="#444444",
        wrap=True,
    )


def _grid(n: int, ncols: int, size: tuple[float, float], **kwargs) -> tuple[Figure, list]:
    """A figure with ``n`` panels in rows of ``ncols``; unused panels removed."""
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs).ravel()
    for ax in axes[n:]:
        ax.remove()
    return fig, list(axes[:n])


def _tidy(axes: list, ncols: int) -> None:
    """Keep shared axis labels on the outer panels only.

    A panel keeps its x labels unless another panel sits below it, and its y
    labels only in the first column (when the axes are shared).
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


# --- 1. the dataset -----------------------------------------------------------


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
    fig, axes = _grid(2, 2, (4.2, 4.4), sharex=True, sharey=True)
    splits = (
        ("train", dataset.X_train, dataset.y_train),
        ("test", dataset.X_test, dataset.y_test),
    )
    for ax, (name, X, y) in zip(axes, splits, strict=True):
        for label in (0, 1):
            points = X[np.asarray(y) == label]
            ax.scatter(
                points[:, 0],
                points[:, 1],
                s=14,
                color=CLASS_COLORS[label],
                edgecolors="white",
                linewidths=0.3,
                label=f"{CLASS_NAMES[label]}: {len(points)}",
            )
        ax.set_title(f"{name} split: {len(X)} points")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal")
        ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
    title = "Circles dataset: two classes, not linearly separable"
    if noise is not None:
        title += f" (noise std {noise:g})"
    fig.suptitle(title)
    _tidy(axes, 2)
    return fig


# --- 2. the notebook's cost curves --------------------------------------------


def _curve(costs: pd.DataFrame, init: str, scale: float, seed: int) -> pd.DataFrame:
    rows = costs[(costs["init"] == init) & (costs["scale"] == scale) & (costs["seed"] == seed)]
    return rows.sort_values("iteration")


def plot_notebook_costs(costs: pd.DataFrame, seed: int, cells: list[tuple[str, float]]) -> Figure:
    """Cost curves of the notebook's runs (one network each, at ``seed``).

    Parameters
    ----------
    costs : pandas.DataFrame
        Long-form costs: ``init, scale, seed, iteration, cost``.
    seed : int
        The seed of the notebook's runs.
    cells : list of (str, float)
        The (initializer, scale) of each run, one panel each: the notebook's
        are ``initstudy.notebook.PRINTED``'s keys (zeros ×1, random ×10, he ×1).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per run, log-scale cost; a run missing from ``costs`` gets a
        panel saying so, a diverged run a note where its curve stops.
    """
    fig, axes = _grid(len(cells), 3, (3.8, 3.4), sharex=True, sharey=True)
    drawn = False
    for ax, (init, scale) in zip(axes, cells, strict=True):
        label = cell_label(init, scale)
        ax.set_title(f"{label}, seed {seed}", color=init_color(init))
        ax.set_xlabel("iteration")
        rows = _curve(costs, init, scale, seed)
        if rows.empty:
            _panel_note(ax, f"{label}, seed {seed}:\nnot in this grid")
            continue
        x = rows["iteration"].to_numpy(dtype=float)
        y = rows["cost"].to_numpy(dtype=float)
        ok = np.isfinite(y) & (y > 0)
        if ok.any():
            ax.plot(x[ok], y[ok], marker="o", ms=3, color=init_color(init), label=label)
            drawn = True
        if not ok.all():
            stop = x[~ok][0]
            ax.axvline(stop, color="black", ls=":", lw=1)
            ax.annotate(
                f"diverged at iteration {stop:g}",
                (stop, 0.5),
                xycoords=("data", "axes fraction"),
                rotation=90,
                ha="right",
                va="center",
                fontsize=8,
            )
        ax.axhline(LN2, color="black", ls="--", lw=0.8)
        final = y[ok][-1] if ok.any() else math.nan
        if np.isfinite(final):
            _corner_note(ax, f"final cost {final:.3g}")
    if drawn:
        _log_cost_axis(axes[0])
    axes[0].set_ylabel("cross-entropy cost (log)")
    fig.suptitle(
        "The notebook's three runs: training cost (dashed: ln 2, the cost of guessing 0.5)"
    )
    _tidy(axes, 3)
    return fig


# --- 3. decision boundaries ---------------------------------------------------


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
    for init in _inits(summary):
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


def _mesh(n: int) -> tuple[np.ndarray, np.ndarray]:
    axis = np.linspace(*BOUNDARY_EXTENT, n)
    return np.meshgrid(axis, axis)


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
    # Imported here: the trainer (and its optional numba kernels) only matters to this figure.
    from initstudy.train import predict

    n = max(1, len(panels))
    fig, axes = _grid(n, 3, (3.6, 3.8), sharex=True, sharey=True)
    xx, yy = _mesh(resolution)
    grid = np.vstack([xx.ravel(), yy.ravel()])
    regions = ListedColormap([_tint(c, 0.72) for c in CLASS_COLORS])
    if not panels:
        _panel_note(axes[0], "no network to show")
    for ax, panel in zip(axes, panels, strict=False):  # one spare axis if none
        label = cell_label(panel.init, panel.scale)
        finite = all(np.isfinite(W).all() for W in panel.weights)
        if finite:
            with np.errstate(all="ignore"):
                labels = predict(panel.weights, panel.biases, grid)[0].reshape(xx.shape)
            ax.pcolormesh(xx, yy, labels, cmap=regions, vmin=0, vmax=1, shading="auto")
        else:
            _panel_note(ax, "this network diverged:\nno decision boundary")
        for cls in (0, 1):
            points = dataset.X_train[np.asarray(dataset.y_train) == cls]
            ax.scatter(
                points[:, 0],
                points[:, 1],
                s=8,
                color=CLASS_COLORS[cls],
                edgecolors="black",
                linewidths=0.2,
                label=CLASS_NAMES[cls],
            )
        accuracy = _accuracy_text(panel.train_accuracy, panel.test_accuracy)
        role = f" ({panel.role})" if panel.role else ""
        title = f"{label}, seed {panel.seed}{role}\n{accuracy}"
        ax.set_title(title, fontsize=9, color=init_color(panel.init))
        for spine in ax.spines.values():
            spine.set_edgecolor(init_color(panel.init))
            spine.set_linewidth(2)
        ax.set_xlim(*BOUNDARY_EXTENT)
        ax.set_ylim(*BOUNDARY_EXTENT)
        ax.set_aspect("equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    if panels:
        axes[0].legend(loc="lower left", fontsize=6, framealpha=0.9)
    fig.suptitle("Decision regions of trained networks (shading: predicted class; dots: train set)")
    _tidy(axes, 3)
    return fig


def _tint(color: str, amount: float) -> tuple[float, float, float]:
    """``color`` mixed with white (``amount`` 0: unchanged, 1: white)."""
    return tuple(c + (1.0 - c) * amount for c in to_rgb(color))


def _accuracy_text(train: float, test: float) -> str:
    if not (np.isfinite(train) and np.isfinite(test)):
        return "diverged: no accuracy"
    return f"train acc {train:.2f}, test acc {test:.2f}"


# --- 4. accuracy and success rate against scale --------------------------------


def _dodge(inits: list[str], init: str, step: float = 1.05) -> float:
    """Multiplicative x offset that keeps overlapping markers of different inits apart."""
    k = inits.index(init) - (len(inits) - 1) / 2
    return step**k


def plot_accuracy_vs_scale(summary: pd.DataFrame, threshold: float, level: float) -> Figure:
    """Mean test accuracy and success rate of every cell against its scale.

    Parameters
    ----------
    summary : pandas.DataFrame
        Per-cell table (``initstudy.stats.SUMMARY_COLUMNS``).
    threshold : float
        Test accuracy counted as a success, drawn as a dashed line.
    level : float
        Confidence level of the intervals, quoted in the labels.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: mean test accuracy with its bootstrap band; success rate
        with Wilson error bars. An initializer with one scale is one marker.
    """
    fig, (acc, success) = _grid(2, 2, (5.6, 4.4), sharex=True)
    inits = _inits(summary)
    pct = f"{level:.0%}"
    for init in inits:
        rows = summary[summary["init"] == init].sort_values("scale")
        color = init_color(init)
        dodge = _dodge(inits, init)
        x = rows["scale"].to_numpy(dtype=float) * dodge
        mean = rows["test_accuracy_mean"].to_numpy(dtype=float)
        low = rows["test_accuracy_ci_low"].to_numpy(dtype=float)
        high = rows["test_accuracy_ci_high"].to_numpy(dtype=float)
        ok = np.isfinite(mean)
        if ok.sum() == 1 and len(rows) == 1:
            band = np.isfinite(low[ok]) & np.isfinite(high[ok])
            yerr = np.vstack([mean[ok] - low[ok], high[ok] - mean[ok]]) if band.all() else None
            acc.errorbar(
                x[ok], mean[ok], yerr=yerr, fmt="s", ms=6, color=color, capsize=3, label=init
            )
        elif ok.any():
            acc.plot(x[ok], mean[ok], marker="o", ms=4, color=color, label=init)
            band = ok & np.isfinite(low) & np.isfinite(high)
            acc.fill_between(x, low, high, where=band, color=color, alpha=0.15, lw=0)
        rate = rows["success_rate"].to_numpy(dtype=float)
        r_low = rows["success_ci_low"].to_numpy(dtype=float)
        r_high = rows["success_ci_high"].to_numpy(dtype=float)
        has = np.isfinite(rate) & np.isfinite(r_low) & np.isfinite(r_high)
        if has.any():
            yerr = np.vstack([rate[has] - r_low[has], r_high[has] - rate[has]])
            single = len(rows) == 1
            success.errorbar(
                x[has],
                rate[has],
                yerr=np.clip(yerr, 0, None),
                fmt="s" if single else "o-",
                ms=6 if single else 4,
                color=color,
                capsize=2,
                elinewidth=0.9,
                lw=1.2,
                label=init,
            )
    success.axhline(threshold, color="black", ls="--", lw=0.8, label=f"threshold {threshold:g}")
    _scale_axis(acc, summary["scale"])
    _scale_axis(success, summary["scale"])
    acc.set_ylim(-0.02, 1.02)
    success.set_ylim(-0.04, 1.04)
    acc.set_ylabel(f"mean test accuracy (fraction; band: {pct} bootstrap CI)")
    success.set_ylabel(f"success rate (fraction of seeds; bars: {pct} Wilson CI)")
    acc.set_title("Test accuracy, mean over seeds")
    success.set_title(f"Share of seeds with test accuracy ≥ {threshold:g} (dashed line)")
    acc.axhline(threshold, color="black", ls="--", lw=0.8, label=f"success threshold {threshold:g}")
    handles = dict(zip(*reversed(acc.get_legend_handles_labels()), strict=True))
    order = [label for label in [*inits, f"success threshold {threshold:g}"] if label in handles]
    acc.legend([handles[label] for label in order], order, fontsize=8, loc="lower left")
    fig.suptitle(
        "Accuracy against the initial weight scale (markers offset slightly to stay visible)"
    )
    return fig


# --- 5. heatmap -----------------------------------------------------------------


def plot_heatmap(summary: pd.DataFrame, threshold: float) -> Figure:
    """Mean test accuracy of every (initializer, scale) cell, with its success count.

    Parameters
    ----------
    summary : pandas.DataFrame
        Per-cell table (``initstudy.stats.SUMMARY_COLUMNS``).
    threshold : float
        Test accuracy counted as a success (quoted in the title).

    Returns
    -------
    matplotlib.figure.Figure
        Initializers as rows (table order), scales as columns (sorted); a cell
        not in the grid is blank, a cell without finite accuracy is grey.
    """
    inits = _inits(summary)
    scales = sorted({float(s) for s in summary["scale"]})
    values = np.full((len(inits), len(scales)), np.nan)
    notes: dict[tuple[int, int], tuple[str, bool]] = {}
    for row in summary.itertuples(index=False):
        i, j = inits.index(row.init), scales.index(float(row.scale))
        mean = float(row.test_accuracy_mean)
        count = f"{int(row.n_success)}/{int(row.n_seeds)}"
        if np.isfinite(mean):
            values[i, j] = mean
            notes[i, j] = (f"{mean:.2f}\n{count}", mean)
        else:
            notes[i, j] = (f"diverged\n{count}", None)
    fig = Figure(
        figsize=(max(5.5, 2.2 + 0.95 * len(scales)), 1.6 + 0.62 * max(1, len(inits))),
        layout="constrained",
    )
    ax = fig.subplots()
    finite = values[np.isfinite(values)]
    vmin = min(0.5, float(finite.min())) if finite.size else 0.5
    cmap = _heat_cmap()
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=1.0, aspect="auto")
    for (i, j), (text, mean) in notes.items():
        if mean is None:
            ax.add_patch(_grey_cell(j, i))
            color = "black"
        else:
            r, g, b, _ = cmap((mean - vmin) / (1.0 - vmin) if vmin < 1 else 1.0)
            color = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(len(scales)), [format_scale(s) for s in scales])
    ax.set_yticks(range(len(inits)), inits)
    for tick, init in zip(ax.get_yticklabels(), inits, strict=True):
        tick.set_color(init_color(init))
    ax.set_xlabel(f"scale ({TIMES} base std)")
    ax.set_ylabel("initializer")
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, label="mean test accuracy (fraction)", shrink=0.9)
    ax.set_title(
        "Mean test accuracy over seeds\n"
        f"(below it: k of n seeds reached test accuracy ≥ {threshold:g})",
        fontsize=10,
    )
    return fig


def _heat_cmap():
    from matplotlib import colormaps

    cmap = colormaps["viridis"].copy()
    cmap.set_bad("white")
    return cmap


def _grey_cell(x: int, y: int):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, color="#dddddd", lw=0)


# --- 6. cost curves over seeds ------------------------------------------------------


def nearest_scale(scales, target: float = 1.0) -> float:
    """The scale closest to ``target`` on a log axis (the smaller one on ties).

    Parameters
    ----------
    scales : array_like of float
        Positive scales.
    target : float

    Returns
    -------
    float
    """
    scales = sorted({float(s) for s in scales})
    if not scales:
        raise ValueError("no scales to choose from")
    return min(scales, key=lambda s: (abs(math.log(s / target)), s))


def cost_quantiles(costs: pd.DataFrame) -> pd.DataFrame:
    """Median and quartiles of the cost over seeds at each logged iteration.

    NaN costs (diverged networks) are left out; an iteration where every seed
    diverged has NaN quantiles.

    Parameters
    ----------
    costs : pandas.DataFrame
        Long-form costs of one cell: ``seed, iteration, cost``.

    Returns
    -------
    pandas.DataFrame
        Columns ``iteration, q25, median, q75, n_finite``, by iteration.
    """
    groups = costs.groupby("iteration", sort=True)["cost"]
    table = pd.DataFrame(
        {
            "q25": groups.quantile(0.25),
            "median": groups.median(),
            "q75": groups.quantile(0.75),
            "n_finite": groups.count(),
        }
    )
    return table.reset_index()


def plot_cost_curves(costs: pd.DataFrame, target: float = 1.0) -> Figure:
    """Cost over training of each initializer at its scale nearest ``target``.

    Parameters
    ----------
    costs : pandas.DataFrame
        Long-form costs: ``init, scale, seed, iteration, cost``.
    target : float
        Scale to show (the nearest one on a log axis where it is not in the grid).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per initializer: median over seeds, interquartile band, and
        every seed as a faint line; log-scale cost.
    """
    inits = _inits(costs)
    fig, axes = _grid(max(1, len(inits)), 3, (3.8, 3.2), sharex=True, sharey=True)
    drawn = False
    for ax, init in zip(axes, inits, strict=False):  # one spare axis if none
        rows = costs[costs["init"] == init]
        scale = nearest_scale(rows["scale"], target)
        cell = rows[rows["scale"] == scale]
        color = init_color(init)
        seeds = cell["seed"].nunique()
        ax.set_title(f"{cell_label(init, scale)} ({seeds} seeds)", color=color, fontsize=10)
        ax.set_xlabel("iteration")
        for _, curve in cell.groupby("seed", sort=True):
            y = curve["cost"].to_numpy(dtype=float)
            ok = np.isfinite(y) & (y > 0)
            if ok.any():
                x = curve["iteration"].to_numpy(dtype=float)
                ax.plot(x[ok], y[ok], color=color, lw=0.5, alpha=0.25)
        q = cost_quantiles(cell)
        ok = np.isfinite(q["median"].to_numpy()) & (q["median"].to_numpy() > 0)
        ax.axhline(LN2, color="black", ls="--", lw=0.8)
        if not ok.any():
            _panel_note(ax, "every seed diverged:\nno finite cost")
            continue
        drawn = True
        x = q["iteration"].to_numpy(dtype=float)
        ax.fill_between(
            x[ok], q["q25"][ok], q["q75"][ok], color=color, alpha=0.3, lw=0, label="quartiles"
        )
        ax.plot(x[ok], q["median"][ok], color=color, lw=2, label="median")
        diverged = int(seeds - q["n_finite"].iloc[-1])
        if diverged:
            _corner_note(ax, f"{diverged} of {seeds} seeds diverged")
    if drawn:
        _log_cost_axis(axes[0])
        axes[0].legend(fontsize=7, loc="upper right")
    if not inits:
        _panel_note(axes[0], "no cost curves")
    for ax in axes[:: min(3, len(axes))]:
        ax.set_ylabel("cross-entropy cost (log)")
    fig.suptitle(
        "Training cost over seeds at scale 1 (or nearest): median, interquartile band, "
        "faint lines: single seeds; dashed: ln 2"
    )
    _tidy(axes, 3)
    return fig


# --- 7. initial cost -----------------------------------------------------------------


def plot_initial_cost(runs: pd.DataFrame) -> Figure:
    """Cost of the untrained networks against their scale, one panel per initializer.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with ``init, scale, seed, initial_cost``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per initializer (table order), every seed a point (spread
        sideways a little), a black bar at each cell's median, log-scale cost
        shared by all panels and a dashed line at ln 2.
    """
    inits = _inits(runs)
    fig, axes = _grid(max(1, len(inits)), 3, (3.6, 3.0), sharey=True)
    skipped, drawn = 0, False
    for ax, init in zip(axes, inits, strict=False):  # one spare axis if none
        rows = runs[runs["init"] == init]
        color = init_color(init)
        ax.set_title(init, color=color, fontsize=10)
        ax.axhline(LN2, color="black", ls="--", lw=0.8)
        for scale, cell in rows.groupby("scale", sort=True):
            cost = cell["initial_cost"].to_numpy(dtype=float)
            values = np.sort(cost[np.isfinite(cost) & (cost > 0)])
            skipped += cost.size - values.size
            if not values.size:
                continue
            drawn = True
            spread = np.linspace(-1.0, 1.0, values.size) if values.size > 1 else np.zeros(1)
            ax.scatter(
                scale * 1.12**spread, values, s=10, color=color, alpha=0.75, edgecolors="none"
            )
            ax.hlines(np.median(values), scale / 1.2, scale * 1.2, color="black", lw=1.5)
        _scale_axis(ax, rows["scale"])
        ax.set_xlim(ax.get_xlim()[0] / 1.1, ax.get_xlim()[1] * 1.1)
    if drawn:
        _log_cost_axis(axes[0])
    if not inits:
        _panel_note(axes[0], "no runs")
    for ax in axes[:: min(3, len(axes))]:
        ax.set_ylabel("cost before training (log)")
    title = (
        "Cost of the untrained networks (dots: seeds, bar: median; dashed: ln 2, output 0.5 "
        "everywhere).\nLarge weights saturate the output sigmoid: the network starts "
        "confidently wrong on many points."
    )
    if skipped:
        title += f" ({skipped} non-finite costs not shown)"
    fig.suptitle(title, fontsize=10)
    _tidy(axes, 3)
    return fig
