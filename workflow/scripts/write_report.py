"""Write results/report.md from the tables, figures and benchmark files of this run."""

from pathlib import Path

from common import REPO, finish, start_log
from study_tables import read_study_table

from initstudy.analysis.analysis import runs_at
from initstudy.analysis.reproduction import (
    notebook_cell,
    notebook_runs,
    output_saturation,
    reproduction_table,
)
from initstudy.grid.axes import ROBUSTNESS_AXES
from initstudy.grid.grid import grid_axes
from initstudy.model.data import load_dataset
from initstudy.model.notebook import SETUP
from initstudy.report import report
from initstudy.report.provenance import reproducibility_facts
from initstudy.report.report_findings import findings_facts
from initstudy.report.report_robustness import robustness_facts
from initstudy.tables.tables import read_table
from initstudy.util.atomic import write_text_atomic

smk = snakemake  # noqa: F821
log = start_log(smk)
config = smk.params.config
# The findings' tables hold the reference runs: the robustness axes are not their columns.
axes = tuple(axis for axis in grid_axes(config) if axis not in ROBUSTNESS_AXES)
names = ("runs", "costs", "summary", "times", "selection", "comparisons", "speedups")
# Every table is checked (ranges, empty fields) and the per-run, per-curve and per-cell
# ones hold exactly the rows the config asks for (study_tables).
tables = {
    name: read_study_table(smk, name, config)
    for name in (*names, "rankings", "gain", "robustness", "reruns")
}
runs, costs = tables["runs"], tables["costs"]

table, saturation = None, None
if smk.input.rerun:
    # The notebook's runs: seed 3 at its learning rate on its data, read at its 15000 iterations.
    at_budget = runs_at(runs, costs, axes, SETUP["model"]["iterations"])
    notebook_grid, notebook_costs = notebook_runs(at_budget, costs, notebook_cell(config))
    rerun = read_table(smk.input.rerun[0], (), "snakemake --forcerun reproduce_notebook")
    table = reproduction_table(notebook_grid, notebook_costs, rerun, config["notebook"]["seed"])
    X = load_dataset(smk.input.data).X_train.T
    saturation = output_saturation(
        X, "random", 10.0, config["notebook"]["seed"], config["model"]["layers"]
    )

# Initial costs differ between data sets (not between learning rates): the base data set's.
base = runs[runs["dataset"] == config["dataset"]["name"]] if "dataset" in axes else runs
alpha = round(1 - float(config["analysis"]["confidence_level"]), 12)
depth_sections = [Path(p) for p in smk.input.depth if p.endswith(".md")]
text = report.render_report(
    {
        "setup": report.setup_facts(config),
        "reproduction": report.reproduction_facts(table, smk.params.setup_differences, saturation),
        "results": report.results_facts(tables["summary"], tables["times"], axes),
        "findings": findings_facts(tables, config, axes),
        "robustness": robustness_facts(tables["robustness"], alpha),
        "perturbation": config["model"]["perturbation"],
        "threshold": config["analysis"]["success_threshold"],
        "alpha": alpha,
        "failures": report.failure_facts(tables["summary"]),
        "initial_costs": report.initial_cost_facts(base),
        "figures": smk.params.figures,
        "experiment_sections": "".join(
            Path(path).read_text(encoding="utf-8") for path in smk.input.experiments
        ),
        "depth_section": depth_sections[0].read_text(encoding="utf-8") if depth_sections else "",
        "reproducibility": reproducibility_facts(
            config,
            runs,
            list(smk.input.benchmarks),
            REPO,
            smk.params.fingerprint,
            n_reruns=len(tables["reruns"]),
        ),
    }
)
write_text_atomic(smk.output[0], text)
log.info("report written: %s", smk.output[0])
finish(log)
