"""Inputs that are legal but easy to get wrong: each is caught, warned about or aligned.

Long-format DataFrames keep their column names and their sequence ids: columns
are checked at predict as scikit-learn checks those of a 2-D DataFrame, and a
pandas y is matched to the sequences by id. Channels-first arrays, a series
passed whole, and sequences of one step are pointed to the fix.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_simplernn import SimpleRNNClassifier, SimpleRNNRegressor
from sklearn_simplernn._sequences import split_long_dataframe

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(7)
SEQS = [RNG.randn(T, 2) for T in (4, 6, 3, 5, 6, 2)]
IDS = ["c", "a", "e", "b", "f", "d"]  # listed in X in this order, not sorted
Y = np.array([s[-1, 0] - 2 * s[-1, 1] for s in SEQS])  # in the order of SEQS


def model(cls=SimpleRNNRegressor, **params):
    return cls(**{"n_hidden": 3, "max_iter": 5, "random_state": 0, **params})


def long_df(seqs=SEQS, ids=IDS, columns=("a", "b")):
    """Long format: one row per (sequence id, time), one column per step feature."""
    index = pd.MultiIndex.from_tuples(
        [(key, t) for key, s in zip(ids, seqs) for t in range(len(s))], names=["id", "time"]
    )
    return pd.DataFrame(np.vstack(seqs), index=index, columns=list(columns))


def no_warnings(func, *args):
    """func(*args), failing on any warning but the ConvergenceWarning of short fits."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        return func(*args)


# ---------------------------------------------------------------------------
# Step-feature names of long DataFrames


def test_long_dataframe_fit_records_step_feature_names():
    """A long DataFrame with string columns sets step_feature_names_in_, not the 2-D contract."""
    est = model().fit(long_df(), Y)
    np.testing.assert_array_equal(est.step_feature_names_in_, ["a", "b"])
    assert not hasattr(est, "feature_names_in_") and not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("method", ["predict", "score", "partial_fit"])
def test_long_dataframe_with_reordered_columns_raises(method):
    """Columns in another order than in fit raise scikit-learn's feature-name error."""
    X = long_df()
    est = model(solver="adam").fit(X, Y)
    args = (X[["b", "a"]],) if method == "predict" else (X[["b", "a"]], Y)
    with pytest.raises(ValueError, match=r"(?s)The feature names should match those that "
                                         r"were passed during fit.*same order as they were"):
        getattr(est, method)(*args)


def test_long_dataframe_with_renamed_or_extra_columns_raises():
    """Renamed and added columns are listed as unseen, dropped ones as missing."""
    X = long_df()
    est = model().fit(X, Y)
    renamed = X.rename(columns={"a": "x"})
    with pytest.raises(ValueError, match=r"(?s)unseen at fit time:\n- x\n.*now missing:\n- a\n"):
        est.predict(renamed)
    with pytest.raises(ValueError, match=r"(?s)unseen at fit time:\n- c\n"):
        est.predict(X.assign(c=1.0))


def test_classifier_checks_long_dataframe_columns():
    """The classifier's predict_proba rejects reordered step features too."""
    X = long_df()
    est = model(SimpleRNNClassifier).fit(X, Y > 0)
    with pytest.raises(ValueError, match="same order as they were in fit"):
        est.predict_proba(X[["b", "a"]])


def test_long_dataframe_with_the_fitted_columns_predicts_silently():
    """The same columns at predict (rows in any order) raise and warn nothing."""
    X = long_df()
    est = model().fit(X, Y)
    reversed_rows = no_warnings(est.predict, X.iloc[::-1])  # ids now first seen in reverse
    np.testing.assert_array_equal(reversed_rows, est.predict(X)[::-1])


@pytest.mark.parametrize(
    "X_new",
    [np.stack([s[:2] for s in SEQS]), SEQS, long_df(columns=(0, 1))],
    ids=["3d", "ragged", "long-int-columns"],
)
def test_unnamed_step_features_after_a_named_fit_warn(X_new):
    """Step features without names after a fit with names warn as scikit-learn does, then predict."""
    est = model().fit(long_df(), Y)
    with pytest.warns(UserWarning, match="X does not have valid feature names, but "
                                         "SimpleRNNRegressor was fitted with feature names"):
        assert est.predict(X_new).shape == (len(SEQS),)


