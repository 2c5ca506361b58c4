"""How accurate is the simple RNN on real sequence data, against simple baselines?

Every data set ships inside an installed package (aeon, statsmodels, arch), so
the study runs offline and gives the same splits on every machine:

- regression sets of aeon (one target per sequence, aeon's own train/test split);
- windows cut from single series with ``make_windows``: the next value (or the
  value k steps ahead) from the last ``lookback`` values, in levels or in
  returns. The split is by time: a window whose target date falls in the last
  quarter of the series is a test window, every other window is a training
  window, so no training target lies in the test period;
- classification sets of aeon (aeon's own split), two of them with sequences of
  unequal lengths, passed to the network as ragged lists.

Each set is scored by test RMSE (regression) or accuracy (classification).
Methods that use randomness run with several seeds (``--seeds``, 5 by
default) and are reported as mean +- standard deviation over the seeds.

- "RNN defaults": ``make_pipeline(SequenceScaler(), SimpleRNNRegressor())``
  inside ``TransformedTargetRegressor(transformer=StandardScaler())`` (the
  classifier: ``make_pipeline(SequenceScaler(), SimpleRNNClassifier())``).
- "RNN recipe": the same, with ``alpha`` and ``n_hidden`` chosen by
  GridSearchCV over ``RECIPE_GRID`` (with random_state=0; time-ordered folds
  for windows of a series, shuffled folds for sets of sequences), then refitted
  with each seed, after the representation that suits the data: windows of a
  price or other trending level are expressed relative to their own last
  value (``InstanceNormalizedRegressor(center='last')``, which maps the
  predictions back to levels), count data go through a signed log1p.
- Regression baselines: the training mean; persistence (the last value of the
  window, on the target's scale) and the seasonal naive forecast (the value
  one period before the target date) where they apply; on the flattened lag
  window, standardised: RidgeCV, an MLPRegressor (L-BFGS) tuned by
  GridSearchCV over ``MLP_GRID`` (same folds as the recipe) and refitted with
  each seed, and a RandomForestRegressor per seed.
- Classification baselines: the majority class; logistic regression and 1-NN
  on standardised per-channel summary features (mean, std, min, max, last
  value; and the length); 1-NN on the raw sequences where they have equal
  lengths.

The three S&P 500 sets keep one training window in three (the most recent
first) to bound the time of a fit; all their test windows are kept.

Run:  python benchmarks/accuracy_study.py [--quick] [--seeds 5] [--only NAME ...]
                                          [--out results.json] [--experiment]

``--experiment`` also fits candidate default settings of the regressor on the
regression sets (see ``CANDIDATES``). The script prints one table per set, then
the accuracy checks, each as met / not met with its number.
Warnings are never silenced: ConvergenceWarnings are counted per set and
printed (the RNN's per method, the baselines' together), other warnings are shown.
"""

import argparse
import contextlib
import json
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.model_selection import GridSearchCV, KFold, TimeSeriesSplit
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_simplernn import (
    InstanceNormalizedRegressor,
    SimpleRNNClassifier,
    SimpleRNNRegressor,
)
from sklearn_simplernn.preprocessing import SequenceScaler, make_windows

TEST_FRACTION = 0.25  # of the time points of a series
MLP_GRID = {"hidden_layer_sizes": [(16,), (64,)], "alpha": [1e-4, 1e-2, 1.0, 10.0]}
RECIPE_GRID = {"alpha": [1e-4, 1e-2, 1e-1, 1.0, 10.0], "n_hidden": [8, 16]}


# ---------------------------------------------------------------------------
# Data sets


@dataclass
class RegressionSet:
    """One regression task: X as 2-D (univariate) or 3-D (n, T, channels) arrays."""

    name: str
    source: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    kind: str  # 'set' (one target per sequence), 'level', 'cycle' or 'return'
    representation: str = "none"  # the recipe's: 'none', 'relative' or 'log1p'
    persistence: np.ndarray = None  # test predictions, or None where it does not apply
    seasonal: np.ndarray = None
    split: str = ""
    price: bool = False  # a price level: the recipe must stay within 2% of persistence

    @property
    def cv(self):
        # Windows of one series are validated forward in time; independent
        # sequences by shuffled folds.
        if self.kind == "set":
            return KFold(3, shuffle=True, random_state=0)
        return TimeSeriesSplit(3)


@dataclass
class ClassificationSet:
    """One classification task: X as (n, T, channels) arrays or lists of (T_i, channels)."""

    name: str
    source: str
    X_train: object
    y_train: np.ndarray
    X_test: object
    y_test: np.ndarray
    ragged: bool
    split: str = ""


