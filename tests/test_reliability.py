"""Hostile inputs, invalid parameters, numerical faults, concurrency and determinism.

Every bad input gets an error of the right type whose message names the
problem (and the sequence and step where there is one), before any training.
Numerical trouble ends in finite results or a clear error, never NaN, and a
failed call leaves a fitted estimator as it was.
"""

import copy
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_simplernn import SimpleRNNRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(7)
X2 = RNG.randn(10, 5)
Y = X2.sum(axis=1)
RAGGED = [RNG.randn(n, 2) for n in (3, 5, 2, 4)]
Y_RAGGED = np.arange(4.0)


def model(**params):
    defaults = dict(n_hidden=3, max_iter=5, random_state=0)
    return SimpleRNNRegressor(**{**defaults, **params})


def with_value(a, index, value):
    a = np.array(a, dtype=float)
    a[index] = value
    return a


def long_frame(seqs, ids):
    rows, index = [], []
    for key, seq in zip(ids, seqs):
        seq = np.asarray(seq, dtype=object).reshape(len(seq), -1)
        for t, step in enumerate(seq):
            rows.append(list(step))
            index.append((key, t))
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["id", "time"]))


def object_array(items):
    out = np.empty(len(items), dtype=object)
    out[:] = list(items)
    return out


def n_of(X):
    if isinstance(X, pd.DataFrame) and X.index.nlevels == 2:
        return X.index.get_level_values(0).nunique()
    try:
        return len(X)
    except TypeError:
        return 1


# ---------------------------------------------------------------------------
# Bad X at fit: (id, X, error type, message pattern)

