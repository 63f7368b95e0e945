"""One run per results folder: an operating-system lock that dies with its holder.

Snakemake's own directory lock is a set of files that a killed run (SIGKILL,
power loss) leaves behind, so the workflow runs with ``nolock`` and takes this
lock instead: :func:`hold_results_lock` puts an exclusive ``fcntl.flock`` on
``<results>/.initstudy.lock`` and keeps the file open for the life of the
process. The kernel drops the lock when the process ends, however it ends, so
a killed run never blocks the next one, while a second run started during the
first is refused at once with a message that names the first (pid, host, start
time and command, written into the lock file by its holder).
"""

from __future__ import annotations

import fcntl
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from initstudy.util.atomic import TEMPORARY_NAME

LOCK_NAME = ".initstudy.lock"
#: The open lock files of this process: kept referenced so that they stay open.
_HELD: dict[str, object] = {}


class ResultsBusyError(RuntimeError):
    """Another process holds the results folder's lock."""


def hold_results_lock(results: str | Path) -> Path:
    """Lock ``results`` for this process until it ends; refuse if another process holds it.

    Taking the lock again in the process that holds it is a no-op.

    Parameters
    ----------
    results : str or Path
        The results folder (created if missing).

    Returns
    -------
    Path
        The lock file.

    Raises
    ------
    ResultsBusyError
        Naming the running holder (pid, host, start, command) and the lock file.
    """
    path = Path(results) / LOCK_NAME
    if str(path.resolve()) in _HELD:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # held open until the process ends
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "a process that has not yet written its details"
        handle.close()
        raise ResultsBusyError(
            f"another run is using the results folder '{results}' (nothing was run):\n"
            f"{holder}\n"
            f"Wait for it to finish, or stop it; its lock ('{path}') is released the moment "
            "it ends, even if it is killed. Two runs at once in one folder would mix their "
            "tables; to run another study at the same time, run it in a copy of the workflow."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(describe_process())
    handle.flush()
    _HELD[str(path.resolve())] = handle
    return path


def describe_process() -> str:
    """Who this process is, for the lock file: pid, host, start time and command.

    Returns
    -------
    str
    """
    started = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime())
    program = Path(sys.argv[0]).name
    if program == "__main__.py":  # python -m snakemake
        program = Path(sys.argv[0]).parent.name
    command = shlex.join([program, *sys.argv[1:]])
    return (
        f"pid {os.getpid()} on host {socket.gethostname()}, started {started}, "
        f"in {os.getcwd()}: {command}\n"
    )


def remove_stale_temporaries(results: str | Path, declared: Callable[[str], bool]) -> list[Path]:
    """Delete the temporary files that killed jobs of this workflow left in ``results``.

    A file is deleted only when the project can tell it wrote it: its name has
    the shape :func:`initstudy.util.atomic.atomic_path` gives
    (``.<target>.<8 random characters>.initstudy-partial<suffix>``, see
    :data:`initstudy.util.atomic.TEMPORARY_NAME`) and its target, the file it would
    have become, is an output the workflow declares (``declared``). A user's
    file of any other name, even a hidden one with dots and a date in it,
    is never touched. Only safe while :func:`hold_results_lock` is held and
    before any job runs: then no job of any run is writing, so every such
    file is a leftover.

    Parameters
    ----------
    results : str or Path
    declared : callable
        Takes a path (``results`` joined with the folders below it and the
        target's name) and says whether a rule of the workflow writes it.

    Returns
    -------
    list of Path
        The files removed.
    """
    removed = []
    for folder, subfolders, files in os.walk(results):
        subfolders[:] = [name for name in subfolders if name != ".snakemake"]
        for name in files:
            match = TEMPORARY_NAME.match(name)
            if match and declared(os.path.join(folder, match["target"])):
                path = Path(folder) / name
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed
