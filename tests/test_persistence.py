"""sklearn_simplernn.save / load: skops round trips, refusal of untrusted types, versions."""

import importlib
import importlib.util
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from arch.data import sp500
from numpy.testing import assert_array_equal
from scipy.stats import loguniform
from sklearn.base import BaseEstimator
from sklearn.metrics import get_scorer, get_scorer_names, make_scorer
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import sklearn_simplernn
from sklearn_simplernn import (
    SimpleRNNClassifier,
    SimpleRNNRegressor,
    SimpleRNNSequenceRegressor,
    _optimizers,
    load,
    save,
)
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


def _my_metric(y_true, y_pred):
    return 0.0


class _Foreign(BaseEstimator):
    """An estimator class from outside the package and scikit-learn."""


def _smuggling_pipeline(smuggled):
    pipe = make_pipeline(SequenceScaler(), SimpleRNNRegressor())
    pipe.steps.insert(0, ("smuggled", smuggled))
    return pipe


# Objects holding a type load must refuse, and the name skops gives that type.
_UNTRUSTED = [
    pytest.param(_smuggling_pipeline(FunctionTransformer(os.system)), "system", id="os.system"),
    pytest.param(_smuggling_pipeline(FunctionTransformer(_exfiltrate)), "_exfiltrate",
                 id="local-function"),
    pytest.param(_smuggling_pipeline(_Foreign()), "_Foreign", id="foreign-class"),
    pytest.param(GridSearchCV(SimpleRNNRegressor(), {"n_hidden": [2, 3]},
                              scoring=make_scorer(_my_metric)), "_my_metric",
                 id="make_scorer-own-metric"),
    pytest.param(RandomizedSearchCV(SimpleRNNRegressor(), {"alpha": loguniform(1e-4, 1.0)}),
                 "rv_continuous_frozen", id="scipy-distribution"),
]


@needs_skops
@pytest.mark.parametrize("smuggled, name", _UNTRUSTED)
def test_load_refuses_untrusted_types(tmp_path, smuggled, name):
    """A file holding a function or class outside the trusted set is refused, naming it."""
    import skops.io

    path = tmp_path / "evil.skops"
    skops.io.dump(smuggled, path)
    with pytest.raises(TypeError, match=f"does not trust: .*{name}"):
        sklearn_simplernn.load(path)


@needs_skops
@pytest.mark.parametrize("smuggled, name", _UNTRUSTED)
def test_save_refuses_what_load_would_refuse_and_writes_nothing(tmp_path, smuggled, name):
    """save raises, naming the type and the skops way out, and writes or overwrites no file."""
    new, existing = tmp_path / "new.skops", tmp_path / "existing.skops"
    existing.write_bytes(b"an earlier file")
    for path in (new, existing):
        with pytest.raises(TypeError, match=rf"does not trust.*{name}.*skops\.io\.dump"):
            sklearn_simplernn.save(smuggled, path)
    assert not new.exists()
    assert existing.read_bytes() == b"an earlier file"


@needs_skops
def test_windows_are_not_saved(tmp_path, sp500_windows):
    """Windows (a data set, not a model) cannot be saved, and no file is left behind."""
    train, _ = sp500_windows
    with pytest.raises(TypeError):
        sklearn_simplernn.save(train, tmp_path / "windows.skops")
    assert not (tmp_path / "windows.skops").exists()


@needs_skops
def test_fresh_interpreter_loads_a_pipeline_and_trusts_the_same_types(tmp_path):
    """A new process that imports only sklearn_simplernn loads a saved SequenceScaler pipeline."""
    rng = np.random.RandomState(6)
    X, y = rng.randn(20, 4), rng.randn(20)
    pipe = make_pipeline(SequenceScaler(),
                         SimpleRNNRegressor(n_hidden=2, max_iter=5, random_state=0)).fit(X, y)
    sklearn_simplernn.save(pipe, tmp_path / "pipe.skops")
    np.save(tmp_path / "X.npy", X)
    code = (
        "import json, sys\n"
        "import numpy as np\n"
        "import sklearn_simplernn\n"
        "model = sklearn_simplernn.load(sys.argv[1])\n"
        "np.save(sys.argv[2], model.predict(np.load(sys.argv[3])))\n"
        "print(json.dumps(sklearn_simplernn._persistence.trusted_types()))\n"
    )
    # Run from the directory holding this package so the child imports this very code.
    root = Path(sklearn_simplernn.__file__).resolve().parents[1]
    child = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "pipe.skops"), str(tmp_path / "pred.npy"),
         str(tmp_path / "X.npy")],
        cwd=root, capture_output=True, text=True,
    )
    assert child.returncode == 0, child.stderr
    assert_array_equal(np.load(tmp_path / "pred.npy"), pipe.predict(X))
    assert json.loads(child.stdout) == list(trusted_types())


