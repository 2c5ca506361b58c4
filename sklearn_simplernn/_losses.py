"""Per-sample losses of the output layer: the pluggable piece of the objective.

A loss sees the output pre-activation z_o = a_T W_ya + b_y and returns, for each
sample, l_i and dl_i/dz_o. The training objective (``_training.Objective``)
weights and normalises them:

    J = sum_i w_i l_i / sum_i w_i + 0.5 alpha ||W||^2 / sum_i w_i
"""

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES


class SquaredLoss:
    """l_i = 0.5 ||y_i - O_i||^2 with O = g(z_o), summed (not averaged) over outputs.

    Summing over outputs keeps J and its gradient consistent for multi-output y
    (averaging in the loss but not in the gradient is scikit-learn issue 8349).
    """

    def __init__(self, output_activation="identity"):
        self.output_activation = output_activation

    def predict(self, Zo):
        """O = g(z_o), in place."""
        return ACTIVATIONS[self.output_activation](Zo, out=Zo)

    def loss_grad(self, O, y, sample_weight):
        """Weighted loss sum and w_i dl_i/dz_o.

        Parameters
        ----------
        O : ndarray of shape (n, n_outputs)
            g(z_o), overwritten by the returned gradient.
        y : ndarray of shape (n, n_outputs)
        sample_weight : ndarray of shape (n,)

        Returns
        -------
        loss : float
            sum_i w_i l_i
        dZo : ndarray of shape (n, n_outputs)
            w_i dl_i/dz_o = w_i (O_i - y_i) * g'(z_o), in the memory of ``O``.
        """
        resid = np.subtract(O, y)
        loss = 0.5 * float(sample_weight @ np.einsum("ij,ij->i", resid, resid))
        resid *= sample_weight[:, None]
        return loss, DERIVATIVES[self.output_activation](O, resid, out=O)
