"""The Elman recurrence as a sequence layer, and its gradient by backpropagation through time.

Notation of the notes (row vectors, one row per sequence, oldest step first).
A layer reads a packed sequence of inputs h_t (the steps' features x_t for
the first layer, the outputs of the layer below for the others)::

    a_0 = 0
    z_t = h_t W_ax + a_{t-1} W_aa + b_a          t = 1 .. T
    a_t = f(z_t)

Backward, given g_t = dJ/da_t from above (the head or the next layer), with
e_t the whole gradient reaching a_t and delta_t = dJ/dz_t::

    e_T      = g_T
    delta_t  = e_t * f'(z_t)          (f' expressed in a_t)
    e_{t-1}  = g_{t-1} + delta_t W_aa^T
    dJ/dW_ax = sum_t h_t^T delta_t     dJ/dW_aa = sum_t a_{t-1}^T delta_t
    dJ/db_a  = sum_t delta_t           dJ/dh_t  = delta_t W_ax^T

(``docs/mathematics.rst`` derives each line.) The backward direction of a
bidirectional layer is the same recurrence over each sequence reversed within
its own length (``PackedBatch.reverse``): a packing of the reversed sequences,
whose states are mapped back to the original steps and concatenated with the
forward states.

Sequences of different lengths are handled by the packed layout of
:func:`sklearn_simplernn._sequences.pack`: at step t only the ``n_t`` running
sequences are rows of the computation. When g is zero except at each
sequence's last step (the 'last' readout, :class:`AtLastStep`), g_T is
injected when the sequence joins the backward sweep and no dense gradient is
formed: two numpy calls per step instead of three.

Vectorised over sequences, looped over time only. The cache is the hidden
states alone; the step derivatives are recomputed from them.

Cost model. At the batch sizes of mini-batch training (tens of sequences, tens of
hidden units) one numpy call costs about as much as the arithmetic it does, so the
loops are written for the fewest calls per step: everything that is not part of
the recurrence (the input term h_t W_ax + b_a, the slopes f'(z_t), the weight
gradients, dJ/dh_t) is one vectorised call over all packed rows, leaving three
calls per step forward (GEMM, add, f) and two or three backward (multiply, GEMM,
and the add of a dense g). The views each step works on are built once per
batch shape and kept in the layer's :class:`Workspace`.
"""

import math

import numpy as np

from ._activations import ACTIVATIONS
from ._params import ParamSpec

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
        self._children = {}
        self.memo = {}

    def child(self, name):
        """The workspace of one piece of a model (a layer, a direction, the head).

        Each piece keeps its buffers and step plans under its own name, so
        that two layers never overwrite each other's cache.
        """
        ws = self._children.get(name)
        if ws is None:
            ws = self._children[name] = Workspace()
            ws.memo = self.memo
        return ws

    def buffers(self):
        """Every buffer of this workspace and its children (for tests and memory checks)."""
        yield from self._buffers.values()
        for ws in self._children.values():
            yield from ws.buffers()

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


class AtLastStep:
    """A gradient dJ/dH that is zero except at each sequence's last step.

    ``values[j]`` is dJ/da_{T_j} of sorted sequence j (packed order). The
    'last' readout returns it; a layer's backward pass then seeds the sweep
    with it instead of adding a mostly-zero dense array at every step.
    """

    def __init__(self, values):
        self.values = values


class LayerCache:
    """What a layer's forward pass leaves for its backward pass.

    ``H`` is the packed output (total_steps, n_outputs), ``final`` the state
    each direction ends on, (n_sequences, n_outputs): the forward a_{T_j} and,
    when bidirectional, the backward run's state at step 1, concatenated.
    """

    def __init__(self, H, final, runs, H_in, input_has_ones):
        self.H = H
        self.final = final
        self.runs = runs
        self.H_in = H_in
        self.input_has_ones = input_has_ones


