"""Tests of time to learn on hand-made censored data."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.analysis.survival import (
    CURVE_COLUMNS,
    FEWER_THAN_HALF,
    KM_COLUMNS,
    MEDIAN_COLUMNS,
    TIME_COLUMNS,
    UPPER_BEYOND_BUDGET,
    kaplan_meier,
    learning_curves,
    median_ratio,
    median_time,
    median_times,
    speedup,
    time_to_learn,
)

NAN = math.nan
Z_95 = 1.959963984540054
AXES = ("init", "scale")


def _loglog(survival, greenwood_sum, z=Z_95):
    """Pointwise bounds of S by hand: S ** exp(-+ z sqrt(sum d/(n(n-d))) / |log S|)."""
    spread = z * math.sqrt(greenwood_sum) / abs(math.log(survival))
    return survival ** math.exp(spread), survival ** math.exp(-spread)


# --- Kaplan-Meier -----------------------------------------------------------


def test_kaplan_meier_with_censoring_before_the_end():
    # runs: learned at 1; censored at 2; learned at 2; learned at 3; censored at 4; learned at 4
    km = kaplan_meier([1, 2, 2, 3, 4, 4], [True, False, True, True, False, True])
    assert list(km.columns) == list(KM_COLUMNS)
    assert km["time"].tolist() == [1, 2, 3, 4]
    # the run censored at 2 is at risk at 2, then gone: 6, 5, 3, 2 at risk
    assert km["n_at_risk"].tolist() == [6, 5, 3, 2]
    assert km["n_learned"].tolist() == [1, 1, 1, 1]
    assert km["n_censored"].tolist() == [0, 1, 0, 1]
    # S = 5/6, 5/6 * 4/5, * 2/3, * 1/2
    survival = [5 / 6, 2 / 3, 4 / 9, 2 / 9]
    assert km["learned_share"].tolist() == pytest.approx([1 - s for s in survival], abs=1e-15)
    # the plain share learned would be 4/6 at the end: censoring is not failure
    assert km["learned_share"].iloc[-1] > 4 / 6
    greenwood = np.cumsum([1 / (6 * 5), 1 / (5 * 4), 1 / (3 * 2), 1 / (2 * 1)])
    for row, (s, g) in enumerate(zip(survival, greenwood, strict=True)):
        s_low, s_high = _loglog(s, g)
        assert km["ci_low"].iloc[row] == pytest.approx(1 - s_high, abs=1e-12)
        assert km["ci_high"].iloc[row] == pytest.approx(1 - s_low, abs=1e-12)
    assert km.loc[0, ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [0.025288, 0.726877], abs=1e-6
    )


# Freireich et al. (1963) 6-MP arm, the textbook example of Kaplan-Meier
# (e.g. Kleinbaum & Klein, Survival Analysis, table 2.1): + marks censoring.
SIX_MP = "6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+"


def test_kaplan_meier_reproduces_the_textbook_six_mp_table():
    tokens = SIX_MP.split()
    times = [float(t.rstrip("+")) for t in tokens]
    events = [not t.endswith("+") for t in tokens]
    km = kaplan_meier(times, events).set_index("time")
    at_events = km.loc[[6, 7, 10, 13, 16, 22, 23]]
    published = [0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482]
    assert (1 - at_events["learned_share"]).tolist() == pytest.approx(published, abs=5e-5)
    assert at_events["n_at_risk"].tolist() == [21, 17, 15, 12, 11, 7, 6]
    assert median_time(times, events)[0] == 23.0


def test_kaplan_meier_without_events_or_with_all_events_has_point_bounds():
    none = kaplan_meier([5, 5, 5], [False] * 3)
    assert none[["learned_share", "ci_low", "ci_high"]].iloc[0].tolist() == [0.0, 0.0, 0.0]
    every = kaplan_meier([1, 2], [True, True])
    assert every[["learned_share", "ci_low", "ci_high"]].iloc[-1].tolist() == [1.0, 1.0, 1.0]


# --- median -----------------------------------------------------------------


def test_median_is_the_first_time_half_have_learned():
    assert median_time([10, 10, 30, 30], [True, True, False, False])[0] == 10.0
    # 24 runs, one learning at each of 1..12, 12 censored later: S(12) = 1/2
    # exactly, but the product 23/24 * 22/23 * ... * 12/13 rounds to 0.5000000000000001
    times = list(range(1, 13)) + [99] * 12
    events = [True] * 12 + [False] * 12
    assert np.cumprod(1 - 1 / np.arange(24.0, 12.0, -1.0))[-1] > 0.5
    assert median_time(times, events)[0] == 12.0


def test_median_interval_is_brookmeyer_crowley_from_the_pointwise_bounds():
    times = [1, 1, 2, 2, 2, 3, 4, 6, 6, 6]
    events = [True] * 7 + [False] * 3
    km = kaplan_meier(times, events)
    median, low, high, note = median_time(times, events)
    s, s_low, s_high = 1 - km["learned_share"], 1 - km["ci_high"], 1 - km["ci_low"]
    first = {name: km["time"][curve <= 0.5].min() for name, curve in [("s", s), ("lo", s_low)]}
    assert (median, low) == (first["s"], first["lo"]) == (2.0, 1.0)
    # S_high: at 2, S = 0.5 and its upper bound is above; at 3 S = 0.4, bound 0.71;
    # at 4 S = 0.3 with bound (0.3 ** exp(-spread)) by hand:
    g4 = 2 / (10 * 8) + 3 / (8 * 5) + 1 / (5 * 4) + 1 / (4 * 3)
    assert s_high.iloc[3] == pytest.approx(_loglog(0.3, g4)[1], abs=1e-12)
    assert s_high.iloc[3] > 0.5  # never at or below 1/2: no upper bound in the data
    assert math.isnan(high) and note == UPPER_BEYOND_BUDGET


def test_median_is_undefined_when_fewer_than_half_learn():
    median, _, high, note = median_time([1, 5, 5, 5], [True, False, False, False])
    assert math.isnan(median) and math.isnan(high) and note == FEWER_THAN_HALF


# --- from curves to tables ---------------------------------------------------


def _curves():
    # seed: validation accuracy at iterations 0, 1000, 2000, 3000; diverged_at
    cells = {
        ("he", 1.0): {
            0: ([0.5, 0.95, 0.97, 0.98], -1),  # learns at 1000
            1: ([0.5, 0.6, 0.8, 0.9], -1),  # reaches exactly 0.9 at the budget
            2: ([0.5, 0.92, 0.7, 0.8], -1),  # the first crossing counts
            3: ([0.5, 0.6, 0.7, 0.8], -1),  # never: censored at 3000
            4: ([0.5, 0.95, NAN, NAN], 2000),  # diverged after reaching it: censored
        },
        ("he", 2.0): {0: ([0.95, 0.95, 0.95, 0.95], -1), 1: ([0.5, 0.5, 0.5, 0.5], -1)},
    }
    runs, curves = [], []
    for (init, scale), seeds in cells.items():
        for seed, (validation, diverged_at) in seeds.items():
            runs.append((init, scale, seed, diverged_at))
            for iteration, accuracy in zip((0, 1000, 2000, 3000), validation, strict=True):
                curves.append((init, scale, seed, iteration, accuracy))
    runs = pd.DataFrame(runs, columns=[*AXES, "seed", "diverged_at"])
    curves = pd.DataFrame(curves, columns=[*AXES, "seed", "iteration", "validation_accuracy"])
    return runs, curves


def test_time_to_learn_reads_the_first_crossing_and_censors_the_rest():
    runs, curves = _curves()
    times = time_to_learn(runs, curves.sample(frac=1.0, random_state=1), AXES, 0.9)
    assert list(times.columns) == [*AXES, *TIME_COLUMNS]
    assert times["time_to_learn"].tolist() == [1000, 3000, 1000, 3000, 3000, 0, 3000]
    assert times["learned"].tolist() == [True, True, True, False, False, True, False]
    with pytest.raises(ValueError, match="no validation curve"):
        time_to_learn(runs, curves[curves["seed"] != 1], AXES, 0.9)


def test_learning_curves_are_the_step_function_at_each_logged_iteration():
    runs, curves = _curves()
    times = time_to_learn(runs, curves, AXES, 0.9)
    table = learning_curves(times, AXES, [0, 1000, 2000, 3000])
    assert list(table.columns) == [*AXES, *CURVE_COLUMNS]
    he1 = table[table["scale"] == 1.0]
    # 5 runs, no censoring before 3000: 0, 2/5, 2/5, 3/5
    assert he1["learned_share"].tolist() == pytest.approx([0, 0.4, 0.4, 0.6])
    assert he1["n_learned"].tolist() == [0, 2, 2, 3]
    assert he1["learned_share_ci_low"].iloc[0] == 0.0
    assert (he1["learned_share_ci_low"] <= he1["learned_share"]).all()
    he2 = table[table["scale"] == 2.0]
    assert he2["learned_share"].tolist() == [0.5] * 4


def test_median_times_per_cell():
    runs, curves = _curves()
    table = median_times(time_to_learn(runs, curves, AXES, 0.9), AXES)
    assert list(table.columns) == [*AXES, *MEDIAN_COLUMNS]
    assert table[["n_runs", "n_learned", "median_time_to_learn"]].to_numpy().tolist() == [
        [5, 3, 3000],
        [2, 1, 0],
    ]


# --- ratio of medians -------------------------------------------------------


def test_median_ratio_of_deterministic_cells_is_exact():
    result = median_ratio([1] * 5, [True] * 5, [3] * 5, [True] * 5, 200, seed=0)
    assert (result["median_a"], result["median_b"], result["ratio"]) == (1, 3, 3)
    assert (result["ratio_ci_low"], result["ratio_ci_high"]) == (3, 3)
    assert result["note"] == "" and result["undefined_share"] == 0


def test_median_ratio_interval_covers_the_estimate_and_is_deterministic():
    a = ([1, 1, 2, 2, 5], [True, True, True, True, False])
    b = ([4, 4, 8, 8, 8], [True, True, True, False, False])
    result = median_ratio(*a, *b, 2000, seed=0)
    assert (result["median_a"], result["median_b"], result["ratio"]) == (2, 8, 4)
    assert result["ratio_ci_low"] <= 4 <= result["ratio_ci_high"]
    assert median_ratio(*a, *b, 2000, seed=0) == result


def test_median_ratio_says_why_it_is_undefined():
    result = median_ratio([1, 1], [True, True], [5, 5], [False, False], 100, seed=0)
    assert math.isnan(result["ratio"]) and result["note"] == f"B: {FEWER_THAN_HALF}"
    assert result["ratio_ci_low"] == math.inf  # every resample: B never learns


def test_speedup_pools_the_axes_it_is_not_given():
    rows = [("he", 0, s, 100.0, True) for s in range(3)] + [
        ("lecun", d, s, 400.0, True) for d in (0, 1) for s in range(3)
    ]
    times = pd.DataFrame(rows, columns=["init", "draw", "seed", "time_to_learn", "learned"])
    result = speedup(times, {"init": "he"}, {"init": "lecun"}, 100, seed=1)
    assert result["ratio"] == 4.0
    with pytest.raises(ValueError, match="no runs"):
        speedup(times, {"init": "he", "draw": 1}, {"init": "lecun"}, 100, seed=1)
