"""Every accepted form of X, y and sample_weight, and what each one promises.

The same sequences given as a 2-D array, a DataFrame, a 3-D array, a ragged
list/tuple/object array or a long-format DataFrame are the same data: they fit
the same model and get the same predictions. The caller's arrays are never
written to.
"""

import pickle

import numpy as np
import pandas as pd
import pytest

from sklearn_simplernn import SimpleRNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# ---------------------------------------------------------------------------
# Helpers: one set of sequences in every form


def model(**params):
    defaults = dict(n_hidden=3, max_iter=5, random_state=0)
    return SimpleRNNRegressor(**{**defaults, **params})


def long_frame(seqs, ids=None):
    """The long format: one row per (sequence id, time), one column per step feature."""
    ids = list(range(len(seqs))) if ids is None else ids
    rows, index = [], []
    for key, seq in zip(ids, seqs):
        seq = np.asarray(seq).reshape(len(seq), -1)
        for t, step in enumerate(seq):
            rows.append(step)
            index.append((key, t))
    D = len(rows[0])
    return pd.DataFrame(
        np.array(rows), columns=[f"f{d}" for d in range(D)],
        index=pd.MultiIndex.from_tuples(index, names=["id", "time"]),
    )


def n_sequences(X):
    if isinstance(X, pd.DataFrame) and X.index.nlevels == 2:
        return X.index.get_level_values(0).nunique()
    return len(X)


def object_array(seqs):
    out = np.empty(len(seqs), dtype=object)
    out[:] = list(seqs)
    return out


def univariate_forms(X2):
    """Equal-length univariate sequences (rows of X2) in every accepted form."""
    n, T = X2.shape
    return {
        "2d-array": X2,
        "2d-list": X2.tolist(),
        "dataframe": pd.DataFrame(X2, columns=[f"t{t}" for t in range(T)]),
        "3d-array": X2[:, :, None],
        "list-1d": [row for row in X2],
        "list-2d": [row[:, None] for row in X2],
        "tuple-1d": tuple(row for row in X2),
        "object-array": object_array([row for row in X2]),
        "long-dataframe": long_frame([row for row in X2]),
    }


def multivariate_forms(seqs):
    """Sequences of shape (T_i, D) in every accepted form (3-D only when equal lengths)."""
    forms = {
        "list": list(seqs),
        "tuple": tuple(seqs),
        "object-array": object_array(seqs),
        "nested-lists": [s.tolist() for s in seqs],
        "long-dataframe": long_frame(seqs),
    }
    if len({len(s) for s in seqs}) == 1:
        forms["3d-array"] = np.stack(seqs)
    return forms


RNG = np.random.RandomState(42)
X2 = RNG.randn(12, 6)
Y = X2.sum(axis=1)
RAGGED = [RNG.randn(n, 2) for n in (4, 1, 7, 3, 7, 2, 5, 6)]
Y_RAGGED = np.array([s.sum() for s in RAGGED])
UNI = univariate_forms(X2)
MULTI = multivariate_forms(RAGGED)
MULTI_EQUAL = multivariate_forms([RNG.randn(5, 2) for _ in range(6)])


# ---------------------------------------------------------------------------
# The 2-D width contract


def test_2d_array_sets_n_features_in():
    """A 2-D array sets n_features_in_ to the number of steps, and no feature names."""
    est = model().fit(X2, Y)
    assert est.n_features_in_ == X2.shape[1]
    assert not hasattr(est, "feature_names_in_")
    assert est.n_step_features_ == 1


def test_dataframe_sets_feature_names_in():
    """A 2-D DataFrame sets feature_names_in_ to its columns."""
    est = model().fit(UNI["dataframe"], Y)
    np.testing.assert_array_equal(est.feature_names_in_, UNI["dataframe"].columns)
    assert est.n_features_in_ == X2.shape[1]


@pytest.mark.parametrize("method", ["predict", "score"])
def test_2d_predict_with_other_width_raises_standard_error(method):
    """After a 2-D fit, predict/score on a different number of columns raises sklearn's error."""
    est = model().fit(X2, Y)
    X_other = np.ones((3, X2.shape[1] + 2))
    args = (X_other,) if method == "predict" else (X_other, np.ones(3))
    msg = f"X has {X2.shape[1] + 2} features, but SimpleRNNRegressor is expecting {X2.shape[1]} features"
    with pytest.raises(ValueError, match=msg):
        getattr(est, method)(*args)


