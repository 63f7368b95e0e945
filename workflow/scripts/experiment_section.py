"""Write one experiment's section of the report from its grid's tables."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.grid.axes import ROBUSTNESS_AXES
from initstudy.grid.grid import grid_axes
from initstudy.report import report
from initstudy.report.report_experiment import experiment_facts
from initstudy.report.report_findings import findings_facts
from initstudy.report.report_robustness import robustness_facts
from initstudy.report.templates import render
from initstudy.util.atomic import write_text_atomic

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
config = p.config
# The findings' tables hold the reference runs: the robustness axes are not their columns.
axes = tuple(axis for axis in grid_axes(config) if axis not in ROBUSTNESS_AXES)
names = ("runs", "summary", "times", "selection", "comparisons", "speedups", "rankings", "gain")
tables = {name: read_study_table(smk, name, config) for name in (*names, "robustness")}
alpha = round(1 - float(config["analysis"]["confidence_level"]), 12)
text = render(
    "experiment.md.j2",
    experiment=experiment_facts(p.name, config, p.settings),
    results=report.results_facts(tables["summary"], tables["times"], axes),
    findings=findings_facts(tables, config, axes),
    failures=report.failure_facts(tables["summary"]),
    initial_costs=report.initial_cost_facts(tables["runs"]),
    robustness=robustness_facts(tables["robustness"], alpha),
    perturbation=config["model"]["perturbation"],
    threshold=config["analysis"]["success_threshold"],
    alpha=alpha,
)
# One blank line before whatever section follows it in the report.
write_text_atomic(smk.output[0], text.rstrip("\n") + "\n\n")
log.info("section written: %s", smk.output[0])
finish(log)