BAD_X = [
    # Non-finite values, located.
    ("nan-2d", with_value(X2, (1, 2), np.nan), ValueError, r"NaN: sequence 1, step 2 "),
    ("inf-2d", with_value(X2, (0, 4), np.inf), ValueError, r"infinity: sequence 0, step 4 "),
    ("nan-dataframe", pd.DataFrame(with_value(X2, (3, 0), np.nan)), ValueError,
     r"NaN: sequence 3, step 0 "),
    ("nan-3d", with_value(np.ones((3, 4, 2)), (2, 1, 1), np.nan), ValueError,
     r"NaN: sequence 2, step 1, step feature 1 "),
    ("inf-3d", with_value(np.ones((3, 4, 2)), (1, 3, 0), -np.inf), ValueError,
     r"infinity: sequence 1, step 3, step feature 0 "),
    ("nan-ragged", [np.ones(3), with_value(np.ones(4), 2, np.nan)], ValueError,
     r"NaN: sequence 1, step 2 "),
    ("inf-ragged-2d", [np.ones((3, 2)), np.ones((2, 2)), with_value(np.ones((5, 2)), (4, 1), np.inf)],
     ValueError, r"infinity: sequence 2, step 4, step feature 1 "),
    ("nan-long", long_frame([[1.0, 2.0], [3.0, np.nan, 4.0]], ids=["a", "b"]), ValueError,
     r"NaN: sequence 1 \(id 'b'\), step 1 "),
    ("none-inside-sequence", [np.ones(3), np.array([1.0, None], dtype=object)], ValueError,
     r"NaN: sequence 1, step 1 "),
    # Nothing to learn from.
    ("empty-list", [], ValueError, r"X is an empty list: at least one sequence"),
    ("empty-tuple", (), ValueError, r"X is an empty tuple"),
    ("empty-object-array", np.empty(0, dtype=object), ValueError, r"X is an empty ndarray"),
    ("empty-sequence", [np.ones(3), np.ones(0)], ValueError, r"Sequence 1 of X is empty"),
    ("empty-2d-sequence", [np.ones((3, 2)), np.ones((0, 2))], ValueError, r"Sequence 1 of X is empty"),
    ("zero-feature-sequence", [np.ones((3, 0)), np.ones((2, 0))], ValueError,
     r"Sequence 0 of X has 0 features per step"),
    ("zero-feature-later-sequence", [np.ones((3, 1)), np.ones((2, 0))], ValueError,
     r"Sequence 1 of X has 0 features per step"),
    ("3d-zero-steps", np.ones((3, 0, 2)), ValueError, r"at least one time step and one feature.*\(3, 0, 2\)"),
    ("3d-zero-features", np.ones((3, 2, 0)), ValueError, r"at least one time step and one feature.*\(3, 2, 0\)"),
    ("2d-zero-steps", np.ones((3, 0)), ValueError, r"0 feature\(s\)"),
    ("2d-zero-samples", np.ones((0, 3)), ValueError, r"0 sample\(s\)"),
    ("3d-zero-samples", np.ones((0, 3, 2)), ValueError, r"0 sample\(s\)"),
    ("long-no-rows", pd.DataFrame({"a": []}, index=pd.MultiIndex.from_tuples([], names=["i", "t"])),
     ValueError, r"long-format DataFrame X has no rows"),
    ("long-no-columns", pd.DataFrame(index=pd.MultiIndex.from_tuples([(0, 0), (0, 1)])),
     ValueError, r"long-format DataFrame X has no columns"),
    # Not an array of sequences at all.
    ("scalar", 5.0, TypeError, r"X must be a 2-D array .*; got float 5\.0"),
    ("numpy-scalar", np.float32(1), TypeError, r"X must be .*; got float32"),
    ("string", "abc", TypeError, r"X must be .*; got str 'abc'"),
    ("bytes", b"abc", TypeError, r"X must be .*; got bytes b'abc'"),
    ("dict", {"a": [1, 2]}, TypeError, r"X must be .*; got dict"),
    ("none", None, TypeError, r"X must be .*; got NoneType None"),
    ("1d-array", np.ones(4), ValueError, r"Expected 2D array, got 1D array"),
    ("4d-array", np.ones((2, 3, 2, 1)), ValueError, r"X has 4 dimensions \(shape \(2, 3, 2, 1\)\)"),
    ("sparse", sp.csr_matrix(np.ones((3, 4))), TypeError, r"Sparse data was passed"),
    # Malformed sequences, located.
    ("none-sequence", [np.ones(3), None], TypeError, r"Sequence 1 of X is a NoneType"),
    ("scalar-sequence", [np.ones(3), 2.0], TypeError, r"Sequence 1 of X is a float"),
    ("string-sequence", [np.ones(3), "abc"], TypeError, r"Sequence 1 of X is a str"),
    ("bytes-sequence", [np.ones(3), b"abc"], TypeError, r"Sequence 1 of X is a bytes"),
    ("dict-sequence", [np.ones(3), {"a": 1}], TypeError, r"Sequence 1 of X is a dict"),
    ("sparse-sequence", [sp.csr_matrix(np.ones((3, 2)))], TypeError, r"Sequence 0 of X is a sparse matrix"),
    ("3d-sequence", [np.ones((2, 2)), np.ones((2, 2, 2))], ValueError,
     r"Sequence 1 of X has 3 dimensions \(shape \(2, 2, 2\)\)"),
    ("unequal-inner-widths", [[[1, 2], [3, 4]], [[1, 2], [3, 4], [5]]], ValueError,
     r"Sequence 1 of X has steps of different widths: step 2 has shape \(1,\), step 0 has shape \(2,\)"),
    ("mixed-1d-2d-features", [np.ones(3), np.ones((3, 2))], ValueError,
     r"Sequence 1 of X has 2 feature\(s\) per step, but sequence 0 has 1"),
    ("inconsistent-2d-features", [np.ones((3, 2)), np.ones((4, 2)), np.ones((2, 3))], ValueError,
     r"Sequence 2 of X has 3 feature\(s\) per step, but sequence 0 has 2"),
    ("object-array-of-strings", object_array([np.array(["a", "b"]), np.array(["c"])]), ValueError,
     r"Sequence 0 of X holds non-numeric values"),
    ("string-steps", [np.ones(2), ["x", "y"]], ValueError, r"Sequence 1 of X holds non-numeric values"),
    ("datetime-ragged", [np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]")], ValueError,
     r"Sequence 0 of X holds non-numeric values \(dtype datetime64\[D\]\)"),
    ("datetime-2d", np.array([["2020-01-01", "2020-01-02"]], dtype="datetime64[D]"), ValueError,
     r"X holds non-numeric values \(dtype datetime64\[D\]\)"),
    ("timedelta-3d", np.ones((2, 3, 1), dtype="timedelta64[s]"), ValueError,
     r"X holds non-numeric values \(dtype timedelta64\[s\]\)"),
    ("object-2d-strings", np.array([[1.0, "a"], [2.0, 3.0]], dtype=object), ValueError,
     r"could not convert string to float"),
    ("long-string-column", long_frame([["x", "y"], ["z"]], ids=[0, 1]), ValueError,
     r"Sequence 0 \(id 0\) of X holds non-numeric values"),
    # Complex numbers.
    ("complex-2d", np.ones((3, 4)) + 1j, ValueError, r"Complex data not supported"),
    ("complex-3d", np.ones((3, 4, 2)) + 1j, ValueError, r"Complex data not supported"),
    ("complex-ragged", [np.ones(3), np.ones(2) + 1j], ValueError,
     r"Complex data not supported: sequence 1 of X is complex"),
    # A long DataFrame whose index does not say which sequence and time a row is.
    ("long-missing-id", pd.DataFrame({"a": [1.0, 2, 3]}, index=pd.MultiIndex.from_tuples(
        [(0, 0), (np.nan, 1), (1, 0)])), ValueError,
     r"sequence id \(index level 0\) .* missing at row 1"),
    ("long-missing-time", pd.DataFrame({"a": [1.0, 2, 3]}, index=pd.MultiIndex.from_tuples(
        [(0, 0), (0, np.nan), (1, 0)])), ValueError, r"time \(index level 1\) .* missing at row 1"),
    ("long-duplicate-step", pd.DataFrame({"a": [1.0, 2, 3]}, index=pd.MultiIndex.from_tuples(
        [(0, 0), (1, 0), (0, 0)])), ValueError, r"\(0, 0\) more than once \(row 2\)"),
    # Numbers first, sequences later: not a 1-D X, not a list of sequences.
    ("mixed-number-then-array", [1.0, np.ones(3)], TypeError,
     r"mixes numbers and sequences: item 0 is a number .* item 1 is a sequence"),
    ("mixed-number-then-list", (2, 3, [1.0, 2.0]), TypeError,
     r"mixes numbers and sequences: item 0 .* item 2 is a sequence"),
]


