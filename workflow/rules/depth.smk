# Beyond the notebook: the depth study. Signal and gradients of deep ReLU networks at
# initialization against the theory, then training them to see where each initializer stalls.
# The rules always exist; when depth_study.enabled is false, get_final_output() (common.smk)
# and the report ask for nothing here.

# The schema declares every key of depth_study with its default (common.smk fills them in)
# and check_config its rules across keys.
DEPTH = config["depth_study"]

DEPTH_DIR = f"{RESULTS}/depth"
DEPTH_INITS = [str(init) for init in DEPTH["initializations"]]
DEPTH_SCALES = [float(scale) for scale in DEPTH["scales"]]
DEPTH_TRAINING = DEPTH["training"]
DEPTH_TRAIN_DEPTHS = [int(depth) for depth in DEPTH_TRAINING["depths"]]
# The analysis settings of the main grid, so that both report the same statistics.
DEPTH_ANALYSIS = dict(
    threshold=float(config["analysis"]["success_threshold"]),
    stuck_margin=float(config["analysis"]["stuck_margin"]),
    resamples=int(config["analysis"]["bootstrap_resamples"]),
    bootstrap_seed=int(config["analysis"]["bootstrap_seed"]),
    level=float(config["analysis"]["confidence_level"]),
)


wildcard_constraints:
    depth_init="|".join(DEPTH_INITS),
    depth_scale="|".join(re.escape(format_scale(scale)) for scale in DEPTH_SCALES),


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
        kernels=rules.compile_kernels.output[0],
    output:
        f"{DEPTH_DIR}/train/{{depth_init}}/scale-{{depth_scale}}.csv",
    log:
        f"{RESULTS}/logs/depth/train/{{depth_init}}/scale-{{depth_scale}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/train/{{depth_init}}/scale-{{depth_scale}}.tsv"
    # the longest jobs of the study: started first, the grid's short cells fill in around them
    priority: 1
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        depths=DEPTH_TRAIN_DEPTHS,
        width=int(DEPTH_TRAINING["width"]),
        seeds=list(range(int(DEPTH_TRAINING["seeds"]))),
        learning_rate=float(DEPTH_TRAINING["learning_rate"]),
        iterations=int(DEPTH_TRAINING["iterations"]),
        log_every=int(DEPTH_TRAINING["log_every"]),
    script:
        "../scripts/depth_train.py"


rule depth_summary:
    input:
        script_imports("depth_summary.py"),
        runs=expand(
            f"{DEPTH_DIR}/train/{{depth_init}}/scale-{{depth_scale}}.csv",
            depth_init=DEPTH_INITS,
            depth_scale=[format_scale(scale) for scale in DEPTH_SCALES],
        ),
        data=BASE_DATA_FILE,
    output:
        runs=f"{DEPTH_DIR}/runs.csv",
        summary=report(
            f"{DEPTH_DIR}/summary.csv",
            caption="../report/depth_summary.rst",
            category="Depth study",
        ),
    log:
        f"{RESULTS}/logs/depth/summary.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/summary.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        **DEPTH_ANALYSIS,
    script:
        "../scripts/depth_summary.py"


rule depth_section:
    input:
        script_imports("depth_section.py"),
        ratios=rules.depth_ratios.output.ratios,
        summary=rules.depth_summary.output.summary,
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
