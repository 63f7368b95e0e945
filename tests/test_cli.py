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

from initstudy.cli import UsageError, parser, train_config
from initstudy.grid.config_file import load_config, schema_path
from initstudy.model.cell import train_cell
from initstudy.model.data import make_dataset
from initstudy.model.init import REGISTRY
from initstudy.model.train import TrainSettings
from initstudy.standalone import grid_size, train_one_cell


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


@pytest.mark.slow  # a python -m initstudy process: about 3 s
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


@pytest.mark.slow  # a python -m initstudy process: about 3 s
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


#: Config files with one problem each, for the error tests (name -> text or bytes).
BAD_FILES = {
    "unclosed.yaml": "model: {layers: [2, 4, 1}\n",
    "list.yaml": "- 1\n- 2\n",
    "empty.yaml": "",
    "latin1.yaml": b"model: {layers: [2, 4, 1]}\n# caf\xe9\n",
    "tagged.yaml": "model: !!python/tuple [1, 2]\n",
    "aliased.yaml": "a: &x [2, 4, 1]\nmodel: {layers: *x}\n",
    "wide_input.yaml": "model: {layers: [3, 4, 1]}\n",
    "log_after_end.yaml": "model: {iterations: 100, log_every: 200}\n",
    "bad_initializer.yaml": (
        "initializers: {mine: {kind: variance_scaling, scale: -2, mode: fan_in, "
        "distribution: normal}}\n"
    ),
    "no_reference.yaml": "grid: {seeds: [0], initializations: {lecun: [1]}}\n",
}


@pytest.fixture
def bad_files(tmp_path) -> Path:
    """A folder of :data:`BAD_FILES` (and a sub-folder ``folder.yaml``)."""
    for name, text in BAD_FILES.items():
        path = tmp_path / name
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    (tmp_path / "folder.yaml").mkdir()
    return tmp_path


QUICK = ("--iterations", "20", "--log-every", "10", "--seeds", "0")

