"""Set-up shared by the workflow's scripts: import path and job log.

Snakemake puts this folder on ``sys.path`` for every ``script:`` job, so
``import common`` works there. The library is imported from the folder the
workflow chose (:mod:`library`: the checkout's ``src/`` where there is one), so
that a job runs exactly the module files its rule declares as input.
"""

import atexit
import logging
import os
import sys
import time
import traceback
from pathlib import Path

from library import CHECKOUT_VARIABLE, LIBRARY_VARIABLE, use_library

# Snakemake runs a job's script from a cached copy of this folder, so the checkout is the one
# the workflow names; this file's own place is the fallback for a script run by hand.
_HERE = Path(__file__).resolve().parents[2]
#: The workflow's folder (for its git commit).
REPO = Path(os.environ.get(CHECKOUT_VARIABLE, _HERE))
use_library(os.environ.get(LIBRARY_VARIABLE, _HERE / "src"))

from initstudy.model.declared import declare_initializers  # noqa: E402


def start_log(snakemake) -> logging.Logger:
    """Send the job's messages and warnings to its ``log:`` file, not the terminal; register
    the initializers the config declares (``initializers``), as the workflow did.

    An uncaught exception still reaches the terminal as one line (its type and
    message, which for a damaged input names the file and how to rebuild it);
    its full traceback goes to the log.

    Parameters
    ----------
    snakemake : snakemake.script.Snakemake
        The object Snakemake passes to a script.

    Returns
    -------
    logging.Logger
    """
    log_path = snakemake.log[0]
    handle = open(log_path, "w", buffering=1, encoding="utf-8")
    terminal = sys.stderr
    sys.stderr = handle
    logging.basicConfig(
        stream=handle, level=logging.INFO, format="%(asctime)s %(message)s", force=True
    )
    logging.captureWarnings(True)

    def report_failure(kind, error, trace):
        traceback.print_exception(kind, error, trace, file=handle)
        terminal.write(
            f"Error in rule {snakemake.rule}: {kind.__name__}: {error}\n(traceback in {log_path})\n"
        )
        terminal.flush()

    sys.excepthook = report_failure
    declare_initializers(snakemake.config.get("initializers", {}))
    log = logging.getLogger(snakemake.rule)
    log_cpu_time(log)
    return log


#: The line ``benchmarks/bench_study.py`` reads each job's CPU time from.
CPU_LINE = "job CPU time: start-up %.3f s, work %.3f s"
#: CPU time at :func:`log_cpu_time`'s call: the end of the job's start-up.
_START_UP = 0.0


def log_cpu_time(log: logging.Logger) -> None:
    """Log, when the job's process ends, its CPU time split at this call.

    The part before this call is the job's start-up (interpreter, Snakemake's
    script preamble, imports); the part after is its work. Snakemake's own
    ``benchmark:`` files sample CPU time about once a second and so miss most of
    a short job; this count is exact (``time.process_time``). A job that ends
    through :func:`finish` logs the line there; one that fails, at exit.

    Parameters
    ----------
    log : logging.Logger
    """
    global _START_UP
    _START_UP = time.process_time()
    atexit.register(_log_cpu_line, log)


def _log_cpu_line(log: logging.Logger) -> None:
    log.info(CPU_LINE, _START_UP, time.process_time() - _START_UP)


def finish(log: logging.Logger) -> None:
    """End a job whose outputs are all written: log its CPU time and exit at once.

    The interpreter's normal exit tears down every imported module (numba's
    LLVM above all) and costs about 0.3 s of CPU per job, as much as a fifth of
    a default training job (measured: ``benchmarks/bench_study.py`` counts it as
    unaccounted CPU). Nothing is lost by skipping it: every output was written
    and closed through ``initstudy.util.atomic``, and the log and the standard
    streams are flushed here. A job that fails never gets here, so it exits the
    normal way, with its traceback and a non-zero status.

    Parameters
    ----------
    log : logging.Logger
        The logger :func:`start_log` returned.
    """
    _log_cpu_line(log)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        if stream is not None:
            stream.flush()
    os._exit(0)
