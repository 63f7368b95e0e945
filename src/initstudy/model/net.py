"""Forward and backward pass of an MLP with a sigmoid output, batched over networks.

The hidden layers' activation is one of :mod:`initstudy.model.activations`
(``relu``, the notebook's, by default; ``tanh``; ``linear``).

Shapes follow the notebook: data ``X`` is ``(n_0, m)`` with examples as columns.
A batch of ``B`` networks of the same ``layers`` exposes its weights as
``W[l]: (B, n_{l+1}, n_l)`` and biases as ``b[l]: (B, n_{l+1}, 1)``.

:func:`batched_mlp` resolves the backend once and returns one of two classes
over the shared buffers of :class:`MLPBase` (parameters and gradients each in
one flat buffer, every array allocated once, so an iteration allocates
nothing). Operation by operation the arithmetic of each network is the
notebook's (``dot``, ``+ b``, ``maximum(0, .)``, ``1 / (1 + exp(-z))``,
``1/m * (a - y)``, ``W - lr * dW``), so a network trained in a batch follows
the notebook's trajectory.

:class:`NumpyMLP` (``"numpy"``)
    Batched BLAS calls on ``(B, n_out, n_in)`` stacks; the first layer, whose
    input ``X`` all networks share, is one 2-D product. The notebook's BLAS
    routines: He seed 3 is bit for bit the notebook's over 15000 iterations, other
    networks within a few 1e-16 relative (BLAS's blocking depends on the shape).
    Its public buffers hold every layer's ``z`` and ``dL/dz``.
:class:`NumbaMLP` (``"numba"``)
    The compiled loops of :mod:`initstudy.model.kernel_numba`: one network at a time,
    examples as the SIMD axis, no per-call overhead. The same operations in the
    same order except for how the sums over examples are split, its own ``exp``
    (and no fused multiply-adds): it agrees with the notebook to about 1e-15
    relative over 15000 iterations, and is 3-4 times faster than ``"numpy"`` on
    small networks (``benchmarks/bench_trainer.py``).

Backend ``"auto"`` is ``"numba"`` when numba can be imported, else ``"numpy"``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cache
from itertools import pairwise

import numpy as np

from initstudy.model.activations import DEFAULT_ACTIVATION, lookup_activation

BACKENDS = ("auto", "numpy", "numba")

#: Backend that ``backend=None`` stands for in :func:`resolve_backend` and :func:`batched_mlp`.
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


@cache
def numba_kernels():
    """The compiled kernels, :mod:`initstudy.model.kernel_numba`, imported on first use.

    Importing numba takes about 0.2 s of CPU, and many importers of this module never train
    with it (the aggregation, the depth study's signal passes): only those that do pay it.

    Returns
    -------
    module or None
        None where numba cannot be imported (it is optional).
    """
    try:
        from initstudy.model import kernel_numba
    except ImportError:
        return None
    return kernel_numba


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
        return "numpy" if numba_kernels() is None else "numba"
    if backend == "numba" and numba_kernels() is None:
        raise ImportError("backend='numba' needs the numba package (pip install numba)")
    return backend


class MLPBase(ABC):
    """``B`` networks of one shape: the parameter and gradient buffers both backends share.

    Parameters and gradients each live in one flat buffer, of which the public
    lists are views. Subclasses compute the passes; build one with :func:`batched_mlp`.

    Parameters
    ----------
    weights, biases : list of ndarray
        Stacked initial parameters, ``(B, n_{l+1}, n_l)`` and ``(B, n_{l+1}, 1)``;
        they are copied.
    n_examples : int
        Number of training examples ``m`` the buffers are sized for.
    activation : str
        The hidden layers' activation, a name of
        :data:`initstudy.model.activations.ACTIVATIONS`.

    Attributes
    ----------
    activation : initstudy.model.activations.Activation
    backend : {"numpy", "numba"}
        Who computes the passes.
    batch, n_examples : int
        Number of networks ``B`` and of examples ``m``.
    weights, biases : list of ndarray
        Views ``(B, n_{l+1}, n_l)`` and ``(B, n_{l+1}, 1)`` into the parameter
        buffer, updated in place by :meth:`step`; writing into them changes the
        networks.
    weight_gradients, bias_gradients : list of ndarray
        Views of the same shapes into the gradient buffer: the gradients of the
        mean cross-entropy after :meth:`backward`.
    """

    backend: str

    def __init__(
        self,
        weights: list[np.ndarray],
        biases: list[np.ndarray],
        n_examples: int,
        activation: str = DEFAULT_ACTIVATION,
    ):
        self.activation = lookup_activation(activation)
        self.batch = batch = weights[0].shape[0]
        self.n_examples = n_examples
        self._widths = widths = [weights[0].shape[2]] + [W.shape[1] for W in weights]
        self._w_off, self._b_off, offset = [], [], 0
        for n_in, n_out in pairwise(widths):
            self._w_off.append(offset)
            self._b_off.append(offset + batch * n_out * n_in)
            offset += batch * n_out * (n_in + 1)
        self._params = np.empty(offset)
        self._grads = np.empty(offset)
        self.weights, self.biases = self._views(self._params)
        self.weight_gradients, self.bias_gradients = self._views(self._grads)
        for dst, src in zip(self.weights + self.biases, list(weights) + list(biases), strict=True):
            dst[...] = src

    def _views(self, flat):
        """Per-layer ``(B, n_out, n_in)`` and ``(B, n_out, 1)`` views into a flat buffer."""
        batch = self.batch
        weights, biases = [], []
        for l, (n_in, n_out) in enumerate(pairwise(self._widths)):
            W = flat[self._w_off[l] : self._w_off[l] + batch * n_out * n_in]
            b = flat[self._b_off[l] : self._b_off[l] + batch * n_out]
            weights.append(W.reshape(batch, n_out, n_in))
            biases.append(b.reshape(batch, n_out, 1))
        return weights, biases

    @abstractmethod
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Compute every layer for inputs ``X`` of shape ``(n_0, m)``.

        Parameters
        ----------
        X : ndarray of shape (n_0, m), float64

        Returns
        -------
        ndarray of shape (B, n_L, m)
            Output logits (a buffer overwritten by the next call).
        """

    @abstractmethod
    def backward(self, X: np.ndarray, y: np.ndarray) -> None:
        """Gradients of the mean cross-entropy at the last :meth:`forward`, into the buffers.

        Parameters
        ----------
        X : ndarray of shape (n_0, m)
            The inputs of the last forward pass.
        y : ndarray of shape (1, m)
            Labels 0/1 as floats.
        """

    @abstractmethod
    def step(self, learning_rate: float) -> None:
        """One gradient-descent update of all parameters: ``p <- p - lr * grad``.

        Parameters
        ----------
        learning_rate : float
        """

    def run(self, X: np.ndarray, y: np.ndarray, learning_rate: float, iterations: int) -> None:
        """``iterations`` rounds of :meth:`forward`, :meth:`backward` and :meth:`step`.

        The networks end where that loop leaves them, bit for bit; the activation
        and gradient buffers are then unspecified (a subclass may skip them).

        Parameters
        ----------
        X : ndarray of shape (n_0, m)
        y : ndarray of shape (1, m)
            Labels 0/1 as floats.
        learning_rate : float
        iterations : int
        """
        for _ in range(iterations):
            self.forward(X)
            self.backward(X, y)
            self.step(learning_rate)


class NumpyMLP(MLPBase):
    """The ``"numpy"`` backend: batched BLAS products on preallocated buffers.

    Parameters are those of :class:`MLPBase`. The first layer, whose input all
    networks share, is one 2-D product; :meth:`run` is the plain loop. Each call
    overwrites the buffers below: copy what must be kept.

    Attributes
    ----------
    pre_activations : list of ndarray
        After :meth:`forward`: ``z`` of every layer, ``(B, n_l, m)`` for
        ``l = 1..L`` (``z = W a + b`` before the activation), the last being the logits.
    output_gradients : list of ndarray
        After :meth:`backward`: ``dL/dz`` of every layer, same shapes, where ``L``
        is each network's mean cross-entropy over the ``m`` examples.
    weight_gradients : list of ndarray
        After :meth:`backward`: ``dL/dW`` of every layer, ``(B, n_{l+1}, n_l)``
        (with ``bias_gradients`` and the rest as in :class:`MLPBase`).
    """

    backend = "numpy"

    def __init__(
        self,
        weights: list[np.ndarray],
        biases: list[np.ndarray],
        n_examples: int,
        activation: str = DEFAULT_ACTIVATION,
    ):
        super().__init__(weights, biases, n_examples, activation)
        batch, m, widths = self.batch, n_examples, self._widths
        self.pre_activations = [np.empty((batch, n, m)) for n in widths[1:]]
        self.output_gradients = [np.empty((batch, n, m)) for n in widths[1:]]
        self._acts = [np.empty((batch, n, m)) for n in widths[1:-1]]
        self._mask = [np.empty((batch, n, m), dtype=bool) for n in widths[1:-1]]
        self._scratch = [np.empty((batch, n, m)) for n in widths[1:-1]]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Every layer, as batched products (see :meth:`MLPBase.forward`)."""
        a = X
        for l, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = self.pre_activations[l]
            if l == 0:
                # X is shared: one (B n_1, n_0) @ (n_0, m) product instead of B small ones.
                np.matmul(W.reshape(-1, W.shape[2]), X, out=z.reshape(-1, z.shape[2]))
            else:
                np.matmul(W, a, out=z)
            z += b
            if l < len(self._acts):
                a = self.activation.function(z, out=self._acts[l])
        return self.pre_activations[-1]

    def backward(self, X: np.ndarray, y: np.ndarray) -> None:
        """Back-propagation into the buffers (see :meth:`MLPBase.backward`)."""
        dzs = self.output_gradients
        _sigmoid_error(self.pre_activations[-1], dzs[-1], y)
        for l in range(len(self.weights) - 1, -1, -1):
            dz, dW = dzs[l], self.weight_gradients[l]
            if l == 0:
                np.matmul(dz.reshape(-1, dz.shape[2]), X.T, out=dW.reshape(-1, dW.shape[2]))
            else:
                np.matmul(dz, np.swapaxes(self._acts[l - 1], -1, -2), out=dW)
            np.sum(dz, axis=-1, keepdims=True, out=self.bias_gradients[l])
            if l > 0:
                da = np.matmul(np.swapaxes(self.weights[l], -1, -2), dz, out=dzs[l - 1])
                a, mask, scratch = self._acts[l - 1], self._mask[l - 1], self._scratch[l - 1]
                self.activation.multiply_derivative(da, a, mask, scratch)

    def step(self, learning_rate: float) -> None:
        """``p <- p - lr * grad`` on the flat buffers (see :meth:`MLPBase.step`)."""
        np.multiply(self._grads, learning_rate, out=self._grads)
        np.subtract(self._params, self._grads, out=self._params)


def _sigmoid_error(z, dz, y):
    """``dz = 1/m * (sigmoid(z) - y)``, the notebook's way, in NumPy's vectorized ``exp``."""
    np.negative(z, out=dz)
    np.exp(dz, out=dz)
    dz += 1
    np.divide(1, dz, out=dz)
    dz -= y
    dz *= 1.0 / y.shape[1]


class NumbaMLP(MLPBase):
    """The ``"numba"`` backend: the compiled kernels of :mod:`initstudy.model.kernel_numba`.

    Parameters are those of :class:`MLPBase`. :meth:`run` takes each network
    through all its iterations in one compiled call, bit for bit the
    :meth:`forward`, :meth:`backward`, :meth:`step` loop (whose kernels are its
    step-by-step reference). The kernel's activation buffer holds ``phi(z)``,
    not ``z``, of the hidden layers (and after :meth:`backward`, in a ReLU layer that
    feeds at most 8 outputs, the gradient at its input): per-layer signals come from
    :class:`NumpyMLP`. Its rows of examples are padded to whole 64-byte cache lines.
    Without numba, building one raises ``ImportError``.
    """

    backend = "numba"

    def __init__(
        self,
        weights: list[np.ndarray],
        biases: list[np.ndarray],
        n_examples: int,
        activation: str = DEFAULT_ACTIVATION,
    ):
        resolve_backend("numba")  # the ImportError without numba
        super().__init__(weights, biases, n_examples, activation)
        self._kernels = numba_kernels()
        batch, m, widths = self.batch, n_examples, self._widths
        a_rows = [batch * n for n in widths[1:]]
        a_off = np.cumsum([0, *a_rows[:-1]]).astype(np.int64)
        # What the kernels index by layer: widths, w_off, b_off, a_off (in rows of acts).
        per_layer = (widths, self._w_off, self._b_off)
        self._layout = (*(np.array(v, dtype=np.int64) for v in per_layer), a_off)
        # Rows of examples padded to whole cache lines, on cache-line boundaries, so that no
        # vector load straddles two lines (with the kernels' in-place backward pass, about
        # 1.1 times as fast: docs/performance.md). Only forward computes the padding.
        stride = _padded(m)
        self._acts = _aligned_empty((sum(a_rows), stride))
        self._dz_a, self._dz_b = _aligned_empty((2, max(widths), stride))
        self._dz_out = _aligned_empty((batch, widths[-1], stride))
        self._bits = _aligned_empty((stride,), np.int64)  # the kernels' exp scratch
        self._X = _aligned_empty((widths[0], stride))
        self._logits = self._acts[a_off[-1] :].reshape(batch, widths[-1], stride)[:, :, :m]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Every layer, by :func:`kernel_numba.forward` (see :meth:`MLPBase.forward`)."""
        self._kernels.call(
            self._kernels.forward,
            self._padded_X(X), self._params, self._acts, *self._layout, self.batch,
            self.activation.code,
        )  # fmt: skip
        return self._logits

    def backward(self, X: np.ndarray, y: np.ndarray) -> None:
        """Gradients by :func:`kernel_numba.backward` (see :meth:`MLPBase.backward`)."""
        kernels = self._kernels
        kernels.raise_exp_events(*kernels.call(kernels.backward, *self._kernel_args(X, y)))

    def step(self, learning_rate: float) -> None:
        """The update by :func:`kernel_numba.step` (see :meth:`MLPBase.step`)."""
        self._kernels.call(self._kernels.step, self._params, self._grads, learning_rate)

    def run(self, X: np.ndarray, y: np.ndarray, learning_rate: float, iterations: int) -> None:
        """All iterations in one :func:`kernel_numba.run` call (see :meth:`MLPBase.run`)."""
        args = (*self._kernel_args(X, y), float(learning_rate), int(iterations))
        kernels = self._kernels
        kernels.raise_exp_events(*kernels.call(kernels.run, *args))

    def _padded_X(self, X):
        """``X`` in the kernels' padded buffer (its padding zero)."""
        self._X[:, : self.n_examples] = X
        self._X[:, self.n_examples :] = 0.0
        return self._X

    def _kernel_args(self, X, y):
        """Arguments of :func:`kernel_numba.backward` (and the first ones of ``run``)."""
        return (
            self._padded_X(X), np.ascontiguousarray(y, dtype=np.float64), self._params,
            self._grads, self._acts, self._dz_out, self._dz_a, self._dz_b, self._bits,
            *self._layout, self.batch, self.activation.code, self.n_examples,
        )  # fmt: skip


def _padded(m: int) -> int:
    """``m`` rounded up to a whole number of 64-byte cache lines of float64."""
    return -(-m // 8) * 8


def _aligned_empty(shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
    """An uninitialized C-contiguous array whose data starts on a 64-byte boundary."""
    size = int(np.prod(shape))
    raw = np.empty(size + 8, dtype=dtype)
    start = (-raw.ctypes.data % 64) // raw.itemsize
    return raw[start : start + size].reshape(shape)


_CLASSES = {"numpy": NumpyMLP, "numba": NumbaMLP}


def batched_mlp(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    n_examples: int,
    backend: str | None = None,
    activation: str = DEFAULT_ACTIVATION,
) -> MLPBase:
    """``B`` networks ready to train, computed by the backend ``backend`` stands for.

    Parameters
    ----------
    weights, biases : list of ndarray
        Stacked initial parameters, ``(B, n_{l+1}, n_l)`` and ``(B, n_{l+1}, 1)``;
        they are copied.
    n_examples : int
        Number of training examples ``m`` the buffers are sized for.
    backend : {"auto", "numpy", "numba"} or None
        Resolved once by :func:`resolve_backend`; None is :data:`DEFAULT_BACKEND`.
        Both backends give the same networks to about 1e-15 relative.
    activation : str
        The hidden layers' activation (:data:`initstudy.model.activations.ACTIVATIONS`).

    Returns
    -------
    NumpyMLP or NumbaMLP
        Its ``backend`` attribute says which.

    Raises
    ------
    ValueError, ImportError
        As :func:`resolve_backend`.
    """
    return _CLASSES[resolve_backend(backend)](weights, biases, n_examples, activation)


#: The numba backend's entry points (:mod:`initstudy.model.kernel_numba`), as
#: :class:`NumbaMLP` calls them.
NUMBA_KERNELS = ("forward", "backward", "step", "run")


def compile_numba_kernels(kernels: tuple[str, ...] = NUMBA_KERNELS) -> bool:
    """Call each of ``kernels`` once, on a tiny batch with the argument types of training,
    so that numba compiles it into its on-disk cache, or loads it from there.

    Parameters
    ----------
    kernels : tuple of str
        Names among :data:`NUMBA_KERNELS`.

    Returns
    -------
    bool
        False, having done nothing, where numba is not installed.
    """
    if resolve_backend(None) != "numba":
        return False
    rng = np.random.RandomState(0)
    layers = [2, 3, 3, 1]
    weights = [0.5 * rng.randn(2, n_out, n_in) for n_in, n_out in pairwise(layers)]
    biases = [np.zeros((2, n_out, 1)) for n_out in layers[1:]]
    X = rng.randn(2, 8)
    y = (X[:1] > 0).astype(float)
    net = NumbaMLP(weights, biases, X.shape[1])
    calls = {
        "forward": lambda: net.forward(X),
        "backward": lambda: net.backward(X, y),
        "step": lambda: net.step(0.1),
        "run": lambda: net.run(X, y, 0.1, 2),
    }
    for kernel in kernels:
        calls[kernel]()
    return True
