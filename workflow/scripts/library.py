"""Which copy of the ``initstudy`` library a run imports, the same one in every job.

The workflow's main process chooses the copy (:func:`choose_library`) and puts
its folder in the environment (:data:`LIBRARY_VARIABLE`); each job imports from
that folder and nothing else (:func:`use_library`). Without this a job imports
whatever ``import initstudy`` finds first, and Snakemake's script preamble puts
the interpreter's site-packages before the checkout: with the package also
installed (``pip install .``, or an editable install of another checkout) an
edit to ``src/`` reran its jobs, which then ran the installed, unedited copy.

This module imports nothing of ``initstudy``: it decides where that comes from.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

#: The environment variable that names the folder jobs import ``initstudy`` from.
LIBRARY_VARIABLE = "INITSTUDY_LIBRARY"
#: The environment variable that names the workflow's own folder (for its git commit).
CHECKOUT_VARIABLE = "INITSTUDY_CHECKOUT"


class LibraryError(RuntimeError):
    """The library a run would import cannot be the one its rules declare."""


def choose_library(src: str | Path, pyproject: str | Path | None) -> Path:
    """The folder a run imports ``initstudy`` from.

    The workflow's own ``src/`` when it has one, whatever is installed: its files
    are the ones the rules declare as inputs. Without it (a module deployed from
    a repository, which ships ``workflow/`` only) the installed package, whose
    version must be the one in the workflow's ``pyproject.toml``.

    Parameters
    ----------
    src : str or Path
        The workflow's ``src/`` folder (it may not exist).
    pyproject : str or Path or None
        The workflow's ``pyproject.toml`` (None where the workflow ships none).

    Returns
    -------
    Path
        The folder that holds the ``initstudy`` package.

    Raises
    ------
    LibraryError
        Without ``src/``: no installed package, an installed package of another
        version, or no version of the workflow to check it against; the message
        names the paths and versions.
    """
    src = Path(src)
    if (src / "initstudy" / "__init__.py").is_file():
        return src
    spec = importlib.util.find_spec("initstudy")
    if spec is None or spec.origin is None:
        raise LibraryError(
            f"this workflow has no library beside it ({src}) and no initstudy is installed: "
            "pip install the initstudy of the workflow's version "
            "(pip install 'initstudy @ git+<repository>@<commit>')"
        )
    installed = Path(spec.origin).parent
    if pyproject is None or not Path(pyproject).is_file():
        raise LibraryError(
            f"cannot check the installed initstudy ({installed}) against this workflow: "
            f"the workflow has neither its library ({src}) nor its pyproject.toml"
        )
    # Imported here: every job imports this module, but only the Snakefile chooses (importing
    # importlib.metadata costs each job about 18 ms of CPU).
    import tomllib
    from importlib import metadata

    pyproject = Path(pyproject).resolve()
    wanted = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    found = metadata.version("initstudy")
    if found != wanted:
        raise LibraryError(
            f"the installed initstudy is version {found} ({installed}), this workflow is "
            f"version {wanted} ({pyproject}): install the workflow's version "
            "(pip install 'initstudy @ git+<repository>@<commit>')"
        )
    return installed.parent


def use_library(folder: str | Path):
    """Import ``initstudy`` from ``folder`` and check that it came from there.

    Parameters
    ----------
    folder : str or Path
        The folder that holds the ``initstudy`` package (:func:`choose_library`).

    Returns
    -------
    module
        The ``initstudy`` package.

    Raises
    ------
    LibraryError
        Where ``initstudy`` was already imported from elsewhere in this process,
        or ``folder`` does not hold it; the message names both paths.
    """
    folder = Path(folder).resolve()
    # First on the path, even where it is already further down: Snakemake's script preamble
    # appends the main process's path, the interpreter's site-packages before it.
    while str(folder) in sys.path:
        sys.path.remove(str(folder))
    sys.path.insert(0, str(folder))
    package = importlib.import_module("initstudy")
    found = Path(package.__file__).resolve().parent
    if found != folder / "initstudy":
        raise LibraryError(
            f"this run must import initstudy from {folder / 'initstudy'}, but this process "
            f"imports it from {found} (imported before the workflow chose its library, or "
            "that folder does not hold it); run the workflow in a fresh interpreter"
        )
    os.environ[LIBRARY_VARIABLE] = str(folder)
    return package
