"""The defaults config/README.md states are the schema's.

config/README.md documents each section of the config (``## `model`: ...``) in a table
``| key | default | meaning |``. Every key of such a table must be a key of
workflow/schemas/config.schema.yaml, and its default cell must say what the schema says:

- a default written as code (`` `15000` ``, `` `[2, 10, 5, 1]` ``), read as YAML, equals the
  schema's ``default``; a cell may name several keys and as many defaults
  (`` `reference.init`, `reference.scale` `` with `` `he`, `1` ``); what follows in
  parentheses (the default study's own value, say) is not read;
- a default written as ``none`` or ``see below`` means the schema has none.

A ``| key | meaning |`` table states a default only as "default `value`" in its meaning,
which is checked the same way. And every key the schema gives a default (but objects, whose
defaults are their keys') is documented in one of these tables.
"""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import REPO

CONFIG_README = REPO / "config/README.md"
SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
#: Default cells that say the schema has no default.
NO_DEFAULT = ("none", "see below")
CODE = re.compile(r"`([^`]*)`")


def schema_keys(node: dict, prefix: str = "") -> dict[str, dict]:
    """Every key of a schema, dotted (``depth_study.spread.widths``), with its subschema; the
    entries of a mapping by name (``additionalProperties``: experiments, initializers) as
    ``*`` (``experiments.*.trainability_map``)."""
    keys = {}
    for name, sub in node.get("properties", {}).items():
        keys[prefix + name] = sub
        keys.update(schema_keys(sub, f"{prefix}{name}."))
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        keys.update(schema_keys(extra, f"{prefix}*."))
    return keys


KEYS = schema_keys(SCHEMA)


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def documented_defaults(text: str) -> list[tuple[str, str]]:
    """(dotted key, default cell) for every key of a table of config/README.md that states a
    default; the section is the backticked name of the last ``##`` heading."""
    found = []
    section, columns = None, None
    for line in text.splitlines():
        if line.startswith("## "):
            named = re.match(r"## `([a-z_]+)`", line)
            section, columns = (named.group(1) if named else None), None
        elif not line.startswith("|"):
            columns = None
        elif columns is None:
            columns = cells(line)
        elif section and columns[0] == "key" and not set(line) <= set("|-: "):
            row = dict(zip(columns, cells(line), strict=True))
            if "default" in columns:
                default = row["default"]
            else:
                stated = re.search(r"default (`[^`]*`)", row["meaning"])
                if not stated:
                    continue
                default = stated.group(1)
            found.append((section, row["key"], default))
    return [
        (dotted(section, key), part)
        for section, key_cell, default in found
        for key, part in zip(CODE.findall(key_cell), split_default(key_cell, default), strict=True)
    ]


def dotted(section: str, key: str) -> str:
    """The schema key a table row of a section names."""
    for candidate in (f"{section}.{key}", f"{section}.*.{key}"):
        if candidate in KEYS:
            return candidate
    if key == section and key in KEYS:  # a section that is one value (`results`)
        return key
    raise AssertionError(f"config/README.md documents `{section}`'s `{key}`; the schema lacks it")


def split_default(key_cell: str, default: str) -> list[str]:
    """One default text per key of the key cell: ``none``, ``see below``, or a code span."""
    keys = CODE.findall(key_cell)
    if default.startswith(NO_DEFAULT):
        return [NO_DEFAULT[0]] * len(keys)
    values = CODE.findall(default.split("(", 1)[0])
    assert len(values) == len(keys), f"{key_cell}: cannot read a default per key in {default!r}"
    return [f"`{value}`" for value in values]


def same(stated, schema) -> bool:
    """Equal as values, booleans apart from numbers (YAML reads `0` and `false` apart)."""
    if isinstance(stated, bool) or isinstance(schema, bool):
        return stated is schema
    return stated == schema


DOCUMENTED = documented_defaults(CONFIG_README.read_text(encoding="utf-8"))


def test_the_tables_are_read():
    keys = dict(DOCUMENTED)
    # One key of every section with a table, and the kinds of cell read.
    for key in ("results", "cluster.group_minutes", "dataset.noise", "model.iterations",
                "grid.seeds", "analysis.reference.scale", "notebook.seed",
                "experiments.*.trainability_map", "depth_study.spread.widths"):  # fmt: skip
        assert key in keys, f"config/README.md's table row of {key} was not read"
    assert len(DOCUMENTED) >= 40


@pytest.mark.parametrize(("key", "default"), DOCUMENTED, ids=[key for key, _ in DOCUMENTED])
def test_a_documented_default_is_the_schemas(key, default):
    schema = KEYS[key]
    if default == NO_DEFAULT[0]:
        assert "default" not in schema, (
            f"config/README.md: `{key}` has no default, the schema's is {schema['default']!r}"
        )
        return
    assert "default" in schema, f"config/README.md: `{key}` defaults to {default}; schema: none"
    stated = yaml.safe_load(default.strip("`"))
    assert same(stated, schema["default"]), (
        f"config/README.md: `{key}` defaults to {stated!r}; the schema says {schema['default']!r}"
    )


def test_every_default_of_the_schema_is_documented():
    documented = {key for key, _ in DOCUMENTED}
    for key, schema in KEYS.items():
        if "default" in schema and "properties" not in schema:
            if not isinstance(schema.get("additionalProperties"), dict):
                assert key in documented, f"config/README.md does not document `{key}`'s default"


def test_the_known_wrong_defaults_stay_fixed():
    """Defaults the README once gave the default study's values for (20000, 500, seeds 0–19)."""
    keys = dict(DOCUMENTED)
    assert keys["model.iterations"] == "`15000`"
    assert keys["model.log_every"] == "`1000`"
    assert keys["grid.seeds"] == "none"
