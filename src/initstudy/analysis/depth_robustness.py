"""Does the depth study's training result survive a change of machine?

The chosen configuration of every (initializer, scale, depth) is trained again
with its initial weights perturbed in their last bits and with the NumPy
backend instead of the compiled one (:mod:`initstudy.analysis.depth_training`). A result
that a different BLAS or compiler could overturn is no result: for each rerun
:func:`compare_variants` puts its success count beside the reference's, with
Wilson intervals, the difference of the rates with Newcombe's interval, Fisher's
exact test (Holm-corrected over all comparisons) and
the number of seeds whose outcome flipped.
"""

from __future__ import annotations

import pandas as pd

from initstudy.analysis.comparisons import holm, success_comparison
from initstudy.analysis.depth_training import RUN_AXES
from initstudy.analysis.intervals import wilson_interval

#: The reference training and the reruns of the robustness check.
VARIANTS = ("reference", "perturbed", "numpy")
#: The shape every trained shape is compared with, depth by depth (He et al.'s initialization).
REFERENCE_SHAPE = ("he", 1.0)
#: Columns of :func:`compare_variants`.
ROBUSTNESS_COLUMNS = (
    "variant",
    *RUN_AXES,
    "n_seeds",
    "reference_success",
    "variant_success",
    "reference_ci_low",
    "reference_ci_high",
    "variant_ci_low",
    "variant_ci_high",
    "n_flipped",
    "rate_difference",
    "rate_difference_ci_low",
    "rate_difference_ci_high",
    "fisher_p",
    "holm_p",
    "counts_within_intervals",
)


def compare_counts(reference: pd.DataFrame, other: pd.DataFrame, level: float) -> dict:
    """Success counts of the same seeds trained twice, side by side.

    Parameters
    ----------
    reference, other : pandas.DataFrame
        Runs with ``seed`` and ``success`` (bool), the same seeds.
    level : float
        Level of the Wilson intervals.

    Returns
    -------
    dict
        ``n_seeds``, ``reference_success``, ``variant_success``, their Wilson
        interval bounds, ``n_flipped`` (seeds whose outcome differs), ``fisher_p``
        (two-sided) and ``counts_within_intervals`` (each count inside the other's
        interval).
    """
    paired = reference[["seed", "success"]].merge(
        other[["seed", "success"]], on="seed", suffixes=("_a", "_b"), validate="one_to_one"
    )
    n = len(paired)
    a, b = int(paired["success_a"].sum()), int(paired["success_b"].sum())
    a_low, a_high = wilson_interval(a, n, level)
    b_low, b_high = wilson_interval(b, n, level)
    test = success_comparison(b, n, a, n, level)
    return {
        "n_seeds": n,
        "reference_success": a,
        "variant_success": b,
        "reference_ci_low": a_low,
        "reference_ci_high": a_high,
        "variant_ci_low": b_low,
        "variant_ci_high": b_high,
        "n_flipped": int((paired["success_a"] != paired["success_b"]).sum()),
        "rate_difference": test["rate_difference"],
        "rate_difference_ci_low": test["rate_difference_ci_low"],
        "rate_difference_ci_high": test["rate_difference_ci_high"],
        "fisher_p": test["fisher_p"],
        "counts_within_intervals": bool(a_low <= b / n <= a_high and b_low <= a / n <= b_high),
    }


def compare_variants(runs: pd.DataFrame, level: float) -> pd.DataFrame:
    """Every rerun of every shape against the reference training of the same seeds.

    Parameters
    ----------
    runs : pandas.DataFrame
        Runs with ``variant`` (:data:`VARIANTS`), the shape columns ``init, scale,
        depth, width, learning_rate``, ``seed`` and ``success``.
    level : float

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ROBUSTNESS_COLUMNS`, one row per (rerun, shape), reruns in
        the order of :data:`VARIANTS`; ``holm_p`` adjusts ``fisher_p`` over all rows.
    """
    reference = runs[runs["variant"] == "reference"]
    by_shape = {key: rows for key, rows in reference.groupby(list(RUN_AXES), sort=False)}
    rows = []
    for variant in VARIANTS[1:]:
        for key, rerun in runs[runs["variant"] == variant].groupby(list(RUN_AXES), sort=False):
            comparison = compare_counts(by_shape[key], rerun, level)
            rows.append({"variant": variant, **dict(zip(RUN_AXES, key)), **comparison})
    table = pd.DataFrame(rows, columns=list(ROBUSTNESS_COLUMNS))
    table["holm_p"] = holm(table["fisher_p"]) if len(table) else []
    return table


#: Columns of :func:`compare_with_reference` (``variant_*``: the compared shape).
MATCHED_COLUMNS = (
    "init",
    "scale",
    "depth",
    "learning_rate",
    "reference_learning_rate",
    *ROBUSTNESS_COLUMNS[6:],
)


def compare_with_reference(
    runs: pd.DataFrame, reference: tuple[str, float], level: float
) -> pd.DataFrame:
    """Every trained (initializer, scale) against the reference shape, depth by depth.

    Seeds are paired (the same seed draws the same Gaussian matrix for every
    Gaussian initializer), each shape at its own chosen learning rate.

    Parameters
    ----------
    runs : pandas.DataFrame
        The reference training's chosen runs (``init, scale, depth, learning_rate,
        seed, success``).
    reference : (init, scale)
        The shape every other is compared with (He ×1: He et al.'s initialization).
    level : float

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MATCHED_COLUMNS`; ``holm_p`` adjusts over all rows. Empty
        without the reference shape.
    """
    rows = []
    is_reference = (runs["init"] == reference[0]) & (runs["scale"] == float(reference[1]))
    for depth, at_depth in runs.groupby("depth", sort=False):
        base = at_depth[is_reference.loc[at_depth.index]]
        if base.empty:
            continue
        others = at_depth[~is_reference.loc[at_depth.index]]
        for (init, scale), other in others.groupby(["init", "scale"], sort=False):
            row = {"init": init, "scale": float(scale), "depth": int(depth),
                   "learning_rate": float(other["learning_rate"].iloc[0]),
                   "reference_learning_rate": float(base["learning_rate"].iloc[0])}  # fmt: skip
            rows.append(row | compare_counts(base, other, level))
    table = pd.DataFrame(rows, columns=list(MATCHED_COLUMNS))
    table["holm_p"] = holm(table["fisher_p"]) if len(table) else []
    return table


def empty_reason(training: dict, table: str) -> str | None:
    """Why the depth study's table ``table`` may hold no rows under its config, or None.

    ``robustness`` has a row per rerun and chosen shape: none without reruns.
    ``matched`` has a row per shape other than :data:`REFERENCE_SHAPE` and depth: none when
    he ×1 is not trained or is the only shape. Every other depth table must hold rows.

    Parameters
    ----------
    training : dict
        The ``depth_study.training`` section of a validated config.
    table : str
        The table's name, as the depth section's script reads it.

    Returns
    -------
    str or None
        The reason, in the words the report uses; None where the table must hold rows.
    """
    if table == "robustness" and not training["reruns"]:
        return "no reruns (depth_study.training.reruns is empty)"
    if table != "matched":
        return None
    shapes = [
        (init, float(scale))
        for init, scales in training["initializations"].items()
        for scale in scales
    ]
    if REFERENCE_SHAPE not in shapes:
        return "he ×1 is not trained (depth_study.training.initializations)"
    if len(shapes) == 1:
        return "he ×1 is the only trained shape"
    return None