#: (arguments, the argument the error names, words of its message); ``{tmp}`` is the
#: folder of :data:`BAD_FILES`. Every case must stop before training.
BAD_ARGUMENTS = [
    # size: the config file
    (["size", "missing.yaml"], "config",
     "config file 'missing.yaml': cannot be read (No such file or directory)"),
    (["size", "{tmp}/folder.yaml"], "config", "cannot be read (Is a directory)"),
    (["size", "{tmp}/unclosed.yaml"], "config",
     "unclosed.yaml': got expected ',' or ']', but got '}' (line 1, column 25)"),
    (["size", "{tmp}/list.yaml"], "config",
     "got list [1, 2] at the top level; allowed: a mapping of config keys"),
    (["size", "{tmp}/latin1.yaml"], "config", "latin1.yaml': got a byte that is not UTF-8"),
    (["size", "{tmp}/tagged.yaml"], "config", "tag 'tag:yaml.org,2002:python/tuple'"),
    (["size", "{tmp}/aliased.yaml"], "config", "got the anchor &x; allowed: plain YAML"),
    (["size", "{tmp}/empty.yaml"], "config", "empty.yaml': config key 'grid': missing"),
    (["size", "{tmp}/no_reference.yaml"], "config",
     "no_reference.yaml': config key 'analysis.reference': got init 'he'"),
    (["size", "tests/configs/tiny.yaml", "--cores", "0"], "--cores",
     "got '0'; allowed: an integer >= 1"),
    (["size", "tests/configs/tiny.yaml", "--cores", "two"], "--cores", "got 'two'"),
    (["size"], None, "the following arguments are required: config"),
    # train: its own arguments
    (["train", "--init", "xavier", *QUICK], "--init",
     "got 'xavier'; allowed: one of zeros, random, he, lecun, glorot, orthogonal"),
    (["train", "--init", "he", "--iterations", "0"], "--iterations",
     "got '0'; allowed: an integer >= 1"),
    (["train", "--init", "he", "--iterations", "-5"], "--iterations", "got '-5'"),
    (["train", "--init", "he", "--iterations", "1e3"], "--iterations", "got '1e3'"),
    (["train", "--init", "he", "--log-every", "-1"], "--log-every",
     "got '-1'; allowed: an integer >= 1"),
    (["train", "--init", "he", "--iterations", "100", "--log-every", "1000"], "--log-every",
     "config key 'model.log_every': got 1000; allowed: an integer from 1 to model.iterations "
     "(100)"),
    (["train", "--init", "he", "--learning-rate", "nan", *QUICK], "--learning-rate",
     "got 'nan'; allowed: a finite number > 0"),
    (["train", "--init", "he", "--learning-rate", "-0.1", *QUICK], "--learning-rate", "got '-0.1'"),
    (["train", "--init", "he", "--scale", "-1", *QUICK], "--scale",
     "got '-1'; allowed: a finite number > 0"),
    (["train", "--init", "he", "--scale", "inf", *QUICK], "--scale", "got 'inf'"),
    (["train", "--init", "zeros", "--scale", "2", *QUICK], "--scale",
     "config key 'grid.initializations.zeros': got [2.0]; allowed: exactly [1]"),
    (["train", "--init", "he", "--seeds", "-1"], "--seeds",
     "got '-1'; allowed: an integer from 0 to 4294967295"),
    (["train", "--init", "he", "--iterations", "20", "--seeds", "3", "3"], "--seeds",
     "config key 'grid.seeds': got [3, 3] (repeated: 3)"),
    (["train", "--init", "he", "--layers", "3", "5", "1", *QUICK], "--layers",
     "config key 'model.layers[0]': got 3; allowed: 2, the input width of dataset.kind circles"),
    (["train", "--init", "he", "--layers", "2", "0", "1", *QUICK], "--layers", "got '0'"),
    (["train", *QUICK], None, "the following arguments are required: --init"),
    # train: the config file
    (["train", "--init", "he", "--config", "missing.yaml"], "--config",
     "config file 'missing.yaml': cannot be read (No such file or directory)"),
    (["train", "--init", "he", "--config", "{tmp}/unclosed.yaml"], "--config",
     "unclosed.yaml': got expected ',' or ']'"),
    (["train", "--init", "he", "--config", "{tmp}/list.yaml"], "--config", "got list [1, 2]"),
    (["train", "--init", "he", "--config", "{tmp}/wide_input.yaml", *QUICK], "--config",
     "wide_input.yaml': config key 'model.layers[0]': got 3"),
    (["train", "--init", "he", "--config", "{tmp}/log_after_end.yaml"], "--config",
     "log_after_end.yaml': config key 'model.log_every': got 200"),
    (["train", "--init", "he", "--config", "{tmp}/bad_initializer.yaml", *QUICK], "--config",
     "bad_initializer.yaml': config key 'initializers.mine.scale': got -2"),
    (["bogus"], "command", "invalid choice: 'bogus' (choose from 'train', 'size')"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "argument", "words"), BAD_ARGUMENTS)
