"""What a schema allows, and what a schema error is about, in words.

:func:`describe` turns a (sub)schema into ``"an integer >= 1"`` or ``"one of he,
lecun"``; :func:`explain` turns a jsonschema error into one message line per key,
with a close match for a misspelt key.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from initstudy.grid.config_errors import format_key, show_value

_TYPE_NOUNS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
}


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
        text = f"exactly {show_value(schema['const'])}"
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
        return f" from {show_value(schema['minimum'])} to {show_value(schema['maximum'])}"
    parts = [
        f"{op} {show_value(schema[key])}"
        for (key, op), has in ((low, has_low), (high, has_high))
        if has
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


def explain(error) -> Iterator[str]:
    """One message line per key a schema error is about.

    Parameters
    ----------
    error : jsonschema.ValidationError

    Yields
    ------
    str
        ``config key '<key>': got <value>; allowed: <what>``, or an unknown or missing key.
    """
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
                    f"given the value {show_value(instance[key])}; allowed keys {where}: "
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
            f"config key '{format_key((*path, instance))}': got the name {show_value(instance)}; "
            f"allowed: {describe(schema)}"
        )
    else:
        got = show_value(instance) + _note(kind, instance)
        yield f"config key '{format_key(path)}': got {got}; allowed: {describe(schema)}"


def _note(kind: str, instance: object) -> str:
    if kind == "uniqueItems":
        seen, repeated = [], []
        for item in instance:
            (repeated if item in seen and item not in repeated else seen).append(item)
        return " (repeated: " + ", ".join(show_value(v) for v in repeated) + ")"
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


def key_order(config: object, path) -> tuple:
    """Sort key of a key path: the order of its keys in the config.

    Parameters
    ----------
    config : object
        The config as loaded.
    path : iterable of str or int

    Returns
    -------
    tuple of int
    """
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
