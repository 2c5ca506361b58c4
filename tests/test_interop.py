"""The estimators with sktime, skforecast and MAPIE: the snippets of docs/interop.rst.

Each test backs one section of the page, and the code of every snippet is
copied here verbatim (``test_page_snippets_are_run_here`` checks it):

- "sktime: forecasting by reduction": test_sktime_reduction_snippet,
  test_sktime_reduction_reads_windows_oldest_first,
  test_sktime_global_pooling_snippet.
- "sktime: the forecaster under evaluate": test_sktime_adapter_snippet,
  test_sktime_adapter_evaluate_with_splitters,
  test_sktime_adapter_update_strategy_refits_on_the_whole_history,
  test_sktime_adapter_forecasts_are_the_wrapped_ones,
  test_sktime_adapter_intervals_in_sktime_format,
  test_sktime_adapter_exogenous_are_future_covariates,
  test_sktime_adapter_update_skips_seen_times, test_sktime_adapter_horizon,
  test_sktime_adapter_passes_check_estimator, test_sktime_adapter_is_optional.
- "sktime: collections of series": test_sktime_panel_snippet,
  test_sktime_long_format_snippet.
- "skforecast": test_skforecast_snippet,
  test_skforecast_network_sees_lags_oldest_first,
  test_skforecast_and_sktime_forecasts_agree.
- "MAPIE": test_mapie_prefit_snippet, test_mapie_not_prefit_snippet,
  test_mapie_prefit_on_fixed_length_forms.

The libraries are optional (the ``interop`` extra); each test skips without
the one it needs.
"""

import re
import subprocess
import sys
import textwrap
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn.preprocessing import make_windows

PAGE = Path(__file__).resolve().parents[1] / "docs" / "interop.rst"

# MAPIE's check_sklearn_user_model_is_fitted warns with this when a prefit
# estimator has none of the attributes it looks for.
NOT_FITTED = "Estimator does not appear fitted"

# sktime 1.2 warns about its own coming change of default on every forecaster.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The default of config ``remember_data``:FutureWarning"
)


@contextmanager
def _quiet():
    """Fail on any warning of ours or MAPIE's 'does not appear fitted'.

    The page's snippets must run without warnings from this package: users
    learn to ignore noisy ones. Warnings of the other libraries about their
    own deprecations are theirs to fix and are let through.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    ours = [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if issubclass(w.category, ConvergenceWarning)
        or "sklearn_simplernn" in str(w.filename)
        or str(w.message).startswith(NOT_FITTED)
    ]
    assert not ours, ours


def _coverage(y, y_interval):
    return np.mean((y >= y_interval[:, 0, 0]) & (y <= y_interval[:, 1, 0]))


# ---------------------------------------------------------------------------
# The page runs here


def test_page_snippets_are_run_here():
    """Every python block of docs/interop.rst appears verbatim in a test of this file."""
    page = PAGE.read_text()
    source = Path(__file__).read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", page)
    assert len(blocks) == 9
    for block in blocks:
        code = textwrap.dedent(block).strip("\n")
        indented = (textwrap.indent(code, " " * k) for k in (4, 8))
        assert any(c in source for c in indented), f"not tested:\n{code}"


# ---------------------------------------------------------------------------
# sktime: forecasting by reduction


def test_sktime_reduction_snippet():
    """make_reduction with the network forecasts a sine 40 steps ahead, quietly."""
    pytest.importorskip("sktime")
    with _quiet():
        import numpy as np
        import pandas as pd
        from sklearn.pipeline import make_pipeline
        from sktime.forecasting.compose import make_reduction

        from sklearn_simplernn import SimpleRNNRegressor
        from sklearn_simplernn.preprocessing import SequenceScaler

        y = pd.Series(10 + 3 * np.sin(np.arange(240) / 4))  # one univariate series
        network = make_pipeline(
            SequenceScaler(), SimpleRNNRegressor(n_hidden=8, alpha=1e-4, max_iter=100, random_state=0)
        )
        forecaster = make_reduction(network, window_length=12, strategy="recursive")
        forecaster.fit(y[:200])
        y_pred = forecaster.predict(fh=np.arange(1, 41))  # the next 40 values
    assert_array_equal(y_pred.index, np.arange(200, 240))
    assert np.abs(y_pred - y[200:]).max() < 0.2  # amplitude 3


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sktime_reduction_reads_windows_oldest_first():
    """make_reduction fits on make_windows' oldest-first rows: same weights, same forecast."""
    pytest.importorskip("sktime")
    from sktime.forecasting.compose import make_reduction

    rng = np.random.RandomState(0)
    y = pd.Series(np.sin(np.arange(80) / 3) + 0.1 * rng.randn(80))
    net = SimpleRNNRegressor(n_hidden=4, max_iter=30, random_state=0)
    forecaster = make_reduction(net, window_length=6, strategy="recursive").fit(y)

    windows = make_windows(y, lookback=6)
    assert_array_equal(windows.X[0], y[:6])  # the oldest value in column 0
    by_hand = clone(net).fit(windows.X, windows.y)
    assert_allclose(forecaster.estimator_.recurrent_weights_, by_hand.recurrent_weights_)
    assert_allclose(forecaster.predict(fh=[1]), by_hand.predict(y.to_numpy()[None, -6:]))
    # The check can fail: the same windows newest first train another network.
    newest_first = clone(net).fit(windows.X[:, ::-1], windows.y)
    assert not np.allclose(newest_first.recurrent_weights_, by_hand.recurrent_weights_)


