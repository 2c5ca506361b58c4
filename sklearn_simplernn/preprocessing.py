"""Sequence-aware preprocessing: transformers for every form of X, and windowing of series.

The transformers accept every form of X that
:class:`~sklearn_simplernn.SimpleRNNRegressor` accepts (2-D, 3-D, a ragged
list, a long DataFrame) and return the same form, so they are the steps to
put in front of the network in a Pipeline; scikit-learn's own transformers
reject ragged and 3-D X. Each works on every sequence on its own, in time.

- :class:`SequenceScaler` standardises each per-step feature over all time
  steps of all training sequences.
- :class:`SequenceImputer` fills missing values (NaN) inside each sequence,
  from that sequence's own values.
- :class:`SequenceDifferencer` turns levels into changes (x_t - x_{t-1})
  within each sequence.
- :class:`SequenceReverser` reverses the time order of each sequence, for
  lag tables whose columns are newest first.
- :func:`to_channels_last` converts the channels-first arrays of aeon and
  sktime, (n_cases, n_channels, n_timesteps), to the (n, T, features) layout
  read here.
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
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._sequences import (
    SequenceData,
    _is_long_dataframe,
    check_step_features,
    split_long_dataframe,
    validate_sequences,
)

__all__ = [
    "SequenceDifferencer",
    "SequenceImputer",
    "SequenceReverser",
    "SequenceScaler",
    "Windows",
    "from_long_dataframe",
    "make_windows",
    "to_channels_last",
]


# ---------------------------------------------------------------------------
# Shared by the sequence transformers
#
# Every transformer validates X into a SequenceData (the steps of all
# sequences end to end), computes on that (total_steps, n_step_features)
# array, and puts the result back into X's form with _SequenceTransformer._in_form.


class _SequenceTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """X in any form in, the same form out; pandas output for 2-D X."""

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
        self : estimator instance
            This transformer.
        """
        if transform is None:
            return self
        if transform not in ("default", "pandas"):
            raise ValueError(
                f"{type(self).__name__}.set_output supports transform='default' or "
                f"'pandas'; got {transform!r}."
            )
        # The attribute scikit-learn's clone() copies to the clone.
        self._sklearn_output_config = {"transform": transform}
        return self

    def get_feature_names_out(self, input_features=None):
        """Output column names for 2-D X.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            The input column names; None uses ``feature_names_in_`` (or
            ``x0, x1, ...`` when X had no column names).

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column.
        """
        check_is_fitted(self, "n_step_features_")
        if not hasattr(self, "n_features_in_"):
            raise AttributeError(
                f"get_feature_names_out is defined after a fit on 2-D X only; this "
                f"{type(self).__name__} was fitted on 3-D, ragged or long-format X, whose "
                f"outputs have no fixed columns."
            )
        return self._names_out(OneToOneFeatureMixin.get_feature_names_out(self, input_features))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _names_out(self, names):
        """The output column names of 2-D X whose columns are ``names``."""
        return names

    def _sequences(self, X, *, reset, allow_nan=False, check_names=True):
        """Validate X; return its SequenceData and, for a long DataFrame, its row order.

        The second value is None, or for a long DataFrame the position in X
        of each row of ``data`` (which holds the sequences one after the
        other, each in time order). With ``allow_nan``, NaN is kept in
        ``data`` (infinity is still refused). With ``check_names=False``, a
        2-D X is checked for its width only, not its column names.
        """
        self._validate_params()
        estimator = self if check_names else None
        # The step features of a long DataFrame are named: reordered or renamed
        # columns at transform are refused, as the estimators refuse them
        # (stateless transformers used without fit have nothing to compare).
        names = estimator is not None and (reset or hasattr(self, "n_step_features_"))
        if allow_nan:
            seqs = _validate_allowing_nan(estimator, X, reset=reset, step_feature_names=names)
        else:
            seqs = validate_sequences(estimator, X, reset=reset, step_feature_names=names)
        if not check_names and seqs.form == "2d" and hasattr(self, "n_features_in_"):
            if seqs.lengths[0] != self.n_features_in_:
                raise ValueError(
                    f"X has {seqs.lengths[0]} features, but {type(self).__name__} is "
                    f"expecting {self.n_features_in_} features as input."
                )
        if not reset and hasattr(self, "n_step_features_"):
            check_step_features(self, seqs)
        if not _is_long_dataframe(X):
            return seqs, None
        rows = _long_rows(X)
        data = X.to_numpy(dtype=seqs.dtype, na_value=np.nan)[rows]
        return SequenceData(np.ascontiguousarray(data), seqs.lengths, seqs.form), rows

    def _in_form(self, X, seqs, out, lengths, *, rows=None, kept=None, columns=None,
                 names=None):
        """Return ``out`` in the form of X.

        ``out`` (sum(lengths), n_out) holds output sequences of ``lengths``
        end to end, one per sequence of ``seqs``. For a long DataFrame,
        ``rows`` comes from ``_sequences``, ``kept`` (a mask over the rows of
        ``seqs.data``, or None for all) says which input steps the output
        steps stand at, and ``columns`` names the output columns (X's by
        default); the output keeps X's row order. ``names`` are the output
        column names of 2-D X, used for pandas output.
        """
        n_out = out.shape[1]
        if rows is not None:
            positions = rows if kept is None else rows[kept]
            back = np.argsort(positions)
            return pd.DataFrame(out[back], index=X.index[positions[back]],
                                columns=X.columns if columns is None else columns)
        if seqs.form in ("2d", "3d"):
            if seqs.form == "2d" and n_out == 1:
                return self._wrap_2d(out.reshape(len(seqs), -1), X, names)
            return out.reshape(len(seqs), -1, n_out)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        items = list(X) if isinstance(X, pd.Series) else X
        return [
            out[start : start + length].reshape(
                (length,) if n_out == 1 and np.ndim(item) == 1 else (length, n_out))
            for start, length, item in zip(starts, lengths, items)
        ]

    def _input_names(self, X, n_columns):
        """The column names of 2-D X: as fitted, X's own, or x0, x1, ..."""
        if hasattr(self, "n_features_in_"):
            return OneToOneFeatureMixin.get_feature_names_out(self)
        columns = getattr(X, "columns", None)
        if columns is not None and all(isinstance(c, str) for c in columns):
            return np.asarray(columns, dtype=object)
        return np.asarray([f"x{i}" for i in range(n_columns)], dtype=object)

    def _wrap_2d(self, out, X, names):
        config = getattr(self, "_sklearn_output_config", {}).get("transform")
        if (config or get_config()["transform_output"]) != "pandas":
            return out
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(out, index=index, columns=names)