def test_univariate_2d_input_after_a_named_long_fit_warns():
    """A 2-D array or DataFrame after a fit on a named univariate long DataFrame warns."""
    X = long_df([s[:, :1] for s in SEQS], columns=["close"])
    est = model().fit(X, Y)
    for X_new in (np.ones((2, 5)), pd.DataFrame(np.ones((2, 5)), columns=list("pqrst"))):
        with pytest.warns(UserWarning, match="X does not have valid feature names"):
            est.predict(X_new)


@pytest.mark.parametrize("fit_X", [np.stack([s[:2] for s in SEQS]), SEQS], ids=["3d", "ragged"])
def test_named_long_dataframe_after_an_unnamed_fit_warns(fit_X):
    """A long DataFrame with names after a fit without them warns as scikit-learn does."""
    est = model().fit(fit_X, Y)
    with pytest.warns(UserWarning, match="X has feature names, but SimpleRNNRegressor was "
                                         "fitted without feature names"):
        est.predict(long_df())


def test_integer_columns_are_not_names():
    """A long DataFrame with non-string columns records no names and warns nothing later."""
    est = model().fit(long_df(columns=(0, 1)), Y)
    assert not hasattr(est, "step_feature_names_in_")
    no_warnings(est.predict, SEQS)


def test_refit_without_names_forgets_step_feature_names():
    """Refitting on unnamed step features removes the names of an earlier long fit."""
    est = model().fit(long_df(), Y)
    est.fit(SEQS, Y)
    assert not hasattr(est, "step_feature_names_in_")
    no_warnings(est.predict, SEQS)


def test_failed_refit_keeps_the_step_feature_names():
    """A refit that fails after reading new column names leaves the fitted names as they were."""
    est = model().fit(long_df(), Y)
    with pytest.raises(ValueError, match="index does not match"):
        est.fit(long_df(columns=("p", "q")), pd.Series(Y, index=range(10, 16)))
    np.testing.assert_array_equal(est.step_feature_names_in_, ["a", "b"])


# ---------------------------------------------------------------------------
# y and sample_weight with a long DataFrame X


def sorted_by_id(values):
    """values (in the order of IDS) as a Series indexed by id, sorted: not X's order."""
    return pd.Series(values, index=IDS).sort_index()


def test_y_series_indexed_by_ids_is_aligned_by_id():
    """A y Series indexed by sequence id fits the same model as y in X's order."""
    X = long_df()
    ref = model().fit(X, Y)
    est = model().fit(X, sorted_by_id(Y))
    np.testing.assert_array_equal(est.recurrent_weights_, ref.recurrent_weights_)
    assert est.score(X, sorted_by_id(Y)) == ref.score(X, Y)


def test_y_dataframe_and_sample_weight_series_are_aligned_by_id():
    """Multi-output y and sample_weight indexed by id are aligned like a y Series."""
    X = long_df()
    Y2 = np.column_stack([Y, -Y])
    w = np.linspace(0.5, 2.0, len(Y))
    ref = model().fit(X, Y2, sample_weight=w)
    y_frame = pd.DataFrame(Y2, index=IDS).sort_index()
    est = model().fit(X, y_frame, sample_weight=sorted_by_id(w))
    np.testing.assert_array_equal(est.output_weights_, ref.output_weights_)
    assert est.score(X, y_frame, sample_weight=sorted_by_id(w)) == ref.score(X, Y2, sample_weight=w)


def test_classifier_and_partial_fit_align_y_by_id():
    """The classifier's fit and score, and partial_fit, align a y Series by id."""
    X = long_df()
    labels = np.where(Y > 0, "up", "down")
    ref = model(SimpleRNNClassifier).fit(X, labels)
    est = model(SimpleRNNClassifier).fit(X, sorted_by_id(labels))
    np.testing.assert_array_equal(est.output_weights_, ref.output_weights_)
    assert est.score(X, sorted_by_id(labels)) == ref.score(X, labels)
    ref = model(solver="sgd").partial_fit(X, Y)
    est = model(solver="sgd").partial_fit(X, sorted_by_id(Y))
    np.testing.assert_array_equal(est.recurrent_weights_, ref.recurrent_weights_)