def _aeon_collection(loader):
    """aeon's (n, channels, T) arrays, or lists of (channels, T_i), in our (n, T, channels)."""
    out = []
    for part in ("train", "test"):
        X, y = loader(split=part)
        X = [np.asarray(x, dtype=float).T for x in X] if isinstance(X, list) else (
            np.ascontiguousarray(np.transpose(X, (0, 2, 1)), dtype=float))
        out += [X, np.asarray(y)]
    return out


def _windows_set(name, source, series, lookback, *, horizon=1, transform=None, target=None,
                 kind, period=None, representation="none", price=False, train_stride=1):
    """Cut windows from a series and split them by the date of their target.

    ``train_stride`` > 1 keeps every k-th training window (counting back from
    the latest) to bound the time of a fit; every test window is kept.
    """
    w = make_windows(series, lookback, horizon=horizon, transform=transform, target=target)
    split_date = series.index[int(round(len(series) * (1 - TEST_FRACTION)))]
    test = np.asarray(w.index >= split_date)
    train_rows = np.flatnonzero(~test)[::-1][::train_stride][::-1]
    train_w, test_w = w[train_rows], w[np.flatnonzero(test)]
    last = test_w.X[:, -1] if test_w.X.ndim == 2 else test_w.X[:, -1, _column(series, target)]
    persistence = seasonal = None
    if transform is None or horizon == 1:
        # The last value of the window, on the target's scale: the last level
        # for levels, the last one-step change for changes.
        persistence = last
    if period is not None and transform is None and horizon <= period <= lookback + horizon - 1:
        # The value one period before the target date.
        seasonal = test_w.X[:, -1 - (period - horizon)]
    what = f"{'value' if transform is None else transform} {horizon} step(s) ahead"
    return RegressionSet(
        name, f"{source}; {what} from the last {lookback}", train_w.X, train_w.y,
        test_w.X, test_w.y, kind, representation, persistence, seasonal,
        split=f"targets from {split_date} are test"
              + (f"; one training window in {train_stride} kept" if train_stride > 1 else ""),
        price=price,
    )


def _column(series, target):
    return 0 if isinstance(series, pd.Series) else list(series.columns).index(target)


def load_regression_sets():
    """Return {name: loader} for the regression sets, each loader -> RegressionSet."""
    import aeon.datasets as ad

    def aeon_set(loader, name, source, representation):
        def load():
            X_tr, y_tr, X_te, y_te = _aeon_collection(loader)
            return RegressionSet(name, source, X_tr, y_tr.astype(float), X_te,
                                 y_te.astype(float), "set", representation,
                                 split="aeon's train/test split")
        return load

    def sp500(name, lookback, horizon, transform, kind):
        def load():
            from arch.data import sp500 as data

            close = data.load()["Adj Close"]
            return _windows_set(name, "arch S&P 500 daily adjusted close", close, lookback,
                                horizon=horizon, transform=transform, kind=kind,
                                representation="relative" if kind == "level" else "none",
                                price=kind == "level", train_stride=3)
        return load

    def sunspots():
        import statsmodels.api as sm

        d = sm.datasets.sunspots.load_pandas().data
        s = pd.Series(d["SUNACTIVITY"].to_numpy(), index=d["YEAR"].astype(int).to_numpy())
        return _windows_set("sunspots", "statsmodels yearly sunspot number", s, 22,
                            kind="cycle")

    def co2():
        import statsmodels.api as sm

        weekly = sm.datasets.co2.load_pandas().data["co2"]
        s = weekly.resample("MS").mean().interpolate()
        s.index = s.index.to_period("M")
        # 3 months ahead from the last two years of monthly means.
        return _windows_set("co2_monthly", "statsmodels Mauna Loa CO2, monthly means of the "
                            "weekly readings", s, 24, horizon=3, kind="level", period=12,
                            representation="relative")

    def gdp():
        import statsmodels.api as sm

        d = sm.datasets.macrodata.load_pandas().data
        index = pd.PeriodIndex.from_fields(year=d["year"].astype(int),
                                           quarter=d["quarter"].astype(int), freq="Q")
        s = pd.Series(d["realgdp"].to_numpy(), index=index)
        return _windows_set("gdp_growth", "statsmodels macrodata US real GDP, quarterly", s,
                            8, transform="log_return", kind="return")

    def unemployment():
        import statsmodels.api as sm

        d = sm.datasets.macrodata.load_pandas().data
        index = pd.PeriodIndex.from_fields(year=d["year"].astype(int),
                                           quarter=d["quarter"].astype(int), freq="Q")
        s = pd.Series(d["unemp"].to_numpy(), index=index)
        return _windows_set("unemployment", "statsmodels macrodata US unemployment rate, "
                            "quarterly", s, 8, kind="cycle")

    def airline():
        s = ad.load_airline(return_array=False).astype(float)
        return _windows_set("airline", "aeon monthly airline passengers", s, 24,
                            kind="level", period=12, representation="relative")

    def nile():
        import statsmodels.api as sm

        d = sm.datasets.nile.load_pandas().data
        s = pd.Series(d["volume"].to_numpy(float), index=d["year"].astype(int).to_numpy())
        return _windows_set("nile", "statsmodels Nile yearly flow", s, 10, kind="cycle")

    def elnino():
        import statsmodels.api as sm

        d = sm.datasets.elnino.load_pandas().data
        months = d.columns[1:]
        values = d[months].to_numpy(float).ravel()
        index = pd.period_range(f"{int(d['YEAR'].iloc[0])}-01", periods=len(values), freq="M")
        return _windows_set("elnino", "statsmodels El Nino monthly sea surface temperature",
                            pd.Series(values, index=index), 24, kind="cycle", period=12)

    def uschange():
        frame = ad.load_uschange(return_array=False).T.astype(float)
        frame.index = pd.period_range("1970Q1", periods=len(frame), freq="Q")
        return _windows_set("uschange", "aeon US consumption growth, with income, production, "
                            "savings, unemployment (5 features per step)", frame, 8,
                            target="Consumption", kind="return")

    return {
        "covid3month": aeon_set(ad.load_covid_3month, "covid3month",
                                "aeon Covid3Month: death rate from 84 days of cases", "log1p"),
        "cardano": aeon_set(ad.load_cardano_sentiment, "cardano",
                            "aeon CardanoSentiment: sentiment from 24 h of price and volume",
                            "log1p"),
        "sp500_return": sp500("sp500_return", 20, 1, "log_return", "return"),
        "sp500_level": sp500("sp500_level", 20, 1, None, "level"),
        "sp500_level_5d": sp500("sp500_level_5d", 20, 5, None, "level"),
        "sunspots": sunspots,
        "co2_monthly": co2,
        "gdp_growth": gdp,
        "unemployment": unemployment,
        "airline": airline,
        "nile": nile,
        "elnino": elnino,
        "uschange": uschange,
    }


