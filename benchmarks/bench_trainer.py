"""Time the project's trainer against its peers, on one thread, in one run.

For the default shape ``[2, 10, 5, 1]`` and one deep shape (``[2] + [32] * 30 +
[1]``), all on the notebook's 300 training points (``m = 300``), float64, He
initialization (seeds ``0..K-1``), learning rate 0.01, it trains the same
networks, with each hidden activation asked for (``--activations``: ReLU, the
notebook's, and ``tanh`` by default), with

- the notebook's loop (for the default shape and ReLU its own code,
  ``initstudy.model.notebook``; otherwise the same operations written for any depth,
  ``tanh`` as ``np.tanh`` and ``dA * (1 - A * A)``), network after network;
- scikit-learn's ``MLPClassifier`` (full batch, plain SGD, its own initialization;
  its own ``tanh``);
- JAX (``jit`` + ``vmap`` + ``lax.scan``, float64; ``jnp.tanh``), if installed (the
  ``bench`` extra: ``pip install -e ".[bench]"``);
- the project (``initstudy.model.train.train_batch``) with each backend (numba, numpy),

and prints, for each trainer and activation side by side, seconds per network
(min / median / max over the samples: each network for the loops, each repeat
for the batched trainers), the attained GFLOP/s (from the median; the count is
printed and derived in ``trainers.flops_per_iteration``; it leaves out the
activations, so a ``tanh`` network's GFLOP/s is the same matrix work done in its
longer time), the ratio to the notebook loop with the same activation, and two
shares of a peak, the GFLOP/s of a 2048 x 2048 float64 matrix product on one
thread: ``of peak`` is the machine's, measured once in a child process with
OpenBLAS's kernel pinning (``OPENBLAS_CORETYPE``, ``OPENBLAS_L2_SIZE``) unset
there alone (``peak.py``; it prints the kernel OpenBLAS chose and the CPU LLVM
compiles for); the last column is this process's BLAS, under the environment's
pinning, labelled with its kernel, measured before and after each shape.

For the default shape it then checks the project against the notebook loop (ReLU):
which networks' logged costs (every ``--log-every`` iterations, from the
logits) differ, by how much (relative), and whether the train and test
accuracies are equal. Every BLAS and XLA pool is pinned to one thread
(environment variables before NumPy is imported, then threadpoolctl). This is a
measurement, not a test: nothing here asserts on time. On a busy machine the
ratios measured side by side are what to read; the load average is printed.

Usage (from the repository root)::

    python benchmarks/bench_trainer.py                  # everything: 3x the ReLU-only run
    python benchmarks/bench_trainer.py --clock cpu      # on a busy machine: CPU time
    python benchmarks/bench_trainer.py --networks 20 --notebook-networks 5 --repeats 5
    python benchmarks/bench_trainer.py --deep-networks 0 --skip sklearn jax
    python benchmarks/bench_trainer.py --activations relu   # ReLU only, as before tanh came
    python benchmarks/bench_trainer.py --iterations 1 --networks 1 --skip notebook sklearn numpy
                                                        # the deep shape's kernel only

Options: ``--networks`` (K, default 20), ``--notebook-networks`` (of them, for
the loop), ``--sklearn-networks`` (3), ``--repeats`` (3), ``--iterations``
(15000), ``--learning-rate`` (0.01), ``--log-every`` (1000), ``--deep-width``
(32), ``--deep-hidden`` (30), ``--deep-iterations`` (300), ``--deep-networks``
(4; 0 skips the deep shape), ``--activations`` (comma-separated, of relu, tanh,
linear; default ``relu,tanh``), ``--skip`` (any of notebook, sklearn, jax,
numba, numpy), ``--clock`` (wall or cpu).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from itertools import pairwise  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
import trainers  # noqa: E402
from peak import llvm_cpu, machine_peak, this_process_kernel  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from initstudy.model import net as net_module  # noqa: E402
from initstudy.model.activations import ACTIVATIONS  # noqa: E402
from initstudy.model.data import make_dataset  # noqa: E402
from initstudy.model.init import initialize_batch  # noqa: E402
from initstudy.report.provenance import cpu_model  # noqa: E402

PEERS = ("notebook", "sklearn", "jax", "numba", "numpy")


def spread(samples) -> str:
    """``min / median / max`` of a list of seconds."""
    return " / ".join(f"{v:.4f}" for v in (min(samples), np.median(samples), max(samples)))


def print_flops(layers, m, iterations):
    """The FLOP count of one network's training, with its formula."""
    per_iteration = trainers.flops_per_iteration(layers, m)
    pairs = sum(a * b for a, b in pairwise(layers))
    print("FLOPs per network and iteration = 2m*S (forward) + 2m*S (dW) + 2m*(S - n0*n1) (dA)")
    print(f"  = 6*{m}*{pairs} - 2*{m}*{layers[0] * layers[1]} = {per_iteration:,}"
          f"  (S = sum n_in*n_out = {pairs}); x {iterations} iterations"
          f" = {per_iteration * iterations:.4g} per network")  # fmt: skip
    return per_iteration * iterations


