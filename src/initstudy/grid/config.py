"""What the workflow needs to know about a config, and every check it must pass.

:func:`validate_config` checks the config against the JSON schema key by key,
:func:`check_config` adds the rules that relate several keys. Each error names
the key path (``grid.initializations.he[0]``), the value given and what is
allowed, in the style of scikit-learn's parameter validation.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import yaml

from initstudy.grid.axes import REFERENCE_RUN, path_text, value_without_axis
from initstudy.grid.config_errors import ConfigError, fail, format_key
from initstudy.grid.grid import further_axes
from initstudy.grid.schema_messages import explain, key_order
from initstudy.model.data import input_width
from initstudy.model.init import REGISTRY
from initstudy.util.labels import format_scale

OUTPUT_WIDTH = 1  # one sigmoid unit: binary classification


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
    errors = sorted(validator.iter_errors(config), key=lambda e: key_order(config, e.absolute_path))
    lines = list(dict.fromkeys(line for error in errors for line in explain(error)))
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
            fail(format_key(path), value, "a finite number")
    model = config["model"]
    layers = model["layers"]
    data_width = input_width(config["dataset"])
    if layers[0] != data_width:
        kind = config["dataset"].get("kind", "circles")
        fail("model.layers[0]", layers[0], f"{data_width}, the input width of dataset.kind {kind}")
    if layers[-1] != OUTPUT_WIDTH:
        fail("model.layers[-1]", layers[-1], f"{OUTPUT_WIDTH}, one sigmoid output unit")
    if model["log_every"] > model["iterations"]:
        fail(
            "model.log_every",
            model["log_every"],
            f"an integer from 1 to model.iterations ({model['iterations']})",
        )
    for name, scales in config["grid"]["initializations"].items():
        if name not in REGISTRY:
            fail("grid.initializations", name, "one of " + ", ".join(REGISTRY))
        texts = [format_scale(s) for s in scales]
        if len(set(texts)) != len(texts):
            fail(format_key(("grid", "initializations", name)), scales, "distinct scales")
    for axis, values in further_axes(config).items():
        texts = [path_text(axis, v) for v in values]
        if len(set(texts)) != len(texts):
            fail(format_key(("grid", "axes", axis)), values, "distinct values")
    names = [config["dataset"]["name"], *config.get("datasets", {})]
    for index, name in enumerate(further_axes(config).get("dataset", [])):
        if name not in names:
            key = format_key(("grid", "axes", "dataset", index))
            fail(key, name, "one of " + ", ".join(names))
    axes = further_axes(config)
    if "depth" in axes and "width" not in axes and value_without_axis(config, "width") is None:
        hidden = config["model"]["layers"][1:-1]
        fail("grid.axes.depth", further_axes(config)["depth"],
              f"a depth axis beside a grid.axes.width axis (model.layers' hidden layers "
              f"{hidden} are not of one width, so there is no width to repeat)")  # fmt: skip
    if "rerun" in axes and REFERENCE_RUN not in axes["rerun"]:
        fail("grid.axes.rerun", axes["rerun"],
             f"a list that holds {REFERENCE_RUN} (every rerun is compared with it)")  # fmt: skip


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
