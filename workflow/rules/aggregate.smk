# Stage 3: tidy tables of the whole grid, run outcomes and seed statistics.


# The same rule for every grid: aggregate for the main grid, aggregate_<name> for an experiment.
for plan in PLANS:

    rule:
        name:
            plan.rule_name("aggregate")
        input:
            script_imports("aggregate.py"),
            runs=plan.cell_files("runs.csv"),
            costs=plan.cell_files("costs.csv"),
        output:
            **aggregate_outputs(plan),
        log:
            f"{plan.results}/logs/aggregate.log",
        benchmark:
            f"{plan.results}/benchmarks/aggregate.tsv"
        group:
            cluster_group(SUMMARY_GROUP)
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=MEM_MB[plan.name]["aggregate"],
            runtime=10,
        params:
            **aggregate_params(plan.config),
        script:
            "../scripts/aggregate.py"
