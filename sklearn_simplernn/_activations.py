"""Activation functions f (hidden) and g (output), with slopes from outputs.

One table: ``ACTIVATIONS[name]`` is an :class:`Activation` with

- ``apply(z, out)``: a = f(z), written into ``out`` (may be ``z``);
- ``slope(a, out)``: f'(z) written into ``out`` (never ``a`` itself), computed from the *output*
  a = f(z), never from z (tanh'(z) = 1 - a^2, logistic'(z) = a (1 - a),
  relu'(z) = [a > 0]). The forward pass caches only the hidden states a_t,
  so the backward pass recovers f'(z_t) from them without storing z_t too.

Both work in place on ``out`` so the per-step loop of the recurrence
allocates nothing. BPTT takes the slopes of every cached a_t in one call over
the whole batch, then multiplies the gradient into them step by step.
"""

from typing import Callable, NamedTuple

import numpy as np
from scipy.special import expit


class Activation(NamedTuple):
    apply: Callable
    slope: Callable


def _identity(z, out):
    if out is not z:
        out[...] = z
    return out


def _identity_slope(a, out):
    out.fill(1)
    return out


def _relu(z, out):
    return np.maximum(z, 0, out=out)


def _relu_slope(a, out):
    # 1 where the output is positive; 0 at z = 0 (a subgradient).
    return np.greater(a, 0, out=out)


def _tanh_slope(a, out):
    # tanh'(z) = 1 - a^2
    np.multiply(a, a, out=out)
    return np.subtract(1, out, out=out)


def _logistic_slope(a, out):
    # logistic'(z) = a (1 - a)
    np.subtract(1, a, out=out)
    return np.multiply(out, a, out=out)


ACTIVATIONS = {
    "identity": Activation(_identity, _identity_slope),
    # The ufuncs themselves where they have the f(z, out) signature: the
    # recurrence calls f once per time step, and a Python wrapper costs a
    # tenth of a small tanh.
    "tanh": Activation(np.tanh, _tanh_slope),
    # scipy's expit is the numerically stable logistic: no overflow warning for
    # large negative z, unlike 1 / (1 + exp(-z)).
    "logistic": Activation(expit, _logistic_slope),
    "relu": Activation(_relu, _relu_slope),
}

HIDDEN_ACTIVATIONS = ("tanh", "relu", "logistic", "identity")
OUTPUT_ACTIVATIONS = ("identity", "tanh", "logistic")
