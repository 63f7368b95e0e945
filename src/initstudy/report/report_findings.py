"""The facts behind the report's findings: each initializer's cell chosen on validation, its
test accuracy, success count and time to learn, and every comparison the report makes.

Every finding is made per stratum (:func:`initstudy.grid.grid.strata`: per combination
of the grid's data set, depth and width axes; per data set in the default grid). A claim
is only as strong as its test: an initializer is *better* or *worse* than another only
where the Holm-adjusted p-value of the comparison (Fisher's exact test for success
counts, the Wilcoxon signed-rank test for paired test accuracies) is below
``1 - confidence_level``; otherwise the report calls them indistinguishable. Rankings
are point estimates, read at several thresholds, and the report says where they change.
The wording is in ``findings.md.j2``.
"""

from __future__ import annotations

import pandas as pd

from initstudy.analysis.comparisons import claim
from initstudy.analysis.selection import candidates
from initstudy.analysis.survival import median_time
from initstudy.grid.axes import CHOSEN_AXES, STRATUM_AXES, present
from initstudy.grid.grid import rows_at, strata, stratum_label
from initstudy.model.gain import he_equivalent_gain
from initstudy.report.report import budget_split, strata_facts
from initstudy.report.report_caveats import (
    comparison_caveats,
    control_facts,
    equal_gain_caveats,
    speed_facts,
    split_facts,
    tie_facts,
)
from initstudy.util.labels import cell_label

#: How the analysis names the groups it compares (``initstudy.analysis.analysis``).
CHOSEN = " (chosen)"
EQUAL_GAIN = " at equal gain"


def verdict(row: dict, alpha: float) -> dict:
    """What one comparison of A with B allows one to say.

    Parameters
    ----------
    row : dict
        A record of ``comparisons.csv``.
    alpha : float
        Family-wise significance level (Holm-adjusted p-values are read).

    Returns
    -------
    dict
        The record plus ``success_differs`` and ``accuracy_differs`` (adjusted p
        below ``alpha`` and an effect not zero), ``differs`` (either) and
        ``direction`` (``"better"``, ``"worse"``, ``"mixed"`` or ``"indistinguishable"``).
    """
    success = bool(row["fisher_p_holm"] < alpha and row["rate_difference"] != 0)
    accuracy = bool(row["wilcoxon_p_holm"] < alpha and row["mean_difference"] != 0)
    signs = set()
    if success:
        signs.add(row["rate_difference"] > 0)
    if accuracy:
        signs.add(row["mean_difference"] > 0)
    direction = "indistinguishable" if not signs else "mixed" if len(signs) > 1 else None
    if direction is None:
        direction = "better" if signs.pop() else "worse"
    return row | {
        "success_differs": success,
        "accuracy_differs": accuracy,
        "differs": success or accuracy,
        "direction": direction,
    }


def _comparison(comparisons: pd.DataFrame, a: str, b: str, alpha: float) -> dict | None:
    rows = comparisons[(comparisons["a"] == a) & (comparisons["b"] == b)]
    return None if rows.empty else verdict(rows.iloc[0].to_dict(), alpha)


def _time_facts(runs: pd.DataFrame, level: float) -> dict:
    """Median time to learn of some runs with its Brookmeyer-Crowley interval."""
    median, low, high, note = median_time(runs["time_to_learn"], runs["learned"], level)
    return {"median": median, "low": low, "high": high, "note": note}


