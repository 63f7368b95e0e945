# Stage 1: the circles dataset, bit-identical to the course utilities.


localrules:
    make_dataset,


rule make_dataset:
    input:
        script_imports("make_dataset.py"),
    output:
        f"{RESULTS}/data/circles.npz",
    log:
        f"{RESULTS}/logs/make_dataset.log",
    benchmark:
        f"{RESULTS}/benchmarks/make_dataset.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        n_train=config["dataset"]["n_train"],
        n_test=config["dataset"]["n_test"],
        noise=float(config["dataset"]["noise"]),
        train_seed=config["dataset"]["train_seed"],
        test_seed=config["dataset"]["test_seed"],
    script:
        "../scripts/make_dataset.py"
