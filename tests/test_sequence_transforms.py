"""SequenceReverser, SequenceDifferencer, SequenceImputer and to_channels_last.

Each transformer is compared, in every form of X, with a reference applied to
each sequence on its own (``x[::-1]``, ``np.diff``, pandas' ``ffill``,
``np.interp``, ``np.nanmean``). scikit-learn's common checks run in
test_preprocessing.py.
"""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sklearn_simplernn import SimpleRNNClassifier, SimpleRNNRegressor
from sklearn_simplernn.preprocessing import (
    SequenceDifferencer,
    SequenceImputer,
    SequenceReverser,
    to_channels_last,
)

# ---------------------------------------------------------------------------
# Every form of X, built from a list of (T_i, D) sequences and read back

UNIVARIATE = {"2d", "2d DataFrame", "rectangular list of lists", "ragged 1-D", "tuple of lists"}
EQUAL_LENGTHS = {"2d", "2d DataFrame", "rectangular list of lists", "3d"}
PYTHON_FLOATS = {"rectangular list of lists", "tuple of lists"}
FORMS = ["2d", "2d DataFrame", "rectangular list of lists", "3d", "ragged 1-D", "ragged 2-D",
         "tuple of lists", "object Series", "long DataFrame"]
IDS = [30, 10, 20, 40]  # not in the order they first appear in the shuffled long DataFrame


def _sequences(form, *, seed=0, dtype=np.float64, nan=False):
    """Random sequences suited to ``form``; with ``nan``, gaps including leading and trailing."""
    rng = np.random.RandomState(seed)
    n_features = 1 if form in UNIVARIATE else 2
    lengths = [6] * 4 if form in EQUAL_LENGTHS else [5, 3, 7, 4]
    seqs = [rng.randn(T, n_features).astype(dtype) for T in lengths]
    if nan:
        for s in seqs:
            s[rng.rand(*s.shape) < 0.35] = np.nan
            s[0, 0] = s[-1, -1] = np.nan
            s[1, :] = rng.randn(n_features)  # every channel keeps an observation
    return seqs


def _as_form(form, seqs):
    """X of the given form holding ``seqs`` (a list of (T_i, D) arrays)."""
    if form in ("2d", "2d DataFrame", "rectangular list of lists"):
        X = np.stack([s[:, 0] for s in seqs])
        if form == "2d DataFrame":
            return pd.DataFrame(X, columns=[f"t{j}" for j in range(X.shape[1])],
                                index=[f"r{i}" for i in range(len(X))])
        return X.tolist() if form == "rectangular list of lists" else X
    if form == "3d":
        return np.stack(seqs)
    if form == "ragged 1-D":
        return [s[:, 0].copy() for s in seqs]
    if form == "tuple of lists":
        return tuple(s[:, 0].tolist() for s in seqs)
    if form == "object Series":
        return pd.Series([s.copy() for s in seqs], index=list("abcd"), dtype=object)
    if form == "long DataFrame":
        frames = {
            key: pd.DataFrame(s, columns=["a", "b"],
                              index=pd.date_range(f"2024-01-{1 + i}", periods=len(s)))
            for i, (key, s) in enumerate(zip(IDS, seqs))
        }
        frame = pd.concat(frames, names=["id", "time"])
        return frame.sample(frac=1.0, random_state=0)  # rows in no particular order
    return [s.copy() for s in seqs]  # ragged 2-D


def _from_form(form, X, out):
    """The output sequences as (T_i, D) arrays, after checking that ``out`` has X's form."""
    if form == "long DataFrame":
        assert isinstance(out, pd.DataFrame)
        # X's row order, the rows dropped (if any) left out.
        assert out.index.equals(X.index[X.index.isin(out.index)])
        return [out.xs(key, level=0).sort_index().to_numpy() for key in IDS]
    if form in EQUAL_LENGTHS:
        assert isinstance(out, np.ndarray) and out.ndim in (2, 3)
        return [row[:, None] if out.ndim == 2 else row for row in out]
    assert isinstance(out, list) and len(out) == len(X)
    for item in out:
        assert isinstance(item, np.ndarray)
        if form in UNIVARIATE:  # 1-D sequences stay 1-D unless given more features
            assert item.ndim == 1 or item.shape[1] > 1
        else:
            assert item.ndim == 2
    return [item.reshape(len(item), -1) for item in out]


