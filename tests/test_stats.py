"""Tests of the summary statistics against hand-computed values."""

import io
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from initstudy import stats
from initstudy.paired import PAIRED_COLUMNS, best_scale, paired_comparison
from initstudy.stats import (
    SUMMARY_COLUMNS,
    bootstrap_mean_ci,
    derive_seed,
    interquartile_mean,
    summarize,
    wilson_interval,
)

NAN = math.nan
Z_95 = 1.959963984540054


# --- Wilson -----------------------------------------------------------------


def test_wilson_matches_hand_computation_at_8_of_10():
    p, n, z2 = 0.8, 10, Z_95**2
    center = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(center - half, abs=1e-12)
    assert high == pytest.approx(center + half, abs=1e-12)
    assert (low, high) == pytest.approx((0.4901625, 0.9433178), abs=1e-7)  # textbook value


def test_wilson_is_exact_at_the_extremes():
    low, high = wilson_interval(0, 7)
    assert low == 0.0 and 0.0 < high < 1.0
    low, high = wilson_interval(7, 7)
    assert high == 1.0 and 0.0 < low < 1.0
    # symmetric: 0/n and n/n mirror each other
    assert wilson_interval(0, 7)[1] == pytest.approx(1 - wilson_interval(7, 7)[0], abs=1e-15)


def test_wilson_without_trials_is_nan_and_rejects_bad_input():
    assert all(math.isnan(b) for b in wilson_interval(0, 0))
    for successes, n, level in [(3, 2, 0.95), (-1, 2, 0.95), (1, 2, 1.0), (1, 2, 0.0)]:
        with pytest.raises(ValueError):
            wilson_interval(successes, n, level)


# --- bootstrap --------------------------------------------------------------


def test_bootstrap_of_a_constant_sample_is_that_constant():
    assert bootstrap_mean_ci([0.1] * 7, 1000, seed=3) == (0.1, 0.1)
    assert bootstrap_mean_ci([NAN, 2.0, 2.0], 1000, seed=3) == (2.0, 2.0)


def test_bootstrap_of_an_empty_sample_is_nan():
    for values in ([], [NAN, NAN]):
        low, high = bootstrap_mean_ci(values, 100, seed=0)
        assert math.isnan(low) and math.isnan(high)


def test_bootstrap_contains_the_mean_and_narrows_with_n():
    rng = np.random.default_rng(12345)
    widths = []
    for n in (20, 2000):
        sample = rng.normal(0.7, 0.1, size=n)
        low, high = bootstrap_mean_ci(sample, 2000, seed=1)
        assert low < sample.mean() < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 5  # width shrinks like 1/sqrt(n): about 10x here


def test_bootstrap_is_deterministic_per_seed():
    sample = [0.1, 0.5, 0.9, 0.4, NAN, 0.3]
    first = bootstrap_mean_ci(sample, 500, seed=42)
    assert bootstrap_mean_ci(sample, 500, seed=42) == first
    assert bootstrap_mean_ci(sample, 500, seed=43) != first
    assert min(sample[:4]) <= first[0] < first[1] <= max(sample[:4])


def test_bootstrap_in_chunks_stays_deterministic(monkeypatch):
    monkeypatch.setattr(stats, "_MAX_INDICES_PER_CHUNK", 7)  # 1 resample per chunk
    sample = [0.0, 1.0, 0.0, 1.0, 1.0]
    first = bootstrap_mean_ci(sample, 300, seed=5)
    assert bootstrap_mean_ci(sample, 300, seed=5) == first
    assert 0.0 <= first[0] < 0.6 < first[1] <= 1.0


def test_bootstrap_rejects_no_resamples():
    with pytest.raises(ValueError):
        bootstrap_mean_ci([1.0, 2.0], 0, seed=0)


# --- interquartile mean -----------------------------------------------------


def test_iqm_of_one_to_eight_is_the_mean_of_three_to_six():
    assert interquartile_mean(np.arange(1, 9)) == 4.5


def test_iqm_weights_boundary_values_fractionally():
    # n = 5: slices of 1/5; inside [1/4, 3/4]: 0, .15, .2, .15, 0 -> weights 0, .3, .4, .3, 0
    assert interquartile_mean([16, 1, 8, 2, 4]) == pytest.approx(0.3 * 2 + 0.4 * 4 + 0.3 * 8)
    # n = 7: in units of 1/28, overlaps 0, 1, 4, 4, 4, 1, 0 (sum 14)
    values = [0, 1, 2, 4, 8, 16, 32]
    assert interquartile_mean(values) == pytest.approx((1 + 4 * 2 + 4 * 4 + 4 * 8 + 16) / 14)
    # n = 3: weights 1/6, 2/3, 1/6
    assert interquartile_mean([30, 0, 3]) == pytest.approx(3 * 2 / 3 + 30 / 6)


