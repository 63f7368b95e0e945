"""The depth study: signal-propagation theory, its measurement, and the workflow's depth rules."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, snakemake
from scipy.stats import fisher_exact
from snakemake.utils import validate

from initstudy.analysis.depth_robustness import compare_counts
from initstudy.analysis.depth_training import (
    DEPTH_STATUSES,
    classify_depth_runs,
    select_learning_rates,
    train_depth,
)
from initstudy.grid.config import ConfigError, check_config
from initstudy.model.data import make_dataset
from initstudy.model.init import initialize_batch
from initstudy.model.net import cost_from_logits
from initstudy.model.perturb import perturb_weights
from initstudy.model.train import TrainSettings
from initstudy.theory.depth_signal import (
    RATIO_COLUMNS,
    SIGNAL_COLUMNS,
    measure_signal,
    signal_ratios,
)
from initstudy.theory.depth_spread import failure_prediction, log_signal, mean_variance_over_seeds
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
    "training": {
        "initializations": {"he": [1], "lecun": [1, SQRT2], "orthogonal": [1, SQRT2]},
        "depths": [2, 10],
        "width": 8,
        "seeds": 12,
        "learning_rates": [0.03, 0.1],
        "iterations": 2000,
        "log_every": 100,
        "reruns": ["perturbed", "numpy"],
        "perturbation": 1e-13,
        "perturbation_seed": 0,
    },
    "spread": {"widths": [16, 32, 128], "depths": [2, 10, 30], "seeds": 100, "permutations": 10000},
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
    given = {"width": 8, "training": {"seeds": 2}}
    partial = with_defaults({"grid": grid, "depth_study": given})
    assert partial["depth_study"]["width"] == 8
    assert partial["depth_study"]["depths"] == DEFAULT_DEPTH_STUDY["depths"]
    assert partial["depth_study"]["training"]["seeds"] == 2
    assert partial["depth_study"]["training"]["iterations"] == 2000


def test_check_config_names_the_depth_rule_across_keys():
    config = with_defaults(yaml.safe_load((REPO / "tests/configs/tiny_depth.yaml").read_text()))
    check_config(config)
    config["depth_study"]["training"].update(iterations=10, log_every=20)
    with pytest.raises(ConfigError, match=r"'depth_study\.training\.log_every': got 20;.* \(10\)"):
        check_config(config)


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
    "results/figures/depth_accuracy.png",
)


@pytest.mark.workflow
def test_tiny_depth_study_runs_in_the_workflow(tmp_path):
    workdir = copy_workflow(tmp_path / "tiny_depth")
    config = "tests/configs/tiny_depth.yaml"
    snakemake(workdir, *DEPTH_TARGETS, "--cores", "2", "--configfile", config)
    settings = yaml.safe_load((workdir / config).read_text())["depth_study"]
    results = workdir / "results/depth"
    signal = pd.read_csv(results / "signal.csv")
    ratios = pd.read_csv(results / "ratios.csv")
    runs = pd.read_csv(results / "runs.csv")
    summary = pd.read_csv(results / "summary.csv")
    n_shapes = len(settings["initializations"]) * len(settings["scales"])
    assert list(signal.columns) == list(SIGNAL_COLUMNS)
    assert list(ratios.columns) == list(RATIO_COLUMNS)
    assert len(ratios) == n_shapes * len(settings["depths"])
    layers_per_seed = sum(d + 1 for d in settings["depths"])
    assert len(signal) == n_shapes * layers_per_seed * settings["signal_seeds"]
    training = settings["training"]
    trained = sum(len(scales) for scales in training["initializations"].values())
    configurations = trained * len(training["depths"])
    rates = pd.read_csv(results / "learning_rates.csv")
    assert len(rates) == configurations * len(training["learning_rates"])
    assert rates.groupby(["init", "scale", "depth"])["chosen"].sum().eq(1).all()
    assert len(runs) == configurations * training["seeds"] * 3  # reference, perturbed, numpy
    assert runs.groupby("variant").size().to_dict() == dict.fromkeys(
        ["numpy", "perturbed", "reference"], configurations * training["seeds"]
    )
    assert set(runs["outcome"]) <= set(DEPTH_STATUSES)
    assert len(summary) == configurations
    assert (summary["n_seeds"] == training["seeds"]).all()
    robustness = pd.read_csv(results / "robustness.csv")
    assert len(robustness) == 2 * configurations
    chosen = rates[rates["chosen"]].set_index(["init", "scale", "depth"])["learning_rate"]
    reruns = runs[runs["variant"] != "reference"].set_index(["init", "scale", "depth"])
    assert (reruns["learning_rate"] == chosen.reindex(reruns.index)).all()
    spread = pd.read_csv(results / "spread.csv")
    assert len(spread) == len(settings["spread"]["widths"]) * len(settings["spread"]["depths"])
    section = (results / "section.md").read_text()
    assert section.startswith("## Depth study")
    for name in ("signal", "gradients", "accuracy"):
        assert f"](figures/depth_{name}.png)" in section
        assert (workdir / f"results/figures/depth_{name}.png").stat().st_size > 10_000
    assert "nan" not in section.lower()


@pytest.mark.workflow
def test_default_depth_study_signal_matches_theory(tmp_path):
    """Default config: He and LeCun ratios within 10 % of theory, deepest signal in the spread."""
    workdir = copy_workflow(tmp_path / "default_depth")
    snakemake(workdir, "--cores", "2", "results/depth/ratios.csv")
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


def test_failure_prediction_on_constructed_seeds():
    distance = [0.1, 0.2, 0.3, 0.4, 2.0, 3.0, 4.0, 5.0]
    runs = pd.DataFrame(
        {"init": "he", "scale": 1.0, "depth": [10] * 8 + [20] * 8, "seed": list(range(8)) * 2,
         "log_signal": [-d for d in distance] * 2,
         "success": [True] * 4 + [False] * 4 + [True, False] * 4}
    )  # fmt: skip
    table, pooled = failure_prediction(runs, 2000, 0)
    first, second = table.to_dict("records")
    pooled = pooled.iloc[0]
    assert (first["auc"], first["n_fail"], first["n_success"]) == (1.0, 4, 4)
    assert first["p_value"] == pytest.approx(2 / math.comb(8, 4))  # exact, two-sided
    assert second["auc"] == pytest.approx(10 / 16)  # failing ranks 2, 4, 6, 8: U = 10
    assert pooled["n_cells"] == 2 and pooled["auc"] == pytest.approx(26 / 32)
    assert 0.0 < pooled["p_value"] < 0.05


# --- training: learning rate on validation, unstable runs, perturbation ---------


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


def _two_rates(dataset):
    runs, costs = [], []
    for rate in (0.05, 0.5):
        result = train_depth(dataset, "he", 1.0, 2, 6, [0, 1, 2], TrainSettings((), rate, 300, 100))
        runs.append(result.runs)
        costs.append(result.costs)
    runs, costs = pd.concat(runs, ignore_index=True), pd.concat(costs, ignore_index=True)
    runs["outcome"] = classify_depth_runs(runs, costs, 0.9, 0.01)
    return runs


def test_learning_rate_is_chosen_on_validation_only():
    dataset = make_dataset(100, 60, 0.05, 1, 2, n_validation=60)
    flipped = replace(dataset, y_test=1 - dataset.y_test)
    runs, runs_flipped = _two_rates(dataset), _two_rates(flipped)
    assert not np.allclose(runs["test_accuracy"], runs_flipped["test_accuracy"])
    rates = select_learning_rates(runs, 0.9)
    pd.testing.assert_frame_equal(rates, select_learning_rates(runs_flipped, 0.9))
    assert rates["chosen"].sum() == 1
    best = rates.sort_values("validation_accuracy_mean").iloc[-1]
    assert best["chosen"]


def test_selection_prefers_validation_successes_then_accuracy_then_the_smaller_rate():
    runs = pd.DataFrame(
        {"init": "he", "scale": 1.0, "depth": 2, "width": 4,
         "learning_rate": [0.1] * 2 + [0.3] * 2 + [1.0] * 2, "seed": [0, 1] * 3,
         "validation_accuracy": [0.95, 0.5, 0.92, 0.6, 0.95, np.nan],
         "outcome": ["ok", "slow", "ok", "slow", "ok", "diverged"]}
    )  # fmt: skip
    rates = select_learning_rates(runs, 0.9)
    assert rates["n_validation_success"].tolist() == [1, 1, 1]
    assert rates["chosen"].tolist() == [False, True, False]  # 0.76 > 0.725 > 0.475
    tie = select_learning_rates(runs.assign(validation_accuracy=0.95), 0.9)
    assert tie["chosen"].tolist() == [True, False, False]


def test_a_run_that_ends_above_its_starting_cost_is_unstable():
    runs = pd.DataFrame(
        {"init": "he", "scale": 1.0, "depth": 3, "width": 4, "learning_rate": 0.1,
         "seed": [0, 1, 2, 3], "initial_cost": [0.69, 0.69, 0.69, 0.70],
         "final_cost": [0.10, 1.48, np.nan, 0.71], "validation_accuracy": [0.95, 0.5, np.nan, 0.95],
         "diverged_at": [-1, -1, 200, -1], "distinct_units": ["4;4;4", "4;4;4", "", "4;4;4"],
         "hidden_widths": "4;4;4"}
    )  # fmt: skip
    curve = [0.69, 0.3, 0.10], [0.69, 0.5, 1.48], [0.69, np.nan, np.nan], [0.70, 0.2, 0.71]
    costs = pd.DataFrame(
        {"init": "he", "scale": 1.0, "depth": 3, "width": 4, "learning_rate": 0.1,
         "seed": np.repeat([0, 1, 2, 3], 3), "iteration": [0, 100, 200] * 4,
         "cost": np.concatenate(curve)}
    )  # fmt: skip
    status = classify_depth_runs(runs, costs, 0.9, 0.01)
    assert status.tolist() == ["ok", "unstable", "diverged", "unstable"]
    assert set(status) <= set(DEPTH_STATUSES)


def test_success_counts_compared_with_fisher_and_flips():
    reference = pd.DataFrame({"seed": range(10), "success": [True] * 5 + [False] * 5})
    other = pd.DataFrame({"seed": range(10), "success": [True] * 8 + [False] * 2})
    row = compare_counts(reference, other, 0.95)
    assert (row["reference_success"], row["variant_success"], row["n_flipped"]) == (5, 8, 3)
    assert row["fisher_p"] == pytest.approx(fisher_exact([[8, 2], [5, 5]]).pvalue)
    assert row["rate_difference"] == pytest.approx(0.3)
    assert not row["counts_within_intervals"]  # 0.8 lies above 5/10's Wilson bound 0.763
    closer = compare_counts(reference, other.assign(success=[True] * 6 + [False] * 4), 0.95)
    assert closer["counts_within_intervals"] and closer["n_flipped"] == 1
