"""The report's facts (numbers from hand-made tables) and its templates (wording, strictness)."""

from __future__ import annotations

import math

import jinja2
import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from initstudy.analysis.comparisons import compare_cells, holm
from initstudy.report import report
from initstudy.report.depth_report import worst_ratio_error
from initstudy.report.provenance import compute_facts
from initstudy.report.report_findings import findings_facts, learning_rate_facts, verdict
from initstudy.report.templates import TEMPLATE_DIR, render
from initstudy.util.imports import import_closure

NAN = math.nan
CONFIG = {
    "dataset": {"name": "circles", "kind": "circles", "n_train": 300, "n_validation": 100,
                "n_test": 100, "noise": 0.05, "train_seed": 1, "validation_seed": 3,
                "test_seed": 2},
    "datasets": {"moons": {"kind": "moons", "noise": 0.2}},
    "model": {"layers": [2, 10, 5, 1], "learning_rate": 0.01, "iterations": 20000,
              "log_every": 500},
    "grid": {"seeds": list(range(20)),
             "initializations": {"zeros": [1], "he": [1.0], "orthogonal": [1.4142135623730951]},
             "axes": {"learning_rate": [0.01, 0.04], "dataset": ["circles", "moons"]}},
    "analysis": {"success_threshold": 0.9, "stuck_margin": 0.01, "notebook_iterations": 15000,
                 "thresholds": [0.85, 0.9, 0.95], "bootstrap_resamples": 200,
                 "bootstrap_seed": 0, "confidence_level": 0.95,
                 "reference": {"init": "he", "scale": 1.0}},
}  # fmt: skip
AXES = ("init", "scale", "learning_rate", "dataset")
SEEDS = np.arange(20)


def _cell_runs(init, scale, rate, dataset, n_success, accuracy=0.95):
    """20 runs of one cell: the first ``n_success`` at ``accuracy``, the rest at 0.6."""
    test = np.where(SEEDS < n_success, accuracy, 0.6)
    status = np.where(SEEDS < n_success, "ok", "symmetric" if init == "zeros" else "slow")
    return pd.DataFrame(
        {"init": init, "scale": scale, "learning_rate": rate, "dataset": dataset, "seed": SEEDS,
         "test_accuracy": test, "validation_accuracy": test,
         "time_to_learn": np.where(SEEDS < n_success, 1000.0 + 500 * (SEEDS % 3), 20000.0),
         "learned": SEEDS < n_success, "status": status}
    )  # fmt: skip


