"""Depth study: gather the per-layer signal and compare the measured ratios with the theory."""

import pandas as pd
from common import finish, start_log

from initstudy.tables.tables import read_table, write_table
from initstudy.theory.depth_signal import SIGNAL_COLUMNS, signal_ratios

smk = snakemake  # noqa: F821
log = start_log(smk)
signal = pd.concat(
    [
        read_table(path, SIGNAL_COLUMNS, "snakemake --forcerun depth_signal")
        for path in smk.input.signal
    ],
    ignore_index=True,
)
ratios = signal_ratios(signal, smk.params.level)
write_table(signal, smk.output.signal)
write_table(ratios, smk.output.ratios)
for row in ratios.itertuples():
    log.info(
        "%s x%g depth %d: ratio %.4g (predicted %.4g, error %+.1f%%), %d of %d seeds finite",
        row.init, row.scale, row.depth, row.ratio_mean, row.predicted_ratio,
        100 * row.relative_error, row.n_finite, row.n_seeds,
    )  # fmt: skip
finish(log)
