"""The report's facts on an experiment: a further grid of the study (``experiments``)."""

from __future__ import annotations

from initstudy.grid.axes import AXES, BASE_AXES, label_text
from initstudy.grid.grid import grid_cells
from initstudy.report.report import seed_facts


def experiment_facts(name: str, config: dict, settings: dict) -> dict:
    """What an experiment trains, for the opening of its section.

    Parameters
    ----------
    name : str
        Its key under ``experiments``.
    config : dict
        Its validated config (:func:`initstudy.grid.plan.experiment_configs`).
    settings : dict
        Its entry under ``experiments`` (``title``, optional ``question``).

    Returns
    -------
    dict
        ``name``, ``title``, ``question`` (empty without one), ``n_cells``, ``seeds``
        (:func:`initstudy.report.report.seed_facts`), ``n_networks``, ``iterations``,
        ``layers`` (model.layers), ``initializations`` (each initializer's scales, as a
        reader writes them) and ``axes`` (each further axis and its values, as written).
    """
    cells = grid_cells(config)
    seeds = config["grid"]["seeds"]
    further = config["grid"].get("axes", {})
    return {
        "name": name,
        "title": settings["title"],
        "question": settings.get("question", ""),
        "n_cells": len(cells),
        "seeds": seed_facts(seeds),
        "n_networks": len(cells) * len(seeds),
        "iterations": int(config["model"]["iterations"]),
        "layers": list(config["model"]["layers"]),
        "initializations": {
            init: [label_text(BASE_AXES[1], scale) for scale in scales]
            for init, scales in config["grid"]["initializations"].items()
        },
        "axes": {
            axis.replace("_", " "): [label_text(axis, value) for value in values]
            for axis, values in further.items()
            if axis in AXES
        },
    }
