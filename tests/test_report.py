"""The report's facts (numbers from hand-made tables) and its templates (wording, strictness)."""

from __future__ import annotations

import math

import jinja2
import pandas as pd
import pytest
from conftest import REPO

from initstudy import report
from initstudy.depth_report import stall_facts, training_facts, worst_ratio_error
from initstudy.imports import import_closure
from initstudy.provenance import compute_facts
from initstudy.templates import TEMPLATE_DIR, render

NAN = math.nan
CONFIG = {
    "dataset": {"n_train": 300, "n_test": 100, "noise": 0.05, "train_seed": 1, "test_seed": 2},
    "model": {
        "layers": [2, 10, 5, 1], "learning_rate": 0.01, "iterations": 15000, "log_every": 1000,
    },
    "grid": {"seeds": [0, 1, 2, 3], "initializations": {"zeros": [1], "he": [0.5, 1.0, 4.0]}},
    "analysis": {
        "success_threshold": 0.9, "chance_tolerance": 0.05, "bootstrap_resamples": 1000,
        "bootstrap_seed": 0, "confidence_level": 0.95, "reference": {"init": "he", "scale": 1.0},
    },
}  # fmt: skip


@pytest.fixture
def summary():
    """Four cells of four seeds: zeros symmetric, he ×1 the best, he ×4 all diverged."""
    return pd.DataFrame(
        {"init": ["zeros", "he", "he", "he"], "scale": [1.0, 0.5, 1.0, 4.0],
         "n_seeds": 4, "n_finite": [4, 4, 4, 0], "n_success": [0, 2, 4, 0],
         "success_ci_low": [0.0, 0.15, 0.51, 0.0], "success_ci_high": [0.49, 0.85, 1.0, 0.49],
         "test_accuracy_mean": [0.5, 0.8, 0.95, NAN],
         "test_accuracy_ci_low": [0.5, 0.7, 0.93, NAN],
         "test_accuracy_ci_high": [0.5, 0.9, 0.97, NAN],
         "n_symmetric": [4, 0, 0, 0]}
    )  # fmt: skip


@pytest.fixture
def runs():
    rows = [("zeros", 1.0, "symmetric", 0.693)] * 4 + [("he", 0.5, "ok", 0.70)] * 4
    rows += [("he", 1.0, "ok", 0.75)] * 3 + [("he", 1.0, "chance", 0.77)]
    rows += [("he", 4.0, "diverged", 9.0)] * 4
    return pd.DataFrame(rows, columns=["init", "scale", "status", "initial_cost"])


@pytest.fixture
def paired():
    return pd.DataFrame(
        {"init": ["zeros", "he"], "best_scale": [1.0, 4.0], "n_pairs": [4, 0],
         "p_beats": [0.0, NAN], "p_beats_ci_low": [0.0, NAN], "p_beats_ci_high": [0.125, NAN],
         "mean_difference": [-0.45, NAN]}
    )  # fmt: skip


def test_seed_facts_tell_a_range_from_a_list():
    assert report.seed_facts(range(3, 23)) == {"numbers": list(range(3, 23)), "consecutive": True}
    assert not report.seed_facts([0, 1])["consecutive"]
    assert not report.seed_facts([0, 1, 5])["consecutive"]


def test_setup_facts_count_cells_and_networks():
    facts = report.setup_facts(CONFIG)
    assert (facts["n_cells"], facts["n_networks"]) == (4, 16)
    assert facts["scales"] == {"zeros": [1], "he": [0.5, 1.0, 4.0]}
    assert facts["reference"] == "he ×1"


def test_findings_facts_hold_the_numbers_of_the_tables(summary, runs, paired):
    facts = report.findings_facts(summary, runs, paired, CONFIG)
    assert facts["best"]["cell"] == "he ×1"
    assert facts["best"]["test_accuracy_mean"] == 0.95 and facts["best"]["n_success"] == 4
    zeros, he = facts["initializers"]
    assert zeros["init"] == "zeros" and zeros["first"]["n_symmetric"] == 4
    assert he["best"]["scale"] == 1.0 and he["n_seeds"] == 4
    assert (he["always"], he["never"]) == ([1.0], [4.0])
    assert facts["failures"]["n_networks"] == 16
    assert facts["failures"]["counts"] == {"diverged": 4, "symmetric": 4, "chance": 1}
    assert facts["failures"]["cells"]["chance"] == [("he ×1", 1)]
    assert [pair["finite"] for pair in facts["paired"]] == [True, False]
    assert facts["paired"][1]["cell"] == "he ×4"


def test_an_initializer_without_a_finite_network_has_no_best_scale(summary):
    facts = report.initializer_facts("he", summary[summary["scale"] == 4.0])
    assert facts["best"] is None and facts["never"] == [4.0]


def test_initial_cost_facts_take_the_median_at_the_extreme_scales(runs):
    (he,) = report.initial_cost_facts(runs)  # zeros has one scale: left out
    assert he["init"] == "he"
    assert (he["low_scale"], he["low_cost"]) == (0.5, 0.70)
    assert (he["high_scale"], he["high_cost"]) == (4.0, 9.0)


def test_findings_template_writes_the_facts(summary, runs, paired):
    text = render(
        "findings.md.j2",
        findings=report.findings_facts(summary, runs, paired, CONFIG),
        initial_costs=report.initial_cost_facts(runs),
    )
    assert (
        "- The best cell is **he ×1**: mean test accuracy 0.950 (95% CI [0.930, 0.970]), "
        "4 of 4 seeds reach 0.9.\n"
    ) in text
    assert "**he** is best at scale 1: 4 of 4 seeds succeed (Wilson 95% CI [0.51, 1.00])" in text
    assert "every seed succeeds at scale 1; no seed reaches 0.9 at scale 4.\n" in text
    assert "; diverged: he ×4 (4); symmetric: zeros ×1 (4); chance: he ×1 (1).\n" in text
    assert "mean difference in test accuracy -0.450.\n" in text
    assert "- he ×4 has no finite run to pair with he ×1.\n" in text
    assert text.endswith("he 0.700 at ×0.5 vs 9.000 at ×4.\n")