def _positions(seqs):
    """Each row's step within its sequence (0 for the oldest)."""
    return np.arange(len(seqs.data)) - np.repeat(seqs.starts, seqs.lengths)


def _long_rows(X):
    """Positions of the rows of a long DataFrame, by sequence then time.

    Sequences come in order of first appearance in X, as in
    ``validate_sequences``, so that row r of its data is ``X.iloc[rows[r]]``.
    """
    by_time = X.index.get_level_values(1).argsort(kind="stable")
    codes = X.index.get_level_values(0).factorize(sort=False)[0]
    return by_time[np.argsort(codes[by_time], kind="stable")]


def _sequence_name(i, X):
    """'Sequence i' of error messages, with its id for a long DataFrame."""
    if _is_long_dataframe(X):
        return f"Sequence {i} (id {X.index.get_level_values(0).unique()[i]!r})"
    return f"Sequence {i}"


def _validate_allowing_nan(estimator, X, *, reset, step_feature_names=False):
    """``validate_sequences`` that keeps NaN in the data (it refuses them itself).

    X is validated with its NaN replaced by 0; when it held any, the same X
    with NaN replaced by 1 is validated too, and the steps where the two
    differ are exactly the NaN, put back in the data.
    """
    X0, found = _fill_nan(X, 0.0)
    seqs = validate_sequences(estimator, X0, reset=reset, step_feature_names=step_feature_names)
    if not found:
        return seqs
    other = validate_sequences(None, _fill_nan(X, 1.0)[0], reset=False)
    data = seqs.data.copy()
    data[seqs.data != other.data] = np.nan
    return SequenceData(data, seqs.lengths, seqs.form)


