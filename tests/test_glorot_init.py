"""Glorot & Bengio (2010), Figs. 6-7, at initialization: the two rules as the shipped config
declares them, the per-layer measurement, mean-field theory beside it, the figure, the report's
paragraph and the workflow's rules."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, snakemake
from matplotlib.figure import Figure

from initstudy.model.data import make_dataset
from initstudy.model.declared import InitializerError
from initstudy.model.init import REGISTRY, initialize
from initstudy.plots.plots_depth import plot_glorot
from initstudy.report.depth_report import NEAR_CONSTANT, glorot_facts, report_section
from initstudy.theory.depth_glorot import (
    HISTOGRAM_COLUMNS,
    LAYER_COLUMNS,
    SUMMARY_COLUMNS,
    declare_rules,
    layer_summary,
    layer_theory,
)
from initstudy.theory.depth_glorot_measure import BINS, measure_layers
from initstudy.theory.depth_theory import layer_widths
from initstudy.theory.mean_field import gaussian_expectation

CONFIG = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))
RULES = CONFIG["depth_study"]["glorot_bengio"]["rules"]
STANDARD, NORMALIZED = RULES


@pytest.fixture(scope="module")
def rules():
    """The shipped config's two rules, registered for this module only."""
    names = declare_rules(RULES)
    yield names
    for name in names:
        REGISTRY.pop(name, None)


@pytest.fixture(scope="module")
def circles():
    data = make_dataset(300, 100, 0.05, 1, 2)
    return data.X_train.T, data.y_train


@pytest.fixture(scope="module")
def measured(rules, circles):
    """The default slice: 5 hidden tanh layers of width 100, 16 seeds per rule."""
    X, y = circles
    parts = [measure_layers(X, y, init, 5, 100, list(range(16)), "tanh") for init in rules]
    layers = pd.concat([part[0] for part in parts], ignore_index=True)
    histograms = pd.concat([part[1] for part in parts], ignore_index=True)
    return layers, histograms, layer_summary(layers, 0.95)


# --- the rules ----------------------------------------------------------------


@pytest.mark.parametrize(("fan_in", "fan_out"), [(100, 100), (2, 100), (100, 1)])
def test_the_declared_rules_are_glorot_and_bengios(rules, fan_in, fan_out):
    (standard, _), _ = initialize(STANDARD, [fan_in, fan_out, 1], 1.0, seed=0)
    (normalized, _), _ = initialize(NORMALIZED, [fan_in, fan_out, 1], 1.0, seed=0)
    # W ~ U[-1/sqrt(n_in), 1/sqrt(n_in)] and U[-sqrt(6/(n_in+n_out)), +sqrt(6/(n_in+n_out))]
    assert np.abs(standard).max() <= 1 / math.sqrt(fan_in) * (1 + 1e-15)
    assert np.abs(normalized).max() <= math.sqrt(6 / (fan_in + fan_out)) * (1 + 1e-15)
    assert REGISTRY[STANDARD].base_std(fan_in, fan_out) ** 2 == pytest.approx(1 / (3 * fan_in))
    assert REGISTRY[NORMALIZED].base_std(fan_in, fan_out) ** 2 == pytest.approx(
        2 / (fan_in + fan_out)
    )
    big, _ = initialize(STANDARD, [400, 300], 1.0, seed=1)[0]
    assert np.abs(big).max() > 0.99 / math.sqrt(400)  # the whole interval is used
    assert big.var() == pytest.approx(1 / 1200, rel=0.02)


def test_declaring_the_rules_again_is_a_no_op_and_a_taken_name_is_refused(rules):
    before = REGISTRY[STANDARD]
    assert declare_rules(RULES) == list(RULES) and REGISTRY[STANDARD] is before
    with pytest.raises(InitializerError, match=r"glorot_bengio\.rules\.he'.*a name of its own"):
        declare_rules({"he": RULES[STANDARD]})
    changed = {STANDARD: {**RULES[STANDARD], "scale": 1}}
    with pytest.raises(InitializerError, match="already an initializer's"):
        declare_rules(changed)
    with pytest.raises(InitializerError, match=r"'depth_study\.glorot_bengio\.rules\.bad\.mode'"):
        declare_rules({"bad": {**RULES[STANDARD], "mode": "fan_sum"}})
    assert "bad" not in REGISTRY


