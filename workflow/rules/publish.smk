# Stage 6: what `snakemake --report` needs to show everything in the page. It shows an HTML
# item in the page but offers a CSV only as a download, so the findings (the markdown report,
# images embedded) and every table a rule marks as a report item get a self-contained HTML page.

from snakemake.io import is_flagged


def report_tables():
    """Every CSV table that a rule marks as a report item and this config builds (the depth
    study's only when it runs): path -> its report settings (caption, category, ...)."""
    tables = {}
    for each in list(workflow.rules):
        for path in each.output:
            marked = is_flagged(path, "report") and str(path).endswith(".csv")
            wanted = "depth" in study_parts() or not str(path).startswith(f"{DEPTH_DIR}/")
            if marked and wanted and not each.has_wildcards():
                tables[str(path)] = path.flags["report"]
    return tables


def table_report(table, shown):
    """The report flag of a table's page: the table's own caption (every caption lives in
    workflow/report/), category and subcategory."""
    caption = f"../report/{shown.caption.get_filename()}" if shown.caption else None
    return report(
        table_page_path(table),
        caption=caption,
        category=shown.category,
        subcategory=shown.subcategory,
    )


def table_page_path(table):
    """The HTML page of a table: results/metrics/summary.csv -> results/html/metrics/summary.html."""
    return f"{RESULTS}/html/{os.path.splitext(os.path.relpath(table, RESULTS))[0]}.html"


REPORT_TABLES = report_tables()


rule findings_html:
    input:
        script_imports("findings_html.py"),
        report=f"{RESULTS}/report.md",
        figures=drawn_figures(),
    output:
        report(
            f"{RESULTS}/html/findings.html",
            caption="../report/findings.rst",
            category="Findings",
        ),
    log:
        f"{RESULTS}/logs/html/findings.log",
    benchmark:
        f"{RESULTS}/benchmarks/html/findings.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        title="initstudy: findings",
    script:
        "../scripts/findings_html.py"


for table, shown in REPORT_TABLES.items():

    rule:
        name:
            f"html_{os.path.splitext(os.path.relpath(table, RESULTS))[0].replace('/', '_')}"
        input:
            script_imports("table_html.py"),
            table=table,
        output:
            table_report(table, shown),
        log:
            f"{RESULTS}/logs/html/{os.path.relpath(table, RESULTS)}.log",
        localrule: True
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        params:
            title=os.path.relpath(table, RESULTS),
        script:
            "../scripts/table_html.py"


def report_pages():
    """The HTML report's own items: the findings and one page per table."""
    return [rules.findings_html.output[0], *(table_page_path(t) for t in REPORT_TABLES)]