def _fill_nan(X, value):
    """X in its own form with every NaN replaced by ``value``; and whether it held any."""
    if isinstance(X, (pd.DataFrame, pd.Series)) and not (
        isinstance(X, pd.Series) and X.dtype == object
    ):
        found = bool(np.asarray(X.isna()).any())
        return (X.fillna(value) if found else X), found
    if isinstance(X, (float, np.floating)):
        return (type(X)(value), True) if np.isnan(X) else (X, False)
    if isinstance(X, (list, tuple)) and X and np.isscalar(X[0]):
        # A row of numbers (of a list of lists): checked at numpy's speed, and
        # kept a list, which is what makes a list of lists 2-D X.
        try:
            row = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            return X, False  # refused by the validation that follows
        if not np.isnan(row).any():
            return X, False
        return type(X)(np.where(np.isnan(row), value, row).tolist()), True
    if isinstance(X, (list, tuple, pd.Series)) or (
        isinstance(X, np.ndarray) and X.dtype == object
    ):
        filled = [_fill_nan(item, value) for item in X]
        if not any(found for _, found in filled):
            return X, False
        items = [item for item, _ in filled]
        return (type(X)(items) if isinstance(X, (list, tuple)) else items), True
    if isinstance(X, np.ndarray) or hasattr(X, "__array__"):
        arr = np.asarray(X)
        if arr.dtype.kind != "f" or not np.isnan(arr).any():
            return X, False
        out = arr.copy()
        out[np.isnan(out)] = value
        return out, True
    return X, False


# ---------------------------------------------------------------------------
# Scaling


class SequenceScaler(_SequenceTransformer, auto_wrap_output_keys=None):
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
    step_feature_names_in_ : ndarray of shape (n_step_features_,)
        Column names of a long-format DataFrame X, when all are strings
        (only then): ``transform`` refuses other or reordered columns.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : Per-column scaling of 2-D X.
    sklearn.compose.TransformedTargetRegressor : Scaling of the target y.
    SequenceImputer : Fill missing values inside each sequence.
    SequenceDifferencer : Changes instead of levels, within each sequence.
    SequenceReverser : Reverse the time order of each sequence.

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
        seqs = validate_sequences(self, X, reset=True, step_feature_names=True)
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
        seqs, rows = self._sequences(X, reset=False)
        names = self._input_names(X, seqs.lengths[0]) if seqs.form == "2d" else None
        return self._in_form(X, seqs, func(seqs.data), seqs.lengths, rows=rows, names=names)


# ---------------------------------------------------------------------------
# Time order


class SequenceReverser(_SequenceTransformer, auto_wrap_output_keys=None):
    """Reverse the time order of every sequence.

    Lag tables are often built newest first: skforecast, for one, names its
    columns ``lag_1, lag_2, ...`` with ``lag_1`` the most recent value. A
    recurrent network reads each sequence from its first step to its last and
    predicts from its final state, so it must read oldest first, with the
    newest value last. Put this transformer in front of the network to turn a
    newest-first table into an oldest-first one. It holds no state, is its
    own inverse, and never modifies its input.

    X may take any form :class:`~sklearn_simplernn.SimpleRNNRegressor`
    accepts, and ``transform`` returns the same form, each sequence reversed
    on its own:

    - 2-D X (one sequence per row): the columns in reverse order. With
      ``set_output(transform='pandas')`` the columns keep their names, in
      reverse order (``get_feature_names_out`` gives the same).
    - 3-D X: the time axis reversed.
    - A ragged list: each array reversed along its first axis, shapes kept.
    - A long DataFrame indexed by (sequence id, time): the index and row
      order of X are kept, and each sequence's values are reversed over its
      time labels, the k-th earliest time getting the values of the k-th
      latest. The time labels keep their meaning of "position in the
      sequence, read in ascending order", which is how the estimators read
      them; re-labelling time in descending order instead would give back
      the original sequences.

    Attributes
    ----------
    n_step_features_ : int
        Features per time step seen in fit (1 for 2-D X); ``transform`` then
        requires the same number. ``transform`` works without ``fit`` too.
    n_features_in_ : int
        Time steps of 2-D X (only when fitted on a 2-D array).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a 2-D DataFrame X (only then).

    See Also
    --------
    to_channels_last : Convert channels-first collections (aeon, sktime).
    SequenceScaler : Scale each per-step feature.
    SequenceDifferencer : Changes instead of levels, within each sequence.
    SequenceImputer : Fill missing values inside each sequence.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_simplernn.preprocessing import SequenceReverser
    >>> lags = pd.DataFrame({"lag_1": [3.0, 4.0], "lag_2": [2.0, 3.0],
    ...                      "lag_3": [1.0, 2.0]})  # newest first
    >>> reverser = SequenceReverser().set_output(transform="pandas")
    >>> reverser.fit_transform(lags)
       lag_3  lag_2  lag_1
    0    1.0    2.0    3.0
    1    2.0    3.0    4.0
    >>> SequenceReverser().transform([np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])])
    [array([3., 2., 1.]), array([5., 4.])]
    """

    _parameter_constraints = {}

    def __init__(self):
        pass

    def fit(self, X, y=None):
        """Check X and record its number of features per step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, \
n_timesteps, n_step_features), list of array-like, or DataFrame
            The sequences, in any form ``SimpleRNNRegressor`` accepts.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceReverser
            This transformer.
        """
        seqs, _ = self._sequences(X, reset=True)
        self.n_step_features_ = seqs.n_step_features
        return self

    def transform(self, X):
        """Reverse the time order of every sequence of X.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts.

        Returns
        -------
        X_reversed : ndarray, DataFrame, or list of ndarray
            The same form and shapes as X, each sequence in reverse time
            order.
        """
        seqs, rows = self._sequences(X, reset=False)
        names = None
        if seqs.form == "2d":
            names = self._names_out(self._input_names(X, seqs.lengths[0]))
        return self._reverse(X, seqs, rows, names)

    def inverse_transform(self, X):
        """Reverse the time order back: the same operation as ``transform``.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Reversed sequences; a 2-D DataFrame has the columns of
            ``get_feature_names_out()``.

        Returns
        -------
        X_original : ndarray, DataFrame, or list of ndarray
            The same form and shapes as X, each sequence in reverse time
            order.
        """
        # X's columns are the reversed ones, which the check of names against
        # the fit would refuse: they are checked here instead.
        seqs, rows = self._sequences(X, reset=False, check_names=False)
        names = None
        if seqs.form == "2d" and hasattr(self, "n_features_in_"):
            names = self._input_names(X, seqs.lengths[0])  # as fitted
            columns = getattr(X, "columns", None)
            if hasattr(self, "feature_names_in_") and columns is not None and (
                list(columns) != list(names[::-1])
            ):
                raise ValueError(
                    f"The columns of X should be those transform returns, "
                    f"{list(names[::-1])}; got {list(columns)}."
                )
        elif seqs.form == "2d":
            names = self._names_out(self._input_names(X, seqs.lengths[0]))
        return self._reverse(X, seqs, rows, names)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def _names_out(self, names):
        return np.asarray(names[::-1], dtype=object)

    def _reverse(self, X, seqs, rows, names):
        # Row start + k of a sequence takes row start + (length - 1 - k).
        source = np.repeat(2 * seqs.starts + seqs.lengths - 1, seqs.lengths)
        source -= np.arange(len(seqs.data))
        return self._in_form(X, seqs, seqs.data[source], seqs.lengths, rows=rows, names=names)


