"""initstudy: how weight initialization decides whether a ReLU network learns."""

from importlib.metadata import PackageNotFoundError, version

# The version is written once, in pyproject.toml; the package metadata carries it. A checkout's
# src/ on PYTHONPATH (the workflow's jobs) has no metadata of its own.
try:
    __version__ = version("initstudy")
except PackageNotFoundError:
    __version__ = "unknown (not installed)"
