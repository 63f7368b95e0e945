"""The library without Snakemake: ``python -m initstudy``, config loading, and the package
as ``pip install .`` builds it (dependencies and data files)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import REPO
from snakemake.utils import validate

from initstudy.cell import train_cell
from initstudy.cli import grid_size, load_config, schema_path, train_one_cell
from initstudy.data import make_dataset
from initstudy.init import REGISTRY
from initstudy.train import TrainSettings


def run_cli(*args: str, cwd: Path = REPO, python: str = sys.executable, check: bool = True):
    """Run ``python -m initstudy ARGS`` with the checkout's ``src`` importable."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [python, "-m", "initstudy", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture
def clean_registry():
    """The registry as before the test (load_config registers declared initializers)."""
    before = dict(REGISTRY)
    yield
    for name in set(REGISTRY) - set(before):
        del REGISTRY[name]


def test_the_shipped_schema_is_the_workflow_schema():
    assert schema_path().read_bytes() == (REPO / "workflow/schemas/config.schema.yaml").read_bytes()


@pytest.mark.parametrize(
    "path", ["config/config.yaml", "tests/configs/tiny.yaml", ".test/config/config.yaml"]
)
def test_load_config_fills_the_defaults_snakemake_fills(clean_registry, path):
    raw = yaml.safe_load((REPO / path).read_text())
    expected = yaml.safe_load((REPO / path).read_text())
    # The workflow's order: declared initializers first (load_config), then Snakemake's pass.
    ours = load_config(raw)
    validate(expected, str(REPO / "workflow/schemas/config.schema.yaml"))
    assert ours == expected
    assert raw == yaml.safe_load((REPO / path).read_text()), "the given config is not changed"


def test_grid_size_of_the_tiny_config():
    config = load_config(REPO / "tests/configs/tiny.yaml")
    size = grid_size(config)
    cells = sum(len(scales) for scales in config["grid"]["initializations"].values())
    seeds = len(config["grid"]["seeds"])
    assert size["cells"] == cells and size["seeds"] == seeds == 4
    assert size["updates"] == cells * seeds * config["model"]["iterations"]


def test_train_prints_the_table_the_library_computes():
    proc = run_cli(
        "train", "--init", "he", "--scale", "1", "--seeds", "0", "1", "2",
        "--iterations", "300", "--log-every", "100",
    )  # fmt: skip
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("he ×1, layers [2, 10, 5, 1], 300 iterations at learning rate 0.01")
    header = lines[1].split()
    assert header[:3] == ["seed", "initial_cost", "final_cost"] and header[-1] == "status"
    printed = [line.split() for line in lines[2:5]]
    # The same cell trained through the library (defaults of the schema: the notebook's data).
    dataset = make_dataset(300, 100, 0.05, 1, 2, n_validation=100, validation_seed=3)
    result = train_cell(dataset, "he", 1.0, [0, 1, 2], TrainSettings((2, 10, 5, 1), 0.01, 300, 100))
    assert [int(row[0]) for row in printed] == [0, 1, 2]
    np.testing.assert_allclose(
        [float(row[2]) for row in printed], result.runs["final_cost"], rtol=1e-5
    )
    assert "summary (one column per budget" in proc.stdout
    assert "success_rate" in proc.stdout and "n_ok" in proc.stdout