@pytest.mark.parametrize("X, error, match", [c[1:] for c in BAD_X], ids=[c[0] for c in BAD_X])
def test_bad_X_rejected_at_fit(X, error, match):
    """Each bad X raises the expected error type, naming the problem and where it is."""
    est = model()
    with pytest.raises(error, match=match):
        est.fit(X, np.arange(float(n_of(X))))
    assert not hasattr(est, "n_step_features_")


PREDICT_BAD_X = [c for c in BAD_X if c[0].startswith(("nan", "inf", "empty", "zero", "string", "none", "complex"))]


@pytest.mark.parametrize("X, error, match", [c[1:] for c in PREDICT_BAD_X],
                         ids=[c[0] for c in PREDICT_BAD_X])
def test_bad_X_rejected_at_predict(X, error, match):
    """predict rejects the same bad X with the same message as fit."""
    D = 2 if c_has_two_features(X) else 1
    est = model(max_iter=1).fit(np.ones((2, 3, D)), np.ones(2))
    with pytest.raises(error, match=match):
        est.predict(X)


def c_has_two_features(X):
    if isinstance(X, np.ndarray) and X.ndim == 3:
        return X.shape[2] == 2
    if isinstance(X, list) and X and getattr(X[0], "ndim", 1) == 2:
        return X[0].shape[1] == 2
    return False


# ---------------------------------------------------------------------------
# Bad y and sample_weight


BAD_Y = [
    ("nan", with_value(Y, 3, np.nan), ValueError, r"Input y contains NaN"),
    ("inf", with_value(Y, 0, np.inf), ValueError, r"Input y contains infinity"),
    ("nan-2d", with_value(np.column_stack([Y, Y]), (2, 1), np.nan), ValueError, r"Input y contains NaN"),
    ("none", None, ValueError, r"requires y to be passed, but the target y is None"),
    ("too-short", Y[:-1], ValueError, r"X holds 10 sequences but y has 9 samples"),
    ("too-long", np.r_[Y, 1.0], ValueError, r"X holds 10 sequences but y has 11 samples"),
    ("strings", np.array(["a"] * len(Y)), ValueError, r"could not convert string to float"),
    ("complex", Y + 1j, ValueError, r"Complex data not supported"),
    ("3d", np.ones((len(Y), 2, 2)), ValueError, r"Found array with dim 3"),
]


