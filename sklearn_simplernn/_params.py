"""The model's parameters: order and shapes defined once, packed in one flat vector.

The flat vector theta is what the optimizers and ``scipy.optimize.minimize`` see.
Its layout is fixed here and nowhere else::

    theta = [ W_ax.ravel() | W_aa.ravel() | b_a | W_ya.ravel() | b_y ]

with W_ax (n_step_features, n_hidden), W_aa (n_hidden, n_hidden), b_a (n_hidden,),
W_ya (n_hidden, n_outputs), b_y (n_outputs,), all C-ordered. ``ParamLayout.unpack``
returns *views* into theta, so the forward pass reads, and the backward pass writes
(into a gradient vector of the same layout), without copying.
"""

import numpy as np

# (symbol in the notes, fitted attribute of the estimator, penalised by alpha?)
PARAMETERS = (
    ("W_ax", "input_weights_", True),
    ("W_aa", "recurrent_weights_", True),
    ("b_a", "hidden_bias_", False),
    ("W_ya", "output_weights_", True),
    ("b_y", "output_bias_", False),
)
ATTRIBUTE_NAMES = tuple(attr for _, attr, _ in PARAMETERS)
PENALISED = tuple(penalised for _, _, penalised in PARAMETERS)


class ParamLayout:
    """Shapes and flat-vector slices of the five parameter arrays.

    Parameters
    ----------
    n_step_features : int
        Features per time step (rows of W_ax).
    n_hidden : int
        Hidden units.
    n_outputs : int
        Output units.
    """

    def __init__(self, n_step_features, n_hidden, n_outputs):
        self.n_step_features = n_step_features
        self.n_hidden = n_hidden
        self.n_outputs = n_outputs
        D, H, K = n_step_features, n_hidden, n_outputs
        self.shapes = ((D, H), (H, H), (H,), (H, K), (K,))
        bounds = np.cumsum([0] + [int(np.prod(s)) for s in self.shapes])
        self.slices = tuple(slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]))
        self.size = int(bounds[-1])

    def unpack(self, theta):
        """Views (W_ax, W_aa, b_a, W_ya, b_y) into the flat vector ``theta``."""
        return tuple(theta[sl].reshape(shape) for sl, shape in zip(self.slices, self.shapes))

    def pack(self, arrays, dtype=np.float64):
        """A new flat vector holding copies of the five ``arrays``, in layout order."""
        theta = np.empty(self.size, dtype=dtype)
        for view, array in zip(self.unpack(theta), arrays):
            view[...] = array
        return theta

    def penalty_mask(self, dtype=np.float64):
        """1 on the weights that alpha penalises (W_ax, W_aa, W_ya), 0 on the biases."""
        mask = np.zeros(self.size, dtype=dtype)
        for sl, penalised in zip(self.slices, PENALISED):
            mask[sl] = penalised
        return mask


def init_params(layout, activation, rng, dtype=np.float64):
    """Initial theta: Glorot-uniform W_ax and W_ya, orthogonal W_aa, zero biases.

    Glorot/Xavier uniform keeps the variance of x_t W_ax and a_T W_ya near that
    of their inputs (Glorot & Bengio 2010; the scale factor 2 for the logistic
    follows scikit-learn's MLP). An orthogonal W_aa has all singular values 1,
    so at the start of training the product of step Jacobians neither shrinks
    nor blows up the gradient through time (Saxe et al. 2014); Keras'
    ``SimpleRNN`` makes the same choice.

    Parameters
    ----------
    layout : ParamLayout
    activation : str
        The hidden activation f.
    rng : numpy.random.RandomState
        The only source of randomness.
    dtype : numpy dtype

    Returns
    -------
    theta : ndarray of shape (layout.size,)
    """
    D, H, K = layout.n_step_features, layout.n_hidden, layout.n_outputs
    factor = 2.0 if activation == "logistic" else 1.0

    def glorot(fan_in, fan_out):
        limit = factor * np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=(fan_in, fan_out))

    W_ax = glorot(D, H)
    q, r = np.linalg.qr(rng.standard_normal((H, H)))
    # The sign fix makes the draw uniform over orthogonal matrices (Mezzadri 2007).
    W_aa = q * np.sign(np.diag(r))
    W_ya = glorot(H, K)
    return layout.pack((W_ax, W_aa, np.zeros(H), W_ya, np.zeros(K)), dtype=dtype)