def load_classification_sets():
    """Return {name: loader} for the classification sets, each loader -> ClassificationSet."""
    import aeon.datasets as ad

    def make(loader, name, source):
        def load():
            X_tr, y_tr, X_te, y_te = _aeon_collection(loader)
            return ClassificationSet(name, source, X_tr, y_tr, X_te, y_te,
                                     isinstance(X_tr, list), "aeon's train/test split")
        return load

    return {
        "japanese_vowels": make(ad.load_japanese_vowels, "japanese_vowels",
                                "aeon JapaneseVowels: 9 speakers, 12 cepstra, 7-29 steps"),
        "pickup_gesture": make(ad.load_pickup_gesture_wiimoteZ, "pickup_gesture",
                               "aeon PickupGestureWiimoteZ: 10 gestures, 29-361 steps"),
        "basic_motions": make(ad.load_basic_motions, "basic_motions",
                              "aeon BasicMotions: 4 activities, 6 channels, 100 steps"),
        "gunpoint": make(ad.load_gunpoint, "gunpoint", "aeon GunPoint: 2 classes, 150 steps"),
        "italy_power": make(ad.load_italy_power_demand, "italy_power",
                            "aeon ItalyPowerDemand: 2 classes, 24 steps"),
        "arrowhead": make(ad.load_arrow_head, "arrowhead",
                          "aeon ArrowHead: 3 classes, 251 steps"),
    }


QUICK = ["cardano", "gdp_growth", "unemployment", "nile", "airline", "elnino", "japanese_vowels",
         "italy_power", "basic_motions"]


# ---------------------------------------------------------------------------
# Models


def flat(X):
    """Each window, (T,) or (T, channels), as one row of lag features."""
    return np.asarray(X).reshape(len(X), -1)


def summary_features(X):
    """Per channel: mean, std, min, max, last value; and the length."""
    seqs = X if isinstance(X, list) else list(X)
    rows = []
    for x in seqs:
        x = x.reshape(len(x), -1)
        rows.append(np.concatenate([x.mean(0), x.std(0), x.min(0), x.max(0), x[-1], [len(x)]]))
    return np.array(rows)


def _log1p(X):
    """Signed log1p: counts and volumes spanning orders of magnitude onto a readable scale."""
    return np.sign(X) * np.log1p(np.abs(X))


REPRESENTATIONS = {"log1p": _log1p}


