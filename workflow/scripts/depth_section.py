"""Write the depth study's section of the report (theory without training) from its tables."""

from common import finish, start_log

from initstudy.report.depth_report import report_section
from initstudy.tables.tables import read_table
from initstudy.theory.depth_glorot import SUMMARY_COLUMNS, declare_rules
from initstudy.theory.depth_signal import RATIO_COLUMNS
from initstudy.theory.depth_spread import SPREAD_COLUMNS
from initstudy.util.atomic import write_text_atomic

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
ratios = read_table(smk.input.ratios, RATIO_COLUMNS, "snakemake --forcerun depth_ratios")
spread = read_table(smk.input.spread, SPREAD_COLUMNS, "snakemake --forcerun depth_spread")
# Glorot & Bengio's rules: only where the config measures them (an empty input otherwise).
glorot = None
if len(smk.input.glorot):
    declare_rules(p.glorot_rules)  # their formulas and descriptions
    glorot = read_table(smk.input.glorot[0], SUMMARY_COLUMNS, "snakemake --forcerun depth_glorot")
text = report_section(ratios, spread, p.level, p.figures, glorot, p.glorot_figure)
write_text_atomic(smk.output[0], text)
log.info("section written: %s", smk.output[0])
finish(log)
