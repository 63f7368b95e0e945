"""Every check a study's config passes before any job runs, in the order the workflow runs them.

The workflow (``workflow/rules/common.smk``) calls :func:`check_study` once at parse time and
stops with :func:`refusal`'s message when it raises; the tests call the same function to check
a message without starting Snakemake.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from initstudy.grid.config import ConfigError, check_config_files
from initstudy.grid.config_file import load_config, load_experiment
from initstudy.grid.config_input import (
    check_reference,
    check_yaml_files,
    parse_overrides,
    shorten,
)
from initstudy.grid.grid import batch_values, grid_cells
from initstudy.grid.plan import experiment_configs
from initstudy.grid.sizing import (
    StudySize,
    StudyTooLargeError,
    check_fits,
    resolve_backend_name,
    study_size,
)


@dataclass(frozen=True)
class CheckedStudy:
    """A config that passed every check, with what the checks computed on the way.

    Attributes
    ----------
    config : dict
        The main grid's config, defaults filled in.
    experiments : dict
        Experiment name -> its grid's config, checked the same way.
    backend : str
        The trainer's backend, resolved (``auto`` named).
    sizes : dict
        Grid name (``""`` for the main grid) -> its :class:`~initstudy.grid.sizing.StudySize`.
    """

    config: dict
    experiments: dict[str, dict]
    backend: str
    sizes: dict[str, StudySize]


def check_study(
    config: dict,
    configfiles: list[str | Path],
    overrides: dict,
    available_mb: float,
) -> CheckedStudy:
    """Check a study's config as the workflow reads it, before any job.

    Parameters
    ----------
    config : dict
        The config as Snakemake loaded it (its config files merged, ``--config`` applied);
        ``parse_overrides`` reads the ``--config`` values in it as YAML, in place.
    configfiles : list of str or Path
        The config files Snakemake read (``workflow.configfiles``): refused when they use
        YAML features or keys that plain data has no use for.
    overrides : dict
        The ``--config`` values as Snakemake passed them (``workflow.config_settings.config``).
    available_mb : float
        The memory a run may use; a grid that needs more is refused.

    Returns
    -------
    CheckedStudy

    Raises
    ------
    initstudy.grid.config.ConfigError
        A key, value or file is not allowed; the message names it and what is allowed.
    initstudy.grid.sizing.StudyTooLargeError
        A grid would not fit in ``available_mb``.
    """
    check_yaml_files(configfiles)
    check_config_files(configfiles)
    parse_overrides(config, overrides)
    filled = load_config(config)
    check_reference(filled)
    # Every experiment is a config of the same grid, checked the same way.
    experiments = {
        name: load_experiment(name, raw) for name, raw in experiment_configs(filled).items()
    }
    backend = resolve_backend_name(filled["model"]["backend"])
    sizes = {}
    for name, grid_config in {"": filled, **experiments}.items():
        sizes[name] = study_size(
            grid_config, len(grid_cells(grid_config)), len(batch_values(grid_config)), backend
        )
        check_fits(grid_config, sizes[name], available_mb)
    return CheckedStudy(filled, experiments, backend, sizes)


def refusal(error: Exception) -> str:
    """The message a run stops with when :func:`check_study` refuses its config.

    Parameters
    ----------
    error : ConfigError or StudyTooLargeError

    Returns
    -------
    str
    """
    if isinstance(error, ConfigError):
        return f"invalid config (nothing was run):\n{shorten(str(error))}"
    if isinstance(error, StudyTooLargeError):
        return f"study too large (nothing was run):\n{error}"
    raise TypeError(f"not a refusal of check_study: {type(error).__name__}")
