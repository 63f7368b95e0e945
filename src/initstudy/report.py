"""The markdown report: every number and every finding computed from this run's tables."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from initstudy.config import format_scale
from initstudy.net import resolve_backend


def cell_name(init: str, scale: float) -> str:
    """Label of a grid cell, e.g. ``he ×1``."""
    return f"{init} ×{format_scale(scale)}"


def fmt(value: float, digits: int = 3) -> str:
    """A number for prose and tables; an em dash where there is none.

    Fixed-point with ``digits`` decimals, or 3 significant digits in scientific
    notation where fixed point would be unreadable (``4.88e+17``, ``2.1e-06``).
    """
    if value is None or not math.isfinite(value):
        return "—"
    if value != 0 and not 1e-3 <= abs(value) < 1e5:
        return f"{value:.3g}"
    return f"{value:.{digits}f}"


def interval(low: float, high: float, digits: int = 3) -> str:
    """``[low, high]``, or nothing when the interval is undefined (its estimate shows "—")."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f"[{fmt(low, digits)}, {fmt(high, digits)}]"


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table of ``frame`` (cells already formatted as text)."""
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def setup_section(config: dict) -> str:
    """Every hyperparameter of the run, from the config."""
    data, model, grid, analysis = (config[k] for k in ("dataset", "model", "grid", "analysis"))
    reference = analysis["reference"]
    seeds = grid["seeds"]
    scales = "; ".join(
        f"`{name}` {', '.join(format_scale(s) for s in values)}"
        for name, values in grid["initializations"].items()
    )
    n_cells = sum(len(v) for v in grid["initializations"].values())
    return "\n".join(
        [
            "## Setup",
            "",
            f"- **Data**: scikit-learn `make_circles`, {data['n_train']} training points "
            f"(seed {data['train_seed']}) and {data['n_test']} test points (seed "
            f"{data['test_seed']}), noise {data['noise']}.",
            f"- **Network**: layers {model['layers']}, ReLU hidden layers, sigmoid output, "
            "mean binary cross-entropy computed from the logits.",
            f"- **Training**: full-batch gradient descent, learning rate {model['learning_rate']}, "
            f"{model['iterations']} iterations, cost logged every {model['log_every']} "
            "iterations before that iteration's update.",
            "- **Initialization**: `W = scale × base_std × N(0, 1)`, drawn layer by layer from "
            "`numpy.random.RandomState(seed)`, biases zero. Scales: " + scales + ".",
            f"- **Grid**: {n_cells} cells × {len(seeds)} seeds ({_seed_text(seeds)}) = "
            f"{n_cells * len(seeds)} networks.",
            f"- **Analysis**: success = test accuracy ≥ {analysis['success_threshold']}; `chance` "
            f"= test accuracy within {analysis['chance_tolerance']} of the majority-class rate; "
            f"{analysis['bootstrap_resamples']} bootstrap resamples (seed "
            f"{analysis['bootstrap_seed']}), {analysis['confidence_level']:.0%} intervals; "
            f"reference cell {cell_name(reference['init'], reference['scale'])}.",
        ]
    )


def _seed_text(seeds: list[int]) -> str:
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))) and len(seeds) > 2:
        return f"seeds {seeds[0]}–{seeds[-1]}"
    return "seeds " + ", ".join(str(s) for s in seeds)


def reproduction_section(
    table: pd.DataFrame | None, differences: list[str], saturation: dict | None
) -> str:
    """The notebook's printed numbers beside this run's, or why they cannot be compared."""
    lines = ["## Reproduction of the notebook", ""]
    if table is None:
        lines.append(
            "This run's setup differs from the notebook's, so its printed numbers are not "
            "compared: " + "; ".join(differences) + "."
        )
        return "\n".join(lines)
    lines.append(
        "Every number the notebook prints for its three runs (seed 3), beside this run's value "
        "and the difference. *Notebook code here* is the notebook's own code path "
        "(`initstudy.notebook`) run on this machine on the same data."
    )
    lines.append("")
    shown = table.assign(
        notebook=[_exact(v) for v in table["notebook"]],
        this_run=[_exact(v) for v in table["this_run"]],
        difference=[_sci(v) for v in table["difference"]],
        relative_difference=[_sci(v) for v in table["relative_difference"]],
        notebook_code_here=[_exact(v) for v in table["notebook_code_here"]],
    ).rename(
        columns={
            "relative_difference": "relative",
            "this_run": "this run",
            "notebook_code_here": "notebook code here",
        }
    )
    lines.append(markdown_table(shown))
    lines.append("")
    lines.extend(_reproduction_findings(table, saturation))
    return "\n".join(lines)


def _reproduction_findings(table: pd.DataFrame, saturation: dict | None) -> list[str]:
    out, accuracies_equal = [], {}
    for run, rows in table.groupby("run", sort=False):
        costs = rows[rows["quantity"].str.startswith("cost")]
        accs = rows[~rows["quantity"].str.startswith("cost")]
        acc_equal = bool((accs["difference"].abs() < 1e-9).all())
        accuracies_equal[run] = acc_equal
        worst = costs["relative_difference"].max()
        finite = costs[np.isfinite(costs["notebook_code_here"])]
        here = (
            (finite["this_run"] - finite["notebook_code_here"]).abs()
            / finite["notebook_code_here"].abs()
        ).max()
        verdict = "equal the notebook's" if acc_equal else "differ from the notebook's"
        values = ", ".join(
            f"{q.replace('_', ' ')} {v:.5g}" for q, v in zip(accs["quantity"], accs["this_run"])
        )
        versus_here = (
            "it matches the notebook's code run here to 1e-12"
            if here <= 1e-12
            else f"it differs from the notebook's code run here by up to {_sci(here)} (relative)"
        )
        out.append(
            f"- **{run}**: accuracies {verdict} ({values}); the largest relative difference "
            f"from a finite printed cost is {_sci(worst)}; {versus_here}."
        )
    if saturation is not None:
        out.append(
            f"- The notebook prints `inf` as the first cost of random ×10 because its cost is "
            f"`-log(sigmoid(z))`: at initialization {saturation['saturated']} of "
            f"{saturation['examples']} training outputs round to exactly 0 or 1 (largest |z| = "
            f"{saturation['max_abs_logit']:.4g}, while `sigmoid` reaches 1.0 in float64 above "
            "z ≈ 36.7), and log(0) = -inf. This study computes the cost from the logits, "
            "`max(z, 0) - z·y + log1p(exp(-|z|))`, which is finite whenever z is. The random ×10 "
            "trajectory starts fully saturated, and from there differences in the last bit (the "
            "order in which a sum is added up: the course's machine, NumPy's BLAS here, this "
            "study's kernel) grow into the differences in the table"
            + (
                "; the algorithm is the same, as the equal accuracies show."
                if accuracies_equal.get("random ×10")
                else "."
            )
        )
    return out


def _exact(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "—"
    return repr(float(value))


def _sci(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    return "0" if value == 0 else f"{value:.2e}"


def summary_table(summary: pd.DataFrame) -> str:
    """The grid's seed statistics as a markdown table."""
    rows = pd.DataFrame(
        {
            "cell": [cell_name(i, s) for i, s in zip(summary["init"], summary["scale"])],
            "success": [f"{k}/{n}" for k, n in zip(summary["n_success"], summary["n_seeds"])],
            "success rate [CI]": [
                f"{fmt(r, 2)} {interval(lo, hi, 2)}".strip()
                for r, lo, hi in zip(
                    summary["success_rate"], summary["success_ci_low"], summary["success_ci_high"]
                )
            ],
            "test acc. mean [CI]": [
                f"{fmt(m)} {interval(lo, hi)}".strip()
                for m, lo, hi in zip(
                    summary["test_accuracy_mean"],
                    summary["test_accuracy_ci_low"],
                    summary["test_accuracy_ci_high"],
                )
            ],
            "median": [fmt(v) for v in summary["test_accuracy_median"]],
            "IQM": [fmt(v) for v in summary["test_accuracy_iqm"]],
            "train acc.": [fmt(v) for v in summary["train_accuracy_mean"]],
            "final cost": [fmt(v, 4) for v in summary["final_cost_median"]],
            "ok/div./sym./chance": [
                f"{a}/{b}/{c}/{d}"
                for a, b, c, d in zip(
                    summary["n_ok"],
                    summary["n_diverged"],
                    summary["n_symmetric"],
                    summary["n_chance"],
                )
            ],
        }
    )
    return markdown_table(rows)


