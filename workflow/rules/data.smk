# Stage 1: the data sets (the notebook's circles, bit-identical), one file per draw.


localrules:
    make_dataset,


wildcard_constraints:
    data="|".join(re.escape(stem) for stem in DATA_FILES),


rule make_dataset:
    input:
        script_imports("make_dataset.py"),
    output:
        f"{RESULTS}/data/{{data}}.npz",
    log:
        f"{RESULTS}/logs/make_dataset/{{data}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/make_dataset/{{data}}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        # Sorted: Snakemake compares params as written, so a config whose keys come in
        # another order would otherwise redraw the data and retrain everything.
        spec=lambda wildcards: dict(sorted(DATASETS[DATA_FILES[wildcards.data][0]].items())),
        draw=lambda wildcards: DATA_FILES[wildcards.data][1],
    script:
        "../scripts/make_dataset.py"