def _read_only(X):
    """Make X's arrays read-only, so that any write to the caller's data fails."""
    if isinstance(X, np.ndarray):
        arrays = [X]
    else:
        arrays = list(X) if isinstance(X, (list, pd.Series)) else []
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.setflags(write=False)
    return X


def _copy(X):
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.copy(deep=True)
    return copy.deepcopy(X)


def _assert_unchanged(X, before):
    if isinstance(X, pd.DataFrame):
        pd.testing.assert_frame_equal(X, before)
    elif isinstance(X, (list, tuple, pd.Series)):
        for x, b in zip(X, before):
            assert_array_equal(x, b)
    else:
        assert_array_equal(X, before)


# ---------------------------------------------------------------------------
# References, one sequence (T, D) at a time


def _ffill(s):
    return pd.DataFrame(s).ffill().bfill().to_numpy()


def _linear(s):
    t = np.arange(len(s))
    columns = []
    for x in s.T:
        seen = ~np.isnan(x)
        columns.append(np.interp(t, t[seen], x[seen]))  # constant beyond the ends
    return np.column_stack(columns)


def _mean(s):
    return np.where(np.isnan(s), np.nanmean(s, axis=0), s)


def _diff(order, keep_level):
    def reference(s):
        d = np.diff(s, n=order, axis=0)
        return np.hstack([d, s[order:]]) if keep_level else d
    return reference


