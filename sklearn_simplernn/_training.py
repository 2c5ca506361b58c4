"""Training: the objective J(theta), the scipy.optimize adapter and the mini-batch loop.

The objective, for sequences i with targets y_i, sample weights w_i and the
per-sample loss l_i of ``_losses``::

    J(theta) = sum_i w_i l_i / sum_i w_i + 0.5 alpha (||W_ax||^2 + ||W_aa||^2 + ||W_ya||^2) / sum_i w_i

Over a full batch the sum is accumulated over chunks of sequences (sorted by
length, so each chunk holds sequences of similar length), which bounds the
memory of the hidden-state cache by a chunk whatever the number of sequences.
"""

import math
import time
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from ._losses import SquaredLoss
from ._optimizers import SGD, Adam
from ._rnn import Workspace, backward, forward
from ._sequences import pack

# Rows (sequence steps) of one chunk: the hidden-state cache of a chunk then
# takes about this many bytes per buffer, whatever n_samples is.
_CHUNK_BYTES = 64 << 20

# L-BFGS-B's relative-reduction stop, made negligible so that tol (the
# projected-gradient bound) decides, as in scikit-learn's LogisticRegression.
_LBFGS_FTOL = 64 * np.finfo(float).eps

SCIPY_METHODS = ("L-BFGS-B", "BFGS", "CG", "Newton-CG", "TNC", "SLSQP", "trust-constr")
ITERATIVE_SOLVERS = ("gd", "sgd", "adam")
SOLVERS = ("lbfgs",) + SCIPY_METHODS + ITERATIVE_SOLVERS


