"""The trainability map of one experiment: the share of seeds that train in each cell of the
(sigma_w^2, depth) plane, the measured boundary of each column beside mean-field theory's
6 xi_c, the theory on a fine grid, the figure and the report's section."""

from common import finish, start_log
from study_tables import read_study_table

from initstudy.analysis.trainability import boundary_table, theory_curve, trainability_cells
from initstudy.plots.plots import save_figure
from initstudy.plots.plots_trainability import plot_trainability_map
from initstudy.report.report_trainability import trainability_facts
from initstudy.report.templates import render
from initstudy.tables.tables import write_table
from initstudy.util.atomic import write_text_atomic

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
config = p.config
level = float(config["analysis"]["confidence_level"])
runs = read_study_table(smk, "runs", config)
cells = trainability_cells(runs, level)
boundary = boundary_table(cells)
curve = theory_curve(cells)
log.info(
    "%d cells, %d columns; theory on %d points; agreement: %s",
    len(cells), len(boundary), len(curve),
    boundary["agreement"].value_counts().to_dict(),
)  # fmt: skip
write_table(cells, smk.output.cells)
write_table(boundary, smk.output.boundary)
write_table(curve, smk.output.theory)
facts = trainability_facts(cells, boundary, curve, config, level)
save_figure(plot_trainability_map(cells, curve, facts["points"]), smk.output.figure)
text = render("trainability.md.j2", map=facts, figure_path=p.figure_path)
write_text_atomic(smk.output.section, text.rstrip("\n") + "\n\n")
log.info("section written: %s", smk.output.section)
finish(log)
