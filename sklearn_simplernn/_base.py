"""Glue shared by the estimators: validation, fit/partial_fit orchestration, state.

Everything numerical lives in the modules below this one; this module turns
scikit-learn's calling conventions into calls of ``_training`` and stores what
they return as fitted attributes.
"""

import copy
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, _check_y, check_is_fitted
from threadpoolctl import ThreadpoolController

from ._activations import HIDDEN_ACTIVATIONS
from ._diagnostics import gradient_norm_array
from ._network import ATTRIBUTE_NAMES, Network
from ._objective import predict_logits
from ._sequences import (
    align_to_sequences,
    check_step_features,
    long_dataframe_ids,
    validate_sequences,
    warn_unlikely_layout,
)
from ._training import ITERATIVE_SOLVERS, SOLVERS, TrainConfig, train

try:  # scikit-learn's callback API (experimental, new in 1.9)
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # pragma: no cover - older scikit-learn

    class CallbackSupportMixin:
        """Stand-in: no callback support before scikit-learn 1.9."""

    def with_callbacks(method):
        return method


_THREADPOOLS = []


def _one_blas_thread():
    """Context manager limiting BLAS to one thread.

    The controller (which inspects the loaded libraries, about 2 ms) is made
    once; entering its limit afterwards costs microseconds, which matters for
    the many small fits of a grid search.
    """
    if not _THREADPOOLS:
        _THREADPOOLS.append(ThreadpoolController())
    return _THREADPOOLS[0].limit(limits=1, user_api="blas")


class _CallbackBridge:
    """Turn each training iteration into a scikit-learn callback subtask.

    The root fit task is begun by the estimator; here every iteration is a
    subtask "iteration" whose end hook sees a copy of the estimator holding that
    iteration's weights (so ``ScoringMonitor`` can score it), and may ask to stop.
    As in scikit-learn's own L-BFGS bridge, the subtask of the next iteration is
    begun when one ends, and the last, empty one is ended by ``close``.
    """

    def __init__(self, estimator, context, network, X, y, metadata):
        self.estimator = estimator
        self.context = context
        self.network = network
        self.data = {"X": X, "y": y, "metadata": metadata}
        self.iteration = None

    def _attributes(self, theta):
        attrs = self.network.attributes(np.asarray(theta))
        attrs.update(n_outputs_=self.network.n_outputs,
                     n_step_features_=self.network.n_step_features)
        return attrs

    def start(self, theta):
        self.iteration = self.context.subcontext(task_name="iteration")
        # Attributes are passed lazily: built only if a callback asks for them.
        self.iteration.call_on_fit_task_begin(
            estimator=self.estimator, reconstruction_attributes=lambda: self._attributes(theta),
            **self.data,
        )

    def __call__(self, theta):
        stop = self.iteration.call_on_fit_task_end(
            estimator=self.estimator, reconstruction_attributes=lambda: self._attributes(theta),
            **self.data,
        )
        self.start(theta)
        return bool(stop)

    def close(self):
        if self.iteration is not None:
            self.iteration.call_on_fit_task_end(estimator=self.estimator)


