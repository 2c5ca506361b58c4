"""Every accepted form of X, turned into one internal representation.

Accepted forms
--------------
- 2-D array-like or DataFrame (n_samples, n_timesteps): one univariate sequence
  per row, oldest step first. Follows scikit-learn's width contract
  (``n_features_in_``, ``feature_names_in_``) through ``validate_data``.
- 3-D array (n_samples, n_timesteps, n_step_features).
- A list/tuple or 1-D object array of sequences, each (T_i,) or
  (T_i, n_step_features): the ragged form.
- A DataFrame whose index has two levels (sequence id, time): long format, one
  column per step feature, read as ragged sequences in order of first
  appearance of their ids (:func:`split_long_dataframe`). Its column names
  follow scikit-learn's feature-name contract, for the step features
  (``step_feature_names_in_``).

Numpy collections of aeon and sktime are channels first, (n_samples,
n_channels, n_timesteps): swap the last two axes to get the 3-D form
(``np.swapaxes(X, 1, 2)``). A fit on a 3-D array with far more features than
steps warns that this may have been missed (:func:`warn_unlikely_layout`).

All of them become a :class:`SequenceData`: the steps of every sequence stored
end to end in one C-contiguous (total_steps, n_step_features) array plus the
start and length of each sequence. No padding is ever stored.

For the recurrence a set of sequences is then *packed* (:func:`pack`) into the
time-major layout PyTorch calls a PackedSequence: sequences sorted by
decreasing length, and for each step t the rows of the ``n_t`` sequences still
running. Because the sort puts the running sequences first, the running ones
at step t are always rows ``[:n_t]`` of the previous step's block, so the
recurrence does no arithmetic on padding and needs no masks.

All input errors are raised here, before any training, and name the sequence
and step at fault.

Values
------
float64 and float32 are kept as they are; every other real dtype (integers,
float16, booleans) is converted to float64, as scikit-learn's ``check_array``
does: a boolean step feature is read as 0.0/1.0. NaN and infinity are rejected
(naming the sequence and step), as are complex numbers, dates and durations,
strings and other objects that are not numbers. Finite but huge values are accepted; when they
overflow the recurrence, training stops with a "Training diverged" error and
prediction with an error, never with NaN output.
"""

import numbers
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.validation import _get_feature_names, check_array, validate_data

_FLOAT_DTYPES = (np.float64, np.float32)


class SequenceData:
    """Sequences stored end to end, with their starts and lengths.

    Parameters
    ----------
    data : ndarray of shape (total_steps, n_step_features)
        C-contiguous, float32 or float64. Never written to.
    lengths : ndarray of shape (n_sequences,), int64
    form : {'2d', '3d', 'ragged'}
        The input form it came from (a long DataFrame is 'ragged').
    ids : pandas.Index or None
        The sequence ids of a long DataFrame, in the order of the sequences;
        None for the other forms.
    """

    def __init__(self, data, lengths, form, ids=None):
        self.data = data
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.starts = np.concatenate(([0], np.cumsum(self.lengths)[:-1])).astype(np.int64)
        self.form = form
        self.ids = ids

    def __len__(self):
        return len(self.lengths)

    @property
    def n_step_features(self):
        return self.data.shape[1]

    @property
    def dtype(self):
        return self.data.dtype

    def sequence(self, i):
        """Sequence i as a (T_i, n_step_features) view."""
        return self.data[self.starts[i] : self.starts[i] + self.lengths[i]]

    def take(self, indices):
        """The sequences ``indices``, in that order, as a new SequenceData (a copy)."""
        indices = np.asarray(indices, dtype=np.int64)
        lengths = self.lengths[indices]
        shift = np.repeat(self.starts[indices] - (np.cumsum(lengths) - lengths), lengths)
        rows = shift + np.arange(int(lengths.sum()))
        return SequenceData(self.data[rows], lengths, self.form)


# ---------------------------------------------------------------------------
# Dispatch


def _is_ragged(X):
    """True for a list/tuple/1-D object array (or pandas Series) of sequences."""
    if isinstance(X, np.ndarray) or _is_object_series(X):
        if X.dtype != object or X.ndim != 1:
            return False
    elif not isinstance(X, (list, tuple)):
        return False
    if len(X) == 0:
        return True  # rejected in _ragged with a clear message
    first = X[0] if isinstance(X, (list, tuple, np.ndarray)) else X.iloc[0]
    if _is_atom(first):
        _check_not_mixed(X)
        return False
    return not _is_table(X)


