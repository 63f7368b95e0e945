"""Compiled forward and backward passes for :class:`initstudy.net.NumbaMLP` (optional).

Imported only when ``numba`` is installed. The arrays have the NumPy backend's
layout (weights ``(B, n_out, n_in)``, activations ``(B, n, m)``) and each
network is computed on its own, layer by layer, with the examples as the
innermost, vectorized loop. Each network sees the notebook's operations in the
notebook's order: ``dot`` summed over the inner index in order, then ``+ b``;
``maximum(0, z)``; ``1/m * (sigmoid(z) - y)``; ``da * (a > 0)``;
``W - lr * dW``; no fused multiply-adds. Two things differ in the last bits:

- the sums over the examples (``dW``, ``db``) are split into SIMD partial sums,
  as BLAS and NumPy split them in their own ways (the split depends on the CPU's
  vector width, never on the run or the batch);
- ``exp`` is fdlibm's algorithm (error below 1 ulp) written so that it
  vectorizes, where NumPy calls its own SIMD ``exp`` or the C library's.

The loops are shaped for the CPU: a row of outputs takes up to four inputs per
pass over the examples, with the bias and the ReLU (or the backward mask) in its
last pass; the backward pass that forms row ``k`` of a layer's input gradient
also accumulates column ``k`` of its weight gradient from the same loads.

All buffers are flat float64 arrays; ``widths`` holds the layer widths and the
``*_off`` arrays the start of each layer's block, so one compiled function
serves every depth and width. Networks are independent, so a network trained
in a batch is bit for bit the network trained alone.

Entry points: :func:`forward` (the trainer's logged costs and predictions) and
:func:`run` (the training itself). :func:`backward` and :func:`step`, with
:func:`forward`, are the step-by-step reference: :func:`run` calls the same
per-network functions in the same order, and the tests check that it ends bit
for bit where the loop of the three leaves the networks.
"""

from __future__ import annotations

import numba
import numpy as np

from initstudy.kernel_numba_exp import sigmoid_error

_JIT = {
    "nopython": True, "nogil": True, "cache": True, "error_model": "numpy", "fastmath": False,
    "_nrt": False,
}  # fmt: skip
# Functions that take arrays are inlined into their caller, where numba drops the
# reference counting of their array arguments; a call costs 30-80 ns otherwise, as
# much as the arithmetic of a pass. Inlined code takes the caller's flags.
_INLINE = {**_JIT, "inline": "always"}
# The one place where sums may be reassociated: the sums over the examples, which
# LLVM then splits into SIMD partial sums. Every other operation in these
# functions goes through the strict scalar helpers (_finish, _in_order*), which
# LLVM inlines with their own, strict, flags.
_SUMS = {**_JIT, "fastmath": {"reassoc"}}

# What the last pass of a row does with its sum ``s``.
_KEEP, _BIAS, _BIAS_RELU, _MASK = 0, 1, 2, 3


@numba.jit(**_JIT)
def _finish(s, mode, b, a):  # pragma: no cover
    """``s`` (a partial sum), ``s + b``, ``relu(s + b)`` or ``s * (a > 0)``, by ``mode``."""
    if mode == _KEEP:
        return s
    if mode == _MASK:
        # np.multiply(da, int64(a > 0)): keeps NaN and inf * 0.
        return s * (1.0 if a > 0.0 else 0.0)
    v = s + b
    if mode == _BIAS:
        return v
    # np.maximum(0, z): NaN propagates.
    return v if (v > 0.0 or v != v) else 0.0


@numba.jit(**_JIT)
def _in_order1(w0, v0):  # pragma: no cover
    return w0 * v0


@numba.jit(**_JIT)
def _in_order2(w0, v0, w1, v1):  # pragma: no cover
    return w0 * v0 + w1 * v1


@numba.jit(**_JIT)
def _in_order3(w0, v0, w1, v1, w2, v2):  # pragma: no cover
    return (w0 * v0 + w1 * v1) + w2 * v2


@numba.jit(**_JIT)
def _in_order4(first, prev, w0, v0, w1, v1, w2, v2, w3, v3):  # pragma: no cover
    """Four more terms of a dot product, added in order to ``prev`` unless ``first``."""
    if first:
        return ((w0 * v0 + w1 * v1) + w2 * v2) + w3 * v3
    return (((prev + w0 * v0) + w1 * v1) + w2 * v2) + w3 * v3