class RecurrentLayer:
    """One Elman layer, optionally bidirectional, on packed sequences.

    Parameters
    ----------
    n_inputs : int
        Features of h_t (D for the first layer, the width of the layer below
        otherwise).
    n_hidden : int
        H, units per direction.
    activation : str
        The hidden activation f.
    bidirectional : bool
        Also run over each sequence backward in time; the output at step t
        is then [forward a_t, backward a_t] (2H columns), as in PyTorch.
    """

    def __init__(self, n_inputs, n_hidden, activation, bidirectional=False):
        self.n_inputs = n_inputs
        self.n_hidden = n_hidden
        self.activation = activation
        self.bidirectional = bidirectional
        self.n_directions = 2 if bidirectional else 1
        self.n_outputs = self.n_directions * n_hidden

    def param_specs(self, name=""):
        """W_ax, W_aa, b_a: with a leading direction axis of 2 when bidirectional."""
        D, H = self.n_inputs, self.n_hidden
        lead = (2,) if self.bidirectional else ()
        return [ParamSpec("W_ax" + name, lead + (D, H), True),
                ParamSpec("W_aa" + name, lead + (H, H), True),
                ParamSpec("b_a" + name, lead + (H,), False)]

    def _directions(self, params):
        """(W_ax, W_aa, b_a, reversed?) of each direction, as views of ``params``."""
        W_ax, W_aa, b_a = params
        if not self.bidirectional:
            return [(W_ax, W_aa, b_a, False)]
        return [(W_ax[0], W_aa[0], b_a[0], False), (W_ax[1], W_aa[1], b_a[1], True)]

    def forward(self, params, batch, H_in, ws, *, input_has_ones=False, cache=True):
        """Hidden states of a packed batch.

        Parameters
        ----------
        params : tuple of ndarray
            (W_ax, W_aa, b_a), views of theta.
        batch : PackedBatch
        H_in : ndarray of shape (total_steps, n_inputs (+ 1))
            Packed inputs h_t. With ``input_has_ones`` its last column is ones
            (``batch.X1``), so the input term and the bias are one GEMM.
        ws : Workspace
            This layer's own.
        cache : bool
            Keep every a_t (needed by :meth:`backward`, and by any consumer of
            the packed output). Without it only the final states are formed,
            in a buffer of one step per sequence (prediction with the 'last'
            readout).

        Returns
        -------
        H_out : ndarray of shape (total_steps, n_outputs) or None
            a_t for every packed row (None without ``cache``), in ``ws``.
        cache : LayerCache
        """
        f = ACTIVATIONS[self.activation].apply
        runs, finals = [], []
        for d, (W_ax, W_aa, b_a, reverse) in enumerate(self._directions(params)):
            run_ws = ws.child(d)
            X = H_in
            if reverse:
                # The reversed sequences, packed the same way: the run reads
                # each sequence from its own last step back to its first.
                X = run_ws.get("H_in", H_in.shape, H_in.dtype)
                np.take(H_in, batch.reverse, axis=0, out=X)
            W_in = _input_weights(W_ax, b_a, run_ws) if input_has_ones else None
            if cache:
                A = _recur(W_ax, W_aa, b_a, W_in, batch, X, f, run_ws)
                runs.append((A, X))
                finals.append(A[batch.last])
            else:
                finals.append(_recur_final(W_ax, W_aa, b_a, W_in, batch, X, f, run_ws))
        final = finals[0] if len(finals) == 1 else np.concatenate(finals, axis=1)
        if not cache:
            return None, LayerCache(None, final, None, H_in, input_has_ones)
        if self.bidirectional:
            H = self.n_hidden
            H_out = ws.get("H_out", (batch.n_rows, 2 * H), H_in.dtype)
            H_out[:, :H] = runs[0][0]
            H_out[:, H:] = runs[1][0][batch.reverse]
        else:
            H_out = runs[0][0]
        return H_out, LayerCache(H_out, final, runs, H_in, input_has_ones)

    def backward(self, params, batch, cache, dH_out, grads, ws, *, need_input_grad=True,
                 e_sq=None):
        """Write dJ/d(W_ax, W_aa, b_a) into ``grads``; return dJ/dH_in.

        Parameters
        ----------
        params : tuple of ndarray
            (W_ax, W_aa, b_a).
        batch : PackedBatch
        cache : LayerCache
            From :meth:`forward` with ``cache=True`` on the same batch.
        dH_out : ndarray of shape (total_steps, n_outputs) or AtLastStep
            dJ/dH_out, the gradient g_t reaching this layer's outputs. A dense
            array may be overwritten.
        grads : tuple of ndarray
            Views (dW_ax, dW_aa, db_a), overwritten (not accumulated).
        ws : Workspace
            The one given to :meth:`forward`.
        need_input_grad : bool
            Compute dJ/dH_in (not needed below the first layer).
        e_sq : ndarray of shape (T_max,), optional
            Gradient diagnostics: ||e_t||^2 of every sequence's forward run is
            added to ``e_sq[d]``, d = T_i - t the number of steps from a_t to
            the sequence's last state (0 at a_T).

        Returns
        -------
        dH_in : ndarray of shape (total_steps, n_inputs) or None
            In ``ws``; None unless ``need_input_grad``.
        """
        slope = ACTIVATIONS[self.activation].slope
        H = self.n_hidden
        D = self.n_inputs
        dH_in = ws.get("dH_in", (batch.n_rows, D), cache.H_in.dtype) if need_input_grad else None
        for d, ((W_ax, W_aa, _, reverse), (A, X)) in enumerate(
                zip(self._directions(params), cache.runs)):
            run_ws = ws.child(d)
            cols = slice(d * H, (d + 1) * H)
            if isinstance(dH_out, AtLastStep):
                g = AtLastStep(dH_out.values[:, cols] if self.bidirectional else dH_out.values)
            else:
                g = dH_out[:, cols] if self.bidirectional else dH_out
            dW_ax, dW_aa, db_a = (grad[d] if self.bidirectional else grad for grad in grads)
            dZ = _recur_backward(W_aa, batch, A, g, slope, run_ws,
                                 reverse, e_sq if d == 0 else None)
            _weight_gradients(batch, A, X, dZ, cache.input_has_ones, dW_ax, dW_aa, db_a, run_ws)
            if need_input_grad:
                W_ax_T = W_ax.T
                if d == 0:
                    np.dot(dZ, W_ax_T, out=dH_in)
                else:
                    # Back from the reversed packing to the original steps.
                    tmp = run_ws.get("dH_in", (batch.n_rows, D), dH_in.dtype)
                    np.dot(dZ, W_ax_T, out=tmp)
                    dH_in += tmp[batch.reverse]
        return dH_in


