"""What a fit watches and reports: divergence, the data's scale, gradient norms, convergence.

None of it changes the fitted model; it turns a failing or misleading fit
into an error or a warning that names the remedy.
"""

import math
import warnings

import numpy as np

from ._losses import SquaredLoss


class GradientTracker:
    """Per-iteration RMS over sequences of ||dJ_i/da_{T_i - d}|| for each distance d."""

    def __init__(self):
        self.e_sq = np.zeros(0)
        self.count = np.zeros(0)

    def add(self, objective):
        n = len(objective.e_sq)
        if n > len(self.e_sq):
            self.e_sq = np.pad(self.e_sq, (0, n - len(self.e_sq)))
            self.count = np.pad(self.count, (0, n - len(self.count)))
        self.e_sq[:n] += objective.e_sq
        self.count[:n] += objective.e_count

    def record(self, result):
        with np.errstate(invalid="ignore", divide="ignore"):
            result.gradient_norms.append(np.sqrt(self.e_sq / self.count))
        self.e_sq[:] = 0
        self.count[:] = 0


def gradient_norm_array(rows):
    """Stack per-iteration rows of different lengths, NaN-padded on the right."""
    if not rows:
        return np.zeros((0, 0))
    width = max(len(r) for r in rows)
    out = np.full((len(rows), width), np.nan)
    for k, r in enumerate(rows):
        out[k, : len(r)] = r
    return out


_SCALE_FIX = "SequenceScaler in a Pipeline, TransformedTargetRegressor for y"
_REMEDIES = (f"Lower learning_rate_init, set clip_norm (e.g. 1.0), or scale X and y "
             f"(e.g. {_SCALE_FIX}).")
_SCIPY_REMEDIES = f"Scale X and y (e.g. {_SCALE_FIX}), increase alpha, or increase max_iter."


def _diverged(iteration, what, remedies=_REMEDIES):
    return ValueError(f"Training diverged at iteration {iteration}: {what} is not finite. {remedies}")


# A loss this many times its reference ends training. A diverging run
# multiplies its loss by orders of magnitude per iteration and crosses this
# within a few, while legitimate training stays well below: on standardised
# data even Adam at learning_rate_init=0.3 with one-sequence batches peaks at
# a few tens of times the reference.
_DIVERGENCE_FACTOR = 1e3


class DivergenceGuard:
    """The divergence rule of one training call.

    Training has diverged when a loss exceeds ``_DIVERGENCE_FACTOR`` times the
    largest of: the loss at the start of training, the loss of all-zero logits
    on the same sequences, and 1. The zero-logit loss keeps a fit continued
    from a near-perfect model from reading ordinary noise as growth; the floor
    of 1 does the same for targets near zero.

    Parameters
    ----------
    start : float, optional
        The loss at the start of the training run this call continues (a
        partial_fit call): growth spread over many calls, one epoch each, is
        then measured from the same point. By default the first loss checked.
    remedies : str
        The advice ending the error message.
    """

    def __init__(self, start=None, remedies=_REMEDIES):
        self.start = start
        self.remedies = remedies

    def check(self, loss, objective, iteration):
        """Raise ValueError if ``loss`` (of ``objective``, at ``iteration``) has grown too far."""
        if self.start is None:
            self.start = loss
        start = self.start if math.isfinite(self.start) else 0.0
        limit = _DIVERGENCE_FACTOR * max(start, 1.0)
        if loss <= limit:  # the usual case, decided without the zero-logit loss
            return
        limit = max(limit, _DIVERGENCE_FACTOR * objective.zero_loss())
        if loss > limit:
            raise ValueError(
                f"Training diverged at iteration {iteration}: the loss grew from "
                f"{self.start:.4g} at the start of training to {loss:.4g}, above the limit "
                f"of {limit:.4g} ({_DIVERGENCE_FACTOR:g} times the largest of the starting "
                f"loss, the loss of predicting zero, and 1). {self.remedies}"
            )


# ---------------------------------------------------------------------------
# Data scale


class DataScaleWarning(UserWarning):
    """Training data far from unit scale: scale X and y for the network to fit well.

    A tanh or logistic network saturates on large inputs, and targets far from
    unit scale need large output weights that the penalty and the solvers'
    tolerances work against; the fit then often predicts nearly a constant.
    """


# A step feature or a regression output is far from unit scale when its mean
# or standard deviation exceeds _SCALE_HIGH in absolute value, or when its
# (non-zero) standard deviation is below _SCALE_LOW. The upper bound is where
# fits start to degrade; the lower one is where they fail outright (a loss
# too small for the solvers' absolute tolerances), and it leaves daily returns
# (standard deviation about 0.01) alone.
_SCALE_HIGH = 10.0
_SCALE_LOW = 1e-3

# A regression fit whose training loss is above (1 - _BARELY_FITTED) times the
# loss of the best constant prediction has learnt almost nothing beyond the mean.
_BARELY_FITTED = 1e-3