def _tiny_search(Search, **kwargs):
    rng = np.random.RandomState(7)
    X = [rng.randn(T, 2) for T in rng.randint(3, 7, 24)]
    y = np.array([x[:, 0].sum() for x in X])
    pipe = make_pipeline(SequenceScaler(), SimpleRNNRegressor(max_iter=3, random_state=0))
    grid = {"simplernnregressor__n_hidden": [2, 3]}
    if Search is RandomizedSearchCV:
        kwargs.update(n_iter=2, random_state=0)
    return Search(pipe, grid, **kwargs).fit(X, y), X


@needs_skops
@pytest.mark.parametrize("Search, kwargs", [
    pytest.param(GridSearchCV, dict(cv=TimeSeriesSplit(n_splits=2)), id="TimeSeriesSplit"),
    pytest.param(GridSearchCV, dict(cv=TimeSeriesSplit(n_splits=2),
                                    scoring="neg_mean_squared_error"), id="named-scoring"),
    pytest.param(RandomizedSearchCV, dict(cv=KFold(n_splits=2),
                                          scoring=["r2", "neg_mean_absolute_error"], refit="r2"),
                 id="randomized-KFold-multimetric"),
])
def test_round_trip_of_a_fitted_search(tmp_path, Search, kwargs):
    """A fitted search over the pipeline, with a sklearn splitter and scoring, saves and loads."""
    search, X = _tiny_search(Search, **kwargs)
    sklearn_simplernn.save(search, tmp_path / "search.skops")
    loaded = sklearn_simplernn.load(tmp_path / "search.skops")
    assert type(loaded.cv) is type(search.cv)
    assert loaded.best_params_ == search.best_params_
    assert_array_equal(loaded.predict(X), search.predict(X))
    assert loaded.score(X, search.predict(X)) == search.score(X, search.predict(X))


def _importable(name):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def test_trusted_types_are_exactly_the_package_estimators_and_optimizers():
    """The package's part of the trusted list is its public estimators and its optimizers."""
    modules = [sklearn_simplernn] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(sklearn_simplernn.__path__, "sklearn_simplernn.")
    ]
    estimators = {
        cls for module in modules for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseEstimator) and cls.__module__.startswith("sklearn_simplernn")
        and not cls.__name__.startswith(("_", "Base"))
    }
    optimizers = {cls for _, cls in inspect.getmembers(_optimizers, inspect.isclass)
                  if cls.__module__ == _optimizers.__name__}
    assert {SimpleRNNRegressor, SimpleRNNClassifier, SequenceScaler} <= estimators
    assert {SGD, Adam} <= optimizers
    own = {_importable(name) for name in trusted_types() if name.startswith("sklearn_simplernn")}
    assert own == estimators | optimizers


def test_trusted_sklearn_types_are_splitters_scorers_and_named_scorer_metrics():
    """Beyond the package, only sklearn splitters, scorer classes and named-scorer metrics."""
    metrics = {get_scorer(name)._score_func for name in get_scorer_names()}
    for name in trusted_types():
        if name.startswith("sklearn_simplernn."):
            continue
        obj = _importable(name)
        if inspect.isfunction(obj):
            assert obj in metrics, name
        else:
            assert obj.__module__ in ("sklearn.model_selection._split",
                                      "sklearn.metrics._scorer"), name
            assert name.endswith("Scorer") or hasattr(obj, "split"), name
    expected = {
        "sklearn.model_selection._split.TimeSeriesSplit",
        "sklearn.model_selection._split.KFold",
        "sklearn.model_selection._split.GroupKFold",
        "sklearn.model_selection._split.RepeatedKFold",
        "sklearn.model_selection._split.ShuffleSplit",
        "sklearn.metrics._scorer._PassthroughScorer",
        "sklearn.metrics._scorer._Scorer",
        "sklearn.metrics._regression.mean_squared_error",
        "sklearn.metrics._regression.r2_score",
    }
    assert expected <= set(trusted_types())
    assert not any(name.endswith(("_CVIterableWrapper", "make_scorer", "FunctionTransformer"))
                   for name in trusted_types())


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


@needs_skops
@pytest.mark.parametrize("model", [
    SimpleRNNRegressor(n_hidden=(3, 3), bidirectional=True, readout="max", max_iter=3),
    SimpleRNNSequenceRegressor(n_hidden=(3, 2), max_iter=3),
], ids=["stacked-bidirectional-regressor", "sequence-regressor"])
def test_round_trip_of_deeper_models(tmp_path, model):
    """Per-layer weight lists and the per-step model save and load with predictions unchanged."""
    rng = np.random.RandomState(0)
    X = [rng.randn(T) for T in rng.randint(2, 9, size=20)]
    y = [np.cumsum(x) for x in X] if isinstance(model, SimpleRNNSequenceRegressor) else \
        np.array([x.sum() for x in X])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=3
        model.fit(X, y)
    path = tmp_path / "model.skops"
    save(model, path)
    loaded = load(path)
    for a, b in zip(model.predict(X), loaded.predict(X)):
        np.testing.assert_array_equal(a, b)
