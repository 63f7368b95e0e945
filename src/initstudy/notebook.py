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
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
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
        parameters["W" + str(k + 1)] = parameters["W" + str(k + 1)] - learning_rate * grads["dW" + str(k + 1)]
        parameters["b" + str(k + 1)] = parameters["b" + str(k + 1)] - learning_rate * grads["db" + str(k + 1)]
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
