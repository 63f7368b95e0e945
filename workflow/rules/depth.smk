# Beyond the notebook: the depth study's theory. Signal and gradients of deep ReLU networks at
# initialization against the theory, and the spread of single networks at finite width: no
# training (deep networks are trained as an experiment of the grid: experiments in the config).
# The rules always exist; when depth_study.enabled is false, get_final_output() (common.smk)
# and the report ask for nothing here.

# The schema declares every key of depth_study with its default (common.smk fills them in)
# and check_config its rules across keys.
DEPTH = config["depth_study"]

DEPTH_DIR = f"{RESULTS}/depth"
DEPTH_INITS = [str(init) for init in DEPTH["initializations"]]
DEPTH_SCALES = [float(scale) for scale in DEPTH["scales"]]
DEPTH_SPREAD = DEPTH["spread"]
# The analysis settings of the main grid, so that both report the same statistics.
DEPTH_ANALYSIS = dict(
    resamples=int(config["analysis"]["bootstrap_resamples"]),
    bootstrap_seed=int(config["analysis"]["bootstrap_seed"]),
    level=float(config["analysis"]["confidence_level"]),
)


wildcard_constraints:
    depth_init="|".join(DEPTH_INITS),


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
        # An initializer declared in the config: changing its definition measures it again.
        declared=lambda wildcards: dict(
            sorted(config.get("initializers", {}).get(wildcards.depth_init, {}).items())
        ),
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
        level=DEPTH_ANALYSIS["level"],
        figures=figure_links("depth"),
    script:
        "../scripts/depth_section.py"