CASES = {
    "reverser": (SequenceReverser, {}, lambda s: s[::-1], False),
    "diff": (SequenceDifferencer, {}, _diff(1, False), False),
    "diff order=2": (SequenceDifferencer, {"order": 2}, _diff(2, False), False),
    "diff keep_level": (SequenceDifferencer, {"keep_level": True}, _diff(1, True), False),
    "diff order=2 keep_level": (SequenceDifferencer, {"order": 2, "keep_level": True},
                                _diff(2, True), False),
    "impute ffill": (SequenceImputer, {}, _ffill, True),
    "impute linear": (SequenceImputer, {"method": "linear"}, _linear, True),
    "impute mean": (SequenceImputer, {"method": "mean"}, _mean, True),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", list(CASES))
def test_every_form_matches_the_reference_on_each_sequence(case, form, dtype):
    """Each sequence is transformed on its own as the reference does; form and dtype are kept."""
    cls, params, reference, nan = CASES[case]
    seqs = _sequences(form, dtype=dtype, nan=nan)
    X = _read_only(_as_form(form, seqs))
    before = _copy(X)
    out = cls(**params).fit(X).transform(X)
    got = _from_form(form, X, out)
    expected = [reference(s.astype(np.float64)) for s in seqs]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        assert not np.isnan(g).any()
        assert_allclose(g, e, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-6)
    out_dtypes = {g.dtype for g in got}
    assert out_dtypes == {np.dtype(np.float64 if form in PYTHON_FLOATS else dtype)}
    _assert_unchanged(X, before)
    # Stateless: transform without fit gives the same.
    again = _from_form(form, X, cls(**params).transform(X))
    for g, a in zip(got, again):
        assert_array_equal(g, a)


# ---------------------------------------------------------------------------
# SequenceReverser


@pytest.mark.parametrize("form", FORMS)
def test_reversing_twice_is_the_identity(form):
    """transform twice, and inverse_transform after transform, give X back exactly."""
    seqs = _sequences(form)
    X = _as_form(form, seqs)
    fitted = SequenceReverser().fit(X)
    # Unfitted (stateless) for the second pass: a DataFrame's reversed columns
    # are not the columns the fitted one was given.
    for back in (SequenceReverser().transform(fitted.transform(X)),
                 fitted.inverse_transform(fitted.transform(X))):
        for b, s in zip(_from_form(form, X, back), seqs):
            assert_array_equal(b, s)


def test_reverser_reverses_names_of_a_lag_table():
    """Newest-first lag columns come out oldest first, names and feature names in step."""
    lags = pd.DataFrame({"lag_1": [3.0, 4.0], "lag_2": [2.0, 3.0], "lag_3": [1.0, 2.0]},
                        index=[7, 8])
    reverser = SequenceReverser().set_output(transform="pandas").fit(lags)
    out = reverser.transform(lags)
    assert list(out.columns) == ["lag_3", "lag_2", "lag_1"]
    assert list(reverser.get_feature_names_out()) == ["lag_3", "lag_2", "lag_1"]
    assert list(out.index) == [7, 8]
    assert_array_equal(out.to_numpy(), [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])
    pd.testing.assert_frame_equal(reverser.inverse_transform(out), lags)
    with pytest.raises(ValueError, match="columns of X should be those transform returns"):
        reverser.inverse_transform(lags)
    with pytest.raises(ValueError, match="feature names should match"):
        reverser.transform(out)


def test_reverser_keeps_the_time_labels_of_a_long_dataframe():
    """A long DataFrame keeps its index; each sequence's values run backwards over its times."""
    frame = pd.DataFrame(
        {"v": [1.0, 2.0, 3.0, 10.0, 20.0]},
        index=pd.MultiIndex.from_tuples([("x", 1), ("x", 2), ("x", 3), ("y", 5), ("y", 9)]),
    )
    out = SequenceReverser().transform(frame)
    assert out.index.equals(frame.index)
    assert_array_equal(out["v"], [3.0, 2.0, 1.0, 20.0, 10.0])


def _lag_table(n=60, lags=5, seed=0):
    """A skforecast-style table: column lag_k holds the value k steps before the target."""
    rng = np.random.RandomState(seed)
    series = np.cumsum(rng.randn(n + lags)) * 0.3
    X = pd.DataFrame({f"lag_{k}": series[lags - k : lags - k + n] for k in range(1, lags + 1)})
    return X, series[lags:]


def test_pipeline_on_newest_first_lags_reads_oldest_first():
    """make_pipeline(SequenceReverser(), model) predicts exactly as model on X[:, ::-1]."""
    X, y = _lag_table()
    params = dict(n_hidden=4, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(SequenceReverser(), SimpleRNNRegressor(**params)).fit(X, y)
        oldest_first = X.to_numpy()[:, ::-1]
        by_hand = SimpleRNNRegressor(**params).fit(oldest_first, y)
        newest_first = SimpleRNNRegressor(**params).fit(X.to_numpy(), y)
    assert_array_equal(pipe.predict(X), by_hand.predict(oldest_first))
    # The order matters to the network: without the reverser it learns something else.
    assert not np.allclose(pipe.predict(X), newest_first.predict(X.to_numpy()))


# ---------------------------------------------------------------------------
# to_channels_last


@pytest.mark.parametrize("shape", [(4, 3, 7), (2, 1, 5), (3, 2, 1)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_channels_last_of_a_3d_array(shape, dtype):
    """(n, channels, time) becomes a contiguous (n, time, channels) copy; X is untouched."""
    X = (np.arange(np.prod(shape)).reshape(shape) * 1.5).astype(dtype)
    X.setflags(write=False)
    out = to_channels_last(X)
    n, C, T = shape
    assert out.shape == (n, T, C) and out.dtype == dtype and out.flags.c_contiguous
    assert not np.shares_memory(out, X)
    for i, c, t in np.ndindex(*shape):
        assert out[i, t, c] == X[i, c, t]


@pytest.mark.parametrize("container", [list, tuple, "object array"])
def test_channels_last_of_unequal_lengths(container):
    """A list of (channels, T_i) arrays becomes a list of (T_i, channels) copies."""
    rng = np.random.RandomState(0)
    items = [rng.randn(3, T) for T in (5, 2, 8)]
    X = (np.array(items + [None], dtype=object)[:-1] if container == "object array"
         else container(items))
    out = to_channels_last(X)
    assert isinstance(out, list) and len(out) == 3
    for o, x in zip(out, items):
        assert o.flags.c_contiguous and not np.shares_memory(o, x)
        assert_array_equal(o, x.T)
    assert_array_equal(to_channels_last([[[1, 2, 3]]])[0], [[1], [2], [3]])  # nested lists


@pytest.mark.parametrize(
    "X, error, message",
    [
        (np.zeros((4, 5)), ValueError, "shape \\(4, 5\\).*one univariate series per row"),
        (np.zeros((2, 3, 4, 5)), ValueError, "shape \\(2, 3, 4, 5\\)"),
        (np.zeros((2, 0, 4)), ValueError, "at least one channel and one time step"),
        (np.full((2, 3, 4), "a"), ValueError, "non-numeric"),
        ([np.zeros((3, 5)), np.zeros((3, 4)), np.zeros((2, 6))], ValueError,
         "Item 2 of X has 2 channel\\(s\\) \\(shape \\(2, 6\\)\\), but item 0 has 3 "
         "\\(shape \\(3, 5\\)\\)"),
        ([np.zeros((3, 5)), np.zeros(5)], ValueError, "Item 1 of X has shape \\(5,\\)"),
        ([np.zeros((2, 0))], ValueError, "Item 0 of X has shape \\(2, 0\\)"),
        ([[[1.0, 2.0], [3.0]]], ValueError, "Item 0 of X could not be read"),
        ([], ValueError, "empty"),
        (pd.DataFrame({"a": [1.0]}), TypeError, "long-format DataFrame"),
        ("abc", TypeError, "got str"),
    ],
)
def test_channels_last_errors_name_the_problem(X, error, message):
    """Anything but a 3-D array or a list of 2-D arrays with equal channels raises clearly."""
    with pytest.raises(error, match=message):
        to_channels_last(X)


def test_channels_last_on_aeon_datasets():
    """aeon's bundled BasicMotions (3-D) and JapaneseVowels (unequal lengths) fit a classifier."""
    datasets = pytest.importorskip("aeon.datasets")
    X3, y3 = datasets.load_basic_motions(split="train")
    ragged, y_ragged = datasets.load_japanese_vowels(split="train")
    out3 = to_channels_last(X3)
    assert out3.shape == (40, 100, 6)
    assert_array_equal(out3[:, :, 2], X3[:, 2, :])
    out_ragged = to_channels_last(ragged)
    assert len({x.shape[0] for x in out_ragged}) > 1  # the lengths do differ
    assert all(o.shape == x.T.shape and (o == x.T).all() for o, x in zip(out_ragged, ragged))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for X, y in ((out3, y3), (out_ragged[:60], y_ragged[:60])):
            model = SimpleRNNClassifier(n_hidden=4, max_iter=3, random_state=0).fit(X, y)
            assert model.n_step_features_ == X[0].shape[-1]


# ---------------------------------------------------------------------------
# SequenceDifferencer


def test_differencer_feature_names():
    """2-D columns are named diff<order>_<later step>; long columns diff1_<column>, levels after."""
    X = pd.DataFrame(np.arange(8.0).reshape(2, 4) ** 2, columns=["t0", "t1", "t2", "t3"])
    diff = SequenceDifferencer(order=2).set_output(transform="pandas").fit(X)
    out = diff.transform(X)
    assert list(out.columns) == ["diff2_t2", "diff2_t3"] == list(diff.get_feature_names_out())
    assert_array_equal(out.to_numpy(), np.diff(X.to_numpy(), n=2, axis=1))
    with pytest.raises(AttributeError, match="keep_level=True, 2-D X becomes 3-D"):
        SequenceDifferencer(keep_level=True).fit(X).get_feature_names_out()
    assert SequenceDifferencer(keep_level=True).fit_transform(X).shape == (2, 3, 2)
    long = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [0.0, 1.0, 1.0]},
                        index=pd.MultiIndex.from_product([["s"], [1, 2, 3]]))
    out = SequenceDifferencer(keep_level=True).fit_transform(long)
    assert list(out.columns) == ["diff1_a", "diff1_b", "a", "b"]
    assert list(out.index) == [("s", 2), ("s", 3)]
    assert_array_equal(out.to_numpy(), [[1.0, 1.0, 2.0, 1.0], [2.0, 0.0, 4.0, 1.0]])


def test_differencing_uses_no_later_step_and_no_other_sequence():
    """Changing step s of a sequence changes its outputs from step s on, and nothing else."""
    rng = np.random.RandomState(1)
    X = [rng.randn(T, 2) for T in (6, 4, 7)]
    for params in ({"order": 1}, {"order": 2, "keep_level": True}):
        diff = SequenceDifferencer(**params)
        base = diff.fit_transform(X)
        k = params["order"]
        for s in range(len(X[2])):
            changed = [x.copy() for x in X]
            changed[2][s] += 1.0
            out = diff.transform(changed)
            assert_array_equal(out[0], base[0])
            assert_array_equal(out[1], base[1])
            moved = np.flatnonzero((out[2] != base[2]).any(axis=1))  # output row j is step j + k
            assert moved.min() + k == max(s, k)


@pytest.mark.parametrize(
    "X, message",
    [
        ([np.ones(4), np.ones(3), np.ones(2)], "Sequence 2 of X has 2 time step\\(s\\); "
         "differencing of order 2 needs at least 3.*1 of 3"),
        (pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0]},
                      index=pd.MultiIndex.from_tuples([("p", 0), ("p", 1), ("q", 0), ("p", 2)])),
         "Sequence 1 \\(id 'q'\\) of X has 1 time step"),
        (np.ones((3, 2)), "X has 2 time step\\(s\\) \\(2 feature\\(s\\) per row of 2-D X\\)"),
        (np.ones((3, 2, 4)), "X has 2 time step\\(s\\) per sequence"),
    ],
)
def test_differencing_too_short_sequences_is_refused(X, message):
    """A sequence of order steps or fewer raises a ValueError naming it and its length."""
    with pytest.raises(ValueError, match=message):
        SequenceDifferencer(order=2).fit(X)
    with pytest.raises(ValueError, match=message):
        SequenceDifferencer(order=2).transform(X)