def test_y_with_default_range_index_is_read_by_position():
    """A y Series with a default RangeIndex is read in X's order of first appearance."""
    X = long_df()
    ref = model().fit(X, Y)
    est = model().fit(X, pd.Series(Y))
    np.testing.assert_array_equal(est.recurrent_weights_, ref.recurrent_weights_)


def test_integer_ids_in_another_order_are_aligned_by_label():
    """Ids 0..n-1 listed out of order: a y indexed by them is matched by label, not position."""
    order = [2, 0, 5, 1, 4, 3]
    X = long_df(ids=order)
    ref = model().fit(X, Y)
    est = model().fit(X, pd.Series(Y, index=order).sort_index())
    np.testing.assert_array_equal(est.recurrent_weights_, ref.recurrent_weights_)


def test_default_range_index_is_positional_even_when_the_ids_are_integers():
    """Ids 0..n-1 out of order and a y with a default RangeIndex: read by position, as documented."""
    order = [2, 0, 5, 1, 4, 3]
    X = long_df(ids=order)
    ref = model().fit(X, Y)
    est = model().fit(X, pd.Series(Y))
    np.testing.assert_array_equal(est.recurrent_weights_, ref.recurrent_weights_)


def test_one_dimensional_input_to_a_stateless_transformer_names_no_nonetype():
    """The 1-D error of a transformer used without fit says what expected sequences, never 'NoneType'."""
    from sklearn_simplernn.preprocessing import SequenceReverser

    with pytest.raises(ValueError, match="Expected 2D array") as info:
        SequenceReverser().inverse_transform(np.arange(5.0))
    assert "NoneType" not in str(info.value)


def test_y_indexed_by_other_labels_raises_naming_them():
    """A y whose index is neither the ids nor a default RangeIndex names missing and extra ids."""
    y = pd.Series(Y, index=["c", "a", "e", "b", "f", "zz"])
    with pytest.raises(ValueError, match=r"1 sequence id\(s\) of X are not in its index \('d'\)"
                                         r".*1 label\(s\) that are not sequence ids of X \('zz'\)"):
        model().fit(long_df(), y)
    with pytest.raises(ValueError, match=r"sample_weight is a pandas Series whose index"):
        model().fit(long_df(), Y, sample_weight=pd.Series(1.0, index=range(1, 7)))


def test_y_with_the_long_index_of_x_raises():
    """A y with one value per row (X's two-level index) is refused with the groupby fix."""
    X = long_df()
    with pytest.raises(ValueError, match=r"2-level index.*y\.groupby\(level=0\)\.last\(\)"):
        model().fit(X, pd.Series(1.0, index=X.index))


# ---------------------------------------------------------------------------
# Fitted state as scikit-learn and MAPIE see it


FORMS = {
    "2d": RNG.randn(8, 5),
    "3d-univariate": RNG.randn(8, 5, 1),
    "3d-multivariate": RNG.randn(8, 5, 3),
    "ragged": [RNG.randn(T) for T in (3, 7, 4, 5, 6, 2, 8, 4)],
    "long": long_df([RNG.randn(T, 2) for T in (3, 7, 4, 5, 6, 2, 8, 4)], ids=list(range(8))),
}


