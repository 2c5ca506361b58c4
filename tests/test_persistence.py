"""sklearn_simplernn.save / load: skops round trips, refusal of untrusted types, versions."""

import importlib.util
import inspect
import json
import os
import sys
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from arch.data import sp500
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import sklearn_simplernn
from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn import SimpleRNNClassifier, _optimizers
from sklearn_simplernn._optimizers import SGD, Adam
from sklearn_simplernn._persistence import trusted_types
from sklearn_simplernn.preprocessing import SequenceScaler, make_windows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
needs_skops = pytest.mark.skipif(importlib.util.find_spec("skops") is None,
                                 reason="skops (the persistence extra) is not installed")


@pytest.fixture(scope="module")
def sp500_windows():
    prices = sp500.load()["Adj Close"].iloc[-400:]
    windows = make_windows(prices, lookback=15, min_lookback=3, random_lengths=True,
                           random_state=0, transform="log_return")
    return windows[:300], windows[300:]


@needs_skops
def test_round_trip_of_a_model_predicts_identically(tmp_path):
    """A model saved and loaded predicts bit for bit the same, and keeps its feature names."""
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.randn(30, 4), columns=["t-3", "t-2", "t-1", "t"])
    y = X.sum(axis=1).to_numpy()
    model = SimpleRNNRegressor(n_hidden=4, max_iter=30, random_state=0).fit(X, y)
    sklearn_simplernn.save(model, tmp_path / "model.skops")
    loaded = sklearn_simplernn.load(tmp_path / "model.skops")
    assert type(loaded) is SimpleRNNRegressor and loaded.get_params() == model.get_params()
    assert_array_equal(loaded.predict(X), model.predict(X))
    assert_array_equal(loaded.feature_names_in_, model.feature_names_in_)
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(X.rename(columns={"t": "today"}))


@needs_skops
def test_round_trip_of_a_pipeline_on_real_ragged_windows(tmp_path, sp500_windows):
    """A SequenceScaler -> network pipeline on S&P 500 windows predicts identically when loaded."""
    train, test = sp500_windows
    pipe = make_pipeline(SequenceScaler(method="robust"),
                         SimpleRNNRegressor(n_hidden=4, max_iter=30, random_state=0))
    pipe.fit(train.X, train.y)
    sklearn_simplernn.save(pipe, tmp_path / "pipe.skops")
    loaded = sklearn_simplernn.load(tmp_path / "pipe.skops")
    assert_array_equal(loaded.predict(test.X), pipe.predict(test.X))
    assert_array_equal(loaded[0].center_, pipe[0].center_)


@needs_skops
def test_optimizer_state_survives_for_partial_fit(tmp_path):
    """Adam's moments are saved: partial_fit continues identically on the loaded model."""
    rng = np.random.RandomState(1)
    X = [rng.randn(T, 2) for T in rng.randint(2, 8, 25)]
    y = np.array([x.sum() for x in X])
    model = SimpleRNNRegressor(n_hidden=3, solver="adam", learning_rate_init=0.05,
                               random_state=0)
    for _ in range(3):
        model.partial_fit(X, y)
    sklearn_simplernn.save(model, tmp_path / "adam.skops")
    loaded = sklearn_simplernn.load(tmp_path / "adam.skops")
    model.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert_array_equal(loaded.recurrent_weights_, model.recurrent_weights_)
    assert_array_equal(loaded.predict(X), model.predict(X))


def _exfiltrate(X):
    return X


class _Foreign(BaseEstimator):
    """An estimator class from outside the package and scikit-learn."""


@needs_skops
@pytest.mark.parametrize(
    "smuggled, name",
    [
        (FunctionTransformer(os.system), "system"),
        (FunctionTransformer(_exfiltrate), "_exfiltrate"),
        (_Foreign(), "_Foreign"),
    ],
)
def test_load_refuses_untrusted_types(tmp_path, smuggled, name):
    """A file holding a function or class outside the trusted set is refused, naming it."""
    pipe = make_pipeline(SequenceScaler(), SimpleRNNRegressor())
    pipe.steps.insert(0, ("smuggled", smuggled))
    path = tmp_path / "evil.skops"
    sklearn_simplernn.save(pipe, path)
    with pytest.raises(TypeError, match=f"does not trust: .*{name}"):
        sklearn_simplernn.load(path)


def test_trusted_types_are_exactly_the_package_estimators_and_optimizers():
    """The trusted list is the package's public estimators and its optimizers, nothing else."""
    modules = [m for name, m in sys.modules.items() if name.startswith("sklearn_simplernn")]
    estimators = {
        cls for module in modules for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseEstimator) and cls.__module__.startswith("sklearn_simplernn")
        and not cls.__name__.startswith(("_", "Base"))
    }
    optimizers = {cls for _, cls in inspect.getmembers(_optimizers, inspect.isclass)
                  if cls.__module__ == _optimizers.__name__}
    assert {SimpleRNNRegressor, SimpleRNNClassifier, SequenceScaler} <= estimators
    assert {SGD, Adam} <= optimizers
    assert set(trusted_types()) == estimators | optimizers


