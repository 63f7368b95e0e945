"""What the findings must not claim, as facts: ties on validation, last-bit sensitivity and
the splits that outcome classes and success are read on.

- A tie on validation is a tie: where several cells of an initializer share the best
  validation score, the report names them, and the rule that broke the tie is a convention,
  never a finding (:func:`tie_facts`).
- Control cells (:mod:`initstudy.analysis.controls`) draw the same matrices; how often their
  runs disagree is the study's last-bit sensitivity, and a difference in success rate no
  larger than it is not evidence (:func:`control_facts`, :func:`within_control`).
- Outcome classes are read off training and validation, success off test: the report
  counts the runs where the two disagree (:func:`split_facts`).

The wording is in ``findings.md.j2``.
"""

from __future__ import annotations

import pandas as pd

from initstudy.analysis.controls import control_disagreement, control_pairs, network_layers
from initstudy.analysis.outcomes import STATUSES
from initstudy.grid.axes import CHOSEN_AXES
from initstudy.grid.grid import rows_at
from initstudy.util.labels import cell_label


def _cell(record: dict) -> dict:
    """A cell for the ``chosen_cell`` macro: ``cell`` (label) and its learning rate, if any."""
    cell = {"cell": cell_label(record["init"], record["scale"])}
    return cell | {axis: record[axis] for axis in CHOSEN_AXES if axis in record and axis != "scale"}


def tie_facts(record: dict, candidates: pd.DataFrame, stratum: dict) -> dict:
    """Whether an initializer's choice on validation was a tie, and with which cells.

    Parameters
    ----------
    record : dict
        Its row of ``selection.csv`` (``n_tied``, ``tie_break``).
    candidates : pandas.DataFrame
        :func:`initstudy.analysis.selection.candidates` of the grid's runs.
    stratum : dict
        The stratum of the record.

    Returns
    -------
    dict
        ``n_tied`` (1 without a tie), ``tie_break`` (``none``, ``time to learn`` or
        ``axis order``) and ``others`` (the other tied cells, for the ``chosen_cell``
        macro, best first).
    """
    rows = rows_at(candidates, init=record["init"], **stratum)
    others = rows[rows["tied"] & ~rows["chosen"]].to_dict("records")
    return {
        "n_tied": int(record.get("n_tied", 1)),
        "tie_break": str(record.get("tie_break", "none")),
        "others": [_cell(other) for other in others],
    }


def control_facts(
    runs: pd.DataFrame, stratum: dict, config: dict, axes, threshold: float
) -> dict | None:
    """How often the control cells of one stratum disagree, seed by seed.

    Parameters
    ----------
    runs : pandas.DataFrame
        ``runs.csv`` (the reference runs).
    stratum : dict
        Stratum axis -> value.
    config : dict
        With ``model.layers`` (the networks' shape).
    axes : tuple of str
        The grid's axes.
    threshold : float
        Test accuracy counted as success.

    Returns
    -------
    dict or None
        None when no two cells of the grid draw the same matrices; else ``pairs`` (each
        pair's two labels), ``rows`` (per pair and level of the other axes: ``a``, ``b``,
        ``level`` (learning rate, or None), the counts of
        :func:`initstudy.analysis.controls.control_disagreement`), ``n_pairs``,
        ``n_success_disagree`` and ``n_status_disagree`` (summed) and ``bound`` (the
        largest share of seeds whose success differs at one level) with ``bound_count`` and
        ``bound_n`` (that level's counts).
    """
    rows = rows_at(runs, **stratum)
    cells = zip(rows["init"], rows["scale"], strict=True)
    pairs = control_pairs(cells, network_layers(config, stratum))
    if not pairs:
        return None
    table = control_disagreement(rows, pairs, tuple(axes), threshold)
    records = []
    for record in table.to_dict("records"):
        a, b = (cell_label(record[f"init_{x}"], record[f"scale_{x}"]) for x in "ab")
        records.append(record | {"a": a, "b": b, "level": record.get("learning_rate")})
    worst = max(records, key=lambda r: (r["n_success_disagree"] / r["n_pairs"], r["n_pairs"]))
    return {
        "pairs": [(cell_label(*a), cell_label(*b)) for a, b in pairs],
        "rows": records,
        "n_pairs": int(table["n_pairs"].sum()),
        "n_success_disagree": int(table["n_success_disagree"].sum()),
        "n_status_disagree": int(table["n_status_disagree"].sum()),
        "bound": worst["n_success_disagree"] / worst["n_pairs"],
        "bound_count": worst["n_success_disagree"],
        "bound_n": worst["n_pairs"],
    }


