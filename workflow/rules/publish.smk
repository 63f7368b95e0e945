# Stage 6: what `snakemake --report` needs to show everything in the page. It shows an HTML
# item in the page but offers a CSV only as a download, so the findings (the markdown report,
# images embedded) and every table a rule marks as a report item get a self-contained HTML page
# (helpers: report_tables, table_report, table_page_path, report_pages in common.smk).

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
            table_rule_name(table)
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
