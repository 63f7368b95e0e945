"""The depth study: signal-propagation theory, its measurement, and the workflow's depth rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, snakemake
from snakemake.utils import validate

from initstudy.config import ConfigError, check_config
from initstudy.data import make_dataset
from initstudy.depth_report import report_section
from initstudy.depth_signal import RATIO_COLUMNS, SIGNAL_COLUMNS, measure_signal, signal_ratios
from initstudy.depth_theory import (
    layer_widths,
    predicted_depth_signal,
    predicted_ratio,
    predicted_signal,
)
from initstudy.depth_training import stall_depths
from initstudy.init import initialize_batch
from initstudy.net import cost_from_logits

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
#: The depth study's defaults, as the schema must declare them.
DEFAULT_DEPTH_STUDY = {
    "enabled": True,
    "initializations": ["he", "lecun", "glorot", "orthogonal", "random"],
    "scales": [1],
    "depths": [2, 5, 10, 20, 30, 50],
    "width": 32,
    "signal_seeds": 50,
    "training": {
        "depths": [2, 5, 10, 20],
        "width": 16,
        "seeds": 5,
        "learning_rate": 0.06,
        "iterations": 1000,
        "log_every": 100,
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
    given = {"width": 8, "training": {"seeds": 2}}
    partial = with_defaults({"grid": grid, "depth_study": given})
    assert partial["depth_study"]["width"] == 8
    assert partial["depth_study"]["depths"] == DEFAULT_DEPTH_STUDY["depths"]
    assert partial["depth_study"]["training"]["seeds"] == 2
    assert partial["depth_study"]["training"]["iterations"] == 1000


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
    summary = pd.DataFrame(
        {"init": ["random"], "scale": [1000.0], "depth": [2], "width": [4], "n_seeds": [2],
         "n_success": [0], "n_diverged": [2], "test_accuracy_mean": [np.nan],
         "test_accuracy_ci_low": [np.nan], "test_accuracy_ci_high": [np.nan]}
    )  # fmt: skip
    figures = {
        f"depth_{name}": {"path": f"{name}.png", "title": name, "caption": "A caption."}
        for name in ("signal", "gradients", "accuracy")
    }
    text = report_section(ratios, summary, DEFAULT_DEPTH_STUDY, 0.9, 0.95, figures)
    assert "overflowed" in text and "all diverged" in text
    assert "nan" not in text.lower() and "inf" not in text.replace("initial", "").lower()


def test_stall_depths():
    summary = pd.DataFrame(
        {"init": ["he"] * 3 + ["lecun"] * 3, "scale": 1.0, "depth": [2, 5, 10] * 2,
         "n_seeds": 4, "n_success": [4, 2, 1, 1, 0, 0]}
    )  # fmt: skip
    stalls = stall_depths(summary)
    assert stalls[["trains_to", "stalls_at"]].to_numpy().tolist() == [[5, 10], [0, 2]]


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
    assert len(runs) == n_shapes * len(training["depths"]) * training["seeds"]
    assert len(summary) == n_shapes * len(training["depths"])
    assert {"status", "depth", "width"} <= set(runs.columns)
    assert (summary["n_seeds"] == training["seeds"]).all()
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