@numba.jit(**_INLINE)
def _dense_pass(Z, j, w, A, k, r, first, mode, b, M, i):  # pragma: no cover
    """``Z[j] (+)= w[k] A[k] + ... + w[k+r-1] A[k+r-1]`` (``r`` in 1..4), then ``_finish``.

    ``M[i]`` is the row the mask mode reads. Each ``r`` has its own loop, so that
    the number of terms is fixed inside it; only a pass of four may add to what
    ``Z[j]`` holds. Rows are indices, not views: a view costs two calls into
    numba's reference counting, as much as a short pass.
    """
    m = Z.shape[1]
    w0 = w[k]
    if r == 1:
        for e in range(m):
            Z[j, e] = _finish(_in_order1(w0, A[k, e]), mode, b, M[i, e])
        return
    w1 = w[k + 1]
    if r == 2:
        for e in range(m):
            Z[j, e] = _finish(_in_order2(w0, A[k, e], w1, A[k + 1, e]), mode, b, M[i, e])
        return
    w2 = w[k + 2]
    if r == 3:
        for e in range(m):
            s = _in_order3(w0, A[k, e], w1, A[k + 1, e], w2, A[k + 2, e])
            Z[j, e] = _finish(s, mode, b, M[i, e])
        return
    w3 = w[k + 3]
    for e in range(m):
        s = _in_order4(
            first, Z[j, e], w0, A[k, e], w1, A[k + 1, e], w2, A[k + 2, e], w3, A[k + 3, e]
        )
        Z[j, e] = _finish(s, mode, b, M[i, e])


