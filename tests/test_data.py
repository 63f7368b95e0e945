"""The circles data must be bit-identical to the course utilities."""

import hashlib

import numpy as np
import pytest

from initstudy.model.data import CorruptDataError, load_dataset, make_dataset, save_dataset

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
