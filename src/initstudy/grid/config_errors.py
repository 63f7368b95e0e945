"""The config's error type and how its messages name keys and values.

Every message reads ``config key '<key path>': got <value>; allowed: <what>``, in the
style of scikit-learn's parameter validation.
"""

from __future__ import annotations

import json
import re

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class ConfigError(ValueError):
    """A config value the study cannot run with."""


def format_key(path) -> str:
    """The dotted text of a key path: ``("grid", "seeds", 2)`` -> ``grid.seeds[2]``.

    Keys that are not identifiers are quoted: ``grid.initializations["../x"]``.

    Parameters
    ----------
    path : iterable of str or int

    Returns
    -------
    str
        ``"<top level>"`` for the empty path.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif isinstance(part, str) and _IDENTIFIER.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part) if isinstance(part, str) else repr(part)}]"
    return text or "<top level>"


def show_value(value: object) -> str:
    """A value as an error message quotes it: ``'he'``, ``true``, ``[1, 2]`` (cut at 80)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=repr)
        return text if len(text) <= 80 else text[:77] + "..."
    return repr(value)


def fail(key: str, value: object, allowed: str) -> None:
    """Raise :class:`ConfigError` naming ``key``, the ``value`` given and what is ``allowed``."""
    raise ConfigError(f"config key '{key}': got {show_value(value)}; allowed: {allowed}")