def _is_atom(item):
    return np.isscalar(item) or isinstance(item, (str, bytes, dict)) or item is None


def _is_object_series(X):
    """A pandas Series of objects, e.g. a DataFrame column holding one array per row."""
    return hasattr(X, "iloc") and not hasattr(X, "columns") and getattr(X, "ndim", 0) == 1


def _check_not_mixed(X):
    """A list that starts with a number must not hold sequences further on."""
    if isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.dtype == object):
        for i, item in enumerate(X):
            if not _is_atom(item):
                raise TypeError(
                    f"X mixes numbers and sequences: item 0 is a number ({_describe(X[0])}) "
                    f"but item {i} is a sequence ({_describe(item)}). Pass a list of "
                    f"sequences (each an array "
                    f"of shape (T_i,) or (T_i, n_step_features)), or a 2-D array."
                )


def _is_table(X):
    """True for a rectangular list of lists of scalars, such as ``X.tolist()``.

    That is how scikit-learn users (and its checks) write a 2-D array, so it
    follows the 2-D width contract; sequences of different lengths, or given
    as arrays, are the ragged form.
    """
    if not isinstance(X, (list, tuple)):
        return False
    width = None
    for row in X:
        if not isinstance(row, (list, tuple)) or not row or not np.isscalar(row[0]):
            return False
        if width is None:
            width = len(row)
        elif len(row) != width:
            return False
    return True


def _is_long_dataframe(X):
    index = getattr(X, "index", None)
    return (
        hasattr(X, "columns")
        and getattr(index, "nlevels", 1) == 2
        and hasattr(X, "groupby")
    )


def validate_sequences(estimator, X, *, reset, dtype=_FLOAT_DTYPES, step_feature_names=False):
    """Validate X in any accepted form and return a :class:`SequenceData`.

    Parameters
    ----------
    estimator : estimator instance
        For the 2-D path, whose width contract (``n_features_in_``,
        ``feature_names_in_``) is set when ``reset`` and checked otherwise.
    X : array-like, list of array-like or DataFrame
    reset : bool
        True in fit. When fitting on a form that has no fixed width (3-D,
        ragged, long DataFrame), attributes of an earlier 2-D fit are removed.
    dtype : dtype or tuple of dtypes
        float32 and float64 are kept; anything else becomes the first entry.
    step_feature_names : bool, default=False
        Apply scikit-learn's feature-name contract to the step features:
        when ``reset``, store the column names of a long DataFrame as
        ``step_feature_names_in_``; otherwise check X's against them
        (:func:`_check_step_feature_names`).

    Returns
    -------
    SequenceData
    """
    seqs = _validate(estimator, X, reset, dtype)
    if step_feature_names:
        _check_step_feature_names(estimator, X, reset)
    return seqs


