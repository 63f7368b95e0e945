"""Depth study: classify every candidate run and choose each shape's learning rate on validation."""

import pandas as pd
from common import finish, start_log

from initstudy.analysis.depth_training import (
    classify_depth_runs,
    select_learning_rates,
    time_to_learn,
)
from initstudy.tables.tables import COST_COLUMNS, RUN_COLUMNS, read_table, write_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
rebuild = "snakemake --forcerun depth_train"
extra = ("depth", "width", "learning_rate")


def gather(paths, columns):
    return pd.concat([read_table(path, (*columns, *extra), rebuild) for path in paths],
                     ignore_index=True)  # fmt: skip


runs, costs = gather(smk.input.runs, RUN_COLUMNS), gather(smk.input.costs, COST_COLUMNS)
runs["outcome"] = classify_depth_runs(runs, costs, p.threshold, p.stuck_margin)
runs["time_to_learn"] = time_to_learn(runs, costs, p.threshold)
rates = select_learning_rates(runs, p.threshold)
write_table(rates, smk.output.rates)
write_table(runs, smk.output.runs)
for row in rates[rates["chosen"]].itertuples():
    log.info("%s x%g, %d layers: learning rate %g (%d of %d seeds reach the threshold on "
             "validation)", row.init, row.scale, row.depth, row.learning_rate,
             row.n_validation_success, row.n_seeds)  # fmt: skip
log.info("statuses of all candidate runs: %s", runs["outcome"].value_counts().to_dict())
finish(log)
