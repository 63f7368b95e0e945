# Config validation, the grid's cells, and paths shared by every stage.

import importlib.util
from functools import partial
import os
import re
import sys

from snakemake.exceptions import WorkflowError
from snakemake.io import is_flagged
from snakemake.logging import logger


def shipped(entry):
    """The local path of a workflow.source_path entry: the file itself where it is local (so
    that rule inputs stay the checkout's files), else its cached copy."""
    original = entry.flags["sourcecache_entry"]
    return original if os.path.isfile(original) else str(entry)


# Files that ship with the workflow are found from this file (workflow/rules/), not from
# workflow.basedir, which inside a module is the deploying folder: workflow.source_path gives a
# local path (a cached copy when the workflow comes from git).
SCRIPTS = os.path.normpath(os.path.dirname(shipped(workflow.source_path("../scripts/common.py"))))
# The other modules the scripts import, fetched beside common.py where the workflow is remote.
shipped(workflow.source_path("../scripts/study_tables.py"))
shipped(workflow.source_path("../scripts/library.py"))
FIGURES_FILE = shipped(workflow.source_path("../figures.yaml"))
WORKFLOW_DIR = os.path.dirname(SCRIPTS)
CHECKOUT = os.path.dirname(WORKFLOW_DIR)


def load_library_chooser():
    """workflow/scripts/library.py, loaded by its path (the scripts folder stays off sys.path)."""
    spec = importlib.util.spec_from_file_location("initstudy_library", f"{SCRIPTS}/library.py")
    chooser = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(chooser)
    return chooser


def pyproject_file():
    """The workflow's pyproject.toml (its version), or None where it ships none."""
    try:
        return shipped(workflow.source_path("../../pyproject.toml"))
    except Exception:
        return None


# The library every job imports: the checkout's src/ when there is one (a job then runs exactly
# the module files its rule declares), else the installed package of the workflow's version.
# Jobs find it in the environment (library.LIBRARY_VARIABLE); the commit is read from CHECKOUT.
LIBRARY = load_library_chooser()
try:
    SRC = str(LIBRARY.choose_library(os.path.join(CHECKOUT, "src"), pyproject_file()))
    LIBRARY.use_library(SRC)
except LIBRARY.LibraryError as error:
    raise WorkflowError(f"{error} (nothing was run)") from None
os.environ[LIBRARY.CHECKOUT_VARIABLE] = CHECKOUT

from initstudy.grid.config import ConfigError, format_scale  # noqa: E402
from initstudy.grid.plan import Plan  # noqa: E402
from initstudy.grid.study_check import check_study, refusal  # noqa: E402
from initstudy.grid.figures import load_figures  # noqa: E402
from initstudy.model.data import data_file_stem, dataset_specs  # noqa: E402
from initstudy.grid.axes import path_text  # noqa: E402
from initstudy.grid.grid import cell_path, grid_axes, grid_cells  # noqa: E402
from initstudy.util.fingerprint import source_fingerprint  # noqa: E402
from initstudy.util.imports import ImportGraph  # noqa: E402
from initstudy.util.lock import (  # noqa: E402
    ResultsBusyError,
    hold_results_lock,
    remove_stale_temporaries,
)
from initstudy.analysis.reproduction import setup_differences  # noqa: E402
from initstudy.grid.cluster import (  # noqa: E402
    ALL_COMPONENTS,
    COMPILE_GROUP,
    SIDE_GROUP,
    SUMMARY_GROUP,
    group_components,
    runtime_minutes,
    training_groups,
)
from initstudy.grid.sizing import (  # noqa: E402
    StudyTooLargeError,
    job_seconds,
    machine_mb,
    rule_mem_mb,
)

# Snakemake reads config files with PyYAML's FullLoader through YTE, which
# evaluates Python for files that set __use_yte__; check_study re-reads them with
# safe_load and refuses anything but plain data (and the files' YAML events: no anchors or
# aliases, bounded size and depth), parses the nested --config values, which Snakemake
# passes as text, then runs the one loader python -m initstudy also uses (the schema pass,
# whose messages name key, value and what is allowed, the defaults, and the rules that
# relate several keys), the experiments' configs and every grid's size against memory.
try:
    CHECKED = check_study(
        config, workflow.configfiles, workflow.config_settings.config, machine_mb()
    )
