"""The study's grid: a product of named axes, and what each cell of it is called.

A cell is a point of the grid: a mapping from axis name to value, e.g.
``{"init": "he", "scale": 1.0}``. The ``init`` and ``scale`` axes come from
``grid.initializations`` (each initializer has its own scales); every further
axis declared under ``grid.axes`` (see :mod:`initstudy.grid.axes`) is crossed with
them. From a cell, one function each gives its folder (:func:`cell_path`), its
Snakemake wildcard pattern (:func:`cell_pattern`) and its table columns
(:func:`cell_columns`), so paths, wildcards and tables cannot disagree.

With only ``init`` and ``scale`` the paths and tables are those of a grid
without further axes: ``results/cells/he/scale-1/`` and columns ``init, scale``.

A training job trains the cells that differ only on the *batched* axes
(``grid.batched_axes``): :func:`job_axes` name the job, :func:`batch_values`
list the values its cells take on the batched axes, :func:`job_cells` gives
its cells.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from initstudy.grid.axes import (
    AXES,
    BASE_AXES,
    REFERENCE_RUN,
    ROBUSTNESS_AXES,
    STRATUM_AXES,
    label_text,
    parse_text,
    path_text,
    present,
    value_without_axis,
)

Cell = dict


def further_axes(config: dict) -> dict:
    """The axes declared under ``grid.axes``: name -> values, in config order (may be empty).

    Parameters
    ----------
    config : dict
        A config with a ``grid`` section.

    Returns
    -------
    dict
    """
    return config["grid"].get("axes", {})


def grid_axes(config: dict) -> tuple[str, ...]:
    """Names of the grid's axes: ``init``, ``scale``, then ``grid.axes`` in config order.

    Parameters
    ----------
    config : dict

    Returns
    -------
    tuple of str
    """
    return (*BASE_AXES, *further_axes(config))


def axis_levels(config: dict, axis: str) -> list:
    """The values the grid takes on a further axis, in config order.

    Parameters
    ----------
    config : dict
    axis : str
        A key of :data:`initstudy.grid.axes.FURTHER_AXES`.

    Returns
    -------
    list
        The axis's values under ``grid.axes``, else the one value the config gives without
        the axis (:func:`initstudy.grid.axes.value_without_axis`); of the axis's type.
    """
    values = further_axes(config).get(axis) or [value_without_axis(config, axis)]
    return [AXES[axis].kind(value) for value in values]


def grid_cells(config: dict) -> list[Cell]:
    """Every cell of the grid, in config order (initializers, their scales, then further axes).

    Parameters
    ----------
    config : dict
        Its ``grid.initializations`` and ``grid.axes`` span the grid.

    Returns
    -------
    list of dict
        Axis name -> value, of its axis's type.
    """
    extra = further_axes(config)
    pairs = [
        (name, float(scale))
        for name, scales in config["grid"]["initializations"].items()
        for scale in scales
    ]
    levels = [[AXES[axis].kind(value) for value in values] for axis, values in extra.items()]
    return [
        {"init": init, "scale": scale, **dict(zip(extra, values))}
        for init, scale in pairs
        for values in product(*levels)
    ]


def reference_cells(config: dict) -> list[Cell]:
    """The cells whose runs every finding reads: the reference training of each cell, its
    robustness axes (``rerun``) left out; :func:`grid_cells` without such an axis.

    Parameters
    ----------
    config : dict

    Returns
    -------
    list of dict
    """
    robustness = set(ROBUSTNESS_AXES)
    return [
        {axis: value for axis, value in cell.items() if axis not in robustness}
        for cell in grid_cells(config)
        if all(cell[axis] == REFERENCE_RUN for axis in robustness if axis in cell)
    ]


def cell_path(cell: Cell) -> str:
    """The cell's folder below ``results/cells``: ``he/scale-1``, then ``/<axis>-<value>``
    for every further axis.

    Parameters
    ----------
    cell : dict

    Returns
    -------
    str
    """
    return "/".join(_segments({axis: path_text(axis, v) for axis, v in cell.items()}))


def cell_pattern(axes: tuple[str, ...], fixed: Cell | None = None) -> str:
    """The wildcard pattern of a cell's folder, e.g. ``{init}/scale-{scale}``.

    Parameters
    ----------
    axes : tuple of str
    fixed : dict, optional
        Axis -> value for axes written as their value's text instead of a wildcard.

    Returns
    -------
    str
    """
    fixed = fixed or {}
    return "/".join(
        _segments(
            {
                axis: path_text(axis, fixed[axis]) if axis in fixed else f"{{{axis}}}"
                for axis in axes
            }
        )
    )


def batched_axes(config: dict) -> tuple[str, ...]:
    """The further axes whose cells one training job trains together (``grid.batched_axes``).

    Only axes the grid declares under ``grid.axes`` count; one listed but not declared
    has a single value and batches nothing.

    Parameters
    ----------
    config : dict

    Returns
    -------
    tuple of str
        In the order of :func:`grid_axes`.
    """
    listed = set(config["grid"].get("batched_axes", ()))
    return tuple(axis for axis in further_axes(config) if axis in listed)


def job_axes(config: dict) -> tuple[str, ...]:
    """The axes that name a training job: the grid's axes but the batched ones.

    Parameters
    ----------
    config : dict

    Returns
    -------
    tuple of str
    """
    batched = batched_axes(config)
    return tuple(axis for axis in grid_axes(config) if axis not in batched)


def batch_values(config: dict) -> list[Cell]:
    """Every combination of the batched axes' values: the cells of one training job differ
    only there.

    Parameters
    ----------
    config : dict

    Returns
    -------
    list of dict
        Axis -> value, in config order; ``[{}]`` when nothing is batched.
    """
    batched = batched_axes(config)
    levels = [axis_levels(config, axis) for axis in batched]
    return [dict(zip(batched, values)) for values in product(*levels)]


def job_cells(job: Cell, values: list[Cell], axes: tuple[str, ...]) -> list[Cell]:
    """The cells one training job trains.

    Parameters
    ----------
    job : dict
        The job's own axes (:func:`job_axes`) -> value.
    values : list of dict
        :func:`batch_values`.
    axes : tuple of str
        The grid's axes, which orders each cell's keys.

    Returns
    -------
    list of dict
    """
    return [{axis: {**job, **batch}[axis] for axis in axes} for batch in values]


def cell_from_wildcards(wildcards, axes: tuple[str, ...]) -> Cell:
    """The cell a job's wildcards name.

    Parameters
    ----------
    wildcards : mapping
        Snakemake's ``wildcards`` (or any mapping with the axes as keys).
    axes : tuple of str

    Returns
    -------
    dict
    """
    return {axis: parse_text(axis, wildcards[axis]) for axis in axes}


def cell_columns(axes: tuple[str, ...]) -> tuple[str, ...]:
    """The columns that name a cell in every table: the axes themselves.

    Parameters
    ----------
    axes : tuple of str

    Returns
    -------
    tuple of str
    """
    return tuple(axes)


def add_axis_columns(frame, cell: Cell) -> None:
    """Insert the cell's further axes (beyond ``init, scale``) as columns after ``scale``.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table of one cell whose first columns are ``init, scale``; changed in place.
    cell : dict
    """
    extra = [axis for axis in cell if axis not in BASE_AXES]
    for position, axis in enumerate(extra, start=len(BASE_AXES)):
        frame.insert(position, axis, cell[axis])


def rows_at(table, **values):
    """The rows of ``table`` at the given axis values: those whose columns equal every value.

    Parameters
    ----------
    table : pandas.DataFrame
    **values
        Column name -> value; a None value, or a column the table lacks, selects every row.

    Returns
    -------
    pandas.DataFrame
    """
    mask = np.ones(len(table), dtype=bool)
    for column, value in values.items():
        if value is not None and column in table.columns:
            mask &= (table[column] == value).to_numpy()
    return table[mask]


def strata(table, axes) -> list[tuple[dict, object]]:
    """The table's rows per stratum: per combination of the stratum axes (data set, depth,
    width) among ``axes``, in table order.

    Parameters
    ----------
    table : pandas.DataFrame
    axes : iterable of str
        The grid's axes (or the table's columns); only the stratum axes among them count.

    Returns
    -------
    list of (dict, pandas.DataFrame)
        Stratum axis -> value (of the axis's type) and its rows; ``[({}, table)]``
        without a stratum axis.
    """
    keys = present(axes, STRATUM_AXES)
    if not keys:
        return [({}, table)]
    return [
        ({axis: AXES[axis].kind(value) for axis, value in zip(keys, key, strict=True)}, rows)
        for key, rows in table.groupby(list(keys), sort=False)
    ]


def stratum_label(stratum: dict) -> str | None:
    """How a stratum is named for a reader: ``moons``, ``depth 10, width 8``; None for ``{}``.

    A text axis (data set, activation) is written as its value, every other axis as
    ``<axis> <value>`` (the axis's reader name where it has one: ``σ_b 0.1``).

    Parameters
    ----------
    stratum : dict
        Stratum axis -> value, as :func:`strata` gives.

    Returns
    -------
    str or None
    """
    if not stratum:
        return None
    parts = []
    for axis, value in stratum.items():
        name = AXES[axis].reader_name or axis
        text = label_text(axis, value)
        parts.append(text if AXES[axis].kind is str else f"{name} {text}")
    return ", ".join(parts)


def _segments(texts: dict) -> list[str]:
    segments = []
    for axis, text in texts.items():
        segments.append(text if axis == "init" else f"{axis}-{text}")
    return segments
