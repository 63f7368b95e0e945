"""Figure: cost curves of the notebook's three runs (its learning rate, its data set)."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.plots.plots import save_figure
from initstudy.plots.plots_facets import facet
from initstudy.plots.plots_training import plot_notebook_costs

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
cells = tuple((init, float(scale)) for init, scale in p.notebook)
costs = facet(read_study_table(smk, "costs"), **dict(p.notebook_cell))
save_figure(plot_notebook_costs(costs, p.seed, cells), smk.output[0])
log.info("notebook runs %s at seed %d (%s) drawn", cells, p.seed, dict(p.notebook_cell))
finish(log)
