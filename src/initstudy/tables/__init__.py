"""The study's CSV tables: reading, writing, gathering, and their plausibility rules."""
