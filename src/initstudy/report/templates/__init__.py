"""The report's wording: Jinja2 templates beside this file, and the environment that renders them.

The templates hold every sentence of the markdown report; the numbers come in as
facts (plain dicts and lists) from :mod:`initstudy.report.report` and
:mod:`initstudy.report.depth_report`, and are written with the filters registered here,
the formatters of :mod:`initstudy.util.labels`. A fact a template asks for and is not
given raises :class:`jinja2.UndefinedError` instead of printing nothing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from initstudy.util import labels

#: The folder of the templates (``*.md.j2``).
TEMPLATE_DIR = Path(__file__).resolve().parent

#: The filters the templates write numbers with: the formatters of :mod:`initstudy.util.labels`.
FILTERS = {
    "fmt": labels.fmt,
    "interval": labels.interval,
    "significant": labels.significant,
    "signed_percent": labels.signed_percent,
    "cell_label": labels.cell_label,
    "display_scale": labels.display_scale,
    "scientific": labels.scientific,
    "exact": labels.exact,
    "percent": labels.percent,
}


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report's templates.

    Undefined names raise (``StrictUndefined``); a block tag's own line break
    and indentation never reach the output (``trim_blocks``, ``lstrip_blocks``),
    and a template's final line break does (``keep_trailing_newline``).

    Returns
    -------
    jinja2.Environment
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def render(name: str, **facts) -> str:
    """Render the template ``name`` (e.g. ``report.md.j2``) with ``facts``.

    Parameters
    ----------
    name : str
        A file in :data:`TEMPLATE_DIR`.
    **facts
        The names the template uses.

    Returns
    -------
    str
    """
    return environment().get_template(name).render(**facts)
