# Stage 4: figures, one rule each, so that editing one plotting script redraws only its figure.

from initstudy.notebook import PRINTED


localrules:
    plot_dataset,
    plot_notebook_costs,
    plot_decision_boundaries,
    plot_accuracy_vs_scale,
    plot_heatmap,
    plot_cost_curves,
    plot_initial_cost,


FIGURE_DIR = f"{RESULTS}/figures"
# The notebook's three runs (zeros x1, random x10, he x1), as plain lists for params.
NOTEBOOK_CELLS = [[init, float(scale)] for init, scale in PRINTED]


rule plot_dataset:
    input:
        script_imports("plot_dataset.py"),
        data=rules.make_dataset.output[0],
    output:
        report(
            f"{FIGURE_DIR}/dataset.png",
            caption="../report/fig_dataset.rst",
            category="Figures",
            subcategory="Data",
        ),
    log:
        f"{RESULTS}/logs/figures/dataset.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/dataset.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        noise=float(config["dataset"]["noise"]),
    script:
        "../scripts/plot_dataset.py"


rule plot_notebook_costs:
    input:
        script_imports("plot_notebook_costs.py"),
        costs=rules.aggregate.output.costs,
    output:
        report(
            f"{FIGURE_DIR}/notebook_costs.png",
            caption="../report/fig_notebook_costs.rst",
            category="Figures",
            subcategory="The notebook's runs",
        ),
    log:
        f"{RESULTS}/logs/figures/notebook_costs.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/notebook_costs.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        seed=int(config["notebook"]["seed"]),
        cells=NOTEBOOK_CELLS,
    script:
        "../scripts/plot_notebook_costs.py"


rule plot_decision_boundaries:
    input:
        script_imports("plot_decision_boundaries.py"),
        data=rules.make_dataset.output[0],
        summary=rules.aggregate.output.summary,
        runs=rules.aggregate.output.runs,
        params=cell_files("params.npz"),
    output:
        report(
            f"{FIGURE_DIR}/decision_boundaries.png",
            caption="../report/fig_decision_boundaries.rst",
            category="Figures",
            subcategory="The notebook's runs",
        ),
    log:
        f"{RESULTS}/logs/figures/decision_boundaries.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/decision_boundaries.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        seed=int(config["notebook"]["seed"]),
        notebook=NOTEBOOK_CELLS,
        # the grid's cells, in the order of input.params
        cells=[[init, float(scale)] for init, scale in CELLS],
    script:
        "../scripts/plot_decision_boundaries.py"


rule plot_accuracy_vs_scale:
    input:
        script_imports("plot_accuracy_vs_scale.py"),
        summary=rules.aggregate.output.summary,
    output:
        report(
            f"{FIGURE_DIR}/accuracy_vs_scale.png",
            caption="../report/fig_accuracy_vs_scale.rst",
            category="Figures",
            subcategory="Accuracy over the grid",
        ),
    log:
        f"{RESULTS}/logs/figures/accuracy_vs_scale.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/accuracy_vs_scale.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        threshold=float(config["analysis"]["success_threshold"]),
        level=float(config["analysis"]["confidence_level"]),
    script:
        "../scripts/plot_accuracy_vs_scale.py"


rule plot_heatmap:
    input:
        script_imports("plot_heatmap.py"),
        summary=rules.aggregate.output.summary,
    output:
        report(
            f"{FIGURE_DIR}/heatmap.png",
            caption="../report/fig_heatmap.rst",
            category="Figures",
            subcategory="Accuracy over the grid",
        ),
    log:
        f"{RESULTS}/logs/figures/heatmap.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/heatmap.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        threshold=float(config["analysis"]["success_threshold"]),
    script:
        "../scripts/plot_heatmap.py"


rule plot_cost_curves:
    input:
        script_imports("plot_cost_curves.py"),
        costs=rules.aggregate.output.costs,
    output:
        report(
            f"{FIGURE_DIR}/cost_curves.png",
            caption="../report/fig_cost_curves.rst",
            category="Figures",
            subcategory="Training",
        ),
    log:
        f"{RESULTS}/logs/figures/cost_curves.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/cost_curves.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        target_scale=1.0,
    script:
        "../scripts/plot_cost_curves.py"


rule plot_initial_cost:
    input:
        script_imports("plot_initial_cost.py"),
        runs=rules.aggregate.output.runs,
    output:
        report(
            f"{FIGURE_DIR}/initial_cost.png",
            caption="../report/fig_initial_cost.rst",
            category="Figures",
            subcategory="Training",
        ),
    log:
        f"{RESULTS}/logs/figures/initial_cost.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/initial_cost.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/plot_initial_cost.py"


# Every figure, for the report rule and the default target.
FIGURES = [
    rules.plot_dataset.output[0],
    rules.plot_notebook_costs.output[0],
    rules.plot_decision_boundaries.output[0],
    rules.plot_accuracy_vs_scale.output[0],
    rules.plot_heatmap.output[0],
    rules.plot_cost_curves.output[0],
    rules.plot_initial_cost.output[0],
]
