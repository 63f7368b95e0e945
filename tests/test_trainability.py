"""The trainability map: shares with Wilson intervals (statsmodels as the oracle), the measured
boundary against theory's 6 xi_c, and a real run of a tiny study whose experiment draws one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import copy_workflow, snakemake
from statsmodels.stats.proportion import proportion_confint

from initstudy.analysis.trainability import (
    agreement,
    boundary_table,
    theory_curve,
    trainability_cells,
)
from initstudy.theory.mean_field import critical_sigma_w2, mean_field

SQRT3 = math.sqrt(3.0)


def _runs(statuses: dict) -> pd.DataFrame:
    """Reference runs: (activation, bias_std, scale, depth) -> outcome classes of its seeds."""
    rows = []
    for (activation, bias_std, scale, depth), classes in statuses.items():
        for seed, status in enumerate(classes):
            rows.append(
                {
                    "init": "lecun",
                    "scale": scale,
                    "activation": activation,
                    "bias_std": bias_std,
                    "depth": depth,
                    "width": 32,
                    "seed": seed,
                    "status": status,
                }
            )
    return pd.DataFrame(rows)


OK, FAIL = "ok", "collapsed"
RUNS = _runs(
    {
        ("tanh", 0.0, 1.0, 4): [OK] * 8,
        ("tanh", 0.0, 1.0, 16): [OK] * 7 + [FAIL],
        ("tanh", 0.0, 1.0, 64): [OK] * 3 + [FAIL] * 5,
        ("tanh", 0.0, SQRT3, 4): [OK] * 8,
        ("tanh", 0.0, SQRT3, 16): [OK] + [FAIL] * 7,
        ("tanh", 0.0, SQRT3, 64): [FAIL] * 8,
    }
)


def test_each_cell_has_its_share_and_the_wilson_interval_of_statsmodels():
    cells = trainability_cells(RUNS, 0.95)
    assert len(cells) == 6
    for _, cell in cells.iterrows():
        low, high = proportion_confint(cell["n_trained"], cell["n_runs"], 0.05, method="wilson")
        assert cell["share_low"] == pytest.approx(low, abs=1e-12)
        assert cell["share_high"] == pytest.approx(high, abs=1e-12)
        assert cell["share_trained"] == cell["n_trained"] / cell["n_runs"]
    # LeCun's rule at scale s has sigma_w^2 = s^2; sigma_b^2 is bias_std^2.
    assert sorted(cells["sigma_w2"].unique()) == [1.0, 3.0]
    assert set(cells["sigma_b2"]) == {0.0}


def test_the_boundary_is_bracketed_by_the_intervals_and_set_against_6_xi_c():
    boundary = boundary_table(trainability_cells(RUNS, 0.95)).set_index("sigma_w2")
    # sigma_w^2 = 1: 8/8 and 7/8 train (intervals above 1/2), 3/8 is undecided.
    assert boundary.loc[1.0, "deepest_trainable"] == 16
    assert math.isnan(boundary.loc[1.0, "shallowest_untrainable"])
    # sigma_w^2 = 3: 8/8 at depth 4; 1/8 and 0/8 below 1/2 from depth 16 (2/8 would not be:
    # its interval reaches 0.59).
    assert boundary.loc[3.0, "deepest_trainable"] == 4
    assert boundary.loc[3.0, "shallowest_untrainable"] == 16
    for sigma_w2, row in boundary.iterrows():
        assert row["xi_c"] == mean_field(sigma_w2, 0.0, "tanh").xi_c
        assert row["six_xi_c"] == 6 * row["xi_c"]
    # tanh at sigma_b = 0 is critical at sigma_w^2 = 1: 6 xi_c is infinite, beyond every depth.
    assert math.isinf(boundary.loc[1.0, "six_xi_c"])
    # ... but no depth fails there: a one-sided bound that theory meets, not a boundary.
    assert boundary.loc[1.0, "agreement"] == "consistent"
    # At sigma_w^2 = 3, 6 xi_c = 65.6 (chaotic phase) lies beyond the failure at depth 16.
    assert boundary.loc[3.0, "agreement"] == "theory_deeper"


@pytest.mark.parametrize(
    ("six_xi_c", "deepest", "shallowest", "expected"),
    [
        (10.0, 4.0, 16.0, "agrees"),
        (20.0, 4.0, 16.0, "theory_deeper"),
        (3.0, 4.0, 16.0, "theory_shallower"),
        (math.inf, 16.0, math.nan, "consistent"),
        (10.0, math.nan, 16.0, "consistent"),
        (20.0, math.nan, 16.0, "theory_deeper"),
        (10.0, math.nan, math.nan, "undecided"),
        (math.nan, 4.0, 16.0, "no_prediction"),
    ],
)
def test_agreement(six_xi_c, deepest, shallowest, expected):
    assert agreement(six_xi_c, deepest, shallowest) == expected


def test_the_theory_curve_spans_the_map_and_passes_through_the_critical_point():
    curve = theory_curve(trainability_cells(_runs({("tanh", 0.22360679774997896, s, 4): [OK]
                                                   for s in (0.5, 2.0)}), 0.95))  # fmt: skip
    assert curve["sigma_w2"].min() == pytest.approx(0.25)
    assert curve["sigma_w2"].max() == pytest.approx(4.0)
    critical = critical_sigma_w2(0.05, "tanh")
    assert set(curve["critical_sigma_w2"]) == {critical}
    assert abs(critical - 1.76) < 0.005
    at_critical = curve.loc[np.isclose(curve["sigma_w2"], critical), "six_xi_c"]
    assert at_critical.iloc[0] > 1e3  # xi_c diverges at the edge of chaos


@pytest.mark.workflow
def test_tiny_study_draws_its_trainability_map(tmp_path):
    workdir = copy_workflow(tmp_path)
    snakemake(workdir, "--cores", "2", "--configfile", "tests/configs/tiny_trainability.yaml")
    metrics = workdir / "results" / "experiments" / "map" / "metrics"
    cells = pd.read_csv(metrics / "trainability.csv")
    # 2 activations x 2 bias spreads x 3 sigma_w^2 x 2 depths, 3 seeds each.
    assert len(cells) == 24 and set(cells["n_runs"]) == {3}
    runs = pd.read_csv(metrics / "runs.csv")
    assert cells["n_trained"].sum() == (runs["status"] == "ok").sum()
    boundary = pd.read_csv(metrics / "trainability_boundary.csv")
    assert len(boundary) == 12
    assert (
        (workdir / "results" / "experiments" / "map" / "figures" / "trainability.png")
        .stat()
        .st_size
    )
    report = (workdir / "results" / "report.md").read_text(encoding="utf-8")
    assert "### Trainability map" in report
    assert "#### tanh, σ_b² = 0.05, width 8" in report
    assert "Theory's critical σ_w² here is 1.761" in report
