"""How a cluster run bundles the study's jobs: job groups and their time limits.

On a cluster every submitted job starts Snakemake again inside its allocation (about 9 s on
the test cluster), so a study of many jobs of a few seconds each spends most of its time
starting them. A cluster run therefore bundles the training jobs of a grid into groups of
about ``cluster.group_minutes`` of estimated work each (Snakemake's job groups; a local run
ignores groups and keeps one job per training job). A job estimated to take longer than that
stays alone. Each job's estimate is :func:`initstudy.grid.sizing.job_seconds` (its cells'
shapes, data sets and activations); the time limit it asks for (:func:`runtime_minutes`) has
room for a node three times slower than the estimate's.
"""

import math
from collections import Counter
from collections.abc import Mapping

#: The time limit of a job is this many times its estimated duration (see the module notes).
RUNTIME_SAFETY = 3.0
#: Snakemake's group id of the cheap jobs that read the trained grids (aggregates, figures,
#: pages, experiment sections): one submitted job after the training.
SUMMARY_GROUP = "summary"
#: The jobs that need no trained grid (the depth study's measurements at initialization, the
#: notebook's rerun): one submitted job, beside the training.
SIDE_GROUP = "side_studies"
#: The two kernel compilations: one submitted job, before the training.
COMPILE_GROUP = "compile"
#: Group components standing for "every job of the group in one submission".
ALL_COMPONENTS = 10_000


def runtime_minutes(estimated_seconds: float) -> int:
    """The time limit (``runtime``, whole minutes) of a job estimated to take this long.

    Parameters
    ----------
    estimated_seconds : float
        The job's estimated wall time on one core.

    Returns
    -------
    int
        ``RUNTIME_SAFETY`` times the estimate, rounded up to a minute; at least 1.
    """
    return max(1, math.ceil(RUNTIME_SAFETY * estimated_seconds / 60.0))


def training_groups(
    prefix: str, seconds: Mapping[str, float], group_minutes: float
) -> dict[str, str]:
    """The group id of each training job of a grid: consecutive jobs (config order), a group
    closed before the job that would take its estimated work past ``group_minutes``.

    Parameters
    ----------
    prefix : str
        The grid's group prefix (``train``, ``train_depth``).
    seconds : mapping
        Job name -> estimated seconds (:func:`initstudy.grid.sizing.job_seconds`), in config
        order: neighbouring jobs differ in one axis and are alike in size.
    group_minutes : float
        The target of estimated work per submitted job (``cluster.group_minutes``).

    Returns
    -------
    dict
        Job name -> ``<prefix>-<index>``. A job estimated at more than the target is alone.
    """
    target = 60.0 * group_minutes
    groups: dict[str, str] = {}
    index, filled = 0, 0.0
    for name, estimate in seconds.items():
        if filled > 0 and filled + estimate > target:
            index, filled = index + 1, 0.0
        groups[name] = f"{prefix}-{index}"
        filled += estimate
    return groups


def group_components(groups: dict[str, str]) -> dict[str, int]:
    """Snakemake's ``--group-components`` for training groups, which share an id but not
    edges: each id spans as many disconnected jobs as it names.

    Parameters
    ----------
    groups : dict
        Job name -> group id (:func:`training_groups`).

    Returns
    -------
    dict
        Group id -> number of jobs.
    """
    return dict(Counter(groups.values()))
