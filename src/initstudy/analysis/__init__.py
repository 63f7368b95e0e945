"""Outcomes, intervals, summaries, selection on validation, comparisons, times to learn."""
