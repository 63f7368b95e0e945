"""Experiments: further grids of the study, each a config of the one grid, trained, analysed and
reported by the grid's own rules."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, planned_jobs, snakemake

from initstudy.grid.config import ConfigError
from initstudy.grid.config_file import load_config, load_experiment
from initstudy.grid.plan import Plan, experiment_configs

CONFIG = REPO / "tests" / "configs" / "tiny_experiment.yaml"


def raw_config() -> dict:
    return yaml.safe_load(CONFIG.read_text())


def test_an_experiment_is_the_studys_config_with_its_own_grid():
    study = load_config(raw_config())
    deep = experiment_configs(study)["deep"]
    assert deep["grid"] == raw_config()["experiments"]["deep"]["grid"]
    # model merged key by key: its own budget, the study's layers and learning rate
    assert deep["model"]["iterations"] == 400 and deep["model"]["layers"] == [2, 8, 4, 1]
    assert deep["dataset"] == study["dataset"] and deep["analysis"] == study["analysis"]
    assert deep["results"] == "results/experiments/deep" and "experiments" not in deep
    plan = Plan("deep", load_experiment("deep", deep), "results/data")
    assert plan.rule_name("train_cell") == "train_cell_deep"
    assert len(plan.cells) == 3 * 2 * 2 * 2  # (init, scale) x rates x depths x reruns
    assert plan.cell_files("runs.csv")[0] == (
        "results/experiments/deep/cells/he/scale-1/learning_rate-0.05/depth-1/width-6/"
        "rerun-reference/runs.csv"
    )
    assert plan.data_file({}) == "results/data/circles.npz"


def test_an_experiments_error_names_its_key_under_experiments():
    raw = raw_config()
    del raw["experiments"]["deep"]["grid"]["axes"]["width"]
    with pytest.raises(ConfigError, match=r"config key 'experiments\.deep\.grid\.axes\.depth'"):
        load_experiment("deep", experiment_configs(load_config(copy.deepcopy(raw)))["deep"])
    raw = raw_config()
    raw["experiments"]["deep"]["grid"]["initializations"] = {"lecun": [1]}
    with pytest.raises(ConfigError, match=r"'experiments\.deep\.analysis\.reference'"):
        load_experiment("deep", experiment_configs(load_config(raw))["deep"])


@pytest.mark.workflow
def test_tiny_study_with_an_experiment_runs_reports_and_reruns_only_what_changed(tmp_path):
    workdir = copy_workflow(tmp_path)
    config = "tests/configs/tiny_experiment.yaml"
    snakemake(workdir, "--cores", "2", "--configfile", config)
    metrics = workdir / "results" / "experiments" / "deep" / "metrics"
    selection = pd.read_csv(metrics / "selection.csv")
    assert sorted(set(zip(selection["depth"], selection["width"]))) == [(1, 6), (3, 6)]
    assert len(pd.read_csv(metrics / "reruns.csv")) == len(pd.read_csv(metrics / "runs.csv"))
    report = (workdir / "results" / "report.md").read_text(encoding="utf-8")
    assert "## Deep networks" in report and "Which initializers still train at depth?" in report
    assert "#### On depth 3, width 6" in report
    assert "### Robustness: the same networks trained again" in report
    assert report.index("## Deep networks") < report.index("## Reproducibility")
    # An edit of the experiment's analysis reaches its jobs and no job of the main grid (and
    # the data set's keys written in another order redraw nothing).
    edited = yaml.safe_load((workdir / config).read_text())
    edited["experiments"]["deep"]["analysis"] = {"bootstrap_resamples": 300}
    edited["dataset"] = dict(reversed(edited["dataset"].items()))
    (workdir / "edited.yaml").write_text(yaml.safe_dump(edited, sort_keys=False))
    rules = planned_jobs(snakemake(workdir, "-n", "--configfile", "edited.yaml").stdout)
    assert {"aggregate_deep", "experiment_section_deep", "report"} <= rules
    assert not rules & {"aggregate", "train_cell", "train_cell_deep"}
