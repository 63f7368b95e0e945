"""Faults and interruptions with the real snakemake: overflow, damaged files, SIGKILL, --cores.

Every test works in its own copy of the workflow. Runs that only need the
tables ask for ``results/metrics/summary.csv`` (the aggregate job writes all
four tables) to skip the figures.
"""

import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, TINY, copy_workflow, private_copy, snakemake
from report_items import check_html_report

from initstudy.tables.tables import RUN_COLUMNS, RUN_NUMBERS, read_table
from initstudy.util.atomic import TEMPORARY_MARK

pytestmark = pytest.mark.workflow

TABLES = ("runs.csv", "costs.csv", "summary.csv", "comparisons.csv")
TABLES_TARGET = "results/metrics/summary.csv"
OVERFLOW = ("--configfile", "tests/configs/overflow.yaml")


def table_bytes(workdir: Path) -> dict[str, bytes]:
    return {name: (workdir / "results/metrics" / name).read_bytes() for name in TABLES}


def assert_unchanged_or_absent(workdir: Path, before: dict[str, bytes]) -> None:
    """No metrics table holds anything but the bytes of the last good run."""
    for name, data in before.items():
        path = workdir / "results/metrics" / name
        assert not path.exists() or path.read_bytes() == data, f"{name} was rewritten"


