"""The README's findings, recomputed from the tables of a run of the default study.

Each finding's sentence is written here from the run's tables (``metrics/``, ``depth/``,
``experiments/trainability/metrics/``) and must appear in the README word for word (spaces
folded): a number edited by hand in the README, or a number the study no longer gives, fails.
The run is the session's ``default_study`` (conftest): the default study run to the end in a
copy of the workflow, or the folder ``INITSTUDY_DEFAULT_STUDY`` names.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO

pytestmark = [pytest.mark.workflow, pytest.mark.slow]

#: The outcome classes in the order the report counts them.
OUTCOMES = ("ok", "slow", "stuck", "collapsed", "symmetric", "diverged")
#: The trainability map's verdicts where the measurement contradicts the theory.
CONTRADICTIONS = ("theory_deeper", "theory_shallower")


def _folded(text: str) -> str:
    return " ".join(text.split())


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def zeros_finding(runs: pd.DataFrame) -> str:
    """Zeros: how many networks stay symmetric, and their test accuracy."""
    zeros = runs[runs["init"] == "zeros"]
    symmetric = int((zeros["status"] == "symmetric").sum())
    accuracies = sorted(set(zeros["test_accuracy"].round(3)))
    accuracy = f"{accuracies[0]:.3f}" if len(accuracies) == 1 else "several values"
    return (
        f"**Zeros never learn.** {symmetric} of the {len(zeros)} zeros networks "
        f"({zeros['dataset'].nunique()} data sets × {zeros['learning_rate'].nunique()} "
        f"learning rates × {zeros['seed'].nunique()} seeds) stay symmetric, at test accuracy "
        f"{accuracy}, chance."
    )


def notebook_contrast_finding(runs: pd.DataFrame, config: dict) -> str:
    """The notebook's two runs across seeds: He ×1 against random ×10 at its rate, circles."""
    threshold = config["analysis"]["success_threshold"]
    at_rate = runs[(runs["learning_rate"] == 0.01) & (runs["dataset"] == "circles")]

    def successes(init: str, scale: float) -> tuple[int, int]:
        cell = at_rate[(at_rate["init"] == init) & (at_rate["scale"] == scale)]
        return int((cell["test_accuracy"] >= threshold).sum()), len(cell)

    he, n_he = successes("he", 1.0)
    random, n_random = successes("random", 10.0)
    return (
        f"**Large random weights fail where He trains, at the notebook's setting.** At its "
        f"learning rate 0.01 on circles, {he} of {n_he} He ×1 networks reach test accuracy "
        f"{threshold:g} or more within "
        f"{config['model']['iterations']} iterations; {random} of {n_random} random ×10 "
        f"networks do."
    )


def comparisons_finding(comparisons: pd.DataFrame, runs: pd.DataFrame) -> str:
    """How many comparisons with He are significant after Holm's correction, and whose."""
    significant = comparisons[
        (comparisons["fisher_p_holm"] < 0.05) | (comparisons["wilcoxon_p_holm"] < 0.05)
    ]
    names = sorted({a.split()[0] for a in significant["a"]})
    return (
        f"**Chosen on validation, only {' and '.join(names)} can be told apart from He.** "
        f"With each initializer's scale and learning rate chosen on the validation split, "
        f"{len(significant)} of the {len(comparisons)} comparisons with He are significant "
        f"after Holm's correction, every one of them for "
        f"{' and '.join(f'`{n}`' for n in names)}; the others cannot be told apart at "
        f"{runs['seed'].nunique()} seeds."
    )


def failures_finding(runs: pd.DataFrame) -> str:
    """The outcome classes of every network of the main grid."""
    counts = runs["status"].value_counts()
    classes = ", ".join(f"{int(counts.get(name, 0))} {name}" for name in OUTCOMES)
    return f"**Failures are data.** Of {len(runs)} networks: {classes}."


def signal_finding(ratios: pd.DataFrame) -> str:
    """The depth study: the measured per-layer signal ratio against theory."""
    worst = float(ratios["relative_error"].abs().max())
    return (
        f"**Theory holds at initialization.** Over {len(ratios)} (initializer, scale, depth) "
        f"shapes of up to {int(ratios['depth'].max())} layers, the signal's mean per-layer "
        f"ratio is within {100 * worst:.1f} % of the theory's."
    )


