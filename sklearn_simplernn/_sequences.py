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
  column per step feature, read as ragged sequences.

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

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, validate_data

_FLOAT_DTYPES = (np.float64, np.float32)


class SequenceData:
    """Sequences stored end to end, with their starts and lengths.

    Parameters
    ----------
    data : ndarray of shape (total_steps, n_step_features)
        C-contiguous, float32 or float64. Never written to.
    lengths : ndarray of shape (n_sequences,), int64
    form : {'2d', '3d', 'ragged'}
        The input form it came from.
    """

    def __init__(self, data, lengths, form):
        self.data = data
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.starts = np.concatenate(([0], np.cumsum(self.lengths)[:-1])).astype(np.int64)
        self.form = form

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


def validate_sequences(estimator, X, *, reset, dtype=_FLOAT_DTYPES):
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

    Returns
    -------
    SequenceData
    """
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
    return _finish(seqs.data, seqs.lengths, seqs.form, estimator, reset)


def _finish(data, lengths, form, estimator, reset):
    if reset:
        # A fit on a form without a fixed width must not leave the width contract
        # of an earlier 2-D fit behind.
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, attr):
                delattr(estimator, attr)
    return SequenceData(data, lengths, form)


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
            _bad_shape(_name(i, labels), arr, n_step_features)
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


def _bad_shape(name, arr, n_step_features):
    """Raise for a sequence with no steps, no features, or another feature count."""
    if arr.shape[0] == 0:
        raise ValueError(f"{name} of X is empty: every sequence needs at least one step.")
    if arr.shape[1] == 0:
        raise ValueError(
            f"{name} of X has 0 features per step (shape {arr.shape}); at least "
            f"one is required."
        )
    raise ValueError(
        f"{name} of X has {arr.shape[1]} feature(s) per step, but sequence 0 "
        f"has {n_step_features}: all sequences must have the same number."
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
    raise ValueError(
        f"Input X contains {'NaN' if np.isnan(value) else 'infinity'}: "
        f"{_name(i, labels).lower()}, step {step}{feature} (0-based, oldest first). "
        f"Remove or impute non-finite values before fitting."
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
    return _ragged(groups, dtype, labels=list(first_seen))


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
    """

    def __init__(self, X1, batch_sizes, order, last, prev, offsets=None):
        self.X1 = X1
        self.X = X1[:, :-1]
        self.batch_sizes = batch_sizes
        if offsets is None:
            offsets = np.concatenate(([0], np.cumsum(batch_sizes)))
        self.offsets = offsets
        self.order = order
        self.last = last
        self.prev = prev
        B, T = len(order), len(batch_sizes)
        self.key = ("equal", B, T) if isinstance(prev, slice) else batch_sizes.tobytes()

    @property
    def n_rows(self):
        """Total steps of all sequences: the rows of ``X``."""
        return self.X.shape[0]

    def __len__(self):
        return len(self.order)

    @property
    def n_steps(self):
        return len(self.batch_sizes)


def pack(seqs, indices=None):
    """Pack sequences ``indices`` (all when None) of ``seqs`` for the recurrence.

    Parameters
    ----------
    seqs : SequenceData
    indices : ndarray of int, optional

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
    return PackedBatch(X1, batch_sizes.astype(np.int64), order, last, prev, offsets)
