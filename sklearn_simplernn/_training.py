"""Training: the scipy.optimize adapter, the mini-batch loop, and the one entry point.

:func:`train` takes validated data, a :class:`Network`, a loss and a
:class:`TrainConfig`, and returns a :class:`TrainResult`: it puts a
full-batch training set in canonical order, holds sequences out for early
stopping, and runs the solver. The objective J is ``_objective``'s; what a
fit watches (divergence, the data's scale, gradient norms) is
``_diagnostics``'s.
"""

import time
import warnings
from dataclasses import dataclass, fields

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from ._canonical import canonical_order, content_split
from ._diagnostics import (
    _SCIPY_REMEDIES,
    DivergenceGuard,
    GradientTracker,
    ScaleCheck,
    _diverged,
    _not_converged,
)
from ._objective import Objective, predict_logits
from ._optimizers import SGD, Adam
from ._rnn import Workspace

# L-BFGS-B also stops when an iteration lowers J by less than
# min(_LBFGS_FTOL_PER_TOL * tol, _LBFGS_FTOL_MAX) (relative to max(|J|, 1)).
# On the long, flat valleys of recurrent losses the projected gradient can stay
# above tol for hundreds of iterations that each gain less than a millionth of
# J and change the predictions little; this stop ends them.  At the default
# tol=1e-4 it is 1e-6, the value benchmarks/stopping_study.py chose.  A
# smaller tol tightens it; a larger one leaves it at 1e-6, so that a loose
# gradient tolerance does not also end fits that still gain.
_LBFGS_FTOL_PER_TOL = 1e-2
_LBFGS_FTOL_MAX = 1e-6
# scipy's default of 20 line-search steps ends some fits "ABNORMAL" where the
# loss is steep and curved (long sequences, saturated units); 100 lets the
# search finish, at no cost to fits that never need it.
_LBFGS_MAXLS = 100

SCIPY_METHODS = ("L-BFGS-B", "BFGS", "CG", "Newton-CG", "TNC", "SLSQP", "trust-constr")
ITERATIVE_SOLVERS = ("gd", "sgd", "adam")
SOLVERS = ("lbfgs",) + SCIPY_METHODS + ITERATIVE_SOLVERS

# early_stopping='auto' holds sequences out of training sets of at least this
# many distinct sequences, where a tenth is enough to judge a fit by.
AUTO_EARLY_STOPPING_MIN = 1000


@dataclass
class TrainConfig:
    """The settings training reads: the estimator's training parameters, nothing else."""

    solver: str = "lbfgs"
    alpha: float = 1e-4
    batch_size: object = "auto"
    learning_rate: str = "constant"
    learning_rate_init: float = 1e-3
    power_t: float = 0.5
    max_iter: int = 200
    shuffle: bool = True
    tol: float = 1e-4
    verbose: bool = False
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    early_stopping: object = "auto"
    validation_fraction: float = 0.1
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    n_iter_no_change: int = 10
    max_fun: int = 15000
    clip_norm: object = None
    clip_value: object = None
    track_gradients: bool = False

    @classmethod
    def from_params(cls, params):
        """The config of an estimator's ``get_params()`` (other keys are ignored)."""
        return cls(**{f.name: params[f.name] for f in fields(cls) if f.name in params})


