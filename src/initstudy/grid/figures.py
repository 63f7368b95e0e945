"""The study's figures as declared in ``workflow/figures.yaml``: one entry per figure.

The workflow makes each figure's rule, output, report item and target from its
entry, and the markdown report takes its links and captions from the same
entries, so a figure is described in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

PARTS = ("main", "depth")
_KEYS = {"script", "part", "category", "subcategory", "inputs", "params", "title", "caption"}
_REQUIRED = _KEYS - {"subcategory"}


@dataclass(frozen=True)
class Figure:
    """One declared figure.

    Attributes
    ----------
    name : str
        File stem (``results/figures/<name>.png``) and rule name (``plot_<name>``).
    script : str
        Glue script in ``workflow/scripts/`` that draws it.
    part : {"main", "depth"}
        The part of the study it belongs to.
    category, subcategory : str
        Where the HTML report files it (``subcategory`` may be empty).
    inputs : dict of str to str
        Script input name -> name of the table it reads.
    params : tuple of str
        Names of the values the script reads from ``snakemake.params``.
    title : str
        Short alternative text.
    caption : str
        The caption, config values filled in.
    """

    name: str
    script: str
    part: str
    category: str
    subcategory: str
    inputs: dict
    params: tuple[str, ...]
    title: str
    caption: str


def load_figures(path: str | Path, config: dict) -> list[Figure]:
    """Read the figure declarations and fill the config's values into their captions.

    Parameters
    ----------
    path : str or Path
        ``workflow/figures.yaml``.
    config : dict
        The validated study config (captions refer to it as ``{analysis[confidence_level]}``).

    Returns
    -------
    list of Figure
        In the order of the file, which is the order of the report.

    Raises
    ------
    ValueError
        Naming the figure and the key that is missing, unknown or not allowed.
    """
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)
    figures = []
    for name, entry in entries.items():
        unknown, missing = set(entry) - _KEYS, _REQUIRED - set(entry)
        if unknown or missing:
            raise ValueError(
                f"figure '{name}' in {path}: unknown keys {sorted(unknown)}, "
                f"missing keys {sorted(missing)}; allowed: {', '.join(sorted(_KEYS))}"
            )
        if entry["part"] not in PARTS:
            raise ValueError(
                f"figure '{name}' in {path}: part {entry['part']!r}; allowed: {', '.join(PARTS)}"
            )
        figures.append(
            Figure(
                name=name,
                script=entry["script"],
                part=entry["part"],
                category=entry["category"],
                subcategory=entry.get("subcategory", ""),
                inputs=dict(entry["inputs"]),
                params=tuple(entry["params"]),
                title=entry["title"],
                caption=" ".join(entry["caption"].format_map(config).split()),
            )
        )
    return figures