# Unnamed step features after the long DataFrame's named one warn, as in scikit-learn.
@pytest.mark.filterwarnings("ignore:X does not have valid feature names:UserWarning")
@pytest.mark.parametrize("form", ["3d-array", "list-1d", "long-dataframe"])
def test_width_free_fit_removes_earlier_width_contract(form):
    """Refitting on a 3-D, ragged or long form drops n_features_in_ of an earlier 2-D fit."""
    est = model().fit(UNI["dataframe"], Y)
    est.fit(UNI[form], Y)
    assert not hasattr(est, "n_features_in_")
    assert not hasattr(est, "feature_names_in_")
    # ... so 2-D input of any width is accepted now.
    assert est.predict(np.ones((2, 9))).shape == (2,)


def test_2d_dataframe_predict_after_width_free_fit_does_not_warn():
    """A DataFrame at predict after a ragged fit has no fitted names to be warned about."""
    est = model().fit(UNI["list-1d"], Y)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.predict(UNI["dataframe"])


# ---------------------------------------------------------------------------
# Every form is the same data


# The long DataFrame's named column after an unnamed fit warns, as in scikit-learn.
@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
@pytest.mark.parametrize("form", sorted(UNI))
def test_univariate_forms_predict_identically(form):
    """The same equal-length sequences in any form get the same predictions."""
    est = model().fit(UNI["list-1d"], Y)
    expected = est.predict(UNI["list-1d"])
    np.testing.assert_allclose(est.predict(UNI[form]), expected, rtol=1e-12, atol=1e-14)


