"""The study's steps for one cell, without Snakemake: train and summarize it, size a grid."""

from __future__ import annotations

import time

from initstudy.grid.grid import grid_cells


def train_one_cell(config: dict, init: str, scale: float, progress=None) -> dict:
    """Train one cell of the grid on the config's data set and summarize it as the workflow
    summarizes a cell (:func:`initstudy.analysis.analysis.classified`, then
    :func:`initstudy.analysis.stats.summarize` at each budget).

    Parameters
    ----------
    config : dict
        A config from :func:`initstudy.grid.config_file.load_config` (its ``model``,
        ``dataset``, ``grid.seeds`` and ``analysis`` sections are used).
    init : str
        Initializer name (registered, or declared by the config).
    scale : float
    progress : callable, optional
        Passed to :func:`initstudy.model.train.train_batch`.

    Returns
    -------
    dict
        ``runs`` (one row per seed, with its ``status`` at the full budget), ``costs``
        (the logged learning curves) and ``summary`` (one row per budget).
    """
    # Imported here: a command that stops at a bad argument does so before these (seconds).
    import pandas as pd

    from initstudy.analysis.analysis import AnalysisSettings, budgets, classified
    from initstudy.analysis.stats import summarize
    from initstudy.model.cell import train_cell
    from initstudy.model.data import dataset_specs, make_dataset
    from initstudy.model.train import TrainSettings, logged_iterations

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
        A config from :func:`initstudy.grid.config_file.load_config`.

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
    from initstudy.model.cell import train_cell
    from initstudy.model.data import make_dataset
    from initstudy.model.train import TrainSettings

    dataset = make_dataset(n_train, 100, 0.05, 1, 2)
    seeds = list(range(networks))
    train_cell(dataset, "he", 1.0, seeds, TrainSettings(tuple(layers), 0.01, 2, 1))
    start = time.perf_counter()
    train_cell(dataset, "he", 1.0, seeds, TrainSettings(tuple(layers), 0.01, iterations, 100))
    return (time.perf_counter() - start) / (networks * iterations)
