"""The version is written once, in pyproject.toml; the package reports its installed metadata's,
looked up only when asked for (tests/test_imports.py: importing the package reads no metadata)."""

from __future__ import annotations

import tomllib

import pytest
from conftest import REPO

import initstudy


def test_the_package_reports_the_version_pyproject_gives():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert initstudy.__version__ == project["version"]


def test_another_missing_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'initstudy' has no attribute 'versions'"):
        initstudy.versions  # noqa: B018
