"""The README's commands work as written from a fresh copy of the repository, and every
command the GitHub workflows run is one the README documents.

Cheap commands are run as written (dry runs, ``--help``, ``python -m initstudy``, the Python
example); a command that runs a study is run as a dry run (``-n``) here and for real by the
test named in :data:`RUN_FOR_REAL_BY`; a new README command fails
:func:`test_every_readme_command_is_run_or_covered` until it is added to one of them.
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
from conftest import REPO, copy_workflow

README = (REPO / "README.md").read_text(encoding="utf-8")
VENV = Path(sys.executable).parents[1]

#: Commands a test runs for real (on the tiny study or a cluster), with that test.
RUN_FOR_REAL_BY = {
    "make study": "tests/test_default_study.py (the default study) and tests/test_workflow.py",
    "make test": "CI itself (bash .ci/run)",
    "make report": "tests/test_publish.py (--report .html and .zip on the tiny study)",
    ".venv/bin/snakemake --report results/report.html": "tests/test_publish.py",
    ".venv/bin/snakemake --report results/report.zip": "tests/test_publish.py",
    ".venv/bin/snakemake --cores 4 --forcerun plot_heatmap": "tests/test_rerun.py",
    ".venv/bin/snakemake --cores 4 --until aggregate": "tests/test_rerun.py",
    ".venv/bin/snakemake --cores 1 results/figures/heatmap.png": "tests/test_rerun.py",
    ".venv/bin/snakemake --profile profiles/slurm --workflow-profile none": "tests/test_slurm.py",
}


def readme_commands() -> list[str]:
    """Every command line of the README's ``bash`` blocks, without its comment."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, re.S):
        for line in block.splitlines():
            command = re.split(r"\s+#", line, maxsplit=1)[0].strip()
            if command:
                commands.append(command)
    return commands


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
    for part in ("Makefile", "requirements.txt", "requirements-dev.txt", ".test"):
        source = REPO / part
        if source.is_dir():
            subprocess.run(["cp", "-r", str(source), str(dest / part)], check=True)
        else:
            (dest / part).write_bytes(source.read_bytes())
    (dest / ".venv").symlink_to(VENV)
    return dest


def run(command: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a README command line in ``cwd`` as a shell would."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(cwd / "src")  # the checkout's library, as `pip install .` would give
    proc = subprocess.run(
        command, shell=True, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


CHEAP = [command for command in readme_commands() if command not in RUN_FOR_REAL_BY]


def test_every_readme_command_is_run_or_covered():
    commands = readme_commands()
    assert "make study" in commands and "make test" in commands  # the two-command set-up
    assert set(RUN_FOR_REAL_BY) <= set(commands), "RUN_FOR_REAL_BY names a command gone from README"
    for command in CHEAP:
        assert command.startswith((".venv/bin/python -m initstudy", ".venv/bin/snakemake -n",
                                   ".venv/bin/snakemake --list-")), command  # fmt: skip


@pytest.mark.workflow
@pytest.mark.parametrize("command", CHEAP)
def test_cheap_readme_commands_run_as_written(fresh_copy, command):
    proc = run(command, fresh_copy)
    if "initstudy train" in command:
        assert "summary (one column per budget" in proc.stdout


@pytest.mark.workflow
@pytest.mark.parametrize(
    "command", [c for c in RUN_FOR_REAL_BY if c.startswith(".venv/bin/snakemake --")]
)
def test_study_commands_are_valid_as_dry_runs(fresh_copy, command):
    if "--report" in command:
        # --report needs a finished run; its arguments are checked by Snakemake's parser.
        run(f"{command.split(' --report')[0]} --help > /dev/null", fresh_copy)
        return
    run(f"{command} -n", fresh_copy)


@pytest.mark.parametrize("target", ["study", "report", "tiny", "test"])
def test_make_targets_run_the_documented_commands(fresh_copy, target):
    printed = run(f"make -n {target}", fresh_copy).stdout
    if target == "report":
        for command in (".venv/bin/snakemake --report results/report.html",
                        ".venv/bin/snakemake --report results/report.zip"):  # fmt: skip
            assert command in printed and command in README
    if target == "tiny":
        assert "--configfile .test/config/config.yaml" in printed
    if target == "test":
        assert "check-jsonschema --builtin-schema vendor.github-workflows" in printed


def test_every_github_workflow_command_is_in_the_readme():
    commands = workflow_commands()
    assert "make report" in commands and any(".ci/run" in c for c in commands)
    for command in commands:
        assert command in README, f"the README does not document `{command}`"


def test_the_python_example_runs(tmp_path, capsys):
    (example,) = re.findall(r"```python\n(.*?)```", README, re.S)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "test accuracy per seed:" in printed
    test = namespace["test"]
    assert test.shape == (3,) and ((0 <= test) & (test <= 1)).all()
    assert namespace["result"].costs.shape == (3, 5)  # logged at 0, 500, 1000, 1500 and 2000


def test_readme_python_commands_use_the_projects_environment():
    # A bare `python` lacks the project's dependencies on a fresh machine.
    for command in re.findall(r"`((?:python|snakemake) [^`]*)`", README):
        assert not command.startswith(("python benchmarks", "python -m initstudy")), command
    for command in readme_commands():
        first = shlex.split(command)[0]
        assert first in ("make", ".venv/bin/python", ".venv/bin/snakemake"), command