@pytest.mark.parametrize("y, error, match", [c[1:] for c in BAD_Y], ids=[c[0] for c in BAD_Y])
def test_bad_y_rejected_at_fit(y, error, match):
    """Each bad y raises the expected error type with a message naming the problem."""
    with pytest.raises(error, match=match):
        model().fit(X2, y)


def test_len_X_differs_from_len_y_for_ragged_and_long():
    """len(X) != len(y) is caught for ragged lists and long DataFrames too."""
    with pytest.raises(ValueError, match=r"X holds 4 sequences but y has 3 samples"):
        model().fit(RAGGED, Y_RAGGED[:3])
    frame = long_frame(RAGGED, ids=list("abcd"))
    with pytest.raises(ValueError, match=r"X holds 4 sequences but y has 5 samples"):
        model().fit(frame, np.ones(5))


BAD_WEIGHTS = [
    ("nan", with_value(np.ones(10), 4, np.nan), r"sample_weight contains NaN"),
    ("inf", with_value(np.ones(10), 4, np.inf), r"sample_weight contains infinity"),
    ("negative", with_value(np.ones(10), 1, -1.0), r"Negative values in data passed to `sample_weight`"),
    ("all-zero", np.zeros(10), r"at least one non-zero"),
    ("wrong-length", np.ones(9), r"sample_weight.shape == \(9,\), expected \(10,\)"),
]


@pytest.mark.parametrize("w, match", [c[1:] for c in BAD_WEIGHTS], ids=[c[0] for c in BAD_WEIGHTS])
def test_bad_sample_weight_rejected(w, match):
    """Each bad sample_weight raises ValueError with a message naming the problem."""
    with pytest.raises(ValueError, match=match):
        model().fit(X2, Y, sample_weight=w)


# ---------------------------------------------------------------------------
# Mismatches with an earlier fit


@pytest.mark.parametrize(
    "X_new",
    [np.ones((2, 4, 3)), [np.ones((3, 3))], [np.ones(5)], np.ones((2, 4))],
    ids=["3d", "ragged-2d", "ragged-1d", "2d"],
)
def test_predict_with_other_step_features_raises(X_new):
    """predict with a different number of features per step names both numbers."""
    est = model(max_iter=1).fit(RAGGED, Y_RAGGED)
    got = 3 if np.ndim(X_new[0]) == 2 or np.ndim(X_new) == 3 else 1
    with pytest.raises(ValueError, match=rf"X has {got} feature\(s\) per time step, but "
                                         rf"SimpleRNNRegressor was fitted with 2"):
        est.predict(X_new)


def test_predict_with_other_step_features_after_loading_raises():
    """A pickled and reloaded model still rejects the wrong number of step features."""
    est = pickle.loads(pickle.dumps(model(max_iter=1).fit(RAGGED, Y_RAGGED)))
    with pytest.raises(ValueError, match=r"X has 1 feature\(s\) per time step, but .* fitted with 2"):
        est.predict([np.ones(4)])
    est2d = pickle.loads(pickle.dumps(model(max_iter=1).fit(X2, Y)))
    with pytest.raises(ValueError, match=r"X has 7 features, but SimpleRNNRegressor is expecting 5"):
        est2d.predict(np.ones((2, 7)))


def test_partial_fit_with_other_number_of_outputs_raises():
    """partial_fit with a y of a different number of outputs is rejected, model untouched."""
    est = model(solver="sgd").partial_fit(RAGGED, np.ones((4, 2)))
    before = est.predict(RAGGED)
    with pytest.raises(ValueError, match=r"y has 3 output\(s\), but SimpleRNNRegressor was fitted with 2"):
        est.partial_fit(RAGGED, np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"y has 1 output\(s\), but .* fitted with 2"):
        est.partial_fit(RAGGED, np.ones(4))
    np.testing.assert_array_equal(est.predict(RAGGED), before)