# Unnamed step features after the long DataFrame's named one warn, as in scikit-learn.
@pytest.mark.filterwarnings("ignore:X does not have valid feature names:UserWarning")
@pytest.mark.parametrize("form", sorted(UNI))
def test_univariate_forms_fit_identically(form):
    """Fitting on any form of the same sequences gives the same model."""
    ref = model(max_iter=10).fit(X2, Y)
    est = model(max_iter=10).fit(UNI[form], Y)
    assert est.n_step_features_ == 1
    np.testing.assert_allclose(est.recurrent_weights_, ref.recurrent_weights_, rtol=1e-10)
    X = UNI["list-1d"]
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
@pytest.mark.parametrize("forms", [MULTI, MULTI_EQUAL], ids=["ragged", "equal-lengths"])
def test_multivariate_forms_fit_and_predict_identically(forms):
    """Ragged (T_i, D) sequences as list, tuple, object array, nested lists or long DataFrame agree."""
    y = np.arange(len(forms["list"]), dtype=float)
    ref = model(max_iter=10).fit(forms["list"], y)
    expected = ref.predict(forms["list"])
    for name, X in forms.items():
        est = model(max_iter=10).fit(X, y)
        assert est.n_step_features_ == 2, name
        np.testing.assert_allclose(est.predict(X), expected, rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(ref.predict(X), expected, rtol=1e-12, atol=1e-14, err_msg=name)


# A DataFrame after a plain 2-D array fit gets scikit-learn's feature-name warning, and
# so do unnamed step features after a fit on a long DataFrame with named columns.
@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
@pytest.mark.filterwarnings("ignore:X does not have valid feature names:UserWarning")
@pytest.mark.parametrize("fit_form", sorted(UNI))
def test_model_fitted_on_one_form_predicts_on_every_other(fit_form):
    """With the same n_step_features_, a model fitted on any form predicts any other form."""
    est = model().fit(UNI[fit_form], Y)
    expected = est.predict(UNI["list-1d"])
    for name, X in UNI.items():
        if name in ("2d-array", "2d-list", "dataframe") and hasattr(est, "feature_names_in_"):
            X = UNI["dataframe"]  # the fitted column names must be respected
        np.testing.assert_allclose(est.predict(X), expected, rtol=1e-12, atol=1e-14, err_msg=name)
    # Ragged sequences of other lengths too.
    assert est.predict([np.ones(2), np.ones(11)]).shape == (2,)


@pytest.mark.parametrize(
    "X, expected",
    [
        (np.ones((3, 4)), 1),
        (np.ones((3, 4, 5)), 5),
        ([np.ones(3), np.ones(5)], 1),
        ([np.ones((3, 2)), np.ones((5, 2))], 2),
        ([np.ones(3), np.ones((5, 1))], 1),
        (long_frame([np.ones((3, 3)), np.ones((2, 3))]), 3),
    ],
    ids=["2d", "3d", "ragged-1d", "ragged-2d", "ragged-mixed-1d-and-(T,1)", "long"],
)
def test_n_step_features_for_each_form(X, expected):
    """n_step_features_ is the number of features per time step, whatever the form."""
    est = model(max_iter=1).fit(X, np.arange(float(n_sequences(X))))
    assert est.n_step_features_ == expected


@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
def test_long_dataframe_order_and_time_sorting():
    """Long format: sequences in order of first appearance, steps sorted by the time level."""
    seqs = [RNG.randn(4, 2), RNG.randn(2, 2), RNG.randn(3, 2)]
    frame = long_frame(seqs, ids=["b", "a", "c"])
    shuffled = frame.iloc[[2, 0, 3, 1, 5, 4, 8, 6, 7]]  # time order scrambled within ids
    assert list(dict.fromkeys(shuffled.index.get_level_values(0))) == ["b", "a", "c"]
    est = model().fit(seqs, np.arange(3.0))
    np.testing.assert_allclose(est.predict(shuffled), est.predict(seqs), rtol=1e-12)


# ---------------------------------------------------------------------------
# y and sample_weight


def test_y_1d_and_2d():
    """1-D y gives 1-D predictions; 2-D y gives one column per output."""
    est = model().fit(RAGGED, Y_RAGGED)
    assert est.n_outputs_ == 1 and est.predict(RAGGED).shape == (len(RAGGED),)
    Y2 = np.column_stack([Y_RAGGED, -Y_RAGGED, Y_RAGGED**2])
    est = model().fit(RAGGED, Y2)
    assert est.n_outputs_ == 3 and est.predict(RAGGED).shape == (len(RAGGED), 3)
    assert est.output_weights_.shape == (3, 3)


def test_y_as_list_and_series():
    """y as a list or a pandas Series fits the same model as the ndarray."""
    ref = model().fit(RAGGED, Y_RAGGED).predict(RAGGED)
    for y in (list(Y_RAGGED), pd.Series(Y_RAGGED)):
        np.testing.assert_allclose(model().fit(RAGGED, y).predict(RAGGED), ref, rtol=1e-12)


def test_integer_sample_weight_equals_repetition():
    """A full-batch fit with sample weight k equals the fit with the sequence repeated k times."""
    w = np.array([2, 1, 1, 3, 1, 1, 1, 2])
    repeated = [s for s, k in zip(RAGGED, w) for _ in range(k)]
    y_rep = np.repeat(Y_RAGGED, w)
    params = dict(solver="gd", learning_rate_init=0.05, max_iter=20)
    a = model(**params).fit(RAGGED, Y_RAGGED, sample_weight=w)
    b = model(**params).fit(repeated, y_rep)
    np.testing.assert_allclose(a.predict(RAGGED), b.predict(RAGGED), rtol=1e-9)
    assert a.loss_ == pytest.approx(b.loss_, rel=1e-9)


def test_zero_sample_weight_equals_removal():
    """A sequence with weight 0 has no effect on a full-batch fit."""
    w = np.ones(len(RAGGED))
    w[2] = 0
    params = dict(solver="gd", learning_rate_init=0.05, max_iter=20)
    a = model(**params).fit(RAGGED, Y_RAGGED, sample_weight=w)
    keep = [i for i in range(len(RAGGED)) if i != 2]
    b = model(**params).fit([RAGGED[i] for i in keep], Y_RAGGED[keep])
    np.testing.assert_allclose(a.predict(RAGGED), b.predict(RAGGED), rtol=1e-9)


def test_sample_weight_changes_the_fit():
    """Non-uniform sample weights are actually used."""
    w = np.linspace(0.1, 3, len(RAGGED))
    a = model().fit(RAGGED, Y_RAGGED, sample_weight=w)
    b = model().fit(RAGGED, Y_RAGGED)
    assert not np.allclose(a.predict(RAGGED), b.predict(RAGGED))


# ---------------------------------------------------------------------------
# Dtypes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("form", ["2d", "3d", "ragged"])
def test_float32_and_float64_are_kept(dtype, form):
    """float32 and float64 input train in that precision; predictions have that dtype."""
    X = {"2d": X2, "3d": X2[:, :, None], "ragged": list(X2)}[form]
    X = X.astype(dtype) if form != "ragged" else [x.astype(dtype) for x in X]
    est = model().fit(X, Y)
    assert est.recurrent_weights_.dtype == dtype
    assert est.predict(X).dtype == dtype


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.float16, np.bool_])
@pytest.mark.parametrize("form", ["2d", "3d", "ragged", "long"])
def test_other_real_dtypes_are_converted_to_float64(dtype, form):
    """Integers, float16 and booleans are read as float64 numbers (booleans as 0.0/1.0)."""
    Xi = (np.abs(X2) > 0.5) if dtype is np.bool_ else (np.abs(X2) * 3).astype(dtype)
    as_float = Xi.astype(np.float64)
    convert = {
        "2d": lambda A: A,
        "3d": lambda A: A[:, :, None],
        "ragged": lambda A: list(A),
        "long": lambda A: long_frame(list(A)),
    }[form]
    est = model().fit(convert(Xi), Y)
    assert est.recurrent_weights_.dtype == np.float64
    ref = model().fit(convert(as_float), Y)
    np.testing.assert_allclose(est.predict(convert(Xi)), ref.predict(convert(as_float)), rtol=1e-12)


