"""A run deletes only the temporary files this project wrote, never a user's look-alikes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY, private_copy, snakemake

from initstudy.util.atomic import TEMPORARY_MARK, TEMPORARY_NAME, atomic_path
from initstudy.util.lock import remove_stale_temporaries

#: Files a user may keep in the results folder, each with the shape of the old temporary
#: names (``.<name>.<8 characters>.<suffix>``) that a run used to delete.
USER_FILES = (
    "results/.notes.december.md",
    "results/metrics/.backup.20240101.csv",
    "results/metrics/.runs.csv.20240101.csv",
    # The mark, but no output of the workflow: not a file this project wrote.
    f"results/metrics/.mine.csv.abcd1234.{TEMPORARY_MARK}.csv",
)
#: What a killed job leaves: the mark, and a target the workflow declares.
LEFTOVERS = (
    f"results/metrics/.summary.csv.k1ll3d_x.{TEMPORARY_MARK}.csv",
    f"results/figures/.heatmap.png.abcd_123.{TEMPORARY_MARK}.png",
)


def test_an_atomic_write_names_its_temporary_file_with_the_mark(tmp_path):
    target = tmp_path / "table.csv"
    with atomic_path(target, suffix=".csv") as tmp:
        name = Path(tmp).name
        assert TEMPORARY_NAME.match(name)["target"] == "table.csv"
        assert TEMPORARY_MARK in name and name.endswith(".csv")
        Path(tmp).write_text("a\n")
    assert [path.name for path in tmp_path.iterdir()] == ["table.csv"]


def test_only_marked_files_of_declared_targets_are_removed(tmp_path, monkeypatch):
    for name in (*USER_FILES, *LEFTOVERS):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    declared = {"results/metrics/summary.csv", "results/figures/heatmap.png"}
    monkeypatch.chdir(tmp_path)
    removed = remove_stale_temporaries("results", lambda path: path in declared)
    assert sorted(map(str, removed)) == sorted(LEFTOVERS)
    assert all(Path(name).exists() for name in USER_FILES)


@pytest.mark.workflow
def test_a_users_look_alike_files_survive_a_run(tiny_study, tmp_path):
    """A real run (``--forcerun report``, as in the defect found) on a finished tiny study."""
    study = private_copy(tiny_study, tmp_path / "study")
    for name in (*USER_FILES, *LEFTOVERS):
        (study / name).write_text("a user's words\n")
    proc = snakemake(study, "--cores", "2", "--forcerun", "report", *TINY)
    assert "rule report:" in proc.stdout + proc.stderr
    for name in USER_FILES:
        assert (study / name).read_text() == "a user's words\n", name
    for name in LEFTOVERS:
        assert not (study / name).exists(), name
        assert f"left behind: {name}" in proc.stderr
