"""The project's batched trainer reproduces the notebook's per-network loop.

Costs agree within 1e-12 relative and accuracies exactly, for cells whose
arithmetic is not float-sensitive; a network is the same in a batch as alone;
every backend gives the same networks. requirements.txt pins numba, so its backend is always
among them (tests/backends.py): a compiled kernel that fails to import fails these tests.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from backends import BACKENDS, NOT_PINNED, NUMBA_PINNED

from initstudy.grid.sizing import resolve_backend_name
from initstudy.model import net as net_module
from initstudy.model import notebook
from initstudy.model.data import make_dataset
from initstudy.model.init import initialize, initialize_batch
from initstudy.model.net import NumbaMLP, NumpyMLP, batched_mlp, resolve_backend
from initstudy.model.train import TrainSettings, accuracy, train_batch

LAYERS = [2, 10, 5, 1]
RTOL = 1e-12


@cache
def _dataset():
    d = make_dataset(300, 100, 0.05, 1, 2)
    X = np.ascontiguousarray(d.X_train.T)
    Xt = np.ascontiguousarray(d.X_test.T)
    return X, d.y_train.reshape(1, -1).astype(float), Xt, d.y_test.reshape(1, -1)


@pytest.fixture(scope="module")
def data():
    return _dataset()


# The NumPy backend, the slower reference, runs in `make test` only (marked slow, about 30 s):
# `make check` trains on the compiled kernel, the one the study uses.
@pytest.fixture(
    params=[pytest.param(b, marks=pytest.mark.slow) if b == "numpy" else b for b in BACKENDS]
)
def backend(request):
    return request.param


def _parameters(net):
    """Every parameter of ``net``, flat: its weight and bias views, in order."""
    return np.concatenate([p.ravel() for p in net.weights + net.biases])


def _gradients(net):
    """Every gradient of ``net``, flat, in the order of :func:`_parameters`."""
    return np.concatenate([g.ravel() for g in net.weight_gradients + net.bias_gradients])


@cache  # shared by the backends' parametrizations
def notebook_run(name, scale, seed, iterations, log_every):
    X, y, Xt, yt = _dataset()
    params = {}
    for l, (W, b) in enumerate(initialize(name, LAYERS, scale, seed), start=1):
        params[f"W{l}"], params[f"b{l}"] = W, b
    params, costs = notebook.model(X, y, params, 0.01, iterations, log_every)
    accs = [np.mean(notebook.predict(A, params) == t) for A, t in ((X, y), (Xt, yt))]
    return np.array(costs), np.array(accs)


def project_run(data, backend, name, scale, seeds, iterations, log_every):
    X, y, Xt, yt = data
    W, b = initialize_batch(name, LAYERS, scale, seeds)
    settings = TrainSettings(LAYERS, 0.01, iterations, log_every, backend=backend)
    result = train_batch(W, b, X, y, settings)
    accs = np.stack([accuracy(result.weights, result.biases, A, t) for A, t in ((X, y), (Xt, yt))])
    return result, accs.T


def test_he_seed3_full_run_matches_notebook(data, backend):
    costs, accs = notebook_run("he", 1.0, 3, 15000, 1000)
    result, project_accs = project_run(data, backend, "he", 1.0, [3], 15000, 1000)
    np.testing.assert_allclose(result.costs[0, :-1], costs, rtol=RTOL, atol=0)
    assert project_accs[0].tolist() == accs.tolist()
    assert np.round(accs, 5).tolist() == [0.99333, 0.96]


@pytest.mark.parametrize("name", ["he", "lecun", "glorot"])
@pytest.mark.parametrize("scale", [0.5, 1.0, 2.0])
def test_cells_match_notebook(data, backend, name, scale):
    seeds = list(range(5))
    result, project_accs = project_run(data, backend, name, scale, seeds, 1500, 100)
    for i, seed in enumerate(seeds):
        costs, accs = notebook_run(name, scale, seed, 1500, 100)
        np.testing.assert_allclose(result.costs[i, :-1], costs, rtol=RTOL, atol=0)
        assert project_accs[i].tolist() == accs.tolist()


def test_network_in_batch_equals_network_alone(data, backend):
    batch, _ = project_run(data, backend, "he", 1.0, list(range(6)), 2000, 100)
    alone, _ = project_run(data, backend, "he", 1.0, [4], 2000, 100)
    np.testing.assert_allclose(batch.costs[4], alone.costs[0], rtol=RTOL, atol=0)
    for Wb, Wa in zip(batch.weights, alone.weights, strict=True):
        np.testing.assert_allclose(Wb[4], Wa[0], rtol=RTOL, atol=1e-15)


def test_deep_network_trains(data, backend):
    X, y, _, _ = data
    layers = [2, 32, 32, 32, 1]
    W, b = initialize_batch("he", layers, 1.0, [0, 1, 2])
    result = train_batch(W, b, X, y, TrainSettings(layers, 0.01, 300, 100, backend=backend))
    assert result.costs.shape == (3, 4)
    assert np.isfinite(result.costs).all()
    assert (result.costs[:, -1] < result.costs[:, 0]).all()


@pytest.mark.skipif(not NUMBA_PINNED, reason=NOT_PINNED)
# Widths on both sides of the kernel's one-pass limit (16 inputs) and of its passes of 8.
@pytest.mark.parametrize(
    "layers", [[2, 10, 5, 1], [2, 32, 32, 32, 1], [3, 7, 1], [2, 1], [2, 16, 17, 9, 1]]
)
def test_backends_agree(data, layers):
    X, y, _, _ = data
    X = np.vstack([X, X[:1] * X[1:]])[: layers[0]]
    W, b = initialize_batch("he", layers, 1.0, list(range(4)))
    nets = [batched_mlp(W, b, X.shape[1], backend=name) for name in ("numpy", "numba")]
    for _ in range(50):
        outputs = [net.forward(X) for net in nets]
        np.testing.assert_allclose(outputs[1], outputs[0], rtol=1e-12, atol=1e-14)
        for net in nets:
            net.backward(X, y)
        grads = [_gradients(net) for net in nets]
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-9, atol=1e-15)
        for net in nets:
            net.step(0.01)
    for Wn, Wk in zip(nets[0].weights, nets[1].weights, strict=True):
        np.testing.assert_allclose(Wk, Wn, rtol=1e-12, atol=1e-14)


@pytest.mark.skipif(not NUMBA_PINNED, reason=NOT_PINNED)
def test_the_pinned_kernel_imports_and_the_size_estimate_names_the_backend_that_trains():
    """The kernel module imports (its own ImportError otherwise), ``"auto"`` trains with it,
    and the size estimate's ``"auto"`` (decided without importing numba) is the same backend."""
    import initstudy.model.kernel_numba  # noqa: F401  (re-raises the kernel's import error, if any)

    assert net_module.numba_kernels() is not None
    assert resolve_backend("auto") == "numba"
    assert resolve_backend_name("auto") == resolve_backend("auto")


