"""The registry of hidden-layer activation functions: one entry per activation.

Each entry gives what the trainers and the theory need: the function ``phi`` and
its derivative as NumPy callables of the pre-activation ``z``, the backward
pass's multiplication by ``phi'(z)`` written from the output ``a = phi(z)`` (the
trainers keep ``a``, not ``z``), and the code by which the compiled kernels
(:mod:`initstudy.model.kernel_numba`) select it. The output layer is always a
sigmoid.

- ``relu``: ``max(0, z)``, the notebook's; He et al. (2015).
- ``tanh``: Glorot & Bengio (2010); the order-to-chaos transition of Poole et
  al. (2016) and Schoenholz et al. (2017).
- ``linear``: the identity, deep linear networks (Saxe et al., 2014).

Adding an activation is one entry of :data:`ACTIVATIONS` and a branch of the
kernels' ``_activate`` and ``_finish`` (CONTRIBUTING.md, "Add an activation").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Elementwise = Callable[..., np.ndarray]
#: ``multiply_derivative(da, a, mask, scratch)``: ``da *= phi'(z)`` in place, from ``a = phi(z)``,
#: with a boolean and a float scratch array of ``a``'s shape.
GradientGate = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], None]


@dataclass(frozen=True)
class Activation:
    """One hidden-layer activation.

    Attributes
    ----------
    name : str
        Its value on the ``activation`` axis and in ``model.activation``.
    code : int
        How the compiled kernels select it.
    function : callable
        ``phi(z, out=None)``, elementwise, the NumPy trainer's operation.
    derivative : callable
        ``phi'(z)``, elementwise (the theory's quadratures).
    multiply_derivative : callable
        ``multiply_derivative(da, a, mask, scratch)``: ``da *= phi'(z)`` in place,
        from ``a = phi(z)``, in the operations the compiled kernel repeats.
    formula : str
        ``phi`` in words, for the report.
    reference : str
        Where the study's question about it comes from.
    """

    name: str
    code: int
    function: Elementwise
    derivative: Elementwise
    multiply_derivative: GradientGate
    formula: str
    reference: str


def _relu(z, out=None):
    # np.maximum(0, z): the notebook's operation (NaN propagates, -0.0 becomes 0.0).
    return np.maximum(0, z, out=out)


def _relu_derivative(z):
    return (np.asarray(z) > 0).astype(np.float64)


def _relu_gate(da, a, mask, scratch):
    # The notebook's ``dA * (A > 0)`` (an int64 0/1 mask: NaN and inf times 0 stay NaN).
    np.multiply(da, np.greater(a, 0, out=mask), out=da)


def _tanh(z, out=None):
    return np.tanh(z, out=out)


def _tanh_derivative(z):
    t = np.tanh(z)
    return 1 - t * t


def _tanh_gate(da, a, mask, scratch):
    # da * (1 - a * a), in this order (the kernel's _finish repeats it).
    np.multiply(a, a, out=scratch)
    np.subtract(1.0, scratch, out=scratch)
    np.multiply(da, scratch, out=da)


def _identity(z, out=None):
    if out is None:
        return np.array(z, dtype=np.float64)
    np.copyto(out, z)
    return out


def _one(z):
    return np.ones_like(np.asarray(z, dtype=np.float64))


def _linear_gate(da, a, mask, scratch):
    pass  # phi' = 1


#: Every activation, by name; ``relu`` (the notebook's) first.
ACTIVATIONS: dict[str, Activation] = {
    entry.name: entry
    for entry in (
        Activation("relu", 0, _relu, _relu_derivative, _relu_gate, "max(0, z)", "He et al. (2015)"),
        Activation(
            "tanh",
            1,
            _tanh,
            _tanh_derivative,
            _tanh_gate,
            "tanh(z)",
            "Glorot & Bengio (2010); Schoenholz et al. (2017)",
        ),
        Activation("linear", 2, _identity, _one, _linear_gate, "z", "Saxe et al. (2014)"),
    )
}
#: The notebook's activation: what a grid without the ``activation`` axis uses by default.
DEFAULT_ACTIVATION = "relu"


def lookup_activation(name: str) -> Activation:
    """The registry entry of an activation.

    Parameters
    ----------
    name : str
        One of :data:`ACTIVATIONS`.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        For an unknown name, listing the allowed ones.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; allowed: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]
