"""Run the notebook's own code path on this machine for its three printed runs."""

from common import finish, start_log

from initstudy.analysis.reproduction import rerun_frame
from initstudy.model.data import load_dataset
from initstudy.model.notebook import rerun_printed_runs
from initstudy.tables.tables import write_table

smk = snakemake  # noqa: F821
log = start_log(smk)
data = load_dataset(smk.input.data)
reruns = rerun_printed_runs(
    data.X_train.T, data.y_train.reshape(1, -1).astype(float), data.X_test.T, data.y_test
)
write_table(rerun_frame(reruns), smk.output[0])
log.info("reran %d notebook runs", len(reruns))
finish(log)
