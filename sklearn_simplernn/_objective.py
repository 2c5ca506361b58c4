"""The training objective J(theta) and its gradient over a set of sequences, and prediction.

For sequences i with targets y_i, sample weights w_i and the per-sample loss
l_i of ``_losses``::

    J(theta) = sum_i w_i l_i / sum_i w_i + 0.5 alpha ||W||^2 / sum_i w_i

where ||W||^2 sums the squares of every W_ax, W_aa and W_ya (not the biases).
With one output per step (the 'step' readout) every step is a sample with
its sequence's weight: l_i = sum_t l_it sums the loss of the T_i steps of
sequence i, and the normaliser sum_i w_i becomes sum_i w_i T_i, so that J is
the weighted mean loss per step.

Over a full batch the sum is accumulated over chunks of sequences (sorted by
length, so each chunk holds sequences of similar length), which bounds the
memory of the hidden-state cache by a chunk whatever the number of sequences.
"""

import numpy as np

from ._rnn import Workspace
from ._sequences import pack

# Rows (sequence steps) of one chunk: the hidden-state cache of a chunk then
# takes about this many bytes per buffer, whatever n_samples is.
_CHUNK_BYTES = 64 << 20


def chunk_rows(n_hidden, dtype):
    return max(1, _CHUNK_BYTES // (max(n_hidden, 1) * np.dtype(dtype).itemsize))


def _split_by_steps(indices, lengths, max_rows):
    """Split ``indices`` (in order) into runs whose total steps stay under ``max_rows``."""
    ends = np.cumsum(lengths[indices])
    if len(ends) and ends[-1] <= max_rows:
        return [indices]  # the common case of a mini-batch
    bounds = [0]
    while bounds[-1] < len(indices):
        start_rows = ends[bounds[-1] - 1] if bounds[-1] else 0
        # At least one sequence per chunk, however long.
        stop = int(np.searchsorted(ends, start_rows + max_rows, side="right"))
        bounds.append(max(stop, bounds[-1] + 1))
    return [indices[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]


def chunk_targets(network, batch, y, sample_weight, idx):
    """The targets and weights of a packed chunk, row for row with the network's outputs.

    One row per sequence (packed order), or, with one output per step, one
    row per packed step, each carrying its sequence's weight.
    """
    rows = idx[batch.order]
    if network.per_step:
        return y.data[batch.rows], sample_weight[rows][batch.row_sequence]
    return y[rows], sample_weight[rows]


class Objective:
    """J(theta) and dJ/dtheta over a fixed set of sequences.

    Parameters
    ----------
    seqs : SequenceData
    y : ndarray of shape (n_samples, n_outputs), or SequenceData
        Targets; per-step targets (a SequenceData laid out as ``seqs``) for a
        network with one output per step.
    sample_weight : ndarray of shape (n_samples,)
    indices : ndarray of int
        The sequences of ``seqs`` this objective sums over.
    network : Network
    loss : loss object of ``_losses``
    alpha : float
    ws : Workspace
    track_gradients : bool
        Record the gradient diagnostics (``e_sq``) at every call.
    """

    def __init__(self, seqs, y, sample_weight, indices, network, loss, alpha, ws,
                 track_gradients=False):
        self.network = network
        self.layout = network.layout
        self.loss = loss
        self.alpha = alpha
        self.ws = ws
        self.dtype = seqs.dtype
        indices = np.asarray(indices)
        # The normaliser W of J: the total weight of the samples, where with
        # one output per step every step is a sample carrying its sequence's
        # weight. J is then a mean per step, whose scale (and so the meaning
        # of tol and alpha) does not grow with the length of the sequences.
        weights = sample_weight[indices]
        if network.per_step:
            weights = weights * seqs.lengths[indices]
        self.sum_w = float(weights.sum())
        by_length = indices[np.argsort(-seqs.lengths[indices], kind="stable")]
        max_rows = chunk_rows(network.n_hidden_max, self.dtype)
        self.chunks = []
        for idx in _split_by_steps(by_length, seqs.lengths, max_rows):
            batch = pack(seqs, idx, keep_rows=network.per_step)
            self.chunks.append((batch, *chunk_targets(network, batch, y, sample_weight, idx)))
            batch.rows = None  # the targets are gathered: no need to keep an index per step
        # One mask per fit, not per mini-batch (make_objective runs per batch).
        key = ("penalty", self.layout.shapes, np.dtype(self.dtype))
        if key not in ws.memo:
            ws.memo[key] = self.layout.penalty_mask(self.dtype)
        self.penalty = ws.memo[key]
        self._chunk_grad = np.empty(self.layout.size, dtype=self.dtype) if len(self.chunks) > 1 else None
        self._zero_loss = None
        # Gradient diagnostics: sum over sequences of ||dJ_i/da_{T_i - d}||^2 per
        # distance d (J_i = w_i l_i), refreshed by every call; and how many
        # sequences reach back d steps.
        self.e_sq = None
        if track_gradients:
            max_len = int(seqs.lengths[indices].max())
            self.e_sq = np.zeros(max_len)
            self.e_count = np.bincount(seqs.lengths[indices] - 1, minlength=max_len)[::-1].cumsum()[::-1]

    def __call__(self, theta, grad):
        """Return J(theta) and write dJ/dtheta into ``grad`` (same dtype as theta)."""
        params = self.layout.unpack(theta)
        target = grad if self._chunk_grad is None else self._chunk_grad
        grads = self.layout.unpack(target)
        total = 0.0
        e_sq = self.e_sq
        if e_sq is not None:
            e_sq[:] = 0
        for k, (batch, y, w) in enumerate(self.chunks):
            Zo, caches = self.network.forward(params, batch, self.ws)
            value, dZo = self.loss.loss_grad(Zo, y, w)
            total += value
            self.network.backward(params, grads, batch, caches, dZo, self.ws, e_sq)
            if self._chunk_grad is not None:
                if k == 0:
                    grad[...] = target
                else:
                    grad += target
        scale = 1.0 / self.sum_w
        grad *= scale
        if not self.alpha:
            return scale * total
        penalised = theta * self.penalty
        grad += (self.alpha * scale) * penalised
        return scale * (total + 0.5 * self.alpha * float(penalised @ penalised))

    def zero_loss(self):
        """The data term of J for all-zero logits: a trivial predictor, no RNN pass."""
        if self._zero_loss is None:
            total = 0.0
            for _, y, w in self.chunks:
                total += self.loss.loss_grad(np.zeros(y.shape, dtype=self.dtype), y, w)[0]
            self._zero_loss = total / self.sum_w if self.sum_w > 0 else 0.0
        return self._zero_loss


def predict_logits(theta, network, seqs, ws=None):
    """Logits z_o for every sequence of ``seqs``, in its order.

    Shape (n_samples, n_outputs); with one output per step, (total_steps,
    n_outputs), row for row with ``seqs.data``. The caller's loss turns them
    into predictions (``loss.predict``).

    Runs the forward pass chunk by chunk, without the cache training needs
    (with the 'last' readout, the top layer keeps one state per sequence).
    """
    ws = Workspace() if ws is None else ws
    params = network.layout.unpack(theta)
    if network.per_step:
        out = np.empty((len(seqs.data), network.n_outputs), dtype=seqs.dtype)
    else:
        out = np.empty((len(seqs), network.n_outputs), dtype=seqs.dtype)
    # Without any cached states the chunks can be much larger.
    light = len(network.layers) == 1 and not network.readout.needs_states
    max_rows = (16 if light else 1) * chunk_rows(network.n_hidden_max, seqs.dtype)
    for idx in _split_by_steps(np.arange(len(seqs)), seqs.lengths, max_rows):
        batch = pack(seqs, idx, keep_rows=network.per_step)
        Zo, _ = network.forward(params, batch, ws, cache=False)
        if network.per_step:
            out[batch.rows] = Zo
        else:
            out[idx[batch.order]] = Zo[: len(idx)]
    return out
