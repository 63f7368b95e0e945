"""Config input a user may get wrong or an attacker may craft, checked before any validation.

- :func:`check_yaml_files`: a config file is small, shallow, plain YAML without anchors or
  aliases. It is checked on the parser's event stream, before any node is composed, so an
  alias bomb ("billion laughs") is refused without ever being expanded.
- :func:`check_config_size`: the loaded config (files and ``--config`` merged) has a
  bounded number of values and depth; walking it stops at the bound.
- :func:`parse_overrides`: nested ``--config`` values are read as YAML scalars, as in a
  config file (Snakemake passes them as text).
- :func:`check_reference`: the cell every initializer is compared with is in the grid.
- :func:`shorten`: error messages of bounded length, whatever the input.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

from initstudy.grid.config import ConfigError, config_leaves, format_key
from initstudy.util.labels import format_scale

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_VALUES = 100_000
MAX_LINE = 300
MAX_LINES = 40


def check_yaml_files(paths) -> None:
    """Refuse config files that are large, deep, or use anchors, aliases or tags.

    Parameters
    ----------
    paths : iterable of str or Path

    Raises
    ------
    ConfigError
        Naming the file, the line and what was found.
    """
    for path in paths:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError(
                f"config file '{path}': got {size} bytes; allowed: at most {MAX_FILE_BYTES} "
                "(a study's config is a few hundred bytes)"
            )
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        for problem, mark in _yaml_problems(text):
            raise ConfigError(
                f"config file '{path}' (line {mark.line + 1}, column {mark.column + 1}): "
                f"got {problem}; allowed: plain YAML data without anchors or aliases, "
                f"nested at most {MAX_DEPTH} deep"
            )


def _yaml_problems(text: str) -> Iterator[tuple[str, object]]:
    depth, values = 0, 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                yield f"the alias *{event.anchor}", event.start_mark
            if getattr(event, "anchor", None):
                yield f"the anchor &{event.anchor}", event.start_mark
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    yield f"values nested more than {MAX_DEPTH} deep", event.start_mark
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            values += isinstance(event, yaml.ScalarEvent)
            if values > MAX_VALUES:
                yield f"more than {MAX_VALUES} values", event.start_mark
    except yaml.YAMLError:
        return  # check_config_files reports malformed YAML with its position


def check_config_size(config: dict) -> None:
    """Refuse a config with more than :data:`MAX_VALUES` values or nested deeper than
    :data:`MAX_DEPTH`; stops walking at the bound, so shared (aliased) values cost nothing.

    Parameters
    ----------
    config : dict

    Raises
    ------
    ConfigError
    """
    count, stack = 0, [((), config)]
    while stack:
        path, node = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise ConfigError(
                f"config: got more than {MAX_VALUES} values (from '{format_key(path[:3])}'); "
                "allowed: a study's config of at most that many values"
            )
        if len(path) > MAX_DEPTH:
            raise ConfigError(
                f"config key '{format_key(path[:MAX_DEPTH])}...': got values nested more than "
                f"{MAX_DEPTH} deep; allowed: at most {MAX_DEPTH}"
            )
        if isinstance(node, dict):
            stack.extend(((*path, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), value) for index, value in enumerate(node))


def parse_overrides(config: dict, overrides: dict) -> None:
    """Read the nested text values of ``--config`` as YAML scalars, in place in ``config``.

    Snakemake parses ``--config analysis='{success_threshold: 0.95}'`` with YAML's
    base loader, which keeps every nested leaf as text (``"0.95"``); a config file
    would give the number. Each such leaf is parsed as a YAML scalar, as in a file,
    then validated like one. Top-level values (``--config key=0.5``) are numbers
    already.

    Parameters
    ----------
    config : dict
        The merged config, changed in place.
    overrides : dict
        Snakemake's parsed ``--config`` values (``workflow.config_settings.config``).
    """
    check_config_size(overrides)
    for path, text in config_leaves(overrides):
        if not isinstance(text, str) or len(path) < 2:
            continue
        node = config
        for key in path[:-1]:
            node = node[key]
        if node[path[-1]] == text:
            node[path[-1]] = _scalar(text)


def _scalar(text: str) -> object:
    try:
        value = yaml.safe_load(text) if len(text) <= MAX_LINE else text
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (str, int, float, bool)) or value is None else text


def check_reference(config: dict) -> None:
    """The reference cell (``analysis.reference``) must be a cell of the grid.

    Parameters
    ----------
    config : dict
        A config that passed the schema (defaults filled in).

    Raises
    ------
    ConfigError
    """
    reference = config["analysis"]["reference"]
    init, scale = reference["init"], reference["scale"]
    scales = config["grid"]["initializations"].get(init)
    if scales is None or format_scale(scale) not in {format_scale(s) for s in scales}:
        cells = ", ".join(
            f"{name} {format_scale(s)}"
            for name, values in config["grid"]["initializations"].items()
            for s in values
        )
        raise ConfigError(
            shorten(
                f"config key 'analysis.reference': got init {init!r}, scale {scale!r}, which "
                f"is not in the grid; allowed: one of the grid's cells ({cells})"
            )
        )


def shorten(message: str) -> str:
    """``message`` with every line cut to :data:`MAX_LINE` characters and at most
    :data:`MAX_LINES` lines.

    Parameters
    ----------
    message : str

    Returns
    -------
    str
    """
    lines = [
        line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..."
        for line in message.splitlines()
    ]
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"... and {len(lines) - MAX_LINES} more problems"]
    return "\n".join(lines)