def test_sktime_global_pooling_snippet():
    """pooling='global' rows, made plain and reversed, train the network as make_windows' rows."""
    pytest.importorskip("sktime")
    panel = {k: pd.Series(np.sin(np.arange(50) / 3 + k)) for k in (0, 1)}  # two series
    y = pd.concat(panel, names=["id", "t"]).to_frame("v")
    with _quiet():
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer
        from sktime.forecasting.compose import make_reduction

        from sklearn_simplernn import SimpleRNNRegressor
        from sklearn_simplernn.preprocessing import SequenceReverser

        network = make_pipeline(
            FunctionTransformer(np.asarray),  # plain rows, not a (series id, time) frame
            SequenceReverser(),  # the columns v_lag_1, v_lag_2, ... are newest first
            SimpleRNNRegressor(n_hidden=8, alpha=1e-4, max_iter=100, random_state=0),
        )
        forecaster = make_reduction(network, window_length=6, pooling="global")
        forecaster.fit(y)  # y indexed by (series id, time)

    windows = [make_windows(s, lookback=6) for s in panel.values()]
    by_hand = clone(network[-1]).fit(np.vstack([w.X for w in windows]),
                                     np.concatenate([w.y for w in windows]))
    assert_allclose(forecaster.estimator_[-1].recurrent_weights_, by_hand.recurrent_weights_)
    last = np.vstack([s.to_numpy()[-6:] for s in panel.values()])
    assert_allclose(forecaster.predict(fh=[1])["v"], by_hand.predict(last))


# ---------------------------------------------------------------------------
# sktime: the forecaster under evaluate


def _small_forecaster(**params):
    """A fast SimpleRNNForecaster: a small network, a few iterations."""
    from sklearn_simplernn.forecasting import SimpleRNNForecaster, default_regressor

    network = default_regressor(random_state=0).set_params(
        regressor__simplernnregressor__n_hidden=3,
        regressor__simplernnregressor__max_iter=30,
    )
    return SimpleRNNForecaster(network, **{"lookback": 12, "random_state": 0, **params})


