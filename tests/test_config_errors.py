"""A wrong config stops the real snakemake before any job, with a message naming key, value and
what is allowed.

Every case writes the tiny config with one bad edit (or a raw YAML text) into a file, loads it
with Snakemake's own config loader and runs the checks the workflow runs at parse time
(``initstudy.grid.study_check.check_study``), in-process: the message is :func:`refusal`'s, the
one the workflow stops with. :data:`REAL_RUNS` of the cases, one per kind of check, also run
``snakemake --cores 1`` for real in a fresh copy of the workflow, which must stop before any
job with that same message.
"""

import copy

import pytest
import yaml
from conftest import REPO, copy_workflow, snakemake
from snakemake.common.configfile import load_configfile

from initstudy.grid.config import ConfigError
from initstudy.grid.sizing import StudyTooLargeError, machine_mb
from initstudy.grid.study_check import check_study, refusal

pytestmark = pytest.mark.workflow

TINY = yaml.safe_load((REPO / "tests/configs/tiny.yaml").read_text(encoding="utf-8"))


def edited(path, value) -> str:
    """The tiny config as YAML text with ``path`` (dotted or a tuple) set to ``value``."""
    config = copy.deepcopy(TINY)
    *parents, last = path.split(".") if isinstance(path, str) else path
    node = config
    for key in parents:
        node = node[key]
    node[last] = value
    return yaml.safe_dump(config, sort_keys=False)


TINY_TEXT = yaml.safe_dump(TINY, sort_keys=False)

# (id, config text, substrings the message must contain: key path, value given, what is allowed)
CASES = [
    (
        "unknown-initializer",
        edited("grid.initializations.xavier", [1]),
        ["'grid.initializations.xavier'", "got the name 'xavier'", "one of zeros, random, he"],
    ),
    (
        "path-characters-in-name",
        edited(("grid", "initializations", "../x"), [1]),
        ["'grid.initializations[\"../x\"]'", "got the name '../x'", "one of zeros, random"],
    ),
    (
        "batched-axis-unknown",
        edited("grid.batched_axes", ["seed"]),
        [
            "'grid.batched_axes[0]'",
            "got 'seed'",
            "one of learning_rate, activation, bias_std, dataset, depth, width, draw, rerun",
        ],
    ),
    (
        "scale-not-a-number",
        edited("grid.initializations.he", ["big"]),
        ["'grid.initializations.he[0]'", "got 'big'", "a number > 0"],
    ),
    (
        "scale-yaml-text-1e6",
        TINY_TEXT.replace("he:\n    - 0.5", "he:\n    - 1e6"),
        ["'grid.initializations.he[0]'", "got '1e6'", "write 1e6 as 1.0e+6", "a number > 0"],
    ),
    (
        "scale-zero",
        edited("grid.initializations.he", [0]),
        ["'grid.initializations.he[0]'", "got 0;", "a number > 0"],
    ),
    (
        "scale-negative",
        edited("grid.initializations.orthogonal", [1, -2]),
        ["'grid.initializations.orthogonal[1]'", "got -2;", "a number > 0"],
    ),
    (
        "zeros-has-no-scale",
        edited("grid.initializations.zeros", [2]),
        ["'grid.initializations.zeros'", "got [2]", "exactly [1] (zeros has no scale)"],
    ),
    (
        "seeds-empty",
        edited("grid.seeds", []),
        ["'grid.seeds'", "got []", "a non-empty list of distinct items"],
    ),
    (
        "seeds-not-a-list",
        edited("grid.seeds", 3),
        ["'grid.seeds'", "got 3;", "a non-empty list"],
    ),
    (
        "seed-not-an-integer",
        edited("grid.seeds", [0, 1.5]),
        ["'grid.seeds[1]'", "got 1.5", "an integer from 0 to 4294967295"],
    ),
    (
        "seed-negative",
        edited("grid.seeds", [-1, 0]),
        ["'grid.seeds[0]'", "got -1", "an integer from 0 to 4294967295"],
    ),
    (
        "seeds-duplicated",
        edited("grid.seeds", [1, 2, 1]),
        ["'grid.seeds'", "got [1, 2, 1] (repeated: 1)", "distinct items"],
    ),
    (
        "iterations-zero",
        edited("model.iterations", 0),
        ["'model.iterations'", "got 0;", "an integer >= 1"],
    ),
    (
        "iterations-negative",
        edited("model.iterations", -5),
        ["'model.iterations'", "got -5", "an integer >= 1"],
    ),
    (
        "iterations-not-a-number",
        edited("model.iterations", "many"),
        ["'model.iterations'", "got 'many'", "an integer >= 1"],
    ),
    (
        "learning-rate-zero",
        edited("model.learning_rate", 0),
        ["'model.learning_rate'", "got 0;", "a number > 0"],
    ),
    (
        "learning-rate-negative",
        edited("model.learning_rate", -0.1),
        ["'model.learning_rate'", "got -0.1", "a number > 0"],
    ),
    (
        "learning-rate-not-a-number",
        edited("model.learning_rate", "fast"),
        ["'model.learning_rate'", "got 'fast'", "a number > 0"],
    ),
    (
        "learning-rate-infinite",
        edited("model.learning_rate", float("inf")),
        ["'model.learning_rate'", "got inf", "a finite number"],
    ),
    (
        "log-every-above-iterations",
        edited("model.log_every", 5000),
        ["'model.log_every'", "got 5000", "an integer from 1 to model.iterations (1500)"],
    ),
    (
        "layers-too-few",
        edited("model.layers", [2]),
        ["'model.layers'", "got [2]", "a list of at least 2 items"],
    ),
    (
        "layer-width-zero",
        edited("model.layers", [2, 0, 1]),
        ["'model.layers[1]'", "got 0;", "an integer >= 1"],
    ),
    (
        "input-width-not-2",
        edited("model.layers", [3, 8, 1]),
        ["'model.layers[0]'", "got 3", "2, the input width of dataset.kind circles"],
    ),
    (
        "output-width-not-1",
        edited("model.layers", [2, 8, 2]),
        ["'model.layers[-1]'", "got 2", "1, one sigmoid output unit"],
    ),
    (
        "noise-negative",
        edited("dataset.noise", -0.1),
        ["'dataset.noise'", "got -0.1", "a number >= 0"],
    ),
    (
        "train-split-too-small",
        edited("dataset.n_train", 1),
        ["'dataset.n_train'", "got 1;", "an integer >= 2"],
    ),
    (
        "test-split-too-small",
        edited("dataset.n_test", 0),
        ["'dataset.n_test'", "got 0;", "an integer >= 2"],
    ),
    (
        "unknown-top-level-key",
        edited("modle", {"iterations": 10}),
        ["'modle'", "unknown key (did you mean 'model'?)", "allowed keys at the top level"],
    ),
    (
        "unknown-nested-key",
        edited("model.iteratons", 10),
        ["'model.iteratons'", "given the value 10", "allowed keys in 'model': layers"],
    ),
    (
        "unknown-deep-key",
        edited("analysis.reference.sacle", 1),
        ["'analysis.reference.sacle'", "given the value 1", "keys in 'analysis.reference'"],
    ),
    (
        "unknown-depth-study-key",
        edited("depth_study.enabeld", False),
        ["'depth_study.enabeld'", "given the value false", "did you mean 'enabled'?"],
    ),
    (
        "python-tag",
        TINY_TEXT + "notebook: {seed: !!python/name:os.system }\n",
        ["bad.yaml': got", "tag 'tag:yaml.org,2002:python/name:os.system'", "plain YAML data"],
    ),
    (
        "yte-template",
        "__use_yte__: true\n" + TINY_TEXT,
        ["bad.yaml': got the key '__use_yte__'", "plain YAML data"],
    ),
]