# ---------------------------------------------------------------------------
# SequenceImputer


def test_imputer_fills_only_from_the_same_sequence():
    """Changing one sequence never changes another's filled values, for every method."""
    X = _as_form("ragged 2-D", _sequences("ragged 2-D", nan=True))
    for method in ("ffill", "linear", "mean"):
        imputer = SequenceImputer(method=method)
        base = imputer.fit_transform(X)
        changed = [x.copy() for x in X]
        changed[1] = np.where(np.isnan(changed[1]), np.nan, changed[1] + 100.0)
        out = imputer.transform(changed)
        for i in (0, 2, 3):
            assert_array_equal(out[i], base[i])
        assert not np.array_equal(out[1], base[1])


def test_ffill_uses_only_the_past_after_the_first_observation():
    """With the first step observed, ffill's output up to step t ignores every later step."""
    x = np.array([1.0, np.nan, np.nan, 4.0, np.nan, 6.0, np.nan])
    base = SequenceImputer().transform([x])[0]
    assert_array_equal(base, [1.0, 1.0, 1.0, 4.0, 4.0, 6.0, 6.0])
    for t in range(len(x) - 1):
        later = x.copy()
        later[t + 1 :] = np.where(np.isnan(later[t + 1 :]), -5.0, later[t + 1 :] * 3)
        assert_array_equal(SequenceImputer().transform([later])[0][: t + 1], base[: t + 1])