def chosen_facts(record: dict, context: dict) -> dict:
    """One initializer's chosen cell in one stratum, with everything the findings say of it.

    Parameters
    ----------
    record : dict
        A row of ``selection.csv``.
    context : dict
        ``runs`` (this stratum's runs), ``early`` (its summary rows at the notebook's
        budget, or None), ``comparisons`` and ``speedups`` (this stratum's),
        ``reference``, ``layers``, ``alpha`` and ``level``.

    Returns
    -------
    dict
        The record plus ``cell`` (label), ``gain`` (He-equivalent), ``time``
        (:func:`median_time` of its runs), ``tie``
        (:func:`initstudy.report.report_caveats.tie_facts`),
        ``n_success_early`` (successes at the notebook's budget, or None),
        ``versus_reference`` (:func:`verdict` with ``within_control``, None for the
        reference itself) and ``speedup`` (its row of ``speedups.csv``: how many times faster
        it learns than the reference's chosen cell, with ``rate`` and ``reference_rate``, the
        two cells' learning rates (None without the axis), and ``same_rate``; None for the
        reference).
    """
    init, reference = record["init"], context["reference"]
    cell = {axis: record[axis] for axis in ("init", *CHOSEN_AXES) if axis in record}
    runs = rows_at(context["runs"], **cell)
    facts = record | {
        "cell": cell_label(init, record["scale"]),
        "gain": he_equivalent_gain(init, context["layers"], float(record["scale"])),
        "time": _time_facts(runs, context["level"]),
        "tie": tie_facts(record, context["candidates"], context["stratum"]),
        "n_success_early": None,
        "versus_reference": None,
        "speedup": None,
    }
    if context["early"] is not None:
        facts["n_success_early"] = int(rows_at(context["early"], **cell)["n_success"].sum())
    if init != reference:
        names = (init + CHOSEN, reference + CHOSEN)
        versus = _comparison(context["comparisons"], *names, context["alpha"])
        reference_record = rows_at(context["selection"], init=reference).to_dict("records")
        if versus is not None and reference_record:
            versus |= comparison_caveats(versus, record, reference_record[0], context["controls"])
        facts["versus_reference"] = versus
        facts["speedup"] = speed_facts(
            _pair_row(context["speedups"], *names), record, context["selection"], reference
        )
    return facts


def _pair_row(table: pd.DataFrame, a: str, b: str) -> dict | None:
    rows = table[(table["a"] == a) & (table["b"] == b)]
    return None if rows.empty else rows.iloc[0].to_dict()


def equal_gain_facts(
    comparisons: pd.DataFrame, gains: pd.DataFrame, reference: str, alpha: float
) -> list[dict]:
    """The comparisons of initializers at the reference's gain with the reference.

    Parameters
    ----------
    comparisons : pandas.DataFrame
        One stratum's rows of ``comparisons.csv``.
    gains : pandas.DataFrame
        ``gain.csv`` (``init``, ``scale``, ``he_equivalent_gain``).
    reference : str
    alpha : float

    Returns
    -------
    list of dict
        :func:`verdict` of each, with ``init`` (the initializer at equal gain) and
        ``scale`` (its scale of He-equivalent gain 1, None if the table has none).
    """
    facts = []
    for row in comparisons[comparisons["a"].str.endswith(EQUAL_GAIN)].to_dict("records"):
        if row["b"] != reference + CHOSEN:
            continue
        init = row["a"].removesuffix(EQUAL_GAIN)
        unit = gains[(gains["init"] == init) & ((gains["he_equivalent_gain"] - 1).abs() < 1e-3)]
        scale = float(unit["scale"].iloc[0]) if len(unit) else None
        facts.append(verdict(row, alpha) | {"init": init, "scale": scale})
    return facts


def reference_claim(comparisons: pd.DataFrame, reference: str, alpha: float) -> str | None:
    """:func:`initstudy.analysis.comparisons.claim` of the reference's chosen cell against the other
    chosen cells, on success counts (Holm-adjusted Fisher p), names without " (chosen)".

    Parameters
    ----------
    comparisons : pandas.DataFrame
        One stratum's rows of ``comparisons.csv``.
    reference : str
    alpha : float

    Returns
    -------
    str or None
        ``"best"`` only when the reference beats every other chosen cell
        significantly; None without comparisons.
    """
    chosen = comparisons[comparisons["a"].str.endswith(CHOSEN)]
    if chosen.empty:
        return None
    return claim(chosen, reference + CHOSEN, alpha).replace(CHOSEN, "")


