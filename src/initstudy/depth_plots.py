"""Figures of the depth study: signal and gradients per layer at initialization, accuracy by depth.

Like :mod:`initstudy.plots`, each function takes the study's tidy tables and
returns a :class:`matplotlib.figure.Figure`; non-finite values (an overflowed
signal, a diverged run) are left out of the lines and counted in words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from initstudy.config import format_scale
from initstudy.plots import init_color

TIMES = "\N{MULTIPLICATION SIGN}"
#: Individual seeds drawn as thin lines in the signal figure (the rest are in the band).
N_TRACES = 6


def _label(init: str, scale: float) -> str:
    return f"{init} {TIMES}{format_scale(scale)}"


def _shapes(frame: pd.DataFrame) -> list[tuple[str, float]]:
    """(init, scale) pairs in order of first appearance."""
    return list(dict.fromkeys(zip(frame["init"], frame["scale"].astype(float))))


def _panels(n: int, ncols: int, size: tuple[float, float]) -> tuple[Figure, list]:
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.remove()
    return fig, list(axes[:n])


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


def _note(ax, text: str) -> None:
    ax.text(
        0.02, 0.02, text, transform=ax.transAxes, ha="left", va="bottom", fontsize=8,
        color="#444444",
    )  # fmt: skip


def plot_signal(signal: pd.DataFrame, ratios: pd.DataFrame, level: float) -> Figure:
    """Forward second moment of the pre-activations against the layer, at the deepest depth.

    One panel per (initializer, scale): the median over seeds (thick), the
    central ``level`` interval over seeds (band), a few single seeds (thin) to
    show how one network wanders, and the theory ``q_1 * ratio^(l-1)`` (dashed).

    Parameters
    ----------
    signal : pandas.DataFrame
        Per-layer table (``initstudy.depth.SIGNAL_COLUMNS``).
    ratios : pandas.DataFrame
        Ratio table (``initstudy.depth.RATIO_COLUMNS``), for the panel titles.
    level : float
        Coverage of the band.

    Returns
    -------
    matplotlib.figure.Figure
    """
    depth = int(signal["depth"].max())
    deepest = signal[signal["depth"] == depth]
    shapes = _shapes(deepest)
    fig, axes = _panels(len(shapes), 3, (4.4, 3.5))
    for ax, (init, scale) in zip(axes, shapes):
        rows = deepest[(deepest["init"] == init) & (deepest["scale"] == scale)]
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
        ax.set_yscale("log")
        ax.set_xlabel("layer (last = output)")
        ax.set_ylabel("mean of $z_l^2$ (log)")
        row = ratios[(ratios["init"] == init) & (ratios["scale"] == scale)
                     & (ratios["depth"] == depth)]  # fmt: skip
        title = _label(init, scale)
        if len(row) and np.isfinite(row["ratio_mean"].iloc[0]):
            title += (
                f": ratio {row['ratio_mean'].iloc[0]:.3g}/layer "
                f"(theory {row['predicted_ratio'].iloc[0]:.3g})"
            )
        ax.set_title(title, fontsize=10)
        n_bad = int((~np.isfinite(values)).any(axis=1).sum())
        if n_bad:
            _note(ax, f"{n_bad} of {len(values)} seeds overflowed (not drawn)")
        ax.grid(True, which="major", color="#dddddd", lw=0.6)
    if axes:
        axes[0].legend(fontsize=7, loc="best")
    width = int(signal["width"].iloc[0])
    n_seeds = signal["seed"].nunique()
    fig.suptitle(
        f"Forward signal at initialization, {depth} hidden layers of width {width} "
        f"({n_seeds} seeds; thin lines: single seeds)"
    )
    return fig


def plot_gradients(signal: pd.DataFrame) -> Figure:
    """Norm of each layer's weight gradient at initialization, one line per depth.

    Parameters
    ----------
    signal : pandas.DataFrame
        Per-layer table (``initstudy.depth.SIGNAL_COLUMNS``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per (initializer, scale); lines are medians over seeds,
        darker for deeper networks.
    """
    shapes = _shapes(signal)
    depths = sorted(signal["depth"].unique())
    fig, axes = _panels(len(shapes), 3, (4.4, 3.5))
    for ax, (init, scale) in zip(axes, shapes):
        rows = signal[(signal["init"] == init) & (signal["scale"] == scale)]
        n_bad = 0
        for k, depth in enumerate(depths):
            layers, values = _by_layer(rows[rows["depth"] == depth], "weight_gradient_norm")
            n_bad += int((~np.isfinite(values)).any(axis=1).sum())
            median, _, _ = _quantiles(values, 0.5)
            shade = 0.3 + 0.7 * (k + 1) / len(depths)
            ax.plot(layers, median, color=init_color(init), alpha=shade, lw=0.8 + 1.2 * shade,
                    marker="o" if len(layers) < 8 else None, ms=3, label=f"{depth}")  # fmt: skip
        ax.set_yscale("log")
        ax.set_xlabel("layer (last = output)")
        ax.set_ylabel(r"$\|\partial L / \partial W_l\|$ (median, log)")
        ax.set_title(_label(init, scale), fontsize=10)
        if n_bad:
            _note(ax, f"{n_bad} networks with non-finite gradients (not drawn)")
        ax.grid(True, which="major", color="#dddddd", lw=0.6)
        ax.legend(title="hidden layers", fontsize=7, title_fontsize=7, ncol=2, loc="best")
    fig.suptitle("Weight-gradient norm per layer at initialization (median over seeds)")
    return fig


def plot_accuracy(summary: pd.DataFrame, threshold: float, level: float) -> Figure:
    """Test accuracy and success rate of the trained networks against their depth.

    Parameters
    ----------
    summary : pandas.DataFrame
        Depth summary (``initstudy.stats.SUMMARY_COLUMNS`` plus ``depth``, ``width``).
    threshold : float
        Test accuracy counted as a success (dashed line).
    level : float
        Confidence level of the intervals, quoted in the labels.

    Returns
    -------
    matplotlib.figure.Figure
        Left: mean test accuracy with its bootstrap interval; right: share of
        seeds at or above ``threshold`` with Wilson intervals.
    """
    fig, (acc, success) = _panels(2, 2, (5.4, 4.2))
    shapes = _shapes(summary)
    depths = sorted(int(d) for d in summary["depth"].unique())
    styles = ["-", "--", ":", "-."]
    scales = list(dict.fromkeys(scale for _, scale in shapes))
    for k, (init, scale) in enumerate(shapes):
        rows = summary[(summary["init"] == init) & (summary["scale"] == scale)].sort_values("depth")
        # Markers of different initializers are offset so that equal values stay visible.
        x = rows["depth"].to_numpy(dtype=float) * 1.03 ** (k - (len(shapes) - 1) / 2)
        style = dict(color=init_color(init), ls=styles[scales.index(scale) % len(styles)],
                     capsize=2, elinewidth=0.9, lw=1.3, ms=4, marker="o")  # fmt: skip
        label = init if len(scales) == 1 else _label(init, scale)
        for ax, stat, low, high in (
            (acc, "test_accuracy_mean", "test_accuracy_ci_low", "test_accuracy_ci_high"),
            (success, "success_rate", "success_ci_low", "success_ci_high"),
        ):
            y = rows[stat].to_numpy(dtype=float)
            lo, hi = rows[low].to_numpy(dtype=float), rows[high].to_numpy(dtype=float)
            ok = np.isfinite(y) & np.isfinite(lo) & np.isfinite(hi)
            if ok.any():
                yerr = np.clip(np.vstack([y[ok] - lo[ok], hi[ok] - y[ok]]), 0, None)
                ax.errorbar(x[ok], y[ok], yerr=yerr, label=label, **style)
        missing = rows.loc[~np.isfinite(rows["test_accuracy_mean"].to_numpy(dtype=float)), "depth"]
        if len(missing):
            acc.plot([], [], " ", label=f"{label}: no finite run at depth "
                     + ", ".join(str(int(d)) for d in missing))  # fmt: skip
    acc.axhline(threshold, color="black", ls="--", lw=0.8)
    success.axhline(0.5, color="black", ls="--", lw=0.8)
    for ax in (acc, success):
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(depths))
        ax.set_xticklabels([str(d) for d in depths])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlim(depths[0] / 1.25, depths[-1] * 1.25)
        ax.set_xlabel("hidden layers (log)")
        ax.grid(True, color="#eeeeee", lw=0.6)
    lows = summary["test_accuracy_ci_low"].to_numpy(dtype=float)
    lowest = lows[np.isfinite(lows)].min(initial=1.0)
    acc.set_ylim(min(0.3, lowest - 0.05), 1.02)
    success.set_ylim(-0.04, 1.04)
    acc.set_ylabel(f"mean test accuracy (bars: {level:.0%} bootstrap CI)")
    success.set_ylabel(f"share of seeds with accuracy ≥ {threshold:g} ({level:.0%} Wilson)")
    acc.set_title(f"Test accuracy (dashed: success, {threshold:g})")
    success.set_title("Success rate (dashed: half of the seeds, 'trains')")
    handles, labels = acc.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="outside right upper")
    width = int(summary["width"].iloc[0])
    fig.suptitle(f"Training deep ReLU networks of width {width}: where each initializer stalls")
    return fig
