"""Seed 3 of the study's cells reproduces what the notebook printed, and the report's
reproduction table sets the two side by side."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.analysis.reproduction import reproduction_table, rerun_frame
from initstudy.model import notebook
from initstudy.model.cell import train_cell
from initstudy.model.data import make_dataset
from initstudy.model.train import TrainSettings

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


# --- the report's reproduction table (initstudy.analysis.reproduction.reproduction_table) ---

QUANTITIES = [f"cost @ {i * 1000}" for i in range(15)] + ["train_accuracy", "test_accuracy"]


def _rerun_here() -> dict:
    """The notebook's code "run here": the printed numbers, each moved by its own amount
    (so that a value taken from the wrong run or quantity shows)."""
    return {
        key: {
            "costs": [cost + (n + 1) * 1e-6 + i * 1e-9 for i, cost in enumerate(printed["costs"])],
            "train_accuracy": printed["train_accuracy"] + (n + 1) * 1e-3,
            "test_accuracy": printed["test_accuracy"] - (n + 1) * 1e-3,
        }
        for n, (key, printed) in enumerate(notebook.PRINTED.items())
    }


@pytest.fixture(scope="module")
def reproduction(notebook_cells):
    """The table of the three notebook cells, among decoys: the same cells at another seed
    (listed first, every value wrong) and another cell of He."""
    runs = [result.runs for result in notebook_cells.values()]
    costs = [result.costs for result in notebook_cells.values()]
    decoys = [
        (
            frame.assign(seed=4, test_accuracy=0.0, train_accuracy=0.0),
            curve.assign(seed=4, cost=9.0),
        )
        for frame, curve in zip(runs, costs)
    ]
    decoys.append((runs[2].assign(scale=2.0), costs[2].assign(scale=2.0)))
    runs = pd.concat([*(d[0] for d in decoys), *runs], ignore_index=True)
    costs = pd.concat([*(d[1] for d in decoys), *costs], ignore_index=True)
    rerun = rerun_frame(_rerun_here())
    return reproduction_table(runs, costs, rerun, SETUP["seed"]), notebook_cells


def test_the_table_holds_every_printed_number_in_order(reproduction):
    table, _ = reproduction
    assert list(table.columns) == [
        "run", "quantity", "notebook", "this_run", "difference", "relative_difference",
        "notebook_code_here",
    ]  # fmt: skip
    assert table["run"].tolist() == [
        run for run in ("zeros ×1", "random ×10", "he ×1") for _ in QUANTITIES
    ]
    assert table["quantity"].tolist() == QUANTITIES * 3
    printed = [
        value
        for entry in notebook.PRINTED.values()
        for value in (*entry["costs"], entry["train_accuracy"], entry["test_accuracy"])
    ]
    assert table["notebook"].tolist() == printed


def test_the_accuracies_are_the_notebooks(reproduction):
    table, _ = reproduction
    accuracies = table[table["quantity"].str.endswith("_accuracy")]
    percent = {
        (row.run, row.quantity): (round(100 * row.notebook, 1), round(100 * row.this_run, 1))
        for row in accuracies.itertuples()
    }
    assert percent == {
        ("zeros ×1", "train_accuracy"): (50.0, 50.0),
        ("zeros ×1", "test_accuracy"): (50.0, 50.0),
        ("random ×10", "train_accuracy"): (83.0, 83.0),
        ("random ×10", "test_accuracy"): (86.0, 86.0),
        ("he ×1", "train_accuracy"): (99.3, 99.3),
        ("he ×1", "test_accuracy"): (96.0, 96.0),
    }
    # He's 298/300 against the printed 0.993333333333: the notebook's 12 digits
    he_train = accuracies.set_index(["run", "quantity"]).loc[("he ×1", "train_accuracy")]
    assert he_train["this_run"] == 298 / 300
    assert he_train["difference"] == pytest.approx(298 / 300 - 0.993333333333, abs=1e-16)
    assert he_train["relative_difference"] == pytest.approx(3.3556e-13, rel=1e-3)
    exact = accuracies[accuracies["run"] != "he ×1"]
    assert (exact["difference"] == 0).all() and (exact["relative_difference"] == 0).all()


def test_the_costs_are_this_runs_curve_at_the_printed_iterations(reproduction):
    table, cells = reproduction
    for key, run in zip(notebook.PRINTED, ("zeros ×1", "random ×10", "he ×1")):
        curve = cells[key].costs.set_index("iteration")["cost"]
        rows = table[(table["run"] == run) & table["quantity"].str.startswith("cost @ ")]
        assert rows["this_run"].tolist() == [curve[i * 1000] for i in range(15)]
        finite = rows[np.isfinite(rows["notebook"])]
        np.testing.assert_array_equal(finite["difference"], finite["this_run"] - finite["notebook"])
        np.testing.assert_array_equal(
            finite["relative_difference"], finite["difference"].abs() / finite["notebook"].abs()
        )
    he = table[(table["run"] == "he ×1") & table["quantity"].str.startswith("cost @ ")]
    assert he["relative_difference"].max() <= 1e-12
    # the notebook printed inf for random ×10 at 0 (a saturated output); this run's is finite
    first = table[(table["run"] == "random ×10") & (table["quantity"] == "cost @ 0")].iloc[0]
    assert first["notebook"] == math.inf and 100 < first["this_run"] < math.inf
    assert first["difference"] == -math.inf and math.isnan(first["relative_difference"])


def test_the_notebook_code_here_column_is_the_rerun(reproduction, notebook_cells):
    table, _ = reproduction
    here = _rerun_here()
    expected = [
        value
        for entry in here.values()
        for value in (*entry["costs"], entry["train_accuracy"], entry["test_accuracy"])
    ]
    assert table["notebook_code_here"].tolist() == expected
    # a run the rerun lacks has no value there
    runs = pd.concat([result.runs for result in notebook_cells.values()], ignore_index=True)
    costs = pd.concat([result.costs for result in notebook_cells.values()], ignore_index=True)
    rerun = rerun_frame({key: here[key] for key in [("random", 10.0), ("he", 1.0)]})
    partial = reproduction_table(runs, costs, rerun, SETUP["seed"])
    assert partial.loc[partial["run"] == "zeros ×1", "notebook_code_here"].isna().all()
    assert (
        partial.loc[partial["run"] != "zeros ×1", "notebook_code_here"].tolist()
        == (expected[len(QUANTITIES) :])
    )
