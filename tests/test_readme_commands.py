"""The commands of the README and of docs/*.md work as written, and every command the
GitHub workflows run is one these pages document.

Every command line of a ``bash`` block of README.md or a docs/*.md page is covered in one of
three ways, and a new one fails :func:`test_every_documented_command_is_run_or_covered` until
it is:

- *cheap* commands (``.venv/bin/python -m initstudy ...``, ``.venv/bin/snakemake -n``,
  ``.venv/bin/snakemake --list-...``) are run as written on a fresh copy of the repository;
- the commands of :data:`RUN_ON_A_FINISHED_STUDY` (the two ``--report`` commands,
  ``--forcerun plot_heatmap``, ``--until aggregate`` and one file) are run as written, for
  real, on a private copy of the finished tiny study whose default config is the tiny one,
  and their outputs and the jobs they ran are checked;
- a command that runs a whole study (:data:`RUN_FOR_REAL_BY`) is checked here without running
  the study: its Snakemake commands as dry runs (``-n``) on the fresh copy, its ``make``
  targets with ``make -n`` (:data:`MAKE_TARGETS`); the module or tool named in
  :data:`RUN_FOR_REAL_BY` runs it for real.

The Python example of docs/python.md is run in this test's own interpreter, not on the fresh
copy.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_workflow, private_copy
from report_items import check_html_report, check_zip_report

README = (REPO / "README.md").read_text(encoding="utf-8")
#: The pages whose ``bash`` blocks are checked: the README, then docs/*.md.
PAGES = {
    path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8")
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
}
#: Every page's text in one string, to look up a command that need not be in a bash block.
DOCUMENTED = "\n".join(PAGES.values())
PYTHON_EXAMPLE_PAGE = "docs/python.md"
VENV = Path(sys.executable).parents[1]

#: Commands run here as written, for real, on a finished tiny study (see the tests below).
RUN_ON_A_FINISHED_STUDY = (
    ".venv/bin/snakemake --report results/report.html",
    ".venv/bin/snakemake --report results/report.zip",
    ".venv/bin/snakemake --cores 4 --forcerun plot_heatmap",
    ".venv/bin/snakemake --cores 4 --until aggregate",
    ".venv/bin/snakemake --cores 1 results/figures/heatmap.png",
)
#: Commands that run a whole study: a dry run here, for real where said.
RUN_FOR_REAL_BY = {
    "make study": "tests/test_default_study.py (the default study) and tests/test_workflow.py",
    "make test": "CI itself (bash .ci/run)",
    "make report": "its two --report commands: RUN_ON_A_FINISHED_STUDY; `make -n report` here",
    ".venv/bin/snakemake --profile profiles/slurm --workflow-profile none": "tests/test_slurm.py",
}
#: The make targets whose commands :func:`test_make_targets_run_the_documented_commands`
#: reads from ``make -n``.
MAKE_TARGETS = ("study", "report", "tiny", "test")
#: How a cheap command begins: run as written on a fresh copy.
CHEAP_PREFIXES = (
    ".venv/bin/python -m initstudy",
    ".venv/bin/snakemake -n",
    ".venv/bin/snakemake --list-",
)


def bash_commands(text: str) -> list[str]:
    """Every command line of the ``bash`` blocks of a markdown text, without its comment."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command = re.split(r"\s+#", line, maxsplit=1)[0].strip()
            if command:
                commands.append(command)
    return commands


def documented_commands() -> list[tuple[str, str]]:
    """(page, command) for every command line of the bash blocks of the README and docs/."""
    return [(page, command) for page, text in PAGES.items() for command in bash_commands(text)]


def workflow_commands() -> list[str]:
    """Every ``run:`` command of the GitHub workflows."""
    commands = []
    for path in sorted((REPO / ".github/workflows").glob("*.yml")):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            commands += [step["run"].strip() for step in job.get("steps", []) if "run" in step]
    return commands


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory) -> Path:
    """A copy of the repository's sources as a clone has them, with the project's .venv."""
    dest = copy_workflow(tmp_path_factory.mktemp("clone"))
    for part in ("Makefile", "requirements.txt", "requirements-dev.txt", "pyproject.toml", ".test"):
        source = REPO / part
        if source.is_dir():
            subprocess.run(["cp", "-r", str(source), str(dest / part)], check=True)
        else:
            (dest / part).write_bytes(source.read_bytes())
    (dest / ".venv").symlink_to(VENV)
    return dest