class BaseSimpleRNN(CallbackSupportMixin, BaseEstimator):
    """Shared machinery of SimpleRNNRegressor (and later classifiers).

    Subclasses define ``_make_loss()`` (an object of ``_losses``),
    ``_prepare_y(y, dtype, reset)`` (targets as the loss expects them, shape
    (n_samples, n_outputs)) and ``_validation_score(y, prediction, sample_weight)``
    (the early-stopping score on the loss's predictions).
    """

    # Fitted state that is not public (restored with the rest when a fit fails).
    _private_state = ("_optimizer",)

    _parameter_constraints = {
        "n_hidden": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "bidirectional": ["boolean"],
        "readout": [StrOptions({"last", "mean", "max"})],
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto", "full"}),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "clip_value": [Interval(Real, 0, None, closed="neither"), None],
        "track_gradients": ["boolean"],
    }

    def __init__(
        self,
        n_hidden=16,
        *,
        activation="tanh",
        bidirectional=False,
        readout="last",
        solver="lbfgs",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
        max_iter=1000,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping="auto",
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        clip_norm=None,
        clip_value=None,
        track_gradients=False,
    ):
        self.n_hidden = n_hidden
        self.activation = activation
        self.bidirectional = bidirectional
        self.readout = readout
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.clip_norm = clip_norm
        self.clip_value = clip_value
        self.track_gradients = track_gradients

    # ------------------------------------------------------------------
    # Validation

    def _validate_fit_data(self, X, y, sample_weight, reset, classes=None):
        seqs = validate_sequences(self, X, reset=reset, step_feature_names=True)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = align_to_sequences(y, seqs.ids, "y")
        sample_weight = align_to_sequences(sample_weight, seqs.ids, "sample_weight")
        y = _check_y(y, multi_output=True, y_numeric=self._y_numeric, estimator=self)
        if len(y) != len(seqs):
            raise ValueError(
                f"X holds {len(seqs)} sequences but y has {len(y)} samples: they must "
                f"have the same length."
            )
        y = self._prepare_y(y, seqs.dtype, reset, classes)
        sample_weight = _check_sample_weight(
            sample_weight, y, dtype=seqs.dtype, ensure_non_negative=True
        )
        if not sample_weight.sum() > 0:
            raise ValueError("sample_weight must have a positive sum.")
        if reset:
            warn_unlikely_layout(seqs, X)
        return seqs, y, sample_weight

    def _align_targets(self, X, y, sample_weight):
        """y and sample_weight of ``score`` in the order of X's sequences (long DataFrames)."""
        ids = long_dataframe_ids(X)
        return (align_to_sequences(y, ids, "y"),
                align_to_sequences(sample_weight, ids, "sample_weight"))

    @contextmanager
    def _unchanged_on_error(self):
        """Restore the fitted state (attributes ``*_``, optimizer) if the body raises.

        A fit or partial_fit that fails on bad data or diverges leaves a fitted
        estimator as it was, and an unfitted one unfitted.
        """
        def state_keys():
            return [k for k in vars(self)
                    if (k.endswith("_") and not k.startswith("_")) or k in self._private_state]

        saved = {k: getattr(self, k) for k in state_keys()}
        try:
            yield
        except BaseException:
            for k in state_keys():
                if k not in saved:
                    delattr(self, k)
            for k, v in saved.items():
                setattr(self, k, v)
            raise

    def __sklearn_is_fitted__(self):
        """True once fit or partial_fit has stored weights (scikit-learn's check_is_fitted)."""
        return hasattr(self, ATTRIBUTE_NAMES[0])

    @property
    def is_fitted(self):
        """Whether the estimator has been fitted, as a bool.

        The attribute aeon and sktime estimators have, and one of those MAPIE
        looks for to tell a fitted model; scikit-learn's ``check_is_fitted``
        asks ``__sklearn_is_fitted__``, which says the same.
        """
        return self.__sklearn_is_fitted__()

    def _check_step_features(self, seqs):
        check_step_features(self, seqs)

    # ------------------------------------------------------------------
    # Fitting

    def _network(self, n_step_features, n_outputs):
        return Network(n_step_features, self.n_hidden, n_outputs, self.activation,
                       self.bidirectional, self._readout())

    def _readout(self):
        return self.readout

    def _fitted_attributes(self):
        return {name: getattr(self, name) for name in ATTRIBUTE_NAMES}

    def _can_continue(self, network):
        if not hasattr(self, ATTRIBUTE_NAMES[0]):
            return False
        return (self.n_step_features_ == network.n_step_features
                and self.n_outputs_ == network.n_outputs
                and network.matches(self._fitted_attributes()))

    def _fit(self, seqs, y, sample_weight, incremental, raw=None):
        """Train on validated data; ``raw`` = (X, y, sample_weight) as the caller gave them."""
        rng = check_random_state(self.random_state)
        n_outputs = y.data.shape[1] if hasattr(y, "lengths") else y.shape[1]
        network = self._network(seqs.n_step_features, n_outputs)
        dtype = seqs.dtype
        continuing = (incremental or self.warm_start) and self._can_continue(network)
        if continuing:
            theta = network.pack_attributes(self._fitted_attributes(), dtype)
        else:
            theta = network.init_params(rng, dtype)

        bridge = None
        if raw is not None and hasattr(self, "_skl_callbacks"):
            # One subtask per iteration, plus the empty one the bridge leaves open.
            context = self._init_callback_context(max_subtasks=self.max_iter + 1)
            X_raw, y_raw, sw_raw = raw
            metadata = None if sw_raw is None else {"sample_weight": sw_raw}
            context.call_on_fit_task_begin(estimator=self, X=X_raw, y=y_raw, metadata=metadata)
            bridge = _CallbackBridge(self, context, network, X_raw, y_raw, metadata)
            bridge.start(theta)

        # partial_fit carries the optimizer's state (momentum, Adam moments) from
        # call to call; warm_start, like scikit-learn's MLP, starts a new one.
        # A copy: the steps of a call that then diverges must not reach the model.
        optimizer = (copy.deepcopy(getattr(self, "_optimizer", None))
                     if incremental and continuing else None)
        # One BLAS thread: the per-step GEMMs are too small to share, and a second
        # thread measurably slows the training loop (and oversubscribes the cores
        # when GridSearchCV runs fits in parallel).
        # Overflow inside a diverging fit is caught and explained by the divergence
        # guard of _diagnostics; numpy's RuntimeWarnings would only add noise.
        with _one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):
            result = train(
                seqs, y, sample_weight, network, self._make_loss(),
                TrainConfig.from_params(self.get_params(deep=False)), theta, rng,
                score=self._validation_score, incremental=incremental, optimizer=optimizer,
                history=self.loss_curve_ if incremental and continuing else None,
                first_iteration=self.n_iter_ if continuing else 0,
                samples_seen=self.t_ if continuing else 0,
                stratify=self._stratify(y), on_iteration=bridge,
            )
        self._store(result, network, continuing, incremental)
        if bridge is not None:
            bridge.close()
            bridge.context.call_on_fit_task_end(
                estimator=self, X=raw[0], y=raw[1], metadata=bridge.data["metadata"],
                reconstruction_attributes={},
            )
        return self

    def _store(self, result, network, continuing, incremental):
        for name, value in network.attributes(result.theta).items():
            setattr(self, name, value)
        self.n_outputs_ = network.n_outputs
        self.n_step_features_ = network.n_step_features
        self.loss_ = float(result.loss)
        previous_curve = list(self.loss_curve_) if continuing else []
        self.loss_curve_ = previous_curve + [float(v) for v in result.loss_curve]
        self.n_iter_ = (self.n_iter_ if continuing else 0) + result.n_iter
        self.t_ = result.samples_seen
        if result.validation_scores:
            self.validation_scores_ = list(result.validation_scores)
            self.best_validation_score_ = float(result.best_validation_score)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = float(min(self.loss_curve_)) if self.loss_curve_ else self.loss_
        if self.track_gradients:
            previous = list(self.gradient_norms_) if continuing and self.gradient_norms_ is not None else []
            self.gradient_norms_ = gradient_norm_array(previous + result.gradient_norms)
        else:
            self.gradient_norms_ = None
        if result.optimizer is not None:
            self._optimizer = result.optimizer
        if (
            self.solver in ITERATIVE_SOLVERS
            and not incremental
            and not getattr(result, "converged", True)
        ):
            advice = (
                "X or y is far from unit scale (see the DataScaleWarning): scale them first."
                if getattr(result, "unscaled", False)
                else "Increase max_iter, or raise tol to stop earlier."
            )
            watched = "validation score" if result.validation_scores else "loss"
            warnings.warn(
                f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached "
                f"and the optimization hasn't converged yet: the {watched} still improved "
                f"by more than tol={self.tol} within the last {self.n_iter_no_change} "
                f"iterations. {advice}",
                ConvergenceWarning,
            )

    def _fit_estimator(self, X, y, sample_weight):
        """The body of ``fit``: validate, train, store; the state is unchanged on error."""
        self._validate_params()
        with self._unchanged_on_error():
            seqs, y_checked, sw = self._validate_fit_data(X, y, sample_weight, reset=True)
            return self._fit(seqs, y_checked, sw, incremental=False, raw=(X, y, sample_weight))

    def _partial_fit(self, X, y, sample_weight, classes=None):
        self._validate_params()
        first = not hasattr(self, ATTRIBUTE_NAMES[0])
        with self._unchanged_on_error():
            seqs, y, sample_weight = self._validate_fit_data(
                X, y, sample_weight, reset=first, classes=classes
            )
            if not first:
                self._check_step_features(seqs)
                n_outputs = y.data.shape[1] if hasattr(y, "lengths") else y.shape[1]
                if n_outputs != self.n_outputs_:
                    raise ValueError(
                        f"y has {n_outputs} output(s), but {type(self).__name__} was "
                        f"fitted with {self.n_outputs_}."
                    )
            return self._fit(seqs, y, sample_weight, incremental=True)

    # ------------------------------------------------------------------
    # Prediction

    def _stratify(self, y):
        """Labels to stratify the early-stopping split by (classifiers), or None."""
        return None

    def _predict_logits(self, X, return_sequences=False):
        """z_o for every sequence of X: shape (n_samples, n_outputs), or one row per step.

        With ``return_sequences``, also the validated SequenceData of X.
        """
        check_is_fitted(self)
        seqs = validate_sequences(self, X, reset=False, step_feature_names=True)
        self._check_step_features(seqs)
        dtype = np.result_type(seqs.dtype, self.output_weights_.dtype)
        if seqs.dtype != dtype:
            seqs = type(seqs)(seqs.data.astype(dtype), seqs.lengths, seqs.form)
        network = self._network(self.n_step_features_, self.n_outputs_)
        theta = network.pack_attributes(self._fitted_attributes(), dtype)
        raw = predict_logits(theta, network, seqs)
        if not np.isfinite(raw).all():
            i = int(np.flatnonzero(~np.isfinite(raw).all(axis=1))[0])
            if len(raw) != len(seqs):  # one row per step
                i = int(np.searchsorted(seqs.starts, i, side="right") - 1)
            raise ValueError(
                f"The prediction for sequence {i} is not finite: the hidden state "
                f"overflowed on inputs this large. Scale X (e.g. SequenceScaler in a "
                f"Pipeline)."
            )
        return (raw, seqs) if return_sequences else raw


