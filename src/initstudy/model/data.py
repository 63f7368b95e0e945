"""The data sets: the course's circles, bit-identical to its utilities, and harder ones.

The course's ``load_dataset`` seeds NumPy's global generator and then calls
``sklearn.datasets.make_circles`` with ``random_state=None``; passing a fresh
``RandomState(seed)`` draws the very same stream without touching global state.

Every data set has three splits, each drawn with its own seed: train (seed 1 in
the notebook), test (seed 2) and a validation split on which the study chooses
scales and learning rates, so that the test split is only ever used to report.
Draw ``d`` of a data set redraws the train and validation splits with their
seeds plus ``d * DRAW_STRIDE``; the test split is the same for every draw.

The kinds (:data:`KINDS`) and their input widths (:func:`feature_count`):

``circles``, ``moons``
    ``sklearn.datasets.make_circles`` / ``make_moons``: points in the plane (2
    features), half of each split in each class, with Gaussian noise of std ``noise``.
``digits``
    ``sklearn.datasets.load_digits`` (bundled with scikit-learn, no download): the
    1,797 8×8 images of handwritten digits, 64 features, as a **binary** task:
    class 0 is the digits 0–4, class 1 the digits 5–9 (:data:`DIGITS_CLASSES`).

    *Why this task*: it is neither trivial nor hopeless at the study's success
    threshold 0.9. On 300 training images a line falls short of it (scikit-learn's
    logistic regression: test accuracy 0.84–0.89 over five random splits), while this
    study's ``[64, 10, 5, 1]`` networks reach it and the initializers differ (default
    sizes and seeds, draw 0, 20000 iterations, 10 seeds: He ×1 at learning rate 0.04
    has test accuracy 0.91–0.98, random ×1 0.84–0.94, and random ×1 at 0.64 stays at
    0.5 on half its seeds). Even against odd was rejected as nearer a line's reach
    (0.88–0.92 linear), and the ten-class task is not a one-unit sigmoid's.

    *Scaling*: pixels (integers 0..16) are divided by 16, so inputs lie in [0, 1] with
    a mean square of 0.23 per input (circles: 0.42); a fan-in initializer then gives
    first-layer pre-activations of the circles' order (He ×1: variance 0.47 on the
    digits, 0.83 on the circles), and the initializers' signal arguments hold alike. A
    fixed divisor, unlike a standardization fitted on a split, uses no statistics of
    any split (an image's inputs never change with the draw) and keeps the constant
    border pixels finite.

    *Splits*: disjoint subsets of the 1,797 images, drawn without replacement and
    stratified as scikit-learn's generators split their points: a split of ``n``
    images holds ``n // 2`` of class 0 and the rest of class 1 (exactly balanced;
    one more of class 1 when ``n`` is odd). The test split is drawn first, from all
    images, with ``test_seed``, so it is the same for every draw; then train, from
    the rest, with ``train_seed + d * DRAW_STRIDE``; then validation, from what
    remains, with ``validation_seed + d * DRAW_STRIDE``. Each split's rows are
    shuffled. Asking for more images of a class than there are (901 of class 0, 896
    of class 1) is an error naming ``n_train``, ``n_validation`` and ``n_test``
    (:func:`check_digits_sizes`, called by :func:`dataset_specs`).

    *Noise*: it means nothing for images and is **ignored**, not refused (a named
    data set inherits ``noise`` from ``dataset``, so refusing it would force every
    digits entry to restate it).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from initstudy.util.atomic import atomic_path

SPLIT_KEYS = ("X_train", "y_train", "X_validation", "y_validation", "X_test", "y_test")
SPLITS = ("train", "validation", "test")
#: The kinds of data set: scikit-learn generators of two-class points in the plane, and
#: scikit-learn's handwritten digits as a two-class task.
KINDS = ("circles", "moons", "digits")
#: Input width (features per example) of each kind.
FEATURE_COUNTS = {"circles": 2, "moons": 2, "digits": 64}
#: Seed offset between two draws of the train and validation splits.
DRAW_STRIDE = 1000
#: The digits of class 0 and of class 1 of the ``digits`` kind.
DIGITS_CLASSES = ((0, 1, 2, 3, 4), (5, 6, 7, 8, 9))
#: Images of class 0 and class 1 in ``sklearn.datasets.load_digits`` (1,797 in all);
#: tests/test_data.py checks them against scikit-learn.
DIGITS_CLASS_COUNTS = (901, 896)
#: Pixels of ``load_digits`` are integers 0..16; they are divided by this.
DIGITS_PIXEL_MAX = 16.0


class CorruptDataError(RuntimeError):
    """A stored dataset file cannot be read or does not have the expected shape."""


@dataclass(frozen=True)
class Dataset:
    """Train, validation and test splits, examples as rows (``X``: ``(n, features)``, float64,
    with the same number of features in every split: 2 for points in the plane, 64 for the
    digits; ``y``: ``(n,)`` of 0/1); the validation split may be empty."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_validation: np.ndarray
    y_validation: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` of the split ``name`` (one of :data:`SPLITS`)."""
        return getattr(self, f"X_{name}"), getattr(self, f"y_{name}")

    @property
    def n_features(self) -> int:
        """Features per example (columns of ``X``): 2 for points in the plane."""
        return int(self.X_train.shape[1])


def feature_count(kind: str) -> int:
    """Input width of a data set of kind ``kind``: the first layer width of its networks.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.

    Returns
    -------
    int
        2 for ``circles`` and ``moons``, 64 for ``digits``.

    Raises
    ------
    ValueError
        For an unknown kind.
    """
    _check_kind(kind)
    return FEATURE_COUNTS[kind]


def input_width(spec: Mapping) -> int:
    """Input width of the data set a spec describes (an entry of :func:`dataset_specs`).

    Parameters
    ----------
    spec : mapping
        Keyword arguments of :func:`make_dataset`; a spec without ``kind`` is the
        circles, as :func:`make_dataset`'s default.

    Returns
    -------
    int
    """
    return feature_count(spec.get("kind", "circles"))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown data set kind {kind!r}; allowed: {', '.join(KINDS)}")


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
        ``sklearn.datasets.make_circles`` or ``make_moons``. The digits' splits are
        drawn together (they must be disjoint): :func:`make_dataset` draws them.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64, C-ordered
    y : ndarray of shape (n_samples,), int64 labels 0 and 1
    """
    # Imported here, not at module level: training jobs load stored data and
    # would otherwise pay scikit-learn's ~1 s import for nothing.
    from sklearn import datasets

    _check_kind(kind)
    if kind == "digits":
        raise ValueError(
            "the digits' splits are disjoint subsets of one set of images, drawn together: "
            "use make_dataset(..., kind='digits')"
        )
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
        Points (images) in the train and test splits.
    noise : float
        Noise of every split (ignored by ``digits``).
    train_seed, test_seed : int
        Seeds of the two splits (the notebook uses 1 and 2).
    n_validation : int
        Points in the validation split (0: none).
    validation_seed : int
        Seed of the validation split.
    kind : {"circles", "moons", "digits"}
    draw : int
        Draw of the train and validation splits: their seeds plus ``draw * DRAW_STRIDE``.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown kind, or digits splits that ask for more images than there are.
    """
    _check_kind(kind)
    offset = int(draw) * DRAW_STRIDE
    if kind == "digits":
        return _digits_dataset(
            n_train, n_validation, n_test, train_seed + offset, validation_seed + offset, test_seed
        )
    X_train, y_train = make_split(n_train, noise, train_seed + offset, kind)
    X_validation, y_validation = make_split(n_validation, noise, validation_seed + offset, kind)
    X_test, y_test = make_split(n_test, noise, test_seed, kind)
    return Dataset(X_train, y_train, X_validation, y_validation, X_test, y_test)


def class_sizes(n_samples: int) -> tuple[int, int]:
    """Examples of class 0 and of class 1 in a split of ``n_samples`` (as scikit-learn's
    ``make_circles`` and ``make_moons``, and the digits' stratified splits).

    Parameters
    ----------
    n_samples : int

    Returns
    -------
    (int, int)
        ``n_samples // 2`` and the rest.
    """
    return n_samples // 2, n_samples - n_samples // 2


def check_digits_sizes(
    n_train: int, n_validation: int, n_test: int, where: str = "a digits data set"
) -> None:
    """Refuse digits splits that ask for more images of a class than ``load_digits`` has.

    Parameters
    ----------
    n_train, n_validation, n_test : int
        The split sizes (``n_train``, ``n_validation`` and ``n_test`` of the data set).
    where : str
        The data set's place in the config, for the message (e.g. ``datasets.digits``).

    Raises
    ------
    ValueError
        Naming the keys, their sum, what each class is asked for and what it has.
    """
    sizes = {"n_train": n_train, "n_validation": n_validation, "n_test": n_test}
    asked = [sum(class_sizes(int(n))[cls] for n in sizes.values()) for cls in (0, 1)]
    if all(need <= have for need, have in zip(asked, DIGITS_CLASS_COUNTS, strict=True)):
        return
    have0, have1 = DIGITS_CLASS_COUNTS
    keys = " + ".join(sizes)
    values = " + ".join(str(int(n)) for n in sizes.values())
    raise ValueError(
        f"{where}: {keys} = {values} = {sum(asked)} images, "
        f"but the digits have {have0 + have1} images, {have0} of class 0 (digits 0-4) and "
        f"{have1} of class 1 (digits 5-9), and the splits are disjoint and take n // 2 images "
        f"of class 0 and the rest of class 1 each: these ask {asked[0]} of class 0 and "
        f"{asked[1]} of class 1 (at most {2 * min(DIGITS_CLASS_COUNTS)} images in all); "
        f"make n_train, n_validation or n_test smaller"
    )


@cache
def _digits_images() -> tuple[np.ndarray, np.ndarray]:
    """All of ``load_digits``' images as rows scaled to [0, 1], and their binary labels
    (read-only: one copy per process)."""
    from sklearn import datasets

    digits = datasets.load_digits()
    X = np.ascontiguousarray(digits.data, dtype=np.float64) / DIGITS_PIXEL_MAX
    y = np.isin(digits.target, DIGITS_CLASSES[1]).astype(np.int64)
    if tuple(np.bincount(y, minlength=2)) != DIGITS_CLASS_COUNTS:
        raise RuntimeError(f"load_digits has classes {np.bincount(y)}, not {DIGITS_CLASS_COUNTS}")
    X.flags.writeable = y.flags.writeable = False
    return X, y


def _digits_dataset(
    n_train: int,
    n_validation: int,
    n_test: int,
    train_seed: int,
    validation_seed: int,
    test_seed: int,
) -> Dataset:
    """The digits' three disjoint stratified splits: test first (from all images), then
    train, then validation, each from the images the earlier splits left."""
    check_digits_sizes(n_train, n_validation, n_test)
    X, y = _digits_images()
    pools = [np.flatnonzero(y == cls) for cls in (0, 1)]
    rows = {}
    for split, n, seed in (
        ("test", n_test, test_seed),
        ("train", n_train, train_seed),
        ("validation", n_validation, validation_seed),
    ):
        rows[split], pools = _draw_rows(pools, int(n), np.random.RandomState(seed))
    arrays = {}
    for split in SPLITS:
        arrays[f"X_{split}"] = np.ascontiguousarray(X[rows[split]])
        arrays[f"y_{split}"] = y[rows[split]]
    return Dataset(**arrays)


def _draw_rows(
    pools: list[np.ndarray], n: int, rng: np.random.RandomState
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Draw ``n // 2`` rows of class 0's pool and the rest of class 1's without replacement,
    in shuffled order; return them and the pools left (sorted)."""
    picked, left = [], []
    for pool, count in zip(pools, class_sizes(n), strict=True):
        order = rng.permutation(len(pool))
        picked.append(pool[order[:count]])
        left.append(np.sort(pool[order[count:]]))
    rows = np.concatenate(picked)
    return rows[rng.permutation(len(rows))], left


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
        shape (every ``X`` two-dimensional with the same number of columns, at least 1,
        as the train split; every ``y`` one label per row); the message names the file
        and how to rebuild it.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in SPLIT_KEYS}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise CorruptDataError(_damaged(path, f"{type(error).__name__}: {error}")) from error
    width = arrays["X_train"].shape[1] if arrays["X_train"].ndim == 2 else None
    for split in SPLITS:
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        if X.ndim != 2 or X.shape[1] != width or not width or y.shape != (X.shape[0],):
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

    Raises
    ------
    ValueError
        If a ``digits`` data set asks for more images than there are
        (:func:`check_digits_sizes`), so that the workflow stops before any job.
    """
    base = {key: value for key, value in config["dataset"].items() if key != "name"}
    specs = {config["dataset"]["name"]: base}
    for name, changes in config.get("datasets", {}).items():
        specs[name] = {**base, **changes}
    for index, (name, spec) in enumerate(specs.items()):
        if spec.get("kind") == "digits":
            sizes = (spec["n_train"], spec.get("n_validation", 0), spec["n_test"])
            where = "dataset (kind digits)"
            if index:
                where = f"datasets.{name} (kind digits; the keys it leaves out are dataset's)"
            check_digits_sizes(*sizes, where=where)
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
