"""The version is written once, in pyproject.toml; the package reports its installed metadata's,
looked up only when asked for (every job of the workflow imports the package)."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from conftest import REPO

import initstudy


def test_the_package_reports_the_version_pyproject_gives():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert initstudy.__version__ == project["version"]


def test_importing_the_package_reads_no_metadata():
    code = "import sys, initstudy; print('importlib.metadata' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


def test_another_missing_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'initstudy' has no attribute 'versions'"):
        initstudy.versions  # noqa: B018
