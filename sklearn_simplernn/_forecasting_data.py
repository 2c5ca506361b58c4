"""Series, covariates, calendars and windows of the forecaster.

Everything here works on plain arrays once the input is validated: a
:class:`SeriesData` holds the levels of every series of y, oldest first, and
the covariates as (time, series, column) arrays on the same rows. Windows are
cut by position, for many (origin, series) pairs at once, and a window at
origin t reads nothing after t, except future covariates over the horizon.
"""

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pandas.tseries.frequencies import to_offset

# ---------------------------------------------------------------------------
# Transforms
#
# For a level p_t at the origin t and a later level p_{t+k}, the target is
# forward(p_t, p_{t+k}) and the level is inverse(p_t, target): the two are
# exact inverses, and inverse is increasing in the target for every positive
# origin level, so an interval on the target maps to an interval on the level
# with the same coverage.

TRANSFORMS = (None, "diff", "log_return", "pct", "relative")
_POSITIVE = ("log_return", "pct", "relative")
# The input step of these reads the level before it: z_t = change(p_{t-1}, p_t).
_ONE_STEP_CHANGE = ("diff", "log_return", "pct")


def forward(transform, origin, level):
    """The target of a level ``level`` seen from the origin level ``origin``."""
    if transform is None:
        return np.array(level, dtype=np.float64)
    if transform == "diff":
        return level - origin
    if transform == "log_return":
        return np.log(level) - np.log(origin)
    return level / origin - 1.0  # 'pct' and 'relative'


def inverse(transform, origin, target):
    """The level a target stands for, from the origin level (inverse of ``forward``)."""
    if transform is None:
        return np.array(target, dtype=np.float64)
    if transform == "diff":
        return origin + target
    if transform == "log_return":
        return origin * np.exp(target)
    return origin * (1.0 + target)


def step_changes(transform, levels):
    """One-step changes along the last axis, in the units of the targets (volatility)."""
    before, after = levels[..., :-1], levels[..., 1:]
    if transform in (None, "diff"):
        return after - before
    if transform == "log_return":
        return np.log(after) - np.log(before)
    return after / before - 1.0


def inputs(transform, windows):
    """The network's input channel from level windows (N, L + 1): (N, L), NaN where undefined.

    'relative' divides by the window's last level (the origin); the others
    are the level itself (None) or its one-step change.
    """
    if transform is None:
        return windows[:, 1:].copy()
    if transform == "relative":
        return windows[:, 1:] / windows[:, -1:] - 1.0
    return step_changes(transform, windows)


def input_series(transform, levels):
    """The input channel of every time of every series (n, S), for the transforms that do
    not depend on the window (all but 'relative'); NaN where undefined."""
    if transform is None:
        return levels
    changes = step_changes(transform, levels.T).T
    return np.concatenate([np.full((1, levels.shape[1]), np.nan), changes])


def input_offset(transform):
    """Steps of a series before its first input value (1 for one-step changes)."""
    return 1 if transform in _ONE_STEP_CHANGE else 0


def show_time(t):
    """A time as error messages print it: a date without its midnight clock, for one."""
    if isinstance(t, pd.Timestamp) and t == t.normalize():
        return t.strftime("%Y-%m-%d")
    return str(t)


# ---------------------------------------------------------------------------
# Calendars


@dataclass(frozen=True)
class Calendar:
    """How the times of a series continue: a pandas offset, or a step of integers."""

    kind: str  # 'datetime', 'period' or 'integer'
    offset: object  # a DateOffset ('datetime'), the PeriodIndex freq, or the int step
    name: object  # the index name, kept on forecast indexes

    def after(self, last, n):
        """The ``n`` times that follow ``last``."""
        if self.kind == "datetime":
            return pd.date_range(start=last + self.offset, periods=n, freq=self.offset,
                                 name=self.name)
        if self.kind == "period":
            return pd.period_range(start=last + 1, periods=n, freq=self.offset, name=self.name)
        return pd.RangeIndex(last + self.offset, last + self.offset * (n + 1), self.offset,
                             name=self.name)

    def describe(self):
        if self.kind == "integer":
            return f"integer steps of {self.offset}"
        return f"frequency {self.offset.freqstr if self.kind == 'datetime' else self.offset}"


