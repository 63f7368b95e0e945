"""The initializer registry is the one place that declares an initializer.

The config schema (YAML, which cannot import Python) and config/README.md
repeat the names; these tests fail, naming the place, until they agree with
:data:`initstudy.model.init.REGISTRY`. The last tests add a Gaussian initializer the
way the registry declares its own and follow it through the library.
"""

from __future__ import annotations

import math
import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import yaml

from initstudy.grid.config import load_schema
from initstudy.model.init import (
    INITIALIZERS,
    REGISTRY,
    Initializer,
    base_std,
    initialize,
    initialize_batch,
    lookup,
)

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
CONFIG_README = REPO / "config" / "README.md"
DEFAULT_CONFIG = REPO / "config" / "config.yaml"
#: Initializers with a signal to propagate: the names the depth study may use.
WITH_SIGNAL = {name for name, entry in REGISTRY.items() if entry.kind != "zeros"}


def _name_lists(node: object, path: str = "") -> list[tuple[str, list]]:
    """Every ``enum`` of the schema that names an initializer, with its key path."""
    found = []
    if isinstance(node, dict):
        enum = node.get("enum")
        # A declared initializer's kind (initializers.*.kind: orthogonal) is not a name.
        declared_kind = path.startswith("/properties/initializers/")
        if isinstance(enum, list) and set(enum) & set(INITIALIZERS) and not declared_kind:
            found.append((path, enum))
        for key, value in node.items():
            found += _name_lists(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _name_lists(value, f"{path}[{index}]")
    return found


def test_the_schema_file_names_no_initializer():
    text = SCHEMA.read_text(encoding="utf-8")
    body = text.split("\nproperties:", 1)[1]
    for line in body.splitlines():
        if "default:" in line:  # a default is a choice, not the list of what is allowed
            continue
        assert not any(f" {name}," in line or f"[{name}" in line for name in INITIALIZERS), line


def test_every_schema_list_of_initializers_is_the_registry():
    lists = dict(_name_lists(load_schema(SCHEMA)))
    grid = "/properties/grid/properties/initializations/propertyNames"
    reference = "/properties/analysis/properties/reference/properties/init"
    depth = "/properties/depth_study/properties/initializations/items"
    assert {grid, reference, depth} <= set(lists), "a place in the schema lost its names"
    assert lists[grid] == list(INITIALIZERS), f"schema {grid}: add the registry's names"
    assert lists[reference] == list(INITIALIZERS), f"schema {reference}: add the registry's names"
    for path, names in lists.items():
        assert names in (list(INITIALIZERS), [n for n in INITIALIZERS if n in WITH_SIGNAL]), path
    assert set(lists[depth]) == WITH_SIGNAL, f"schema {depth}: every initializer but zeros"


def test_schema_depth_default_is_allowed_by_its_own_list():
    depth = load_schema(SCHEMA)["properties"]["depth_study"]["properties"]["initializations"]
    assert set(depth["default"]) <= set(depth["items"]["enum"])


def _readme_rows() -> list[list[str]]:
    """Cells of the initializer table in config/README.md (backticks removed)."""
    text = CONFIG_README.read_text(encoding="utf-8")
    header = "| name | weights of layer l | notes | default scales |"
    assert header in text, "config/README.md lost its initializer table"
    rows = []
    for line in text.split(header, 1)[1].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows


def test_config_readme_table_states_the_registry_and_the_default_scales():
    rows = _readme_rows()
    defaults = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))["grid"]
    assert [row[0] for row in rows] == list(INITIALIZERS)
    for name, formula, notes, scales in rows:
        entry = REGISTRY[name]
        assert (formula, notes) == (entry.formula, entry.description), name
        # "—": registered, but not in the default study.
        stated = None if scales == "—" else yaml.safe_load(scales)
        assert stated == defaults["initializations"].get(name), name


def _formula_std(formula: str) -> str:
    """The base std a Gaussian formula states: ``W_l = scale · <std> · N(0, 1)``."""
    match = re.fullmatch(r"W_l = scale · (?:(.+) · )?N\(0, 1\)", formula)
    assert match, f"not a Gaussian rule: {formula!r}"
    return match.group(1) or "1"


@pytest.mark.parametrize("name", [n for n, e in REGISTRY.items() if e.kind == "gaussian"])
@pytest.mark.parametrize(("fan_in", "fan_out"), [(2, 10), (10, 5), (32, 32), (5, 1)])
def test_the_formula_of_a_gaussian_states_its_base_std(name, fan_in, fan_out):
    text = _formula_std(REGISTRY[name].formula)
    stated = eval(text, {"sqrt": math.sqrt, "fan_in": fan_in, "fan_out": fan_out})
    assert stated == pytest.approx(base_std(name, fan_in, fan_out), rel=1e-15)


def test_entries_are_keyed_by_name_and_coloured_apart():
    assert all(name == entry.name for name, entry in REGISTRY.items())
    colors = [entry.color for entry in REGISTRY.values()]
    assert len(set(colors)) == len(colors)
    assert all(re.fullmatch(r"#[0-9A-F]{6}", color) for color in colors)


def test_an_unknown_kind_is_refused():
    allowed = "gaussian, truncated_normal, uniform, orthogonal, zeros"
    with pytest.raises(ValueError, match=rf"'laplace'; allowed: {allowed}"):
        Initializer("u", "laplace", lambda fan_in, fan_out: 1.0, "#000000", "W_l = ?", "?")


@pytest.mark.parametrize("name", [n for n, e in REGISTRY.items() if e.kind == "gaussian"])
def test_gaussian_initializers_draw_the_same_matrices_rescaled(name):
    # The depth report says so of every Gaussian entry: one check of the theory, not several.
    layers = [2, 10, 5, 1]
    for (W, _), (R, _), (fan_in, fan_out) in zip(
        initialize(name, layers, 1.0, 4),
        initialize("random", layers, 1.0, 4),
        pairwise(layers),
    ):
        np.testing.assert_allclose(W, R * base_std(name, fan_in, fan_out), rtol=1e-15)


@pytest.fixture
def he3(monkeypatch):
    """A new Gaussian initializer, ``W_l = scale · sqrt(3 / fan_in) · N(0, 1)``, registered
    exactly as the registry declares its own entries (removed again after the test)."""
    entry = Initializer(
        name="he3",
        kind="gaussian",
        base_std=lambda fan_in, fan_out: math.sqrt(3.0 / fan_in),
        color="#56B4E9",
        formula="W_l = scale · sqrt(3 / fan_in) · N(0, 1)",
        description="test entry: He with 3 in place of 2",
    )
    monkeypatch.setitem(REGISTRY, entry.name, entry)
    return entry


def test_a_new_gaussian_entry_draws_through_the_library(he3):
    assert lookup("he3") is he3
    (W1, _), _ = initialize("he3", [400, 300, 1], 2.0, 0)
    assert W1.std() == pytest.approx(2.0 * math.sqrt(3 / 400), rel=0.01)
    (H1, _), _ = initialize("he", [400, 300, 1], 2.0, 0)
    np.testing.assert_allclose(W1, H1 * math.sqrt(3 / 2), rtol=1e-14)
    weights, _ = initialize_batch("he3", [2, 10, 5, 1], 1.0, [0, 1])
    assert weights[1].shape == (2, 5, 10)
    assert eval(_formula_std(he3.formula), {"sqrt": math.sqrt, "fan_in": 7}) == pytest.approx(
        base_std("he3", 7, 1), rel=1e-15
    )
