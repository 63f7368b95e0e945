"""Rerun after edits: a dry run on a finished tiny study schedules exactly the right jobs."""

import re

import pytest
import yaml
from conftest import REPO, TINY, private_copy, scheduled_jobs, snakemake

pytestmark = pytest.mark.workflow

N_CELLS = 5  # cells of tests/configs/tiny.yaml
# The main grid's figure rules, from their declarations.
FIGURE_RULES = {
    f"plot_{name}"
    for name, entry in yaml.safe_load((REPO / "workflow" / "figures.yaml").read_text()).items()
    if entry["part"] == "main"
}


@pytest.fixture
def study(tiny_study, tmp_path):
    """A private copy of the finished tiny study (results and Snakemake's metadata included)."""
    return private_copy(tiny_study, tmp_path / "study")


def scheduled(workdir) -> dict[str, int]:
    """Jobs a dry run would execute, by rule (``all`` left out)."""
    out = snakemake(workdir, "-n", "--cores", "2", *TINY).stdout
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:", 1)[1].split("total", 1)[0]
    jobs = dict((rule, int(n)) for rule, n in re.findall(r"^(\w+)\s+(\d+)$", table, re.M))
    jobs.pop("all", None)
    jobs.pop("default", None)  # the root Snakefile's target rule
    return jobs


def edit_config(workdir, change):
    path = workdir / "tests/configs/tiny.yaml"
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def test_nothing_changed_nothing_to_do(study):
    assert scheduled(study) == {}


def test_plotting_script_edit_redraws_only_that_figure_and_the_report(study):
    with open(study / "workflow/scripts/plot_heatmap.py", "a") as script:
        script.write("\n# an edit\n")
    assert scheduled(study) == {"plot_heatmap": 1, "report": 1, "findings_html": 1}


def test_report_script_edit_rewrites_only_the_report(study):
    with open(study / "workflow/scripts/write_report.py", "a") as script:
        script.write("\n# an edit\n")
    assert scheduled(study) == {"report": 1, "findings_html": 1}


def test_learning_rate_change_retrains_everything_after_the_data(study):
    edit_config(study, lambda c: c["model"].update(learning_rate=0.2))
    jobs = scheduled(study)
    assert jobs.pop("train_cell") == N_CELLS
    assert "make_dataset" not in jobs
    # the dataset figure depends on the data only
    # the HTML report's pages of the tables and findings follow them
    pages = {rule for rule in jobs if rule.startswith("html_") or rule == "findings_html"}
    assert {rule: jobs[rule] for rule in set(jobs) - pages} == {
        "aggregate": 1, "report": 1, **{r: 1 for r in FIGURE_RULES - {"plot_dataset"}}
    }  # fmt: skip


def test_threshold_change_never_retrains(study):
    edit_config(study, lambda c: c["analysis"].update(success_threshold=0.95))
    jobs = scheduled(study)
    assert "train_cell" not in jobs and "make_dataset" not in jobs
    assert jobs["aggregate"] == 1 and jobs["report"] == 1


def test_one_added_scale_trains_only_that_cell(study):
    edit_config(study, lambda c: c["grid"]["initializations"]["he"].append(2))
    out = snakemake(study, "-n", "--cores", "2", *TINY).stdout
    trained = [fields["wildcards"] for rule, fields in scheduled_jobs(out) if rule == "train_cell"]
    assert trained == ["init=he, scale=2"]
    jobs = scheduled(study)
    assert jobs["train_cell"] == 1 and jobs["aggregate"] == 1 and jobs["report"] == 1


def test_deleted_output_rebuilds_only_what_makes_it(study):
    (study / "results/report.md").unlink()
    assert scheduled(study) == {"report": 1, "findings_html": 1}
    (study / "results/figures/heatmap.png").unlink()
    assert scheduled(study) == {"plot_heatmap": 1, "report": 1, "findings_html": 1}


def test_deleted_table_reruns_the_aggregation_not_the_training(study):
    (study / "results/metrics/summary.csv").unlink()
    jobs = scheduled(study)
    assert jobs["aggregate"] == 1 and "train_cell" not in jobs and "make_dataset" not in jobs


def test_deleted_intermediate_is_rebuilt_when_asked_for(study):
    # Snakemake leaves a missing intermediate alone while everything after it is
    # up to date; asked for by name, only its own job runs.
    (study / "results/cells/he/scale-1/costs.csv").unlink()
    assert scheduled(study) == {}
    out = snakemake(study, "-n", "results/cells/he/scale-1/costs.csv", "--cores", "2", *TINY)
    assert re.findall(r"^(\w+)\s+(\d+)$", out.stdout.split("Job stats:")[1], re.M)[:2] == [
        ("train_cell", "1"),
        ("total", "1"),
    ]
