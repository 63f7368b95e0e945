"""What the report must not claim: ties on validation read as findings, speed ratios across
learning rates, differences within the last-bit sensitivity of control cells, outcome classes
and success read on different splits without saying so, terms left undefined.

The tables are made by the real analysis (:func:`initstudy.analysis.analysis.analyse_reference`)
from hand-made runs and learning curves, then read by the real report code and templates.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from conftest import copy_workflow, snakemake

from initstudy.analysis.analysis import AnalysisSettings, analyse_reference, equal_gain_cells
from initstudy.analysis.controls import (
    control_disagreement,
    control_pairs,
    network_layers,
    same_draws,
)
from initstudy.analysis.selection import candidates
from initstudy.report import report
from initstudy.report.publish import markdown_page
from initstudy.report.report_findings import findings_facts
from initstudy.report.templates import TEMPLATE_DIR, render

SQRT2 = math.sqrt(2.0)
AXES = ("init", "scale", "learning_rate")
LAYERS = [2, 10, 5, 1]
SEEDS = range(10)
LOGGED = (0, 500, 1000, 1500, 2000)
CONFIG = {
    "model": {"layers": LAYERS, "iterations": 2000},
    "analysis": {"confidence_level": 0.95, "success_threshold": 0.9,
                 "reference": {"init": "he", "scale": 1.0}},
}  # fmt: skip

# (init, scale, learning rate) -> per seed: (iteration it learns at, or None; test accuracy)
LEARNS = {
    # he x1 learns at 1000 at both rates: a tie on validation, broken by the axis order
    ("he", 1.0, 0.04): [(1000, 0.95)] * 10,
    ("he", 1.0, 0.16): [(1000, 0.95)] * 10,
    # lecun x√2 draws he x1's matrices: at 0.16 two seeds end otherwise (the control)
    ("lecun", SQRT2, 0.04): [(1000, 0.95)] * 10,
    ("lecun", SQRT2, 0.16): [(None, 0.6)] * 2 + [(1000, 0.95)] * 8,
    # orthogonal ties on validation at both rates; the faster rate wins on time to learn
    ("orthogonal", 1.0, 0.04): [(1500, 0.95)] * 10,
    ("orthogonal", 1.0, 0.16): [(500, 0.95)] * 9 + [(500, 0.85)],
}


def _grid():
    """Runs and learning curves of :data:`LEARNS`: a learning run's validation accuracy is 1
    from the iteration it learns at, 0.6 before; its cost falls from ln 2."""
    runs, curves = [], []
    for (init, scale, rate), seeds in LEARNS.items():
        for seed, (learns, test) in zip(SEEDS, seeds, strict=True):
            for iteration in LOGGED:
                learned = learns is not None and iteration >= learns
                cost = math.log(2) * (0.2 if learned else 0.9 if iteration else 1.0)
                accuracy = 1.0 if learned else 0.6
                test_now = test if iteration == LOGGED[-1] else 0.6
                curves.append((init, scale, rate, seed, iteration, cost, accuracy, accuracy,
                               test_now))  # fmt: skip
            runs.append((init, scale, rate, seed, math.log(2), cost, accuracy, accuracy, test,
                         -1, "10;5", "10;5"))  # fmt: skip
    run_columns = [*AXES, "seed", "initial_cost", "final_cost", "train_accuracy",
                   "validation_accuracy", "test_accuracy", "diverged_at", "distinct_units",
                   "hidden_widths"]  # fmt: skip
    cost_columns = [*AXES, "seed", "iteration", "cost", "train_accuracy",
                    "validation_accuracy", "test_accuracy"]  # fmt: skip
    return pd.DataFrame(runs, columns=run_columns), pd.DataFrame(curves, columns=cost_columns)


@pytest.fixture(scope="module")
def tables():
    runs, curves = _grid()
    cells = list(dict.fromkeys(zip(runs["init"], runs["scale"], strict=True)))
    settings = AnalysisSettings(
        axes=AXES, threshold=0.9, stuck_margin=0.01, budgets=(2000,), n_resamples=200,
        bootstrap_seed=0, level=0.95, reference="he",
        equal_gain=equal_gain_cells(cells, LAYERS, "he"), thresholds=(0.9,),
        layers=tuple(LAYERS),
    )  # fmt: skip
    return analyse_reference(runs, curves, settings)


@pytest.fixture(scope="module")
def findings(tables):
    facts = findings_facts(tables, CONFIG, AXES)
    text = render("findings.md.j2", findings=facts, failures=report.failure_facts(
        tables["summary"]), initial_costs=[])  # fmt: skip
    return facts, text


def _bullet(text: str, init: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"- **{init}**: chosen"))


def test_a_tie_on_validation_is_counted_and_its_tie_break_named(tables):
    selection = tables["selection"].set_index("init")
    assert selection.loc["he", ["learning_rate", "n_tied", "tie_break"]].tolist() == [
        0.04, 2, "axis order"
    ]  # fmt: skip
    assert selection.loc["orthogonal", ["learning_rate", "n_tied", "tie_break"]].tolist() == [
        0.16, 2, "time to learn"
    ]  # fmt: skip
    assert selection.loc["lecun", ["n_tied", "tie_break"]].tolist() == [1, "none"]
    # the candidates the report names are those of the choice itself
    table = candidates(tables["runs"], AXES)
    he = table[table["init"] == "he"]
    assert he[["learning_rate", "tied", "chosen"]].to_numpy().tolist() == [
        [0.04, True, True], [0.16, True, False]
    ]  # fmt: skip


def test_the_report_names_the_tied_cells_and_never_reads_the_tie_break_as_a_finding(findings):
    _, text = findings
    he = _bullet(text, "he")
    assert (
        "**A tie on validation**: 2 cells share the best mean validation accuracy (1.000), this "
        "one and he ×1 at learning rate 0.16; the choice rule took this one by the smaller "
        "scale, then the smaller learning rate, a convention, not a finding" in he
    )
    orthogonal = _bullet(text, "orthogonal")
    assert "this one and orthogonal ×1 at learning rate 0.04" in orthogonal
    assert "by its shorter median time to learn, a convention, not a finding" in orthogonal
    assert (
        "(the cells of orthogonal and he are the tie-break's picks among cells tied" in orthogonal
    )
    assert "(the cell of he is the tie-break's pick among cells tied" in _bullet(text, "lecun")
    assert "the tie-break's doing, not a finding" in orthogonal
    assert "- Chosen from a tie on validation: he, orthogonal." in text
    assert "A tie on validation" not in _bullet(text, "lecun")


def test_a_speed_ratio_names_both_learning_rates_when_they_differ(findings):
    _, text = findings
    orthogonal = _bullet(text, "orthogonal")
    assert (
        "At learning rate 0.16 it learns 2.00 times as fast as he does at learning rate 0.04 "
        in orthogonal
    )
    assert "the learning rates differ, so this compares two cells" in orthogonal
    assert "It learns" not in orthogonal
    # at one learning rate, the sentence says so
    lecun = _bullet(text, "lecun")
    assert "It learns 1.00 times as fast as he at the same learning rate 0.04 (" in lecun
    assert not re.search(r"learns [0-9.]+ times as fast as he \(", text)


def test_control_cells_are_found_from_the_registry_not_the_names():
    assert same_draws(("he", 1.0), ("lecun", SQRT2), LAYERS)
    assert not same_draws(("he", 1.0), ("lecun", 1.0), LAYERS)
    assert not same_draws(("he", 1.0), ("he", 1.0), LAYERS)  # one cell is no pair
    # orthogonal x√2 has He's gain, but draws an orthogonal matrix, not a Gaussian one
    assert not same_draws(("he", 1.0), ("orthogonal", SQRT2), LAYERS)
    # glorot's std is sqrt(2 / (fan_in + fan_out)): x√2 matches he's only where fan_out = 0
    assert not same_draws(("he", 1.0), ("glorot", SQRT2), LAYERS)
    cells = [("zeros", 1.0), ("he", 1.0), ("lecun", 1.0), ("lecun", SQRT2), ("glorot", 1.1583)]
    assert control_pairs(cells, LAYERS) == [(("he", 1.0), ("lecun", SQRT2))]


def test_control_disagreement_is_counted_seed_by_seed_per_learning_rate(tables):
    pairs = control_pairs([("he", 1.0), ("lecun", SQRT2)], LAYERS)
    table = control_disagreement(tables["runs"], pairs, AXES, 0.9)
    columns = ["learning_rate", "n_pairs", "n_success_disagree", "n_status_disagree"]
    assert table[columns].to_numpy().tolist() == [[0.04, 10, 0, 0], [0.16, 10, 2, 2]]
    assert table[["n_success_a", "n_success_b"]].to_numpy().tolist() == [[10, 10], [10, 8]]


def test_the_report_shows_the_control_and_sizes_claims_against_it(findings):
    facts, text = findings
    assert facts["control_pairs"] == [("he ×1", "lecun ×√2")]
    assert (
        "- **Control** (he ×1 and lecun ×√2: the same matrices, up to the last bits): seeds on "
        "which the two disagree on success, and on outcome class, at learning rate 0.04: 0/10 "
        "and 0/10; at learning rate 0.16: 2/10 and 2/10. In all, 2 of 20 seed pairs (10%) "
        "differ in success and 2 (10%) in outcome class" in text
    )
    assert "A difference in success counts between two cells of at most 2 of 10 seeds" in text
    assert "is not evidence" in text
    # orthogonal 9/10 against he 10/10: within the control's 2 of 10
    orthogonal = _bullet(text, "orthogonal")
    assert "(9/10 vs 10/10," in orthogonal
    assert "within the control's last-bit disagreement, so not evidence" in orthogonal
    # lecun x√2 at he's learning rate against he x1 is the control itself
    (equal_gain,) = [line for line in text.splitlines() if line.startswith("- At equal gain")]
    assert "these two cells are the control pair" in equal_gain


def test_without_control_cells_the_report_says_there_is_no_control(tables):
    runs = tables["runs"][tables["runs"]["init"] != "lecun"]
    without = {name: table for name, table in tables.items()} | {"runs": runs}
    selection = tables["selection"]
    without["selection"] = selection[selection["init"] != "lecun"]
    facts = findings_facts(without, CONFIG, AXES)
    assert facts["control_pairs"] == [] and facts["datasets"][0]["controls"] is None
    text = render("findings.md.j2", findings=facts, failures=report.failure_facts(
        tables["summary"]), initial_costs=[])  # fmt: skip
    assert "the grid has no control of last-bit sensitivity" in text
    assert "- **Control**" not in text


def test_the_report_says_where_outcome_classes_and_success_disagree(findings, tables):
    facts, text = findings
    # orthogonal seed 9 learned on validation (ok) but fails on test (0.85)
    assert facts["splits"] == {
        "n_runs": 60, "ok_failing": 1, "other_succeeding": {}, "n_other_succeeding": 0
    }  # fmt: skip
    assert (
        "Outcome classes are read off training and validation, success off the test split, so "
        "the two can disagree: 1 of the 60 runs is classed `ok` and fails on test, and no run "
        "of another class succeeds on test." in text
    )
    assert tables["summary"].columns.tolist().index("n_collapsed") == (
        tables["summary"].columns.tolist().index("n_stuck") + 1
    )


GLOSSARY_TERMS = {
    "BCa": "BCa",
    "Wilson": "Wilson interval",
    "Newcombe": "Newcombe's interval",
    "Holm": "Holm's correction",
    "Kaplan–Meier": "Kaplan–Meier curve",
    "censored": "Censored",
    "Brookmeyer–Crowley": "Brookmeyer–Crowley interval",
    "Fisher": "Fisher's exact test",
    "Wilcoxon": "Wilcoxon signed-rank test",
    "Greenwood": "Greenwood band",
    "bootstrap": "Bootstrap",
    "AUC": "AUC",
    "IQM": "IQM",
}


def test_every_statistical_term_of_the_report_is_defined_once_in_its_glossary():
    glossary = render("glossary.md.j2")
    entries = [line for line in glossary.splitlines() if line.startswith("- **")]
    used = " ".join(
        path.read_text(encoding="utf-8")
        for path in TEMPLATE_DIR.glob("*.md.j2")
        if path.name != "glossary.md.j2"
    )
    for term, entry in GLOSSARY_TERMS.items():
        if term.lower() not in used.lower():
            continue
        defining = [line for line in entries if line.startswith(f"- **{entry}")]
        assert len(defining) == 1, term
        assert re.search(r"\(\d{4}\)", defining[0]), f"{term}: no reference"
    # the report has it once, before the appendix
    main = (TEMPLATE_DIR / "report.md.j2").read_text(encoding="utf-8")
    assert main.count('{% include "glossary.md.j2" %}') == 1
    assert main.index("glossary.md.j2") < main.index("appendix.md.j2")


def test_the_link_to_the_appendix_finds_its_heading_on_the_html_page(tmp_path):
    text = (
        render("reproduction.md.j2", reproduction=_reproduction())
        + "\n"
        + render("appendix.md.j2", reproduction=_reproduction())
    )
    page = markdown_page(text, tmp_path, "report")
    (target,) = re.findall(r'href="#([^"]+)"', page)
    assert f'<h2 id="{target}">Appendix: reproduction of the notebook</h2>' in page


def _reproduction():
    table = pd.DataFrame(
        {"run": "he ×1", "quantity": ["cost @ 0", "train_accuracy"], "notebook": [0.9, 0.99],
         "this_run": [0.9, 0.99], "difference": 0.0, "relative_difference": 0.0,
         "notebook_code_here": [0.9, 0.99]}
    )  # fmt: skip
    return report.reproduction_facts(table, [], None)


@pytest.mark.workflow
@pytest.mark.timeout(900)
def test_a_real_tiny_run_reports_its_control_as_recounted_from_its_runs(tmp_path):
    """he x1 and lecun x√2 in a real run: the report's disagreement counts are a recount of
    runs.csv, seed by seed; the outcome classes and the glossary are those of the report."""
    workdir = copy_workflow(tmp_path / "controls")
    snakemake(workdir, "--cores", "2", "--configfile", "tests/configs/tiny_controls.yaml")
    runs = pd.read_csv(workdir / "results/metrics/runs.csv")
    report_text = (workdir / "results/report.md").read_text(encoding="utf-8")
    control = next(line for line in report_text.splitlines() if line.startswith("- **Control**"))
    he, lecun = (
        runs[runs["init"] == init].set_index(["learning_rate", "seed"]) for init in ("he", "lecun")
    )
    parts = []
    for rate in (0.1, 1.5):
        a, b = he.loc[rate], lecun.loc[rate]
        success = int(((a["test_accuracy"] >= 0.9) != (b["test_accuracy"] >= 0.9)).sum())
        status = int((a["status"] != b["status"]).sum())
        parts.append(f"at learning rate {rate:g}: {success}/6 and {status}/6")
    assert "; ".join(parts) in control
    # at learning rate 1.5 some outputs collapse to a constant: their own class
    collapsed = runs[runs["status"] == "collapsed"]
    assert len(collapsed) > 0
    assert ((collapsed["final_cost"] - math.log(2)).abs() <= 1e-3).all()
    assert (collapsed[["train_accuracy", "validation_accuracy"]] == 0.5).all(axis=None)
    summary = pd.read_csv(workdir / "results/metrics/summary.csv")
    assert summary["n_collapsed"].sum() == len(collapsed)
    assert "| ok/slow/stuck/coll./sym./div. |" in report_text
    headings = re.findall(r"^## (.+)$", report_text, re.M)
    assert headings[-1] == "Glossary"  # no appendix: the tiny network is not the notebook's
    assert "Kaplan–Meier curve" in report_text.split("## Glossary", 1)[1]


def test_control_cells_are_checked_on_each_stratums_own_network():
    config = {"model": {"layers": [2, 10, 5, 1]},
              "dataset": {"name": "circles", "kind": "circles", "n_train": 300,
                          "n_validation": 100, "n_test": 100, "noise": 0.05, "train_seed": 1,
                          "validation_seed": 3, "test_seed": 2},
              "datasets": {"digits": {"kind": "digits"}}}  # fmt: skip
    assert network_layers(config) == [2, 10, 5, 1]
    assert network_layers(config, {"dataset": "digits"}) == [64, 10, 5, 1]
    assert network_layers(config, {"depth": 3, "width": 8}) == [2, 8, 8, 8, 1]
    for stratum in ({}, {"dataset": "digits"}, {"depth": 3, "width": 8}):
        assert same_draws(("he", 1.0), ("lecun", SQRT2), network_layers(config, stratum))
