"""One formatter writes a scale for readers (``display_scale``); paths keep the canonical text."""

from __future__ import annotations

import math

import pytest

from initstudy.util.labels import cell_label, display_scale, format_scale


@pytest.mark.parametrize(
    ("scale", "text"),
    [
        (math.sqrt(2), "√2"),
        (2**0.5, "√2"),
        (1.4142135623730951, "√2"),
        (1 / math.sqrt(2), "1/√2"),
        (math.sqrt(3), "√3"),
        (1.0, "1"),
        (4.0, "4"),  # a perfect square is a plain number
        (0.25, "0.25"),
        (1.1583, "1.1583"),
        (10.0, "10"),
        (1e-06, "1e-06"),
        (1e100, "1e+100"),
        (1.41421356, "1.414"),  # close to √2 but not it: rounded, not renamed
        (0.123456789, "0.1235"),
    ],
)
def test_a_scale_is_written_for_readers_by_one_rule(scale, text):
    assert display_scale(scale) == text


def test_the_canonical_text_round_trips_and_the_label_uses_the_readers_text():
    assert format_scale(math.sqrt(2)) == "1.4142135623730951"
    assert float(format_scale(math.sqrt(2))) == math.sqrt(2)
    assert cell_label("lecun", math.sqrt(2)) == "lecun ×√2"
    assert cell_label("he", 1.0) == "he ×1"
