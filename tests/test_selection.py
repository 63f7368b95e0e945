"""Tests of the choice on validation: test labels never move it, validation does."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.analysis.selection import SELECTION_COLUMNS, candidates, select_on_validation
from initstudy.analysis.stats import IDENTICAL

AXES = ("init", "scale", "learning_rate")
SEEDS = range(4)
# mean validation accuracy of each candidate; per-seed offsets -0.01, +0.01, -0.02, +0.02
VALIDATION = {
    ("he", 0.5, 0.01): 0.80,
    ("he", 0.5, 0.1): 0.90,
    ("he", 1.0, 0.01): 0.85,
    ("he", 1.0, 0.1): 0.95,  # he's best
    ("lecun", 1.0, 0.01): 0.93,  # tie with lecun x2 at 0.01: the smaller scale wins
    ("lecun", 2.0, 0.01): 0.93,
    ("lecun", 2.0, 0.1): 0.60,
}
OFFSETS = (-0.01, 0.01, -0.02, 0.02)
CHOSEN_TEST = (0.9, 0.95, 0.85, 1.0)


def _runs():
    rows = []
    for (init, scale, rate), validation in VALIDATION.items():
        for seed in SEEDS:
            test = CHOSEN_TEST[seed] if (init, scale, rate) == ("he", 1.0, 0.1) else 0.5
            rows.append((init, scale, rate, seed, validation + OFFSETS[seed], test))
    columns = [*AXES, "seed", "validation_accuracy", "test_accuracy"]
    return pd.DataFrame(rows, columns=columns)


def _chosen(runs, **kwargs):
    table = select_on_validation(runs, AXES, 0.9, 500, seed=0, **kwargs)
    return [tuple(row) for row in table[["init", "scale", "learning_rate"]].to_numpy()]


def test_selection_picks_the_best_mean_validation_and_reports_test_after():
    table = select_on_validation(_runs(), AXES, 0.9, 500, seed=0)
    assert list(table.columns) == ["init", "scale", "learning_rate", *SELECTION_COLUMNS]
    assert _chosen(_runs()) == [("he", 1.0, 0.1), ("lecun", 1.0, 0.01)]
    he = table.iloc[0]
    assert (he["n_runs"], he["n_candidates"]) == (4, 4)
    assert he["validation_accuracy_mean"] == pytest.approx(0.95)
    # test accuracies 0.9, 0.95, 0.85, 1.0: mean = median = 0.925, 3 of 4 at >= 0.9
    assert he["test_accuracy_mean"] == pytest.approx(0.925)
    assert he["test_accuracy_median"] == pytest.approx(0.925)
    assert (he["n_success"], he["success_rate"]) == (3, 0.75)
    assert he["test_accuracy_mean_ci_low"] < 0.925 < he["test_accuracy_mean_ci_high"]
    assert math.isnan(he["median_time_to_learn"])  # no times given


def test_changing_test_labels_never_changes_the_selected_cell():
    runs = _runs()
    chosen = _chosen(runs)
    rng = np.random.default_rng(0)
    for _ in range(20):
        changed = runs.assign(test_accuracy=rng.uniform(0, 1, len(runs)))
        changed.loc[rng.random(len(runs)) < 0.2, "test_accuracy"] = math.nan
        assert _chosen(changed) == chosen


def test_changing_validation_changes_the_selected_cell():
    runs = _runs()
    better = (runs["init"] == "he") & (runs["scale"] == 0.5) & (runs["learning_rate"] == 0.01)
    runs.loc[better, "validation_accuracy"] = 0.99
    assert _chosen(runs)[0] == ("he", 0.5, 0.01)
    # a candidate without any finite validation accuracy ranks last
    runs.loc[better, "validation_accuracy"] = math.nan
    assert _chosen(runs)[0] == ("he", 1.0, 0.1)


def test_ties_go_to_the_faster_cell_when_times_are_given():
    runs = _runs()
    times = runs[[*AXES, "seed"]].assign(time_to_learn=5000.0, learned=True)
    slow = (times["init"] == "lecun") & (times["scale"] == 1.0)
    times.loc[slow, "time_to_learn"] = 9000.0
    table = select_on_validation(runs, AXES, 0.9, 100, seed=0, times=times)
    assert _chosen(runs, times=times)[1] == ("lecun", 2.0, 0.01)
    assert table["median_time_to_learn"].tolist() == [5000.0, 5000.0]


def test_kept_axes_are_chosen_for_separately_and_other_axes_pooled():
    runs = pd.concat(
        [
            _runs().assign(dataset=name, draw=draw)
            for name in ("circles", "moons")
            for draw in (0, 1)
        ],
        ignore_index=True,
    )
    moons = (runs["dataset"] == "moons") & (runs["init"] == "he") & (runs["scale"] == 0.5)
    runs.loc[moons & (runs["learning_rate"] == 0.1), "validation_accuracy"] = 0.99
    axes = (*AXES, "dataset", "draw")
    table = select_on_validation(runs, axes, 0.9, 100, seed=0, keep=("dataset",))
    assert list(table.columns[:4]) == ["init", "dataset", "scale", "learning_rate"]
    chosen = table[["init", "dataset", "scale", "learning_rate"]].to_numpy().tolist()
    assert chosen == [  # groups in order of first appearance
        ["he", "circles", 1.0, 0.1],
        ["lecun", "circles", 1.0, 0.01],
        ["he", "moons", 0.5, 0.1],
        ["lecun", "moons", 1.0, 0.01],
    ]
    assert table["n_runs"].tolist() == [8, 8, 8, 8]  # 4 seeds x 2 pooled draws


def test_a_chosen_cell_of_identical_seeds_has_no_interval():
    runs = _runs().assign(init="zeros", scale=1.0, learning_rate=0.01)
    runs = runs.iloc[:3].assign(validation_accuracy=0.5, test_accuracy=0.5, seed=[0, 1, 2])
    row = select_on_validation(runs, AXES, 0.9, 100, seed=0).iloc[0]
    assert math.isnan(row["success_ci_low"]) and math.isnan(row["test_accuracy_mean_ci_low"])
    assert row["success_ci_note"] == row["test_accuracy_mean_ci_note"] == IDENTICAL


def test_ties_on_validation_are_counted_and_the_rule_that_broke_them_named():
    table = select_on_validation(_runs(), AXES, 0.9, 100, seed=0)
    # he has one best cell; lecun x1 and x2 tie at 0.01 and the smaller scale wins
    assert table[["init", "n_tied", "tie_break"]].to_numpy().tolist() == [
        ["he", 1, "none"],
        ["lecun", 2, "axis order"],
    ]
    runs = _runs()
    times = runs[[*AXES, "seed"]].assign(time_to_learn=5000.0, learned=True)
    times.loc[(times["init"] == "lecun") & (times["scale"] == 1.0), "time_to_learn"] = 9000.0
    table = select_on_validation(runs, AXES, 0.9, 100, seed=0, times=times)
    assert table["tie_break"].tolist() == ["none", "time to learn"]
    listed = candidates(runs, AXES, times=times)
    lecun = listed[listed["init"] == "lecun"]
    assert lecun[["scale", "learning_rate", "tied", "chosen"]].to_numpy().tolist() == [
        [2.0, 0.01, True, True],
        [1.0, 0.01, True, False],
        [2.0, 0.1, False, False],
    ]