def test_partial_fit_with_other_step_features_raises():
    """partial_fit with a different number of features per step is rejected."""
    est = model(solver="adam").partial_fit(RAGGED, Y_RAGGED)
    with pytest.raises(ValueError, match=r"X has 1 feature\(s\) per time step, but .* fitted with 2"):
        est.partial_fit([np.ones(3), np.ones(2)], np.ones(2))


def test_predict_before_fit_raises_not_fitted():
    """predict on an unfitted estimator raises NotFittedError."""
    with pytest.raises(NotFittedError):
        model().predict(RAGGED)


# ---------------------------------------------------------------------------
# Unusual but valid input


@pytest.mark.parametrize(
    "X",
    [np.ones((3, 1)), [np.ones(1), np.ones(1), np.ones(1)], np.ones((3, 1, 2)), [np.ones(1), np.ones(5)]],
    ids=["2d", "ragged", "3d", "ragged-mixed"],
)
@pytest.mark.filterwarnings("ignore:Every sequence of X has a single time step:UserWarning")
def test_one_step_sequences(X):
    """Sequences of a single step (no recurrence) fit and predict finite values."""
    est = model().fit(X, np.arange(float(len(X))))
    assert np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("X", [np.ones((1, 4)), [np.ones(4)], np.ones((1, 4, 2))], ids=["2d", "ragged", "3d"])
@pytest.mark.parametrize("solver", ["lbfgs", "gd", "adam"])
def test_one_sample(X, solver):
    """A single sequence fits and predicts a finite value with every solver family."""
    est = model(solver=solver).fit(X, [1.5])
    assert est.predict(X).shape == (1,) and np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("activation", ["identity", "relu", "tanh", "logistic"])
@pytest.mark.parametrize("where", ["X", "y"])
def test_huge_values_never_give_silent_nan(activation, where):
    """With values of 1e300 fit either raises a clear error or gives finite predictions."""
    X = np.abs(X2) + 1
    y = Y.copy()
    if where == "X":
        X = with_value(X, (slice(None), 2), 1e300)
    else:
        y[0] = 1e300
    est = model(activation=activation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow notices
        try:
            est.fit(X, y)
        except ValueError as exc:
            assert "diverged" in str(exc) or "not finite" in str(exc)
            with pytest.raises(NotFittedError):
                est.predict(X)
            return
        try:
            pred = est.predict(X)
        except ValueError as exc:
            assert "not finite" in str(exc)
            return
    assert np.isfinite(pred).all()


@pytest.mark.parametrize("activation", ["identity", "relu"])
def test_predict_overflow_raises_instead_of_returning_inf(activation):
    """An input large enough to overflow the hidden state makes predict raise, not return inf/NaN."""
    est = model(activation=activation, max_iter=1).fit(np.abs(X2), Y)
    est.input_weights_ = np.abs(est.input_weights_) + 1.0
    est.recurrent_weights_ = np.abs(est.recurrent_weights_) + 1.0
    est.output_weights_ = np.abs(est.output_weights_) + 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=r"prediction for sequence 1 is not finite"):
            est.predict(np.array([[1.0] * 5, [1e307] * 5]))


# ---------------------------------------------------------------------------
# Invalid parameters


BAD_PARAMS = [
    ("n_hidden", -1), ("n_hidden", 0), ("n_hidden", 2.5), ("solver", "newton"),
    ("activation", "softmax"), ("output_activation", "relu"), ("batch_size", 0),
    ("batch_size", -5), ("batch_size", "big"), ("validation_fraction", 0.0),
    ("validation_fraction", 1.0), ("validation_fraction", 1.5), ("clip_norm", 0.0),
    ("clip_norm", -1.0), ("clip_value", 0.0), ("learning_rate_init", 0.0), ("max_iter", 0),
    ("alpha", -1.0), ("momentum", 1.5), ("learning_rate", "fast"),
]


