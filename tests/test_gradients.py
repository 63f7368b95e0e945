"""Back-propagation against central finite differences of the cost, on every backend
(numba's too: requirements.txt pins it, so a kernel that fails to import fails here)."""

import numpy as np
import pytest
from backends import BACKENDS

from initstudy.model.init import initialize_batch
from initstudy.model.net import batched_mlp, cost_from_logits, sigmoid


def _cost(net, X, y):
    return cost_from_logits(net.forward(X), y)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("layers", "init", "scale"),
    [
        ([2, 3, 1], "he", 1.0),
        ([2, 10, 5, 1], "lecun", 1.0),
        ([2, 5, 4, 3, 1], "glorot", 2.0),
        ([2, 6, 6, 6, 6, 1], "orthogonal", 1.0),
        ([2, 7, 1], "random", 0.5),
        ([3, 4, 2, 1], "he", 0.5),
    ],
)
def test_backward_matches_central_differences(layers, init, scale, backend):
    rng = np.random.RandomState(sum(layers))
    X = rng.randn(layers[0], 25)
    y = (rng.rand(1, 25) > 0.5).astype(float)
    weights, biases = initialize_batch(init, layers, scale, [0, 1])
    biases = [rng.randn(*b.shape) * 0.1 for b in biases]  # exercise the bias gradients too
    net = batched_mlp(weights, biases, X.shape[1], backend)
    assert net.backend == backend
    net.forward(X)
    net.backward(X, y)
    analytic = [g.copy() for g in net.weight_gradients + net.bias_gradients]
    params = net.weights + net.biases
    h = 1e-6
    for param, grad in zip(params, analytic):
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape[1:]):
            for b in range(param.shape[0]):
                original = param[(b, *index)]
                param[(b, *index)] = original + h
                plus = _cost(net, X, y)[b]
                param[(b, *index)] = original - h
                minus = _cost(net, X, y)[b]
                param[(b, *index)] = original
                numeric[(b, *index)] = (plus - minus) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_numpy_mlp_exposes_every_layer_signal_and_gradient():
    rng = np.random.RandomState(7)
    layers = [3, 6, 4, 1]
    X = rng.randn(layers[0], 20)
    y = (rng.rand(1, 20) > 0.5).astype(float)
    weights, biases = initialize_batch("he", layers, 1.0, [0, 1, 2])
    net = batched_mlp(weights, biases, X.shape[1], "numpy")
    logits = net.forward(X)
    net.backward(X, y)
    assert logits is net.pre_activations[-1]
    m, last = X.shape[1], len(layers) - 2
    for n in range(3):  # each network by itself, with plain 2-D products
        a, inputs = X, []
        for l, (W, b) in enumerate(zip(weights, biases)):
            z = W[n] @ a + b[n]
            np.testing.assert_allclose(net.pre_activations[l][n], z, rtol=1e-13, atol=1e-15)
            inputs.append(a)
            a = np.maximum(0, z)
        dz = (sigmoid(net.pre_activations[-1][n]) - y) / m
        for l in range(last, -1, -1):
            np.testing.assert_allclose(net.output_gradients[l][n], dz, rtol=1e-12, atol=1e-17)
            dW = net.weight_gradients[l][n]
            np.testing.assert_allclose(dW, dz @ inputs[l].T, rtol=1e-12, atol=1e-17)
            if l > 0:
                dz = (weights[l][n].T @ dz) * (net.pre_activations[l - 1][n] > 0)


def test_cost_from_logits_is_finite_where_the_notebook_cost_is_inf():
    z = np.array([[[800.0, -800.0, 0.0]]])
    y = np.array([[0.0, 1.0, 1.0]])
    cost = cost_from_logits(z, y)
    assert np.isfinite(cost).all()
    assert cost[0] == pytest.approx((800 + 800 + np.log(2)) / 3, rel=1e-15)
