"""What the workflow needs to know about a config, and every check it must pass.

:func:`validate_config` checks the config against the JSON schema key by key,
:func:`check_config` adds the rules that relate several keys. Each error names
the key path (``grid.initializations.he[0]``), the value given and what is
allowed, in the style of scikit-learn's parameter validation.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from initstudy.grid.grid import format_value, further_axes
from initstudy.model.init import REGISTRY
from initstudy.util.labels import format_scale

DATA_WIDTH = 2  # circles are points in the plane
OUTPUT_WIDTH = 1  # one sigmoid unit: binary classification

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TYPE_NOUNS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
}


class ConfigError(ValueError):
    """A config value the study cannot run with."""


def load_schema(path: str | Path) -> dict:
    """Read the config's JSON schema (written in YAML) with YAML safe loading.

    Every subschema marked ``x-initializers: all`` (or ``with-signal``: all
    but ``zeros``) gets the registry's names as its ``enum``, so the names are
    declared once, in :data:`initstudy.model.init.REGISTRY`.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    dict
    """
    with open(path, encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    _fill_initializers(schema)
    return schema


def _fill_initializers(node: object) -> None:
    names = {
        "all": list(REGISTRY),
        "with-signal": [name for name, entry in REGISTRY.items() if entry.kind != "zeros"],
    }
    if isinstance(node, dict):
        if "x-initializers" in node:
            node["enum"] = names[node["x-initializers"]]
        for value in node.values():
            _fill_initializers(value)
    elif isinstance(node, list):
        for value in node:
            _fill_initializers(value)


def check_config_files(paths) -> None:
    """Re-read config files with YAML safe loading; refuse any that is not plain data.

    Snakemake loads config files with PyYAML's ``FullLoader`` (which builds
    tuples and references to Python functions from ``!!python/...`` tags) and
    through YTE, which evaluates Python expressions in a file whose top level
    sets ``__use_yte__: true``. The study accepts neither.

    Parameters
    ----------
    paths : iterable of str or Path
        The config files Snakemake loaded (``workflow.configfiles``).

    Raises
    ------
    ConfigError
        Naming the file, what was found and what is allowed.
    """
    allowed = "plain YAML data (mappings, lists, numbers, strings, booleans; no tags, no templates)"
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            detail = getattr(error, "problem", None) or str(error)
            raise ConfigError(
                f"config file '{path}': got {detail}{where}; allowed: {allowed}"
            ) from None
        if isinstance(data, dict) and "__use_yte__" in data:
            raise ConfigError(
                f"config file '{path}': got the key '__use_yte__' (a YTE template, which "
                f"Snakemake evaluates as Python); allowed: {allowed}"
            )


def validate_config(config: dict, schema: dict) -> None:
    """Check ``config`` against ``schema`` (JSON Schema draft 2020-12); raise on violations.

    Defaults are not filled in here (``snakemake.utils.validate`` does that
    afterwards); this pass exists for its messages.

    Parameters
    ----------
    config : dict
        The config as loaded, before defaults.
    schema : dict
        The schema, e.g. from :func:`load_schema`.

    Raises
    ------
    ConfigError
        One line per violation, in the order of the keys in the config, each
        naming the key path, the value given and what is allowed.
    """
    from jsonschema import Draft202012Validator, validators

    # JSON Schema's "integer" accepts 100.0; the study's integer keys take only integers.
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )
    validator = validators.extend(Draft202012Validator, type_checker=checker)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: _position(config, e.absolute_path))
    lines = list(dict.fromkeys(line for error in errors for line in _explain(error)))
    if lines:
        raise ConfigError("\n".join(lines))


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
    for path, value in config_leaves(config):
        if isinstance(value, float) and not math.isfinite(value):
            _fail(format_key(path), value, "a finite number")
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
        if name not in REGISTRY:
            _fail("grid.initializations", name, "one of " + ", ".join(REGISTRY))
        texts = [format_scale(s) for s in scales]
        if len(set(texts)) != len(texts):
            _fail(format_key(("grid", "initializations", name)), scales, "distinct scales")
    for axis, values in further_axes(config).items():
        texts = [format_value(axis, v) for v in values]
        if len(set(texts)) != len(texts):
            _fail(format_key(("grid", "axes", axis)), values, "distinct values")
    names = [config["dataset"]["name"], *config.get("datasets", {})]
    for index, name in enumerate(further_axes(config).get("dataset", [])):
        if name not in names:
            key = format_key(("grid", "axes", "dataset", index))
            _fail(key, name, "one of " + ", ".join(names))
    _check_depth_study(config["depth_study"])


def _check_depth_study(depth: dict) -> None:
    """The depth study's one rule across keys: ``training.log_every <= training.iterations``.

    The schema states every other constraint of the section (its ``uniqueItems``
    scales also have distinct labels, as ``format_scale`` round-trips).
    """
    training = depth["training"]
    if training["log_every"] > training["iterations"]:
        _fail(
            "depth_study.training.log_every",
            training["log_every"],
            f"an integer from 1 to depth_study.training.iterations ({training['iterations']})",
        )


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


def describe(schema: dict) -> str:
    """What a schema allows, in words: ``"an integer >= 1"``, ``"one of he, lecun"``.

    Parameters
    ----------
    schema : dict
        A (sub)schema of the config schema.

    Returns
    -------
    str
    """
    if "const" in schema:
        text = f"exactly {_show(schema['const'])}"
    elif "enum" in schema:
        text = "one of " + ", ".join(str(v) for v in schema["enum"])
    else:
        kind = schema.get("type")
        text = _TYPE_NOUNS.get(kind, "a value")
        if kind in ("integer", "number"):
            text += _bounds(schema)
        elif kind == "array":
            text = _describe_array(schema)
        elif kind == "object":
            text = _describe_object(schema)
    if "description" in schema:
        text += f" ({schema['description']})"
    return text


def _bounds(schema: dict) -> str:
    low = ("minimum", ">=") if "minimum" in schema else ("exclusiveMinimum", ">")
    high = ("maximum", "<=") if "maximum" in schema else ("exclusiveMaximum", "<")
    has_low, has_high = low[0] in schema, high[0] in schema
    if has_low and has_high and low[1] == ">=" and high[1] == "<=":
        return f" from {_show(schema['minimum'])} to {_show(schema['maximum'])}"
    parts = [
        f"{op} {_show(schema[key])}" for (key, op), has in ((low, has_low), (high, has_high)) if has
    ]
    return " " + " and ".join(parts) if parts else ""


def _describe_array(schema: dict) -> str:
    low, high = schema.get("minItems", 0), schema.get("maxItems")
    if high is not None and low == high:
        size = f"a list of exactly {low} "
    elif low == 1:
        size = "a non-empty list of "
    elif low > 1:
        size = f"a list of at least {low} "
    else:
        size = "a list of "
    size += "distinct items" if schema.get("uniqueItems") else "items"
    items = schema.get("items")
    return size + (f", each {describe(items)}" if items else "")


def _describe_object(schema: dict) -> str:
    if "propertyNames" in schema:
        extra = schema.get("additionalProperties")
        values = f" to {describe(extra)}" if isinstance(extra, dict) else ""
        return f"a mapping from a name ({describe(schema['propertyNames'])}){values}"
    return "a mapping with the keys " + ", ".join(schema.get("properties", {}))


def _explain(error) -> Iterator[str]:
    """One message line per key the error is about."""
    path = tuple(error.absolute_path)
    kind, instance, schema = error.validator, error.instance, error.schema
    if kind == "additionalProperties":
        known = list(schema.get("properties", {}))
        for key in instance:
            if key not in known:
                hint = difflib.get_close_matches(str(key), known, n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                where = f"in '{format_key(path)}'" if path else "at the top level"
                yield (
                    f"config key '{format_key((*path, key))}': unknown key{suggestion}, "
                    f"given the value {_show(instance[key])}; allowed keys {where}: "
                    + ", ".join(known)
                )
    elif kind == "required":
        for key in schema["required"]:
            if key not in instance:
                allowed = describe(schema.get("properties", {}).get(key, {}))
                yield f"config key '{format_key((*path, key))}': missing; allowed: {allowed}"
    elif "propertyNames" in error.absolute_schema_path:
        # jsonschema reports a bad key of the mapping at ``path`` with the key as instance.
        yield (
            f"config key '{format_key((*path, instance))}': got the name {_show(instance)}; "
            f"allowed: {describe(schema)}"
        )
    else:
        got = _show(instance) + _note(kind, instance)
        yield f"config key '{format_key(path)}': got {got}; allowed: {describe(schema)}"


def _note(kind: str, instance: object) -> str:
    if kind == "uniqueItems":
        seen, repeated = [], []
        for item in instance:
            (repeated if item in seen and item not in repeated else seen).append(item)
        return " (repeated: " + ", ".join(_show(v) for v in repeated) + ")"
    if kind == "type" and isinstance(instance, float) and instance.is_integer():
        return f" (a number with a decimal point: write {int(instance)})"
    if kind == "type" and isinstance(instance, str):
        try:
            float(instance)
        except ValueError:
            return ""
        # YAML 1.1 reads 1e6 (no dot) as text; 1.0e+6 or 1000000 is a number.
        return " (text, not a number: write 1e6 as 1.0e+6 or 1000000)"
    return ""


def _position(config: object, path) -> tuple:
    """Sort key of a key path: the order of its keys in the config."""
    position, node = [], config
    for part in path:
        if isinstance(node, dict):
            keys = list(node)
            position.append(keys.index(part) if part in keys else len(keys))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            position.append(part)
            node = node[part]
        else:
            position.append(0)
            node = None
    return tuple(position)


def config_leaves(node: object, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """Every leaf (scalar) of a config, depth first in config order, with its key path.

    Parameters
    ----------
    node : object
        A loaded config, or a mapping, list or scalar within one.
    path : tuple
        The key path of ``node`` (keys and list indices).

    Yields
    ------
    tuple
        ``(key path, value)``.
    """
    if isinstance(node, dict | list):
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in children:
            yield from config_leaves(value, (*path, key))
    else:
        yield path, node


def _show(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=repr)
        return text if len(text) <= 80 else text[:77] + "..."
    return repr(value)


def _fail(key: str, value: object, allowed: str) -> None:
    raise ConfigError(f"config key '{key}': got {_show(value)}; allowed: {allowed}")
