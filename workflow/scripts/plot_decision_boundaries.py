"""Figure: decision regions of the notebook's runs and of each other initializer's best cell."""

from common import start_log

from initstudy.data import load_dataset
from initstudy.plausibility import study_rows
from initstudy.plots import save_figure
from initstudy.plots_plane import (
    BoundaryPanel,
    boundary_cells,
    pick_network,
    plot_decision_boundaries,
)
from initstudy.stats import SUMMARY_COLUMNS
from initstudy.tables import RUN_COLUMNS, read_parameters, read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
rebuild = "snakemake --forcerun aggregate"
summary = read_table(
    smk.input.summary, SUMMARY_COLUMNS, rebuild, expected=study_rows(smk.config, "summary")
)
runs = read_table(smk.input.runs, RUN_COLUMNS, rebuild, expected=study_rows(smk.config, "runs"))
# params.cells lists the grid's cells in the order of the input params files.
cells = [(init, float(scale)) for init, scale in p.cells]
files = dict(zip(cells, smk.input.params, strict=True))
notebook = tuple((init, float(scale)) for init, scale in p.notebook)
panels = []
for init, scale, role in boundary_cells(summary, notebook):
    seeds, weights, biases = read_parameters(
        files[init, scale], "rerun the study's snakemake command (rule train_cell)"
    )
    k = pick_network(seeds, p.seed)
    seed = int(seeds[k])
    row = runs[(runs["init"] == init) & (runs["scale"] == scale) & (runs["seed"] == seed)].iloc[0]
    panels.append(
        BoundaryPanel(
            init,
            scale,
            seed,
            [W[k : k + 1] for W in weights],
            [b[k : k + 1] for b in biases],
            float(row["train_accuracy"]),
            float(row["test_accuracy"]),
            role,
        )
    )
    log.info("%s x%s seed %d (%s)", init, scale, seed, role)
save_figure(plot_decision_boundaries(load_dataset(smk.input.data), panels), smk.output[0])
