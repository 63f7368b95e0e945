"""Robustness as an axis: every cell trained again (perturbed weights, the NumPy backend) and
compared with its reference run by run, for any grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_workflow, snakemake
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests

from initstudy.analysis.robustness import compare_counts, compare_reruns, split_reruns
from initstudy.grid.axes import cell_settings
from initstudy.grid.config import ConfigError
from initstudy.grid.config_file import load_config
from initstudy.grid.grid import grid_cells, reference_cells

CONFIG = REPO / "tests" / "configs" / "tiny_reruns.yaml"


def test_rerun_cells_say_how_they_train_and_the_findings_read_the_reference():
    config = load_config(yaml.safe_load(CONFIG.read_text()))
    settings = {cell["rerun"]: cell_settings(cell, config) for cell in grid_cells(config)}
    assert settings["reference"].backend is None and settings["reference"].perturbation is None
    assert settings["numpy"].backend == "numpy"
    assert settings["perturbed"].perturbation == (1e-13, 0)
    assert len(grid_cells(config)) == 3 * len(reference_cells(config))
    assert all("rerun" not in cell for cell in reference_cells(config))


def test_a_rerun_axis_must_hold_the_reference():
    raw = yaml.safe_load(CONFIG.read_text())
    raw["grid"]["axes"]["rerun"] = ["perturbed", "numpy"]
    with pytest.raises(ConfigError, match=r"'grid.axes.rerun'.*a list that holds reference"):
        load_config(raw)


def random_runs(rng, reruns=("perturbed", "numpy")):
    rows = []
    for init in ("he", "lecun"):
        for rerun in ("reference", *reruns):
            for seed in range(12):
                accuracy = rng.choice([0.5, 0.95, np.nan])
                rows.append({"init": init, "scale": 1.0, "rerun": rerun, "seed": seed,
                             "test_accuracy": accuracy})  # fmt: skip
    return pd.DataFrame(rows)


def test_flips_fisher_and_holm_against_scipy_and_statsmodels():
    runs = random_runs(np.random.default_rng(5))
    reference, reruns, axes = split_reruns(runs, ("init", "scale", "rerun"))
    assert axes == ("init", "scale") and "rerun" not in reference.columns
    table = compare_reruns(reference, reruns, axes, threshold=0.9, level=0.95)
    assert list(zip(table["init"], table["rerun"])) == [
        ("he", "perturbed"), ("he", "numpy"), ("lecun", "perturbed"), ("lecun", "numpy")
    ]  # fmt: skip
    success = runs.assign(success=runs["test_accuracy"] >= 0.9)
    for row in table.to_dict("records"):
        a = success[(success["init"] == row["init"]) & (success["rerun"] == "reference")]
        b = success[(success["init"] == row["init"]) & (success["rerun"] == row["rerun"])]
        a, b = a.set_index("seed")["success"], b.set_index("seed")["success"]
        assert row["n_flipped"] == int((a != b).sum())
        assert (row["reference_success"], row["rerun_success"]) == (a.sum(), b.sum())
        expected = fisher_exact([[b.sum(), 12 - b.sum()], [a.sum(), 12 - a.sum()]]).pvalue
        assert row["fisher_p"] == pytest.approx(expected, rel=1e-12)
    holm = multipletests(table["fisher_p"], method="holm")[1]
    np.testing.assert_allclose(table["fisher_p_holm"], holm, rtol=1e-12)


@pytest.mark.workflow
def test_tiny_grid_with_reruns_compares_every_cell_run_by_run(tmp_path):
    workdir = copy_workflow(tmp_path)
    snakemake(workdir, "--cores", "2", "--configfile", "tests/configs/tiny_reruns.yaml")
    metrics = workdir / "results" / "metrics"
    runs, reruns = pd.read_csv(metrics / "runs.csv"), pd.read_csv(metrics / "reruns.csv")
    # The findings read the reference runs alone; the reruns keep their axis.
    assert "rerun" not in runs.columns and len(runs) == 2 * 2 * 4
    assert sorted(set(reruns["rerun"])) == ["numpy", "perturbed"] and len(reruns) == 2 * len(runs)
    keys = ["init", "scale", "learning_rate", "seed"]
    paired = runs.merge(reruns, on=keys, suffixes=("", "_rerun"), validate="one_to_many")
    change = (paired["final_cost_rerun"] / paired["final_cost"] - 1).abs()
    perturbed = paired["rerun"] == "perturbed"
    # He x1 trains stably: both reruns end within rounding of the reference. Random x10
    # starts saturated and amplifies a change of 1e-13 in its weights, which is what the
    # reruns are there to show. How far it lands depends on the last bits of the trajectory
    # (measured: 15 % and 12 % of the final cost on two CPUs, 0.17 % on a third once the
    # kernel's sums were split differently), so the test asks for the amplification, not a
    # size: config/README.md quotes "at least 1e-6", seven orders above the perturbation.
    assert change[paired["init"] == "he"].max() < 1e-11
    assert change[perturbed & (paired["init"] == "random")].max() > 1e-6
    robustness = pd.read_csv(metrics / "robustness.csv")
    assert len(robustness) == 4 * 2
    flips = (paired["test_accuracy"] >= 0.9) != (paired["test_accuracy_rerun"] >= 0.9)
    assert robustness["n_flipped"].sum() == flips.sum()
    report = (workdir / "results" / "report.md").read_text()
    assert "## Robustness: the same networks trained again" in report
    assert f"{int(flips[perturbed].sum())} of 16 runs changed outcome" in report
    assert "12 cells × 4 seeds (seeds 0–3) = 48 networks" in report


def test_success_counts_of_one_cell_with_fisher_flips_and_intervals():
    reference = pd.DataFrame({"seed": range(10), "success": [True] * 5 + [False] * 5})
    other = pd.DataFrame({"seed": range(10), "success": [True] * 8 + [False] * 2})
    row = compare_counts(reference, other, ["seed"], 0.95)
    assert (row["reference_success"], row["rerun_success"], row["n_flipped"]) == (5, 8, 3)
    assert row["fisher_p"] == pytest.approx(fisher_exact([[8, 2], [5, 5]]).pvalue)
    assert row["rate_difference"] == pytest.approx(0.3)
    assert not row["counts_within_intervals"]  # 0.8 lies above 5/10's Wilson bound 0.763
    closer = other.assign(success=[True] * 6 + [False] * 4)
    closer = compare_counts(reference, closer, ["seed"], 0.95)
    assert closer["counts_within_intervals"] and closer["n_flipped"] == 1