def mapie_accepts(est, X):
    """MAPIE 1.6.0's checks of a prefit model, re-implemented.

    mapie/utils.py, check_sklearn_user_model_is_fitted::

        present_attrs = [attr for attr in FIT_INDICATORS if hasattr(estimator, attr)]
        if not present_attrs:
            warnings.warn("Estimator does not appear fitted. ...")
        if hasattr(estimator, "n_features_in_"):
            estimator.predict(np.zeros((1, estimator.n_features_in_)))  # else raises

    with FIT_INDICATORS = ["n_features_in_", "classes_", "coef_", "feature_names_in_",
    "tree_", "estimators_", "fitted_", "is_fitted"]; and, for classifiers,
    mapie/utils.py, _check_n_features_in(X, cv="prefit", estimator) raises unless
    estimator.n_features_in_ == X.shape[1] (len(X[0]) for a list), if it is set.
    """
    indicators = ["n_features_in_", "classes_", "coef_", "feature_names_in_",
                  "tree_", "estimators_", "fitted_", "is_fitted"]
    if not any(hasattr(est, attr) for attr in indicators):
        return False
    if hasattr(est, "n_features_in_"):
        est.predict(np.zeros((1, est.n_features_in_)))
        width = np.shape(X)[1] if hasattr(X, "shape") else len(X[0])
        return est.n_features_in_ == width
    return True


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("cls", [SimpleRNNRegressor, SimpleRNNClassifier])
def test_fitted_state_passes_sklearn_and_mapie_checks(form, cls):
    """After a fit on any form, check_is_fitted and MAPIE's prefit checks pass; before, not."""
    X = FORMS[form]
    n = 8
    y = np.arange(n) % 2 if cls is SimpleRNNClassifier else np.linspace(-1, 1, n)
    est = model(cls)
    assert est.is_fitted is False
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    est.fit(X, y)
    check_is_fitted(est)
    assert est.is_fitted is True
    assert mapie_accepts(est, X)


@pytest.mark.parametrize("form", ["3d-univariate", "3d-multivariate", "ragged", "long"])
def test_no_n_features_in_without_a_fixed_width(form):
    """3-D, ragged and long fits set no n_features_in_: they have no fixed 2-D width."""
    est = model().fit(FORMS[form], np.linspace(-1, 1, 8))
    assert not hasattr(est, "n_features_in_")


# ---------------------------------------------------------------------------
# Channels-first arrays


def test_channels_first_3d_array_warns_naming_the_fix():
    """aeon's (n, channels, time) layout, read as 6 steps of 100 features, warns with the fix."""
    X = RNG.randn(40, 6, 100)  # 6 channels, 100 time steps
    with pytest.warns(UserWarning, match=r"\(40, 6, 100\).*np\.swapaxes\(X, 1, 2\).*"
                                         r"sklearn_simplernn\.preprocessing\.to_channels_last"):
        model(max_iter=1).fit(X, np.zeros(40))


def test_channels_first_ragged_list_warns():
    """A list of (channels, T) arrays, all far wider than long, warns with [x.T for x in X]."""
    X = [RNG.randn(2, 50) for _ in range(5)]
    with pytest.warns(UserWarning, match=r"channels first.*\[x\.T for x in X\]"):
        model(max_iter=1).fit(X, np.zeros(5))


def test_channels_first_ragged_list_of_other_lengths_error_says_transpose():
    """(channels, T_i) arrays of different T_i fail on their widths, and the error says transpose."""
    X = [RNG.randn(3, 50), RNG.randn(3, 60)]
    with pytest.raises(ValueError, match=r"Both have 3 rows: .*channels first.*\[x\.T for x in X\]"):
        model().fit(X, np.zeros(2))


@pytest.mark.parametrize(
    "X",
    [RNG.randn(6, 10, 100), RNG.randn(6, 20, 3), [RNG.randn(T, 60) for T in (6, 7, 8, 9, 10, 12)]],
    ids=["10-tokens-of-100-dims", "ordinary-3d", "ragged-wide"],
)
def test_plausible_wide_inputs_do_not_warn(X):
    """Up to ten times as many features as steps (e.g. token embeddings) fits silently."""
    no_warnings(model(max_iter=1).fit, X, np.zeros(6))


# ---------------------------------------------------------------------------
# A series passed whole, and sequences of one step


@pytest.mark.parametrize(
    "X",
    [np.linspace(1, 2, 30), pd.Series(np.linspace(1, 2, 30)), list(np.linspace(1, 2, 30))],
    ids=["1d-array", "series", "list-of-numbers"],
)
def test_1d_X_at_fit_says_make_windows(X):
    """A single series as X is refused with make_windows and reshape(-1, 1) as the fixes."""
    with pytest.raises(ValueError, match=r"single series of 30 values.*preprocessing\.make_windows"
                                         r"\(series, lookback=\.\.\.\).*Reshape your data with "
                                         r"X\.reshape\(-1, 1\)"):
        model().fit(X, np.zeros(30))