def _validate(estimator, X, reset, dtype):
    if sp.issparse(X):
        # check_array raises scikit-learn's standard error for sparse input.
        check_array(X, accept_sparse=False, estimator=estimator)
    if X is None or isinstance(X, (str, bytes, dict)) or np.isscalar(X):
        raise TypeError(
            f"X must be a 2-D array (n_samples, n_timesteps), a 3-D array (n_samples, "
            f"n_timesteps, n_step_features), a list of sequences or a DataFrame; got "
            f"{_describe(X)} {_short_repr(X)}."
        )
    if _is_long_dataframe(X):
        seqs = _long_dataframe(X, dtype)
    elif _is_ragged(X):
        seqs = _ragged(list(X) if _is_object_series(X) else X, dtype)
    else:
        # Only real arrays are asked their ndim: checks pass array-likes that
        # refuse every numpy function but conversion (nested lists went ragged).
        # NaN and inf are looked for by _check_finite, which names the step.
        ndim = getattr(X, "ndim", None)
        if ndim == 1 or (isinstance(X, (list, tuple)) and len(X) and _is_atom(X[0])):
            _reject_1d(X, estimator, reset)
        if getattr(getattr(X, "dtype", None), "kind", None) in ("M", "m"):
            # numpy would silently turn dates into numbers (days since 1970...).
            raise ValueError(
                f"X holds non-numeric values (dtype {X.dtype}); convert dates and "
                f"durations to numbers (e.g. elapsed time) first."
            )
        if isinstance(ndim, numbers.Integral) and ndim > 3:
            raise ValueError(
                f"X has {ndim} dimensions (shape {getattr(X, 'shape', '?')}); expected a "
                f"2-D array (n_samples, n_timesteps), a 3-D array (n_samples, n_timesteps, "
                f"n_step_features) or a list of sequences."
            )
        if ndim == 3:
            X3 = check_array(X, allow_nd=True, dtype=dtype, ensure_all_finite=False,
                             estimator=estimator, input_name="X")
            if X3.shape[1] == 0 or X3.shape[2] == 0:
                raise ValueError(
                    f"3-D X must have at least one time step and one feature per step; "
                    f"got shape {X3.shape}."
                )
            n, T, D = X3.shape
            data, lengths = np.ascontiguousarray(X3).reshape(n * T, D), np.full(n, T)
            _check_finite(data, lengths)
            return _finish(data, lengths, "3d", estimator, reset)
        if reset or hasattr(estimator, "n_features_in_"):
            X2 = validate_data(estimator, X, reset=reset, dtype=dtype, ensure_all_finite=False)
        else:
            # Fitted on a form without a fixed width (3-D, ragged, long): there is
            # no width or column names to check, nor to warn about.
            X2 = check_array(X, dtype=dtype, ensure_all_finite=False, estimator=estimator,
                             input_name="X")
        n, T = X2.shape
        data, lengths = np.ascontiguousarray(X2).reshape(n * T, 1), np.full(n, T)
        _check_finite(data, lengths)
        return SequenceData(data, lengths, "2d")
    return _finish(seqs.data, seqs.lengths, seqs.form, estimator, reset, seqs.ids)


def check_step_features(estimator, seqs):
    """Raise unless X has the ``n_step_features_`` features per step seen in fit."""
    if seqs.n_step_features != estimator.n_step_features_:
        raise ValueError(
            f"X has {seqs.n_step_features} feature(s) per time step, but "
            f"{type(estimator).__name__} was fitted with {estimator.n_step_features_}."
        )


def _finish(data, lengths, form, estimator, reset, ids=None):
    if reset:
        # A fit on a form without a fixed width must not leave the width contract
        # of an earlier 2-D fit behind.
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, attr):
                delattr(estimator, attr)
    return SequenceData(data, lengths, form, ids)


def _reject_1d(X, estimator, reset):
    """Raise for a 1-D X (a price Series, say): one series is not a set of sequences.

    scikit-learn's advice for 1-D input (reshape to one column) would give
    sequences of a single step. The message keeps scikit-learn's opening and
    its "Reshape your data", which callers and scikit-learn's checks look for.
    """
    n = len(X)
    if n == 0:
        return  # scikit-learn's own error for an empty array
    if reset:
        advice = (
            "To learn from one series (e.g. a column of prices), cut it into windows of "
            "past values, one sequence per window, with "
            "sklearn_simplernn.preprocessing.make_windows(series, lookback=...), which "
            "also builds the targets. Reshape your data with X.reshape(-1, 1) only if "
            "each value really is a sample (a sequence of one step)."
        )
    else:
        advice = (
            "Reshape your data with X.reshape(1, -1) (or pass [X]) if it is one "
            "sequence; to predict from a series, cut it into windows with "
            "sklearn_simplernn.preprocessing.make_windows(series, lookback=...)."
        )
    raise ValueError(
        f"Expected 2D array, got 1D array instead: X is a single series of {n} values, "
        f"but {'this estimator' if estimator is None else type(estimator).__name__} "
        f"expects a set of sequences, one per sample. "
        f"{advice}"
    )


# ---------------------------------------------------------------------------
# Feature names of the step features


