"""SimpleRNNRegressor: the scikit-learn face of the Elman network."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from ._activations import OUTPUT_ACTIVATIONS
from ._base import BaseSimpleRNN, _fill_doc, _incremental_solver, with_callbacks
from ._losses import SquaredLoss


@_fill_doc
class SimpleRNNRegressor(RegressorMixin, BaseSimpleRNN):
    """Simple (Elman) recurrent neural network regressor for sequences.

    Reads each sequence oldest step first through one recurrent layer of
    ``n_hidden`` units (or a stack of layers, optionally bidirectional) and
    predicts from the last hidden state, or from its mean or maximum over the
    steps. Sequences may have different lengths.

    Parameters
    ----------
    n_hidden : int or tuple of int, default=16
        Number of hidden units H, or a tuple with the units of each
        recurrent layer: layer k reads the hidden states of layer k - 1, as
        in ``torch.nn.RNN(num_layers=K)``. The defaults (16 units, L-BFGS, alpha=10)
        were chosen on real data by ``benchmarks/accuracy_study.py``, and
        L-BFGS's stopping rule by ``benchmarks/stopping_study.py``; see the
        user guide.
    activation : {'tanh', 'relu', 'logistic', 'identity'}, default='tanh'
        Hidden activation f.
    bidirectional : bool, default=False
        Every layer also runs backward over each sequence, starting at that
        sequence's own last step, and outputs [forward a_t, backward a_t]
        (2H values per step), as PyTorch's ``nn.RNN(bidirectional=True)``.
    readout : {'last', 'mean', 'max'}, default='last'
        What the output layer reads from the top layer: its last state
        (with ``bidirectional``, the forward state at the last step and the
        backward state at the first, both having read the whole sequence),
        or the mean or maximum of its states over the steps of each
        sequence. Pooling suits tasks whose evidence is spread over the
        sequence (speech, gestures) rather than at its end.
    output_activation : {'identity', 'tanh', 'logistic'}, default='identity'
        Output activation g.
    alpha : float, default=10.0
        L2 penalty on W_ax, W_aa (of every layer) and W_ya (not the biases), divided by the
        total sample weight in J (see Notes), so its effect fades as the
        training set grows. The default keeps small noisy training sets
        from fitting noise (the fit falls back towards the mean of y when
        there is nothing to learn); on large or clean data sets a smaller
        value (0.01-1) fits closer, found by e.g. ``GridSearchCV``.
    %(training_parameters)s

    Attributes
    ----------
    %(fitted_attributes)s

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The feed-forward network on fixed windows.

    Notes
    -----
    X forms: a 2-D array (n_samples, n_timesteps) is one univariate sequence per
    row, oldest column first; a 3-D array is (n_samples, n_timesteps,
    n_step_features), channels last (the numpy collections of aeon and sktime
    are channels first, (n_samples, n_channels, n_timesteps): pass
    ``np.swapaxes(X, 1, 2)``); a list of arrays of shapes (T_i,) or (T_i,
    n_step_features) holds sequences of different lengths; a long-format
    DataFrame, indexed by (sequence id, time) with one column per step
    feature, is read as such a list: sequences in order of first appearance
    of their ids in X, steps sorted by time.

    With a long DataFrame X, a pandas y or sample_weight indexed by the
    sequence ids is aligned with X by id; one with a default RangeIndex
    (0 .. n-1) is read by position, in that order of first appearance, as an
    array is; any other index raises an error naming the missing and extra
    ids. Its column names are checked at predict as scikit-learn checks those
    of a 2-D DataFrame (``step_feature_names_in_``). ``fit`` warns when a 3-D
    X has more than ten times as many features as steps (channels first?),
    and when every sequence has a single step (a column of one series: cut
    it into windows with ``preprocessing.make_windows``).

    With a_0 = 0 and row vectors, for t = 1 .. T_i::

        a_t = f(x_t W_ax + a_{t-1} W_aa + b_a),    O_i = g(a_T W_ya + b_y)

    and the weights minimise, with sample weights w_i (1 by default)::

        J = sum_i w_i 0.5 ||y_i - O_i||^2 / sum_i w_i
            + 0.5 alpha (||W_ax||^2 + ||W_aa||^2 + ||W_ya||^2) / sum_i w_i

    summed over outputs. The gradient is computed exactly by backpropagation
    through time. ``predict`` applies exactly this recurrence: scale X and y
    outside the estimator (``SequenceScaler``, ``TransformedTargetRegressor``).

    The result of a fit is deterministic for a fixed ``random_state``. The
    full-batch solvers (the scipy methods and 'gd') evaluate J over the
    training set in a canonical order, so their result does not depend on the
    order of the training sequences, and a sample weight of k is exactly k
    copies of the sequence. 'sgd' and 'adam' match that only when all the
    samples fit in one batch; shuffled mini-batches do not.

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
    >>> y = np.array([x[-3:].mean() for x in X])  # the mean of the last 3 steps
    >>> model = SimpleRNNRegressor(n_hidden=8, random_state=0).fit(X, y)
    >>> model.predict([np.ones(3), np.ones(30)]).round(1)  # about 1: shrunk by alpha=10
    array([0.7, 0.9])
    """

    _parameter_constraints = {
        **BaseSimpleRNN._parameter_constraints,
        "output_activation": [StrOptions(set(OUTPUT_ACTIVATIONS))],
    }
    _y_numeric = True

    def __init__(
        self,
        n_hidden=16,
        *,
        activation="tanh",
        bidirectional=False,
        readout="last",
        output_activation="identity",
        solver="lbfgs",
        alpha=10.0,
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
        super().__init__(
            n_hidden=n_hidden, activation=activation, bidirectional=bidirectional,
            readout=readout, solver=solver, alpha=alpha,
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

    def _prepare_y(self, y, dtype, reset, classes=None):
        y = np.asarray(y, dtype=dtype)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _validation_score(self, y_true, y_pred, sample_weight):
        return r2_score(y_true, y_pred, sample_weight=sample_weight)

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
            Targets, in the order of the sequences of X (for a long DataFrame
            X, see Notes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights w_i of the objective (all 1 when None).

        Returns
        -------
        self : SimpleRNNRegressor
            The fitted estimator.
        """
        return self._fit_estimator(X, y, sample_weight)

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
        raw = self._make_loss().predict(self._predict_logits(X))
        return raw.ravel() if raw.shape[1] == 1 else raw

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of the predictions.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets; aligned with a long DataFrame X as in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
            R^2 of ``self.predict(X)`` against y (``sklearn.metrics.r2_score``).
        """
        y, sample_weight = self._align_targets(X, y, sample_weight)
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
