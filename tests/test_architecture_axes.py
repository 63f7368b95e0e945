"""Depth and width as axes of the grid: the cell's settings, the config rule, the same networks
as the depth study's, and a real run whose every table and finding is per depth."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, snakemake

from initstudy.grid.axes import (
    AXES,
    CHOSEN_AXES,
    FURTHER_AXES,
    REPLICATE_AXES,
    ROBUSTNESS_AXES,
    ROLES,
    STRATUM_AXES,
    axes_with_role,
    cell_settings,
    label_text,
    path_text,
)
from initstudy.grid.config import ConfigError
from initstudy.grid.config_file import load_config
from initstudy.grid.grid import cell_path, grid_cells
from initstudy.theory.depth_theory import layer_widths

CONFIG = REPO / "tests" / "configs" / "tiny_architecture.yaml"


def tiny_config() -> dict:
    return load_config(yaml.safe_load(CONFIG.read_text()))


def test_every_axis_has_one_role_and_the_roles_partition_the_axes():
    assert set(AXES) == {*CHOSEN_AXES, *STRATUM_AXES, *REPLICATE_AXES, *ROBUSTNESS_AXES, "init"}
    assert CHOSEN_AXES == ("scale", "learning_rate")
    assert STRATUM_AXES == ("activation", "bias_std", "dataset", "depth", "width")
    assert REPLICATE_AXES == ("draw",)
    assert ROBUSTNESS_AXES == ("rerun",)
    assert sum(len(axes_with_role(role)) for role in ROLES) == len(AXES)
    with pytest.raises(ValueError, match="the roles are initializer, chosen"):
        axes_with_role("pooled")


def test_values_are_written_exactly_in_paths_and_readably_in_labels():
    assert path_text("scale", 2**0.5) == "1.4142135623730951"
    assert label_text("scale", 2**0.5) == "√2"
    assert path_text("depth", 10) == label_text("depth", 10) == "10"
    assert float(path_text("learning_rate", 0.1)) == 0.1


def test_architecture_axes_replace_the_hidden_layers():
    config = tiny_config()
    shapes = {cell_path(cell): cell_settings(cell, config).layers for cell in grid_cells(config)}
    assert shapes["he/scale-1/learning_rate-0.05/depth-3/width-6"] == [2, 6, 6, 6, 1]
    assert shapes["lecun/scale-1/learning_rate-0.2/depth-1/width-6"] == [2, 6, 1]
    # Without the axes, model.layers as given.
    assert cell_settings({"init": "he", "scale": 1.0}, config).layers == [2, 8, 4, 1]


def test_depth_without_width_needs_hidden_layers_of_one_width():
    raw = yaml.safe_load(CONFIG.read_text())
    del raw["grid"]["axes"]["width"]
    with pytest.raises(ConfigError, match=r"config key 'grid.axes.depth'.*\[8, 4\]"):
        load_config(copy.deepcopy(raw))
    raw["model"]["layers"] = [2, 5, 5, 1]
    config = load_config(raw)
    assert cell_settings({"depth": 3}, config).layers == [2, 5, 5, 5, 1]


def test_a_grid_cell_has_the_depth_studys_shape():
    """The depth study trained ``layer_widths(depth, width)``; a cell with depth and width
    axes has that shape, so the same seeds draw and train the same networks."""
    config = tiny_config()
    for depth, width in ((1, 6), (4, 8), (30, 16)):
        cell = {"init": "he", "scale": 1.0, "depth": depth, "width": width}
        assert cell_settings(cell, config).layers == layer_widths(depth, width)


@pytest.mark.workflow
def test_tiny_architecture_grid_reports_every_finding_per_depth(tmp_path):
    workdir = copy_workflow(tmp_path)
    snakemake(workdir, "--cores", "2", "--configfile", "tests/configs/tiny_architecture.yaml")
    metrics = workdir / "results" / "metrics"
    for name in ("runs", "summary", "selection", "comparisons", "times", "learning"):
        table = pd.read_csv(metrics / f"{name}.csv")
        assert {"depth", "width"} <= set(table.columns), name
    selection = pd.read_csv(metrics / "selection.csv")
    # One choice per initializer and depth, each on validation among the two learning rates.
    assert sorted(zip(selection["init"], selection["depth"])) == [
        ("he", 1), ("he", 3), ("lecun", 1), ("lecun", 3)
    ]  # fmt: skip
    assert set(selection["n_candidates"]) == {2}
    runs = pd.read_csv(metrics / "runs.csv")
    assert len(runs) == 2 * 2 * 2 * 3  # initializers x learning rates x depths x seeds
    comparisons = pd.read_csv(metrics / "comparisons.csv")
    assert sorted(comparisons["depth"]) == [1, 3]
    report = (workdir / "results" / "report.md").read_text()
    assert "depth 1, width 6" in report and "depth 3, width 6" in report
    assert "nan" not in report.replace("nano", "")


def test_every_axis_of_the_registry_is_in_the_schema_and_documented():
    """The schema (YAML) and config/README.md repeat the axis names: they must agree."""
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    grid = schema["properties"]["grid"]["properties"]
    assert set(grid["axes"]["properties"]) == set(FURTHER_AXES)
    assert set(grid["batched_axes"]["items"]["enum"]) == set(FURTHER_AXES)
    readme = (REPO / "config" / "README.md").read_text(encoding="utf-8")
    axes_row = next(line for line in readme.splitlines() if line.startswith("| `axes` |"))
    batched_row = next(line for line in readme.splitlines() if line.startswith("| `batched_axes`"))
    for axis in FURTHER_AXES:
        assert f"`{axis}`" in axes_row, f"config/README.md's grid.axes row lacks {axis}"
        assert f"`{axis}`" in batched_row, f"config/README.md's batched_axes row lacks {axis}"
