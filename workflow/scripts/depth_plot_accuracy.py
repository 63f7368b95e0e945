"""Figure: test accuracy and success rate of the trained deep networks against depth."""

from common import finish, start_log

from initstudy.analysis.depth_training import RUN_AXES
from initstudy.analysis.stats import CELL_STATISTICS
from initstudy.plots.plots import save_figure
from initstudy.plots.plots_accuracy import plot_accuracy_vs_depth
from initstudy.tables.tables import read_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
summary = read_table(
    smk.input.summary, (*RUN_AXES, *CELL_STATISTICS), "snakemake --forcerun depth_summary"
)
# plots_accuracy may still read the interval under its earlier name.
for bound in ("low", "high"):
    old, new = f"test_accuracy_ci_{bound}", f"test_accuracy_mean_ci_{bound}"
    if old not in summary.columns:
        summary[old] = summary[new]
save_figure(plot_accuracy_vs_depth(summary, p.threshold, p.level), smk.output[0])
log.info("%d (initializer, scale, depth) cells drawn", len(summary))
finish(log)
