"""Sequence-aware preprocessing: scaling of per-step features and windowing of series.

- :class:`SequenceScaler` standardises each per-step feature over all time
  steps of all training sequences. It accepts every form of X that
  :class:`~sklearn_simplernn.SimpleRNNRegressor` accepts and returns the same
  form, so it is the step to put in front of the network in a Pipeline
  (scikit-learn's own scalers reject ragged and 3-D X).
- :func:`make_windows` cuts a series indexed by time (daily prices, say) into
  input windows X and h-step-ahead targets y, and returns them as
  :class:`Windows`, which keeps the date of each target and maps predictions
  back to price level.

Targets are scaled with scikit-learn's own tools: wrap the network in
:class:`~sklearn.compose.TransformedTargetRegressor`, whose transformer only
ever sees y, so it works with every form of X.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn import get_config
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._sequences import _is_long_dataframe, validate_sequences

__all__ = ["SequenceScaler", "Windows", "make_windows"]


# ---------------------------------------------------------------------------
# Scaling


class SequenceScaler(
    OneToOneFeatureMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Scale each per-step feature with statistics over all steps of all sequences.

    Feature k of every time step of every sequence is mapped to
    ``(x - center_[k]) / scale_[k]``, where the center and scale are the mean
    and standard deviation (``method='standard'``) or the median and
    interquartile range (``method='robust'``) of feature k over every step of
    every training sequence. Each sequence thus keeps its length and its
    shape; only the values change.

    X may take any form :class:`~sklearn_simplernn.SimpleRNNRegressor`
    accepts, and ``transform`` returns the same form: a 2-D array stays 2-D
    (a DataFrame with ``set_output(transform='pandas')``), a 3-D array stays
    3-D, a ragged list of sequences becomes a list of arrays of the shapes
    given (1-D items stay 1-D), and a long DataFrame indexed by (sequence id,
    time) comes back as a DataFrame with the same index and columns. A
    rectangular list of lists of numbers is a 2-D array, as everywhere in
    scikit-learn. The input is never modified.

    Parameters
    ----------
    method : {'standard', 'robust'}, default='standard'
        'standard' centres on the mean and divides by the standard deviation
        (as :class:`~sklearn.preprocessing.StandardScaler`); 'robust' centres
        on the median and divides by the interquartile range (as
        :class:`~sklearn.preprocessing.RobustScaler`), which outliers such as
        market crashes move far less.
    with_mean : bool, default=True
        Centre the data (on the mean, or the median when ``method='robust'``).
    with_std : bool, default=True
        Scale the data (by the standard deviation, or the interquartile range
        when ``method='robust'``).
    quantile_range : tuple (q_min, q_max), default=(25.0, 75.0)
        Percentiles, 0 <= q_min < q_max <= 100, whose difference is the scale
        of ``method='robust'``.

    Attributes
    ----------
    center_ : ndarray of shape (n_step_features_,) or None
        Subtracted from each step feature; None when ``with_mean=False``.
    scale_ : ndarray of shape (n_step_features_,) or None
        Divides each step feature; 1 for a feature that is constant (or,
        'robust', has a zero interquartile range). None when
        ``with_std=False``.
    n_step_features_ : int
        Features per time step (1 for 2-D X).
    n_features_in_ : int
        Time steps of 2-D X (only when fitted on a 2-D array).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a 2-D DataFrame X (only then).

    See Also
    --------
    sklearn.preprocessing.StandardScaler : Per-column scaling of 2-D X.
    sklearn.compose.TransformedTargetRegressor : Scaling of the target y.

    Notes
    -----
    On 2-D X, each row is one univariate sequence: all its columns are steps
    of the same feature and share one center and scale. This differs from
    ``StandardScaler``, which would scale each time step (column) on its own
    and so break the stationarity the recurrence assumes.

    ``set_output(transform='pandas')`` applies to 2-D X only: the other
    forms have no fixed columns, and are returned in their own form.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_simplernn.preprocessing import SequenceScaler
    >>> X = [np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])]  # ragged
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.center_, scaler.scale_.round(4)
    (array([3.]), array([1.4142]))
    >>> [x.round(3) for x in scaler.transform(X)]
    [array([-1.414, -0.707,  0.   ]), array([0.707, 1.414])]
    >>> np.allclose(scaler.inverse_transform(scaler.transform(X))[1], X[1])
    True
    """

    _parameter_constraints = {
        "method": [StrOptions({"standard", "robust"})],
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "quantile_range": [tuple],
    }

    def __init__(self, *, method="standard", with_mean=True, with_std=True,
                 quantile_range=(25.0, 75.0)):
        self.method = method
        self.with_mean = with_mean
        self.with_std = with_std
        self.quantile_range = quantile_range

    def fit(self, X, y=None):
        """Compute each step feature's center and scale over all steps of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, \
n_timesteps, n_step_features), list of array-like, or DataFrame
            The sequences, in any form ``SimpleRNNRegressor`` accepts.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
            The fitted scaler.
        """
        self._validate_params()
        q_min, q_max = self.quantile_range
        if not 0 <= q_min < q_max <= 100:
            raise ValueError(
                f"quantile_range must satisfy 0 <= q_min < q_max <= 100; got "
                f"{self.quantile_range}."
            )
        seqs = validate_sequences(self, X, reset=True)
        data = seqs.data.astype(np.float64, copy=False)
        if self.method == "standard":
            center = data.mean(axis=0)
            scale = data.std(axis=0)
        else:
            low, center, high = np.percentile(data, [q_min, 50.0, q_max], axis=0)
            scale = high - low
        # A feature with a single value (or, robust, no spread between the
        # quantiles) is centred but left unscaled.
        scale[(scale == 0) | (np.ptp(data, axis=0) == 0)] = 1.0
        self.center_ = center if self.with_mean else None
        self.scale_ = scale if self.with_std else None
        self.n_step_features_ = seqs.n_step_features
        return self

    def transform(self, X):
        """Scale X, returned in the form it was given.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts, with ``n_step_features_``
            features per step; lengths need not match those seen in fit.

        Returns
        -------
        X_scaled : ndarray, DataFrame, or list of ndarray
            The same form and shapes as X: (n_samples, n_timesteps) for 2-D
            X, (n_samples, n_timesteps, n_step_features) for 3-D X, a list of
            (T_i,) or (T_i, n_step_features) arrays for a list, a DataFrame
            with X's index and columns for a long DataFrame.
        """
        return self._map_steps(X, self._scale)

    def inverse_transform(self, X):
        """Undo the scaling: ``x * scale_ + center_``, in the form X was given.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Scaled sequences, in any form ``fit`` accepts.

        Returns
        -------
        X_original : ndarray, DataFrame, or list of ndarray
            The same form and shapes as X.
        """
        return self._map_steps(X, self._unscale)

    def set_output(self, *, transform=None):
        """Set the container of 2-D outputs.

        Parameters
        ----------
        transform : {'default', 'pandas'}, default=None
            'pandas' returns a DataFrame for 2-D X (with X's index when X is a
            DataFrame); 'default' an ndarray; None leaves the setting as it
            is. The other forms of X are always returned in their own form.

        Returns
        -------
        self : SequenceScaler
        """
        if transform is None:
            return self
        if transform not in ("default", "pandas"):
            raise ValueError(
                f"SequenceScaler.set_output supports transform='default' or 'pandas'; "
                f"got {transform!r}."
            )
        # The attribute scikit-learn's clone() copies to the clone.
        self._sklearn_output_config = {"transform": transform}
        return self

    def get_feature_names_out(self, input_features=None):
        """Output column names for 2-D X: the input column names.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            As in :class:`~sklearn.preprocessing.StandardScaler`.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        if not hasattr(self, "n_features_in_"):
            raise AttributeError(
                "get_feature_names_out is defined after a fit on 2-D X only; this "
                "SequenceScaler was fitted on 3-D, ragged or long-format X, whose "
                "outputs have no fixed columns."
            )
        return super().get_feature_names_out(input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- helpers ------------------------------------------------------------

    def _scale(self, data):
        out = np.array(data, copy=True)
        if self.center_ is not None:
            out -= self.center_.astype(out.dtype)
        if self.scale_ is not None:
            out /= self.scale_.astype(out.dtype)
        return out

    def _unscale(self, data):
        out = np.array(data, copy=True)
        if self.scale_ is not None:
            out *= self.scale_.astype(out.dtype)
        if self.center_ is not None:
            out += self.center_.astype(out.dtype)
        return out

    def _map_steps(self, X, func):
        """Apply ``func`` to the (total_steps, n_step_features) data; restore X's form."""
        check_is_fitted(self)
        seqs = validate_sequences(self, X, reset=False)
        if seqs.n_step_features != self.n_step_features_:
            raise ValueError(
                f"X has {seqs.n_step_features} feature(s) per time step, but "
                f"SequenceScaler was fitted with {self.n_step_features_}."
            )
        if _is_long_dataframe(X):
            # The map is elementwise, so X's own row order can be kept as is.
            values = func(X.to_numpy(dtype=seqs.dtype))
            return pd.DataFrame(values, index=X.index, columns=X.columns)
        data = func(seqs.data)
        if seqs.form == "2d":
            return self._wrap_2d(data.reshape(len(seqs), -1), X)
        if seqs.form == "3d":
            return data.reshape(len(seqs), -1, seqs.n_step_features)
        return [
            data[start : start + length].reshape(np.shape(item))
            for start, length, item in zip(seqs.starts, seqs.lengths, X)
        ]

    def _wrap_2d(self, out, X):
        config = getattr(self, "_sklearn_output_config", {}).get("transform")
        if (config or get_config()["transform_output"]) != "pandas":
            return out
        columns = self.get_feature_names_out() if hasattr(self, "n_features_in_") else None
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(out, index=index, columns=columns)