def calendar_of(index, what="y"):
    """The Calendar of a time index, or a ValueError saying how to give it one."""
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq
        if freq is None and len(index) >= 3:
            inferred = pd.infer_freq(index)
            freq = None if inferred is None else to_offset(inferred)
        if freq is None and len(index) >= 2 and _business_days(index):
            # Daily prices: trading days skip weekends and holidays, so no
            # frequency fits them exactly; forecasts go to the next business days.
            freq = pd.offsets.BDay()
        if freq is None:
            raise ValueError(
                f"{what}'s DatetimeIndex has no frequency and none can be inferred from its "
                f"dates, so the times to forecast are unknown. Give it one (e.g. "
                f"{what}.asfreq('D'), then fill the missing values), or index {what} by a "
                f"PeriodIndex or a RangeIndex."
            )
        return Calendar("datetime", to_offset(freq), index.name)
    if isinstance(index, pd.PeriodIndex):
        return Calendar("period", index.freq, index.name)
    if isinstance(index, pd.RangeIndex) or (
        pd.api.types.is_integer_dtype(index.dtype) and not isinstance(index, pd.MultiIndex)
    ):
        steps = np.diff(np.asarray(index, dtype=np.int64))
        if len(index) >= 2 and (steps != steps[0]).any():
            raise ValueError(
                f"{what}'s integer index is not evenly spaced (steps "
                f"{sorted(set(steps.tolist()))[:5]}): the times to forecast are unknown. Use a "
                f"RangeIndex, e.g. "
                f"{what}.reset_index(drop=True)."
            )
        step = int(steps[0]) if len(index) >= 2 else 1
        return Calendar("integer", step, index.name)
    raise TypeError(
        f"{what} must be indexed by time: a DatetimeIndex (with a frequency, or business "
        f"days), a PeriodIndex or a RangeIndex; got a {type(index).__name__} of "
        f"{index.dtype}."
    )


def _business_days(index):
    """Whether the dates are weekdays at midnight, at most a week apart (trading days)."""
    stamps = index.tz_localize(None) if index.tz is not None else index
    stamps = stamps.to_numpy()
    days = stamps.astype("datetime64[D]")
    if (days != stamps).any():
        return False
    number = days.astype(np.int64)
    if ((number + 3) % 7 >= 5).any():  # day 0, 1970-01-01, was a Thursday (weekday 3)
        return False
    gaps = np.diff(number)
    return bool(gaps.max() <= 7 and np.median(gaps) <= 1)


def check_continues(calendar, last, new_index, what):
    """Raise unless ``new_index`` continues a series that ends at ``last``."""
    if len(new_index) == 0:
        raise ValueError(f"{what} is empty.")
    if not (new_index.is_monotonic_increasing and new_index.is_unique):
        raise ValueError(f"{what}'s index must be increasing and unique, oldest first.")
    try:
        starts_after = new_index[0] > last
    except TypeError:
        starts_after = False
    if not starts_after:
        raise ValueError(
            f"{what} starts at {show_time(new_index[0])}, which is not after the last time the "
            f"forecaster holds, {show_time(last)}: pass only the new observations."
        )
    if calendar.kind == "datetime" and isinstance(calendar.offset, pd.offsets.BusinessDay):
        return  # trading days may skip holidays
    expected = calendar.after(last, len(new_index))
    if not new_index.equals(expected):
        wrong = np.flatnonzero(np.asarray(new_index) != np.asarray(expected))[0]
        raise ValueError(
            f"{what} does not continue the series' calendar ({calendar.describe()}): its "
            f"time {show_time(new_index[wrong])} should be {show_time(expected[wrong])}."
        )


# ---------------------------------------------------------------------------
# The target series


@dataclass(frozen=True)
class SeriesData:
    """Validated y and covariates, row t for the t-th time of ``index``.

    ``past`` has one row per time of ``index``; ``future`` may have more, for
    the times after the end (the forecast horizon).
    """

    index: pd.Index  # times of the observations
    levels: np.ndarray  # (n, S) float64, NaN before each series' first value
    names: tuple  # the S series names
    panel: bool  # y was a DataFrame
    past: object = None  # (n, S, Cp) float64 or None
    future: object = None  # (n + n_after, S, Cf) float64 or None

    @property
    def n(self):
        return len(self.index)

    def first_values(self):
        """Row of each series' first value, (S,); n for a series with none yet."""
        observed = ~np.isnan(self.levels)
        return np.where(observed.any(axis=0), np.argmax(observed, axis=0), self.n)

    def head(self, n):
        """The first ``n`` times (what a fit on the data up to time n - 1 may read)."""
        return SeriesData(self.index[:n], self.levels[:n], self.names, self.panel,
                          None if self.past is None else self.past[:n],
                          None if self.future is None else self.future[:n])