@numba.jit(**_INLINE)
def _dense_row(Z, j, w, A, mode, b, M, i):  # pragma: no cover
    """``Z[j] = _finish(w @ A)``: the first pass takes ``n % 4`` (or 4) inputs, the rest 4 each."""
    n = A.shape[0]
    r = n - 4 * ((n - 1) // 4)
    _dense_pass(Z, j, w, A, 0, r, True, mode if r == n else _KEEP, b, M, i)
    for k in range(r, n, 4):
        _dense_pass(Z, j, w, A, k, 4, False, mode if k + 4 == n else _KEEP, b, M, i)


@numba.jit(**_INLINE)
def _layer_block(flat, off, net, rows, cols):  # pragma: no cover
    """Network ``net``'s ``(rows, cols)`` block of a per-layer ``(B, rows, cols)`` buffer."""
    start = off + net * rows * cols
    return flat[start : start + rows * cols].reshape(rows, cols)


@numba.jit(**_INLINE)
def _forward_net(X, params, acts, widths, w_off, b_off, a_off, net):  # pragma: no cover
    """Every layer of network ``net``: ``relu(z)`` of hidden layers, then ``z``."""
    n_layers = widths.size - 1
    m = X.shape[1]
    inp = X
    for l in range(n_layers):
        n_in, n_out = widths[l], widths[l + 1]
        W = _layer_block(params, w_off[l], net, n_out, n_in)
        b0 = b_off[l] + net * n_out
        Z = _layer_block(acts, a_off[l], net, n_out, m)
        mode = _BIAS_RELU if l < n_layers - 1 else _BIAS
        for j in range(n_out):
            # The forward modes do not read the mask: any row will do.
            _dense_row(Z, j, W[j], inp, mode, params[b0 + j], inp, 0)
        inp = Z


@numba.jit(**_INLINE)
def _row_sums(D, out):  # pragma: no cover
    """``out[j] = sum(D[j])``, two rows per pass over the examples (reassociated by the caller)."""
    n, m = D.shape
    for j in range(0, n - 1, 2):
        s0 = s1 = 0.0
        for e in range(m):
            s0, s1 = s0 + D[j, e], s1 + D[j + 1, e]
        out[j], out[j + 1] = s0, s1
    if n % 2:
        s0 = 0.0
        for e in range(m):
            s0 += D[n - 1, e]
        out[n - 1] = s0


@numba.jit(**_INLINE)
def _back_pass(out, W, dz, A, k, j0, r, first, last, dW):  # pragma: no cover
    """Rows ``j0 .. j0+r-1`` (``r`` in 1..4) of ``dz``: their share of input gradient row ``k``.

    ``out[k] (+)= W[j0, k] dz[j0] + ...`` added in order (times ``A[k] > 0`` if
    ``last``), and from the same loads ``dW[j, k] = sum(dz[j] * A[k])``, the sums
    the caller reassociates.
    """
    m = A.shape[1]
    mode = _MASK if last else _KEEP
    w0 = W[j0, k]
    w1 = W[j0 + 1, k] if r > 1 else 0.0
    w2 = W[j0 + 2, k] if r > 2 else 0.0
    w3 = W[j0 + 3, k] if r > 3 else 0.0
    s0 = s1 = s2 = s3 = 0.0
    if r == 4:
        for e in range(m):
            x, v0, v1, v2, v3 = A[k, e], dz[j0, e], dz[j0 + 1, e], dz[j0 + 2, e], dz[j0 + 3, e]
            s = _in_order4(first, out[k, e], w0, v0, w1, v1, w2, v2, w3, v3)
            out[k, e] = _finish(s, mode, 0.0, x)
            s0, s1, s2, s3 = s0 + v0 * x, s1 + v1 * x, s2 + v2 * x, s3 + v3 * x
    elif r == 3:
        for e in range(m):
            x, v0, v1, v2 = A[k, e], dz[j0, e], dz[j0 + 1, e], dz[j0 + 2, e]
            out[k, e] = _finish(_in_order3(w0, v0, w1, v1, w2, v2), mode, 0.0, x)
            s0, s1, s2 = s0 + v0 * x, s1 + v1 * x, s2 + v2 * x
    elif r == 2:
        for e in range(m):
            x, v0, v1 = A[k, e], dz[j0, e], dz[j0 + 1, e]
            out[k, e] = _finish(_in_order2(w0, v0, w1, v1), mode, 0.0, x)
            s0, s1 = s0 + v0 * x, s1 + v1 * x
    else:
        for e in range(m):
            x, v0 = A[k, e], dz[j0, e]
            out[k, e] = _finish(_in_order1(w0, v0), mode, 0.0, x)
            s0 += v0 * x
    dW[j0, k] = s0
    if r > 1:
        dW[j0 + 1, k] = s1
    if r > 2:
        dW[j0 + 2, k] = s2
    if r > 3:
        dW[j0 + 3, k] = s3


@numba.jit(**_SUMS)
def _back_layer(dz, W, A, out, dW, db):  # pragma: no cover
    """A hidden layer's ``db``, ``dW = dz @ A.T`` and ``out = (W.T @ dz) * (A > 0)``.

    Row ``k`` of ``out`` and column ``k`` of ``dW`` come from the same passes over
    ``dz``, four of its rows at a time (the first pass takes ``n_out % 4`` or 4).
    """
    _row_sums(dz, db)
    n_out = dz.shape[0]
    r = n_out - 4 * ((n_out - 1) // 4)
    for k in range(A.shape[0]):
        _back_pass(out, W, dz, A, k, 0, r, True, r == n_out, dW)
        for j0 in range(r, n_out, 4):
            _back_pass(out, W, dz, A, k, j0, 4, False, j0 + 4 == n_out, dW)


@numba.jit(**_INLINE)
def _gemm_nt(D, A, out, transposed):  # pragma: no cover
    """``out[j, k]`` (or ``out[k, j]``) ``= sum(D[j] * A[k])``, in blocks of 2 x 4 sums.

    Eight sums share each pass over the examples, so each loaded value is used
    two or four times. The caller reassociates the sums.
    """
    n_rows, n_cols, m = D.shape[0], A.shape[0], D.shape[1]
    for j in range(0, n_rows, 2):
        j1 = min(j + 1, n_rows - 1)  # an odd last row is summed twice
        for k in range(0, n_cols, 4):
            k1, k2, k3 = min(k + 1, n_cols - 1), min(k + 2, n_cols - 1), min(k + 3, n_cols - 1)
            s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = 0.0
            for i in range(m):
                x0, x1, a0, a1, a2, a3 = D[j, i], D[j1, i], A[k, i], A[k1, i], A[k2, i], A[k3, i]
                s00, s01, s02, s03 = s00 + x0 * a0, s01 + x0 * a1, s02 + x0 * a2, s03 + x0 * a3
                s10, s11, s12, s13 = s10 + x1 * a0, s11 + x1 * a1, s12 + x1 * a2, s13 + x1 * a3
            for jj, row in ((j, (s00, s01, s02, s03)), (j1, (s10, s11, s12, s13))):
                for kk in range(min(4, n_cols - k)):
                    if transposed:
                        out[k + kk, jj] = row[kk]
                    else:
                        out[jj, k + kk] = row[kk]


@numba.jit(**_SUMS)
def _input_layer_grads(dz, X, dW, db):  # pragma: no cover
    """The first layer's ``db`` and ``dW = dz @ X.T`` (its input gradient is not needed)."""
    _row_sums(dz, db)
    # The smaller of dz and X takes the pairs of rows.
    if X.shape[0] < dz.shape[0]:
        _gemm_nt(X, dz, dW, True)
    else:
        _gemm_nt(dz, X, dW, False)


@numba.jit(**_INLINE)
def _backward_net(X, dz, params, grads, acts, dz_a, dz_b, widths, w_off, b_off, a_off, net):  # pragma: no cover  # fmt: skip  # noqa: E501
    """Gradients of network ``net`` from ``dz`` at its output logits, into ``grads``."""
    m = X.shape[1]
    spare = 0  # which scratch buffer receives the next layer's dz
    for l in range(widths.size - 2, 0, -1):
        n_in, n_out = widths[l], widths[l + 1]
        dA = (dz_b if spare == 1 else dz_a)[: n_in * m].reshape(n_in, m)
        _back_layer(
            dz, _layer_block(params, w_off[l], net, n_out, n_in),
            _layer_block(acts, a_off[l - 1], net, n_in, m), dA,
            _layer_block(grads, w_off[l], net, n_out, n_in),
            grads[b_off[l] + net * n_out : b_off[l] + (net + 1) * n_out],
        )  # fmt: skip
        dz = dA
        spare = 1 - spare
    n_in, n_out = widths[0], widths[1]
    dW = _layer_block(grads, w_off[0], net, n_out, n_in)
    _input_layer_grads(dz, X, dW, grads[b_off[0] + net * n_out : b_off[0] + (net + 1) * n_out])


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
def _output_gradient_net(y, acts, dz, bits, widths, a_off, net, lo, hi):  # pragma: no cover
    """``dz = 1/m * (sigmoid(z) - y)`` at the output logits ``z`` of network ``net``."""
    n_out = widths[widths.size - 1]
    m = dz.shape[1]
    Z = _layer_block(acts, a_off[a_off.size - 1], net, n_out, m)
    for j in range(n_out):
        lo, hi = sigmoid_error(Z[j], y[j if y.shape[0] > 1 else 0], 1.0 / m, dz[j], bits, lo, hi)
    return lo, hi


@numba.jit(**_JIT)
def forward(X, params, acts, widths, w_off, b_off, a_off, batch):  # pragma: no cover
    """Every layer for inputs ``X`` ``(n_0, m)``: ``relu(z)`` of hidden layers, then ``z``."""
    for net in range(batch):
        _forward_net(X, params, acts, widths, w_off, b_off, a_off, net)


@numba.jit(**_JIT)
def backward(
    X, y, params, grads, acts, dz_out, dz_a, dz_b, bits, widths, w_off, b_off, a_off, batch
):  # pragma: no cover
    """Gradients of the mean cross-entropy at the last :func:`forward`, into ``grads``.

    ``dz_out`` ``(B, n_L, m)`` receives the gradient at the output logits; ``dz_a`` and
    ``dz_b`` are scratch buffers of ``max(widths) * m``; ``bits`` is int64 scratch of
    ``m``. Returns the smallest and largest finite argument of ``exp`` (at most 0 and at
    least 0), from which the caller can tell whether ``exp`` overflowed or underflowed.
    """
    lo = hi = 0.0
    for net in range(batch):
        lo, hi = _output_gradient_net(y, acts, dz_out[net], bits, widths, a_off, net, lo, hi)
        _backward_net(
            X, dz_out[net], params, grads, acts, dz_a, dz_b, widths, w_off, b_off, a_off, net
        )
    return lo, hi


@numba.jit(**_JIT)
def step(params, grads, learning_rate):  # pragma: no cover
    """``params <- params - learning_rate * grads``, in place."""
    for i in range(params.size):
        params[i] = params[i] - learning_rate * grads[i]


@numba.jit(**_JIT)
def run(
    X, y, params, grads, acts, dz_out, dz_a, dz_b, bits, widths, w_off, b_off, a_off, batch,
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
            _forward_net(X, params, acts, widths, w_off, b_off, a_off, net)
            lo, hi = _output_gradient_net(y, acts, dz, bits, widths, a_off, net, lo, hi)
            _backward_net(X, dz, params, grads, acts, dz_a, dz_b, widths, w_off, b_off, a_off, net)
            _step_net(params, grads, learning_rate, widths, w_off, b_off, net)
    return lo, hi


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
