"""The depth study: signal-propagation theory, its measurement, and the workflow's depth rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO
from snakemake.utils import validate

from initstudy.model.data import make_dataset
from initstudy.model.init import initialize_batch
from initstudy.model.net import cost_from_logits
from initstudy.model.perturb import perturb_weights
from initstudy.theory.depth_signal import (
    RATIO_COLUMNS,
    SIGNAL_COLUMNS,
    measure_signal,
    signal_ratios,
)
from initstudy.theory.depth_spread import log_signal, mean_variance_over_seeds
from initstudy.theory.depth_theory import (
    layer_widths,
    predicted_depth_signal,
    predicted_log_signal,
    predicted_ratio,
    predicted_signal,
    relu_log_factor,
)

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
SQRT2 = 1.4142135623730951
#: The depth study's defaults, as the schema must declare them.
DEFAULT_DEPTH_STUDY = {
    "enabled": True,
    "initializations": ["he", "lecun", "glorot", "orthogonal", "random"],
    "scales": [1],
    "depths": [2, 5, 10, 20, 30, 50],
    "width": 32,
    "signal_seeds": 50,
    "spread": {"widths": [16, 32, 128], "depths": [2, 10, 30], "seeds": 100},
    # Glorot & Bengio's rules: none unless the config names them (tests/test_glorot_init.py).
    "glorot_bengio": {
        "rules": {},
        "activation": "tanh",
        "depths": [5],
        "width": 100,
        "seeds": 16,
    },
}


def with_defaults(config: dict) -> dict:
    """``config`` with the schema's defaults filled in, as the workflow's ``validate`` does."""
    config = dict(config)
    validate(config, str(SCHEMA))
    return config


@pytest.fixture(scope="module")
def circles():
    data = make_dataset(300, 100, 0.05, 1, 2)
    return data.X_train.T, data.y_train


# --- theory -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("init", "scale", "width", "expected"),
    [
        ("he", 1.0, 64, 1.0),
        ("he", 2.0, 64, 4.0),
        ("lecun", 1.0, 64, 0.5),
        ("glorot", 1.0, 64, 0.5),
        ("orthogonal", 1.0, 64, 0.5),
        ("random", 1.0, 64, 32.0),
        ("random", 0.1, 32, 0.16),
    ],
)
def test_predicted_ratio_at_equal_widths(init, scale, width, expected):
    assert predicted_ratio(init, scale, width, width) == pytest.approx(expected, rel=1e-12)


def test_predicted_signal_starts_from_the_input_and_multiplies_by_the_ratio(circles):
    X, _ = circles
    q = predicted_signal("lecun", 1.0, 4, 16, X)
    first = np.mean(np.sum(X**2, axis=0)) / 2  # lecun: std^2 = 1 / fan_in = 1/2
    np.testing.assert_allclose(q, first * 0.5 ** np.arange(5), rtol=1e-12)


def test_layer_widths_and_their_checks():
    assert layer_widths(3, 8) == [2, 8, 8, 8, 1]
    with pytest.raises(ValueError, match="depth"):
        layer_widths(0, 8)


def test_predicted_depth_signal_is_the_ratio_to_the_transitions_and_overflows_to_inf():
    assert predicted_depth_signal(0.5, 5) == 0.5**4
    assert predicted_depth_signal(1.0, 50) == 1.0
    assert predicted_depth_signal(500.0, 200) == np.inf


def test_schema_fills_every_depth_default():
    grid = {"seeds": [0], "initializations": {"he": [1]}}
    assert with_defaults({"grid": grid})["depth_study"] == DEFAULT_DEPTH_STUDY
    given = {"width": 8, "spread": {"seeds": 3}}
    partial = with_defaults({"grid": grid, "depth_study": given})
    assert partial["depth_study"]["width"] == 8
    assert partial["depth_study"]["depths"] == DEFAULT_DEPTH_STUDY["depths"]
    assert partial["depth_study"]["spread"]["seeds"] == 3
    assert partial["depth_study"]["spread"]["widths"] == [16, 32, 128]


# --- measurement --------------------------------------------------------------


@pytest.mark.parametrize(("init", "expected"), [("he", 1.0), ("lecun", 0.5), ("orthogonal", 0.5)])
def test_measured_ratio_matches_theory_within_ten_percent(circles, init, expected):
    X, y = circles
    signal = measure_signal(X, y, init, 1.0, 10, 64, range(40))
    row = signal_ratios(signal).iloc[0]
    assert row["n_finite"] == 40
    assert row["ratio_mean"] == pytest.approx(expected, rel=0.10)
    assert row["ratio_low"] < expected < row["ratio_high"]
    assert row["backward_ratio_mean"] == pytest.approx(expected, rel=0.10)


def test_signal_table_layout(circles):
    X, y = circles
    signal = measure_signal(X, y, "he", 1.0, 3, 8, [0, 1])
    assert list(signal.columns) == list(SIGNAL_COLUMNS)
    assert signal["layer"].tolist() == [1, 2, 3, 4] * 2
    assert signal["fan_in"].tolist()[:4] == [2, 8, 8, 8]
    assert signal["fan_out"].tolist()[:4] == [8, 8, 8, 1]
    assert np.isfinite(signal[["forward_second_moment", "weight_gradient_norm"]]).all().all()


def test_weight_gradient_norm_matches_finite_differences(circles):
    X, y = circles
    X, y = X[:, :40], y[:40].reshape(1, -1).astype(float)
    layers = layer_widths(2, 4)
    weights, _ = initialize_batch("he", layers, 1.0, [5])

    def cost(ws):
        a = X
        for l, W in enumerate(ws):
            z = W[0] @ a
            a = np.maximum(z, 0) if l < len(ws) - 1 else z
        return float(cost_from_logits(a[None], y)[0])

    measured = measure_signal(X, y, "he", 1.0, 2, 4, [5])["weight_gradient_norm"].to_numpy()
    for l, W in enumerate(weights):
        grad = np.zeros_like(W[0])
        for index in np.ndindex(*W[0].shape):
            up = [w.copy() for w in weights]
            down = [w.copy() for w in weights]
            up[l][0][index] += 1e-6
            down[l][0][index] -= 1e-6
            grad[index] = (cost(up) - cost(down)) / 2e-6
        assert measured[l] == pytest.approx(np.linalg.norm(grad), rel=1e-5)


def test_overflow_is_recorded_not_raised_and_kept_out_of_the_text(circles):
    X, y = circles
    signal = measure_signal(X, y, "random", 1000.0, 50, 64, [0, 1])
    assert not np.isfinite(signal["forward_second_moment"]).all()
    ratios = signal_ratios(signal)
    assert ratios["n_finite"].iloc[0] == 0 and not ratios["signal_within_spread"].iloc[0]


# --- the workflow -------------------------------------------------------------


DEPTH_TARGETS = (
    "results/depth/section.md",
    "results/figures/depth_signal.png",
    "results/figures/depth_gradients.png",
    "results/experiments/depth/section.md",
)


@pytest.mark.workflow
def test_tiny_depth_study_runs_in_the_workflow(tiny_depth_study):
    workdir = tiny_depth_study
    config = "tests/configs/tiny_depth.yaml"
    assert all((workdir / target).exists() for target in DEPTH_TARGETS)
    settings = yaml.safe_load((workdir / config).read_text())["depth_study"]
    results = workdir / "results/depth"
    signal = pd.read_csv(results / "signal.csv")
    ratios = pd.read_csv(results / "ratios.csv")
    n_shapes = len(settings["initializations"]) * len(settings["scales"])
    assert list(signal.columns) == list(SIGNAL_COLUMNS)
    assert list(ratios.columns) == list(RATIO_COLUMNS)
    assert len(ratios) == n_shapes * len(settings["depths"])
    layers_per_seed = sum(d + 1 for d in settings["depths"])
    assert len(signal) == n_shapes * layers_per_seed * settings["signal_seeds"]
    # The deep networks are trained as the grid's experiment: the grid's own tables.
    experiment = yaml.safe_load((workdir / config).read_text())["experiments"]["depth"]["grid"]
    metrics = workdir / "results/experiments/depth/metrics"
    runs, reruns = pd.read_csv(metrics / "runs.csv"), pd.read_csv(metrics / "reruns.csv")
    n_cells = 2 * 2 * 2  # (he, lecun) x learning rates x depths
    assert len(runs) == len(reruns) == n_cells * len(experiment["seeds"])
    selection = pd.read_csv(metrics / "selection.csv")
    assert sorted(zip(selection["init"], selection["depth"])) == [
        ("he", 2), ("he", 4), ("lecun", 2), ("lecun", 4)
    ]  # fmt: skip
    spread = pd.read_csv(results / "spread.csv")
    assert len(spread) == len(settings["spread"]["widths"]) * len(settings["spread"]["depths"])
    section = (results / "section.md").read_text()
    assert section.startswith("## Depth study")
    for name in ("signal", "gradients"):
        assert f"](figures/depth_{name}.png)" in section
        assert (workdir / f"results/figures/depth_{name}.png").stat().st_size > 10_000
    assert "nan" not in section.lower()


@pytest.mark.workflow
@pytest.mark.slow
@pytest.mark.timeout(1800)  # the default study's run, shared with tests/test_default_study.py
def test_default_depth_study_signal_matches_theory(default_study):
    """Default config: He and LeCun ratios within 10 % of theory, deepest signal in the spread."""
    workdir = default_study
    ratios = pd.read_csv(workdir / "results/depth/ratios.csv")
    config = with_defaults(yaml.safe_load((workdir / "config/config.yaml").read_text()))
    settings = config["depth_study"]
    assert len(ratios) == len(settings["initializations"]) * len(settings["scales"]) * len(
        settings["depths"]
    )
    unit = ratios[ratios["scale"] == 1.0]
    deepest = max(settings["depths"])
    for init, expected in (("he", 1.0), ("lecun", 0.5)):
        rows = unit[unit["init"] == init]
        np.testing.assert_allclose(rows["predicted_ratio"], expected, rtol=1e-12)
        assert (rows["relative_error"].abs() < 0.10).all(), rows[["depth", "ratio_mean"]]
        last = rows[rows["depth"] == deepest].iloc[0]
        assert last["predicted_signal"] == pytest.approx(expected ** (deepest - 1))
        assert last["signal_low"] <= last["predicted_signal"] <= last["signal_high"]
        assert last["signal_within_spread"]
        assert last["n_finite"] == last["n_seeds"] == settings["signal_seeds"]


# --- the spread at finite width ----------------------------------------------


def test_log_factor_variance_on_the_case_worked_by_hand():
    # n = 2: K (active units) is 1 or 2 with probabilities 2/3 and 1/3 given K >= 1;
    # psi'(1/2) = pi^2/2, psi'(1) = pi^2/6, psi(1/2) - psi(1) = -2 ln 2, so
    # Var = 2/3 pi^2/2 + 1/3 pi^2/6 + (2/3)(1/3)(2 ln 2)^2 = 7 pi^2/18 + 8 ln^2 2 / 9,
    # and the mean is E psi(K/2) + ln(4/2) = -gamma - (4/3) ln 2 + ln 2.
    mean, variance = relu_log_factor(2)
    assert variance == pytest.approx(7 * math.pi**2 / 18 + 8 * math.log(2) ** 2 / 9, rel=1e-12)
    assert mean == pytest.approx(-np.euler_gamma - math.log(2) / 3, rel=1e-12)
    assert predicted_log_signal(5, 2) == pytest.approx((4 * mean, 4 * variance), rel=1e-12)
    assert predicted_log_signal(1, 16) == (0.0, 0.0)


def test_log_factor_tends_to_hanin_and_rolnicks_five_over_n():
    for width, tolerance in ((128, 0.04), (1024, 0.005)):
        mean, variance = relu_log_factor(width)
        assert width * variance == pytest.approx(5.0, rel=tolerance)
        assert width * mean == pytest.approx(-2.5, rel=tolerance)


def test_measured_spread_of_he_networks_matches_the_prediction(circles):
    X, _ = circles
    per_input, _ = log_signal(X[:, :20], "he", 1.0, 10, 16, range(400))
    mean, variance = predicted_log_signal(10, 16)
    assert np.isfinite(per_input).all()
    assert mean_variance_over_seeds(per_input) == pytest.approx(variance, rel=0.15)
    assert per_input.mean() == pytest.approx(mean, abs=0.2)
    # the data set's signal is q(10)/q(1) of measure_signal
    signal = measure_signal(X, np.zeros(X.shape[1]), "he", 1.0, 10, 16, [0, 1])
    q = signal.pivot_table(index="seed", columns="layer", values="forward_second_moment").to_numpy()
    _, whole = log_signal(X, "he", 1.0, 10, 16, [0, 1])
    np.testing.assert_allclose(whole, np.log(q[:, 9] / q[:, 0]), rtol=1e-12)


# --- the deep networks' initial weights ------------------------------------------


def test_lecun_at_root_two_is_he_up_to_the_last_bit():
    layers = layer_widths(30, 16)
    he, _ = initialize_batch("he", layers, 1.0, [0, 1, 2])
    lecun, _ = initialize_batch("lecun", layers, SQRT2, [0, 1, 2])
    for a, b in zip(he, lecun, strict=True):
        np.testing.assert_allclose(a, b, rtol=4.5e-16, atol=0)  # at most 2 units in the last place
    assert predicted_ratio("lecun", SQRT2, 16, 16) == pytest.approx(1.0, rel=1e-15)


def test_perturbation_is_tiny_fixed_and_independent_of_the_batch():
    weights, _ = initialize_batch("he", layer_widths(3, 8), 1.0, [4, 7])
    perturbed = perturb_weights(weights, [4, 7], 1e-13, 0)
    alone = perturb_weights([W[1:] for W in weights], [7], 1e-13, 0)
    for W, P, A in zip(weights, perturbed, alone, strict=True):
        relative = np.abs(P / W - 1)
        assert np.all((relative > 0.9e-13) & (relative < 1.1e-13))
        np.testing.assert_array_equal(P[1:], A)
