"""SimpleRNNRegressor: the scikit-learn face of the Elman network."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from ._activations import OUTPUT_ACTIVATIONS
from ._base import BaseSimpleRNN, with_callbacks
from ._losses import SquaredLoss
from ._training import ITERATIVE_SOLVERS


def _incremental_solver(estimator):
    if estimator.solver not in ITERATIVE_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for the 'gd', 'sgd' and 'adam' solvers, not "
            f"solver={estimator.solver!r}."
        )
    return True


class SimpleRNNRegressor(RegressorMixin, BaseSimpleRNN):
    """Simple (Elman) recurrent neural network regressor for sequences.

    Reads each sequence oldest step first through one recurrent layer of
    ``n_hidden`` units and predicts from the last hidden state only. Sequences
    may have different lengths.

    Parameters
    ----------
    n_hidden : int, default=32
        Number of hidden units H.
    activation : {'tanh', 'relu', 'logistic', 'identity'}, default='tanh'
        Hidden activation f.
    output_activation : {'identity', 'tanh', 'logistic'}, default='identity'
        Output activation g.
    solver : {'lbfgs', 'L-BFGS-B', 'BFGS', 'CG', 'Newton-CG', 'TNC', 'SLSQP', \
'trust-constr', 'gd', 'sgd', 'adam'}, default='lbfgs'
        'lbfgs' (alias of 'L-BFGS-B') and the other names in capitals are
        ``scipy.optimize.minimize`` methods on the flattened parameters, fed the
        exact full-batch loss and gradient. 'gd' is plain full-batch gradient
        descent, theta <- theta - learning_rate_init * grad J(theta). 'sgd'
        (with momentum) and 'adam' work on mini-batches of ``batch_size``.
    alpha : float, default=1e-4
        L2 penalty on W_ax, W_aa and W_ya (not the biases).
    batch_size : int, 'auto', 'full' or None, default='auto'
        Mini-batch size for 'sgd' and 'adam'; 'auto' is min(200, n_samples),
        'full' or None the whole training set. 'gd' always uses the full batch.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Step-size schedule of 'sgd' (as in MLPRegressor).
    learning_rate_init : float, default=1e-3
        Step size of 'gd', 'sgd' and 'adam'.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Iterations of the scipy methods; epochs (passes over the data) of
        'gd', 'sgd' and 'adam'.
    shuffle : bool, default=True
        Shuffle the sequences each epoch ('sgd', 'adam' with mini-batches).
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling and the early-stopping
        split: the only sources of randomness.
    tol : float, default=1e-4
        Tolerance: 'gd', 'sgd' and 'adam' stop when the loss (or validation
        score) improves by less than ``tol`` for ``n_iter_no_change``
        iterations; for the scipy methods it is the gradient tolerance
        (``gtol``; ``ftol`` for SLSQP, ``xtol`` for Newton-CG).
    verbose : bool, default=False
        Print one line per iteration.
    warm_start : bool, default=False
        Start ``fit`` from the weights of the previous fit (same shapes).
    momentum : float, default=0.9
        Momentum of 'sgd'.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for 'sgd'.
    early_stopping : bool, default=False
        For 'gd', 'sgd' and 'adam': hold out ``validation_fraction`` of the
        sequences, stop when their R^2 stops improving, and keep the best
        weights.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int, default=10
        Patience of the stopping rule of 'gd', 'sgd' and 'adam'.
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
        vanishing/exploding-gradient diagnostic.

    Attributes
    ----------
    input_weights_ : ndarray of shape (n_step_features_, n_hidden)
        W_ax.
    recurrent_weights_ : ndarray of shape (n_hidden, n_hidden)
        W_aa.
    hidden_bias_ : ndarray of shape (n_hidden,)
        b_a.
    output_weights_ : ndarray of shape (n_hidden, n_outputs_)
        W_ya.
    output_bias_ : ndarray of shape (n_outputs_,)
        b_y.
    n_step_features_ : int
        Features per time step (1 for 2-D X).
    n_outputs_ : int
    loss_ : float
        The objective J at the fitted weights (see Notes).
    loss_curve_ : list of float
        J after each iteration.
    best_loss_ : float or None
        Lowest J seen (None with early stopping).
    validation_scores_ : list of float or None
        R^2 on the held-out sequences after each iteration (early stopping).
    best_validation_score_ : float or None
    n_iter_ : int
        Iterations (epochs) run.
    t_ : int
        Training samples seen by 'gd', 'sgd' and 'adam'.
    gradient_norms_ : ndarray of shape (n_iter_, max_length) or None
        With ``track_gradients=True``: entry [k, d] is the root mean square
        over training sequences i (with T_i > d) of ||dJ_i/da_{T_i - d}|| at
        iteration k, where J_i = w_i l_i is sequence i's weighted loss. NaN
        where no sequence reaches back d steps. None otherwise.
    n_features_in_ : int
        Time steps of 2-D X (only when fitted on a 2-D array).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a 2-D DataFrame X (only then).

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The feed-forward network on fixed windows.

    Notes
    -----
    X forms: a 2-D array (n_samples, n_timesteps) is one univariate sequence per
    row, oldest column first; a 3-D array is (n_samples, n_timesteps,
    n_step_features); a list of arrays of shapes (T_i,) or (T_i,
    n_step_features) holds sequences of different lengths; a DataFrame with a
    two-level index (sequence id, time) is read as such a list.

    With a_0 = 0 and row vectors, for t = 1 .. T_i::

        a_t = f(x_t W_ax + a_{t-1} W_aa + b_a),    O_i = g(a_T W_ya + b_y)

    and the weights minimise, with sample weights w_i (1 by default)::

        J = sum_i w_i 0.5 ||y_i - O_i||^2 / sum_i w_i
            + 0.5 alpha (||W_ax||^2 + ||W_aa||^2 + ||W_ya||^2) / sum_i w_i

    summed over outputs. The gradient is computed exactly by backpropagation
    through time. ``predict`` applies exactly this recurrence: scale X and y
    outside the estimator (``SequenceScaler``, ``TransformedTargetRegressor``).

    The result of a fit is deterministic for a fixed ``random_state``.
    Full-batch solvers (the scipy methods, 'gd', and 'sgd'/'adam' when all
    samples fit in one batch) treat a sample weight of k exactly as k copies of
    the sequence; shuffled mini-batches do not.

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science 14(2).

    Werbos, P. J. (1990). Backpropagation through time: what it does and how to
    do it. Proceedings of the IEEE 78(10).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_simplernn import SimpleRNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(n) for n in rng.randint(5, 20, size=100)]  # ragged
    >>> y = np.array([x.sum() for x in X])
    >>> model = SimpleRNNRegressor(n_hidden=8, random_state=0).fit(X, y)
    >>> model.predict([np.ones(3), np.ones(30)]).shape
    (2,)
    """

    _parameter_constraints = {
        **BaseSimpleRNN._parameter_constraints,
        "output_activation": [StrOptions(set(OUTPUT_ACTIVATIONS))],
    }
    _y_numeric = True

    def __init__(
        self,
        n_hidden=32,
        *,
        activation="tanh",
        output_activation="identity",
        solver="lbfgs",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
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
        super().__init__(
            n_hidden=n_hidden, activation=activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            clip_norm=clip_norm, clip_value=clip_value, track_gradients=track_gradients,
        )
        self.output_activation = output_activation

    # -- hooks of BaseSimpleRNN -------------------------------------------

    def _make_loss(self):
        return SquaredLoss(self.output_activation)

    def _prepare_y(self, y, dtype, reset):
        y = np.asarray(y, dtype=dtype)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _validation_score(self, y_true, raw, sample_weight):
        return r2_score(y_true, raw, sample_weight=sample_weight)

    # -- public API --------------------------------------------------------

    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, \
n_timesteps, n_step_features), list of array-like, or DataFrame
            The sequences, oldest step first (see Notes for the forms).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights w_i of the objective (all 1 when None).

        Returns
        -------
        self : SimpleRNNRegressor
            The fitted estimator.
        """
        self._validate_params()
        with self._unchanged_on_error():
            seqs, y_checked, sw = self._validate_fit_data(X, y, sample_weight, reset=True)
            return self._fit(seqs, y_checked, sw, incremental=False, raw=(X, y, sample_weight))

    @available_if(_incremental_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """One pass of the 'gd', 'sgd' or 'adam' solver over the given sequences.

        The first call initialises the weights; later calls continue from them
        with the optimizer's state (momentum, Adam moments) carried over.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            The sequences, in any form ``fit`` accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : SimpleRNNRegressor
        """
        return self._partial_fit(X, y, sample_weight)

    def predict(self, X):
        """Predict from the last hidden state of each sequence.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts, with ``n_step_features_``
            features per step; lengths need not match those seen in fit.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        raw = self._predict_raw(X)
        return raw.ravel() if raw.shape[1] == 1 else raw

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