def _check_step_feature_names(estimator, X, reset):
    """scikit-learn's feature-name contract, for the step features of a long DataFrame.

    The columns of a long DataFrame are the step features, and predicting
    with them reordered or renamed would silently feed each weight the wrong
    feature. As scikit-learn's ``validate_data`` does for the columns of 2-D
    X: names (all strings) are stored in fit, must match exactly (order
    included) at predict, and a mismatch between named and unnamed input
    warns. The other forms have unnamed step features (the columns of a 2-D
    DataFrame are time steps, checked by ``validate_data``).
    """
    long = _is_long_dataframe(X)
    names = _get_feature_names(X) if long else None
    if reset:
        if names is not None:
            estimator.step_feature_names_in_ = names
        elif hasattr(estimator, "step_feature_names_in_"):
            delattr(estimator, "step_feature_names_in_")
        return
    fitted = getattr(estimator, "step_feature_names_in_", None)
    name = type(estimator).__name__
    if names is None and fitted is None:
        return
    if fitted is None:
        warnings.warn(
            f"X has feature names, but {name} was fitted without feature names: the "
            f"columns of this long-format DataFrame name its step features, and the "
            f"step features seen in fit had no names.",
            UserWarning,
        )
        return
    if names is None:
        if long:
            got = "the columns of this long-format DataFrame are not all strings"
        elif hasattr(X, "columns"):
            got = "the columns of a 2-D DataFrame are time steps, not step features"
        else:
            got = "its step features have no names"
        warnings.warn(
            f"X does not have valid feature names, but {name} was fitted with feature "
            f"names ({got}). Its step features are read in the order of fit, "
            f"{_few(fitted, 5)}; pass a long-format DataFrame with these columns to "
            f"have them checked.",
            UserWarning,
        )
        return
    if len(names) == len(fitted) and np.all(names == fitted):
        return
    unexpected = sorted(set(names) - set(fitted))
    missing = sorted(set(fitted) - set(names))
    message = "The feature names should match those that were passed during fit.\n"
    if unexpected:
        message += "Feature names unseen at fit time:\n" + _name_lines(unexpected)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + _name_lines(missing)
    if not unexpected and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    message += (
        "The columns of a long-format DataFrame are the step features; select them in "
        "the order of fit with X[model.step_feature_names_in_]."
    )
    raise ValueError(message)


def _name_lines(names, limit=5):
    lines = [f"- {n}\n" for n in names[:limit]]
    return "".join(lines) + ("- ...\n" if len(names) > limit else "")


def _few(values, limit=3):
    """At most ``limit`` values, for a message: "'a', 'b', 'c', ..."."""
    values = list(values)
    text = ", ".join(repr(getattr(v, "item", lambda v=v: v)()) for v in values[:limit])
    return text + (", ..." if len(values) > limit else "")


# ---------------------------------------------------------------------------
# Ragged lists


def _describe(obj):
    return type(obj).__name__


def _short_repr(obj, limit=40):
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _name(i, labels):
    """'Sequence i' of error messages, with its id when X was a long DataFrame."""
    return f"Sequence {i}" if labels is None else f"Sequence {i} (id {labels[i]!r})"


def _unequal_steps(name, item):
    """The message for a sequence whose steps do not form a rectangular array."""
    try:
        shapes = [np.shape(step) for step in item]
    except (TypeError, ValueError):
        shapes = []
    for t, shape in enumerate(shapes):
        if shape != shapes[0]:
            return (
                f"{name} of X has steps of different widths: step {t} has shape {shape}, "
                f"step 0 has shape {shapes[0]}; a 2-D sequence needs the same number of "
                f"features at every step."
            )
    return (
        f"{name} of X could not be read as an array of numbers; a 2-D sequence needs "
        f"the same number of features at every step."
    )


def _ragged(X, dtype, labels=None):
    if len(X) == 0:
        raise ValueError(
            f"X is an empty {_describe(X)}: at least one sequence is required."
        )
    target = dtype[0] if isinstance(dtype, tuple) else dtype
    items = []
    n_step_features = None
    for i, item in enumerate(X):
        if type(item) is np.ndarray and item.dtype.kind in "biuf" and item.ndim in (1, 2):
            arr = item  # the common case, checked without building an error message
        else:
            arr = _ragged_item(item, _name(i, labels))
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.shape[0] == 0 or arr.shape[1] == 0 or (
            n_step_features is not None and arr.shape[1] != n_step_features
        ):
            _bad_shape(_name(i, labels), arr, n_step_features, items[0].shape if items else None)
        n_step_features = arr.shape[1]
        items.append(arr)
    if dtype is None or not isinstance(dtype, tuple):
        out_dtype = np.dtype(target)
    else:
        kept = {a.dtype for a in items}
        out_dtype = kept.pop() if len(kept) == 1 and kept <= set(map(np.dtype, dtype)) else np.dtype(target)
    lengths = np.fromiter((len(a) for a in items), dtype=np.int64, count=len(items))
    data = np.concatenate(items, axis=0).astype(out_dtype, copy=False)
    data = np.ascontiguousarray(data)
    _check_finite(data, lengths, labels)
    return SequenceData(data, lengths, "ragged")


