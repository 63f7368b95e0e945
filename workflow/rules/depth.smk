# Beyond the notebook: the depth study. Signal and gradients of deep ReLU networks at
# initialization against the theory, the spread of single networks at finite width, then
# training them (each shape at the learning rate chosen on validation, and again from
# perturbed weights and with the NumPy backend) to see where each initializer stalls.
# The rules always exist; when depth_study.enabled is false, get_final_output() (common.smk)
# and the report ask for nothing here.

# The schema declares every key of depth_study with its default (common.smk fills them in)
# and check_config its rules across keys.
DEPTH = config["depth_study"]

DEPTH_DIR = f"{RESULTS}/depth"
DEPTH_INITS = [str(init) for init in DEPTH["initializations"]]
DEPTH_SCALES = [float(scale) for scale in DEPTH["scales"]]
DEPTH_TRAINING = DEPTH["training"]
DEPTH_SPREAD = DEPTH["spread"]
# The trained configurations: (initializer, scale text, hidden layers), one job each.
DEPTH_JOBS = [
    (str(init), format_scale(scale), int(depth))
    for init, scales in DEPTH_TRAINING["initializations"].items()
    for scale in scales
    for depth in DEPTH_TRAINING["depths"]
]
DEPTH_RERUNS = [str(variant) for variant in DEPTH_TRAINING["reruns"]]
DEPTH_TRAIN_DIR = f"{DEPTH_DIR}/train/{{depth_variant}}/{{depth_init}}/scale-{{depth_scale}}/depth-{{depth_layers}}"
# The analysis settings of the main grid, so that both report the same statistics.
DEPTH_ANALYSIS = dict(
    threshold=float(config["analysis"]["success_threshold"]),
    stuck_margin=float(config["analysis"]["stuck_margin"]),
    resamples=int(config["analysis"]["bootstrap_resamples"]),
    bootstrap_seed=int(config["analysis"]["bootstrap_seed"]),
    level=float(config["analysis"]["confidence_level"]),
)
DEPTH_TRAIN_PARAMS = dict(
    width=int(DEPTH_TRAINING["width"]),
    seeds=list(range(int(DEPTH_TRAINING["seeds"]))),
    iterations=int(DEPTH_TRAINING["iterations"]),
    log_every=int(DEPTH_TRAINING["log_every"]),
    perturbation=float(DEPTH_TRAINING["perturbation"]),
    perturbation_seed=int(DEPTH_TRAINING["perturbation_seed"]),
    # model.backend trains the reference and the perturbed rerun; the numpy rerun is NumPy's.
    backend=BACKEND,
)


wildcard_constraints:
    depth_init="|".join(sorted({*DEPTH_INITS, *(job[0] for job in DEPTH_JOBS)})),
    depth_scale="|".join(
        re.escape(scale)
        for scale in sorted({*map(format_scale, DEPTH_SCALES), *(job[1] for job in DEPTH_JOBS)})
    ),
    depth_layers=r"\d+",
    depth_variant="reference|perturbed|numpy",


localrules:
    depth_section,


rule depth_signal:
    input:
        script_imports("depth_signal.py"),
        data=BASE_DATA_FILE,
    output:
        f"{DEPTH_DIR}/signal/{{depth_init}}.csv",
    log:
        f"{RESULTS}/logs/depth/signal/{{depth_init}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/signal/{{depth_init}}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        scales=DEPTH_SCALES,
        depths=[int(depth) for depth in DEPTH["depths"]],
        width=int(DEPTH["width"]),
        seeds=list(range(int(DEPTH["signal_seeds"]))),
    script:
        "../scripts/depth_signal.py"


rule depth_ratios:
    input:
        script_imports("depth_ratios.py"),
        signal=expand(f"{DEPTH_DIR}/signal/{{depth_init}}.csv", depth_init=DEPTH_INITS),
    output:
        signal=f"{DEPTH_DIR}/signal.csv",
        ratios=report(
            f"{DEPTH_DIR}/ratios.csv",
            caption="../report/depth_ratios.rst",
            category="Depth study",
        ),
    log:
        f"{RESULTS}/logs/depth/ratios.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/ratios.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        level=DEPTH_ANALYSIS["level"],
    script:
        "../scripts/depth_ratios.py"


rule depth_train:
    input:
        script_imports("depth_train.py"),
        data=BASE_DATA_FILE,
        kernels=COMPILED_KERNELS,
    output:
        runs=f"{DEPTH_DIR}/train/reference/{{depth_init}}/scale-{{depth_scale}}/depth-{{depth_layers}}/runs.csv",
        costs=f"{DEPTH_DIR}/train/reference/{{depth_init}}/scale-{{depth_scale}}/depth-{{depth_layers}}/costs.csv",
    log:
        f"{RESULTS}/logs/depth/train/reference/{{depth_init}}/scale-{{depth_scale}}/depth-{{depth_layers}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/train/reference/{{depth_init}}/scale-{{depth_scale}}/depth-{{depth_layers}}.tsv"
    # the longest jobs of the study: started first, the grid's short cells fill in around them
    priority: 1
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=120,
    params:
        **DEPTH_TRAIN_PARAMS,
        variant="reference",
        learning_rates=[float(rate) for rate in DEPTH_TRAINING["learning_rates"]],
    script:
        "../scripts/depth_train.py"


