"""Forward and backward pass of a ReLU MLP with a sigmoid output, batched over networks.

Shapes follow the notebook: data ``X`` is ``(n_0, m)`` with examples as columns.
A batch of ``B`` networks of the same ``layers`` exposes its weights as
``W[l]: (B, n_{l+1}, n_l)`` and biases as ``b[l]: (B, n_{l+1}, 1)``.

:class:`BatchedMLP` keeps every array it needs allocated once (parameters and
gradients each in one flat buffer), so an iteration allocates nothing.
Operation by operation the arithmetic of each network is the notebook's
(``dot``, ``+ b``, ``maximum(0, .)``, ``1 / (1 + exp(-z))``, ``1/m * (a - y)``,
``W - lr * dW``), so a network trained in a batch follows the notebook's
trajectory. Two backends compute it:

``"numpy"``
    Batched BLAS calls on ``(B, n_out, n_in)`` stacks; the first layer, whose
    input ``X`` all networks share, is one 2-D product. The notebook's BLAS
    routines: He seed 3 is bit for bit the notebook's over 15000 iterations, other
    networks within a few 1e-16 relative (BLAS's blocking depends on the shape).
``"numba"``
    The compiled loops of :mod:`initstudy.kernel_numba`: one network at a time,
    examples as the SIMD axis, no per-call overhead. The same operations in the
    same order except for how the sums over examples are split (and no fused
    multiply-adds): it agrees with the notebook to about 1e-15 relative over
    15000 iterations, and is 2-3 times faster than ``"numpy"`` on small networks.
``"auto"``
    ``"numba"`` when numba can be imported, else ``"numpy"``.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

try:
    from initstudy import kernel_numba
except ImportError:  # numba is optional
    kernel_numba = None

BACKENDS = ("auto", "numpy", "numba")

#: Backend of a :class:`BatchedMLP` built with ``backend=None`` (the trainer's case).
DEFAULT_BACKEND = "auto"


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


def resolve_backend(backend: str | None) -> str:
    """The backend ``backend`` stands for: ``"auto"`` becomes ``"numba"`` if available.

    Parameters
    ----------
    backend : {"auto", "numpy", "numba"} or None
        None stands for :data:`DEFAULT_BACKEND`.

    Returns
    -------
    {"numpy", "numba"}

    Raises
    ------
    ValueError
        If ``backend`` is not one of :data:`BACKENDS`.
    ImportError
        If ``backend="numba"`` and numba cannot be imported.
    """
    if backend is None:
        backend = DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is not one of {', '.join(BACKENDS)}")
    if backend == "auto":
        return "numpy" if kernel_numba is None else "numba"
    if backend == "numba" and kernel_numba is None:
        raise ImportError("backend='numba' needs the numba package (pip install numba)")
    return backend


def _raise_exp_events(lo: float, hi: float) -> None:
    """Report the overflow or underflow of the numba backend's ``exp`` as NumPy's would.

    ``exp`` overflows or underflows at its extreme arguments if anywhere, so
    NumPy's ``exp`` of those two raises the same floating-point events, through
    the caller's ``np.errstate`` (once per kernel call, not once per iteration).

    Parameters
    ----------
    lo, hi : float
        Smallest and largest finite argument the kernel passed to ``exp``.
    """
    if lo < -700.0 or hi > 700.0:
        np.exp(np.array([lo, hi]))


class BatchedMLP:
    """``B`` ReLU networks of one shape, with preallocated buffers for training.

    Parameters
    ----------
    weights, biases : list of ndarray
        Stacked initial parameters, ``(B, n_{l+1}, n_l)`` and ``(B, n_{l+1}, 1)``;
        they are copied.
    n_examples : int
        Number of training examples ``m`` the buffers are sized for.
    backend : {"auto", "numpy", "numba"}, optional
        Who computes the passes (see the module notes); both give the same
        networks to about 1e-15 relative. Default :data:`DEFAULT_BACKEND` (``"auto"``).

    Attributes
    ----------
    batch : int
        Number of networks ``B``.
    backend : {"numpy", "numba"}
        The backend in use.
    weights, biases : list of ndarray
        Views ``(B, n_{l+1}, n_l)`` and ``(B, n_{l+1}, 1)`` into one flat parameter
        buffer, updated in place by :meth:`step`; writing into them changes the
        networks.
    """

    def __init__(
        self,
        weights: list[np.ndarray],
        biases: list[np.ndarray],
        n_examples: int,
        backend: str | None = None,
    ):
        self.backend = resolve_backend(backend)
        self.batch = batch = weights[0].shape[0]
        self.n_examples = m = n_examples
        self._widths = [weights[0].shape[2]] + [W.shape[1] for W in weights]
        widths = self._widths
        w_sizes = [batch * n_out * n_in for n_in, n_out in pairwise(widths)]
        b_sizes = [batch * n_out for n_out in widths[1:]]
        w_off, b_off, offset = [], [], 0
        for w_size, b_size in zip(w_sizes, b_sizes, strict=True):
            w_off.append(offset)
            b_off.append(offset + w_size)
            offset += w_size + b_size
        self._params = np.empty(offset)
        self._grads = np.empty(offset)
        self.weights, self.biases = self._views(self._params, w_off, b_off)
        self._grad_weights, self._grad_biases = self._views(self._grads, w_off, b_off)
        for dst, src in zip(self.weights + self.biases, list(weights) + list(biases), strict=True):
            dst[...] = src
        if self.backend == "numba":
            self._init_numba(w_off, b_off)
        else:
            self._z = [np.empty((batch, n, m)) for n in widths[1:]]
            self._a = [np.empty((batch, n, m)) for n in widths[1:-1]]
            self._dz = [np.empty((batch, n, m)) for n in widths[1:]]
            self._mask = [np.empty((batch, n, m), dtype=bool) for n in widths[1:-1]]

    def _views(self, flat, w_off, b_off):
        batch, widths = self.batch, self._widths
        weights, biases = [], []
        for l, (n_in, n_out) in enumerate(pairwise(widths)):
            W = flat[w_off[l] : w_off[l] + batch * n_out * n_in]
            b = flat[b_off[l] : b_off[l] + batch * n_out]
            weights.append(W.reshape(batch, n_out, n_in))
            biases.append(b.reshape(batch, n_out, 1))
        return weights, biases

    def _init_numba(self, w_off, b_off):
        batch, m, widths = self.batch, self.n_examples, self._widths
        self._k_widths = np.array(widths, dtype=np.int64)
        self._k_w_off = np.array(w_off, dtype=np.int64)
        self._k_b_off = np.array(b_off, dtype=np.int64)
        a_sizes = [batch * n * m for n in widths[1:]]
        self._k_a_off = np.cumsum([0, *a_sizes[:-1]]).astype(np.int64)
        self._acts = np.empty(sum(a_sizes))
        self._dz_a, self._dz_b = np.empty(max(widths) * m), np.empty(max(widths) * m)
        self._dz_out = np.empty((batch, widths[-1], m))
        self._ones = np.ones((1, m))
        self._wt = np.empty(max(a * b for a, b in pairwise(widths)))
        self._logits = self._acts[self._k_a_off[-1] :].reshape(batch, widths[-1], m)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Compute every layer for inputs ``X`` of shape ``(n_0, m)``.

        Parameters
        ----------
        X : ndarray of shape (n_0, m), float64

        Returns
        -------
        ndarray of shape (B, 1, m)
            Output logits (a buffer overwritten by the next call).
        """
        if self.backend == "numba":
            kernel_numba.forward(
                np.ascontiguousarray(X), self._params, self._acts, self._k_widths,
                self._k_w_off, self._k_b_off, self._k_a_off, self.batch,
            )  # fmt: skip
            return self._logits
        a = X
        for l, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = self._z[l]
            if l == 0:
                # X is shared: one (B n_1, n_0) @ (n_0, m) product instead of B small ones.
                np.matmul(W.reshape(-1, W.shape[2]), X, out=z.reshape(-1, z.shape[2]))
            else:
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
            Labels 0/1 as floats.
        """
        if self.backend == "numba":
            _raise_exp_events(*kernel_numba.backward(*self._numba_args(X, y)))
            return
        self._output_gradient(self._z[-1], self._dz[-1], y)
        for l in range(len(self.weights) - 1, -1, -1):
            dz = self._dz[l]
            dW = self._grad_weights[l]
            if l == 0:
                np.matmul(dz.reshape(-1, dz.shape[2]), X.T, out=dW.reshape(-1, dW.shape[2]))
            else:
                np.matmul(dz, np.swapaxes(self._a[l - 1], -1, -2), out=dW)
            np.sum(dz, axis=-1, keepdims=True, out=self._grad_biases[l])
            if l > 0:
                da = np.matmul(np.swapaxes(self.weights[l], -1, -2), dz, out=self._dz[l - 1])
                mask = np.greater(self._a[l - 1], 0, out=self._mask[l - 1])
                np.multiply(da, mask, out=da)

    def _numba_args(self, X, y):
        """Arguments of :func:`kernel_numba.backward` (and the first ones of ``run``)."""
        return (
            np.ascontiguousarray(X), np.ascontiguousarray(y, dtype=np.float64), self._params,
            self._grads, self._acts, self._dz_out, self._dz_a, self._dz_b, self._ones, self._wt,
            self._k_widths, self._k_w_off, self._k_b_off, self._k_a_off, self.batch,
        )  # fmt: skip

    @staticmethod
    def _output_gradient(z, dz, y):
        """``dz = 1/m * (sigmoid(z) - y)``, the notebook's way, in NumPy's vectorized ``exp``."""
        np.negative(z, out=dz)
        np.exp(dz, out=dz)
        dz += 1
        np.divide(1, dz, out=dz)
        dz -= y
        dz *= 1.0 / y.shape[1]

    def step(self, learning_rate: float) -> None:
        """One gradient-descent update of all parameters: ``p <- p - lr * grad``.

        Parameters
        ----------
        learning_rate : float
        """
        if self.backend == "numba":
            kernel_numba.step(self._params, self._grads, learning_rate)
            return
        np.multiply(self._grads, learning_rate, out=self._grads)
        np.subtract(self._params, self._grads, out=self._params)

    def run(self, X: np.ndarray, y: np.ndarray, learning_rate: float, iterations: int) -> None:
        """``iterations`` rounds of :meth:`forward`, :meth:`backward` and :meth:`step`.

        The networks end where that loop leaves them (bit for bit with the
        ``"numba"`` backend, which runs each network's iterations in one call);
        the activation and gradient buffers are then unspecified.

        Parameters
        ----------
        X : ndarray of shape (n_0, m)
        y : ndarray of shape (1, m)
            Labels 0/1 as floats.
        learning_rate : float
        iterations : int
        """
        if self.backend == "numba":
            args = self._numba_args(X, y)
            _raise_exp_events(*kernel_numba.run(*args, float(learning_rate), int(iterations)))
            return
        for _ in range(iterations):
            self.forward(X)
            self.backward(X, y)
            self.step(learning_rate)