# ---------------------------------------------------------------------------
# The caller's arrays are never written to


def read_only(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


READ_ONLY_FORMS = {
    "2d": lambda: read_only(X2),
    "3d": lambda: read_only(X2[:, :, None]),
    "ragged": lambda: [read_only(x) for x in X2],
    "object-array": lambda: object_array([read_only(x) for x in X2]),
}


@pytest.mark.parametrize("form", sorted(READ_ONLY_FORMS))
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_read_only_inputs_are_accepted(form, solver):
    """fit, partial_fit, predict and score accept read-only X, y and sample_weight."""
    X = READ_ONLY_FORMS[form]()
    y, w = read_only(Y), read_only(np.linspace(0.5, 1.5, len(Y)))
    est = model(solver=solver).fit(X, y, sample_weight=w)
    est.predict(X)
    est.score(X, y, sample_weight=w)
    if solver == "adam":
        est.partial_fit(X, y, sample_weight=w)


def test_read_only_dataframe_values_are_accepted():
    """A DataFrame whose values are read-only (pandas copy-on-write) fits and predicts."""
    frame = pd.DataFrame(read_only(X2))
    long = long_frame(list(X2))
    for X in (frame, long):
        model(solver="adam").fit(X, Y).partial_fit(X, Y).predict(X)


@pytest.mark.parametrize(
    "make_X",
    [
        lambda: X2.copy(),
        lambda: X2[:, :, None].copy(),
        lambda: [x.copy() for x in RAGGED],
        lambda: object_array([x.copy() for x in RAGGED]),
        lambda: pd.DataFrame(X2.copy()),
        lambda: long_frame(RAGGED),
        lambda: np.asfortranarray(X2.astype(np.float32)),
    ],
    ids=["2d", "3d", "ragged", "object-array", "dataframe", "long", "fortran-float32"],
)
@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_inputs_are_unchanged_after_fit_and_predict(make_X, solver):
    """After fit, partial_fit, predict and score, X, y and sample_weight equal copies taken before."""
    X = make_X()
    n = n_sequences(X)
    y = np.linspace(-1, 1, n)
    w = np.linspace(0.5, 2, n)
    snapshot = pickle.loads(pickle.dumps((X, y, w)))
    est = model(solver=solver).fit(X, y, sample_weight=w)
    est.predict(X)
    est.score(X, y, sample_weight=w)
    if solver == "sgd":
        est.partial_fit(X, y, sample_weight=w)
    X0, y0, w0 = snapshot
    if isinstance(X, pd.DataFrame):
        pd.testing.assert_frame_equal(X, X0)
    elif isinstance(X, np.ndarray) and X.dtype != object:
        np.testing.assert_array_equal(X, X0)
        assert X.flags.f_contiguous == X0.flags.f_contiguous
    else:
        for a, b in zip(X, X0):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(w, w0)


def test_pandas_series_of_arrays_is_ragged_input():
    """A Series holding one array per row (a DataFrame column of sequences) is the ragged form."""
    rng = np.random.RandomState(0)
    X = [rng.randn(T) for T in (3, 6, 4, 5)]
    y = np.arange(4.0)
    model = SimpleRNNRegressor(n_hidden=3, max_iter=5, tol=1.0, random_state=0)
    model.fit(pd.Series(X, index=list("abcd")), y)
    np.testing.assert_array_equal(model.predict(pd.Series(X)), model.predict(X))
    assert not hasattr(model, "n_features_in_")