def rnn_regressor(seed, representation="none", **params):
    """Inputs scaled by SequenceScaler, target by StandardScaler; optionally a representation."""
    steps = [] if representation in ("none", "relative") else [
        FunctionTransformer(REPRESENTATIONS[representation])]
    model = TransformedTargetRegressor(
        regressor=make_pipeline(*steps, SequenceScaler(),
                                SimpleRNNRegressor(random_state=seed, **params)),
        transformer=StandardScaler(),
    )
    # Levels: each window relative to its own last value, mapped back to levels.
    return InstanceNormalizedRegressor(model, center="last") if representation == "relative" \
        else model


def _rnn_param_prefix(representation):
    base = "regressor__simplernnregressor__"
    return "regressor__" + base if representation == "relative" else base


def rmse(y, pred):
    return float(np.sqrt(mean_squared_error(y, pred)))


@contextlib.contextmanager
def counting_warnings(counts):
    """Record warnings in the block: ConvergenceWarnings are counted, others shown."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            counts["convergence"] = counts.get("convergence", 0) + 1
        else:
            counts["other"] = counts.get("other", 0) + 1
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


# ---------------------------------------------------------------------------
# Running one set


def _stats(values):
    values = np.asarray(values, dtype=float)
    return {"mean": float(values.mean()), "std": float(values.std()), "values": values.tolist()}


def run_regression(ds, seeds, *, recipe=True):
    """Fit every method on one regression set; return {method: stats}."""
    res = {}
    y_tr, y_te = ds.y_train, ds.y_test
    res["train mean"] = _stats([rmse(y_te, np.full_like(y_te, y_tr.mean()))])
    if ds.persistence is not None:
        res["persistence"] = _stats([rmse(y_te, ds.persistence)])
    if ds.seasonal is not None:
        res["seasonal naive"] = _stats([rmse(y_te, ds.seasonal)])
    F_tr, F_te = flat(ds.X_train), flat(ds.X_test)
    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
    res["RidgeCV"] = _stats([rmse(y_te, ridge.fit(F_tr, y_tr).predict(F_te))])

    other = {}
    with counting_warnings(other):
        mlp = TransformedTargetRegressor(
            make_pipeline(StandardScaler(), MLPRegressor(solver="lbfgs", max_iter=500,
                                                         random_state=0)),
            transformer=StandardScaler())
        grid = {f"regressor__mlpregressor__{k}": v for k, v in MLP_GRID.items()}
        search = GridSearchCV(mlp, grid, cv=ds.cv, scoring="neg_root_mean_squared_error")
        best = search.fit(F_tr, y_tr).best_params_
        scores = []
        for s in seeds:
            model = clone(mlp).set_params(**best, regressor__mlpregressor__random_state=s)
            scores.append(rmse(y_te, model.fit(F_tr, y_tr).predict(F_te)))
        res["MLP (tuned)"] = _stats(scores)
        res["MLP (tuned)"]["params"] = {k.split("__")[-1]: v for k, v in best.items()}
        res["RandomForest"] = _stats([
            rmse(y_te, RandomForestRegressor(random_state=s, n_jobs=1).fit(F_tr, y_tr)
                 .predict(F_te)) for s in seeds])

    res["RNN defaults"] = run_rnn(ds, seeds)
    if recipe:
        res["RNN recipe"] = run_recipe(ds, seeds)
    res["_baseline_warnings"] = other
    return res


def run_rnn(ds, seeds, representation="none", **params):
    """Fit the RNN once per seed; RMSE stats, ConvergenceWarning count, seconds per fit."""
    counts, scores, times = {}, [], []
    for s in seeds:
        model = rnn_regressor(s, representation, **params)
        with counting_warnings(counts):
            start = time.perf_counter()
            model.fit(ds.X_train, ds.y_train)
            times.append(time.perf_counter() - start)
            scores.append(rmse(ds.y_test, model.predict(ds.X_test)))
    out = _stats(scores)
    out.update(convergence_warnings=counts.get("convergence", 0),
               seconds_per_fit=float(np.mean(times)))
    return out


def run_recipe(ds, seeds):
    """Grid search (seed 0) over RECIPE_GRID with the set's representation; refit per seed."""
    prefix = _rnn_param_prefix(ds.representation)
    search = GridSearchCV(rnn_regressor(0, ds.representation),
                          {prefix + k: v for k, v in RECIPE_GRID.items()},
                          cv=ds.cv, scoring="neg_root_mean_squared_error")
    counts = {}
    with counting_warnings(counts):
        search.fit(ds.X_train, ds.y_train)
    best = {k[len(prefix):]: v for k, v in search.best_params_.items()}
    out = run_rnn(ds, seeds, ds.representation, **best)
    out["params"] = best
    out["representation"] = ds.representation
    out["search_convergence_warnings"] = counts.get("convergence", 0)
    return out