def _plain(value):
    """True when value is a numpy array or a plain Python value (recursively)."""
    if value is None or isinstance(value, (bool, int, float, str, np.ndarray, np.generic)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


@pytest.mark.parametrize("Estimator", [SimpleRNNRegressor, SimpleRNNClassifier])
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_fitted_state_is_arrays_and_plain_values(Estimator, solver):
    """Fitted attributes are arrays and plain values, or optimizers/sklearn objects holding them."""
    rng = np.random.RandomState(2)
    X = [rng.randn(T) for T in rng.randint(2, 6, 20)]
    model = Estimator(n_hidden=2, solver=solver, max_iter=5, random_state=0)
    model.fit(X, np.arange(20) % 3)
    for name, value in vars(model).items():
        if isinstance(value, (SGD, Adam)):
            assert name == "_optimizer"
            value = vars(value)
        elif isinstance(value, BaseEstimator):
            # The classifier's LabelBinarizer, as in MLPClassifier: a type skops
            # trusts by default, itself holding plain values.
            assert type(value).__module__.startswith("sklearn.")
            value = vars(value)
        assert _plain(value), f"{name} holds a {type(value).__name__}"


@needs_skops
def test_round_trip_of_a_classifier(tmp_path):
    """A fitted SimpleRNNClassifier loads with its classes and identical probabilities."""
    rng = np.random.RandomState(5)
    X = [rng.randn(T) for T in rng.randint(2, 8, 30)]
    y = np.array(["down", "up"])[[int(x.sum() > 0) for x in X]]
    model = SimpleRNNClassifier(n_hidden=3, max_iter=30, random_state=0).fit(X, y)
    sklearn_simplernn.save(model, tmp_path / "clf.skops")
    loaded = sklearn_simplernn.load(tmp_path / "clf.skops")
    assert_array_equal(loaded.classes_, model.classes_)
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def _rewrite_version(path, version):
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    if version is None:
        del members["sklearn_simplernn.json"]
    else:
        members["sklearn_simplernn.json"] = json.dumps({"version": version}).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@needs_skops
@pytest.mark.parametrize("version, message", [("0.0.1", "written by sklearn-simplernn 0.0.1"),
                                              (None, "unknown sklearn-simplernn version")])
def test_load_refuses_another_package_version(tmp_path, version, message):
    """A file from another (or an unknown) package version is refused unless explicitly allowed."""
    X, y = np.random.RandomState(3).randn(10, 3), np.arange(10.0)
    model = SimpleRNNRegressor(n_hidden=2, max_iter=5, random_state=0).fit(X, y)
    path = tmp_path / "old.skops"
    sklearn_simplernn.save(model, path)
    _rewrite_version(path, version)
    with pytest.raises(ValueError, match=message):
        sklearn_simplernn.load(path)
    loaded = sklearn_simplernn.load(path, allow_version_mismatch=True)
    assert_array_equal(loaded.predict(X), model.predict(X))


@needs_skops
def test_file_without_the_package_record_is_refused_too(tmp_path):
    """A plain skops.io.dump file (no version record) needs allow_version_mismatch."""
    model = SimpleRNNRegressor(n_hidden=7)
    import skops.io

    skops.io.dump(model, tmp_path / "plain.skops")
    with pytest.raises(ValueError, match="not by sklearn_simplernn.save"):
        sklearn_simplernn.load(tmp_path / "plain.skops")
    loaded = sklearn_simplernn.load(tmp_path / "plain.skops", allow_version_mismatch=True)
    assert loaded.n_hidden == 7


@pytest.mark.parametrize("function", ["save", "load"])
def test_missing_skops_says_how_to_install(monkeypatch, tmp_path, function):
    """Without skops, save and load raise an ImportError naming the persistence extra."""
    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    call = getattr(sklearn_simplernn, function)
    path = tmp_path / "m.skops"
    args = (SimpleRNNRegressor(), path) if function == "save" else (path,)
    with pytest.raises(ImportError, match=r"sklearn-simplernn\[persistence\]"):
        call(*args)


@needs_skops
def test_save_does_not_touch_the_model(tmp_path):
    """Saving leaves the fitted model's parameters and attributes as they were."""
    X, y = np.random.RandomState(4).randn(10, 3), np.arange(10.0)
    model = SimpleRNNRegressor(n_hidden=2, max_iter=5, random_state=0).fit(X, y)
    before = {k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in vars(model).items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sklearn_simplernn.save(model, tmp_path / "m.skops")
    for key, value in before.items():
        assert_array_equal(getattr(model, key), value)
