"""Command line of the library, without Snakemake: ``python -m initstudy --help``.

- ``python -m initstudy train --init he --scale 1 --seeds 0 1 2`` trains one
  cell of the grid (all its seeds as one batch) on the config's data and prints
  its per-seed table and its summary, computed as the workflow computes them;
- ``python -m initstudy size config/config.yaml`` shows a study's grid size, the
  workflow's own estimate of a training job (:mod:`initstudy.grid.sizing`) and the
  grid's training time from the trainer's speed measured on this machine.

A config given with ``--config`` (or to ``size``) is read as the workflow reads
it: plain YAML, initializers it declares registered, checked against the
config schema shipped with the package, defaults filled in.

A bad argument or config ends the command with exit status 2 (argparse's
convention) and, on standard error, one line per problem, without a traceback:
``python -m initstudy train: error: argument --iterations: got '0'; allowed: an
integer >= 1``. Each line names the argument; a problem inside a config file
also names the file and the config key.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import yaml

from initstudy.grid.config import ConfigError
from initstudy.grid.config_file import load_config, read_config_file, schema_path
from initstudy.grid.config_input import check_reference, shorten
from initstudy.grid.grid import batch_values
from initstudy.grid.sizing import resolve_backend_name, study_size
from initstudy.model.declared import InitializerError, declare_initializers
from initstudy.model.init import REGISTRY
from initstudy.standalone import grid_size, measure_update_time, train_one_cell

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


class UsageError(ValueError):
    """Arguments a command cannot run with; each line of the message names an argument."""


#: Config keys that ``train``'s arguments set, and the argument that sets each (``grid``
#: is always set by the arguments: ``--init``, ``--scale`` and ``--seeds``).
TRAIN_KEYS = {
    "model.layers": "--layers",
    "model.learning_rate": "--learning-rate",
    "model.iterations": "--iterations",
    "model.log_every": "--log-every",
    "grid.seeds": "--seeds",
    "grid.initializations": "--scale",
}


def blame(error: Exception, argument: str, path=None, given=None) -> UsageError:
    """``error`` (a config's problems, one per line) with each line headed by the argument
    whose value it is about.

    Parameters
    ----------
    error : Exception
        A :class:`~initstudy.grid.config.ConfigError` or
        :class:`~initstudy.model.declared.InitializerError`.
    argument : str
        The argument that names the config file (``--config``, or ``config`` of ``size``).
    path : str, optional
        That file; a line about a key the file sets also names it.
    given : dict of str to str, optional
        Config key -> the argument that set it (:data:`TRAIN_KEYS` of the arguments
        given); a line about such a key (or an item or key under it) names that argument.

    Returns
    -------
    UsageError
    """
    lines = []
    for line in str(error).splitlines():
        key = line.split("'")[1] if line.startswith("config key '") else None
        setter = next(
            (
                name
                for prefix, name in (given or {}).items()
                if key is not None
                and (key == prefix or key.startswith((f"{prefix}[", f"{prefix}.")))
            ),
            None,
        )
        if setter is not None:
            lines.append(f"argument {setter}: {line}")
        elif path is not None and not line.startswith("config file '"):
            lines.append(f"argument {argument}: config file '{path}': {line}")
        else:
            lines.append(f"argument {argument}: {line}")
    return UsageError("\n".join(lines))


def _model_defaults() -> dict:
    """The schema's defaults of the ``model`` keys (``layers``, ``iterations``, ...)."""
    with open(schema_path(), encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    properties = schema["properties"]["model"]["properties"]
    return {key: value["default"] for key, value in properties.items() if "default" in value}


def train_config(args: argparse.Namespace) -> dict:
    """The config ``train`` runs: ``--config`` (or the schema's defaults), the model keys the
    arguments give, the grid of the one cell.

    Without ``--log-every``, ``log_every`` (the config's, or the schema's 1000) is lowered to
    the iterations where those are fewer, unless the config file sets both and no
    ``--iterations`` is given: such a file must be consistent, as for the workflow.

    Parameters
    ----------
    args : argparse.Namespace
        ``train``'s arguments (:func:`parser`).

    Returns
    -------
    dict
        The config, checked and with defaults filled in (:func:`load_config`).

    Raises
    ------
    UsageError
        One line per problem, each naming the argument (and the config file and key).
    """
    try:
        config = read_config_file(args.config) if args.config else {}
    except ConfigError as error:
        raise blame(error, "--config") from None
    model = config.setdefault("model", {})
    given = {key: flag for key, flag in TRAIN_KEYS.items() if key.startswith("grid.")}
    if isinstance(model, dict):  # otherwise the schema names the key and what it got
        for key in ("layers", "learning_rate", "iterations", "log_every"):
            if getattr(args, key) is not None:
                model[key] = getattr(args, key)
                given[f"model.{key}"] = TRAIN_KEYS[f"model.{key}"]
        # A log_every not given (by --log-every, or by a config that sets both) fits the budget.
        defaults = _model_defaults()
        log_every = model.get("log_every", defaults["log_every"])
        iterations = model.get("iterations", defaults["iterations"])
        fitted = args.iterations is not None or "log_every" not in model
        if args.log_every is None and fitted and type(log_every) is type(iterations) is int:
            model["log_every"] = min(log_every, iterations)
    try:
        declare_initializers(config.get("initializers", {}))
    except InitializerError as error:
        raise blame(error, "--config", args.config) from None
    if args.init not in REGISTRY:
        declared = " and those of --config" if args.config else ""
        raise UsageError(
            f"argument --init: got {args.init!r}; allowed: one of {', '.join(REGISTRY)} "
            f"(the registered initializers{declared})"
        )
    config["grid"] = {"seeds": args.seeds, "initializations": {args.init: [args.scale]}}
    try:
        return load_config(config)
    except ConfigError as error:
        raise blame(error, "--config", args.config, given) from None


def _train_command(args: argparse.Namespace) -> None:
    config = train_config(args)
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
    try:
        config = load_config(args.config)
        check_reference(config)
        backend = resolve_backend_name(config["model"]["backend"])
    except ConfigError as error:
        raise blame(error, "config", args.config) from None
    size = grid_size(config)
    print(f"{args.config}: {size['cells']} cells × {size['seeds']} seeds = "
          f"{size['networks']} networks, {size['iterations']} iterations each "
          f"({size['updates']:.3g} network updates)")  # fmt: skip
    # The workflow's own estimate, printed when a run starts (initstudy.grid.sizing).
    print(study_size(config, size["cells"], len(batch_values(config)), backend).summary(backend))
    per_update = measure_update_time(config["model"]["layers"], config["dataset"]["n_train"])
    seconds = size["updates"] * per_update
    print(f"trainer on this machine: {per_update * 1e6:.3g} µs per network update "
          f"(measured now, one core)")  # fmt: skip
    print(f"estimated training time of the grid: {seconds:.3g} s of CPU, about "
          f"{seconds / args.cores:.3g} s on {args.cores} cores (depth study, figures and "
          f"report not included)")  # fmt: skip


def integer(minimum: int, maximum: int | None = None):
    """An argparse ``type``: an integer from ``minimum`` (to ``maximum``).

    Parameters
    ----------
    minimum : int
    maximum : int, optional

    Returns
    -------
    callable
        Text -> int; raises :class:`argparse.ArgumentTypeError` naming the value given and
        what is allowed.
    """
    allowed = (
        f"an integer >= {minimum}"
        if maximum is None
        else (f"an integer from {minimum} to {maximum}")
    )

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"got {text!r}; allowed: {allowed}")
        return value

    return parse


def positive_number(text: str) -> float:
    """An argparse ``type``: a finite number > 0.

    Parameters
    ----------
    text : str

    Returns
    -------
    float

    Raises
    ------
    argparse.ArgumentTypeError
        Naming the value given and what is allowed.
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"got {text!r}; allowed: a finite number > 0")
    return value


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, whose errors are one line: ``PROG: error: MESSAGE`` (exit status 2)."""

    def error(self, message: str):
        """Print ``PROG: error: MESSAGE`` on standard error and exit with status 2.

        Parameters
        ----------
        message : str
        """
        self.exit(2, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    """The ``python -m initstudy`` argument parser.

    Returns
    -------
    argparse.ArgumentParser
    """
    main_parser = ArgumentParser(
        prog="python -m initstudy",
        description=__doc__.split("\n\n")[0],
        epilog="A bad argument or config ends with exit status 2 and one line per problem, "
        "naming the argument (and the config file and key).",
    )
    commands = main_parser.add_subparsers(dest="command", required=True)
    model = _model_defaults()
    train = commands.add_parser("train", help="train one cell and print its table")
    train.add_argument(
        "--init", required=True,
        help=f"initializer name: {', '.join(REGISTRY)}, or one the --config declares",
    )  # fmt: skip
    train.add_argument("--scale", type=positive_number, default=1.0,
                       help="multiplier of its base std (default 1)")  # fmt: skip
    train.add_argument("--seeds", type=integer(0, 2**32 - 1), nargs="+", default=[0, 1, 2],
                       help="one net per seed, distinct (default 0 1 2)")  # fmt: skip
    train.add_argument(
        "--config",
        help="a study config (data, model, analysis, initializers); its grid is not used",
    )
    widths = " ".join(str(width) for width in model["layers"])
    train.add_argument("--layers", type=integer(1), nargs="+",
                       help=f"widths from 2 to 1 (default: the config's, or {widths})")  # fmt: skip
    train.add_argument("--learning-rate", dest="learning_rate", type=positive_number,
                       help=f"default: the config's, or {model['learning_rate']:g}")  # fmt: skip
    train.add_argument("--iterations", type=integer(1),
                       help=f"default: the config's, or {model['iterations']}")  # fmt: skip
    train.add_argument(
        "--log-every", dest="log_every", type=integer(1),
        help=f"iterations between logged costs, at most the iterations (default: the config's, "
        f"or {model['log_every']}, lowered to the iterations where those are fewer)",
    )  # fmt: skip
    train.add_argument("--all", action="store_true", help="print every summary statistic")
    train.set_defaults(run=_train_command, prog=train.prog)
    size = commands.add_parser("size", help="a config's grid size and estimated training time")
    size.add_argument("config", help="a study config, e.g. config/config.yaml")
    size.add_argument("--cores", type=integer(1), default=4,
                      help="cores of the estimate (default 4)")  # fmt: skip
    size.set_defaults(run=_size_command, prog=size.prog)
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
        0 on success, 2 for an argument, config or initializer the study cannot use (with
        one line per problem on standard error, each naming the argument; argparse's own
        errors exit with 2 as well), 1 when standard output is closed early (``| head``),
        130 on Ctrl-C.
    """
    args = parser().parse_args(argv)
    try:
        args.run(args)
        sys.stdout.flush()
    except (UsageError, ConfigError, InitializerError) as error:
        for line in shorten(str(error)).splitlines():
            print(f"{args.prog}: error: {line}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as Python's docs do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{args.prog}: interrupted", file=sys.stderr)
        return 130
    return 0
