"""Time the project's trainer against the notebook's loop and scikit-learn, on one core.

Trains the same K He networks (seeds ``0..K-1``, shape ``[2, 10, 5, 1]``, learning
rate 0.01, 15000 full-batch iterations on the notebook's 300 training points)
three ways and prints seconds per network:

(a) the notebook's per-network loop (:mod:`initstudy.notebook`), network by network;
(b) the project's trainer (:func:`initstudy.train.train_batch`), all K as one batch;
(c) scikit-learn's ``MLPClassifier`` with the same architecture, full-batch SGD
    without momentum or regularization, as an independent peer.

It then checks that (a) and (b) give the same networks: the largest relative
difference of the logged costs and whether the train/test accuracies agree.
BLAS is pinned to one thread before NumPy is imported. This is a measurement,
not a test: nothing here asserts on time.

Usage (from the repository root)::

    python benchmarks/bench_trainer.py --networks 20
    python benchmarks/bench_trainer.py --networks 20 --notebook-networks 5 --backend numpy
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402

from initstudy import net as net_module  # noqa: E402
from initstudy import notebook  # noqa: E402
from initstudy.data import make_dataset  # noqa: E402
from initstudy.init import initialize, initialize_batch  # noqa: E402
from initstudy.provenance import cpu_model  # noqa: E402
from initstudy.train import TrainSettings, accuracy, train_batch  # noqa: E402


def blas_info() -> str:
    """Name and version of the BLAS NumPy is linked to."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # informational only
        return "unknown"


def notebook_params(layers: list[int], seed: int) -> dict:
    """He initial parameters of one network, as the notebook's dict."""
    params = {}
    for l, (W, b) in enumerate(initialize("he", layers, 1.0, seed), start=1):
        params[f"W{l}"], params[f"b{l}"] = W, b
    return params


def time_notebook(X, y, Xt, yt, layers, seeds, lr, iterations, log_every):
    """Train each network with the notebook's loop; seconds per network, costs, accuracies."""
    costs, accs = [], []
    start = time.perf_counter()
    for seed in seeds:
        params, logged = notebook.model(
            X, y, notebook_params(layers, seed), lr, iterations, log_every
        )
        costs.append(logged)
        accs.append([np.mean(notebook.predict(A, params) == t) for A, t in ((X, y), (Xt, yt))])
    return (time.perf_counter() - start) / len(seeds), np.array(costs), np.array(accs)


def time_project(X, y, Xt, yt, layers, seeds, lr, iterations, log_every, backend):
    """Train all networks as one batch with the project's trainer, on ``backend``."""
    W, b = initialize_batch("he", layers, 1.0, seeds)
    warm_up = TrainSettings(layers, lr, 2, 1, backend=backend)
    train_batch(W, b, X, y, warm_up)  # compile / warm up outside the timing
    start = time.perf_counter()
    settings = TrainSettings(layers, lr, iterations, log_every, backend=backend)
    result = train_batch(W, b, X, y, settings)
    seconds = (time.perf_counter() - start) / len(seeds)
    accs = np.stack(
        [accuracy(result.weights, result.biases, A, t) for A, t in ((X, y), (Xt, yt))], axis=1
    )
    return seconds, result.costs[:, :-1], accs


def time_sklearn(X, y, layers, seeds, lr, iterations):
    """Full-batch gradient descent of the same architecture with scikit-learn."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    points, labels = X.T, y.ravel().astype(int)
    start = time.perf_counter()
    for seed in seeds:
        clf = MLPClassifier(
            hidden_layer_sizes=tuple(layers[1:-1]), activation="relu", solver="sgd",
            batch_size=points.shape[0], learning_rate_init=lr, momentum=0.0,
            nesterovs_momentum=False, alpha=0.0, max_iter=iterations, tol=0.0,
            n_iter_no_change=iterations + 1, shuffle=False, random_state=seed,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(points, labels)
    return (time.perf_counter() - start) / len(seeds)


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run the three trainers and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", type=int, default=20, help="K networks for the project")
    parser.add_argument("--notebook-networks", type=int, default=None,
                        help="networks for the notebook loop (default: all K)")  # fmt: skip
    parser.add_argument("--sklearn-networks", type=int, default=3,
                        help="networks for scikit-learn (0 to skip)")  # fmt: skip
    parser.add_argument("--iterations", type=int, default=15000)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--log-every", type=int, default=1000)
    parser.add_argument("--layers", type=int, nargs="+", default=[2, 10, 5, 1])
    parser.add_argument("--backend", choices=net_module.BACKENDS, default="auto",
                        help="backend of the project's trainer")  # fmt: skip
    args = parser.parse_args(argv)
    layers, lr, its, every = args.layers, args.learning_rate, args.iterations, args.log_every
    if len(layers) != 4:
        parser.error("the notebook loop is written for two hidden layers: give 4 widths")

    data = make_dataset(300, 100, 0.05, 1, 2)
    X, y = np.ascontiguousarray(data.X_train.T), data.y_train.reshape(1, -1).astype(float)
    Xt, yt = np.ascontiguousarray(data.X_test.T), data.y_test.reshape(1, -1)
    seeds = list(range(args.networks))
    nb_seeds = seeds[: args.notebook_networks or args.networks]

    print(f"CPU      : {cpu_model()} ({os.cpu_count()} logical cores, BLAS threads pinned to 1)")
    print(f"Python   : {platform.python_version()}, NumPy {np.__version__}, BLAS {blas_info()}")
    backend = net_module.resolve_backend(args.backend)
    if backend == "numba":
        import numba

        backend += f" (numba {numba.__version__})"
    print(f"Setup    : layers {layers}, lr {lr}, {its} iterations, He seeds 0..{len(seeds) - 1}")
    print(f"Project  : backend {backend}\n")

    t_proj, c_proj, a_proj = time_project(X, y, Xt, yt, layers, seeds, lr, its, every, args.backend)
    print(f"{f'project  (train_batch, B={len(seeds)})':34}: {t_proj:8.4f} s/network")
    t_nb, c_nb, a_nb = time_notebook(X, y, Xt, yt, layers, nb_seeds, lr, its, every)
    print(f"{f'notebook (loop, {len(nb_seeds)} networks)':34}: {t_nb:8.4f} s/network")
    if args.sklearn_networks > 0:
        t_sk = time_sklearn(X, y, layers, seeds[: args.sklearn_networks], lr, its)
        label = f"sklearn  (MLPClassifier, {args.sklearn_networks} networks)"
        print(f"{label:34}: {t_sk:8.4f} s/network")
    print(f"\nnotebook / project : {t_nb / t_proj:6.1f} x")
    if args.sklearn_networks > 0:
        print(f"sklearn  / project : {t_sk / t_proj:6.1f} x")

    n = len(nb_seeds)
    rel = np.abs(c_proj[:n] - c_nb) / np.abs(c_nb)
    same = np.array_equal(a_proj[:n], a_nb)
    print(f"\nmax relative cost difference, notebook vs project ({n} networks x "
          f"{c_nb.shape[1]} logged iterations): {rel.max():.3e}")  # fmt: skip
    print(f"train/test accuracies identical for all {n} networks: {same}")
    if 3 in nb_seeds:
        print(f"seed 3 accuracies (train, test): project {a_proj[3].round(5)}, "
              f"notebook {a_nb[3].round(5)}")  # fmt: skip


if __name__ == "__main__":
    main()
