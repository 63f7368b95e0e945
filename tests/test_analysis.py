"""The analysis of a trained grid on hand-made runs and curves."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.analysis.analysis import (
    AnalysisSettings,
    analyse,
    budgets,
    equal_gain_cells,
    runs_at,
)

LN2 = math.log(2)
AXES = ("init", "scale", "learning_rate")
LOGGED = [0, 100, 200, 300]


def _run(init, scale, rate, seed, validation, test, costs, diverged_at=-1, units="4;2"):
    """One run and its curve; ``validation`` and ``test`` are per logged iteration."""
    cell = {"init": init, "scale": scale, "learning_rate": rate, "seed": seed}
    run = cell | {
        "initial_cost": costs[0],
        "final_cost": costs[-1],
        "train_accuracy": test[-1],
        "validation_accuracy": validation[-1],
        "test_accuracy": test[-1],
        "diverged_at": diverged_at,
        "distinct_units": units,
        "hidden_widths": "4;2",
    }
    curve = [
        cell | {"iteration": it, "cost": c, "train_accuracy": t, "validation_accuracy": v,
                "test_accuracy": t}
        for it, c, v, t in zip(LOGGED, costs, validation, test)
    ]  # fmt: skip
    return run, curve


def _grid():
    fast = ([0.5, 0.95, 0.96, 0.97], [0.5, 0.94, 0.95, 0.96], [LN2, 0.3, 0.2, 0.1])
    slow = ([0.5, 0.6, 0.8, 0.92], [0.5, 0.6, 0.8, 0.91], [LN2, 0.6, 0.4, 0.3])
    flat = ([0.5] * 4, [0.5] * 4, [LN2] * 4)
    specs = []
    for seed in range(6):
        specs.append(("he", 1.0, 0.1, seed, *fast))
        specs.append(("he", 1.0, 0.01, seed, *slow))
        specs.append(("lecun", 1.0, 0.1, seed, *(slow if seed % 2 else fast)))
        specs.append(("zeros", 1.0, 0.1, seed, *flat))
    runs, curves = [], []
    for spec in specs:
        run, curve = _run(*spec, units="1;1" if spec[0] == "zeros" else "4;2")
        runs.append(run)
        curves += curve
    return pd.DataFrame(runs), pd.DataFrame(curves)


def _settings(**changes):
    values = dict(
        axes=AXES, threshold=0.9, stuck_margin=0.01, budgets=(200, 300), n_resamples=200,
        bootstrap_seed=0, level=0.95, reference="he", thresholds=(0.9, 0.95), layers=(2, 4, 2, 1),
    )  # fmt: skip
    return AnalysisSettings(**(values | changes))


def test_budgets_keep_the_notebooks_only_when_logged_and_shorter():
    assert budgets(15000, 20000, [0, 15000, 20000]) == (15000, 20000)
    assert budgets(15000, 20000, [0, 10000, 20000]) == (20000,)
    assert budgets(15000, 15000, [0, 15000]) == (15000,)


def test_runs_at_reads_the_curve_and_divergence_by_then():
    runs, curves = _grid()
    runs.loc[0, "diverged_at"] = 300
    early = runs_at(runs, curves, AXES, 200)
    assert list(early.columns) == list(runs.columns)
    assert early.loc[0, "final_cost"] == 0.2 and early.loc[0, "validation_accuracy"] == 0.96
    assert early.loc[0, "diverged_at"] == -1  # it diverged only after 200
    assert runs_at(runs, curves, AXES, 300).loc[0, "diverged_at"] == 300


def test_analysis_at_two_budgets_statuses_selection_and_times():
    runs, curves = _grid()
    tables = analyse(runs, curves, _settings())
    summary = tables["summary"].set_index(["init", "scale", "learning_rate", "budget"])
    # At 200 iterations the slow He cell has not reached 0.9 on test; at 300 it has.
    assert summary.loc[("he", 1.0, 0.01, 200), "n_success"] == 0
    assert summary.loc[("he", 1.0, 0.01, 300), "n_success"] == 6
    statuses = tables["runs"].groupby("init")["status"].agg(set).to_dict()
    assert statuses["zeros"] == {"symmetric"}
    # Validation picks the fast learning rate for He (never the test set).
    chosen = tables["selection"].set_index("init")
    assert chosen.loc["he", "learning_rate"] == 0.1
    assert chosen.loc["he", "median_time_to_learn"] == 100
    times = tables["times"].set_index(["init", "learning_rate"])
    assert times.loc[("he", 0.1), "median_time_to_learn"] == 100
    assert times.loc[("he", 0.01), "median_time_to_learn"] == 300


def test_comparisons_are_against_the_references_choice_and_holm_corrected():
    runs, curves = _grid()
    comparisons = analyse(runs, curves, _settings())["comparisons"]
    assert set(comparisons["b"]) == {"he (chosen)"}
    assert set(comparisons["a"]) == {"lecun (chosen)", "zeros (chosen)"}
    # 6/6 against 0/6: Fisher p = 2 / C(12, 6) = 0.00216; Holm doubles the smallest of two.
    zeros = comparisons.set_index("a").loc["zeros (chosen)"]
    assert zeros["fisher_p"] == pytest.approx(2 / math.comb(12, 6))
    assert zeros["fisher_p_holm"] == pytest.approx(2 * zeros["fisher_p"])
    # lecun succeeds on 6/6 too (slow seeds reach 0.91 at 300): indistinguishable.
    assert comparisons.set_index("a").loc["lecun (chosen)", "fisher_p"] == 1.0


def test_speedup_of_the_chosen_cells():
    runs, curves = _grid()
    speed = analyse(runs, curves, _settings())["speedups"].set_index("a")
    # lecun's chosen cell: half its seeds learn at 100, half at 300 -> median 100 (KM: S <= 1/2).
    assert speed.loc["lecun (chosen)", "median_a"] == 100
    assert speed.loc["lecun (chosen)", "ratio"] == pytest.approx(1.0)
    assert np.isnan(speed.loc["zeros (chosen)", "ratio"])


def test_equal_gain_cells_find_each_initializers_scale_at_hes_gain():
    cells = [("he", 1.0), ("lecun", 1.0), ("lecun", 1.4142135623730951), ("orthogonal", 1.0),
             ("orthogonal", 1.4142135623730951), ("glorot", 1.1583), ("zeros", 1.0)]  # fmt: skip
    found = equal_gain_cells(cells, [2, 10, 5, 1], "he")
    assert found == {"lecun": 1.4142135623730951, "orthogonal": 1.4142135623730951,
                     "glorot": 1.1583}  # fmt: skip
