"""Reversible instance normalisation: each sequence expressed relative to its own level.

A network with bounded hidden units (tanh) fitted on price levels cannot
produce a level it never saw in training. Subtracting from every window, and
from its target, a center taken from that window alone (its last value, or
its mean), and adding it back to the prediction, turns the problem into one
of changes relative to the window, whose range does not drift with the level.
This is the reversible instance normalisation of Kim et al. (2022), done
outside the network so that it wraps any regressor or pipeline.
"""

import inspect
import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import _check_y, check_is_fitted, has_fit_parameter

from ._sequences import (
    _is_long_dataframe,
    align_to_sequences,
    check_step_features,
    long_dataframe_ids,
    validate_sequences,
)

__all__ = ["InstanceNormalizedRegressor"]

# A sequence whose standard deviation is below this fraction of its largest
# absolute value differs from a constant only by rounding (0.1 + 0.2 vs 0.3):
# it is treated as constant rather than scaled by its rounding noise.
_CONSTANT_RTOL = 1e-12

# The warnings scikit-learn gives when X's column names do not match those of
# fit. The regressor receives X in the same form, with the same columns, and
# gives them itself: giving them here too would say the same thing twice.
_NAME_WARNINGS = r"X (does not have valid|has) feature names"


class InstanceNormalizedRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Regressor fitted on each sequence relative to its own level (reversible normalisation).

    Before ``regressor`` sees a sequence, a center c_i taken from that
    sequence alone (its last value, or its mean, of step feature ``feature``)
    is subtracted from it and from its target, and with ``scale='std'`` both
    are divided by the sequence's standard deviation s_i. ``predict`` maps the
    regressor's output back: ``y_hat_i = c_i + s_i * regressor.predict(...)``.
    A network that cannot reach levels never seen in training (a tanh network
    on prices) then only has to predict changes, whose range does not drift.

    X may take every form :class:`~sklearn_simplernn.SimpleRNNRegressor`
    accepts, and ``regressor`` receives the normalised X in the same form: a
    2-D array stays 2-D (a DataFrame keeps its index and columns), a 3-D array
    stays 3-D, a ragged list becomes a list of arrays of the same shapes, and
    a long DataFrame indexed by (sequence id, time) keeps its index, columns
    and row order. So ``regressor`` may be any scikit-learn regressor that
    accepts that form, a Pipeline of
    :class:`~sklearn_simplernn.preprocessing.SequenceScaler` and
    ``SimpleRNNRegressor``, or a
    :class:`~sklearn.compose.TransformedTargetRegressor` around one.

    Parameters
    ----------
    regressor : estimator
        The regressor fitted on the normalised sequences and targets; cloned
        in ``fit``.
    center : {'last', 'mean'}, default='last'
        c_i: the last value of step feature ``feature`` of sequence i (the
        forecast origin, so that the regressor predicts the change from it),
        or its mean over the sequence's steps.
    scale : {'std'} or None, default=None
        None subtracts the center only. 'std' also divides by s_i, the
        standard deviation of step feature ``feature`` over the steps of
        sequence i (a constant sequence's s_i is ``default_scale_``).
    feature : int, default=0
        The step feature (channel) whose values give the center and scale,
        and whose units the target is in. 2-D X has a single one, 0.
    features : {'all'}, list of int or None, default=None
        The step features of X that are centred (and scaled) with c_i and
        s_i: None is ``feature`` only, 'all' every step feature, a list names
        them and must include ``feature``. List the step features in the same
        units as ``feature`` (the open, high and low next to the close), not
        the others: shifting a volume by a price level means nothing.

    Attributes
    ----------
    regressor_ : estimator
        The clone of ``regressor`` fitted on the normalised data.
    default_scale_ : float or None
        With ``scale='std'``: s_i of a sequence whose values are all equal
        (up to rounding), e.g. one of a single step. It is the mean standard
        deviation of the training sequences that are not constant, or 1.0
        when all are. None when ``scale=None``.
    n_step_features_ : int
        Features per time step of the training X (1 for 2-D X).
    n_features_in_ : int
        Time steps of 2-D X (only when fitted on a 2-D array).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a 2-D DataFrame X (only then).

    See Also
    --------
    sklearn_simplernn.preprocessing.SequenceScaler : Scales each step feature
        with statistics over all sequences (the same for every sequence).
    sklearn.compose.TransformedTargetRegressor : Transforms the target only,
        with one transformation for all samples.

    Notes
    -----
    For sequence i with values x_{i,t,k} (step t, step feature k), the center
    and scale come from step feature f = ``feature``::

        c_i = x_{i,T_i,f}                      (center='last')
        c_i = mean_t x_{i,t,f}                 (center='mean')
        s_i = sqrt(mean_t (x_{i,t,f} - mean_t x_{i,t,f})^2)   (scale='std')
        s_i = 1                                (scale=None)

    and for every step feature k of ``features`` and every output j of y::

        x'_{i,t,k} = (x_{i,t,k} - c_i) / s_i,    y'_{ij} = (y_{ij} - c_i) / s_i

    ``regressor`` is fitted on (X', y') and ``predict`` returns
    ``y_hat_ij = c_i + s_i * r_ij``, r being the regressor's prediction on X'.
    Every output of a multi-output y shares sequence i's center and scale, as
    the forecasts of one series at several horizons do. Each sequence is
    normalised with its own values only, so a prediction depends on no other
    sequence, in fit or in predict.

    With ``center='last'`` and a regressor that predicts 0, the prediction is
    the last value (the persistence, or random-walk, forecast): the regressor
    learns corrections to it.

    Where s_i would be 0 (a constant sequence, one of a single step, or one
    whose standard deviation is below 1e-12 times its largest absolute value,
    i.e. rounding noise), ``default_scale_`` is used instead, so that no
    division by zero (or by rounding noise) can occur.

    The score is the R^2 of the predictions on the original scale, i.e. of
    y, not of y'.

    References
    ----------
    Kim, T., Kim, J., Tae, Y., Park, C., Choi, J.-H. and Choo, J. (2022).
    Reversible instance normalization for accurate time-series forecasting
    against distribution shift. International Conference on Learning
    Representations (ICLR).

    Examples
    --------
    On a random walk, the best forecast of the next value is the last one.
    Ridge on the windows relative to their last value learns (almost) that:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_simplernn import InstanceNormalizedRegressor
    >>> from sklearn_simplernn.preprocessing import make_windows
    >>> rng = np.random.RandomState(0)
    >>> walk = pd.Series(100 + np.cumsum(rng.randn(2000)))
    >>> w = make_windows(walk, lookback=5)
    >>> train, test = w[:1600], w[1600:]
    >>> model = InstanceNormalizedRegressor(Ridge()).fit(train.X, train.y)
    >>> def rmse(y_pred):
    ...     return np.sqrt(np.mean((test.y - y_pred) ** 2))
    >>> print(f"{rmse(model.predict(test.X)):.3f} (last value: {rmse(test.X[:, -1]):.3f})")
    0.977 (last value: 0.971)
    """

    _parameter_constraints = {
        "regressor": [HasMethods(["fit", "predict"])],
        "center": [StrOptions({"last", "mean"})],
        "scale": [StrOptions({"std"}), None],
        "feature": [Interval(Integral, 0, None, closed="left")],
        "features": [StrOptions({"all"}), "array-like", None],
    }

    def __init__(self, regressor, *, center="last", scale=None, feature=0, features=None):
        self.regressor = regressor
        self.center = center
        self.scale = scale
        self.feature = feature
        self.features = features

    @_fit_context(
        # The regressor's parameters are validated by its own fit.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the regressor on the sequences and targets relative to each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, \
n_timesteps, n_step_features), list of array-like, or DataFrame
            The sequences, oldest step first, in any form ``SimpleRNNRegressor``
            accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, in the units of step feature ``feature``.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the regressor's ``fit``, which must accept it.
        **fit_params : dict
            Further parameters of the regressor's ``fit`` (e.g.
            ``simplernnregressor__sample_weight`` for a Pipeline); with
            metadata routing enabled, those it requested.

        Returns
        -------
        self : InstanceNormalizedRegressor
            The fitted estimator.
        """
        seqs = validate_sequences(self, X, reset=True)
        channels = self._channels(seqs)
        if y is None:
            raise ValueError(
                "InstanceNormalizedRegressor requires y to be passed, but the target y is None."
            )
        y = np.asarray(_check_y(align_to_sequences(y, seqs.ids, "y"), multi_output=True,
                                y_numeric=True, estimator=self), dtype=np.float64)
        if len(y) != len(seqs):
            raise ValueError(
                f"X has {len(seqs)} sequence(s) but y has {len(y)} target(s); each sequence "
                f"needs one target (row of y)."
            )
        regressor_params = self._fit_params(sample_weight, fit_params)
        center, std = _statistics(seqs, self.feature, self.center, self.scale is not None)
        default_scale, scale = None, None
        if self.scale is not None:
            varying = std > 0
            default_scale = float(std[varying].mean()) if varying.any() else 1.0
            scale = np.where(varying, std, default_scale)
        X_norm = _normalise_X(X, seqs, channels, center, scale)
        y_norm = _normalise_y(y, center, scale)
        self.regressor_ = clone(self.regressor).fit(X_norm, y_norm, **regressor_params)
        self.default_scale_ = default_scale
        self.n_step_features_ = seqs.n_step_features
        return self

    def predict(self, X):
        """Predict with the regressor on X relative to each sequence, mapped back.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts, with ``n_step_features_``
            features per step.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            ``c_i + s_i * r_i`` for the regressor's prediction r_i on the
            normalised sequence i, in the shape the regressor returns.
        """
        check_is_fitted(self)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=_NAME_WARNINGS, category=UserWarning)
            seqs = validate_sequences(self, X, reset=False)
        check_step_features(self, seqs)
        channels = self._channels(seqs)
        center, std = _statistics(seqs, self.feature, self.center, self.scale is not None)
        scale = None if self.scale is None else np.where(std > 0, std, self.default_scale_)
        raw = np.asarray(self.regressor_.predict(_normalise_X(X, seqs, channels, center, scale)),
                         dtype=np.float64)
        shape = (-1,) + (1,) * (raw.ndim - 1)  # one center per row, for every output
        out = raw if scale is None else raw * scale.reshape(shape)
        return out + center.reshape(shape)

    def get_metadata_routing(self):
        """Route the metadata of ``fit`` to the regressor's ``fit``.

        Returns
        -------
        routing : MetadataRouter
        """
        return MetadataRouter(owner=self).add(
            regressor=self.regressor, method_mapping=MethodMapping().add(caller="fit", callee="fit")
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.regressor)
        tags.input_tags.three_d_array = inner.input_tags.three_d_array
        tags.target_tags.multi_output = inner.target_tags.multi_output
        tags.regressor_tags.poor_score = inner.regressor_tags.poor_score
        return tags

    # -- helpers ------------------------------------------------------------

    def _channels(self, seqs):
        """The step features to normalise, after checking ``feature`` and ``features``."""
        n_step_features = seqs.n_step_features
        where = ("2-D X has 1 (each row is one univariate sequence)" if seqs.form == "2d"
                 else f"X has {n_step_features}")
        if self.feature >= n_step_features:
            raise ValueError(
                f"feature={self.feature} is out of range: {where} step feature(s) per time "
                f"step, numbered 0 to {n_step_features - 1}."
            )
        if self.features is None:
            return [self.feature]
        if isinstance(self.features, str):  # 'all', by the parameter constraints
            return list(range(n_step_features))
        channels = np.asarray(self.features)
        if channels.ndim != 1 or not all(
            isinstance(k, Integral) and not isinstance(k, bool) for k in channels.tolist()
        ):
            raise ValueError(
                f"features must be None, 'all' or a list of step feature numbers (ints); "
                f"got {self.features!r}."
            )
        out_of_range = [int(k) for k in channels if not 0 <= k < n_step_features]
        if out_of_range:
            raise ValueError(
                f"features={list(self.features)!r} names step feature(s) {out_of_range} that "
                f"are out of range: {where} step feature(s) per time step, numbered 0 to "
                f"{n_step_features - 1}."
            )
        if len(set(channels.tolist())) != len(channels):
            raise ValueError(f"features={list(self.features)!r} names a step feature twice.")
        if self.feature not in channels:
            raise ValueError(
                f"features={list(self.features)!r} must include feature={self.feature}, the "
                f"step feature whose center{' and scale' if self.scale else ''} are applied."
            )
        return sorted(int(k) for k in channels)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of the predictions, on the original scale.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets; aligned with a long DataFrame X as in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
            R^2 of ``self.predict(X)`` against y.
        """
        ids = long_dataframe_ids(X)
        y = align_to_sequences(y, ids, "y")
        sample_weight = align_to_sequences(sample_weight, ids, "sample_weight")
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_is_fitted__(self):
        """True once fit has stored the fitted regressor (scikit-learn's check_is_fitted)."""
        return hasattr(self, "regressor_")

    @property
    def is_fitted(self):
        """Whether the estimator has been fitted, as a bool (the attribute MAPIE looks for)."""
        return self.__sklearn_is_fitted__()

    def _fit_params(self, sample_weight, fit_params):
        """The parameters of the regressor's ``fit``."""
        if sample_weight is not None:
            fit_params = {**fit_params, "sample_weight": sample_weight}
        if _routing_enabled():
            return process_routing(self, "fit", **fit_params).regressor.fit
        if sample_weight is not None and not _accepts(self.regressor, "sample_weight"):
            raise TypeError(
                f"sample_weight was given, but the regressor "
                f"{type(self.regressor).__name__} does not accept sample_weight in fit."
            )
        return fit_params


def _accepts(estimator, name):
    """Whether ``estimator.fit`` takes ``name``, or any keyword (a Pipeline checks its own)."""
    if has_fit_parameter(estimator, name):
        return True
    parameters = inspect.signature(estimator.fit).parameters.values()
    return any(p.kind is p.VAR_KEYWORD for p in parameters)


# ---------------------------------------------------------------------------
# Statistics of each sequence and the normalised data


def _statistics(seqs, feature, center, with_std):
    """c_i and (with_std) s_i of every sequence, float64; s_i is 0 for a constant one.

    Both are computed from the deviations from the last value, which are
    exactly 0 for a constant sequence however large its level (the mean of
    n equal values need not equal them in floating point).
    """
    x = seqs.data[:, feature].astype(np.float64)
    starts, lengths = seqs.starts, seqs.lengths
    last = x[starts + lengths - 1]
    dev = x - np.repeat(last, lengths)
    mean_dev = np.add.reduceat(dev, starts) / lengths
    c = last if center == "last" else last + mean_dev
    if not with_std:
        return c, None
    # Two passes over deviations divided by their largest magnitude: no
    # overflow of squares, and no cancellation for a level far from zero.
    size = np.maximum.reduceat(np.abs(dev), starts)
    unit = np.where(size > 0, size, 1.0)
    r = (dev - np.repeat(mean_dev, lengths)) / np.repeat(unit, lengths)
    std = size * np.sqrt(np.add.reduceat(r * r, starts) / lengths)
    magnitude = np.maximum.reduceat(np.abs(x), starts)
    std[std <= _CONSTANT_RTOL * magnitude] = 0.0
    return c, std


def _normalise_y(y, center, scale):
    shape = (-1,) + (1,) * (y.ndim - 1)
    out = y - center.reshape(shape)
    return out if scale is None else out / scale.reshape(shape)


def _normalise_X(X, seqs, channels, center, scale):
    """X with its ``channels`` normalised per sequence, in the form X was given."""
    if _is_long_dataframe(X):
        # Row by row in X's own order: the sequence of each row is the rank of
        # first appearance of its id, the order of ``seqs``.
        codes = X.index.get_level_values(0).factorize(sort=False)[0]
        data = X.to_numpy(dtype=np.float64, copy=True)
        _normalise_rows(data, channels, center[codes], None if scale is None else scale[codes])
        return pd.DataFrame(data.astype(seqs.dtype, copy=False), index=X.index,
                            columns=X.columns)
    data = seqs.data.astype(np.float64)  # a copy: seqs may be a view of the caller's X
    lengths = seqs.lengths
    _normalise_rows(data, channels, np.repeat(center, lengths),
                    None if scale is None else np.repeat(scale, lengths))
    data = data.astype(seqs.dtype, copy=False)
    if seqs.form == "2d":
        out = data.reshape(len(seqs), -1)
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(out, index=X.index, columns=X.columns)
        return out
    if seqs.form == "3d":
        return data.reshape(len(seqs), -1, seqs.n_step_features)
    return [
        data[start : start + length].reshape(np.shape(item))
        for start, length, item in zip(seqs.starts, seqs.lengths, X)
    ]


def _normalise_rows(data, channels, center, scale):
    """In place: ``(data[:, k] - center) / scale`` for k in channels, one center per row."""
    data[:, channels] -= center[:, None]
    if scale is not None:
        data[:, channels] /= scale[:, None]
