"""Tests of run classification on hand-made cost curves."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.analysis.outcomes import (
    CHANCE_COST,
    COLLAPSE_TOLERANCE,
    STATUSES,
    classify,
    is_collapsed,
    is_symmetric,
    lowest_costs,
    majority_rate,
)


def test_majority_rate_counts_the_most_frequent_class():
    assert majority_rate([0, 1, 1, 1]) == 0.75
    assert majority_rate(np.array([[1, 0, 0, 1, 0]])) == 0.6


def test_majority_rate_rejects_empty_labels():
    with pytest.raises(ValueError):
        majority_rate([])


def test_is_symmetric_compares_layer_by_layer():
    assert is_symmetric("1;1", "10;5")
    assert is_symmetric("10;4", "10;5")
    assert not is_symmetric("10;5", "10;5")
    assert not is_symmetric(math.nan, "10;5")
    with pytest.raises(ValueError):
        is_symmetric("10", "10;5")


AXES = ("init", "scale")
MARGIN = 0.05
EDGE = math.log(2) - MARGIN  # 0.6431...: a curve must reach this to count as learning
NAN = math.nan

# seed: (diverged_at, distinct_units, validation at the budget, cost curve at 0, 1000, 2000)
HE_RUNS = {
    0: (2000, "1;1", NAN, [0.69, 0.5, NAN]),  # diverged beats symmetric
    1: (-1, "1;1", 0.95, [0.69, 0.693, 0.69]),  # symmetric beats stuck and ok
    2: (-1, "10;5", 0.95, [0.70, 0.69, 0.66]),  # stuck (lowest 0.66 > edge) beats ok
    3: (-1, "10;5", 0.80, [0.75, 0.64, 0.62]),  # learning, validation below 0.9: slow
    4: (-1, "10;5", 0.95, [0.69, 0.3, 0.1]),  # ok
    5: (-1, "10;5", 0.90, [0.69, EDGE, 0.66]),  # touches the edge once, reaches 0.9: ok
    6: (-1, "10;5", 0.60, [0.69, 0.5, 0.69]),  # dropped, then came back: slow, not stuck
    7: (-1, "10;5", NAN, [0.69, 0.4, 0.3]),  # no validation accuracy: slow
}
HE_EXPECTED = ["diverged", "symmetric", "stuck", "slow", "ok", "ok", "slow", "slow"]


def _table(cells, train=0.8):
    runs, curves = [], []
    for (init, scale), rows in cells.items():
        for seed, (diverged_at, units, validation, costs, *rest) in rows.items():
            final = costs[-1] if diverged_at < 0 else NAN
            accuracy = rest[0] if rest else (train if diverged_at < 0 else NAN)
            runs.append(
                (init, scale, seed, diverged_at, final, units, "10;5", accuracy, validation)
            )
            for iteration, cost in zip((0, 1000, 2000), costs, strict=True):
                curves.append((init, scale, seed, iteration, cost))
    run_columns = [*AXES, "seed", "diverged_at", "final_cost", "distinct_units"]
    run_columns += ["hidden_widths", "train_accuracy", "validation_accuracy"]
    runs = pd.DataFrame(runs, columns=run_columns)
    runs.index = runs.index + 10  # the result keeps the runs' own index
    return runs, pd.DataFrame(curves, columns=[*AXES, "seed", "iteration", "cost"])


def test_classify_applies_the_precedence_on_hand_made_curves():
    runs, curves = _table({("he", 1.0): HE_RUNS})
    status = classify(runs, curves, AXES, threshold=0.9, stuck_margin=MARGIN)
    assert status.tolist() == HE_EXPECTED
    assert status.name == "status"
    assert status.index.tolist() == runs.index.tolist()
    assert set(status) <= set(STATUSES)


def test_classify_joins_curves_by_cell_and_seed_in_any_order():
    # Same seeds in a second cell, with the curves of the first cell swapped
    # between "stuck" and "ok": each run must find its own curve.
    other = {0: (-1, "10;5", 0.95, [0.69, 0.3, 0.1]), 4: (-1, "10;5", 0.95, [0.70, 0.69, 0.66])}
    runs, curves = _table({("he", 1.0): HE_RUNS, ("he", 2.0): other})
    curves = curves.sample(frac=1.0, random_state=0)
    runs = runs.iloc[::-1]
    status = classify(runs, curves, AXES, threshold=0.9, stuck_margin=MARGIN)
    assert status.tolist() == ["stuck", "ok", *HE_EXPECTED[::-1]]
    assert lowest_costs(runs, curves, AXES)[:2].tolist() == [0.66, 0.1]


def test_a_large_threshold_or_margin_moves_runs_between_classes():
    runs, curves = _table({("he", 1.0): HE_RUNS})
    strict = classify(runs, curves, AXES, threshold=0.96, stuck_margin=MARGIN)
    assert strict.tolist()[4:6] == ["slow", "slow"]
    # ln 2 - 0.5 = 0.19: only seed 4 (lowest cost 0.1) gets below it
    wide = classify(runs, curves, AXES, threshold=0.9, stuck_margin=0.5)
    assert wide.tolist() == [
        "diverged",
        "symmetric",
        "stuck",
        "stuck",
        "ok",
        "stuck",
        "stuck",
        "stuck",
    ]
    assert CHANCE_COST == pytest.approx(0.6931471805599453)


def test_classify_refuses_a_run_without_curve_and_a_bad_margin():
    runs, curves = _table({("he", 1.0): HE_RUNS})
    with pytest.raises(ValueError, match="no cost curve"):
        classify(runs, curves[curves["seed"] != 3], AXES, 0.9, MARGIN)
    with pytest.raises(ValueError, match="stuck_margin"):
        classify(runs, curves, AXES, 0.9, 0.0)


LN2 = math.log(2)
# seed: (diverged_at, distinct_units, validation, cost curve, train accuracy at the budget)
COLLAPSING_RUNS = {
    0: (-1, "10;5", 0.5, [0.69, 0.3, LN2], 0.5),  # learned, then one class everywhere
    1: (-1, "10;5", 0.5, [LN2, LN2, LN2 + 1e-6], 0.5),  # never left ln 2, one class
    2: (-1, "10;5", 0.5, [0.69, 0.3, LN2 + 2e-3], 0.5),  # cost too far from ln 2: slow
    3: (-1, "10;5", 0.52, [0.69, 0.3, LN2], 0.5),  # two classes on validation: slow
    4: (-1, "10;5", 0.5, [0.69, 0.3, LN2], 0.51),  # two classes on training: slow
    5: (-1, "1;1", 0.5, [LN2, LN2, LN2], 0.5),  # zeros: symmetric first
    6: (-1, "10;5", 0.5, [LN2, LN2, LN2], 0.5),  # never left ln 2, one class
}


def test_a_run_whose_output_collapsed_is_collapsed_not_slow_or_stuck():
    runs, curves = _table({("he", 4.0): COLLAPSING_RUNS})
    status = classify(runs, curves, AXES, threshold=0.9, stuck_margin=MARGIN)
    assert status.tolist() == [
        "collapsed",
        "collapsed",
        "slow",
        "slow",
        "slow",
        "symmetric",
        "collapsed",
    ]
    # the class has its place among the classes: after stuck, before symmetric
    assert STATUSES.index("stuck") < STATUSES.index("collapsed") < STATUSES.index("symmetric")


def test_is_collapsed_reads_the_cost_within_its_tolerance_and_never_a_missing_run():
    cost = np.array([LN2, LN2 + COLLAPSE_TOLERANCE * 0.99, LN2 - COLLAPSE_TOLERANCE * 1.01, NAN])
    half = np.full(4, 0.5)
    assert is_collapsed(cost, half, half).tolist() == [True, True, False, False]
    assert not is_collapsed([LN2], [0.5], [NAN])[0]
