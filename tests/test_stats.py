"""Tests of the summary statistics against hand-computed values."""

import io
import math
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from initstudy.analysis import intervals
from initstudy.analysis.stats import (
    BCA_UNDEFINED,
    IDENTICAL,
    METRICS,
    NO_VALUE,
    ONE_VALUE,
    SAME_VALUES,
    SUMMARY_COLUMNS,
    bootstrap_mean_ci,
    derive_seed,
    identical_seeds,
    interquartile_mean,
    summarize,
    wilson_interval,
)

NAN = math.nan
Z_95 = 1.959963984540054


def _hand_wilson(successes, n, z=Z_95):
    p, z2 = successes / n, z * z
    center = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return center - half, center + half


# --- Wilson -----------------------------------------------------------------


def test_wilson_matches_hand_computation_at_8_of_10_and_2_of_3():
    low, high = wilson_interval(8, 10)
    assert (low, high) == pytest.approx(_hand_wilson(8, 10), abs=1e-12)
    assert (low, high) == pytest.approx((0.4901625, 0.9433178), abs=1e-7)  # textbook value
    assert wilson_interval(2, 3) == pytest.approx(_hand_wilson(2, 3), abs=1e-12)
    z_90 = NormalDist().inv_cdf(0.95)
    assert wilson_interval(2, 3, 0.9) == pytest.approx(_hand_wilson(2, 3, z_90), abs=1e-12)


def test_wilson_is_exact_at_the_extremes():
    low, high = wilson_interval(0, 7)
    assert low == 0.0 and high == pytest.approx(_hand_wilson(0, 7)[1], abs=1e-12)
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


def _exact_bca(x, level=0.95):
    """BCa by hand on the exact bootstrap distribution (all n**n resamples).

    Efron & Tibshirani (1993) eq. 14.10-14.15: bias correction z0 from the share
    of resample means below the mean (ties count half, SciPy's convention),
    acceleration from the jackknife, then the adjusted quantiles.
    """
    n = x.size
    resamples = np.indices((n,) * n).reshape(n, -1).T
    means = x[resamples].mean(axis=1)
    theta, normal = x.mean(), NormalDist()
    z0 = normal.inv_cdf((np.mean(means < theta) + np.mean(means <= theta)) / 2)
    jackknife = np.array([np.delete(x, i).mean() for i in range(n)])
    d = jackknife.mean() - jackknife
    a = (d**3).sum() / (6 * (d**2).sum() ** 1.5)

    def adjusted(alpha):
        z = z0 + normal.inv_cdf(alpha)
        return normal.cdf(z0 + z / (1 - a * z))

    alphas = [adjusted((1 - level) / 2), adjusted((1 + level) / 2)]
    return np.quantile(means, alphas), np.quantile(means, [(1 - level) / 2, (1 + level) / 2])


def test_bootstrap_is_the_bca_interval_of_the_exact_bootstrap_distribution():
    skewed = np.array([0.1, 0.2, 0.35, 0.5, 0.6, 0.72, 1.9])
    bca, percentile = _exact_bca(skewed)
    assert bca == pytest.approx([0.33857, 1.27857], abs=1e-5)
    interval = bootstrap_mean_ci(skewed, 20000, seed=0)
    assert interval.note == ""
    assert [interval.low, interval.high] == pytest.approx(bca, abs=0.02)  # Monte Carlo error
    # the percentile interval is well away: the test tells the two methods apart
    assert percentile[1] < bca[1] - 0.15


def test_bootstrap_of_a_constant_sample_has_no_interval():
    for values in ([0.1] * 7, [NAN, 2.0, 2.0]):
        interval = bootstrap_mean_ci(values, 1000, seed=3)
        assert math.isnan(interval.low) and math.isnan(interval.high)
        assert interval.note == SAME_VALUES == "all values identical"


def test_bootstrap_of_an_empty_or_single_sample_has_no_interval():
    for values, note in (([], NO_VALUE), ([NAN, NAN], NO_VALUE), ([NAN, 0.3], ONE_VALUE)):
        low, high, got = bootstrap_mean_ci(values, 100, seed=0)
        assert math.isnan(low) and math.isnan(high) and got == note


