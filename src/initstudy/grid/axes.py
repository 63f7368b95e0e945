"""The registry of grid axes: each axis's type, role and the config value it replaces.

Every module that treats axes differently by what they mean (selection, the
analysis, comparisons, figure facets, the plausibility layer, wildcards and the
training parameters) reads it here, by role, instead of naming axes:

- ``initializer`` (``init``): what the study compares;
- ``chosen``: chosen on validation for each initializer (``scale``, ``learning_rate``);
- ``stratum``: every finding is reported per value (``activation``, ``bias_std``,
  ``dataset``, ``depth``, ``width``);
- ``replicate``: pooled into the uncertainty, runs paired on it (``draw``);
- ``robustness``: the same networks trained again another way (``rerun``): every finding
  reads the ``reference`` runs, and each rerun is compared with them run by run.

Adding an axis is one entry of :data:`AXES` and, where it changes how a network is
trained, a line of :func:`cell_settings` (CONTRIBUTING.md, "Add a grid axis").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from initstudy.model.activations import DEFAULT_ACTIVATION
from initstudy.model.data import dataset_specs, input_width
from initstudy.util.labels import display_scale, format_scale

#: The roles an axis can have, in the order above.
ROLES = ("initializer", "chosen", "stratum", "replicate", "robustness")


@dataclass(frozen=True)
class Axis:
    """One axis of the grid.

    Attributes
    ----------
    name : str
        Its key under ``grid.axes`` (``init`` and ``scale`` come from
        ``grid.initializations``), its wildcard and its table column.
    kind : type
        The type of its values: ``str``, ``float`` or ``int``.
    role : str
        One of :data:`ROLES`.
    replaces : str
        The config value its cells take instead, in words (config/README.md).
    plausible : str
        What the plausibility layer accepts in its column: ``text``, ``positive``,
        ``nonnegative`` or ``count``.
    without_axis : callable or None
        The value every cell takes in a grid without this axis, from the config
        (None where there is none).
    reader_name : str or None
        How a reader is told the axis in a stratum's name (``σ_b 0.1``); None: its name.
    """

    name: str
    kind: type
    role: str
    replaces: str
    plausible: str
    without_axis: Callable[[dict], object] | None = None
    reader_name: str | None = None


#: The value of a robustness axis that every finding reads; the others are reruns.
REFERENCE_RUN = "reference"
#: The ways a rerun trains a cell again (``grid.axes.rerun``).
RERUNS = ("perturbed", "numpy")


def _hidden_widths(config: dict) -> list[int]:
    return [int(width) for width in config["model"]["layers"][1:-1]]


def _one_width(config: dict) -> int | None:
    widths = set(_hidden_widths(config))
    return widths.pop() if len(widths) == 1 else None


#: Every axis, in the order of a cell's keys, its folder and its table columns.
AXES = {
    axis.name: axis
    for axis in (
        Axis("init", str, "initializer", replaces="grid.initializations", plausible="text"),
        Axis(
            "scale",
            float,
            "chosen",
            replaces="grid.initializations (each initializer's scales)",
            plausible="positive",
        ),
        Axis(
            "learning_rate",
            float,
            "chosen",
            replaces="model.learning_rate",
            plausible="positive",
            without_axis=lambda config: config["model"]["learning_rate"],
        ),
        Axis(
            "activation",
            str,
            "stratum",
            replaces="model.activation, the hidden layers' activation (relu, tanh, linear)",
            plausible="text",
            without_axis=lambda config: config["model"].get("activation", DEFAULT_ACTIVATION),
        ),
        Axis(
            "bias_std",
            float,
            "stratum",
            replaces="model.bias_std, the standard deviation sigma_b of the initial biases",
            plausible="nonnegative",
            without_axis=lambda config: config["model"].get("bias_std", 0.0),
            reader_name="σ_b",
        ),
        Axis(
            "dataset",
            str,
            "stratum",
            replaces="the data set (dataset.name, or a name under datasets)",
            plausible="text",
            without_axis=lambda config: config["dataset"]["name"],
        ),
        Axis(
            "depth",
            int,
            "stratum",
            replaces="the number of hidden layers of model.layers",
            plausible="count",
            without_axis=lambda config: len(_hidden_widths(config)),
        ),
        Axis(
            "width",
            int,
            "stratum",
            replaces="the width of every hidden layer of model.layers",
            plausible="count",
            without_axis=_one_width,
        ),
        Axis(
            "draw",
            int,
            "replicate",
            replaces="the draw of the train and validation splits (0: the seeds as given)",
            plausible="count",
            without_axis=lambda config: 0,
        ),
        Axis(
            "rerun",
            str,
            "robustness",
            replaces="how the cell is trained: reference (as configured), perturbed (from "
            "weights times 1 ± model.perturbation) or numpy (the NumPy backend)",
            plausible="text",
            without_axis=lambda config: REFERENCE_RUN,
        ),
    )
}
#: The axes every grid has, from ``grid.initializations``.
BASE_AXES = ("init", "scale")
#: The axes a config may declare under ``grid.axes``.
FURTHER_AXES = tuple(name for name in AXES if name not in BASE_AXES)
#: The axes that change a network's shape: with either, the hidden layers are
#: ``depth`` layers of ``width`` units between model.layers' first and last entry.
ARCHITECTURE_AXES = ("depth", "width")


def axes_with_role(role: str) -> tuple[str, ...]:
    """The names of the axes of one role, in registry order.

    Parameters
    ----------
    role : str
        One of :data:`ROLES`.

    Returns
    -------
    tuple of str
    """
    if role not in ROLES:
        raise ValueError(f"unknown axis role {role!r}; the roles are {', '.join(ROLES)}")
    return tuple(name for name, axis in AXES.items() if axis.role == role)


#: Chosen on validation for each initializer.
CHOSEN_AXES = axes_with_role("chosen")
#: Every finding is reported per value of these.
STRATUM_AXES = axes_with_role("stratum")
#: Pooled into the uncertainty; two cells' runs are paired on these and the seed.
REPLICATE_AXES = axes_with_role("replicate")
#: The same networks trained again another way, compared with the reference run by run.
ROBUSTNESS_AXES = axes_with_role("robustness")


def present(axes, among: tuple[str, ...]) -> tuple[str, ...]:
    """The axes of ``among`` that ``axes`` (a grid's axes, or a table's columns) has.

    Parameters
    ----------
    axes : iterable of str
    among : tuple of str
        E.g. :data:`STRATUM_AXES`.

    Returns
    -------
    tuple of str
        In the order of ``among``.
    """
    have = set(axes)
    return tuple(name for name in among if name in have)


def path_text(axis: str, value) -> str:
    """How an axis value is written in paths and wildcards: ``1.4142135623730951`` for √2, so
    that the text reads back as the exact number (:func:`parse_text`).

    Parameters
    ----------
    axis : str
    value : str, float or int

    Returns
    -------
    str
    """
    return format_scale(value) if AXES[axis].kind is float else str(value)


def parse_text(axis: str, text: str):
    """The axis value a path's text stands for: the inverse of :func:`path_text`.

    Parameters
    ----------
    axis : str
    text : str

    Returns
    -------
    str, float or int
    """
    return AXES[axis].kind(text)


def label_text(axis: str, value) -> str:
    """How an axis value is written for a reader (report, figures): ``√2``, ``0.01``, ``moons``.

    Parameters
    ----------
    axis : str
    value : str, float or int

    Returns
    -------
    str
    """
    return display_scale(value) if AXES[axis].kind is float else str(value)


def value_without_axis(config: dict, axis: str):
    """The value every cell takes on ``axis`` in a grid without it, of the axis's type.

    Parameters
    ----------
    config : dict
    axis : str
        A key of :data:`AXES` other than :data:`BASE_AXES`.

    Returns
    -------
    str, float or int, or None
        None where the config gives no such value (``width`` when model.layers'
        hidden layers differ in width).
    """
    value = AXES[axis].without_axis(config)
    return None if value is None else AXES[axis].kind(value)


@dataclass(frozen=True)
class CellSettings:
    """What a cell changes in how its networks are trained.

    Attributes
    ----------
    layers : list of int
        Layer widths, inputs first: the first is the cell's data set's input width.
    learning_rate : float
    dataset : str
        The data set's name.
    draw : int
        The draw of its train and validation splits.
    backend : str or None
        ``numpy`` for a NumPy rerun; None: model.backend.
    perturbation : (float, int) or None
        ``(model.perturbation, model.perturbation_seed)`` for a perturbed rerun, else None.
    activation : str
        The hidden layers' activation.
    bias_std : float
        Standard deviation of the initial biases.
    """

    layers: list[int]
    learning_rate: float
    dataset: str
    draw: int
    backend: str | None = None
    perturbation: tuple[float, int] | None = None
    activation: str = DEFAULT_ACTIVATION
    bias_std: float = 0.0


def cell_settings(cell: dict, config: dict) -> CellSettings:
    """The training settings of a cell: each axis it has replaces its config value.

    Parameters
    ----------
    cell : dict
        Axis name -> value.
    config : dict
        A validated config (its ``model`` and ``dataset`` sections).

    Returns
    -------
    CellSettings
    """

    def value(axis):
        return AXES[axis].kind(cell[axis]) if axis in cell else value_without_axis(config, axis)

    layers = [int(width) for width in config["model"]["layers"]]
    if any(axis in cell for axis in ARCHITECTURE_AXES):
        layers = [layers[0], *[value("width")] * value("depth"), layers[-1]]
    # The input width is the data set's (2 for points in the plane, 64 for the digits).
    layers[0] = input_width(dataset_specs(config)[value("dataset")])
    rerun = value("rerun")
    model = config["model"]
    perturbation = (float(model["perturbation"]), int(model["perturbation_seed"]))
    return CellSettings(
        layers,
        value("learning_rate"),
        value("dataset"),
        value("draw"),
        backend="numpy" if rerun == "numpy" else None,
        perturbation=perturbation if rerun == "perturbed" else None,
        activation=value("activation"),
        bias_std=value("bias_std"),
    )
