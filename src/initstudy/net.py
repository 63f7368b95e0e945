"""Forward and backward pass of a ReLU MLP with a sigmoid output, batched over networks.

Shapes follow the notebook: data ``X`` is ``(n_0, m)`` with examples as columns.
A batch of ``B`` networks of the same ``layers`` stacks its weights as
``W[l]: (B, n_{l+1}, n_l)`` and biases as ``b[l]: (B, n_{l+1}, 1)``.

:class:`BatchedMLP` keeps every array it needs allocated once (parameters and
gradients each in one flat buffer), so an iteration is a fixed sequence of
about ten NumPy calls per layer with no allocation. Operation by operation the
arithmetic of each network is the notebook's (``dot``, ``+ b``,
``maximum(0, .)``, ``1 / (1 + exp(-z))``, ``1/m * (a - y)``, ``W - lr * dW``),
so a network trained in a batch follows the notebook's trajectory.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function, written as the notebook writes it (``1 / (1 + exp(-z))``).

    ``exp`` overflows to ``inf`` for ``z < -709``, which gives the exact limit 0;
    the caller decides how floating-point events are reported.

    Parameters
    ----------
    z : ndarray

    Returns
    -------
    ndarray
    """
    return 1 / (1 + np.exp(-z))


def cost_from_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean binary cross-entropy of each network, computed from the output logits.

    ``-y log s(z) - (1-y) log(1-s(z)) = max(z, 0) - z y + log1p(exp(-|z|))``,
    which is finite whenever ``z`` is, where the notebook's
    ``-log(sigmoid(z))`` is ``inf`` as soon as ``sigmoid`` rounds to 0 or 1.

    Parameters
    ----------
    z : ndarray of shape (B, 1, m)
        Output logits of ``B`` networks.
    y : ndarray of shape (1, m)
        Labels 0/1.

    Returns
    -------
    ndarray of shape (B,)
    """
    per_example = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    # ``1/m * sum`` rather than ``mean``: the notebook's rounding, to the last digit.
    return 1.0 / y.shape[1] * per_example.sum(axis=(1, 2))


class BatchedMLP:
    """``B`` ReLU networks of one shape, with preallocated buffers for training.

    Parameters
    ----------
    weights, biases : list of ndarray
        Stacked initial parameters, ``(B, n_{l+1}, n_l)`` and ``(B, n_{l+1}, 1)``;
        they are copied.
    n_examples : int
        Number of training examples ``m`` the buffers are sized for.

    Attributes
    ----------
    weights, biases : list of ndarray
        Views into one flat parameter buffer, updated in place by :meth:`step`.
    """

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray], n_examples: int):
        self.batch = weights[0].shape[0]
        shapes = [(W.shape, b.shape) for W, b in zip(weights, biases)]
        size = sum(int(np.prod(w)) + int(np.prod(b)) for w, b in shapes)
        self._params = np.empty(size)
        self._grads = np.empty(size)
        self.weights, self.biases = self._views(self._params, shapes)
        self._grad_weights, self._grad_biases = self._views(self._grads, shapes)
        for dst, src in zip(self.weights + self.biases, list(weights) + list(biases)):
            dst[...] = src
        batch, m = self.batch, n_examples
        widths = [W.shape[1] for W in weights]
        self._z = [np.empty((batch, n, m)) for n in widths]
        self._a = [np.empty((batch, n, m)) for n in widths[:-1]]
        self._dz = [np.empty((batch, n, m)) for n in widths]
        self._mask = [np.empty((batch, n, m), dtype=bool) for n in widths[:-1]]

    @staticmethod
    def _views(flat, shapes):
        weights, biases, offset = [], [], 0
        for w_shape, b_shape in shapes:
            for shape, out in ((w_shape, weights), (b_shape, biases)):
                n = int(np.prod(shape))
                out.append(flat[offset : offset + n].reshape(shape))
                offset += n
        return weights, biases

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Compute every layer for inputs ``X`` of shape ``(n_0, m)``.

        Returns
        -------
        ndarray of shape (B, 1, m)
            Output logits (a buffer overwritten by the next call).
        """
        a = X
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = self._z[l]
            np.matmul(W, a, out=z)
            z += b
            if l < len(self._a):
                a = np.maximum(0, z, out=self._a[l])
        return self._z[-1]

    def backward(self, X: np.ndarray, y: np.ndarray) -> None:
        """Gradients of the mean cross-entropy at the last :meth:`forward`, into the buffers.

        Parameters
        ----------
        X : ndarray of shape (n_0, m)
            The inputs of the last forward pass.
        y : ndarray of shape (1, m)
        """
        dz = self._dz[-1]
        np.negative(self._z[-1], out=dz)
        np.exp(dz, out=dz)
        dz += 1
        np.divide(1, dz, out=dz)  # sigmoid, the notebook's way
        dz -= y
        dz *= 1.0 / y.shape[1]
        for l in range(len(self.weights) - 1, -1, -1):
            dz = self._dz[l]
            a_in = X if l == 0 else self._a[l - 1]
            np.matmul(dz, np.swapaxes(a_in, -1, -2), out=self._grad_weights[l])
            np.sum(dz, axis=-1, keepdims=True, out=self._grad_biases[l])
            if l > 0:
                da = np.matmul(np.swapaxes(self.weights[l], -1, -2), dz, out=self._dz[l - 1])
                mask = np.greater(a_in, 0, out=self._mask[l - 1])
                np.multiply(da, mask, out=da)

    def step(self, learning_rate: float) -> None:
        """One gradient-descent update of all parameters: ``p <- p - lr * grad``."""
        np.multiply(self._grads, learning_rate, out=self._grads)
        np.subtract(self._params, self._grads, out=self._params)