@pytest.mark.parametrize(
    "X, message",
    [
        ([np.ones(3), np.full(2, np.nan)], "Sequence 1 of X is all NaN"),
        (np.array([[1.0, np.nan], [np.nan, np.nan]]), "Sequence 1 of X is all NaN"),
        (np.array([[[1.0, 2.0], [np.nan, 3.0]], [[4.0, np.nan], [5.0, np.nan]]]),
         "Sequence 1 of X, step feature 1, is all NaN"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, np.nan, np.nan]},
                      index=pd.MultiIndex.from_tuples([("p", 0), ("q", 0), ("q", 1)])),
         "Sequence 1 \\(id 'q'\\) of X, column 'b', is all NaN"),
    ],
)
def test_imputer_refuses_an_all_nan_channel(X, message):
    """A sequence channel with no observation raises, naming sequence (and id) and channel."""
    with pytest.raises(ValueError, match=message):
        SequenceImputer().fit(X)
    with pytest.raises(ValueError, match=message):
        SequenceImputer(method="linear").transform(X)


def test_imputer_still_refuses_infinity_and_bad_shapes():
    """Infinity and malformed sequences get the estimators' own errors."""
    with pytest.raises(ValueError, match="infinity: sequence 0, step 1"):
        SequenceImputer().fit_transform([np.array([np.nan, np.inf, 1.0])])
    with pytest.raises(ValueError, match="Sequence 1 of X is empty"):
        SequenceImputer().fit_transform([np.array([np.nan, 1.0]), np.array([])])
    imputer = SequenceImputer().fit([np.ones((3, 2))])
    with pytest.raises(ValueError, match="3 feature\\(s\\) per time step.*fitted with 2"):
        imputer.transform([np.full((2, 3), np.nan)])


