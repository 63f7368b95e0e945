# Beyond the notebook: the depth study's theory. Signal and gradients of deep ReLU networks at
# initialization against the theory, and the spread of single networks at finite width: no
# training (deep networks are trained as an experiment of the grid: experiments in the config).
# The rules always exist; when depth_study.enabled is false, get_final_output() (common.smk)
# and the report ask for nothing here.

from initstudy.model.declared import InitializerError
from initstudy.theory.depth_glorot import declare_rules

# The schema declares every key of depth_study with its default (common.smk fills them in)
# and check_config its rules across keys.
DEPTH = config["depth_study"]

DEPTH_DIR = f"{RESULTS}/depth"
DEPTH_INITS = [str(init) for init in DEPTH["initializations"]]
DEPTH_SCALES = [float(scale) for scale in DEPTH["scales"]]
DEPTH_SPREAD = DEPTH["spread"]
# Glorot & Bengio's (2010) rules with tanh (depth_study.glorot_bengio): measured only where the
# config gives rules (none by default). Each is an initializer spec, as under initializers,
# registered by the jobs that draw, plot or report it; a bad one is refused here, before any job.
GLOROT = DEPTH["glorot_bengio"]
# Sorted keys: the order of a spec's keys does not count (a param of the jobs).
GLOROT_RULES = {name: dict(sorted(spec.items())) for name, spec in GLOROT["rules"].items()}
try:
    GLOROT_INITS = declare_rules(GLOROT_RULES)
except InitializerError as error:
    raise WorkflowError(f"invalid config (nothing was run):\n{error}") from None
GLOROT_DIR = f"{DEPTH_DIR}/glorot"
GLOROT_FIGURE = f"{FIGURE_DIR}/depth_glorot.png"
GLOROT_CAPTION = (
    "Glorot & Bengio (2010), Figs. 6–7, at initialization: per row one rule; left and middle, "
    "the normalized histograms (log density) of each hidden layer's activations and "
    "back-propagated gradients dL/dz over units, training inputs and seeds (darker: nearer the "
    "output); right, their root mean square per layer relative to the first layer "
    "(activations) and to the last hidden layer (gradients), mean over seeds with its "
    f"{config['analysis']['confidence_level']:.0%} confidence interval, beside mean-field "
    "theory (dashed). The title gives the gradient's geometric-mean factor per layer."
)
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
    group:
        cluster_group(SIDE_GROUP)
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
    group:
        cluster_group(SIDE_GROUP)
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
    group:
        cluster_group(SIDE_GROUP)
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


rule depth_glorot:
    input:
        script_imports("depth_glorot.py"),
        data=BASE_DATA_FILE,
    output:
        layers=f"{GLOROT_DIR}/layers.csv",
        histograms=f"{GLOROT_DIR}/histograms.csv",
        summary=f"{GLOROT_DIR}/summary.csv",
    log:
        f"{RESULTS}/logs/depth/glorot.log",
    benchmark:
        f"{RESULTS}/benchmarks/depth/glorot.tsv"
    group:
        cluster_group(SIDE_GROUP)
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        # The rules' definitions: a changed one is measured again.
        rules=GLOROT_RULES,
        activation=str(GLOROT["activation"]),
        depths=[int(depth) for depth in GLOROT["depths"]],
        width=int(GLOROT["width"]),
        seeds=list(range(int(GLOROT["seeds"]))),
        level=DEPTH_ANALYSIS["level"],
    script:
        "../scripts/depth_glorot.py"


rule depth_plot_glorot:
    input:
        script_imports("depth_plot_glorot.py"),
        summary=rules.depth_glorot.output.summary,
        histograms=rules.depth_glorot.output.histograms,
    output:
        report(GLOROT_FIGURE, caption="../report/figure.rst", category="Depth study"),
    log:
        f"{RESULTS}/logs/figures/depth_glorot.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/depth_glorot.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        rules=GLOROT_RULES,
        caption=GLOROT_CAPTION,
    script:
        "../scripts/depth_plot_glorot.py"


rule depth_section:
    input:
        script_imports("depth_section.py"),
        ratios=rules.depth_ratios.output.ratios,
        spread=rules.depth_spread.output[0],
        # Glorot & Bengio's rules, where measured: their summary, and their figure so that the
        # study draws it (the section links to it).
        glorot=[rules.depth_glorot.output.summary] if GLOROT_INITS else [],
        glorot_figure=[GLOROT_FIGURE] if GLOROT_INITS else [],
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
        glorot_rules=GLOROT_RULES,
        glorot_figure={
            "path": os.path.relpath(GLOROT_FIGURE, RESULTS),
            "title": "Activations and back-propagated gradients per layer, Glorot & Bengio's rules",
            "caption": GLOROT_CAPTION,
        },
    script:
        "../scripts/depth_section.py"
