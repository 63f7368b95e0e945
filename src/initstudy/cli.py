"""Command line of the library, without Snakemake: ``python -m initstudy --help``.

- ``python -m initstudy train --init he --scale 1 --seeds 0 1 2`` trains one
  cell of the grid (all its seeds as one batch) on the config's data and prints
  its per-seed table and its summary, computed as the workflow computes them;
- ``python -m initstudy size config/config.yaml`` shows a study's grid size, the
  workflow's own estimate of a training job (:mod:`initstudy.sizing`) and the
  grid's training time from the trainer's speed measured on this machine.

A config given with ``--config`` (or to ``size``) is read as the workflow reads
it: plain YAML, initializers it declares registered, checked against the
config schema shipped with the package, defaults filled in.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from initstudy.analysis import AnalysisSettings, budgets, classified
from initstudy.cell import train_cell
from initstudy.config import ConfigError, check_config, load_schema, validate_config
from initstudy.data import dataset_specs, make_dataset
from initstudy.declared import InitializerError, declare_initializers
from initstudy.grid import batch_values, grid_cells
from initstudy.sizing import resolve_backend_name, study_size
from initstudy.stats import summarize
from initstudy.train import TrainSettings, logged_iterations

#: Per-seed columns ``train`` prints.
RUN_COLUMNS = (
    "seed", "initial_cost", "final_cost", "train_accuracy", "validation_accuracy",
    "test_accuracy", "diverged_at", "status",
)  # fmt: skip


#: Summary statistics ``train`` prints (with every ``n_*`` count); ``--all`` prints every one.
SUMMARY_COLUMNS = (
    "budget", "test_accuracy_mean", "test_accuracy_mean_ci_low", "test_accuracy_mean_ci_high",
    "success_rate", "success_ci_low", "success_ci_high", "final_cost_median",
)  # fmt: skip


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


def load_config(config: dict | str | Path) -> dict:
    """Read and check a study config as the workflow does; return it with defaults filled in.

    Parameters
    ----------
    config : dict or str or Path
        A config mapping, or the path of a YAML config file.

    Returns
    -------
    dict

    Raises
    ------
    ConfigError
        Naming the key, the value given and what is allowed.
    """
    if not isinstance(config, dict):
        with open(config, encoding="utf-8") as handle:
            config = yaml.safe_load(handle)
    try:
        declare_initializers(config.get("initializers", {}))
    except InitializerError as error:
        raise ConfigError(str(error)) from None
    schema = load_schema(schema_path())
    validate_config(config, schema)
    filled = fill_defaults(config, schema)
    check_config(filled)
    return filled


def train_one_cell(config: dict, init: str, scale: float, progress=None) -> dict:
    """Train one cell of the grid on the config's data set and summarize it as the workflow
    summarizes a cell (:func:`initstudy.analysis.classified`, then
    :func:`initstudy.stats.summarize` at each budget).

    Parameters
    ----------
    config : dict
        A config from :func:`load_config` (its ``model``, ``dataset``, ``grid.seeds``
        and ``analysis`` sections are used).
    init : str
        Initializer name (registered, or declared by the config).
    scale : float
    progress : callable, optional
        Passed to :func:`initstudy.train.train_batch`.

    Returns
    -------
    dict
        ``runs`` (one row per seed, with its ``status`` at the full budget), ``costs``
        (the logged learning curves) and ``summary`` (one row per budget).
    """
    model, analysis = config["model"], config["analysis"]
    dataset = make_dataset(**dataset_specs(config)[config["dataset"]["name"]])
    seeds = [int(seed) for seed in config["grid"]["seeds"]]
    settings = TrainSettings(
        tuple(model["layers"]), model["learning_rate"], model["iterations"], model["log_every"]
    )
    result = train_cell(dataset, init, float(scale), seeds, settings, progress)
    logged = logged_iterations(model["iterations"], model["log_every"])
    analysis_settings = AnalysisSettings(
        axes=("init", "scale"),
        threshold=float(analysis["success_threshold"]),
        stuck_margin=float(analysis["stuck_margin"]),
        budgets=budgets(int(analysis["notebook_iterations"]), model["iterations"], logged),
        n_resamples=int(analysis["bootstrap_resamples"]),
        bootstrap_seed=int(analysis["bootstrap_seed"]),
        level=float(analysis["confidence_level"]),
    )
    summaries = []
    for budget in analysis_settings.budgets:
        runs = classified(result.runs, result.costs, analysis_settings, budget)
        summary = summarize(
            runs,
            analysis_settings.threshold,
            analysis_settings.n_resamples,
            analysis_settings.bootstrap_seed,
            analysis_settings.level,
            analysis_settings.axes,
        )
        summary.insert(len(analysis_settings.axes), "budget", budget)
        summaries.append(summary)
    return {"runs": runs, "costs": result.costs, "summary": pd.concat(summaries, ignore_index=True)}


def grid_size(config: dict) -> dict:
    """How big a config's grid is: cells, seeds, networks and gradient-descent updates.

    Parameters
    ----------
    config : dict
        A config from :func:`load_config`.

    Returns
    -------
    dict
        ``cells``, ``seeds``, ``networks`` (cells × seeds), ``iterations`` (per network)
        and ``updates`` (networks × iterations).
    """
    cells = len(grid_cells(config))
    seeds = len(config["grid"]["seeds"])
    iterations = int(config["model"]["iterations"])
    return {
        "cells": cells,
        "seeds": seeds,
        "networks": cells * seeds,
        "iterations": iterations,
        "updates": cells * seeds * iterations,
    }


def measure_update_time(
    layers, n_train: int = 300, networks: int = 4, iterations: int = 400
) -> float:
    """Seconds per network per gradient-descent update of the trainer on this machine.

    Trains ``networks`` He networks of ``layers`` on ``n_train`` circles points
    (once briefly first, so that a compiled kernel's start-up is not counted).

    Parameters
    ----------
    layers : list of int
    n_train : int
        Training points (the cost of an update grows with them).
    networks, iterations : int

    Returns
    -------
    float
    """
    dataset = make_dataset(n_train, 100, 0.05, 1, 2)
    seeds = list(range(networks))
    train_cell(dataset, "he", 1.0, seeds, TrainSettings(tuple(layers), 0.01, 2, 1))
    start = time.perf_counter()
    train_cell(dataset, "he", 1.0, seeds, TrainSettings(tuple(layers), 0.01, iterations, 100))
    return (time.perf_counter() - start) / (networks * iterations)


def _train_command(args: argparse.Namespace) -> None:
    config = yaml.safe_load(Path(args.config).read_text(encoding="utf-8")) if args.config else {}
    model = config.setdefault("model", {})
    for key in ("layers", "learning_rate", "iterations", "log_every"):
        if getattr(args, key) is not None:
            model[key] = getattr(args, key)
    config["grid"] = {"seeds": args.seeds, "initializations": {args.init: [args.scale]}}
    config = load_config(config)
    tables = train_one_cell(config, args.init, args.scale)
    runs, model = tables["runs"], config["model"]
    seeds = ", ".join(str(seed) for seed in args.seeds)
    print(
        f"{args.init} ×{args.scale:g}, layers {model['layers']}, {model['iterations']} "
        f"iterations at learning rate {model['learning_rate']:g}, seeds {seeds}"
    )
    print(runs[[column for column in RUN_COLUMNS if column in runs]].to_string(index=False))
    summary = tables["summary"]
    shown = [c for c in summary if c in SUMMARY_COLUMNS or c.startswith("n_")]
    print(
        "\nsummary (one column per budget; every statistic: python -m initstudy train ... --all):"
    )
    print(summary[summary.columns if args.all else shown].astype(object).T.to_string(header=False))


def _size_command(args: argparse.Namespace) -> None:
    config = load_config(args.config)
    size = grid_size(config)
    print(f"{args.config}: {size['cells']} cells × {size['seeds']} seeds = "
          f"{size['networks']} networks, {size['iterations']} iterations each "
          f"({size['updates']:.3g} network updates)")  # fmt: skip
    # The workflow's own estimate, printed when a run starts (initstudy.sizing).
    backend = resolve_backend_name(config["model"]["backend"])
    print(study_size(config, size["cells"], len(batch_values(config)), backend).summary(backend))
    per_update = measure_update_time(config["model"]["layers"], config["dataset"]["n_train"])
    seconds = size["updates"] * per_update
    print(f"trainer on this machine: {per_update * 1e6:.3g} µs per network update "
          f"(measured now, one core)")  # fmt: skip
    print(f"estimated training time of the grid: {seconds:.3g} s of CPU, about "
          f"{seconds / args.cores:.3g} s on {args.cores} cores (depth study, figures and "
          f"report not included)")  # fmt: skip


def parser() -> argparse.ArgumentParser:
    """The ``python -m initstudy`` argument parser.

    Returns
    -------
    argparse.ArgumentParser
    """
    main_parser = argparse.ArgumentParser(
        prog="python -m initstudy", description=__doc__.split("\n\n")[0]
    )
    commands = main_parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train one cell and print its table")
    train.add_argument("--init", required=True, help="initializer name, e.g. he")
    train.add_argument("--scale", type=float, default=1.0, help="multiplier of its base std")
    train.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one net per seed")
    train.add_argument("--config", help="a study config (data, model, analysis, initializers)")
    train.add_argument("--layers", type=int, nargs="+", help="widths, e.g. 2 10 5 1")
    train.add_argument("--learning-rate", dest="learning_rate", type=float)
    train.add_argument("--iterations", type=int)
    train.add_argument("--log-every", dest="log_every", type=int)
    train.add_argument("--all", action="store_true", help="print every summary statistic")
    train.set_defaults(run=_train_command)
    size = commands.add_parser("size", help="a config's grid size and estimated training time")
    size.add_argument("config", help="a study config, e.g. config/config.yaml")
    size.add_argument("--cores", type=int, default=4, help="cores of the estimate (default 4)")
    size.set_defaults(run=_size_command)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for a config or initializer the study cannot use.
    """
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