def run_classification(ds, seeds):
    """Fit every method on one classification set; return {method: accuracy stats}."""
    res = {}
    y_tr, y_te = ds.y_train, ds.y_test
    S_tr, S_te = summary_features(ds.X_train), summary_features(ds.X_test)
    res["majority"] = _stats([accuracy_score(y_te, DummyClassifier().fit(S_tr, y_tr)
                                             .predict(S_te))])
    other = {}
    with counting_warnings(other):
        logit = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
        res["logistic (summary)"] = _stats([accuracy_score(y_te, logit.fit(S_tr, y_tr)
                                                           .predict(S_te))])
        knn = make_pipeline(StandardScaler(), KNeighborsClassifier(1))
        res["1-NN (summary)"] = _stats([accuracy_score(y_te, knn.fit(S_tr, y_tr).predict(S_te))])
        if not ds.ragged:
            res["1-NN (raw)"] = _stats([accuracy_score(
                y_te, KNeighborsClassifier(1).fit(flat(ds.X_train), y_tr)
                .predict(flat(ds.X_test)))])
    counts, scores, times = {}, [], []
    for s in seeds:
        model = make_pipeline(SequenceScaler(), SimpleRNNClassifier(random_state=s))
        with counting_warnings(counts):
            start = time.perf_counter()
            model.fit(ds.X_train, y_tr)
            times.append(time.perf_counter() - start)
            scores.append(accuracy_score(y_te, model.predict(ds.X_test)))
    res["RNN defaults"] = _stats(scores)
    res["RNN defaults"].update(convergence_warnings=counts.get("convergence", 0),
                               seconds_per_fit=float(np.mean(times)))
    res["_baseline_warnings"] = other
    return res


# ---------------------------------------------------------------------------
# Defaults experiment: candidate settings of the regressor at its defaults


class BestIterate(RegressorMixin, BaseEstimator):
    """L-BFGS keeping the iterate with the best validation MSE on the last fraction of X.

    Emulates, with a scikit-learn fit callback, a validation-based restore of
    the best weights for L-BFGS: the network trains on the first
    ``1 - validation_fraction`` of the (time-ordered) windows and keeps the
    weights of the iteration that predicted the rest best.
    """

    def __init__(self, params=None, validation_fraction=0.2, random_state=None):
        self.params = params
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def fit(self, X, y):
        n_val = max(1, int(round(len(y) * self.validation_fraction)))
        track = _BestOnValidation(X[-n_val:], y[-n_val:])
        self.model_ = SimpleRNNRegressor(random_state=self.random_state, **(self.params or {}))
        self.model_.set_callbacks(track)
        self.model_.fit(X[:-n_val], y[:-n_val])
        for name, value in (track.best or {}).items():
            setattr(self.model_, name, value)
        self.best_iteration_ = track.best_iteration
        return self

    def predict(self, X):
        return self.model_.predict(X)


class _BestOnValidation:
    """A scikit-learn fit callback: the weights of the iteration with the least validation MSE."""

    def __init__(self, X_val, y_val):
        self.X_val, self.y_val = X_val, y_val
        self.best, self.best_score, self.best_iteration, self.iteration = None, np.inf, 0, 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name != "iteration" or fitted_estimator is None:
            return False
        self.iteration += 1
        score = mean_squared_error(self.y_val, fitted_estimator.predict(self.X_val))
        if score < self.best_score:
            self.best_score, self.best_iteration = score, self.iteration
            self.best = {k: np.array(getattr(fitted_estimator, k)) for k in
                         ("input_weights_", "recurrent_weights_", "hidden_bias_",
                          "output_weights_", "output_bias_")}
        return False


class HoldoutAlpha(RegressorMixin, BaseEstimator):
    """alpha chosen on a hold-out of the last fraction of X, then a refit on all of X.

    Emulates an automatic choice of alpha (as RidgeCV makes for ridge): one
    fit per candidate alpha on the first ``1 - validation_fraction`` of the
    (time-ordered) windows, scored on the rest.
    """

    def __init__(self, alphas=(1e-2, 1e-1, 1.0, 10.0), params=None, validation_fraction=0.2,
                 random_state=None):
        self.alphas = alphas
        self.params = params
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def fit(self, X, y):
        n_val = max(1, int(round(len(y) * self.validation_fraction)))
        params = dict(self.params or {}, random_state=self.random_state)
        scores = [mean_squared_error(y[-n_val:], SimpleRNNRegressor(alpha=a, **params)
                                     .fit(X[:-n_val], y[:-n_val]).predict(X[-n_val:]))
                  for a in self.alphas]
        self.alpha_ = self.alphas[int(np.argmin(scores))]
        self.model_ = SimpleRNNRegressor(alpha=self.alpha_, **params).fit(X, y)
        return self

    def predict(self, X):
        return self.model_.predict(X)