def check_y(y, transform, what="y"):
    """(index, levels (n, S), names, panel) of y, or an error naming what is wrong."""
    if isinstance(y, pd.Series):
        frame, panel = y.to_frame(name=y.name), False
    elif isinstance(y, pd.DataFrame):
        frame, panel = y, True
        if isinstance(y.columns, pd.MultiIndex):
            raise ValueError(
                f"{what} has MultiIndex columns; a panel is a DataFrame with one column per "
                f"series (flatten the columns, e.g. with '_'.join)."
            )
        if y.shape[1] == 0:
            raise ValueError(f"{what} has no columns.")
        if not y.columns.is_unique:
            raise ValueError(f"{what} has duplicate column names; each series needs its own.")
    else:
        raise TypeError(
            f"{what} must be a pandas Series indexed by time, or a DataFrame with one column "
            f"per series; got {type(y).__name__}."
        )
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        raise ValueError(
            f"{what} has a MultiIndex: pass a panel as a DataFrame with one column per series "
            f"(e.g. y.unstack(level=0)), indexed by time."
        )
    if len(index) == 0:
        raise ValueError(f"{what} is empty.")
    if not (index.is_monotonic_increasing and index.is_unique):
        raise ValueError(
            f"{what}'s index must be increasing and unique, oldest first; sort it with "
            f"{what}.sort_index() and drop duplicate times."
        )
    text = [c for c in frame.columns
            if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))]
    if text:
        # Strings that look like numbers are a parsing mistake upstream (a CSV
        # read without dtypes), not data to convert silently.
        raise ValueError(
            f"{what} must hold numbers; column(s) {text} have dtype "
            f"{frame[text[0]].dtype}. Convert them first, e.g. with pd.to_numeric."
        )
    try:
        levels = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must hold numbers.") from None
    names = tuple(frame.columns)
    if np.isinf(levels).any():
        row, col = np.argwhere(np.isinf(levels))[0]
        raise ValueError(
            f"{_label(what, names, col, panel)} is infinite at {show_time(index[row])}.")
    observed = ~np.isnan(levels)
    if not observed.any(axis=0).all():
        col = int(np.flatnonzero(~observed.any(axis=0))[0])
        raise ValueError(f"{_label(what, names, col, panel)} has no values (all NaN).")
    # A series may start later than the others (leading NaN), nothing else.
    started = np.maximum.accumulate(observed, axis=0)
    gaps = started & ~observed
    if gaps.any():
        row, col = np.argwhere(gaps)[0]
        raise ValueError(
            f"{_label(what, names, col, panel)} is missing (NaN) at {show_time(index[row])}, "
            f"after its first value; fill or drop missing values inside a series first (e.g. "
            f"{what}.ffill()). Only leading NaN (a series that starts later) are allowed."
        )
    if transform in _POSITIVE:
        bad = observed & ~(np.where(observed, levels, 1.0) > 0)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise ValueError(
                f"transform={transform!r} needs positive values, but "
                f"{_label(what, names, col, panel)} is {levels[row, col]:g} at "
                f"{show_time(index[row])}; use transform='diff' for series that reach zero or "
                f"below."
            )
    return index, levels, names, panel


def _label(what, names, col, panel):
    return f"{what}[{names[col]!r}]" if panel else what


# ---------------------------------------------------------------------------
# Covariates


@dataclass(frozen=True)
class Covariates:
    """Covariates as given, in one shape: values (m, S, C) at the times of ``index``."""

    index: pd.Index
    values: np.ndarray
    columns: tuple
    what: str  # 'past_covariates' or 'future_covariates', for error messages
    series_names: tuple = ()
    per_series: bool = False  # a dict of covariates by series

    def at(self, times, observed=None):
        """Values (len(times), S, C) at ``times``; an error naming missing times or NaN.

        ``observed`` (len(times), S) marks where the series have values; NaN
        elsewhere (before a series starts) is never read, so it is allowed.
        """
        positions = self.index.get_indexer(times)
        missing = positions < 0
        if missing.any():
            lost = times[missing]
            shown = ", ".join(show_time(t) for t in lost[:5]) + (", ..." if len(lost) > 5 else "")
            span = (f"its index runs from {show_time(self.index[0])} to "
                    f"{show_time(self.index[-1])}" if len(self.index) else "it is empty")
            also = (" and, for future covariates, the forecast times"
                    if "future" in self.what else "")
            raise ValueError(
                f"{self.what} has no values at {len(lost)} time(s) it is needed for: {shown} "
                f"({span}). Its index must hold the same labels as y's"
                f"{also}."
            )
        out = self.values[positions]
        bad = np.isnan(out)
        if observed is not None:
            bad &= observed[:, :, None]
        if bad.any():
            row, series, col = np.argwhere(bad)[0]
            which = f" for series {self.series_names[series]!r}" if self.per_series else ""
            raise ValueError(
                f"{self.what}[{self.columns[col]!r}] is missing (NaN) at {show_time(times[row])}"
                f"{which}; fill it first."
            )
        return out

    def merge(self, newer):
        """These covariates with ``newer``'s added; ``newer`` wins where both have a time."""
        index = self.index.append(newer.index[~newer.index.isin(self.index)])
        order = index.argsort(kind="stable")
        index = index[order]
        values = np.full((len(index), *self.values.shape[1:]), np.nan)
        values[index.get_indexer(self.index)] = self.values
        values[index.get_indexer(newer.index)] = newer.values
        return replace(self, index=index, values=values)


