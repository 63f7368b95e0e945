# Stage 4: figures, one rule each (plot_<name>), made from the declarations in
# workflow/figures.yaml, so that editing one plotting script redraws only its figure.

from initstudy.grid.grid import axis_levels
from initstudy.model.notebook import PRINTED
from initstudy.analysis.reproduction import notebook_cell

# The data sets of the grid (the base one alone without a dataset axis), in axis order.
FIGURE_DATASETS = axis_levels(config, "dataset")

# The tables a figure may read, by the names figures.yaml uses.
FIGURE_INPUTS = {
    "data": BASE_DATA_FILE,
    "runs": rules.aggregate.output.runs,
    "costs": rules.aggregate.output.costs,
    "summary": rules.aggregate.output.summary,
    "selection": rules.aggregate.output.selection,
    "gain": rules.aggregate.output.gain,
    "datasets": [data_file({"dataset": name}) for name in FIGURE_DATASETS],
    "cell_params": cell_files("params.npz"),
    "depth_signal": rules.depth_ratios.output.signal,
    "depth_ratios": rules.depth_ratios.output.ratios,
}
# The values a figure's script may read from snakemake.params, by the names figures.yaml uses.
FIGURE_PARAMS = {
    "noise": float(config["dataset"]["noise"]),
    "seed": int(config["notebook"]["seed"]),
    # The notebook's three runs (zeros x1, random x10, he x1), as plain lists.
    "notebook": [[init, float(scale)] for init, scale in PRINTED],
    # The grid's cells, in the order of the cell_params input.
    "cells": CELLS,
    # The data sets, in the order of the datasets input, and the noise of each.
    "dataset_noise": {name: float(DATASETS[name]["noise"]) for name in FIGURE_DATASETS},
    # The further-axis values of the notebook's runs (its learning rate, the base data set).
    "notebook_cell": notebook_cell(config),
    "threshold": float(config["analysis"]["success_threshold"]),
    "level": float(config["analysis"]["confidence_level"]),
    "target_scale": 1.0,
}


for figure in FIGURES:

    rule:
        name:
            f"plot_{figure.name}"
        input:
            script_imports(figure.script),
            os.path.relpath(shipped(workflow.source_path(f"../scripts/{figure.script}"))),
            **{name: FIGURE_INPUTS[table] for name, table in figure.inputs.items()},
        output:
            report(
                figure_path(figure),
                caption="../report/figure.rst",
                category=figure.category,
                subcategory=figure.subcategory or None,
            ),
        log:
            f"{RESULTS}/logs/figures/{figure.name}.log",
        benchmark:
            f"{RESULTS}/benchmarks/figures/{figure.name}.tsv"
        localrule: True
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        params:
            **{name: FIGURE_PARAMS[name] for name in figure.params},
            script=figure.script,
            caption=figure.caption,
        script:
            "../scripts/draw_figure.py"
