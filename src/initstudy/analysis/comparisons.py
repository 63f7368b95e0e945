"""Comparisons sized to the evidence: tests, effect sizes, Holm's correction, claims, rankings.

- Success counts: Fisher's exact test (``scipy.stats.fisher_exact``), with the
  difference of success rates as effect size and Newcombe's hybrid score
  interval (1998, method 10: built from the two Wilson intervals; it stays
  inside [-1, 1] and behaves at 0/n and n/n, where the Wald interval fails).
- Accuracies over shared seeds: the mean paired difference with its BCa
  bootstrap interval (:func:`initstudy.analysis.stats.bootstrap_mean_ci` of the
  differences), and the Wilcoxon signed-rank test (``scipy.stats.wilcoxon``,
  default ``method="auto"``: exact without ties up to 50 pairs; with ties or
  zero differences, all sign permutations up to 13 pairs, otherwise the
  tie-corrected normal approximation). A rank test is chosen for the p-value
  because test accuracies are discrete and heavy-tailed (one bad seed), and it
  needs no resampling; the interval states the size on the mean's scale.
- Holm's step-down correction over a family of p-values (:func:`holm`).
- :func:`claim` says "best" only when every comparison is significant after
  Holm and in the candidate's favour, and otherwise which others it cannot be
  told from.
- :func:`rank_by_threshold` and :func:`ranking_changes` rank groups by success
  at several thresholds and say where the ranking changes.
"""

from __future__ import annotations

import math
import warnings
from itertools import combinations

import numpy as np
import pandas as pd

from initstudy.analysis.intervals import wilson_interval
from initstudy.analysis.stats import bootstrap_mean_ci, derive_seed
from initstudy.grid.grid import rows_at

# scipy.stats is imported inside the two functions that call it: every figure's job imports
# this module (for the tables' columns), and scipy.stats would add half a second to each.

SUCCESS_COLUMNS = (
    "n_a",
    "n_success_a",
    "n_b",
    "n_success_b",
    "rate_difference",
    "rate_difference_ci_low",
    "rate_difference_ci_high",
    "odds_ratio",
    "fisher_p",
)
PAIRED_COLUMNS = (
    "n_pairs",
    "mean_difference",
    "mean_difference_ci_low",
    "mean_difference_ci_high",
    "mean_difference_ci_note",
    "wilcoxon_p",
)
#: Columns of :func:`compare_cells`.
COMPARISON_COLUMNS = (
    "a",
    "b",
    *SUCCESS_COLUMNS,
    *PAIRED_COLUMNS,
    "fisher_p_holm",
    "wilcoxon_p_holm",
)
#: Columns of :func:`rank_by_threshold` after the ``by`` columns.
RANK_COLUMNS = ("threshold", "n_runs", "n_success", "success_rate", "rank")


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control).

    Sorted ascending, the ``i``-th smallest of ``m`` p-values (``i`` from 0) is
    multiplied by ``m - i``; running maxima keep the order, and values are
    capped at 1. Reject where the adjusted value is below ``alpha``. NaN
    entries are not part of the family and stay NaN.

    Parameters
    ----------
    p_values : array_like
        The family's p-values.

    Returns
    -------
    ndarray
        Adjusted p-values, in the input's order.
    """
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, math.nan)
    present = np.flatnonzero(~np.isnan(p))
    order = present[np.argsort(p[present], kind="stable")]
    m = order.size
    steps = p[order] * (m - np.arange(m))
    adjusted[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return adjusted


def success_comparison(k_a: int, n_a: int, k_b: int, n_b: int, level: float = 0.95) -> dict:
    """Fisher's exact test and the difference of success rates with Newcombe's interval.

    Parameters
    ----------
    k_a, n_a, k_b, n_b : int
        Successes and runs of A and B, both ``n`` at least 1.
    level : float
        Confidence level of the interval.

    Returns
    -------
    dict
        :data:`SUCCESS_COLUMNS`: the counts, ``rate_difference`` = k_a/n_a -
        k_b/n_b with its interval, the sample ``odds_ratio`` (inf or 0 at a
        zero count; NaN when both rates are 0 or both 1) and the two-sided
        ``fisher_p``.
    """
    p_a, p_b = k_a / n_a, k_b / n_b
    low_a, high_a = wilson_interval(k_a, n_a, level)
    low_b, high_b = wilson_interval(k_b, n_b, level)
    difference = p_a - p_b
    from scipy import stats as scipy_stats  # here, not above: see the imports

    odds_ratio, p_value = scipy_stats.fisher_exact([[k_a, n_a - k_a], [k_b, n_b - k_b]])
    return {
        "n_a": n_a,
        "n_success_a": k_a,
        "n_b": n_b,
        "n_success_b": k_b,
        "rate_difference": difference,
        "rate_difference_ci_low": difference - math.hypot(p_a - low_a, high_b - p_b),
        "rate_difference_ci_high": difference + math.hypot(high_a - p_a, p_b - low_b),
        "odds_ratio": float(odds_ratio),
        "fisher_p": float(p_value),
    }


def paired_accuracy(a, b, n_resamples: int, seed: int, level: float = 0.95) -> dict:
    """Mean paired difference ``a - b`` with its BCa interval, and the Wilcoxon signed-rank test.

    Pairs where either value is NaN (a diverged network) are left out; the
    success comparison counts those runs as failures instead.

    Parameters
    ----------
    a, b : array_like
        The two cells' values, aligned pair by pair.
    n_resamples : int
        Bootstrap resamples.
    seed : int
        Seed of the bootstrap.
    level : float
        Confidence level.

    Returns
    -------
    dict
        :data:`PAIRED_COLUMNS`; ``wilcoxon_p`` is 1 when every difference is
        0 (no evidence of any) and NaN without pairs.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both = np.isfinite(a) & np.isfinite(b)
    differences = a[both] - b[both]
    interval = bootstrap_mean_ci(differences, n_resamples, seed, level)
    if differences.size == 0:
        p_value = math.nan
    elif np.all(differences == 0):
        p_value = 1.0
    else:
        from scipy import stats as scipy_stats  # here, not above: see the imports

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SciPy warns about ties; its method allows for them
            p_value = float(scipy_stats.wilcoxon(differences).pvalue)
    mean = float(np.mean(differences)) if differences.size else math.nan
    values = (differences.size, mean, interval.low, interval.high, interval.note, p_value)
    return dict(zip(PAIRED_COLUMNS, values, strict=True))


