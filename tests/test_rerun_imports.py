"""Editing a module reruns exactly the rules whose scripts import it, directly or not.

The expected rules come from Python's own ``modulefinder`` run on each rule's script,
independently of the workflow's ``ast``-based import closure (initstudy.imports), and the
scheduled rules from a real ``snakemake -n`` on a finished tiny study with a depth study.
"""

import os
import re
from modulefinder import ModuleFinder
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_workflow, snakemake

pytestmark = [pytest.mark.workflow, pytest.mark.slow]

CONFIG = ("--configfile", "tests/configs/tiny_depth.yaml")
SCRIPTS = REPO / "workflow" / "scripts"
SRC = REPO / "src"


def rule_scripts() -> dict[str, str]:
    """Rule name -> the script its jobs run (a figure rule: the figure's own script)."""
    scripts = {}
    for path in (REPO / "workflow" / "rules").glob("*.smk"):
        pattern = r'^rule (\w+):\n(?:(?!^rule ).*\n)*?    script:\n        "\.\./scripts/(\w+\.py)"'
        scripts.update(re.findall(pattern, path.read_text(), re.M))
    figures = yaml.safe_load((REPO / "workflow" / "figures.yaml").read_text())
    scripts.update({f"plot_{name}": entry["script"] for name, entry in figures.items()})
    return scripts


def script_of(rule: str, scripts: dict[str, str]) -> str | None:
    """The script of a rule: named in a rule file, declared for a figure, or the one script
    of the HTML page rules that publish.smk makes in a loop (``html_<table>``)."""
    return scripts.get(rule, "table_html.py" if rule.startswith("html_") else None)


def imported_files(script: str) -> set[str]:
    """Project files the script loads, found by ``modulefinder`` (paths relative to the repo)."""
    finder = ModuleFinder(path=[str(SCRIPTS), str(SRC)])
    finder.run_script(str(SCRIPTS / script))
    files = {Path(m.__file__) for m in finder.modules.values() if m.__file__}
    inside = {f for f in files if f.is_relative_to(SRC) or f.parent == SCRIPTS}
    return {str(f.relative_to(REPO)) for f in inside if f != SCRIPTS / script}


def modules() -> list[str]:
    """Every Python module a job could import: the library and the scripts' common module."""
    library = sorted(str(p.relative_to(REPO)) for p in (SRC / "initstudy").glob("*.py"))
    return [*library, "workflow/scripts/common.py"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A copy of the workflow on which the tiny depth study has run to the end."""
    workdir = copy_workflow(tmp_path_factory.mktemp("imports"))
    snakemake(workdir, "--cores", "2", *CONFIG)
    return workdir


def rerun_because_of(workdir: Path, module: str) -> set[str]:
    """Rules a dry run schedules with ``module`` among their updated input files."""
    out = snakemake(workdir, "-n", "--cores", "1", *CONFIG).stdout
    jobs = re.findall(r"^(?:local)?rule (\w+):\n(?:    .*\n)*?    reason: (.*)$", out, re.M)
    return {rule for rule, reason in jobs if re.search(rf"Updated input files:.*{module}", reason)}


def declared_inputs(workdir: Path) -> dict[str, set[str]]:
    """Each rule's declared input files, from a dry run of every job."""
    out = snakemake(workdir, "-n", "--forceall", "--cores", "1", *CONFIG).stdout
    jobs = re.findall(r"^(?:local)?rule (\w+):\n    input: (.*)$", out, re.M)
    inputs: dict[str, set[str]] = {}
    for rule, listed in jobs:
        inputs.setdefault(rule, set()).update(listed.split(", "))
    return inputs


def rules_in_study(workdir: Path) -> set[str]:
    """Rules with at least one job in this study."""
    out = snakemake(workdir, "-n", "--forceall", "--cores", "1", *CONFIG).stdout
    return set(re.findall(r"^(?:local)?rule (\w+):", out, re.M)) - {"all", "default"}


def test_every_rule_declares_exactly_the_modules_its_script_imports(finished):
    """Snakemake reruns a job when a declared input changes: so a rule must declare every
    module its script imports, directly or not, and no other."""
    in_study = rules_in_study(finished)
    known = rule_scripts()
    scripts = {rule: script_of(rule, known) for rule in in_study}
    assert None not in scripts.values(), "a rule without a script, or one this test cannot find"
    inputs = declared_inputs(finished)
    wrong = {}
    for rule, script in scripts.items():
        imported = imported_files(script)
        declared = {path for path in inputs[rule] if path in set(modules())}
        if declared != {m for m in imported if m in set(modules())}:
            wrong[rule] = {"undeclared": imported - declared, "extra": declared - imported}
    assert imports_of_training(scripts) >= {"src/initstudy/net.py", "workflow/scripts/common.py"}
    assert not wrong, wrong


def imports_of_training(scripts: dict[str, str]) -> set[str]:
    return imported_files(scripts["train_cell"])


@pytest.mark.parametrize("module", ["src/initstudy/plots_depth.py", "src/initstudy/survival.py"])
def test_editing_a_module_reruns_the_rules_that_import_it(finished, module):
    """A real edit: the dry run names the module as the reason of exactly the rules whose
    scripts import it (jobs also waiting for an upstream job may name only that)."""
    known = rule_scripts()
    in_study = rules_in_study(finished)
    importers = {
        rule for rule in in_study if module in imported_files(script_of(rule, known))
    }  # fmt: skip
    path = finished / module
    original, before = path.read_bytes(), path.stat()
    # An edit, not a touch: Snakemake reruns on a changed checksum, not on a newer mtime.
    path.write_bytes(original + b"\n# an edit\n")
    try:
        named = rerun_because_of(finished, module)
    finally:
        path.write_bytes(original)
        os.utime(path, (before.st_atime, before.st_mtime))
    assert importers and named <= importers
    assert named, f"no job reruns after editing {module}"