def print_table(rows, flops, peak, local_peak, kernel):
    """One line per trainer and activation: s/network spread, GFLOP/s, ratio to the notebook
    loop with the same activation, share of the machine's peak (``peak``, measured unpinned
    in a child process) and of this process's BLAS (``local_peak``, kernel ``kernel``).
    ``rows`` maps ``(trainer, activation)`` to ``(label, seconds)``."""
    peak_med, local_med = float(np.median(peak)), float(np.median(local_peak))
    print(f"matmul peak, 1 thread, this process ({kernel} kernel): {spread(local_peak)} GFLOP/s"
          " (min/med/max)")  # fmt: skip
    print(f"{'trainer':36} {'act':>6} {'n':>3}  {'s / network: min / med / max':>30}"
          f"  {'GFLOP/s':>8}  {'x notebook':>10}  {'of peak':>7}"
          f"  {'of ' + str(kernel):>12}")  # fmt: skip
    for (_, activation), (label, samples) in rows.items():
        med = float(np.median(samples))
        gflops = flops / med / 1e9
        notebook = rows.get(("notebook", activation))
        ratio = f"{np.median(notebook[1]) / med:10.1f}" if notebook else f"{'-':>10}"
        print(f"{label:36} {activation:>6} {len(samples):3d}  {spread(samples):>30}"
              f"  {gflops:8.2f}  {ratio}  {gflops / peak_med:7.0%}"
              f"  {gflops / local_med:12.0%}")  # fmt: skip


def print_equality(name, seeds, costs, accs, nb_costs, nb_accs, log_every):
    """Which networks' logged costs differ from the notebook loop's, by how much; accuracies."""
    n = nb_costs.shape[0]
    costs = costs[:n, : nb_costs.shape[1]]
    rel = np.abs(costs - nb_costs) / np.abs(nb_costs)
    same = [seeds[i] for i in range(n) if np.array_equal(costs[i], nb_costs[i])]
    print(f"{name}: {len(same)} of {n} networks with every logged cost bit for bit the notebook's")
    for i in range(n):
        if seeds[i] not in same:
            worst = int(np.argmax(rel[i]))
            print(f"  seed {seeds[i]:2d}: max relative difference {rel[i].max():.2e}"
                  f" (iteration {worst * log_every})")  # fmt: skip
    equal = [seeds[i] for i in range(n) if np.array_equal(accs[i], nb_accs[i])]
    print(
        f"  train and test accuracies equal for {len(equal)} of {n} networks"
        + ("" if len(equal) == n else f" (differ: {sorted(set(seeds[:n]) - set(equal))})")
    )
    if 3 in seeds[:n]:
        print(
            f"  He seed 3: max relative cost difference {rel[seeds.index(3)].max():.2e},"
            f" accuracies {accs[seeds.index(3)].round(5)} vs {nb_accs[seeds.index(3)].round(5)}"
        )


def run_shape(args, layers, iterations, networks, nb_networks, data, backends, peak):
    """Time every trainer on one shape, each activation in turn, and print the table.

    Returns the seeds and the checked runs, ``runs[(trainer, activation)]``.
    """
    lr, every, skip, acts = args.learning_rate, args.log_every, set(args.skip), args.activations
    seeds = list(range(networks))
    W, b = initialize_batch("he", layers, 1.0, seeds)
    shown = layers if len(layers) < 6 else [*layers[:3], "...", *layers[-2:]]
    print(f"\n== layers {shown} ({len(layers) - 2} hidden), m = {data[0].shape[1]},"
          f" {iterations} iterations,"
          f" lr {lr}, He seeds 0..{networks - 1}, activations {', '.join(acts)} ==")  # fmt: skip
    flops = print_flops(layers, data[0].shape[1], iterations)
    local_peak, rows, runs, jax_final = trainers.matmul_gflops(), {}, {}, {}
    # Trainer by trainer, its activations one after the other: side by side in time.
    if "notebook" not in skip and nb_networks > 0:
        nb_W, nb_b = [w[:nb_networks] for w in W], [v[:nb_networks] for v in b]
        for act in acts:
            seconds, *runs["notebook", act] = trainers.notebook_loop(
                data, nb_W, nb_b, lr, iterations, every, act
            )
            rows["notebook", act] = ("notebook loop (per network)", seconds)
    if "sklearn" not in skip and args.sklearn_networks > 0:
        for act in acts:
            seconds = trainers.sklearn_mlp(
                data, layers, seeds[: args.sklearn_networks], lr, iterations, act
            )
            rows["sklearn", act] = ("sklearn MLPClassifier (per network)", seconds)
    if "jax" not in skip:
        if trainers.jax_available() is None:
            print("JAX is not installed: skipped (pip install -e '.[bench]')")
        else:
            for act in acts:
                seconds, jax_final[act] = trainers.jax_trainer(
                    data, W, b, lr, iterations, args.repeats, act
                )
                rows["jax", act] = (f"JAX jit+vmap+scan (B={networks})", seconds)
    for backend in backends:
        for act in acts:
            seconds, *runs[backend, act] = trainers.project(
                data, W, b, lr, iterations, every, backend, args.repeats, act
            )
            rows[backend, act] = (f"project {backend} (train_batch, B={networks})", seconds)
    local_peak += trainers.matmul_gflops()
    print_table(rows, flops, peak, local_peak, this_process_kernel())
    for act in jax_final if backends else ():
        final = runs[backends[0], act][0][:, -1]
        print(f"JAX's trained costs vs the project's ({act}): max relative difference "
              f"{np.max(np.abs(jax_final[act] - final) / np.abs(final)):.1e}")  # fmt: skip
    return seeds, runs


