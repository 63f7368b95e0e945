# initstudy: how weight initialization decides whether a ReLU network learns.
# Table of contents: config and validation, then one file per stage.

from snakemake.utils import min_version

min_version("9.0")


# A study given with --configfile replaces the default one instead of being
# merged into it: Snakemake merges nested mappings, which would silently keep
# the default grid's cells next to the ones the file lists.
if not workflow.config_settings.configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


# Wildcards take only the values the config allows (cell names are validated);
# re.escape: value texts hold regex characters ("0.5", "1e+100").
wildcard_constraints:
    **{
        axis: "|".join(sorted({re.escape(format_value(axis, cell[axis])) for cell in CELLS}))
        for axis in AXES
    },


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/depth.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/publish.smk"


report: "workflow/report/workflow.rst"


# One run per results folder: the main process locks it when it is about to run jobs
# (dry runs, --report, --lint, --list-* and jobs on cluster nodes never get here).
onstart:
    take_results_folder()


localrules:
    all,


rule all:
    default_target: True
    input:
        get_final_output(),
        report_pages(),
