# Stage 2: a training job trains each of its cells' seeds as one batch.


# The numba kernels the training jobs call, compiled once into numba's on-disk cache so that
# the training jobs, which start together, load them instead of each compiling them again.
# Each entry point has its own job, so that both compile at once: on their own they take
# about 13 and 23 s of CPU, one after the other 25 s, and nothing trains until both are done.
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
# default the learning rates of a cell): its cells train one after the other.
rule train_cell:
    input:
        script_imports("train_cell.py"),
        data=lambda wildcards: sorted({data_file(cell) for cell in training_job_cells(wildcards)}),
        kernels=COMPILED_KERNELS,
    output:
        runs=cell_outputs("runs.csv"),
        costs=cell_outputs("costs.csv"),
        params=cell_outputs("params.npz"),
    log:
        f"{RESULTS}/logs/train/{TRAIN_JOB}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train/{TRAIN_JOB}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=MEM_MB["train_cell"],
        runtime=30 * len(BATCH),
    params:
        cells=training_job_cells,
        data=lambda wildcards: [data_file(cell) for cell in training_job_cells(wildcards)],
        seeds=SEEDS,
        # Each cell's layers and learning rate: an axis, where declared, replaces the config
        # value it stands for (model.layers, model.learning_rate; initstudy.grid.axes).
        layers=lambda wildcards: [
            cell_settings(cell, config).layers for cell in training_job_cells(wildcards)
        ],
        learning_rates=lambda wildcards: [
            cell_settings(cell, config).learning_rate for cell in training_job_cells(wildcards)
        ],
        iterations=int(config["model"]["iterations"]),
        log_every=int(config["model"]["log_every"]),
        # numpy or numba (model.backend, resolved once): switching it retrains. A rerun axis
        # trains its numpy cells with NumPy and its perturbed cells from perturbed weights.
        backends=lambda wildcards: [
            cell_settings(cell, config).backend or BACKEND
            for cell in training_job_cells(wildcards)
        ],
        perturbations=lambda wildcards: [
            cell_settings(cell, config).perturbation for cell in training_job_cells(wildcards)
        ],
        # An initializer declared in the config: changing its definition retrains its cells.
        declared=lambda wildcards: config.get("initializers", {}).get(wildcards.init, {}),
    script:
        "../scripts/train_cell.py"
