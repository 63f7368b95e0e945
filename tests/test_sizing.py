"""The study's size as a run announces it: networks, training jobs, time per job."""

import copy
import re

import pytest
import yaml
from conftest import REPO

from initstudy.grid.config_file import load_config, load_experiment
from initstudy.grid.grid import batch_values, grid_cells
from initstudy.grid.plan import Plan, experiment_configs
from initstudy.grid.sizing import (
    ACTIVATION_COST,
    JOB_START_SECONDS,
    StudyTooLargeError,
    check_fits,
    job_seconds,
    rule_mem_mb,
    study_size,
)
from initstudy.model.cell import save_parameters, train_cell
from initstudy.model.data import make_dataset
from initstudy.model.train import TrainSettings


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


# --- the numbers, counted by hand from the config ----------------------------------------
#
# The model of sizing.py's notes: a job trains `seeds` networks of `weights` multiply-adds
# per point on `points` training points for `iterations` updates, at SECONDS_PER_MULTIPLY_ADD;
# its memory is BASE_MB plus the backend's buffers (networks × units × points) and its tables.


def _size(config, backend="numba"):
    return study_size(config, len(grid_cells(config)), len(batch_values(config)), backend)


def test_the_default_study_counted_by_hand():
    config = load_config(REPO / "config/config.yaml")
    size = _size(config)
    # grid: zeros 1 + random 2 + he 3 + lecun 2 + glorot 2 + orthogonal 2 = 12 (init, scale)
    # cells, × 4 learning rates × 2 data sets = 96 cells, × 10 seeds
    assert size.networks == 960
    assert size.jobs == 24  # the 4 learning rates of a cell share a job (batched_axes default)
    # [2, 10, 5, 1]: 2·10 + 10·5 + 5·1 = 75 weights, 10 + 5 + 1 = 16 units; 300 points,
    # 100 + 100 held out; 20000 iterations logged every 500: 20000 / 500 + 2 = 42 rows a run
    updates = 10 * 20000 * 300 * 75  # multiply-adds of one cell: 4.5e9
    assert size.train_seconds == pytest.approx(1.5 + 4 * updates * 1.3e-9)  # 4 cells a job
    assert _size(config, "numpy").train_seconds == pytest.approx(1.5 + 4 * updates * 2.7e-9)
    buffers = 10 * 16 * (300 * 2.0 + 200) * 8  # numba: 2 arrays per unit and point
    tables = 10 * 42 * 400 + 10 * (75 + 16) * 8 * 3  # curves + parameters (3 copies)
    assert size.train_mb == pytest.approx(250 + (buffers + tables) / 1e6)
    assert size.aggregate_mb == pytest.approx(250 + 80 + 96 * 10 * 43 * 400 / 1e6)
    assert size.summary("numba") == (
        "This config trains 960 networks in 24 training jobs; "
        "estimated per training job (numba): about 25 s and 251 MB of memory; "
        "aggregate: 347 MB."
    )


def test_the_tiny_studies_counted_by_hand():
    tiny = _size(load_config(REPO / "tests/configs/tiny.yaml"))
    # zeros 1 + random 1 + he 2 + orthogonal 1 = 5 cells, no further axes, 4 seeds
    assert (tiny.networks, tiny.jobs) == (20, 5)
    # [2, 8, 4, 1]: 16 + 32 + 4 = 52 weights, 13 units; 100 points, 100 + 60 held out;
    # 1500 / 250 + 2 = 8 rows a run
    assert tiny.train_seconds == pytest.approx(1.5 + 4 * 1500 * 100 * 52 * 1.3e-9)
    assert tiny.train_mb == pytest.approx(
        250 + (4 * 13 * 360 * 8 + 4 * 8 * 400 + 4 * 65 * 24) / 1e6
    )
    assert tiny.aggregate_mb == pytest.approx(330 + 5 * 4 * 9 * 400 / 1e6)
    axes = _size(load_config(REPO / "tests/configs/tiny_axes.yaml"))
    # (5 + 1 orthogonal ×√2 = 6) cells × 2 learning rates × 2 data sets = 24 cells; the 2
    # learning rates share a job
    assert (axes.networks, axes.jobs) == (96, 12)
    study = load_config(REPO / "config/config.yaml")
    depth = _size(load_experiment("depth", experiment_configs(study)["depth"]))
    # he ×1, lecun ×1, orthogonal ×1, ×√2 = 4 shapes × 2 learning rates × 2 depths × 3
    # reruns × 12 seeds; a job trains a cell's 2 learning rates
    assert (depth.networks, depth.jobs) == (576, 24)
    assert depth.summary("numba", "Experiment depth").startswith(
        "Experiment depth trains 576 networks in 24 training jobs; "
    )
    # the deepest shape sizes the jobs: [2, 8 × 10, 1] has 16 + 9·64 + 8 = 600 weights
    assert depth.train_seconds == pytest.approx(1.5 + 2 * 12 * 2000 * 300 * 600 * 1.3e-9)