def test_train_uses_an_initializer_the_config_declares(tmp_path, clean_registry):
    config = tmp_path / "mine.yaml"
    config.write_text(
        "initializers:\n"
        "  he_uniform: {kind: variance_scaling, scale: 2.0, mode: fan_in, distribution: uniform}\n"
        "model: {layers: [2, 6, 1], iterations: 100, log_every: 50}\n"
        "grid: {seeds: [0], initializations: {he: [1]}}\n"
    )
    proc = run_cli("train", "--config", str(config), "--init", "he_uniform", "--seeds", "0", "4")
    assert proc.stdout.startswith("he_uniform ×1, layers [2, 6, 1], 100 iterations")
    tables = train_one_cell(load_config(config) | {"grid": {"seeds": [0, 4]}}, "he_uniform", 1.0)
    assert len(tables["runs"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--init", "xavier"], "error: config key 'grid.initializations"),
        (["--init", "he", "--iterations", "10"], "error: config key 'model.log_every': got 1000"),
        (["--init", "he", "--scale", "-1"], r"error: config key 'grid.initializations.he[0]'"),
    ],
)
def test_train_refuses_what_the_workflow_refuses(args, message):
    proc = run_cli("train", *args, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr


def test_size_prints_the_grid_and_an_estimate():
    proc = run_cli("size", "tests/configs/tiny.yaml", "--cores", "2")
    config = load_config(REPO / "tests/configs/tiny.yaml")
    size = grid_size(config)
    assert proc.stdout.startswith(
        f"tests/configs/tiny.yaml: {size['cells']} cells × 4 seeds = {size['networks']} networks"
    )
    assert "µs per network update" in proc.stdout and "on 2 cores" in proc.stdout


def test_help_lists_the_commands():
    proc = run_cli("--help")
    assert "train" in proc.stdout and "size" in proc.stdout
    assert "--seeds" in run_cli("train", "--help").stdout


def test_one_cell_is_trained_and_summarized_as_the_library_does(clean_registry):
    config = load_config(REPO / "tests/configs/tiny.yaml")
    tables = train_one_cell(config, "he", 1.0)
    dataset = make_dataset(100, 60, 0.05, 1, 2, n_validation=100, validation_seed=3)
    model = config["model"]
    result = train_cell(
        dataset, "he", 1.0, [0, 1, 2, 3],
        TrainSettings(tuple(model["layers"]), model["learning_rate"], model["iterations"], 250),
    )  # fmt: skip
    np.testing.assert_array_equal(tables["runs"]["final_cost"], result.runs["final_cost"])
    (summary,) = tables["summary"].to_dict("records")  # one budget: 1500 < notebook_iterations
    assert summary["budget"] == 1500 and summary["n_seeds"] == 4
    statuses = tables["runs"]["status"].value_counts()
    assert all(summary[f"n_{status}"] == count for status, count in statuses.items())
    successes = (tables["runs"]["test_accuracy"] >= config["analysis"]["success_threshold"]).sum()
    assert summary["n_success"] == successes


def _third_party_imports() -> set[str]:
    names = set()
    for path in (REPO / "src/initstudy").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names} - {"initstudy"}


#: Import name -> distribution name, where they differ.
DISTRIBUTION = {"sklearn": "scikit-learn", "yaml": "pyyaml"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The package as ``pip install .`` builds it (offline: setuptools from requirements-dev)."""
    source = tmp_path_factory.mktemp("source")
    for part in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / part, source / part)
    shutil.copytree(
        REPO / "src",
        source / "src",
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    shutil.copytree(REPO / "workflow/schemas", source / "workflow/schemas")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(out), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob("initstudy-*.whl")
    return built


def test_the_package_declares_every_library_import_and_ships_its_data(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(n).decode() for n in names if n.endswith("METADATA"))
    requires = {
        line.split(":", 1)[1].split(";")[0].strip().split(">")[0].split("=")[0].strip().lower()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    optional = {"numba"}  # the compiled kernel: extra "fast"; the NumPy path runs without it
    for module in _third_party_imports() - optional:
        assert DISTRIBUTION.get(module, module) in requires, f"pyproject lacks {module}"
    assert "initstudy/resources/config.schema.yaml" in names
    templates = {p.name for p in (REPO / "src/initstudy/templates").glob("*.j2")}
    assert {f"initstudy/templates/{name}" for name in templates} <= names
    assert "License-Expression: MIT" in metadata


def test_the_installed_package_runs_outside_the_checkout(wheel, tmp_path):
    # The study's dependencies come from this interpreter's environment; the package itself
    # (code, schema, templates) only from the wheel.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # A .pth line is searched after the venv's own packages: initstudy comes from the wheel.
    Path(purelib, "study-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [python, "-m", "initstudy", "train", "--init", "orthogonal", "--seeds", "0",
         "--iterations", "50", "--log-every", "50"],
        cwd=elsewhere, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("orthogonal ×1")
    where = subprocess.run(
        [python, "-c", "import initstudy.cli as c; print(c.__file__, c.schema_path().is_file())"],
        cwd=elsewhere, capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    assert str(venv) in where and where.strip().endswith("True")