def _ragged_item(item, name):
    """One sequence of a ragged X as a numeric array of ndim 1 or 2, or a clear error."""
    if item is None or isinstance(item, (str, bytes, dict)) or np.isscalar(item):
        raise TypeError(
            f"{name} of X is a {_describe(item)}; each sequence must be an "
            f"array-like of shape (n_timesteps,) or (n_timesteps, n_step_features)."
        )
    if sp.issparse(item):
        raise TypeError(f"{name} of X is a sparse matrix; sequences must be dense arrays.")
    try:
        arr = np.asarray(item)
    except ValueError:  # e.g. nested lists of unequal widths
        raise ValueError(_unequal_steps(name, item)) from None
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name.lower()} of X is complex.")
    if arr.dtype.kind in "mM":
        raise ValueError(
            f"{name} of X holds non-numeric values (dtype {arr.dtype}); convert dates "
            f"and durations to numbers (e.g. elapsed time) first."
        )
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} of X holds non-numeric values (dtype {arr.dtype}); "
                f"sequences must contain numbers."
            ) from None
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"{name} of X has {arr.ndim} dimensions (shape {arr.shape}); each "
            f"sequence must be 1-D (n_timesteps,) or 2-D (n_timesteps, n_step_features)."
        )
    return arr


def _bad_shape(name, arr, n_step_features, first_shape=None):
    """Raise for a sequence with no steps, no features, or another feature count."""
    if arr.shape[0] == 0:
        raise ValueError(f"{name} of X is empty: every sequence needs at least one step.")
    if arr.shape[1] == 0:
        raise ValueError(
            f"{name} of X has 0 features per step (shape {arr.shape}); at least "
            f"one is required."
        )
    hint = ""
    if first_shape is not None and arr.shape[0] == first_shape[0] != arr.shape[1]:
        # Same rows, other columns: the (n_channels, T_i) items of aeon and sktime.
        hint = (
            f" Both have {arr.shape[0]} rows: if the sequences are stored channels "
            f"first, (n_channels, n_timesteps), transpose each one: [x.T for x in X]."
        )
    raise ValueError(
        f"{name} of X has {arr.shape[1]} feature(s) per step, but sequence 0 "
        f"has {n_step_features}: all sequences must have the same number.{hint}"
    )


def _check_finite(data, lengths, labels=None):
    """Raise naming the first sequence and step holding NaN or inf."""
    with np.errstate(over="ignore", invalid="ignore"):  # the sum of huge values may overflow
        if np.isfinite(data.sum()) or np.isfinite(data).all():
            return
    row = int(np.flatnonzero(~np.isfinite(data).all(axis=1))[0])
    starts = np.concatenate(([0], np.cumsum(lengths)))
    i = int(np.searchsorted(starts, row, side="right") - 1)
    step = row - int(starts[i])
    column = int(np.flatnonzero(~np.isfinite(data[row]))[0])
    value = data[row, column]
    feature = f", step feature {column}" if data.shape[1] > 1 else ""
    remedy = (
        "Fill missing values within each sequence first, e.g. with "
        "sklearn_simplernn.preprocessing.SequenceImputer at the start of a Pipeline."
        if np.isnan(value) else "Remove or clip infinite values first."
    )
    raise ValueError(
        f"Input X contains {'NaN' if np.isnan(value) else 'infinity'}: "
        f"{_name(i, labels).lower()}, step {step}{feature} (0-based, oldest first). "
        f"{remedy}"
    )


# ---------------------------------------------------------------------------
# Long-format DataFrame (sequence id, time) x features


