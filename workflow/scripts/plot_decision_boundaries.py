"""Figure: decision regions of the notebook's runs and of each initializer's cell chosen on
validation, data set by data set (networks on data sets not in the plane, the digits, are left
out with a note: initstudy.plots.plots_plane.plot_decision_boundaries)."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.grid.axes import cell_settings
from initstudy.model.data import load_dataset
from initstudy.plots import plots_plane
from initstudy.plots.plots import save_figure
from initstudy.plots.plots_facets import facet
from initstudy.tables.tables import read_parameters

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
runs, selection = read_study_table(smk, "runs"), read_study_table(smk, "selection")
# params.cells lists the grid's cells in the order of the input params files, and
# params.dataset_noise the data sets in the order of the datasets input.
cells = [dict(cell) for cell in p.cells]
files = dict(zip((tuple(sorted(cell.items())) for cell in cells), smk.input.params, strict=True))
data = dict(zip(p.dataset_noise, map(load_dataset, smk.input.datasets), strict=True))
base = next(iter(data.values()))
notebook = [(init, float(scale)) for init, scale in p.notebook]
panels = []
for cell, role in plots_plane.boundary_cells(cells, selection, notebook, dict(p.notebook_cell)):
    seeds, weights, biases = read_parameters(
        files[tuple(sorted(cell.items()))], "rerun the study's snakemake command (rule train_cell)"
    )
    k = plots_plane.pick_network(seeds, p.seed)
    seed = int(seeds[k])
    row = facet(runs, seed=seed, **cell).iloc[0]
    where = [f"lr {cell['learning_rate']:g}"] if "learning_rate" in cell else []
    where += [str(cell["dataset"])] if "dataset" in cell else []
    panels.append(
        plots_plane.BoundaryPanel(
            cell["init"],
            cell["scale"],
            seed,
            [W[k : k + 1] for W in weights],
            [b[k : k + 1] for b in biases],
            float(row["train_accuracy"]),
            float(row["test_accuracy"]),
            ", ".join([role, *where]),
            data.get(cell.get("dataset"), base),
            cell_settings(cell, smk.config).activation,
            data_name=str(cell.get("dataset", next(iter(data)))),
        )
    )
    log.info("%s seed %d (%s)", cell, seed, role)
save_figure(plots_plane.plot_decision_boundaries(base, panels), smk.output[0])
finish(log)