def within_control(row: dict, controls: dict | None) -> bool:
    """Whether a comparison's difference in success rate is no larger than the control's
    last-bit disagreement (and not zero): then it is not evidence.

    Parameters
    ----------
    row : dict
        A record of ``comparisons.csv`` (``rate_difference``).
    controls : dict or None
        :func:`control_facts` of its stratum.

    Returns
    -------
    bool
        False without control cells.
    """
    if controls is None:
        return False
    difference = abs(float(row["rate_difference"]))
    return 0 < difference <= controls["bound"] + 1e-12


def is_control(a: str, b: str, controls: dict | None) -> bool:
    """Whether two cells (their labels) are a control pair of the stratum."""
    if controls is None:
        return False
    return (a, b) in controls["pairs"] or (b, a) in controls["pairs"]


def comparison_caveats(row: dict, a: dict, b: dict, controls: dict | None) -> dict:
    """What limits a comparison of two chosen cells: ``within_control`` (:func:`within_control`)
    and ``control`` (the two cells are a control pair at one learning rate, so the comparison
    is the control itself).

    Parameters
    ----------
    row : dict
        The comparison's record of ``comparisons.csv``.
    a, b : dict
        The two cells' rows of ``selection.csv``.
    controls : dict or None
        :func:`control_facts` of the stratum.

    Returns
    -------
    dict
    """
    labels = [cell_label(cell["init"], cell["scale"]) for cell in (a, b)]
    same_rate = a.get("learning_rate") == b.get("learning_rate")
    return {
        "within_control": within_control(row, controls),
        "control": same_rate and is_control(*labels, controls),
    }


def equal_gain_caveats(facts: list[dict], reference: dict | None, controls) -> list[dict]:
    """Each comparison at equal gain with ``within_control`` (:func:`within_control`) and
    ``control``: the two cells compared are a control pair, so at one learning rate the
    comparison is the control itself.

    Parameters
    ----------
    facts : list of dict
        :func:`initstudy.report.report_findings.equal_gain_facts` of one stratum.
    reference : dict or None
        The reference's chosen cell (``cell``: its label), None where it has none.
    controls : dict or None
        :func:`control_facts` of the stratum.

    Returns
    -------
    list of dict
    """
    out = []
    for row in facts:
        pair = (
            reference is not None
            and row["scale"] is not None
            and is_control(cell_label(row["init"], row["scale"]), reference["cell"], controls)
        )
        out.append(row | {"within_control": within_control(row, controls), "control": pair})
    return out


def speed_facts(row: dict | None, record: dict, selection: pd.DataFrame, reference: str):
    """A speed ratio's row with the learning rates of the two cells it compares.

    Parameters
    ----------
    row : dict or None
        The initializer's row of ``speedups.csv`` against the reference.
    record : dict
        The initializer's row of ``selection.csv``.
    selection : pandas.DataFrame
        The stratum's rows of ``selection.csv`` (the reference's chosen learning rate).
    reference : str

    Returns
    -------
    dict or None
        ``row`` plus ``rate`` and ``reference_rate`` (None without a learning-rate axis)
        and ``same_rate`` (the ratio is at one learning rate); None without a row.
    """
    if row is None:
        return None
    chosen = rows_at(selection, init=reference)
    rate = record.get("learning_rate")
    reference_rate = None
    if rate is not None and not chosen.empty:
        reference_rate = float(chosen["learning_rate"].iloc[0])
    same = rate is None or reference_rate is None or float(rate) == reference_rate
    return row | {"rate": rate, "reference_rate": reference_rate, "same_rate": same}


def split_facts(runs: pd.DataFrame, threshold: float) -> dict:
    """Where the outcome class (read off training and validation) and success (read off
    test) disagree.

    Parameters
    ----------
    runs : pandas.DataFrame
        ``runs.csv`` at the full budget (``status``, ``test_accuracy``).
    threshold : float

    Returns
    -------
    dict
        ``n_runs``, ``ok_failing`` (runs classed ``ok`` whose test accuracy is below the
        threshold), ``other_succeeding`` (status -> runs of another class that succeed on
        test, only classes with some) and ``n_other_succeeding`` (their sum).
    """
    success = runs["test_accuracy"].to_numpy(dtype=float) >= threshold
    status = runs["status"].to_numpy()
    others = {
        name: int(((status == name) & success).sum())
        for name in STATUSES[1:]
        if ((status == name) & success).any()
    }
    return {
        "n_runs": len(runs),
        "ok_failing": int(((status == STATUSES[0]) & ~success).sum()),
        "other_succeeding": others,
        "n_other_succeeding": sum(others.values()),
    }