def ranking_facts(rankings: pd.DataFrame) -> dict:
    """The ranking of the chosen cells at each threshold, and whether it changes.

    Parameters
    ----------
    rankings : pandas.DataFrame
        One stratum's rows of ``rankings.csv`` (``threshold``, ``ranking``, ``same_as_first``).

    Returns
    -------
    dict
        ``rows`` (the records) and ``changes`` (the thresholds where the ranking
        differs from the one at the first).
    """
    records = rankings.to_dict("records")
    changes = [float(row["threshold"]) for row in records if not bool(row["same_as_first"])]
    return {"rows": records, "changes": changes}


def learning_rate_facts(summary: pd.DataFrame, exclude: tuple[str, ...] = ("zeros",)) -> list:
    """Per learning rate, how many networks of the initializers that can learn succeed.

    Parameters
    ----------
    summary : pandas.DataFrame
        One stratum's rows of ``summary.csv``.
    exclude : tuple of str
        Initializers left out (zeros cannot break symmetry at any learning rate).

    Returns
    -------
    list of dict
        ``learning_rate``, ``n_success``, ``n_runs`` (at the full budget) and
        ``n_success_early`` (at the notebook's, or None), by learning rate; empty
        without a learning-rate axis or without an initializer that can learn (zeros alone).
    """
    learners = summary[~summary["init"].isin(exclude)]
    if "learning_rate" not in summary.columns or learners.empty:
        return []
    full, early = budget_split(learners)
    facts = []
    for rate, rows in full.groupby("learning_rate", sort=True):
        fact = {"learning_rate": float(rate), "n_success": int(rows["n_success"].sum())}
        fact["n_runs"] = int(rows["n_seeds"].sum())
        fact["n_success_early"] = (
            None if early is None else int(rows_at(early, learning_rate=rate)["n_success"].sum())
        )
        facts.append(fact)
    return facts


def _context(tables: dict, stratum: dict, settings: dict) -> dict:
    """The tables of one stratum and the settings, for :func:`chosen_facts`."""
    _, early = budget_split(tables["summary"])
    axes = settings["axes"]
    return settings | {
        "stratum": stratum,
        "runs": rows_at(tables["runs"], **stratum),
        "early": None if early is None else rows_at(early, **stratum),
        "comparisons": rows_at(tables["comparisons"], **stratum),
        "speedups": rows_at(tables["speedups"], **stratum),
        "selection": rows_at(tables["selection"], **stratum),
        "candidates": settings["candidates"],
        "controls": control_facts(
            tables["runs"], stratum, settings["config"], axes, settings["threshold"]
        ),
    }


def stratum_findings(tables: dict, stratum: dict, settings: dict) -> dict:
    """Every finding in one stratum.

    Parameters
    ----------
    tables : dict
        ``runs``, ``summary``, ``selection``, ``comparisons``, ``speedups``, ``rankings``
        and ``gain``.
    stratum : dict
        Stratum axis -> value (:func:`initstudy.grid.grid.strata`; empty without a
        stratum axis).
    settings : dict
        ``reference``, ``layers``, ``alpha``, ``level``.

    Returns
    -------
    dict
        ``stratum``, ``label`` (:func:`initstudy.grid.grid.stratum_label`: None without a
        stratum axis), ``chosen`` (:func:`chosen_facts` per initializer), ``alone``
        (one initializer: nothing to compare), ``reference_chosen`` (the reference's, or
        None), ``reference_claim``, ``equal_gain`` (with ``within_control`` and ``control``),
        ``rankings``, ``learning_rates``, ``controls``
        (:func:`initstudy.report.report_caveats.control_facts`, None without control cells)
        and ``tied`` (the initializers whose cell was chosen from a tie on validation).
    """
    context = _context(tables, stratum, settings)
    selection = context["selection"]
    reference, alpha = settings["reference"], settings["alpha"]
    chosen = [chosen_facts(record, context) for record in selection.to_dict("records")]
    reference_chosen = next((c for c in chosen if c["init"] == reference), None)
    equal_gain = equal_gain_facts(context["comparisons"], tables["gain"], reference, alpha)
    return {
        "stratum": stratum,
        "label": stratum_label(stratum),
        "chosen": chosen,
        "alone": len(chosen) == 1,
        "reference_chosen": reference_chosen,
        "reference_claim": reference_claim(context["comparisons"], reference, alpha),
        "equal_gain": equal_gain_caveats(equal_gain, reference_chosen, context["controls"]),
        "rankings": ranking_facts(rows_at(tables["rankings"], **stratum)),
        "learning_rates": learning_rate_facts(rows_at(tables["summary"], **stratum)),
        "controls": context["controls"],
        "tied": [c["init"] for c in chosen if c["tie"]["n_tied"] > 1],
    }


