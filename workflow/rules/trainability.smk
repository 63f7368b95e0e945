# The trainability map of each experiment that asks for one (experiments.<name>.trainability_map):
# the share of seeds that train over (sigma_w^2, depth), per activation and bias spread, beside
# mean-field theory's 6 xi_c (initstudy.analysis.trainability, initstudy.theory.mean_field).


for plan in EXPERIMENTS.values():
    if trainability_outputs(plan):

        rule:
            name:
                plan.rule_name("trainability_map")
            input:
                script_imports("trainability_map.py"),
                runs=aggregate_outputs(plan)["runs"],
            output:
                cells=trainability_outputs(plan)["cells"],
                boundary=trainability_outputs(plan)["boundary"],
                theory=trainability_outputs(plan)["theory"],
                figure=report(
                    trainability_outputs(plan)["figure"],
                    caption="../report/figure.rst",
                    category="Experiments",
                ),
                section=trainability_outputs(plan)["section"],
            log:
                f"{plan.results}/logs/trainability_map.log",
            benchmark:
                f"{plan.results}/benchmarks/trainability_map.tsv"
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
                config=plan.config,
                figure_path=os.path.relpath(trainability_outputs(plan)["figure"], RESULTS),
                caption="The share of seeds that train in each cell of the (σ_w², depth) plane, "
                "with mean-field theory's 6 ξ_c drawn over it.",
            script:
                "../scripts/trainability_map.py"
