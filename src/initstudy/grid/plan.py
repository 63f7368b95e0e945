"""One grid of the study and where its files go: the main grid, or an experiment.

Every experiment that trains networks is a config of the one grid
(``experiments`` in the config): :func:`experiment_configs` makes each one's
config from the study's, and a :class:`Plan` gives a grid's cells, its training
jobs and the paths of their files, so that the workflow makes the same rules for
every grid from it.
"""

from __future__ import annotations

import copy
from functools import cached_property

from initstudy.grid.axes import cell_settings
from initstudy.grid.grid import (
    batch_values,
    cell_from_wildcards,
    cell_path,
    cell_pattern,
    grid_axes,
    grid_cells,
    job_axes,
    job_cells,
)
from initstudy.model.data import data_file_stem

#: The sections of the study's config an experiment may change: ``grid`` replaces the
#: study's, ``model`` and ``analysis`` are merged into it key by key.
EXPERIMENT_SECTIONS = ("model", "grid", "analysis")


def experiment_configs(config: dict) -> dict[str, dict]:
    """The config of each experiment: the study's, with the experiment's own sections.

    Parameters
    ----------
    config : dict
        The study's config as given (before defaults), with an optional ``experiments``
        mapping of name -> ``{title, model, grid, analysis}``.

    Returns
    -------
    dict of str to dict
        Name -> its config, before defaults: the study's data sets, initializers and
        notebook; ``grid`` replaced; ``model`` and ``analysis`` updated key by key; its
        results under ``<results>/experiments/<name>``; no depth study and no experiments.
    """
    base = {key: value for key, value in config.items() if key != "experiments"}
    made = {}
    for name, experiment in config.get("experiments", {}).items():
        own = copy.deepcopy(base)
        for section in ("model", "analysis"):
            own[section] = {**own.get(section, {}), **experiment.get(section, {})}
        own["grid"] = copy.deepcopy(experiment["grid"])
        own["results"] = f"{config.get('results', 'results')}/experiments/{name}"
        own["depth_study"] = {"enabled": False}
        made[name] = own
    return made


class Plan:
    """A grid of the study, its training jobs and the paths of its files.

    Parameters
    ----------
    name : str
        ``""`` for the study's main grid, else the experiment's name.
    config : dict
        The grid's validated config (defaults filled in).
    data_folder : str
        Where the data files are, shared by every grid (``<results>/data``).
    """

    def __init__(self, name: str, config: dict, data_folder: str):
        self.name = name
        self.config = config
        self.results = config["results"]
        self.data_folder = data_folder

    def rule_name(self, base: str) -> str:
        """The name of this grid's rule: ``train_cell``, or ``train_cell_<experiment>``.

        Parameters
        ----------
        base : str

        Returns
        -------
        str
        """
        return f"{base}_{self.name}" if self.name else base

    @cached_property
    def axes(self) -> tuple[str, ...]:
        """The grid's axes (:func:`initstudy.grid.grid.grid_axes`)."""
        return grid_axes(self.config)

    @cached_property
    def cells(self) -> list[dict]:
        """Every cell, in config order."""
        return grid_cells(self.config)

    @cached_property
    def job_axes(self) -> tuple[str, ...]:
        """The axes that name a training job."""
        return job_axes(self.config)

    @cached_property
    def batch(self) -> list[dict]:
        """The batched axes' values of one job's cells."""
        return batch_values(self.config)

    @cached_property
    def train_job(self) -> str:
        """A training job's name with its axes as wildcards: ``{init}/scale-{scale}``."""
        return cell_pattern(self.job_axes)

    @cached_property
    def train_job_cells(self) -> dict[str, list[dict]]:
        """Every training job's name (its cells' folder on the job axes) -> its cells, both in
        config order."""
        jobs: dict[str, list[dict]] = {}
        for cell in self.cells:
            name = cell_path({axis: cell[axis] for axis in self.job_axes})
            jobs.setdefault(name, []).append(cell)
        return jobs

    @cached_property
    def train_jobs(self) -> list[str]:
        """Every training job's name, in config order."""
        return list(self.train_job_cells)

    def job_name(self, wildcards) -> str:
        """The name of the training job these wildcards name (one of :attr:`train_jobs`).

        Parameters
        ----------
        wildcards : mapping

        Returns
        -------
        str
        """
        return cell_path(cell_from_wildcards(wildcards, self.job_axes))

    @cached_property
    def seeds(self) -> list[int]:
        """The seeds of every cell."""
        return [int(seed) for seed in self.config["grid"]["seeds"]]

    def job_cells(self, wildcards) -> list[dict]:
        """The cells one training job trains, in config order.

        Parameters
        ----------
        wildcards : mapping
            The job's wildcards.

        Returns
        -------
        list of dict
        """
        return job_cells(cell_from_wildcards(wildcards, self.job_axes), self.batch, self.axes)

    def cell_outputs(self, kind: str) -> list[str]:
        """One file per cell of a training job, the job's axes as wildcards.

        Parameters
        ----------
        kind : str
            ``runs.csv``, ``costs.csv`` or ``params.npz``.

        Returns
        -------
        list of str
        """
        folder = f"{self.results}/cells"
        return [f"{folder}/{cell_pattern(self.axes, batch)}/{kind}" for batch in self.batch]

    def cell_files(self, kind: str) -> list[str]:
        """One file per cell of the grid, in config order.

        Parameters
        ----------
        kind : str

        Returns
        -------
        list of str
        """
        return [f"{self.results}/cells/{cell_path(cell)}/{kind}" for cell in self.cells]

    def data_draw(self, cell: dict) -> tuple[str, int]:
        """The (data set, draw) a cell trains on.

        Parameters
        ----------
        cell : dict

        Returns
        -------
        (str, int)
        """
        settings = cell_settings(cell, self.config)
        return settings.dataset, settings.draw

    def data_file(self, cell: dict) -> str:
        """The data file a cell trains on: ``<results>/data/circles.npz`` for the base data set.

        Parameters
        ----------
        cell : dict

        Returns
        -------
        str
        """
        return f"{self.data_folder}/{data_file_stem(*self.data_draw(cell))}.npz"

    def job_data(self, wildcards) -> list[str]:
        """The data file of each cell of a training job, in its order.

        Parameters
        ----------
        wildcards : mapping

        Returns
        -------
        list of str
        """
        return [self.data_file(cell) for cell in self.job_cells(wildcards)]

    def job_settings(self, wildcards, field: str) -> list:
        """One field of :class:`initstudy.grid.axes.CellSettings` for each cell of a job.

        Parameters
        ----------
        wildcards : mapping
        field : str
            ``layers``, ``learning_rate``, ``backend`` or ``perturbation``.

        Returns
        -------
        list
        """
        cells = self.job_cells(wildcards)
        return [getattr(cell_settings(cell, self.config), field) for cell in cells]

    def job_backends(self, wildcards, backend: str) -> list[str]:
        """The backend that trains each cell of a job: ``backend``, or NumPy for a NumPy rerun.

        Parameters
        ----------
        wildcards : mapping
        backend : str
            model.backend, resolved.

        Returns
        -------
        list of str
        """
        return [value or backend for value in self.job_settings(wildcards, "backend")]