def to_channels_last(X):
    """Convert channels-first collections of series (aeon, sktime) to (time, channels).

    aeon and sktime store a collection of multivariate series channels
    first: a 3-D array (n_cases, n_channels, n_timesteps), or, for series of
    unequal length, a list of 2-D arrays (n_channels, T_i). The estimators
    here read time along the first axis of each sequence, with the channels
    as per-step features: (n_cases, n_timesteps, n_channels), or a list of
    (T_i, n_channels) arrays. This function converts the first into the
    second. X is never modified; the result is a C-contiguous copy.

    A long-format DataFrame indexed by (case, time), sktime's
    ``pd-multiindex``, is already accepted by the estimators as it is, and
    so is a 2-D array of univariate series (one per row).

    Parameters
    ----------
    X : ndarray of shape (n_cases, n_channels, n_timesteps), or list of \
array-like of shape (n_channels, T_i)
        The channels-first collection. A list may also be a tuple or a 1-D
        object array; all its items must have the same number of channels.

    Returns
    -------
    X_channels_last : ndarray of shape (n_cases, n_timesteps, n_channels), \
or list of ndarray of shape (T_i, n_channels)
        An array for an array, a list for a list, with X's dtype.

    Raises
    ------
    TypeError
        If X is neither an array nor a list of arrays.
    ValueError
        If X is empty, an array not 3-D, an item not 2-D, items have
        different numbers of channels, or values are not numbers.

    See Also
    --------
    SequenceReverser : Reverse the time order of each sequence.
    SequenceScaler : Scale each per-step feature.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_simplernn.preprocessing import to_channels_last
    >>> X = np.arange(12.0).reshape(2, 2, 3)  # 2 cases, 2 channels, 3 steps
    >>> to_channels_last(X)[0]
    array([[0., 3.],
           [1., 4.],
           [2., 5.]])
    >>> unequal = [np.zeros((2, 5)), np.ones((2, 3))]  # aeon's unequal-length layout
    >>> [x.shape for x in to_channels_last(unequal)]
    [(5, 2), (3, 2)]
    """
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim != 3:
            hint = (
                " A 2-D array is already one univariate series per row, as the estimators "
                "read it." if X.ndim == 2 else ""
            )
            raise ValueError(
                f"X is an array of shape {X.shape}; to_channels_last converts a 3-D array "
                f"(n_cases, n_channels, n_timesteps) or a list of 2-D arrays (n_channels, "
                f"T_i).{hint}"
            )
        _check_channels_first("X", X)
        return np.swapaxes(X, 1, 2).copy(order="C")
    if isinstance(X, pd.DataFrame):
        raise TypeError(
            "X is a DataFrame; to_channels_last converts numpy collections. A long-format "
            "DataFrame indexed by (case, time), one column per channel, is accepted by the "
            "estimators as it is."
        )
    if not (isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.ndim == 1)):
        raise TypeError(
            f"X must be a 3-D array (n_cases, n_channels, n_timesteps) or a list of 2-D "
            f"arrays (n_channels, T_i); got {type(X).__name__}."
        )
    if len(X) == 0:
        raise ValueError("X is an empty list: at least one series is required.")
    out = []
    for i, item in enumerate(X):
        try:
            arr = np.asarray(item)
        except ValueError:  # nested lists of unequal lengths
            raise ValueError(
                f"Item {i} of X could not be read as a 2-D array (n_channels, T_i): its "
                f"channels must all have the same length."
            ) from None
        if arr.ndim != 2:
            raise ValueError(
                f"Item {i} of X has shape {arr.shape}; each item must be 2-D (n_channels, "
                f"T_i), e.g. shape (1, T_i) for a univariate series."
            )
        _check_channels_first(f"Item {i} of X", arr)
        if out and arr.shape[0] != out[0].shape[1]:
            raise ValueError(
                f"Item {i} of X has {arr.shape[0]} channel(s) (shape {arr.shape}), but item "
                f"0 has {out[0].shape[1]} (shape {np.shape(X[0])}): all items must have the "
                f"same number of channels."
            )
        out.append(arr.T.copy(order="C"))
    return out


