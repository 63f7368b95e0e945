"""Which library a job runs: the workflow's own ``src/``, even with initstudy installed.

The installed copy is real: a wheel of this checkout, built and installed with pip
(not editable) into a fresh virtual environment. That environment borrows the other
packages from this interpreter's site-packages through a ``.pth`` file, so that the
test installs one package instead of the whole stack.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import REPO, TINY, copy_workflow, private_copy, snakemake

pytestmark = pytest.mark.workflow

VERSION_LINE = 'version = "1.0.0"'
OTHER_MARKER = "Written by the template of another checkout."


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a fresh virtual environment with this checkout installed by pip."""
    root = tmp_path_factory.mktemp("installed")
    source = root / "source"  # built outside the checkout: setuptools writes build/ there
    source.mkdir()
    for part in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / part, source / part)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    wheels = root / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, source], check=True
    )
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheels.glob("initstudy-*.whl"))
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", wheel], check=True)
    return python


@pytest.fixture(scope="module")
def editable_elsewhere(tmp_path_factory) -> tuple[Path, Path]:
    """The python of a fresh virtual environment with an editable install of another checkout
    (a copy of this one whose report template says so), and that checkout."""
    root = tmp_path_factory.mktemp("editable")
    other = root / "other-checkout"
    other.mkdir()
    for part in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / part, other / part)
    shutil.copytree(REPO / "src", other / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    template = other / "src/initstudy/report/templates/report.md.j2"
    template.write_text(template.read_text().replace("\n# ", f"\n{OTHER_MARKER}\n\n# ", 1))
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = next((env_dir / "lib").glob("python*/site-packages"))
    # Borrowed: snakemake and the rest, and setuptools for the editable build.
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check"]
    install = ["install", "--quiet", "--no-deps", "--no-build-isolation", "-e", other]
    subprocess.run([*pip, *install], check=True)
    return python, other


def installed_package(python: Path) -> Path:
    out = subprocess.run(
        [python, "-c", "import initstudy; print(initstudy.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout
    return Path(out.strip()).parent


def test_the_installed_copy_is_a_real_install_outside_the_checkout(installed):
    package = installed_package(installed)
    assert "site-packages" in package.parts
    assert not package.is_relative_to(REPO)


def test_an_edited_template_reaches_the_report_with_the_package_installed(
    installed, tiny_study, tmp_path
):
    """Before the fix the report rule reran for the edit and wrote the old text: its script
    imported the installed copy."""
    study = private_copy(tiny_study, tmp_path / "study")
    template = study / "src/initstudy/report/templates/report.md.j2"
    marker = "An edit of the checkout's template, made by the test."
    template.write_text(template.read_text().replace("\n# ", f"\n{marker}\n\n# ", 1))
    proc = snakemake(study, "--cores", "2", *TINY, python=installed)
    assert "rule report:" in proc.stderr + proc.stdout
    assert marker in (study / "results/report.md").read_text()
    # The installed copy was there all along, unedited.
    installed_template = installed_package(installed) / "report/templates/report.md.j2"
    assert marker not in installed_template.read_text()


def test_an_editable_install_of_another_checkout_does_not_reach_the_jobs(
    editable_elsewhere, tiny_study, tmp_path
):
    python, other = editable_elsewhere
    assert installed_package(python) == other / "src/initstudy"
    study = private_copy(tiny_study, tmp_path / "study")
    snakemake(study, "--cores", "2", "--forcerun", "report", *TINY, python=python)
    report = (study / "results/report.md").read_text()
    assert OTHER_MARKER not in report
    assert report == (tiny_study / "results/report.md").read_text()


def test_a_job_refuses_a_library_other_than_the_chosen_one(tmp_path):
    """A process that imported initstudy from elsewhere cannot be made to use the chosen one:
    the job stops and names both folders."""
    other = tmp_path / "other"
    shutil.copytree(
        REPO / "src/initstudy", other / "initstudy", ignore=shutil.ignore_patterns("*.pyc")
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import initstudy; "
        "sys.path.insert(0, sys.argv[2]); from library import use_library; "
        "use_library(sys.argv[3])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(other), str(REPO / "workflow/scripts"), str(REPO / "src")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "LibraryError" in proc.stderr
    assert str(other / "initstudy") in proc.stderr and str(REPO / "src/initstudy") in proc.stderr


def without_library(tmp_path: Path, version: str) -> Path:
    """A copy of the workflow as a deployed module ships it: no src/, its pyproject.toml."""
    workdir = copy_workflow(tmp_path / "module")
    shutil.rmtree(workdir / "src")
    text = (REPO / "pyproject.toml").read_text()
    assert VERSION_LINE in text
    (workdir / "pyproject.toml").write_text(text.replace(VERSION_LINE, f'version = "{version}"'))
    return workdir


def test_without_src_the_installed_package_of_the_workflows_version_is_used(installed, tmp_path):
    workdir = without_library(tmp_path, "1.0.0")
    proc = snakemake(workdir, "-n", "--cores", "1", *TINY, python=installed)
    assert "train_cell" in proc.stdout


def test_without_src_an_installed_package_of_another_version_is_refused(installed, tmp_path):
    workdir = without_library(tmp_path, "9.9.9")
    proc = snakemake(workdir, "-n", "--cores", "1", *TINY, python=installed, check=False)
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr
    assert "nothing was run" in message
    assert "version 1.0.0" in message and "version 9.9.9" in message
    assert str(installed_package(installed)) in message
    assert str(workdir / "pyproject.toml") in message


def test_without_src_or_an_installed_package_the_workflow_refuses_to_start(tmp_path):
    workdir = without_library(tmp_path, "1.0.0")
    env_dir = tmp_path / "bare"
    venv.create(env_dir, with_pip=False)
    site = next((env_dir / "lib").glob("python*/site-packages"))
    # Snakemake and the rest, but not initstudy: this interpreter's site-packages.
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = snakemake(
        workdir, "-n", "--cores", "1", *TINY, python=env_dir / "bin/python", check=False
    )
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr
    assert "no initstudy is installed" in message
    assert str(workdir / "src") in message
