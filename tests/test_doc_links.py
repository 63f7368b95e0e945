"""Every relative link of the documentation leads somewhere.

The pages: README.md, CONTRIBUTING.md, config/README.md and docs/*.md. Every markdown link
``[text](target)`` and image ``![alt](target)`` outside code must name a file or folder that
exists, relative to the page; a ``#anchor`` (alone, or after a markdown page) must be the
slug of a heading of that page, as GitHub makes it: lower case, punctuation dropped, each
space a ``-``, a repeated heading numbered ``-1``, ``-2``.

Not checked: web links (``http://``, ``https://``, ``mailto:``), which would need the
network, and links into ``results/``, which a run of the study writes: a fresh clone has no
``results/`` folder, so such a link resolves only after ``make study``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO

PAGES = sorted(
    [REPO / "README.md", REPO / "CONTRIBUTING.md", REPO / "config/README.md",
     *(REPO / "docs").glob("*.md")]
)  # fmt: skip
#: ``[text](target)`` and ``![alt](target)``, with an optional ``"title"`` after the target.
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
#: ``<img src="target">``.
IMAGE_TAG = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
EXTERNAL = ("http://", "https://", "mailto:")
RESULTS = REPO / "results"


def shown(path: Path) -> str:
    """A path as a message names it: relative to the repository where it lies there."""
    return path.relative_to(REPO).as_posix() if REPO in path.parents else str(path)


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans, where nothing is a link."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text stays
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a markdown page, repeated headings numbered as GitHub does."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if seen[base] else base)
        seen[base] += 1
    return found


def links(page: Path) -> list[str]:
    text = prose(page.read_text(encoding="utf-8"))
    return LINK.findall(text) + IMAGE_TAG.findall(text)


def broken(page: Path, target: str) -> str | None:
    """Why ``target``, linked from ``page``, leads nowhere; None where it resolves or is not
    checked."""
    if target.startswith(EXTERNAL):
        return None
    path, _, anchor = target.partition("#")
    resolved = (page.parent / path).resolve() if path else page
    if resolved == RESULTS or RESULTS in resolved.parents:
        return None  # written by a run (module docstring)
    if not resolved.exists():
        return f"{target}: no such file"
    if anchor:
        if resolved.suffix != ".md" or not resolved.is_file():
            return f"{target}: an anchor into a page that is not markdown"
        if anchor not in anchors(resolved):
            return f"{target}: no heading with that anchor in {shown(resolved)}"
    return None


def test_the_pages_are_there():
    names = {shown(page) for page in PAGES}
    assert {"README.md", "CONTRIBUTING.md", "config/README.md"} <= names
    assert any(name.startswith("docs/") for name in names), "no docs/*.md page"


@pytest.mark.parametrize("page", PAGES, ids=shown)
def test_every_relative_link_resolves(page):
    problems = [problem for target in links(page) if (problem := broken(page, target))]
    assert not problems, f"{shown(page)}:\n" + "\n".join(problems)


def test_the_readme_links_every_docs_page():
    linked = {(REPO / target.partition("#")[0]).resolve() for target in links(REPO / "README.md")}
    for page in (REPO / "docs").glob("*.md"):
        assert page.resolve() in linked, f"README.md does not link {shown(page)}"


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("## `results`: where the outputs go", "results-where-the-outputs-go"),
        ("## Reruns and faults: what is guaranteed, and what is not",
         "reruns-and-faults-what-is-guaranteed-and-what-is-not"),
        ("### Depth scale 6 ξ_c", "depth-scale-6-ξ_c"),
        ("## The [report](x.md) and its figures", "the-report-and-its-figures"),
    ],
)  # fmt: skip
def test_anchors_follow_githubs_rule(heading, anchor):
    assert slug(heading.lstrip("#").strip()) == anchor


def test_a_broken_link_and_a_wrong_anchor_are_found(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## Title\n\n[ok](#title-1) [gone](missing.md) [bad](#nowhere)\n"
        "`[in code](missing.md)`\n\n```\n[in a block](missing.md)\n```\n"
    )
    assert anchors(page) == {"title", "title-1"}
    assert [target for target in links(page) if broken(page, target)] == [
        "missing.md",
        "#nowhere",
    ]
