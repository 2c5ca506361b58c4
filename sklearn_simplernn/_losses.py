"""Per-sample losses of the output layer: the pluggable piece of the objective.

A loss sees the output pre-activation (the logits) z_o = a_T W_ya + b_y of each
sample and returns l_i and dl_i/dz_o. The training objective
(``_objective.Objective``) weights and normalises them::

    J = sum_i w_i l_i / sum_i w_i + 0.5 alpha ||W||^2 / sum_i w_i

Everything downstream of z_o (the output activation g, the link of a
classifier) belongs to the loss, so the recurrence and its gradient
(``_rnn``) are shared by the regressor and the classifier unchanged.

- ``SquaredLoss``: l = 0.5 ||y - g(z_o)||^2 for regression.
- ``LogLoss``: binary cross-entropy of sigmoid(z_o), per output (binary and
  multi-label classification). Canonical link: dl/dz_o = p - y.
- ``SoftmaxLoss``: categorical cross-entropy of softmax(z_o) (multiclass).
  Canonical link: dl/dz_o = p - Y.
"""

import numpy as np
from scipy.special import expit, log_softmax, softmax

from ._activations import ACTIVATIONS


class SquaredLoss:
    """l_i = 0.5 ||y_i - O_i||^2 with O = g(z_o), summed (not averaged) over outputs.

    Summing over outputs keeps J and its gradient consistent for multi-output y
    (averaging in the loss but not in the gradient is scikit-learn issue 8349).
    """

    def __init__(self, output_activation="identity"):
        self.output_activation = output_activation

    def predict(self, Zo):
        """O = g(z_o), in place."""
        return ACTIVATIONS[self.output_activation].apply(Zo, out=Zo)

    def loss_grad(self, Zo, y, sample_weight):
        """Weighted loss sum and w_i dl_i/dz_o.

        Parameters
        ----------
        Zo : ndarray of shape (n, n_outputs)
            Logits, overwritten by the returned gradient.
        y : ndarray of shape (n, n_outputs)
        sample_weight : ndarray of shape (n,)

        Returns
        -------
        loss : float
            sum_i w_i l_i
        dZo : ndarray of shape (n, n_outputs)
            w_i (O_i - y_i) * g'(z_o).
        """
        O = self.predict(Zo)
        resid = np.subtract(O, y)
        loss = 0.5 * float(sample_weight @ np.einsum("ij,ij->i", resid, resid))
        resid *= sample_weight[:, None]
        if self.output_activation == "identity":
            return loss, resid
        # w_i (O_i - y_i) * g'(z_o), with g' from the outputs O = g(z_o).
        slope = ACTIVATIONS[self.output_activation].slope(O, out=np.empty_like(O))
        return loss, np.multiply(resid, slope, out=slope)


class LogLoss:
    """Binary cross-entropy of p = sigmoid(z_o), summed over outputs.

    l = -sum_k [y_k log p_k + (1 - y_k) log(1 - p_k)] = sum_k softplus(z_k) - y_k z_k,
    computed from the logits, so it is finite for any z (no log(0)).
    """

    def predict(self, Zo):
        return expit(Zo, out=Zo)

    def log_predict(self, Zo):
        """log p = -softplus(-z), stably."""
        return -np.logaddexp(0, -Zo)

    def loss_grad(self, Zo, y, sample_weight):
        per_sample = (np.logaddexp(0, Zo) - y * Zo).sum(axis=1)
        loss = float(sample_weight @ per_sample)
        p = expit(Zo, out=Zo)
        p -= y
        p *= sample_weight[:, None]
        return loss, p


class SoftmaxLoss:
    """Categorical cross-entropy of p = softmax(z_o) against one-hot Y.

    l = logsumexp(z) - z . Y, computed by scipy's stable log_softmax.
    """

    def predict(self, Zo):
        Zo[...] = softmax(Zo, axis=1)
        return Zo

    def log_predict(self, Zo):
        return log_softmax(Zo, axis=1)

    def loss_grad(self, Zo, y, sample_weight):
        per_sample = -np.einsum("ij,ij->i", log_softmax(Zo, axis=1), y)
        loss = float(sample_weight @ per_sample)
        p = self.predict(Zo)
        p -= y
        p *= sample_weight[:, None]
        return loss, p
