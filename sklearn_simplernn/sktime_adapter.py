"""An sktime forecaster around :class:`~sklearn_simplernn.forecasting.SimpleRNNForecaster`.

:class:`SimpleRNNSktimeForecaster` gives the forecaster sktime's interface:
``fit(y, X=None, fh=None)``, ``predict(fh, X)``, ``predict_interval``,
``predict_quantiles`` and ``update``, so that it runs under sktime's
``evaluate``, its splitters, its tuners and its pipelines.

It needs sktime, an optional dependency: ``pip install
"sklearn-simplernn[interop]"``. Without sktime this module still imports
(so that tools that import every module of the package keep working), but
importing :class:`SimpleRNNSktimeForecaster` from it raises an ImportError
that says how to install sktime.
"""

import numpy as np
import pandas as pd
from sklearn.base import clone

from .forecasting import SimpleRNNForecaster

__all__ = ["SimpleRNNSktimeForecaster"]

_INSTALL = (
    "SimpleRNNSktimeForecaster needs sktime, an optional dependency of sklearn-simplernn: "
    'install it with  pip install "sklearn-simplernn[interop]"  (or pip install sktime).'
)

try:
    from sktime.forecasting.base import BaseForecaster, ForecastingHorizon
except ImportError as error:  # sktime is optional: see __getattr__ below
    _SKTIME_ERROR = error
else:
    _SKTIME_ERROR = None