def test_1d_X_at_predict_says_reshape_to_one_sequence():
    """A single sequence given as 1-D X at predict is told to use X.reshape(1, -1)."""
    est = model().fit(SEQS, Y)
    with pytest.raises(ValueError, match=r"Reshape your data with X\.reshape\(1, -1\)"):
        est.predict(np.ones(5))


@pytest.mark.parametrize(
    "X",
    [pd.Series(np.linspace(1, 2, 30), name="close").to_frame(), RNG.randn(30, 1, 3),
     [RNG.randn(1) for _ in range(30)]],
    ids=["series-to-frame", "3d-one-step", "ragged-one-step"],
)
def test_sequences_of_one_step_warn_naming_make_windows(X):
    """Fitting sequences that all have a single step warns and names make_windows."""
    with pytest.warns(UserWarning, match=r"single time step.*preprocessing\.make_windows"):
        model(max_iter=1).fit(X, np.zeros(30))


def test_channels_first_univariate_warns_once():
    """aeon's univariate (n, 1, T) warns about the layout only, not also about one step."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model(max_iter=1).fit(RNG.randn(10, 1, 50), np.zeros(10))
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    assert len(messages) == 1 and "channels" in messages[0]


def test_ordinary_fits_do_not_warn():
    """2-D, ragged and long inputs of several steps fit without any warning."""
    for X, y in ((RNG.randn(10, 4), np.zeros(10)), (SEQS, Y), (long_df(), Y)):
        no_warnings(model().fit, X, y)


# ---------------------------------------------------------------------------
# split_long_dataframe


def test_split_long_dataframe_returns_sequences_in_the_estimators_order():
    """Sequences come in order of first appearance, steps sorted by time, with their ids."""
    X = long_df().sample(frac=1.0, random_state=0)  # rows shuffled
    first_seen = list(dict.fromkeys(X.index.get_level_values(0)))
    seqs, ids = split_long_dataframe(X)
    assert ids == first_seen
    for key, seq in zip(ids, seqs):
        np.testing.assert_array_equal(seq, SEQS[IDS.index(key)])
        assert seq.dtype == np.float64
    est = model().fit(X, pd.Series(Y, index=IDS))
    np.testing.assert_array_equal(est.predict(X), no_warnings(est.predict, long_df().loc[ids]))


def test_split_long_dataframe_validates_like_the_estimators():
    """A NaN is reported with its sequence id; other inputs are refused with a TypeError."""
    X = long_df()
    X.iloc[5, 1] = np.nan  # sequence 1 (id 'a'), step 1
    with pytest.raises(ValueError, match=r"NaN: sequence 1 \(id 'a'\), step 1"):
        split_long_dataframe(X)
    with pytest.raises(TypeError, match=r"two-level index"):
        split_long_dataframe(pd.DataFrame(np.ones((3, 2))))


def test_cross_validation_of_a_long_dataframe_through_from_long_dataframe():
    """A long DataFrame fails cross_val_score as is (rows counted) but works once split, with the user guide's recipe."""
    from sklearn.model_selection import cross_val_score

    from sklearn_simplernn.preprocessing import from_long_dataframe

    rng = np.random.RandomState(0)
    seqs = [rng.randn(T, 2) for T in rng.randint(3, 9, size=30)]
    ids = [f"s{i}" for i in range(30)][::-1]
    X_long = long_df(seqs, ids)
    y_by_id = pd.Series([s[-1, 0] for s in seqs], index=ids).sort_index()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cross_val_score(model(), X_long, y_by_id, cv=3)
    sequences, seq_ids = from_long_dataframe(X_long)
    assert seq_ids == ids
    y = y_by_id.loc[seq_ids]
    scores = cross_val_score(model(), sequences, y, cv=3)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    fitted = model().fit(sequences, y)
    predictions = pd.Series(fitted.predict(sequences), index=seq_ids)
    # The split list is exactly what the estimator reads from the long DataFrame.
    np.testing.assert_array_equal(predictions.to_numpy(), fitted.predict(X_long))
