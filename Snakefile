# initstudy: how weight initialization decides whether a ReLU network learns.
# The workflow is workflow/Snakefile; this file runs it from the repository root, so that
# `snakemake --cores 4` (and `make study`) work from here with the default target.

from snakemake.utils import min_version

min_version("9.0")


include: "workflow/Snakefile"


# An included file's default target is not the including file's (an open Snakemake bug: the
# root would report "Nothing to be done"), so the root names its own: everything of rule all.
localrules:
    default,


rule default:
    default_target: True
    input:
        rules.all.input,
