"""The grid of named axes: cells, their paths, wildcards and columns; a real run with an axis."""

import io

import pandas as pd
import pytest
from conftest import copy_workflow, snakemake

from initstudy.grid import (
    add_axis_columns,
    cell_from_wildcards,
    cell_path,
    cell_pattern,
    grid_axes,
    grid_cells,
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


@pytest.mark.workflow
def test_learning_rate_axis_runs_every_cell_and_carries_the_column(tmp_path, tiny_study):
    """Every table carries the axis, statistics group by it, and the cells at the config's
    own learning rate hold exactly the numbers of the same study without the axis."""
    work = copy_workflow(tmp_path / "lr")
    snakemake(work, "--cores", "2", "--configfile", "tests/configs/tiny_lr.yaml")
    metrics = work / "results" / "metrics"
    assert (work / "results/cells/he/scale-0.5/learning_rate-0.03/runs.csv").is_file()
    runs = pd.read_csv(metrics / "runs.csv")
    summary = pd.read_csv(metrics / "summary.csv")
    paired = pd.read_csv(metrics / "paired.csv")
    assert list(runs.columns[:3]) == ["init", "scale", "learning_rate"]
    assert list(summary.columns[:3]) == ["init", "scale", "learning_rate"]
    assert list(paired.columns[:2]) == ["learning_rate", "init"]
    assert len(summary) == 10 and summary.groupby("learning_rate").size().tolist() == [5, 5]
    assert sorted(paired["learning_rate"].unique()) == [0.03, 0.1]
    # The two learning rates train different networks ...
    he = runs[(runs["init"] == "he") & (runs["scale"] == 1.0)]
    by_rate = {rate: rows["final_cost"].tolist() for rate, rows in he.groupby("learning_rate")}
    assert by_rate[0.1] != by_rate[0.03]
    # ... and the cells at 0.1 (the model's rate in tiny.yaml) equal the plain tiny study.
    for name in ("runs.csv", "costs.csv"):
        table = pd.read_csv(metrics / name)
        at_model_rate = table[table["learning_rate"] == 0.1].drop(columns="learning_rate")
        text = io.StringIO()
        at_model_rate.to_csv(text, index=False, lineterminator="\n")
        assert text.getvalue() == (tiny_study / "results" / "metrics" / name).read_text()
