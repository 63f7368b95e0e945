"""initstudy: how weight initialization decides whether a ReLU network learns."""


def __getattr__(name: str) -> str:
    # The version is written once, in pyproject.toml; the package metadata carries it. Looked up
    # on first use (PEP 562): importlib.metadata costs about 25 ms of CPU, and every job of the
    # workflow imports this package without needing it. A checkout's src/ on PYTHONPATH (the
    # workflow's jobs) has no metadata of its own.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("initstudy")
    except PackageNotFoundError:
        return "unknown (not installed)"