def run(command: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a documented command line in ``cwd`` as a shell would."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(cwd / "src")  # the checkout's library, as `pip install .` would give
    proc = subprocess.run(
        command, shell=True, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


CHEAP = [
    pytest.param(command, id=f"{page}: {command}")
    for page, command in documented_commands()
    if command not in RUN_FOR_REAL_BY and command not in RUN_ON_A_FINISHED_STUDY
]


def test_every_documented_command_is_run_or_covered():
    assert set(PAGES) > {"README.md"}, "no docs/*.md page found"
    assert {"make study", "make test"} <= set(bash_commands(README))  # the two-command set-up
    commands = {command for _, command in documented_commands()}
    assert set(RUN_FOR_REAL_BY) <= commands, "RUN_FOR_REAL_BY names a command no page documents"
    assert set(RUN_ON_A_FINISHED_STUDY) <= commands, "a command gone from the README and docs/"
    for command in RUN_FOR_REAL_BY:
        if command.startswith("make "):
            assert command.split()[1] in MAKE_TARGETS, f"`make -n` never reads `{command}`"
    for page, command in documented_commands():
        if command not in RUN_FOR_REAL_BY and command not in RUN_ON_A_FINISHED_STUDY:
            assert command.startswith(CHEAP_PREFIXES), (
                f"{page}: `{command}` is neither cheap (run here as written), nor in "
                "RUN_ON_A_FINISHED_STUDY, nor in RUN_FOR_REAL_BY"
            )


@pytest.mark.workflow
@pytest.mark.parametrize("command", CHEAP)
def test_cheap_documented_commands_run_as_written(fresh_copy, command):
    proc = run(command, fresh_copy)
    if "initstudy train" in command:
        assert "summary (one column per budget" in proc.stdout


@pytest.mark.workflow
@pytest.mark.parametrize(
    "command", [c for c in RUN_FOR_REAL_BY if c.startswith(".venv/bin/snakemake --")]
)
def test_study_commands_are_valid_as_dry_runs(fresh_copy, command):
    run(f"{command} -n", fresh_copy)


@pytest.fixture
def finished_study(tiny_study, tmp_path) -> Path:
    """A private copy of the finished tiny study (results and Snakemake's records included)
    with the tiny config as its default config/config.yaml and the project's .venv, so that
    the documented commands run there as written (no ``--configfile``)."""
    dest = private_copy(tiny_study, tmp_path / "study")
    (dest / "config/config.yaml").write_bytes((REPO / "tests/configs/tiny.yaml").read_bytes())
    (dest / ".venv").symlink_to(VENV)
    return dest


def jobs_run(proc: subprocess.CompletedProcess) -> dict[str, int]:
    """Jobs a real run finished, by rule (Snakemake's "Finished jobid: N (Rule: X)" lines; the
    target rule ``default`` left out)."""
    finished = re.findall(r"^Finished jobid: \d+ \(Rule: (\w+)\)$", proc.stdout + proc.stderr, re.M)
    jobs = {rule: finished.count(rule) for rule in finished}
    jobs.pop("default", None)
    return jobs


@pytest.mark.workflow
def test_the_report_commands_run_as_written_and_embed_this_runs_files(finished_study):
    """Both ``--report`` commands on the finished tiny study: the .html report embeds every item
    as a data URI of the run's own bytes (every figure of results/figures among them, the
    findings page with its figures embedded); the .zip holds the same items, each file of the
    archive byte-equal to the run's (tests/report_items.py)."""
    html, archive = RUN_ON_A_FINISHED_STUDY[:2]
    run(html, finished_study)
    shown = check_html_report(finished_study / "results/report.html", finished_study)
    run(archive, finished_study)
    zipped = check_zip_report(finished_study / "results/report.zip", finished_study)
    assert set(zipped) == set(shown)


@pytest.mark.workflow
def test_the_rerun_commands_run_as_written_and_do_what_docs_reruns_says(finished_study):
    """On the finished tiny study, in this order: ``--forcerun plot_heatmap`` redraws the
    heatmap and runs exactly what depends on it (the report and its findings page);
    with ``results/metrics/summary.csv`` deleted, ``--until aggregate`` runs the aggregation
    alone, though figures and report are then out of date; with the heatmap deleted,
    ``results/figures/heatmap.png`` runs its plotting job alone."""
    forcerun, until, one_file = RUN_ON_A_FINISHED_STUDY[2:]
    results = finished_study / "results"
    before = (results / "figures/heatmap.png").stat().st_mtime_ns
    jobs = jobs_run(run(forcerun, finished_study))
    assert jobs == {"plot_heatmap": 1, "report": 1, "findings_html": 1}
    assert (results / "figures/heatmap.png").stat().st_mtime_ns > before

    (results / "metrics/summary.csv").unlink()
    report = (results / "report.md").stat().st_mtime_ns
    assert jobs_run(run(until, finished_study)) == {"aggregate": 1}
    assert (results / "metrics/summary.csv").is_file()
    assert (results / "report.md").stat().st_mtime_ns == report

    (results / "figures/heatmap.png").unlink()
    assert jobs_run(run(one_file, finished_study)) == {"plot_heatmap": 1}
    assert (results / "figures/heatmap.png").is_file()


@pytest.mark.parametrize("target", MAKE_TARGETS)
def test_make_targets_run_the_documented_commands(fresh_copy, target):
    printed = run(f"make -n {target}", fresh_copy).stdout
    if target == "report":
        for command in (".venv/bin/snakemake --report results/report.html",
                        ".venv/bin/snakemake --report results/report.zip"):  # fmt: skip
            assert command in printed and command in DOCUMENTED
    if target == "study":
        # The project itself too, so that `python -m initstudy` works after `make study`.
        assert ".venv/bin/python -m pip install --quiet --no-deps --editable ." in printed
    if target == "tiny":
        assert "--configfile .test/config/config.yaml" in printed
    if target == "test":
        assert "check-jsonschema --builtin-schema vendor.github-workflows" in printed


def test_make_report_writes_where_the_config_says(fresh_copy):
    printed = run("make -n report CONFIG=.test/config/config.yaml", fresh_copy).stdout
    assert ".venv/bin/snakemake --report results/tiny/report.html" in printed
    assert "cp results/tiny/report.html results/tiny/site/index.html" in printed
    assert "results/report.html" not in printed


def test_the_environment_runs_the_package_without_pythonpath(tmp_path):
    """`make study` installs the project (editable): its interpreter imports initstudy from
    any folder, without PYTHONPATH."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    proc = subprocess.run(
        [str(VENV / "bin/python"), "-m", "initstudy", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage: python -m initstudy" in proc.stdout


def test_every_github_workflow_command_is_in_the_readme_or_docs():
    commands = workflow_commands()
    assert "make report" in commands and any(".ci/run" in c for c in commands)
    for command in commands:
        assert command in DOCUMENTED, f"neither the README nor docs/ documents `{command}`"


def test_the_python_example_runs(tmp_path, capsys):
    (example,) = re.findall(r"```python\n(.*?)```", PAGES[PYTHON_EXAMPLE_PAGE], re.S)
    namespace: dict = {}
    exec(compile(example, PYTHON_EXAMPLE_PAGE, "exec"), namespace)
    printed = capsys.readouterr().out
    assert "test accuracy per seed:" in printed
    test = namespace["test"]
    assert test.shape == (3,) and ((0 <= test) & (test <= 1)).all()
    assert namespace["result"].costs.shape == (3, 5)  # logged at 0, 500, 1000, 1500 and 2000


def test_documented_python_commands_use_the_projects_environment():
    # A bare `python` lacks the project's dependencies on a fresh machine.
    for page, text in PAGES.items():
        for command in re.findall(r"`((?:python|snakemake) [^`]*)`", text):
            assert not command.startswith(("python benchmarks", "python -m initstudy")), (
                f"{page}: {command}"
            )
    for page, command in documented_commands():
        first = shlex.split(command)[0]
        assert first in ("make", ".venv/bin/python", ".venv/bin/snakemake"), f"{page}: {command}"