def findings(
    summary: pd.DataFrame, runs: pd.DataFrame, paired: pd.DataFrame, config: dict
) -> list[str]:
    """Finding sentences, each computed from the tables with its interval."""
    threshold = config["analysis"]["success_threshold"]
    level = config["analysis"]["confidence_level"]
    out = []
    finite = summary[summary["n_finite"] > 0]
    if not finite.empty:
        best = finite.loc[finite["test_accuracy_mean"].idxmax()]
        out.append(
            f"The best cell is **{cell_name(best['init'], best['scale'])}**: mean test accuracy "
            f"{fmt(best['test_accuracy_mean'])} ({level:.0%} CI "
            f"{interval(best['test_accuracy_ci_low'], best['test_accuracy_ci_high'])}), "
            f"{best['n_success']} of {best['n_seeds']} seeds reach {threshold}."
        )
    for init, cells in summary.groupby("init", sort=False):
        out.append(_initializer_finding(init, cells, threshold, level))
    n = len(runs)
    counts = runs["status"].value_counts()
    failed = {s: int(counts.get(s, 0)) for s in ("diverged", "symmetric", "chance")}
    where = {
        s: ", ".join(
            f"{cell_name(i, sc)} ({k})"
            for (i, sc), k in runs[runs["status"] == s]
            .groupby(["init", "scale"], sort=False)
            .size()
            .items()
        )
        for s in failed
    }
    out.append(
        f"Of {n} networks, {failed['diverged']} diverged, {failed['symmetric']} stayed "
        f"symmetric and {failed['chance']} ended at chance level; they stay in every table "
        "and count as failures in the success rates"
        + "".join(f"; {s}: {where[s]}" for s in failed if failed[s])
        + "."
    )
    reference = config["analysis"]["reference"]
    ref_name = cell_name(reference["init"], reference["scale"])
    for row in paired.itertuples(index=False):
        out.append(
            f"On the same seed, {cell_name(row.init, row.best_scale)} (its best scale) beats "
            f"{ref_name} with probability {fmt(row.p_beats, 2)} ({level:.0%} CI "
            f"{interval(row.p_beats_ci_low, row.p_beats_ci_high, 2)}, ties count half, "
            f"{row.n_pairs} paired seeds); mean difference in test accuracy "
            f"{row.mean_difference:+.3f}."
            if math.isfinite(row.mean_difference)
            else f"{cell_name(row.init, row.best_scale)} has no finite run to pair with {ref_name}."
        )
    return out