def check_covariates(covariates, what, names, panel, columns=None):
    """Validate one kind of covariates for the series ``names``; None stays None.

    A Series or DataFrame is shared by every series; for a panel, a dict maps
    each series name to its own. ``columns`` are those seen in fit: the same
    names are required again (in any order).
    """
    if covariates is None:
        if columns:
            raise ValueError(
                f"The forecaster was fitted with {what} {list(columns)}; pass them again."
            )
        return None
    if isinstance(covariates, dict):
        if not panel:
            raise TypeError(
                f"{what} is a dict, which maps the series of a panel (a DataFrame y) to their "
                f"own covariates; y is a single Series: pass a Series or DataFrame."
            )
        missing = [name for name in names if name not in covariates]
        extra = [key for key in covariates if key not in names]
        if missing or extra:
            raise ValueError(
                f"The keys of {what} must be the series of y: missing {missing}, "
                f"unexpected {extra}."
            )
        frames = {name: _frame(covariates[name], f"{what}[{name!r}]") for name in names}
        first = frames[names[0]]
        for name, frame in frames.items():
            if set(frame.columns) != set(first.columns):
                raise ValueError(
                    f"{what}[{name!r}] has columns {list(frame.columns)}, but "
                    f"{what}[{names[0]!r}] has {list(first.columns)}: every series needs "
                    f"the same covariates."
                )
        index = first.index
        for frame in frames.values():
            index = index.union(frame.index) if not frame.index.equals(index) else index
        cols = list(first.columns)
        values = np.stack(
            [frames[name].reindex(index)[cols].to_numpy(dtype=np.float64, na_value=np.nan)
             for name in names], axis=1)
        per_series = True
    else:
        frame = _frame(covariates, what)
        index, cols = frame.index, list(frame.columns)
        values = np.repeat(frame.to_numpy(dtype=np.float64, na_value=np.nan)[:, None, :],
                           len(names), axis=1)
        per_series = False
    if columns is not None:
        missing = [c for c in columns if c not in cols]
        extra = [c for c in cols if c not in columns]
        if missing or extra:
            raise ValueError(
                f"{what} has columns {cols}; the forecaster was fitted with {list(columns)} "
                f"(missing: {missing}, unexpected: {extra})."
            )
        order = [cols.index(c) for c in columns]
        values, cols = values[:, :, order], list(columns)
    if np.isinf(values).any():
        row, _, col = np.argwhere(np.isinf(values))[0]
        raise ValueError(f"{what}[{cols[col]!r}] is infinite at {show_time(index[row])}.")
    return Covariates(index, values, tuple(cols), what, series_names=tuple(names),
                      per_series=per_series)


def _frame(covariates, what):
    if isinstance(covariates, pd.Series):
        frame = covariates.to_frame(name=what if covariates.name is None else covariates.name)
    elif isinstance(covariates, pd.DataFrame):
        frame = covariates
    else:
        raise TypeError(
            f"{what} must be a pandas Series or DataFrame indexed by time (or, for a panel, a "
            f"dict of them by series); got {type(covariates).__name__}."
        )
    if isinstance(frame.columns, pd.MultiIndex) or not frame.columns.is_unique:
        raise ValueError(f"{what} needs unique, flat column names.")
    if frame.shape[1] == 0:
        raise ValueError(f"{what} has no columns.")
    if not frame.index.is_unique:
        raise ValueError(f"{what}'s index has duplicate times.")
    for col in frame.columns:
        dtype = frame[col].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise ValueError(f"{what}[{col!r}] must hold numbers; it has dtype {dtype}.")
    return frame


# ---------------------------------------------------------------------------
# Windows


