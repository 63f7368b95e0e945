"""Helpers every layer may use: atomic writes, locks, import closures, fingerprints, labels."""
