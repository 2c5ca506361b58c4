"""Activation functions f (hidden) and g (output), with derivatives from outputs.

Every derivative here is written in terms of the activation's *output* a = f(z),
never its input z: the forward pass caches only the hidden states a_t, so the
backward pass can recover f'(z_t) from them without storing z_t as well
(tanh'(z) = 1 - a^2, logistic'(z) = a (1 - a), relu'(z) = [a > 0]).

All functions work in place on their ``out`` argument so the per-step loop of
the recurrence allocates nothing.
"""

import numpy as np
from scipy.special import expit


def _identity(z, out):
    if out is not z:
        out[...] = z
    return out


def _relu(z, out):
    return np.maximum(z, 0, out=out)


ACTIVATIONS = {
    "identity": _identity,
    # The ufuncs themselves where they have the f(z, out) signature: the
    # recurrence calls f once per time step, and a Python wrapper costs a
    # tenth of a small tanh.
    "tanh": np.tanh,
    # scipy's expit is the numerically stable logistic: no overflow warning for
    # large negative z, unlike 1 / (1 + exp(-z)).
    "logistic": expit,
    "relu": _relu,
}


# Derivatives: ``derivative(a, delta, out)`` writes delta * f'(z) into ``out``
# where a = f(z). Fusing the product saves a temporary per time step. ``out``
# may be ``a`` itself (the output layer overwrites O), never ``delta``.


def _identity_derivative(a, delta, out):
    if out is not delta:
        out[...] = delta
    return out


def _tanh_derivative(a, delta, out):
    # delta * (1 - a^2) = delta - delta * a * a
    np.multiply(a, a, out=out)
    np.subtract(1, out, out=out)
    return np.multiply(out, delta, out=out)


def _logistic_derivative(a, delta, out):
    # delta * a * (1 - a); 1 - a is formed before out (possibly a) is written.
    np.multiply(a, 1 - a, out=out)
    return np.multiply(out, delta, out=out)


def _relu_derivative(a, delta, out):
    # relu'(z) = 1 where the output is positive; 0 at z = 0 (a subgradient).
    return np.multiply(delta, a > 0, out=out)


DERIVATIVES = {
    "identity": _identity_derivative,
    "tanh": _tanh_derivative,
    "logistic": _logistic_derivative,
    "relu": _relu_derivative,
}


# Slopes: ``slope(a, out)`` writes f'(z) itself into ``out``, where a = f(z).
# BPTT takes the slopes of every cached a_t in one call over the whole batch
# (two vectorised passes instead of three small calls per time step), then
# multiplies e_t into them step by step.


def _identity_slope(a, out):
    out.fill(1)
    return out


def _tanh_slope(a, out):
    # tanh'(z) = 1 - a^2
    np.multiply(a, a, out=out)
    return np.subtract(1, out, out=out)


def _logistic_slope(a, out):
    # logistic'(z) = a (1 - a)
    np.subtract(1, a, out=out)
    return np.multiply(out, a, out=out)


def _relu_slope(a, out):
    # 1 where the output is positive, 0 at z = 0 (a subgradient), as above.
    return np.greater(a, 0, out=out)


SLOPES = {
    "identity": _identity_slope,
    "tanh": _tanh_slope,
    "logistic": _logistic_slope,
    "relu": _relu_slope,
}

HIDDEN_ACTIVATIONS = ("tanh", "relu", "logistic", "identity")
OUTPUT_ACTIVATIONS = ("identity", "tanh", "logistic")
