"""The circles dataset, bit-identical to the course utilities.

The course's ``load_dataset`` seeds NumPy's global generator and then calls
``sklearn.datasets.make_circles`` with ``random_state=None``; passing a fresh
``RandomState(seed)`` draws the very same stream without touching global state.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from initstudy.atomic import atomic_path

SPLIT_KEYS = ("X_train", "y_train", "X_test", "y_test")


class CorruptDataError(RuntimeError):
    """A stored dataset file cannot be read or does not have the expected shape."""


@dataclass(frozen=True)
class Dataset:
    """Train and test splits, points as rows (``X``: ``(n, 2)``, ``y``: ``(n,)`` of 0/1)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def make_split(n_samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw one split of the circles data as the course utilities do.

    Parameters
    ----------
    n_samples : int
        Number of points (half on each circle, as in scikit-learn).
    noise : float
        Standard deviation of the Gaussian noise added to the points.
    seed : int
        Seed of the ``numpy.random.RandomState`` that draws the split.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64, C-ordered
    y : ndarray of shape (n_samples,), int64 labels 0 (outer) and 1 (inner)
    """
    # Imported here, not at module level: training jobs load stored data and
    # would otherwise pay scikit-learn's ~1 s import for nothing.
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n_samples, noise=noise, random_state=np.random.RandomState(seed))
    return np.ascontiguousarray(X, dtype=np.float64), y.astype(np.int64)


def make_dataset(
    n_train: int, n_test: int, noise: float, train_seed: int, test_seed: int
) -> Dataset:
    """Build both splits; the defaults of the study reproduce the notebook's data.

    Parameters
    ----------
    n_train, n_test : int
        Points in the train and test splits.
    noise : float
        Noise of both splits.
    train_seed, test_seed : int
        Seeds of the two splits (the notebook uses 1 and 2).

    Returns
    -------
    Dataset
    """
    X_train, y_train = make_split(n_train, noise, train_seed)
    X_test, y_test = make_split(n_test, noise, test_seed)
    return Dataset(X_train, y_train, X_test, y_test)


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
    for split in ("train", "test"):
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
