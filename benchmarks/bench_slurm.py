"""The same study locally and through Slurm, one after the other, from clean copies.

Runs ``snakemake --cores 4`` in one fresh copy of the workflow, then
``snakemake --profile profiles/slurm --workflow-profile none`` in another (the test
cluster of ``tests/slurm/cluster.sh`` must be up), and prints:

- the wall time of each run and their ratio;
- the jobs submitted to Slurm (group jobs and single jobs), with Slurm's own elapsed time of
  each (``scontrol show job``: start to end, whole seconds);
- whether every table under ``results/metrics`` is byte-identical between the two runs.

This is a measurement, not a test: nothing here asserts on time.

Usage (from the repository root)::

    python benchmarks/bench_slurm.py                          # the default study
    python benchmarks/bench_slurm.py --configfile tests/configs/tiny.yaml
    python benchmarks/bench_slurm.py --group-minutes 5        # another group size
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_study import copy_workflow

SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: .*/slurm_logs/([^/]+)/")


def run(workdir: Path, args: list[str]) -> tuple[float, str]:
    """Run Snakemake in ``workdir``; return its wall time and output (exit on failure)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        sys.exit(f"snakemake failed in {workdir}:\n{output[-4000:]}")
    return wall, output


def slurm_elapsed(job_id: str) -> str:
    """Slurm's start-to-end seconds of a finished job, while ``squeue``/``scontrol`` keep it."""
    show = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True, text=True)
    times = dict(re.findall(r"(StartTime|EndTime)=(\S+)", show.stdout))
    if len(times) < 2 or "Unknown" in times.values():
        return "?"
    start, end = (time.mktime(time.strptime(times[k], "%Y-%m-%dT%H:%M:%S")) for k in times)
    return f"{end - start:.0f}"


def tables(workdir: Path) -> dict[str, bytes]:
    """Every table a run wrote under results/metrics (the experiments' too)."""
    return {
        str(path.relative_to(workdir)): path.read_bytes()
        for path in sorted((workdir / "results").rglob("metrics/*.csv"))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", help="a config replacing config/config.yaml")
    parser.add_argument("--group-minutes", type=float, help="cluster.group_minutes for Slurm")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    args = parser.parse_args()
    config = ["--configfile", str(Path(args.configfile).resolve())] if args.configfile else []
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_slurm_"))
    local, cluster = root / "local", root / "slurm"
    for folder in (local, cluster):
        folder.mkdir(parents=True)
        copy_workflow(folder)

    local_wall, _ = run(local, ["--cores", "4", *config])
    print(f"local (--cores 4): {local_wall:.1f} s", flush=True)
    slurm_args = ["--profile", "profiles/slurm", "--workflow-profile", "none", *config]
    if args.group_minutes is not None:
        slurm_args += ["--config", f"cluster={{group_minutes: {args.group_minutes}}}"]
    slurm_wall, output = run(cluster, slurm_args)
    submitted = SUBMITTED.findall(output)
    print(f"Slurm: {slurm_wall:.1f} s, {slurm_wall / local_wall:.2f} x the local run")
    print(f"jobs submitted to Slurm: {len(submitted)}")
    for job_id, name in submitted:
        print(f"  {job_id:>6}  {slurm_elapsed(job_id):>5} s  {name}")
    local_tables, cluster_tables = tables(local), tables(cluster)
    differing = [
        name
        for name in sorted(local_tables.keys() | cluster_tables.keys())
        if local_tables.get(name) != cluster_tables.get(name)
    ]
    print(
        f"tables: {len(local_tables)} locally, {len(cluster_tables)} through Slurm; "
        + (f"differing: {', '.join(differing)}" if differing else "all byte-identical")
    )
    print(f"runs kept in {root}" if args.keep else f"runs in {root} (delete when done)")


if __name__ == "__main__":
    main()
