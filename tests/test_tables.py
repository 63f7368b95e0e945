"""A cell's stored parameters (``params.npz``): read back as written, refused when damaged.

The decision-boundary figure reads these archives; a damaged one must stop the run with a
message that names the file and how to rebuild it, not with a NumPy error deep in a plot.
"""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pytest

from initstudy.model.cell import save_parameters, train_cell
from initstudy.model.data import make_dataset
from initstudy.model.train import TrainSettings
from initstudy.tables.tables import CorruptTableError, read_parameters

REBUILD = "rerun the study's snakemake command (rule train_cell)"
SEEDS = [0, 5, 7]
LAYERS = (2, 4, 3, 1)


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A real cell's ``params.npz`` (3 seeds of [2, 4, 3, 1]) and its trained parameters."""
    dataset = make_dataset(40, 20, 0.05, 1, 2)
    result = train_cell(dataset, "he", 1.0, SEEDS, TrainSettings(LAYERS, 0.01, 10, 5))
    path = tmp_path_factory.mktemp("params") / "params.npz"
    save_parameters(result, SEEDS, path)
    return path, result


def _arrays(path) -> dict:
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


def _refused(path, *words: str) -> str:
    """The message of reading ``path``: it names the file, the rebuild and ``words``."""
    with pytest.raises(CorruptTableError) as caught:
        read_parameters(path, REBUILD)
    message = str(caught.value)
    assert message.startswith(f"table '{path}' is damaged ("), message
    assert message.endswith(f"delete it and rebuild it: {REBUILD}"), message
    for word in words:
        assert word in message, message
    return message


def test_parameters_are_read_as_written(stored):
    path, result = stored
    seeds, weights, biases = read_parameters(path, REBUILD)
    assert seeds.tolist() == SEEDS
    assert [W.shape for W in weights] == [(3, 4, 2), (3, 3, 4), (3, 1, 3)]
    assert [b.shape for b in biases] == [(3, 4, 1), (3, 3, 1), (3, 1, 1)]
    for ours, theirs in zip([*weights, *biases], [*result.weights, *result.biases]):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.95])
def test_a_truncated_archive_names_the_file(stored, tmp_path, keep):
    data = stored[0].read_bytes()
    path = tmp_path / "params.npz"
    path.write_bytes(data[: int(keep * len(data))])
    _refused(path)


def test_a_file_that_is_not_an_archive_names_the_file(tmp_path):
    path = tmp_path / "params.npz"
    path.write_text("seed,W1\n0,1\n")
    _refused(path)
    _refused(tmp_path / "missing.npz", "FileNotFoundError")


def test_a_damaged_member_names_the_file(stored, tmp_path):
    # Flip bytes inside W2's stored data: the zip's CRC no longer matches.
    path = tmp_path / "params.npz"
    path.write_bytes(stored[0].read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("W2.npy")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + 200  # past the local header
    data[start : start + 8] = bytes(255 - x for x in data[start : start + 8])
    path.write_bytes(bytes(data))
    _refused(path)


@pytest.mark.parametrize("missing", ["seeds", "b2", "W3", "b3"])
def test_a_missing_array_names_the_file_and_the_array(stored, tmp_path, missing):
    arrays = _arrays(stored[0])
    del arrays[missing]
    path = tmp_path / "params.npz"
    np.savez(path, **arrays)
    _refused(path, missing)


def test_an_archive_without_weights_is_refused(tmp_path):
    path = tmp_path / "params.npz"
    np.savez(path, seeds=np.array(SEEDS))
    _refused(path, "no weights")


def _reshaped(stored, tmp_path, **changes):
    arrays = _arrays(stored[0]) | changes
    path = tmp_path / "params.npz"
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    ("name", "shape", "words"),
    [
        ("W2", (2, 3, 4), "W2 of shape (2, 3, 4)"),  # 2 networks, 3 seeds
        ("b1", (4, 4, 1), "b1 of shape (4, 4, 1)"),
        ("W2", (3, 3, 5), "W2 of shape (3, 3, 5)"),  # 5 inputs after W1's 4 units
        ("b2", (3, 4, 1), "b2 of shape (3, 4, 1)"),  # 4 biases for W2's 3 units
        ("W1", (3, 8), "W1 of shape (3, 8)"),  # a matrix per seed flattened
        ("seeds", (3, 1), "seeds of shape (3, 1)"),
    ],
)
def test_arrays_of_the_wrong_shape_name_the_file_and_the_array(
    stored, tmp_path, name, shape, words
):
    path = _reshaped(stored, tmp_path, **{name: np.zeros(shape)})
    message = _refused(path, words)
    assert re.search(r"expected \(", message), message


def test_seeds_must_be_integers(stored, tmp_path):
    path = _reshaped(stored, tmp_path, seeds=np.array([0.0, 5.5, 7.0]))
    _refused(path, "seeds", "float64")