def _initializer_finding(init: str, cells: pd.DataFrame, threshold: float, level: float) -> str:
    n = int(cells["n_seeds"].iloc[0])
    if init == "zeros":
        row = cells.iloc[0]
        return (
            f"**zeros** never breaks symmetry: {row['n_symmetric']} of {n} seeds end with one "
            f"distinct unit per hidden layer, {row['n_success']} of {n} succeed, mean test "
            f"accuracy {fmt(row['test_accuracy_mean'])}."
        )
    finite = cells[cells["n_finite"] > 0]
    if finite.empty:
        return f"**{init}**: no scale gave a finite network."
    best = finite.loc[finite["test_accuracy_mean"].idxmax()]
    always = [format_scale(s) for s, k in zip(cells["scale"], cells["n_success"]) if k == n]
    never = [format_scale(s) for s, k in zip(cells["scale"], cells["n_success"]) if k == 0]
    text = (
        f"**{init}** is best at scale {format_scale(best['scale'])}: {best['n_success']} of {n} "
        f"seeds succeed (Wilson {level:.0%} CI "
        f"{interval(best['success_ci_low'], best['success_ci_high'], 2)}), "
        f"mean test accuracy {fmt(best['test_accuracy_mean'])} "
        f"{interval(best['test_accuracy_ci_low'], best['test_accuracy_ci_high'])}"
    )
    if always:
        text += f"; every seed succeeds at scale {', '.join(always)}"
    if never:
        text += f"; no seed reaches {threshold} at scale {', '.join(never)}"
    return text + "."