def test_iqm_small_and_degenerate_samples():
    assert interquartile_mean([5.0]) == 5.0
    assert interquartile_mean([1.0, 4.0]) == 2.5
    assert interquartile_mean([NAN, 1.0, 4.0]) == 2.5
    assert math.isnan(interquartile_mean([]))
    assert math.isnan(interquartile_mean([NAN]))


# --- summarize --------------------------------------------------------------


def _runs():
    rows = [
        # init, scale, seed, test, train, cost, status
        ("he", 1.0, 2, 0.8, 0.9, 0.2, "chance"),
        ("zeros", 0.5, 0, NAN, NAN, NAN, "diverged"),
        ("he", 1.0, 0, 0.9, 1.0, 0.1, "ok"),
        ("he", 0.1, 0, 0.6, 0.7, 0.4, "ok"),
        ("zeros", 0.5, 1, NAN, NAN, NAN, "symmetric"),
        ("he", 1.0, 1, 0.7, 0.8, 0.3, "ok"),
    ]
    columns = ["init", "scale", "seed", "test_accuracy", "train_accuracy", "final_cost", "status"]
    return pd.DataFrame(rows, columns=columns)


def _summary(runs=None):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on all-NaN cells
        return summarize(_runs() if runs is None else runs, 0.75, 500, seed=7)


def test_summarize_keeps_the_order_of_first_appearance():
    summary = _summary()
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    cells = list(zip(summary["init"], summary["scale"], strict=True))
    assert cells == [("he", 1.0), ("zeros", 0.5), ("he", 0.1)]


def test_summarize_full_cell_matches_hand_values():
    row = _summary().iloc[0]
    assert (row["n_seeds"], row["n_finite"], row["n_success"]) == (3, 3, 2)
    assert row["success_rate"] == pytest.approx(2 / 3)
    assert (row["success_ci_low"], row["success_ci_high"]) == wilson_interval(2, 3)
    assert row["test_accuracy_mean"] == pytest.approx(0.8)
    assert row["test_accuracy_std"] == pytest.approx(0.1)  # sqrt((0.01 + 0 + 0.01) / 2)
    assert row["test_accuracy_median"] == pytest.approx(0.8)
    assert row["test_accuracy_iqm"] == pytest.approx(0.8)
    assert row["final_cost_std"] == pytest.approx(0.1)
    assert row["train_accuracy_mean"] == pytest.approx(0.9)
    assert 0.7 <= row["test_accuracy_ci_low"] < 0.8 < row["test_accuracy_ci_high"] <= 0.9
    counts = [row[f"n_{s}"] for s in ("ok", "diverged", "symmetric", "chance")]
    assert counts == [2, 0, 0, 1]


def test_summarize_all_nan_cell_has_empty_stats_but_counts():
    row = _summary().iloc[1]
    assert (row["n_seeds"], row["n_finite"], row["n_success"]) == (2, 0, 0)
    assert row["success_rate"] == 0.0
    assert row["success_ci_low"] == 0.0 and row["success_ci_high"] < 1.0
    stat_columns = [c for c in SUMMARY_COLUMNS if c.startswith(stats.METRICS)]
    assert row[stat_columns].isna().all()
    assert (row["n_diverged"], row["n_symmetric"], row["n_ok"]) == (1, 1, 0)


def test_summarize_single_seed_cell_has_nan_std_and_point_interval():
    row = _summary().iloc[2]
    assert math.isnan(row["test_accuracy_std"])
    assert row["test_accuracy_ci_low"] == row["test_accuracy_ci_high"] == 0.6


def _csv(frame):
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def test_summarize_is_deterministic_and_independent_of_other_cells_and_row_order():
    full = _summary()
    assert _csv(_summary()) == _csv(full)
    shuffled = _runs().sample(frac=1.0, random_state=0)
    reordered = _summary(shuffled).set_index(["init", "scale"])
    reordered = reordered.loc[full.set_index(["init", "scale"]).index].reset_index()
    assert _csv(reordered) == _csv(full)
    alone = _summary(_runs()[_runs()["init"] == "he"].iloc[[0, 1, 3]])
    pd.testing.assert_frame_equal(alone.iloc[[0]], full.iloc[[0]])