def _input_weights(W_ax, b_a, ws):
    """[W_ax; b_a]: the weights of the packed input [x_t, 1], in a workspace buffer."""
    D = W_ax.shape[0]
    W_in = ws.get("W_in", (D + 1, W_ax.shape[1]), W_ax.dtype)
    W_in[:D] = W_ax
    W_in[D] = b_a
    return W_in


def _input_term(W_ax, b_a, W_in, X, out):
    """z_t = h_t W_ax + b_a for every packed row (one GEMM when X carries ones)."""
    if W_in is not None:
        np.dot(X, W_in, out=out)
    else:
        np.dot(X, W_ax, out=out)
        out += b_a


def _recur(W_ax, W_aa, b_a, W_in, batch, X, f, ws):
    """a_t of every packed row: the forward sweep, cached (in ``ws``)."""
    dtype = X.dtype
    n_hidden = W_aa.shape[0]
    B = len(batch)
    A = ws.get("A", (batch.n_rows, n_hidden), dtype)
    tmp = ws.prefixes("step", (B, n_hidden), dtype)
    steps = ws.plan(("forward", batch.key, n_hidden, dtype),
                    lambda: _forward_steps(batch, A, tmp))
    # One GEMM for the input term of every step: z_t = h_t W_ax + b_a so far.
    _input_term(W_ax, b_a, W_in, X, A)
    a_1 = A[:B]
    f(a_1, out=a_1)  # a_0 = 0: no recurrent term at the first step
    for z, a_prev, z_rec in steps:
        np.dot(a_prev, W_aa, out=z_rec)  # a_{t-1} W_aa, the n_t running rows
        np.add(z, z_rec, out=z)
        f(z, out=z)  # a_t
    return A


def _recur_final(W_ax, W_aa, b_a, W_in, batch, X, f, ws):
    """The last state a_{T_j} of each sequence, without a cache (prediction).

    a_t overwrites a_{t-1} in place; finished sequences keep their last state
    in rows the loop no longer touches.
    """
    dtype = X.dtype
    n_hidden = W_aa.shape[0]
    B = len(batch)
    tmp = ws.get("step", (B, n_hidden), dtype)
    a = ws.get("a", (B, n_hidden), dtype)
    xw = ws.get("xw", (B, n_hidden), dtype)
    off = batch.offsets.tolist()
    for t in range(batch.n_steps):
        lo, hi = off[t], off[t + 1]
        n = hi - lo
        z = xw[:n]
        _input_term(W_ax, b_a, W_in, X[lo:hi], z)
        if t:
            np.dot(a[:n], W_aa, out=tmp[:n])
            z += tmp[:n]
        f(z, out=a[:n])
    return a


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