def _rows_of(runs: pd.DataFrame, cell: dict) -> pd.DataFrame:
    """The runs whose columns equal every value of ``cell``."""
    rows = rows_at(runs, **cell)
    if rows.empty:
        raise ValueError(f"no runs for {cell}")
    return rows


def _pairs(a: pd.DataFrame, b: pd.DataFrame, pair_on: list[str], name_a: str, name_b: str):
    """Runs of A and B matched on ``pair_on``, which must name at most one run of each."""
    for name, rows in ((name_a, a), (name_b, b)):
        if rows.duplicated(pair_on).any():
            raise ValueError(
                f"{name!r} has several runs per ({', '.join(pair_on)}): "
                "add the pooled axes (e.g. draw) to pair_on"
            )
    return a.merge(b, on=pair_on, suffixes=("_a", "_b"))


def compare_cells(
    runs: pd.DataFrame,
    cells: dict[str, dict],
    threshold: float,
    n_resamples: int,
    seed: int,
    level: float = 0.95,
    pair_on: tuple[str, ...] = ("seed",),
    metric: str = "test_accuracy",
    pairs: list[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Compare named groups of runs two by two, with Holm's correction over the table.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table.
    cells : dict of str to dict
        Name of each group and the column values that select its runs, e.g.
        ``{"he": {"init": "he", "scale": 1.0, "learning_rate": 0.1}}``; columns
        left out are pooled (e.g. the data draws).
    threshold : float
        ``metric`` at or above which a run succeeds (NaN fails).
    n_resamples : int
        Bootstrap resamples of each paired interval.
    seed : int
        Base seed; pair (A, B) uses ``derive_seed(seed, "compare", A, B)``.
    level : float
        Confidence level.
    pair_on : tuple of str
        Columns that pair a run of A with one of B (add ``draw`` when pooled).
    metric : str
        The accuracy compared.
    pairs : list of (str, str), optional
        The comparisons to make (the family); all pairs in the order of
        ``cells`` when omitted.

    Returns
    -------
    pandas.DataFrame
        :data:`COMPARISON_COLUMNS`, one row per pair: :func:`success_comparison`
        of A against B, :func:`paired_accuracy` of A minus B, and the Fisher
        and Wilcoxon p-values adjusted by :func:`holm` over this table (two
        families). Re-adjust with :func:`holm` if the report's family is larger.
    """
    pairs = list(combinations(cells, 2)) if pairs is None else pairs
    groups = {name: _rows_of(runs, cell) for name, cell in cells.items()}
    rows = []
    for name_a, name_b in pairs:
        a, b = groups[name_a], groups[name_b]
        k_a, k_b = int((a[metric] >= threshold).sum()), int((b[metric] >= threshold).sum())
        row = {"a": name_a, "b": name_b} | success_comparison(k_a, len(a), k_b, len(b), level)
        matched = _pairs(a, b, list(pair_on), name_a, name_b)
        pair_seed = derive_seed(seed, "compare", name_a, name_b)
        values = (matched[f"{metric}_a"], matched[f"{metric}_b"])
        rows.append(row | paired_accuracy(*values, n_resamples, pair_seed, level))
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    table["fisher_p_holm"] = holm(table["fisher_p"])
    table["wilcoxon_p_holm"] = holm(table["wilcoxon_p"])
    return table


def claim(
    comparisons: pd.DataFrame,
    candidate: str,
    alpha: float = 0.05,
    p_column: str = "fisher_p_holm",
    effect_column: str = "rate_difference",
) -> str:
    """What the comparisons allow one to say about ``candidate``.

    Against each other group it met, the candidate is *better* (adjusted p
    below ``alpha``, effect in its favour), *worse* (significant, against it)
    or *indistinguishable* (not significant). It is ``"best"`` only when it is
    better than every one; otherwise the phrases ``"better than …"``,
    ``"indistinguishable from …"`` and ``"worse than …"`` are joined by ``"; "``.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        Table with columns ``a``, ``b``, ``p_column`` and ``effect_column``
        (``a`` minus ``b``), e.g. from :func:`compare_cells`.
    candidate : str
        A name in ``a`` or ``b``.
    alpha : float
        Family-wise significance level.
    p_column, effect_column : str
        Which adjusted p-value and signed effect to read.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the candidate is in no comparison.
    """
    verdicts = {"better than": [], "indistinguishable from": [], "worse than": []}
    for _, row in comparisons.iterrows():
        if candidate not in (row["a"], row["b"]):
            continue
        other = row["b"] if row["a"] == candidate else row["a"]
        effect = row[effect_column] * (1 if row["a"] == candidate else -1)
        if not row[p_column] < alpha or effect == 0:
            verdicts["indistinguishable from"].append(other)
        else:
            verdicts["better than" if effect > 0 else "worse than"].append(other)
    if not any(verdicts.values()):
        raise ValueError(f"{candidate!r} is in no comparison")
    if not verdicts["indistinguishable from"] and not verdicts["worse than"]:
        return "best"
    return "; ".join(f"{phrase} {', '.join(names)}" for phrase, names in verdicts.items() if names)


def rank_by_threshold(
    runs: pd.DataFrame, thresholds, by: str = "init", metric: str = "test_accuracy"
) -> pd.DataFrame:
    """Rank groups of runs by their success rate at each threshold.

    Parameters
    ----------
    runs : pandas.DataFrame
        Per-run table, e.g. only the runs of each initializer's chosen cell.
    thresholds : iterable of float
        Success thresholds on ``metric`` (NaN fails).
    by : str
        The column naming a group.
    metric : str
        The accuracy thresholded.

    Returns
    -------
    pandas.DataFrame
        ``by`` and :data:`RANK_COLUMNS`, per threshold the groups in order of
        first appearance; ``rank`` 1 is the highest success rate, equal rates
        share the smaller rank.
    """
    parts = []
    for threshold in thresholds:
        success = (runs[metric] >= threshold).groupby(runs[by], sort=False)
        part = success.agg(n_runs="size", n_success="sum").reset_index()
        part["n_success"] = part["n_success"].astype(int)
        part["success_rate"] = part["n_success"] / part["n_runs"]
        part["rank"] = part["success_rate"].rank(method="min", ascending=False).astype(int)
        parts.append(part.assign(threshold=float(threshold))[[by, *RANK_COLUMNS]])
    return pd.concat(parts, ignore_index=True)


def ranking_changes(ranking: pd.DataFrame, by: str = "init") -> pd.DataFrame:
    """The ranking at each threshold, written out, and whether it differs from the first.

    Parameters
    ----------
    ranking : pandas.DataFrame
        Output of :func:`rank_by_threshold`.
    by : str
        The column naming a group.

    Returns
    -------
    pandas.DataFrame
        Columns ``threshold``, ``ranking`` (e.g. ``"he > lecun = glorot"``,
        ties in order of first appearance) and ``same_as_first`` (bool: the
        same rank for every group as at the first threshold).
    """
    rows, first = [], None
    for threshold, part in ranking.groupby("threshold", sort=False):
        ranks = dict(zip(part[by], part["rank"], strict=True))
        levels = sorted(set(ranks.values()))
        text = " > ".join(
            " = ".join(str(name) for name, rank in ranks.items() if rank == level)
            for level in levels
        )
        first = ranks if first is None else first
        rows.append({"threshold": threshold, "ranking": text, "same_as_first": ranks == first})
    return pd.DataFrame(rows, columns=["threshold", "ranking", "same_as_first"])