def test_sktime_adapter_snippet():
    """evaluate backtests the forecaster on the airline series, quietly, better than naive."""
    pytest.importorskip("sktime")
    with _quiet():
        from sktime.datasets import load_airline
        from sktime.forecasting.model_evaluation import evaluate
        from sktime.split import ExpandingWindowSplitter

        from sklearn_simplernn.forecasting import SimpleRNNForecaster, default_regressor
        from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster

        y = load_airline()  # monthly airline passengers, 1949-1960
        network = default_regressor(random_state=0).set_params(
            regressor__simplernnregressor__n_hidden=4,
            regressor__simplernnregressor__alpha=1.0,
            regressor__simplernnregressor__tol=1e-2,
            regressor__simplernnregressor__max_iter=3000,
        )
        forecaster = SimpleRNNSktimeForecaster(
            SimpleRNNForecaster(network, lookback=12, transform="log_return", random_state=0)
        )
        cv = ExpandingWindowSplitter(fh=[1, 2, 3], initial_window=96, step_length=12)
        results = evaluate(forecaster, cv, y)  # one row per fold: MAPE, fit and predict times

        forecaster.fit(y, fh=[1, 2, 3])
        y_pred = forecaster.predict()  # 1961-01 .. 1961-03
        y_interval = forecaster.predict_interval(coverage=0.9)  # columns (name, 0.9, lower/upper)
    mape = results["test_MeanAbsolutePercentageError"]
    assert len(results) == 4 and np.isfinite(mape).all()
    # The seasonal naive forecast (the value a year before) on the same folds.
    naive = [np.mean(np.abs(1 - y.iloc[test - 12].to_numpy() / y.iloc[test].to_numpy()))
             for _, test in cv.split(y)]
    assert mape.mean() < np.mean(naive)  # about 0.06 against 0.08
    assert_array_equal(y_pred.index, pd.period_range("1961-01", periods=3, freq="M"))
    assert y_interval.columns.tolist() == [(y.name, 0.9, "lower"), (y.name, 0.9, "upper")]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("splitter", ["expanding", "sliding"])
