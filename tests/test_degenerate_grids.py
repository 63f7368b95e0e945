"""Every valid grid gives a report: the real snakemake on degenerate grids, to the end.

Three grids the schema accepts, each run once by the plain command (rule ``all``: tables,
figures, the markdown report and the HTML report's pages) in one copy of the workflow, each
into its own results folder:

- ``one_initializer``: the grid of the issue, ``he: [1]`` with four seeds and the depth study
  on; there is nothing to compare, and the report says so instead of calling the empty
  comparison table damaged. Its experiment of deep networks is degenerate too: he ×1 alone
  (nothing to compare) and no rerun axis (no robustness section);
- ``zeros_alone``: zeros as its own reference, one seed, one scale and a learning-rate axis
  of one value; every run is symmetric and no initializer can learn;
- ``all_diverged``: random ×1e103 and he ×1e104, which overflow in the first forward pass
  for every seed (tests/configs/overflow.yaml): two initializers compared with no finite
  accuracy on either side.

The other two run without the depth study. A grid whose reference cell is absent is refused
before anything runs, naming the key.

The grids are tiny (60 training points, 200 iterations) and train with the NumPy backend;
numba's two compile jobs (about a minute of CPU) make their warm-up calls as plain Python
(``NUMBA_DISABLE_JIT``): nothing here depends on the compiled kernel. The file takes about
230 s of CPU (measured; most of it the figures, nine jobs per grid), two to three minutes on
two idle cores.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

SMALL = {
    "dataset": {"n_train": 60, "n_validation": 40, "n_test": 40, "noise": 0.05},
    "model": {"layers": [2, 8, 4, 1], "learning_rate": 0.1, "iterations": 200,
              "log_every": 50, "backend": "numpy"},
    "depth_study": {"enabled": False},
}  # fmt: skip
GRIDS = {
    "one_initializer": {
        "grid": {"seeds": [0, 1, 2, 3], "initializations": {"he": [1]}},
        "analysis": {"bootstrap_resamples": 100},
        "depth_study": {
            "enabled": True, "initializations": ["he"], "depths": [2, 4], "width": 6,
            "signal_seeds": 4, "spread": {"widths": [6], "depths": [2, 4], "seeds": 10},
        },
        "experiments": {"deep": {
            "title": "Deep networks", "model": {"iterations": 100, "log_every": 50},
            "grid": {"seeds": [0, 1, 2], "initializations": {"he": [1]},
                     "axes": {"depth": [2], "width": [6]}},
        }},
    },
    "zeros_alone": {
        "grid": {"seeds": [0], "initializations": {"zeros": [1]},
                 "axes": {"learning_rate": [0.1]}},
        "analysis": {"bootstrap_resamples": 100, "reference": {"init": "zeros", "scale": 1}},
    },
    "all_diverged": {
        "grid": {"seeds": [0, 1, 2],
                 "initializations": {"random": [1.0e103], "he": [1.0e104]}},
        "analysis": {"bootstrap_resamples": 100,
                     "reference": {"init": "random", "scale": 1.0e103}},
    },
}  # fmt: skip


def write_config(workdir: Path, name: str, grid: dict) -> Path:
    """The grid's config file in ``workdir``, its results in ``results/<name>``."""
    path = workdir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(SMALL | grid | {"results": f"results/{name}"}))
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A copy of the workflow on which every grid of :data:`GRIDS` has run to the end."""
    workdir = copy_workflow(tmp_path_factory.mktemp("degenerate"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NUMBA_DISABLE_JIT", "1")
        for name, grid in GRIDS.items():
            config = write_config(workdir, name, grid)
            snakemake(workdir, "--cores", "2", "--configfile", config.name)
    return workdir


def report_of(workdir: Path, name: str) -> str:
    return (workdir / "results" / name / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(GRIDS))
def test_every_grid_gets_the_whole_report(finished, name):
    results = finished / "results" / name
    text = report_of(finished, name)
    for section in ("## Setup", "## Results", "## Findings", "## Figures", "## Reproducibility"):
        assert section in text, section
    assert "nan" not in text.lower().replace("nan-", "")
    figures = sorted((results / "figures").glob("*.png"))
    assert figures
    for figure in figures:
        assert f"](figures/{figure.name})" in text
    assert (results / "html/findings.html").is_file()
    assert (results / "html/metrics/comparisons.html").is_file()


def test_the_issue_grid_says_there_is_nothing_to_compare(finished):
    text = report_of(finished, "one_initializer")
    assert "One initializer (`he`): nothing to compare." in text
    assert "Ranking of the chosen cells" not in text
    metrics = finished / "results/one_initializer/metrics"
    for table in ("comparisons", "speedups"):
        frame = pd.read_csv(metrics / f"{table}.csv")
        assert frame.empty and len(frame.columns) > 2, table
    assert "Every initializer has one scale" in text
    assert "## Depth study" in text
    # The experiment is degenerate the same way: one initializer, no rerun axis.
    section = text[text.index("## Deep networks") : text.index("## Depth study")]
    assert "One initializer (`he`): nothing to compare." in section
    assert "Robustness" not in section


def test_zeros_alone_with_one_seed_says_what_it_cannot_say(finished):
    text = report_of(finished, "zeros_alone")
    assert "One initializer (`zeros`): nothing to compare." in text
    assert "(one finite value)" in text  # one seed: no interval of a mean
    assert "1 symmetric" in text
    assert "by learning rate" not in text  # zeros cannot learn at any rate


def test_a_grid_where_every_run_diverged_still_compares_and_says_so(finished):
    text = report_of(finished, "all_diverged")
    runs = pd.read_csv(finished / "results/all_diverged/metrics/runs.csv")
    assert (runs["status"] == "diverged").all()
    assert "Every network diverged" in text
    assert "no paired test accuracy (no seed has a finite test accuracy in both)" in text
    assert "nothing to compare" not in text
    assert "No speed ratio with random: he and random: fewer than half learn." in text


def test_a_grid_without_its_reference_cell_is_refused_before_anything_runs(tmp_path):
    workdir = copy_workflow(tmp_path / "refused")
    grid = {"grid": {"seeds": [0], "initializations": {"zeros": [1]}}}
    config = write_config(workdir, "refused", grid)
    proc = snakemake(workdir, "-n", "--configfile", config.name, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "invalid config (nothing was run)" in output
    assert "config key 'analysis.reference'" in output
    assert "allowed: one of the grid's cells (zeros 1)" in output
    assert not (workdir / "results").exists()
