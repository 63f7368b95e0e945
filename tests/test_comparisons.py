"""Tests of the comparisons: hand-computed tests, effect sizes, Holm, claims and rankings."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.analysis.comparisons import (
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


# --- the comparisons at equal gain (initstudy.analysis.analysis.compared) ---------------------
#
# Each initializer's cell of He-equivalent gain 1 (He ×1's gain), trained at He's chosen
# learning rate, is compared with He's chosen cell, per data set; Holm's correction runs over
# the report's whole family of comparisons: these and the chosen cells' together.

EQUAL_LAYERS = (2, 10, 5, 1)
ROOT2 = math.sqrt(2)
#: The grid: lecun ×√2 and orthogonal ×√2 have He ×1's gain; glorot ×1, random ×1, zeros do not.
EQUAL_GRID = {
    "he": [1.0, 2.0],
    "lecun": [1.0, ROOT2],
    "orthogonal": [1.0, ROOT2],
    "glorot": [1.0],
    "random": [1.0],
    "zeros": [1.0],
}
EQUAL_RATES, EQUAL_DATA, EQUAL_SEEDS = (0.01, 0.1), ("circles", "moons"), range(12)
#: He's cell chosen on validation, per data set (different learning rates), and the others'.
EQUAL_CHOSEN = {
    "circles": {"he": (1.0, 0.1), "lecun": (1.0, 0.01), "orthogonal": (ROOT2, 0.1),
                "glorot": (1.0, 0.1), "random": (1.0, 0.01), "zeros": (1.0, 0.1)},
    "moons": {"he": (1.0, 0.01), "lecun": (1.0, 0.1), "orthogonal": (1.0, 0.01),
              "glorot": (1.0, 0.01), "random": (1.0, 0.1), "zeros": (1.0, 0.01)},
}  # fmt: skip


def _equal_gain_runs() -> pd.DataFrame:
    """Every cell's runs, each cell succeeding on its own number of seeds (0 to 12), so that
    a comparison of the wrong cell (scale, learning rate or data set) counts other successes
    and some comparisons are significant before Holm's correction and some after it."""
    rng = np.random.default_rng(6)
    rows = []
    for dataset in EQUAL_DATA:
        for init, scales in EQUAL_GRID.items():
            for scale in scales:
                for rate in EQUAL_RATES:
                    successes = rng.choice([0, 2, 6, 10, 12])
                    for seed in EQUAL_SEEDS:
                        accuracy = 0.95 if seed < successes else rng.uniform(0.5, 0.89)
                        rows.append((init, scale, rate, dataset, seed, round(accuracy, 4)))
    return pd.DataFrame(
        rows, columns=["init", "scale", "learning_rate", "dataset", "seed", "test_accuracy"]
    )


def _holm_by_hand(p_values) -> list[float]:
    """Holm (1979) from its definition: the i-th smallest of m p-values (i from 1) is
    adjusted to max over j <= i of min(1, (m - j + 1) p_(j))."""
    m = len(p_values)
    order = sorted(range(m), key=lambda k: p_values[k])
    adjusted, running = [0.0] * m, 0.0
    for i, k in enumerate(order, start=1):
        running = max(running, min(1.0, (m - i + 1) * p_values[k]))
        adjusted[k] = running
    return adjusted


def _holm_rejections(p_values, alpha: float) -> set[int]:
    """Holm's step-down test: reject in ascending order while p_(i) <= alpha / (m - i + 1)."""
    m = len(p_values)
    rejected = set()
    for i, k in enumerate(sorted(range(m), key=lambda k: p_values[k]), start=1):
        if p_values[k] > alpha / (m - i + 1):
            break
        rejected.add(k)
    return rejected


@pytest.fixture(scope="module")
def equal_gain_table():
    from initstudy.analysis.analysis import AnalysisSettings, compared, equal_gain_cells

    cells = [(init, scale) for init, scales in EQUAL_GRID.items() for scale in scales]
    settings = AnalysisSettings(
        axes=("init", "scale", "learning_rate", "dataset"), threshold=0.9, stuck_margin=0.01,
        budgets=(100,), n_resamples=200, bootstrap_seed=0, level=0.95, reference="he",
        equal_gain=equal_gain_cells(cells, EQUAL_LAYERS, "he"), layers=EQUAL_LAYERS,
    )  # fmt: skip
    selection = pd.DataFrame(
        [
            {"dataset": dataset, "init": init, "scale": scale, "learning_rate": rate}
            for dataset, chosen in EQUAL_CHOSEN.items()
            for init, (scale, rate) in chosen.items()
        ]
    )
    runs = _equal_gain_runs()
    return runs, compared(runs, selection, settings)