#: Cases also run through the real snakemake: a schema value, a YAML text, a key Snakemake
#: leaves to the schema, a rule across keys, an experiment's key, and the two file checks.
REAL_RUNS = (
    "unknown-initializer",
    "scale-yaml-text-1e6",
    "unknown-deep-key",
    "log-every-above-iterations",
    "unknown-depth-study-key",
    "python-tag",
    "yte-template",
)


def refusal_in_process(path) -> str:
    """The message the workflow's checks give for the config file ``path``, without Snakemake."""
    config = load_configfile(str(path))
    with pytest.raises((ConfigError, StudyTooLargeError)) as refused:
        check_study(config, [str(path)], {}, machine_mb())
    return refusal(refused.value)


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_is_refused_naming_key_value_and_what_is_allowed(tmp_path, text, expected):
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    message = refusal_in_process(tmp_path / "bad.yaml")
    assert message.startswith("invalid config (nothing was run):\n"), message
    for part in expected:
        assert part in message, f"{part!r} not in:\n{message}"


@pytest.mark.parametrize(
    "text",
    [c[1] for c in CASES if c[0] in REAL_RUNS],
    ids=[c[0] for c in CASES if c[0] in REAL_RUNS],
)
def test_bad_config_stops_the_real_snakemake_before_any_job(tmp_path, text):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "bad.yaml").write_text(text, encoding="utf-8")
    proc = snakemake(workdir, "--cores", "1", "--configfile", "bad.yaml", check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    for line in refusal_in_process(workdir / "bad.yaml").splitlines():
        assert line in output, f"{line!r} not in:\n{output[-3000:]}"
    assert not (workdir / "results").exists()


def test_every_real_run_names_a_case():
    assert set(REAL_RUNS) <= {case[0] for case in CASES}


def test_yaml_that_does_not_parse_stops_before_any_job(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "bad.yaml").write_text("grid:\n  seeds: [0, 1\n  initializations: {he: [1]}\n")
    proc = snakemake(workdir, "--cores", "1", "--configfile", "bad.yaml", check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    # Snakemake parses --configfile itself, before the Snakefile runs: its message.
    assert "Config file is not valid JSON or YAML" in output, output[-3000:]
    assert not (workdir / "results").exists()


def test_every_case_is_a_single_edit_of_a_valid_config(tmp_path):
    """The tiny config itself passes, so each case fails for its own edit only."""
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "good.yaml").write_text(TINY_TEXT, encoding="utf-8")
    snakemake(workdir, "--cores", "1", "--configfile", "good.yaml", "--dry-run")
    assert not (workdir / "results").exists()


@pytest.mark.parametrize(
    "path",
    [
        "config/config.yaml",
        *sorted(str(p.relative_to(REPO)) for p in (REPO / "tests/configs").glob("*.yaml")),
    ],
)
def test_shipped_configs_pass_the_schema(path):
    from initstudy.grid.config import check_config_files, load_schema, validate_config

    config = yaml.safe_load((REPO / path).read_text(encoding="utf-8"))
    check_config_files([REPO / path])
    validate_config(config, load_schema(REPO / "workflow/schemas/config.schema.yaml"))