def test_the_estimates_cover_what_a_job_stores(tmp_path):
    # Measured on a trained cell of the tiny config: its parameters and its table rows.
    config = load_config(REPO / "tests/configs/tiny.yaml")
    model = config["model"]
    dataset = make_dataset(100, 60, 0.05, 1, 2, n_validation=100, validation_seed=3)
    seeds = config["grid"]["seeds"]
    for iterations in (1500, 1600):  # a multiple of log_every, and one that is not
        settings = TrainSettings(model["layers"], 0.1, iterations, model["log_every"])
        result = train_cell(dataset, "he", 1.0, seeds, settings)
        stored = sum(array.nbytes for array in [*result.weights, *result.biases])
        assert stored == len(seeds) * (52 + 13) * 8  # float64 weights and biases
        save_parameters(result, seeds, tmp_path / "params.npz")
        assert (tmp_path / "params.npz").stat().st_size < 2 * stored + 2000  # plus headers
        sized = copy.deepcopy(config)
        sized["model"]["iterations"] = iterations
        size = _size(sized)
        rows = len(result.runs) + len(result.costs)  # one runs row and the curve, per seed
        per_cell = (size.aggregate_mb - 330) * 1e6 / 400 / size.networks * len(seeds)
        assert rows <= per_cell
        spare = len(seeds) if iterations % model["log_every"] == 0 else 0  # no extra end row
        assert rows == pytest.approx(per_cell - spare)


def test_a_larger_further_data_set_sizes_the_jobs(tmp_path):
    config = load_config(REPO / "tests/configs/tiny_axes.yaml")
    bigger = copy.deepcopy(config)
    bigger["datasets"]["moons"]["n_train"] = 1000  # 10 × the base data set's 100 points
    alone, grown = _size(config), _size(bigger)
    # a job trains one data set after the other (not batched): the moons jobs are the longest
    work = alone.train_seconds - JOB_START_SECONDS
    assert grown.train_seconds - JOB_START_SECONDS == pytest.approx(10 * work)
    assert grown.train_mb > alone.train_mb
    # a data set the grid does not train on counts for nothing
    unused = copy.deepcopy(bigger)
    unused["grid"]["axes"]["dataset"] = ["circles"]
    assert _size(unused).train_seconds == pytest.approx(alone.train_seconds)


def test_rule_memory_and_the_advice_to_split():
    config = load_config(REPO / "tests/configs/tiny.yaml")
    assert rule_mem_mb(_size(config)) == {"train_cell": 1000, "aggregate": 2000}  # the floors
    many = copy.deepcopy(config)
    many["grid"]["seeds"] = list(range(100_000))
    large = _size(many)
    # a job of 100000 networks: buffers 100000 × 13 units × (100 × 2 + 160) × 8 B = 3744 MB,
    # tables 100000 × (8 rows × 400 B + 65 parameters × 8 B × 3) = 476 MB
    assert large.train_mb == pytest.approx(250 + 3744 + 476)
    assert large.aggregate_mb == pytest.approx(330 + 5 * 100_000 * 9 * 400 / 1e6)  # 2130
    assert rule_mem_mb(large) == {"train_cell": 5588, "aggregate": 2663}  # 1.25 ×, rounded up
    with pytest.raises(StudyTooLargeError) as refused:
        check_fits(many, large, 4000)
    message = str(refused.value)
    assert "a training job would need about 4.5 GB of memory, more than this machine's 4.0 GB" in (
        message
    )
    match = re.search(r"Split grid.seeds into (\d+) studies of at most (\d+) seeds", message)
    # (4470 - 250) / 100000 MB a seed; 0.8 × 4000 - 250 = 2950 MB hold 69905 seeds: 2 parts
    assert (int(match[1]), int(match[2])) == (2, 69905)
    part = copy.deepcopy(config)
    part["grid"]["seeds"] = list(range(69905))
    check_fits(part, _size(part), 4000)  # the advice is right: a part fits


def test_a_training_jobs_estimate_counts_its_own_cells_by_hand():
    """job_seconds: each cell on its own shape, data set and activation (tanh 3.7 ReLU's)."""
    study = load_config(REPO / "config/config.yaml")
    main = Plan("", study, "data")
    he_job = main.train_job_cells["he/scale-1/dataset-moons"]
    # 4 learning rates on moons (300 training points) of [2, 10, 5, 1] (75 weights), 10 seeds,
    # 20000 iterations, ReLU
    assert len(he_job) == 4
    assert job_seconds(study, he_job, "numba") == pytest.approx(
        JOB_START_SECONDS + 4 * 10 * 20000 * 300 * 75 * 1.3e-9
    )
    tanh = copy.deepcopy(study)
    tanh["model"]["activation"] = "tanh"
    assert ACTIVATION_COST["tanh"] == 3.7
    assert job_seconds(tanh, he_job, "numba") - JOB_START_SECONDS == pytest.approx(
        3.7 * (job_seconds(study, he_job, "numba") - JOB_START_SECONDS)
    )
    # The depth experiment's jobs differ by depth: [2, 8 × d, 1] has 16 + (d - 1)·64 + 8
    # weights; a job trains its cell's 2 learning rates on 300 points, 12 seeds, 2000 iterations
    depth_config = load_experiment("depth", experiment_configs(study)["depth"])
    depth = Plan("depth", depth_config, "data")
    for name, cells in depth.train_job_cells.items():
        layers = 2 if "depth-2" in name else 10
        weights = 16 + (layers - 1) * 64 + 8
        assert job_seconds(depth_config, cells, "numba") == pytest.approx(
            JOB_START_SECONDS + 2 * 12 * 2000 * 300 * weights * 1.3e-9
        ), name