rule depth_select:
    input:
        script_imports("depth_select.py"),
        runs=depth_train_files("reference", "runs.csv"),
        costs=depth_train_files("reference", "costs.csv"),
    output:
        rates=report(
            f"{DEPTH_DIR}/learning_rates.csv",
            caption="../report/depth_summary.rst",
            category="Depth study",
        ),
        runs=f"{DEPTH_DIR}/candidate_runs.csv",
    log:
        f"{RESULTS}/logs/depth/select.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/select.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        threshold=DEPTH_ANALYSIS["threshold"],
        stuck_margin=DEPTH_ANALYSIS["stuck_margin"],
    script:
        "../scripts/depth_select.py"


rule depth_rerun:
    input:
        script_imports("depth_train.py"),
        data=BASE_DATA_FILE,
        kernels=COMPILED_KERNELS,
        rates=rules.depth_select.output.rates,
    output:
        runs=f"{DEPTH_TRAIN_DIR}/runs.csv",
        costs=f"{DEPTH_TRAIN_DIR}/costs.csv",
    log:
        f"{RESULTS}/logs/depth/train/{{depth_variant}}/{{depth_init}}/scale-{{depth_scale}}/depth-{{depth_layers}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/train/{{depth_variant}}/{{depth_init}}/scale-{{depth_scale}}/depth-{{depth_layers}}.tsv"
    wildcard_constraints:
        depth_variant="perturbed|numpy",
    priority: 1
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=120,
    params:
        **DEPTH_TRAIN_PARAMS,
        variant=lambda wildcards: wildcards.depth_variant,
    script:
        "../scripts/depth_train.py"


rule depth_summary:
    input:
        script_imports("depth_summary.py"),
        rates=rules.depth_select.output.rates,
        candidates=rules.depth_select.output.runs,
        runs=[depth_train_files(variant, "runs.csv") for variant in DEPTH_RERUNS],
        costs=[depth_train_files(variant, "costs.csv") for variant in DEPTH_RERUNS],
        data=BASE_DATA_FILE,
    output:
        runs=f"{DEPTH_DIR}/runs.csv",
        summary=report(
            f"{DEPTH_DIR}/summary.csv",
            caption="../report/depth_summary.rst",
            category="Depth study",
        ),
        robustness=f"{DEPTH_DIR}/robustness.csv",
        failure=f"{DEPTH_DIR}/failure_prediction.csv",
        pooled=f"{DEPTH_DIR}/failure_pooled.csv",
        matched=f"{DEPTH_DIR}/matched_gain.csv",
    log:
        f"{RESULTS}/logs/depth/summary.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/summary.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **DEPTH_ANALYSIS,
        permutations=int(DEPTH_SPREAD["permutations"]),
    script:
        "../scripts/depth_summary.py"


rule depth_spread:
    input:
        script_imports("depth_spread.py"),
        data=BASE_DATA_FILE,
    output:
        f"{DEPTH_DIR}/spread.csv",
    log:
        f"{RESULTS}/logs/depth/spread.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/spread.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        depths=[int(depth) for depth in DEPTH_SPREAD["depths"]],
        widths=[int(width) for width in DEPTH_SPREAD["widths"]],
        seeds=list(range(int(DEPTH_SPREAD["seeds"]))),
        resamples=DEPTH_ANALYSIS["resamples"],
        bootstrap_seed=DEPTH_ANALYSIS["bootstrap_seed"],
        level=DEPTH_ANALYSIS["level"],
    script:
        "../scripts/depth_spread.py"


rule depth_section:
    input:
        script_imports("depth_section.py"),
        ratios=rules.depth_ratios.output.ratios,
        summary=rules.depth_summary.output.summary,
        rates=rules.depth_select.output.rates,
        robustness=rules.depth_summary.output.robustness,
        failure=rules.depth_summary.output.failure,
        pooled=rules.depth_summary.output.pooled,
        matched=rules.depth_summary.output.matched,
        spread=rules.depth_spread.output[0],
    output:
        f"{DEPTH_DIR}/section.md",
    log:
        f"{RESULTS}/logs/depth/section.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/section.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        settings=DEPTH,
        threshold=DEPTH_ANALYSIS["threshold"],
        level=DEPTH_ANALYSIS["level"],
        figures=figure_links("depth"),
    script:
        "../scripts/depth_section.py"
