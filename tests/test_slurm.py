"""The tiny study on a real Slurm cluster through snakemake-executor-plugin-slurm.

Needs a running cluster (``bash tests/slurm/cluster.sh start``; `.ci/run` does it)
and skips with that reason where ``sbatch`` is absent.
"""

import re
import shutil
import subprocess

import pytest
from conftest import TINY, copy_workflow, snakemake

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(
        shutil.which("sbatch") is None,
        reason="no sbatch: start a cluster with `bash tests/slurm/cluster.sh install start`",
    ),
]

SUBMITTED = re.compile(
    r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.$", re.M
)
TABLES = ("runs.csv", "costs.csv", "summary.csv", "paired.csv")


def _cluster_answers() -> bool:
    probe = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=30)
    return probe.returncode == 0 and any(
        s.startswith("idle") or s.startswith("mix") for s in probe.stdout.split()
    )


@pytest.mark.timeout(900)
def test_tiny_study_through_sbatch_equals_the_local_run(tmp_path, tiny_study):
    if not _cluster_answers():
        pytest.skip(
            "sbatch is installed but no Slurm node is up: run `bash tests/slurm/cluster.sh start`"
        )
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
    # Snakemake announces a cluster job as "rule X:" and a local one as "localrule X:".
    remote = re.findall(r"^rule (\w+):", output, re.M)
    assert remote.count("train_cell") == 5 and "aggregate" in remote
    assert len(submitted) == len(remote)
    for table in TABLES:
        local = (tiny_study / "results/metrics" / table).read_bytes()
        assert (workdir / "results/metrics" / table).read_bytes() == local, table
