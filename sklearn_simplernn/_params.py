"""The model's parameters: order and shapes defined once, packed in one flat vector.

The flat vector theta is what the optimizers and ``scipy.optimize.minimize`` see.
Its layout is the concatenation, in model order, of each piece's parameters
(C-ordered)::

    theta = [ layer 1: W_ax | W_aa | b_a ] ... [ layer K: W_ax | W_aa | b_a ] [ W_ya | b_y ]

For one layer this is ``[W_ax | W_aa | b_a | W_ya | b_y]`` with W_ax
(n_step_features, H), W_aa (H, H), b_a (H,), W_ya (H, n_outputs), b_y
(n_outputs,). A bidirectional layer's arrays carry a leading axis of size 2
(forward, backward): W_ax (2, D_k, H_k), W_aa (2, H_k, H_k), b_a (2, H_k).
``ParamLayout.unpack`` returns *views* into theta, so the forward pass reads,
and the backward pass writes (into a gradient vector of the same layout),
without copying.
"""

from typing import NamedTuple

import numpy as np


class ParamSpec(NamedTuple):
    """One parameter array: its symbol in the notes, shape, and whether alpha penalises it."""

    name: str
    shape: tuple
    penalised: bool


class ParamLayout:
    """Shapes and flat-vector slices of a model's parameter arrays.

    Parameters
    ----------
    specs : sequence of ParamSpec
        In theta's order.
    """

    def __init__(self, specs):
        self.specs = tuple(specs)
        self.shapes = tuple(spec.shape for spec in self.specs)
        bounds = np.cumsum([0] + [int(np.prod(s)) for s in self.shapes])
        self.slices = tuple(slice(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:]))
        self.size = int(bounds[-1])

    def unpack(self, theta):
        """Views of every parameter array into the flat vector ``theta``, in layout order."""
        return tuple(theta[sl].reshape(shape) for sl, shape in zip(self.slices, self.shapes))

    def pack(self, arrays, dtype=np.float64):
        """A new flat vector holding copies of ``arrays``, in layout order."""
        theta = np.empty(self.size, dtype=dtype)
        for view, array in zip(self.unpack(theta), arrays):
            view[...] = array
        return theta

    def penalty_mask(self, dtype=np.float64):
        """1 on the weights that alpha penalises (W_ax, W_aa, W_ya), 0 on the biases."""
        mask = np.zeros(self.size, dtype=dtype)
        for sl, spec in zip(self.slices, self.specs):
            mask[sl] = spec.penalised
        return mask


def glorot_uniform(fan_in, fan_out, rng, factor=1.0):
    """Glorot/Xavier uniform: keeps the variance of x W near that of x.

    (Glorot & Bengio 2010; the factor 2 for the logistic follows
    scikit-learn's MLP.)
    """
    limit = factor * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def random_orthogonal(n, rng):
    """A random orthogonal n x n matrix: all singular values 1.

    At the start of training the product of step Jacobians then neither
    shrinks nor blows up the gradient through time (Saxe et al. 2014); Keras'
    ``SimpleRNN`` makes the same choice. The sign fix makes the draw uniform
    over orthogonal matrices (Mezzadri 2007).
    """
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))