@dataclass(frozen=True)
class WindowSpec:
    """What a window holds: its length, the transform, and the steps after the origin."""

    lookback: int
    min_lookback: object  # int or None (fixed windows)
    transform: object
    n_ahead: int  # steps after the origin carrying future covariates (0 without them)

    @property
    def shortest(self):
        return self.lookback if self.min_lookback is None else self.min_lookback


def window_lengths(data, spec, origins, series):
    """Input steps available to each (origin, series) pair, at most ``lookback``."""
    first = data.first_values()[series] + input_offset(spec.transform)
    return np.minimum(spec.lookback, origins - first + 1)


def level_windows(levels, origins, series, width):
    """Levels of ``series`` over the ``width`` times up to each origin, NaN-padded on the left."""
    padded = np.concatenate([np.full((width - 1, levels.shape[1]), np.nan), levels])
    # view[t, s] holds levels[t - width + 1 : t + 1, s].
    return sliding_window_view(padded, width, axis=0)[origins, series]


def covariate_windows(values, origins, series, width):
    """(N, width, C) covariate values over the ``width`` times up to each origin."""
    padded = np.concatenate([np.full((width - 1, *values.shape[1:]), np.nan), values])
    view = sliding_window_view(padded, width, axis=0)  # (n, S, C, width)
    return np.moveaxis(view[origins, series], -1, 1)


def future_rows(values, origins, series, n_ahead):
    """(N, n_ahead, C) future covariates at the ``n_ahead`` times after each origin."""
    view = sliding_window_view(values[1:], n_ahead, axis=0)  # view[t] starts at t + 1
    return np.moveaxis(view[origins, series], -1, 1)


def assemble(z, spec, past=None, future=None, ahead=None):
    """The regressor's X from input channels, in the form it reads.

    ``z`` (N, L) is the transformed target with NaN before a window's start,
    ``past`` and ``future`` (N, L, C) the covariates at the same steps, and
    ``ahead`` (N, n_ahead, Cf) the future covariates after the origin. Those
    steps are appended to the window with the target and past covariates set
    to 0 and a last channel set to 1 (0 on the observed steps), so that the
    network reads the known future after the observed past.

    Windows of ``lookback`` steps, all equal, give a 2-D array (one channel)
    or a 3-D one; ragged windows a list of (T_i,) or (T_i, C) arrays.
    """
    N, L = z.shape
    channels = [z[:, :, None]]
    if past is not None:
        channels.append(past)
    if future is not None:
        channels.append(future)
    observed = np.concatenate(channels, axis=2)
    if spec.n_ahead:
        n_observed = observed.shape[2]
        observed = np.concatenate([observed, np.zeros((N, L, 1))], axis=2)
        after = np.zeros((N, spec.n_ahead, n_observed + 1))
        after[:, :, n_observed - ahead.shape[2] : n_observed] = ahead
        after[:, :, -1] = 1.0
        full = np.concatenate([observed, after], axis=1)
    else:
        full = observed
    lengths = L - np.isnan(z).sum(axis=1)
    if (lengths == L).all():
        return full[:, :, 0] if full.shape[2] == 1 else full
    if full.shape[2] == 1:
        return [full[i, L - n :, 0] for i, n in enumerate(lengths)]
    return [full[i, L - n :] for i, n in enumerate(lengths)]


def windows(data, spec, origins, series):
    """The regressor's X for the (origin, series) pairs (all with enough history)."""
    if spec.transform == "relative":
        z = inputs(spec.transform, level_windows(data.levels, origins, series,
                                                 spec.lookback + 1))
    else:
        # The same values as ``inputs`` of the level windows, computed once per time.
        z = covariate_windows(input_series(spec.transform, data.levels)[:, :, None], origins,
                              series, spec.lookback)[:, :, 0]
    # A window shorter than lookback (min_lookback) starts after NaN padding;
    # the covariates are cut to the same steps by ``assemble``.
    past = None if data.past is None else covariate_windows(data.past, origins, series,
                                                            spec.lookback)
    future = ahead = None
    if data.future is not None:
        future = covariate_windows(data.future, origins, series, spec.lookback)
        ahead = future_rows(data.future, origins, series, spec.n_ahead)
    return assemble(z, spec, past, future, ahead)


def targets(data, transform, origins, series, horizon):
    """(N, horizon) targets: the change from each origin's level to the next ``horizon`` levels."""
    origin_level = data.levels[origins, series][:, None]
    steps = origins[:, None] + np.arange(1, horizon + 1)
    return forward(transform, origin_level, data.levels[steps, series[:, None]])
