"""The tiny study on a real Slurm cluster through snakemake-executor-plugin-slurm.

Needs a running cluster: ``bash tests/slurm/cluster.sh install && bash tests/slurm/cluster.sh
start`` (as root); `.ci/run` does both before ``make test``. Where a cluster is promised (the
environment variable ``CI`` is set, as GitHub Actions sets ``CI=true``, or ``sbatch`` is
installed) a cluster that is missing or has no node up fails the test; only where neither
holds (a development machine without Slurm) is it skipped, with that reason.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TINY, copy_workflow, snakemake

pytestmark = pytest.mark.slurm

START = "start one with `bash tests/slurm/cluster.sh install && bash tests/slurm/cluster.sh start`"


def cluster_promised() -> bool:
    """Whether this machine promises a Slurm cluster: on CI (``CI`` set and not false) or
    wherever ``sbatch`` is installed."""
    on_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return on_ci or shutil.which("sbatch") is not None


def cluster_problem() -> str | None:
    """Why the cluster cannot run jobs (no ``sbatch``, ``sinfo`` failing, no node idle or
    mixed), or ``None`` when it can."""
    if shutil.which("sbatch") is None:
        return "no sbatch on PATH"
    try:
        probe = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"sinfo failed: {error}"
    if probe.returncode == 0 and any(s.startswith(("idle", "mix")) for s in probe.stdout.split()):
        return None
    answer = (probe.stdout + probe.stderr).strip()[-500:]
    return f"no Slurm node is up (sinfo exited {probe.returncode}: {answer!r})"


@pytest.fixture(scope="session")
def slurm_cluster() -> None:
    """A cluster that runs jobs: fails where one is promised (:func:`cluster_promised`) but
    none answers, skips elsewhere. Session-scoped, so that it is checked before the tiny
    study is built."""
    problem = cluster_problem()
    if problem is None:
        return
    if cluster_promised():
        pytest.fail(f"a Slurm cluster is promised here (CI or sbatch) but {problem}; {START}")
    pytest.skip(f"{problem}: {START}")


SUBMITTED = re.compile(
    r"Job (\S+) has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.$", re.M
)
TABLES = ("runs.csv", "costs.csv", "summary.csv", "comparisons.csv")


@pytest.mark.timeout(900)
def test_tiny_study_through_sbatch_equals_the_local_run(slurm_cluster, tmp_path, tiny_study):
    workdir = copy_workflow(tmp_path / "slurm")
    # Snakemake keeps waiting (and ignores SIGTERM) if a status check hangs: the
    # subprocess timeout is the hard stop.
    proc = snakemake(
        workdir,
        "--profile",
        "profiles/slurm",
        "--workflow-profile",
        "none",
        *TINY,
        timeout=840,
        slurm=True,
    )
    output = proc.stdout + proc.stderr
    submitted = SUBMITTED.findall(output)
    assert submitted, output[-3000:]
    job_ids = [int(slurm_id) for _, slurm_id, _ in submitted]
    assert len(set(job_ids)) == len(job_ids)
    for _, slurm_id, log in submitted:
        assert log.endswith(f"/{slurm_id}.log")
    # Grouped (grid.cluster): one sbatch per group, whose log folder names the group and its
    # rules. The five training jobs go in one submission, the two compilations in another.
    folders = {Path(log).parent.name: Path(log) for _, _, log in submitted}
    assert len(folders) == len(submitted) == 3, output[-3000:]
    assert sorted(folders) == [
        "group_compile_compile_kernels",
        "group_summary_aggregate",
        "group_train-0_train_cell",
    ], output[-3000:]
    # Inside its allocation, the training group's Snakemake ran all five jobs.
    inside = folders["group_train-0_train_cell"].read_text()
    assert "5 of 5 steps (100%) done" in inside, inside[-3000:]
    assert set(re.findall(r"Finished jobid: \d+ \(Rule: (\w+)\)", inside)) == {"train_cell"}
    # Nothing that runs on a cluster node ran outside a group.
    assert re.findall(r"^rule (\w+):", output, re.M) == []
    for table in TABLES:
        local = (tiny_study / "results/metrics" / table).read_bytes()
        assert (workdir / "results/metrics" / table).read_bytes() == local, table


def test_where_a_cluster_is_promised_and_whether_it_answers(tmp_path, monkeypatch):
    """The two decisions of :func:`slurm_cluster`, on a PATH of fake Slurm commands: without
    sbatch the cluster is missing and promised only with ``CI`` set; with sbatch installed it
    is promised, and a ``sinfo`` that lists only a down node (or fails) is a problem."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    assert cluster_problem() == "no sbatch on PATH" and not cluster_promised()
    for value, promised in (("true", True), ("1", True), ("false", False), ("", False)):
        monkeypatch.setenv("CI", value)
        assert cluster_promised() is promised, value
    monkeypatch.delenv("CI")
    for name, body in (("sbatch", "exit 0"), ("sinfo", "echo down")):
        (tmp_path / name).write_text(f"#!/bin/sh\n{body}\n")
        (tmp_path / name).chmod(0o755)
    assert cluster_promised()
    assert cluster_problem().startswith("no Slurm node is up (sinfo exited 0: 'down')")
    (tmp_path / "sinfo").write_text("#!/bin/sh\necho 'slurm_load_partitions: Unable' >&2\nexit 1\n")
    assert cluster_problem().startswith("no Slurm node is up (sinfo exited 1:")
    (tmp_path / "sinfo").write_text("#!/bin/sh\necho idle\n")
    assert cluster_problem() is None
