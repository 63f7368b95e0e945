"""Depth study: statistics of the chosen runs, the reruns against them, spread against failure."""

import pandas as pd
from common import finish, start_log

from initstudy.analysis.depth_robustness import (
    REFERENCE_SHAPE,
    compare_variants,
    compare_with_reference,
)
from initstudy.analysis.depth_training import (
    RUN_AXES,
    chosen_runs,
    classify_depth_runs,
    summarize_depths,
    time_to_learn,
)
from initstudy.model.data import load_dataset
from initstudy.tables.tables import COST_COLUMNS, RUN_COLUMNS, read_table, write_table
from initstudy.theory.depth_spread import attach_log_signal, failure_prediction

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
extra = ("depth", "width", "learning_rate")


def gather(paths, columns, rebuild):
    """The tables of every rerun, each with its variant (the folder after train/)."""
    frames = [
        read_table(path, (*columns, *extra), rebuild).assign(
            variant=path.split("/train/")[1].split("/")[0]
        )
        for path in paths
    ]
    return pd.concat(frames, ignore_index=True)


rates = read_table(smk.input.rates, (*RUN_AXES, "chosen"), "snakemake --forcerun depth_select")
candidates = read_table(
    smk.input.candidates, (*RUN_COLUMNS, *extra, "outcome", "time_to_learn"),
    "snakemake --forcerun depth_select",
)  # fmt: skip
parts = [chosen_runs(candidates, rates).assign(variant="reference")]
rebuild = "snakemake --forcerun depth_rerun"
reruns = gather(smk.input.runs, RUN_COLUMNS, rebuild) if smk.input.runs else None
if reruns is not None:
    costs = gather(smk.input.costs, COST_COLUMNS, rebuild)
    reruns["outcome"] = classify_depth_runs(reruns, costs, p.threshold, p.stuck_margin)
    reruns["time_to_learn"] = time_to_learn(reruns, costs, p.threshold)
    parts.append(reruns)
runs = pd.concat(parts, ignore_index=True)
runs["success"] = runs["test_accuracy"] >= p.threshold
reference = runs[runs["variant"] == "reference"]
summary = summarize_depths(reference, p.threshold, p.resamples, p.bootstrap_seed, p.level)
robustness = compare_variants(runs, p.level)
matched = compare_with_reference(reference, REFERENCE_SHAPE, p.level)
X = load_dataset(smk.input.data).X_train.T
with_signal = attach_log_signal(reference, X)
failure, pooled = failure_prediction(with_signal, p.permutations, p.bootstrap_seed)
runs["log_signal"] = with_signal["log_signal"].reindex(runs.index)
write_table(runs, smk.output.runs)
write_table(summary, smk.output.summary)
write_table(robustness, smk.output.robustness)
write_table(failure, smk.output.failure)
write_table(pooled, smk.output.pooled)
write_table(matched, smk.output.matched)
statuses = reference["outcome"].value_counts().to_dict()
log.info("%d runs; statuses of the chosen: %s", len(runs), statuses)
finish(log)
