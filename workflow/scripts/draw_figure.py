"""Run the script that draws one declared figure (params.script, from workflow/figures.yaml).

The figure rules are made in a loop, and the path of a rule's ``script:`` is evaluated
when its job runs, by which time the loop has moved on; so every figure rule runs this
script, which hands Snakemake's object to the figure's own script. That script is also
an input of its rule, so editing it redraws exactly its figure.
"""

import runpy
from pathlib import Path

smk = snakemake  # noqa: F821
script = Path(__file__).with_name(smk.params.script)
runpy.run_path(str(script), init_globals={"snakemake": smk}, run_name="__main__")