@pytest.mark.parametrize("name, value", BAD_PARAMS, ids=[f"{n}={v!r}" for n, v in BAD_PARAMS])
def test_invalid_parameters_rejected_at_fit(name, value):
    """Invalid parameters raise scikit-learn's InvalidParameterError naming the parameter at fit."""
    est = model(**{name: value})  # construction never validates
    with pytest.raises(InvalidParameterError, match=rf"The '{name}' parameter of SimpleRNNRegressor must be"):
        est.fit(X2, Y)


# ---------------------------------------------------------------------------
# Numerical faults


def exploding_start(activation="identity", clip_norm=None):
    """A model warm-started from recurrent weights > 1 on long positive sequences."""
    rng = np.random.RandomState(0)
    X = np.abs(rng.randn(20, 100))
    y = rng.randn(20)
    est = model(n_hidden=4, activation=activation, solver="gd", learning_rate_init=0.01,
                max_iter=1, warm_start=True, clip_norm=clip_norm, n_iter_no_change=100)
    est.fit(X, y)
    est.recurrent_weights_ = 1.3 * np.eye(4) + 0.05
    est.input_weights_ = np.abs(est.input_weights_)
    est.max_iter = 20
    return est, X, y


def test_exploding_gradients_without_clipping_raise_and_keep_the_model():
    """Without clipping the explosion raises "Training diverged at iteration" and keeps the old model."""
    est, X, y = exploding_start()
    before = est.predict(X)
    state = {k: copy.deepcopy(v) for k, v in vars(est).items() if k.endswith("_")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=r"Training diverged at iteration \d+: .* set clip_norm"):
            est.fit(X, y)
    np.testing.assert_array_equal(est.predict(X), before)
    assert np.isfinite(before).all()
    for key, value in state.items():
        np.testing.assert_equal(getattr(est, key), value, err_msg=key)