# ---------------------------------------------------------------------------
# Docstring sections shared by the estimators (one copy, filled in by _fill_doc)

_TRAINING_PARAMETERS_DOC = """    solver : {'lbfgs', 'L-BFGS-B', 'BFGS', 'CG', 'Newton-CG', 'TNC', 'SLSQP', \
'trust-constr', 'gd', 'sgd', 'adam'}, default='lbfgs'
        'lbfgs' (alias of 'L-BFGS-B') and the other names in capitals are
        ``scipy.optimize.minimize`` methods on the flattened parameters, fed the
        exact full-batch loss and gradient. 'gd' is plain full-batch gradient
        descent, theta <- theta - learning_rate_init * grad J(theta). 'sgd'
        (with momentum) and 'adam' work on mini-batches of ``batch_size``.
    batch_size : int, 'auto', 'full' or None, default='auto'
        Mini-batch size for 'sgd' and 'adam'; 'auto' is min(200, n_samples),
        'full' or None the whole training set. 'gd' always uses the full batch.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Step-size schedule of 'sgd' (as in MLPRegressor).
    learning_rate_init : float, default=1e-3
        Step size of 'gd', 'sgd' and 'adam'.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=1000
        Iterations of the scipy methods; epochs (passes over the data) of
        'gd', 'sgd' and 'adam'. An upper bound: L-BFGS usually stops well
        before it (by ``tol``), and 'gd', 'sgd' and 'adam' stop once the
        loss has stalled (``tol``, ``n_iter_no_change``).
    shuffle : bool, default=True
        Shuffle the sequences each epoch ('sgd', 'adam' with mini-batches).
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling and the early-stopping
        split: the only sources of randomness.
    tol : float, default=1e-4
        Tolerance: 'gd', 'sgd' and 'adam' stop when the loss (or validation
        score) improves by less than ``tol`` for ``n_iter_no_change``
        iterations; for the scipy methods it is the gradient tolerance
        (``gtol``; ``ftol`` for SLSQP, ``xtol`` for Newton-CG). L-BFGS
        (``'lbfgs'``, ``'L-BFGS-B'``) also stops when an iteration lowers
        ``J`` by less than ``min(tol / 100, 1e-6)`` relative to
        ``max(|J|, 1)``: on the flat stretches of a recurrent loss, where the
        gradient stays above ``tol`` for hundreds of iterations that change
        the predictions little. That test usually ends an L-BFGS fit, so its
        final gradient is often above ``tol``; a smaller ``tol`` tightens
        both tests.
    verbose : bool, default=False
        Print one line per iteration.
    warm_start : bool, default=False
        Start ``fit`` from the weights of the previous fit (same shapes).
    momentum : float, default=0.9
        Momentum of 'sgd'.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for 'sgd'.
    early_stopping : 'auto' or bool, default='auto'
        'auto' is True for the scipy methods (the default 'lbfgs' included)
        on training sets of at least 1000 distinct sequences, where a tenth
        held out is enough to judge a fit by, and False otherwise (on
        smaller sets the penalty ``alpha`` guards against fitting noise;
        'gd', 'sgd' and 'adam' are never affected). True: hold out
        ``validation_fraction`` of the sequences, stop when their
        score (R^2 or accuracy) has not improved by ``tol`` for more than
        ``n_iter_no_change`` iterations, and keep the weights of the best
        score. Every solver: the scipy methods are scored after each of
        their iterations (through their callback). For the full-batch
        solvers (the scipy methods) the held-out sequences are chosen by
        their content (a hash of each sequence and target, stratified by
        class for classifiers), so the fit still does not depend on the
        order of the sequences and a weight of k is still k copies; 'gd',
        'sgd' and 'adam' draw them with ``random_state``. ``loss_`` is then
        J over the training part.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int, default=10
        Patience of the stopping rule of 'gd', 'sgd' and 'adam', and of
        early stopping with every solver.
    max_fun : int, default=15000
        Maximum loss evaluations for 'L-BFGS-B' and 'TNC'.
    clip_norm : float or None, default=None
        Rescale the gradient to this global L2 norm when larger ('gd', 'sgd',
        'adam'): the standard remedy for exploding gradients.
    clip_value : float or None, default=None
        Clip each gradient entry to [-clip_value, clip_value] first.
    track_gradients : bool, default=False
        Record ``gradient_norms_``, the size of the gradient reaching each
        hidden state as a function of its distance from the last step: the
        vanishing/exploding-gradient diagnostic."""

