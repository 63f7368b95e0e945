"""The depth study's section of the markdown report, every number from its tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from initstudy.config import format_scale
from initstudy.depth_training import stall_depths


def _num(x: float, digits: int = 3) -> str:
    """A number for the report: ``digits`` significant digits; words for a non-finite value."""
    if x is None or not np.isfinite(x):
        return "overflow" if x is not None and np.isinf(x) else "not measured"
    return f"{x:.{digits}g}"


def _pct(x: float) -> str:
    return f"{100 * x:+.1f} %" if np.isfinite(x) else "not measured"


def _cell_name(init: str, scale: float) -> str:
    return f"{init} ×{format_scale(scale)}"


def _figure(figure: dict) -> list[str]:
    """Markdown lines of one declared figure: the image and its caption."""
    return [f"![{figure['title']}]({figure['path']})", "", f"*{figure['caption']}*", ""]


def report_section(
    ratios: pd.DataFrame,
    summary: pd.DataFrame,
    settings: dict,
    threshold: float,
    level: float,
    figures: dict[str, str],
) -> str:
    """The depth study's section of the markdown report, every number from the tables.

    Parameters
    ----------
    ratios : pandas.DataFrame
        Table of :func:`signal_ratios`.
    summary : pandas.DataFrame
        Second table of :func:`summarize_depths`.
    settings : dict
        The ``depth_study`` config section (see :func:`depth_settings`).
    threshold : float
        Test accuracy counted as a success.
    level : float
        Level of the seed intervals and confidence intervals.
    figures : dict of str to str
        ``signal``, ``gradients``, ``accuracy``: image paths relative to the report.

    Returns
    -------
    str
        Markdown, starting with a level-2 heading.
    """
    training = settings["training"]
    pct = f"{level:.0%}"
    deepest = int(ratios["depth"].max())
    width = int(ratios["width"].iloc[0])
    n_seeds = int(ratios["n_seeds"].max())
    lines = [
        "## Depth study: vanishing and exploding signals against theory",
        "",
        f"The notebook's network has three layers. Here networks of "
        f"{', '.join(str(int(d)) for d in sorted(ratios['depth'].unique()))} hidden layers of "
        f"width {width} are drawn {n_seeds} times each (seeds 0–{n_seeds - 1}) and run forward "
        "and backward once on the training inputs. For ReLU layers with zero biases the theory "
        "(He et al., 2015) predicts that each hidden-to-hidden layer multiplies the mean square "
        "of the pre-activations by `scale² · fan_in · base_std² / 2`: 1 for He, 1/2 for LeCun, "
        "and at equal widths also 1/2 for Glorot and orthogonal, `width / 2` for random. The "
        "measured ratio of a network is the mean of `q(l+1) / q(l)` over its `depth − 1` "
        "hidden-to-hidden layers (the first layer reads the raw 2-D input and the output layer "
        "has fan-out 1, so their factors differ); its *signal* is `q(depth) / q(1)`, predicted "
        f"to be `ratio^(depth − 1)`. Intervals over seeds are the central {pct} of the seeds.",
        "",
        f"| initializer | predicted ratio | measured ratio (mean) | {pct} of seeds | error "
        f"| predicted signal at {deepest} layers | measured: mean | median | {pct} of seeds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    at_deepest = ratios[ratios["depth"] == deepest]
    for row in at_deepest.itertuples():
        lines.append(
            f"| {_cell_name(row.init, row.scale)} | {_num(row.predicted_ratio, 4)} "
            f"| {_num(row.ratio_mean, 4)} | {_num(row.ratio_low)}–{_num(row.ratio_high)} "
            f"| {_pct(row.relative_error)} | {_num(row.predicted_signal)} "
            f"| {_num(row.signal_mean)} | {_num(row.signal_median)} "
            f"| {_num(row.signal_low)}–{_num(row.signal_high)} |"
        )
    lines += ["", "### Findings at initialization", ""]
    lines += [f"- {sentence}" for sentence in _signal_findings(ratios, deepest, pct)]
    lines += [
        "",
        *_figure(figures["depth_signal"]),
        *_figure(figures["depth_gradients"]),
        "### Training the deep networks",
        "",
        f"Width {int(training['width'])}, seeds 0–{int(training['seeds']) - 1}, "
        f"{int(training['iterations'])} iterations of full-batch gradient descent at learning "
        f"rate {training['learning_rate']:g}, on the same circles data; a run succeeds when its "
        f"test accuracy reaches {threshold:g}. A depth *trains* when at least half of its seeds "
        "succeed. Each entry: successes / seeds, mean test accuracy "
        f"[{pct} bootstrap CI].",
        "",
    ]
    lines += _training_table(summary)
    lines += ["", "### Where each initializer stalls", ""]
    lines += [
        f"- {sentence}" for sentence in _training_findings(summary, int(training["iterations"]))
    ]
    lines += [
        "",
        *_figure(figures["depth_accuracy"]),
    ]
    return "\n".join(lines)


def _signal_findings(ratios: pd.DataFrame, deepest: int, pct: str) -> list[str]:
    sentences = []
    errors = ratios["relative_error"].to_numpy(dtype=float)
    finite = errors[np.isfinite(errors)]
    if finite.size:
        worst = ratios.loc[ratios["relative_error"].abs().idxmax()]
        sentences.append(
            f"Over all {len(ratios)} (initializer, scale, depth) shapes the mean measured "
            f"per-layer ratio is within {100 * np.abs(finite).max():.1f} % of the theory "
            f"(largest: {_cell_name(worst['init'], worst['scale'])} at {int(worst['depth'])} "
            f"layers, {_pct(worst['relative_error'])})."
        )
    for row in ratios[ratios["depth"] == deepest].itertuples():
        name = _cell_name(row.init, row.scale)
        if row.n_finite == 0:
            sentences.append(
                f"{name}: every one of the {row.n_seeds} networks overflowed float64 before "
                f"layer {deepest} (predicted signal {_num(row.predicted_signal)}); recorded as "
                "non-finite, not averaged."
            )
            continue
        inside = "inside" if row.signal_within_spread else "outside"
        text = (
            f"{name}: ratio {_num(row.ratio_mean, 4)} per layer against "
            f"{_num(row.predicted_ratio, 4)} ({_pct(row.relative_error)}); "
            f"from layer 1 to layer {deepest} the signal changes by a factor of "
            f"{_num(row.signal_mean)} on average (median {_num(row.signal_median)}) against "
            f"{_num(row.predicted_ratio, 4)}^{deepest - 1} = {_num(row.predicted_signal)}, "
            f"{inside} the seeds' {pct} interval {_num(row.signal_low)}–{_num(row.signal_high)}"
        )
        if row.n_finite < row.n_seeds:
            text += f"; {row.n_seeds - row.n_finite} of {row.n_seeds} networks overflowed"
        sentences.append(text + ".")
    he = ratios[(ratios["init"] == "he") & (ratios["depth"] == deepest) & (ratios["n_finite"] > 1)]
    if len(he):
        row = he.iloc[0]
        spread = math.log10(row["signal_high"] / row["signal_low"])
        side = "below" if row["signal_geomean"] < row["predicted_signal"] else "above"
        sentences.append(
            f"Finite width makes single networks wander (Hanin & Rolnick, 2018): with He at "
            f"{deepest} layers of width {int(row['width'])}, where every layer keeps the signal "
            f"on average, the middle {pct} of the seeds span {spread:.1f} orders of magnitude, "
            f"and the typical network ends {side} the theory (geometric mean "
            f"{_num(row['signal_geomean'])}, median {_num(row['signal_median'])}) while the "
            f"mean over seeds ({_num(row['signal_mean'])}) follows it."
        )
    gaussian = [init for init in ("he", "lecun", "glorot", "random") if init in set(ratios["init"])]
    if len(gaussian) > 1:
        sentences.append(
            f"{', '.join(gaussian)} draw the same Gaussian matrices from the same seeds, only "
            "rescaled, so their relative errors coincide: one check of the theory, not several."
        )
    return sentences


def _training_table(summary: pd.DataFrame) -> list[str]:
    shapes = list(dict.fromkeys(zip(summary["init"], summary["scale"])))
    header = "| hidden layers | " + " | ".join(_cell_name(i, s) for i, s in shapes) + " |"
    lines = [header, "|---|" + "---|" * len(shapes)]
    for depth in sorted(summary["depth"].unique()):
        cells = []
        for init, scale in shapes:
            row = summary[
                (summary["init"] == init)
                & (summary["scale"] == scale)
                & (summary["depth"] == depth)
            ]
            if row.empty:
                cells.append("–")
                continue
            row = row.iloc[0]
            text = f"{int(row['n_success'])}/{int(row['n_seeds'])}"
            if np.isfinite(row["test_accuracy_mean"]):
                text += (
                    f", {row['test_accuracy_mean']:.2f} "
                    f"[{row['test_accuracy_ci_low']:.2f}, {row['test_accuracy_ci_high']:.2f}]"
                )
            else:
                text += ", all diverged"
            if row["n_diverged"] and np.isfinite(row["test_accuracy_mean"]):
                text += f" ({int(row['n_diverged'])} diverged)"
            cells.append(text)
        lines.append(f"| {int(depth)} | " + " | ".join(cells) + " |")
    return lines


def _training_findings(summary: pd.DataFrame, iterations: int) -> list[str]:
    sentences = []
    depths = sorted(int(d) for d in summary["depth"].unique())
    for row in stall_depths(summary).itertuples():
        name = _cell_name(row.init, row.scale)
        cell = summary[(summary["init"] == row.init) & (summary["scale"] == row.scale)]
        if row.stalls_at == 0:
            sentences.append(f"{name} trains at every depth tested, up to {depths[-1]} layers.")
            continue
        stalled = cell[cell["depth"] == row.stalls_at].iloc[0]
        how = f"{int(stalled['n_success'])} of {int(stalled['n_seeds'])} seeds succeed there" + (
            f", {int(stalled['n_diverged'])} diverged" if stalled["n_diverged"] else ""
        )
        if row.trains_to == 0:
            sentences.append(
                f"{name} does not train within {iterations} iterations at any depth tested, "
                f"not even {row.stalls_at} ({how})."
            )
        else:
            trained = cell[cell["depth"] == row.trains_to].iloc[0]
            sentences.append(
                f"{name} trains up to {row.trains_to} hidden layers "
                f"({int(trained['n_success'])} of {int(trained['n_seeds'])} seeds) and stalls "
                f"at {row.stalls_at} ({how}) within {iterations} iterations."
            )
    return sentences