def train(seqs, y, sample_weight, network, loss, config, theta, rng, *, score,
          incremental=False, optimizer=None, history=None, first_iteration=0,
          samples_seen=0, stratify=None, on_iteration=None):
    """Fit ``network``'s weights, starting from ``theta``, on validated data.

    Parameters
    ----------
    seqs : SequenceData
    y : ndarray of shape (n_samples, n_outputs) or SequenceData
        Targets as the loss expects them (per-step targets for one output per step).
    sample_weight : ndarray of shape (n_samples,)
    network : Network
    loss : loss object of ``_losses``
    config : TrainConfig
    theta : ndarray
        Start point (a fresh initialisation, or the weights a fit continues from).
    rng : numpy.random.RandomState
        Shuffles mini-batches and draws their early-stopping split.
    score : callable
        (y_true, prediction, sample_weight) -> the early-stopping score,
        higher is better (R^2 or accuracy).
    incremental : bool
        One epoch of a partial_fit call (no early stopping).
    optimizer : SGD or Adam, optional
        The optimizer state a partial_fit call continues.
    history : list of float, optional
        The loss curve of the run a partial_fit call continues.
    first_iteration, samples_seen : int
        Counters carried over from earlier calls (partial_fit, warm_start).
    stratify : ndarray, optional
        Labels to stratify the early-stopping split by (classifiers).
    on_iteration : callable, optional
        theta -> bool after each iteration; True stops training.

    Returns
    -------
    TrainResult
    """
    auto = isinstance(config.early_stopping, str)  # 'auto'
    early = not incremental and (
        config.solver not in ITERATIVE_SOLVERS if auto else bool(config.early_stopping)
    )
    full_batch = config.solver not in ITERATIVE_SOLVERS or (config.solver == "gd" and not early)
    all_idx = np.arange(len(seqs))
    if full_batch and not incremental:
        all_idx, sample_weight = canonical_order(seqs, y, sample_weight)
    if auto and len(all_idx) < AUTO_EARLY_STOPPING_MIN:
        # Small sets: a held-out tenth is too few sequences to judge by, and
        # the penalty alpha already keeps the fit from the noise.
        early = False
    ws = Workspace()

    def make_objective(indices):
        return Objective(seqs, y, sample_weight, indices, network, loss, config.alpha, ws,
                         track_gradients=config.track_gradients)

    def validation_scorer(val_idx):
        val_seqs = seqs.take(val_idx)
        y_val = y.take(val_idx) if hasattr(y, "lengths") else y[val_idx]
        w_val = sample_weight[val_idx]

        def validation_score(theta):
            prediction = loss.predict(predict_logits(theta, network, val_seqs))
            return score(y_val, prediction, w_val)

        return validation_score

    if config.solver in ITERATIVE_SOLVERS:
        validation_score, train_idx = None, all_idx
        if early:
            train_idx, val_idx = train_test_split(
                all_idx, test_size=config.validation_fraction, random_state=rng,
                stratify=None if stratify is None else stratify[all_idx],
            )
            _check_split(config, train_idx, val_idx, len(all_idx))
            train_idx = np.sort(train_idx)
            validation_score = validation_scorer(val_idx)
        return fit_iterative(
            make_objective, train_idx, theta, config, rng,
            optimizer=optimizer, history_start=history[0] if history else None,
            validation_score=validation_score,
            max_iter=1 if incremental else None,
            first_iteration=first_iteration, samples_seen=samples_seen,
            on_iteration=on_iteration,
        )
    if config.clip_norm is not None or config.clip_value is not None:
        warnings.warn(
            f"clip_norm and clip_value apply to the 'gd', 'sgd' and 'adam' "
            f"solvers; solver={config.solver!r} ignores them.", UserWarning,
        )
    train_idx, monitor = all_idx, None
    if early:
        # Held out by content, so that the fit stays a function of the
        # data: order-free, and a weight of k is k copies.
        train_idx, val_idx = content_split(seqs, y, all_idx, config.validation_fraction, stratify)
        if auto and len(val_idx) == 0:
            # Every class too small to lend a sequence: train on all.
            train_idx = all_idx
        else:
            _check_split(config, train_idx, val_idx, len(all_idx))
            monitor = ValidationMonitor(validation_scorer(val_idx), config.tol,
                                        config.n_iter_no_change)
    return fit_scipy(
        make_objective(train_idx), theta, config.solver, max_iter=config.max_iter,
        max_fun=config.max_fun, tol=config.tol, verbose=config.verbose,
        on_iteration=on_iteration, validation=monitor,
    )


def _check_split(config, train_idx, val_idx, n):
    if len(train_idx) == 0 or len(val_idx) == 0:
        raise ValueError(
            f"early_stopping with validation_fraction={config.validation_fraction} "
            f"leaves no training or no validation sequences out of {n}."
        )


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


# ---------------------------------------------------------------------------
# scipy.optimize.minimize


def _scipy_options(method, max_iter, max_fun, tol):
    if method == "L-BFGS-B":
        return {"maxiter": max_iter, "maxfun": max_fun, "gtol": tol,
                "ftol": min(_LBFGS_FTOL_PER_TOL * tol, _LBFGS_FTOL_MAX),
                "maxls": _LBFGS_MAXLS}
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