_FITTED_ATTRIBUTES_DOC = """    input_weights_ : ndarray of shape (n_step_features_, n_hidden) or list
        W_ax. With several layers or ``bidirectional``, a list with one
        array per layer k, of shape (n_inputs_k, H_k), or (2, n_inputs_k,
        H_k) when bidirectional ([0] forward, [1] backward); n_inputs_k is
        n_step_features_ for the first layer, the width of layer k - 1's
        output (H_{k-1}, or 2 H_{k-1} when bidirectional) for the others.
    recurrent_weights_ : ndarray of shape (n_hidden, n_hidden) or list
        W_aa; a list of (H_k, H_k) or (2, H_k, H_k) arrays as above.
    hidden_bias_ : ndarray of shape (n_hidden,) or list
        b_a; a list of (H_k,) or (2, H_k) arrays as above.
    output_weights_ : ndarray of shape (n_hidden, n_outputs_)
        W_ya; n_hidden is then the width the output layer reads: H of the
        last layer, or 2 H when bidirectional.
    output_bias_ : ndarray of shape (n_outputs_,)
        b_y.
    n_step_features_ : int
        Features per time step (1 for 2-D X). Every form of X at predict
        must have this many.
    n_features_in_ : int
        Time steps of 2-D X: set only by a fit on a 2-D array or DataFrame,
        whose width ``predict`` then checks for 2-D X, as in scikit-learn.
        A fit on 3-D, ragged or long-format X sets none and removes that of
        an earlier 2-D fit: tools that read ``n_features_in_`` (MAPIE, for
        one) take it as the width of the 2-D X the model predicts on, and
        such a model has none (it predicts 2-D X of any width when
        ``n_step_features_`` is 1).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a 2-D DataFrame X (only then): names of time steps.
    step_feature_names_in_ : ndarray of shape (n_step_features_,)
        Column names of a long-format DataFrame X (only then, and only if they
        are all strings): names of the step features. At predict a long
        DataFrame must have exactly these columns in this order, and X
        without them warns, as scikit-learn does for ``feature_names_in_``.
    is_fitted : bool
        Whether ``fit`` or ``partial_fit`` has been called (a property).
    n_outputs_ : int
    loss_ : float
        The objective J at the fitted weights (see Notes).
    loss_curve_ : list of float
        J after each iteration.
    best_loss_ : float or None
        Lowest J seen (None with early stopping).
    validation_scores_ : list of float or None
        Score (R^2 or accuracy) on the held-out sequences after each
        iteration (early stopping).
    best_validation_score_ : float or None
    n_iter_ : int
        Iterations (epochs) run.
    t_ : int
        Training samples seen by 'gd', 'sgd' and 'adam'.
    gradient_norms_ : ndarray of shape (n_iter_, max_length) or None
        With ``track_gradients=True``: entry [k, d] is the root mean square
        over training sequences i (with T_i > d) of ||dJ_i/da_{T_i - d}|| at
        iteration k, where J_i = w_i l_i is sequence i's weighted loss and
        a_t the states of the first layer (its forward run). NaN where no
        sequence reaches back d steps. None otherwise."""


def _fill_doc(cls):
    """Put the shared Parameters/Attributes entries into a class docstring."""
    cls.__doc__ = (
        cls.__doc__.replace("    %(training_parameters)s", _TRAINING_PARAMETERS_DOC)
        .replace("    %(fitted_attributes)s", _FITTED_ATTRIBUTES_DOC)
    )
    return cls


def _incremental_solver(estimator):
    """available_if check: partial_fit exists for the gradient-descent solvers only."""
    if estimator.solver not in ITERATIVE_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for the 'gd', 'sgd' and 'adam' solvers, not "
            f"solver={estimator.solver!r}."
        )
    return True
