"""Compiled forward and backward passes for :class:`initstudy.model.net.NumbaMLP` (optional).

Imported only when ``numba`` is installed. The arrays have the NumPy backend's
layout (weights ``(B, n_out, n_in)``, activations ``(B, n, m)``); each network is
computed on its own, layer by layer, with the examples as the innermost,
vectorized loop, in the notebook's operations and order: ``dot`` summed over the
inner index in order, then ``+ b``; ``maximum(0, z)``; ``1/m * (sigmoid(z) - y)``;
``da * (a > 0)``; ``W - lr * dW``; no fused multiply-adds. The hidden layers'
activation is selected by its code in :mod:`initstudy.model.activations`: ReLU
as above, ``tanh`` (then ``da * (1 - a * a)``) or the identity. Three things differ in
the last bits: the sums over the examples (``dW``, ``db``) are split into SIMD
partial sums (as BLAS splits them its own way; 8 of them on every CPU,
:mod:`initstudy.model.kernel_numba_build`, so that SSE2, AVX2 and AVX-512 builds
give the same bits, and never depending on the run or the batch), ``exp`` is fdlibm's
(:mod:`initstudy.model.kernel_numba_exp`), where NumPy has its own, and ``tanh`` is
the kernel's own (:mod:`initstudy.model.kernel_numba_tanh`, within 1.5 ulp of the
exact value, where NumPy has its own).

Speed: two rows of outputs take all their inputs in one pass over the examples up
to 16 of them, else eight per pass, each input loaded once for both, with the bias
and ReLU in their last pass (a ReLU layer's last pass compiled on its own, so that
no inner loop chooses the last step per example), then, for ``tanh``, a vectorized
pass over each row while it is in cache (pairs made a deep network's forward pass
1.6 times as fast on a Zen 5 CPU; four rows at a time were slower again: their 32
weights no longer fit the registers); in a wide layer (over 8 outputs) the backward
pass takes two input rows per pass, four rows of ``dz`` at a time, each loaded once
for both (1.4 times as fast at width 32); otherwise the backward pass that forms
row ``k`` of a layer's input gradient accumulates column ``k`` of its weight
gradient from the same loads, and the activation's derivative is applied in the
same pass for a narrow ReLU layer (8 outputs or fewer), else in a pass of its own
over the row (with a loop per activation, so that no inner loop chooses it per
example); in a narrow ReLU layer the input gradient is written over the activations it
is formed from (no longer needed); rows are indices, not views; no reference counting
(``_nrt=False``: the kernels allocate nothing).

Rows of examples may be longer than the ``m`` examples (the caller pads them to whole
64-byte cache lines, so that no vector load straddles two): :func:`forward` computes every
column, the rest only the first ``m``, so the padding never reaches a result.

Parameters and gradients are flat float64 arrays, activations ``(rows, s)`` ones (``s``
columns: the ``m`` examples, then any padding); ``widths`` holds the layer widths and
the ``*_off`` arrays the start of each layer's block (in values, or rows of
activations), so one compiled function serves every depth and width. Networks are
independent: a network trained in a batch is bit for bit the network trained alone.
Entry points: :func:`forward` and :func:`run` (the training); :func:`backward` and
:func:`step` are the step-by-step reference, and :func:`run` ends bit for bit where the
loop of :func:`forward`, :func:`backward`, :func:`step` leaves the networks.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import literal_unroll

from initstudy.model.kernel_numba_build import force_vector_width, remarks_dropped
from initstudy.model.kernel_numba_cache import cache_with_all_sources
from initstudy.model.kernel_numba_exp import sigmoid_error
from initstudy.model.kernel_numba_tanh import tanh_row

# The sums over the examples split into the same partial sums on every CPU
# (initstudy.model.kernel_numba_build).
force_vector_width()
# Cached with a stamp of every kernel module, this one's imports included (kernel_numba_cache).
cache_with_all_sources()

_JIT = {
    "nopython": True, "nogil": True, "cache": True, "error_model": "numpy", "fastmath": False,
    "_nrt": False,
}  # fmt: skip
# Functions that take arrays are inlined into their caller (a call costs as much as
# a short pass); inlined code takes the caller's flags.
_INLINE = {**_JIT, "inline": "always"}
# The one place where sums may be reassociated: the sums over the examples, which
# LLVM then splits into SIMD partial sums. Every other operation in these
# functions goes through the strict scalar helpers (_finish, _first_term, _term),
# which LLVM inlines with their own, strict, flags.
_SUMS = {**_JIT, "fastmath": {"reassoc"}}

# What the last pass of a row does with its sum ``s``.
_KEEP, _BIAS, _BIAS_RELU, _MASK, _TANH_GRADIENT = 0, 1, 2, 3, 4
# The activations' codes (initstudy.model.activations.ACTIVATIONS).
_RELU, _TANH, _LINEAR = 0, 1, 2
# Inputs per forward pass after the first, output rows per backward pass (the
# backward keeps a sum per row in a register), and the widths a first pass may take
# (a forward pass takes up to 16 inputs when they are all the layer has).
_ROW_PASS, _BACK_PASS = 8, 8
_WIDTHS = tuple(range(1, 17))
_BACK_WIDTHS = tuple(range(1, _BACK_PASS + 1))
# A wide layer's backward pass (_back_pairs): rows of dz per pass, and the widths of its first.
_PAIR_BACK_PASS = 4
_PAIR_BACK_WIDTHS = tuple(range(1, _PAIR_BACK_PASS + 1))


@numba.jit(**_JIT)
def _finish(s, mode, b, a):  # pragma: no cover
    """``s`` (a partial sum), ``s + b``, ``relu(s + b)``, ``s * (a > 0)`` or
    ``s * (1 - a * a)``, by ``mode``."""
    if mode == _KEEP:
        return s
    if mode == _MASK:
        # np.multiply(da, int64(a > 0)): s * 1 is s, and s * 0 keeps NaN and inf * 0.
        return s if a > 0.0 else s * 0.0
    if mode == _TANH_GRADIENT:
        return s * (1.0 - a * a)
    v = s + b
    if mode == _BIAS:
        return v
    # np.maximum(0, z): NaN propagates (NaN <= 0 is false), -0.0 becomes 0.0.
    return 0.0 if v <= 0.0 else v


@numba.jit(**_JIT)
def _first_term(first, prev, w, v):  # pragma: no cover
    """``w * v``, the first term of a dot product, or ``prev + w * v`` after earlier terms."""
    return w * v if first else prev + w * v


@numba.jit(**_JIT)
def _term(s, w, v):  # pragma: no cover
    """``s + w * v``: the next term of a dot product, in order."""
    return s + w * v


@numba.jit(**_JIT)
def _dense_pass(Z, j, w, A, k, r, first, mode, b):  # pragma: no cover
    """``Z[j] (+)= w[k] A[k] + ... + w[k+r-1] A[k+r-1]`` (``r`` in 1..16), then ``_finish``.

    ``r`` is a constant at each (inlined) call, so that the loop has exactly ``r``
    terms; ``mode`` is not ``_MASK``. Every pass stores ``Z[j]`` and the next
    reloads it, so the fewer the passes the better: one per sixteen inputs.
    """
    w0, w1, w2, w3 = w[k], w[k + 1] if r > 1 else 0.0, w[k + 2] if r > 2 else 0.0, w[k + 3] if r > 3 else 0.0  # fmt: skip  # noqa: E501
    w4, w5, w6, w7 = w[k + 4] if r > 4 else 0.0, w[k + 5] if r > 5 else 0.0, w[k + 6] if r > 6 else 0.0, w[k + 7] if r > 7 else 0.0  # fmt: skip  # noqa: E501
    w8, w9, w10, w11 = w[k + 8] if r > 8 else 0.0, w[k + 9] if r > 9 else 0.0, w[k + 10] if r > 10 else 0.0, w[k + 11] if r > 11 else 0.0  # fmt: skip  # noqa: E501
    w12, w13, w14, w15 = w[k + 12] if r > 12 else 0.0, w[k + 13] if r > 13 else 0.0, w[k + 14] if r > 14 else 0.0, w[k + 15] if r > 15 else 0.0  # fmt: skip  # noqa: E501
    for e in range(Z.shape[1]):
        s = _first_term(first, Z[j, e], w0, A[k, e])
        if r > 1:
            s = _term(s, w1, A[k + 1, e])
        if r > 2:
            s = _term(s, w2, A[k + 2, e])
        if r > 3:
            s = _term(s, w3, A[k + 3, e])
        if r > 4:
            s = _term(s, w4, A[k + 4, e])
        if r > 5:
            s = _term(s, w5, A[k + 5, e])
        if r > 6:
            s = _term(s, w6, A[k + 6, e])
        if r > 7:
            s = _term(s, w7, A[k + 7, e])
        if r > 8:
            s = _term(s, w8, A[k + 8, e])
        if r > 9:
            s = _term(s, w9, A[k + 9, e])
        if r > 10:
            s = _term(s, w10, A[k + 10, e])
        if r > 11:
            s = _term(s, w11, A[k + 11, e])
        if r > 12:
            s = _term(s, w12, A[k + 12, e])
        if r > 13:
            s = _term(s, w13, A[k + 13, e])
        if r > 14:
            s = _term(s, w14, A[k + 14, e])
        if r > 15:
            s = _term(s, w15, A[k + 15, e])
        Z[j, e] = _finish(s, mode, b, 0.0)


@numba.jit(**_INLINE)
def _dense_row(Z, j, w, A, mode, b):  # pragma: no cover
    """``Z[j] = _finish(w @ A)``: one pass up to 16 inputs, else passes of 8 (measured best).

    The first pass takes ``n`` or ``n % 8`` (or 8) inputs, each further pass 8.
    """
    n = A.shape[0]
    r = n if n <= _WIDTHS[-1] else n - _ROW_PASS * ((n - 1) // _ROW_PASS)
    first_mode = mode if r == n else _KEEP
    for width in literal_unroll(_WIDTHS):  # a pass compiled for each constant width
        if r == width:
            _dense_pass(Z, j, w, A, 0, width, True, first_mode, b)
    for k in range(r, n, _ROW_PASS):
        last = k + _ROW_PASS == n
        _dense_pass(Z, j, w, A, k, _ROW_PASS, False, mode if last else _KEEP, b)


@numba.jit(**_JIT)
def _pair_pass(Z, j, u, w, A, k, r, first, mode, bu, bw):  # pragma: no cover
    """Rows ``j`` and ``j+1`` of ``Z`` at once: :func:`_dense_pass` of each (``u`` and ``w``
    their weights, ``bu`` and ``bw`` their biases), ``r`` in 1..8 inputs, from the same loads
    of ``A``: each row's terms in the same order, so the same bits as two passes."""
    u0, u1, u2, u3 = u[k], u[k + 1] if r > 1 else 0.0, u[k + 2] if r > 2 else 0.0, u[k + 3] if r > 3 else 0.0  # fmt: skip  # noqa: E501
    u4, u5, u6, u7 = u[k + 4] if r > 4 else 0.0, u[k + 5] if r > 5 else 0.0, u[k + 6] if r > 6 else 0.0, u[k + 7] if r > 7 else 0.0  # fmt: skip  # noqa: E501
    w0, w1, w2, w3 = w[k], w[k + 1] if r > 1 else 0.0, w[k + 2] if r > 2 else 0.0, w[k + 3] if r > 3 else 0.0  # fmt: skip  # noqa: E501
    w4, w5, w6, w7 = w[k + 4] if r > 4 else 0.0, w[k + 5] if r > 5 else 0.0, w[k + 6] if r > 6 else 0.0, w[k + 7] if r > 7 else 0.0  # fmt: skip  # noqa: E501
    u8, u9, u10, u11 = u[k + 8] if r > 8 else 0.0, u[k + 9] if r > 9 else 0.0, u[k + 10] if r > 10 else 0.0, u[k + 11] if r > 11 else 0.0  # fmt: skip  # noqa: E501
    u12, u13, u14, u15 = u[k + 12] if r > 12 else 0.0, u[k + 13] if r > 13 else 0.0, u[k + 14] if r > 14 else 0.0, u[k + 15] if r > 15 else 0.0  # fmt: skip  # noqa: E501
    w8, w9, w10, w11 = w[k + 8] if r > 8 else 0.0, w[k + 9] if r > 9 else 0.0, w[k + 10] if r > 10 else 0.0, w[k + 11] if r > 11 else 0.0  # fmt: skip  # noqa: E501
    w12, w13, w14, w15 = w[k + 12] if r > 12 else 0.0, w[k + 13] if r > 13 else 0.0, w[k + 14] if r > 14 else 0.0, w[k + 15] if r > 15 else 0.0  # fmt: skip  # noqa: E501
    for e in range(Z.shape[1]):
        a = A[k, e]
        s, t = _first_term(first, Z[j, e], u0, a), _first_term(first, Z[j + 1, e], w0, a)
        if r > 1:
            a = A[k + 1, e]
            s, t = _term(s, u1, a), _term(t, w1, a)
        if r > 2:
            a = A[k + 2, e]
            s, t = _term(s, u2, a), _term(t, w2, a)
        if r > 3:
            a = A[k + 3, e]
            s, t = _term(s, u3, a), _term(t, w3, a)
        if r > 4:
            a = A[k + 4, e]
            s, t = _term(s, u4, a), _term(t, w4, a)
        if r > 5:
            a = A[k + 5, e]
            s, t = _term(s, u5, a), _term(t, w5, a)
        if r > 6:
            a = A[k + 6, e]
            s, t = _term(s, u6, a), _term(t, w6, a)
        if r > 7:
            a = A[k + 7, e]
            s, t = _term(s, u7, a), _term(t, w7, a)
        if r > 8:
            a = A[k + 8, e]
            s, t = _term(s, u8, a), _term(t, w8, a)
        if r > 9:
            a = A[k + 9, e]
            s, t = _term(s, u9, a), _term(t, w9, a)
        if r > 10:
            a = A[k + 10, e]
            s, t = _term(s, u10, a), _term(t, w10, a)
        if r > 11:
            a = A[k + 11, e]
            s, t = _term(s, u11, a), _term(t, w11, a)
        if r > 12:
            a = A[k + 12, e]
            s, t = _term(s, u12, a), _term(t, w12, a)
        if r > 13:
            a = A[k + 13, e]
            s, t = _term(s, u13, a), _term(t, w13, a)
        if r > 14:
            a = A[k + 14, e]
            s, t = _term(s, u14, a), _term(t, w14, a)
        if r > 15:
            a = A[k + 15, e]
            s, t = _term(s, u15, a), _term(t, w15, a)
        Z[j, e] = _finish(s, mode, bu, 0.0)
        Z[j + 1, e] = _finish(t, mode, bw, 0.0)


