"""The trainers that ``bench_trainer.py`` times, and the work they do.

Every trainer takes the same He networks (``initstudy.model.init.initialize_batch``,
stacked ``(K, n_out, n_in)`` weights) and trains them by full-batch gradient
descent on the same data, with the hidden layers' activation it is given
(``relu``, ``tanh`` or ``linear``, :mod:`initstudy.model.activations`); each
returns the seconds each network took (one sample per network or per repeat,
see the caller) and what the caller checks.
NumPy must be imported after the BLAS thread variables are set (the caller
does that first).
"""

from __future__ import annotations

import time
import warnings
from itertools import pairwise

import numpy as np

from initstudy.model import notebook
from initstudy.model.net import cost_from_logits
from initstudy.model.train import TrainSettings, accuracy, train_batch

#: The clock every trainer reads: wall time, or the process's CPU time (``use_cpu_clock``).
clock = time.perf_counter


def use_cpu_clock() -> None:
    """Time with the process's CPU time: on a busy machine, the time the trainers ran."""
    global clock
    clock = time.process_time


def flops_per_iteration(layers: list[int], m: int) -> int:
    """Floating-point operations of one iteration of one network (multiply-adds count 2).

    Forward ``z = W a``: ``2 m n_in n_out`` per layer; backward ``dW = dz a.T``:
    the same; ``da = W.T dz``: the same for every layer but the first, whose
    input gradient nobody needs. Biases, activations, ``exp`` and the update
    are not counted (they are ``O(m n)``, not ``O(m n^2)``).
    """
    pairs = sum(n_in * n_out for n_in, n_out in pairwise(layers))
    return 2 * m * pairs + 2 * m * pairs + 2 * m * (pairs - layers[0] * layers[1])


def matmul_gflops(n: int = 2048, repeats: int = 5) -> list[float]:
    """GFLOP/s of ``repeats`` float64 ``(n, n) @ (n, n)`` products (the practical peak)."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n)), rng.random((n, n))
    a @ b  # warm up
    samples = []
    for _ in range(repeats):
        start = clock()
        a @ b
        samples.append(2 * n**3 / (clock() - start) / 1e9)
    return samples


def _notebook_params(weights, biases, i):
    return {
        f"{kind}{l}": p[i].copy()
        for l, (W, b) in enumerate(zip(weights, biases), start=1)
        for kind, p in (("W", W), ("b", b))
    }


def _generic_step(X, Y, params, n_layers, learning_rate, activation="relu"):
    """One iteration of the notebook's operations for any depth; returns the logits.

    ``tanh`` in the notebook's manner: ``np.tanh(Z)``, and ``dA * (1 - A * A)`` backward;
    ``linear``: the identity.
    """
    A, cache = X, [X]
    for l in range(1, n_layers + 1):
        Z = np.dot(params[f"W{l}"], A) + params[f"b{l}"]
        if l == n_layers:
            A = notebook.sigmoid(Z)
        elif activation == "relu":
            A = np.maximum(0, Z)
        else:
            A = np.tanh(Z) if activation == "tanh" else Z
        cache.append(A)
    notebook.compute_loss(A, Y)
    dz = 1.0 / X.shape[1] * (A - Y)
    for l in range(n_layers, 0, -1):
        dW, db = np.dot(dz, cache[l - 1].T), np.sum(dz, axis=1, keepdims=True)
        if l > 1:
            dA = np.dot(params[f"W{l}"].T, dz)
            if activation == "relu":
                dz = np.multiply(dA, np.int64(cache[l - 1] > 0))
            else:
                dz = dA * (1 - cache[l - 1] * cache[l - 1]) if activation == "tanh" else dA
        params[f"W{l}"] = params[f"W{l}"] - learning_rate * dW
        params[f"b{l}"] = params[f"b{l}"] - learning_rate * db
    return Z


def _notebook_step(X, Y, params, learning_rate):
    """One iteration of the notebook's own loop body (``initstudy.model.notebook``); the logits."""
    a3, cache = notebook.forward_propagation(X, params)
    notebook.compute_loss(a3, Y)
    grads = notebook.backward_propagation(X, Y, cache)
    return notebook.update_parameters(params, grads, learning_rate), cache[8]


def notebook_loop(data, weights, biases, learning_rate, iterations, log_every, activation="relu"):
    """The notebook's per-network loop, network after network.

    For ``[n0, n1, n2, 1]`` and ReLU this is the notebook's own code path (its
    forward, cost, backward and update, every iteration); for other depths, and
    other activations, the same operations written for any depth (``_generic_step``,
    whose ``tanh`` is NumPy's). Besides timing, it logs each network's
    cost (from the logits, as the project logs it) before the update at
    ``0, log_every, ...`` and the train and test accuracies of the trained network.

    Returns
    -------
    seconds : list of float
        One sample per network.
    costs : ndarray (K, n_logged)
    accuracies : ndarray (K, 2)
    """
    X, Y, X_test, y_test = data
    n_layers = len(weights)
    seconds, costs, accuracies = [], [], []
    for i in range(weights[0].shape[0]):
        params, logged = _notebook_params(weights, biases, i), []
        start = clock()
        with np.errstate(over="ignore"):
            for it in range(iterations):
                if n_layers == 3 and activation == "relu":
                    params, z = _notebook_step(X, Y, params, learning_rate)
                else:
                    z = _generic_step(X, Y, params, n_layers, learning_rate, activation)
                if it % log_every == 0:  # z is the logits before this update
                    logged.append(cost_from_logits(z[None], Y)[0])
        seconds.append(clock() - start)
        costs.append(logged)
        W = [params[f"W{l}"][None] for l in range(1, n_layers + 1)]
        b = [params[f"b{l}"][None] for l in range(1, n_layers + 1)]
        accuracies.append(
            [accuracy(W, b, A, t, activation)[0] for A, t in ((X, Y), (X_test, y_test))]
        )
    return seconds, np.array(costs), np.array(accuracies)


