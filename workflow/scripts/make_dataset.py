"""Write one draw of one data set of the config."""

import numpy as np
from common import finish, start_log

from initstudy.model.data import SPLITS, make_dataset, save_dataset

smk = snakemake  # noqa: F821
log = start_log(smk)
spec, draw = smk.params.spec, smk.params.draw
dataset = make_dataset(**spec, draw=draw)
save_dataset(dataset, smk.output[0])
log.info(
    "%s draw %d: train X %s, validation X %s, test X %s",
    spec["kind"], draw, dataset.X_train.shape, dataset.X_validation.shape, dataset.X_test.shape,
)  # fmt: skip
if spec["kind"] == "digits":
    counts = [np.bincount(dataset.split(split)[1], minlength=2).tolist() for split in SPLITS]
    log.info(
        "digits: noise %g ignored; images of class 0 (digits 0-4) and 1 (5-9) in train, "
        "validation, test: %s", spec["noise"], counts,
    )  # fmt: skip
finish(log)
