"""Mean-field signal propagation (initstudy.theory.mean_field) against closed forms and a real net.

ReLU and linear have closed forms (the arc-cosine kernel for ReLU's correlation map) that the
quadrature must meet to 1e-10; tanh is checked against Schoenholz et al. (2017)'s critical
line, against finite differences, and against wide random networks sampled with NumPy.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from initstudy.model.activations import ACTIVATIONS
from initstudy.theory.mean_field import (
    CURVE_COLUMNS,
    THEORY_COLUMNS,
    TRAINABLE_DEPTH_FACTOR,
    chi_1,
    correlation_fixed_point,
    correlation_map,
    correlation_slope,
    critical_sigma_w2,
    depth_scale,
    depth_scale_curve,
    gaussian_expectation,
    initializer_points,
    length_fixed_point,
    length_map,
    length_map_slope,
    mean_field,
    pair_expectation,
    theory_table,
)

TIGHT = 1e-10
#: Below ReLU's critical sigma_w^2 = 2, with a bias: a finite q*.
RELU_POINTS = [(0.5, 0.1), (1.0, 0.05), (1.5, 0.3), (1.9, 0.01), (1.99, 1.0)]
#: Below linear's critical sigma_w^2 = 1.
LINEAR_POINTS = [(0.2, 0.5), (0.5, 0.1), (0.8, 0.05), (0.95, 2.0)]
CORRELATIONS = [-1.0, -0.6, 0.0, 0.3, 0.9, 0.999, 1.0]


def arc_cosine(c: float) -> float:
    """``∫∫Dz1 Dz2 relu(u1) relu(u2) / q`` (Cho & Saul, 2009)."""
    return (math.sqrt(1 - c * c) + (math.pi - math.acos(c)) * c) / (2 * math.pi)


# --- quadrature ---------------------------------------------------------------------------------


@pytest.mark.parametrize("q", [1e-6, 0.3, 1.0, 7.5, 100.0])
def test_gaussian_moments(q):
    assert gaussian_expectation(lambda u: u**2, q) == pytest.approx(q, rel=1e-13)
    assert gaussian_expectation(lambda u: u**4, q) == pytest.approx(3 * q * q, rel=1e-13)
    for c in CORRELATIONS:
        assert pair_expectation(lambda u: u, lambda u: u, q, c) == pytest.approx(
            q * c, abs=1e-13 * q
        )


@pytest.mark.parametrize("q", [0.01, 1.0, 5.0])
def test_pair_expectation_at_full_correlation_is_the_line_integral(q):
    tanh = ACTIVATIONS["tanh"].function
    line = gaussian_expectation(lambda u: tanh(u) ** 2, q)
    assert pair_expectation(tanh, tanh, q, 1.0) == pytest.approx(line, abs=1e-13)
    assert pair_expectation(tanh, tanh, q, -1.0) == pytest.approx(-line, abs=1e-13)


# --- closed forms: ReLU and linear --------------------------------------------------------------


@pytest.mark.parametrize("q", [1e-9, 0.2, 1.0, 3.7, 1e6])
def test_relu_length_map_keeps_half(q):
    assert length_map(q, 1.7, 0.2, "relu") == pytest.approx(1.7 * q / 2 + 0.2, rel=TIGHT)
    assert chi_1(q, 1.7, "relu") == pytest.approx(0.85, rel=TIGHT)
    assert length_map_slope(q, 1.7, "relu") == pytest.approx(0.85, rel=TIGHT)


@pytest.mark.parametrize(("sigma_w2", "sigma_b2"), RELU_POINTS)
def test_relu_fixed_points_and_slopes(sigma_w2, sigma_b2):
    point = mean_field(sigma_w2, sigma_b2, "relu")
    assert point.q_star == pytest.approx(sigma_b2 / (1 - sigma_w2 / 2), rel=TIGHT)
    assert point.chi_1 == pytest.approx(sigma_w2 / 2, rel=TIGHT)
    assert point.xi_q == pytest.approx(-1 / math.log(sigma_w2 / 2), rel=1e-8)
    assert (point.phase, point.c_star) == ("ordered", 1.0)


@pytest.mark.parametrize(("sigma_w2", "sigma_b2"), RELU_POINTS)
def test_relu_correlation_map_is_the_arc_cosine_kernel(sigma_w2, sigma_b2):
    q = length_fixed_point(sigma_w2, sigma_b2, "relu")
    for c in CORRELATIONS:
        expected = (sigma_w2 * q * arc_cosine(c) + sigma_b2) / q
        assert correlation_map(c, q, sigma_w2, sigma_b2, "relu") == pytest.approx(
            expected, abs=TIGHT
        )
        # d/dc of the arc-cosine kernel: (pi - arccos c) / (2 pi)
        slope = sigma_w2 * (math.pi - math.acos(c)) / (2 * math.pi)
        assert correlation_slope(c, q, sigma_w2, "relu") == pytest.approx(slope, abs=TIGHT)


@pytest.mark.parametrize(("sigma_w2", "sigma_b2"), LINEAR_POINTS)
def test_linear_closed_forms(sigma_w2, sigma_b2):
    point = mean_field(sigma_w2, sigma_b2, "linear")
    q = sigma_b2 / (1 - sigma_w2)
    assert point.q_star == pytest.approx(q, rel=TIGHT)
    assert point.chi_1 == pytest.approx(sigma_w2, rel=TIGHT)
    assert point.xi_q == pytest.approx(-1 / math.log(sigma_w2), rel=1e-8)
    for c in CORRELATIONS:
        expected = (sigma_w2 * q * c + sigma_b2) / q
        mapped = correlation_map(c, point.q_star, sigma_w2, sigma_b2, "linear")
        assert mapped == pytest.approx(expected, abs=TIGHT)


@pytest.mark.parametrize(
    ("activation", "sigma_w2", "sigma_b2", "chi"),
    [
        ("relu", 2.0, 0.05, 1.0),
        ("relu", 3.0, 0.1, 1.5),
        ("relu", 2.5, 0.0, 1.25),
        ("linear", 1.0, 0.05, 1.0),
        ("linear", 1.5, 0.0, 1.5),
    ],
)
def test_unbounded_growth_has_no_fixed_point(activation, sigma_w2, sigma_b2, chi):
    point = mean_field(sigma_w2, sigma_b2, activation)
    assert point.q_star == math.inf
    assert point.chi_1 == pytest.approx(chi, rel=TIGHT)
    assert point.phase == ("critical" if chi == 1 else "chaotic")
    assert all(math.isnan(x) for x in (point.c_star, point.chi_c, point.xi_q, point.xi_c))


@pytest.mark.parametrize(
    ("activation", "sigma_w2", "chi", "phase"),
    [
        ("tanh", 0.5, 0.5, "ordered"),
        ("tanh", 1.0, 1.0, "critical"),
        ("relu", 1.0, 0.5, "ordered"),
        ("relu", 1.9, 0.95, "ordered"),
        ("linear", 0.5, 0.5, "ordered"),
    ],
)
def test_without_bias_below_critical_the_signal_decays_to_zero(activation, sigma_w2, chi, phase):
    point = mean_field(sigma_w2, 0.0, activation)
    assert point.q_star == 0.0
    assert point.chi_1 == pytest.approx(chi, abs=1e-10)
    assert point.phase == phase
    assert point.c_star == 1.0
    assert point.chi_c == pytest.approx(point.chi_1, abs=1e-10)


@pytest.mark.parametrize(("activation", "sigma_w2"), [("relu", 2.0), ("linear", 1.0)])
def test_an_identity_length_map_has_every_q_as_fixed_point(activation, sigma_w2):
    point = mean_field(sigma_w2, 0.0, activation)
    assert math.isnan(point.q_star)
    assert point.chi_1 == pytest.approx(1.0, abs=TIGHT)
    assert (point.phase, point.c_star, point.xi_c, point.xi_q) == (
        "critical",
        1.0,
        math.inf,
        math.inf,
    )


def test_tanh_without_bias_above_one_has_a_positive_fixed_point():
    q = length_fixed_point(1.5, 0.0, "tanh")
    assert q > 0
    assert length_map(q, 1.5, 0.0, "tanh") == pytest.approx(q, rel=1e-13)
    # the chaotic fixed point of an odd activation without bias: uncorrelated
    assert correlation_fixed_point(1.5, 0.0, "tanh") == pytest.approx(0.0, abs=1e-12)


# --- phases -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "sigma_w2", "sigma_b2"),
    [
        ("tanh", 1.0, 0.05),
        ("tanh", 1.5, 0.3),
        ("tanh", 0.5, 0.0),
        ("relu", 1.5, 0.05),
        ("linear", 0.8, 0.2),
    ],
)
def test_ordered_phase_has_c_star_one_and_chi_c_equal_to_chi_1(activation, sigma_w2, sigma_b2):
    point = mean_field(sigma_w2, sigma_b2, activation)
    assert point.phase == "ordered"
    assert point.c_star == 1.0
    assert point.chi_c == pytest.approx(point.chi_1, abs=TIGHT)
    assert point.xi_c == pytest.approx(depth_scale(point.chi_1), rel=1e-8)


def test_chaotic_tanh_has_a_stable_correlation_below_one():
    point = mean_field(2.5, 0.05, "tanh")
    assert point.phase == "chaotic" and point.chi_1 > 1
    assert 0 < point.c_star < 1
    q = point.q_star
    assert correlation_map(point.c_star, q, 2.5, 0.05, "tanh") == pytest.approx(
        point.c_star, abs=1e-12
    )
    assert 0 < point.chi_c < 1
    assert point.chi_c == pytest.approx(correlation_slope(point.c_star, q, 2.5, "tanh"), abs=1e-14)
    assert point.xi_c == pytest.approx(-1 / math.log(point.chi_c))
    # it attracts: iterating the map from both sides converges to it
    for c in (0.9, -0.5):
        for _ in range(150):
            c = correlation_map(c, q, 2.5, 0.05, "tanh")
        assert c == pytest.approx(point.c_star, abs=1e-4)


@pytest.mark.parametrize(
    ("sigma_w2", "sigma_b2"), [(1.0, 0.05), (2.5, 0.05), (1.5, 0.0), (3.0, 0.5)]
)
def test_length_map_slope_is_the_derivative_of_the_length_map(sigma_w2, sigma_b2):
    q = length_fixed_point(sigma_w2, sigma_b2, "tanh")
    h = 1e-5 * q
    difference = (length_map(q + h, sigma_w2, sigma_b2) - length_map(q - h, sigma_w2, sigma_b2)) / (
        2 * h
    )
    assert length_map_slope(q, sigma_w2, "tanh") == pytest.approx(difference, rel=1e-7)


def test_depth_scale_edges():
    assert depth_scale(math.exp(-1 / 3)) == pytest.approx(3.0)
    assert depth_scale(0.0) == 0.0
    assert depth_scale(1.0) == math.inf
    assert math.isnan(depth_scale(math.nan))


# --- the critical line --------------------------------------------------------------------------


def test_tanh_critical_line_matches_schoenholz():
    critical = critical_sigma_w2(0.05, "tanh")
    assert abs(critical - 1.76) < 0.005
    assert mean_field(critical, 0.05, "tanh").chi_1 == pytest.approx(1.0, abs=1e-9)
    assert mean_field(critical * (1 - 1e-3), 0.05, "tanh").phase == "ordered"
    assert mean_field(critical * (1 + 1e-3), 0.05, "tanh").phase == "chaotic"
    assert abs(critical_sigma_w2(0.0, "tanh") - 1.0) < 1e-8
    # more bias, more weight variance needed to reach chaos
    assert critical_sigma_w2(0.3, "tanh") > critical_sigma_w2(0.1, "tanh") > critical


@pytest.mark.parametrize(("activation", "expected"), [("relu", 2.0), ("linear", 1.0)])
@pytest.mark.parametrize("sigma_b2", [0.0, 0.05, 1.0])
def test_homogeneous_critical_lines(activation, expected, sigma_b2):
    assert critical_sigma_w2(sigma_b2, activation) == pytest.approx(expected, rel=TIGHT)


def test_xi_c_diverges_toward_the_critical_point_from_both_sides():
    critical = critical_sigma_w2(0.05, "tanh")
    offsets = [1e-1, 1e-2, 1e-3, 1e-4]
    for side in (-1, 1):
        xi = [mean_field(critical * (1 + side * d), 0.05, "tanh").xi_c for d in offsets]
        assert all(b > 5 * a for a, b in pairwise(xi)), xi
        assert xi[-1] > 1e3
    assert mean_field(critical, 0.05, "tanh").xi_c == math.inf


# --- a real network -----------------------------------------------------------------------------


def measured_tanh_network(sigma_w2, sigma_b2, q0, c0, depth, seed, width=1000, nets=4, pairs=8):
    """Mean per-layer length and correlation of input pairs through wide random tanh networks."""
    rng = np.random.default_rng(seed)
    lengths, correlations = [], []
    for _ in range(nets):
        # pre-activations with exactly length q0 and correlation c0 in every pair
        basis, _ = np.linalg.qr(rng.standard_normal((width, 2 * pairs)))
        first, other = basis[:, :pairs], basis[:, pairs:]
        second = c0 * first + math.sqrt(1 - c0 * c0) * other
        h = np.hstack([first, second]) * math.sqrt(width * q0)
        for layer in range(depth):
            W = rng.standard_normal((width, width)) * math.sqrt(sigma_w2 / width)
            b = rng.standard_normal((width, 1)) * math.sqrt(sigma_b2)
            h = W @ np.tanh(h) + b
            q = np.mean(h * h, axis=0)
            c = np.mean(h[:, :pairs] * h[:, pairs:], axis=0) / np.sqrt(q[:pairs] * q[pairs:])
            lengths.append((layer, q.mean()))
            correlations.append((layer, c.mean()))
    by_layer = np.zeros((depth, 2))
    for (layer, q), (_, c) in zip(lengths, correlations):
        by_layer[layer] += (q / nets, c / nets)
    return by_layer


@pytest.mark.parametrize(
    ("sigma_w2", "sigma_b2", "q0", "c0"), [(1.5, 0.1, 2.0, 0.2), (2.5, 0.05, 0.3, 0.95)]
)
def test_maps_predict_a_wide_random_tanh_network(sigma_w2, sigma_b2, q0, c0):
    depth = 4
    measured = measured_tanh_network(sigma_w2, sigma_b2, q0, c0, depth, seed=2017)
    q, c = q0, c0
    for layer in range(depth):
        q, c = length_map(q, sigma_w2, sigma_b2), correlation_map(c, q, sigma_w2, sigma_b2)
        assert measured[layer, 0] == pytest.approx(q, rel=0.05), layer
        assert measured[layer, 1] == pytest.approx(c, abs=0.03), layer


# --- properties and tables ----------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    c=st.floats(-1.0, 1.0),
    q=st.floats(1e-3, 20.0),
    sigma_w2=st.floats(0.05, 4.0),
    sigma_b2=st.floats(0.0, 1.0),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
)
def test_correlation_map_maps_correlations_to_correlations(c, q, sigma_w2, sigma_b2, activation):
    assert abs(correlation_map(c, q, sigma_w2, sigma_b2, activation)) <= 1 + 1e-12
    assert correlation_map(1.0, q, sigma_w2, sigma_b2, activation) == pytest.approx(1.0, abs=1e-12)


def test_theory_table():
    sigma_w2, sigma_b2 = [0.5, 1.0, 1.5, 2.0, 3.0], [0.0, 0.05]
    for activation in ACTIVATIONS:
        table = theory_table(sigma_w2, sigma_b2, activation)
        assert tuple(table.columns) == THEORY_COLUMNS
        assert len(table) == 10
        assert set(table["activation"]) == {activation}
        assert table["sigma_b2"].tolist() == [0.0] * 5 + [0.05] * 5
        assert set(table["phase"]) <= {"ordered", "critical", "chaotic"}
        row, point = table.iloc[7].to_dict(), vars(mean_field(1.5, 0.05, activation))
        assert (row.pop("activation"), row.pop("phase")) == (
            point.pop("activation"),
            point.pop("phase"),
        )
        assert row == pytest.approx(point, nan_ok=True)
    phases = theory_table([0.5, 2.0, 3.0], [0.05], "tanh")["phase"].tolist()
    assert phases == ["ordered", "chaotic", "chaotic"]


def test_depth_scale_curve_peaks_at_the_critical_point():
    curve = depth_scale_curve(0.05, "tanh", low=1.0, high=3.0, num=21)
    assert tuple(curve.columns) == CURVE_COLUMNS
    assert curve["sigma_w2"].is_monotonic_increasing
    assert np.allclose(curve["trainable_depth"], TRAINABLE_DEPTH_FACTOR * curve["xi_c"])
    critical = critical_sigma_w2(0.05, "tanh")
    peak = curve.loc[curve["xi_c"].idxmax(), "sigma_w2"]
    assert peak == pytest.approx(critical, rel=2e-5)
    assert len(curve) == 21 + 8
    given_grid = depth_scale_curve(0.05, "tanh", [1.0, 2.0])
    assert given_grid["sigma_w2"].tolist() == [1.0, 2.0]


@pytest.mark.parametrize("width", [10, 64, 1000])
def test_initializers_on_the_plane(width):
    points = initializer_points(width=width)
    assert points == {"he": (2.0, 0.0), "lecun": (1.0, 0.0), "glorot": (1.0, 0.0)}
    assert mean_field(*points["he"], "relu").phase == "critical"
    assert mean_field(*points["lecun"], "tanh").phase == "critical"
    assert mean_field(*points["lecun"], "relu").phase == "ordered"


@pytest.mark.parametrize(
    "call",
    [
        lambda: length_map(1.0, -1.0, 0.0),
        lambda: length_map(-1.0, 1.0, 0.0),
        lambda: correlation_map(1.5, 1.0, 1.0, 0.0),
        lambda: correlation_map(0.5, 1.0, 0.0, 0.0),
        lambda: mean_field(1.0, 0.0, "softsign"),
        lambda: length_fixed_point(1.0, math.inf),
    ],
)
def test_invalid_arguments(call):
    with pytest.raises(ValueError):
        call()