def chunk_rows(n_hidden, dtype):
    return max(1, _CHUNK_BYTES // (max(n_hidden, 1) * np.dtype(dtype).itemsize))


def _split_by_steps(indices, lengths, max_rows):
    """Split ``indices`` (in order) into runs whose total steps stay under ``max_rows``."""
    ends = np.cumsum(lengths[indices])
    if len(ends) and ends[-1] <= max_rows:
        return [indices]  # the common case of a mini-batch
    bounds = [0]
    while bounds[-1] < len(indices):
        start_rows = ends[bounds[-1] - 1] if bounds[-1] else 0
        # At least one sequence per chunk, however long.
        stop = int(np.searchsorted(ends, start_rows + max_rows, side="right"))
        bounds.append(max(stop, bounds[-1] + 1))
    return [indices[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]


class Objective:
    """J(theta) and dJ/dtheta over a fixed set of sequences.

    Parameters
    ----------
    seqs : SequenceData
    y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,)
    indices : ndarray of int
        The sequences of ``seqs`` this objective sums over.
    layout : ParamLayout
    activation : str
    loss : loss object of ``_losses``
    alpha : float
    ws : Workspace
    """

    def __init__(self, seqs, y, sample_weight, indices, layout, activation, loss, alpha, ws,
                 track_gradients=False):
        self.layout = layout
        self.activation = activation
        self.loss = loss
        self.alpha = alpha
        self.ws = ws
        self.dtype = seqs.dtype
        self.sum_w = float(sample_weight[indices].sum())
        indices = np.asarray(indices)
        by_length = indices[np.argsort(-seqs.lengths[indices], kind="stable")]
        max_rows = chunk_rows(layout.n_hidden, self.dtype)
        self.chunks = []
        for idx in _split_by_steps(by_length, seqs.lengths, max_rows):
            batch = pack(seqs, idx)
            rows = idx[batch.order]
            self.chunks.append((batch, y[rows], sample_weight[rows]))
        # One mask per fit, not per mini-batch (make_objective runs per batch).
        key = ("penalty", layout.shapes, np.dtype(self.dtype))
        if key not in ws.memo:
            ws.memo[key] = layout.penalty_mask(self.dtype)
        self.penalty = ws.memo[key]
        self._chunk_grad = np.empty(layout.size, dtype=self.dtype) if len(self.chunks) > 1 else None
        self._zero_loss = None
        # Gradient diagnostics: sum over sequences of ||dJ_i/da_{T_i - d}||^2 per
        # distance d (J_i = w_i l_i), refreshed by every call; and how many
        # sequences reach back d steps.
        self.e_sq = None
        if track_gradients:
            max_len = int(seqs.lengths[indices].max())
            self.e_sq = np.zeros(max_len)
            self.e_count = np.bincount(seqs.lengths[indices] - 1, minlength=max_len)[::-1].cumsum()[::-1]

    def __call__(self, theta, grad):
        """Return J(theta) and write dJ/dtheta into ``grad`` (same dtype as theta)."""
        params = self.layout.unpack(theta)
        target = grad if self._chunk_grad is None else self._chunk_grad
        grads = self.layout.unpack(target)
        total = 0.0
        e_sq = self.e_sq
        if e_sq is not None:
            e_sq[:] = 0
        for k, (batch, y, w) in enumerate(self.chunks):
            A, a_T = forward(params, batch, self.activation, self.ws)
            Zo = output_logits(params, a_T, self.ws)
            value, dZo = self.loss.loss_grad(Zo, y, w)
            total += value
            backward(params, batch, A, a_T, dZo, self.activation, grads, self.ws, e_sq)
            if self._chunk_grad is not None:
                if k == 0:
                    grad[...] = target
                else:
                    grad += target
        scale = 1.0 / self.sum_w
        grad *= scale
        if not self.alpha:
            return scale * total
        penalised = theta * self.penalty
        grad += (self.alpha * scale) * penalised
        return scale * (total + 0.5 * self.alpha * float(penalised @ penalised))

    def zero_loss(self):
        """The data term of J for all-zero logits: a trivial predictor, no RNN pass."""
        if self._zero_loss is None:
            total = 0.0
            for _, y, w in self.chunks:
                total += self.loss.loss_grad(np.zeros(y.shape, dtype=self.dtype), y, w)[0]
            self._zero_loss = total / self.sum_w if self.sum_w > 0 else 0.0
        return self._zero_loss


def output_logits(params, a_T, ws):
    """z_o = a_T W_ya + b_y, in a workspace buffer (the loss applies g or the link)."""
    W_ya, b_y = params[3], params[4]
    Zo = ws.get("Zo", (a_T.shape[0], W_ya.shape[1]), a_T.dtype)
    np.matmul(a_T, W_ya, out=Zo)
    Zo += b_y
    return Zo


def predict_logits(theta, layout, seqs, activation, ws=None):
    """Logits z_o for every sequence of ``seqs``, shape (n_samples, n_outputs).

    The caller's loss turns them into predictions (``loss.predict``).

    Runs the forward pass without a hidden-state cache, chunk by chunk in the
    order of ``seqs``.
    """
    ws = Workspace() if ws is None else ws
    params = layout.unpack(theta)
    out = np.empty((len(seqs), layout.n_outputs), dtype=seqs.dtype)
    max_rows = 16 * chunk_rows(layout.n_hidden, seqs.dtype)
    for idx in _split_by_steps(np.arange(len(seqs)), seqs.lengths, max_rows):
        batch = pack(seqs, idx)
        _, a_T = forward(params, batch, activation, ws, cache=False)
        out[idx[batch.order]] = output_logits(params, a_T[: len(idx)], ws)
    return out


def canonical_order(seqs, y, sample_weight):
    """The full-batch training set in a canonical form: the same J, summed the same way.

    J depends only on the multiset of (sequence, target, weight), but floating
    point sums depend on their order, and non-convex training amplifies a
    last-bit difference into a different model within a few dozen iterations.
    So the full-batch objective sums in an order fixed by the data alone:
    zero-weight sequences are left out, identical (sequence, target) pairs are
    merged into one carrying the sum of their weights, and the rest are sorted
    by length, then by a hash of their content. The fitted model is then exactly
    the same whatever the order of the training sequences, and a weight of k is
    exactly k repetitions.

    Nothing is copied: the result is an index and a weight vector.

    Returns
    -------
    indices : ndarray of int
        One sequence per distinct (sequence, target), in canonical order.
    weight : ndarray of shape (n_samples,)
        ``sample_weight`` with each group's total on its representative.
    """
    kept = np.flatnonzero(sample_weight > 0)
    lengths = seqs.lengths
    h_x = _content_hashes(seqs.data, lengths, seqs.starts)
    h_y = _content_hashes(y, np.ones(len(y), dtype=np.int64), np.arange(len(y)))
    order = kept[np.lexsort((h_y[kept], h_x[kept], -lengths[kept]))]
    keys = np.stack([lengths[order].astype(np.uint64), h_x[order], h_y[order]], axis=1)
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    # Matching hashes are checked for real equality; a (vanishingly rare)
    # collision just stays a group of its own.
    for j in np.flatnonzero(~new_group):
        a, b = order[j - 1], order[j]
        if not (np.array_equal(seqs.sequence(a), seqs.sequence(b)) and np.array_equal(y[a], y[b])):
            new_group[j] = True
    first_of_group = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    weight = np.zeros_like(sample_weight)
    np.add.at(weight, order[first_of_group], sample_weight[order])
    return order[new_group], weight


_HASH_CHUNK_ROWS = 1 << 20


def _content_hashes(data, lengths, starts):
    """A 64-bit hash of each sequence's bits and length, vectorised, in bounded memory.

    Each value's bit pattern is multiplied by a pseudo-random odd constant of
    its (step, feature) position and the products are summed modulo 2^64, then
    mixed; equal sequences get equal hashes, and callers check equality where
    hashes match.
    """
    data = np.ascontiguousarray(data)
    n_cols = data.shape[1] if data.ndim == 2 else 1
    bits = data.view(np.uint64 if data.dtype.itemsize == 8 else np.uint32).reshape(len(data), -1)
    out = np.empty(len(lengths), dtype=np.uint64)
    ends = np.cumsum(lengths)
    n, i = len(lengths), 0
    with np.errstate(over="ignore"):
        while i < n:
            # Whole sequences, about _HASH_CHUNK_ROWS rows at a time.
            done = int(ends[i - 1]) if i else 0
            j = max(int(np.searchsorted(ends, done + _HASH_CHUNK_ROWS, side="right")), i + 1)
            lo, hi = int(starts[i]), int(ends[j - 1])
            rel = (starts[i:j] - lo).astype(np.intp)
            step = np.arange(hi - lo, dtype=np.uint64) - np.repeat(rel.astype(np.uint64), lengths[i:j])
            position = step[:, None] * np.uint64(n_cols) + np.arange(n_cols, dtype=np.uint64)
            terms = bits[lo:hi].astype(np.uint64) * (_mix(position) | np.uint64(1))
            out[i:j] = np.add.reduceat(terms.sum(axis=1, dtype=np.uint64), rel)
            i = j
        return _mix(out ^ lengths.astype(np.uint64))


def _mix(x):
    """splitmix64's finaliser: a bijective scramble of 64-bit integers."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


# ---------------------------------------------------------------------------
# Results and divergence


class TrainResult:
    """What a training run leaves behind for the estimator's fitted attributes."""

    def __init__(self, theta):
        self.theta = theta
        self.n_iter = 0
        self.loss = np.inf
        self.loss_curve = []
        self.best_loss = np.inf
        self.validation_scores = []
        self.best_validation_score = None
        self.samples_seen = 0
        self.optimizer = None
        self.gradient_norms = []
        self.stopped_by_callback = False
        # True when X or a regression y was found far from unit scale (a
        # DataScaleWarning was issued): the likely reason for a poor fit.
        self.unscaled = False


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


# ---------------------------------------------------------------------------
# scipy.optimize.minimize


def _scipy_options(method, max_iter, max_fun, tol):
    if method == "L-BFGS-B":
        return {"maxiter": max_iter, "maxfun": max_fun, "gtol": tol, "ftol": _LBFGS_FTOL}
    if method in ("BFGS", "CG"):
        return {"maxiter": max_iter, "gtol": tol}
    if method == "Newton-CG":
        return {"maxiter": max_iter, "xtol": tol}
    if method == "TNC":
        return {"maxfun": max_fun, "gtol": tol}
    if method == "SLSQP":
        return {"maxiter": max_iter, "ftol": tol}
    if method == "trust-constr":
        return {"maxiter": max_iter, "gtol": tol}
    raise ValueError(f"Unknown scipy method {method!r}.")


def fit_scipy(objective, theta0, method, *, max_iter, max_fun, tol, verbose, on_iteration=None,
              validation=None):
    """Minimise J with ``scipy.optimize.minimize``; theta travels as float64.

    ``on_iteration(theta)`` is called after each iteration; it returns True
    to stop training (a scikit-learn callback asking to stop).

    ``validation`` (a :class:`ValidationMonitor`) scores each iteration's
    weights on held-out sequences through the same callback, stops the
    method once the score has stalled, and the weights of the best score
    are returned, with ``loss`` the objective J at them.

    Returns
    -------
    TrainResult
    """
    if method == "lbfgs":
        method = "L-BFGS-B"
    dtype = objective.dtype
    grad = np.empty(theta0.size, dtype=dtype)
    last = {"theta": None, "loss": None}
    result = TrainResult(np.array(theta0, dtype=dtype))
    tracker = GradientTracker() if objective.e_sq is not None else None
    guard = DivergenceGuard(remedies=_SCIPY_REMEDIES)
    scale = ScaleCheck(objective.loss)
    scale.add(objective)
    start = time.perf_counter()

    def fun(theta):
        theta_d = theta.astype(dtype, copy=False)
        loss = objective(theta_d, grad)
        last["theta"], last["loss"] = theta, loss
        if guard.start is None:  # every method evaluates theta0 first
            guard.start = loss
        if not np.isfinite(loss) or not np.isfinite(grad).all():
            # Let a line search back off from a step that overflowed; a
            # non-finite end point is reported after minimize returns.
            return np.inf, np.zeros(theta.size)
        return loss, grad.astype(np.float64)  # a fresh array: scipy keeps it

    def callback(theta, *_):
        if last["theta"] is not None and np.array_equal(theta, last["theta"]):
            loss = last["loss"]
        else:
            loss = objective(theta.astype(dtype, copy=False), grad)
        result.n_iter += 1
        result.loss_curve.append(float(loss))
        result.theta = theta.astype(dtype)
        result.loss = float(loss)
        if tracker is not None:
            tracker.add(objective)  # the objective's last call was at theta
            tracker.record(result)
        if verbose:
            print(f"Iteration {result.n_iter}, loss = {loss:.8f}, "
                  f"time = {time.perf_counter() - start:.2f}s")
        stop = validation is not None and validation(result.theta)
        if on_iteration is not None and on_iteration(result.theta):
            stop = True
        if stop:
            result.stopped_by_callback = True
            raise StopIteration

    kwargs = {}
    if method == "trust-constr":
        kwargs["hess"] = scipy.optimize.BFGS()
    options = _scipy_options(method, max_iter, max_fun, tol)
    with warnings.catch_warnings():
        # trust-constr warns that a BFGS Hessian update is skipped; not actionable.
        warnings.filterwarnings("ignore", category=UserWarning, module="scipy.optimize")
        try:
            opt = scipy.optimize.minimize(
                fun, np.asarray(theta0, dtype=np.float64), method=method, jac=True,
                callback=callback, options=options, **kwargs,
            )
        except StopIteration:  # methods whose scipy loop does not catch it
            return _restore_best(_finish_result(result, objective), validation, objective)
        except KeyboardInterrupt:
            warnings.warn(
                f"Training interrupted by the user after {result.n_iter} iterations; "
                f"keeping the weights of the last completed iteration.", UserWarning,
            )
            return _restore_best(_finish_result(result, objective), validation, objective)
    result.theta = np.asarray(opt.x, dtype=dtype)
    # scipy reports J at its solution: no extra forward/backward pass for it.
    result.loss = float(opt.fun)
    if not np.isfinite(result.loss):
        raise _diverged(result.n_iter, "the loss", _SCIPY_REMEDIES)
    if result.loss_curve:
        result.loss_curve[-1] = result.loss
    else:
        result.loss_curve.append(result.loss)
    result.n_iter = int(getattr(opt, "nit", result.n_iter) or result.n_iter)
    # The end point only: SLSQP's early iterates can overshoot by many orders
    # of magnitude on the way to a good fit.
    guard.check(result.loss, objective, result.n_iter)
    result.best_loss = min(result.loss_curve)
    result.unscaled = scale.report(result.loss)
    if not opt.success and not result.stopped_by_callback:
        warnings.warn(
            _not_converged(method, opt, result.n_iter, max_iter, max_fun, tol, result.unscaled),
            ConvergenceWarning,
        )
    return _restore_best(result, validation, objective)


def _restore_best(result, validation, objective):
    """With a validation monitor: the weights of the best held-out score, and J at them."""
    if validation is None or validation.best_theta is None:
        return result
    result.theta = validation.best_theta.astype(objective.dtype)
    result.loss = float(objective(result.theta, np.empty(result.theta.size, objective.dtype)))
    result.validation_scores = list(validation.scores)
    result.best_validation_score = validation.best_score
    return result


class ValidationMonitor:
    """Early stopping on held-out sequences for the scipy methods, through their callback.

    After each iteration ``score(theta)`` is computed; the best weights are
    kept, and, as in the mini-batch loop (and scikit-learn's MLP), training
    stops once the score has failed to improve by ``tol`` for more than
    ``n_iter_no_change`` consecutive iterations.

    Parameters
    ----------
    score : callable
        theta -> score on the held-out sequences (higher is better).
    tol : float
    n_iter_no_change : int
    """

    def __init__(self, score, tol, n_iter_no_change):
        self.score = score
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.scores = []
        self.best_score = -np.inf
        self.best_theta = None
        self._no_improvement = 0

    def __call__(self, theta):
        """Score theta; return True when training should stop."""
        score = float(self.score(theta))
        self.scores.append(score)
        if score < self.best_score + self.tol:
            self._no_improvement += 1
        else:
            self._no_improvement = 0
        if score > self.best_score:
            self.best_score = score
            self.best_theta = np.array(theta, copy=True)
        return self._no_improvement > self.n_iter_no_change


def content_split(seqs, y, indices, fraction, labels=None):
    """Split ``indices`` into training and validation sequences by their content alone.

    Each (sequence, target) gets a 64-bit hash of its values; within each
    group of ``labels`` (the classes, for a stratified split; one group
    otherwise) the ``round(fraction * size)`` sequences with the smallest
    hashes are held out. The split is thus a function of the data, not of
    their order or of a random state: with duplicates merged into weights
    (:func:`canonical_order`), a sample weight of k still gives exactly the
    model that k copies give. A group too small to lend a sequence stays
    whole in training.

    Returns
    -------
    train, validation : ndarray of int
        Subsets of ``indices``, each in the order of ``indices``.
    """
    indices = np.asarray(indices)
    h_x = _content_hashes(seqs.data, seqs.lengths, seqs.starts)[indices]
    h_y = _content_hashes(y, np.ones(len(y), dtype=np.int64), np.arange(len(y)))[indices]
    with np.errstate(over="ignore"):
        h = _mix(h_x ^ (h_y * np.uint64(0x9E3779B97F4A7C15)))
    groups = np.zeros(len(indices), dtype=np.int64) if labels is None else np.asarray(labels)[indices]
    held_out = np.zeros(len(indices), dtype=bool)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        n_val = int(round(fraction * len(members)))
        if 0 < n_val < len(members):
            held_out[members[np.argsort(h[members], kind="stable")[:n_val]]] = True
    return indices[~held_out], indices[held_out]


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


def _finish_result(result, objective):
    grad = np.empty(result.theta.size, dtype=objective.dtype)
    result.loss = float(objective(result.theta, grad))
    result.best_loss = min(result.loss_curve, default=result.loss)
    return result


# ---------------------------------------------------------------------------
# Mini-batch solvers: gd, sgd, adam


def make_optimizer(opts):
    if opts.solver == "adam":
        return Adam(opts.learning_rate_init, opts.beta_1, opts.beta_2, opts.epsilon)
    if opts.solver == "gd":
        return SGD(opts.learning_rate_init)
    return SGD(opts.learning_rate_init, opts.learning_rate, opts.momentum,
               opts.nesterovs_momentum, opts.power_t)


def resolve_batch_size(opts, n_samples):
    if opts.solver == "gd" or opts.batch_size in (None, "full"):
        return n_samples
    if opts.batch_size == "auto":
        return min(200, n_samples)
    if opts.batch_size > n_samples:
        warnings.warn(
            f"Got batch_size={opts.batch_size} greater than the {n_samples} training "
            f"sequences; using the full batch.", UserWarning,
        )
    return min(opts.batch_size, n_samples)


def clip_gradient(grad, clip_value, clip_norm):
    """Clip each entry to [-clip_value, clip_value], then the global norm to clip_norm."""
    if clip_value is not None:
        np.clip(grad, -clip_value, clip_value, out=grad)
    if clip_norm is not None:
        norm = float(np.sqrt(grad @ grad))
        if norm > clip_norm:
            grad *= clip_norm / norm


def fit_iterative(make_objective, train_idx, theta, opts, rng, *, optimizer=None,
                  validation_score=None, max_iter=None, first_iteration=0,
                  samples_seen=0, on_iteration=None):
    """Gradient descent over mini-batches (one pass over ``train_idx`` per iteration).

    Parameters
    ----------
    make_objective : callable
        indices -> Objective over those sequences.
    train_idx : ndarray of int
    theta : ndarray
        Start point, updated in place.
    opts : namespace
        The estimator's parameters.
    rng : numpy.random.RandomState
        Shuffles the batches.
    optimizer : SGD or Adam, optional
        Continue with this optimizer's state (partial_fit). The divergence
        rule then measures growth from ``opts.loss_curve_[0]``, the start of
        the training run being continued.
    validation_score : callable, optional
        theta -> score on the held-out sequences (early stopping).
    max_iter : int, optional
        Defaults to ``opts.max_iter``.
    first_iteration, samples_seen : int
        Counters carried over from earlier calls (partial_fit, warm_start).
    on_iteration : callable, optional
        theta -> bool, called after each iteration; True stops training.

    Returns
    -------
    TrainResult
    """
    max_iter = opts.max_iter if max_iter is None else max_iter
    n = len(train_idx)
    batch_size = resolve_batch_size(opts, n)
    shuffle = opts.shuffle and batch_size < n
    # A carried optimizer means a partial_fit call continuing one training
    # run, an epoch (often a single mini-batch) at a time: growth is measured
    # from the start of that run, or growth spread over calls would go unseen.
    # A warm start is a new run from the given weights, measured from its own.
    history = getattr(opts, "loss_curve_", None) if optimizer is not None else None
    guard = DivergenceGuard(start=history[0] if history else None)
    optimizer = make_optimizer(opts) if optimizer is None else optimizer
    result = TrainResult(theta)
    result.optimizer = optimizer
    result.samples_seen = samples_seen
    grad = np.empty_like(theta)
    best_theta = theta.copy()
    best_loss, best_score, no_improvement = np.inf, -np.inf, 0
    fixed = None if shuffle else [
        make_objective(train_idx[i : i + batch_size]) for i in range(0, n, batch_size)
    ]
    start = time.perf_counter()
    iteration = first_iteration
    tracker = GradientTracker() if getattr(opts, "track_gradients", False) else None
    # The data's scale is checked on the first epoch of a new training run,
    # not again on every call of a partial_fit loop or on a warm start.
    scale = None
    try:
        for iteration in range(first_iteration + 1, first_iteration + max_iter + 1):
            if shuffle:
                order = train_idx[rng.permutation(n)]
                batches = (make_objective(order[i : i + batch_size]) for i in range(0, n, batch_size))
            else:
                batches = fixed
            epoch_loss, epoch_w = 0.0, 0.0
            for obj in batches:
                if not obj.sum_w > 0:
                    # Only zero sample weights: J is undefined (0/0) and there is
                    # nothing to learn from, so no step.
                    continue
                if first_iteration == 0 and iteration == 1:
                    scale = ScaleCheck(obj.loss) if scale is None else scale
                    scale.add(obj)
                loss = obj(theta, grad)
                if not np.isfinite(loss):
                    raise _diverged(iteration, "the loss")
                if not np.isfinite(grad).all():
                    raise _diverged(iteration, "the gradient")
                guard.check(loss, obj, iteration)
                clip_gradient(grad, opts.clip_value, opts.clip_norm)
                optimizer.step(theta, grad)
                epoch_loss += loss * obj.sum_w
                epoch_w += obj.sum_w
                if tracker is not None:
                    tracker.add(obj)
            if not np.isfinite(theta).all():
                raise _diverged(iteration, "a weight")
            result.n_iter += 1
            result.samples_seen += n
            loss = epoch_loss / epoch_w
            result.loss_curve.append(loss)
            if tracker is not None:
                tracker.record(result)
            optimizer.iteration_ends(result.samples_seen)
            message = f"Iteration {iteration}, loss = {loss:.8f}"
            # Stall detection and early stopping follow scikit-learn's MLP.
            if validation_score is not None:
                score = validation_score(theta)
                result.validation_scores.append(score)
                message += f", validation score = {score:.6f}"
                if score < best_score + opts.tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if score > best_score:
                    best_score = score
                    best_theta[...] = theta
            else:
                if loss > best_loss - opts.tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if loss < best_loss:
                    best_theta[...] = theta
            best_loss = min(best_loss, loss)
            if opts.verbose:
                print(message + f", time = {time.perf_counter() - start:.2f}s")
            if on_iteration is not None and on_iteration(theta):
                result.stopped_by_callback = result.converged = True
                break
            if no_improvement > opts.n_iter_no_change:
                if optimizer.trigger_stopping():
                    if opts.verbose:
                        print(
                            f"Training stopped: the {'validation score' if validation_score else 'loss'} "
                            f"improved by less than tol={opts.tol} for "
                            f"{opts.n_iter_no_change} consecutive iterations."
                        )
                    result.converged = True
                    break
                no_improvement = 0
        else:
            result.converged = False
    except KeyboardInterrupt:
        warnings.warn(
            f"Training interrupted by the user at iteration {iteration}; keeping the "
            f"best weights so far.", UserWarning,
        )
        result.converged = True
        if validation_score is None:
            theta[...] = best_theta if np.isfinite(best_loss) else theta
    result.best_loss = best_loss
    if validation_score is not None:
        result.best_validation_score = best_score
        if np.isfinite(best_score):
            theta[...] = best_theta
    result.theta = theta
    result.loss = result.loss_curve[-1] if result.loss_curve else np.nan
    if scale is not None and result.n_iter:
        result.unscaled = scale.report(result.loss)
    return result