def _long_dataframe(X, dtype):
    if X.shape[1] == 0:
        raise ValueError("The long-format DataFrame X has no columns: at least one feature is required.")
    if X.shape[0] == 0:
        raise ValueError("The long-format DataFrame X has no rows: at least one sequence is required.")
    for level, what in ((0, "sequence id"), (1, "time")):
        missing = np.flatnonzero(X.index.get_level_values(level).isna())
        if len(missing):
            raise ValueError(
                f"The {what} (index level {level}) of the long-format DataFrame X is "
                f"missing at row {missing[0]}: every row needs a sequence id and a time."
            )
    duplicated = np.flatnonzero(X.index.duplicated())
    if len(duplicated):
        pair = tuple(getattr(v, "item", lambda v=v: v)() for v in X.index[duplicated[0]])
        raise ValueError(
            f"The long-format DataFrame X has the (sequence id, time) pair {pair!r} more "
            f"than once (row {duplicated[0]}): each step of a sequence must appear once."
        )
    frame = X.sort_index(level=1, sort_remaining=False, kind="stable")
    ids = frame.index.get_level_values(0)
    # Keep the sequences in order of first appearance in X, as the caller listed them.
    codes, uniques = ids.factorize(sort=False)
    first_seen = X.index.get_level_values(0).factorize(sort=False)[1]
    rank = {key: r for r, key in enumerate(first_seen)}
    seq_rank = np.array([rank[k] for k in uniques])[codes]
    order = np.argsort(seq_rank, kind="stable")
    values = frame.to_numpy()[order]
    groups = [values[seq_rank[order] == r] for r in range(len(first_seen))]
    seqs = _ragged(groups, dtype, labels=list(first_seen))
    seqs.ids = first_seen
    return seqs


def split_long_dataframe(X, dtype=_FLOAT_DTYPES):
    """The sequences of a long-format DataFrame, as the estimators read them.

    Parameters
    ----------
    X : DataFrame
        Indexed by (sequence id, time), one column per step feature.
    dtype : dtype or tuple of dtypes
        float32 and float64 are kept; anything else becomes the first entry.

    Returns
    -------
    sequences : list of ndarray of shape (T_i, n_step_features)
        One array per sequence, steps sorted by time, in order of first
        appearance of the ids in X.
    ids : list
        The sequence id of each array.
    """
    if not _is_long_dataframe(X):
        raise TypeError(
            f"X must be a DataFrame indexed by (sequence id, time): a two-level index; "
            f"got {_describe(X)}"
            + (f" with {X.index.nlevels} index level(s)." if hasattr(X, "index") else ".")
        )
    seqs = _long_dataframe(X, dtype)
    return [seqs.sequence(i) for i in range(len(seqs))], seqs.ids.tolist()


def long_dataframe_ids(X):
    """The sequence ids of a long DataFrame X in the estimators' order, else None.

    None as well when an id is missing: validating X then raises the error.
    """
    if not _is_long_dataframe(X):
        return None
    level = X.index.get_level_values(0)
    return None if level.hasnans else level.unique()


def align_to_sequences(values, ids, name):
    """``values`` (y or sample_weight) in the order of the sequences with ``ids``.

    The sequences of a long DataFrame follow the first appearance of their ids
    in X. A pandas Series or DataFrame indexed by exactly these ids (in any
    order) is put in that order. One with a default RangeIndex (0 .. n-1),
    when the ids are not 0 .. n-1, is taken by position, as arrays and lists
    are. Any other index is an error naming the ids missing and the labels
    extra: reading it by position would pair targets and sequences at random.

    Parameters
    ----------
    values : array-like, pandas Series or DataFrame, or None
    ids : pandas.Index or None
        The sequence ids (None when X is not a long DataFrame: nothing to do).
    name : str
        'y' or 'sample_weight', for the message.

    Returns
    -------
    values : the same type, reordered if it was aligned by its index
    """
    index = getattr(values, "index", None)
    if ids is None or not isinstance(index, pd.Index):
        return values
    # A default RangeIndex is what pandas gives values built without an index
    # (pd.Series(list)): read by position, even when the ids are 0 .. n-1 too.
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return values
    if (
        index.nlevels == 1 and len(index) == len(ids) and index.is_unique
        and index.isin(ids).all()
    ):
        return values.reindex(ids)
    if index.nlevels > 1:
        raise ValueError(
            f"{name} has a {index.nlevels}-level index, like the long-format X: one "
            f"value per step, but each sequence has one. Take one value per sequence "
            f"id, e.g. {name}.groupby(level=0).last()."
        )
    missing = ids[~ids.isin(index)]
    extra = index[~index.isin(ids)]
    problems = []
    if len(missing):
        problems.append(f"{len(missing)} sequence id(s) of X are not in its index "
                        f"({_few(missing)})")
    if len(extra):
        problems.append(f"its index has {len(extra)} label(s) that are not sequence "
                        f"ids of X ({_few(extra)})")
    if not index.is_unique:
        problems.append(f"its index repeats {_few(index[index.duplicated()].unique())}")
    raise ValueError(
        f"{name} is a pandas {type(values).__name__} whose index does not match the "
        f"sequence ids of the long-format DataFrame X: {'; '.join(problems)}. Index "
        f"{name} by sequence id to align it with X, or give it a default RangeIndex "
        f"(0 .. n-1) to take it in the order of first appearance of the ids in X."
    )


