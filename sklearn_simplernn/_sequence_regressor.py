"""SimpleRNNSequenceRegressor: the same network with an output at every step."""

import numbers

import numpy as np
import pandas as pd
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._activations import OUTPUT_ACTIVATIONS
from ._base import BaseSimpleRNN, _fill_doc, _incremental_solver, with_callbacks
from ._losses import SquaredLoss
from ._sequences import (
    SequenceData,
    _is_long_dataframe,
    _long_dataframe,
    align_to_sequences,
    validate_sequences,
    warn_unlikely_layout,
)


@_fill_doc
class SimpleRNNSequenceRegressor(RegressorMixin, BaseSimpleRNN):
    """Simple (Elman) recurrent network with one prediction per time step.

    The recurrence of :class:`SimpleRNNRegressor` (stacked and bidirectional
    layers included), with the output layer applied to the hidden state of
    every step instead of the last one: O_t = g(a_t W_ya + b_y). It maps a
    sequence to a sequence of the same length (Keras' ``return_sequences``).
    A typical use is one-step-ahead forecasting trained on every step of a
    long series in one pass: X is the series and y the same series shifted
    one step ahead, instead of one window per target.

    Parameters
    ----------
    n_hidden : int or tuple of int, default=16
        Hidden units H of the recurrent layer, or of each layer (a tuple:
        layer k reads the hidden states of layer k - 1, as in
        ``torch.nn.RNN(num_layers=K)``).
    activation : {'tanh', 'relu', 'logistic', 'identity'}, default='tanh'
        Hidden activation f.
    bidirectional : bool, default=False
        Every layer also runs backward over each sequence (from its own last
        step) and outputs [forward a_t, backward a_t]. The output at step t
        then depends on the steps after t: right for labelling whole
        sequences, wrong for forecasting (it would read the future).
    output_activation : {'identity', 'tanh', 'logistic'}, default='identity'
        Output activation g.
    alpha : float, default=10.0
        L2 penalty on every W_ax, W_aa and W_ya (not the biases), divided by
        the total weight of the steps in J (see Notes): every step counts
        as a sample, so alpha acts as it does in :class:`SimpleRNNRegressor`
        with one sample per step, fading as the data grow.
    %(training_parameters)s

    Attributes
    ----------
    %(fitted_attributes)s

    See Also
    --------
    SimpleRNNRegressor : One prediction per sequence, from its last step or a pooled state.

    Notes
    -----
    X takes every form of :class:`SimpleRNNRegressor`. y holds one target
    row per step of each sequence (``y`` in the method signatures, as
    scikit-learn names it): a list with one array of shape (T_i,) or (T_i,
    n_outputs) per sequence, or, for sequences of equal length T, an array of
    shape (n_samples, T) or (n_samples, T, n_outputs). ``predict`` returns
    the same form: an array for 2-D and 3-D X ((n_samples, T), or
    (n_samples, T, n_outputs) with several outputs), a list of arrays for a
    list X. With a long DataFrame X (indexed by sequence id and time), y is a
    Series or DataFrame with the same index, read row for row with X whatever
    the row order, and ``predict`` returns one indexed as X.

    With a_0 = 0, row vectors, and the layers of :class:`SimpleRNNRegressor`,
    the outputs are O_it = g(a_it W_ya + b_y) for every step t = 1 .. T_i of
    every sequence i, and the weights minimise, with sample weights w_i (one
    per sequence, 1 by default)::

        J = sum_i w_i sum_t 0.5 ||y_it - O_it||^2 / sum_i w_i T_i
            + 0.5 alpha ||W||^2 / sum_i w_i T_i

    summed over outputs, where ||W||^2 is the sum of squares of every W_ax,
    W_aa and W_ya: the weighted mean loss per step. Every step is a sample,
    so a long sequence weighs in proportion to its number of steps, and the
    scale of J (and with it the meaning of ``tol`` and ``alpha``) does not
    grow with the length of the sequences. The gradient is exact
    backpropagation through time with an error injected at every step.

    ``score`` is R^2 over every step of every sequence (each step weighted by
    its sequence's weight), averaged uniformly over outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_simplernn import SimpleRNNSequenceRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(n) for n in rng.randint(5, 20, size=60)]  # ragged
    >>> def smoothed(x):  # an exponential moving average of x, and noise
    ...     return np.array([0.5 ** np.arange(t, -1, -1) @ x[: t + 1] for t in range(len(x))])
    >>> y = [smoothed(x) + 0.1 * rng.randn(len(x)) for x in X]
    >>> model = SimpleRNNSequenceRegressor(n_hidden=8, random_state=0).fit(X, y)
    >>> [y.shape for y in model.predict(X[:2])]
    [(17,), (10,)]
    >>> round(model.score(X, y), 2)
    0.99
    """

    _parameter_constraints = {
        key: value for key, value in BaseSimpleRNN._parameter_constraints.items()
        if key != "readout"
    }
    _parameter_constraints["output_activation"] = [StrOptions(set(OUTPUT_ACTIVATIONS))]
    _private_state = BaseSimpleRNN._private_state + ("_flat_steps",)
    _y_numeric = True

    def __init__(
        self,
        n_hidden=16,
        *,
        activation="tanh",
        bidirectional=False,
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
        self.n_hidden = n_hidden
        self.activation = activation
        self.bidirectional = bidirectional
        self.output_activation = output_activation
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

    # -- hooks of BaseSimpleRNN -------------------------------------------

    def _readout(self):
        return "step"

    def _make_loss(self):
        return SquaredLoss(self.output_activation)

    def _validate_fit_data(self, X, y, sample_weight, reset, classes=None):
        seqs = validate_sequences(self, X, reset=reset, step_feature_names=True)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None "
                f"(it needs one target per step of each sequence)."
            )
        Y, flat = step_targets(y, seqs, X)
        if reset:
            self._flat_steps = flat
        sample_weight = align_to_sequences(sample_weight, seqs.ids, "sample_weight")
        sample_weight = _check_sample_weight(sample_weight, seqs.lengths, dtype=seqs.dtype,
                                             ensure_non_negative=True)
        if not sample_weight.sum() > 0:
            raise ValueError("sample_weight must have a positive sum.")
        if reset:
            warn_unlikely_layout(seqs, X)
        return seqs, Y, sample_weight

    def _validation_score(self, y_true, y_pred, sample_weight):
        return r2_score(y_true.data, y_pred,
                        sample_weight=np.repeat(sample_weight, y_true.lengths))

    # -- public API --------------------------------------------------------

    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and per-step targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, \
