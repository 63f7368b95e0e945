"""Figure: cost of the untrained networks of every cell."""

from common import start_log

from initstudy.plausibility import study_rows
from initstudy.plots import save_figure
from initstudy.plots_training import plot_initial_cost
from initstudy.tables import RUN_COLUMNS, read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
runs = read_table(
    smk.input.runs,
    RUN_COLUMNS,
    "snakemake --forcerun aggregate",
    expected=study_rows(smk.config, "runs"),
)
save_figure(plot_initial_cost(runs), smk.output[0])
log.info("%d runs drawn", len(runs))