# ---------------------------------------------------------------------------
# Windowing
#
# For each transform: y = forward(p_from, p_to), the change from one price to
# a later one, and p_to = inverse(p_from, y). The input steps are the one-step
# changes forward(p_{t-1}, p_t); the target at origin t is the h-step change
# forward(p_t, p_{t+h}), so that inverse(p_t, prediction) is a price forecast
# made with nothing later than t.

_TRANSFORMS = {
    None: (lambda a, b: b, lambda a, y: y),
    "diff": (lambda a, b: b - a, lambda a, y: a + y),
    "log_return": (lambda a, b: np.log(b) - np.log(a), lambda a, y: a * np.exp(y)),
    "pct_change": (lambda a, b: b / a - 1.0, lambda a, y: a * (1.0 + y)),
}


class Windows:
    """Input windows and h-step-ahead targets cut from one series.

    Made by :func:`make_windows`; read its attributes and pass ``X`` and
    ``y`` to an estimator. Indexing with a slice or an integer array (e.g.
    ``windows[:800]``) selects windows, in time order, for a train/test split.

    Attributes
    ----------
    X : ndarray of shape (n_windows, lookback) or (n_windows, lookback, \
n_columns), or list of ndarray
        The inputs, oldest step first: 2-D for a Series, 3-D for a DataFrame,
        or a list of (T_i,) / (T_i, n_columns) arrays when ragged.
    y : ndarray of shape (n_windows,)
        The targets.
    index : pandas.Index of length n_windows
        The time of each target (the forecast date).
    origins : pandas.Index of length n_windows
        The time of the last step of each window (the forecast origin).
    origin_level : ndarray of shape (n_windows,)
        The target column's level at each origin, from which predicted
        changes are turned back into levels.
    transform : {None, 'diff', 'log_return', 'pct_change'}
    horizon : int
    name : hashable
        The target's name (the Series name or the target column).
    """

    def __init__(self, X, y, index, origins, origin_level, transform, horizon, name):
        self.X = X
        self.y = y
        self.index = index
        self.origins = origins
        self.origin_level = origin_level
        self.transform = transform
        self.horizon = horizon
        self.name = name

    def __len__(self):
        return len(self.y)

    def __getitem__(self, key):
        rows = np.arange(len(self))[key]
        if np.ndim(rows) != 1:
            raise TypeError("Index Windows with a slice or a 1-D array of positions.")
        X = [self.X[i] for i in rows] if isinstance(self.X, list) else self.X[rows]
        return Windows(X, self.y[rows], self.index[rows], self.origins[rows],
                       self.origin_level[rows], self.transform, self.horizon, self.name)

    def __repr__(self):
        form = "ragged" if isinstance(self.X, list) else f"{np.ndim(self.X)}d"
        span = f", targets {self.index[0]} .. {self.index[-1]}" if len(self) else ""
        return (f"Windows(n={len(self)}, form={form!r}, transform={self.transform!r}, "
                f"horizon={self.horizon}{span})")

    def to_level(self, y_pred):
        """Turn predicted targets into predicted levels at the target dates.

        Parameters
        ----------
        y_pred : array-like of shape (n_windows,)
            Predictions of ``y`` (e.g. predicted log returns).

        Returns
        -------
        level : pandas.Series of shape (n_windows,)
            Indexed by ``index``: the level implied by each prediction and
            the level at its origin (e.g. ``origin_level * exp(y_pred)`` for
            log returns). ``to_level(y)`` gives the actual levels.
        """
        y_pred = np.asarray(y_pred, dtype=np.float64)
        if y_pred.shape != self.y.shape:
            raise ValueError(
                f"y_pred has shape {y_pred.shape}; {len(self)} windows need shape "
                f"{self.y.shape}."
            )
        inverse = _TRANSFORMS[self.transform][1]
        return pd.Series(inverse(self.origin_level, y_pred), index=self.index, name=self.name)


