"""Write results/report.md from the tables, figures and benchmark files of this run."""

from pathlib import Path

import pandas as pd
from common import REPO, start_log

from initstudy import report
from initstudy.atomic import write_text_atomic
from initstudy.data import load_dataset
from initstudy.reproduction import output_saturation, reproduction_table

smk = snakemake  # noqa: F821
log = start_log(smk)
config = smk.params.config
runs = pd.read_csv(smk.input.runs)
costs = pd.read_csv(smk.input.costs)
summary = pd.read_csv(smk.input.summary)
paired = pd.read_csv(smk.input.paired)
out_dir = Path(smk.output[0]).parent

table, saturation = None, None
if smk.input.rerun:
    rerun = pd.read_csv(smk.input.rerun[0])
    table = reproduction_table(runs, costs, rerun, config["notebook"]["seed"])
    X = load_dataset(smk.input.data).X_train.T
    saturation = output_saturation(
        X, "random", 10.0, config["notebook"]["seed"], config["model"]["layers"]
    )

depth_sections = [Path(p) for p in smk.input.depth if p.endswith(".md")]
depth = depth_sections[0].read_text(encoding="utf-8") if depth_sections else ""
sections = [
    "# How initialization decides whether a ReLU network learns",
    "",
    "A network that starts with all weights equal never breaks symmetry; one that starts with "
    "weights too large starts saturated; He initialization keeps the signal's scale through "
    "ReLU layers. This report measures, over many seeds, which initializer and which scale "
    "train reliably, and reproduces the course notebook it starts from.",
    "",
    report.setup_section(config),
    "",
    report.reproduction_section(table, smk.params.setup_differences, saturation),
    "",
    "## Results",
    "",
    report.summary_table(summary),
    "",
    "## Findings",
    "",
    *[f"- {sentence}" for sentence in report.findings(summary, runs, paired, config)],
    f"- {report.initial_cost_finding(runs)}",
    "",
    report.figures_section(smk.params.figures),
    depth,
    report.reproducibility_section(config, runs, list(smk.input.benchmarks), REPO),
    "",
]
write_text_atomic(smk.output[0], "\n".join(sections))
log.info("report written: %s", smk.output[0])