class BestOfRestarts(RegressorMixin, BaseEstimator):
    """``n_init`` fits from different initial weights; keep the lowest training objective."""

    def __init__(self, n_init=3, params=None, random_state=None):
        self.n_init = n_init
        self.params = params
        self.random_state = random_state

    def fit(self, X, y):
        fits = [SimpleRNNRegressor(random_state=1000 * self.random_state + k,
                                   **(self.params or {})).fit(X, y)
                for k in range(self.n_init)]
        self.model_ = min(fits, key=lambda m: m.loss_)
        return self

    def predict(self, X):
        return self.model_.predict(X)


# The settings every candidate starts from, pinned so that the comparison does
# not move when the package's defaults do.
EXPERIMENT_BASE = {"n_hidden": 16, "solver": "lbfgs", "alpha": 1e-4, "max_iter": 200}


def experiment_model(candidate, seed, n_samples):
    """The pipeline of the defaults with one candidate's settings of the regressor."""
    params = {**EXPERIMENT_BASE, **candidate}
    if "alpha_per_sample" in params:
        # J divides the penalty by sum(w): alpha = c * n keeps a penalty of c/2 ||W||^2.
        params["alpha"] = params.pop("alpha_per_sample") * n_samples
    if params.pop("best_iterate", False):
        inner = BestIterate(params, random_state=seed)
    elif params.pop("holdout_alpha", False):
        params.pop("alpha")  # the hold-out chooses it
        inner = HoldoutAlpha(params=params, random_state=seed)
    elif "n_init" in params:
        inner = BestOfRestarts(params.pop("n_init"), params, random_state=seed)
    else:
        inner = SimpleRNNRegressor(random_state=seed, **params)
    return TransformedTargetRegressor(regressor=make_pipeline(SequenceScaler(), inner),
                                      transformer=StandardScaler())


CANDIDATES = {
    "alpha=1e-4 (H=16, L-BFGS, 200 it)": {},
    "alpha=1e-2": {"alpha": 1e-2},
    "alpha=0.1": {"alpha": 0.1},
    "alpha=1": {"alpha": 1.0},
    "alpha=10": {"alpha": 10.0},
    "n_hidden=8": {"n_hidden": 8},
    "n_hidden=32": {"n_hidden": 32},
    "max_iter=50": {"max_iter": 50},
    "max_iter=1000": {"max_iter": 1000},
    "adam, early_stopping": {"solver": "adam", "early_stopping": True},
    "alpha=1e-3*n": {"alpha_per_sample": 1e-3},
    "alpha=1e-2*n": {"alpha_per_sample": 1e-2},
    "best iterate on last 20%": {"best_iterate": True},
    "alpha=1, best iterate on last 20%": {"alpha": 1.0, "best_iterate": True},
    "alpha=3": {"alpha": 3.0},
    "alpha=30": {"alpha": 30.0},
    "alpha=100": {"alpha": 100.0},
    "alpha=10, n_hidden=8": {"alpha": 10.0, "n_hidden": 8},
    "alpha=10, best iterate on last 20%": {"alpha": 10.0, "best_iterate": True},
    "alpha by hold-out (last 20%) in {0.01, 0.1, 1, 10}": {"holdout_alpha": True},
    "n_init=3 restarts (least training loss)": {"n_init": 3},
}


def run_experiment(sets, baselines, seeds, names):
    """For each candidate: per set RMSE stats; summary rows."""
    rows = {}
    for label in names:
        per_set = {}
        t0 = time.perf_counter()
        for ds in sets:
            counts, scores, times = {}, [], []
            for s in seeds:
                model = experiment_model(CANDIDATES[label], s, len(ds.y_train))
                with counting_warnings(counts):
                    start = time.perf_counter()
                    model.fit(ds.X_train, ds.y_train)
                    times.append(time.perf_counter() - start)
                    scores.append(rmse(ds.y_test, model.predict(ds.X_test)))
            per_set[ds.name] = _stats(scores)
            per_set[ds.name].update(convergence_warnings=counts.get("convergence", 0),
                                    seconds_per_fit=float(np.mean(times)))
        levels = {ds.name for ds in sets if ds.kind == "level"}
        rows[label] = summarise_candidate(per_set, baselines, levels)
        rows[label]["per_set"] = per_set
        r = rows[label]
        print(f"  {label:<36} worst/mean {r['worst_ratio']:.3f} ({r['worst_set']}), "
              f"beats Ridge {r['beats_ridge']}/{r['n_sets']}, worst spread "
              f"{100 * r['worst_spread']:.1f}% ({100 * r['worst_spread_not_level']:.1f}% "
              f"without level sets), CW {r['convergence_warnings']}, "
              f"{r['seconds_per_fit']:.2f} s/fit ({time.perf_counter() - t0:.0f} s)",
              flush=True)
    return rows


