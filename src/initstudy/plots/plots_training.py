"""Figures of training: the notebook's cost curves, cost curves over seeds, initial cost."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from initstudy.grid.axes import CHOSEN_AXES
from initstudy.grid.grid import stratum_label
from initstudy.plots.plots import (
    LN2,
    corner_note,
    init_color,
    inits_in_order,
    log_cost_axis,
    panel_grid,
    panel_message,
    tidy_axes,
)
from initstudy.plots.plots_facets import (
    COLUMN_AXIS,
    facet,
    levels,
    panel_rows,
    scale_axis,
)
from initstudy.util.labels import cell_label


def _ln2_line(ax) -> None:
    """The cost of answering 0.5 everywhere, dashed."""
    ax.axhline(LN2, color="black", ls="--", lw=0.8)


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
        are ``initstudy.model.notebook.PRINTED``'s keys (zeros ×1, random ×10, he ×1).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per run, log-scale cost; a run missing from ``costs`` gets a
        panel saying so, a diverged run a note where its curve stops.
    """
    fig, axes = panel_grid(len(cells), 3, (3.8, 3.4), sharex=True, sharey=True)
    drawn = False
    for ax, (init, scale) in zip(axes, cells, strict=True):
        label = cell_label(init, scale)
        ax.set_title(f"{label}, seed {seed}", color=init_color(init))
        ax.set_xlabel("iteration")
        rows = _curve(costs, init, scale, seed)
        if rows.empty:
            panel_message(ax, f"{label}, seed {seed}:\nnot in this grid")
            continue
        drawn |= _draw_run(ax, rows, init, label)
    if drawn:
        log_cost_axis(axes[0])
    axes[0].set_ylabel("cross-entropy cost (log)")
    fig.suptitle(
        "The notebook's three runs: training cost (dashed: ln 2, the cost of guessing 0.5)"
    )
    tidy_axes(axes, 3)
    return fig


def _draw_run(ax, rows: pd.DataFrame, init: str, label: str) -> bool:
    """One network's cost curve, where it diverged and its final cost; True if drawn."""
    x = rows["iteration"].to_numpy(dtype=float)
    y = rows["cost"].to_numpy(dtype=float)
    ok = np.isfinite(y) & (y > 0)
    if ok.any():
        ax.plot(x[ok], y[ok], marker="o", ms=3, color=init_color(init), label=label)
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
    _ln2_line(ax)
    final = y[ok][-1] if ok.any() else math.nan
    if np.isfinite(final):
        corner_note(ax, f"final cost {final:.3g}")
    return bool(ok.any())


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


def plot_cost_curves(costs: pd.DataFrame, selection: pd.DataFrame) -> Figure:
    """Cost over training of each initializer at its cell chosen on validation.

    Parameters
    ----------
    costs : pandas.DataFrame
        Long-form costs: the grid's axes, ``seed, iteration, cost``.
    selection : pandas.DataFrame
        ``selection.csv``: each initializer's chosen (scale, learning rate), per stratum.

    Returns
    -------
    matplotlib.figure.Figure
        One panel row per stratum (data set, depth, width), one panel per initializer:
        median over seeds, interquartile band and every seed as a faint line; log-scale
        cost.
    """
    groups = panel_rows(selection)
    inits = inits_in_order(selection)
    ncols = max(1, len(inits))
    fig, axes = panel_grid(max(1, len(groups) * len(inits)), ncols, (3.2, 2.8), sharex=True,
                           sharey=True)  # fmt: skip
    drawn = False
    for k, (stratum, record) in enumerate(_chosen_in_grid(groups, inits)):
        if record is None:
            panel_message(axes[k], "not chosen")
            continue
        cell = {axis: record[axis] for axis in CHOSEN_AXES if axis in record}
        rows = facet(costs, init=record["init"], **stratum, **cell)
        drawn |= _draw_seed_curves(axes[k], rows, record, stratum_label(stratum))
    if drawn:
        log_cost_axis(axes[0])
        axes[0].legend(fontsize=7, loc="upper right")
    if not inits:
        panel_message(axes[0], "no cost curves")
    for ax in axes[::ncols]:
        ax.set_ylabel("cross-entropy cost (log)")
    fig.suptitle(
        "Training cost of each initializer at its cell chosen on validation: median, "
        "interquartile band, faint lines: single seeds; dashed: ln 2",
        fontsize=10,
    )
    tidy_axes(axes, ncols)
    return fig


def _chosen_in_grid(groups: list[tuple[dict, pd.DataFrame]], inits: list[str]):
    """The stratum and selection record of each (stratum, initializer) panel, row by row;
    the record None if absent."""
    for stratum, rows in groups:
        for init in inits:
            match = rows[rows["init"] == init]
            yield stratum, (match.iloc[0].to_dict() if len(match) else None)


