"""Job groups of a cluster run: how the training jobs are bundled (initstudy.grid.cluster), and
the groups the workflow gives Snakemake, read from a real dry run (which builds the groups a
cluster run submits; a local run ignores them)."""

import math
import re
from itertools import pairwise

import pytest
from conftest import REPO, TINY, copy_workflow, snakemake
from hypothesis import given
from hypothesis import strategies as st

from initstudy.grid.cluster import (
    RUNTIME_SAFETY,
    group_components,
    runtime_minutes,
    training_groups,
)


def test_a_time_limit_is_the_estimate_times_the_safety_factor_in_whole_minutes():
    assert runtime_minutes(0.01) == 1
    assert runtime_minutes(10.0) == math.ceil(RUNTIME_SAFETY * 10 / 60)
    assert runtime_minutes(600.0) == math.ceil(RUNTIME_SAFETY * 10)


def test_training_groups_fill_the_target_in_config_order_and_a_long_job_goes_alone():
    seconds = {"a": 200.0, "b": 300.0, "c": 200.0, "d": 900.0, "e": 50.0, "f": 50.0}
    assert training_groups("train_x", seconds, 10) == {
        "a": "train_x-0",
        "b": "train_x-0",
        "c": "train_x-1",  # 700 s would pass the 600 s target
        "d": "train_x-2",  # longer than the target: alone
        "e": "train_x-3",
        "f": "train_x-3",
    }
    assert group_components(training_groups("t", seconds, 10)) == {
        "t-0": 2,
        "t-1": 1,
        "t-2": 1,
        "t-3": 2,
    }


@given(
    seconds=st.lists(st.floats(0.1, 5000.0), max_size=40),
    minutes=st.floats(0.01, 100.0),
)
def test_training_groups_are_consecutive_and_never_pass_the_target_but_for_one_job(
    seconds, minutes
):
    names = {f"job{i}": value for i, value in enumerate(seconds)}
    groups = training_groups("train_x", names, minutes)
    assert list(groups) == list(names)
    order = [int(group.rsplit("-", 1)[1]) for group in groups.values()]
    assert order == sorted(order) and (not order or order[-1] == len(set(order)) - 1)
    members: dict[str, list[float]] = {}
    for name, group in groups.items():
        members.setdefault(group, []).append(names[name])
    for work in members.values():
        assert len(work) == 1 or sum(work) <= 60.0 * minutes * (1 + 1e-12)
    # Greedy: a group's first job would not have fitted in the group before it.
    listed = list(members.values())
    for before, after in pairwise(listed):
        assert sum(before) + after[0] > 60.0 * minutes


GROUP_HEADER = re.compile(r"Group job (\S+) \(jobs in lexicogr\. order\):")
MEMBER = re.compile(r"^    (?:local)?rule (\w+):")


def dry_run_groups(stdout: str) -> dict[str, dict[str, int]]:
    """Group id -> {rule: jobs} from a dry run's job list."""
    groups: dict[str, dict[str, int]] = {}
    current = None
    for line in stdout.splitlines():
        header = GROUP_HEADER.search(line)
        if header:
            current = groups.setdefault(header.group(1), {})
        elif member := MEMBER.match(line):
            if current is not None:
                current[member.group(1)] = current.get(member.group(1), 0) + 1
        elif re.match(r"^(?:local)?rule \w+:", line):
            current = None
    return groups


@pytest.mark.workflow
def test_the_tiny_study_groups_its_jobs_and_group_minutes_sizes_the_training_groups(tmp_path):
    workdir = copy_workflow(tmp_path)
    grouped = dry_run_groups(snakemake(workdir, "-n", "--cores", "2", *TINY).stdout)
    assert grouped == {
        "compile": {"compile_kernels": 2},
        "train-0": {"train_cell": 5},
        "summary": {"aggregate": 1},
    }
    # A target below one job's estimate submits every training job alone.
    alone = snakemake(
        workdir, "-n", "--cores", "2", *TINY, "--config", "cluster={group_minutes: 0.001}"
    ).stdout
    training = {group: jobs for group, jobs in dry_run_groups(alone).items() if "train" in group}
    assert training == {f"train-{index}": {"train_cell": 1} for index in range(5)}


@pytest.mark.workflow
def test_a_group_size_that_is_not_a_positive_number_is_refused_before_any_work(tmp_path):
    workdir = copy_workflow(tmp_path)
    proc = snakemake(
        workdir, "-n", "--cores", "1", *TINY, "--config", "cluster={group_minutes: 0}", check=False
    )
    assert proc.returncode != 0
    assert "cluster.group_minutes" in proc.stdout + proc.stderr
    assert not (workdir / "results").exists()


SUBMISSIONS = re.compile(
    r"the default study (\d+) before, (\d+) with groups; "
    r"the complete study \(`config/full\.yaml`\) (\d+) before, (\d+) with groups"
)


@pytest.mark.workflow
def test_the_readme_states_the_jobs_each_study_submits_before_and_with_groups(tmp_path):
    """Before groups, every job that does not stay local was one submission; with them, one
    per group (every such job is in one: tests/test_slurm.py sees no job submitted alone)."""
    workdir = copy_workflow(tmp_path)
    counted = []
    for config in ([], ["--configfile", "config/full.yaml"]):
        groups = dry_run_groups(snakemake(workdir, "-n", "--cores", "2", *config).stdout)
        counted += [sum(sum(rules.values()) for rules in groups.values()), len(groups)]
    stated = SUBMISSIONS.search(" ".join((REPO / "docs/slurm.md").read_text().split()))
    assert stated, "docs/slurm.md: the sentence with the submitted jobs is missing"
    assert [int(number) for number in stated.groups()] == counted
