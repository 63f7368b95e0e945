"""Hostile or mistyped config input, with the real snakemake: refused in seconds, before any job.

YAML alias bombs and deep nesting, oversized files, integers written as 100.0, a
reference cell outside the grid, a grid too large for the machine; and nested
``--config`` overrides and two ``--configfile`` files, which must work as typed.
"""

import time

import pytest
import yaml
from conftest import REPO, TINY, copy_workflow, snakemake

from initstudy.grid.config import ConfigError
from initstudy.grid.config_input import MAX_LINE, check_config_size, shorten

pytestmark = pytest.mark.workflow

TINY_TEXT = (REPO / "tests/configs/tiny.yaml").read_text(encoding="utf-8")
DATA = "results/data/circles.npz"


def _laughs(levels: int = 9) -> str:
    """A billion-laughs mapping: 10**levels leaves from a few hundred bytes."""
    lines = ["  lol0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha, ha]"]
    for level in range(1, levels + 1):
        lines.append(f"  lol{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    return "\n".join(lines)


CASES = [
    (
        "alias-bomb-under-unknown-key",
        TINY_TEXT + "unknown:\n" + _laughs() + "\n",
        ["got the anchor &l0", "line 15", "without anchors or aliases"],
    ),
    (
        "alias-inside-seeds",
        TINY_TEXT.replace("seeds: [0, 1, 2, 3]", "seeds: &s [0, 1, 2, 3]").replace(
            "he: [0.5, 1]", "he: *s"
        ),
        ["got the anchor &s"],
    ),
    (
        "nested-too-deep",
        TINY_TEXT + "deep: " + "[" * 30 + "]" * 30 + "\n",
        ["values nested more than 20 deep"],
    ),
    (
        "file-too-large",
        TINY_TEXT + "# " + "x" * 1_100_000 + "\n",
        ["bytes; allowed: at most 1000000"],
    ),
    (
        "integer-written-as-float",
        TINY_TEXT.replace("n_train: 100,", "n_train: 100.0,"),
        ["'dataset.n_train': got 100.0 (a number with a decimal point: write 100)", "an integer"],
    ),
    (
        "reference-not-in-grid",
        TINY_TEXT.replace("reference: {init: he, scale: 1}", "reference: {init: he, scale: 3}"),
        ["'analysis.reference': got init 'he', scale 3, which is not in the grid", "he 0.5, he 1"],
    ),
    (
        "reference-initializer-not-in-grid",
        TINY_TEXT.replace("reference: {init: he, scale: 1}", "reference: {init: lecun, scale: 1}"),
        ["'analysis.reference': got init 'lecun'", "not in the grid"],
    ),
]


@pytest.fixture(scope="module")
def with_data(tmp_path_factory):
    """A copy of the workflow whose dataset was made by the tiny config (the good output)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("config_input"))
    snakemake(workdir, DATA, "--cores", "1", *TINY)
    return workdir


@pytest.mark.parametrize(("text", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_or_mistyped_config_is_refused_fast_before_any_job(with_data, text, needles):
    data = (with_data / DATA).read_bytes()
    (with_data / "bad.yaml").write_text(text, encoding="utf-8")
    started = time.monotonic()
    proc = snakemake(with_data, "--cores", "1", "--configfile", "bad.yaml", check=False)
    elapsed = time.monotonic() - started
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "invalid config (nothing was run)" in output, output[-2000:]
    for needle in needles:
        assert needle in output, (needle, output[-2000:])
    assert elapsed < 30, f"validation took {elapsed:.0f} s"
    # No job ran: the dataset made by the good config is still there, byte for byte.
    assert (with_data / DATA).read_bytes() == data
    assert "rule make_dataset" not in output and "rule train_cell" not in output


def test_grid_beyond_the_machine_is_refused_with_the_figure_and_a_split(with_data, monkeypatch):
    config = yaml.safe_load(TINY_TEXT)
    config["grid"]["seeds"] = list(range(50_000))
    config["model"]["layers"] = [2, 64, 64, 1]
    (with_data / "huge.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    monkeypatch.setenv("INITSTUDY_JOB_MB", "16000")
    proc = snakemake(with_data, "-n", "--configfile", "huge.yaml", check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "study too large (nothing was run)" in output
    assert "this config trains 250000 networks (50000 seeds per cell)" in output
    assert "GB of memory, more than this machine's 16.0 GB" in output
    assert "Split grid.seeds into " in output and " seeds each" in output


def test_nested_override_works_as_typed_and_is_validated(with_data):
    ok = snakemake(
        with_data, "-n", *TINY, "--config", "analysis={success_threshold: 0.95}", check=False
    )
    assert ok.returncode == 0, ok.stderr[-2000:]
    bad = snakemake(
        with_data, "-n", *TINY, "--config", "analysis={success_threshold: 1.5}", check=False
    )
    assert bad.returncode != 0
    assert "'analysis.success_threshold': got 1.5; allowed: a number from 0 to 1" in (
        bad.stdout + bad.stderr
    )
    # Integers too: the text "1500" would be refused as not an integer.
    snakemake(with_data, "-n", *TINY, "--config", "model={iterations: 1500}")


def test_two_configfiles_merge_the_second_into_the_first(with_data):
    (with_data / "stricter.yaml").write_text("analysis: {success_threshold: 1.5}\n")
    proc = snakemake(
        with_data,
        "-n",
        "--configfile",
        "tests/configs/tiny.yaml",
        "stricter.yaml",
        check=False,
    )
    assert proc.returncode != 0
    assert "'analysis.success_threshold': got 1.5" in proc.stdout + proc.stderr
    (with_data / "stricter.yaml").write_text("analysis: {success_threshold: 0.95}\n")
    proc = snakemake(with_data, "-n", "--configfile", "tests/configs/tiny.yaml", "stricter.yaml")
    assert "This config trains 20 networks" in proc.stdout + proc.stderr


def test_walking_a_shared_structure_stops_at_the_bound():
    leaf = ["ha"] * 10
    for _ in range(9):
        leaf = [leaf] * 10  # 10**10 leaves, shared: walking them all would never end
    started = time.monotonic()
    with pytest.raises(ConfigError, match="more than 100000 values"):
        check_config_size({"bomb": leaf})
    assert time.monotonic() - started < 5


def test_messages_are_bounded():
    message = shorten("x" * 10_000 + "\n" + "\n".join(["line"] * 100))
    lines = message.splitlines()
    assert len(lines[0]) == MAX_LINE and lines[0].endswith("...")
    assert len(lines) == 41 and lines[-1] == "... and 61 more problems"
