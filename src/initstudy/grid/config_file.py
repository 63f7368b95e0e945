"""A study config read as the workflow reads it, for use without Snakemake.

:func:`load_config` reads a YAML file (plain data only, :func:`read_config_file`),
registers the initializers it declares, checks it against the config schema shipped
with the package and fills in the schema's defaults, as Snakemake's ``validate`` does.
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path

import yaml

from initstudy.grid.config import (
    ConfigError,
    check_config,
    check_config_files,
    load_schema,
    validate_config,
)
from initstudy.grid.config_input import check_config_size, check_reference, check_yaml_files
from initstudy.model.declared import InitializerError, declare_initializers


def schema_path() -> Path:
    """The config schema shipped with the package (``workflow/schemas/config.schema.yaml``).

    Returns
    -------
    pathlib.Path
    """
    return Path(str(resources.files("initstudy") / "resources" / "config.schema.yaml"))


def fill_defaults(config: dict, schema: dict) -> dict:
    """A copy of ``config`` with the schema's defaults filled in, as ``snakemake.utils.validate``
    fills them (every ``properties`` entry with a ``default`` that the config leaves out).

    Parameters
    ----------
    config : dict
    schema : dict

    Returns
    -------
    dict
    """
    from jsonschema import Draft202012Validator, validators

    check_properties = Draft202012Validator.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, subschema):
        if isinstance(instance, dict):
            for key, value in properties.items():
                if isinstance(value, dict) and "default" in value:
                    instance.setdefault(key, copy.deepcopy(value["default"]))
        yield from check_properties(validator, properties, instance, subschema)

    filling = validators.extend(Draft202012Validator, {"properties": properties_with_defaults})
    filled = copy.deepcopy(config)
    filling(schema).validate(filled)
    return filled


def read_config_file(path: str | Path) -> dict:
    """Read a config file as the workflow reads it: a small file of plain YAML data (no
    anchors, aliases, tags or YTE template) whose top level is a mapping.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    dict
        The file's keys (empty for an empty file).

    Raises
    ------
    ConfigError
        Naming the file, what was found and what is allowed: for a file that is missing or
        unreadable, not UTF-8 text, not plain YAML, or whose top level is not a mapping.
    """
    try:
        check_yaml_files([path])
        check_config_files([path])
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise ConfigError(
            f"config file '{path}': cannot be read ({error.strerror or error}); "
            "allowed: a readable YAML file"
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config file '{path}': got a byte that is not UTF-8 text (byte {error.start}); "
            "allowed: a UTF-8 text file of YAML"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"config file '{path}': got {type(data).__name__} {_short(data)} at the top level; "
            "allowed: a mapping of config keys (dataset, model, grid, analysis, ...)"
        )
    return data


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def load_config(config: dict | str | Path) -> dict:
    """Check a study config and return it with the schema's defaults filled in: the one loader
    of the workflow (``workflow/rules/common.smk``) and of ``python -m initstudy``.

    In order: its size, the initializers it declares, every key against the schema (each
    message names the key, the value and what is allowed), then the rules across keys
    (:func:`initstudy.grid.config.check_config`). The workflow then also asks for the
    reference cell (:func:`initstudy.grid.config_input.check_reference`), which it compares
    every initializer with; a command that trains a few cells does not.

    Parameters
    ----------
    config : dict or str or Path
        A config mapping, or the path of a YAML config file (read by
        :func:`read_config_file`).

    Returns
    -------
    dict

    Raises
    ------
    ConfigError
        Naming the key (or the file), the value given and what is allowed.
    """
    if not isinstance(config, dict):
        config = read_config_file(config)
    check_config_size(config)
    try:
        declare_initializers(config.get("initializers", {}))
    except InitializerError as error:
        raise ConfigError(str(error)) from None
    schema = load_schema(schema_path())
    validate_config(config, schema)
    filled = fill_defaults(config, schema)
    check_config(filled)
    return filled


def load_experiment(name: str, config: dict) -> dict:
    """Check an experiment's config (:func:`initstudy.grid.plan.experiment_configs`) as
    :func:`load_config` checks the study's, naming its keys under ``experiments.<name>``.

    Parameters
    ----------
    name : str
    config : dict

    Returns
    -------
    dict
        With defaults filled in.

    Raises
    ------
    ConfigError
        As :func:`load_config`, or for a grid without its reference cell (every experiment
        compares with it), each key written ``experiments.<name>.<key>``.
    """
    try:
        filled = load_config(config)
        check_reference(filled)
        return filled
    except ConfigError as error:
        text = str(error).replace("config key '", f"config key 'experiments.{name}.")
        raise ConfigError(text) from None