def make_windows(series, lookback, *, horizon=1, transform=None, target=None,
                 min_lookback=None, random_lengths=False, random_state=None):
    """Cut a time-indexed series into input windows and h-step-ahead targets.

    With prices p_t and a transform, each input step is the one-step change
    z_t (e.g. log p_t - log p_{t-1} for ``'log_return'``) and the target of
    the window ending at origin t is the change from p_t to p_{t+h} (e.g.
    log p_{t+h} - log p_t). A window holds z up to and including its origin t
    and nothing later: no value at or after the target date enters its
    inputs. Every origin with enough history and a target inside the series
    gives one window.

    Parameters
    ----------
    series : pandas.Series or pandas.DataFrame
        Values indexed by time, oldest first (the index must be increasing
        and unique, the values finite). All columns of a DataFrame become
        per-step features.
    lookback : int
        Steps in each window; with ``min_lookback``, the longest window.
    horizon : int, default=1
        The target is h = ``horizon`` steps after the window's last step.
    transform : {None, 'diff', 'log_return', 'pct_change'}, default=None
        None keeps levels (the target is p_{t+h}); 'diff' uses differences,
        'log_return' log returns, 'pct_change' relative changes, for inputs
        and targets alike. 'log_return' and 'pct_change' need positive values.
    target : hashable, default=None
        The column of a DataFrame to predict; may be None for a Series or a
        single column.
    min_lookback : int, default=None
        None gives fixed windows of ``lookback`` steps: X is 2-D for a Series
        and 3-D for a DataFrame. An int gives ragged windows (X a list of
        arrays) from every origin with at least ``min_lookback`` steps of
        history, each holding all the history available up to ``lookback``
        steps.
    random_lengths : bool, default=False
        With ``min_lookback``: draw each window's length uniformly from
        ``min_lookback`` to the longest it can be, instead of taking the
        longest.
    random_state : int, RandomState instance or None, default=None
        Seeds the lengths drawn when ``random_lengths=True``.

    Returns
    -------
    windows : Windows
        ``windows.X`` and ``windows.y`` for fitting, ``windows.index`` for the
        target dates, and ``windows.to_level(y_pred)`` for predicted levels.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_simplernn.preprocessing import make_windows
    >>> prices = pd.Series([100.0, 101, 103, 102, 104, 107],
    ...                    index=pd.date_range("2024-01-01", periods=6), name="close")
    >>> w = make_windows(prices, lookback=3, transform="diff")
    >>> w.X
    array([[ 1.,  2., -1.],
           [ 2., -1.,  2.]])
    >>> w.y
    array([2., 3.])
    >>> w.to_level(w.y)
    2024-01-05    104.0
    2024-01-06    107.0
    Name: close, dtype: float64
    >>> ragged = make_windows(prices, lookback=3, min_lookback=1)
    >>> [x.tolist() for x in ragged.X]
    [[100.0], [100.0, 101.0], [100.0, 101.0, 103.0], [101.0, 103.0, 102.0], [103.0, 102.0, 104.0]]
    """
    values, index, column, name = _check_series(series, target)
    _check_window_params(lookback, horizon, transform, min_lookback, random_lengths)
    forward = _TRANSFORMS[transform][0]
    if transform in ("log_return", "pct_change") and not (values > 0).all():
        raise ValueError(f"transform={transform!r} needs positive values; the series has "
                         f"values <= 0.")
    # Input steps: z_t for t >= first (z_0 is undefined for a change).
    first = 0 if transform is None else 1
    steps = values if transform is None else forward(values[:-1], values[1:])
    shortest = lookback if min_lookback is None else min_lookback
    origins = np.arange(first + shortest - 1, len(values) - horizon)
    if len(origins) == 0:
        raise ValueError(
            f"The series has {len(values)} time steps; windows of {shortest} step(s) "
            f"with horizon={horizon} need at least {first + shortest + horizon}."
        )
    y = forward(values[origins, column], values[origins + horizon, column])
    # Row of z_t in ``steps`` is t - first.
    ends = origins - first + 1
    if min_lookback is None:
        X = np.lib.stride_tricks.sliding_window_view(steps, lookback, axis=0)[ends - lookback]
        # sliding_window_view puts the window axis last.
        X = np.ascontiguousarray(np.moveaxis(X, -1, 1))
        if isinstance(series, pd.Series):
            X = X[:, :, 0]
    else:
        lengths = np.minimum(ends, lookback)
        if random_lengths:
            rng = check_random_state(random_state)
            lengths = rng.randint(min_lookback, lengths + 1)
        column_axis = 0 if isinstance(series, pd.Series) else slice(None)
        X = [steps[end - n : end, column_axis].copy() for end, n in zip(ends, lengths)]
    return Windows(X, y, index[origins + horizon], index[origins], values[origins, column].copy(),
                   transform, horizon, name)