def test_imputer_reads_pandas_missing_values():
    """pd.NA in a nullable long DataFrame and NaN in a 2-D DataFrame are filled, names kept."""
    long = pd.DataFrame({"v": pd.array([1.5, None, 3.5, None], dtype="Float64")},
                        index=pd.MultiIndex.from_tuples([("p", 0), ("p", 1), ("q", 0), ("q", 1)]))
    out = SequenceImputer().fit_transform(long)
    assert out.index.equals(long.index) and list(out.columns) == ["v"]
    assert_array_equal(out["v"].to_numpy(dtype=float), [1.5, 1.5, 3.5, 3.5])
    wide = pd.DataFrame({"t0": [1.0, np.nan], "t1": [np.nan, 2.0]}, index=["a", "b"])
    imputer = SequenceImputer().set_output(transform="pandas").fit(wide)
    filled = imputer.transform(wide)
    expected = pd.DataFrame({"t0": [1.0, 2.0], "t1": [1.0, 2.0]}, index=["a", "b"])
    pd.testing.assert_frame_equal(filled, expected)
    assert list(imputer.get_feature_names_out()) == ["t0", "t1"]


def test_pipeline_imputes_before_the_network():
    """The network rejects NaN; SequenceImputer in front of it fits as if filled by hand."""
    X = [5 * x for x in _sequences("ragged 2-D", nan=True)]
    y = np.arange(len(X), dtype=float)
    params = dict(n_hidden=3, max_iter=10, random_state=0)
    with pytest.raises(ValueError, match="contains NaN.*SequenceImputer"):
        SimpleRNNRegressor(**params).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(SequenceImputer(method="linear"), SimpleRNNRegressor(**params))
        pipe.fit(X, y)
        filled = [_linear(x) for x in X]
        by_hand = SimpleRNNRegressor(**params).fit(filled, y)
    assert_allclose(pipe.predict(X), by_hand.predict(filled), rtol=1e-10)