def initial_cost_finding(runs: pd.DataFrame) -> str:
    """Why large scales start badly: the initial cost against ln 2, per initializer's extremes."""
    grouped = runs.groupby(["init", "scale"], sort=False)["initial_cost"].median()
    parts = []
    for init, series in grouped.groupby(level=0, sort=False):
        if len(series) < 2:
            continue
        scales = series.index.get_level_values(1)
        parts.append(
            f"{init} {fmt(series.iloc[scales.argmin()], 3)} at ×{format_scale(scales.min())} "
            f"vs {fmt(series.iloc[scales.argmax()], 3)} at ×{format_scale(scales.max())}"
        )
    if not parts:
        return ""
    return (
        "Median initial cost (ln 2 ≈ 0.693 is an output of 0.5 everywhere): "
        + "; ".join(parts)
        + "."
    )


def figures_section(figures: dict[str, dict]) -> str:
    """Each figure with its caption, as declared in ``workflow/figures.yaml``.

    Parameters
    ----------
    figures : dict
        name -> ``{"path": link relative to the report, "title": ..., "caption": ...}``.

    Returns
    -------
    str
    """
    lines = ["## Figures", ""]
    for figure in figures.values():
        lines += [f"![{figure['title']}]({figure['path']})", "", f"*{figure['caption']}*", ""]
    return "\n".join(lines)


def compute_section(benchmarks: list[str], n_networks: int) -> str:
    """Compute time and memory of the training jobs, from Snakemake's ``benchmark:`` files."""
    frames = [pd.read_csv(path, sep="\t") for path in benchmarks]
    if not frames:
        return "- Compute: no benchmark files."
    bench = pd.concat(frames, ignore_index=True)
    total = float(bench["s"].sum())
    peak = pd.to_numeric(bench["max_rss"], errors="coerce").max()
    return (
        f"- Compute: {len(frames)} training jobs, {total:.1f} s summed wall time "
        f"({total / max(n_networks, 1):.3f} s per network), peak memory of a training job "
        f"{fmt(peak, 0)} MB (max RSS), from Snakemake `benchmark:` files."
    )


def reproducibility_section(
    config: dict, runs: pd.DataFrame, benchmarks: list[str], repo: Path
) -> str:
    """Seeds, counts, software, commit, machine, compute time and the interval methods."""
    analysis = config["analysis"]
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("numpy", "pandas", "matplotlib", "scikit-learn", "snakemake", "numba")
    )
    commit, dirty = _git_state(repo)
    return "\n".join(
        [
            "## Reproducibility",
            "",
            f"- Seeds: {_seed_text(config['grid']['seeds'])}; {len(runs)} networks in "
            f"{runs.groupby(['init', 'scale']).ngroups} cells.",
            f"- Software: Python {platform.python_version()}, {versions}; training backend "
            f"`{resolve_backend(None)}` (numba's kernel when installed, else NumPy).",
            f"- Code: git commit `{commit}`" + (" with uncommitted changes" if dirty else "") + ".",
            f"- Machine: {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} "
            f"{platform.machine()}.",
            compute_section(benchmarks, len(runs)),
            f"- Intervals: {analysis['confidence_level']:.0%} percentile bootstrap of the mean "
            f"over seeds ({analysis['bootstrap_resamples']} resamples, NumPy `default_rng` seeded "
            f"from {analysis['bootstrap_seed']} and the cell), Wilson score intervals for success "
            "rates, and a paired bootstrap over seeds for the probability of beating the "
            "reference. Statistics of accuracy and cost use the seeds with finite results "
            "(`n_finite` in summary.csv); success rates use every seed.",
            "- Rerun: `snakemake --cores 4` regenerates every table, figure and this report.",
        ]
    )


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def _git_state(repo: Path) -> tuple[str, bool]:
    try:
        commit = _git(repo, "rev-parse", "--short=12", "HEAD").strip()
        status = _git(repo, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)", False
    return commit, bool(status.strip())


def cpu_model() -> str:
    """CPU model name from ``/proc/cpuinfo`` (or :func:`platform.processor`)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
