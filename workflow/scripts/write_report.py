"""Write results/report.md from the tables, figures and benchmark files of this run."""

from pathlib import Path

import pandas as pd
from common import REPO, start_log

from initstudy import report
from initstudy.atomic import write_text_atomic
from initstudy.data import load_dataset
from initstudy.provenance import reproducibility_facts
from initstudy.reproduction import output_saturation, reproduction_table

smk = snakemake  # noqa: F821
log = start_log(smk)
config = smk.params.config
runs = pd.read_csv(smk.input.runs)
costs = pd.read_csv(smk.input.costs)
summary = pd.read_csv(smk.input.summary)
paired = pd.read_csv(smk.input.paired)

table, saturation = None, None
if smk.input.rerun:
    rerun = pd.read_csv(smk.input.rerun[0])
    table = reproduction_table(runs, costs, rerun, config["notebook"]["seed"])
    X = load_dataset(smk.input.data).X_train.T
    saturation = output_saturation(
        X, "random", 10.0, config["notebook"]["seed"], config["model"]["layers"]
    )

depth_sections = [Path(p) for p in smk.input.depth if p.endswith(".md")]
text = report.render_report(
    {
        "setup": report.setup_facts(config),
        "reproduction": report.reproduction_facts(table, smk.params.setup_differences, saturation),
        "summary_rows": report.summary_rows(summary),
        "findings": report.findings_facts(summary, runs, paired, config),
        "initial_costs": report.initial_cost_facts(runs),
        "figures": smk.params.figures,
        "depth_section": depth_sections[0].read_text(encoding="utf-8") if depth_sections else "",
        "reproducibility": reproducibility_facts(config, runs, list(smk.input.benchmarks), REPO),
    }
)
write_text_atomic(smk.output[0], text)
log.info("report written: %s", smk.output[0])
