"""Set-up shared by the workflow's scripts: import path and job log.

Snakemake puts this folder on ``sys.path`` for every ``script:`` job, so
``import common`` works there. The library is imported from the checkout's
``src/`` so that a job runs exactly the module files its rule declares as input.
"""

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))


def start_log(snakemake) -> logging.Logger:
    """Send the job's messages and warnings to its ``log:`` file, not the terminal.

    Parameters
    ----------
    snakemake : snakemake.script.Snakemake
        The object Snakemake passes to a script.

    Returns
    -------
    logging.Logger
    """
    handle = open(snakemake.log[0], "w", buffering=1, encoding="utf-8")  # noqa: SIM115
    sys.stderr = handle
    logging.basicConfig(
        stream=handle, level=logging.INFO, format="%(asctime)s %(message)s", force=True
    )
    logging.captureWarnings(True)
    return logging.getLogger(snakemake.rule)
