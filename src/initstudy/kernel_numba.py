"""Compiled forward and backward passes for :class:`initstudy.net.NumbaMLP` (optional).

Imported only when ``numba`` is installed. The arrays have the NumPy backend's
layout (weights ``(B, n_out, n_in)``, activations ``(B, n, m)``) and each
network is computed on its own, layer by layer, with the examples as the
innermost, vectorized loop. Each network sees the notebook's operations in the
notebook's order: ``dot`` summed over the inner index, then ``+ b``;
``maximum(0, z)``; ``1/m * (sigmoid(z) - y)``; ``da * (a > 0)``;
``W - lr * dW``. Sums over the examples (``dW``, ``db``) are split into SIMD
partial sums, as BLAS and NumPy split them in their own ways; BLAS also rounds
through fused multiply-adds. The two differ in the last bits of some sums, not
in the trajectory.

All buffers are flat float64 arrays; ``widths`` holds the layer widths and the
``*_off`` arrays the start of each layer's block, so one compiled function
serves every depth and width. Networks are independent, so a network trained
in a batch is bit for bit the network trained alone, and :func:`run` may train
each network through many iterations before it starts the next.

Entry points: :func:`forward` (the trainer's logged costs and predictions) and
:func:`run` (the training itself). The per-step kernels :func:`backward` and
:func:`step`, with :func:`forward`, are the step-by-step reference: they back
``NumbaMLP.backward`` and ``NumbaMLP.step``, and the tests check that
:func:`run` ends bit for bit where the loop of the three leaves the networks,
and that they agree with the NumPy backend at every step. The training jobs
never call them.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_JIT = {"nopython": True, "nogil": True, "cache": True, "error_model": "numpy", "fastmath": False}


# Only the sums over the examples may be reassociated: LLVM then splits each into
# SIMD partial sums. The split depends on the CPU's vector width, so the last bits
# of these sums may differ between machines, never between runs or batch sizes.
@numba.jit(**{**_JIT, "fastmath": {"reassoc"}})
def _gemm_nt(D, A, out):  # pragma: no cover
    """``out[j, k] = sum(D[j] * A[k])``: ``D @ A.T`` in blocks of 2 x 4 sums.

    Eight sums share each pass over the examples, so each loaded value is used
    two or four times; this is 4x faster than one sum at a time.
    """
    n_rows, n_cols = D.shape[0], A.shape[0]
    m = D.shape[1]
    main = n_cols - n_cols % 4
    for j in range(0, n_rows, 2):
        two = j + 1 < n_rows
        d0 = D[j]
        d1 = D[j + 1] if two else D[j]
        for k in range(0, main, 4):
            a0, a1, a2, a3 = A[k], A[k + 1], A[k + 2], A[k + 3]
            s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = 0.0
            for i in range(m):
                x0, x1 = d0[i], d1[i]
                s00 += x0 * a0[i]
                s01 += x0 * a1[i]
                s02 += x0 * a2[i]
                s03 += x0 * a3[i]
                s10 += x1 * a0[i]
                s11 += x1 * a1[i]
                s12 += x1 * a2[i]
                s13 += x1 * a3[i]
            out[j, k], out[j, k + 1], out[j, k + 2], out[j, k + 3] = s00, s01, s02, s03
            if two:
                out[j + 1, k], out[j + 1, k + 1] = s10, s11
                out[j + 1, k + 2], out[j + 1, k + 3] = s12, s13
        for k in range(main, n_cols):
            a = A[k]
            s0 = s1 = 0.0
            for i in range(m):
                s0 += d0[i] * a[i]
                s1 += d1[i] * a[i]
            out[j, k] = s0
            if two:
                out[j + 1, k] = s1


@numba.jit(**_JIT)
def _combine(w, A, out):  # pragma: no cover
    """``out[e] = w[0] A[0, e] + w[1] A[1, e] + ...``, added in order of the rows.

    Rows are taken four at a time so that ``out`` is loaded and stored once per
    four rows; the additions are the same, in the same order, as one row at a time.
    """
    n, m = A.shape
    if n >= 4:
        w0, w1, w2, w3 = w[0], w[1], w[2], w[3]
        a0, a1, a2, a3 = A[0], A[1], A[2], A[3]
        for e in range(m):
            out[e] = ((w0 * a0[e] + w1 * a1[e]) + w2 * a2[e]) + w3 * a3[e]
        k = 4
    else:
        w0, a0 = w[0], A[0]
        for e in range(m):
            out[e] = w0 * a0[e]
        k = 1
    while k + 4 <= n:
        w0, w1, w2, w3 = w[k], w[k + 1], w[k + 2], w[k + 3]
        a0, a1, a2, a3 = A[k], A[k + 1], A[k + 2], A[k + 3]
        for e in range(m):
            out[e] = (((out[e] + w0 * a0[e]) + w1 * a1[e]) + w2 * a2[e]) + w3 * a3[e]
        k += 4
    while k < n:
        w0, a0 = w[k], A[k]
        for e in range(m):
            out[e] += w0 * a0[e]
        k += 1


@numba.jit(**_JIT)
def _forward_net(X, params, acts, widths, w_off, b_off, a_off, net):  # pragma: no cover
    """Every layer of network ``net``: ``relu(z)`` of hidden layers, then ``z``."""
    n_layers = widths.size - 1
    m = X.shape[1]
    inp = X
    for l in range(n_layers):
        n_in, n_out = widths[l], widths[l + 1]
        W = params[w_off[l] + net * n_out * n_in : w_off[l] + (net + 1) * n_out * n_in]
        W = W.reshape(n_out, n_in)
        bias = params[b_off[l] + net * n_out : b_off[l] + (net + 1) * n_out]
        Z = acts[a_off[l] + net * n_out * m : a_off[l] + (net + 1) * n_out * m]
        Z = Z.reshape(n_out, m)
        for j in range(n_out):
            z = Z[j]
            _combine(W[j], inp, z)
            bj = bias[j]
            if l < n_layers - 1:
                for e in range(m):
                    v = z[e] + bj
                    # np.maximum(0, z): NaN propagates.
                    z[e] = v if (v > 0.0 or v != v) else 0.0
            else:
                for e in range(m):
                    z[e] += bj
        inp = Z


@numba.jit(**_JIT)
def _output_gradient_net(y, acts, dz, widths, a_off, net, lo, hi):  # pragma: no cover
    """``dz = 1/m * (1 / (1 + exp(-z)) - y)`` at the output logits ``z`` of network ``net``.

    ``math.exp`` is the C library's ``exp``, which is also what NumPy's ``exp``
    calls for float64 on CPUs without AVX-512; on those it is bit for bit NumPy's.
    Returns ``lo, hi`` widened to the smallest and largest finite argument of ``exp``.
    """
    n_out = widths[widths.size - 1]
    m = dz.shape[1]
    start = a_off[a_off.size - 1] + net * n_out * m
    Z = acts[start : start + n_out * m]
    Z = Z.reshape(n_out, m)
    inv_m = 1.0 / m
    for j in range(n_out):
        yj = y[j if y.shape[0] > 1 else 0]
        z, d = Z[j], dz[j]
        for e in range(m):
            x = -z[e]
            # exp(+-inf) and exp(NaN) are exact: only finite arguments raise events.
            if hi < x < math.inf:
                hi = x
            elif -math.inf < x < lo:
                lo = x
            d[e] = (1.0 / (1.0 + math.exp(x)) - yj[e]) * inv_m
    return lo, hi


@numba.jit(**_JIT)
def _backward_net(
    X, dz, params, grads, acts, dz_a, dz_b, ones, wt, widths, w_off, b_off, a_off, net
):  # pragma: no cover
    """Gradients of network ``net`` from ``dz`` at its output logits, into ``grads``."""
    n_layers = widths.size - 1
    m = X.shape[1]
    spare = 0  # which scratch buffer receives the next layer's dz
    for l in range(n_layers - 1, -1, -1):
        n_in, n_out = widths[l], widths[l + 1]
        W = params[w_off[l] + net * n_out * n_in : w_off[l] + (net + 1) * n_out * n_in]
        W = W.reshape(n_out, n_in)
        dW = grads[w_off[l] + net * n_out * n_in : w_off[l] + (net + 1) * n_out * n_in]
        dW = dW.reshape(n_out, n_in)
        db = grads[b_off[l] + net * n_out : b_off[l] + (net + 1) * n_out]
        if l > 0:
            A = acts[a_off[l - 1] + net * n_in * m : a_off[l - 1] + (net + 1) * n_in * m]
            A = A.reshape(n_in, m)
        else:
            A = X
        _gemm_nt(dz, ones, db.reshape(n_out, 1))
        _gemm_nt(dz, A, dW)
        if l == 0:
            break
        dA = (dz_b if spare == 1 else dz_a)[: n_in * m].reshape(n_in, m)
        WT = wt[: n_in * n_out].reshape(n_in, n_out)
        for k in range(n_in):
            for j in range(n_out):
                WT[k, j] = W[j, k]
        for k in range(n_in):
            dak = dA[k]
            _combine(WT[k], dz, dak)
            a = A[k]
            for e in range(m):
                # np.multiply(da, int64(a > 0)): keeps NaN and inf * 0.
                dak[e] *= 1.0 if a[e] > 0.0 else 0.0
        dz = dA
        spare = 1 - spare


@numba.jit(**_JIT)
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


@numba.jit(**_JIT)
def forward(X, params, acts, widths, w_off, b_off, a_off, batch):  # pragma: no cover
    """Every layer for inputs ``X`` ``(n_0, m)``: ``relu(z)`` of hidden layers, then ``z``."""
    for net in range(batch):
        _forward_net(X, params, acts, widths, w_off, b_off, a_off, net)


@numba.jit(**_JIT)
def backward(
    X, y, params, grads, acts, dz_out, dz_a, dz_b, ones, wt, widths, w_off, b_off, a_off, batch
):  # pragma: no cover
    """Gradients of the mean cross-entropy at the last :func:`forward`, into ``grads``.

    ``dz_out`` ``(B, n_L, m)`` receives the gradient at the output logits; ``dz_a`` and
    ``dz_b`` are scratch buffers of ``max(widths) * m``; ``ones`` is ``(1, m)`` ones;
    ``wt`` is scratch for one layer's transposed weights. Returns the smallest and
    largest finite argument of ``exp`` (at most 0 and at least 0), from which the caller
    can tell whether ``exp`` overflowed or underflowed.
    """
    lo = hi = 0.0
    for net in range(batch):
        lo, hi = _output_gradient_net(y, acts, dz_out[net], widths, a_off, net, lo, hi)
        _backward_net(
            X, dz_out[net], params, grads, acts, dz_a, dz_b, ones, wt, widths, w_off, b_off,
            a_off, net,
        )  # fmt: skip
    return lo, hi


@numba.jit(**_JIT)
def step(params, grads, learning_rate):  # pragma: no cover
    """``params <- params - learning_rate * grads``, in place."""
    for i in range(params.size):
        params[i] = params[i] - learning_rate * grads[i]


@numba.jit(**_JIT)
def run(
    X, y, params, grads, acts, dz_out, dz_a, dz_b, ones, wt, widths, w_off, b_off, a_off, batch,
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
            lo, hi = _output_gradient_net(y, acts, dz, widths, a_off, net, lo, hi)
            _backward_net(
                X, dz, params, grads, acts, dz_a, dz_b, ones, wt, widths, w_off, b_off, a_off, net
            )
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