@pytest.fixture
def tables():
    """Per data set: he 20/20 and orthogonal 18/20 (a tie: Fisher p = 0.49) at their chosen
    cells, zeros 0/20; on moons orthogonal is 2/20 (a real difference)."""
    counts = {"circles": {"zeros": 0, "he": 20, "orthogonal": 18},
              "moons": {"zeros": 0, "he": 20, "orthogonal": 2}}  # fmt: skip
    scales = {"zeros": 1.0, "he": 1.0, "orthogonal": 1.4142135623730951}
    runs = pd.concat(
        [_cell_runs(init, scales[init], 0.04, dataset, k)
         for dataset, by_init in counts.items() for init, k in by_init.items()],
        ignore_index=True,
    )  # fmt: skip
    selection = runs.groupby(["init", "dataset"], sort=False).agg(
        n_runs=("seed", "size"), n_success=("learned", "sum"),
        test_accuracy_mean=("test_accuracy", "mean"),
        test_accuracy_median=("test_accuracy", "median"),
    ).reset_index()  # fmt: skip
    selection["scale"] = selection["init"].map(scales)
    selection["learning_rate"] = 0.04
    selection["n_candidates"] = 2
    selection["success_rate"] = selection["n_success"] / 20
    for column in ("success_ci_low", "success_ci_high", "test_accuracy_mean_ci_low",
                   "test_accuracy_mean_ci_high"):  # fmt: skip
        selection[column] = selection["success_rate"]
    selection["success_ci_note"] = selection["test_accuracy_mean_ci_note"] = ""
    parts = []
    for dataset in counts:
        cells = {f"{init} (chosen)": {"init": init, "dataset": dataset} for init in scales}
        pairs = [("zeros (chosen)", "he (chosen)"), ("orthogonal (chosen)", "he (chosen)")]
        table = compare_cells(runs, cells, 0.9, 200, 0, 0.95, pairs=pairs)
        parts.append(table.assign(dataset=dataset))
    comparisons = pd.concat(parts, ignore_index=True)
    comparisons["fisher_p_holm"] = holm(comparisons["fisher_p"])
    comparisons["wilcoxon_p_holm"] = holm(comparisons["wilcoxon_p"])
    speedups = pd.DataFrame(
        {"dataset": ["circles", "moons"], "a": "orthogonal (chosen)", "b": "he (chosen)",
         "median_a": 1500.0, "median_b": 1000.0, "ratio": [0.667, NAN],
         "ratio_ci_low": [0.5, NAN], "ratio_ci_high": [1.0, NAN], "undefined_share": 0.0,
         "note": ["", "A: fewer than half learn"]}
    )  # fmt: skip
    rankings = pd.DataFrame(
        {"dataset": ["circles"] * 2 + ["moons"] * 2, "threshold": [0.9, 0.95] * 2,
         "ranking": ["he > orthogonal > zeros", "he = orthogonal > zeros"] * 2,
         "same_as_first": [True, False] * 2}
    )  # fmt: skip
    gain = pd.DataFrame(
        {"init": list(scales), "scale": list(scales.values()), "he_equivalent_gain": [0, 1, 1]}
    )
    summary = _summary(runs)
    return {"runs": runs, "summary": summary, "selection": selection, "gain": gain,
            "comparisons": comparisons, "speedups": speedups, "rankings": rankings}  # fmt: skip


def _summary(runs):
    """Per cell and budget: the counts the findings read (at 15000 two fewer successes)."""
    rows = []
    for key, cell in runs.groupby(list(AXES), sort=False):
        k = int((cell["test_accuracy"] >= 0.9).sum())
        for budget, n_success in ((15000, max(k - 2, 0)), (20000, k)):
            statuses = {
                "n_ok": n_success,
                "n_slow": 20 - n_success,
                "n_stuck": 0,
                "n_collapsed": 0,
                "n_symmetric": 20 if key[0] == "zeros" else 0,
                "n_diverged": 0,
            }
            if key[0] == "zeros":
                statuses["n_slow"] = 0
            rows.append(dict(zip(AXES, key)) | {"budget": budget, "n_seeds": 20,
                        "n_success": n_success} | statuses)  # fmt: skip
    return pd.DataFrame(rows)


def test_seed_facts_tell_a_range_from_a_list():
    assert report.seed_facts(range(3, 23)) == {"numbers": list(range(3, 23)), "consecutive": True}
    assert not report.seed_facts([0, 1])["consecutive"]
    assert not report.seed_facts([0, 1, 5])["consecutive"]


def test_setup_facts_count_cells_over_every_axis_and_state_each_formula():
    facts = report.setup_facts(CONFIG)
    assert (facts["n_cells"], facts["n_networks"]) == (12, 240)
    assert facts["learning_rates"] == [0.01, 0.04] and facts["notebook_budget"] == 15000
    assert [d["name"] for d in facts["datasets"]] == ["circles", "moons"]
    assert facts["datasets"][1]["kind"] == "moons" and facts["datasets"][1]["n_train"] == 300
    rows = {row["init"]: row for row in facts["formulas"]["rows"]}
    assert list(rows) == ["zeros", "he", "orthogonal"]
    assert rows["he"]["base_stds"] == pytest.approx([1.0, math.sqrt(0.2), math.sqrt(0.4)])
    assert rows["orthogonal"]["base_stds"] == pytest.approx([10**-0.5, 10**-0.5, 5**-0.5])
    assert "Q" in rows["orthogonal"]["formula"] and "N(0, 1)" not in rows["orthogonal"]["formula"]


