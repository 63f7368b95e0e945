"""Where and how this run was made, for the report: seeds, software, commit, machine, compute."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

from initstudy.grid.grid import grid_cells
from initstudy.model.net import resolve_backend
from initstudy.report.report import seed_facts

#: The packages whose versions the report names, in this order.
REPORTED_PACKAGES = ("numpy", "pandas", "matplotlib", "scikit-learn", "snakemake", "numba")


def compute_facts(benchmarks: list[str], n_networks: int) -> dict | None:
    """Compute time and memory of the training jobs, from Snakemake's ``benchmark:`` files.

    Parameters
    ----------
    benchmarks : list of str
        Paths of the training jobs' benchmark files.
    n_networks : int
        Networks they trained.

    Returns
    -------
    dict or None
        ``n_jobs``, ``total_s`` (summed wall time), ``per_network_s`` and ``peak_mb``
        (the largest max RSS); None without benchmark files.
    """
    frames = [pd.read_csv(path, sep="\t") for path in benchmarks]
    if not frames:
        return None
    bench = pd.concat(frames, ignore_index=True)
    total = float(bench["s"].sum())
    return {
        "n_jobs": len(frames),
        "total_s": total,
        "per_network_s": total / max(n_networks, 1),
        "peak_mb": float(pd.to_numeric(bench["max_rss"], errors="coerce").max()),
    }


def reproducibility_facts(
    config: dict,
    runs: pd.DataFrame,
    benchmarks: list[str],
    repo: Path,
    fingerprint: str,
    n_reruns: int = 0,
) -> dict:
    """Seeds, counts, software, commit, machine, compute time and the analysis settings.

    Parameters
    ----------
    config : dict
        With the sections ``grid`` and ``analysis``.
    runs : pandas.DataFrame
        ``runs.csv``.
    benchmarks : list of str
        The training jobs' benchmark files (:func:`compute_facts`).
    repo : Path
        The checkout, for its git commit.
    fingerprint : str
        The workflow's and the library's :func:`initstudy.util.fingerprint.source_fingerprint`.
    n_reruns : int
        Networks trained again on a rerun axis (``reruns.csv``), counted among the networks.

    Returns
    -------
    dict
        ``seeds``, ``n_networks``, ``n_cells``, ``python``, ``versions`` (package ->
        version), ``backend``, ``commit``, ``dirty``, ``fingerprint``, ``cpu``, ``cores``,
        ``system``, ``machine``, ``compute`` and ``analysis``.
    """
    commit, dirty = _git_state(repo)
    return {
        "seeds": seed_facts(config["grid"]["seeds"]),
        "n_networks": len(runs) + n_reruns,
        "n_cells": len(grid_cells(config)),
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in REPORTED_PACKAGES},
        "backend": resolve_backend(None),
        "commit": commit,
        "dirty": dirty,
        "fingerprint": fingerprint,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "system": platform.system(),
        "machine": platform.machine(),
        "compute": compute_facts(benchmarks, len(runs) + n_reruns),
        "analysis": config["analysis"],
    }


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
    """CPU model name from ``/proc/cpuinfo`` (or :func:`platform.processor`).

    Returns
    -------
    str
    """
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
