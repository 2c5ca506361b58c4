"""SimpleRNNSequenceRegressor: one output per step, its forms, errors and contract.

scikit-learn's common checks fit on one target per sample and cannot apply
(test_common.py lists them); the properties they guard are tested here with
per-step targets.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline

from sklearn_simplernn import SimpleRNNRegressor, SimpleRNNSequenceRegressor
from sklearn_simplernn.preprocessing import SequenceScaler

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def smoothed(x, decay=0.5):
    """An exponential moving average of x along time (axis 0)."""
    out = np.empty_like(x)
    acc = np.zeros(x.shape[1:])
    for t in range(len(x)):
        acc = decay * acc + x[t]
        out[t] = acc
    return out


def ragged_task(n=40, seed=0, n_outputs=None):
    rng = np.random.RandomState(seed)
    X = [rng.randn(T) for T in rng.randint(3, 12, size=n)]
    if n_outputs is None:
        y = [smoothed(x) + 0.05 * rng.randn(len(x)) for x in X]
    else:
        y = [np.column_stack([smoothed(x, d) for d in np.linspace(0.2, 0.8, n_outputs)])
             for x in X]
    return X, y


def test_every_form_is_returned_as_given():
    rng = np.random.RandomState(0)
    X2 = rng.randn(30, 6)
    y2 = smoothed(X2.T).T
    model = SimpleRNNSequenceRegressor(n_hidden=5, random_state=0).fit(X2, y2)
    assert model.predict(X2).shape == (30, 6)
    X3 = rng.randn(30, 6, 2)
    y3 = np.stack([smoothed(x) for x in X3])  # (30, 6, 2): two outputs per step
    model = SimpleRNNSequenceRegressor(n_hidden=5, random_state=0).fit(X3, y3)
    assert model.predict(X3).shape == (30, 6, 2)
    assert model.n_outputs_ == 2
    X, y = ragged_task(n_outputs=3)
    model = SimpleRNNSequenceRegressor(n_hidden=5, random_state=0).fit(X, y)
    pred = model.predict(X)
    assert isinstance(pred, list) and [p.shape for p in pred] == [t.shape for t in y]
    X, y = ragged_task()
    pred = SimpleRNNSequenceRegressor(n_hidden=5, random_state=0).fit(X, y).predict(X)
    assert [p.shape for p in pred] == [(len(x),) for x in X]


def test_score_is_r2_over_every_step_weighted_by_sequence():
    X, y = ragged_task()
    w = np.random.RandomState(1).uniform(0.5, 2, size=len(X))
    model = SimpleRNNSequenceRegressor(n_hidden=5, random_state=0).fit(X, y)
    pred = np.concatenate(model.predict(X))
    lengths = [len(x) for x in X]
    assert model.score(X, y) == pytest.approx(r2_score(np.concatenate(y), pred))
    assert model.score(X, y, sample_weight=w) == pytest.approx(
        r2_score(np.concatenate(y), pred, sample_weight=np.repeat(w, lengths)))
    assert model.score(X, y) > 0.9


@pytest.mark.parametrize("bad, message", [
    (lambda X, y: y[:-1], "X holds 40 sequences but y holds targets for 39"),
    (lambda X, y: [t[:-1] if i == 3 else t for i, t in enumerate(y)],
     "y\\[3\\] has .* steps but sequence 3 of X has"),
    (lambda X, y: np.array([t[-1] for t in y]), "one target per step.*SimpleRNNRegressor"),
    (lambda X, y: [np.where(np.arange(len(t)) == 2, np.nan, t) if i == 5 else t
                   for i, t in enumerate(y)], "NaN or infinity: sequence 5, step 2"),
    (lambda X, y: [np.column_stack([t, t]) if i == 1 else t for i, t in enumerate(y)],
     "y\\[1\\] has 2 output\\(s\\) per step but y\\[0\\] has 1"),
    (lambda X, y: [1.0] * len(y), "y\\[0\\] is a single number"),
])
def test_bad_targets_are_refused_before_training(bad, message):
    X, y = ragged_task()
    with pytest.raises(ValueError, match=message):
        SimpleRNNSequenceRegressor(n_hidden=3).fit(X, bad(X, y))


def test_targets_are_not_modified():
    X, y = ragged_task()
    copies = [t.copy() for t in y]
    SimpleRNNSequenceRegressor(n_hidden=3, random_state=0).fit(X, y)
    for t, c in zip(y, copies):
        np.testing.assert_array_equal(t, c)


def test_output_at_a_step_does_not_read_later_steps():
    """Causal: perturbing steps after t leaves the prediction at t unchanged (one direction)."""
    X, y = ragged_task()
    model = SimpleRNNSequenceRegressor(n_hidden=(4, 4), random_state=0).fit(X, y)
    x = X[0].copy()
    base = model.predict([x])[0]
    x[5:] += 3.0
    changed = model.predict([x])[0]
    np.testing.assert_array_equal(base[:5], changed[:5])
    assert not np.allclose(base[5:], changed[5:])
    both = SimpleRNNSequenceRegressor(n_hidden=4, bidirectional=True, random_state=0).fit(X, y)
    assert not np.allclose(both.predict([X[0]])[0][:5], both.predict([x])[0][:5])


def test_sample_weight_k_is_k_copies_and_order_does_not_matter():
    X, y = ragged_task(n=20)
    w = np.random.RandomState(0).randint(0, 3, size=len(X))
    kw = dict(n_hidden=3, max_iter=30, random_state=0)
    weighted = SimpleRNNSequenceRegressor(**kw).fit(X, y, sample_weight=w)
    X_rep = [x for x, k in zip(X, w) for _ in range(k)]
    y_rep = [t for t, k in zip(y, w) for _ in range(k)]
    repeated = SimpleRNNSequenceRegressor(**kw).fit(X_rep[::-1], y_rep[::-1])
    for name in ("input_weights_", "recurrent_weights_", "output_weights_"):
        np.testing.assert_array_equal(getattr(weighted, name), getattr(repeated, name))


def test_pickle_clone_and_refit_give_the_same_model():
    X, y = ragged_task()
    model = SimpleRNNSequenceRegressor(n_hidden=(3, 3), bidirectional=True, random_state=0)
    model.fit(X, y)
    again = clone(model).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    for other in (again, loaded):
        for a, b in zip(model.predict(X), other.predict(X)):
            np.testing.assert_array_equal(a, b)


def test_float32_stays_float32_and_pipelines_work():
    X, y = ragged_task()
    X32 = [x.astype(np.float32) for x in X]
    model = SimpleRNNSequenceRegressor(n_hidden=3, random_state=0).fit(X32, y)
    assert model.output_weights_.dtype == np.float32
    assert model.predict(X32)[0].dtype == np.float32
    pipe = make_pipeline(SequenceScaler(), SimpleRNNSequenceRegressor(n_hidden=3, random_state=0))
    assert pipe.fit(X, y).score(X, y) > 0.5


def test_one_step_ahead_on_a_long_series_in_one_pass():
    """Every step of one long series is a training target: forecast a noisy sine one step ahead."""
    rng = np.random.RandomState(0)
    t = np.arange(2001)
    series = np.sin(2 * np.pi * t / 50) + 0.1 * rng.randn(len(t))
    x, target = series[:-1], series[1:]
    train, test = slice(0, 1500), slice(1500, 2000)
    model = SimpleRNNSequenceRegressor(n_hidden=8, random_state=0)
    model.fit([x[train]], [target[train]])
    # The test stretch continues from the state the training stretch ends in.
    pred = model.predict([x[:2000]])[0][test]
    assert r2_score(target[test], pred) > 0.9
    persistence = r2_score(target[test], x[test])
    assert r2_score(target[test], pred) > persistence


@pytest.mark.parametrize("solver", ["lbfgs", "BFGS", "CG", "gd", "sgd", "adam"])
def test_every_solver_trains_it(solver):
    X, y = ragged_task()
    kw = dict(learning_rate_init=0.01) if solver in ("gd", "sgd", "adam") else {}
    model = SimpleRNNSequenceRegressor(n_hidden=(4, 3), solver=solver, max_iter=20,
                                       random_state=0, **kw).fit(X, y)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert np.isfinite(model.loss_)


def test_partial_fit_and_early_stopping():
    X, y = ragged_task()
    model = SimpleRNNSequenceRegressor(n_hidden=3, solver="adam", learning_rate_init=0.01,
                                       random_state=0)
    for _ in range(3):
        model.partial_fit(X, y)
    assert model.n_iter_ == 3
    with pytest.raises(ValueError, match="output"):
        model.partial_fit(X, [np.column_stack([t, t]) for t in y])
    model = SimpleRNNSequenceRegressor(n_hidden=3, early_stopping=True, random_state=0).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_


def test_the_last_step_output_is_the_regressor_with_the_same_weights():
    """The same network: with SimpleRNNRegressor's weights, the last step's output is its prediction."""
    rng = np.random.RandomState(0)
    X = [rng.randn(T, 2) for T in rng.randint(2, 9, size=30)]
    y_last = np.array([x[-2:, 0].sum() for x in X])
    reg = SimpleRNNRegressor(n_hidden=(3, 4), bidirectional=False, random_state=0).fit(X, y_last)
    seq = SimpleRNNSequenceRegressor(n_hidden=(3, 4), max_iter=1, random_state=0)
    seq.fit(X, [np.zeros(len(x)) for x in X])
    for name in ("input_weights_", "recurrent_weights_", "hidden_bias_", "output_weights_",
                 "output_bias_"):
        setattr(seq, name, getattr(reg, name))
    last = np.array([p[-1] for p in seq.predict(X)])
    np.testing.assert_allclose(last, reg.predict(X), rtol=1e-12, atol=1e-14)


def test_long_dataframes_in_and_out_row_for_row():
    """A long DataFrame X takes y indexed like it (any row order) and predicts indexed like it."""
    import pandas as pd

    X, y = ragged_task(n=12)
    index = pd.MultiIndex.from_tuples([(f"s{i}", t) for i, x in enumerate(X) for t in range(len(x))],
                                      names=["id", "time"])
    X_long = pd.DataFrame({"value": np.concatenate(X)}, index=index)
    y_long = pd.Series(np.concatenate(y), index=index)
    shuffled = np.random.RandomState(0).permutation(len(index))
    model = SimpleRNNSequenceRegressor(n_hidden=3, random_state=0)
    model.fit(X_long.iloc[shuffled], y_long.iloc[::-1])
    reference = SimpleRNNSequenceRegressor(n_hidden=3, random_state=0).fit(X, y)
    pred = model.predict(X_long.iloc[shuffled])
    assert isinstance(pred, pd.Series) and pred.index.equals(X_long.index[shuffled])
    np.testing.assert_allclose(pred.to_numpy(), np.concatenate(reference.predict(X))[shuffled],
                               rtol=1e-12)
    assert model.score(X_long, y_long) == pytest.approx(reference.score(X, y), rel=1e-12)
    with pytest.raises(ValueError, match="one row per \\(sequence id, time\\) row of X.*missing"):
        model.fit(X_long, y_long.iloc[1:])
