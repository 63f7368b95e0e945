"""What a Snakemake report holds, read from the report itself (no browser): its items, their
bytes, and checks that they are this run's files.

Snakemake 9.27's report page keeps its items in JSON objects of ``<script id="...">`` blocks:
``var results = {path: {mime_type, caption, data_uri, ...}}`` and ``var categories =
{category: {subcategory: [path, ...]}}``. In a self-contained ``.html`` report an item's
``data_uri`` is the file itself (``data:<mime>;charset=...;filename=...;base64,<bytes>``);
in a ``.zip`` report it is the file's path inside the archive, next to ``report.html``.
"""

from __future__ import annotations

import base64
import json
import re
import zipfile
from pathlib import Path, PurePosixPath

DATA_URI = re.compile(r"data:(?P<mime>[\w.+-]+/[\w.+-]+)(?:;[^;,]*)*;base64,(?P<data>[\w+/=]*)")
#: The ``src`` of every ``<img>`` of an HTML page.
IMAGE_SOURCE = re.compile(r'<img\b[^>]*?\bsrc="([^"]*)"')
#: The links of a markdown file's images, ``![alt](link)``.
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


def report_object(page: str, name: str) -> dict:
    """The JSON object the report page assigns to ``var <name>`` in ``<script id="<name>">``."""
    start = page.index(f'<script id="{name}">')
    start = page.index(f"var {name} = ", start) + len(f"var {name} = ")
    found, _ = json.JSONDecoder().raw_decode(page, start)
    return found


def decode_data_uri(uri: str) -> tuple[str, bytes]:
    """The MIME type and the bytes of a base64 ``data:`` URI; ``ValueError`` for anything else
    (such as a link to a file)."""
    match = DATA_URI.fullmatch(uri)
    if match is None:
        raise ValueError(f"not a base64 data URI: {uri[:100]!r}")
    return match["mime"], base64.b64decode(match["data"], validate=True)


def figures_of(workdir: Path) -> set[str]:
    """The run's PNG figures, as report item paths (``results/figures/heatmap.png``)."""
    return {str(path.relative_to(workdir)) for path in (workdir / "results/figures").glob("*.png")}


def check_items(
    items: dict[str, dict], categories: dict, content: dict[str, bytes], workdir: Path
) -> None:
    """Assert that a report's items are the run's files: each item's ``content`` is the bytes
    of the file at its path in ``workdir``; the image items are exactly the PNGs of
    ``results/figures`` (at least one), all in the category "Figures"; the findings page's
    images are embedded as data URIs and are, in order, the figures ``results/report.md``
    links."""
    for path in items:
        assert content[path] == (workdir / path).read_bytes(), f"{path} differs from the run's"
    figures = figures_of(workdir)
    images = {path for path, entry in items.items() if entry["mime_type"].startswith("image/")}
    assert figures and images == figures, {"missing": figures - images, "extra": images - figures}
    assert {path for paths in categories["Figures"].values() for path in paths} == figures
    assert "results/html/findings.html" in content, "the report has no findings page"
    findings = content["results/html/findings.html"].decode("utf-8")
    sources = IMAGE_SOURCE.findall(findings)
    linked = MARKDOWN_IMAGE.findall((workdir / "results/report.md").read_text(encoding="utf-8"))
    assert linked and len(sources) == len(linked) == findings.count("<img ")
    for source, link in zip(sources, linked, strict=True):
        mime, data = decode_data_uri(source)
        assert (mime, data) == ("image/png", (workdir / "results" / link).read_bytes()), link


def check_html_report(report: Path, workdir: Path) -> dict[str, dict]:
    """Assert that the ``.html`` report is self-contained and holds this run's files: every
    item is a base64 data URI of its declared MIME type whose bytes are the file at its path in
    ``workdir`` (and :func:`check_items`). Return the items."""
    page = report.read_text(encoding="utf-8")
    items, content = report_object(page, "results"), {}
    for path, entry in items.items():
        mime, content[path] = decode_data_uri(entry["data_uri"])
        assert mime == entry["mime_type"], path
    check_items(items, report_object(page, "categories"), content, workdir)
    return items


def check_zip_report(archive: Path, workdir: Path) -> dict[str, dict]:
    """Assert that the ``.zip`` report holds this run's files: its ``<name>/report.html`` links
    every item to a file of the archive whose bytes are the file at the item's path in
    ``workdir`` (and :func:`check_items`). Return the items."""
    folder = PurePosixPath(archive.stem)
    with zipfile.ZipFile(archive) as opened:
        page = opened.read(str(folder / "report.html")).decode("utf-8")
        items = report_object(page, "results")
        content = {path: opened.read(str(folder / e["data_uri"])) for path, e in items.items()}
    check_items(items, report_object(page, "categories"), content, workdir)
    return items
