"""The report per stratum: a grid with a ``depth`` axis gets one results table and one findings
section per depth, named by :func:`initstudy.grid.grid.stratum_label`, from the tables the
library's own analysis makes of tiny synthetic runs."""

from __future__ import annotations

import pandas as pd
import pytest

from initstudy.analysis.analysis import AnalysisSettings, analyse
from initstudy.grid.grid import stratum_label
from initstudy.report import report
from initstudy.report.report_findings import findings_facts
from initstudy.report.templates import render
from initstudy.tables.tables import COST_COLUMNS, RUN_COLUMNS

AXES = ("init", "scale", "depth")
DEPTHS = (1, 3)
SEEDS = range(8)
LOGGED = (0, 50, 100)
LAYERS = [2, 4, 1]
CONFIG = {
    "model": {"layers": LAYERS, "iterations": LOGGED[-1]},
    "analysis": {"success_threshold": 0.9, "confidence_level": 0.95, "reference": {"init": "he"}},
}
#: The logged cost and validation accuracy of a run that learns, and of one that does not.
CURVES = {
    True: {"cost": (0.7, 0.3, 0.1), "validation_accuracy": (0.5, 0.95, 0.97), "test": 0.96},
    False: {"cost": (0.7, 0.5, 0.45), "validation_accuracy": (0.5, 0.6, 0.6), "test": 0.6},
}


def _run(cell: dict, seed: int, curve: dict, hidden: str) -> tuple[dict, list[dict]]:
    """One run's row of ``runs`` and its rows of ``costs``."""
    points = [
        {"seed": seed, "iteration": iteration, "cost": cost, "train_accuracy": accuracy,
         "validation_accuracy": accuracy, "test_accuracy": accuracy}
        for iteration, cost, accuracy in zip(LOGGED, curve["cost"], curve["validation_accuracy"])
    ]  # fmt: skip
    run = {"seed": seed, "initial_cost": curve["cost"][0], "final_cost": curve["cost"][-1],
           "train_accuracy": curve["test"], "validation_accuracy": curve["validation_accuracy"][-1],
           "test_accuracy": curve["test"], "diverged_at": -1, "distinct_units": hidden,
           "hidden_widths": hidden}  # fmt: skip
    return cell | run, [cell | point for point in points]


def _study() -> tuple[pd.DataFrame, pd.DataFrame]:
    """He learns at both depths; LeCun learns at depth 1 only (a difference at depth 3)."""
    runs, costs = [], []
    for depth in DEPTHS:
        for init in ("he", "lecun"):
            cell = {"init": init, "scale": 1.0, "depth": depth}
            curve = CURVES[init == "he" or depth == 1]
            for seed in SEEDS:
                run, points = _run(cell, seed, curve, ";".join(["4"] * depth))
                runs.append(run)
                costs += points
    return pd.DataFrame(runs)[_order(RUN_COLUMNS)], pd.DataFrame(costs)[_order(COST_COLUMNS)]


def _order(columns: tuple[str, ...]) -> list[str]:
    """The columns of a table of cells, ``depth`` after ``init, scale``."""
    return [*columns[:2], "depth", *columns[2:]]


@pytest.fixture(scope="module")
def tables() -> dict:
    runs, costs = _study()
    settings = AnalysisSettings(
        axes=AXES, threshold=0.9, stuck_margin=0.01, budgets=(LOGGED[-1],), n_resamples=100,
        bootstrap_seed=0, level=0.95, reference="he", equal_gain={},
        thresholds=(0.85, 0.9, 0.95), layers=tuple(LAYERS),
    )  # fmt: skip
    return analyse(runs, costs, settings)


def test_one_findings_section_per_depth_titled_by_its_stratum_label(tables):
    facts = findings_facts(tables, CONFIG, AXES)
    labels = [stratum_label({"depth": depth}) for depth in DEPTHS]
    assert facts["strata"] == {"axes": ["depth"], "by_dataset": False, "each": "each depth"}
    assert [part["stratum"] for part in facts["datasets"]] == [{"depth": d} for d in DEPTHS]
    assert [part["label"] for part in facts["datasets"]] == labels == ["depth 1", "depth 3"]
    for part in facts["datasets"]:  # each section reads its own depth's runs only
        assert [chosen["n_runs"] for chosen in part["chosen"]] == [len(SEEDS)] * 2
    lecun = [part["chosen"][1]["versus_reference"]["direction"] for part in facts["datasets"]]
    assert lecun == ["indistinguishable", "worse"]
    text = render("findings.md.j2", findings=facts,
                  failures=report.failure_facts(tables["summary"]), initial_costs=[])  # fmt: skip
    assert [line for line in text.splitlines() if line.startswith("### On ")] == [
        f"### On {label}" for label in labels
    ]
    assert "chosen on validation, per stratum (each depth);" in text
    assert "### Across the strata" in text and "data set" not in text
    consistency = "indistinguishable on depth 1, worse on depth 3: the finding does not hold"
    assert f"- **lecun** against he: {consistency} in every stratum." in text


def test_one_results_table_per_depth_without_a_depth_column(tables):
    facts = report.results_facts(tables["summary"], tables["times"], AXES)
    assert facts["columns"] == [] and [part["label"] for part in facts["tables"]] == [
        "depth 1",
        "depth 3",
    ]
    text = render("results.md.j2", results=facts)
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == ["### Stratum: depth 1", "### Stratum: depth 3"]
    assert text.count("| he ×1 |") == text.count("| lecun ×1 |") == 2


def test_strata_are_named_in_words():
    assert report.strata_facts(("init", "scale", "dataset"))["by_dataset"]
    assert report.strata_facts(("init", "scale", "learning_rate")) == {
        "axes": [], "by_dataset": True, "each": ""
    }  # fmt: skip
    both = report.strata_facts(("init", "scale", "dataset", "depth", "width"))
    assert both["each"] == "each combination of data set, depth and width"