@numba.jit(**_INLINE)
def _pair_pass_in_mode(Z, j, u, w, A, k, r, first, mode, bu, bw):  # pragma: no cover
    """:func:`_pair_pass`, compiled on its own for a ReLU layer's last pass, so that its inner
    loop does not choose the last step per example: with one pass of up to 16 inputs, this
    made the notebook's network train 1.1 to 1.2 times as fast (``docs/performance.md``).
    Other modes share a pass that chooses (compiling each would cost as much again)."""
    if mode == _BIAS_RELU:
        _pair_pass(Z, j, u, w, A, k, r, first, _BIAS_RELU, bu, bw)
    else:
        _pair_pass(Z, j, u, w, A, k, r, first, mode, bu, bw)


@numba.jit(**_INLINE)
def _pair_rows(Z, j, u, w, A, mode, bu, bw):  # pragma: no cover
    """Rows ``j`` and ``j+1``: ``Z[j] = _finish(u @ A)``, ``Z[j+1] = _finish(w @ A)``: one
    pass up to 16 inputs, else passes of 8 (the first takes ``n % 8`` or 8)."""
    n = A.shape[0]
    r = n if n <= _WIDTHS[-1] else n - _ROW_PASS * ((n - 1) // _ROW_PASS)
    first_mode = mode if r == n else _KEEP
    for width in literal_unroll(_WIDTHS):  # a pass compiled for each constant width
        if r == width:
            _pair_pass_in_mode(Z, j, u, w, A, 0, width, True, first_mode, bu, bw)
    for k in range(r, n, _ROW_PASS):
        last_mode = mode if k + _ROW_PASS == n else _KEEP
        _pair_pass_in_mode(Z, j, u, w, A, k, _ROW_PASS, False, last_mode, bu, bw)


@numba.jit(**_INLINE)
def _block(buffer, off, net, size):  # pragma: no cover
    """Network ``net``'s block of a layer whose blocks start at ``off``: ``size`` rows or values.

    A slice, never a reshape (numba's reshape calls into C: 12 ns, 16 times an iteration).
    """
    return buffer[off + net * size : off + (net + 1) * size]


@numba.jit(**_INLINE)
def _forward_net(X, params, acts, widths, w_off, b_off, a_off, net, act):  # pragma: no cover
    """Every layer of network ``net``: ``phi(z)`` of hidden layers, then ``z``."""
    n_layers = widths.size - 1
    inp = X
    for l in range(n_layers):
        n_in, n_out = widths[l], widths[l + 1]
        W = _block(params, w_off[l], net, n_out * n_in)
        bias = _block(params, b_off[l], net, n_out)
        Z = _block(acts, a_off[l], net, n_out)
        hidden = l < n_layers - 1
        mode = _BIAS_RELU if hidden and act == _RELU else _BIAS
        j = 0
        while j + 1 < n_out:
            u, w = W[j * n_in : (j + 1) * n_in], W[(j + 1) * n_in : (j + 2) * n_in]
            _pair_rows(Z, j, u, w, inp, mode, bias[j], bias[j + 1])
            if hidden and act == _TANH:
                tanh_row(Z[j])
                tanh_row(Z[j + 1])
            j += 2
        if j < n_out:
            _dense_row(Z, j, W[j * n_in : (j + 1) * n_in], inp, mode, bias[j])
            if hidden and act == _TANH:
                tanh_row(Z[j])
        inp = Z


@numba.jit(**_SUMS)
def _bias_grads(dz, db, m):  # pragma: no cover
    """The output layer's ``db[j] = sum(dz[j])`` (the other layers' come with ``_back_pass``)."""
    for j in range(dz.shape[0]):
        s = 0.0
        for e in range(m):
            s += dz[j, e]
        db[j] = s


@numba.jit(**_INLINE)
def _back_pass(out, W, dz, A, k, j0, r, first, dW, gated, gate, db_in, m):  # pragma: no cover
    """Rows ``j0 .. j0+r-1`` (``r`` in 1..8) of ``dz``: their share of input gradient row ``k``.

    ``out[k] (+)= W[j0, k] dz[j0] + ...`` added in order, and from the same loads
    ``dW[j, k] = sum(dz[j] * A[k])``, the sums the caller reassociates; ``W`` and ``dW``
    are flat ``(n_out, n_in)``. ``r`` and ``gated`` are constants at each (inlined) call.

    ``gated``: this pass is row ``k``'s last, and it also applies the gate ``gate`` to the
    finished value and sums it into ``db_in[k]``, as :func:`_gate_row` would in a pass of its
    own, the same bits. Only narrow ReLU layers use it: one pass instead of two made the
    notebook's network train about 1.1 times as fast; compiling it for every gate cost 13 s
    more of compilation, for activations whose time goes to ``tanh``.
    """
    n = A.shape[0]
    w0, w1, w2, w3 = W[j0 * n + k], W[(j0 + 1) * n + k] if r > 1 else 0.0, W[(j0 + 2) * n + k] if r > 2 else 0.0, W[(j0 + 3) * n + k] if r > 3 else 0.0  # fmt: skip  # noqa: E501
    w4, w5, w6, w7 = W[(j0 + 4) * n + k] if r > 4 else 0.0, W[(j0 + 5) * n + k] if r > 5 else 0.0, W[(j0 + 6) * n + k] if r > 6 else 0.0, W[(j0 + 7) * n + k] if r > 7 else 0.0  # fmt: skip  # noqa: E501
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = t = 0.0
    for e in range(m):
        x, v = A[k, e], dz[j0, e]
        s, s0 = _first_term(first, out[k, e], w0, v), s0 + v * x
        if r > 1:
            v = dz[j0 + 1, e]
            s, s1 = _term(s, w1, v), s1 + v * x
        if r > 2:
            v = dz[j0 + 2, e]
            s, s2 = _term(s, w2, v), s2 + v * x
        if r > 3:
            v = dz[j0 + 3, e]
            s, s3 = _term(s, w3, v), s3 + v * x
        if r > 4:
            v = dz[j0 + 4, e]
            s, s4 = _term(s, w4, v), s4 + v * x
        if r > 5:
            v = dz[j0 + 5, e]
            s, s5 = _term(s, w5, v), s5 + v * x
        if r > 6:
            v = dz[j0 + 6, e]
            s, s6 = _term(s, w6, v), s6 + v * x
        if r > 7:
            v = dz[j0 + 7, e]
            s, s7 = _term(s, w7, v), s7 + v * x
        if gated:
            s = _finish(s, gate, 0.0, x)
            t += s
        out[k, e] = s
    for i, total in enumerate((s0, s1, s2, s3, s4, s5, s6, s7)):
        if i < r:
            dW[(j0 + i) * n + k] = total
    if gated:
        db_in[k] = t


@numba.jit(**_INLINE)
def _back_pair_pass(out, W, dz, A, k, j0, r, first, dW, m):  # pragma: no cover
    """:func:`_back_pass` for input rows ``k`` and ``k+1`` at once, ``r`` in 1..4 rows of
    ``dz``, each loaded once for both: the same terms in the same order."""
    n = A.shape[0]
    u0 = W[(j0 + 0) * n + k]
    w0 = W[(j0 + 0) * n + k + 1]
    u1 = W[(j0 + 1) * n + k] if r > 1 else 0.0
    w1 = W[(j0 + 1) * n + k + 1] if r > 1 else 0.0
    u2 = W[(j0 + 2) * n + k] if r > 2 else 0.0
    w2 = W[(j0 + 2) * n + k + 1] if r > 2 else 0.0
    u3 = W[(j0 + 3) * n + k] if r > 3 else 0.0
    w3 = W[(j0 + 3) * n + k + 1] if r > 3 else 0.0
    p0 = p1 = p2 = p3 = q0 = q1 = q2 = q3 = 0.0
    for e in range(m):
        x, y, v = A[k, e], A[k + 1, e], dz[j0, e]
        s, p0 = _first_term(first, out[k, e], u0, v), p0 + v * x
        t, q0 = _first_term(first, out[k + 1, e], w0, v), q0 + v * y
        if r > 1:
            v = dz[j0 + 1, e]
            s, p1 = _term(s, u1, v), p1 + v * x
            t, q1 = _term(t, w1, v), q1 + v * y
        if r > 2:
            v = dz[j0 + 2, e]
            s, p2 = _term(s, u2, v), p2 + v * x
            t, q2 = _term(t, w2, v), q2 + v * y
        if r > 3:
            v = dz[j0 + 3, e]
            s, p3 = _term(s, u3, v), p3 + v * x
            t, q3 = _term(t, w3, v), q3 + v * y
        out[k, e] = s
        out[k + 1, e] = t
    for i, (p, q) in enumerate(((p0, q0), (p1, q1), (p2, q2), (p3, q3))):
        if i < r:
            dW[(j0 + i) * n + k] = p
            dW[(j0 + i) * n + k + 1] = q


@numba.jit(**_INLINE)
def _gate_row(out, A, k, gate, db_in, m):  # pragma: no cover
    """``out[k] *= phi'`` by the mode ``gate`` (``_KEEP``: nothing), and ``db_in[k] =
    sum(out[k])``, the bias gradient of the layer below, in one pass over the row.

    A pass of its own, one loop per gate: the gate chosen per example inside
    :func:`_back_pass`'s loop made a ReLU network 17 % slower.
    """
    t = 0.0
    if gate == _MASK:
        for e in range(m):
            out[k, e] = s = _finish(out[k, e], _MASK, 0.0, A[k, e])
            t += s
    elif gate == _TANH_GRADIENT:
        for e in range(m):
            out[k, e] = s = _finish(out[k, e], _TANH_GRADIENT, 0.0, A[k, e])
            t += s
    else:
        for e in range(m):
            t += out[k, e]
    db_in[k] = t


@numba.jit(**_SUMS)
def _back_pairs(dz, W, A, out, dW, db_in, gate, m):  # pragma: no cover
    """:func:`_back_layer` for a wide layer (more than 8 rows of ``dz``), two input rows at a
    time, up to the last even one: each row of ``dz`` loaded once for both (1.4 times as fast
    at width 32). Returns the first input row it left to the caller."""
    n_out = dz.shape[0]
    r = n_out - _PAIR_BACK_PASS * ((n_out - 1) // _PAIR_BACK_PASS)
    pairs_end = 0
    while pairs_end + 1 < A.shape[0]:
        k = pairs_end
        for width in literal_unroll(_PAIR_BACK_WIDTHS):  # a pass compiled for each width
            if r == width:
                _back_pair_pass(out, W, dz, A, k, 0, width, True, dW, m)
        for j0 in range(r, n_out, _PAIR_BACK_PASS):
            _back_pair_pass(out, W, dz, A, k, j0, _PAIR_BACK_PASS, False, dW, m)
        _gate_row(out, A, k, gate, db_in, m)
        _gate_row(out, A, k + 1, gate, db_in, m)
        pairs_end += 2
    return pairs_end


@numba.jit(**_JIT)
def _in_place(n_out, gate):  # pragma: no cover
    """Whether :func:`_back_layer` writes the input gradient over the activations: a ReLU
    layer of at most 8 outputs, whose passes each finish one input row."""
    return n_out <= _BACK_PASS and gate == _MASK


@numba.jit(**_SUMS)
def _back_layer(dz, W, A, out, dW, db_in, gate, m):  # pragma: no cover
    """A hidden layer's ``dW = dz @ A.T``, ``out = (W.T @ dz) * phi'`` and its row sums.

    Row ``k`` of ``out`` and column ``k`` of ``dW`` come from the same passes over
    ``dz``, eight of its rows at a time (the first pass takes ``n_out % 8`` or 8); a
    last pass over the row applies the activation's derivative ``gate`` and sums it
    into ``db_in[k]`` (the bias gradient of the layer below). Where :func:`_in_place`,
    ``out`` is ``A`` itself: row ``k`` of the input gradient overwrites row ``k`` of the
    activations in the pass that last reads it (a smaller working set: with the padded
    rows, the notebook's network trained about 1.09 times as fast, ``docs/performance.md``).
    The caller passes ``A`` as ``out`` there, but the passes write through ``A``: to LLVM
    two arguments are two arrays that may overlap, and its check for overlap would send
    every pass to the scalar loop.
    """
    n_out = dz.shape[0]
    if _in_place(n_out, gate):  # narrow ReLU: one pass per input row, gated
        for k in range(A.shape[0]):
            for width in literal_unroll(_BACK_WIDTHS):  # a pass compiled for each width
                if n_out == width:
                    _back_pass(A, W, dz, A, k, 0, width, True, dW, True, _MASK, db_in, m)
        return
    # Wide layers: two input rows per pass (_back_pairs), in a function of its own: inside
    # this one its code made the notebook's narrow layers 6 % slower.
    pairs_end = _back_pairs(dz, W, A, out, dW, db_in, gate, m) if n_out > _BACK_PASS else 0
    r = n_out - _BACK_PASS * ((n_out - 1) // _BACK_PASS)
    for k in range(pairs_end, A.shape[0]):
        for width in literal_unroll(_BACK_WIDTHS):  # a pass compiled for each constant width
            if r == width:
                _back_pass(out, W, dz, A, k, 0, width, True, dW, False, gate, db_in, m)
        for j0 in range(r, n_out, _BACK_PASS):
            _back_pass(out, W, dz, A, k, j0, _BACK_PASS, False, dW, False, gate, db_in, m)
        _gate_row(out, A, k, gate, db_in, m)


@numba.jit(**_SUMS)
def _input_layer_grads(dz, X, dW, m):  # pragma: no cover
    """The first layer's ``dW = dz @ X.T`` (its input gradient is not needed).

    Two rows of ``X`` (the input has few) against four of ``dz`` per pass over the
    examples, eight products from six loads; an odd last row of either is taken twice.
    """
    n_x, n_dz = X.shape[0], dz.shape[0]
    for i in range(0, n_x, 2):
        i1 = min(i + 1, n_x - 1)
        for k in range(0, n_dz, 4):
            k1, k2, k3 = min(k + 1, n_dz - 1), min(k + 2, n_dz - 1), min(k + 3, n_dz - 1)
            s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = 0.0
            for e in range(m):
                x0, x1, a0, a1, a2, a3 = X[i, e], X[i1, e], dz[k, e], dz[k1, e], dz[k2, e], dz[k3, e]  # fmt: skip  # noqa: E501
                s00, s01, s02, s03 = s00 + x0 * a0, s01 + x0 * a1, s02 + x0 * a2, s03 + x0 * a3
                s10, s11, s12, s13 = s10 + x1 * a0, s11 + x1 * a1, s12 + x1 * a2, s13 + x1 * a3
            for kk, (s0, s1) in enumerate(((s00, s10), (s01, s11), (s02, s12), (s03, s13))):
                if k + kk < n_dz:
                    dW[(k + kk) * n_x + i], dW[(k + kk) * n_x + i1] = s0, s1


@numba.jit(**_INLINE)
def _backward_net(X, dz, params, grads, acts, dz_a, dz_b, widths, w_off, b_off, a_off, net, act, m):  # pragma: no cover  # fmt: skip  # noqa: E501
    """Gradients of network ``net`` from ``dz`` at its output logits, into ``grads``."""
    n_layers = widths.size - 1
    gate = _MASK if act == _RELU else (_TANH_GRADIENT if act == _TANH else _KEEP)
    _bias_grads(dz, _block(grads, b_off[n_layers - 1], net, widths[n_layers]), m)
    spare = 0  # which scratch buffer receives the next layer's dz
    for l in range(n_layers - 1, 0, -1):
        n_in, n_out = widths[l], widths[l + 1]
        in_place = _in_place(n_out, gate)
        A = _block(acts, a_off[l - 1], net, n_in)
        dA = A if in_place else (dz_b if spare == 1 else dz_a)[:n_in]
        _back_layer(
            dz, _block(params, w_off[l], net, n_out * n_in), A, dA,
            _block(grads, w_off[l], net, n_out * n_in), _block(grads, b_off[l - 1], net, n_in),
            gate, m,
        )  # fmt: skip
        dz = dA
        if not in_place:
            spare = 1 - spare
    _input_layer_grads(dz, X, _block(grads, w_off[0], net, widths[0] * widths[1]), m)


@numba.jit(**_INLINE)
def _step_net(params, grads, learning_rate, widths, w_off, b_off, net):  # pragma: no cover
    """``params <- params - learning_rate * grads`` for the parameters of network ``net``."""
    for l in range(widths.size - 1):
        n_in, n_out = widths[l], widths[l + 1]
        start = w_off[l] + net * n_out * n_in
        for i in range(start, start + n_out * n_in):
            params[i] = params[i] - learning_rate * grads[i]
        start = b_off[l] + net * n_out
        for i in range(start, start + n_out):
            params[i] = params[i] - learning_rate * grads[i]


@numba.jit(**_INLINE)
def _output_gradient_net(y, acts, dz, bits, widths, a_off, net, lo, hi, m):  # pragma: no cover
    """``dz = 1/m * (sigmoid(z) - y)`` at the output logits ``z`` of network ``net``."""
    n_out = widths[widths.size - 1]
    Z = _block(acts, a_off[a_off.size - 1], net, n_out)
    for j in range(n_out):
        row = j if y.shape[0] > 1 else 0
        lo, hi = sigmoid_error(Z[j][:m], y[row][:m], 1.0 / m, dz[j][:m], bits[:m], lo, hi)
    return lo, hi


@numba.jit(**_JIT)
def forward(X, params, acts, widths, w_off, b_off, a_off, batch, act):  # pragma: no cover
    """Every layer for inputs ``X`` ``(n_0, s)``: ``phi(z)`` of hidden layers, then ``z``.

    ``act`` is the activation's code (:mod:`initstudy.model.activations`); ``acts`` has
    rows of ``s`` columns too, ``s`` the examples and any padding (all computed).
    """
    for net in range(batch):
        _forward_net(X, params, acts, widths, w_off, b_off, a_off, net, act)


@numba.jit(**_JIT)
def backward(
    X, y, params, grads, acts, dz_out, dz_a, dz_b, bits, widths, w_off, b_off, a_off, batch, act, m
):  # pragma: no cover
    """Gradients of the mean cross-entropy at the last :func:`forward`, into ``grads``.

    ``m`` is the number of examples, the first ``m`` of the ``s`` columns of every row
    (``X``, ``acts``, ``dz_out``, ``dz_a``, ``dz_b``, ``bits``; ``y`` has at least ``m``);
    ``dz_out`` ``(B, n_L, s)`` receives the gradient at the output logits; ``dz_a`` and
    ``dz_b`` are ``(max(widths), s)`` scratch; ``bits`` is int64 scratch of ``s``. The
    hidden activations of ``acts`` are overwritten. Returns the smallest and largest
    finite argument of ``exp`` (at most 0 and at least 0), from which the caller can
    tell whether ``exp`` overflowed or underflowed.
    """
    lo = hi = 0.0
    for net in range(batch):
        lo, hi = _output_gradient_net(y, acts, dz_out[net], bits, widths, a_off, net, lo, hi, m)
        dz = dz_out[net]
        _backward_net(X, dz, params, grads, acts, dz_a, dz_b, widths, w_off, b_off, a_off, net, act, m)  # fmt: skip  # noqa: E501
    return lo, hi


@numba.jit(**_JIT)
def step(params, grads, learning_rate):  # pragma: no cover
    """``params <- params - learning_rate * grads``, in place."""
    for i in range(params.size):
        params[i] = params[i] - learning_rate * grads[i]


@numba.jit(**_JIT)
def run(
    X, y, params, grads, acts, dz_out, dz_a, dz_b, bits, widths, w_off, b_off, a_off, batch, act, m,
    learning_rate, n_iterations,
):  # pragma: no cover  # fmt: skip
    """``n_iterations`` of :func:`forward`, :func:`backward`, :func:`step`, network by network.

    Each network runs all its iterations before the next one starts, so its
    parameters and activations stay in cache; the arithmetic is that of the
    three kernels called in turn. Returns what :func:`backward` returns, over all
    iterations.
    """
    lo = hi = 0.0
    for net in range(batch):
        dz = dz_out[net]
        for _ in range(n_iterations):
            _forward_net(X, params, acts, widths, w_off, b_off, a_off, net, act)
            lo, hi = _output_gradient_net(y, acts, dz, bits, widths, a_off, net, lo, hi, m)
            _backward_net(X, dz, params, grads, acts, dz_a, dz_b, widths, w_off, b_off, a_off, net, act, m)  # fmt: skip  # noqa: E501
            _step_net(params, grads, learning_rate, widths, w_off, b_off, net)
    return lo, hi


def call(kernel, *args):
    """``kernel(*args)``; its first call in this process, which may compile it, with LLVM's
    remarks dropped (:func:`initstudy.model.kernel_numba_build.remarks_dropped`).

    Parameters
    ----------
    kernel : numba dispatcher
        One of :func:`forward`, :func:`backward`, :func:`step`, :func:`run`.
    *args
        Its arguments.

    Returns
    -------
    What ``kernel`` returns.
    """
    # Under NUMBA_DISABLE_JIT=1 the kernels are plain functions, with nothing to compile.
    if getattr(kernel, "signatures", True):
        return kernel(*args)
    with remarks_dropped():
        return kernel(*args)


def raise_exp_events(lo: float, hi: float) -> None:
    """Report the overflow or underflow of the kernels' ``exp`` as NumPy's would.

    ``exp`` overflows or underflows at its extreme arguments if anywhere, so
    NumPy's ``exp`` of those two raises the same floating-point events, through
    the caller's ``np.errstate`` (once per kernel call, not once per iteration).

    Parameters
    ----------
    lo, hi : float
        Smallest and largest finite argument a kernel passed to ``exp``: what
        :func:`backward` and :func:`run` return.
    """
    if lo < -700.0 or hi > 700.0:
        np.exp(np.array([lo, hi]))
