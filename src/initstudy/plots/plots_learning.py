"""Figures of how fast and at which gain the networks learn: the share of runs learned over
training (Kaplan-Meier) of each initializer's chosen cell, and the success rate of every
cell against its He-equivalent gain."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from initstudy.analysis.survival import kaplan_meier, median_time
from initstudy.grid.axes import CHOSEN_AXES
from initstudy.plots.plots import (
    corner_note,
    finish_panels,
    init_color,
    inits_in_order,
    panel_grid,
    tidy_axes,
)
from initstudy.plots.plots_facets import (
    COLUMN_AXIS,
    facet,
    facet_title,
    full_budget,
    levels,
    panel_rows,
)
from initstudy.util.labels import TIMES, cell_label


def _chosen_runs(runs: pd.DataFrame, chosen: dict, stratum: dict) -> pd.DataFrame:
    """The runs of a chosen cell (its chosen axes, those the selection has) in its stratum."""
    cell = {axis: chosen[axis] for axis in CHOSEN_AXES if axis in chosen}
    return facet(runs, init=chosen["init"], **stratum, **cell)


def _chosen_label(chosen: dict, runs: pd.DataFrame, level: float) -> str:
    """``he ×1, lr 0.04: 20/20 learned, median 1500`` for the legend."""
    label = cell_label(chosen["init"], chosen["scale"])
    if COLUMN_AXIS in chosen:
        label += f", lr {chosen[COLUMN_AXIS]:g}"
    median = median_time(runs["time_to_learn"], runs["learned"], level)[0]
    label += f": {int(runs['learned'].sum())}/{len(runs)} learned"
    return label + (f", median {median:g}" if np.isfinite(median) else ", no median")


def _draw_learning(ax, runs: pd.DataFrame, color: str, label: str, budget: float, level: float):
    """The Kaplan-Meier share learned as a step function from 0 to the budget, with its band."""
    km = kaplan_meier(runs["time_to_learn"], runs["learned"], level)
    x = np.concatenate([[0.0], km["time"].to_numpy(dtype=float), [budget]])
    pad = [0.0]

    def steps(column):
        values = km[column].to_numpy(dtype=float)
        return np.concatenate([pad, values, values[-1:]])

    ax.step(x, steps("learned_share"), where="post", color=color, lw=1.8, label=label)
    ax.fill_between(x, steps("ci_low"), steps("ci_high"), step="post", color=color, alpha=0.15,
                    lw=0)  # fmt: skip


def plot_time_to_learn(
    runs: pd.DataFrame, selection: pd.DataFrame, threshold: float, level: float
) -> Figure:
    """Share of runs that have learned by each iteration, per initializer at its chosen cell.

    Parameters
    ----------
    runs : pandas.DataFrame
        ``runs.csv`` (``time_to_learn``, ``learned``; the budget is the largest time).
    selection : pandas.DataFrame
        ``selection.csv``: each initializer's cell chosen on validation (per stratum).
    threshold : float
        Validation accuracy counted as learned (quoted in the title).
    level : float
        Confidence level of the bands.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per stratum (data set, depth, width), side by side: a Kaplan-Meier
        step curve per initializer (runs still below the threshold at the budget are
        censored there) with its pointwise log-log band, and the median line at one half.
    """
    groups = panel_rows(selection)
    budget = float(runs["time_to_learn"].max())
    fig, axes = panel_grid(len(groups), len(groups), (5.6, 4.2), sharey=True)
    for ax, (stratum, rows) in zip(axes, groups, strict=True):
        for chosen in rows.to_dict("records"):
            cell = _chosen_runs(runs, chosen, stratum)
            if cell.empty:
                continue
            label = _chosen_label(chosen, cell, level)
            _draw_learning(ax, cell, init_color(chosen["init"]), label, budget, level)
        ax.axhline(0.5, color="black", ls=":", lw=0.8)
        ax.set_xlim(0, budget)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("iteration")
        ax.set_ylabel(f"share of runs learned ({level:.0%} band)")
        ax.set_title(facet_title(stratum) or "chosen cells", fontsize=10)
        # Below the panel, never over the curves it names: one entry per line.
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=1,
                  frameon=False)  # fmt: skip
    tidy_axes(axes, len(groups))
    fig.suptitle(
        # Three short lines: one panel (one stratum) is narrower than two long ones.
        f"Time to learn (validation accuracy ≥ {threshold:g})\nof each initializer at its cell "
        "chosen on validation\n(Kaplan–Meier; dotted: half the runs, the median)",
        fontsize=10,
    )
    return fig


def _draw_gain_panel(ax, rows: pd.DataFrame, inits: list[str]) -> list[str]:
    """Success rate against gain, one series per initializer; the notes of cells at gain 0."""
    notes = []
    for init in inits:
        cell = rows[rows["init"] == init].sort_values("he_equivalent_gain")
        gain = cell["he_equivalent_gain"].to_numpy(dtype=float)
        for record in cell[~(gain > 0)].to_dict("records"):
            notes.append(f"{init} (gain 0): {int(record['n_success'])}/{int(record['n_seeds'])}")
        cell = cell[gain > 0]
        if cell.empty:
            continue
        y = cell["success_rate"].to_numpy(dtype=float)
        bars = np.vstack([y - cell["success_ci_low"], cell["success_ci_high"] - y])
        bars = np.where(np.isfinite(bars), np.clip(bars, 0, None), 0.0)
        ax.errorbar(cell["he_equivalent_gain"], y, yerr=bars, fmt="o", ms=5, capsize=2,
                    elinewidth=0.8, color=init_color(init), alpha=0.85, label=init)  # fmt: skip
    return notes


def plot_effective_gain(summary: pd.DataFrame, gains: pd.DataFrame, threshold: float) -> Figure:
    """Success rate of every cell against its He-equivalent gain, per stratum and learning rate.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``summary.csv``; drawn at its full budget.
    gains : pandas.DataFrame
        ``gain.csv`` (``init``, ``scale``, ``he_equivalent_gain``).
    threshold : float
        Test accuracy counted as a success (quoted in the title).

    Returns
    -------
    matplotlib.figure.Figure
        Rows: strata (data set, depth, width); columns: learning rates; every
        initializer's cells on one log axis of gain (He ×g sits at g), success rate
        with Wilson bars; cells at gain 0 (zeros) are written in a corner.
    """
    table = full_budget(summary).merge(
        gains[["init", "scale", "he_equivalent_gain"]].drop_duplicates(), on=["init", "scale"]
    )
    groups, rates = panel_rows(table), levels(table, COLUMN_AXIS)
    inits = inits_in_order(table)
    ncols = len(rates)
    fig, axes = panel_grid(len(groups) * ncols, ncols, (3.6, 3.0), sharex=True, sharey=True)
    positive = table.loc[table["he_equivalent_gain"] > 0, "he_equivalent_gain"]
    facets = [(stratum, rows, rate) for stratum, rows in groups for rate in rates]
    for ax, (stratum, stratum_rows, rate) in zip(axes, facets, strict=True):
        rows = facet(stratum_rows, **{COLUMN_AXIS: rate})
        notes = _draw_gain_panel(ax, rows, inits)
        if notes:
            corner_note(ax, "\n".join(notes), corner="lower left")
        ax.axvline(1.0, color="black", ls=":", lw=0.8)
        ax.set_xscale("log")
        if len(positive):
            ax.set_xlim(positive.min() / 1.6, positive.max() * 1.6)
        ax.set_ylim(-0.04, 1.04)
        ax.set_xlabel(f"He-equivalent gain (He {TIMES}g, log)")
        ax.set_ylabel(f"share with test acc. ≥ {threshold:g}")
        ax.set_title(facet_title(stratum, rate) or "every cell", fontsize=9)
    title = f"Success rate against the He-equivalent gain (dotted: He {TIMES}1)\n"
    return finish_panels(fig, axes, ncols, title + "Wilson bars; full budget")
