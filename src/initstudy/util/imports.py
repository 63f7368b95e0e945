"""Which source files a script runs: the closure of its imports within the project.

The workflow declares these files as a rule's inputs, so that editing any
module a job's script imports, directly or through another module, reruns
exactly the jobs that run it. Reading the imports from the source (``ast``)
keeps that list from drifting away from the code. A package's data files (the
files beside its ``__init__.py`` that are not Python, such as the report's
templates in ``initstudy/report/templates/``) count as part of the package.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path


def imported_modules(path: str | Path) -> set[str]:
    """Dotted names of every module a Python file imports, at any depth of its code.

    ``from package import name`` yields ``package`` and ``package.name`` (the
    name may be a submodule); imports inside ``try`` blocks and functions count.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    set of str
    """
    stat = Path(path).stat()
    return set(_imported_modules(str(path), stat.st_mtime_ns, stat.st_size))


# Snakemake reads the Snakefile once per run, and its ~30 scripts share most of their modules:
# each file is parsed once per process (per version of the file: the key holds its stamp).
@lru_cache(maxsize=4096)
def _imported_modules(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    names: set[str] = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(names)


def _statements(body: list[ast.stmt]):
    """Every statement in ``body``, at any depth (the bodies of functions, classes, ``if``,
    ``try``, ``with``, loops and ``match`` cases): an import is a statement, so the expressions,
    nine tenths of a module's nodes, need not be visited (``ast.walk`` visits them all)."""
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            yield from _statements(getattr(node, field, None) or [])


def import_closure(script: str | Path, roots: list[str | Path]) -> list[Path]:
    """Project files that ``script`` imports, directly or through each other.

    A module counts when it is a file under one of ``roots`` (``a.b`` is
    ``root/a/b.py`` or ``root/a/b/__init__.py``); everything else (the
    standard library, NumPy) is ignored. An imported package brings its
    :func:`package_data` along. For several scripts, :class:`ImportGraph` shares the
    lookups between them.

    Parameters
    ----------
    script : str or Path
        The file whose imports to follow (not itself part of the result).
    roots : list of str or Path
        Folders that are on ``sys.path`` when the script runs.

    Returns
    -------
    list of Path
        Sorted, without duplicates.
    """
    return ImportGraph(roots).closure(script)


class ImportGraph:
    """The project files that files under ``roots`` import, each file read and each module
    looked up once for all the closures asked of it.

    The files are taken as they are at the first question about each: one graph serves one
    reading of the sources (the Snakefile's, when it declares every rule's inputs).

    Parameters
    ----------
    roots : list of str or Path
        Folders that are on ``sys.path`` when the scripts run.
    """

    def __init__(self, roots: list[str | Path]):
        self.roots = list(roots)
        # Each name is looked up once, and only where its top-level package is a project's
        # (numpy.linalg is not looked for under the roots).
        self._sources: dict[str, Path | None] = {}
        self._imports: dict[Path, tuple[Path, ...]] = {}

    def closure(self, script: str | Path) -> list[Path]:
        """Project files that ``script`` imports, directly or through each other (see
        :func:`import_closure`).

        Parameters
        ----------
        script : str or Path

        Returns
        -------
        list of Path
            Sorted, without duplicates.
        """
        found: set[Path] = set()
        pending = [Path(script)]
        while pending:
            for source in self._project_imports(pending.pop()):
                if source not in found:
                    found.add(source)
                    if source.suffix == ".py":
                        pending.append(source)
        return sorted(found)

    def _project_imports(self, path: Path) -> tuple[Path, ...]:
        """The project files ``path`` imports itself, with the data of each package."""
        if path not in self._imports:
            names = imported_modules(path)
            # Importing a.b runs a/__init__.py first: every parent package counts too.
            names |= {parent for name in names for parent in _parents(name)}
            files: list[Path] = []
            for name in sorted(names):
                source = self._source(name)
                if source is not None:
                    files.append(source)
                    if source.name == "__init__.py":
                        files.extend(package_data(source.parent))
            self._imports[path] = tuple(files)
        return self._imports[path]

    def _source(self, name: str) -> Path | None:
        if name not in self._sources:
            top = name.split(".", 1)[0]
            project = top == name or self._source(top) is not None
            self._sources[name] = _source(name, self.roots) if project else None
        return self._sources[name]


def _parents(name: str) -> list[str]:
    """The packages above a dotted module name: ``a.b.c`` -> ``a``, ``a.b``."""
    parts = name.split(".")
    return [".".join(parts[:depth]) for depth in range(1, len(parts))]


def package_data(package: str | Path) -> list[Path]:
    """The files directly inside a package folder that are not Python (templates, tables).

    Hidden files (``.name``) and compiled modules are left out.

    Parameters
    ----------
    package : str or Path
        The folder of the package (the one holding its ``__init__.py``).

    Returns
    -------
    list of Path
        Sorted.
    """
    return sorted(
        path
        for path in Path(package).iterdir()
        if path.is_file() and path.suffix not in (".py", ".pyc") and not path.name.startswith(".")
    )


def _source(name: str, roots: list[str | Path]) -> Path | None:
    parts = name.split(".")
    for root in roots:
        base = Path(root).joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None
