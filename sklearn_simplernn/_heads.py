"""Heads: what the output layer reads from the top recurrent layer, and the output layer.

A readout turns the top layer's packed outputs H (one row a_t per step of
every sequence) into the rows r the output layer reads, and sends dJ/dr back
as dJ/dH::

    'last'  r_i = a_{T_i}  (bidirectional: [forward a_{T_i}, backward a_1])
            dJ/dH is zero except at each sequence's last step: AtLastStep
    'mean'  r_i = (1 / T_i) sum_t a_t          dJ/da_t = (1 / T_i) dJ/dr_i
    'max'   r_ik = max_t a_tk                  dJ/da_tk = dJ/dr_ik at the arg max, else 0
    'step'  r = every a_t (one output per step) dJ/da_t = dJ/dr_t

The output layer is z_o = r W_ya + b_y, with dJ/dW_ya = r^T dJ/dz_o,
dJ/db_y = sum dJ/dz_o and dJ/dr = dJ/dz_o W_ya^T. Everything downstream of
z_o (the output activation, a classifier's link) belongs to the loss.
All rows are in packed order (sequences sorted by decreasing length).
"""

import numpy as np

from ._params import ParamSpec
from ._rnn import AtLastStep


class LastReadout:
    """The state each direction ends on: today's single-layer model reads a_T."""

    per_step = False
    needs_states = False  # the final states alone: prediction needs no cache

    def forward(self, batch, cache, ws):
        return cache.final

    def backward(self, batch, dR, ws):
        return AtLastStep(dR)


class MeanReadout:
    """The mean of a_t over the T_i steps of each sequence."""

    per_step = False
    needs_states = True

    def forward(self, batch, cache, ws):
        H = cache.H
        B, F = len(batch), H.shape[1]
        R = ws.get("R", (B, F), H.dtype)
        if batch.equal_lengths:
            np.mean(H.reshape(batch.n_steps, B, F), axis=0, out=R)
            return R
        # Step blocks are prefixes of the sorted sequences: one add per step.
        R[...] = H[:B]
        off = batch.offsets.tolist()
        for t, n in enumerate(batch.batch_sizes.tolist()):
            if t:
                R[:n] += H[off[t]:off[t + 1]]
        R /= batch.lengths[:, None].astype(R.dtype)
        return R

    def backward(self, batch, dR, ws):
        dR = dR / batch.lengths[:, None].astype(dR.dtype)  # stays in the batch's dtype
        dH = ws.get("dH", (batch.n_rows, dR.shape[1]), dR.dtype)
        if batch.equal_lengths:
            dH.reshape(batch.n_steps, len(batch), -1)[...] = dR
        else:
            np.take(dR, batch.row_sequence, axis=0, out=dH)
        return dH


class MaxReadout:
    """The largest a_tk over the steps of each sequence, per unit k.

    The gradient goes to the step holding the maximum (the first one on a
    tie): the subgradient max-pooling layers use.
    """

    per_step = False
    needs_states = True

    def forward(self, batch, cache, ws):
        H = cache.H
        B, T, F = len(batch), batch.n_steps, H.shape[1]
        if batch.equal_lengths:
            padded = H.reshape(T, B, F)
        else:
            padded = ws.get("padded", (T, B, F), H.dtype)
            padded.fill(-np.inf)
            padded.reshape(T * B, F)[batch.row_step * B + batch.row_sequence] = H
        step = np.argmax(padded, axis=0)  # (B, F): the step of each maximum
        # Flat index of (packed row of (step, j), unit k) in H.
        flat = ws.get("argmax", (B, F), np.intp)
        np.add((batch.offsets[step] + np.arange(B)[:, None]) * F, np.arange(F), out=flat)
        return H.ravel()[flat]

    def backward(self, batch, dR, ws):
        B, F = dR.shape
        dH = ws.get("dH", (batch.n_rows, F), dR.dtype)
        dH.fill(0)
        dH.ravel()[ws.get("argmax", (B, F), np.intp)] = dR
        return dH


class StepReadout:
    """Every step's a_t: one output per step (``SimpleRNNSequenceRegressor``)."""

    per_step = True
    needs_states = True

    def forward(self, batch, cache, ws):
        return cache.H

    def backward(self, batch, dR, ws):
        return dR


READOUTS = {"last": LastReadout, "mean": MeanReadout, "max": MaxReadout, "step": StepReadout}


class OutputLayer:
    """z_o = r W_ya + b_y on the rows of the readout."""

    def __init__(self, n_inputs, n_outputs):
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs

    def param_specs(self):
        return [ParamSpec("W_ya", (self.n_inputs, self.n_outputs), True),
                ParamSpec("b_y", (self.n_outputs,), False)]

    def forward(self, params, R, ws):
        """z_o, in a workspace buffer (the loss applies g or the link)."""
        W_ya, b_y = params
        Zo = ws.get("Zo", (R.shape[0], W_ya.shape[1]), R.dtype)
        np.matmul(R, W_ya, out=Zo)
        Zo += b_y
        return Zo

    def backward(self, params, R, dZo, grads, ws):
        """Write (dW_ya, db_y) into ``grads``; return dJ/dr (in ``ws``)."""
        W_ya = params[0]
        dW_ya, db_y = grads
        np.dot(R.T, dZo, out=dW_ya)
        # The bias as ones^T dZo: a GEMV is much faster than numpy's column sum.
        np.dot(ws.ones(R.shape[0], R.dtype), dZo, out=db_y)
        dR = ws.get("dR", R.shape, R.dtype)
        np.dot(dZo, W_ya.T, out=dR)
        return dR