def summarise_candidate(per_set, baselines, levels=()):
    """Worst ratio to the mean, wins over RidgeCV, worst seed spread on the sets with signal."""
    ratios = {n: per_set[n]["mean"] / baselines[n]["train mean"]["mean"] for n in per_set}
    worst = max(ratios, key=ratios.get)
    signal = [n for n in per_set if has_signal(baselines[n])]
    spreads = {n: per_set[n]["std"] / per_set[n]["mean"] for n in signal}
    return {
        "worst_ratio": ratios[worst], "worst_set": worst,
        "mean_ratio": float(np.mean(list(ratios.values()))),
        "beats_ridge": sum(per_set[n]["mean"] < baselines[n]["RidgeCV"]["mean"] for n in per_set),
        "n_sets": len(per_set),
        "worst_spread": max(spreads.values(), default=0.0),
        "worst_spread_not_level": max((v for n, v in spreads.items() if n not in levels),
                                      default=0.0),
        "convergence_warnings": sum(v["convergence_warnings"] for v in per_set.values()),
        "seconds_per_fit": float(np.mean([v["seconds_per_fit"] for v in per_set.values()])),
    }


# ---------------------------------------------------------------------------
# Reporting and checks

BASELINES = ("persistence", "seasonal naive", "RidgeCV", "MLP (tuned)", "RandomForest")


def has_signal(res):
    """A set with signal: the best baseline beats the training mean by more than 5%."""
    best = min(res[m]["mean"] for m in BASELINES if m in res)
    return best < 0.95 * res["train mean"]["mean"]


def print_table(ds, res, metric):
    size = (f"train {len(ds.y_train)} / test {len(ds.y_test)}")
    print(f"\n== {ds.name}: {ds.source}\n   {size}; {ds.split}")
    ref = res.get("train mean", {}).get("mean")
    for method, r in res.items():
        if method.startswith("_"):
            continue
        line = f"   {method:<20} {r['mean']:>10.4g}"
        if len(r["values"]) > 1:
            line += f" +- {r['std']:<9.2g}"
        else:
            line += " " * 13
        if ref and metric == "RMSE":
            line += f"  {r['mean'] / ref:6.3f} x mean"
        if "convergence_warnings" in r:
            line += (f"  ConvergenceWarning {r['convergence_warnings']}/{len(r['values'])}"
                     f"  {r['seconds_per_fit']:.2f} s/fit")
        if "search_convergence_warnings" in r:
            line += f" (search: {r['search_convergence_warnings']})"
        if "params" in r:
            line += f"  {r['params']}"
        if "representation" in r:
            line += f" repr={r['representation']}"
        print(line)
    if res["_baseline_warnings"]:
        print(f"   baseline warnings: {res['_baseline_warnings']}")


