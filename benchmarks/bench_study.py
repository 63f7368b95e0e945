"""Time the whole default study from a clean ``results/`` with ``snakemake --cores 4``.

Copies the workflow into a temporary folder (your own ``results/`` is left
alone), runs the study there, and prints:

- the wall time of the run;
- the summed CPU time of every job and of the training jobs, from the
  ``benchmark:`` files Snakemake writes for each job;
- the training compute inside those jobs (from the training logs);
- Snakemake's overhead share: the part of ``wall × cores`` not spent in jobs;
- the peak memory (max RSS) of a training job.

This is a measurement, not a test: nothing here asserts on time.

Usage (from the repository root)::

    python benchmarks/bench_study.py            # the default config
    python benchmarks/bench_study.py --cores 4 --keep /tmp/study
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
PARTS = ("Snakefile", "workflow", "src", "config", "profiles")
STAMP = re.compile(r"^(\S+ \S+,\d+) ")


def copy_workflow(dest: Path) -> None:
    """Copy the workflow's sources (not results or caches) into ``dest``."""
    ignore = shutil.ignore_patterns("__pycache__", ".snakemake", "results")
    for part in PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=ignore)
        else:
            shutil.copy2(src, dest / part)


def training_seconds(log: Path) -> float:
    """Seconds between a training log's first and last line (the compute inside the job)."""
    stamps = [STAMP.match(line) for line in log.read_text().splitlines()]
    times = [datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f") for m in stamps if m]
    return (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="initstudy-bench-"))
    if workdir.exists() and any(workdir.iterdir()):
        sys.exit(f"{workdir} is not empty")
    workdir.mkdir(parents=True, exist_ok=True)
    copy_workflow(workdir)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(args.cores), "--quiet", "all"],
        cwd=workdir,
        check=True,
    )
    wall = time.perf_counter() - start

    rows = []
    for path in sorted((workdir / "results/benchmarks").rglob("*.tsv")):
        bench = pd.read_csv(path, sep="\t").iloc[0]
        rows.append(
            {
                "job": str(path.relative_to(workdir / "results/benchmarks")),
                "s": float(bench["s"]),
                "cpu_time": float(bench["cpu_time"]),
                "max_rss": pd.to_numeric(bench["max_rss"], errors="coerce"),
            }
        )
    jobs = pd.DataFrame(rows)
    train = jobs[jobs["job"].str.startswith("train/")]
    compute = sum(training_seconds(log) for log in (workdir / "results/logs/train").rglob("*.log"))
    usable = min(args.cores, os.cpu_count() or 1)
    busy = jobs["cpu_time"].sum()
    n_networks = len(pd.read_csv(workdir / "results/metrics/runs.csv"))
    print(f"machine: {os.cpu_count()} logical cores; snakemake --cores {args.cores}")
    print(f"networks trained: {n_networks} in {len(train)} training jobs; {len(jobs)} jobs in all")
    print(f"wall time of the whole study: {wall:.1f} s")
    print(
        f"summed CPU time of the jobs (benchmark files): {busy:.1f} s, "
        f"of which training jobs {train['cpu_time'].sum():.1f} s"
    )
    print(
        f"training compute inside the training jobs: {compute:.1f} s "
        f"({compute / n_networks:.3f} s per network, wall time inside the jobs, which share "
        f"{usable} cores)"
    )
    print(
        f"Snakemake's overhead share: {1 - busy / (wall * usable):.1%} of wall x {usable} cores "
        "not spent inside jobs (scheduling, start-up, idle cores while the DAG narrows)"
    )
    print(f"peak memory of a training job: {train['max_rss'].max():.0f} MB (max RSS)")
    slowest = jobs.nlargest(5, "s")
    print("slowest jobs:\n" + slowest.to_string(index=False))
    if not args.keep:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
