"""What a bigger cluster buys: a study's wall time on N nodes, from its jobs' times.

The model follows the workflow's cluster groups (``initstudy.grid.cluster``): the two kernel
compilations first (one group job); then every grid's training jobs, bundled into group jobs
of about ``cluster.group_minutes`` of estimated work, each group running its jobs ``cores``
at a time on one node, the group jobs spread over N nodes longest first; beside them the
depth study and the notebook's rerun (one group job); then the jobs that read the trained
grids (one group job) and the local figures and report. Each submitted job pays ``start``
seconds (Snakemake's start inside the allocation and Slurm's scheduling: about 10 s on the
test cluster).

Job times are measured where a finished run is given (``--results``: Snakemake's benchmark
file of every job, its ``s`` column). Give the results of a run through Slurm
(``benchmarks/bench_slurm.py --keep``): there each group job had its node to itself, so a
job's time is what it takes on a dedicated node; a local ``--cores 4`` run on fewer CPUs
inflates them. A training job the run did not have is estimated by
``initstudy.grid.sizing.job_seconds``, scaled by its grid's measured/estimated ratio in the
given run (the estimate is deliberately generous, as it sets time limits). The output says
which.

Usage (from the repository root)::

    python benchmarks/critical_path.py --results /tmp/bench_slurm_x/slurm/results
    python benchmarks/critical_path.py --configfile config/full.yaml \\
        --results /tmp/bench_slurm_x/slurm/results   # training calibrated, the rest measured
"""

from __future__ import annotations

import argparse
import heapq
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from initstudy.grid.cluster import training_groups  # noqa: E402
from initstudy.grid.config_file import load_config, load_experiment  # noqa: E402
from initstudy.grid.plan import Plan, experiment_configs  # noqa: E402
from initstudy.grid.sizing import job_seconds, resolve_backend_name  # noqa: E402

#: Benchmark folders (below a results folder) of the jobs that need no trained grid.
SIDE = ("depth", "reproduce_notebook.tsv")
#: Benchmark files of the jobs that read a trained grid (per grid).
SUMMARY = ("aggregate.tsv", "section.tsv", "trainability_map.tsv")
#: Benchmark folders of the jobs that stay on the submitting machine.
LOCAL = ("figures", "html", "report.tsv")


def makespan(durations: list[float], slots: int) -> float:
    """Wall time of independent jobs on ``slots`` workers, longest first (LPT).

    Parameters
    ----------
    durations : list of float
    slots : int

    Returns
    -------
    float
    """
    finish = [0.0] * max(1, slots)
    for duration in sorted(durations, reverse=True):
        heapq.heapreplace(finish, finish[0] + duration)
    return max(finish)


def measured_jobs(results: Path) -> dict[str, list[float]]:
    """Seconds of the jobs of a finished run that do not train (Snakemake's benchmark files),
    by part: ``compile``, ``side``, ``summary`` and ``local``."""
    parts: dict[str, list[float]] = defaultdict(list)
    for tsv in sorted(results.rglob("*.tsv")):
        relative = tsv.relative_to(results).parts
        if "benchmarks" not in relative:
            continue
        below = relative[relative.index("benchmarks") + 1 :]
        if below[0] == "train":
            continue
        seconds = float(pd.read_csv(tsv, sep="\t")["s"].iloc[0])
        if below[0] == "compile_kernels":
            parts["compile"].append(seconds)
        elif below[0] in SUMMARY:
            parts["summary"].append(seconds)
        elif below[0] in LOCAL or below == ("depth", "section.tsv"):
            parts["local"].append(seconds)
        elif below[0] in SIDE:
            parts["side"].append(seconds)
        else:
            parts["local"].append(seconds)
    return dict(parts)


def _grid_jobs(config: dict, results: Path | None):
    """Each grid's name, its plan, its training jobs' estimates and its benchmark folder."""
    backend = resolve_backend_name(config["model"]["backend"])
    experiments = {n: load_experiment(n, raw) for n, raw in experiment_configs(config).items()}
    for name, grid in {"": config, **experiments}.items():
        plan = Plan(name, grid, "data")
        estimates = {
            job: job_seconds(grid, cells, backend) for job, cells in plan.train_job_cells.items()
        }
        folder = results / Path(plan.results).relative_to(config["results"]) if results else None
        yield name, plan, estimates, folder


