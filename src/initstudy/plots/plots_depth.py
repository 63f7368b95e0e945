"""Figures of the depth study at initialization: forward signal and weight gradients per layer.

Non-finite values (an overflowed signal or gradient) are left out of the lines and counted
in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from initstudy.plots.plots import NOTE_COLOR, cells_in_order, corner_note, init_color, panel_grid
from initstudy.util.labels import cell_label

#: Individual seeds drawn as thin lines in the signal figure (the rest are in the band).
N_TRACES = 6


def _by_layer(rows: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Layers and a (seeds, layers) array of ``column``, non-finite or non-positive as NaN."""
    table = rows.pivot_table(index="seed", columns="layer", values=column, dropna=False)
    values = table.to_numpy(dtype=float)
    values[~(np.isfinite(values) & (values > 0))] = np.nan
    return table.columns.to_numpy(dtype=int), values


def _quantiles(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and central ``level`` interval over seeds per layer; NaN where no seed is finite."""
    out = np.full((3, values.shape[1]), np.nan)
    for k in range(values.shape[1]):
        column = values[:, k][np.isfinite(values[:, k])]
        if column.size:
            out[:, k] = np.quantile(column, [0.5, (1 - level) / 2, (1 + level) / 2])
    return out[0], out[1], out[2]


def _layer_axes(ax, ylabel: str, title: str, n_bad: int, bad_text: str) -> None:
    """Log y axis, labels, title and grid of a per-layer panel; note the networks not drawn."""
    ax.set_yscale("log")
    ax.set_xlabel("layer (last = output)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    if n_bad:
        corner_note(ax, bad_text, "lower left", NOTE_COLOR)
    ax.grid(True, which="major", color="#dddddd", lw=0.6)


def plot_signal(signal: pd.DataFrame, ratios: pd.DataFrame, level: float) -> Figure:
    """Forward second moment of the pre-activations against the layer, at the deepest depth.

    One panel per (initializer, scale): the median over seeds (thick), the
    central ``level`` interval over seeds (band), a few single seeds (thin) to
    show how one network wanders, the mean over seeds (dotted) and the theory
    ``q_1 * ratio^(l-1)`` (dashed).

    Parameters
    ----------
    signal : pandas.DataFrame
        Per-layer table (``initstudy.theory.depth_signal.SIGNAL_COLUMNS``).
    ratios : pandas.DataFrame
        Ratio table (``initstudy.theory.depth_signal.RATIO_COLUMNS``), for the panel titles.
    level : float
        Coverage of the band.

    Returns
    -------
    matplotlib.figure.Figure
    """
    depth = int(signal["depth"].max())
    deepest = signal[signal["depth"] == depth]
    cells = cells_in_order(deepest)
    fig, axes = panel_grid(len(cells), 3, (4.4, 3.5))
    for ax, (init, scale) in zip(axes, cells):
        rows = deepest[(deepest["init"] == init) & (deepest["scale"] == scale)]
        values = _draw_signal(ax, rows, init, level)
        ratio = ratios[(ratios["init"] == init) & (ratios["scale"] == scale)
                       & (ratios["depth"] == depth)]  # fmt: skip
        n_bad = int((~np.isfinite(values)).any(axis=1).sum())
        bad_text = f"{n_bad} of {len(values)} seeds overflowed (not drawn)"
        _layer_axes(ax, "mean of $z_l^2$ (log)", _signal_title(init, scale, ratio), n_bad, bad_text)
    if axes:
        axes[0].legend(fontsize=7, loc="best")
    width = int(signal["width"].iloc[0])
    n_seeds = signal["seed"].nunique()
    fig.suptitle(
        f"Forward signal at initialization, {depth} hidden layers of width {width} "
        f"({n_seeds} seeds; thin lines: single seeds)"
    )
    return fig


def _draw_signal(ax, rows: pd.DataFrame, init: str, level: float) -> np.ndarray:
    """Seeds, band, median, mean and theory of one network shape; return the (seeds, layers)."""
    color = init_color(init)
    layers, values = _by_layer(rows, "forward_second_moment")
    median, low, high = _quantiles(values, level)
    for trace in values[:N_TRACES]:
        ax.plot(layers, trace, color=color, lw=0.6, alpha=0.45)
    ax.fill_between(layers, low, high, where=np.isfinite(low) & np.isfinite(high),
                    color=color, alpha=0.18, lw=0, label=f"{level:.0%} of seeds")  # fmt: skip
    ax.plot(layers, median, color=color, lw=2.2, label="median over seeds")
    finite = np.isfinite(values)
    with np.errstate(all="ignore"):
        mean = np.where(finite, values, 0).sum(axis=0) / finite.sum(axis=0)
    mean[~np.isfinite(mean)] = np.nan
    ax.plot(layers, mean, color="#333333", ls=":", lw=1.4, label="mean over seeds")
    theory = rows.groupby("layer")["predicted_second_moment"].first().to_numpy(dtype=float)
    ok = np.isfinite(theory) & (theory > 0)
    ax.plot(layers[ok], theory[ok], color="black", ls="--", lw=1.2, label="theory")
    return values


def _signal_title(init: str, scale: float, ratio: pd.DataFrame) -> str:
    """Cell label with the measured and predicted growth ratio per layer, where measured."""
    title = cell_label(init, scale)
    if len(ratio) and np.isfinite(ratio["ratio_mean"].iloc[0]):
        title += (
            f": ratio {ratio['ratio_mean'].iloc[0]:.3g}/layer "
            f"(theory {ratio['predicted_ratio'].iloc[0]:.3g})"
        )
    return title


def plot_gradients(signal: pd.DataFrame) -> Figure:
    """Norm of each layer's weight gradient at initialization, one line per depth.

    Parameters
    ----------
    signal : pandas.DataFrame
        Per-layer table (``initstudy.theory.depth_signal.SIGNAL_COLUMNS``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per (initializer, scale); lines are medians over seeds,
        darker for deeper networks.
    """
    cells = cells_in_order(signal)
    depths = sorted(signal["depth"].unique())
    fig, axes = panel_grid(len(cells), 3, (4.4, 3.5))
    for ax, (init, scale) in zip(axes, cells):
        rows = signal[(signal["init"] == init) & (signal["scale"] == scale)]
        n_bad = 0
        for k, depth in enumerate(depths):
            layers, values = _by_layer(rows[rows["depth"] == depth], "weight_gradient_norm")
            n_bad += int((~np.isfinite(values)).any(axis=1).sum())
            median, _, _ = _quantiles(values, 0.5)
            shade = 0.3 + 0.7 * (k + 1) / len(depths)
            ax.plot(layers, median, color=init_color(init), alpha=shade, lw=0.8 + 1.2 * shade,
                    marker="o" if len(layers) < 8 else None, ms=3, label=f"{depth}")  # fmt: skip
        bad_text = f"{n_bad} networks with non-finite gradients (not drawn)"
        ylabel = r"$\|\partial L / \partial W_l\|$ (median, log)"
        _layer_axes(ax, ylabel, cell_label(init, scale), n_bad, bad_text)
        ax.legend(title="hidden layers", fontsize=7, title_fontsize=7, ncol=2, loc="best")
    fig.suptitle("Weight-gradient norm per layer at initialization (median over seeds)")
    return fig
