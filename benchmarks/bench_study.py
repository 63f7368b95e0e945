"""Time a whole study from a clean ``results/`` with ``snakemake --cores 4``.

Copies the workflow into a temporary folder (your own ``results/`` is left
alone), runs the study there, and prints:

- the wall time of the run;
- the exact CPU time of every job, split into start-up (interpreter,
  Snakemake's script preamble, imports) and work, from the line each job's
  log ends with (``common.log_cpu_time``), summed per rule and per part of
  the study (main grid, depth study, figures and report pages);
- the CPU time of the Snakemake process itself (scheduling, DAG, checksums);
- Snakemake's overhead: the share of ``wall × cores`` not spent in the jobs'
  work, counted twice: with the jobs' start-up as overhead (the price of one
  process per job) and without;
- the peak memory (max RSS) of a training job, from the ``benchmark:`` files.

This is a measurement, not a test: nothing here asserts on time.

Usage (from the repository root)::

    python benchmarks/bench_study.py                    # the default study
    python benchmarks/bench_study.py --configfile config/full.yaml --keep /tmp/full
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
PARTS = ("Snakefile", "workflow", "src", "config", "profiles")
#: The part of the study of a log's first folder (or file); every other one is ``main``.
PARTS_OF_STUDY = {"depth": "depth", "figures": "report", "html": "report", "report": "report"}
CPU_LINE = re.compile(r"job CPU time: start-up ([0-9.]+) s, work ([0-9.]+) s")
# Runs Snakemake and writes its own CPU time (not its jobs') to the file named first.
SNAKEMAKE_SELF = (
    "import atexit, resource, sys\n"
    "out = sys.argv.pop(1)\n"
    "def record():\n"
    "    usage = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    open(out, 'w').write(str(usage.ru_utime + usage.ru_stime))\n"
    "atexit.register(record)\n"
    "from snakemake.cli import main\n"
    "sys.argv[0] = 'snakemake'\n"
    "main()\n"
)


def copy_workflow(dest: Path) -> None:
    """Copy the workflow's sources (not results or caches) into ``dest``."""
    ignore = shutil.ignore_patterns("__pycache__", ".snakemake", "results")
    for part in PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=ignore)
        else:
            shutil.copy2(src, dest / part)


def job_cpu_times(results: Path) -> pd.DataFrame:
    """Each job's start-up and work CPU seconds, read from the last line of its log.

    Parameters
    ----------
    results : Path
        The study's ``results`` folder: the main grid's logs in ``logs``, each
        experiment's in ``experiments/<name>/logs``.

    Returns
    -------
    pandas.DataFrame
        One row per job: ``log`` (path below ``results``), ``rule`` (the first
        folder below ``logs``, or its file name without ``.log``), ``part`` (``main``,
        ``depth`` or ``report``: :data:`PARTS_OF_STUDY`; ``experiment <name>`` for an
        experiment's jobs), ``start_up``, ``work``.
    """
    rows = []
    for path in sorted(results.rglob("logs/**/*.log")):
        found = CPU_LINE.findall(path.read_text(errors="replace"))
        if not found:
            continue
        name = path.relative_to(results)
        below = name.parts[name.parts.index("logs") + 1 :]
        rule = below[0].removesuffix(".log")
        part = PARTS_OF_STUDY.get(rule, "main")
        if name.parts[0] == "experiments":
            part = f"experiment {name.parts[1]}"
        start_up, work = map(float, found[-1])
        rows.append(
            {"log": str(name), "rule": rule, "part": part, "start_up": start_up, "work": work}
        )
    return pd.DataFrame(rows)


def peak_training_rss(benchmarks: Path) -> float:
    """Largest max RSS (MB) over the training jobs' ``benchmark:`` files."""
    values = [
        pd.to_numeric(pd.read_csv(path, sep="\t")["max_rss"], errors="coerce").max()
        for path in (benchmarks / "train").rglob("*.tsv")
    ]
    return max(values, default=float("nan"))


def run_study(workdir: Path, cores: int, configfile: str | None) -> tuple[float, float, float]:
    """Run Snakemake in ``workdir``.

    Returns
    -------
    tuple of float
        Wall seconds, CPU seconds of the Snakemake process, CPU seconds of it and
        all its jobs.
    """
    own = workdir / "snakemake-cpu.txt"
    # The target comes first: --configfile takes every value that follows it.
    command = [sys.executable, "-c", SNAKEMAKE_SELF, str(own), "all", "--cores", str(cores)]
    command += ["--quiet", *(["--configfile", configfile] if configfile else [])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=workdir, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, float(own.read_text()), total


def report(workdir: Path, cores: int, wall: float, snakemake_cpu: float, total: float) -> None:
    """Print the measures (see the module docstring)."""
    jobs = job_cpu_times(workdir / "results")
    usable = min(cores, os.cpu_count() or 1)
    capacity = wall * usable
    start_up, work = jobs["start_up"].sum(), jobs["work"].sum()
    n_networks = len(pd.read_csv(workdir / "results/metrics/runs.csv"))
    train = jobs[(jobs["rule"] == "train") & (jobs["part"] == "main")]
    print(f"machine: {os.cpu_count()} logical cores; snakemake --cores {cores}")
    print(f"main grid: {n_networks} networks in {len(train)} training jobs; {len(jobs)} jobs")
    print(f"wall time of the whole study: {wall:.1f} s")
    print(
        f"CPU time: {total:.1f} s in all = Snakemake process {snakemake_cpu:.1f} s + jobs "
        f"{start_up + work:.1f} s (start-up {start_up:.1f} s, work {work:.1f} s) + "
        f"unaccounted {total - snakemake_cpu - start_up - work:.1f} s"
    )
    print(f"idle: {capacity - total:.1f} core-seconds of wall x {usable} cores without CPU work")
    per_part = jobs.groupby("part")[["start_up", "work"]].sum()
    per_part["jobs"] = jobs.groupby("part").size()
    print("CPU seconds per part of the study:\n" + per_part.round(1).to_string())
    per_rule = jobs.groupby(["part", "rule"])[["start_up", "work"]].agg(["sum", "mean"])
    print("CPU seconds per rule (sum and mean per job):\n" + per_rule.round(3).to_string())
    print(
        f"main grid's training work: {train['work'].sum():.1f} s CPU, "
        f"{train['work'].sum() / n_networks:.3f} s per network"
    )
    print(
        f"Snakemake's overhead, share of wall x {usable} cores not spent in the jobs' work: "
        f"{1 - work / capacity:.1%} (start-up counted as overhead); "
        f"{1 - (start_up + work) / capacity:.1%} (start-up counted as the jobs'); "
        f"{1 - (total - snakemake_cpu) / capacity:.1%} (all CPU but Snakemake's own counted "
        "as the jobs': what is left is Snakemake's process and idle cores)"
    )
    peak = peak_training_rss(workdir / "results/benchmarks")
    print(f"peak memory of a training job: {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument(
        "--configfile",
        type=lambda path: str(Path(path).resolve()),  # the study runs in a copy elsewhere
        help="a config replacing config/config.yaml (tests/configs/tiny.yaml: the tiny study)",
    )
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="initstudy-bench-"))
    if workdir.exists() and any(workdir.iterdir()):
        sys.exit(f"{workdir} is not empty")
    workdir.mkdir(parents=True, exist_ok=True)
    copy_workflow(workdir)
    wall, snakemake_cpu, total = run_study(workdir, args.cores, args.configfile)
    report(workdir, args.cores, wall, snakemake_cpu, total)
    if not args.keep:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
