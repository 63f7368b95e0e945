"""Tests of run classification."""

import math

import numpy as np
import pandas as pd
import pytest

from initstudy.outcomes import STATUSES, classify, is_symmetric, majority_rate


def test_majority_rate_counts_the_most_frequent_class():
    assert majority_rate([0, 1, 1, 1]) == 0.75
    assert majority_rate(np.array([[1, 0, 0, 1, 0]])) == 0.6


def test_majority_rate_rejects_empty_labels():
    with pytest.raises(ValueError):
        majority_rate([])


def test_is_symmetric_compares_layer_by_layer():
    assert is_symmetric("1;1", "10;5")
    assert is_symmetric("10;4", "10;5")
    assert not is_symmetric("10;5", "10;5")
    assert not is_symmetric(math.nan, "10;5")
    with pytest.raises(ValueError):
        is_symmetric("10", "10;5")


def _runs(rows):
    columns = ["diverged_at", "final_cost", "distinct_units", "hidden_widths", "test_accuracy"]
    return pd.DataFrame(rows, columns=columns, index=[10 + i for i in range(len(rows))])


def test_classify_applies_the_precedence():
    runs = _runs(
        [
            (5, math.nan, "1;1", "10;5", math.nan),  # diverged beats symmetric
            (-1, math.inf, "10;5", "10;5", 0.9),  # infinite cost alone is divergence
            (3, 0.2, "10;5", "10;5", 0.9),  # diverged_at alone is divergence
            (-1, 0.69, "1;1", "10;5", 0.5),  # symmetric beats chance
            (-1, 0.3, "10;4", "10;5", 0.9),  # one collapsed layer is enough
            (-1, 0.6, "10;5", "10;5", 0.45),  # within tolerance of the majority rate
            (-1, 0.1, "10;5", "10;5", 0.9),
        ]
    )
    status = classify(runs, majority_rate=0.5, chance_tolerance=0.05)
    expected = ["diverged", "diverged", "diverged", "symmetric", "symmetric", "chance", "ok"]
    assert status.tolist() == expected
    assert status.name == "status"
    assert status.index.tolist() == runs.index.tolist()
    assert set(status) <= set(STATUSES)