# ---------------------------------------------------------------------------
# Legal but likely misread layouts

# aeon and sktime keep numpy collections channels first, (n, n_channels, T),
# which reads here as n_channels steps of T features: a few steps of many
# features. Real data can look alike (ten tokens of 100-dimensional
# embeddings), so only more than ten times as many features as steps warns:
# aeon's 6 channels x 100 steps does, 10 tokens x 100 dimensions does not.
_CHANNELS_FIRST_RATIO = 10


def warn_unlikely_layout(seqs, X):
    """Warn in fit when X looks channels first, or holds no time steps to learn from.

    Parameters
    ----------
    seqs : SequenceData
        X, validated.
    X : the caller's X
        To name its shape in the message.
    """
    D = seqs.n_step_features
    long = seqs.ids is not None  # the index says which level is time: never transposed
    if not long and seqs.form != "2d" and np.all(D > _CHANNELS_FIRST_RATIO * seqs.lengths):
        if seqs.form == "3d":
            shape = f"X has shape {np.shape(X)}, read as"
            fix = "np.swapaxes(X, 1, 2) or sklearn_simplernn.preprocessing.to_channels_last(X)"
        else:
            shape = "every sequence of X has far fewer rows than columns, read as"
            fix = "[x.T for x in X] or sklearn_simplernn.preprocessing.to_channels_last(X)"
        warnings.warn(
            f"{shape} (n_samples, n_timesteps, n_step_features): sequences of at most "
            f"{int(seqs.lengths.max())} step(s) with {D} features each. If X is channels "
            f"first, (n_samples, n_channels, n_timesteps), as aeon and sktime store "
            f"numpy collections, pass {fix}. If the layout is right, ignore this warning.",
            UserWarning,
        )
    elif np.all(seqs.lengths == 1):
        warnings.warn(
            "Every sequence of X has a single time step, so the network sees no history "
            "(it reduces to a one-hidden-layer network). If X is a column of one series "
            "(e.g. series.to_frame()), cut the series into windows of past values with "
            "sklearn_simplernn.preprocessing.make_windows(series, lookback=...).",
            UserWarning,
        )


# ---------------------------------------------------------------------------
# Packing for the recurrence


class PackedBatch:
    """A set of sequences in time-major packed layout, sorted by decreasing length.

    Attributes
    ----------
    X : ndarray of shape (total_steps, n_step_features)
        Step t of the ``n_t`` running sequences is rows ``offsets[t]:offsets[t+1]``.
        A view of ``X1``.
    X1 : ndarray of shape (total_steps, n_step_features + 1)
        ``X`` with a last column of ones (the bias's input).
    batch_sizes : ndarray of shape (T_max,)
        ``n_t``, non-increasing.
    offsets : ndarray of shape (T_max + 1,)
    order : ndarray of shape (n_sequences,)
        Row j of the packed batch is sequence ``order[j]`` of the indexed set.
    last : ndarray of shape (n_sequences,) or slice
        Packed row of the last step of each sorted sequence; a slice (so that
        ``A[last]`` is a view, not a copy) when all lengths are equal.
    prev : ndarray or slice
        Packed rows of a_{t-1} for every row of steps t >= 1, aligned with
        ``X[offsets[1]:]``; a slice when all lengths are equal.
    key : hashable
        Equal for batches of the same shape (``batch_sizes``), whose per-step
        views of the engine's buffers are then the same (``Workspace.plan``).
    rows : ndarray of shape (total_steps,) or None
        Row of the source ``SequenceData.data`` held by each packed row (per-step
        targets are gathered with it, per-step predictions scattered back).
    lengths : ndarray of shape (n_sequences,)
        T_j of each sorted sequence (non-increasing).
    row_sequence, row_step : ndarray of shape (total_steps,)
        The sorted sequence j and the step t (0-based) of each packed row.
    reverse : ndarray of shape (total_steps,)
        The packed row of step T_j - 1 - t of the same sequence, for every row
        (t, j): the packing of the time-reversed sequences, each reversed
        within its own length. It is its own inverse.
    """

    def __init__(self, X1, batch_sizes, order, last, prev, offsets=None, rows=None):
        self.X1 = X1
        self.X = X1[:, :-1]
        self.batch_sizes = batch_sizes
        if offsets is None:
            offsets = np.concatenate(([0], np.cumsum(batch_sizes)))
        self.offsets = offsets
        self.order = order
        self.last = last
        self.prev = prev
        self.rows = rows
        B, T = len(order), len(batch_sizes)
        self.key = ("equal", B, T) if isinstance(prev, slice) else batch_sizes.tobytes()
        self.equal_lengths = isinstance(prev, slice)
        # Row j runs for L_j = #{t : n_t > j} steps (rows are sorted by length).
        self.lengths = np.searchsorted(-batch_sizes, -np.arange(B), side="left")
        self._index = {}

    def _indices(self):
        if not self._index:
            sizes = self.batch_sizes
            step = np.repeat(np.arange(len(sizes)), sizes)
            seq = np.arange(self.n_rows) - np.repeat(self.offsets[:-1], sizes)
            self._index.update(
                row_step=step, row_sequence=seq,
                reverse=self.offsets[self.lengths[seq] - 1 - step] + seq,
            )
        return self._index

    @property
    def row_step(self):
        return self._indices()["row_step"]

    @property
    def row_sequence(self):
        return self._indices()["row_sequence"]

    @property
    def reverse(self):
        return self._indices()["reverse"]

    @property
    def n_rows(self):
        """Total steps of all sequences: the rows of ``X``."""
        return self.X.shape[0]

    def __len__(self):
        return len(self.order)

    @property
    def n_steps(self):
        return len(self.batch_sizes)