class _Moments:
    """Weighted mean and variance per column, merged chunk by chunk (Chan et al.)."""

    def __init__(self):
        self.weight = 0.0
        self.mean = None
        self.m2 = None

    def add(self, values, weights=None):
        values = np.asarray(values, dtype=np.float64)
        if weights is None:
            weight = float(len(values))
            if not weight:
                return
            mean = values.mean(axis=0)
            m2 = ((values - mean) ** 2).sum(axis=0)
        else:
            weights = np.asarray(weights, dtype=np.float64)
            weight = float(weights.sum())
            if not weight > 0:
                return
            mean = weights @ values / weight
            m2 = weights @ (values - mean) ** 2
        if self.mean is None:
            self.weight, self.mean, self.m2 = weight, mean, m2
            return
        total = self.weight + weight
        delta = mean - self.mean
        self.mean = self.mean + delta * (weight / total)
        self.m2 = self.m2 + m2 + delta**2 * (self.weight * weight / total)
        self.weight = total

    def std(self):
        return np.sqrt(self.m2 / self.weight)


def _off_scale(moments):
    """(column, mean, std) of the column furthest from unit scale, or None."""
    if moments.mean is None:
        return None
    mean, std = np.abs(moments.mean), moments.std()
    # How far each column is beyond the bounds, as a factor (> 1: off scale).
    excess = np.maximum(
        np.maximum(mean, std) / _SCALE_HIGH,
        np.where(std > 0, _SCALE_LOW / np.where(std > 0, std, 1.0), 0.0),
    )
    k = int(np.argmax(excess))
    if not excess[k] > 1:
        return None
    return k, float(moments.mean[k]), float(std[k])


class ScaleCheck:
    """Mean and spread of the step features and (regression) targets a fit trains on.

    Gathered from the objectives' packed chunks as training meets them (one
    pass over the data, no RNN pass); ``report`` then warns when X or y is far
    from unit scale.
    """

    def __init__(self, loss):
        self.x = _Moments()
        # Only a squared loss makes the scale of y matter; class labels have none.
        self.y = _Moments() if isinstance(loss, SquaredLoss) else None

    def add(self, objective):
        for batch, y, w in objective.chunks:
            self.x.add(batch.X)
            if self.y is not None:
                self.y.add(y, w)

    def report(self, loss):
        """Warn (DataScaleWarning) if X or y is far from unit scale; return whether it is.

        ``loss`` is the final training objective: with a regression target it
        tells whether the fit explains anything beyond the mean of y.
        """
        x_off = _off_scale(self.x)
        y_off = None if self.y is None else _off_scale(self.y)
        if x_off is None and y_off is None:
            return False
        found, fixes = [], []
        if y_off is not None:
            k, mean, std = y_off
            found.append(f"y has mean {mean:.4g} and standard deviation {std:.4g}"
                         + (f" (output {k})" if len(self.y.mean) > 1 else ""))
            fixes.append("y with TransformedTargetRegressor(regressor=..., "
                         "transformer=StandardScaler())")
        if x_off is not None:
            k, mean, std = x_off
            found.append(f"X has mean {mean:.4g} and standard deviation {std:.4g}"
                         + (f" (step feature {k})" if len(self.x.mean) > 1 else ""))
            fixes.append("X with SequenceScaler (sklearn_simplernn.preprocessing) in a "
                         "Pipeline: make_pipeline(SequenceScaler(), model)")
        message = (" and ".join(found) + f": far from unit scale (a mean or standard "
                   f"deviation beyond {_SCALE_HIGH:g}, or a standard deviation below "
                   f"{_SCALE_LOW:g}), which saturates the network or slows its training.")
        if self.y is not None and self.y.mean is not None:
            constant = 0.5 * float(np.sum(self.y.m2)) / self.y.weight
            if constant > 0 and loss > (1 - _BARELY_FITTED) * constant:
                message += (f" This fit explains almost nothing beyond the mean of y "
                            f"(training R^2 = {1 - loss / constant:.3g}).")
        message += " Standardise " + " and ".join(fixes) + "."
        warnings.warn(message, DataScaleWarning)
        return True


def _not_converged(method, opt, n_iter, max_iter, max_fun, tol, unscaled):
    """The ConvergenceWarning text: what stopped the solver and what to change."""
    reason = str(opt.message).strip().rstrip(".")
    if unscaled:
        return (f"{method} did not converge after {n_iter} iterations ({reason}). X or y is "
                f"far from unit scale (see the DataScaleWarning): scale them first.")
    grad = getattr(opt, "grad" if method == "trust-constr" else "jac", None)
    largest = ""
    if grad is not None and np.size(grad):
        # tol bounds the gradient, except for these two methods.
        meaning = {"SLSQP": " on the change in loss", "Newton-CG": " on the step"}.get(method, "")
        largest = (f"the largest gradient entry is still {float(np.max(np.abs(grad))):.3g} "
                   f"(tol={tol}{meaning})")
    if n_iter >= max_iter:
        return (f"{method} did not converge: after max_iter={max_iter} iterations "
                f"{largest or 'it had not met tol'}. Increase max_iter, or raise tol.")
    if method in ("L-BFGS-B", "TNC") and getattr(opt, "nfev", 0) >= max_fun:
        return (f"{method} did not converge: after max_fun={max_fun} loss evaluations "
                f"{largest or 'it had not met tol'}. Increase max_fun, or raise tol.")
    # Typically a line search that found no lower loss: rounding error near a
    # minimum, or a kink of 'relu'.
    return (f"{method} stopped after {n_iter} iterations ({reason})"
            + (f" and {largest}" if largest else "")
            + ": it cannot lower the loss further along its search direction. Raise tol if "
              "the fit is good enough, increase alpha for a better-conditioned problem, or "
              "try another solver (e.g. 'adam').")


