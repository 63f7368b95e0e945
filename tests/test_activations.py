"""Activations and bias initialization: the registry, both backends, and the biases' draw."""

import numpy as np
import pytest
from backends import BACKENDS

from initstudy.grid.axes import cell_settings
from initstudy.grid.config import ConfigError
from initstudy.grid.config_file import load_config
from initstudy.grid.grid import stratum_label
from initstudy.model.activations import ACTIVATIONS, lookup_activation
from initstudy.model.init import initialize, initialize_batch
from initstudy.model.net import batched_mlp, cost_from_logits
from initstudy.model.train import TrainSettings, train_batch

SHAPE = [2, 6, 5, 4, 1]


def _problem(seed=0, m=40):
    rng = np.random.RandomState(seed)
    X = rng.randn(2, m)
    y = (X[0] * X[1] > 0).astype(float).reshape(1, -1)
    return X, y


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_is_the_slope_of_the_function(name):
    activation = lookup_activation(name)
    z = np.linspace(-3, 3, 61) + 0.0123  # away from relu's kink
    h = 1e-6
    slope = (activation.function(z + h) - activation.function(z - h)) / (2 * h)
    np.testing.assert_allclose(activation.derivative(z), slope, atol=1e-8)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_the_backward_gate_multiplies_by_the_derivative(name):
    activation = lookup_activation(name)
    z = np.linspace(-3, 3, 61) + 0.0123
    a = activation.function(z)
    da = np.linspace(1, 2, 61)
    expected = da * activation.derivative(z)
    activation.multiply_derivative(da, a, np.empty(a.shape, bool), np.empty(a.shape))
    np.testing.assert_allclose(da, expected, rtol=1e-12)


def test_unknown_activation_names_the_allowed_ones():
    with pytest.raises(ValueError, match="relu, tanh, linear"):
        lookup_activation("gelu")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_backward_matches_central_differences(name, backend):
    X, y = _problem(m=25)
    weights, biases = initialize_batch("lecun", SHAPE, 1.2, [0, 1], bias_std=0.3)
    net = batched_mlp(weights, biases, X.shape[1], backend, name)
    net.forward(X)
    net.backward(X, y)
    analytic = [g.copy() for g in net.weight_gradients + net.bias_gradients]
    h = 1e-6
    for param, grad in zip(net.weights + net.biases, analytic):
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            original = param[index]
            param[index] = original + h
            plus = cost_from_logits(net.forward(X), y)[index[0]]
            param[index] = original - h
            minus = cost_from_logits(net.forward(X), y)[index[0]]
            param[index] = original
            numeric[index] = (plus - minus) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_forward_computes_the_activation_layer_by_layer(name):
    X, _ = _problem()
    weights, biases = initialize_batch("he", SHAPE, 1.0, [3], bias_std=0.1)
    phi = lookup_activation(name).function
    a = X
    for W, b in zip(weights[:-1], biases[:-1]):
        a = phi(W[0] @ a + b[0])
    expected = weights[-1][0] @ a + biases[-1][0]
    for backend in BACKENDS:
        logits = batched_mlp(weights, biases, X.shape[1], backend, name).forward(X)
        np.testing.assert_allclose(logits[0], expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["tanh", "linear"])
def test_backends_train_the_same_networks(name):
    """Away from sensitive trajectories the backends agree to rounding, as for ReLU.

    NumPy's SIMD ``tanh`` and the numba kernel's (``kernel_numba_tanh``) differ in the
    last bit of some values, so the agreement is that of two roundings, not bit for bit.
    """
    X, y = _problem(m=60)
    weights, biases = initialize_batch("glorot", SHAPE, 1.0, [0, 1, 2], bias_std=0.2)
    results = [
        train_batch(weights, biases, X, y, TrainSettings(SHAPE, 0.05, 600, 200, backend, name))
        for backend in BACKENDS
    ]
    reference = results[0]
    for other in results[1:]:
        np.testing.assert_allclose(other.costs, reference.costs, rtol=1e-12)
        for W, W_ref in zip(other.weights, reference.weights):
            np.testing.assert_allclose(W, W_ref, rtol=1e-10, atol=1e-13)


def test_linear_networks_collapse_to_one_linear_map():
    """A deep linear network is a linear classifier: its logits are one matrix times X."""
    X, _ = _problem()
    weights, biases = initialize_batch("lecun", SHAPE, 1.0, [4])
    logits = batched_mlp(weights, biases, X.shape[1], "numpy", "linear").forward(X)[0]
    product = weights[-1][0]
    for W in reversed(weights[:-1]):
        product = product @ W[0]
    np.testing.assert_allclose(logits, product @ X, rtol=1e-12, atol=1e-14)


def test_bias_std_leaves_the_weights_of_a_seed_unchanged():
    plain = initialize("he", SHAPE, 1.0, seed=5)
    with_bias = initialize("he", SHAPE, 1.0, seed=5, bias_std=0.5)
    for (W, b), (W_b, b_b) in zip(plain, with_bias):
        np.testing.assert_array_equal(W, W_b)
        assert not b.any()
        assert b_b.shape == b.shape and np.all(b_b != 0)


def test_bias_std_sets_the_spread_of_the_biases():
    nets = [initialize("lecun", [2, 400, 400, 1], 1.0, seed, bias_std=0.3) for seed in range(10)]
    hidden = np.concatenate([net[l][1].ravel() for net in nets for l in (0, 1)])
    assert abs(hidden.std() - 0.3) < 0.01
    assert abs(hidden.mean()) < 0.01
    # Each seed draws its own biases.
    assert not np.array_equal(nets[0][0][1], nets[1][0][1])


def _config(**model):
    return load_config(
        {
            "model": {"layers": [2, 8, 4, 1], **model},
            "datasets": {"digits": {"kind": "digits"}},
            "grid": {"seeds": [0], "initializations": {"he": [1]}},
        }
    )


def test_cells_take_activation_and_bias_std_from_the_axes_or_the_model():
    config = _config(activation="tanh", bias_std=0.5)
    plain = cell_settings({"init": "he", "scale": 1.0}, config)
    assert (plain.activation, plain.bias_std) == ("tanh", 0.5)
    cell = {"init": "he", "scale": 1.0, "activation": "linear", "bias_std": 0.0}
    assert (cell_settings(cell, config).activation, cell_settings(cell, config).bias_std) == (
        "linear",
        0.0,
    )
    defaults = cell_settings({"init": "he", "scale": 1.0}, _config())
    assert (defaults.activation, defaults.bias_std) == ("relu", 0.0)


def test_a_digits_cell_has_the_digits_input_width():
    config = _config()
    assert cell_settings({"dataset": "digits"}, config).layers == [64, 8, 4, 1]
    assert cell_settings({"dataset": "circles"}, config).layers == [2, 8, 4, 1]


def test_a_bad_activation_or_bias_std_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"model\.activation"):
        _config(activation="gelu")
    with pytest.raises(ConfigError, match=r"model\.bias_std"):
        _config(bias_std=-1)


def test_strata_name_the_activation_and_sigma_b():
    assert stratum_label({"activation": "tanh", "bias_std": 0.1}) == "tanh, σ_b 0.1"
