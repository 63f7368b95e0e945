"""The HTML report's captions (``workflow/report/*.rst``) say what the code computes."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import REPO
from scipy import stats as scipy_stats

from initstudy.analysis.intervals import bootstrap_mean_ci
from initstudy.analysis.outcomes import STATUSES

CAPTIONS = {path.name: path.read_text() for path in (REPO / "workflow/report").glob("*.rst")}
#: A skewed sample (accuracies near 1), where BCa and the percentile interval differ.
SKEWED = np.array([1, 1, 1, 1, 0.99, 0.98, 0.97, 1, 1, 0.5, 1, 0.6, 1, 1, 1, 0.99])


def scipy_interval(method: str) -> tuple[float, float]:
    result = scipy_stats.bootstrap(
        (SKEWED,), np.mean, n_resamples=20_000, method=method, rng=np.random.default_rng(5)
    )
    return result.confidence_interval.low, result.confidence_interval.high


def test_the_code_computes_bca_intervals_not_percentile_ones():
    ours = bootstrap_mean_ci(SKEWED, 20_000, seed=1)
    bca, percentile = scipy_interval("BCa"), scipy_interval("percentile")
    assert abs(percentile[0] - bca[0]) > 0.02  # the sample tells the two methods apart
    assert ours.low == pytest.approx(bca[0], abs=0.005)
    assert ours.high == pytest.approx(bca[1], abs=0.005)


@pytest.mark.parametrize(
    "name", sorted(name for name, text in CAPTIONS.items() if "bootstrap" in text)
)
def test_every_caption_that_names_a_bootstrap_names_bca(name):
    text = " ".join(CAPTIONS[name].split())
    assert "percentile" not in text, name
    assert all(
        "BCa" in text[max(0, match.start() - 40) : match.start()]
        for match in re.finditer("bootstrap", text)
    ), name


def test_the_runs_caption_lists_exactly_the_outcome_classes():
    text = " ".join(CAPTIONS["runs.rst"].split())
    listed = re.search(r"outcome \(([^)]*)\)", text)[1]
    assert tuple(item.strip() for item in listed.split(",")) == STATUSES