@pytest.fixture(scope="module")
def tiny_tables(tmp_path_factory) -> Path:
    """The tiny study's tables from an uninterrupted ``--cores 1`` run (read-only)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("tiny_cores1"))
    snakemake(workdir, TABLES_TARGET, "--cores", "1", *TINY)
    return workdir


@pytest.fixture
def finished_copy(tiny_tables, tmp_path) -> Path:
    """A copy of the finished tiny run (results, metadata and mtimes included) to damage."""
    return private_copy(tiny_tables, tmp_path / "damaged")


# --------------------------------------------------------------------------- overflow


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_overflow_is_a_diverged_outcome_not_a_crash(tmp_path):
    workdir = copy_workflow(tmp_path / "overflow")
    snakemake(workdir, "--cores", "2", *OVERFLOW)
    runs = pd.read_csv(workdir / "results/metrics/runs.csv")
    status = runs.groupby("scale")["status"].apply(list).to_dict()
    assert status[1e103] == ["diverged"] * 4
    # seed 0 stays finite, every ReLU killed by the first step: a constant output
    assert status[1e100] == ["collapsed", "diverged", "diverged", "diverged"]
    assert "diverged" not in status[1e6] and "diverged" not in status[1.0]
    diverged = runs[runs["status"] == "diverged"]
    assert diverged["test_accuracy"].isna().all() and diverged["final_cost"].isna().all()
    assert (runs.loc[runs["scale"] == 1e103, "diverged_at"] == 0).all()

    # No NaN or inf text in any table: a missing value is an empty field.
    for name in TABLES:
        text = (workdir / "results/metrics" / name).read_text()
        assert not re.search(r"(^|,)-?(nan|inf)(,|$)", text, re.I | re.M), name

    summary = pd.read_csv(workdir / "results/metrics/summary.csv")
    stats = [c for c in summary.columns if c.rsplit("_", 1)[-1] in ("mean", "median", "iqm")]
    stats += [c for c in summary.columns if c.endswith(("_ci_low", "_ci_high"))]
    for row in summary.itertuples(index=False):
        cell = runs[runs["scale"] == row.scale]
        assert row.n_finite == int(cell["test_accuracy"].notna().sum())
        assert row.n_diverged == int((cell["status"] == "diverged").sum())
        values = [getattr(row, c) for c in stats if not c.startswith("success")]
        if row.n_finite == 0:  # the all-diverged cell: every statistic empty, counts kept
            assert all(math.isnan(v) for v in values), row
            assert row.n_seeds == 4 and row.n_success == 0
        else:
            # An interval may be missing only where its note says why (e.g. every seed
            # identical: random x1e6 kills every ReLU of every seed alike).
            for column in stats:
                value = getattr(row, column)
                note = getattr(row, column.rsplit("_ci_", 1)[0] + "_ci_note", None)
                if column.startswith("success") or (isinstance(note, str) and note):
                    continue
                assert math.isfinite(value), (column, row)
    no_value = summary[summary["n_finite"] == 0]
    assert len(no_value) == 1 and no_value["scale"].iloc[0] == 1e103

    report = (workdir / "results/report.md").read_text()
    assert not re.search(r"\b(nan|inf|infinity)\b", report, re.I)
    row_1e103 = next(line for line in report.splitlines() if line.startswith("| random ×1e+103"))
    assert "—" in row_1e103
    assert len(list((workdir / "results/figures").glob("*.png"))) >= 7

    for log in (workdir / "results/logs/train").rglob("*.log"):
        text = log.read_text()
        assert "NumPy floating-point events (counted per call, not printed):" in text
        assert "RuntimeWarning" not in text, log
    events = (workdir / "results/logs/train/random/scale-1e+103.log").read_text()
    # The diverging cell's events are counted (which kinds depends on the backend:
    # the compiled kernel reports its exp overflows/underflows once per call).
    assert re.search(r"floating-point events [^\n]*(overflow|underflow|invalid value) \d+", events)


# --------------------------------------------------------------------------- damaged files


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_truncated_dataset_names_the_file_and_how_to_rebuild_it(finished_copy, tiny_tables):
    before = table_bytes(tiny_tables)
    data = finished_copy / "results/data/circles.npz"
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    proc = snakemake(finished_copy, TABLES_TARGET, "--cores", "2", *TINY, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    # The job's one-line error reaches the terminal, not only its log.
    assert "CorruptDataError: dataset file 'results/data/circles.npz' is damaged" in output
    assert "rebuild" in output
    assert_unchanged_or_absent(finished_copy, before)

    # Following the message rebuilds exactly the tables of the good run.
    data.unlink()
    snakemake(finished_copy, TABLES_TARGET, "--cores", "2", *TINY)
    assert table_bytes(finished_copy) == before


def _drop_column(path: Path) -> None:
    pd.read_csv(path).drop(columns="test_accuracy").to_csv(path, index=False)


def _cut_last_row(path: Path) -> None:
    text = path.read_text()
    path.write_text(text[: len(text) - 20])


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("damage", "detail"),
    [
        (_drop_column, "missing column(s) test_accuracy"),
        (_cut_last_row, "no line break at the end: truncated"),
    ],
    ids=["missing-column", "truncated"],
)
def test_damaged_cell_table_names_the_file_and_no_wrong_table_is_written(
    finished_copy, tiny_tables, damage, detail
):
    before = table_bytes(tiny_tables)
    cell = finished_copy / "results/cells/he/scale-1/runs.csv"
    damage(cell)
    proc = snakemake(finished_copy, TABLES_TARGET, "--cores", "2", *TINY, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"table 'results/cells/he/scale-1/runs.csv' is damaged ({detail})" in output, output
    assert "delete it and rebuild it" in output
    assert_unchanged_or_absent(finished_copy, before)

    cell.unlink()
    snakemake(finished_copy, TABLES_TARGET, "--cores", "2", *TINY)
    assert table_bytes(finished_copy) == before


# --------------------------------------------------------------------------- determinism


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_tables_are_byte_identical_with_cores_1_and_4(tiny_tables, tmp_path):
    workdir = copy_workflow(tmp_path / "cores4")
    snakemake(workdir, TABLES_TARGET, "--cores", "4", *TINY)
    assert table_bytes(workdir) == table_bytes(tiny_tables)


# --------------------------------------------------------------------------- SIGKILL


def _long_config(workdir: Path) -> tuple[str, str]:
    """The tiny study with enough iterations that each cell trains for a few seconds."""
    config = yaml.safe_load((REPO / "tests/configs/tiny.yaml").read_text())
    config["model"].update(iterations=60000, log_every=5000)
    (workdir / "long.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return ("--configfile", "long.yaml")


@pytest.fixture(scope="module")
def long_reference(tmp_path_factory) -> Path:
    """An uninterrupted run of the long tiny study's tables (read-only): what a killed and
    resumed run, and a run that another run met, must write byte for byte."""
    reference = copy_workflow(tmp_path_factory.mktemp("uninterrupted"))
    snakemake(reference, TABLES_TARGET, "--cores", "2", *_long_config(reference))
    return reference


def _training_cells(workdir: Path) -> tuple[list[Path], list[Path]]:
    """Cells whose tables exist, and cells whose job has logged an iteration but not finished."""
    done, training = [], []
    for log in (workdir / "results/logs/train").glob("*/*.log"):
        cell = workdir / "results/cells" / log.parent.name / log.stem
        if (cell / "runs.csv").exists():
            done.append(cell)
        elif "iteration" in log.read_text() and "iteration  60000" not in log.read_text():
            training.append(cell)
    return done, training


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_run_killed_during_training_resumes_to_identical_tables(long_reference, tmp_path):
    workdir = copy_workflow(tmp_path / "killed")
    config = _long_config(workdir)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    with open(workdir / "killed.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "snakemake", TABLES_TARGET, "--cores", "2", *config],
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while True:
            done, training = _training_cells(workdir)
            if done and training:
                break
            assert proc.poll() is None, "the run ended before it could be killed mid-training"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (workdir / "results/metrics/summary.csv").exists()
    for cell in done:  # written atomically: whatever exists is whole
        read_table(cell / "runs.csv", RUN_COLUMNS, "-", numeric=RUN_NUMBERS)

    # The killed run's lock file is still there, naming it; the kernel released its flock.
    assert f"pid {proc.pid} " in (workdir / "results/.initstudy.lock").read_text()
    # A killed job's temporary file (as a killed aggregate leaves) is removed by the next run.
    stale = workdir / f"results/metrics/.costs.csv.k1ll3d_x.{TEMPORARY_MARK}.csv"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("init,scale\n")

    # The documented command (docs/reruns.md), as is: the default profile's rerun-incomplete
    # redoes the killed jobs; the results lock died with the killed run and does not block this one.
    proc = snakemake(workdir, TABLES_TARGET, "--cores", "2", *config)
    assert all(str(cell.relative_to(workdir)) in proc.stdout + proc.stderr for cell in training)
    assert table_bytes(workdir) == table_bytes(long_reference)
    assert not stale.exists()
    assert not list((workdir / "results").rglob(".*.csv"))


# --------------------------------------------------------------------------- concurrent runs


def _start(workdir: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    with open(workdir / "first.log", "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "snakemake", *args],
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_second_run_in_one_folder_is_refused_and_the_first_finishes_right(long_reference, tmp_path):
    workdir = copy_workflow(tmp_path / "shared")
    config = _long_config(workdir)
    other = yaml.safe_load((workdir / "long.yaml").read_text())
    other["model"]["learning_rate"] = 0.3
    (workdir / "other.yaml").write_text(yaml.safe_dump(other, sort_keys=False))
    first = _start(workdir, TABLES_TARGET, "--cores", "2", *config)
    try:
        deadline = time.monotonic() + 240
        while not _training_cells(workdir)[1]:
            assert first.poll() is None, "the first run ended before it trained"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # The first run is held still (SIGSTOP to its process group) while the second starts:
        # however fast the machine trains, the second meets a run that has not finished.
        os.killpg(first.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            second = snakemake(
                workdir, TABLES_TARGET, "--cores", "2", "--configfile", "other.yaml", check=False
            )
            refused_after = time.monotonic() - started
            assert first.poll() is None, "the first run should still be training"
        finally:
            os.killpg(first.pid, signal.SIGCONT)
    finally:
        first_rc = first.wait(timeout=300)
    output = second.stdout + second.stderr
    assert second.returncode != 0
    assert "another run is using the results folder 'results' (nothing was run)" in output
    assert f"pid {first.pid} on host " in output and "long.yaml" in output, output[-2000:]
    assert refused_after < 60
    assert first_rc == 0, (workdir / "first.log").read_text()[-3000:]
    assert table_bytes(workdir) == table_bytes(long_reference)
    # Snakemake's records agree with the tables: nothing is left to do for the first config.
    dry = snakemake(workdir, TABLES_TARGET, "-n", *config)
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_dry_runs_reports_lint_and_listings_need_no_lock(tiny_study, tmp_path):
    """While this test holds the results lock of a copy of the finished tiny study: ``--report``
    writes the run's report (every figure embedded, tests/report_items.py); with the summary
    table then deleted, a dry run announces the study's size and plans the aggregation,
    ``--list-rules`` lists the rules, ``--lint`` exits 0 with Snakemake's all-clear; a real
    run is refused, naming this process, and writes nothing."""
    from initstudy.util.lock import hold_results_lock

    workdir = private_copy(tiny_study, tmp_path / "held")
    held_by_this_test = hold_results_lock(workdir / "results")
    snakemake(workdir, "--report", "results/report.html", *TINY)
    check_html_report(workdir / "results/report.html", workdir)

    (workdir / "results/metrics/summary.csv").unlink()
    dry = snakemake(workdir, "-n", *TINY)
    assert "This config trains 20 networks in 5 training jobs" in dry.stdout + dry.stderr
    assert re.search(r"^aggregate\s+1$", dry.stdout, re.M), dry.stdout[-3000:]
    listed = snakemake(workdir, "--list-rules", *TINY).stdout.split()
    assert {"train_cell", "aggregate", "report", "findings_html"} <= set(listed)
    lint = snakemake(workdir, "--lint", *TINY, check=False)
    output = lint.stdout + lint.stderr
    assert lint.returncode == 0, output[-3000:]
    assert "Congratulations, your workflow is in a good condition!" in output, output[-3000:]

    busy = snakemake(workdir, TABLES_TARGET, "--cores", "1", *TINY, check=False)
    assert busy.returncode != 0
    assert "another run is using the results folder 'results' (nothing was run)" in (
        busy.stdout + busy.stderr
    )
    assert f"pid {os.getpid()} " in busy.stdout + busy.stderr
    assert not (workdir / "results/metrics/summary.csv").exists()
    assert held_by_this_test.exists()
