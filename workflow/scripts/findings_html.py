"""The markdown report as one self-contained HTML page (the HTML report's Findings)."""

from pathlib import Path

from common import finish, start_log

from initstudy.report.publish import markdown_page
from initstudy.util.atomic import write_text_atomic

smk = snakemake  # noqa: F821
log = start_log(smk)
report = Path(smk.input.report)
page = markdown_page(report.read_text(encoding="utf-8"), report.parent, smk.params.title)
write_text_atomic(smk.output[0], page)
log.info("%s: %d characters, images embedded", smk.output[0], len(page))
finish(log)