# --- theory -------------------------------------------------------------------


def test_linear_theory_is_the_product_of_the_weight_variances(rules):
    widths = layer_widths(4, 10)  # [2, 10, 10, 10, 10, 1]
    theory = layer_theory(STANDARD, widths, 0.5, 2.0, "linear")
    np.testing.assert_allclose(theory["sigma_w2"], [2 / 6, 1 / 3, 1 / 3, 1 / 3], rtol=1e-12)
    np.testing.assert_allclose(theory["backward_sigma_w2"], [1 / 3, 1 / 3, 1 / 3, 1 / 30])
    np.testing.assert_allclose(theory["q"], 0.5 / 3 ** np.arange(4), rtol=1e-12)
    np.testing.assert_allclose(theory["activation_second_moment"], theory["q"], rtol=1e-12)
    np.testing.assert_allclose(theory["chi"], theory["backward_sigma_w2"], rtol=1e-12)
    expected = 2.0 / 30 * np.array([1 / 27, 1 / 9, 1 / 3, 1.0])
    np.testing.assert_allclose(theory["backward_second_moment"], expected, rtol=1e-12)


def test_tanh_theory_tends_to_sigma_w2_as_the_signal_vanishes(rules):
    theory = layer_theory(STANDARD, layer_widths(30, 100), 0.1, 1.0, "tanh")
    assert theory["q"].iloc[-1] < 1e-14  # q_l shrinks by about 1/3 per layer
    assert theory["chi"].iloc[-2] == pytest.approx(1 / 3, rel=1e-9)
    assert theory["chi"].iloc[0] < 1 / 3  # tanh' < 1 where the signal is not yet small
    first = gaussian_expectation(lambda u: np.tanh(u) ** 2, 0.1)
    assert theory["activation_second_moment"].iloc[0] == pytest.approx(first, rel=1e-12)
    # sigma_w^2 = 1 at sigma_b = 0 is tanh's critical point: q decays, but only slowly
    normalized = layer_theory(NORMALIZED, layer_widths(5, 100), 0.0163, 1.0, "tanh")
    assert 0.85 < normalized["q"].iloc[-1] / normalized["q"].iloc[0] < 1
    assert np.all((normalized["chi"].iloc[:-1] > 0.96) & (normalized["chi"].iloc[:-1] < 1))


# --- measurement --------------------------------------------------------------


def test_the_tables_hold_what_one_pass_of_the_network_gives(rules, circles):
    X, y = circles
    layers, histograms = measure_layers(X, y, STANDARD, 3, 8, [0, 1], "tanh")
    assert list(layers.columns) == list(LAYER_COLUMNS)
    assert layers["layer"].tolist() == [1, 2, 3, 4] * 2
    # by hand for seed 1: forward through tanh, sigmoid error, back through tanh'
    params = initialize(STANDARD, layer_widths(3, 8), 1.0, 1)
    a, zs, acts = X, [], []
    for l, (W, b) in enumerate(params):
        z = W @ a + b
        zs.append(z)
        a = np.tanh(z) if l < 3 else z
        acts.append(a)
    dz = (1 / (1 + np.exp(-zs[-1])) - y) / y.size
    grads = [dz]
    for l in range(3, 0, -1):
        dz = (params[l][0].T @ dz) * (1 - acts[l - 1] ** 2)
        grads.insert(0, dz)
    row = layers[layers["seed"] == 1]
    np.testing.assert_allclose(row["forward_second_moment"], [np.mean(z**2) for z in zs], 1e-12)
    np.testing.assert_allclose(
        row["activation_second_moment"].iloc[:3], [np.mean(a**2) for a in acts[:3]], 1e-12
    )
    assert np.isnan(row["activation_second_moment"].iloc[3])  # the output is a sigmoid
    np.testing.assert_allclose(row["backward_second_moment"], [np.mean(g**2) for g in grads], 1e-12)
    # histograms: every layer and quantity on the same bins, each a density of area 1
    assert list(histograms.columns) == list(HISTOGRAM_COLUMNS)
    assert len(histograms) == 2 * 3 * BINS
    for _, rows in histograms.groupby(["quantity", "layer"]):
        area = (rows["density"] * (rows["bin_right"] - rows["bin_left"])).sum()
        assert area == pytest.approx(1.0, abs=1e-3)


