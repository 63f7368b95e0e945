# Stage 2: a training job trains each of its cells' seeds as one batch.


# The numba kernels the training jobs call, compiled once into numba's on-disk cache so that
# the training jobs, which start together, load them instead of each compiling them again.
# Each entry point has its own job, so that both compile at once (about 50 s of CPU each,
# cold, on a Zen 5 CPU, 2026-12-05), and nothing trains until both are done.
KERNELS = ("forward", "run")


rule compile_kernels:
    input:
        script_imports("compile_kernels.py"),
    output:
        f"{RESULTS}/kernels/{{kernel}}.txt",
    log:
        f"{RESULTS}/logs/compile_kernels/{{kernel}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/compile_kernels/{{kernel}}.tsv"
    wildcard_constraints:
        kernel="|".join(KERNELS),
    # Cluster runs: both kernels in one submission (the Slurm profile sets one thread each).
    group:
        cluster_group(COMPILE_GROUP)
    conda:
        ENV
    # Compiling is one thread, but nothing trains before both jobs end: claiming two cores
    # keeps other jobs from sharing theirs (with --cores 4 on two cores, four jobs would).
    threads: 2
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/compile_kernels.py"


COMPILED_KERNELS = expand(f"{RESULTS}/kernels/{{kernel}}.txt", kernel=KERNELS)


# One job per cell, or per group of cells that differ only on grid.batched_axes (by
# default the learning rates of a cell): its cells train one after the other. The same rule
# for every grid of the study: train_cell for the main grid, train_cell_<name> for an
# experiment (grid.plan).
for plan in PLANS:

    rule:
        name:
            plan.rule_name("train_cell")
        input:
            script_imports("train_cell.py"),
            data=lambda wildcards, plan=plan: sorted(set(plan.job_data(wildcards))),
            kernels=COMPILED_KERNELS,
        output:
            runs=plan.cell_outputs("runs.csv"),
            costs=plan.cell_outputs("costs.csv"),
            params=plan.cell_outputs("params.npz"),
        log:
            f"{plan.results}/logs/train/{plan.train_job}.log",
        benchmark:
            f"{plan.results}/benchmarks/train/{plan.train_job}.tsv"
        # Cluster runs only (ignored locally): about cluster.group_minutes of jobs per submission.
        group:
            cluster_group(
                lambda wildcards, plan=plan: TRAINING_GROUPS[plan.name][plan.job_name(wildcards)]
            )
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=MEM_MB[plan.name]["train_cell"],
            runtime=lambda wildcards, plan=plan: runtime_minutes(
                JOB_SECONDS[plan.name][plan.job_name(wildcards)]
            ),
        params:
            cells=plan.job_cells,
            data=plan.job_data,
            seeds=plan.seeds,
            # Each cell's layers and learning rate: an axis, where declared, replaces the
            # config value it stands for (model.layers, model.learning_rate; grid.axes).
            layers=partial(plan.job_settings, field="layers"),
            learning_rates=partial(plan.job_settings, field="learning_rate"),
            iterations=int(plan.config["model"]["iterations"]),
            log_every=int(plan.config["model"]["log_every"]),
            # numpy or numba (model.backend, resolved once): switching it retrains. A rerun
            # axis trains its numpy cells with NumPy and its perturbed cells from perturbed
            # weights.
            backends=partial(plan.job_backends, backend=BACKEND),
            perturbations=partial(plan.job_settings, field="perturbation"),
            activations=partial(plan.job_settings, field="activation"),
            bias_stds=partial(plan.job_settings, field="bias_std"),
            # An initializer declared in the config: changing its definition retrains its cells.
            # Sorted: the order of its keys in the config file changes nothing.
            declared=lambda wildcards: dict(
                sorted(config.get("initializers", {}).get(wildcards.init, {}).items())
            ),
        script:
            "../scripts/train_cell.py"
