"""Figures of the depth study at initialization: forward signal and weight gradients per layer,
and Glorot & Bengio's activations and gradients per layer.

Non-finite values (an overflowed signal or gradient) are left out of the lines and counted
in words.
"""

from __future__ import annotations

import matplotlib
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


def plot_glorot(summary: pd.DataFrame, histograms: pd.DataFrame) -> Figure:
    """Glorot & Bengio's Figs. 6-7: each layer's activations and back-propagated gradients at
    initialization, one row per rule, at the shallowest depth measured.

    Per row: the normalized histograms of the hidden activations and of the gradients
    ``dL/dz_l`` over units, examples and seeds, one line per layer (darker: nearer the
    output); and their root mean squares per layer, the activations' relative to the first
    layer and the gradients' relative to the last hidden layer, as the mean over seeds with
    its confidence interval (bars) beside mean-field theory (dashed).

    Parameters
    ----------
    summary : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_glorot.layer_summary`.
    histograms : pandas.DataFrame
        Table of :func:`initstudy.theory.depth_glorot_measure.measure_layers` (``histograms``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    depth = int(summary["depth"].min())
    rows = summary[summary["depth"] == depth]
    inits = list(dict.fromkeys(rows["init"]))
    fig, axes = panel_grid(3 * len(inits), 3, (4.6, 3.4))
    for k, init in enumerate(inits):
        ax_a, ax_g, ax_r = axes[3 * k : 3 * k + 3]
        shape = rows[rows["init"] == init]
        sigma_w2 = float(shape["sigma_w2"].iloc[-1])
        shown = histograms[(histograms["init"] == init) & (histograms["depth"] == depth)]
        _draw_histograms(ax_a, shown[shown["quantity"] == "activation"], depth, legend=k == 0)
        ax_a.set_xlabel(r"activation $\phi(z_l)$")
        ax_a.set_title(f"{init} ($\\sigma_w^2$ = {sigma_w2:.3g}): activations", fontsize=9)
        _draw_histograms(ax_g, shown[shown["quantity"] == "gradient"], depth, legend=False)
        ax_g.set_xlabel(r"back-propagated gradient $\partial L / \partial z_l$")
        ax_g.set_title(f"{init}: gradients", fontsize=9)
        _draw_spread(ax_r, shape, init)
    activation = summary["activation"].iloc[0]
    width, n_seeds = int(summary["width"].iloc[0]), int(summary["n_seeds"].max())
    fig.suptitle(
        f"{activation} networks at initialization, {depth} hidden layers of width {width} "
        f"({n_seeds} seeds), after Glorot & Bengio (2010), Figs. 6-7"
    )
    return fig


def _draw_histograms(ax, rows: pd.DataFrame, depth: int, legend: bool) -> None:
    """One density line per layer on a log axis (empty bins left out)."""
    colors = matplotlib.colormaps["viridis_r"](np.linspace(0.15, 0.95, depth))
    for layer, bins in rows.groupby("layer"):
        centers = ((bins["bin_left"] + bins["bin_right"]) / 2).to_numpy(dtype=float)
        density = bins["density"].to_numpy(dtype=float)
        density = np.where(density > 0, density, np.nan)
        ax.plot(centers, density, color=colors[int(layer) - 1], lw=1.1, label=f"layer {layer}")
    ax.set_yscale("log")
    ax.set_ylabel("density (log)")
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 3))
    ax.locator_params(axis="x", nbins=5)
    ax.grid(True, which="major", color="#dddddd", lw=0.6)
    if legend:
        ax.legend(fontsize=6, loc="upper right")


def _draw_spread(ax, shape: pd.DataFrame, init: str) -> None:
    """Root mean squares per layer, relative, measured with intervals beside theory (linear
    axis from 0: a rule that keeps them shows flat lines at 1)."""
    layers = shape["layer"].to_numpy(dtype=int)
    for name, color, marker, text in (
        ("activation_to_first", "#555555", "o", "activations ÷ layer 1"),
        ("gradient_to_top", init_color(init), "s", f"gradients ÷ layer {layers[-1]}"),
    ):
        mean = shape[f"{name}_mean"].to_numpy(dtype=float)
        error = np.abs(shape[[f"{name}_low", f"{name}_high"]].to_numpy(dtype=float).T - mean)
        ax.errorbar(layers, mean, yerr=np.nan_to_num(error), color=color, marker=marker, ms=4,
                    lw=1.4, capsize=2, label=f"{text}: measured")  # fmt: skip
        ax.plot(layers, shape[f"{name}_theory"], color=color, ls="--", lw=1.0,
                label=f"{text}: theory")  # fmt: skip
    ratio = shape["gradient_to_top_mean"].iloc[0] ** (1 / (len(layers) - 1))
    theory = shape["gradient_to_top_theory"].iloc[0] ** (1 / (len(layers) - 1))
    ax.set_title(f"{init}: gradient ×{ratio:.3g}/layer (theory ×{theory:.3g})", fontsize=9)
    ax.set_ylabel("root mean square, relative")
    ax.set_ylim(0, 1.15 * max(1.0, float(np.nanmax(shape["activation_to_first_high"]))))
    ax.grid(True, color="#dddddd", lw=0.6)
    ax.set_xlabel("hidden layer")
    ax.set_xticks(layers)
    ax.legend(fontsize=7, loc="best")