n_timesteps, n_step_features), list of array-like, or DataFrame
            The sequences, oldest step first.
        y : list of array-like of shape (T_i,) or (T_i, n_outputs), or \
array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_outputs)
            One target (row) per step of each sequence, in the order of X's
            sequences.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights w_i, one per sequence (all 1 when None).

        Returns
        -------
        self : SimpleRNNSequenceRegressor
            The fitted estimator.
        """
        return self._fit_estimator(X, y, sample_weight)

    @available_if(_incremental_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """One pass of the 'gd', 'sgd' or 'adam' solver over the given sequences.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            The sequences, in any form ``fit`` accepts.
        y : list of array-like or array-like
            Per-step targets, as in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : SimpleRNNSequenceRegressor
        """
        return self._partial_fit(X, y, sample_weight)

    def predict(self, X):
        """Predict a target at every step of every sequence.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts, with ``n_step_features_``
            features per step.

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_timesteps[, n_outputs]), list of ndarray, \
Series or DataFrame
            An array for 2-D or 3-D X; a list of (T_i,) or (T_i, n_outputs)
            arrays for a list X; for a long DataFrame X, a Series (one output)
            or DataFrame indexed exactly as X, row for row. Without the
            outputs axis when y at fit had none.
        """
        raw, seqs = self._predict_logits(X, return_sequences=True)
        raw = self._make_loss().predict(raw)
        if _is_long_dataframe(X):
            out = np.empty_like(raw)
            out[_rows_of_long_dataframe(X)] = raw
            if self._flat_steps:
                return pd.Series(out[:, 0], index=X.index)
            return pd.DataFrame(out, index=X.index)
        if self._flat_steps:
            raw = raw[:, 0]
        if seqs.form in ("2d", "3d"):
            n = len(seqs)
            return raw.reshape((n, -1) + raw.shape[1:])
        return np.split(raw, seqs.starts[1:])

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions over every step of every sequence.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts.
        y : list of array-like or array-like
            True per-step targets, as in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            One weight per sequence, applied to each of its steps.

        Returns
        -------
        score : float
            ``sklearn.metrics.r2_score`` over all steps, outputs averaged uniformly.
        """
        check_is_fitted(self)
        raw, seqs = self._predict_logits(X, return_sequences=True)
        raw = self._make_loss().predict(raw)
        Y, _ = step_targets(y, seqs, X)
        if Y.data.shape[1] != raw.shape[1]:
            raise ValueError(
                f"y has {Y.data.shape[1]} output(s) per step, but {type(self).__name__} was "
                f"fitted with {raw.shape[1]}."
            )
        weights = None
        if sample_weight is not None:
            sample_weight = align_to_sequences(sample_weight, seqs.ids, "sample_weight")
            sample_weight = _check_sample_weight(sample_weight, seqs.lengths)
            weights = np.repeat(sample_weight, seqs.lengths)
        return r2_score(Y.data, raw, sample_weight=weights)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


