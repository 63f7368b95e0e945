"""Write results/report.md from the tables, figures and benchmark files of this run."""

from pathlib import Path

from common import REPO, start_log

from initstudy import report
from initstudy.atomic import write_text_atomic
from initstudy.data import load_dataset
from initstudy.paired import PAIRED_COLUMNS
from initstudy.plausibility import study_rows
from initstudy.provenance import reproducibility_facts
from initstudy.reproduction import output_saturation, reproduction_table
from initstudy.stats import SUMMARY_COLUMNS
from initstudy.tables import COST_COLUMNS, RUN_COLUMNS, read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
config = smk.params.config
rebuild = "snakemake --forcerun aggregate"
runs, costs, summary, paired = (
    read_table(path, columns, rebuild, expected=study_rows(config, name))
    for path, columns, name in (
        (smk.input.runs, RUN_COLUMNS, "runs"),
        (smk.input.costs, COST_COLUMNS, "costs"),
        (smk.input.summary, SUMMARY_COLUMNS, "summary"),
        (smk.input.paired, PAIRED_COLUMNS, "paired"),
    )
)

table, saturation = None, None
if smk.input.rerun:
    rerun = read_table(smk.input.rerun[0], (), "snakemake --forcerun reproduce_notebook")
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
