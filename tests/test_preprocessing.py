"""SequenceScaler, make_windows and target scaling with TransformedTargetRegressor."""

import warnings

import numpy as np
import pandas as pd
import pytest
from arch.data import sp500
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import RobustScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn.preprocessing import (
    SequenceDifferencer,
    SequenceImputer,
    SequenceReverser,
    SequenceScaler,
    make_windows,
)

# ---------------------------------------------------------------------------
# scikit-learn's common checks, for every sequence transformer
#
# The checks use 2-D X with as few as 2 columns, so SequenceDifferencer runs
# at order=1; its other orders are tested in test_sequence_transforms.py.


@parametrize_with_checks(
    [
        SequenceScaler(),
        SequenceScaler(method="robust"),
        SequenceScaler(with_mean=False),
        SequenceReverser(),
        SequenceDifferencer(),
        SequenceDifferencer(keep_level=True),
        SequenceImputer(),
        SequenceImputer(method="linear"),
        SequenceImputer(method="mean"),
    ]
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------
# SequenceScaler


def _ragged(rng, n=12, n_features=2):
    return [rng.randn(int(T), n_features) * [1, 10] + [5, -3] for T in rng.randint(1, 9, n)]


def test_statistics_are_over_all_steps_of_all_sequences():
    """center_/scale_ equal StandardScaler's and RobustScaler's on the stacked steps."""
    X = _ragged(np.random.RandomState(0))
    steps = np.concatenate(X)
    standard = SequenceScaler().fit(X)
    assert_allclose(standard.center_, StandardScaler().fit(steps).mean_)
    assert_allclose(standard.scale_, StandardScaler().fit(steps).scale_)
    robust = SequenceScaler(method="robust", quantile_range=(10.0, 90.0)).fit(X)
    reference = RobustScaler(quantile_range=(10.0, 90.0)).fit(steps)
    assert_allclose(robust.center_, reference.center_)
    assert_allclose(robust.scale_, reference.scale_)
    scaled = np.concatenate(standard.transform(X))
    assert_allclose(scaled.mean(axis=0), 0, atol=1e-12)
    assert_allclose(scaled.std(axis=0), 1)


def test_2d_rows_share_one_center_and_scale():
    """On 2-D X all columns are steps of one feature, unlike StandardScaler's per column."""
    X = np.arange(12.0).reshape(3, 4)
    scaler = SequenceScaler().fit(X)
    assert_allclose(scaler.center_, [X.mean()])
    assert_allclose(scaler.transform(X), (X - X.mean()) / X.std())


def _long(X):
    frame = pd.concat(
        {i: pd.DataFrame(x, columns=["a", "b"]) for i, x in enumerate(X)}, names=["seq", "t"]
    )
    return frame.sample(frac=1.0, random_state=0)  # rows in no particular order


def _forms():
    rng = np.random.RandomState(1)
    X3 = rng.randn(5, 4, 2)
    ragged = _ragged(rng)
    return {
        "2d": rng.randn(6, 5),
        "2d DataFrame": pd.DataFrame(rng.randn(4, 3), columns=["t0", "t1", "t2"]),
        "3d": X3,
        "ragged 1-D items": [rng.randn(T) for T in (3, 1, 6)],
        "ragged (T, 1) items": [rng.randn(T, 1) for T in (2, 5)],
        "ragged (T, 2) items": ragged,
        "tuple of lists": ([1.0, 2.0], [3.0, 4.0, 5.0]),
        "rectangular list of lists": [[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]],
        "long DataFrame": _long(ragged),
    }


@pytest.mark.parametrize("form", list(_forms()))
def test_output_has_the_input_form_and_inverts(form):
    """transform returns X's own form and shapes; inverse_transform gives X back."""
    X = _forms()[form]
    # pandas output for a 2-D DataFrame, so inverse_transform sees its column names.
    output = "pandas" if isinstance(X, pd.DataFrame) else "default"
    scaler = SequenceScaler().set_output(transform=output).fit(X)
    Xt = scaler.transform(X)
    back = scaler.inverse_transform(Xt)
    if isinstance(X, pd.DataFrame) and X.index.nlevels == 2:
        assert isinstance(Xt, pd.DataFrame)
        assert Xt.index.equals(X.index) and Xt.columns.equals(X.columns)
        # Elementwise: each row of X is scaled in place, whatever the row order.
        assert_allclose(Xt.to_numpy(), (X.to_numpy() - scaler.center_) / scaler.scale_)
        assert_allclose(back.to_numpy(), X.to_numpy())
    elif form == "rectangular list of lists":
        # scikit-learn's way of writing a 2-D array: read and returned as one.
        assert isinstance(Xt, np.ndarray) and Xt.shape == (3, 2)
        assert_allclose(back, X)
    elif isinstance(X, (list, tuple)):
        assert isinstance(Xt, list) and len(Xt) == len(X)
        for x, xt, xb in zip(X, Xt, back):
            assert isinstance(xt, np.ndarray) and xt.shape == np.shape(x)
            steps = np.reshape(x, (len(x), -1))
            assert_allclose(xt.reshape(steps.shape), (steps - scaler.center_) / scaler.scale_)
            assert_allclose(xb, x)
    else:
        assert isinstance(Xt, type(X)) and Xt.shape == np.shape(X)
        assert_allclose(back, X)


def test_equivalent_forms_give_the_same_fit():
    """2-D rows, a ragged list of the same rows and a 3-D array fit identical statistics."""
    X = np.random.RandomState(2).randn(7, 5) * 3 + 1
    fits = [SequenceScaler().fit(Xf) for Xf in (X, list(X), X[:, :, None])]
    for fit in fits[1:]:
        assert_array_equal(fit.center_, fits[0].center_)
        assert_array_equal(fit.scale_, fits[0].scale_)


def test_caller_data_is_never_modified():
    """fit/transform/inverse_transform work on read-only input and leave it unchanged."""
    X = _ragged(np.random.RandomState(3))
    for x in X:
        x.setflags(write=False)
    copies = [x.copy() for x in X]
    scaler = SequenceScaler().fit(X)
    scaler.inverse_transform(scaler.transform(X))
    X3 = np.random.RandomState(4).randn(3, 4, 2)
    X3.setflags(write=False)
    X3_copy = X3.copy()
    SequenceScaler(method="robust").fit(X3).transform(X3)
    for x, c in zip(X, copies):
        assert_array_equal(x, c)
    assert_array_equal(X3, X3_copy)


def test_float32_stays_float32_in_every_form():
    """float32 sequences come back float32 (2-D, 3-D and ragged)."""
    rng = np.random.RandomState(5)
    for X in (rng.randn(3, 4), rng.randn(3, 4, 2), [rng.randn(3), rng.randn(5)]):
        X32 = (X.astype(np.float32) if isinstance(X, np.ndarray)
               else [x.astype(np.float32) for x in X])
        Xt = SequenceScaler().fit(X32).transform(X32)
        dtypes = {x.dtype for x in Xt} if isinstance(Xt, list) else {Xt.dtype}
        assert dtypes == {np.dtype(np.float32)}


def test_constant_feature_is_centred_not_scaled():
    """A step feature with one value everywhere gets scale 1, not a division by zero."""
    X = [np.column_stack([np.full(T, 0.1), np.arange(T)]) for T in (3, 4)]
    scaler = SequenceScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    assert_allclose(np.concatenate(scaler.transform(X))[:, 0], 0.0, atol=1e-15)


def test_with_mean_and_with_std_switch_each_part_off():
    """with_mean=False only scales, with_std=False only centres."""
    X = [np.array([1.0, 3.0]), np.array([5.0])]
    only_scale = SequenceScaler(with_mean=False).fit(X)
    only_center = SequenceScaler(with_std=False).fit(X)
    assert only_scale.center_ is None and only_center.scale_ is None
    assert_allclose(only_scale.transform(X)[0], X[0] / np.std([1, 3, 5]))
    assert_allclose(only_center.transform(X)[0], X[0] - 3.0)


def test_set_output_pandas_applies_to_2d_only():
    """pandas output: 2-D X becomes a DataFrame with its index and columns; ragged stays a list."""
    X = pd.DataFrame(np.arange(6.0).reshape(3, 2), columns=["lag1", "lag0"], index=[10, 11, 12])
    # pandas output for a 2-D DataFrame, so inverse_transform sees its column names.
    output = "pandas" if isinstance(X, pd.DataFrame) else "default"
    scaler = SequenceScaler().set_output(transform=output).fit(X)
    Xt = scaler.transform(X)
    assert isinstance(Xt, pd.DataFrame)
    assert list(Xt.columns) == ["lag1", "lag0"] and list(Xt.index) == [10, 11, 12]
    ragged = scaler.transform([np.ones(2), np.ones(4)])
    assert isinstance(ragged, list) and [x.shape for x in ragged] == [(2,), (4,)]
    with pytest.raises(ValueError, match="'default' or 'pandas'"):
        SequenceScaler().set_output(transform="polars")


def test_feature_names_out_need_a_2d_fit():
    """get_feature_names_out names 2-D columns and explains itself after a ragged fit."""
    scaler = SequenceScaler().fit(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 5.0]}))
    assert list(scaler.get_feature_names_out()) == ["a", "b"]
    with pytest.raises(AttributeError, match="2-D X only"):
        SequenceScaler().fit([np.ones(3), np.zeros(2)]).get_feature_names_out()