def test_unknown_backend_is_rejected(data):
    W, b = initialize_batch("he", LAYERS, 1.0, [0])
    with pytest.raises(ValueError, match="backend='gpu'"):
        batched_mlp(W, b, 300, backend="gpu")


def test_written_weights_reach_the_kernel(data, backend):
    X, _, _, _ = data
    W, b = initialize_batch("he", LAYERS, 1.0, [0, 1])
    net = batched_mlp(W, b, X.shape[1], backend)
    net.weights[0][1] = np.nan
    out = net.forward(X)
    assert np.isfinite(out[0]).all() and np.isnan(out[1]).all()


@pytest.mark.parametrize("layers", [LAYERS, [2] + [32] * 6 + [1], [2, 1]])
def test_run_equals_iteration_loop(data, backend, layers):
    X, y, _, _ = data
    W, b = initialize_batch("he", layers, 1.0, [0, 1, 2])
    W[0][1, 0, 0] = np.nan  # a diverged network stays NaN and leaves the others alone
    looped, ran = (batched_mlp(W, b, X.shape[1], backend) for _ in range(2))
    for _ in range(30):
        looped.forward(X)
        looped.backward(X, y)
        looped.step(0.01)
    ran.run(X, y, 0.01, 30)
    np.testing.assert_array_equal(_parameters(ran), _parameters(looped))
    assert np.isnan(_parameters(ran)).any() and np.isfinite(ran.weights[0][[0, 2]]).all()
    for W_ran in ran.weights:
        assert np.isnan(W_ran[1]).all()