def _recur_backward(W_aa, batch, A, g, slope, ws, reverse, e_sq):
    """delta_t = dJ/dz_t of every packed row (in ``ws``): the backward sweep.

    ``g`` is dJ/da_t from above: an :class:`AtLastStep`, or a dense packed
    array in the original step order (gathered into the run's order when the
    run is reversed). The one loop serves every case; ``e_sq`` (diagnostics)
    only adds a call per step when given.
    """
    dtype = A.dtype
    n_hidden = W_aa.shape[0]
    B = len(batch)
    dZ = ws.get("dZ", A.shape, dtype)
    slope(A, out=dZ)  # f'(z_t) for every packed row, from the cached a_t
    if isinstance(g, AtLastStep):
        # e[:n_t] holds e_t of the running sequences. It starts as g_T for every
        # sequence: the sweep only writes rows [:n_t] at step t, so the row of a
        # sequence ending at step t still holds its g_T when the sweep gets there.
        e_views = ws.prefixes("e", (B, n_hidden), dtype)
        E = e_views[B]
        E[...] = g.values
        steps = ws.plan(("backward-last", batch.key, n_hidden, dtype),
                        lambda: _backward_steps_last(batch, dZ, e_views))
        e_1 = E
    else:
        # e_t starts as g_t at every step; the sweep adds delta_t W_aa^T into
        # the rows of step t - 1.
        E = ws.get("E", A.shape, dtype)
        if reverse:
            np.take(g, batch.reverse, axis=0, out=E)
        else:
            E[...] = g
        tmp = ws.prefixes("step", (B, n_hidden), dtype)
        steps = ws.plan(("backward-dense", batch.key, n_hidden, dtype),
                        lambda: _backward_steps_dense(batch, dZ, E, tmp))
        e_1 = E[:B]
    c = _flush_constant(E)
    W_aa_T = np.ascontiguousarray(W_aa.T)  # a plain GEMM is ~10% faster than a transposed one
    for t, (delta, e_t, dst, tmp_t, flush) in zip(range(batch.n_steps - 1, 0, -1), steps):
        if e_sq is not None:
            _add_distance_norms(e_sq, e_t, batch, t)
        np.multiply(delta, e_t, out=delta)  # delta_t = e_t * f'(z_t)
        if tmp_t is None:
            np.dot(delta, W_aa_T, out=dst)  # e_{t-1} = delta_t W_aa^T
        else:
            np.dot(delta, W_aa_T, out=tmp_t)
            np.add(dst, tmp_t, out=dst)  # e_{t-1} = g_{t-1} + delta_t W_aa^T
        if flush and c:
            dst += c  # rounds |e| < ulp(c) / 2 to exactly 0
            dst -= c
    if e_sq is not None:
        _add_distance_norms(e_sq, e_1, batch, 0)
    delta_1 = dZ[:B]
    np.multiply(delta_1, e_1, out=delta_1)
    return dZ


def _backward_steps_last(batch, dZ, e):
    """(delta_t, e_t, e_{t-1} target, None, flush?) for t = T_max - 1 down to 1; ``e`` lists prefixes."""
    blocks = _blocks(dZ, batch.offsets)
    sizes = batch.batch_sizes.tolist()
    T = len(sizes)
    return [
        (blocks[t], e[sizes[t]], e[sizes[t]], None, (T - t) % _FLUSH_EVERY == 0)
        for t in range(T - 1, 0, -1)
    ]


def _backward_steps_dense(batch, dZ, E, tmp):
    """(delta_t, e_t, rows of e_{t-1} continued at t, scratch, flush?) for t = T_max - 1 .. 1."""
    blocks = _blocks(dZ, batch.offsets)
    e_blocks = _blocks(E, batch.offsets)
    sizes = batch.batch_sizes.tolist()
    T = len(sizes)
    return [
        (blocks[t], e_blocks[t], e_blocks[t - 1][: sizes[t]], tmp[sizes[t]],
         (T - t) % _FLUSH_EVERY == 0)
        for t in range(T - 1, 0, -1)
    ]


def _weight_gradients(batch, A, X, dZ, input_has_ones, dW_ax, dW_aa, db_a, ws):
    """The weight gradients sum over steps: one GEMM each over all packed rows."""
    dtype = A.dtype
    n_hidden = A.shape[1]
    if input_has_ones:
        # [x_t, 1]^T delta_t gives dW_ax and db_a together.
        D = dW_ax.shape[0]
        dW_in = ws.get("dW_in", (D + 1, n_hidden), dtype)
        np.dot(X.T, dZ, out=dW_in)
        dW_ax[...] = dW_in[:D]
        db_a[...] = dW_in[D]
    else:
        np.dot(X.T, dZ, out=dW_ax)
        # The bias as ones^T dZ: a GEMV is much faster than numpy's column sum.
        np.dot(ws.ones(batch.n_rows, dtype), dZ, out=db_a)
    B = len(batch)
    if batch.n_steps > 1:
        if isinstance(batch.prev, slice):
            A_prev = A[batch.prev]
        else:
            A_prev = ws.get("A_prev", (len(batch.prev), n_hidden), dtype)
            np.take(A, batch.prev, axis=0, out=A_prev)
        np.dot(A_prev.T, dZ[B:], out=dW_aa)
    else:
        dW_aa[...] = 0


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
    np.add.at(e_sq, batch.lengths[:n] - 1 - t, np.einsum("ij,ij->i", e, e))
