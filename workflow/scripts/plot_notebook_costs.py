"""Figure: cost curves of the notebook's three runs (its learning rate, its data set)."""

from common import start_log

from initstudy.plausibility import study_rows
from initstudy.plots import save_figure
from initstudy.plots_facets import facet
from initstudy.plots_training import plot_notebook_costs
from initstudy.tables import COST_COLUMNS, read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
costs = read_table(
    smk.input.costs,
    COST_COLUMNS,
    "snakemake --forcerun aggregate",
    expected=study_rows(smk.config, "costs"),
)
cells = tuple((init, float(scale)) for init, scale in p.notebook)
costs = facet(costs, **dict(p.notebook_cell))
save_figure(plot_notebook_costs(costs, p.seed, cells), smk.output[0])
log.info("notebook runs %s at seed %d (%s) drawn", cells, p.seed, dict(p.notebook_cell))