def test_standard_rule_shrinks_the_gradient_and_normalized_keeps_it_as_theory_says(measured):
    _, _, summary = measured
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    transitions = summary.dropna(subset=["gradient_ratio_mean"])
    assert len(transitions) == 2 * 4
    inside = (transitions["gradient_ratio_low"] <= transitions["gradient_ratio_theory"]) & (
        transitions["gradient_ratio_theory"] <= transitions["gradient_ratio_high"]
    )
    assert inside.all(), transitions
    first = summary[summary["layer"] == 1].set_index("init")
    # standard: sigma_w^2 = 1/3, about sqrt(1/3) per layer, ~0.09 from layer 5 to 1
    assert first.loc[STANDARD, "gradient_to_top_high"] < 0.12
    assert first.loc[STANDARD, "gradient_to_top_theory"] == pytest.approx(0.095, abs=0.005)
    # normalized: sigma_w^2 = 1, within 10 % over four layers
    assert 0.85 < first.loc[NORMALIZED, "gradient_to_top_low"]
    assert first.loc[NORMALIZED, "gradient_to_top_high"] < 1.05
    # the activations shrink forward under the standard rule, not under the normalized one
    last = summary[summary["layer"] == 5].set_index("init")
    assert last.loc[STANDARD, "activation_to_first_mean"] < 0.15
    assert last.loc[NORMALIZED, "activation_to_first_mean"] > 0.9


# --- figure and report --------------------------------------------------------


def test_figure_draws_histograms_per_layer_and_the_spread_beside_theory(measured, tmp_path):
    _, histograms, summary = measured
    fig = plot_glorot(summary, histograms)
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 6
    assert [len(ax.get_lines()) >= 5 for ax in axes[:2]] == [True, True]  # one line per layer
    spread = axes[2]
    standard = summary[summary["init"] == STANDARD]
    theory = [line for line in spread.get_lines() if line.get_label().endswith("theory")]
    np.testing.assert_allclose(theory[1].get_ydata(), standard["gradient_to_top_theory"])
    factor = standard["gradient_to_top_mean"].iloc[0] ** 0.25
    assert spread.get_title().startswith(f"{STANDARD}: gradient ×{factor:.3g}/layer")
    assert "5 hidden layers of width 100 (16 seeds)" in fig.get_suptitle()
    fig.savefig(tmp_path / "glorot.png")
    assert (tmp_path / "glorot.png").stat().st_size > 10_000


def test_report_paragraph_states_the_verdicts_from_the_table(measured):
    _, _, summary = measured
    facts = glorot_facts(
        summary, {"path": "figures/depth_glorot.png", "title": "t", "caption": "c"}
    )
    standard, normalized = facts["rules"]
    assert (standard["verdict"], standard["near_constant"]) == ("shrinks", False)
    assert normalized["near_constant"] and normalized["paper"] == "near_constant"
    assert standard["paper"] == "shrinks" and standard["sigma_w2"] == pytest.approx(1 / 3)
    assert facts["n_inside"] == facts["n_transitions"] == 8
    row = summary[(summary["init"] == STANDARD) & (summary["layer"] == 1)].iloc[0]
    assert standard["factor"]["mean"] == pytest.approx(row["gradient_to_top_mean"] ** 0.25)
    text = _glorot_paragraph(summary)
    assert f"{standard['factor']['mean']:.3f}" in text
    assert text.count("so it does") == 2 and "it does not" not in text
    assert f"within 1 ± {NEAR_CONSTANT}" in text
    assert "nan" not in text.lower()
    assert "](figures/depth_glorot.png)" in text


