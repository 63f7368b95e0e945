"""Tests of the effective gain: hand values, and the predicted ratios against sampled matrices."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.model.gain import (
    cell_gains,
    entry_second_moment,
    formula_table,
    he_equivalent_gain,
    ratio_columns,
    signal_ratios,
)
from initstudy.model.init import REGISTRY, Initializer, base_std, initialize

NOTEBOOK = [2, 10, 5, 1]
SQRT2 = math.sqrt(2)


def test_the_reference_points_have_gain_one():
    assert signal_ratios("he", NOTEBOOK, 1.0).tolist() == pytest.approx([1.0, 1.0])
    assert he_equivalent_gain("he", NOTEBOOK, 1.0) == pytest.approx(1.0)
    assert he_equivalent_gain("lecun", NOTEBOOK, SQRT2) == pytest.approx(1.0)
    square = [2, 8, 8, 8]
    assert signal_ratios("orthogonal", square, SQRT2).tolist() == pytest.approx([1.0, 1.0])
    assert he_equivalent_gain("orthogonal", square, SQRT2) == pytest.approx(1.0)
    # orthogonal x1 halves the signal at every ReLU layer
    assert signal_ratios("orthogonal", square, 1.0).tolist() == pytest.approx([0.5, 0.5])
    # the gain is linear in the scale
    assert he_equivalent_gain("he", NOTEBOOK, 0.25) == pytest.approx(0.25)


def test_glorot_random_and_zeros_by_hand():
    # glorot, W2: fan_in 10, fan_out 5: 10 * 2/15 / 2 = 2/3; W3: 5 * 2/6 / 2 = 5/6
    assert signal_ratios("glorot", NOTEBOOK, 1.0).tolist() == pytest.approx([2 / 3, 5 / 6])
    assert he_equivalent_gain("glorot", NOTEBOOK, 1.0) == pytest.approx((5 / 9) ** 0.25)
    # random (std 1) x10: 100 * 10 / 2 and 100 * 5 / 2; gain (500 * 250) ** (1/4)
    assert signal_ratios("random", NOTEBOOK, 10.0).tolist() == pytest.approx([500.0, 250.0])
    assert he_equivalent_gain("random", NOTEBOOK, 10.0) == pytest.approx(125000**0.25)
    assert he_equivalent_gain("zeros", NOTEBOOK, 1.0) == 0.0
    assert math.isnan(he_equivalent_gain("he", [2, 1], 1.0))  # no layer after a ReLU


def test_orthogonal_wide_and_tall_layers_by_hand():
    # [2, 5, 10, 1] at sqrt(2): W2 is tall (5 -> 10), ratio 2 * 5/10 / 2 = 0.5;
    # W3 is wide (10 -> 1), ratio 2 * 1 / 2 = 1; gain = sqrt(sqrt(0.5 * 1))
    assert signal_ratios("orthogonal", [2, 5, 10, 1], SQRT2).tolist() == pytest.approx([0.5, 1.0])
    assert he_equivalent_gain("orthogonal", [2, 5, 10, 1], SQRT2) == pytest.approx(0.5**0.25)


@pytest.mark.parametrize("fan_in, fan_out", [(8, 8), (10, 5), (5, 10), (10, 1)])
def test_orthogonal_second_moment_is_exact_on_sampled_matrices(fan_in, fan_out):
    for seed in range(5):
        ((weights, _),) = initialize("orthogonal", [fan_in, fan_out], 1.0, seed)
        assert np.mean(weights**2) == pytest.approx(
            entry_second_moment("orthogonal", fan_in, fan_out), abs=1e-12
        )
    assert entry_second_moment("orthogonal", fan_in, fan_out) == pytest.approx(
        1 / max(fan_in, fan_out)
    )
    # the registry's "behaves like" std is the same number
    assert math.sqrt(entry_second_moment("orthogonal", fan_in, fan_out)) == pytest.approx(
        base_std("orthogonal", fan_in, fan_out)
    )


@pytest.mark.parametrize(
    "name, fan_in, fan_out",
    [
        ("orthogonal", 8, 8),
        ("orthogonal", 10, 5),
        ("orthogonal", 5, 10),
        ("he", 10, 5),
        ("glorot", 5, 10),
    ],
)
def test_predicted_ratio_matches_sampled_networks(name, fan_in, fan_out):
    # pre-activations z ~ N(0, 1) of the previous layer, through a ReLU and a sampled W
    rng = np.random.default_rng(0)
    z = rng.standard_normal((fan_in, 4000))
    measured = []
    for seed in range(200):
        ((weights, _),) = initialize(name, [fan_in, fan_out], 1.3, seed)
        measured.append(np.mean((weights @ np.maximum(z, 0)) ** 2) / np.mean(z**2))
    predicted = signal_ratios(name, [1, fan_in, fan_out], 1.3)[0]
    assert np.mean(measured) == pytest.approx(predicted, rel=0.03)


def test_cell_gains_adds_one_column_per_relu_layer_and_the_gain():
    cells = pd.DataFrame(
        {"init": ["he", "lecun", "orthogonal"], "scale": [1.0, SQRT2, 1.0], "n": [1, 2, 3]}
    )
    table = cell_gains(cells, NOTEBOOK)
    assert ratio_columns(NOTEBOOK) == ["signal_ratio_W2", "signal_ratio_W3"]
    assert list(table.columns) == [
        "init",
        "scale",
        "n",
        *ratio_columns(NOTEBOOK),
        "he_equivalent_gain",
    ]
    assert table["he_equivalent_gain"].tolist() == pytest.approx([1.0, 1.0, 1 / SQRT2])
    assert table["signal_ratio_W3"].tolist() == pytest.approx([1.0, 1.0, 0.5])
    assert cell_gains(cells.iloc[:0], NOTEBOOK).empty


def test_formula_table_states_every_initializer():
    table = formula_table(NOTEBOOK).set_index("init")
    assert list(table.index) == list(REGISTRY)
    assert table.loc["he", ["base_std_W1", "base_std_W2", "base_std_W3"]].tolist() == pytest.approx(
        [1.0, math.sqrt(2 / 10), math.sqrt(2 / 5)]
    )
    assert table.loc["glorot", "base_std_W2"] == pytest.approx(math.sqrt(2 / 15))
    assert table.loc["orthogonal", "base_std_W1"] == pytest.approx(math.sqrt(1 / 10))
    assert table.loc["zeros", "base_std_W1"] == 0.0
    assert table.loc["orthogonal", "scale_multiplies"] == (
        "Q: scale is the gain, every singular value of W_l is scale"
    )
    # random: gain (5 * 2.5) ** (1/4) at scale 1; glorot: (5/9) ** (1/4)
    expected = [12.5**-0.25, 1.0, SQRT2, (9 / 5) ** 0.25, SQRT2]
    assert table["scale_for_he_gain_1"].drop("zeros").tolist() == pytest.approx(expected)
    assert math.isnan(table.loc["zeros", "scale_for_he_gain_1"])
    assert table.loc["he", "formula"] == REGISTRY["he"].formula


def test_declared_kinds_use_their_variance_and_orthogonal_its_gain(monkeypatch):
    he_std = REGISTRY["he"].base_std
    declared = {
        "orth_relu": Initializer(
            "orth_relu", "orthogonal", lambda i, o: 0.0, "#000", "", "", SQRT2
        ),
        "he_uniform": Initializer("he_uniform", "uniform", he_std, "#000", "", ""),
        "he_truncated": Initializer("he_truncated", "truncated_normal", he_std, "#000", "", ""),
    }
    for name, entry in declared.items():
        monkeypatch.setitem(REGISTRY, name, entry)
    assert signal_ratios("orth_relu", [2, 8, 8, 8], 1.0).tolist() == pytest.approx([1.0, 1.0])
    for name in ("he_uniform", "he_truncated"):
        assert he_equivalent_gain(name, NOTEBOOK, 1.0) == pytest.approx(1.0)
        (_, (weights, _)) = initialize(name, [1, 400, 300], 1.0, seed=0)
        assert np.mean(weights**2) == pytest.approx(entry_second_moment(name, 400, 300), rel=0.02)
    table = formula_table(NOTEBOOK).set_index("init")
    assert table.loc["he_uniform", "scale_multiplies"].endswith("sqrt(3) · U(-1, 1)")
    assert table.loc["orth_relu", "scale_for_he_gain_1"] == pytest.approx(1.0)
    assert table.loc["orth_relu", "scale_multiplies"].endswith("is scale · 1.41421")