except (ConfigError, StudyTooLargeError) as error:
    raise WorkflowError(refusal(error)) from None
config.clear()
config.update(CHECKED.config)
EXPERIMENT_CONFIGS = CHECKED.experiments
BACKEND = CHECKED.backend
SIZES = CHECKED.sizes
# The code this run uses, by content: the report names it beside the git commit.
FINGERPRINT = source_fingerprint(
    {"workflow": WORKFLOW_DIR, "initstudy": os.path.join(SRC, "initstudy")}
)
if workflow.is_main_process:
    for name, size in SIZES.items():
        logger.info(size.summary(BACKEND, f"Experiment {name}" if name else "This config"))

RESULTS = config["results"]
# The main grid and each experiment: its cells, training jobs and files (grid.plan). One
# training job trains the cells that differ only on the batched axes (grid.batched_axes),
# one after the other: each job costs about a second of start-up, and a default cell trains
# in about 1.4 s.
MAIN = Plan("", config, f"{RESULTS}/data")
EXPERIMENTS = {
    name: Plan(name, grid_config, f"{RESULTS}/data")
    for name, grid_config in EXPERIMENT_CONFIGS.items()
}
PLANS = [MAIN, *EXPERIMENTS.values()]
# Rules whose memory grows with the grid take it from its estimate.
MEM_MB = {plan.name: rule_mem_mb(SIZES[plan.name]) for plan in PLANS}
# Each training job's estimated seconds (grid.sizing.job_seconds): its time limit
# (grid.cluster.runtime_minutes) and, on a cluster, its group: each grid's training jobs are
# submitted in groups of about cluster.group_minutes of estimated work (a local run ignores
# groups). Job name -> seconds, and job name -> group id.
JOB_SECONDS = {
    plan.name: {
        name: job_seconds(plan.config, cells, BACKEND)
        for name, cells in plan.train_job_cells.items()
    }
    for plan in PLANS
}
TRAINING_GROUPS = {
    plan.name: training_groups(
        plan.rule_name("train"), JOB_SECONDS[plan.name], config["cluster"]["group_minutes"]
    )
    for plan in PLANS
}


# Each group id spans the disconnected jobs it names (--group-components): the training groups
# as many as the grid gives them, the others all of theirs.
GROUP_COMPONENTS = {
    **{
        group: count
        for groups in TRAINING_GROUPS.values()
        for group, count in group_components(groups).items()
    },
    SUMMARY_GROUP: ALL_COMPONENTS,
    SIDE_GROUP: ALL_COMPONENTS,
    COMPILE_GROUP: ALL_COMPONENTS,
}


def cluster_group(group_id):
    """A rule's ``group:``: the id (or a function of the wildcards giving it), which first adds
    :data:`GROUP_COMPONENTS` to the run's group settings.

    Snakemake has no directive for group components: a group id shared by jobs without edges
    between them makes one group job per job unless ``--group-components`` says how many to
    bundle, and the training groups' ids come from the grid, which a profile cannot list. Snakemake
    9 sets the run's group settings after it parses the workflow and asks each job for its group
    while it builds the groups (cluster runs only; a local run never asks), so the counts are
    added from here. Counts given on the command line or in a profile win. Checked by
    tests/test_slurm.py (grouped jobs go through sbatch as groups).
    """

    def group(wildcards):
        settings = workflow.group_settings
        if settings is not None and not GROUP_COMPONENTS.keys() <= settings.group_components.keys():
            settings.group_components = {**GROUP_COMPONENTS, **dict(settings.group_components)}
        return group_id(wildcards) if callable(group_id) else group_id

    return group


