"""Depth study: classify the trained deep networks and compute the main grid's statistics."""

import pandas as pd
from common import start_log

from initstudy.data import load_dataset
from initstudy.depth_training import summarize_depths
from initstudy.outcomes import majority_rate
from initstudy.tables import RUN_COLUMNS, read_table, write_table

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
columns = (*RUN_COLUMNS, "depth", "width")
runs = pd.concat(
    [read_table(path, columns, "snakemake --forcerun depth_train") for path in smk.input.runs],
    ignore_index=True,
)
majority = majority_rate(load_dataset(smk.input.data).y_test)
runs, summary = summarize_depths(
    runs, majority, p.chance_tolerance, p.threshold, p.resamples, p.bootstrap_seed, p.level
)
write_table(runs, smk.output.runs)
write_table(summary, smk.output.summary)
log.info(
    "%d runs at %d depths; statuses: %s",
    len(runs),
    runs["depth"].nunique(),
    runs["status"].value_counts().to_dict(),
)
