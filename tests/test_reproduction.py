"""Seed 3 of the study's cells reproduces what the notebook printed."""

import math

import numpy as np
import pytest

from initstudy import notebook
from initstudy.cell import train_cell
from initstudy.data import make_dataset
from initstudy.train import TrainSettings

SETUP = notebook.SETUP


@pytest.fixture(scope="module")
def notebook_cells():
    d = SETUP["dataset"]
    data = make_dataset(d["n_train"], d["n_test"], d["noise"], d["train_seed"], d["test_seed"])
    m = SETUP["model"]
    return {
        key: train_cell(
            data,
            *key,
            [SETUP["seed"]],
            TrainSettings(m["layers"], m["learning_rate"], m["iterations"], 1000),
        )
        for key in notebook.PRINTED
    }


def _printed_iterations(result):
    costs = result.costs
    return costs[costs["iteration"] % 1000 == 0].query("iteration < 15000")["cost"].to_numpy()


def test_zeros_stays_at_ln2_and_chance(notebook_cells):
    result = notebook_cells[("zeros", 1.0)]
    run = result.runs.iloc[0]
    assert (run.train_accuracy, run.test_accuracy) == (0.5, 0.5)
    assert np.all(np.abs(result.costs["cost"].to_numpy() - math.log(2)) <= 2.3e-16)
    assert run.distinct_units == "1;1"


def test_random_times_ten_accuracies(notebook_cells):
    run = notebook_cells[("random", 10.0)].runs.iloc[0]
    assert (run.train_accuracy, run.test_accuracy) == (0.83, 0.86)
    assert math.isfinite(run.initial_cost) and run.initial_cost > 100  # the notebook printed inf


def test_he_accuracies_and_every_printed_cost(notebook_cells):
    result = notebook_cells[("he", 1.0)]
    run = result.runs.iloc[0]
    assert run.train_accuracy == pytest.approx(0.9933333333333333, abs=1e-15)
    assert run.test_accuracy == 0.96
    ours = _printed_iterations(result)
    printed = np.array(notebook.PRINTED[("he", 1.0)]["costs"])
    assert ours.shape == printed.shape
    np.testing.assert_allclose(ours, printed, rtol=1e-12, atol=0)