AXES = MAIN.axes
CELLS = MAIN.cells
# Every training job's name, in config order.
TRAIN_JOBS = MAIN.train_jobs
DATASETS = dataset_specs(config)
BASE_DATA = config["dataset"]["name"]
SEEDS = MAIN.seeds
FIGURE_DIR = f"{RESULTS}/figures"
FIGURES = load_figures(FIGURES_FILE, config)
ENV = "../envs/initstudy.yaml"
SETUP_DIFFERENCES = setup_differences(config)
NOTEBOOK_COMPARABLE = not SETUP_DIFFERENCES


def take_results_folder():
    """Lock the results folder for this run (refused while another run holds it), then delete
    the temporary files killed jobs left there."""
    try:
        hold_results_lock(RESULTS)
    except ResultsBusyError as error:
        raise WorkflowError(str(error)) from None
    for path in remove_stale_temporaries(RESULTS, declared_output):
        print(f"removed a temporary file a killed job left behind: {path}", file=sys.stderr)


def declared_output(path):
    """Whether a rule of this workflow writes ``path`` (an output, log or benchmark file)."""
    return any(rule.is_producer(path) for rule in workflow.rules)


#: The imports of every rule's script, each module read once for all of them.
IMPORTS = ImportGraph([SCRIPTS, SRC])


def script_imports(script):
    """Project files a rule's script imports, directly or not (``workflow/scripts/common.py``
    and the ``initstudy`` modules): declared as inputs so that editing one reruns its jobs."""
    path = shipped(workflow.source_path(f"../scripts/{script}"))
    return [os.path.relpath(source) for source in IMPORTS.closure(path)]


def data_file(cell):
    """The data file a cell of the main grid trains on (results/data/circles.npz for {})."""
    return MAIN.data_file(cell)


BASE_DATA_FILE = data_file({})
# Every data file a grid trains on: file stem -> (data set, draw).
DATA_FILES = {
    data_file_stem(*plan.data_draw(cell)): plan.data_draw(cell)
    for plan in PLANS
    for cell in [{}, *plan.cells]
}


def cell_files(kind):
    """One file per cell of the main grid, in config order (runs.csv, costs.csv, params.npz)."""
    return MAIN.cell_files(kind)


def figure_path(figure):
    """The file a declared figure is drawn into."""
    return f"{FIGURE_DIR}/{figure.name}.png"


def figure_links(part):
    """Link, title and caption of each figure of one part of the study, for the markdown
    report: name -> {path (relative to the report), title, caption}, in declaration order."""
    return {
        figure.name: {
            "path": os.path.relpath(figure_path(figure), RESULTS),
            "title": figure.title,
            "caption": figure.caption,
        }
        for figure in FIGURES
        if figure.part == part
    }


def study_parts():
    """The parts of the study this config runs: the grid, and the depth study if enabled."""
    return ("main", "depth") if config["depth_study"]["enabled"] else ("main",)


def drawn_figures():
    """The files of every figure of the parts of the study that run."""
    return [figure_path(figure) for figure in FIGURES if figure.part in study_parts()]


def depth_section():
    """The depth study's report section, if the depth study runs."""
    return [rules.depth_section.output[0]] if "depth" in study_parts() else []


def trainability_outputs(plan):
    """The trainability map's files of an experiment that asks for one
    (experiments.<name>.trainability_map), by name; {} for any other grid."""
    if not config["experiments"].get(plan.name, {}).get("trainability_map"):
        return {}
    return {
        "cells": f"{plan.results}/metrics/trainability.csv",
        "boundary": f"{plan.results}/metrics/trainability_boundary.csv",
        "theory": f"{plan.results}/metrics/mean_field.csv",
        "figure": f"{plan.results}/figures/trainability.png",
        "section": f"{plan.results}/trainability.md",
    }


def experiment_sections():
    """Each experiment's report section, followed by its trainability map's where it has one."""
    return [
        path
        for plan in EXPERIMENTS.values()
        for path in (
            f"{plan.results}/section.md",
            *([trainability_outputs(plan)["section"]] if trainability_outputs(plan) else []),
        )
    ]


