# Config validation, the grid's cells, and paths shared by every stage.

import os
import re
import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SRC = os.path.join(workflow.basedir, "src")
SCRIPTS = os.path.join(workflow.basedir, "workflow", "scripts")
SCHEMA = os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml")
sys.path.insert(0, SRC)

from initstudy.config import (  # noqa: E402
    ConfigError,
    cells,
    check_config,
    check_config_files,
    format_scale,
    load_schema,
    validate_config,
)
from initstudy.imports import import_closure  # noqa: E402
from initstudy.reproduction import setup_differences  # noqa: E402

# Snakemake reads config files with PyYAML's FullLoader through YTE, which
# evaluates Python for files that set __use_yte__; re-reading them with
# safe_load refuses anything but plain data. Then our own schema pass, whose
# messages name key, value and what is allowed, then Snakemake's, which fills
# in the defaults, then the rules that relate several keys.
try:
    check_config_files(workflow.configfiles)
    validate_config(config, load_schema(SCHEMA))
    validate(config, "../schemas/config.schema.yaml")
    check_config(config)
except ConfigError as error:
    raise WorkflowError(f"invalid config (nothing was run):\n{error}") from None

CELLS = cells(config)
SEEDS = [int(seed) for seed in config["grid"]["seeds"]]
RESULTS = "results"
ENV = "../envs/initstudy.yaml"
SETUP_DIFFERENCES = setup_differences(config)
NOTEBOOK_COMPARABLE = not SETUP_DIFFERENCES


def script_imports(script):
    """Project files a rule's script imports, directly or not (``workflow/scripts/common.py``
    and the ``initstudy`` modules): declared as inputs so that editing one reruns its jobs."""
    path = os.path.join(SCRIPTS, script)
    return [os.path.relpath(source) for source in import_closure(path, [SCRIPTS, SRC])]


def cell_files(kind):
    """One file per grid cell, in config order (kind: runs.csv, costs.csv, params.npz)."""
    return [f"{RESULTS}/cells/{init}/scale-{format_scale(scale)}/{kind}" for init, scale in CELLS]