def _finish_result(result, objective):
    grad = np.empty(result.theta.size, dtype=objective.dtype)
    result.loss = float(objective(result.theta, grad))
    result.best_loss = min(result.loss_curve, default=result.loss)
    return result


# ---------------------------------------------------------------------------
# Mini-batch solvers: gd, sgd, adam


def make_optimizer(config):
    if config.solver == "adam":
        return Adam(config.learning_rate_init, config.beta_1, config.beta_2, config.epsilon)
    if config.solver == "gd":
        return SGD(config.learning_rate_init)
    return SGD(config.learning_rate_init, config.learning_rate, config.momentum,
               config.nesterovs_momentum, config.power_t)


def resolve_batch_size(config, n_samples):
    if config.solver == "gd" or config.batch_size in (None, "full"):
        return n_samples
    if config.batch_size == "auto":
        return min(200, n_samples)
    if config.batch_size > n_samples:
        warnings.warn(
            f"Got batch_size={config.batch_size} greater than the {n_samples} training "
            f"sequences; using the full batch.", UserWarning,
        )
    return min(config.batch_size, n_samples)


def clip_gradient(grad, clip_value, clip_norm):
    """Clip each entry to [-clip_value, clip_value], then the global norm to clip_norm."""
    if clip_value is not None:
        np.clip(grad, -clip_value, clip_value, out=grad)
    if clip_norm is not None:
        norm = float(np.sqrt(grad @ grad))
        if norm > clip_norm:
            grad *= clip_norm / norm


def fit_iterative(make_objective, train_idx, theta, config, rng, *, optimizer=None,
                  history_start=None, validation_score=None, max_iter=None, first_iteration=0,
                  samples_seen=0, on_iteration=None):
    """Gradient descent over mini-batches (one pass over ``train_idx`` per iteration).

    Parameters
    ----------
    make_objective : callable
        indices -> Objective over those sequences.
    train_idx : ndarray of int
    theta : ndarray
        Start point, updated in place.
    config : TrainConfig
    rng : numpy.random.RandomState
        Shuffles the batches.
    optimizer : SGD or Adam, optional
        Continue with this optimizer's state (partial_fit).
    history_start : float, optional
        With ``optimizer``: the first loss of the training run being
        continued, from which the divergence rule measures growth.
    validation_score : callable, optional
        theta -> score on the held-out sequences (early stopping).
    max_iter : int, optional
        Defaults to ``config.max_iter``.
    first_iteration, samples_seen : int
        Counters carried over from earlier calls (partial_fit, warm_start).
    on_iteration : callable, optional
        theta -> bool, called after each iteration; True stops training.

    Returns
    -------
    TrainResult
    """
    max_iter = config.max_iter if max_iter is None else max_iter
    n = len(train_idx)
    batch_size = resolve_batch_size(config, n)
    shuffle = config.shuffle and batch_size < n
    # A carried optimizer means a partial_fit call continuing one training
    # run, an epoch (often a single mini-batch) at a time: growth is measured
    # from the start of that run, or growth spread over calls would go unseen.
    # A warm start is a new run from the given weights, measured from its own.
    guard = DivergenceGuard(start=history_start if optimizer is not None else None)
    optimizer = make_optimizer(config) if optimizer is None else optimizer
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
    tracker = GradientTracker() if config.track_gradients else None
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
                clip_gradient(grad, config.clip_value, config.clip_norm)
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
                if score < best_score + config.tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if score > best_score:
                    best_score = score
                    best_theta[...] = theta
            else:
                if loss > best_loss - config.tol:
                    no_improvement += 1
                else:
                    no_improvement = 0
                if loss < best_loss:
                    best_theta[...] = theta
            best_loss = min(best_loss, loss)
            if config.verbose:
                print(message + f", time = {time.perf_counter() - start:.2f}s")
            if on_iteration is not None and on_iteration(theta):
                result.stopped_by_callback = result.converged = True
                break
            if no_improvement > config.n_iter_no_change:
                if optimizer.trigger_stopping():
                    if config.verbose:
                        print(
                            f"Training stopped: the {'validation score' if validation_score else 'loss'} "
                            f"improved by less than tol={config.tol} for "
                            f"{config.n_iter_no_change} consecutive iterations."
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