@pytest.mark.parametrize("layers", [LAYERS, [2, 16, 17, 9, 1]])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_the_numba_buffers_padding_never_reaches_a_result(data, layers, activation):
    """The numba backend pads its rows of 300 examples to 304, on 64-byte boundaries; NaN
    and inf written into every buffer beforehand (padding included) change no bit."""
    if "numba" not in BACKENDS:
        pytest.skip(NOT_PINNED)
    X, y, _, _ = data
    W, b = initialize_batch("he", layers, 1.0, [0, 1])
    clean, dirty = (NumbaMLP(W, b, X.shape[1], activation) for _ in range(2))
    stride = dirty._acts.shape[1]
    assert stride == 304 and dirty._acts.ctypes.data % 64 == 0 == dirty._dz_out.ctypes.data % 64
    for buffer, fill in ((dirty._acts, np.nan), (dirty._dz_out, np.inf), (dirty._dz_a, -np.inf)):
        buffer[...] = fill
    dirty._dz_b[...], dirty._bits[...] = np.nan, -1
    clean.run(X, y, 0.01, 20)
    dirty.run(X, y, 0.01, 20)
    np.testing.assert_array_equal(_parameters(dirty), _parameters(clean))
    np.testing.assert_array_equal(dirty.forward(X), clean.forward(X))
    assert np.isfinite(_parameters(clean)).all()


@pytest.mark.parametrize("method", ["backward", "run"])
def test_exp_overflow_is_a_numpy_floating_point_event(data, backend, method):
    X, y, _, _ = data
    W, b = initialize_batch("he", LAYERS, 1e100, [0, 1])
    net = batched_mlp(W, b, X.shape[1], backend)
    net.forward(X)
    with np.errstate(over="raise", under="ignore", invalid="ignore"):
        with pytest.raises(FloatingPointError, match="overflow"):
            net.backward(X, y) if method == "backward" else net.run(X, y, 0.01, 1)


def test_factory_resolves_the_backend_once(data):
    W, b = initialize_batch("he", LAYERS, 1.0, [0, 1])
    net = batched_mlp(W, b, 300, backend="numpy")
    assert type(net) is NumpyMLP and net.backend == "numpy"
    assert (net.batch, net.n_examples) == (2, 300)
    default = batched_mlp(W, b, 300)
    expected = NumbaMLP if "numba" in BACKENDS else NumpyMLP
    assert type(default) is expected and default.backend == expected.backend


def test_train_batch_uses_the_settings_backend(data, backend):
    X, y, _, _ = data
    W, b = initialize_batch("he", LAYERS, 1.0, [0, 1, 2])
    result = train_batch(W, b, X, y, TrainSettings(LAYERS, 0.01, 250, 100, backend=backend))
    net = batched_mlp(W, b, X.shape[1], backend)
    net.run(X, y, 0.01, 250)
    for trained, ran in zip(result.weights + result.biases, net.weights + net.biases, strict=True):
        np.testing.assert_array_equal(trained, ran)
    with pytest.raises(ValueError, match="backend='gpu'"):
        train_batch(W, b, X, y, TrainSettings(LAYERS, 0.01, 2, 1, backend="gpu"))


@pytest.mark.skipif(not NUMBA_PINNED, reason=NOT_PINNED)
def test_vectorized_sigmoid_error_is_numpys_to_the_last_bits():
    from initstudy.model.kernel_numba_exp import sigmoid_error

    rng = np.random.default_rng(0)
    special = [0.0, -0.0, 1e-300, 40.0, 41.0, -709.0, -709.7827128933841, -709.79, -745.2, 800.0]
    z = np.concatenate([rng.normal(0, 5, 5000), rng.uniform(-720, 720, 5000), special])
    z = np.concatenate([z, [np.inf, -np.inf, np.nan]])
    dz, bits = np.empty_like(z), np.empty(z.size, dtype=np.int64)
    with np.errstate(over="ignore"):
        sigmoid = 1 / (1 + np.exp(-z))
    for y in (np.zeros_like(z), np.ones_like(z)):
        lo, hi = sigmoid_error(z, y, 1 / 300, dz, bits, 0.0, 0.0)
        np.testing.assert_array_equal(np.isnan(dz), np.isnan(z))
        # y = 0: dz / sigmoid is relative; y = 1: cancellation, so relative to 1 / 300.
        rtol, atol = (5e-16, 1e-320) if y[0] == 0 else (0.0, 5e-16 / 300)
        finite = ~np.isnan(z)
        np.testing.assert_allclose(
            dz[finite], (sigmoid - y)[finite] * (1 / 300), rtol=rtol, atol=atol
        )
    exponent_args = -z[np.isfinite(z)]
    assert (lo, hi) == (exponent_args.min(), exponent_args.max())