def test_setup_template_does_not_claim_the_gaussian_rule_for_orthogonal():
    text = render("setup.md.j2", setup=report.setup_facts(CONFIG))
    assert "at learning rates 0.01, 0.04, 20000 iterations (the budget)" in text
    assert "at the notebook's 15000 iterations" in text
    assert "| `he` | `W_l = scale · sqrt(2 / fan_in) · N(0, 1)` |" in text
    assert (
        "Gaussian initializers draw `W_l = scale × base_std_l × N(0, 1)`. Orthogonal does not"
        in text
    )
    assert "`moons`: scikit-learn `make_moons`, noise 0.2" in text
    assert "- **Grid**: 12 cells × 20 seeds (seeds 0–19) = 240 networks.\n" in text


def test_a_constructed_tie_is_not_called_best(tables):
    facts = findings_facts(tables, CONFIG, AXES)
    circles = facts["datasets"][0]
    orthogonal = circles["chosen"][2]
    versus = orthogonal["versus_reference"]
    assert (versus["n_success_a"], versus["n_success_b"]) == (18, 20)
    assert versus["fisher_p"] == pytest.approx(0.4871794871794872)
    assert versus["direction"] == "indistinguishable" and not versus["differs"]
    assert circles["reference_claim"] == "better than zeros; indistinguishable from orthogonal"
    text = render("findings.md.j2", findings=facts, failures=report.failure_facts(
        tables["summary"]), initial_costs=[])  # fmt: skip
    circles_text = text.split("### On `moons`")[0]
    assert "best" not in circles_text.replace("no initializer is called best", "")
    # on moons he beats both others significantly: there, and only there, it is the best
    assert "is the best: it beats every other chosen cell significantly" in text
    assert "(18/20 vs 20/20, Fisher p = 0.487, Holm p = 0.487)" in text
    assert ": **indistinguishable from he**. It learns 0.67 times as fast as he" in text


def test_a_real_difference_is_worse_and_the_data_sets_disagree(tables):
    facts = findings_facts(tables, CONFIG, AXES)
    moons = facts["datasets"][1]["chosen"][2]
    assert moons["versus_reference"]["direction"] == "worse"
    assert moons["versus_reference"]["fisher_p_holm"] < 0.05
    assert moons["n_success_early"] == 0 and moons["n_success"] == 2
    assert facts["consistency"]["orthogonal"] == {
        "same": False,
        "directions": {"circles": "indistinguishable", "moons": "worse"},
    }
    assert facts["consistency"]["zeros"]["same"]
    text = render("findings.md.j2", findings=facts,
                  failures=report.failure_facts(tables["summary"]), initial_costs=[])  # fmt: skip
    assert "**worse than he** (success rate and test accuracy)" in text
    assert "No speed ratio with he: orthogonal: fewer than half learn." in text
    assert "indistinguishable on `circles`, worse on `moons`: the finding does not hold" in text
    assert "The ranking changes at threshold 0.95." in text
    assert ", 16 at the notebook's 15000 iterations;" in text  # he 20/20, 18/20 earlier


def test_verdict_needs_an_adjusted_p_below_alpha_and_an_effect():
    row = {"fisher_p_holm": 0.01, "rate_difference": 0.0, "wilcoxon_p_holm": 0.2,
           "mean_difference": 0.1}  # fmt: skip
    assert verdict(row, 0.05)["direction"] == "indistinguishable"
    mixed = verdict(row | {"rate_difference": -0.3, "wilcoxon_p_holm": 0.01}, 0.05)
    assert mixed["direction"] == "mixed" and mixed["success_differs"]


def test_learning_rate_facts_leave_zeros_out(tables):
    summary = tables["summary"]
    facts = learning_rate_facts(summary[summary["dataset"] == "circles"])
    assert facts == [{"learning_rate": 0.04, "n_success": 38, "n_runs": 40, "n_success_early": 34}]