def get_final_output():
    """Every output a reader looks at, so that a deleted one is rebuilt by the plain command
    (Snakemake does not recreate a missing intermediate while everything after it is up to
    date): the report, the tables and every figure of the parts of the study that run."""
    experiments = [
        path
        for plan in EXPERIMENTS.values()
        for path in (
            *aggregate_outputs(plan).values(),
            f"{plan.results}/section.md",
            *trainability_outputs(plan).values(),
        )
    ]
    return [
        f"{RESULTS}/report.md",
        *rules.aggregate.output,
        *experiments,
        *drawn_figures(),
        *depth_section(),
    ]


# The HTML report's own items (publish.smk).


def report_tables():
    """Every CSV table that a rule marks as a report item and this config builds (the depth
    study's only when it runs): path -> its report settings (caption, category, ...)."""
    tables = {}
    for each in list(workflow.rules):
        for path in each.output:
            marked = is_flagged(path, "report") and str(path).endswith(".csv")
            wanted = "depth" in study_parts() or not str(path).startswith(f"{DEPTH_DIR}/")
            if marked and wanted and not each.has_wildcards():
                tables[str(path)] = path.flags["report"]
    return tables


def table_report(table, shown):
    """The report flag of a table's page: the table's own caption (every caption lives in
    workflow/report/), category and subcategory."""
    caption = f"../report/{shown.caption.get_filename()}" if shown.caption else None
    return report(
        table_page_path(table),
        caption=caption,
        category=shown.category,
        subcategory=shown.subcategory,
    )


def table_rule_name(table):
    """The name of the job rendering a table: metrics/summary.csv -> html_metrics_summary."""
    stem = os.path.splitext(os.path.relpath(table, RESULTS))[0]
    return "html_" + "_".join(stem.split(os.sep))


def table_page_path(table):
    """The HTML page of a table: results/metrics/summary.csv -> results/html/metrics/summary.html."""
    return f"{RESULTS}/html/{os.path.splitext(os.path.relpath(table, RESULTS))[0]}.html"


def report_pages():
    """The HTML report's own items: the findings and one page per table."""
    return [rules.findings_html.output[0], *(table_page_path(t) for t in REPORT_TABLES)]


# The tables of a grid (aggregate.smk).


# The tables a reader looks at are items of the HTML report, with their captions (main grid).
AGGREGATE_CAPTIONS = ("runs", "summary", "selection", "comparisons", "gain", "times", "robustness")
AGGREGATE_TABLES = (
    "runs", "costs", "summary", "learning", "selection", "comparisons", "rankings",
    "speedups", "gain", "formulas", "times",
    # reruns and robustness: empty (header only) without a rerun axis.
    "reruns", "robustness",
)  # fmt: skip


def aggregate_outputs(plan):
    """The tables of one grid, named; the main grid's read ones are report items."""
    outputs = {}
    for name in AGGREGATE_TABLES:
        path = f"{plan.results}/metrics/{name}.csv"
        if not plan.name and name in AGGREGATE_CAPTIONS:
            path = report(path, caption=f"../report/{name}.rst", category="Tables")
        outputs[name] = path
    return outputs


def aggregate_params(grid_config):
    """What the analysis of one grid reads from its config."""
    model, analysis = grid_config["model"], grid_config["analysis"]
    cells = grid_cells(grid_config)
    return dict(
        axes=list(grid_axes(grid_config)),
        cells=[[cell["init"], cell["scale"]] for cell in cells],
        # Every cell, to check that each cell's tables hold its rows and no others.
        grid_cells=cells,
        layers=[int(width) for width in model["layers"]],
        seeds=[int(seed) for seed in grid_config["grid"]["seeds"]],
        iterations=int(model["iterations"]),
        log_every=int(model["log_every"]),
        notebook_iterations=int(analysis["notebook_iterations"]),
        threshold=float(analysis["success_threshold"]),
        thresholds=[float(t) for t in analysis["thresholds"]],
        stuck_margin=float(analysis["stuck_margin"]),
        resamples=int(analysis["bootstrap_resamples"]),
        bootstrap_seed=int(analysis["bootstrap_seed"]),
        level=float(analysis["confidence_level"]),
        reference=[analysis["reference"]["init"], float(analysis["reference"]["scale"])],
    )