@pytest.mark.parametrize("activation", ["identity", "relu"])
def test_clip_norm_keeps_exploding_fit_finite(activation):
    """With clip_norm the same exploding warm start trains to finite weights and predictions."""
    est, X, y = exploding_start(activation, clip_norm=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # not even an overflow on the way
        est.fit(X, y)
        pred = est.predict(X)
    assert np.isfinite(pred).all() and np.isfinite(est.loss_curve_).all()
    assert np.isfinite(est.recurrent_weights_).all()


@pytest.mark.parametrize("clip_norm", [None, 1.0])
def test_large_learning_rate_with_relu(clip_norm):
    """A huge step size diverges with a clear error; clipping the gradient keeps it finite."""
    rng = np.random.RandomState(0)
    X = 3 * np.abs(rng.randn(20, 100))
    y = 10 * rng.randn(20)
    est = model(n_hidden=4, activation="relu", solver="gd", learning_rate_init=10.0,
                clip_norm=clip_norm, max_iter=30, alpha=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if clip_norm is None:
            with pytest.raises(ValueError, match=r"Training diverged at iteration \d+"):
                est.fit(X, y)
            with pytest.raises(NotFittedError):  # never NaN predictions
                est.predict(X)
        else:
            est.fit(X, y)
            assert np.isfinite(est.predict(X)).all()


def test_lbfgs_on_exploding_start_never_returns_nan():
    """L-BFGS from an exploding warm start either raises a clear error or ends finite."""
    est, X, y = exploding_start()
    est.set_params(solver="lbfgs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            est.fit(X, y)
        except ValueError as exc:
            assert "diverged" in str(exc)
        assert np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
@pytest.mark.parametrize("output_activation", ["identity", "tanh", "logistic"])
def test_saturating_activations_stay_finite(activation, output_activation):
    """Inputs of 1e4 saturate tanh/logistic without overflow warnings or non-finite values."""
    X = 1e4 * RNG.randn(15, 30)
    y = RNG.uniform(0.1, 0.9, 15)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        est = model(activation=activation, output_activation=output_activation, max_iter=20).fit(X, y)
        pred = est.predict(X)
    assert np.isfinite(pred).all() and np.isfinite(est.loss_)


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_float32_and_float64_agree(solver):
    """Training on float32 data follows the float64 fit within single-precision tolerance."""
    X = RNG.randn(30, 8)
    y = np.tanh(X.sum(axis=1))
    params = dict(n_hidden=5, solver=solver, learning_rate_init=0.1, max_iter=15)
    e64 = model(**params).fit(X, y)
    e32 = model(**params).fit(X.astype(np.float32), y.astype(np.float32))
    assert e32.recurrent_weights_.dtype == np.float32
    np.testing.assert_allclose(e32.predict(X.astype(np.float32)), e64.predict(X), rtol=2e-3, atol=2e-3)
    # The float64 model reads float32 input exactly as its float64 cast.
    np.testing.assert_allclose(e64.predict(X.astype(np.float32)),
                               e64.predict(X.astype(np.float32).astype(np.float64)), rtol=1e-12)


def test_long_sequence_fits_and_predicts():
    """A 10,000-step sequence fits and predicts finite values with a bounded cache."""
    import tracemalloc

    X = [0.1 * RNG.randn(10_000), 0.1 * RNG.randn(50)]
    est = model(n_hidden=64, max_iter=2).fit(X, [0.5, -0.5])
    assert np.isfinite(est.loss_)
    tracemalloc.start()
    pred = est.predict(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.isfinite(pred).all()
    # Prediction keeps one hidden state per sequence, not one per step: it
    # stays below what a cache of every a_t (10,000 x 64 float64) would take.
    assert peak < 10_000 * 64 * 8


# ---------------------------------------------------------------------------
# A failed call leaves the model as it was


def fitted_state(est):
    return {k: copy.deepcopy(v) for k, v in vars(est).items() if k.endswith("_")}


def assert_same_state(est, state):
    assert set(k for k in vars(est) if k.endswith("_")) == set(state)
    for key, value in state.items():
        np.testing.assert_equal(getattr(est, key), value, err_msg=key)


@pytest.mark.parametrize(
    "bad_call",
    [
        lambda est: est.fit(np.ones((4, 7)), np.ones(3)),  # wrong y length, other width
        lambda est: est.fit([np.ones(3), None], np.ones(2)),  # bad ragged X
        lambda est: est.fit(with_value(X2, (0, 0), np.nan), Y),
        lambda est: est.fit(X2, Y, sample_weight=-np.ones(len(Y))),
    ],
    ids=["len-mismatch", "bad-sequence", "nan", "negative-weight"],
)
def test_failed_fit_leaves_fitted_estimator_unchanged(bad_call):
    """A fit that fails on bad data keeps the earlier fit's attributes, width contract included."""
    est = model().fit(pd.DataFrame(X2, columns=[f"t{i}" for i in range(5)]), Y)
    state = fitted_state(est)
    before = est.predict(pd.DataFrame(X2, columns=est.feature_names_in_))
    with pytest.raises((ValueError, TypeError)):
        bad_call(est)
    assert_same_state(est, state)
    np.testing.assert_array_equal(est.predict(pd.DataFrame(X2, columns=est.feature_names_in_)), before)


def test_failed_first_fit_leaves_estimator_unfitted():
    """A first fit that fails after validation leaves no fitted attribute behind."""
    est = model(solver="gd", learning_rate_init=1e10, activation="relu", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="Training diverged"):
            est.fit(100 * X2, 1e10 * Y)
    assert [k for k in vars(est) if k.endswith("_")] == []
    with pytest.raises(NotFittedError):
        est.predict(X2)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_failed_partial_fit_does_not_corrupt_the_model(solver):
    """A partial_fit that diverges midway leaves weights and optimizer state as if never called."""
    X = RNG.randn(40, 6)
    y = X.sum(axis=1)
    est = model(n_hidden=4, solver=solver, learning_rate_init=0.01, batch_size=10, shuffle=False)
    est.partial_fit(X, y).partial_fit(X, y)
    reference = copy.deepcopy(est)
    before, state = est.predict(X), fitted_state(est)
    y_bad = y.copy()
    y_bad[35:] = 1e200  # the last mini-batch overflows after three updates
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=r"Training diverged at iteration 3"):
            est.partial_fit(X, y_bad)
    np.testing.assert_array_equal(est.predict(X), before)
    assert_same_state(est, state)
    # The next call continues exactly as if the failed one had never happened.
    est.partial_fit(X, y)
    reference.partial_fit(X, y)
    np.testing.assert_array_equal(est.predict(X), reference.predict(X))


def test_failed_warm_start_fit_keeps_weights():
    """A warm-start fit that diverges keeps the previous weights, n_iter_ and loss curve."""
    est, X, y = exploding_start()
    est.set_params(learning_rate_init=1.0)
    state = fitted_state(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="Training diverged"):
            est.fit(X, y)
    assert_same_state(est, state)


# ---------------------------------------------------------------------------
# Concurrency and determinism


def _fit_predict(est, X, y):
    return est.fit(X, y).predict(X)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_parallel_fits_equal_sequential_fits(backend):
    """Fitting clones in parallel threads or processes gives exactly the sequential results."""
    configs = [model(random_state=s, solver=solver, max_iter=10)
               for s in (0, 1) for solver in ("lbfgs", "adam")]
    sequential = [_fit_predict(clone(e), RAGGED, Y_RAGGED) for e in configs]
    parallel = joblib.Parallel(n_jobs=2, backend=backend)(
        joblib.delayed(_fit_predict)(clone(e), RAGGED, Y_RAGGED) for e in configs
    )
    for a, b in zip(sequential, parallel):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(sequential[0], sequential[2])  # the seeds matter


def test_read_only_memmapped_inputs(tmp_path):
    """Inputs memory-mapped read-only by joblib fit, predict and score like in-memory arrays."""
    X3 = RNG.randn(12, 6, 2)
    y = X3.sum(axis=(1, 2))
    w = np.linspace(0.5, 1.5, 12)
    ragged = [RNG.randn(n, 2) for n in (3, 6, 2)]
    joblib.dump((X3, y, w, ragged), tmp_path / "data.joblib")
    mX3, my, mw, mragged = joblib.load(tmp_path / "data.joblib", mmap_mode="r")
    assert isinstance(mX3, np.memmap) and not mX3.flags.writeable
    expected = model(solver="adam").fit(X3, y, sample_weight=w).predict(X3)
    est = model(solver="adam").fit(mX3, my, sample_weight=mw)
    np.testing.assert_array_equal(est.predict(mX3), expected)
    est.score(mX3, my, sample_weight=mw)
    est.partial_fit(mX3, my, sample_weight=mw)
    est.predict(mragged)


def test_parallel_cross_validation_with_memmapped_data():
    """cross_val_score with n_jobs=2 (joblib memmaps large arrays) equals the sequential scores."""
    from sklearn.model_selection import cross_val_score

    X3 = RNG.randn(40, 5, 2)
    y = X3.sum(axis=(1, 2))
    est = model(max_iter=10)
    seq = cross_val_score(est, X3, y, cv=3, n_jobs=1)
    with joblib.parallel_config(max_nbytes=1):  # force memmapping of every argument
        par = cross_val_score(est, X3, y, cv=3, n_jobs=2)
    np.testing.assert_array_equal(seq, par)


@pytest.mark.parametrize("solver", ["lbfgs", "gd", "sgd", "adam"])
def test_same_seed_same_model(solver):
    """Two fits with the same random_state are identical; another seed gives another model."""
    params = dict(solver=solver, max_iter=10, batch_size=2, early_stopping=solver == "adam")
    a = model(random_state=3, **params).fit(RAGGED * 3, np.tile(Y_RAGGED, 3))
    b = model(random_state=3, **params).fit(RAGGED * 3, np.tile(Y_RAGGED, 3))
    c = model(random_state=4, **params).fit(RAGGED * 3, np.tile(Y_RAGGED, 3))
    np.testing.assert_array_equal(a.predict(RAGGED), b.predict(RAGGED))
    np.testing.assert_array_equal(a.recurrent_weights_, b.recurrent_weights_)
    assert not np.array_equal(a.recurrent_weights_, c.recurrent_weights_)


def test_no_state_shared_between_estimators():
    """Fitting one estimator in between does not change another's result."""
    alone = model(solver="adam").fit(RAGGED, Y_RAGGED).predict(RAGGED)
    first = model(solver="adam")
    other = model(solver="sgd", random_state=9)
    first.partial_fit(RAGGED, Y_RAGGED)
    other.fit(X2, Y)
    first2 = model(solver="adam").fit(RAGGED, Y_RAGGED)
    np.testing.assert_array_equal(first2.predict(RAGGED), alone)