def test_a_bad_argument_is_one_line_naming_it(bad_files, args, argument, words):
    proc = run_cli(*(arg.format(tmp=bad_files) for arg in args), check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    (line,) = proc.stderr.splitlines()  # one line, nothing else
    command = "" if args[0] not in ("train", "size") else f" {args[0]}"
    head = f"python -m initstudy{command}: error: "
    assert line.startswith(head + (f"argument {argument}: " if argument else "")), line
    assert words in line, line


def _train_args(*args: str):
    return parser().parse_args(["train", "--init", "he", *args])


@pytest.mark.parametrize(
    ("file", "args", "log_every"),
    [
        (None, ["--iterations", "100"], 100),  # the schema's 1000, lowered to the budget
        (None, ["--iterations", "3000"], 1000),
        (None, ["--iterations", "100", "--log-every", "30"], 30),
        ("model: {iterations: 100}\n", [], 100),  # the file sets no log_every
        ("model: {iterations: 5000, log_every: 250}\n", ["--iterations", "100"], 100),
        ("model: {iterations: 5000, log_every: 250}\n", ["--iterations", "1000"], 250),
        ("model: {iterations: 5000, log_every: 250}\n", [], 250),
    ],
)
def test_log_every_defaults_to_what_fits_the_iterations(tmp_path, file, args, log_every):
    if file is not None:
        (tmp_path / "c.yaml").write_text(file)
        args = ["--config", str(tmp_path / "c.yaml"), *args]
    assert train_config(_train_args(*args))["model"]["log_every"] == log_every


def test_a_config_that_sets_both_must_be_consistent(tmp_path):
    (tmp_path / "c.yaml").write_text("model: {iterations: 100, log_every: 200}\n")
    with pytest.raises(UsageError, match=r"^argument --config: config file '.*c\.yaml': "):
        train_config(_train_args("--config", str(tmp_path / "c.yaml")))


@pytest.mark.slow  # a python -m initstudy process: about 3 s
def test_train_with_iterations_alone_runs():
    proc = run_cli("train", "--init", "he", "--iterations", "100", "--seeds", "0")
    assert proc.stdout.startswith("he ×1, layers [2, 10, 5, 1], 100 iterations")
    assert proc.stderr == ""


@pytest.mark.slow  # a python -m initstudy process: about 3 s
def test_a_reader_that_goes_away_ends_the_command_quietly():
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "initstudy", "train", "--init", "he", "--iterations", "20",
         "--log-every", "10", "--seeds", "0"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    proc.stdout.close()  # before it writes anything: its first print meets a closed pipe
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert stderr == ""


@pytest.mark.slow  # a python -m initstudy process: about 3 s
def test_size_prints_the_grid_and_an_estimate():
    proc = run_cli("size", "tests/configs/tiny.yaml", "--cores", "2")
    config = load_config(REPO / "tests/configs/tiny.yaml")
    size = grid_size(config)
    assert proc.stdout.startswith(
        f"tests/configs/tiny.yaml: {size['cells']} cells × 4 seeds = {size['networks']} networks"
    )
    assert "µs per network update" in proc.stdout and "on 2 cores" in proc.stdout


def test_help_lists_the_commands_and_the_defaults():
    proc = run_cli("--help")
    assert "train" in proc.stdout and "size" in proc.stdout
    assert "exit status 2" in proc.stdout
    train = " ".join(run_cli("train", "--help").stdout.split())
    assert "--seeds" in train
    assert "(default: the config's, or 1000, lowered to the iterations where those are fewer)" in (
        train
    )


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
    for path in (REPO / "src/initstudy").rglob("*.py"):
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
    optional = {"numba", "llvmlite"}  # the compiled kernel: extra "fast"; NumPy runs without it
    for module in _third_party_imports() - optional:
        assert DISTRIBUTION.get(module, module) in requires, f"pyproject lacks {module}"
    assert "initstudy/resources/config.schema.yaml" in names
    templates = {p.name for p in (REPO / "src/initstudy/report/templates").glob("*.j2")}
    assert {f"initstudy/report/templates/{name}" for name in templates} <= names
    assert "License-Expression: MIT" in metadata


def _carry_compiled_kernels(installed: Path) -> int:
    """Copy the numba kernels the suite compiled in ``src/`` (tests/conftest.py) into the
    installed package's ``__pycache__`` folders, and give each installed module its checkout
    twin's mtime, by which numba's cache recognises its source (the contents are equal).
    Returns how many cache files were copied.

    Compiling them again for the installed copy would take a minute of CPU and test nothing
    of the package: the code that runs still comes from the wheel, and a kernel whose source
    differed would miss the cache and compile.
    """
    copied = 0
    for index in (REPO / "src/initstudy").rglob("__pycache__/*.nbi"):
        package = index.parent.parent.relative_to(REPO / "src/initstudy")
        module = index.name.split(".", 1)[0] + ".py"
        source, target = REPO / "src/initstudy" / package / module, installed / package / module
        if target.read_bytes() != source.read_bytes():
            continue
        stamp = source.stat()
        os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        (target.parent / "__pycache__").mkdir(exist_ok=True)
        for cached in index.parent.glob(index.name.split(".py", 1)[0] + ".*.nb[ic]"):
            shutil.copy2(cached, target.parent / "__pycache__" / cached.name)
            copied += 1
    return copied


@pytest.mark.slow  # pip installs the wheel into a new environment
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
    assert _carry_compiled_kernels(Path(purelib) / "initstudy") > 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NUMBA_CACHE_DIR")}
    proc = subprocess.run(
        [python, "-m", "initstudy", "train", "--init", "orthogonal", "--seeds", "0",
         "--iterations", "50", "--log-every", "50"],
        cwd=elsewhere, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("orthogonal ×1")
    where = subprocess.run(
        [python, "-c", "import initstudy.grid.config_file as c; print(c.__file__, c.schema_path().is_file())"],  # noqa: E501
        cwd=elsewhere, capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    assert str(venv) in where and where.strip().endswith("True")