def project(
    data, weights, biases, learning_rate, iterations, log_every, backend, repeats, activation="relu"
):
    """The project's trainer, all networks in one ``train_batch`` call, ``repeats`` times.

    Returns
    -------
    seconds : list of float
        Seconds per network of each repeat (the call's time over the network count).
    costs : ndarray (K, n_logged + 1)
        Logged costs before the update at ``0, log_every, ...``, then the trained
        network's (the last repeat's).
    accuracies : ndarray (K, 2)
    """
    X, Y, X_test, y_test = data
    layers = [weights[0].shape[2]] + [W.shape[1] for W in weights]
    warm_up = TrainSettings(layers, learning_rate, 2, 1, backend, activation)
    train_batch(weights, biases, X, Y, warm_up)  # compiles the kernel, outside the timing
    settings = TrainSettings(layers, learning_rate, iterations, log_every, backend, activation)
    seconds = []
    for _ in range(repeats):
        start = clock()
        result = train_batch(weights, biases, X, Y, settings)
        seconds.append((clock() - start) / weights[0].shape[0])
    accs = [
        accuracy(result.weights, result.biases, A, t, activation)
        for A, t in ((X, Y), (X_test, y_test))
    ]
    return seconds, result.costs, np.stack(accs, axis=1)


#: scikit-learn's names of the activations.
SKLEARN_ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "linear": "identity"}


def sklearn_mlp(data, layers, seeds, learning_rate, iterations, activation="relu"):
    """scikit-learn's ``MLPClassifier``, same architecture, full-batch SGD, no momentum.

    Its own initialization (one network per seed); one sample per network.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    points, labels = data[0].T, data[1].ravel().astype(int)
    seconds = []
    for seed in seeds:
        clf = MLPClassifier(
            hidden_layer_sizes=tuple(layers[1:-1]), activation=SKLEARN_ACTIVATIONS[activation],
            solver="sgd",
            batch_size=points.shape[0], learning_rate_init=learning_rate, momentum=0.0,
            nesterovs_momentum=False, alpha=0.0, max_iter=iterations, tol=0.0,
            n_iter_no_change=iterations + 1, shuffle=False, random_state=seed,
        )  # fmt: skip
        start = clock()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(points, labels)
        seconds.append(clock() - start)
    return seconds


def jax_available() -> str | None:
    """JAX's version, or None when it is not installed (``pip install -e ".[bench]"``)."""
    try:
        import jax
    except ImportError:
        return None
    return jax.__version__


def jax_trainer(data, weights, biases, learning_rate, iterations, repeats, activation="relu"):
    """JAX: ``jit`` of ``vmap`` over the networks of a ``lax.scan`` over the iterations.

    float64, one thread (the caller sets ``XLA_FLAGS`` before JAX is imported);
    compiled ahead of time, outside the timing. The gradient is JAX's own
    (``jax.grad`` of the mean cross-entropy from the logits; ReLU's is the
    notebook's ``Z > 0``; ``tanh`` is ``jnp.tanh``), the update ``p - lr * g``.

    Returns
    -------
    seconds : list of float
        Seconds per network of each repeat.
    final_costs : ndarray (K,)
        Each trained network's cost (to check it trained the same networks).
    """
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    X, Y = jnp.asarray(data[0]), jnp.asarray(data[1])

    def logits(params, X):
        A = X
        for W, b in params[:-1]:
            Z = W @ A + b
            if activation == "relu":
                A = jnp.where(Z > 0, Z, 0.0)
            else:
                A = jnp.tanh(Z) if activation == "tanh" else Z
        W, b = params[-1]
        return W @ A + b

    def cost(params, X, Y):
        z = logits(params, X)
        # log(1 + e^z) - z y, whose gradient is sigmoid(z) - y everywhere (also at z == 0,
        # where the gradient of maximum(z, 0) is JAX's choice); likewise where(Z > 0) above.
        return jnp.mean(jnp.logaddexp(0.0, z) - z * Y)

    def train(params, X, Y):
        def update(p, _):
            grads = jax.grad(cost)(p, X, Y)
            return jax.tree_util.tree_map(lambda q, g: q - learning_rate * g, p, grads), None

        trained, _ = jax.lax.scan(update, params, None, length=iterations)
        return trained, cost(trained, X, Y)

    params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in zip(weights, biases)]
    compiled = jax.jit(jax.vmap(train, in_axes=(0, None, None))).lower(params, X, Y).compile()
    seconds = []
    for _ in range(repeats):
        start = clock()
        _, final = jax.block_until_ready(compiled(params, X, Y))
        seconds.append((clock() - start) / weights[0].shape[0])
    return seconds, np.asarray(final)