def test_bootstrap_says_when_bca_is_undefined():
    # The jackknife means differ by 2.5e-301, whose squares underflow to 0: the
    # acceleration is 0 / 0 and SciPy's BCa interval NaN.
    interval = bootstrap_mean_ci([0.0, 0.0, 0.0, 0.0, 1e-300], 50, seed=0)
    assert math.isnan(interval.low) and math.isnan(interval.high)
    assert interval.note == BCA_UNDEFINED


def test_bootstrap_contains_the_mean_and_narrows_with_n():
    rng = np.random.default_rng(12345)
    widths = []
    for n in (20, 2000):
        sample = rng.normal(0.7, 0.1, size=n)
        low, high, _ = bootstrap_mean_ci(sample, 2000, seed=1)
        assert low < sample.mean() < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 5  # width shrinks like 1/sqrt(n): about 10x here


def test_bootstrap_is_deterministic_per_seed():
    sample = [0.1, 0.5, 0.9, 0.4, NAN, 0.3]
    first = bootstrap_mean_ci(sample, 500, seed=42)
    assert bootstrap_mean_ci(sample, 500, seed=42) == first
    assert bootstrap_mean_ci(sample, 500, seed=43) != first
    assert min(sample[:4]) <= first.low < first.high <= max(sample[:4])


def test_bootstrap_in_chunks_stays_deterministic(monkeypatch):
    monkeypatch.setattr(intervals, "_MAX_INDICES_PER_CHUNK", 7)  # 1 resample per chunk
    sample = [0.0, 1.0, 0.0, 1.0, 1.0]
    first = bootstrap_mean_ci(sample, 300, seed=5)
    assert bootstrap_mean_ci(sample, 300, seed=5) == first
    assert 0.0 <= first.low < 0.6 < first.high <= 1.0


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

RUN_COLUMNS = ["init", "scale", "seed", "initial_cost", *METRICS, "status"]


def _runs():
    rows = [
        # init, scale, seed, initial cost, test, validation, train, final cost, status
        ("he", 1.0, 2, 0.71, 0.8, 0.85, 0.9, 0.2, "slow"),
        ("zeros", 0.5, 0, 0.80, NAN, NAN, NAN, NAN, "diverged"),
        ("he", 1.0, 0, 0.72, 0.9, 0.95, 1.0, 0.1, "ok"),
        ("he", 0.1, 0, 0.69, 0.6, 0.65, 0.7, 0.4, "stuck"),
        ("zeros", 0.5, 1, 0.90, NAN, NAN, NAN, NAN, "symmetric"),
        ("he", 1.0, 1, 0.73, 0.7, 0.75, 0.8, 0.3, "ok"),
    ]
    # a deterministic cell: three seeds, one run repeated
    rows += [("zeros", 1.0, seed, 0.693, 0.5, 0.48, 0.51, 0.693, "symmetric") for seed in range(3)]
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def _summary(runs=None):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on all-NaN cells
        return summarize(_runs() if runs is None else runs, 0.75, 500, seed=7)


def test_summarize_keeps_the_order_of_first_appearance_and_names_each_statistic():
    summary = _summary()
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    cells = list(zip(summary["init"], summary["scale"], strict=True))
    assert cells == [("he", 1.0), ("zeros", 0.5), ("he", 0.1), ("zeros", 1.0)]
    for metric in METRICS:
        for stat in ("mean", "median", "std", "iqm", "mean_ci_low", "mean_ci_high"):
            assert f"{metric}_{stat}" in summary.columns
    assert [c for c in summary.columns if c.startswith("n_") and c != "n_seeds"][2:] == [
        "n_ok",
        "n_slow",
        "n_stuck",
        "n_collapsed",
        "n_symmetric",
        "n_diverged",
    ]