def _check_series(series, target):
    """Return (values (n, n_columns) float64, index, target column, target name)."""
    if isinstance(series, pd.Series):
        frame = series.to_frame()
        if target is not None and target != series.name:
            raise ValueError(f"target={target!r} is not the name of the Series ({series.name!r}).")
    elif isinstance(series, pd.DataFrame):
        frame = series
    else:
        raise TypeError(
            f"series must be a pandas Series or DataFrame indexed by time; got "
            f"{type(series).__name__}."
        )
    if frame.shape[1] == 0:
        raise ValueError("The DataFrame has no columns.")
    if target is None:
        if frame.shape[1] > 1:
            raise ValueError(
                f"The DataFrame has {frame.shape[1]} columns: name the one to predict "
                f"with target=..."
            )
        column = 0
    elif isinstance(series, pd.Series):
        column = 0
    elif target in frame.columns:
        column = frame.columns.get_loc(target)
    else:
        raise ValueError(f"target={target!r} is not a column of the DataFrame; columns are "
                         f"{list(frame.columns)}.")
    index = frame.index
    if not (index.is_monotonic_increasing and index.is_unique):
        raise ValueError(
            "The series' index must be increasing and unique, oldest first (windows are "
            "cut by position); sort it with series.sort_index() and drop duplicates."
        )
    try:
        values = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("The series must hold numbers.") from None
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        raise ValueError(
            f"The series holds NaN or infinity at {index[np.flatnonzero(bad)[0]]}; drop or "
            f"fill missing values first (e.g. series.dropna())."
        )
    name = series.name if isinstance(series, pd.Series) else frame.columns[column]
    return values, index, column, name


def _check_window_params(lookback, horizon, transform, min_lookback, random_lengths):
    for name, value in (("lookback", lookback), ("horizon", horizon)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an int >= 1; got {value!r}.")
    if transform not in _TRANSFORMS:
        raise ValueError(
            f"transform must be one of None, 'diff', 'log_return', 'pct_change'; got "
            f"{transform!r}."
        )
    if min_lookback is not None and (
        not isinstance(min_lookback, Integral) or isinstance(min_lookback, bool)
        or not 1 <= min_lookback <= lookback
    ):
        raise ValueError(
            f"min_lookback must be None or an int in [1, lookback={lookback}]; got "
            f"{min_lookback!r}."
        )
    if random_lengths and min_lookback is None:
        raise ValueError("random_lengths=True draws ragged lengths: set min_lookback too.")