@pytest.mark.parametrize("strategy", ["refit", "update", "no-update_params"])
def test_sktime_adapter_evaluate_with_splitters(splitter, strategy):
    """evaluate with either splitter and every strategy scores every fold, finitely."""
    pytest.importorskip("sktime")
    from sktime.datasets import load_airline
    from sktime.forecasting.model_evaluation import evaluate
    from sktime.performance_metrics.forecasting import MeanAbsolutePercentageError
    from sktime.performance_metrics.forecasting.probabilistic import EmpiricalCoverage
    from sktime.split import ExpandingWindowSplitter, SlidingWindowSplitter

    from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster

    y = load_airline()
    if splitter == "expanding":
        cv = ExpandingWindowSplitter(fh=[1, 2, 3], initial_window=96, step_length=12)
    else:
        cv = SlidingWindowSplitter(fh=[1, 2, 3], window_length=96, step_length=12)
    forecaster = SimpleRNNSktimeForecaster(_small_forecaster(transform="log_return"))
    results = evaluate(forecaster, cv, y, strategy=strategy, error_score="raise",
                       scoring=[MeanAbsolutePercentageError(), EmpiricalCoverage(coverage=0.9)])
    assert len(results) == 4
    assert np.isfinite(results["test_MeanAbsolutePercentageError"]).all()
    assert results["test_MeanAbsolutePercentageError"].max() < 0.25
    assert results["test_EmpiricalCoverage"].between(0, 1).all()
    assert_array_equal(results["cutoff"].astype(str), ["1956-12", "1957-12", "1958-12",
                                                       "1959-12"])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sktime_adapter_update_strategy_refits_on_the_whole_history():
    """strategy='update' with a sliding window scores as 'refit' with an expanding one."""
    pytest.importorskip("sktime")
    from sktime.datasets import load_airline
    from sktime.forecasting.model_evaluation import evaluate
    from sktime.split import ExpandingWindowSplitter, SlidingWindowSplitter

    from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster

    y = load_airline()
    forecaster = SimpleRNNSktimeForecaster(_small_forecaster(transform="log_return"))
    sliding = evaluate(forecaster, SlidingWindowSplitter(fh=[1, 2, 3], window_length=96,
                                                         step_length=12), y, strategy="update")
    expanding = evaluate(forecaster, ExpandingWindowSplitter(fh=[1, 2, 3], initial_window=96,
                                                             step_length=12), y)
    assert_array_equal(sliding["test_MeanAbsolutePercentageError"],
                       expanding["test_MeanAbsolutePercentageError"])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sktime_adapter_forecasts_are_the_wrapped_ones():
    """Relative and absolute fh pick steps of the wrapped forecaster's forecast, exactly."""
    pytest.importorskip("sktime")
    from sktime.datasets import load_airline
    from sktime.forecasting.base import ForecastingHorizon

    from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster

    y = load_airline()[:120]
    wrapped = _small_forecaster(transform="log_return", horizon=5)
    expected = clone(wrapped).fit(y).predict()
    expected_interval = clone(wrapped).fit(y).predict_interval(coverage=0.8)

    adapter = SimpleRNNSktimeForecaster(_small_forecaster(transform="log_return"))
    y_pred = adapter.fit(y, fh=[2, 5]).predict()
    assert adapter.forecaster_.horizon == 5  # the largest step of fh
    assert_array_equal(y_pred.index, expected.index[[1, 4]])
    assert_array_equal(y_pred, expected.iloc[[1, 4]])
    assert y_pred.name == y.name
    interval = adapter.predict_interval(coverage=0.8)
    assert_array_equal(interval.iloc[:, 0], expected_interval["lower"].iloc[[1, 4]])
    assert_array_equal(interval.iloc[:, 1], expected_interval["upper"].iloc[[1, 4]])

    absolute = ForecastingHorizon(pd.period_range("1959-01", periods=3, freq="M"),
                                  is_relative=False)
    y_abs = SimpleRNNSktimeForecaster(_small_forecaster(transform="log_return")).fit(
        y, fh=absolute).predict()
    assert_array_equal(y_abs, clone(wrapped).set_params(horizon=3).fit(y).predict())
    # A panel: one network for both series, as the wrapped forecaster fits it.
    panel = pd.DataFrame({"a": y, "b": y.iloc[::-1].to_numpy()}, index=y.index)
    by_hand = clone(wrapped).fit(panel).predict()
    # sktime names no index level of a forecast; the wrapped forecaster keeps y's.
    assert_frame_equal(adapter.fit(panel, fh=[1, 2, 3, 4, 5]).predict(), by_hand,
                       check_names=False)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sktime_adapter_intervals_in_sktime_format():
    """predict_interval: (variable, coverage, lower/upper) columns, fh rows, nested ends."""
    pytest.importorskip("sktime")
    from sktime.datasets import load_airline
    from sktime.datatypes import check_is_mtype

    from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster

    y = load_airline()[:120]
    panel = pd.DataFrame({"a": y, "b": 2 * y.to_numpy()}, index=y.index)
    for data, names in [(y, [y.name]), (panel, ["a", "b"])]:
        adapter = SimpleRNNSktimeForecaster(
            _small_forecaster(transform="log_return", calibration_size=0.5),
            interval_method="scaled",
        ).fit(data, fh=[1, 3])
        interval = adapter.predict_interval(coverage=[0.5, 0.9])
        assert check_is_mtype(interval, "pred_interval", scitype="Proba")
        assert interval.columns.tolist() == [
            (name, c, end) for name in names for c in (0.5, 0.9) for end in ("lower", "upper")]
        assert_array_equal(interval.index, pd.period_range("1959-01", periods=3, freq="M")[[0, 2]])
        point = adapter.predict()
        point = point.to_frame() if isinstance(point, pd.Series) else point
        for column, name in zip(point.columns, names):
            ends = interval[name]
            assert (ends[(0.9, "lower")] < ends[(0.5, "lower")]).all()
            assert (ends[(0.5, "lower")] < point[column]).all()
            assert (point[column] < ends[(0.5, "upper")]).all()
            assert (ends[(0.5, "upper")] < ends[(0.9, "upper")]).all()
        quantiles = adapter.predict_quantiles(alpha=[0.05, 0.5, 0.95])
        assert quantiles.columns.tolist() == [
            (name, a) for name in names for a in (0.05, 0.5, 0.95)]
        for column, name in zip(point.columns, names):
            assert_array_equal(quantiles[(name, 0.05)], interval[(name, 0.9, "lower")])
            assert_array_equal(quantiles[(name, 0.5)], point[column])
            assert_array_equal(quantiles[(name, 0.95)], interval[(name, 0.9, "upper")])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sktime_adapter_exogenous_are_future_covariates():
    """X is future_covariates: the same forecast as the wrapped forecaster given them."""
    pytest.importorskip("sktime")
    from sktime.datasets import load_uschange

    from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster

    y, X = load_uschange()  # quarterly US changes: consumption, and income, production, ...
    wrapped = _small_forecaster(lookback=8, horizon=4)
    expected = clone(wrapped).fit(y[:150], future_covariates=X[:154]).predict()
    adapter = SimpleRNNSktimeForecaster(wrapped).fit(y[:150], X=X[:150], fh=[1, 2, 3, 4])
    assert_array_equal(adapter.predict(X=X[150:154]), expected)
    assert adapter.forecaster_.future_covariate_names_ == list(X.columns)
    with pytest.raises(ValueError, match="needs X at the 4 time"):
        adapter.predict()
    with pytest.raises(ValueError, match="X has no rows at 2 time"):
        adapter.predict(fh=[1, 4], X=X.iloc[[150, 153]])  # every step up to 4 is needed


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sktime_adapter_update_skips_seen_times():
    """update passes on only the new times, with refit=update_params, and refuses gaps."""
    pytest.importorskip("sktime")
    from sktime.datasets import load_uschange

    from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster

    y, X = load_uschange()
    wrapped = _small_forecaster(lookback=8, horizon=2)
    for update_params in (False, True):
        adapter = SimpleRNNSktimeForecaster(wrapped).fit(y[:150], X=X[:150], fh=[1, 2])
        network = adapter.forecaster_.regressor_
        # As evaluate(strategy="update") does: the whole window again, and 10 new times.
        adapter.update(y[:160], X=X[:160], update_params=update_params)
        assert adapter.cutoff[0] == 159
        assert (adapter.forecaster_.regressor_ is network) is not update_params
        by_hand = clone(wrapped).fit(y[:150], future_covariates=X[:150])
        by_hand.update(y[150:160], future_covariates=X[150:160], refit=update_params)
        assert_array_equal(adapter.predict(X=X[160:162]),
                           by_hand.predict(future_covariates=X[160:162]))
    with pytest.raises(ValueError, match="continue the series without gaps"):
        adapter.update(y[165:170], X=X[165:170])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sktime_adapter_horizon():
    """fit without fh keeps the forecaster's horizon; predict further than it is refused."""
    pytest.importorskip("sktime")
    from sktime.datasets import load_airline

    from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster

    y = load_airline()[:120]
    adapter = SimpleRNNSktimeForecaster(_small_forecaster(horizon=3)).fit(y)
    assert adapter.forecaster_.horizon == 3
    assert len(adapter.predict(fh=[1, 2, 3])) == 3
    with pytest.raises(ValueError, match="fh reaches 4 steps ahead, but the forecaster was "
                                         "fitted for 3"):
        adapter.predict(fh=[4])
    with pytest.raises(NotImplementedError, match="in-sample"):
        adapter.predict(fh=[0])