def test_errors_name_the_problem():
    """Mismatched step features, bad quantile ranges and bad sequences raise clear errors."""
    scaler = SequenceScaler().fit([np.ones((3, 2))])
    with pytest.raises(ValueError, match="3 feature\\(s\\) per time step.*fitted with 2"):
        scaler.transform([np.ones((2, 3))])
    with pytest.raises(ValueError, match="quantile_range"):
        SequenceScaler(method="robust", quantile_range=(75.0, 25.0)).fit([np.ones(3)])
    with pytest.raises(ValueError, match="Sequence 1 of X is empty"):
        scaler.transform([np.ones((2, 2)), np.ones((0, 2))])


# ---------------------------------------------------------------------------
# Target scaling and pipelines on ragged X


def test_transformed_target_regressor_on_ragged_X():
    """TransformedTargetRegressor with StandardScaler fits ragged X as if y were scaled by hand."""
    rng = np.random.RandomState(6)
    X = [rng.randn(T) for T in rng.randint(2, 9, 40)]
    y = 1000.0 + 50.0 * np.array([x.sum() for x in X])
    model = TransformedTargetRegressor(
        SimpleRNNRegressor(n_hidden=3, max_iter=30, random_state=0), transformer=StandardScaler()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        by_hand = SimpleRNNRegressor(n_hidden=3, max_iter=30, random_state=0).fit(
            X, (y - y.mean()) / y.std())
    assert_allclose(model.predict(X), by_hand.predict(X) * y.std() + y.mean())
    assert model.score(X, y) > 0.5


def test_pipeline_scales_ragged_X_before_the_network():
    """A SequenceScaler -> SimpleRNNRegressor pipeline equals fitting the network on scaled X."""
    rng = np.random.RandomState(7)
    X = [rng.randn(T, 2) * 100 for T in rng.randint(2, 9, 30)]
    y = np.array([x[:, 0].mean() for x in X]) / 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(SequenceScaler(), SimpleRNNRegressor(n_hidden=3, max_iter=20,
                                                                   random_state=0)).fit(X, y)
        Xs = SequenceScaler().fit_transform(X)
        alone = SimpleRNNRegressor(n_hidden=3, max_iter=20, random_state=0).fit(Xs, y)
    assert_array_equal(pipe.predict(X), alone.predict(Xs))


# ---------------------------------------------------------------------------
# Windowing


def _prices(n=40, seed=0):
    rng = np.random.RandomState(seed)
    values = 100 * np.exp(np.cumsum(0.01 * rng.randn(n)))
    return pd.Series(values, index=pd.bdate_range("2020-01-01", periods=n), name="close")


WINDOW_MODES = {
    "fixed": {"lookback": 6},
    "expanding": {"lookback": 6, "min_lookback": 2},
    "random lengths": {"lookback": 6, "min_lookback": 1, "random_lengths": True, "random_state": 0},
}
TRANSFORMS = [None, "diff", "log_return", "pct_change"]


@pytest.mark.parametrize("horizon", [1, 3])
@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("mode", list(WINDOW_MODES))
def test_no_look_ahead(mode, transform, horizon):
    """Changing any value after a window's origin changes its target but never its inputs."""
    prices = _prices()
    kwargs = dict(WINDOW_MODES[mode], horizon=horizon, transform=transform)
    windows = make_windows(prices, **kwargs)
    for k in (0, len(windows) // 2, len(windows) - 1):
        origin = prices.index.get_loc(windows.origins[k])
        changed = prices.copy()
        changed.iloc[origin + 1 :] *= 1.5
        after = make_windows(changed, **kwargs)
        assert_array_equal(after.X[k], windows.X[k])
        assert after.y[k] != windows.y[k]


@pytest.mark.parametrize("mode", list(WINDOW_MODES))
def test_target_value_is_not_in_its_window(mode):
    """On rising levels every input is at or before the origin, strictly below the target."""
    prices = pd.Series(np.arange(1.0, 31.0), index=pd.date_range("2021-01-01", periods=30))
    windows = make_windows(prices, horizon=2, **WINDOW_MODES[mode])
    for x, target, origin, when in zip(windows.X, windows.y, windows.origins, windows.index):
        assert np.max(x) == prices[origin] < target == prices[when]
        assert target not in x
        assert prices.index.get_loc(when) - prices.index.get_loc(origin) == 2


def test_fixed_windows_of_a_dataframe_match_a_loop():
    """A DataFrame gives 3-D windows of every column's changes, with the target column's target."""
    rng = np.random.RandomState(8)
    frame = pd.DataFrame({"close": 50 + rng.rand(15), "volume": 1 + rng.rand(15)},
                         index=pd.date_range("2022-03-01", periods=15))
    windows = make_windows(frame, lookback=4, horizon=2, transform="diff", target="close")
    changes = frame.diff().to_numpy()
    origins = range(4, 15 - 2)  # the first change is at position 1
    assert windows.X.shape == (len(origins), 4, 2)
    for i, t in enumerate(origins):
        assert_allclose(windows.X[i], changes[t - 3 : t + 1])
        assert_allclose(windows.y[i], frame["close"].iloc[t + 2] - frame["close"].iloc[t])
    assert list(windows.index) == list(frame.index[[t + 2 for t in origins]])
    assert windows.name == "close"


def test_expanding_windows_take_all_history_up_to_lookback():
    """With min_lookback, a window holds min(history, lookback) steps ending at its origin."""
    prices = _prices(12)
    windows = make_windows(prices, lookback=5, min_lookback=2, transform="log_return")
    returns = np.log(prices).diff().to_numpy()
    assert [len(x) for x in windows.X] == [2, 3, 4, 5, 5, 5, 5, 5, 5]
    for x, origin in zip(windows.X, windows.origins):
        t = prices.index.get_loc(origin)
        assert x.ndim == 1
        assert_allclose(x, returns[t - len(x) + 1 : t + 1])


def test_random_lengths_are_seeded_and_in_range():
    """random_lengths draws lengths in [min_lookback, available]; the seed fixes them."""
    prices = _prices(80)
    lengths = [
        [len(x) for x in make_windows(prices, lookback=20, min_lookback=3, random_lengths=True,
                                      random_state=seed).X]
        for seed in (0, 0, 1)
    ]
    assert lengths[0] == lengths[1] != lengths[2]
    assert min(lengths[0]) >= 3 and max(lengths[0]) <= 20
    assert len(set(lengths[0])) > 5


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("horizon", [1, 4])
def test_to_level_inverts_the_target_transform(transform, horizon):
    """to_level(y) is the actual level at each target date, for every transform and horizon."""
    prices = _prices()
    windows = make_windows(prices, lookback=5, horizon=horizon, transform=transform)
    level = windows.to_level(windows.y)
    assert level.index.equals(windows.index) and level.name == "close"
    assert_allclose(level.to_numpy(), prices[windows.index].to_numpy(), rtol=1e-12)


def test_windows_select_by_position():
    """Indexing Windows with a slice or positions keeps X, y, dates and levels aligned."""
    windows = make_windows(_prices(), lookback=4, min_lookback=2, transform="log_return")
    test = windows[np.flatnonzero(windows.index >= windows.index[10])]
    head = windows[:10]
    assert len(head) + len(test) == len(windows)
    assert test.index[0] == windows.index[10] and test.origin_level[0] == windows.origin_level[10]
    assert_array_equal(test.X[0], windows.X[10])
    assert_allclose(test.to_level(test.y).to_numpy(), windows.to_level(windows.y)[10:].to_numpy())
    with pytest.raises(ValueError, match="y_pred has shape"):
        head.to_level(np.zeros(3))


def test_make_windows_leaves_the_series_alone():
    """The series is not modified, and X does not share its memory."""
    prices = _prices()
    before = prices.copy()
    for kwargs in ({"lookback": 3}, {"lookback": 3, "min_lookback": 1}):
        windows = make_windows(prices, **kwargs)
        for x in windows.X:
            x[...] = -1.0
        windows.origin_level[:] = -1.0
    pd.testing.assert_series_equal(prices, before)


@pytest.mark.parametrize(
    "series, kwargs, message",
    [
        (_prices()[::-1], {}, "increasing and unique"),
        (_prices().where(lambda s: s.index != s.index[5]), {}, "NaN or infinity at 2020-01-08"),
        (-_prices(), {"transform": "log_return"}, "positive values"),
        (_prices(), {"lookback": 0}, "lookback must be an int"),
        (_prices(), {"min_lookback": 9}, "min_lookback must be"),
        (_prices(), {"random_lengths": True}, "set min_lookback"),
        (_prices(), {"transform": "log"}, "transform must be one of"),
        (_prices(6), {"lookback": 5, "transform": "diff"}, "need at least 7"),
        (pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), {"lookback": 1}, "target="),
        (np.arange(5.0), {}, "pandas Series or DataFrame"),
    ],
)
def test_make_windows_errors_are_clear(series, kwargs, message):
    """Unsorted, missing, non-positive, too short or ill-specified input raises a clear error."""
    kwargs = {"lookback": 5, **kwargs}
    with pytest.raises((ValueError, TypeError), match=message):
        make_windows(series, **kwargs)


def test_sp500_windows_on_the_real_series():
    """On the daily S&P 500, 5-day-ahead targets fall 5 trading days on and invert to the closes."""
    prices = sp500.load()["Adj Close"]
    windows = make_windows(prices, lookback=20, horizon=5, transform="log_return")
    assert windows.X.shape == (len(prices) - 1 - 19 - 5, 20)
    assert np.isfinite(windows.X).all() and np.isfinite(windows.y).all()
    assert windows.index[0] == prices.index[20 + 5] and windows.index[-1] == prices.index[-1]
    assert (prices.index.get_indexer(windows.index)
            - prices.index.get_indexer(windows.origins) == 5).all()
    assert_allclose(windows.to_level(windows.y).to_numpy(), prices[windows.index].to_numpy())
    returns = np.log(prices).diff()
    assert_allclose(windows.X[-1], returns.iloc[-25:-5].to_numpy())
