# Stage 3: tidy tables of the whole grid, run outcomes and seed statistics.


rule aggregate:
    input:
        script_imports("aggregate.py"),
        runs=cell_files("runs.csv"),
        costs=cell_files("costs.csv"),
    output:
        runs=report(
            f"{RESULTS}/metrics/runs.csv",
            caption="../report/runs.rst",
            category="Tables",
        ),
        costs=f"{RESULTS}/metrics/costs.csv",
        summary=report(
            f"{RESULTS}/metrics/summary.csv",
            caption="../report/summary.rst",
            category="Tables",
        ),
        learning=f"{RESULTS}/metrics/learning.csv",
        selection=report(
            f"{RESULTS}/metrics/selection.csv",
            caption="../report/selection.rst",
            category="Tables",
        ),
        comparisons=report(
            f"{RESULTS}/metrics/comparisons.csv",
            caption="../report/comparisons.rst",
            category="Tables",
        ),
        rankings=f"{RESULTS}/metrics/rankings.csv",
        speedups=f"{RESULTS}/metrics/speedups.csv",
        gain=report(
            f"{RESULTS}/metrics/gain.csv",
            caption="../report/gain.rst",
            category="Tables",
        ),
        formulas=f"{RESULTS}/metrics/formulas.csv",
        times=report(
            f"{RESULTS}/metrics/times.csv",
            caption="../report/times.rst",
            category="Tables",
        ),
        # Empty (header only) without a rerun axis.
        reruns=f"{RESULTS}/metrics/reruns.csv",
        robustness=report(
            f"{RESULTS}/metrics/robustness.csv",
            caption="../report/robustness.rst",
            category="Tables",
        ),
    log:
        f"{RESULTS}/logs/aggregate.log",
    benchmark:
        f"{RESULTS}/benchmarks/aggregate.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=MEM_MB["aggregate"],
        runtime=10,
    params:
        axes=list(AXES),
        cells=[[cell["init"], cell["scale"]] for cell in CELLS],
        layers=[int(width) for width in config["model"]["layers"]],
        seeds=SEEDS,
        iterations=int(config["model"]["iterations"]),
        log_every=int(config["model"]["log_every"]),
        notebook_iterations=int(config["analysis"]["notebook_iterations"]),
        threshold=float(config["analysis"]["success_threshold"]),
        thresholds=[float(t) for t in config["analysis"]["thresholds"]],
        stuck_margin=float(config["analysis"]["stuck_margin"]),
        resamples=int(config["analysis"]["bootstrap_resamples"]),
        bootstrap_seed=int(config["analysis"]["bootstrap_seed"]),
        level=float(config["analysis"]["confidence_level"]),
        reference=[
            config["analysis"]["reference"]["init"],
            float(config["analysis"]["reference"]["scale"]),
        ],
    script:
        "../scripts/aggregate.py"