def _listed(items: list) -> str:
    """``4 and 16``; ``5, 10, 20 and 40``."""
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def edge_of_chaos_counts(boundary: pd.DataFrame, trainability: pd.DataFrame) -> str:
    """The trainability map's verdicts on mean-field theory's depth scale, counted."""
    verdicts = boundary["agreement"].value_counts()
    predicted = boundary[boundary["agreement"] != "no_prediction"]
    agrees, one_sided = int(verdicts.get("agrees", 0)), int(verdicts.get("consistent", 0))
    contradicted = int(sum(verdicts.get(name, 0) for name in CONTRADICTIONS))
    weak = (
        ": a weak test, as most columns measure one side of the boundary only"
        if 2 * one_sided > len(predicted)
        else ""
    )
    return (
        f"Of the {len(predicted)} columns of the trainability "
        f"map where mean-field theory predicts a depth scale 6 ξ_c, the measured boundary "
        f"brackets it in {agrees}, respects it on the one side measured in {one_sided}, "
        f"contradicts it in {contradicted} and is undecided in "
        f"{int(verdicts.get('undecided', 0))}, at depths "
        f"{_listed(sorted(set(trainability['depth'])))} and "
        f"{' or '.join(map(str, sorted(set(trainability['n_runs']))))} seeds a cell{weak}."
    )


def trainability_finding(boundary: pd.DataFrame, trainability: pd.DataFrame) -> str:
    """The default study's edge-of-chaos finding."""
    return f"**The edge of chaos, measured.** {edge_of_chaos_counts(boundary, trainability)}"


def _trainability_tables(results: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    metrics = results / "experiments/trainability/metrics"
    return (
        pd.read_csv(metrics / "trainability_boundary.csv"),
        pd.read_csv(metrics / "trainability.csv"),
    )


def deep_wide_counts(selection: pd.DataFrame, threshold: float) -> str:
    """He et al.'s 30-layer retest: He's and LeCun's chosen cells, seeds that succeed and
    median times to learn (the ``deep_wide`` experiment's ``selection.csv``)."""
    he, lecun = (selection[selection["init"] == name].iloc[0] for name in ("he", "lecun"))
    return (
        f"at {he['depth']} layers of width {he['width']}, at learning rate "
        f"{he['learning_rate']:g}, He's initialization brings {he['n_success']} of "
        f"{he['n_runs']} seeds to test accuracy {threshold:g} or more and LeCun's "
        f"{lecun['n_success']} of {lecun['n_runs']}, with "
        f"median times to learn of {he['median_time_to_learn']:.0f} and "
        f"{lecun['median_time_to_learn']:.0f} iterations"
    )


def expected_findings(workdir: Path) -> list[str]:
    """Every finding of the README, written from the tables of the run in ``workdir``."""
    results = workdir / "results"
    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    runs = pd.read_csv(results / "metrics/runs.csv")
    return [
        zeros_finding(runs),
        notebook_contrast_finding(runs, config),
        comparisons_finding(pd.read_csv(results / "metrics/comparisons.csv"), runs),
        failures_finding(runs),
        signal_finding(pd.read_csv(results / "depth/ratios.csv")),
        trainability_finding(*_trainability_tables(results)),
    ]


@pytest.mark.timeout(2400)
def test_every_finding_of_the_readme_is_the_runs(default_study):
    readme = _folded((REPO / "README.md").read_text(encoding="utf-8"))
    section = readme.split("## What the default study finds", 1)[1].split(" ## ", 1)[0]
    findings = expected_findings(default_study)
    for finding in findings:
        assert _folded(finding) in section, f"README differs from this run:\n{finding}"
    assert section.count("**") == 2 * len(findings), (
        "a finding in the README that this test does not recompute"
    )


def test_the_complete_studys_counts_in_the_readme_are_its_runs():
    """The README's counts for the complete study (its trainability map and He et al.'s
    30-layer retest), from a finished run of ``config/full.yaml`` (about two hours on 2
    cores, so not run here) in the folder ``INITSTUDY_COMPLETE_STUDY`` names: a copy of the
    workflow, with its ``config/`` and ``results/``."""
    folder = os.environ.get("INITSTUDY_COMPLETE_STUDY")
    if not folder:
        pytest.skip("INITSTUDY_COMPLETE_STUDY names no finished run of config/full.yaml")
    readme = _folded((REPO / "README.md").read_text(encoding="utf-8"))
    section = readme.split("## What the complete study finds", 1)[1].split(" ## ", 1)[0]
    results = Path(folder) / "results"
    selection = pd.read_csv(results / "experiments/deep_wide/metrics/selection.csv")
    config = yaml.safe_load((Path(folder) / "config/full.yaml").read_text())
    for counts in (
        edge_of_chaos_counts(*_trainability_tables(results)),
        deep_wide_counts(selection, config["analysis"]["success_threshold"]),
    ):
        assert _folded(counts) in section, f"README differs from this run:\n{counts}"
