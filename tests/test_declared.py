"""Initializers a config declares (initstudy.model.declared): variances against a hand computation,
the truncated normal's rescaling derived by integration, errors that name the key, and a
real study whose grid, reference cell and depth study use declared initializers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, planned_jobs, snakemake
from scipy import integrate

from initstudy.model.declared import (
    DISTRIBUTIONS,
    FAN_MODES,
    InitializerError,
    declare_initializers,
)
from initstudy.model.init import (
    INITIALIZERS,
    REGISTRY,
    TRUNCATED_STD,
    base_std,
    initialize,
    truncated_normal_std,
)


@pytest.fixture
def declare():
    """Declare initializers for one test; the registry is as before afterwards."""
    added = []

    def _declare(specs):
        names = declare_initializers(specs)
        added.extend(names)
        return names

    yield _declare
    for name in added:
        REGISTRY.pop(name, None)


def test_truncated_normal_std_is_the_integrated_variance():
    mass = math.erf(2 / math.sqrt(2))
    second_moment, _ = integrate.quad(
        lambda x: x * x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi), -2, 2, epsabs=1e-15
    )
    assert TRUNCATED_STD == pytest.approx(math.sqrt(second_moment / mass), rel=1e-13)
    # Keras' constant for the same truncation (keras.initializers.VarianceScaling).
    assert TRUNCATED_STD == pytest.approx(0.87962566103423978, rel=1e-15)
    assert truncated_normal_std(50.0) == pytest.approx(1.0, rel=1e-15)


def vs_spec(scale, mode, distribution):
    """A variance-scaling declaration."""
    return {"kind": "variance_scaling", "scale": scale, "mode": mode, "distribution": distribution}


FAN_IN, FAN_OUT, GRID_SCALE = 400, 300, 1.5
HAND_FAN = {"fan_in": 400, "fan_out": 300, "fan_avg": 350}


@pytest.mark.parametrize("distribution", ["normal", "truncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_draws_the_variance_of_the_rule(declare, mode, distribution):
    (name,) = declare(
        {
            "mine": {
                "kind": "variance_scaling",
                "scale": 2.0,
                "mode": mode,
                "distribution": distribution,
            }
        }
    )
    variance = GRID_SCALE**2 * 2.0 / HAND_FAN[mode]
    assert base_std(name, FAN_IN, FAN_OUT) ** 2 == pytest.approx(2.0 / HAND_FAN[mode], rel=1e-15)
    (W, b), _ = initialize(name, [FAN_IN, FAN_OUT, 1], GRID_SCALE, 0)
    assert W.shape == (FAN_OUT, FAN_IN) and not b.any()
    # 120000 draws: the sample variance is within 1.5 % (about 4 standard errors).
    assert W.var() == pytest.approx(variance, rel=0.015)
    assert abs(W.mean()) < 4 * math.sqrt(variance / W.size)
    largest = np.abs(W).max()
    if distribution == "truncated_normal":
        assert largest <= 2 * math.sqrt(variance) / TRUNCATED_STD
    elif distribution == "uniform":
        assert largest <= math.sqrt(3 * variance)
        assert largest > 0.999 * math.sqrt(3 * variance)
    else:
        assert largest > 4 * math.sqrt(variance)


def test_declared_normal_is_the_registered_gaussian_rescaled(declare):
    declare(
        {
            "he_like": {
                "kind": "variance_scaling",
                "scale": 2,
                "mode": "fan_in",
                "distribution": "normal",
            }
        }
    )
    for (W, _), (H, _) in zip(
        initialize("he_like", [2, 10, 5, 1], 1.0, 3), initialize("he", [2, 10, 5, 1], 1.0, 3)
    ):
        np.testing.assert_array_equal(W, H)
    assert REGISTRY["he_like"].kind == "gaussian"


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8)])
def test_orthogonal_with_gain_is_gain_times_an_orthogonal_matrix(declare, shape):
    declare({"ortho_relu": {"kind": "orthogonal", "gain": math.sqrt(2)}})
    rows, cols = shape
    (W, _), _ = initialize("ortho_relu", [cols, rows, 1], 1.5, 7)
    gram = W @ W.T if rows <= cols else W.T @ W
    np.testing.assert_allclose(gram, 2 * 1.5**2 * np.eye(min(shape)), atol=1e-12)
    (Q, _), _ = initialize("orthogonal", [cols, rows, 1], 1.5, 7)
    np.testing.assert_allclose(W, math.sqrt(2) * Q, rtol=1e-15)
    assert base_std("ortho_relu", cols, rows) == pytest.approx(math.sqrt(2 / max(shape)))


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (
            {"he": {"kind": "orthogonal", "gain": 1}},
            r"'initializers\.he': got 'he'.*not a registered",
        ),
        ({"Mine": {"kind": "orthogonal", "gain": 1}}, r"'initializers\.Mine'.*lowercase"),
        ({"mine": {"kind": "lsuv"}}, r"'initializers\.mine\.kind': got 'lsuv'.*variance_scaling"),
        ({"mine": {"kind": "orthogonal"}}, r"'initializers\.mine\.gain': missing"),
        ({"mine": {"kind": "orthogonal", "gain": 1, "mode": "fan_in"}}, r"mine\.mode'.*: gain"),
        ({"mine": {"kind": "orthogonal", "gain": -1}}, r"mine\.gain': got -1.*> 0"),
        (
            {
                "mine": {
                    "kind": "variance_scaling",
                    "scale": 1,
                    "mode": "fan",
                    "distribution": "normal",
                }
            },
            r"mine\.mode': got 'fan'; allowed: one of fan_in, fan_out, fan_avg",
        ),
        ([1, 2], r"'initializers': got \[1, 2\]; allowed: a mapping"),
    ],
)
def test_a_bad_declaration_names_the_key_and_what_is_allowed(declare, specs, message):
    with pytest.raises(InitializerError, match=message):
        declare(specs)
    assert tuple(REGISTRY) == INITIALIZERS


def test_the_schema_allows_what_the_library_declares():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    spec = schema["properties"]["initializers"]["additionalProperties"]["properties"]
    assert spec["mode"]["enum"] == list(FAN_MODES)
    assert spec["distribution"]["enum"] == list(DISTRIBUTIONS)


STUDY = """
dataset: {n_train: 60, n_test: 40}
model: {layers: [2, 6, 3, 1], learning_rate: 0.1, iterations: 200, log_every: 100}
initializers:
  he_uniform: {kind: variance_scaling, scale: 2.0, mode: fan_in, distribution: uniform}
  ortho_relu: {kind: orthogonal, gain: 1.4142135623730951}