def _glorot_paragraph(summary: pd.DataFrame) -> str:
    """The depth section's Glorot & Bengio subsection (beside a minimal ReLU part, which
    tests/test_depth.py tests)."""
    ratios = pd.DataFrame(
        [{"init": "he", "scale": 1.0, "depth": 2, "width": 4, "n_seeds": 2, "n_finite": 2,
          "n_transitions": 1, "predicted_ratio": 1.0, "ratio_mean": 1.0, "ratio_std": 0.1,
          "ratio_min": 0.9, "ratio_max": 1.1, "ratio_low": 0.9, "ratio_high": 1.1,
          "relative_error": 0.0, "backward_ratio_mean": 1.0, "predicted_signal": 1.0,
          "signal_mean": 1.0, "signal_median": 1.0, "signal_geomean": 1.0, "signal_low": 0.9,
          "signal_high": 1.1, "signal_within_spread": True}]
    )  # fmt: skip
    spread = pd.DataFrame(
        [{"depth": 2, "width": 4, "n_seeds": 3, "n_finite": 3, "predicted_variance": 1.0,
          "leading_order_variance": 1.0, "per_input_variance": 1.0,
          "per_input_variance_low": 0.5, "per_input_variance_high": 2.0, "variance_ratio": 1.0,
          "dataset_variance": 1.0}]
    )  # fmt: skip
    figure = {"path": "figures/x.png", "title": "t", "caption": "c"}
    glorot_figure = {"path": "figures/depth_glorot.png", "title": "t", "caption": "c"}
    figures = {"depth_signal": figure, "depth_gradients": figure}
    text = report_section(ratios, spread, 0.95, figures, summary, glorot_figure)
    return text.split("### Glorot & Bengio's two rules", 1)[1]


# --- the workflow -------------------------------------------------------------


def _tiny_config(tmp_path) -> str:
    """tests/configs/tiny_depth.yaml with the default config's rules, at a tiny size."""
    config = yaml.safe_load((REPO / "tests/configs/tiny_depth.yaml").read_text())
    config["depth_study"]["glorot_bengio"] = {
        "rules": RULES, "depths": [3, 4], "width": 12, "seeds": 4
    }  # fmt: skip
    config.pop("experiments")
    path = tmp_path / "glorot.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


@pytest.mark.workflow
def test_glorot_rules_run_in_the_workflow_and_only_when_named(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    config = _tiny_config(tmp_path)
    snakemake(workdir, "results/depth/section.md", "--cores", "2", "--configfile", config)
    results = workdir / "results/depth/glorot"
    summary = pd.read_csv(results / "summary.csv")
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert sorted(zip(summary["init"], summary["depth"], strict=True)) == sorted(
        (init, depth) for init in RULES for depth in (3, 4) for _ in range(depth)
    )
    layers = pd.read_csv(results / "layers.csv")
    assert len(layers) == len(RULES) * 4 * (4 + 5)  # seeds x (3 + 1 and 4 + 1 layers)
    assert (workdir / "results/figures/depth_glorot.png").stat().st_size > 10_000
    section = (workdir / "results/depth/section.md").read_text()
    assert "### Glorot & Bengio's two rules: tanh networks" in section
    assert "](figures/depth_glorot.png)" in section and "nan" not in section.lower()
    # a changed rule is measured again; without rules nothing of it is planned
    edited = yaml.safe_load(Path(config).read_text())
    edited["depth_study"]["glorot_bengio"]["rules"][NORMALIZED]["scale"] = 2
    (tmp_path / "edited.yaml").write_text(yaml.safe_dump(edited))
    dry = snakemake(workdir, "-n", "--configfile", str(tmp_path / "edited.yaml")).stdout
    assert "rule depth_glorot:" in dry
    dry = snakemake(workdir, "-n", "--configfile", "tests/configs/tiny_depth.yaml").stdout
    assert "rule depth_glorot:" not in dry and "rule depth_plot_glorot:" not in dry
    assert "results/depth/glorot/summary.csv" not in dry
