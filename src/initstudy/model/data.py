"""The data sets: the course's circles, bit-identical to its utilities, and harder ones.

The course's ``load_dataset`` seeds NumPy's global generator and then calls
``sklearn.datasets.make_circles`` with ``random_state=None``; passing a fresh
``RandomState(seed)`` draws the very same stream without touching global state.

Every data set has three splits, each drawn with its own seed: train (seed 1 in
the notebook), test (seed 2) and a validation split on which the study chooses
scales and learning rates, so that the test split is only ever used to report.
Draw ``d`` of a data set redraws the train and validation splits with their
seeds plus ``d * DRAW_STRIDE``; the test split is the same for every draw.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from initstudy.util.atomic import atomic_path

SPLIT_KEYS = ("X_train", "y_train", "X_validation", "y_validation", "X_test", "y_test")
SPLITS = ("train", "validation", "test")
#: The kinds of data set: scikit-learn generators of two-class points in the plane.
KINDS = ("circles", "moons")
#: Seed offset between two draws of the train and validation splits.
DRAW_STRIDE = 1000


class CorruptDataError(RuntimeError):
    """A stored dataset file cannot be read or does not have the expected shape."""


@dataclass(frozen=True)
class Dataset:
    """Train, validation and test splits, points as rows (``X``: ``(n, 2)``, ``y``: ``(n,)``
    of 0/1); the validation split may be empty."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_validation: np.ndarray
    y_validation: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` of the split ``name`` (one of :data:`SPLITS`)."""
        return getattr(self, f"X_{name}"), getattr(self, f"y_{name}")


def make_split(
    n_samples: int, noise: float, seed: int, kind: str = "circles"
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one split as the course utilities draw the circles.

    Parameters
    ----------
    n_samples : int
        Number of points (half in each class, as in scikit-learn).
    noise : float
        Standard deviation of the Gaussian noise added to the points.
    seed : int
        Seed of the ``numpy.random.RandomState`` that draws the split.
    kind : {"circles", "moons"}
        ``sklearn.datasets.make_circles`` or ``make_moons``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64, C-ordered
    y : ndarray of shape (n_samples,), int64 labels 0 and 1
    """
    # Imported here, not at module level: training jobs load stored data and
    # would otherwise pay scikit-learn's ~1 s import for nothing.
    from sklearn import datasets

    if kind not in KINDS:
        raise ValueError(f"unknown data set kind {kind!r}; allowed: {', '.join(KINDS)}")
    generate = datasets.make_circles if kind == "circles" else datasets.make_moons
    X, y = generate(n_samples=n_samples, noise=noise, random_state=np.random.RandomState(seed))
    return np.ascontiguousarray(X, dtype=np.float64), y.astype(np.int64)


def make_dataset(
    n_train: int,
    n_test: int,
    noise: float,
    train_seed: int,
    test_seed: int,
    *,
    n_validation: int = 0,
    validation_seed: int = 3,
    kind: str = "circles",
    draw: int = 0,
) -> Dataset:
    """Build the splits; the notebook's settings reproduce its data.

    Parameters
    ----------
    n_train, n_test : int
        Points in the train and test splits.
    noise : float
        Noise of every split.
    train_seed, test_seed : int
        Seeds of the two splits (the notebook uses 1 and 2).
    n_validation : int
        Points in the validation split (0: none).
    validation_seed : int
        Seed of the validation split.
    kind : {"circles", "moons"}
    draw : int
        Draw of the train and validation splits: their seeds plus ``draw * DRAW_STRIDE``.

    Returns
    -------
    Dataset
    """
    offset = int(draw) * DRAW_STRIDE
    X_train, y_train = make_split(n_train, noise, train_seed + offset, kind)
    X_validation, y_validation = make_split(n_validation, noise, validation_seed + offset, kind)
    X_test, y_test = make_split(n_test, noise, test_seed, kind)
    return Dataset(X_train, y_train, X_validation, y_validation, X_test, y_test)


def save_dataset(dataset: Dataset, path: str | Path) -> None:
    """Write the dataset to an ``.npz`` file atomically.

    Parameters
    ----------
    dataset : Dataset
    path : str or Path
        Destination; written through a temporary file, then renamed.
    """
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **{key: getattr(dataset, key) for key in SPLIT_KEYS})


def load_dataset(path: str | Path) -> Dataset:
    """Read a dataset written by :func:`save_dataset`, checking it is whole.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Dataset

    Raises
    ------
    CorruptDataError
        If the file is unreadable, lacks an array, or the arrays have the wrong
        shape; the message names the file and how to rebuild it.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in SPLIT_KEYS}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise CorruptDataError(_damaged(path, f"{type(error).__name__}: {error}")) from error
    for split in SPLITS:
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
            raise CorruptDataError(
                _damaged(path, f"{split} arrays have shapes {X.shape} and {y.shape}")
            )
        if not np.all(np.isfinite(X)) or not np.all(np.isin(y, (0, 1))):
            raise CorruptDataError(_damaged(path, f"{split} split holds invalid values"))
    return Dataset(**arrays)


def _damaged(path: Path, detail: str) -> str:
    return (
        f"dataset file '{path}' is damaged ({detail}); delete it and rerun "
        f"snakemake to rebuild it (e.g. `snakemake --cores 1 --forcerun make_dataset`)"
    )


def dataset_specs(config: dict) -> dict[str, dict]:
    """Every data set a config names: ``dataset`` under its ``name``, then each entry of
    ``datasets`` as ``dataset`` with its keys replaced.

    Parameters
    ----------
    config : dict
        A validated config (defaults filled in).

    Returns
    -------
    dict
        Name -> keyword arguments of :func:`make_dataset` (without ``draw``).
    """
    base = {key: value for key, value in config["dataset"].items() if key != "name"}
    specs = {config["dataset"]["name"]: base}
    for name, changes in config.get("datasets", {}).items():
        specs[name] = {**base, **changes}
    return specs


def data_file_stem(name: str, draw: int) -> str:
    """File name (without ``.npz``) of draw ``draw`` of data set ``name``: ``circles``,
    ``circles-draw2``.

    Parameters
    ----------
    name : str
    draw : int

    Returns
    -------
    str
    """
    return name if int(draw) == 0 else f"{name}-draw{int(draw)}"
