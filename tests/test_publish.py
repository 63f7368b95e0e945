"""Publishing: the HTML report opened in a real headless browser, its HTML pages, the GitHub
workflow files against GitHub's schema, and the citation file."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from browser import CHROMIUM, evaluate_in_page
from conftest import REPO, TINY, private_copy, snakemake

from initstudy.report.publish import NO_VALUE, data_uri, markdown_page, table_page

#: Evaluated in the report once it has loaded: decodes every image item (and every image
#: inside the HTML items) in the browser and returns what it found.
CHECK = """
(async () => {
  const decode = async (src) => {
    const image = new Image();
    image.src = src;
    try { await image.decode(); return [image.naturalWidth, image.naturalHeight]; }
    catch (error) { return [0, 0, String(error)]; }
  };
  const found = {images: {}, pages: {}, captions: {}};
  for (const [path, entry] of Object.entries(results)) {
    found.captions[path] = entry.caption || "";
    if (entry.mime_type.startsWith("image/")) {
      found.images[path] = await decode(entry.data_uri);
    } else if (entry.mime_type === "text/html") {
      const text = await (await fetch(entry.data_uri)).text();
      const doc = new DOMParser().parseFromString(text, "text/html");
      const sizes = [];
      for (const image of doc.images) sizes.push(await decode(image.src));
      found.pages[path] = {text: doc.body.textContent, images: sizes,
                           tables: doc.querySelectorAll("table").length};
    }
  }
  found.landing = document.body.innerText;
  return found;
})()
"""


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def open_in_browser(report: Path, tmp_path: Path) -> dict:
    """Load ``report`` in headless Chromium and return what :data:`CHECK` found there."""
    return evaluate_in_page(report, CHECK, tmp_path / "profile")


def test_markdown_page_embeds_every_image_and_renders_tables(tmp_path):
    (tmp_path / "figures").mkdir()
    plt.imsave(tmp_path / "figures/a.png", np.zeros((3, 5, 3)))
    text = "# Findings\n\n| a | b |\n|---|---|\n| 1 | — |\n\n"
    text += "![A figure](figures/a.png)\n\n*Its caption.*\n"
    page = markdown_page(text, tmp_path, "t")
    assert "<table>" in page and "<td>1</td>" in page and "<em>Its caption.</em>" in page
    assert f'src="{data_uri(tmp_path / "figures/a.png")}"' in page
    assert 'src="figures/a.png"' not in page
    assert png_size((tmp_path / "figures/a.png").read_bytes()) == (5, 3)
    with pytest.raises(FileNotFoundError, match=r"links to figures/b\.png"):
        markdown_page("![b](figures/b.png)", tmp_path, "t")


def test_table_page_shows_every_field_as_written_and_axes_as_the_report_does(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        "init,scale,mean,note\nhe,1.0,0.1234567890123,\nlecun,1.4142135623730951,,<b>\n"
    )
    page = table_page(table, "t.csv")
    cells = re.findall(r"<td>(.*?)</td>", page)
    assert cells == [
        "he",
        "1",
        "0.1234567890123",
        NO_VALUE,
        "lecun",
        "√2",
        NO_VALUE,
        "&lt;b&gt;",
    ]
    assert "1.4142135623730951" not in page
    assert "<p>2 rows" in page


def test_a_table_line_with_a_field_too_many_names_the_file_and_line(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("init,scale\nhe,1.0\nlecun,1.0,extra\n")
    with pytest.raises(ValueError, match=r"t\.csv: line 3 has 3 fields, where its header has 2"):
        table_page(table, "t.csv")


def needs_chromium():
    """Skip without Chromium on a developer's machine; fail on CI, whose ``.ci/run`` installs it."""
    if CHROMIUM is None:
        message = "needs Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"CI installs Chromium (.ci/run), but none is on PATH: {message}")
        pytest.skip(message)


@pytest.mark.workflow
def test_the_html_report_shows_findings_tables_and_every_figure(tiny_study, tmp_path):
    needs_chromium()
    tiny_study = private_copy(tiny_study, tmp_path / "study")
    snakemake(tiny_study, "--report", "results/report.html", *TINY)
    report = tiny_study / "results/report.html"
    found = open_in_browser(report, tmp_path)
    # The landing text the app rendered, with no pointer to a file the report lacks.
    assert "Findings holds the report of this run" in found["landing"]
    assert "report.md" not in found["landing"]
    figures = sorted((tiny_study / "results/figures").glob("*.png"))
    assert figures and set(found["images"]) == {str(f.relative_to(tiny_study)) for f in figures}
    for figure in figures:
        path = str(figure.relative_to(tiny_study))
        assert found["images"][path][:2] == list(png_size(figure.read_bytes())), path
        assert len(found["captions"][path]) > 40, f"{path} has no caption"
    findings = found["pages"]["results/html/findings.html"]
    report_md = (tiny_study / "results/report.md").read_text(encoding="utf-8")
    for heading in re.findall(r"^## (.+)$", report_md, re.M):
        assert heading.replace("`", "") in findings["text"], heading
    assert findings["tables"] >= 1
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report_md)
    assert len(findings["images"]) == len(linked) > 0
    for size, link in zip(findings["images"], linked):
        assert size == list(png_size((tiny_study / "results" / link).read_bytes())), link
    for table in ("summary", "runs", "comparisons"):
        page = found["pages"][f"results/html/metrics/{table}.html"]
        assert page["tables"] == 1 and f"metrics/{table}.csv" in page["text"]


@pytest.mark.workflow
def test_a_report_zip_holds_the_same_items(tiny_study, tmp_path):
    tiny_study = private_copy(tiny_study, tmp_path / "study")
    snakemake(tiny_study, "--report", "results/report.zip", *TINY)
    with zipfile.ZipFile(tiny_study / "results/report.zip") as archive:
        names = archive.namelist()
    assert any(name.endswith("findings.html") for name in names)
    assert any(name.endswith("heatmap.png") for name in names)


WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))


def test_github_workflows_pass_githubs_schema():
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "publish.yml"}
    proc = subprocess.run(
        [Path(sys.executable).with_name("check-jsonschema"), "--builtin-schema",
         "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_citation_file_is_valid_cff():
    proc = subprocess.run(
        [Path(sys.executable).with_name("check-jsonschema"), "--builtin-schema",
         "vendor.citation-file-format", str(REPO / "CITATION.cff")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MIT License" in (REPO / "LICENSE").read_text()