def _check_channels_first(name, arr):
    """Raise unless ``arr`` (channels, time) or (cases, channels, time) holds numbers."""
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} holds non-numeric values (dtype {arr.dtype}); series must contain "
            f"real numbers."
        )
    if 0 in arr.shape[-2:]:
        raise ValueError(
            f"{name} has shape {arr.shape}: every series needs at least one channel and "
            f"one time step."
        )


# ---------------------------------------------------------------------------
# Differencing


class SequenceDifferencer(_SequenceTransformer, auto_wrap_output_keys=None):
    """Replace levels by their changes, x_t - x_{t-1}, within each sequence.

    Each sequence is differenced along time on its own, ``order`` times
    (``order=2`` gives x_t - 2 x_{t-1} + x_{t-2}), as :func:`numpy.diff`
    would, and so becomes ``order`` steps shorter: its output at step t uses
    steps t - order to t of the same sequence only, never a later step nor
    another sequence. Differencing removes a level's trend and keeps the
    inputs of long, smooth or trending sequences near zero, where a tanh
    network is not saturated. It holds no state and never modifies its
    input. There is no ``inverse_transform``: the first ``order`` levels of
    every sequence are not kept.

    X may take any form :class:`~sklearn_simplernn.SimpleRNNRegressor`
    accepts, and ``transform`` returns the same form, every sequence
    ``order`` steps shorter:

    - 2-D X (n_samples, n_timesteps) gives (n_samples, n_timesteps - order);
      the output column of input column j (j >= order) is named
      ``diff<order>_<name of column j>``, e.g. ``diff1_x3``.
    - 3-D X gives (n_samples, n_timesteps - order, n_step_features).
    - A ragged list gives a list of (T_i - order,) or (T_i - order,
      n_step_features) arrays.
    - A long DataFrame indexed by (sequence id, time) gives a DataFrame
      without the first ``order`` time rows of each sequence: the row at time
      t holds the change that ends at t, under columns named
      ``diff<order>_<column>``. X's row order is kept.

    Parameters
    ----------
    order : int, default=1
        The number of times to difference, >= 1.
    keep_level : bool, default=False
        Also return the level: each output step holds the differenced
        features followed by the original features at the same step t, the
        latest step the difference uses (so x_t - x_{t-1} comes with x_t,
        never a later value). The number of features per step doubles: 2-D X
        (one feature per step) then becomes 3-D, (n_samples, n_timesteps -
        order, 2), and 1-D sequences of a list become (T_i - order, 2); a long
        DataFrame gets the original columns after the ``diff`` ones.

    Attributes
    ----------
    n_step_features_ : int
        Features per time step seen in fit (1 for 2-D X); ``transform`` then
        requires the same number. ``transform`` works without ``fit`` too.
    n_features_in_ : int
        Time steps of 2-D X (only when fitted on a 2-D array).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a 2-D DataFrame X (only then).

    See Also
    --------
    make_windows : Windows of differences or returns cut from one series.
    SequenceScaler : Scale each per-step feature (after differencing).
    SequenceImputer : Fill missing values inside each sequence first.
    SequenceReverser : Reverse the time order of each sequence.

    Notes
    -----
    A sequence with ``order`` steps or fewer has no difference of that
    order: ``fit`` and ``transform`` raise a ValueError naming it and its
    length. Dropping it instead would silently misalign X with y; pad or
    drop such sequences, together with their targets, before the pipeline.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_simplernn.preprocessing import SequenceDifferencer
    >>> X = np.array([[1.0, 2.0, 4.0, 7.0],
    ...               [5.0, 5.0, 3.0, 0.0]])
    >>> SequenceDifferencer().fit_transform(X)
    array([[ 1.,  2.,  3.],
           [ 0., -2., -3.]])
    >>> SequenceDifferencer(order=2).fit_transform(X)
    array([[ 1.,  1.],
           [-2., -1.]])
    >>> SequenceDifferencer(keep_level=True).fit_transform([np.array([1.0, 2.0, 4.0])])
    [array([[1., 2.],
           [2., 4.]])]
    """

    _parameter_constraints = {
        "order": [Interval(Integral, 1, None, closed="left")],
        "keep_level": ["boolean"],
    }

    def __init__(self, order=1, *, keep_level=False):
        self.order = order
        self.keep_level = keep_level

    def fit(self, X, y=None):
        """Check X and record its number of features per step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, \
n_timesteps, n_step_features), list of array-like, or DataFrame
            The sequences, in any form ``SimpleRNNRegressor`` accepts, each
            longer than ``order``.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceDifferencer
            This transformer.
        """
        seqs, _ = self._sequences(X, reset=True)
        self._check_lengths(seqs, X)
        self.n_step_features_ = seqs.n_step_features
        return self

    def transform(self, X):
        """Difference every sequence of X along time.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts, each longer than
            ``order``.

        Returns
        -------
        X_diff : ndarray, DataFrame, or list of ndarray
            X's form, each sequence ``order`` steps shorter, with twice the
            features per step when ``keep_level=True``.
        """
        seqs, rows = self._sequences(X, reset=False)
        self._check_lengths(seqs, X)
        k = self.order
        kept = _positions(seqs) >= k  # the steps a difference ends at
        steps = np.flatnonzero(kept)
        # Row r of the k-th difference uses rows r..r+k; those that span two
        # sequences are the ones not taken.
        out = np.diff(seqs.data, n=k, axis=0)[steps - k]
        if self.keep_level:
            out = np.concatenate([out, seqs.data[steps]], axis=1)
        columns = names = None
        if rows is not None:
            columns = [f"diff{k}_{c}" for c in X.columns]
            columns = pd.Index(columns + list(X.columns) if self.keep_level else columns)
        elif seqs.form == "2d":
            names = self._names_out(self._input_names(X, seqs.lengths[0]))
        return self._in_form(X, seqs, out, seqs.lengths - k, rows=rows, kept=kept,
                             columns=columns, names=names)

    def get_feature_names_out(self, input_features=None):
        """Output column names for 2-D X: ``diff<order>_<name>`` of columns order, order + 1, ...

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            The input column names; None uses ``feature_names_in_`` (or
            ``x0, x1, ...`` when X had no column names).

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``n_features_in_ - order`` names.
        """
        if self.keep_level and hasattr(self, "n_features_in_"):
            raise AttributeError(
                "With keep_level=True, 2-D X becomes 3-D (n_samples, n_timesteps - order, "
                "2), which has no column names."
            )
        return super().get_feature_names_out(input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def _names_out(self, names):
        return np.asarray([f"diff{self.order}_{name}" for name in names[self.order :]],
                          dtype=object)

    def _check_lengths(self, seqs, X):
        short = np.flatnonzero(seqs.lengths <= self.order)
        if not len(short):
            return
        need = f"differencing of order {self.order} needs at least {self.order + 1}"
        if seqs.form == "2d":
            raise ValueError(
                f"X has {seqs.lengths[0]} time step(s) ({seqs.lengths[0]} feature(s) per "
                f"row of 2-D X); {need}."
            )
        if seqs.form == "3d":
            raise ValueError(f"X has {seqs.lengths[0]} time step(s) per sequence; {need}.")
        i = int(short[0])
        raise ValueError(
            f"{_sequence_name(i, X)} of X has {seqs.lengths[i]} time step(s); {need}. Drop "
            f"such sequences (and their targets) first: {len(short)} of {len(seqs)} are "
            f"that short."
        )


# ---------------------------------------------------------------------------
# Imputation


class SequenceImputer(_SequenceTransformer, auto_wrap_output_keys=None):
    """Fill missing values (NaN) inside each sequence, from that sequence alone.

    The estimators reject NaN; put this transformer in front of them in a
    Pipeline to fill the gaps of each sequence, and each per-step feature
    (channel) of it, from its own observed values. No value ever comes from
    another sequence. It holds no state and never modifies its input;
    infinity is still refused.

    X may take any form :class:`~sklearn_simplernn.SimpleRNNRegressor`
    accepts, and ``transform`` returns the same form and shapes (a long
    DataFrame keeps its index, columns and row order), with NaN filled.

    Parameters
    ----------
    method : {'ffill', 'linear', 'mean'}, default='ffill'
        How a missing value at step t is filled, within its sequence and
        channel:

        - 'ffill': the last value observed before t. Leading NaN, before the
          first observed value, have no past: they take the first observed
          value (a back-fill, which looks ahead within the sequence, up to
          its first observation).
        - 'linear': linear interpolation in time between the observed values
          before and after t; leading and trailing NaN take the nearest
          observed value. This looks ahead, within the sequence, to the next
          observation.
        - 'mean': the mean of the sequence's observed values in that
          channel (which uses the whole sequence).

    Attributes
    ----------
    n_step_features_ : int
        Features per time step seen in fit (1 for 2-D X); ``transform`` then
        requires the same number. ``transform`` works without ``fit`` too.
    n_features_in_ : int
        Time steps of 2-D X (only when fitted on a 2-D array).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a 2-D DataFrame X (only then).

    See Also
    --------
    sklearn.impute.SimpleImputer : Per-column imputation of 2-D X, across rows.
    SequenceScaler : Scale each per-step feature.
    SequenceDifferencer : Changes instead of levels, within each sequence.
    SequenceReverser : Reverse the time order of each sequence.

    Notes
    -----
    Every sequence needs at least one observed value in every channel: a
    channel that is all NaN in some sequence raises a ValueError naming the
    sequence (and its id, for a long DataFrame) and the channel. None of the
    methods can fill it from the sequence itself; drop the sequence, or fill
    that channel with a value of your choice first.

    The inputs of a sequence all precede its target, so looking ahead within
    a sequence ('linear', 'mean', the leading back-fill of 'ffill') does not
    use the target. Only 'ffill' makes each filled value depend on the
    sequence's past alone (after its first observation), as when values
    arrive one by one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_simplernn.preprocessing import SequenceImputer
    >>> X = [np.array([np.nan, 1.0, np.nan, 3.0, np.nan]), np.array([2.0, np.nan])]
    >>> SequenceImputer().fit_transform(X)
    [array([1., 1., 1., 3., 3.]), array([2., 2.])]
    >>> SequenceImputer(method="linear").fit_transform(X)
    [array([1., 1., 2., 3., 3.]), array([2., 2.])]
    >>> SequenceImputer(method="mean").fit_transform(X)
    [array([2., 1., 2., 3., 2.]), array([2., 2.])]
    """

    _parameter_constraints = {"method": [StrOptions({"ffill", "linear", "mean"})]}

    def __init__(self, method="ffill"):
        self.method = method

    def fit(self, X, y=None):
        """Check X and record its number of features per step.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, \
n_timesteps, n_step_features), list of array-like, or DataFrame
            The sequences, in any form ``SimpleRNNRegressor`` accepts, with
            NaN for missing values.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceImputer
            This transformer.
        """
        seqs, _ = self._sequences(X, reset=True, allow_nan=True)
        self._observed_counts(seqs, X)
        self.n_step_features_ = seqs.n_step_features
        return self

    def transform(self, X):
        """Fill the NaN of every sequence of X.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts, with NaN for missing
            values.

        Returns
        -------
        X_filled : ndarray, DataFrame, or list of ndarray
            The same form and shapes as X, without NaN.
        """
        seqs, rows = self._sequences(X, reset=False, allow_nan=True)
        names = self._input_names(X, seqs.lengths[0]) if seqs.form == "2d" else None
        return self._in_form(X, seqs, self._impute(seqs, X), seqs.lengths, rows=rows,
                             names=names)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.allow_nan = True
        return tags

    def _observed_counts(self, seqs, X, missing=None):
        """Observed values per sequence and channel; raise if any count is zero."""
        if missing is None:
            missing = np.isnan(seqs.data)
        counts = np.add.reduceat(~missing, seqs.starts, axis=0, dtype=np.int64)
        empty = np.argwhere(counts == 0)
        if len(empty):
            i, j = (int(v) for v in empty[0])
            if _is_long_dataframe(X):
                channel = f", column {X.columns[j]!r},"
            elif seqs.n_step_features > 1:
                channel = f", step feature {j},"
            else:
                channel = ""
            raise ValueError(
                f"{_sequence_name(i, X)} of X{channel} is all NaN: SequenceImputer fills a "
                f"sequence from its own observed values, and it has none there. Drop the "
                f"sequence or fill it first ({len(empty)} sequence channel(s) are all NaN)."
            )
        return counts

    def _impute(self, seqs, X):
        data = seqs.data
        missing = np.isnan(data)
        if not missing.any():
            return data.copy()
        counts = self._observed_counts(seqs, X, missing)
        out = data.copy()
        if self.method == "mean":
            sums = np.add.reduceat(np.where(missing, 0.0, data), seqs.starts, axis=0,
                                   dtype=np.float64)
            means = np.repeat(sums / counts, seqs.lengths, axis=0)
            out[missing] = means[missing]
            return out
        # For every row and channel, the last observed row at or before it and
        # the first at or after it, then kept within the row's own sequence.
        row = np.arange(len(data))[:, None]
        prev = np.maximum.accumulate(np.where(missing, -1, row), axis=0)
        nxt = np.minimum.accumulate(np.where(missing, len(data), row)[::-1], axis=0)[::-1]
        start = np.repeat(seqs.starts, seqs.lengths)[:, None]
        end = start + np.repeat(seqs.lengths, seqs.lengths)[:, None]
        # Every sequence channel has an observation, so one of the two exists.
        before = np.where(prev >= start, prev, nxt)
        after = np.where(nxt < end, nxt, before)
        x_before = np.take_along_axis(data, before, axis=0)
        if self.method == "ffill":
            out[missing] = x_before[missing]
            return out
        x_after = np.take_along_axis(data, after, axis=0)
        gap = after - before
        weight = np.divide(row - before, gap, out=np.zeros(gap.shape), where=gap > 0)
        out[missing] = (x_before + weight * (x_after - x_before))[missing]
        return out


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


# ---------------------------------------------------------------------------
# Long-format DataFrames


def from_long_dataframe(X):
    """Split a long-format DataFrame into a list of sequences and their ids.

    A long DataFrame (rows indexed by (sequence id, time), one column per step
    feature) is accepted by every estimator and transformer of this package as
    it is. But scikit-learn's cross-validation (``cross_val_score``,
    ``GridSearchCV``, ...) counts its *rows* as samples while ``y`` has one
    value per *sequence*, so it refuses the pair. Split the DataFrame into a
    list of sequences first: the list is the ragged form, which
    cross-validation indexes by sequence.

    Parameters
    ----------
    X : DataFrame
        Indexed by (sequence id, time), one column per step feature.

    Returns
    -------
    sequences : list of ndarray of shape (T_i, n_step_features)
        One array per sequence, its steps sorted by time, in the order the
        estimators read a long DataFrame: by first appearance of the ids in X.
        float32 columns stay float32; other numbers become float64.
    ids : list
        The sequence id of each array, e.g. to index predictions:
        ``pd.Series(model.predict(sequences), index=ids)``.

    Raises
    ------
    TypeError
        When X is not a DataFrame with a two-level index.
    ValueError
        For the input errors the estimators raise (missing values, an (id,
        time) pair given twice, ...), naming the sequence at fault.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_simplernn.preprocessing import from_long_dataframe
    >>> index = pd.MultiIndex.from_tuples(
    ...     [("b", 0), ("b", 1), ("a", 0), ("a", 1), ("a", 2)], names=["id", "t"])
    >>> X = pd.DataFrame({"price": [5.0, 6.0, 1.0, 2.0, 3.0]}, index=index)
    >>> sequences, ids = from_long_dataframe(X)
    >>> ids
    ['b', 'a']
    >>> [s.ravel().tolist() for s in sequences]
    [[5.0, 6.0], [1.0, 2.0, 3.0]]
    """
    return split_long_dataframe(X)
