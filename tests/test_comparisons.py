"""Tests of the comparisons: hand-computed tests, effect sizes, Holm, claims and rankings."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.comparisons import (
    COMPARISON_COLUMNS,
    claim,
    compare_cells,
    holm,
    paired_accuracy,
    rank_by_threshold,
    ranking_changes,
    success_comparison,
)

NAN = math.nan


# --- Holm -------------------------------------------------------------------


def test_holm_on_a_hand_case():
    # sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 = 0.04 -> max 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # capped at 1; a NaN is outside the family (m = 2)
    assert holm([0.5, 0.6]).tolist() == [1.0, 1.0]
    adjusted = holm([0.01, NAN, 0.04])
    assert adjusted[[0, 2]] == pytest.approx([0.02, 0.04]) and math.isnan(adjusted[1])
    assert holm([]).size == 0


# --- success counts ---------------------------------------------------------


def test_fisher_on_a_constructed_tie_is_not_significant():
    # margins 38 successes, 2 failures in 40: P(20/20 | margins) = C(20,18) / C(40,38) = 190/780,
    # the same for 18/20, and 400/780 for 19/20; two-sided p = 380/780.
    result = success_comparison(20, 20, 18, 20)
    assert result["fisher_p"] == pytest.approx(380 / 780, abs=1e-12)
    assert result["rate_difference"] == pytest.approx(0.1)
    assert result["rate_difference_ci_low"] < 0 < result["rate_difference_ci_high"]
    assert result["odds_ratio"] == math.inf
    # 3/3 against 0/3: P = 1/C(6,3) for each extreme table, p = 2/20
    assert success_comparison(3, 3, 0, 3)["fisher_p"] == pytest.approx(0.1, abs=1e-12)


def test_rate_difference_interval_is_newcombe_method_ten():
    # Newcombe (1998), Statistics in Medicine 17:873, table II, method 10
    result = success_comparison(56, 70, 48, 80)
    assert result["rate_difference"] == pytest.approx(0.2)
    low, high = result["rate_difference_ci_low"], result["rate_difference_ci_high"]
    assert (low, high) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    assert result["odds_ratio"] == pytest.approx(56 * 32 / (14 * 48))
    result = success_comparison(9, 10, 3, 10)
    low, high = result["rate_difference_ci_low"], result["rate_difference_ci_high"]
    assert (low, high) == pytest.approx((0.1705, 0.8090), abs=5e-5)


# --- paired accuracies ------------------------------------------------------


def test_paired_accuracy_by_hand():
    a = [90, 80, 95, NAN, 70]
    b = [85, 80, 90, 90, 60]
    result = paired_accuracy(a, b, 2000, seed=0)
    # pairs without NaN: differences 5, 0, 5, 10
    assert (result["n_pairs"], result["mean_difference"]) == (4, 5.0)
    # Wilcoxon drops the zero; ranks 1.5, 1.5, 3 all positive; with ties SciPy
    # enumerates the 2**3 sign patterns: T = 0 is reached by all-plus and all-minus
    assert result["wilcoxon_p"] == pytest.approx(2 / 8)
    assert 0.0 <= result["mean_difference_ci_low"] <= 5.0 <= result["mean_difference_ci_high"]
    assert result["mean_difference_ci_note"] == ""


def test_paired_accuracy_without_differences_or_pairs():
    same = paired_accuracy([0.9, 0.8], [0.9, 0.8], 100, seed=0)
    assert (same["mean_difference"], same["wilcoxon_p"]) == (0.0, 1.0)
    assert math.isnan(same["mean_difference_ci_low"])
    none = paired_accuracy([NAN], [0.5], 100, seed=0)
    assert none["n_pairs"] == 0 and math.isnan(none["wilcoxon_p"])


# --- compare_cells and claims ----------------------------------------------


def _runs():
    # he: 20/20 at 0.95; lecun: 18/20 (two seeds at 0.85); zeros: 2/20
    rows = []
    for seed in range(20):
        rows.append(("he", 1.0, seed, 0.95))
        rows.append(("lecun", 1.41, seed, 0.85 if seed < 2 else 0.95))
        rows.append(("zeros", 1.0, seed, 0.95 if seed < 2 else 0.5))
        rows.append(("he", 4.0, seed, NAN))  # another cell of he: never selected
    return pd.DataFrame(rows, columns=["init", "scale", "seed", "test_accuracy"])


CELLS = {
    "he": {"init": "he", "scale": 1.0},
    "lecun": {"init": "lecun", "scale": 1.41},
    "zeros": {"init": "zeros"},
}


def test_compare_cells_pairs_by_seed_and_adjusts_the_family():
    table = compare_cells(_runs(), CELLS, 0.9, 500, seed=0)
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert table[["a", "b"]].to_numpy().tolist() == [
        ["he", "lecun"],
        ["he", "zeros"],
        ["lecun", "zeros"],
    ]
    he_lecun = table.iloc[0]
    assert (he_lecun["n_success_a"], he_lecun["n_success_b"]) == (20, 18)
    assert he_lecun["fisher_p"] == pytest.approx(380 / 780)
    assert he_lecun["n_pairs"] == 20
    assert he_lecun["mean_difference"] == pytest.approx(0.01)  # 2 * 0.1 / 20
    expected = holm(table["fisher_p"])
    assert table["fisher_p_holm"].tolist() == pytest.approx(expected.tolist())
    assert table["fisher_p_holm"].iloc[0] == pytest.approx(min(1.0, 380 / 780 * 1))


def test_no_best_claim_on_a_constructed_tie():
    table = compare_cells(_runs(), CELLS, 0.9, 200, seed=0)
    assert claim(table, "he") == "better than zeros; indistinguishable from lecun"
    assert claim(table, "lecun") == "better than zeros; indistinguishable from he"
    assert claim(table, "zeros") == "worse than he, lecun"
    # against zeros alone, he's 20/20 v 2/20 (Fisher p about 1e-8) is a clear "best"
    alone = compare_cells(_runs(), {k: CELLS[k] for k in ("he", "zeros")}, 0.9, 200, seed=0)
    assert alone["fisher_p_holm"].iloc[0] < 1e-6
    assert claim(alone, "he") == "best"
    with pytest.raises(ValueError):
        claim(alone, "lecun")


def test_compare_cells_pools_draws_and_pairs_on_them():
    runs = pd.concat([_runs().assign(draw=0), _runs().assign(draw=1)], ignore_index=True)
    table = compare_cells(runs, CELLS, 0.9, 100, seed=0, pair_on=("seed", "draw"))
    assert table["n_pairs"].tolist() == [40, 40, 40]
    assert table["n_a"].tolist() == [40, 40, 40]
    with pytest.raises(ValueError, match="several runs per"):
        compare_cells(runs, CELLS, 0.9, 100, seed=0)  # pooled draws, paired on seed alone
    with pytest.raises(ValueError, match="no runs"):
        compare_cells(runs, {"x": {"init": "glorot"}, "he": CELLS["he"]}, 0.9, 100, seed=0)


# --- rankings ---------------------------------------------------------------


def test_ranking_changes_with_the_threshold():
    accuracy = {
        "he": [0.92, 0.92, 0.92, 0.97],  # at 0.9: 4/4; at 0.95: 1/4
        "lecun": [0.96, 0.96, 0.8, 0.8],  # 2/4 and 2/4
        "glorot": [0.96, 0.96, 0.85, 0.85],  # 2/4 and 2/4
    }
    runs = pd.DataFrame(
        [(init, seed, a) for init, values in accuracy.items() for seed, a in enumerate(values)],
        columns=["init", "seed", "test_accuracy"],
    )
    ranking = rank_by_threshold(runs, [0.9, 0.95])
    assert ranking["rank"].tolist() == [1, 2, 2, 3, 1, 1]
    assert ranking["n_success"].tolist() == [4, 2, 2, 1, 2, 2]
    changes = ranking_changes(ranking)
    assert changes["ranking"].tolist() == ["he > lecun = glorot", "lecun = glorot > he"]
    assert changes["same_as_first"].tolist() == [True, False]
    stable = ranking_changes(rank_by_threshold(runs, [0.9, 0.91]))
    assert stable["same_as_first"].all()
    assert np.isclose(ranking["success_rate"].iloc[0], 1.0)
