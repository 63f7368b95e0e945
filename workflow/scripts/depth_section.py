"""Write the depth study's section of the report from its tables."""

from common import start_log

from initstudy.atomic import write_text_atomic
from initstudy.depth_report import report_section
from initstudy.depth_signal import RATIO_COLUMNS
from initstudy.stats import SUMMARY_COLUMNS
from initstudy.tables import read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
ratios = read_table(smk.input.ratios, RATIO_COLUMNS, "snakemake --forcerun depth_ratios")
summary = read_table(
    smk.input.summary, (*SUMMARY_COLUMNS, "depth", "width"), "snakemake --forcerun depth_summary"
)
text = report_section(ratios, summary, p.settings, p.threshold, p.level, p.figures)
write_text_atomic(smk.output[0], text)
log.info("section written: %s", smk.output[0])
