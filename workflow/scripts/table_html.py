"""One metrics table (CSV) as a self-contained HTML page, viewable in the HTML report."""

from common import finish, start_log

from initstudy.report.publish import table_page
from initstudy.util.atomic import write_text_atomic

smk = snakemake  # noqa: F821
log = start_log(smk)
write_text_atomic(smk.output[0], table_page(smk.input.table, smk.params.title))
log.info("%s -> %s", smk.input.table, smk.output[0])
finish(log)
