"""A faithful copy of the course notebook's model, kept as the reference.

This is the notebook's code path (``init_utils`` forward/backward/update and
``model``'s loop) with only printing and plotting removed. The tests compare
the project's trainer with it, and the benchmark times it; nothing in the
workflow trains with it.
"""

from __future__ import annotations

import numpy as np


def initialize_parameters(layers_dims: list[int], initialization: str) -> dict:
    """The notebook's three initializers (``zeros``, ``random`` = randn * 10, ``he``), seed 3.

    Parameters
    ----------
    layers_dims : list of int
    initialization : {"zeros", "random", "he"}

    Returns
    -------
    dict
        ``W1, b1, ..., WL, bL`` as in the notebook.
    """
    rng = np.random.RandomState(3)
    parameters = {}
    for l in range(1, len(layers_dims)):
        shape = (layers_dims[l], layers_dims[l - 1])
        if initialization == "zeros":
            parameters["W" + str(l)] = np.zeros(shape)
        elif initialization == "random":
            parameters["W" + str(l)] = rng.randn(*shape) * 10
        elif initialization == "he":
            parameters["W" + str(l)] = rng.randn(*shape) * np.sqrt(2 / layers_dims[l - 1])
        else:
            raise ValueError(f"unknown notebook initialization {initialization!r}")
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def sigmoid(x):
    """Logistic function as the course writes it."""
    return 1 / (1 + np.exp(-x))


def relu(x):
    """Rectifier as the course writes it."""
    return np.maximum(0, x)


def forward_propagation(X, parameters):
    """LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID, returning the output and the cache."""
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    z1 = np.dot(W1, X) + b1
    a1 = relu(z1)
    z2 = np.dot(W2, a1) + b2
    a2 = relu(z2)
    z3 = np.dot(W3, a2) + b3
    a3 = sigmoid(z3)
    return a3, (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)


def backward_propagation(X, Y, cache):
    """Gradients of the mean cross-entropy, as the course computes them."""
    m = X.shape[1]
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache  # noqa: RUF059 (the course's line)
    dz3 = 1.0 / m * (a3 - Y)
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims=True)
    da2 = np.dot(W3.T, dz3)
    dz2 = np.multiply(da2, np.int64(a2 > 0))
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims=True)
    da1 = np.dot(W2.T, dz2)
    dz1 = np.multiply(da1, np.int64(a1 > 0))
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step."""
    L = len(parameters) // 2
    for k in range(L):
        parameters["W" + str(k + 1)] = (
            parameters["W" + str(k + 1)] - learning_rate * grads["dW" + str(k + 1)]
        )
        parameters["b" + str(k + 1)] = (
            parameters["b" + str(k + 1)] - learning_rate * grads["db" + str(k + 1)]
        )
    return parameters


def compute_loss(a3, Y):
    """The course's cost: ``inf`` once an output saturates to exactly 0 or 1."""
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1.0 / m * np.nansum(logprobs)


def predict(X, parameters):
    """Labels 1 where the output exceeds 0.5."""
    a3, _ = forward_propagation(X, parameters)
    return (a3 > 0.5).astype(np.int64)


def model(X, Y, parameters, learning_rate=0.01, num_iterations=15000, log_every=1000):
    """The notebook's training loop; returns the trained parameters and the logged costs.

    Parameters
    ----------
    X : ndarray of shape (2, m)
    Y : ndarray of shape (1, m)
    parameters : dict
        Initial parameters (modified copies are returned, the input is not changed).
    learning_rate : float
    num_iterations : int
    log_every : int
        The notebook prints every 1000 iterations.

    Returns
    -------
    parameters : dict
    costs : list of float
        The cost at iterations ``0, log_every, ...``, before that iteration's update.
    """
    parameters = dict(parameters)
    costs = []
    with np.errstate(over="ignore"):
        for i in range(0, num_iterations):
            a3, cache = forward_propagation(X, parameters)
            cost = compute_loss(a3, Y)
            grads = backward_propagation(X, Y, cache)
            parameters = update_parameters(parameters, grads, learning_rate)
            if i % log_every == 0:
                costs.append(cost)
    return parameters, costs


#: What the notebook printed for its three runs (seed 3, [2, 10, 5, 1], lr 0.01,
#: 15000 iterations): the cost every 1000 iterations and the accuracies, verbatim.
PRINTED = {
    ("zeros", 1.0): {
        "costs": [0.6931471805599453] * 10 + [0.6931471805599455] + [0.6931471805599453] * 4,
        "train_accuracy": 0.5,
        "test_accuracy": 0.5,
    },
    ("random", 10.0): {
        "costs": [
            float("inf"),
            0.6235719528716395,
            0.5980821226022246,
            0.5637996692567824,
            0.5501754102867465,
            0.5444767640123352,
            0.5374657035647926,
            0.4775406670630984,
            0.39784053325714386,
            0.3934817369887478,
            0.39203280921110983,
            0.38927347547167324,
            0.3861625886188003,
            0.38499044850062425,
            0.38279756848782404,
        ],
        "train_accuracy": 0.83,
        "test_accuracy": 0.86,
    },
    ("he", 1.0): {
        "costs": [
            0.8830537463419761,
            0.6879825919728063,
            0.6751286264523371,
            0.6526117768893807,
            0.6082958970572938,
            0.5304944491717495,
            0.4138645817071795,
            0.3117803464844414,
            0.23696215330322565,
            0.18597287209206842,
            0.15015556280371808,
            0.12325079292273552,
            0.09917746546525931,
            0.08457055954024274,
            0.07357895962677365,
        ],
        "train_accuracy": 0.993333333333,
        "test_accuracy": 0.96,
    },
}
PRINTED_EVERY = 1000
#: The notebook's setup; the reproduction table is meaningful only under it.
SETUP = {
    "dataset": {"n_train": 300, "n_test": 100, "noise": 0.05, "train_seed": 1, "test_seed": 2},
    "model": {"layers": [2, 10, 5, 1], "learning_rate": 0.01, "iterations": 15000},
    "seed": 3,
}


def rerun_printed_runs(X, Y, X_test, y_test) -> dict:
    """Run the notebook's own code path here for its three printed runs.

    Parameters
    ----------
    X, Y : ndarray
        Training data in the notebook's layout, ``(2, m)`` and ``(1, m)``.
    X_test, y_test : ndarray
        Test data, ``(2, m_test)`` and ``(m_test,)``.

    Returns
    -------
    dict
        ``(init, scale) -> {"costs", "train_accuracy", "test_accuracy"}``, as :data:`PRINTED`.
    """
    reruns = {}
    for init, scale in PRINTED:
        start = initialize_parameters(SETUP["model"]["layers"], init)
        trained, costs = model(X, Y, start, log_every=PRINTED_EVERY)
        reruns[(init, scale)] = {
            "costs": [float(c) for c in costs],
            "train_accuracy": float((predict(X, trained) == Y).mean()),
            "test_accuracy": float((predict(X_test, trained) == y_test).mean()),
        }
    return reruns
