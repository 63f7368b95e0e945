"""The default study, run to the end: the report's claims against a recount from the tables.

Slow: the session's ``default_study`` (conftest) runs `snakemake --cores 4` on the shipped
config/config.yaml in a copy of the workflow, once for every test that reads it (this file,
tests/test_findings.py, tests/test_depth.py and others).
"""

import re

import numpy as np
import pandas as pd
import pytest

pytestmark = [pytest.mark.workflow, pytest.mark.slow]


def _circles_table(report):
    return report.split("### Data set `circles`", 1)[1].split("###", 1)[0]


@pytest.mark.timeout(1800)
@pytest.mark.parametrize(("init", "scale"), [("he", 1.0), ("zeros", 1.0)])
def test_report_success_counts_match_a_recount_from_runs(default_study, init, scale):
    runs = pd.read_csv(default_study / "results/metrics/runs.csv")
    cell = runs[(runs["init"] == init) & (runs["scale"] == scale)]
    cell = cell[(cell["learning_rate"] == 0.01) & (cell["dataset"] == "circles")]
    assert len(cell) == 10
    successes = int((cell["test_accuracy"] >= 0.9).sum())
    report = (default_study / "results/report.md").read_text()
    row = re.search(
        rf"^\| {init} ×1 \| 0.01 \| (\d+)/10 \| (\d+)/10 \|", _circles_table(report), re.M
    )
    assert row is not None
    assert int(row.group(2)) == successes and int(row.group(1)) <= 10
    if init == "zeros":
        assert successes == 0 and (cell["status"] == "symmetric").all()


@pytest.mark.timeout(1800)
def test_findings_name_each_chosen_cell_with_its_tests(default_study):
    report = (default_study / "results/report.md").read_text()
    findings = report.split("## Findings", 1)[1].split("\n## ", 1)[0]
    selection = pd.read_csv(default_study / "results/metrics/selection.csv")
    comparisons = pd.read_csv(default_study / "results/metrics/comparisons.csv")
    assert len(selection) == 12  # six initializers x two data sets
    for row in selection.itertuples():
        assert f"**{row.init}**: chosen {row.init} ×" in findings
        assert (
            f"at learning rate {row.learning_rate:g} (of {row.n_candidates} candidates" in findings
        )
    assert findings.count("Holm p = ") == 2 * len(comparisons)
    # "best" only where every comparison of the reference is significant
    for part in findings.split("### On ")[1:]:
        if " is the best: " in part:
            assert "indistinguishable from" not in part.split(" is the best: ")[0].split("\n")[-1]


@pytest.mark.timeout(1800)
def test_reproduction_table_matches_the_notebook(default_study):
    report = (default_study / "results/report.md").read_text()
    # the main text: two lines pointing to the appendix, the report's last section
    summary = report.split("## Reproduction of the notebook", 1)[1].split("\n## ", 1)[0]
    assert next(line for line in summary.splitlines() if line.strip()).startswith("The 51 numbers")
    assert "](#appendix-reproduction-of-the-notebook)" in summary and "|" not in summary
    section = report.split("\n## Appendix: reproduction of the notebook", 1)[1]
    assert "\n## " not in section
    he = [line for line in section.splitlines() if line.startswith("| he ×1 | cost @")]
    assert len(he) == 15
    for line in he:
        relative = line.split("|")[6].strip()
        assert float(relative) <= 1e-12
    assert "| random ×10 | train_accuracy | 0.83 | 0.83 |" in section
    assert "| he ×1 | test_accuracy | 0.96 | 0.96 |" in section


@pytest.mark.timeout(1800)
def test_depth_study_is_in_the_report_and_matches_theory(default_study):
    ratios = pd.read_csv(default_study / "results/depth/ratios.csv")
    report = (default_study / "results/report.md").read_text()
    assert "depth_signal.png" in report
    for init, theory in [("he", 1.0), ("lecun", 0.5)]:
        rows = ratios[(ratios["init"] == init) & (ratios["scale"] == 1.0)]
        assert set(rows["depth"]) == {2, 5, 10, 20, 30, 50}
        assert np.allclose(rows["predicted_ratio"], theory, rtol=1e-12)
        assert (rows["relative_error"].abs() <= 0.10).all()
        deepest = rows[rows["depth"] == 50].iloc[0]
        assert bool(deepest["signal_within_spread"])