def test_results_and_failures_at_both_budgets(tables):
    summary = tables["summary"].assign(
        success_rate=0.5, success_ci_low=0.3, success_ci_high=0.7, success_ci_note="",
        test_accuracy_mean=0.9, test_accuracy_mean_ci_low=NAN, test_accuracy_mean_ci_high=NAN,
        test_accuracy_mean_ci_note="all seeds identical", test_accuracy_median=0.9,
        validation_accuracy_mean=0.9,
    )  # fmt: skip
    times = summary[summary["budget"] == 20000][list(AXES)].assign(
        median_time_to_learn=1500.0, median_ci_low=1000.0, median_ci_high=NAN,
        median_note="upper bound beyond the budget",
    )  # fmt: skip
    facts = report.results_facts(summary, times, AXES)
    assert (facts["budget"], facts["early_budget"], facts["columns"]) == (
        20000, 15000, ["learning_rate"]
    )  # fmt: skip
    text = render("results.md.j2", results=facts)
    assert "### Data set `moons`" in text
    assert (
        "| he ×1 | 0.04 | 18/20 | 20/20 | 0.50 [0.30, 0.70] | 0.900 (all seeds identical) | 0.900 "
        "| 0.900 | 1500 [1000, —] (upper bound beyond the budget) | 20/0/0/0/0/0 |"
    ) in text
    failures = report.failure_facts(summary)
    assert failures["n_networks"] == 120
    assert (
        failures["counts"]["symmetric"] == 40 and failures["early_counts"]["ok"] == 36 + 16 + 2 - 2
    )
    assert failures["cells"]["symmetric"] == [("zeros ×1", 40)]


def test_initial_cost_facts_take_the_median_at_the_extreme_scales():
    runs = pd.DataFrame(
        {"init": ["zeros"] + ["he"] * 4, "scale": [1.0, 0.5, 0.5, 4.0, 4.0],
         "initial_cost": [0.693, 0.70, 0.70, 9.0, 9.0]}
    )  # fmt: skip
    (he,) = report.initial_cost_facts(runs)  # zeros has one scale: left out
    assert (he["low_scale"], he["low_cost"], he["high_scale"], he["high_cost"]) == (
        0.5, 0.70, 4.0, 9.0
    )  # fmt: skip


def test_a_missing_fact_fails_loudly(tables):
    facts = findings_facts(tables, CONFIG, AXES)
    failures = report.failure_facts(tables["summary"])
    del failures["counts"]
    with pytest.raises(jinja2.UndefinedError, match="counts"):
        render("findings.md.j2", findings=facts, failures=failures, initial_costs=[])
    with pytest.raises(jinja2.UndefinedError, match="setup"):
        render("setup.md.j2")


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
    # the main text: two lines pointing to the appendix, which holds the table
    summary = render("reproduction.md.j2", reproduction=facts)
    assert "|" not in summary and "](#appendix-reproduction-of-the-notebook)" in summary
    assert [line for line in summary.splitlines()[1:] if line] == [
        "The 3 numbers the notebook prints for its three runs (seed 3) are set beside this "
        "run's: he ×1 costs within 2.00e-09 relative of the notebook's, accuracies equal.",
        "The table, with the notebook's own code run on this machine, is in "
        "[Appendix: reproduction of the notebook](#appendix-reproduction-of-the-notebook).",
    ]
    text = render("appendix.md.j2", reproduction=facts)
    assert text.startswith("## Appendix: reproduction of the notebook\n")
    assert "| he ×1 | cost @ 1000 | 0.5 | 0.500000001 | 1.00e-09 | 2.00e-09 | 0.5 |" in text
    assert "by up to 2.00e-09 (relative).\n" in text and "saturated" not in text
    different = report.reproduction_facts(None, ["model.layers: [2, 8, 1]"], None)
    assert render("reproduction.md.j2", reproduction=different).endswith(
        "are not compared: model.layers: [2, 8, 1].\n"
    )
    assert render("appendix.md.j2", reproduction=different) == ""


def test_compute_facts_sum_the_benchmark_files(tmp_path):
    paths = []
    for i, (seconds, rss) in enumerate([(1.5, 100.0), (2.5, "-")]):
        paths.append(tmp_path / f"{i}.tsv")
        pd.DataFrame({"s": [seconds], "max_rss": [rss]}).to_csv(paths[-1], sep="\t", index=False)
    facts = compute_facts([str(p) for p in paths], n_networks=8)
    assert facts == {"n_jobs": 2, "total_s": 4.0, "per_network_s": 0.5, "peak_mb": 100.0}
    assert compute_facts([], 8) is None


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