def pack(seqs, indices=None, keep_rows=False):
    """Pack sequences ``indices`` (all when None) of ``seqs`` for the recurrence.

    Parameters
    ----------
    seqs : SequenceData
    indices : ndarray of int, optional
    keep_rows : bool, default=False
        Keep ``rows`` (one index per step, for per-step targets and
        predictions). A full-batch objective keeps every chunk for the whole
        fit, so an unneeded index would cost 8 bytes per step of the data.

    Returns
    -------
    PackedBatch
    """
    if indices is None:
        indices = np.arange(len(seqs))
    lengths = seqs.lengths[indices]
    # Stable sort: equal lengths keep their order, so equal-length batches are
    # not permuted at all.
    order = np.argsort(-lengths, kind="stable")
    lengths = lengths[order]
    starts = seqs.starts[indices][order]
    B, T_max = len(lengths), int(lengths[0])
    if lengths[-1] == T_max:  # all equal: a plain transpose
        batch_sizes = np.full(T_max, B, dtype=np.int64)
        offsets = np.arange(0, (T_max + 1) * B, B)
        rows = (starts[None, :] + np.arange(T_max)[:, None]).ravel()
        last = slice((T_max - 1) * B, T_max * B)
        prev = slice(0, (T_max - 1) * B)
    else:
        # Step t holds the n_t sequences longer than t: the first n_t, by the
        # sort. Packed row offsets[t] + j is step t of sorted sequence j.
        batch_sizes = B - np.searchsorted(lengths[::-1], np.arange(T_max), side="right")
        offsets = np.zeros(T_max + 1, dtype=np.int64)
        np.cumsum(batch_sizes, out=offsets[1:])
        t_idx = np.repeat(np.arange(T_max), batch_sizes)
        j_idx = np.arange(offsets[-1]) - np.repeat(offsets[:-1], batch_sizes)
        rows = starts[j_idx] + t_idx
        last = offsets[lengths - 1] + np.arange(B)
        # Row j of step t >= 1 continues row j of step t - 1.
        prev = offsets[t_idx[B:] - 1] + j_idx[B:]
    # The steps' features with a column of ones: [x_t, 1] [W_ax; b_a] is the
    # input term and the bias in one GEMM, and [x_t, 1]^T delta gives dW_ax and
    # db_a in one.
    D = seqs.data.shape[1]
    X1 = np.empty((len(rows), D + 1), dtype=seqs.dtype)
    np.take(seqs.data, rows, axis=0, out=X1[:, :D])
    X1[:, D] = 1
    return PackedBatch(X1, batch_sizes.astype(np.int64), order, last, prev, offsets,
                       rows if keep_rows else None)