def consistency(parts: list[dict]) -> dict:
    """For each initializer, whether its verdict against the reference is the same in
    every stratum.

    Parameters
    ----------
    parts : list of dict
        :func:`stratum_findings` of each stratum.

    Returns
    -------
    dict
        Initializer -> ``{"same": bool, "directions": {stratum label: direction}}``
        (initializers compared in at least one stratum).
    """
    directions: dict[str, dict] = {}
    for findings in parts:
        for chosen in findings["chosen"]:
            if chosen["versus_reference"] is not None:
                direction = chosen["versus_reference"]["direction"]
                directions.setdefault(chosen["init"], {})[findings["label"]] = direction
    return {
        init: {"same": len(set(by.values())) == 1, "directions": by}
        for init, by in directions.items()
    }


def findings_facts(tables: dict, config: dict, axes) -> dict:
    """The numbers behind the findings, per stratum, and their consistency across the strata.

    Parameters
    ----------
    tables : dict
        ``runs`` (``runs.csv``), ``summary``, ``selection``, ``comparisons``,
        ``speedups``, ``rankings`` and ``gain``.
    config : dict
        With the sections ``model`` and ``analysis``.
    axes : tuple of str
        The grid's axes.

    Returns
    -------
    dict
        ``threshold``, ``level``, ``alpha``, ``reference``, ``budget``,
        ``early_budget``, ``strata`` (:func:`initstudy.report.report.strata_facts`),
        ``datasets`` (:func:`stratum_findings` of each stratum, in table order: one per
        data set in the default grid), ``consistency``, ``splits``
        (:func:`initstudy.report.report_caveats.split_facts`) and ``control_pairs`` (the
        labels of every control pair of any stratum).
    """
    analysis = config["analysis"]
    level = float(analysis["confidence_level"])
    settings = {
        "reference": analysis["reference"]["init"],
        "layers": list(config["model"]["layers"]),
        "alpha": round(1 - level, 12),
        "level": level,
        "axes": tuple(axes),
        "config": config,
        "threshold": float(analysis["success_threshold"]),
        "candidates": candidates(tables["runs"], tuple(axes), present(axes, STRATUM_AXES)),
    }
    _, early = budget_split(tables["summary"])
    datasets = [
        stratum_findings(tables, stratum, settings)
        for stratum, _ in strata(tables["selection"], axes)
    ]
    return {
        "threshold": analysis["success_threshold"],
        "level": level,
        "alpha": settings["alpha"],
        "reference": settings["reference"],
        "budget": int(config["model"]["iterations"]),
        "early_budget": None if early is None else int(early["budget"].iloc[0]),
        "strata": strata_facts(axes),
        "datasets": datasets,
        "consistency": consistency(datasets),
        "splits": split_facts(tables["runs"], settings["threshold"]),
        "control_pairs": list(
            dict.fromkeys(
                pair
                for part in datasets
                if part["controls"] is not None
                for pair in part["controls"]["pairs"]
            )
        ),
    }
