"""Implausible tables are refused by the real snakemake: ranges, consistency, completeness.

Each case damages one table of a finished tiny study (a value no run writes, a
blank where a value must be, missing rows) and reruns the plain command for the
figures that read it. The run must stop with a message naming the file, the
line and the rule that rebuilds it, and no table, figure or report may be
written from the damaged file.
"""

import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY, private_copy, snakemake

from initstudy.tables.completeness import check_complete, expected_rows
from initstudy.tables.plausibility import ImplausibleTableError, check_plausible, rule_for

pytestmark = pytest.mark.workflow

FIGURES = ("heatmap", "initial_cost", "cost_curves", "decision_boundaries")
TARGETS = ("results/metrics/summary.csv", *(f"results/figures/{name}.png" for name in FIGURES))
TABLES = ("runs.csv", "costs.csv", "summary.csv", "comparisons.csv")


def outputs(workdir: Path) -> dict[str, bytes]:
    """Bytes of every table and figure the targets make."""
    files = [workdir / "results/metrics" / name for name in TABLES]
    files += [workdir / target for target in TARGETS[1:]]
    return {str(path.relative_to(workdir)): path.read_bytes() for path in files}


def assert_nothing_written_from_it(workdir: Path, before: dict[str, bytes], damaged: str) -> None:
    """Every output is either the good run's bytes or gone (Snakemake removes the outputs of
    a job it starts); none was written from the damaged table."""
    for name, data in before.items():
        if name == damaged:
            continue
        path = workdir / name
        assert not path.exists() or path.read_bytes() == data, f"{name} was rewritten"


@pytest.fixture
def damaged(tiny_study, tmp_path) -> Path:
    return private_copy(tiny_study, tmp_path / "damaged")


def _set(path: Path, row: int, column: str, value) -> None:
    frame = pd.read_csv(path)
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False, lineterminator="\n")


def _drop_rows(path: Path, rows) -> None:
    frame = pd.read_csv(path)
    frame.drop(index=list(rows)).to_csv(path, index=False, lineterminator="\n")


CELL_RUNS = "results/cells/he/scale-1/runs.csv"
CASES = [
    (
        "test-accuracy-7.5",
        CELL_RUNS,
        lambda path: _set(path, 1, "test_accuracy", 7.5),
        "line 3, init he, scale 1.0, seed 1: test_accuracy is 7.5; allowed: a finite number "
        "from 0 to 1",
        "rule train_cell",
    ),
    (
        "final-cost-inf",
        CELL_RUNS,
        lambda path: _set(path, 2, "final_cost", "inf"),
        "line 4, init he, scale 1.0, seed 2: final_cost is inf; allowed: a finite number >= 0",
        "rule train_cell",
    ),
    (
        "blank-accuracy-on-ok-row",
        "results/metrics/runs.csv",
        lambda path: _set(path, 12, "test_accuracy", ""),
        "line 14, init he, scale 1.0, seed 0: test_accuracy is empty, but the run did not diverge",
        "snakemake --forcerun aggregate",
    ),
    (
        "summary-row-deleted",
        "results/metrics/summary.csv",
        lambda path: _drop_rows(path, [2]),
        "is incomplete (no row for init he, scale 0.5",
        "snakemake --forcerun aggregate",
    ),
    (
        "runs-last-rows-cut",
        "results/metrics/runs.csv",
        lambda path: _drop_rows(path, range(17, 20)),
        "is incomplete (no row for init orthogonal, scale 1.0, seed 1: 17 of 20 rows)",
        "snakemake --forcerun aggregate",
    ),
]


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("table", "damage", "detail", "rebuild"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_implausible_table_is_refused_by_name_and_nothing_is_written_from_it(
    tiny_study, damaged, table, damage, detail, rebuild
):
    before = outputs(tiny_study)
    damage(damaged / table)
    proc = snakemake(damaged, *TARGETS, "--cores", "1", *TINY, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"table '{table}' is " in output, output[-3000:]
    assert detail in output, output[-3000:]
    assert "delete it and rebuild it: " in output and rebuild in output
    assert_nothing_written_from_it(damaged, before, table)

    # Following the message gives back the good run's files.
    (damaged / table).unlink()
    if table.startswith("results/metrics"):
        snakemake(damaged, *TARGETS, "--cores", "1", "--forcerun", "aggregate", *TINY)
    else:
        snakemake(damaged, *TARGETS, "--cores", "1", *TINY)
    for name in TABLES:
        path = f"results/metrics/{name}"
        assert (damaged / path).read_bytes() == before[path], name


def test_rules_are_declared_per_column_and_new_columns_slot_in():
    assert rule_for("validation_accuracy").high == 1.0
    assert rule_for("test_accuracy_ci_high").empty == "any"
    assert rule_for("n_diverged").kind == "integer"
    assert rule_for("hidden_widths") is None
    frame = pd.DataFrame(
        {
            "init": ["he", "he"],
            "scale": [1.0, 1.0],
            "seed": [0, 1],
            "test_accuracy": [0.9, math.nan],
            "diverged_at": [-1, 40],
        }
    )
    check_plausible(frame, "t.csv", "rule x")
    frame.loc[1, "diverged_at"] = -1
    with pytest.raises(ImplausibleTableError, match=r"line 3, .*seed 1: test_accuracy is empty"):
        check_plausible(frame, "t.csv", "rule x")
    frame.loc[1, ["diverged_at", "test_accuracy"]] = [40, 0.5]
    with pytest.raises(ImplausibleTableError, match=r"is 0\.5, but the run diverged"):
        check_plausible(frame, "t.csv", "rule x")


def test_completeness_names_missing_repeated_and_foreign_rows():
    cells = [{"init": "he", "scale": 1.0}, {"init": "he", "scale": 2.0}]
    expected = expected_rows(cells, [0, 1])
    table = expected.copy()
    check_complete(table, expected, "t.csv", "rule x")
    with pytest.raises(ImplausibleTableError, match=r"no row for init he, scale 2\.0, seed 1"):
        check_complete(table.iloc[:3], expected, "t.csv", "rule x")
    with pytest.raises(ImplausibleTableError, match=r"line 6, .*repeats an earlier row"):
        check_complete(pd.concat([table, table.iloc[:1]]), expected, "t.csv", "rule x")
    foreign = table.assign(seed=[0, 1, 0, 7])
    with pytest.raises(ImplausibleTableError, match=r"line 5, .*seed 7: is a row the config"):
        check_complete(foreign, expected, "t.csv", "rule x")
