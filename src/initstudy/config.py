"""What the workflow needs to know about a (schema-validated) config.

The JSON schema checks types and ranges key by key; :func:`check_config` adds
the rules that relate several keys, each error naming the key, the value given
and what is allowed. :func:`cells` fixes the order of the grid everywhere.
"""

from __future__ import annotations

from initstudy.init import INITIALIZERS

DATA_WIDTH = 2  # circles are points in the plane
OUTPUT_WIDTH = 1  # one sigmoid unit: binary classification


class ConfigError(ValueError):
    """A config value the study cannot run with."""


def format_scale(scale: float) -> str:
    """The canonical text of a scale, used in file names and tables.

    Shortest round-trip representation of the float, without a trailing
    ``.0``: ``1`` for 1.0, ``0.25``, ``1e-06``. ``float(format_scale(x)) == x``.

    Parameters
    ----------
    scale : float

    Returns
    -------
    str
    """
    text = repr(float(scale))
    return text[:-2] if text.endswith(".0") else text


def cells(config: dict) -> list[tuple[str, float]]:
    """The grid's (initializer, scale) cells in config order.

    Parameters
    ----------
    config : dict

    Returns
    -------
    list of (str, float)
    """
    return [
        (name, float(scale))
        for name, scales in config["grid"]["initializations"].items()
        for scale in scales
    ]


def check_config(config: dict) -> None:
    """Check the rules the schema cannot express; raise on the first violation.

    Parameters
    ----------
    config : dict
        A config that already passed the JSON schema (defaults filled in).

    Raises
    ------
    ConfigError
        Naming the key, the value given and what is allowed.
    """
    model = config["model"]
    layers = model["layers"]
    if layers[0] != DATA_WIDTH:
        _fail("model.layers[0]", layers[0], f"{DATA_WIDTH}, the width of the circles data")
    if layers[-1] != OUTPUT_WIDTH:
        _fail("model.layers[-1]", layers[-1], f"{OUTPUT_WIDTH}, one sigmoid output unit")
    if model["log_every"] > model["iterations"]:
        _fail(
            "model.log_every",
            model["log_every"],
            f"an integer from 1 to model.iterations ({model['iterations']})",
        )
    for name, scales in config["grid"]["initializations"].items():
        if name not in INITIALIZERS:
            _fail("grid.initializations", name, "one of " + ", ".join(INITIALIZERS))
        texts = [format_scale(s) for s in scales]
        if len(set(texts)) != len(texts):
            _fail(f"grid.initializations.{name}", scales, "distinct scales")


def _fail(key: str, value: object, allowed: str) -> None:
    raise ConfigError(f"config key '{key}': got {value!r}; allowed: {allowed}")
