"""Shared helpers: run the real workflow in a temporary copy of the repository."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: What a copy of the workflow needs; results and caches are never copied.
WORKFLOW_PARTS = ("Snakefile", "workflow", "src", "config", "profiles", "tests/configs")


def copy_workflow(dest: Path) -> Path:
    """Copy the workflow's sources (not its results) into ``dest`` and return it.

    The compiled numba kernels (``*.nbi``, ``*.nbc`` in ``__pycache__``) travel
    along: numba keys its cache on the source file's mtime and size, which the
    copy keeps, and without it every training job of the copy compiles anew.
    """
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("*.pyc", ".snakemake", "results")
    for part in WORKFLOW_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=ignore)
        elif src.exists():
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    return dest


@cache
def _no_slurm_probe() -> str:
    """A folder whose ``scontrol`` fails at once.

    snakemake-executor-plugin-slurm asks ``scontrol show config`` whenever
    Snakemake starts; where Slurm is installed but its controller is down that
    waits about 9 s per run. Local runs put this folder first on ``PATH``.
    """
    folder = Path(tempfile.mkdtemp(prefix="initstudy-no-slurm-"))
    probe = folder / "scontrol"
    probe.write_text("#!/bin/sh\nexit 1\n")
    probe.chmod(probe.stat().st_mode | stat.S_IXUSR)
    return str(folder)


def snakemake(
    workdir: Path,
    *args: str,
    timeout: int = 600,
    check: bool = True,
    slurm: bool = False,
    python: str | Path = sys.executable,
):
    """Run the real ``snakemake`` of ``python`` (this interpreter) in ``workdir``; return the
    process.

    ``slurm=False`` (local runs) hides ``scontrol`` from the Slurm plugin's start-up probe.
    """
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if not slurm:
        env["PATH"] = f"{_no_slurm_probe()}{os.pathsep}{env['PATH']}"
    proc = subprocess.run(
        [python, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} exited {proc.returncode}\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


TINY = ("--configfile", "tests/configs/tiny.yaml")

#: Compiles numba kernels into numba's cache beside src/ (or loads them): ``run`` beside the
#: others (about 50 s of one core each, cold), as the workflow's two
#: compile_kernels jobs split them. ``make test`` has compiled them already (``make kernels``,
#: beside the linters); a bare ``pytest`` compiles them here.
_WARM_KERNELS = [
    f"from initstudy.model.net import compile_numba_kernels; compile_numba_kernels({kernels})"
    for kernels in (("run",), ("forward", "backward", "step"))
]


def pytest_configure(config):
    """Compile the numba kernels once, before any test (in the controller, before pytest-xdist
    starts its workers): the unit tests then load them, and every copy of the workflow
    (:func:`copy_workflow`) carries them, where each copy's training jobs would otherwise
    compile them again, at about 50 s of CPU a copy."""
    if hasattr(config, "workerinput") or config.option.collectonly:
        return
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    compiles = [subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env)
                for code in _WARM_KERNELS]  # fmt: skip
    for compile_ in compiles:
        if compile_.wait() != 0:
            raise pytest.UsageError(f"compiling the numba kernels failed: {compile_.args}")


def private_copy(study: Path, dest: Path) -> Path:
    """A copy of a finished study at ``dest``, for one test to run Snakemake on or to edit:
    results, Snakemake's records and mtimes included, links kept as links, so that it is as
    finished as the original."""
    return Path(shutil.copytree(study, dest, symlinks=True))


def shared_study(tmp_path_factory, name: str, *args: str) -> Path:
    """A copy of the workflow on which ``snakemake --cores 2 *args`` has run to the end, built
    once per test run: under pytest-xdist the first worker to ask builds it, in the folder the
    workers share, while any other that asks meanwhile waits for it (a file lock). Read-only:
    a test that runs Snakemake on it works on a :func:`private_copy`."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # pytest-N/, above each worker's popen-gwK/
    workdir, done = root / f"shared-{name}", root / f"shared-{name}.done"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(workdir, ignore_errors=True)  # a build that failed in another worker
            snakemake(copy_workflow(workdir), "--cores", "2", *args)
            done.touch()
    return workdir


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory) -> Path:
    """A copy of the workflow on which the tiny study has run to the end (shared, read-only)."""
    return shared_study(tmp_path_factory, "tiny_study", *TINY)


TINY_DEPTH = ("--configfile", "tests/configs/tiny_depth.yaml")


@pytest.fixture(scope="session")
def tiny_depth_study(tmp_path_factory) -> Path:
    """A copy of the workflow on which the tiny depth study (tests/configs/tiny_depth.yaml) has
    run to the end (shared, read-only)."""
    return shared_study(tmp_path_factory, "tiny_depth_study", *TINY_DEPTH)


@pytest.fixture(scope="session")
def default_study(tmp_path_factory) -> Path:
    """A copy of the workflow on which the default study (config/config.yaml) has run to the
    end (shared, read-only; about four minutes on two cores, beside the other tests).

    ``INITSTUDY_DEFAULT_STUDY=<folder>`` names a folder where it has run already (its
    ``results/`` is read): the README's findings can then be checked against one's own run
    without a rerun, ``INITSTUDY_DEFAULT_STUDY=. pytest tests/test_findings.py``.
    """
    finished = os.environ.get("INITSTUDY_DEFAULT_STUDY")
    if finished:
        return Path(finished).resolve()
    workdir = copy_workflow(tmp_path_factory.mktemp("default_study"))
    snakemake(workdir, "--cores", "4", timeout=2400)
    return workdir


def planned_jobs(stdout: str) -> set[str]:
    """Rule names of a dry run's job table."""
    table = stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    return {line.split()[0] for line in table.splitlines()[3:] if line.strip()}


#: A job of a dry run's list, ``rule X:`` or ``localrule X:`` and its indented fields. A job of a
#: group (Snakemake shows cluster groups in every dry run) is indented under its group's header.
DRY_RUN_JOB = re.compile(
    r"^(?P<indent> *)(?:local)?rule (?P<rule>\w+):\n(?P<body>(?:(?P=indent)    .*\n)*)", re.M
)


def scheduled_jobs(stdout: str) -> list[tuple[str, dict[str, str]]]:
    """Each job a dry run lists, grouped or not: its rule and its fields (``input``,
    ``output``, ``wildcards``, ``reason``, ...), in the order listed."""
    return [
        (job["rule"], dict(re.findall(r"^\s+(\w+): (.*)$", job["body"], re.M)))
        for job in DRY_RUN_JOB.finditer(stdout)
    ]


#: The longest shared run first, so that the other worker takes everything else meanwhile.
FIRST_GROUPS = ("default_study",)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's hook reads the groups
def pytest_collection_modifyitems(config, items):
    """Group tests for pytest-xdist (``-n``, ``--dist loadgroup``): the tests of one file run on
    one worker, so that a file's module-scoped fixtures are built once; the tests that read the
    default study (several files) share one worker and its one run, and start first; the Slurm
    tests share one worker, as they share the one test cluster. Without ``-n`` nothing changes
    but the order: the default study's tests first."""
    for item in items:
        if "default_study" in item.fixturenames:
            group = "default_study"
        elif item.get_closest_marker("slurm"):
            group = "slurm"
        else:
            group = item.path.name
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: item.get_closest_marker("xdist_group").args[0] not in FIRST_GROUPS)