def __getattr__(name):
    # Only reached when the class was not defined, i.e. without sktime.
    if name in __all__ and _SKTIME_ERROR is not None:
        raise ImportError(_INSTALL) from _SKTIME_ERROR
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if _SKTIME_ERROR is None:

    class SimpleRNNSktimeForecaster(BaseForecaster):
        """A SimpleRNNForecaster behind sktime's forecaster interface.

        The wrapped forecaster is cloned and fitted in ``fit``; sktime's
        arguments map onto it as follows.

        - ``fh`` (relative or absolute, out-of-sample only): ``fit`` with
          ``fh`` sets the forecaster's ``horizon`` to the largest step of
          ``fh``; ``fit`` without ``fh`` keeps the forecaster's own
          ``horizon``. ``predict`` forecasts all steps up to the horizon and
          returns those of ``fh``. A later ``fh`` may differ from the one
          of ``fit``, as long as it reaches no further than the fitted
          horizon.
        - ``y``: a Series, or a DataFrame of several series on one calendar,
          which one model fits together (each series is forecast from its
          own past, as for a panel of ``SimpleRNNForecaster``). Series of a
          row-MultiIndex (sktime's panels and hierarchies) get one model
          each, by sktime's broadcasting.
        - ``X``: the forecaster's ``future_covariates``, known in advance:
          ``fit`` and ``update`` read X at the times of y, and ``predict``
          reads X at **every** time from the step after the cutoff to the
          last step of ``fh`` (not only at the steps of ``fh``). Covariates
          observed only up to each origin need ``past_covariates`` of
          :class:`~sklearn_simplernn.forecasting.SimpleRNNForecaster`
          itself, which sktime's ``X`` cannot express.
        - ``update(y, X, update_params)``: the forecaster's ``update``
          with ``refit=update_params``; the times of y up to the cutoff,
          already seen, are skipped, and the rest must continue the series.
        - ``predict_interval(coverage=...)``: the forecaster's
          ``predict_interval`` for each coverage (coverage 0 gives the
          point forecast at both ends), and ``predict_quantiles`` from it
          (quantiles alpha and 1 - alpha are the ends of the interval of
          coverage 1 - 2 alpha; alpha 0.5 is the point forecast).

        Only the positions of the times matter to the wrapped forecaster:
        any index sktime accepts works (RangeIndex, integer, PeriodIndex,
        DatetimeIndex with a frequency), and the forecast times come from
        sktime's ``fh`` and cutoff.

        Parameters
        ----------
        forecaster : SimpleRNNForecaster or None, default=None
            The forecaster to run, unfitted (it is cloned). None uses
            ``SimpleRNNForecaster()``. Its ``horizon`` is replaced by the
            largest step of ``fh`` when ``fit`` receives ``fh``. Its
            parameters are tunable through sktime's and scikit-learn's
            nested names, e.g. ``forecaster__lookback``.
        interval_method : {'scaled', 'conformal'}, default='scaled'
            The ``method`` of the forecaster's ``predict_interval``.

        Attributes
        ----------
        forecaster_ : SimpleRNNForecaster
            The fitted clone of ``forecaster``, indexed by position: it
            holds the series with a RangeIndex from 0.

        Notes
        -----
        The data seen is kept by the fitted forecaster, so this forecaster
        sets sktime's config ``remember_data=False`` by default (no second
        copy in ``_y`` and ``_X``).

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from sklearn.linear_model import Ridge
        >>> from sklearn_simplernn.forecasting import SimpleRNNForecaster
        >>> from sklearn_simplernn.sktime_adapter import SimpleRNNSktimeForecaster
        >>> months = pd.period_range("2000-01", periods=120, freq="M")
        >>> y = pd.Series(10 + np.sin(np.arange(120) * np.pi / 6), index=months, name="y")
        >>> forecaster = SimpleRNNSktimeForecaster(SimpleRNNForecaster(Ridge(), lookback=24))
        >>> forecaster.fit(y, fh=[1, 2, 3]).predict().round(1)
        2010-01    10.0
        2010-02    10.5
        2010-03    10.9
        Freq: M, Name: y, dtype: float64
        >>> forecaster.predict_interval(coverage=0.9).columns.tolist()
        [('y', 0.9, 'lower'), ('y', 0.9, 'upper')]
        """

        _tags = {
            "authors": ["sklearn-simplernn developers"],
            "maintainers": ["sklearn-simplernn developers"],
            "y_inner_mtype": ["pd.Series", "pd.DataFrame"],
            "X_inner_mtype": "pd.DataFrame",
            "capability:multivariate": True,
            "capability:exogenous": True,
            "capability:insample": False,
            "capability:pred_int": True,
            "capability:pred_int:insample": False,
            "capability:missing_values": False,
            # predict reads X at every step up to the last of fh.
            "capability:non_contiguous_X": False,
            "capability:update": True,
            "requires-fh-in-fit": False,
            "X-y-must-have-same-index": True,
            "fit_is_empty": False,
        }

        # The fitted forecaster keeps every observation it needs (and the
        # covariates), so sktime's own copy would only double the memory.
        _config = {"remember_data": False}

        def __init__(self, forecaster=None, interval_method="scaled"):
            self.forecaster = forecaster
            self.interval_method = interval_method
            super().__init__()
            # The base class creates these only when remember_data is on at
            # construction; set_config(remember_data=True) may turn it on later.
            self._y = self._X = None

        # -- fit and update ---------------------------------------------------

        def _fit(self, y, X, fh):
            if self.interval_method not in ("conformal", "scaled"):
                raise ValueError(f"interval_method must be 'conformal' or 'scaled'; got "
                                 f"{self.interval_method!r}.")
            template = SimpleRNNForecaster() if self.forecaster is None else self.forecaster
            if not isinstance(template, SimpleRNNForecaster):
                raise TypeError(f"forecaster must be a SimpleRNNForecaster or None; got "
                                f"{type(template).__name__}.")
            forecaster = clone(template)
            if fh is not None:
                forecaster.set_params(horizon=int(self._steps(fh).max()))
            self._n_seen = len(y)
            future = None if X is None else self._positional(X, y.index, 0, "X")
            self.forecaster_ = forecaster.fit(self._positional(y, y.index, 0, "y"),
                                              future_covariates=future)
            self._seen_cutoff = self.cutoff
            return self

        def _update(self, y, X=None, update_params=True):
            # sktime's evaluate and update_predict pass the whole training
            # window again: skip the times already seen.
            last = self._seen_cutoff[0]
            new = y.index > last
            if not new.any():
                if y.index[-1] < last:
                    raise ValueError(f"update's y ends at {y.index[-1]}, before the times "
                                     f"already seen (up to {last}).")
                return self
            index = y.index[new]
            expected = ForecastingHorizon(np.arange(1, len(index) + 1), is_relative=True)
            expected = expected.to_absolute_index(self._seen_cutoff)
            if not index.equals(expected):
                raise ValueError(
                    f"update's y must continue the series without gaps: after {last} come "
                    f"{list(expected[:3])}..., but y has {list(index[:3])}..."
                )
            start = self._n_seen
            future = None
            if self.forecaster_.future_covariate_names_ is not None:
                if X is None:
                    raise ValueError("The forecaster was fitted with X, so update needs X at "
                                     "the new times of y.")
                future = self._positional(X, index, start, "X")
            self.forecaster_.update(self._positional(y, index, start, "y"),
                                    future_covariates=future, refit=bool(update_params))
            self._n_seen += len(index)
            self._seen_cutoff = self.cutoff
            return self

        # -- forecasts --------------------------------------------------------

        def _predict(self, fh, X):
            steps = self._checked_steps(fh)
            forecast = self.forecaster_.predict(future_covariates=self._ahead(X))
            index = fh.to_absolute_index(self.cutoff)
            rows = forecast.iloc[steps - 1]
            if isinstance(forecast, pd.Series):
                return pd.Series(rows.to_numpy(), index=index, name=forecast.name)
            return pd.DataFrame(rows.to_numpy(), index=index, columns=forecast.columns)

        def _predict_interval(self, fh, X, coverage):
            ends = self._ends(fh, X, coverage)  # (steps, series, coverage, lower/upper)
            columns = self._get_columns(method="predict_interval", coverage=coverage)
            return pd.DataFrame(ends.reshape(len(ends), -1), columns=columns,
                                index=fh.to_absolute_index(self.cutoff))

        def _predict_quantiles(self, fh, X, alpha):
            # Quantiles alpha < 0.5 and 1 - alpha are the ends of the interval of
            # coverage 1 - 2 alpha. Written out rather than left to sktime's
            # default, which orders the columns of several series wrongly.
            alpha = list(alpha)
            ends = self._ends(fh, X, [abs(1 - 2 * a) for a in alpha])
            upper = np.array([a >= 0.5 for a in alpha])
            values = np.where(upper[None, None, :], ends[..., 1], ends[..., 0])
            columns = self._get_columns(method="predict_quantiles", alpha=alpha)
            return pd.DataFrame(values.reshape(len(values), -1), columns=columns,
                                index=fh.to_absolute_index(self.cutoff))

        def _ends(self, fh, X, coverage):
            """Interval ends at the steps of fh, (n_steps, n_series, len(coverage), 2)."""
            steps = self._checked_steps(fh)
            future = self._ahead(X)
            n_series = self.forecaster_.n_series_
            ends = np.empty((len(steps), n_series, len(coverage), 2))
            for j, c in enumerate(coverage):
                if c == 0:
                    # The conformal interval shrinks to the forecast itself.
                    point = self.forecaster_.predict(future_covariates=future)
                    values = np.asarray(point, dtype=np.float64).reshape(-1, n_series)
                    lower = upper = values
                else:
                    table = self.forecaster_.predict_interval(
                        coverage=c, method=self.interval_method, future_covariates=future)
                    # Columns 'lower', 'upper', or (series, 'lower'/'upper') pairs.
                    values = table.to_numpy(dtype=np.float64).reshape(len(table), n_series, 2)
                    lower, upper = values[:, :, 0], values[:, :, 1]
                ends[:, :, j, 0] = lower[steps - 1]
                ends[:, :, j, 1] = upper[steps - 1]
            return ends

        # -- positions --------------------------------------------------------

        def _steps(self, fh):
            """The steps of fh after the cutoff, as an int array (1 is the next time)."""
            return np.asarray(fh.to_relative(self.cutoff).to_pandas(), dtype=np.int64)

        def _checked_steps(self, fh):
            steps = self._steps(fh)
            horizon = self.forecaster_.horizon
            if steps.max() > horizon:
                raise ValueError(
                    f"fh reaches {steps.max()} steps ahead, but the forecaster was fitted for "
                    f"{horizon}: pass that fh (or a longer one) to fit, or set the "
                    f"forecaster's horizon."
                )
            return steps

        def _ahead(self, X):
            """X at the horizon's times after the cutoff, by position, or None."""
            if self.forecaster_.future_covariate_names_ is None:
                return None  # fitted without X: there is nothing to read
            horizon = self.forecaster_.horizon
            times = ForecastingHorizon(np.arange(1, horizon + 1), is_relative=True)
            times = times.to_absolute_index(self.cutoff)
            if X is None:
                raise ValueError(
                    f"The forecaster was fitted with X, so predict needs X at the {horizon} "
                    f"time(s) after the cutoff ({times[0]} .. {times[-1]})."
                )
            return self._positional(X, times, self._n_seen, "X")

        @staticmethod
        def _positional(data, times, start, what):
            """The rows of data at ``times``, re-indexed by position from ``start``."""
            missing = times[~times.isin(data.index)]
            if len(missing):
                raise ValueError(
                    f"{what} has no rows at {len(missing)} time(s) it is needed for: "
                    f"{', '.join(map(str, missing[:3]))}{', ...' if len(missing) > 3 else ''}."
                )
            rows = data.loc[times]
            return rows.set_axis(pd.RangeIndex(start, start + len(times)), axis=0)

        # -- sktime's test instances -------------------------------------------

        @classmethod
        def get_test_params(cls, parameter_set="default"):
            """Parameter sets for sktime's ``check_estimator``: small, fast and seeded.

            Parameters
            ----------
            parameter_set : str, default="default"
                Only "default" is defined.

            Returns
            -------
            params : list of dict
                A small network forecasting all steps at once, and one forecasting
                differences recursively with volatility-scaled intervals.
            """
            from .forecasting import default_regressor

            def network(random_state):
                return default_regressor(random_state=random_state).set_params(
                    regressor__simplernnregressor__n_hidden=3,
                    regressor__simplernnregressor__max_iter=20,
                    regressor__simplernnregressor__tol=1e-2,
                )

            return [
                {"forecaster": SimpleRNNForecaster(network(0), lookback=3, calibration_size=0.5)},
                {"forecaster": SimpleRNNForecaster(network(1), lookback=3, strategy="recursive",
                                                   transform="diff", calibration_size=0.5),
                 "interval_method": "conformal"},
            ]