grid:
  seeds: [0, 1]
  initializations: {he: [1], he_uniform: [1], ortho_relu: [1]}
analysis: {bootstrap_resamples: 100, reference: {init: he_uniform, scale: 1}}
depth_study:
  initializations: [he, he_uniform, ortho_relu]
  depths: [2, 3]
  width: 6
  signal_seeds: 3
  spread: {widths: [4], depths: [2], seeds: 4}
experiments:
  deep:
    title: Deep networks
    model: {iterations: 40, log_every: 20}
    grid:
      seeds: [0, 1]
      initializations: {he_uniform: [1], ortho_relu: [1]}
      axes: {depth: [1, 2], width: [4]}
"""


@pytest.mark.workflow
def test_declared_initializers_run_in_every_part_of_the_study(tmp_path):
    workdir = copy_workflow(tmp_path / "declared")
    (workdir / "declared.yaml").write_text(STUDY)
    snakemake(workdir, "--cores", "2", "--configfile", "declared.yaml", timeout=900)
    runs = pd.read_csv(workdir / "results/metrics/runs.csv")
    assert sorted(set(runs["init"])) == ["he", "he_uniform", "ortho_relu"]
    selection = pd.read_csv(workdir / "results/metrics/selection.csv")
    assert set(selection["init"]) == set(runs["init"])  # each reached the choice on validation
    ratios = pd.read_csv(workdir / "results/depth/ratios.csv")
    assert {"he_uniform", "ortho_relu"} <= set(ratios["init"])
    # The same variance as He, so the same predicted per-layer ratio: 1 (ortho_relu: 1 too).
    declared = ratios[ratios["init"].isin(["he_uniform", "ortho_relu"])]
    predicted = [column for column in ratios.columns if "predicted" in column]
    assert predicted and np.allclose(declared[predicted[0]], 1.0)
    assert "he_uniform" in (workdir / "results/report.md").read_text()
    deep = pd.read_csv(workdir / "results/experiments/deep/metrics/runs.csv")
    assert sorted(set(deep["init"])) == ["he_uniform", "ortho_relu"]
    # A changed definition retrains exactly the cells that use it, in every grid.
    edited = STUDY.replace("gain: 1.4142135623730951", "gain: 1.0")
    (workdir / "edited.yaml").write_text(edited)
    dry = snakemake(workdir, "-n", "--configfile", "edited.yaml").stdout
    retrained = {line.split("=", 1)[1].split(",")[0] for line in dry.splitlines()
                 if line.strip().startswith("wildcards: init=")}  # fmt: skip
    assert retrained == {"ortho_relu"}
    assert {"train_cell", "train_cell_deep", "depth_signal"} <= planned_jobs(dry)
    assert "depth_init=ortho_relu" in dry and "depth_init=he_uniform" not in dry