def _measured(folder: Path | None, job: str) -> float | None:
    tsv = folder / "benchmarks/train" / f"{job}.tsv" if folder else None
    if tsv is None or not tsv.exists():
        return None
    return float(pd.read_csv(tsv, sep="\t")["s"].iloc[0])


def calibration(configfile: Path, results: Path) -> dict[str, float]:
    """Each grid's measured/estimated ratio over the training jobs of a finished run of
    ``configfile`` (grids named as in ``Plan``: ``""`` for the main grid)."""
    config = load_config(yaml.safe_load(configfile.read_text()))
    ratios = {}
    for name, _, estimates, folder in _grid_jobs(config, results):
        pairs = [(_measured(folder, job), estimate) for job, estimate in estimates.items()]
        pairs = [(m, e) for m, e in pairs if m is not None]
        if pairs:
            ratios[name] = sum(m for m, _ in pairs) / sum(e for _, e in pairs)
    return ratios


def training_jobs(
    configfile: Path, results: Path | None, group_minutes: float, ratios: dict[str, float]
) -> tuple[list[list[float]], bool]:
    """Each training group's jobs' seconds, grouped as the workflow groups them (by estimate):
    measured where ``results`` holds the job's benchmark file, else the estimate times its
    grid's ratio (1 for a grid without one). Also whether every job was measured."""
    config = load_config(yaml.safe_load(configfile.read_text()))
    groups: dict[str, list[float]] = defaultdict(list)
    measured = True
    for name, plan, estimates, folder in _grid_jobs(config, results):
        for job, group in training_groups(
            plan.rule_name("train"), estimates, group_minutes
        ).items():
            seconds = _measured(folder, job)
            if seconds is None:
                seconds = estimates[job] * ratios.get(name, 1.0)
                measured = False
            groups[group].append(seconds)
    return list(groups.values()), measured


def critical_path(
    parts: dict[str, list[float]],
    groups: list[list[float]],
    nodes: int,
    cores: int,
    start: float,
) -> float:
    """The study's wall time on ``nodes`` nodes of ``cores`` CPUs (the module's model)."""
    compile_time = start + max(parts.get("compile", [0.0]))
    training = [start + makespan(jobs, cores) for jobs in groups]
    side = start + makespan(parts.get("side", []), cores)
    # The side group takes a node while the training groups share the others.
    if nodes > 1:
        middle = max(makespan(training, nodes - 1), side)
    else:
        middle = makespan(training, 1) + side
    summary = start + makespan(parts.get("summary", []), cores)
    local = makespan(parts.get("local", []), cores)
    return compile_time + middle + summary + local


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, required=True, help="a finished run's results")
    parser.add_argument("--configfile", type=Path, default=REPO / "config/config.yaml")
    parser.add_argument("--group-minutes", type=float, default=10.0)
    parser.add_argument("--cores", type=int, default=2, help="CPUs per node (profile cores)")
    parser.add_argument("--start", type=float, default=10.0, help="seconds per submitted job")
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument(
        "--measured-config",
        type=Path,
        default=REPO / "config/config.yaml",
        help="the config the --results run used (for the estimates' calibration)",
    )
    args = parser.parse_args()

    parts = measured_jobs(args.results)
    ratios = calibration(args.measured_config, args.results)
    groups, measured = training_jobs(args.configfile, args.results, args.group_minutes, ratios)
    source = (
        "measured"
        if measured
        else "estimated, times each grid's measured/estimated ratio: "
        + ", ".join(f"{name or 'main'} {ratio:.2f}" for name, ratio in ratios.items())
    )
    jobs = [seconds for group in groups for seconds in group]
    print(f"config: {args.configfile.name}; training jobs' times {source}, others measured")
    print(f"training: {len(jobs)} jobs in {len(groups)} groups, {sum(jobs):.0f} s of work")
    print(f"nodes of {args.cores} CPUs, {args.start:.0f} s per submitted job")
    print("| nodes | wall time |")
    print("|---|---|")
    for nodes in args.nodes:
        seconds = critical_path(parts, groups, nodes, args.cores, args.start)
        print(f"| {nodes} | {seconds:.0f} s ({seconds / 60:.1f} min) |")


if __name__ == "__main__":
    main()
