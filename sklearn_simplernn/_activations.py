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


def _tanh(z, out):
    return np.tanh(z, out=out)


def _logistic(z, out):
    # scipy's expit is the numerically stable logistic: no overflow warning for
    # large negative z, unlike 1 / (1 + exp(-z)).
    return expit(z, out=out)


def _relu(z, out):
    return np.maximum(z, 0, out=out)


ACTIVATIONS = {
    "identity": _identity,
    "tanh": _tanh,
    "logistic": _logistic,
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

HIDDEN_ACTIVATIONS = ("tanh", "relu", "logistic", "identity")
OUTPUT_ACTIVATIONS = ("identity", "tanh", "logistic")
