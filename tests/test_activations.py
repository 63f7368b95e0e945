"""Activations and bias initialization: the registry, both backends, and the biases' draw."""

import math
import struct

import numpy as np
import pytest
from backends import BACKENDS, NOT_PINNED, NUMBA_PINNED

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

    NumPy's SIMD ``tanh`` and the C library's differ in the last bit of about a third
    of the values, so the agreement is that of two roundings, not bit for bit.
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


# fdlibm's tanh as glibc writes it (s_tanh.c, s_expm1.c), in Python floats: no fused
# multiply-adds, whatever the CPU; only the branches that tanh's arguments reach.
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700
_Q = (-3.33333333333331316428e-02, 1.58730158725481460165e-03, -7.93650757867487942473e-05,
      4.00821782732936239552e-06, -2.01099218183624371326e-07)  # fmt: skip


def _fdlibm_expm1(x):
    hx = struct.unpack(">Q", struct.pack(">d", x))[0] >> 32 & 0x7FFFFFFF
    k, c = 0, 0.0
    if hx > 0x3FD62E42:
        if hx < 0x3FF0A2B2:
            k, hi, lo = (1, x - _LN2_HI, _LN2_LO) if x > 0 else (-1, x + _LN2_HI, -_LN2_LO)
        else:
            k = int(_INV_LN2 * x + (0.5 if x > 0 else -0.5))
            hi, lo = x - k * _LN2_HI, k * _LN2_LO
        x = hi - lo
        c = (hi - x) - lo
    hfx = 0.5 * x
    hxs = x * hfx
    h2 = hxs * hxs
    r1 = (1.0 + hxs * _Q[0]) + h2 * (_Q[1] + hxs * _Q[2]) + h2 * h2 * (_Q[3] + hxs * _Q[4])
    t = 3.0 - r1 * hfx
    e = hxs * ((r1 - t) / (6.0 - x * t))
    if k == 0:
        return x - (x * e - hxs)
    e = (x * (e - c) - c) - hxs
    if k == -1:
        return 0.5 * (x - e) - 0.5
    if k <= -2 or k > 56:
        return math.ldexp(1.0 - (e - x), k) - 1.0
    if k < 20:
        return math.ldexp((1.0 - 2.0**-k) - (e - x), k)
    return math.ldexp((x - (e + 2.0**-k)) + 1.0, k)


def _fdlibm_tanh(x):
    ax = abs(x)
    if math.isnan(x) or ax < 2.0**-55:
        return x * (1.0 + x)
    if ax >= 22.0:
        z = 1.0
    elif ax >= 1.0:
        z = 1.0 - 2.0 / (_fdlibm_expm1(2.0 * ax) + 2.0)
    else:
        t = _fdlibm_expm1(-2.0 * ax)
        z = -t / (t + 2.0)
    return math.copysign(z, x)


def _ulps(a, b):
    """|a - b| in units in the last place (the distance between the two doubles)."""
    ia, ib = a.view(np.int64), b.view(np.int64)
    ia = np.where(ia < 0, np.int64(-(2**63)) - ia, ia)
    ib = np.where(ib < 0, np.int64(-(2**63)) - ib, ib)
    return np.abs(ia - ib)


def _tanh_arguments(n):
    """Every edge of the cases (both signs) and the limits, then magnitudes 1e-300..30 and the
    ranges that matter (``2 * n`` values of either sign); returns the values and the edges' count.
    """
    rng = np.random.default_rng(0)
    edges = [2.0**-55, 1e-300, 5e-324, 2.2250738585072014e-308, 0.3465735912322998 / 2,
             1.0397205352783203 / 2, 1.0, 19.0, 19.0615, 19.5, 22.0, 10.0 * math.log(2),
             28.0 * math.log(2), 1e300]  # fmt: skip
    edges = np.array(edges)
    edges = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, np.inf)])
    edges = np.concatenate([[0.0, -0.0, np.inf, -np.inf, np.nan], edges, -edges])
    x = np.concatenate([
        10.0 ** rng.uniform(-300, math.log10(30), n), rng.uniform(0, 25, n // 2),
        rng.uniform(0, 1.1, n // 4), rng.normal(0, 1, n // 4),
    ])  # fmt: skip
    return np.concatenate([edges, x, -x]), edges.size


@pytest.mark.skipif(not NUMBA_PINNED, reason=NOT_PINNED)
def test_the_kernels_tanh_is_fdlibms_bit_for_bit_and_the_c_librarys_to_3_ulp():
    """The numba kernel's vectorized tanh against fdlibm's (in Python) and ``math.tanh``.

    Bit for bit fdlibm's on every edge and a sample; against the C library's ``tanh`` (glibc:
    fdlibm's, with an ``expm1`` that may be compiled with fused multiply-adds) on millions of
    values over magnitudes 1e-300..30: at most 3 ulp apart (fewer than 1 in 1000 values
    differ on a CPU with FMA, none on one without), and the same limits.
    """
    from initstudy.model.kernel_numba_tanh import tanh_row

    x, n_edges = _tanh_arguments(1_000_000)
    ours = x.copy()
    tanh_row(ours)
    sample = np.r_[:n_edges, n_edges : x.size : x.size // 20_000]
    fdlibm = np.array([_fdlibm_tanh(float(v)) for v in x[sample]])
    np.testing.assert_array_equal(ours[sample].view(np.int64), fdlibm.view(np.int64))

    libm = np.frompyfunc(math.tanh, 1, 1)(x).astype(np.float64)
    nan = np.isnan(x)
    np.testing.assert_array_equal(np.isnan(ours), nan)
    assert _ulps(ours[~nan], libm[~nan]).max() <= 3
    # The limits: tanh(+-0) = +-0, tanh(+-inf) = +-1, x itself for tiny x, 1 from 19.5 on.
    np.testing.assert_array_equal(
        ours[:4].view(np.int64), np.array([0.0, -0.0, 1.0, -1.0]).view(np.int64)
    )
    tiny = (np.abs(x) < 2.0**-55) & ~nan
    np.testing.assert_array_equal(ours[tiny].view(np.int64), x[tiny].view(np.int64))
    assert np.all(ours[np.abs(x) >= 19.5] == np.sign(x[np.abs(x) >= 19.5]))
