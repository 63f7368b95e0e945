"""Write the depth study's section of the report from its tables."""

from common import finish, start_log

from initstudy.analysis.depth_robustness import MATCHED_COLUMNS, ROBUSTNESS_COLUMNS, empty_reason
from initstudy.analysis.depth_training import RUN_AXES
from initstudy.analysis.stats import CELL_STATISTICS
from initstudy.report.depth_report import report_section
from initstudy.tables.tables import read_table
from initstudy.theory.depth_signal import RATIO_COLUMNS
from initstudy.theory.depth_spread import FAILURE_COLUMNS, POOLED_COLUMNS, SPREAD_COLUMNS
from initstudy.util.atomic import write_text_atomic

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
rebuild = {
    "summary": "snakemake --forcerun depth_summary",
    "rates": "snakemake --forcerun depth_select",
    "spread": "snakemake --forcerun depth_spread",
}
columns = {
    "summary": (*RUN_AXES, *CELL_STATISTICS, "n_unstable", "n_learned", "time_to_learn_max"),
    "rates": (*RUN_AXES, "n_seeds", "n_unstable", "chosen"),
    "robustness": ROBUSTNESS_COLUMNS,
    "matched": MATCHED_COLUMNS,
    "spread": SPREAD_COLUMNS,
    "failure": FAILURE_COLUMNS,
    "pooled": POOLED_COLUMNS,
}
ratios = read_table(smk.input.ratios, RATIO_COLUMNS, "snakemake --forcerun depth_ratios")
# A table without rows is damaged, unless the config says why it has none (no reruns).
tables = {
    name: read_table(
        smk.input[name],
        wanted,
        rebuild.get(name, rebuild["summary"]),
        empty_reason=empty_reason(p.settings["training"], name),
    )
    for name, wanted in columns.items()
}
text = report_section(ratios, tables, p.settings, p.threshold, p.level, p.figures)
write_text_atomic(smk.output[0], text)
log.info("section written: %s", smk.output[0])
finish(log)
