"""The library's layer contract (``[tool.importlinter]`` in pyproject.toml) holds, and fails
on an upward import."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = ("util", "model", "grid", "theory", "analysis", "tables", "plots", "report")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root / "src"))
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--config", root / "pyproject.toml"],
        cwd=root, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def test_every_module_of_the_library_is_in_a_layer():
    package = REPO / "src/initstudy"
    loose = {path.name for path in package.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "cli.py", "standalone.py"}
    assert {path.name for path in package.iterdir() if (path / "__init__.py").exists()} >= set(
        LAYERS
    )
    # Empty of code: the import closure counts parent packages, so a re-export would make
    # every job depend on every module it re-exports.
    for layer in LAYERS:
        body = ast.parse((package / layer / "__init__.py").read_text()).body
        assert len(body) <= 1 and all(isinstance(node, ast.Expr) for node in body), layer


def test_the_layers_are_kept():
    proc = lint_imports(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 kept, 0 broken" in proc.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("util/labels.py", "from initstudy.report import report"),
        ("model/net.py", "from initstudy.analysis import stats"),
        ("report/publish.py", "from initstudy.plots import plots"),  # siblings stay apart
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    shutil.copytree(REPO / "src", tmp_path / "src", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy2(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / "src/initstudy" / module
    path.write_text(f"{upward}  # noqa\n{path.read_text()}")
    proc = lint_imports(tmp_path)
    assert proc.returncode != 0
    assert "0 kept, 1 broken" in proc.stdout
