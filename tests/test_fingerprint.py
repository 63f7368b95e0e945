"""The source fingerprint: the same for two copies of the same code, different after an edit."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import REPO

from initstudy.util.fingerprint import source_fingerprint


def roots(checkout):
    return {"workflow": checkout / "workflow", "initstudy": checkout / "src/initstudy"}


def copy_code(dest):
    for part in ("workflow", "src"):
        shutil.copytree(REPO / part, dest / part, ignore=shutil.ignore_patterns("*.egg-info"))
    return dest


def test_a_copy_elsewhere_has_the_same_fingerprint_and_caches_do_not_count(tmp_path):
    copy = copy_code(tmp_path / "copy")
    cache = copy / "src/initstudy/model/__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "net.cpython-311.pyc").write_bytes(b"bytecode")
    (cache / "kernel_numba.run-1.py311.nbi").write_bytes(b"kernel index")
    assert source_fingerprint(roots(copy)) == source_fingerprint(roots(REPO))
    assert re.fullmatch(r"[0-9a-f]{16}", source_fingerprint(roots(copy)))


@pytest.mark.parametrize(
    "edit",
    [
        "src/initstudy/report/templates/report.md.j2",  # an edit of the library's data
        "workflow/scripts/plot_heatmap.py",  # an edit of the workflow
    ],
)
def test_any_edit_of_the_code_changes_the_fingerprint(tmp_path, edit):
    copy = copy_code(tmp_path / "copy")
    before = source_fingerprint(roots(copy))
    with open(copy / edit, "a", encoding="utf-8") as handle:
        handle.write("\n")
    assert source_fingerprint(roots(copy)) != before


def test_a_renamed_file_changes_the_fingerprint(tmp_path):
    copy = copy_code(tmp_path / "copy")
    before = source_fingerprint(roots(copy))
    (copy / "workflow/report/runs.rst").rename(copy / "workflow/report/runs2.rst")
    assert source_fingerprint(roots(copy)) != before


@pytest.mark.workflow
def test_the_report_of_a_copy_without_git_names_its_codes_fingerprint(tiny_study):
    """The tiny study runs in a copy of the workflow with no ``.git``: the report cannot name
    a commit, and names the fingerprint of the code it ran instead."""
    text = (tiny_study / "results/report.md").read_text()
    assert "git commit `unknown (not a git checkout)`" in text
    assert f"source fingerprint `{source_fingerprint(roots(tiny_study))}`" in text
