"""The real snakemake on the tiny config: tables, figures and report it writes."""

import math
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from initstudy.grid.config import format_scale
from initstudy.util.labels import display_scale

pytestmark = pytest.mark.workflow


def _tiny_config(workdir):
    return yaml.safe_load((workdir / "tests/configs/tiny.yaml").read_text())


def test_runs_table_has_one_row_per_network(tiny_study):
    config = _tiny_config(tiny_study)
    runs = pd.read_csv(tiny_study / "results/metrics/runs.csv")
    cells = [(i, float(s)) for i, ss in config["grid"]["initializations"].items() for s in ss]
    assert len(runs) == len(cells) * len(config["grid"]["seeds"])
    assert list(dict.fromkeys(zip(runs["init"], runs["scale"]))) == cells
    for column in ("initial_cost", "final_cost", "train_accuracy", "test_accuracy", "status"):
        assert column in runs.columns
    zeros = runs[runs["init"] == "zeros"]
    assert (zeros["status"] == "symmetric").all() and (zeros["test_accuracy"] == 0.5).all()
    he = runs[(runs["init"] == "he") & (runs["scale"] == 1.0)]
    assert he["test_accuracy"].mean() > 0.85


def test_costs_are_long_form_and_match_the_runs(tiny_study):
    config = _tiny_config(tiny_study)["model"]
    costs = pd.read_csv(tiny_study / "results/metrics/costs.csv")
    runs = pd.read_csv(tiny_study / "results/metrics/runs.csv")
    expected = [*range(0, config["iterations"], config["log_every"]), config["iterations"]]
    first = costs[(costs["init"] == "he") & (costs["seed"] == 0) & (costs["scale"] == 1.0)]
    assert first["iteration"].tolist() == expected
    last = costs[costs["iteration"] == config["iterations"]]["cost"].to_numpy()
    np.testing.assert_array_equal(last, runs["final_cost"].to_numpy())


def test_summary_counts_agree_with_runs(tiny_study):
    runs = pd.read_csv(tiny_study / "results/metrics/runs.csv")
    summary = pd.read_csv(tiny_study / "results/metrics/summary.csv")
    assert len(summary) == runs.groupby(["init", "scale"]).ngroups
    for row in summary.itertuples():
        cell = runs[(runs["init"] == row.init) & (runs["scale"] == row.scale)]
        assert row.n_seeds == len(cell)
        assert row.n_success == int((cell["test_accuracy"] >= 0.9).sum())
        assert row.test_accuracy_mean == pytest.approx(cell["test_accuracy"].mean(), rel=1e-12)


def test_training_logs_show_progress_and_benchmarks_exist(tiny_study):
    log = (tiny_study / "results/logs/train/he/scale-1.log").read_text()
    assert "iteration   1500" in log and "floating-point events" in log
    # the rule has threads: 1, and Snakemake pins BLAS to it
    assert "BLAS threads: openblas 1; job threads: 1" in log
    bench = pd.read_csv(tiny_study / "results/benchmarks/train/he/scale-1.tsv", sep="\t")
    assert bench["s"].iloc[0] > 0


def test_every_job_log_ends_with_its_cpu_time(tiny_study):
    """Jobs end through common.finish, which exits without the interpreter's teardown: the
    last line of every log is still written, and the outputs are whole (the other tests)."""
    logs = sorted((tiny_study / "results/logs").rglob("*.log"))
    assert len(logs) > 20
    for log in logs:
        last = log.read_text().rstrip("\n").rsplit("\n", 1)[-1]
        assert re.search(r"job CPU time: start-up \d+\.\d{3} s, work \d+\.\d{3} s$", last), log


def test_report_states_computed_numbers_and_links_figures(tiny_study):
    report = (tiny_study / "results/report.md").read_text()
    summary = pd.read_csv(tiny_study / "results/metrics/summary.csv")
    he = summary[(summary["init"] == "he") & (summary["scale"] == 1.0)].iloc[0]
    assert f"| he ×1 | {he.n_success}/{he.n_seeds} |" in report
    selection = pd.read_csv(tiny_study / "results/metrics/selection.csv")
    for row in selection.itertuples():
        assert f"- **{row.init}**: chosen {row.init} ×{display_scale(row.scale)} (of" in report
    assert "## Reproducibility" in report and "## Findings" in report
    assert "nan" not in report.lower().replace("nan-", "")
    for figure in sorted((tiny_study / "results/figures").glob("*.png")):
        assert f"](figures/{figure.name})" in report
        assert figure.stat().st_size > 10_000
    assert math.isfinite(he.test_accuracy_mean)


def test_cell_files_use_canonical_scale_names(tiny_study):
    for init, scale in [("he", 0.5), ("random", 10.0), ("zeros", 1.0)]:
        assert (tiny_study / f"results/cells/{init}/scale-{format_scale(scale)}/runs.csv").exists()


def test_html_report_is_self_contained_with_figures_and_tables(tiny_study, tmp_path):
    """Every item of the HTML report is embedded (a base64 data URI) and decodes to the bytes
    of the run's file; the figures are exactly results/figures/*.png, under "Figures"; the
    findings page embeds the figures report.md links; the tables and their pages are under
    "Tables" (tests/report_items.py)."""
    from conftest import TINY, private_copy, snakemake
    from report_items import check_html_report, report_object

    study = private_copy(tiny_study, tmp_path / "study")
    target = tmp_path / "report.html"
    snakemake(study, "--report", str(target), *TINY)
    items = check_html_report(target, study)
    assert {"results/figures/heatmap.png", "results/figures/accuracy_vs_scale.png"} <= set(items)
    categories = report_object(target.read_text(encoding="utf-8"), "categories")
    tables = {path for paths in categories["Tables"].values() for path in paths}
    for table in ("summary", "runs"):
        assert {f"results/metrics/{table}.csv", f"results/html/metrics/{table}.html"} <= tables


@pytest.fixture(scope="module")
def axes_study(tmp_path_factory):
    """The tiny study with two learning rates and two data sets, run to the end."""
    from conftest import copy_workflow, snakemake

    workdir = copy_workflow(tmp_path_factory.mktemp("axes_study"))
    snakemake(workdir, "--cores", "2", "--configfile", "tests/configs/tiny_axes.yaml")
    return workdir


def test_report_and_figures_follow_the_learning_rate_and_data_set_axes(axes_study):
    report = (axes_study / "results/report.md").read_text()
    selection = pd.read_csv(axes_study / "results/metrics/selection.csv")
    assert set(selection["dataset"]) == {"circles", "moons"}
    for name in ("circles", "moons"):
        assert f"### Data set `{name}`" in report and f"### On `{name}`" in report
    # every initializer's cell chosen on validation is named with its learning rate
    for row in selection.itertuples():
        cell = f"{row.init} ×{display_scale(row.scale)} at learning rate {row.learning_rate:g}"
        assert f"chosen {cell} (of {row.n_candidates} candidates" in report
    summary = pd.read_csv(axes_study / "results/metrics/summary.csv")
    he = summary[(summary["init"] == "he") & (summary["scale"] == 1.0)]
    he = he[(he["dataset"] == "moons") & (he["learning_rate"] == 0.3)]
    early, full = he.sort_values("budget")["n_success"]
    assert f"| he ×1 | 0.3 | {early}/4 | {full}/4 |" in report
    assert "Holm p = " in report and "### On both data sets" in report
    figures = {path.name for path in (axes_study / "results/figures").glob("*.png")}
    assert {"time_to_learn.png", "effective_gain.png", "heatmap.png"} <= figures
    for name in figures:
        assert f"](figures/{name})" in report