def _draw_seed_curves(ax, cell: pd.DataFrame, record: dict, stratum: str | None) -> bool:
    """Every seed's curve of one cell (in the stratum so named), their median and quartiles;
    True if any is finite."""
    init = record["init"]
    color = init_color(init)
    seeds = cell["seed"].nunique()
    title = cell_label(init, record["scale"])
    title += f", lr {record[COLUMN_AXIS]:g}" if COLUMN_AXIS in record else ""
    title += "" if stratum is None else f" ({stratum})"
    ax.set_title(f"{title}\n{seeds} seeds", color=color, fontsize=9)
    ax.set_xlabel("iteration")
    for _, curve in cell.groupby("seed", sort=True):
        y = curve["cost"].to_numpy(dtype=float)
        ok = np.isfinite(y) & (y > 0)
        if ok.any():
            x = curve["iteration"].to_numpy(dtype=float)
            ax.plot(x[ok], y[ok], color=color, lw=0.5, alpha=0.25)
    q = cost_quantiles(cell)
    ok = np.isfinite(q["median"].to_numpy()) & (q["median"].to_numpy() > 0)
    _ln2_line(ax)
    if not ok.any():
        panel_message(ax, "every seed diverged:\nno finite cost")
        return False
    x = q["iteration"].to_numpy(dtype=float)
    ax.fill_between(
        x[ok], q["q25"][ok], q["q75"][ok], color=color, alpha=0.3, lw=0, label="quartiles"
    )
    ax.plot(x[ok], q["median"][ok], color=color, lw=2, label="median")
    diverged = int(seeds - q["n_finite"].iloc[-1])
    if diverged:
        corner_note(ax, f"{diverged} of {seeds} seeds diverged")
    return True


def plot_initial_cost(runs: pd.DataFrame) -> Figure:
    """Cost of the untrained networks against their scale, per stratum and initializer.

    The initial cost does not depend on the learning rate, so one learning rate's
    runs (the first) are drawn.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table with the grid's axes, ``seed`` and ``initial_cost``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel row per stratum (data set, depth, width), one panel per initializer
        (table order), every seed a point (spread sideways a little), a black bar at
        each cell's median, log-scale cost shared by all panels and a dashed line at ln 2.
    """
    inits = inits_in_order(runs)
    groups = panel_rows(runs)
    rate = levels(runs, COLUMN_AXIS)[0]
    ncols = max(1, len(inits))
    fig, axes = panel_grid(max(1, len(inits) * len(groups)), ncols, (3.0, 2.8), sharey=True)
    skipped = drawn = 0
    panels = [(stratum, rows, init) for stratum, rows in groups for init in inits]
    for ax, (stratum, stratum_rows, init) in zip(axes, panels, strict=False):  # spare if none
        rows = facet(stratum_rows, init=init, **{COLUMN_AXIS: rate})
        label = stratum_label(stratum)
        ax.set_title(init if label is None else f"{init} ({label})", color=init_color(init),
                     fontsize=9)  # fmt: skip
        _ln2_line(ax)
        for scale, cell in rows.groupby("scale", sort=True):
            cost = cell["initial_cost"].to_numpy(dtype=float)
            values = np.sort(cost[np.isfinite(cost) & (cost > 0)])
            skipped += cost.size - values.size
            drawn += values.size
            _draw_cell_costs(ax, scale, values, init_color(init))
        scale_axis(ax, rows["scale"])
        ax.set_xlim(ax.get_xlim()[0] / 1.1, ax.get_xlim()[1] * 1.1)
    if drawn:
        log_cost_axis(axes[0])
    if not inits:
        panel_message(axes[0], "no runs")
    for ax in axes[::ncols]:
        ax.set_ylabel("cost before training (log)")
    title = (
        "Cost of the untrained networks (dots: seeds, bar: median; dashed: ln 2, output 0.5 "
        "everywhere).\nLarge weights saturate the output sigmoid: the network starts "
        "confidently wrong on many points."
    )
    if skipped:
        title += f" ({skipped} non-finite costs not shown)"
    fig.suptitle(title, fontsize=10)
    tidy_axes(axes, ncols)
    return fig


def _draw_cell_costs(ax, scale: float, values: np.ndarray, color: str) -> None:
    """One cell's initial costs as points spread around its scale, with a bar at the median."""
    if not values.size:
        return
    spread = np.linspace(-1.0, 1.0, values.size) if values.size > 1 else np.zeros(1)
    ax.scatter(scale * 1.12**spread, values, s=10, color=color, alpha=0.75, edgecolors="none")
    ax.hlines(np.median(values), scale / 1.2, scale * 1.2, color="black", lw=1.5)