def test_summarize_rejects_duplicate_runs_and_unknown_statuses():
    runs = _runs()
    with pytest.raises(ValueError):
        summarize(pd.concat([runs, runs.iloc[[0]]]), 0.75, 10, seed=0)
    runs.loc[0, "status"] = "exploded"
    with pytest.raises(ValueError):
        summarize(runs, 0.75, 10, seed=0)


def test_derive_seed_depends_only_on_seed_and_key():
    seed = derive_seed(7, "he", 1.0)
    assert seed == derive_seed(7, "he", 1) == derive_seed(7, "he", np.float64(1))
    assert derive_seed(7, "he", 1.0) != derive_seed(8, "he", 1.0)
    assert derive_seed(7, "he", 1.0) != derive_seed(7, "he", 0.1)


# --- paired comparison ------------------------------------------------------


def _paired_runs():
    rows = [
        ("he", 1.0, [0.8, 0.7, 0.9, NAN, 0.5]),  # reference, seeds 0..4
        ("he", 2.0, [0.1]),  # the reference's own init is not compared
        ("zeros", 0.2, [0.5, 0.5]),  # ties with 0.1 in mean: smaller scale wins
        ("zeros", 0.1, [0.5, 0.5]),
        ("xavier", 0.5, [0.6, 0.6, 0.6, 0.6]),  # mean 0.6
        ("xavier", 1.0, [0.9, 0.7, 0.6, NAN, NAN, 0.9]),  # finite mean 0.775: best
        ("normal", 3.0, [NAN, NAN]),
        ("normal", 2.0, [NAN]),
    ]
    records = [
        {"init": init, "scale": scale, "seed": seed, "test_accuracy": acc}
        for init, scale, accuracies in rows
        for seed, acc in enumerate(accuracies)
    ]
    return pd.DataFrame(records)


def test_best_scale_prefers_higher_mean_then_smaller_scale():
    runs = _paired_runs()
    assert best_scale(runs, "xavier") == 1.0
    assert best_scale(runs, "zeros") == 0.1
    assert best_scale(runs, "normal") == 2.0  # no finite run anywhere: smallest scale


def test_paired_comparison_matches_hand_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = paired_comparison(_paired_runs(), ("he", 1.0), 1000, seed=3)
    assert list(result.columns) == list(PAIRED_COLUMNS)
    assert result["init"].tolist() == ["zeros", "xavier", "normal"]
    zeros, xavier, normal = (row for _, row in result.iterrows())

    # xavier @ 1.0 vs he @ 1.0 on seeds 0..4 (seed 5 unpaired):
    # win, tie, loss, NaN-NaN tie, NaN-vs-finite loss -> (1 + .5 + 0 + .5 + 0) / 5
    assert (xavier["best_scale"], xavier["n_pairs"]) == (1.0, 5)
    assert xavier["p_beats"] == pytest.approx(0.4)
    assert 0.0 <= xavier["p_beats_ci_low"] < 0.4 < xavier["p_beats_ci_high"] <= 1.0
    assert xavier["mean_difference"] == pytest.approx((0.1 + 0.0 - 0.3) / 3)

    # zeros @ 0.1 loses both pairs: a constant score gives a point interval
    assert (zeros["best_scale"], zeros["n_pairs"], zeros["p_beats"]) == (0.1, 2, 0.0)
    assert (zeros["p_beats_ci_low"], zeros["p_beats_ci_high"]) == (0.0, 0.0)
    assert zeros["mean_difference"] == pytest.approx(-0.25)

    # normal @ 2.0 only has seed 0: NaN vs 0.8 is a loss; no finite pair
    assert (normal["best_scale"], normal["n_pairs"], normal["p_beats"]) == (2.0, 1, 0.0)
    assert math.isnan(normal["mean_difference"])


def test_paired_comparison_is_deterministic():
    first = _csv(paired_comparison(_paired_runs(), ("he", 1.0), 500, seed=3))
    assert _csv(paired_comparison(_paired_runs(), ("he", 1.0), 500, seed=3)) == first


def test_paired_comparison_without_reference_cell_is_empty():
    result = paired_comparison(_paired_runs(), ("he", 0.3), 100, seed=0)
    assert result.empty
    assert list(result.columns) == list(PAIRED_COLUMNS)
