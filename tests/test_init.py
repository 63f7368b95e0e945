"""Initializers: one parametrization, the notebook's printed matrices at seed 3."""

import math

import numpy as np
import pytest

from initstudy.model.init import INITIALIZERS, REGISTRY, base_std, initialize, initialize_batch


def test_random_times_ten_reproduces_the_notebook_matrices():
    (W1, b1), (W2, b2) = initialize("random", [3, 2, 1], 10, 3)
    np.testing.assert_allclose(
        W1,
        [[17.88628473, 4.36509851, 0.96497468], [-18.63492703, -2.77388203, -3.54758979]],
        atol=5e-9,
    )
    np.testing.assert_allclose(W2, [[-0.82741481, -6.27000677]], atol=5e-9)
    assert not b1.any() and not b2.any() and b1.shape == (2, 1)


def test_he_reproduces_the_notebook_matrices_bit_for_bit():
    (W1, _), (W2, _) = initialize("he", [2, 4, 1], 1, 3)
    rng = np.random.RandomState(3)
    assert np.array_equal(W1, rng.randn(4, 2) * np.sqrt(2 / 2))
    assert np.array_equal(W2, rng.randn(1, 4) * np.sqrt(2 / 4))
    np.testing.assert_allclose(W2, [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]], atol=5e-9)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("random", 1.0),
        ("he", math.sqrt(2 / 40)),
        ("lecun", math.sqrt(1 / 40)),
        ("glorot", math.sqrt(2 / 60)),
        ("orthogonal", math.sqrt(1 / 40)),
        ("zeros", 0.0),
    ],
)
def test_base_std_table(name, expected):
    assert base_std(name, 40, 20) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("name", ["he", "lecun", "glorot", "random"])
def test_empirical_std_is_scale_times_base_std(name):
    (W, _), _ = initialize(name, [400, 300, 1], 2.0, 0)
    assert W.std() == pytest.approx(2.0 * base_std(name, 400, 300), rel=0.01)


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8)])
def test_orthogonal_is_scaled_orthogonal(shape):
    rows, cols = shape
    (W, _), _ = initialize("orthogonal", [cols, rows, 1], 1.5, 7)
    gram = W @ W.T if rows <= cols else W.T @ W
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(min(shape)), atol=1e-12)


def test_zeros_has_no_randomness_and_batches_stack_per_seed():
    assert all(not W.any() for W, _ in initialize("zeros", [2, 10, 5, 1], 1, 0))
    weights, biases = initialize_batch("he", [2, 10, 5, 1], 1, [4, 9])
    assert weights[1].shape == (2, 5, 10) and biases[2].shape == (2, 1, 1)
    assert np.array_equal(weights[0][1], initialize("he", [2, 10, 5, 1], 1, 9)[0][0])


def test_unknown_initializer_names_the_allowed_ones():
    with pytest.raises(ValueError, match=r"xavier.*allowed: zeros, random, he"):
        initialize("xavier", [2, 1], 1, 0)
    assert INITIALIZERS == tuple(REGISTRY)
    assert INITIALIZERS[:3] == ("zeros", "random", "he")  # the notebook's three, first