def test_a_missing_fact_fails_loudly(summary, runs, paired):
    findings = report.findings_facts(summary, runs, paired, CONFIG)
    del findings["failures"]["counts"]
    with pytest.raises(jinja2.UndefinedError, match="counts"):
        render("findings.md.j2", findings=findings, initial_costs=[])
    with pytest.raises(jinja2.UndefinedError, match="setup"):
        render("setup.md.j2")


def test_setup_template_names_every_hyperparameter():
    text = render("setup.md.j2", setup=report.setup_facts(CONFIG))
    assert "Scales: `zeros` 1; `he` 0.5, 1, 4." in text
    assert "- **Grid**: 4 cells × 4 seeds (seeds 0–3) = 16 networks.\n" in text
    assert "1000 bootstrap resamples (seed 0), 95% intervals; reference cell he ×1.\n" in text


def test_reproduction_facts_compare_with_the_notebook_code_run_here():
    table = pd.DataFrame(
        {"run": "he ×1", "quantity": ["cost @ 0", "cost @ 1000", "train_accuracy"],
         "notebook": [0.9, 0.5, 0.99], "this_run": [0.9, 0.5 + 1e-9, 0.99],
         "difference": [0.0, 1e-9, 0.0], "relative_difference": [0.0, 2e-9, 0.0],
         "notebook_code_here": [0.9, 0.5, 0.99]}
    )  # fmt: skip
    facts = report.reproduction_facts(table, [], None)
    (run,) = facts["runs"]
    assert run["accuracies_equal"] and run["accuracies"] == [("train accuracy", 0.99)]
    assert run["worst_relative"] == 2e-9 and not run["matches_code_here"]
    assert run["relative_to_code_here"] == pytest.approx(2e-9)
    text = render("reproduction.md.j2", reproduction=facts)
    assert "| he ×1 | cost @ 1000 | 0.5 | 0.500000001 | 1.00e-09 | 2.00e-09 | 0.5 |" in text
    assert "by up to 2.00e-09 (relative).\n" in text and "saturated" not in text
    different = report.reproduction_facts(None, ["model.layers: [2, 8, 1]"], None)
    assert render("reproduction.md.j2", reproduction=different).endswith(
        "are not compared: model.layers: [2, 8, 1].\n"
    )


def test_compute_facts_sum_the_benchmark_files(tmp_path):
    paths = []
    for i, (seconds, rss) in enumerate([(1.5, 100.0), (2.5, "-")]):
        paths.append(tmp_path / f"{i}.tsv")
        pd.DataFrame({"s": [seconds], "max_rss": [rss]}).to_csv(paths[-1], sep="\t", index=False)
    facts = compute_facts([str(p) for p in paths], n_networks=8)
    assert facts == {"n_jobs": 2, "total_s": 4.0, "per_network_s": 0.5, "peak_mb": 100.0}
    assert compute_facts([], 8) is None


def test_depth_training_facts_and_stalls():
    summary = pd.DataFrame(
        {"init": ["he"] * 3 + ["lecun"] * 2, "scale": 1.0, "depth": [2, 5, 10, 2, 5],
         "n_seeds": 4, "n_success": [4, 2, 1, 1, 0], "n_diverged": [0, 0, 3, 0, 4],
         "test_accuracy_mean": [0.95, 0.8, 0.6, 0.6, NAN],
         "test_accuracy_ci_low": [0.9, 0.7, 0.5, 0.5, NAN],
         "test_accuracy_ci_high": [0.99, 0.9, 0.7, 0.7, NAN]}
    )  # fmt: skip
    settings = {"width": 16, "seeds": 4, "iterations": 1000, "learning_rate": 0.06}
    facts = training_facts(summary, settings)
    assert facts["columns"] == ["he ×1", "lecun ×1"] and facts["deepest"] == 10
    assert [row["depth"] for row in facts["rows"]] == [2, 5, 10]
    assert facts["rows"][2]["cells"][1] is None  # lecun has no depth 10
    assert not facts["rows"][1]["cells"][1]["trained"]
    he, lecun = stall_facts(summary)
    assert (he["trains_to"], he["stalls_at"], he["stalled"]["n_diverged"]) == (5, 10, 3)
    assert (lecun["trains_to"], lecun["trained"], lecun["stalls_at"]) == (0, None, 2)


def test_worst_ratio_error_is_the_largest_in_absolute_value():
    # random x1 at 50 layers overflowed: no ratio measured
    ratios = pd.DataFrame(
        {"init": ["he", "lecun", "random"], "scale": 1.0, "depth": [5, 5, 50],
         "relative_error": [0.01, -0.04, NAN]}
    )  # fmt: skip
    worst = worst_ratio_error(ratios)
    assert worst == {"max_abs_error": 0.04, "cell": "lecun ×1", "depth": 5, "error": -0.04}
    assert worst_ratio_error(ratios.assign(relative_error=NAN)) is None


def test_every_template_reruns_the_report_and_the_depth_section():
    templates = sorted(TEMPLATE_DIR.glob("*.j2"))
    assert len(templates) >= 8
    roots = [REPO / "workflow/scripts", REPO / "src"]
    for script in ("write_report.py", "depth_section.py"):
        closure = import_closure(REPO / "workflow/scripts" / script, roots)
        assert set(templates) <= set(closure), script