def test_sktime_adapter_passes_check_estimator():
    """sktime's own conformance suite passes on both test parameter sets."""
    pytest.importorskip("sktime")
    from sktime.utils.estimator_checks import check_estimator

    from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster

    with warnings.catch_warnings():
        # The test instances' networks are small and stop early, on purpose;
        # predict_proba wants skpro, which the interop extra does not install.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message="Forecasters' predict_proba requires skpro")
        results = check_estimator(SimpleRNNSktimeForecaster, raise_exceptions=False,
                                  verbose=False)
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert len(results) > 700
    assert not failed, failed


def test_sktime_adapter_is_optional():
    """Without sktime the package imports and persists; the adapter says how to install it."""
    pytest.importorskip("sktime")
    code = textwrap.dedent("""
        import sys
        sys.modules["sktime"] = None  # as if sktime were not installed
        import sklearn_simplernn
        from sklearn_simplernn._persistence import trusted_types
        assert "sklearn_simplernn.sktime_adapter" not in sys.modules
        trusted_types()  # imports every module of the package, this one too
        try:
            from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster
        except ImportError as error:
            print(error)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert 'pip install "sklearn-simplernn[interop]"' in done.stdout


# ---------------------------------------------------------------------------
# sktime: collections of series


def test_sktime_panel_snippet():
    """BasicMotions, made channels last, is classified well above chance (1 in 4)."""
    pytest.importorskip("sktime")
    with _quiet():
        from sklearn.pipeline import make_pipeline
        from sktime.datasets import load_basic_motions

        from sklearn_simplernn import SimpleRNNClassifier
        from sklearn_simplernn.preprocessing import SequenceScaler, to_channels_last

        X_train, y_train = load_basic_motions(split="train", return_type="numpy3D")
        X_test, y_test = load_basic_motions(split="test", return_type="numpy3D")
        clf = make_pipeline(
            SequenceScaler(),
            SimpleRNNClassifier(n_hidden=8, solver="adam", learning_rate_init=0.01,
                                random_state=0),
        )
        clf.fit(to_channels_last(X_train), y_train)  # (40, 100, 6): time steps, channels
        accuracy = clf.score(to_channels_last(X_test), y_test)
    assert X_train.shape == (40, 6, 100)
    assert accuracy > 0.6


def test_sktime_long_format_snippet():
    """sktime's pd-multiindex frames fit as they are, like the channels-last numpy arrays."""
    pytest.importorskip("sktime")
    from sklearn.pipeline import make_pipeline
    from sktime.datasets import load_basic_motions

    from sklearn_simplernn import SimpleRNNClassifier
    from sklearn_simplernn.preprocessing import SequenceScaler, to_channels_last

    clf = make_pipeline(
        SequenceScaler(),
        SimpleRNNClassifier(n_hidden=8, solver="adam", learning_rate_init=0.01,
                            random_state=0),
    )
    X_train, y_train = load_basic_motions(split="train", return_type="numpy3D")
    X_test, _ = load_basic_motions(split="test", return_type="numpy3D")
    from_numpy = clone(clf).fit(to_channels_last(X_train), y_train)
    with _quiet():
        X_long, y_long = load_basic_motions(split="train", return_type="pd-multiindex")
        clf.fit(X_long, y_long)  # rows indexed by (case, time), one column per channel
    X_test_long, _ = load_basic_motions(split="test", return_type="pd-multiindex")
    assert_allclose(clf.predict_proba(X_test_long),
                    from_numpy.predict_proba(to_channels_last(X_test)))


# ---------------------------------------------------------------------------
# skforecast


def test_skforecast_snippet():
    """ForecasterRecursive with the reversed-lags pipeline forecasts a sine, quietly."""
    pytest.importorskip("skforecast")
    with _quiet():
        import numpy as np
        import pandas as pd
        from sklearn.pipeline import make_pipeline
        from skforecast.recursive import ForecasterRecursive

        from sklearn_simplernn import SimpleRNNRegressor
        from sklearn_simplernn.preprocessing import SequenceReverser, SequenceScaler

        y = pd.Series(10 + 3 * np.sin(np.arange(240) / 4), name="y")
        network = make_pipeline(
            SequenceReverser(),  # skforecast's columns lag_1, lag_2, ... are newest first
            SequenceScaler(),
            SimpleRNNRegressor(n_hidden=8, alpha=1e-4, max_iter=100, random_state=0),
        )
        forecaster = ForecasterRecursive(estimator=network, lags=12)
        forecaster.fit(y[:200])
        y_pred = forecaster.predict(steps=40)
    assert_array_equal(y_pred.index, np.arange(200, 240))
    assert np.abs(y_pred - y[200:]).max() < 0.2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skforecast_network_sees_lags_oldest_first():
    """Behind SequenceReverser the network trains on make_windows' rows; without it, not."""
    pytest.importorskip("skforecast")
    from sklearn.pipeline import make_pipeline
    from skforecast.recursive import ForecasterRecursive

    from sklearn_simplernn.preprocessing import SequenceReverser

    rng = np.random.RandomState(0)
    y = pd.Series(np.sin(np.arange(80) / 3) + 0.1 * rng.randn(80), name="y")
    net = SimpleRNNRegressor(n_hidden=4, max_iter=30, random_state=0)
    windows = make_windows(y, lookback=6)
    by_hand = clone(net).fit(windows.X, windows.y)

    reversed_lags = ForecasterRecursive(estimator=make_pipeline(SequenceReverser(), net), lags=6)
    reversed_lags.fit(y)
    assert_allclose(reversed_lags.estimator[-1].recurrent_weights_, by_hand.recurrent_weights_)
    assert_allclose(reversed_lags.predict(steps=1),
                    by_hand.predict(y.to_numpy()[None, -6:]))
    raw_lags = ForecasterRecursive(estimator=clone(net), lags=6)
    raw_lags.fit(y)
    assert not np.allclose(raw_lags.estimator.recurrent_weights_, by_hand.recurrent_weights_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_skforecast_and_sktime_forecasts_agree():
    """skforecast with SequenceReverser and sktime without it give the same 10 forecasts."""
    pytest.importorskip("skforecast")
    pytest.importorskip("sktime")
    from sklearn.pipeline import make_pipeline
    from skforecast.recursive import ForecasterRecursive
    from sktime.forecasting.compose import make_reduction

    from sklearn_simplernn.preprocessing import SequenceReverser, SequenceScaler

    y = pd.Series(10 + 3 * np.sin(np.arange(120) / 4), name="y")
    net = make_pipeline(SequenceScaler(),
                        SimpleRNNRegressor(n_hidden=4, max_iter=30, random_state=0))
    skforecast = ForecasterRecursive(estimator=make_pipeline(SequenceReverser(), net), lags=8)
    skforecast.fit(y)
    sktime = make_reduction(net, window_length=8, strategy="recursive").fit(y)
    assert_allclose(skforecast.predict(steps=10), sktime.predict(fh=np.arange(1, 11)))


# ---------------------------------------------------------------------------
# MAPIE


def _mapie_data():
    """The data of the MAPIE snippets: ragged sequences, split three ways."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    rng = np.random.RandomState(0)
    X = [rng.randn(T) for T in rng.randint(5, 30, size=1000)]  # sequences of 5 to 29 steps
    y = np.array([x[-3:].mean() for x in X]) + 0.2 * rng.randn(1000)
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.5, random_state=0)
    X_conf, X_test, y_conf, y_test = train_test_split(X_rest, y_rest, test_size=0.5,
                                                      random_state=0)
    return X_train, X_conf, X_test, y_train, y_conf, y_test


def test_mapie_prefit_snippet():
    """A network fitted on ragged X is taken as fitted; 90% intervals cover about 90%."""
    pytest.importorskip("mapie")
    X_train, X_conf, X_test, y_train, y_conf, y_test = _mapie_data()
    with _quiet():
        from mapie.regression import SplitConformalRegressor

        from sklearn_simplernn import SimpleRNNRegressor

        model = SimpleRNNRegressor(n_hidden=8, tol=1e-3, random_state=0).fit(X_train, y_train)
        mapie = SplitConformalRegressor(model, confidence_level=0.9, prefit=True)
        mapie.conformalize(X_conf, y_conf)
        y_pred, y_interval = mapie.predict_interval(X_test)  # y_interval: (n, 2, 1)
    assert y_interval.shape == (len(X_test), 2, 1)
    assert abs(_coverage(y_test, y_interval) - 0.9) < 0.05
    assert_allclose(y_pred, model.predict(X_test))


def test_mapie_not_prefit_snippet():
    """MAPIE fits a clone of the network itself, then conformalizes: coverage about 90%."""
    pytest.importorskip("mapie")
    from mapie.regression import SplitConformalRegressor

    X_train, X_conf, X_test, y_train, y_conf, y_test = _mapie_data()
    with _quiet():
        mapie = SplitConformalRegressor(
            SimpleRNNRegressor(n_hidden=8, tol=1e-3, random_state=0),
            confidence_level=0.9, prefit=False,
        )
        mapie.fit(X_train, y_train).conformalize(X_conf, y_conf)
        y_pred, y_interval = mapie.predict_interval(X_test)
    assert abs(_coverage(y_test, y_interval) - 0.9) < 0.05


@pytest.mark.parametrize("form", ["2d", "3d"])
def test_mapie_prefit_on_fixed_length_forms(form):
    """Prefit on 2-D and on 3-D X: no 'does not appear fitted' warning, coverage about 90%."""
    pytest.importorskip("mapie")
    from mapie.regression import SplitConformalRegressor

    rng = np.random.RandomState(0)
    X = rng.randn(1000, 10)
    y = X[:, -3:].mean(axis=1) + 0.2 * rng.randn(1000)
    if form == "3d":
        X = X[:, :, None]
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.5, random_state=0)
    X_conf, X_test, y_conf, y_test = train_test_split(X_rest, y_rest, test_size=0.5,
                                                      random_state=0)
    with _quiet():
        model = SimpleRNNRegressor(n_hidden=8, tol=1e-3, random_state=0).fit(X_train, y_train)
        mapie = SplitConformalRegressor(model, confidence_level=0.9, prefit=True)
        mapie.conformalize(X_conf, y_conf)
        _, y_interval = mapie.predict_interval(X_test)
    assert abs(_coverage(y_test, y_interval) - 0.9) < 0.05
