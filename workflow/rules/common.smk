# Config validation, the grid's cells, and paths shared by every stage.

import os
import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SRC = os.path.join(workflow.basedir, "src")
sys.path.insert(0, SRC)

from initstudy.config import ConfigError, cells, check_config, format_scale  # noqa: E402
from initstudy.reproduction import setup_differences  # noqa: E402

validate(config, "../schemas/config.schema.yaml")
try:
    check_config(config)
except ConfigError as error:
    raise WorkflowError(str(error)) from None

CELLS = cells(config)
SEEDS = [int(seed) for seed in config["grid"]["seeds"]]
RESULTS = "results"
ENV = "../envs/initstudy.yaml"
SETUP_DIFFERENCES = setup_differences(config)
NOTEBOOK_COMPARABLE = not SETUP_DIFFERENCES


wildcard_constraints:
    init="|".join(sorted({init for init, _ in CELLS})),
    scale="|".join(sorted({format_scale(scale) for _, scale in CELLS})).replace(".", r"\."),


def library(*modules):
    """Source files of the initstudy modules a rule runs: editing one reruns its jobs."""
    return [os.path.relpath(os.path.join(SRC, "initstudy", f"{name}.py")) for name in modules]


def cell_files(kind):
    """One file per grid cell, in config order (kind: runs.csv, costs.csv, params.npz)."""
    return [
        f"{RESULTS}/cells/{init}/scale-{format_scale(scale)}/{kind}" for init, scale in CELLS
    ]
