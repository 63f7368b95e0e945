"""Self-contained HTML pages for the published report: the findings and the tables.

``snakemake --report`` shows an HTML report item in the page and offers a CSV
only as a download, so the workflow renders the markdown report (its images
embedded as ``data:`` URIs, nothing fetched from elsewhere) and each metrics
table as HTML items. Table cells are shown exactly as written in the CSV, but for
the grid's numeric axes (scale, learning rate), written as the report writes them
(``√2``, not ``1.4142135623730951``: :func:`initstudy.grid.axes.label_text`); an
empty field (no value) is shown as "—", as in the markdown report.
"""

from __future__ import annotations

import base64
import csv
import html
import mimetypes
import re
from pathlib import Path

import markdown

from initstudy.grid.axes import AXES, label_text

#: Style of every page: readable widths, ruled tables, figures scaled to the page.
STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 1.5rem auto;
       max-width: 72rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right; }
th { background: #f2f2f2; position: sticky; top: 0; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; height: auto; }
code { background: #f5f5f5; padding: 0 0.2rem; }
"""
#: Shown for an empty CSV field.
NO_VALUE = "—"
_IMAGE = re.compile(r'<img(?P<before>[^>]*?) src="(?P<src>[^"]+)"')


def page(title: str, body: str) -> str:
    """A complete HTML document around ``body``.

    Parameters
    ----------
    title : str
        The page title (plain text).
    body : str
        HTML of the page's content.

    Returns
    -------
    str
    """
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def data_uri(path: str | Path) -> str:
    """The file as a ``data:`` URI (base64), with its MIME type from its name.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
    """
    mime = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    encoded = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"data:{mime};base64,{encoded}"


def markdown_page(text: str, base: str | Path, title: str) -> str:
    """Render markdown (GitHub tables included, headings with GitHub's ids) as a
    self-contained HTML page.

    Parameters
    ----------
    text : str
        The markdown, e.g. ``results/report.md``.
    base : str or Path
        The folder its relative image links start from.
    title : str

    Returns
    -------
    str
        The page; every image is embedded as a ``data:`` URI.

    Raises
    ------
    FileNotFoundError
        For an image link to a missing file, naming it.
    """
    # toc: every heading gets the id GitHub gives it, so the report's links to its own
    # sections (the appendix) work on the page as on a code-hosting site.
    body = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists", "toc"])

    def embed(match: re.Match) -> str:
        source = match["src"]
        if source.startswith("data:"):
            return match[0]
        path = Path(base) / source
        if not path.is_file():
            raise FileNotFoundError(f"the report links to {source}, but {path} does not exist")
        return f'<img{match["before"]} src="{data_uri(path)}"'

    return page(title, _IMAGE.sub(embed, body))


def table_page(path: str | Path, title: str, description: str = "") -> str:
    """Render a CSV table as a self-contained HTML page, every field as written (the grid's
    numeric axes as the report writes them).

    Parameters
    ----------
    path : str or Path
        The CSV file.
    title : str
    description : str, optional
        HTML shown above the table.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For a line whose number of fields is not its header's, naming the file and the line.
    """
    # The csv module, not pandas: each table page is a job of its own, and importing pandas
    # would be nine tenths of its CPU time.
    with open(path, newline="", encoding="utf-8") as handle:
        header, *rows = [row for row in csv.reader(handle) if row]
    floats = [column in AXES and AXES[column].kind is float for column in header]
    cells = []
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            fields = f"{len(row)} fields, where its header has {len(header)}"
            raise ValueError(f"{path}: line {number} has {fields}")
        cells.append([label_text(column, float(v)) if v and is_float else v
                      for column, is_float, v in zip(header, floats, row)])  # fmt: skip
    heading = f"<h1>{html.escape(title)}</h1>\n{description}\n"
    note = f"<p>{len(rows)} row{'s' if len(rows) != 1 else ''}; {NO_VALUE}: no value.</p>\n"
    return page(title, heading + note + html_table(header, cells))


def html_table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table of ``rows`` under ``header``, every field escaped, an empty one shown as
    :data:`NO_VALUE`.

    Parameters
    ----------
    header : list of str
        The column names.
    rows : list of list of str
        The fields, as many in each row as ``header`` has.

    Returns
    -------
    str
    """

    def line(tag: str, fields: list[str]) -> str:
        cells = "".join(f"<{tag}>{html.escape(f) if f else NO_VALUE}</{tag}>" for f in fields)
        return f"<tr>{cells}</tr>"

    body = "\n".join(line("td", row) for row in rows)
    return f"<table>\n<thead>\n{line('th', header)}\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>"