def activation_list(text: str) -> list[str]:
    """``--activations``: comma-separated names of the registry's activations."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ACTIVATIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown activation(s) {', '.join(unknown) or '(none)'}; allowed: "
            f"{', '.join(ACTIVATIONS)}"
        )
    return list(dict.fromkeys(names))


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run both shapes and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--networks", type=int, default=20, help="K networks, default shape")
    add("--notebook-networks", type=int, default=None, help="of them, for the notebook loop")
    add("--sklearn-networks", type=int, default=3, help="networks for scikit-learn (0: skip)")
    add("--repeats", type=int, default=3, help="repeats of the batched trainers (project, JAX)")
    add("--iterations", type=int, default=15000)
    add("--learning-rate", type=float, default=0.01)
    add("--log-every", type=int, default=1000)
    add("--deep-width", type=int, default=32)
    add("--deep-hidden", type=int, default=30, help="hidden layers of the deep shape")
    add("--deep-iterations", type=int, default=300)
    add("--deep-networks", type=int, default=4, help="networks of the deep shape (0: skip it)")
    add("--activations", type=activation_list, default=["relu", "tanh"],
        help=f"hidden activations, comma-separated, of {', '.join(ACTIVATIONS)}"
        " (default relu,tanh)")  # fmt: skip
    add("--skip", nargs="*", default=[], choices=PEERS, help="trainers to leave out")
    add("--clock", choices=("wall", "cpu"), default="wall",
        help="wall time, or the process's CPU time (for a busy machine)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.clock == "cpu":
        trainers.use_cpu_clock()

    d = make_dataset(300, 100, 0.05, 1, 2)
    data = (np.ascontiguousarray(d.X_train.T), d.y_train.reshape(1, -1).astype(float),
            np.ascontiguousarray(d.X_test.T), d.y_test.reshape(1, -1))  # fmt: skip
    backends = [name for name in ("numba", "numpy") if name not in args.skip]
    if "numba" in backends and net_module.numba_kernels() is None:
        print("numba is not installed: the numba backend is skipped")
        backends.remove("numba")
    print(f"CPU    : {cpu_model()} ({os.cpu_count()} logical cores; one thread used)")
    print(f"Load   : {' '.join(f'{v:.2f}' for v in os.getloadavg())} (1, 5, 15 min) at the start;"
          f" clock: {args.clock} time")  # fmt: skip
    print(f"Python : {platform.python_version()}, NumPy {np.__version__}, JAX "
          f"{trainers.jax_available() or 'not installed'}")  # fmt: skip
    print(f"LLVM   : {llvm_cpu()} (what numba compiles for)")
    peak = machine_peak()
    pins = ", ".join(f"{k}={v}" for k, v in peak.pinned.items()) or "none set here"
    print(f"Peak   : {spread(peak.samples)} GFLOP/s (min/med/max), one thread, float64 2048^3,"
          f" in a child process with OpenBLAS's pinning unset ({pins}): {peak.kernel} kernel;"
          f" this process: {this_process_kernel()} kernel")  # fmt: skip
    with threadpool_limits(limits=1):
        seeds, runs = run_shape(args, [2, 10, 5, 1], args.iterations, args.networks,
                                min(args.notebook_networks or args.networks, args.networks),
                                data, backends, peak.samples)  # fmt: skip
        if ("notebook", "relu") in runs:
            print(f"\nThe project against the notebook loop (ReLU, {args.log_every}-iteration"
                  " log):")  # fmt: skip
            for backend in backends:
                print_equality(backend, seeds, *runs[backend, "relu"], *runs["notebook", "relu"],
                               args.log_every)  # fmt: skip
        if args.deep_networks > 0:
            deep = [2] + [args.deep_width] * args.deep_hidden + [1]
            run_shape(args, deep, args.deep_iterations, args.deep_networks,
                      args.deep_networks, data, backends, peak.samples)  # fmt: skip
    print(f"\nLoad   : {' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
