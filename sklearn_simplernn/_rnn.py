"""The Elman recurrence and its gradient by backpropagation through time (BPTT).

Notation of the notes (row vectors, one row per sequence, oldest step first)::

    a_0 = 0
    z_t = x_t W_ax + a_{t-1} W_aa + b_a          t = 1 .. T
    a_t = f(z_t)
    O   = g(a_T W_ya + b_y)

Backward, with delta_t = dJ/dz_t and e_t = dJ/da_t (the gradient reaching a_t)::

    e_T      = dJ/dz_o W_ya^T                       (z_o = a_T W_ya + b_y)
    delta_t  = e_t * f'(z_t)          = e_t * f'(a_t expressed in a_t)
    e_{t-1}  = delta_t W_aa^T
    dJ/dW_ax = sum_t x_t^T delta_t     dJ/dW_aa = sum_t a_{t-1}^T delta_t
    dJ/db_a  = sum_t delta_t           dJ/dW_ya = a_T^T dJ/dz_o,  dJ/db_y = sum dJ/dz_o

(``docs/mathematics.rst`` derives each line.) Sequences of different lengths are
handled by the packed layout of :func:`sklearn_simplernn._sequences.pack`: at step t
only the ``n_t`` running sequences are rows of the computation, and a sequence's
e_T is injected at its own last step, when it joins the backward sweep.

Vectorised over sequences, looped over time only. The cache is the hidden states
alone; the step derivatives are recomputed from them.
"""

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES


class Workspace:
    """Reusable scratch buffers, so the per-batch arrays are allocated once.

    ``get(name, shape, dtype)`` returns a C-contiguous array of that shape that
    may hold garbage; it is reallocated only when a larger one is needed.
    """

    def __init__(self):
        self._buffers = {}

    def get(self, name, shape, dtype):
        size = int(np.prod(shape))
        buf = self._buffers.get(name)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = np.empty(max(size, 1), dtype=dtype)
            self._buffers[name] = buf
        return buf[:size].reshape(shape)


def forward(params, batch, activation, ws, cache=True):
    """Hidden states of a packed batch.

    Parameters
    ----------
    params : tuple of ndarray
        (W_ax, W_aa, b_a, W_ya, b_y); only the first three are read.
    batch : PackedBatch
    activation : str
        The hidden activation f.
    ws : Workspace
    cache : bool
        Keep every a_t (needed by :func:`backward`). Without it only a buffer
        of one step per sequence is used, for prediction.

    Returns
    -------
    A : ndarray of shape (total_steps, n_hidden) or None
        a_t for every packed row (only when ``cache``), in ``ws``.
    a_T : ndarray of shape (n_sequences, n_hidden)
        Last hidden state of each sequence, in packed (sorted) order.
    """
    W_ax, W_aa, b_a = params[:3]
    f = ACTIVATIONS[activation]
    dtype = batch.X.dtype
    n_hidden = W_aa.shape[0]
    off = batch.offsets.tolist()
    B = int(batch.batch_sizes[0])
    tmp = ws.get("step", (B, n_hidden), dtype)
    if cache:
        # One GEMM for the input term of every step: x_t W_ax + b_a.
        A = ws.get("A", (off[-1], n_hidden), dtype)
        np.matmul(batch.X, W_ax, out=A)
        A += b_a
        for t in range(batch.n_steps):
            lo, hi = off[t], off[t + 1]
            z = A[lo:hi]
            if t:
                n = hi - lo
                # a_{t-1} of the n running sequences: first n rows of step t-1.
                np.matmul(A[off[t - 1] : off[t - 1] + n], W_aa, out=tmp[:n])
                z += tmp[:n]
            f(z, out=z)
        return A, A[batch.last]
    # Prediction: a_t overwrites a_{t-1} in place; finished sequences keep
    # their last state in rows the loop no longer touches.
    a = ws.get("a", (B, n_hidden), dtype)
    xw = ws.get("xw", (B, n_hidden), dtype)
    X = batch.X
    for t in range(batch.n_steps):
        lo, hi = off[t], off[t + 1]
        n = hi - lo
        z = xw[:n]
        np.matmul(X[lo:hi], W_ax, out=z)
        z += b_a
        if t:
            np.matmul(a[:n], W_aa, out=tmp[:n])
            z += tmp[:n]
        f(z, out=a[:n])
    return None, a