@pytest.mark.slow  # the equal-gain analysis of a whole grid: about 9 s
def test_equal_gain_compares_exactly_the_cells_of_hes_gain(equal_gain_table):
    from scipy.stats import fisher_exact

    from initstudy.model.gain import he_equivalent_gain

    runs, table = equal_gain_table
    # By hand: lecun's base variance is 1/fan_in, so its per-layer ratio is scale² / 2, 1 at √2;
    # the same for orthogonal (unit gain, norm-preserving). Glorot, random, zeros: not 1.
    target = he_equivalent_gain("he", list(EQUAL_LAYERS), 1.0)
    assert target == pytest.approx(1.0)
    equal = {
        init: scale
        for init, scales in EQUAL_GRID.items() if init != "he"
        for scale in scales
        if abs(he_equivalent_gain(init, list(EQUAL_LAYERS), scale) - target) < 1e-9
    }  # fmt: skip
    assert equal == {"lecun": ROOT2, "orthogonal": ROOT2}
    rows = table[table["a"].str.endswith(" at equal gain")]
    assert sorted(zip(rows["dataset"], rows["a"], rows["b"])) == [
        (dataset, f"{init} at equal gain", "he (chosen)")
        for dataset in EQUAL_DATA
        for init in sorted(equal)
    ]
    for row in rows.to_dict("records"):
        init, dataset = row["a"].removesuffix(" at equal gain"), row["dataset"]
        he_scale, rate = EQUAL_CHOSEN[dataset]["he"]  # He's chosen learning rate, per data set
        at = (runs["learning_rate"] == rate) & (runs["dataset"] == dataset)
        mine = runs[at & (runs["init"] == init) & (runs["scale"] == equal[init])]
        his = runs[at & (runs["init"] == "he") & (runs["scale"] == he_scale)]
        k_a = int((mine["test_accuracy"] >= 0.9).sum())
        k_b = int((his["test_accuracy"] >= 0.9).sum())
        counts = (row["n_a"], row["n_success_a"], row["n_b"], row["n_success_b"])
        assert counts == (12, k_a, 12, k_b)
        expected_p = fisher_exact([[k_a, 12 - k_a], [k_b, 12 - k_b]])[1]
        assert row["fisher_p"] == pytest.approx(expected_p, rel=1e-12)
        paired = mine.merge(his, on="seed")
        difference = (paired["test_accuracy_x"] - paired["test_accuracy_y"]).mean()
        assert row["n_pairs"] == 12 and row["mean_difference"] == pytest.approx(difference)


@pytest.mark.slow  # the equal-gain analysis of a whole grid: about 9 s
def test_equal_gain_is_holm_adjusted_with_the_reports_family(equal_gain_table):
    _, table = equal_gain_table
    # the family: each chosen cell but He's against He's (5 a data set) and the 2 at equal gain
    assert len(table) == 2 * (5 + 2)
    for raw, adjusted in (("fisher_p", "fisher_p_holm"), ("wilcoxon_p", "wilcoxon_p_holm")):
        p = table[raw].tolist()
        assert table[adjusted].tolist() == pytest.approx(_holm_by_hand(p), rel=1e-12)
        for alpha in (0.01, 0.05, 0.2):
            rejected = set(np.flatnonzero(table[adjusted].to_numpy() <= alpha))
            assert rejected == _holm_rejections(p, alpha)
    # the data make the correction matter: 12 comparisons significant before it, 6 after,
    # among them equal-gain rows on both sides; adjusting those rows alone would differ
    raw, adjusted = table["fisher_p"].to_numpy(), table["fisher_p_holm"].to_numpy()
    assert ((raw < 0.05).sum(), (adjusted < 0.05).sum()) == (12, 6)
    equal = table["a"].str.endswith(" at equal gain").to_numpy()
    assert (adjusted[equal & (raw < 0.05)] < 0.05).tolist() == [False, False, True]
    alone = _holm_by_hand(table.loc[equal, "fisher_p"].tolist())
    assert table.loc[equal, "fisher_p_holm"].tolist() != pytest.approx(alone)
