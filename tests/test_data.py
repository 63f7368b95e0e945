"""The circles data must be bit-identical to the course utilities; the digits (a binary task on
scikit-learn's handwritten digits) have disjoint, balanced splits with a fixed test split."""

import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from initstudy.model.data import (
    DIGITS_CLASS_COUNTS,
    DIGITS_CLASSES,
    KINDS,
    SPLIT_KEYS,
    SPLITS,
    CorruptDataError,
    Dataset,
    dataset_specs,
    feature_count,
    input_width,
    load_dataset,
    make_dataset,
    make_split,
    save_dataset,
)
from initstudy.plots import plots_plane

REPO = Path(__file__).resolve().parents[1]

TRAIN_SHA256 = "91191c9807c45ed201f81fd023bc92ee9a4b67312900d816b5816ee572423c47"


def test_train_split_matches_the_course_fingerprint():
    data = make_dataset(300, 100, 0.05, 1, 2)
    assert data.X_train.shape == (300, 2) and data.X_train.flags.c_contiguous
    assert hashlib.sha256(data.X_train.tobytes()).hexdigest() == TRAIN_SHA256
    assert data.X_train.sum() == 0.10318058999808777
    assert data.X_test.sum() == -0.418253070660783
    assert data.y_train.sum() == 150 and data.y_test.sum() == 50


def test_make_split_leaves_numpy_global_state_alone():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    make_dataset(30, 10, 0.05, 1, 2)
    assert np.random.rand() == expected


def test_saved_dataset_round_trips(tmp_path):
    data = make_dataset(40, 20, 0.1, 5, 6)
    save_dataset(data, tmp_path / "d.npz")
    back = load_dataset(tmp_path / "d.npz")
    assert np.array_equal(back.X_train, data.X_train) and np.array_equal(back.y_test, data.y_test)
    assert [p.name for p in tmp_path.iterdir()] == ["d.npz"]  # no temporary file left


def test_truncated_dataset_is_refused_with_the_file_name(tmp_path):
    path = tmp_path / "circles.npz"
    save_dataset(make_dataset(40, 20, 0.1, 5, 6), path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CorruptDataError, match=r"circles\.npz.*rerun snakemake"):
        load_dataset(path)


# --- digits: load_digits as digits 0-4 (class 0) against 5-9 (class 1), 64 inputs in [0, 1] ---


