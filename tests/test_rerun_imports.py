"""Editing a module reruns exactly the jobs of the rules whose scripts import it, directly or
not, and the jobs after them.

The expected rules come from Python's own ``modulefinder`` run on each rule's script,
independently of the workflow's ``ast``-based import closure (initstudy.util.imports), and the
scheduled rules from a real ``snakemake -n`` on a finished tiny study with a depth study.
"""

import os
import re
from dataclasses import dataclass
from modulefinder import ModuleFinder
from pathlib import Path

import pytest
import yaml
from conftest import REPO, private_copy, scheduled_jobs, snakemake

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
        # Rules made per grid in a loop: named plan.rule_name("<base>") (<base>_<experiment>).
        pattern = (
            r'plan\.rule_name\("(\w+)"\)\n(?:(?!\s*rule:).*\n)*?'
            r'\s+script:\n\s+"\.\./scripts/(\w+\.py)"'
        )
        made = re.findall(pattern, path.read_text())
        scripts.update({f"{base}*": script for base, script in made})
    figures = yaml.safe_load((REPO / "workflow" / "figures.yaml").read_text())
    scripts.update({f"plot_{name}": entry["script"] for name, entry in figures.items()})
    return scripts


def script_of(rule: str, scripts: dict[str, str]) -> str | None:
    """The script of a rule: named in a rule file, made per grid (``train_cell``,
    ``train_cell_<experiment>``), declared for a figure, or the one script of the HTML page
    rules that publish.smk makes in a loop (``html_<table>``)."""
    if rule in scripts:
        return scripts[rule]
    for name, script in scripts.items():
        base = name.removesuffix("*")
        if name.endswith("*") and (rule == base or rule.startswith(f"{base}_")):
            return script
    return "table_html.py" if rule.startswith("html_") else None


def imported_files(script: str) -> set[str]:
    """Project files the script loads, found by ``modulefinder`` (paths relative to the repo)."""
    finder = ModuleFinder(path=[str(SCRIPTS), str(SRC)])
    finder.run_script(str(SCRIPTS / script))
    files = {Path(m.__file__) for m in finder.modules.values() if m.__file__}
    inside = {f for f in files if f.is_relative_to(SRC) or f.parent == SCRIPTS}
    return {str(f.relative_to(REPO)) for f in inside if f != SCRIPTS / script}


def modules() -> list[str]:
    """Every Python module a job could import: the library and the scripts' common module."""
    library = sorted(str(p.relative_to(REPO)) for p in (SRC / "initstudy").rglob("*.py"))
    return [*library, "workflow/scripts/common.py"]


@pytest.fixture(scope="module")
def finished(tiny_depth_study, tmp_path_factory):
    """A copy of the finished tiny depth study, this file's own (its tests edit modules)."""
    dest = tmp_path_factory.mktemp("imports") / "study"
    return private_copy(tiny_depth_study, dest)


@dataclass(frozen=True)
class Job:
    """One job of a dry run: its rule, declared input and output files, and Snakemake's reason."""

    rule: str
    inputs: frozenset[str]
    outputs: frozenset[str]
    reason: str


def dry_run_jobs(workdir: Path, *args: str) -> list[Job]:
    """The jobs a dry run (``snakemake -n``) lists, ``all`` and ``default`` left out."""
    out = snakemake(workdir, "-n", "--cores", "1", *args, *CONFIG).stdout
    jobs = []
    for rule, fields in scheduled_jobs(out):
        files = {key: frozenset(fields[key].split(", ")) if key in fields else frozenset()
                 for key in ("input", "output")}  # fmt: skip
        jobs.append(Job(rule, files["input"], files["output"], fields.get("reason", "")))
    return [job for job in jobs if job.rule not in ("all", "default")]


@pytest.fixture(scope="module")
def every_job(finished) -> list[Job]:
    """Every job of the finished study (``--forceall``), with its declared files."""
    return dry_run_jobs(finished, "--forceall")


def downstream(jobs: list[Job], start: list[Job]) -> list[Job]:
    """The jobs of ``jobs`` that read, directly or not, an output of a job of ``start``."""
    found, made = [], set().union(*(job.outputs for job in start))
    changed = True
    while changed:
        changed = False
        for job in jobs:
            if job not in found and job.inputs & made:
                found.append(job)
                made |= job.outputs
                changed = True
    return found


def test_every_rule_declares_exactly_the_modules_its_script_imports(every_job):
    """Snakemake reruns a job when a declared input changes: so a rule must declare every
    module its script imports, directly or not, and no other."""
    known = rule_scripts()
    scripts = {job.rule: script_of(job.rule, known) for job in every_job}
    assert None not in scripts.values(), "a rule without a script, or one this test cannot find"
    wrong = {}
    for job in every_job:
        imported = {m for m in imported_files(scripts[job.rule]) if m in set(modules())}
        declared = {path for path in job.inputs if path in set(modules())}
        if declared != imported:
            wrong[job.rule] = {"undeclared": imported - declared, "extra": declared - imported}
    assert imports_of_training(scripts) >= {
        "src/initstudy/model/net.py",
        "workflow/scripts/common.py",
    }
    assert not wrong, wrong


def imports_of_training(scripts: dict[str, str]) -> set[str]:
    return imported_files(scripts["train_cell"])


@pytest.mark.parametrize(
    "module", ["src/initstudy/plots/plots_depth.py", "src/initstudy/analysis/survival.py"]
)
def test_editing_a_module_reruns_the_rules_that_import_it(finished, every_job, module):
    """A real edit: the dry run schedules exactly the jobs of the rules whose scripts import the
    module (by ``modulefinder``) and the jobs downstream of them (by the declared files of a
    ``--forceall`` dry run), compared as sets of jobs. A scheduled importer that reads no
    output of another scheduled job names the module as its reason; one that does may name
    only that job (Snakemake 9 does); no job of another rule names the module."""
    known = rule_scripts()
    importers = [job for job in every_job if module in imported_files(script_of(job.rule, known))]
    expected = {job.outputs for job in importers + downstream(every_job, importers)}
    path = finished / module
    original, before = path.read_bytes(), path.stat()
    # An edit, not a touch: Snakemake reruns on a changed checksum, not on a newer mtime.
    path.write_bytes(original + b"\n# an edit\n")
    try:
        scheduled = dry_run_jobs(finished)
    finally:
        path.write_bytes(original)
        os.utime(path, (before.st_atime, before.st_mtime))
    assert importers, f"no rule of the study imports {module}"
    rerun, rule_of = {job.outputs for job in scheduled}, {j.outputs: j.rule for j in every_job}
    assert rerun == expected, {
        "not rerun": sorted(rule_of[outputs] for outputs in expected - rerun),
        "rerun without cause": sorted(rule_of.get(o, "?") for o in rerun - expected),
    }
    made = set().union(*(job.outputs for job in scheduled))
    names = re.compile(rf"Updated input files:[^;]*\b{re.escape(module)}\b")
    importer_rules = {job.rule for job in importers}
    for job in scheduled:
        named = bool(names.search(job.reason))
        if job.rule not in importer_rules:
            assert not named, (job.rule, job.reason)
        elif not job.inputs & made:
            assert named, (job.rule, job.reason)
