# Stage 5: the markdown report, every number computed from this run's tables.


localrules:
    report,


rule reproduce_notebook:
    input:
        script_imports("reproduce_notebook.py"),
        data=BASE_DATA_FILE,
    output:
        f"{RESULTS}/metrics/notebook_rerun.csv",
    log:
        f"{RESULTS}/logs/reproduce_notebook.log",
    benchmark:
        f"{RESULTS}/benchmarks/reproduce_notebook.tsv"
    priority: 1
    group:
        cluster_group(SIDE_GROUP)
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=10,
    script:
        "../scripts/reproduce_notebook.py"


# Each experiment's section of the report: its grid's tables, analysed as the main grid's.
for plan in EXPERIMENTS.values():

    rule:
        name:
            plan.rule_name("experiment_section")
        input:
            script_imports("experiment_section.py"),
            **{
                name: path
                for name, path in aggregate_outputs(plan).items()
                if name not in ("costs", "learning", "formulas", "reruns")
            },
        output:
            f"{plan.results}/section.md",
        log:
            f"{plan.results}/logs/section.log",
        benchmark:
            f"{plan.results}/benchmarks/section.tsv"
        group:
            cluster_group(SUMMARY_GROUP)
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            name=plan.name,
            settings=config["experiments"][plan.name],
            config=plan.config,
        script:
            "../scripts/experiment_section.py"


rule report:
    input:
        script_imports("write_report.py"),
        runs=rules.aggregate.output.runs,
        costs=rules.aggregate.output.costs,
        summary=rules.aggregate.output.summary,
        times=rules.aggregate.output.times,
        selection=rules.aggregate.output.selection,
        comparisons=rules.aggregate.output.comparisons,
        speedups=rules.aggregate.output.speedups,
        rankings=rules.aggregate.output.rankings,
        gain=rules.aggregate.output.gain,
        robustness=rules.aggregate.output.robustness,
        reruns=rules.aggregate.output.reruns,
        data=BASE_DATA_FILE,
        figures=drawn_figures(),
        benchmarks=[f"{RESULTS}/benchmarks/train/{job}.tsv" for job in TRAIN_JOBS],
        rerun=rules.reproduce_notebook.output if NOTEBOOK_COMPARABLE else [],
        depth=depth_section(),
        experiments=experiment_sections(),
    output:
        f"{RESULTS}/report.md",
    log:
        f"{RESULTS}/logs/report.log",
    benchmark:
        f"{RESULTS}/benchmarks/report.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        config={
            key: config.get(key, {})
            for key in ("dataset", "datasets", "model", "grid", "analysis", "notebook")
        },
        setup_differences=SETUP_DIFFERENCES,
        figures=figure_links("main"),
        # A param, so that any change to the code rewrites the report that names it.
        fingerprint=FINGERPRINT,
    script:
        "../scripts/write_report.py"
