"""Gradient-descent update rules on the flat parameter vector.

Each optimizer holds only its own state (velocity, moments, step count) and is
handed theta and its gradient on every call; it updates theta in place. The
rules are the textbook ones, as in scikit-learn's MLP:

- SGD with momentum mu and learning rate eta (Polyak; Sutskever et al. 2013 for
  Nesterov)::

      v <- mu v - eta g
      theta <- theta + v                      (classical)
      theta <- theta + mu v - eta g           (Nesterov)

  With mu = 0 this is the notes' plain gradient descent theta <- theta - eta g.
- Adam (Kingma & Ba 2015)::

      m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,   t <- t + 1
      theta <- theta - eta sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
"""

import math

import numpy as np


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum.

    Parameters
    ----------
    learning_rate_init : float
    learning_rate : {'constant', 'invscaling', 'adaptive'}
        'invscaling' sets eta = learning_rate_init / (samples_seen + 1) ** power_t
        at the end of each iteration; 'adaptive' divides eta by 5 each time
        training stops improving, until it falls below 1e-6.
    momentum : float
    nesterov : bool
    power_t : float
    """

    def __init__(self, learning_rate_init, learning_rate="constant", momentum=0.0,
                 nesterov=False, power_t=0.5):
        self.learning_rate_init = learning_rate_init
        self.eta = float(learning_rate_init)
        self.schedule = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = None

    def step(self, theta, grad):
        """Update ``theta`` in place with gradient ``grad``."""
        if self.momentum == 0:
            theta -= self.eta * grad
            return
        if self.velocity is None:
            self.velocity = np.zeros_like(theta)
        v = self.velocity
        v *= self.momentum
        v -= self.eta * grad
        if self.nesterov:
            theta += self.momentum * v - self.eta * grad
        else:
            theta += v

    def iteration_ends(self, samples_seen):
        if self.schedule == "invscaling":
            self.eta = float(self.learning_rate_init) / (samples_seen + 1) ** self.power_t

    def trigger_stopping(self):
        """Called when training stalls: True to stop, False to go on (smaller eta)."""
        if self.schedule != "adaptive" or self.eta <= 1e-6:
            return True
        self.eta /= 5.0
        return self.eta <= 1e-6


class Adam:
    """Adam with bias-corrected moment estimates.

    Parameters
    ----------
    learning_rate_init : float
    beta_1, beta_2 : float in [0, 1)
    epsilon : float
    """

    def __init__(self, learning_rate_init, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.eta = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = None
        self.v = None

    def step(self, theta, grad):
        if self.m is None:
            self.m = np.zeros_like(theta)
            self.v = np.zeros_like(theta)
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        # In place, one temporary per line, and Python-float scalars: an
        # np.float64 factor would silently turn a float32 update into float64.
        self.m *= b1
        self.m += (1 - b1) * grad
        self.v *= b2
        g2 = np.square(grad)
        g2 *= 1 - b2
        self.v += g2
        eta_t = float(self.eta) * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        step = np.sqrt(self.v)
        step += self.epsilon
        np.divide(self.m, step, out=step)
        step *= eta_t
        theta -= step

    def iteration_ends(self, samples_seen):
        pass

    def trigger_stopping(self):
        return True