def backward(params, batch, A, a_T, dZo, activation, grads, ws, e_sq=None):
    """Write dJ/dtheta into ``grads`` by backpropagation through time.

    Parameters
    ----------
    params : tuple of ndarray
        (W_ax, W_aa, b_a, W_ya, b_y).
    batch : PackedBatch
    A : ndarray of shape (total_steps, n_hidden)
        Hidden states from :func:`forward` with ``cache=True``.
    a_T : ndarray of shape (n_sequences, n_hidden)
    dZo : ndarray of shape (n_sequences, n_outputs)
        dJ/dz_o, the gradient at the output pre-activation, packed order.
    activation : str
    grads : tuple of ndarray
        Views (dW_ax, dW_aa, db_a, dW_ya, db_y), overwritten (not accumulated).
    ws : Workspace
    e_sq : ndarray of shape (T_max,), optional
        Diagnostics of the vanishing/exploding gradient: when given, ||e_t||^2
        of every sequence is added to ``e_sq[d]``, d = T_i - t the number of
        steps from a_t to the sequence's last state a_T (0 at a_T).
    """
    W_aa, W_ya = params[1], params[3]
    dW_ax, dW_aa, db_a, dW_ya, db_y = grads
    f_prime = DERIVATIVES[activation]
    dtype = A.dtype
    n_hidden = W_aa.shape[0]
    sizes = batch.batch_sizes.tolist() + [0]
    off = batch.offsets.tolist()
    B = sizes[0]

    # Output layer.
    np.matmul(a_T.T, dZo, out=dW_ya)
    np.sum(dZo, axis=0, out=db_y)
    e_T = ws.get("e_T", (B, n_hidden), dtype)
    np.matmul(dZo, W_ya.T, out=e_T)

    # Backward through time. e[:n_t] holds e_t for the running sequences.
    dZ = ws.get("dZ", A.shape, dtype)  # delta_t for every packed row
    e = ws.get("e", (B, n_hidden), dtype)
    for t in range(batch.n_steps - 1, -1, -1):
        lo, hi = off[t], off[t + 1]
        n, n_next = hi - lo, sizes[t + 1]
        if n_next < n:
            # Sequences whose last step is t receive dJ/da_T here (rows
            # n_next..n are exactly those, by the decreasing-length sort).
            e[n_next:n] = e_T[n_next:n]
        if e_sq is not None:
            _add_distance_norms(e_sq, e[:n], batch, t)
        delta = dZ[lo:hi]
        f_prime(A[lo:hi], e[:n], out=delta)  # delta_t = e_t * f'(z_t)
        if t:
            np.matmul(delta, W_aa.T, out=e[:n])  # e_{t-1} = delta_t W_aa^T

    # The weight gradients sum over steps: one GEMM each over all packed rows.
    np.matmul(batch.X.T, dZ, out=dW_ax)
    np.sum(dZ, axis=0, out=db_a)
    if batch.n_steps > 1:
        np.matmul(A[batch.prev].T, dZ[off[1] :], out=dW_aa)
    else:
        dW_aa[...] = 0


def _add_distance_norms(e_sq, e, batch, t):
    """Add ||e_t||^2 of the running rows to ``e_sq`` at their distance from the end."""
    n = e.shape[0]
    # Row j runs for L_j = #{t : n_t > j} steps (rows are sorted by length).
    lengths = np.searchsorted(-batch.batch_sizes, -np.arange(n), side="left")
    np.add.at(e_sq, lengths - 1 - t, np.einsum("ij,ij->i", e, e))
