"""The workflow outside this checkout: workflow/Snakefile is the workflow, the root Snakefile
keeps the default target, the results folder is a config key, and a deployment made with
snakedeploy from a tag runs as a Snakemake module with the same tables as the checkout and a
self-contained HTML report of its own figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TINY, copy_workflow, planned_jobs, snakemake
from report_items import check_html_report

TAG = "v0.0.0-test"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the workflow's sources, as a clone has them."""
    return copy_workflow(tmp_path_factory.mktemp("checkout"))


@pytest.mark.workflow
def test_the_root_snakefile_runs_the_workflow_with_its_default_target(checkout):
    jobs = planned_jobs(snakemake(checkout, "-n", *TINY).stdout)
    assert {"default", "train_cell", "report", "findings_html"} <= jobs


@pytest.mark.workflow
def test_workflow_snakefile_is_the_whole_workflow(checkout):
    jobs = planned_jobs(snakemake(checkout, "-s", "workflow/Snakefile", "-n", *TINY).stdout)
    assert {"all", "train_cell", "report", "findings_html"} <= jobs and "default" not in jobs


@pytest.mark.workflow
def test_the_results_folder_is_a_config_key(checkout):
    proc = snakemake(checkout, "-n", *TINY, "--config", "results=elsewhere/tiny")
    assert "elsewhere/tiny/metrics/runs.csv" in proc.stdout
    assert " results/" not in proc.stdout
    refused = snakemake(checkout, "-n", *TINY, "--config", "results=../outside", check=False)
    assert refused.returncode != 0 and "config key 'results'" in refused.stdout + refused.stderr


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.email=test@example.org", "-c", "user.name=test", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


def deploy(checkout: Path, tmp_path: Path) -> Path:
    """snakedeploy a tagged clone of ``checkout`` into a new folder; return that folder.

    snakedeploy writes a local repository's path relative (``"workflow/Snakefile"``, which
    Snakemake would look for in the deploying folder's workflow/); docs/publishing.md's deployment
    steps set it to the clone's absolute path, as done here.
    """
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-a", str(checkout), str(repo)], check=True)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "the workflow", cwd=repo)
    git("tag", TAG, cwd=repo)
    clone = tmp_path / "clone"
    git("clone", "-q", "--branch", TAG, repo.as_uri(), str(clone), cwd=tmp_path)
    dest = tmp_path / "deployed"
    subprocess.run(
        [str(Path(sys.executable).with_name("snakedeploy")), "deploy-workflow", str(clone),
         str(dest), "--tag", TAG],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    snakefile = dest / "workflow/Snakefile"
    text = snakefile.read_text()
    assert '"workflow/Snakefile"' in text and "use rule * from clone" in text
    snakefile.write_text(text.replace('"workflow/Snakefile"', f'"{clone}/workflow/Snakefile"'))
    return dest


@pytest.mark.workflow
@pytest.mark.slow
def test_a_deployed_module_runs_the_tiny_study_like_the_checkout(checkout, tiny_study, tmp_path):
    dest = deploy(checkout, tmp_path)
    # The deploying folder's config is the study (snakedeploy copied the default one there).
    (dest / "config/config.yaml").write_text((checkout / "tests/configs/tiny.yaml").read_text())
    snakemake(dest, "--cores", "2", timeout=900)
    for table in ("runs.csv", "summary.csv", "comparisons.csv"):
        ours = (dest / "results/metrics" / table).read_bytes()
        assert ours == (tiny_study / "results/metrics" / table).read_bytes(), table
    assert (dest / "results/html/findings.html").is_file()
    # The module's report is self-contained and shows the deployed run's own files: every item
    # embedded and byte-equal to it, every figure of results/figures among them.
    snakemake(dest, "--report", "results/report.html")
    check_html_report(dest / "results/report.html", dest)
