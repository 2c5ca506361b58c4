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

Cost model. At the batch sizes of mini-batch training (tens of sequences, tens of
hidden units) one numpy call costs about as much as the arithmetic it does, so the
loops are written for the fewest calls per step: everything that is not part of
the recurrence (the input term x_t W_ax + b_a, the slopes f'(z_t), the weight
gradients) is one vectorised call over all packed rows, leaving three calls per
step forward (GEMM, add, f) and two backward (multiply, GEMM). The views each
step works on are built once per batch shape and kept in the :class:`Workspace`.
"""

import math

import numpy as np

from ._activations import ACTIVATIONS, SLOPES

# The backward sweep rounds e_t to a grid far below its largest entry every this
# many steps, so that a vanishing gradient becomes zeros rather than subnormal
# numbers (see _flush_constant).
_FLUSH_EVERY = 8
# Step plans kept per workspace (one per batch shape in use).
_MAX_PLANS = 16


class Workspace:
    """Reusable scratch buffers, so the per-batch arrays are allocated once.

    ``get(name, shape, dtype)`` returns a C-contiguous array of that shape that
    may hold garbage; it is reallocated only when a larger one is needed.
    ``plan(key, build)`` keeps the per-step views of a batch shape; any
    reallocation drops them, since they may point into the old buffer.
    ``memo`` holds small per-fit constants (e.g. the L2 penalty mask).
    """

    def __init__(self):
        self._buffers = {}
        self._plans = {}
        self._prefixes = {}
        self._seen = set()
        self.memo = {}

    def get(self, name, shape, dtype):
        size = math.prod(shape)
        buf = self._buffers.get(name)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = np.empty(max(size, 1), dtype=dtype)
            self._buffers[name] = buf
            self._plans.clear()
            self._prefixes.clear()
        return buf[:size].reshape(shape)

    def prefixes(self, name, shape, dtype):
        """``views[n]`` is the first n rows of ``get(name, shape, dtype)``, n = 0..shape[0].

        A step of a ragged batch works on the first n_t rows of the per-step
        buffers; taking them from this list instead of slicing saves most of the
        cost of building a new batch shape's step plan (a slice costs about as
        much as a small numpy call). Kept until a buffer is reallocated.
        """
        key = (name, shape, np.dtype(dtype))
        views = self._prefixes.get(key)
        if views is None:
            buf = self.get(name, shape, dtype)
            views = [buf[:n] for n in range(shape[0] + 1)]
            self._prefixes[key] = views
        return views

    def ones(self, n, dtype):
        """A read-only vector of n ones."""
        key = ("ones", np.dtype(dtype))
        buf = self.memo.get(key)
        if buf is None or buf.size < n:
            buf = np.ones(max(n, 1), dtype=dtype)
            buf.flags.writeable = False
            self.memo[key] = buf
        return buf[:n]

    def plan(self, key, build):
        steps = self._plans.get(key)
        if steps is None:
            steps = build()
            # Keep a plan from its second use on: shuffled ragged mini-batches
            # rarely repeat a shape, and storing theirs would only churn.
            if key in self._seen:
                if len(self._plans) >= _MAX_PLANS:
                    self._plans.clear()
                self._plans[key] = steps
            else:
                if len(self._seen) >= 16 * _MAX_PLANS:
                    self._seen.clear()
                self._seen.add(key)
        return steps


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
    W_aa = params[1]
    f = ACTIVATIONS[activation]
    dtype = batch.X.dtype
    n_hidden = W_aa.shape[0]
    B = len(batch)
    W_in = _input_weights(params, ws)
    if cache:
        A = ws.get("A", (batch.n_rows, n_hidden), dtype)
        tmp = ws.prefixes("step", (B, n_hidden), dtype)
        steps = ws.plan(("forward", batch.key, n_hidden, dtype),
                        lambda: _forward_steps(batch, A, tmp))
        # One GEMM for the input term of every step: z_t = [x_t, 1] [W_ax; b_a] so far.
        np.dot(batch.X1, W_in, out=A)
        a_1 = A[:B]
        f(a_1, out=a_1)  # a_0 = 0: no recurrent term at the first step
        for z, a_prev, z_rec in steps:
            np.dot(a_prev, W_aa, out=z_rec)  # a_{t-1} W_aa, the n_t running rows
            np.add(z, z_rec, out=z)
            f(z, out=z)  # a_t
        return A, A[batch.last]
    # Prediction: a_t overwrites a_{t-1} in place; finished sequences keep
    # their last state in rows the loop no longer touches.
    tmp = ws.get("step", (B, n_hidden), dtype)
    a = ws.get("a", (B, n_hidden), dtype)
    xw = ws.get("xw", (B, n_hidden), dtype)
    X1 = batch.X1
    off = batch.offsets.tolist()
    for t in range(batch.n_steps):
        lo, hi = off[t], off[t + 1]
        n = hi - lo
        z = xw[:n]
        np.dot(X1[lo:hi], W_in, out=z)
        if t:
            np.dot(a[:n], W_aa, out=tmp[:n])
            z += tmp[:n]
        f(z, out=a[:n])
    return None, a


def _input_weights(params, ws):
    """[W_ax; b_a]: the weights of the packed input [x_t, 1], in a workspace buffer."""
    W_ax, b_a = params[0], params[2]
    D = W_ax.shape[0]
    W_in = ws.get("W_in", (D + 1, W_ax.shape[1]), W_ax.dtype)
    W_in[:D] = W_ax
    W_in[D] = b_a
    return W_in


def _forward_steps(batch, A, tmp):
    """(z_t, a_{t-1}, scratch) views for the steps t >= 1 of ``batch``.

    The running sequences at step t are the first n_t rows of step t - 1's block
    (sorted by decreasing length), so a_{t-1} is a contiguous slice: the whole
    block when no sequence ended at t - 1. ``tmp`` is a list of prefix views.
    """
    blocks = _blocks(A, batch.offsets)
    sizes = batch.batch_sizes.tolist()
    return [
        (blocks[t], blocks[t - 1] if sizes[t - 1] == n else blocks[t - 1][:n], tmp[n])
        for t, n in enumerate(sizes)
        if t
    ]


def _blocks(M, offsets):
    """The step blocks ``M[offsets[t]:offsets[t+1]]`` of a packed array."""
    off = offsets.tolist()
    return [M[lo:hi] for lo, hi in zip(off[:-1], off[1:])]


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
    dtype = A.dtype
    n_hidden = W_aa.shape[0]
    B = len(batch)

    # Output layer (the bias as ones^T dZo: a GEMV is much faster than numpy's
    # column sum).
    np.dot(a_T.T, dZo, out=dW_ya)
    np.dot(ws.ones(B, dtype), dZo, out=db_y)
    # e[:n_t] holds e_t of the running sequences. It starts as e_T for every
    # sequence: the sweep only writes rows [:n_t] at step t, so the row of a
    # sequence ending at step t still holds its dJ/da_T when the sweep gets there.
    e_views = ws.prefixes("e", (B, n_hidden), dtype)
    e = e_views[B]
    np.dot(dZo, W_ya.T, out=e)
    c = _flush_constant(e)

    # f'(z_t) for every packed row at once, from the cached a_t; the sweep turns
    # each step's block into delta_t = e_t * f'(z_t) in place.
    dZ = ws.get("dZ", A.shape, dtype)
    SLOPES[activation](A, out=dZ)
    steps = ws.plan(("backward", batch.key, n_hidden, dtype),
                    lambda: _backward_steps(batch, dZ, e_views))
    W_aa_T = np.ascontiguousarray(W_aa.T)  # a plain GEMM is ~10% faster than a transposed one
    if e_sq is None:
        for delta, e_t, flush in steps:  # t = T_max - 1 down to 1
            np.multiply(delta, e_t, out=delta)  # delta_t = e_t * f'(z_t)
            np.dot(delta, W_aa_T, out=e_t)  # e_{t-1} = delta_t W_aa^T
            if flush and c:
                e_t += c  # rounds |e| < ulp(c) / 2 to exactly 0
                e_t -= c
    else:
        for t, (delta, e_t, flush) in zip(range(batch.n_steps - 1, 0, -1), steps):
            _add_distance_norms(e_sq, e_t, batch, t)
            np.multiply(delta, e_t, out=delta)
            np.dot(delta, W_aa_T, out=e_t)
            if flush and c:
                e_t += c
                e_t -= c
        _add_distance_norms(e_sq, e, batch, 0)
    delta_1 = dZ[:B]
    np.multiply(delta_1, e, out=delta_1)

    # The weight gradients sum over steps: one GEMM each over all packed rows,
    # [x_t, 1]^T delta_t giving dW_ax and db_a together.
    D = dW_ax.shape[0]
    dW_in = ws.get("dW_in", (D + 1, n_hidden), dtype)
    np.dot(batch.X1.T, dZ, out=dW_in)
    dW_ax[...] = dW_in[:D]
    db_a[...] = dW_in[D]
    if batch.n_steps > 1:
        if isinstance(batch.prev, slice):
            A_prev = A[batch.prev]
        else:
            A_prev = ws.get("A_prev", (len(batch.prev), n_hidden), dtype)
            np.take(A, batch.prev, axis=0, out=A_prev)
        np.dot(A_prev.T, dZ[B:], out=dW_aa)
    else:
        dW_aa[...] = 0


def _backward_steps(batch, dZ, e):
    """(delta_t, e_t, flush?) views for t = T_max - 1 down to 1; ``e`` lists prefixes."""
    blocks = _blocks(dZ, batch.offsets)
    sizes = batch.batch_sizes.tolist()
    T = len(sizes)
    return [
        (blocks[t], e[sizes[t]], (T - t) % _FLUSH_EVERY == 0)
        for t in range(T - 1, 0, -1)
    ]


def _flush_constant(e_T):
    """The c of the flush e <- (e + c) - c, or 0 to skip it.

    A gradient that vanishes through time shrinks by a roughly constant factor
    per step and, over a long enough sequence, reaches subnormal numbers, on
    which x86 arithmetic is many times slower (float32 after ~100 steps). Adding
    and subtracting a power of two c leaves every |e| >> c unchanged and rounds
    every |e| < ulp(c) / 2 to exactly zero, after which it stays zero; values in
    between move by at most ulp(c) / 2. With c = 2^-(p+1) max|e_T| (p mantissa
    bits) that is at most 2^-(2p+2) max|e_T|, far below the rounding error of
    the gradient sums themselves (2^-p relative), so the gradient is exact to
    working precision. c is kept large enough that ulp(c) is a normal number.
    """
    scale = float(np.abs(e_T).max()) if e_T.size else 0.0
    if not 0.0 < scale < math.inf:
        return 0.0
    nmant, minexp = _FLOAT_BITS[e_T.dtype.type]
    exponent = max(math.frexp(scale)[1] - (nmant + 1), minexp + nmant)
    return math.ldexp(1.0, exponent)


# (mantissa bits, smallest normal exponent) of each float type.
_FLOAT_BITS = {t: (np.finfo(t).nmant, np.finfo(t).minexp) for t in (np.float32, np.float64)}


def _add_distance_norms(e_sq, e, batch, t):
    """Add ||e_t||^2 of the running rows to ``e_sq`` at their distance from the end."""
    n = e.shape[0]
    # Row j runs for L_j = #{t : n_t > j} steps (rows are sorted by length).
    lengths = np.searchsorted(-batch.batch_sizes, -np.arange(n), side="left")
    np.add.at(e_sq, lengths - 1 - t, np.einsum("ij,ij->i", e, e))
