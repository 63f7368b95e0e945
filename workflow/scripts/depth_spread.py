"""Depth study: variance of ln(q(L)/q(1)) of He networks at several widths, against theory."""

from common import finish, start_log

from initstudy.model.data import load_dataset
from initstudy.tables.tables import write_table
from initstudy.theory.depth_spread import spread_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
X = load_dataset(smk.input.data).X_train.T
spread = spread_table(X, p.depths, p.widths, p.seeds, p.resamples, p.bootstrap_seed, p.level)
write_table(spread, smk.output[0])
for row in spread.itertuples():
    log.info("depth %d width %d: variance %.4g measured, %.4g predicted (ratio %.3f)",
             row.depth, row.width, row.per_input_variance, row.predicted_variance,
             row.variance_ratio)  # fmt: skip
finish(log)
