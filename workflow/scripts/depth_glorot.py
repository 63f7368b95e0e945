"""Depth study: Glorot & Bengio's (2010) rules at initialization, per-layer spread beside theory."""

import time

import pandas as pd
from common import finish, start_log

from initstudy.model.data import load_dataset
from initstudy.tables.tables import write_table
from initstudy.theory.depth_glorot import declare_rules, layer_summary
from initstudy.theory.depth_glorot_measure import measure_layers

smk = snakemake  # noqa: F821
log = start_log(smk)
p = smk.params
dataset = load_dataset(smk.input.data)
X, y = dataset.X_train.T, dataset.y_train
layers, histograms = [], []
for init in declare_rules(p.rules):
    for depth in p.depths:
        start = time.perf_counter()
        measured, histogram = measure_layers(X, y, init, depth, p.width, p.seeds, p.activation)
        layers.append(measured)
        histograms.append(histogram)
        log.info(
            "%s, %s, %d hidden layers of %d: %d seeds in %.2f s",
            init, p.activation, depth, p.width, len(p.seeds), time.perf_counter() - start,
        )  # fmt: skip
layers = pd.concat(layers, ignore_index=True)
summary = layer_summary(layers, p.level)
write_table(layers, smk.output.layers)
write_table(pd.concat(histograms, ignore_index=True), smk.output.histograms)
write_table(summary, smk.output.summary)
for row in summary.dropna(subset=["gradient_ratio_mean"]).itertuples():
    log.info(
        "%s depth %d layer %d: gradient rms ratio %.4g [%.4g, %.4g], theory %.4g",
        row.init, row.depth, row.layer, row.gradient_ratio_mean, row.gradient_ratio_low,
        row.gradient_ratio_high, row.gradient_ratio_theory,
    )  # fmt: skip
finish(log)
