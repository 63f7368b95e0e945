"""The study's size as a run announces it: networks, training jobs, time per job."""

import copy

import yaml
from conftest import REPO

from initstudy.cli import load_config
from initstudy.grid import batch_values, grid_cells
from initstudy.sizing import JOB_START_SECONDS, study_size


def _config(batched):
    config = load_config(REPO / "tests/configs/tiny_axes.yaml")
    config = copy.deepcopy(config)
    config["grid"]["batched_axes"] = batched
    return config


def test_batching_divides_the_jobs_and_multiplies_their_work():
    alone, batched = _config([]), _config(["learning_rate", "dataset"])
    sizes = [
        study_size(config, len(grid_cells(config)), len(batch_values(config)), "numba")
        for config in (alone, batched)
    ]
    assert [size.networks for size in sizes] == [96, 96]  # 24 cells x 4 seeds either way
    assert [size.jobs for size in sizes] == [24, 6]
    work = [size.train_seconds - JOB_START_SECONDS for size in sizes]
    assert abs(work[1] - 4 * work[0]) < 1e-12 * work[1]
    # a job holds one cell's arrays at a time
    assert sizes[0].train_mb == sizes[1].train_mb


def test_a_config_without_the_key_batches_learning_rates():
    config = load_config(REPO / "tests/configs/tiny_axes.yaml")  # schema defaults filled in
    assert "batched_axes" not in yaml.safe_load((REPO / "tests/configs/tiny_axes.yaml").read_text())
    assert config["grid"]["batched_axes"] == ["learning_rate"]
    assert batch_values(config) == [{"learning_rate": 0.1}, {"learning_rate": 0.3}]