def test_summarize_full_cell_matches_hand_values():
    row = _summary().iloc[0]
    assert (row["n_seeds"], row["n_finite"], row["n_success"]) == (3, 3, 2)
    assert row["success_rate"] == pytest.approx(2 / 3)
    hand = _hand_wilson(2, 3)
    assert (row["success_ci_low"], row["success_ci_high"]) == pytest.approx(hand, abs=1e-12)
    assert row["success_ci_note"] == ""
    assert row["test_accuracy_mean"] == pytest.approx(0.8)
    assert row["test_accuracy_std"] == pytest.approx(0.1)  # sqrt((0.01 + 0 + 0.01) / 2)
    assert row["test_accuracy_median"] == pytest.approx(0.8)
    assert row["test_accuracy_iqm"] == pytest.approx(0.8)
    assert row["validation_accuracy_mean"] == pytest.approx(0.85)
    assert row["final_cost_std"] == pytest.approx(0.1)
    assert row["train_accuracy_mean"] == pytest.approx(0.9)
    assert 0.7 <= row["test_accuracy_mean_ci_low"] < 0.8 < row["test_accuracy_mean_ci_high"] <= 0.9
    assert row["test_accuracy_mean_ci_note"] == ""
    counts = [row[f"n_{s}"] for s in ("ok", "slow", "stuck", "symmetric", "diverged")]
    assert counts == [2, 1, 0, 0, 0]


def test_summarize_all_nan_cell_has_empty_stats_but_counts():
    row = _summary().iloc[1]
    assert (row["n_seeds"], row["n_finite"], row["n_success"]) == (2, 0, 0)
    assert row["success_rate"] == 0.0
    assert row["success_ci_low"] == 0.0
    assert row["success_ci_high"] == pytest.approx(_hand_wilson(0, 2)[1], abs=1e-12)
    numbers = [c for c in SUMMARY_COLUMNS if c.startswith(METRICS) and not c.endswith("note")]
    assert row[numbers].isna().all()
    assert row["test_accuracy_mean_ci_note"] == NO_VALUE
    assert (row["n_diverged"], row["n_symmetric"], row["n_ok"]) == (1, 1, 0)


def test_summarize_single_seed_cell_has_nan_std_and_no_interval():
    row = _summary().iloc[2]
    assert math.isnan(row["test_accuracy_std"])
    assert math.isnan(row["test_accuracy_mean_ci_low"]) and math.isnan(
        row["test_accuracy_mean_ci_high"]
    )
    assert row["test_accuracy_mean_ci_note"] == ONE_VALUE
    assert row["success_ci_note"] == ""  # one seed is still one Bernoulli trial
    assert row["n_stuck"] == 1


def test_summarize_identical_seeds_get_no_interval_and_say_why():
    row = _summary().iloc[3]
    assert (row["n_seeds"], row["test_accuracy_mean"], row["test_accuracy_std"]) == (3, 0.5, 0.0)
    intervals_ = [c for c in SUMMARY_COLUMNS if "_ci_low" in c or "_ci_high" in c]
    assert row[intervals_].isna().all()
    notes = [c for c in SUMMARY_COLUMNS if c.endswith("_ci_note")]
    assert (row[notes] == IDENTICAL).all()
    assert identical_seeds(_runs().iloc[6:])
    assert not identical_seeds(_runs().iloc[[1, 4]])  # same NaN accuracies, other initial costs
    assert not identical_seeds(_runs().iloc[[6]])  # one run is no repetition


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


def test_summarize_keeps_text_and_integer_axes():
    runs = _runs().assign(dataset="moons", draw=2)
    summary = summarize(runs, 0.75, 100, seed=7, axes=("init", "scale", "dataset", "draw"))
    assert summary.loc[0, ["dataset", "draw"]].tolist() == ["moons", 2]
    assert isinstance(summary.loc[0, "draw"], np.integer | int)


def test_summarize_rejects_duplicate_runs_and_unknown_statuses():
    runs = _runs()
    with pytest.raises(ValueError):
        summarize(pd.concat([runs, runs.iloc[[0]]]), 0.75, 10, seed=0)
    runs.loc[0, "status"] = "chance"
    with pytest.raises(ValueError):
        summarize(runs, 0.75, 10, seed=0)


def test_derive_seed_depends_only_on_seed_and_key():
    seed = derive_seed(7, "he", 1.0)
    assert seed == derive_seed(7, "he", 1) == derive_seed(7, "he", np.float64(1))
    assert derive_seed(7, "he", 1.0) != derive_seed(8, "he", 1.0)
    assert derive_seed(7, "he", 1.0) != derive_seed(7, "he", 0.1)
