"""The grid of named axes: cells, their paths, wildcards and columns; a real run with an axis."""

import io

import pandas as pd
import pytest
import yaml
from conftest import copy_workflow, scheduled_jobs, snakemake

from initstudy.grid.grid import (
    add_axis_columns,
    batch_values,
    batched_axes,
    cell_from_wildcards,
    cell_path,
    cell_pattern,
    grid_axes,
    grid_cells,
    job_axes,
    job_cells,
)

TWO_AXES = {"grid": {"seeds": [0], "initializations": {"zeros": [1], "he": [0.5, 1]}}}
THREE_AXES = {
    "grid": {
        "seeds": [0],
        "initializations": {"zeros": [1], "he": [0.5, 1]},
        "axes": {"learning_rate": [0.1, 0.03]},
    }
}


def test_two_axes_keep_the_paths_and_columns_of_a_plain_grid():
    assert grid_axes(TWO_AXES) == ("init", "scale")
    assert grid_cells(TWO_AXES) == [
        {"init": "zeros", "scale": 1.0},
        {"init": "he", "scale": 0.5},
        {"init": "he", "scale": 1.0},
    ]
    assert cell_pattern(grid_axes(TWO_AXES)) == "{init}/scale-{scale}"
    assert [cell_path(c) for c in grid_cells(TWO_AXES)] == [
        "zeros/scale-1",
        "he/scale-0.5",
        "he/scale-1",
    ]


def test_a_further_axis_is_crossed_with_every_cell_in_config_order():
    axes = grid_axes(THREE_AXES)
    cells = grid_cells(THREE_AXES)
    assert axes == ("init", "scale", "learning_rate")
    assert [(c["init"], c["scale"], c["learning_rate"]) for c in cells] == [
        ("zeros", 1.0, 0.1),
        ("zeros", 1.0, 0.03),
        ("he", 0.5, 0.1),
        ("he", 0.5, 0.03),
        ("he", 1.0, 0.1),
        ("he", 1.0, 0.03),
    ]
    assert cell_path(cells[3]) == "he/scale-0.5/learning_rate-0.03"
    assert cell_pattern(axes) == "{init}/scale-{scale}/learning_rate-{learning_rate}"


def test_wildcards_name_back_the_cell_they_came_from():
    axes = grid_axes(THREE_AXES)
    for cell in grid_cells(THREE_AXES):
        parts = cell_path(cell).split("/")
        wildcards = {"init": parts[0], **dict(p.split("-", 1) for p in parts[1:])}
        assert cell_from_wildcards(wildcards, axes) == cell


def test_axis_columns_follow_scale():
    frame = pd.DataFrame({"init": ["he"], "scale": [1.0], "seed": [0]})
    add_axis_columns(frame, {"init": "he", "scale": 1.0, "learning_rate": 0.03})
    assert list(frame.columns) == ["init", "scale", "learning_rate", "seed"]
    assert frame["learning_rate"].tolist() == [0.03]


BATCHED = {
    "grid": {
        "seeds": [0],
        "initializations": {"zeros": [1], "he": [0.5, 1]},
        "axes": {"learning_rate": [0.1, 0.03], "dataset": ["circles", "moons"]},
        "batched_axes": ["learning_rate"],
    }
}


def test_a_training_job_trains_the_cells_that_differ_only_on_the_batched_axes():
    axes = grid_axes(BATCHED)
    assert batched_axes(BATCHED) == ("learning_rate",)
    assert job_axes(BATCHED) == ("init", "scale", "dataset")
    assert batch_values(BATCHED) == [{"learning_rate": 0.1}, {"learning_rate": 0.03}]
    cells = job_cells({"init": "he", "scale": 1.0, "dataset": "moons"}, batch_values(BATCHED), axes)
    assert cells == [
        {"init": "he", "scale": 1.0, "learning_rate": 0.1, "dataset": "moons"},
        {"init": "he", "scale": 1.0, "learning_rate": 0.03, "dataset": "moons"},
    ]
    assert all(tuple(cell) == axes for cell in cells)  # the keys in the grid's order
    # The jobs' cells are the grid's cells, each exactly once.
    jobs = {tuple(cell[a] for a in job_axes(BATCHED)) for cell in grid_cells(BATCHED)}
    trained = [
        cell_path(cell)
        for job in jobs
        for cell in job_cells(dict(zip(job_axes(BATCHED), job)), batch_values(BATCHED), axes)
    ]
    assert len(jobs) == 6 and sorted(trained) == sorted(map(cell_path, grid_cells(BATCHED)))
    # A cell's output pattern in its job: the batched axis written out, the others wildcards.
    assert cell_pattern(axes, {"learning_rate": 0.03}) == (
        "{init}/scale-{scale}/learning_rate-0.03/dataset-{dataset}"
    )


