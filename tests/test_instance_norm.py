"""InstanceNormalizedRegressor: per-sequence centring and scaling of X and y, undone in predict."""

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklearn_simplernn
from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn import InstanceNormalizedRegressor
from sklearn_simplernn.preprocessing import SequenceScaler

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(
    [
        InstanceNormalizedRegressor(Ridge()),
        InstanceNormalizedRegressor(Ridge(), center="mean", scale="std"),
        InstanceNormalizedRegressor(SimpleRNNRegressor(n_hidden=8, max_iter=50, random_state=0)),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


class _Recorder(RegressorMixin, BaseEstimator):
    """Keeps the X and y it is fitted on and predicts 0: shows what the wrapper passes on."""

    def fit(self, X, y, sample_weight=None):
        self.X_, self.y_ = X, y
        return self

    def predict(self, X):
        long = isinstance(X, pd.DataFrame) and X.index.nlevels == 2
        return np.zeros(X.index.get_level_values(0).nunique() if long else len(X))


def _walks(rng, n=40, T=6, shift=0.0):
    """2-D windows of random walks at levels far apart (100 .. 1000), plus ``shift``."""
    return (rng.uniform(100, 1000, size=(n, 1)) + shift + np.cumsum(rng.randn(n, T), axis=1))


def _forms(X2):
    """The same univariate sequences (rows of X2) in every accepted form of X."""
    n, T = X2.shape
    long = pd.DataFrame(
        {"value": X2.ravel()},
        index=pd.MultiIndex.from_product([[f"s{i}" for i in range(n)], range(T)],
                                         names=["id", "time"]),
    ).sample(frac=1.0, random_state=0)  # rows in any order
    return {
        "2d": X2,
        "dataframe": pd.DataFrame(X2, columns=[f"t{t}" for t in range(T)]),
        "3d": X2[:, :, None],
        "ragged 1-D": list(X2),
        "ragged 2-D": [x[:, None] for x in X2],
        "long": long,
    }


def _sequence_order(X):
    """Rows of X2 in the order X's sequences are read (first appearance of a long X's ids)."""
    if isinstance(X, pd.DataFrame) and X.index.nlevels == 2:
        return [int(i[1:]) for i in X.index.get_level_values(0).unique()]
    return slice(None)


# ---------------------------------------------------------------------------
# The normalisation and its inverse


@pytest.mark.parametrize("center, scale", [("last", None), ("mean", None), ("last", "std"),
                                           ("mean", "std")])
def test_a_perfect_model_predicts_exactly_at_levels_never_seen(center, scale):
    """y = c + 0.7 s is predicted to 1e-10 for windows far above every training level."""
    rng = np.random.RandomState(0)
    X, X_new = _walks(rng), _walks(rng, shift=5000.0)

    def truth(X):
        c = X[:, -1] if center == "last" else X.mean(axis=1)
        return c + 0.7 * (1.0 if scale is None else X.std(axis=1))

    model = InstanceNormalizedRegressor(Ridge(alpha=1e-6), center=center, scale=scale)
    model.fit(X, truth(X))
    assert_allclose(model.predict(X_new), truth(X_new), rtol=0, atol=1e-10)


@pytest.mark.parametrize("form", list(_forms(np.zeros((2, 2)))))
def test_a_regressor_predicting_zero_gives_the_last_value(form):
    """center='last' with a constant-0 regressor is the persistence forecast, exactly."""
    X2 = _walks(np.random.RandomState(0), n=5)
    X = _forms(X2)[form]
    rows = _sequence_order(X)
    model = InstanceNormalizedRegressor(_Recorder())
    assert_array_equal(model.fit(X, np.zeros(5)).predict(X), X2[rows, -1])
    mean = InstanceNormalizedRegressor(_Recorder(), center="mean")
    assert_allclose(mean.fit(X, np.zeros(5)).predict(X), X2[rows].mean(axis=1), rtol=1e-14)


def test_the_center_comes_from_the_chosen_step_feature():
    """feature=1 takes the last value of step feature 1 of each sequence."""
    X = np.random.RandomState(0).randn(4, 5, 3) + [0.0, 50.0, -7.0]
    model = InstanceNormalizedRegressor(_Recorder(), feature=1).fit(X, np.zeros(4))
    assert_array_equal(model.predict(X), X[:, -1, 1])


def test_each_sequence_is_normalised_on_its_own():
    """Changing one sequence changes its own prediction only, in fit's data and predict's."""
    rng = np.random.RandomState(0)
    X = _walks(rng, n=8)
    model = InstanceNormalizedRegressor(Ridge(), scale="std").fit(X, X[:, -1] + rng.randn(8))
    X_changed = X.copy()
    X_changed[3] = 10 * X_changed[3] + 400
    before, after = model.predict(X), model.predict(X_changed)
    assert_array_equal(np.delete(after, 3), np.delete(before, 3))
    assert after[3] != before[3]
    # In fit, row i of the regressor's data is sequence i's own values.
    recorded = InstanceNormalizedRegressor(_Recorder()).fit(X_changed, np.zeros(8))
    assert_array_equal(recorded.regressor_.X_[0], X[0] - X[0, -1])


@pytest.mark.parametrize("form", list(_forms(np.zeros((2, 2)))))
def test_the_regressor_receives_x_in_its_own_form(form):
    """The normalised X keeps the type, shapes, index and columns of the X given."""
    X2 = _walks(np.random.RandomState(0), n=5)
    X = _forms(X2)[form]
    received = InstanceNormalizedRegressor(_Recorder()).fit(X, np.zeros(5)).regressor_.X_
    assert type(received) is (list if isinstance(X, list) else type(X))
    if form == "long":
        assert received.index.equals(X.index) and received.columns.equals(X.columns)
        rows = received["value"].groupby(level="id", sort=False).apply(np.asarray)
        expected = {f"s{i}": X2[i] - X2[i, -1] for i in range(5)}
        for seq_id, values in rows.items():
            order = np.argsort(received.loc[seq_id].index)
            assert_array_equal(values[order], expected[seq_id])
        return
    if form == "dataframe":
        assert received.columns.equals(X.columns) and received.index.equals(X.index)
    if isinstance(X, list):
        assert [np.shape(x) for x in received] == [np.shape(x) for x in X]
        values = np.concatenate([np.ravel(x) for x in received])
    else:
        assert np.shape(received) == np.shape(X)
        values = np.asarray(received).ravel()
    assert_array_equal(values, (X2 - X2[:, -1:]).ravel())


def test_every_form_of_x_gives_the_same_predictions():
    """2-D, DataFrame, 3-D, ragged and long (rows shuffled) X: identical predictions."""
    rng = np.random.RandomState(0)
    X2 = _walks(rng, n=20)
    y = X2[:, -1] + rng.randn(20)
    model = InstanceNormalizedRegressor(SimpleRNNRegressor(n_hidden=3, max_iter=10,
                                                           random_state=0), scale="std")
    reference = model.fit(X2, y).predict(X2)
    for form, X in _forms(X2).items():
        rows = _sequence_order(X)
        assert_allclose(model.fit(X, y[rows]).predict(X), reference[rows], rtol=1e-12,
                        err_msg=form)


def test_multi_output_targets_share_the_sequences_center_and_scale():
    """Each output of y (n, k) is shifted and scaled by its sequence's c and s."""
    rng = np.random.RandomState(0)
    X = _walks(rng)
    Y = X[:, -1:] + X.std(axis=1, keepdims=True) * [[1.0, -2.0, 3.0]]
    model = InstanceNormalizedRegressor(Ridge(alpha=1e-6), scale="std").fit(X, Y)
    X_new = _walks(rng, shift=-90.0)
    assert_allclose(model.predict(X_new),
                    X_new[:, -1:] + X_new.std(axis=1, keepdims=True) * [[1.0, -2.0, 3.0]],
                    rtol=0, atol=1e-10)
    column = InstanceNormalizedRegressor(Ridge()).fit(X, Y[:, :1])
    assert column.predict(X).shape == Ridge().fit(X, Y[:, :1]).predict(X).shape


def test_scale_std_gives_each_sequence_unit_spread():
    """With scale='std' the regressor sees each sequence with std 1 and y in those units."""
    rng = np.random.RandomState(0)
    X = _walks(rng) * rng.uniform(0.1, 10, size=(40, 1))
    y = X[:, -1] + rng.randn(40)
    fitted = InstanceNormalizedRegressor(_Recorder(), scale="std").fit(X, y).regressor_
    assert_allclose(fitted.X_.std(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(fitted.X_[:, -1], 0.0)
    assert_allclose(fitted.y_, (y - X[:, -1]) / X.std(axis=1), rtol=1e-12)


def test_constant_sequences_are_scaled_by_the_default_scale():
    """A single-step, constant or rounding-level sequence gets default_scale_: no inf or NaN."""
    X = [np.array([1.0, 3.0, 2.0]), np.array([2.0, 5.0, 5.0, 2.0]), np.array([7.0]),
         np.full(5, 1e6 + 0.1),  # its mean is not exactly 1e6 + 0.1 in floating point
         np.array([0.1 + 0.2, 0.3, 0.3])]  # differs from constant by rounding only
    y = np.array([1.0, 2.0, 8.0, 1e6, 0.5])
    model = InstanceNormalizedRegressor(_Recorder(), scale="std", center="mean").fit(X, y)
    assert model.default_scale_ == pytest.approx((np.std(X[0]) + np.std(X[1])) / 2, rel=1e-12)
    fitted = model.regressor_
    for i in (2, 3):
        assert_array_equal(fitted.X_[i], 0.0)
    assert_allclose(fitted.X_[4], 0.0, atol=1e-15)
    assert_allclose(fitted.y_[2:], (y[2:] - [7.0, 1e6 + 0.1, 0.3]) / model.default_scale_,
                    rtol=1e-9)
    assert np.all(np.isfinite(model.predict(X)))
    constant = np.array([[7.0, 7.0, 7.0], [-3.0, -3.0, -3.0]])
    all_constant = InstanceNormalizedRegressor(Ridge(), scale="std").fit(constant, [8.0, 1.0])
    assert all_constant.default_scale_ == 1.0
    assert np.all(np.isfinite(all_constant.predict(np.vstack([constant, [[1.0, 2.0, 4.0]]]))))


def test_huge_values_are_scaled_without_overflow():
    """Sequences near the float64 limit get a finite std, and finite predictions."""
    X = np.array([[1e300, -1e300, 5e299], [1.0, 2.0, 4.0]])
    model = InstanceNormalizedRegressor(Ridge(), scale="std").fit(X, [0.0, 3.0])
    assert np.all(np.isfinite(model.predict(X)))
    assert np.all(np.isfinite(model.regressor_.coef_))


def test_features_selects_the_step_features_in_the_same_units():
    """By default only ``feature`` is shifted (not a volume); 'all' or a list shift more."""
    rng = np.random.RandomState(0)
    X = np.stack([100 + rng.randn(6, 4).cumsum(axis=1), rng.uniform(1e5, 2e5, (6, 4)),
                  101 + rng.randn(6, 4).cumsum(axis=1)], axis=2)
    received = {
        features: InstanceNormalizedRegressor(_Recorder(), features=features)
        .fit(X, np.zeros(6)).regressor_.X_
        for features in (None, "all", (0, 2))
    }
    last = X[:, -1:, 0]
    assert_array_equal(received[None][:, :, 0], X[:, :, 0] - last)
    assert_array_equal(received[None][:, :, 1:], X[:, :, 1:])
    assert_array_equal(received["all"], X - last[:, :, None])
    assert_array_equal(received[(0, 2)][:, :, [0, 2]], X[:, :, [0, 2]] - last[:, :, None])
    assert_array_equal(received[(0, 2)][:, :, 1], X[:, :, 1])


def test_y_indexed_by_sequence_id_is_aligned_with_a_long_x():
    """A y Series indexed by the ids of a long X is paired with its sequences by id."""
    X2 = _walks(np.random.RandomState(0), n=6)
    long = _forms(X2)["long"]
    y = pd.Series(X2[:, -1] + 2.5, index=[f"s{i}" for i in range(6)]).iloc[::-1]
    model = InstanceNormalizedRegressor(_Recorder()).fit(long, y)
    assert_allclose(model.regressor_.y_, 2.5, rtol=1e-12)


def test_score_aligns_y_by_sequence_id_as_fit_does():
    """score with a y indexed by the ids of a long X (in another order) equals score in X's order."""
    rng = np.random.RandomState(0)
    X2 = _walks(rng, n=20)
    long = _forms(X2)["long"]
    y = pd.Series(X2[:, -1] + 0.1 * rng.randn(20), index=[f"s{i}" for i in range(20)])
    model = InstanceNormalizedRegressor(
        SimpleRNNRegressor(n_hidden=2, max_iter=5, random_state=0)).fit(long, y)
    in_x_order = y.loc[long.index.get_level_values(0).unique()].to_numpy()
    assert model.score(long, y) == pytest.approx(model.score(long, in_x_order), rel=1e-12)


def test_fitted_state_is_visible_to_fitted_checks():
    """is_fitted and check_is_fitted say fitted after a 3-D fit (no n_features_in_), and not before."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    X2 = _walks(np.random.RandomState(0), n=10)
    model = InstanceNormalizedRegressor(SimpleRNNRegressor(n_hidden=2, max_iter=3, random_state=0))
    assert not model.is_fitted
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    model.fit(X2[:, :, None], X2[:, -1])
    assert model.is_fitted and not hasattr(model, "n_features_in_")
    check_is_fitted(model)


# ---------------------------------------------------------------------------
# Meta-estimator conventions


def test_sample_weight_is_passed_to_the_regressor():
    """A weight of 2 equals the sequence twice; a regressor without sample_weight is refused."""
    rng = np.random.RandomState(0)
    X = _walks(rng, n=10)
    y = X[:, -1] + rng.randn(10)
    weighted = InstanceNormalizedRegressor(Ridge()).fit(X, y, sample_weight=[2] + [1] * 9)
    repeated = InstanceNormalizedRegressor(Ridge()).fit(np.vstack([X[:1], X]),
                                                        np.r_[y[:1], y])
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-10)
    with pytest.raises(TypeError, match="KNeighborsRegressor does not accept sample_weight"):
        InstanceNormalizedRegressor(KNeighborsRegressor(2)).fit(X, y, sample_weight=np.ones(10))
    with config_context(enable_metadata_routing=True):
        routed = InstanceNormalizedRegressor(Ridge().set_fit_request(sample_weight=True))
        routed.fit(X, y, sample_weight=[2] + [1] * 9)
    assert_allclose(routed.predict(X), weighted.predict(X), rtol=1e-12)


def test_grid_search_over_the_regressors_parameters():
    """GridSearchCV over regressor__alpha fits and picks the right value."""
    rng = np.random.RandomState(0)
    X = _walks(rng, n=60)
    y = X[:, -1] + 0.5 * (X[:, -1] - X[:, -2])
    search = GridSearchCV(InstanceNormalizedRegressor(Ridge()),
                          {"regressor__alpha": [1e-6, 1e4]}, cv=3).fit(X, y)
    assert search.best_params_ == {"regressor__alpha": 1e-6}
    assert search.best_estimator_.regressor_.alpha == 1e-6
    assert clone(search.estimator).get_params()["regressor__alpha"] == 1.0


def test_wraps_a_target_transformed_pipeline_of_ours():
    """TransformedTargetRegressor(SequenceScaler + SimpleRNNRegressor) fits on ragged X."""
    rng = np.random.RandomState(0)
    X = [100 + rng.randn(T).cumsum() for T in rng.randint(3, 8, size=30)]
    y = np.array([x[-1] for x in X]) + rng.randn(30)
    inner = TransformedTargetRegressor(
        make_pipeline(SequenceScaler(), SimpleRNNRegressor(n_hidden=3, max_iter=5,
                                                           random_state=0)),
        transformer=StandardScaler())
    model = InstanceNormalizedRegressor(inner).set_params(
        regressor__regressor__simplernnregressor__n_hidden=2).fit(X, y)
    assert model.regressor_.regressor_[-1].n_hidden == 2
    assert model.predict(X).shape == (30,)
    assert model.score(X, y) == pytest.approx(r2_score(y, model.predict(X)))


def test_one_warning_for_feature_names_missing_at_predict():
    """Fitted on a DataFrame, predicting from an array warns once (the regressor's warning)."""
    X2 = _walks(np.random.RandomState(0), n=10)
    model = InstanceNormalizedRegressor(Ridge()).fit(_forms(X2)["dataframe"], X2[:, -1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict(X2)
    names = [w for w in caught if "feature names" in str(w.message)]
    assert len(names) == 1 and "Ridge" in str(names[0].message)


def test_never_modifies_the_callers_data():
    """X in every form, and y, are unchanged by fit and predict."""
    rng = np.random.RandomState(0)
    X2 = _walks(rng, n=5)
    for X in _forms(X2).values():
        copies = [x.copy() for x in X] if isinstance(X, list) else X.copy()
        y = X2[:, -1] + 1.0
        y_copy = y.copy()
        model = InstanceNormalizedRegressor(_Recorder(), scale="std").fit(X, y)
        model.predict(X)
        assert_array_equal(y, y_copy)
        if isinstance(X, list):
            for x, c in zip(X, copies):
                assert_array_equal(x, c)
        elif isinstance(X, pd.DataFrame):
            pd.testing.assert_frame_equal(X, copies)
        else:
            assert_array_equal(X, copies)


# ---------------------------------------------------------------------------
# Errors


def test_feature_out_of_range_names_the_number_of_step_features():
    """feature beyond the step features is an error that says how many there are."""
    X3 = np.random.RandomState(0).randn(5, 4, 2)
    with pytest.raises(ValueError, match=r"feature=2 is out of range: X has 2 step feature"):
        InstanceNormalizedRegressor(Ridge(), feature=2).fit(X3, np.zeros(5))
    with pytest.raises(ValueError, match=r"feature=1 is out of range: 2-D X has 1 "):
        InstanceNormalizedRegressor(Ridge(), feature=1).fit(X3[:, :, 0], np.zeros(5))


@pytest.mark.parametrize("features, message", [
    ([0, 5], r"step feature\(s\) \[5\] that are out of range: X has 2"),
    ([1], r"must include feature=0"),
    ([0, 0], r"names a step feature twice"),
    ([0.0, 1.0], r"a list of step feature numbers"),
])
def test_bad_features_are_explained(features, message):
    """features out of range, without ``feature``, repeated or not ints: clear errors."""
    X3 = np.random.RandomState(0).randn(5, 4, 2)
    with pytest.raises(ValueError, match=message):
        InstanceNormalizedRegressor(Ridge(), features=features).fit(X3, np.zeros(5))


@pytest.mark.parametrize("params, name", [({"center": "median"}, "center"),
                                          ({"scale": "iqr"}, "scale"),
                                          ({"feature": -1}, "feature"),
                                          ({"features": "some"}, "features")])
def test_unknown_parameter_values_are_refused(params, name):
    """Unknown center, scale, feature or features values raise before any work."""
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        InstanceNormalizedRegressor(Ridge(), **params).fit(np.ones((3, 2)), np.zeros(3))


def test_y_of_another_length_is_refused():
    """One target per sequence: a y of another length names both counts."""
    with pytest.raises(ValueError, match=r"X has 3 sequence\(s\) but y has 2 target"):
        InstanceNormalizedRegressor(Ridge()).fit(np.ones((3, 2)), np.zeros(2))


def test_predicting_with_other_step_features_is_refused():
    """predict needs the step features of fit."""
    X3 = np.random.RandomState(0).randn(5, 4, 2)
    model = InstanceNormalizedRegressor(Ridge(), features="all")
    model.fit(X3[:, :, 0], np.zeros(5))
    with pytest.raises(ValueError, match=r"X has 2 feature\(s\) per time step, but "
                                         r"InstanceNormalizedRegressor was fitted with 1"):
        model.predict(X3)


# ---------------------------------------------------------------------------
# Persistence


@pytest.mark.skipif(importlib.util.find_spec("skops") is None,
                    reason="skops (the persistence extra) is not installed")
def test_save_and_load_predict_identically(tmp_path):
    """sklearn_simplernn.save / load round trip of a fitted model: identical predictions."""
    rng = np.random.RandomState(0)
    X = [100 + rng.randn(T).cumsum() for T in rng.randint(3, 8, size=20)]
    y = np.array([x[-1] for x in X]) + rng.randn(20)
    model = InstanceNormalizedRegressor(
        make_pipeline(SequenceScaler(), SimpleRNNRegressor(n_hidden=3, max_iter=5,
                                                           random_state=0)),
        scale="std").fit(X, y)
    sklearn_simplernn.save(model, tmp_path / "model.skops")
    loaded = sklearn_simplernn.load(tmp_path / "model.skops")
    assert type(loaded) is InstanceNormalizedRegressor
    assert_array_equal(loaded.predict(X), model.predict(X))