def checks(reg, cls, reg_sets):
    """Each accuracy check as (description, met, number)."""
    out = []
    if reg:
        ratios = {n: r["RNN defaults"]["mean"] / r["train mean"]["mean"] for n, r in reg.items()}
        worst = max(ratios, key=ratios.get)
        out.append(("defaults: test RMSE <= 1.02 x training mean on every regression set",
                    ratios[worst] <= 1.02, f"worst {ratios[worst]:.3f} ({worst})"))
        wins = [n for n, r in reg.items() if r["RNN defaults"]["mean"] < r["RidgeCV"]["mean"]]
        out.append(("defaults: better than RidgeCV on lags on >= half the regression sets",
                    2 * len(wins) >= len(reg),
                    f"{len(wins)}/{len(reg)}" + (f" ({', '.join(wins)})" if wins else "")))
        with_recipe = {n: r for n, r in reg.items() if "RNN recipe" in r}
        if with_recipe:
            wins = [n for n, r in with_recipe.items()
                    if r["RNN recipe"]["mean"] < r["MLP (tuned)"]["mean"]]
            out.append(("recipe: better than the tuned MLP on >= half the regression sets",
                        2 * len(wins) >= len(with_recipe), f"{len(wins)}/{len(with_recipe)}"))
            for label, names in (
                ("price-level", [n for n in with_recipe if reg_sets[n].price]),
                ("trending-level (all 'level' sets, stricter)",
                 [n for n in with_recipe if reg_sets[n].kind == "level"]),
            ):
                if not names:
                    continue
                ratios = {n: with_recipe[n]["RNN recipe"]["mean"]
                          / with_recipe[n]["persistence"]["mean"] for n in names}
                worst = max(ratios, key=ratios.get)
                out.append((f"recipe: RMSE <= 1.02 x persistence on every {label} set",
                            ratios[worst] <= 1.02,
                            ", ".join(f"{n} {v:.3f}" for n, v in ratios.items())))
        signal = [n for n in reg if has_signal(reg[n])]
        spreads = {n: reg[n]["RNN defaults"]["std"] / reg[n]["RNN defaults"]["mean"]
                   for n in signal}
        if spreads and len(reg[signal[0]]["RNN defaults"]["values"]) > 1:
            worst = max(spreads, key=spreads.get)
            above = {n: v for n, v in spreads.items() if v > 0.05}
            rest = [v for n, v in spreads.items() if n not in above]
            detail = f"worst {100 * spreads[worst]:.1f}% ({worst})"
            if above and rest:
                detail += ("; above 5%: "
                           + ", ".join(f"{n} {100 * v:.1f}%" for n, v in above.items())
                           + f"; the other {len(rest)} at most {100 * max(rest):.1f}%")
            out.append((f"defaults: seed std <= 5% of mean RMSE on the {len(signal)} sets "
                        f"with signal", not above, detail))
    if cls:
        wins = [n for n, r in cls.items()
                if r["RNN defaults"]["mean"] >= r["logistic (summary)"]["mean"]]
        out.append(("classifier defaults: accuracy >= logistic on summary features on >= "
                    "half the classification sets", 2 * len(wins) >= len(cls),
                    f"{len(wins)}/{len(cls)}"))
        if "japanese_vowels" in cls:
            acc = cls["japanese_vowels"]["RNN defaults"]["mean"]
            out.append(("classifier defaults: accuracy >= 0.97 on JapaneseVowels", acc >= 0.97,
                        f"{acc:.3f}"))
    cw = {n: r["RNN defaults"]["convergence_warnings"] for n, r in {**reg, **cls}.items()}
    bad = {n: c for n, c in cw.items() if c}
    out.append(("defaults: no ConvergenceWarning on the study's sets", not bad,
                f"{sum(cw.values())} warning(s)" + (f" {bad}" if bad else "")))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, a few sets")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per random method "
                        "(default 5, or 1 with --quick)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these sets")
    parser.add_argument("--out", help="write all results to this JSON file")
    parser.add_argument("--no-recipe", action="store_true", help="skip the recipe's search")
    parser.add_argument("--experiment", action="store_true",
                        help="also compare candidate defaults on the regression sets")
    parser.add_argument("--candidates", nargs="+", metavar="LABEL",
                        help="with --experiment: only these candidates (labels of CANDIDATES)")
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds if args.seeds is not None else (1 if args.quick else 5)))
    reg_loaders, cls_loaders = load_regression_sets(), load_classification_sets()
    names = args.only or (QUICK if args.quick else [*reg_loaders, *cls_loaders])
    unknown = [n for n in names if n not in reg_loaders and n not in cls_loaders]
    if unknown:
        parser.error(f"unknown set(s) {unknown}; known: {[*reg_loaders, *cls_loaders]}")

    # One BLAS thread, set after every library is loaded: the models' matrices
    # are small, and scipy's L-BFGS-B (the MLP's solver) runs many times slower
    # with two BLAS threads on a machine whose cores are busy.
    threadpool_limits(1)
    defaults = SimpleRNNRegressor().get_params()
    print("RNN defaults: " + ", ".join(f"{k}={defaults[k]!r}" for k in
                                       ("n_hidden", "solver", "alpha", "max_iter")))
    start = time.perf_counter()
    reg, cls, reg_sets = {}, {}, {}
    for name in names:
        t0 = time.perf_counter()
        if name in reg_loaders:
            ds = reg_sets[name] = reg_loaders[name]()
            reg[name] = run_regression(ds, seeds, recipe=not args.no_recipe)
            print_table(ds, reg[name], "RMSE")
        else:
            ds = cls_loaders[name]()
            cls[name] = run_classification(ds, seeds)
            print_table(ds, cls[name], "accuracy")
        print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)

    print(f"\n== Checks ({len(reg)} regression and {len(cls)} classification sets, "
          f"{len(seeds)} seed(s); sets with signal: "
          f"{[n for n in reg if has_signal(reg[n])]})")
    results = checks(reg, cls, reg_sets)
    for text, met, number in results:
        print(f"   [{'met' if met else 'NOT MET':>7}] {text}: {number}")

    experiment = None
    if args.experiment and reg:
        labels = args.candidates or list(CANDIDATES)
        print(f"\n== Defaults experiment on {len(reg)} regression sets, {len(seeds)} seed(s)")
        experiment = run_experiment(list(reg_sets.values()), reg, seeds, labels)
    print(f"\nTotal {time.perf_counter() - start:.0f} s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"seeds": seeds, "regression": reg, "classification": cls,
                       "checks": [{"check": t, "met": bool(m), "value": v}
                                  for t, m, v in results],
                       "experiment": experiment}, f, indent=1, default=str)


if __name__ == "__main__":
    main()
