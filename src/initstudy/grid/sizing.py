"""How big a config's study is: networks, time and memory per job, and whether it fits.

The estimates are for planning, not promises. Time per training job is
``networks × iterations × training points × multiply-adds per point`` (the
weights of the network) times :data:`SECONDS_PER_MULTIPLY_ADD`, plus the start
of a Python process. That constant was measured on this project's machine
(2 shared cores, other jobs running, 2026-11-29) by training 20 He networks
``[2, 10, 5, 1]`` on 300 points for 3000 iterations with each backend: 1.7 s
with numba, 3.6 s with NumPy; a quiet machine is about twice as fast. Memory per
training job is the measured footprint of a tiny job (about 225 MB: Python,
NumPy, numba, pandas) plus the backend's buffers, which grow with networks ×
points × hidden units.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from importlib.util import find_spec
from itertools import pairwise

from initstudy.grid.axes import ARCHITECTURE_AXES, cell_settings
from initstudy.grid.config import ConfigError
from initstudy.grid.grid import axis_levels, further_axes

#: Seconds per multiply-add of one training iteration on one point (see the module notes).
SECONDS_PER_MULTIPLY_ADD = {"numba": 1.3e-9, "numpy": 2.7e-9}
#: Cost of a training iteration relative to ReLU's, per activation: tanh 0.987 s against ReLU
#: 0.264 s per network of the notebook's shape (benchmarks/bench_trainer.py, 2026-12-03; 1.7
#: times at the deep shape). The estimate takes the costliest activation of the grid.
ACTIVATION_COST = {"relu": 1.0, "linear": 1.0, "tanh": 3.7}
#: Seconds to start a job's Python process and import the libraries.
JOB_START_SECONDS = 1.5
#: Memory of a job's process before any array of the study (measured: 225 MB).
BASE_MB = 250.0
#: float64 arrays of size points × units each backend keeps per network (z, dL/dz, relu).
BUFFERS_PER_UNIT = {"numba": 2.0, "numpy": 3.2}
#: Bytes per row of a table held in memory (about 10 numbers, with pandas' copies).
BYTES_PER_ROW = 400.0
#: Rule memory is never set below these (MB), the values of the default study.
MIN_TRAIN_MB, MIN_AGGREGATE_MB = 1000, 2000


class StudyTooLargeError(ValueError):
    """A config whose jobs cannot run on this machine."""


@dataclass(frozen=True)
class StudySize:
    """The size of a config's study.

    Attributes
    ----------
    networks : int
        Networks the grid trains (cells × seeds).
    jobs : int
        Training jobs (one per cell, or per group of batched cells).
    train_seconds : float
        Estimated wall time of one training job (the longest: on the grid's largest data set).
    train_mb : float
        Estimated peak memory of one training job (the largest).
    aggregate_mb : float
        Estimated peak memory of the aggregate job.
    """

    networks: int
    jobs: int
    train_seconds: float
    train_mb: float
    aggregate_mb: float

    def summary(self, backend: str, grid: str = "This config") -> str:
        """One line for the start of a run.

        Parameters
        ----------
        backend : str
        grid : str
            Which grid: ``"This config"``, or ``"Experiment depth"``.

        Returns
        -------
        str
        """
        return (
            f"{grid} trains {self.networks} networks in {self.jobs} training jobs; "
            f"estimated per training job ({backend}): about {_duration(self.train_seconds)} and "
            f"{self.train_mb:.0f} MB of memory; aggregate: {self.aggregate_mb:.0f} MB."
        )


def resolve_backend_name(backend: str) -> str:
    """``"auto"`` as ``"numba"`` where numba is installed, else ``"numpy"``; others as given.

    Decided without importing numba (which takes a second), so that every Snakemake
    start can do it; :func:`initstudy.model.net.resolve_backend` makes the same choice.

    Parameters
    ----------
    backend : {"auto", "numpy", "numba"}

    Returns
    -------
    {"numpy", "numba"}

    Raises
    ------
    ConfigError
        For ``"numba"`` where numba is not installed.
    """
    installed = find_spec("numba") is not None
    if backend == "auto":
        return "numba" if installed else "numpy"
    if backend == "numba" and not installed:
        raise ConfigError(
            "config key 'model.backend': got 'numba', but numba is not installed; "
            "allowed: auto or numpy here (or pip install numba)"
        )
    return backend


def study_size(config: dict, n_cells: int, cells_per_job: int, backend: str) -> StudySize:
    """Estimate networks, time and memory of a validated config.

    Parameters
    ----------
    config : dict
        A validated config (defaults filled in). Time and memory are those of a job on the
        largest data set the grid trains on (``dataset``, or the ``grid.axes.dataset`` ones).
    n_cells : int
        Cells of the grid (:func:`initstudy.grid.grid.grid_cells`).
    cells_per_job : int
        Cells one training job trains in turn (:func:`initstudy.grid.grid.batch_values`); a job
        holds one cell's arrays at a time.
    backend : {"numpy", "numba"}

    Returns
    -------
    StudySize
    """
    model = config["model"]
    seeds = len(config["grid"]["seeds"])
    layers = _largest_layers(config)
    points, held_out = _largest_data(config)
    weights = sum(a * b for a, b in pairwise(layers))
    units = sum(layers[1:])
    activations = (
        axis_levels(config, "activation")
        if "activation" in further_axes(config)
        else [model["activation"]]
    )
    seconds = max(
        _cell_seconds(config, points, weights, activation, backend) for activation in activations
    )
    buffers = seeds * units * (points * BUFFERS_PER_UNIT[backend] + held_out) * 8
    logs = model["iterations"] // model["log_every"] + 2
    tables = seeds * logs * BYTES_PER_ROW + seeds * (weights + units) * 8 * 3
    rows = n_cells * seeds * (logs + 1)
    return StudySize(
        networks=n_cells * seeds,
        jobs=n_cells // cells_per_job,
        train_seconds=JOB_START_SECONDS + cells_per_job * seconds,
        train_mb=BASE_MB + (buffers + tables) / 1e6,
        aggregate_mb=BASE_MB + 80.0 + rows * BYTES_PER_ROW / 1e6,
    )


def _largest_layers(config: dict) -> list[int]:
    """The layers of the grid's largest network: model.layers, or the deepest and widest
    shape where the grid has architecture axes."""
    largest = {
        axis: max(axis_levels(config, axis))
        for axis in ARCHITECTURE_AXES
        if axis in further_axes(config)
    }
    return cell_settings(largest, config).layers


def _largest_data(config: dict) -> tuple[int, int]:
    """Training and held-out points of the largest data sets the grid trains on (the base
    data set, or those of the ``dataset`` axis): the longest job's and the largest arrays."""
    specs = _dataset_specs(config)
    name = config["dataset"].get("name", "circles")
    used = [specs[other] for other in config["grid"].get("axes", {}).get("dataset") or [name]]
    points = max(int(spec["n_train"]) for spec in used)
    held_out = max(int(spec.get("n_validation", 0)) + int(spec["n_test"]) for spec in used)
    return points, held_out


def job_seconds(config: dict, cells: list[dict], backend: str) -> float:
    """Estimated wall time of one training job: its start, then its cells one after the other,
    each on its own shape, data set and activation.

    Parameters
    ----------
    config : dict
        The grid's validated config.
    cells : list of dict
        The job's cells (:meth:`initstudy.grid.plan.Plan.train_job_cells`).
    backend : {"numpy", "numba"}

    Returns
    -------
    float
    """
    specs = _dataset_specs(config)
    seconds = JOB_START_SECONDS
    for cell in cells:
        settings = cell_settings(cell, config)
        points = int(specs[settings.dataset]["n_train"])
        weights = sum(a * b for a, b in pairwise(settings.layers))
        seconds += _cell_seconds(config, points, weights, settings.activation, backend)
    return seconds


def _cell_seconds(config: dict, points: int, weights: int, activation: str, backend: str) -> float:
    """Estimated seconds to train one cell's seeds: a multiply-add per weight, point, seed and
    iteration, at the backend's speed and the activation's cost."""
    return (
        len(config["grid"]["seeds"])
        * config["model"]["iterations"]
        * points
        * weights
        * SECONDS_PER_MULTIPLY_ADD[backend]
        * ACTIVATION_COST[activation]
    )


def _dataset_specs(config: dict) -> dict[str, dict]:
    """Every data set a config names: ``dataset`` under its name, then each of ``datasets``
    with its keys replaced (:func:`initstudy.model.data.dataset_specs` without its checks)."""
    base = config["dataset"]
    return {base.get("name", "circles"): base} | {
        name: {**base, **changes} for name, changes in config.get("datasets", {}).items()
    }


def rule_mem_mb(size: StudySize) -> dict[str, int]:
    """``mem_mb`` of the rules whose memory grows with the grid (25 % above the estimate).

    Parameters
    ----------
    size : StudySize

    Returns
    -------
    dict
        ``{"train_cell": ..., "aggregate": ...}`` in MB.
    """
    return {
        "train_cell": max(MIN_TRAIN_MB, math.ceil(1.25 * size.train_mb)),
        "aggregate": max(MIN_AGGREGATE_MB, math.ceil(1.25 * size.aggregate_mb)),
    }


def machine_mb() -> float:
    """Memory one job may use, in MB: ``$INITSTUDY_JOB_MB`` if set (e.g. a cluster node's
    memory), else the physical memory of this machine.

    Returns
    -------
    float
    """
    if os.environ.get("INITSTUDY_JOB_MB"):
        return float(os.environ["INITSTUDY_JOB_MB"])
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e6


def check_fits(config: dict, size: StudySize, available_mb: float) -> None:
    """Refuse a study whose training or aggregate job needs more memory than there is.

    Parameters
    ----------
    config : dict
    size : StudySize
    available_mb : float
        Memory one job may use (e.g. :func:`machine_mb`).

    Raises
    ------
    StudyTooLargeError
        With the estimate, the limit and how to split the study.
    """
    need = max(size.train_mb, size.aggregate_mb)
    if need <= available_mb:
        return
    seeds = len(config["grid"]["seeds"])
    per_seed = (need - BASE_MB) / seeds
    fitting = max(1, int((0.8 * available_mb - BASE_MB) / per_seed)) if per_seed > 0 else seeds
    parts = math.ceil(seeds / fitting)
    raise StudyTooLargeError(
        f"this config trains {size.networks} networks ({seeds} seeds per cell); "
        f"{'a training' if size.train_mb >= size.aggregate_mb else 'the aggregate'} job would need "
        f"about {need / 1000:.1f} GB of memory, more than this machine's "
        f"{available_mb / 1000:.1f} GB. Split grid.seeds into {parts} studies of at most "
        f"{fitting} seeds each, each in its own copy of the workflow (or its own results "
        "folder), or train fewer cells or a smaller model per study."
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