@pytest.fixture(scope="module")
def digits_images():
    """scikit-learn's digits as the data set describes them: rows / 16 and the binary label."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data / 16.0, (digits.target >= 5).astype(np.int64), digits.target


def _digits(draw=0, sizes=(300, 100, 100), noise=0.05):
    n_train, n_validation, n_test = sizes
    return make_dataset(
        n_train, n_test, noise, 1, 2, n_validation=n_validation, kind="digits", draw=draw
    )


def _rows(X):
    return Counter(row.tobytes() for row in X)


def test_digits_class_counts_are_scikit_learns(digits_images):
    _, y, target = digits_images
    assert len(y) == 1797 and tuple(np.bincount(y)) == DIGITS_CLASS_COUNTS == (901, 896)
    assert set(target[y == 0]) == set(DIGITS_CLASSES[0]) == {0, 1, 2, 3, 4}


@pytest.mark.parametrize("sizes", [(300, 100, 100), (121, 37, 2), (1788, 2, 2)])
def test_digits_splits_are_disjoint_and_of_the_requested_sizes(digits_images, sizes):
    """(1788, 2, 2) takes every image of class 1 (894 + 1 + 1 = 896)."""
    data = _digits(sizes=sizes)
    for split, n in zip(("train", "validation", "test"), sizes, strict=True):
        X, y = data.split(split)
        assert X.shape == (n, 64) and y.shape == (n,)
        assert X.dtype == np.float64 and X.flags.c_contiguous and y.dtype == np.int64
    # Disjoint: no image is used more often than it occurs (a few images occur twice).
    used = _rows(data.X_train) + _rows(data.X_validation) + _rows(data.X_test)
    assert used <= _rows(digits_images[0])  # multiset inclusion
    assert sum(used.values()) == sum(sizes)


def test_digits_values_are_pixels_over_16_and_labels_as_documented(digits_images):
    X_all, y_all, _ = digits_images
    labels = {}
    for row, label in zip(X_all, y_all, strict=True):
        labels.setdefault(row.tobytes(), set()).add(int(label))
    data = _digits()
    for split in ("train", "validation", "test"):
        X, y = data.split(split)
        assert X.min() == 0.0 and X.max() == 1.0
        assert np.array_equal(X * 16, np.round(X * 16))  # multiples of 1/16
        assert set(np.unique(y)) == {0, 1}
        assert all(int(label) in labels[row.tobytes()] for row, label in zip(X, y, strict=True))


def test_digits_splits_are_exactly_balanced():
    """The class balance of each split: n // 2 images of class 0 (digits 0-4), the rest of
    class 1 (digits 5-9); the default sizes give 150/150, 50/50 and 50/50."""
    data = _digits()
    counts = {split: np.bincount(data.split(split)[1]).tolist() for split in SPLITS}
    assert counts == {"train": [150, 150], "validation": [50, 50], "test": [50, 50]}
    odd = _digits(draw=3, sizes=(121, 37, 51))
    counts = {split: np.bincount(odd.split(split)[1]).tolist() for split in SPLITS}
    assert counts == {"train": [60, 61], "validation": [18, 19], "test": [25, 26]}


def test_digits_test_split_is_fixed_and_draws_redraw_train_and_validation():
    first, again, second, far = _digits(), _digits(), _digits(draw=1), _digits(draw=999)
    for key in SPLIT_KEYS:
        assert np.array_equal(getattr(first, key), getattr(again, key))  # reproducible
    for other in (second, far):
        assert np.array_equal(other.X_test, first.X_test)
        assert np.array_equal(other.y_test, first.y_test)
        assert not np.array_equal(other.X_train, first.X_train)
        assert not np.array_equal(other.X_validation, first.X_validation)
    # The test split depends on its seed and size only, not on the other splits' sizes.
    assert np.array_equal(_digits(sizes=(50, 20, 100)).X_test, first.X_test)


def test_digits_ignore_noise_and_leave_numpy_global_state_alone():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    quiet, noisy = _digits(noise=0.0), _digits(noise=0.3)
    assert np.random.rand() == expected
    assert all(np.array_equal(getattr(quiet, k), getattr(noisy, k)) for k in SPLIT_KEYS)


@pytest.mark.parametrize(
    ("sizes", "asked"),
    [((300, 100, 1500), "300 + 100 + 1500 = 1900 images"),
     ((1792, 2, 2), "1792 + 2 + 2 = 1796 images")],  # fits in all, not in class 1: 898 > 896
)  # fmt: skip
def test_too_many_digits_are_refused_naming_the_keys_and_the_images(sizes, asked):
    with pytest.raises(ValueError, match="n_train \\+ n_validation \\+ n_test") as error:
        _digits(sizes=sizes)
    message = str(error.value)
    assert asked in message and "1797 images" in message
    assert "901 of class 0" in message and "896 of class 1" in message


def test_dataset_specs_refuse_too_many_digits_before_any_job():
    config = {
        "dataset": {"name": "circles", "kind": "circles", "n_train": 300, "n_validation": 100,
                    "n_test": 100, "noise": 0.05, "train_seed": 1, "validation_seed": 3,
                    "test_seed": 2},
        "datasets": {"digits": {"kind": "digits", "n_test": 1500}},
    }  # fmt: skip
    with pytest.raises(ValueError, match=r"^datasets\.digits \(kind digits; ") as error:
        dataset_specs(config)
    assert "n_train + n_validation + n_test = 300 + 100 + 1500 = 1900 images" in str(error.value)
    config["datasets"]["digits"]["n_test"] = 100
    assert dataset_specs(config)["digits"]["kind"] == "digits"
    assert input_width(dataset_specs(config)["digits"]) == 64
    assert input_width(dataset_specs(config)["circles"]) == 2


def test_feature_count_of_every_kind():
    assert {kind: feature_count(kind) for kind in KINDS} == {"circles": 2, "moons": 2, "digits": 64}
    assert input_width({"n_train": 3}) == 2  # no kind: make_dataset's default, the circles
    with pytest.raises(ValueError, match="unknown data set kind 'spirals'; allowed: circles"):
        feature_count("spirals")
    with pytest.raises(ValueError, match="drawn together"):
        make_split(10, 0.0, 1, kind="digits")


def test_schema_allows_exactly_the_kinds():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    base = schema["properties"]["dataset"]["properties"]["kind"]["enum"]
    named = schema["properties"]["datasets"]["additionalProperties"]["properties"]["kind"]["enum"]
    assert base == named == list(KINDS)


def test_digits_round_trip_and_any_width_loads(tmp_path):
    data = _digits(sizes=(40, 10, 20))
    save_dataset(data, tmp_path / "digits.npz")
    back = load_dataset(tmp_path / "digits.npz")
    assert back.n_features == 64 and back.X_train.shape == (40, 64)
    assert all(np.array_equal(getattr(back, k), getattr(data, k)) for k in SPLIT_KEYS)
    X, y = np.ones((4, 3)), np.array([0, 1, 0, 1])
    save_dataset(Dataset(X, y, X, y, X, y), tmp_path / "three.npz")
    assert load_dataset(tmp_path / "three.npz").n_features == 3


def test_splits_of_different_widths_are_refused(tmp_path):
    data = _digits(sizes=(40, 10, 20))
    mixed = Dataset(data.X_train, data.y_train, data.X_validation[:, :2], data.y_validation,
                    data.X_test, data.y_test)  # fmt: skip
    save_dataset(mixed, tmp_path / "mixed.npz")
    with pytest.raises(CorruptDataError, match=r"mixed\.npz.*validation arrays have shapes"):
        load_dataset(tmp_path / "mixed.npz")


# --- the figures that draw data in the plane, given the digits ---


def test_dataset_figure_shows_digit_images_beside_the_circles_points():
    from matplotlib.image import AxesImage

    figure = plots_plane.plot_dataset(
        {"circles": make_dataset(60, 40, 0.05, 1, 2, n_validation=40), "digits": _digits()},
        {"circles": 0.05, "digits": 0.05},
    )
    axes = figure.get_axes()
    assert [ax.get_title() for ax in axes] == [
        "circles (noise std 0.05), train split: 60 points",
        "circles (noise std 0.05), validation split: 40 points",
        "circles (noise std 0.05), test split: 40 points",
        "digits, train split: 300 images",  # no noise: the digits ignore it
        "digits, validation split: 100 images",
        "digits, test split: 100 images",
    ]
    for ax in axes[:3]:
        assert len(ax.collections) == 2 and ax.get_aspect() == 1.0  # as before
    for ax in axes[3:]:
        assert [type(artist) for artist in ax.get_images()] == [AxesImage]
        labels = [label.get_text() for label in ax.get_yticklabels()]
        assert labels[0].startswith("class 0: digits 0–4\n")
        assert labels[1].startswith("class 1: digits 5–9\n")
    assert axes[3].get_yticklabels()[0].get_text().endswith("\n150 images")


def test_decision_regions_leave_out_networks_not_in_the_plane_with_a_note():
    circles, digits = make_dataset(60, 40, 0.05, 1, 2), _digits(sizes=(40, 10, 20))
    rng = np.random.RandomState(0)

    def panel(data, name, width):
        weights = [rng.standard_normal((1, 4, width)), rng.standard_normal((1, 1, 4))]
        biases = [np.zeros((1, 4, 1)), np.zeros((1, 1, 1))]
        return plots_plane.BoundaryPanel("he", 1.0, 3, weights, biases, 0.9, 0.8, "chosen",
                                         data, data_name=name)  # fmt: skip

    shown = panel(circles, "circles", 2)
    figure = plots_plane.plot_decision_boundaries(
        circles, [panel(digits, "digits", 64), shown, panel(digits, "digits", 64)], 20
    )
    (ax,) = figure.get_axes()  # only the circles' network is drawn
    assert ax.get_title().startswith("he ×1, seed 3\nchosen")
    note = figure.get_suptitle()
    assert note.endswith("\nnot drawn: 2 networks on digits (64 input features, not points in "
                         "the plane)")  # fmt: skip
    alone = plots_plane.plot_decision_boundaries(digits, [panel(None, "digits", 64)], 20)
    assert "not drawn: 1 network on digits" in alone.get_suptitle()
    assert "no decision" in alone.get_axes()[0].texts[0].get_text()
    plain = plots_plane.plot_decision_boundaries(circles, [shown], 20).get_suptitle()
    assert plain.startswith("Decision regions of trained networks (shading") and "\n" not in plain


# --- the workflow: the data file rule of a digits data set ---


@pytest.mark.workflow
def test_workflow_plans_the_digits_data_files(tmp_path):
    """A dry run (a real one takes over 30 s here): each draw of a digits data set on the
    dataset axis is one make_dataset job; sizes beyond the images stop it before any job."""
    from conftest import copy_workflow, snakemake

    workdir = copy_workflow(tmp_path / "study")
    config = yaml.safe_load((REPO / "tests/configs/tiny.yaml").read_text())
    config["datasets"] = {"digits": {"kind": "digits", "n_train": 120, "n_test": 61}}
    config["grid"]["axes"] = {"dataset": ["circles", "digits"], "draw": [0, 1]}
    (workdir / "digits.yaml").write_text(yaml.safe_dump(config))
    targets = [f"{config.get('results', 'results')}/data/{stem}.npz"
               for stem in ("digits", "digits-draw1")]  # fmt: skip
    proc = snakemake(workdir, *targets, "--dry-run", "--cores", "1", "--configfile", "digits.yaml")
    jobs = proc.stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    assert [line.split()[:2] for line in jobs.splitlines()[3:] if line.strip()] == [
        ["make_dataset", "2"]
    ]
    for target in targets:
        assert f"output: {target}" in proc.stdout