def step_targets(Y, seqs, X=None):
    """Per-step targets as a SequenceData laid out as ``seqs``, and whether they had no outputs axis.

    With a long DataFrame X, a pandas Y indexed like X (by sequence id and
    time) is read row for row with X. Raises a ValueError naming the sequence
    whose targets do not match its number of steps, or the step holding a
    missing or infinite target.
    """
    n = len(seqs)
    dtype = seqs.dtype
    if _is_long_dataframe(X) and getattr(getattr(Y, "index", None), "nlevels", 1) == 2:
        return _long_targets(Y, X, dtype)
    if isinstance(Y, pd.DataFrame):
        Y = Y.to_numpy()
    if isinstance(Y, np.ndarray) and Y.dtype != object:
        if Y.ndim not in (2, 3):
            raise ValueError(
                f"y must hold one target per step of each sequence: a list with one (T_i,) "
                f"or (T_i, n_outputs) array per sequence, or an array of shape (n_samples, "
                f"n_timesteps[, n_outputs]); got an array of shape {Y.shape}. (For one "
                f"target per sequence, use SimpleRNNRegressor.)"
            )
        items = list(Y)
    elif isinstance(Y, (list, tuple, pd.Series)) or (isinstance(Y, np.ndarray) and Y.dtype == object):
        items = list(Y)
    else:
        raise TypeError(
            f"y must be a list of per-step target arrays or an array of shape (n_samples, "
            f"n_timesteps[, n_outputs]), not {type(Y).__name__}."
        )
    if len(items) != n:
        raise ValueError(f"X holds {n} sequences but y holds targets for {len(items)}.")
    arrays, flat = [], None
    for i, item in enumerate(items):
        if isinstance(item, numbers.Number):
            raise ValueError(
                f"y[{i}] is a single number: y needs one target per step of each sequence "
                f"(for one target per sequence, use SimpleRNNRegressor)."
            )
        try:
            a = np.asarray(item, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"y[{i}] is not numeric: {exc}") from None
        if a.ndim not in (1, 2):
            raise ValueError(f"y[{i}] has shape {a.shape}; expected (T_i,) or (T_i, n_outputs).")
        if flat is None:
            flat = a.ndim == 1
        a = a.reshape(len(a), -1)
        if len(a) != seqs.lengths[i]:
            raise ValueError(
                f"y[{i}] has {len(a)} steps but sequence {i} of X has {seqs.lengths[i]}: "
                f"each sequence needs exactly one target per step."
            )
        if arrays and a.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"y[{i}] has {a.shape[1]} output(s) per step but y[0] has "
                f"{arrays[0].shape[1]}: every sequence needs the same number of outputs."
            )
        arrays.append(a)
    data = np.ascontiguousarray(np.concatenate(arrays)) if arrays else np.empty((0, 1), dtype)
    if not np.isfinite(data).all():
        row = int(np.flatnonzero(~np.isfinite(data).all(axis=1))[0])
        i = int(np.searchsorted(seqs.starts, row, side="right") - 1)
        raise ValueError(
            f"y contains NaN or infinity: sequence {i}, step {row - seqs.starts[i]}. "
            f"Per-step targets must be finite (drop or impute them first)."
        )
    return SequenceData(data, seqs.lengths, seqs.form), bool(flat)





def _long_targets(Y, X, dtype):
    """Targets indexed by (sequence id, time), ordered as the sequences of the long DataFrame X."""
    flat = isinstance(Y, pd.Series)
    frame = Y.to_frame() if flat else Y
    missing = X.index.difference(frame.index)
    extra = frame.index.difference(X.index)
    if len(missing) or len(extra) or frame.index.has_duplicates:
        raise ValueError(
            "y must have exactly one row per (sequence id, time) row of X"
            + (f"; missing for {list(missing[:3])}" if len(missing) else "")
            + (f"; not in X: {list(extra[:3])}" if len(extra) else "")
            + ("; some pairs appear twice" if frame.index.has_duplicates else "") + "."
        )
    frame = frame.reindex(X.index)
    try:
        return _long_dataframe(frame.astype(dtype), dtype), flat
    except ValueError as exc:
        raise ValueError(f"y: {exc}") from None


def _rows_of_long_dataframe(X):
    """Position in X of each step of the sequences read from X (sequence by sequence, time order)."""
    rows = pd.DataFrame({"row": np.arange(len(X), dtype=np.float64)}, index=X.index)
    return _long_dataframe(rows, np.float64).data[:, 0].astype(np.intp)