@pytest.mark.parametrize("listed", [[], ["draw"], None], ids=["none", "undeclared", "absent"])
def test_without_a_declared_batched_axis_each_cell_is_its_own_job(listed):
    grid = {key: value for key, value in BATCHED["grid"].items() if key != "batched_axes"}
    config = {"grid": grid if listed is None else {**grid, "batched_axes": listed}}
    assert batched_axes(config) == ()
    assert job_axes(config) == grid_axes(config)
    assert batch_values(config) == [{}]


@pytest.fixture(scope="module")
def lr_study(tmp_path_factory):
    """A copy of the workflow on which tests/configs/tiny_lr.yaml has run (shared: dry runs)."""
    work = copy_workflow(tmp_path_factory.mktemp("lr"))
    snakemake(work, "--cores", "2", "--configfile", "tests/configs/tiny_lr.yaml")
    return work


@pytest.mark.workflow
def test_learning_rate_axis_runs_every_cell_and_carries_the_column(lr_study, tiny_study):
    """Every table carries the axis, statistics group by it, and the cells at the config's
    own learning rate hold exactly the numbers of the same study without the axis."""
    work = lr_study
    metrics = work / "results" / "metrics"
    assert (work / "results/cells/he/scale-0.5/learning_rate-0.03/runs.csv").is_file()
    # grid.batched_axes defaults to the learning rate: one job (one log) trains both rates.
    log = (work / "results/logs/train/he/scale-0.5.log").read_text()
    assert "at learning rate 0.1 (" in log and "at learning rate 0.03 (" in log
    assert len(list((work / "results/logs/train").rglob("*.log"))) == 5
    runs = pd.read_csv(metrics / "runs.csv")
    summary = pd.read_csv(metrics / "summary.csv")
    assert list(runs.columns[:3]) == ["init", "scale", "learning_rate"]
    assert list(summary.columns[:3]) == ["init", "scale", "learning_rate"]
    assert len(summary) == 10 and summary.groupby("learning_rate").size().tolist() == [5, 5]
    # The two learning rates train different networks ...
    he = runs[(runs["init"] == "he") & (runs["scale"] == 1.0)]
    by_rate = {rate: rows["final_cost"].tolist() for rate, rows in he.groupby("learning_rate")}
    assert by_rate[0.1] != by_rate[0.03]
    # ... and the cells at 0.1 (the model's rate in tiny.yaml) equal the plain tiny study.
    for name in ("runs.csv", "costs.csv"):
        # round_trip: pandas' default parser may read a float one unit in the last place off.
        table = pd.read_csv(metrics / name, float_precision="round_trip")
        at_model_rate = table[table["learning_rate"] == 0.1].drop(columns="learning_rate")
        text = io.StringIO()
        at_model_rate.to_csv(text, index=False, lineterminator="\n")
        assert text.getvalue() == (tiny_study / "results" / "metrics" / name).read_text()


def _train_jobs(workdir, config) -> list[str]:
    """The training jobs a dry run with ``config`` schedules: their wildcards."""
    (workdir / "edited.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    out = snakemake(workdir, "-n", "--cores", "2", "--configfile", "edited.yaml").stdout
    return [fields["wildcards"] for rule, fields in scheduled_jobs(out) if rule == "train_cell"]


@pytest.mark.workflow
def test_batched_axes_decide_the_training_jobs_and_what_an_edit_retrains(tmp_path):
    work = copy_workflow(tmp_path / "batched")
    config = yaml.safe_load((work / "tests/configs/tiny_axes.yaml").read_text())
    # 6 (initializer, scale) pairs x 2 rates x 2 data sets
    assert len(_train_jobs(work, config)) == 12  # by default the rates share a job
    config["grid"]["batched_axes"] = []
    assert len(_train_jobs(work, config)) == 24
    config["grid"]["batched_axes"] = ["learning_rate", "dataset"]
    assert len(_train_jobs(work, config)) == 6
    config["grid"]["batched_axes"] = ["draw"]  # not an axis of this grid: batches nothing
    assert len(_train_jobs(work, config)) == 24


@pytest.mark.workflow
def test_an_added_rate_retrains_the_jobs_that_batch_rates_and_an_added_scale_only_its_own(
    lr_study,
):
    work = lr_study
    config = yaml.safe_load((work / "tests/configs/tiny_lr.yaml").read_text())
    assert _train_jobs(work, config) == []
    config["grid"]["initializations"]["he"].append(2)
    assert _train_jobs(work, config) == ["init=he, scale=2"]
    config["grid"]["initializations"]["he"].remove(2)
    config["grid"]["axes"]["learning_rate"].append(0.3)
    assert len(_train_jobs(work, config)) == 5  # every job trains the new rate, with the others
