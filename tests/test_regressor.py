"""SimpleRNNRegressor as a scikit-learn estimator: the model, the contract, the workflow."""

import pickle
import warnings

import numpy as np
import pytest
from helpers import make_objective, theta_of
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn._losses import SquaredLoss
from sklearn_simplernn._sequences import validate_sequences


def ragged_sum_task(n=120, low=5, high=50, seed=0):
    """Sequences of lengths low..high; the target is the mean of the last 5 steps."""
    rng = np.random.RandomState(seed)
    X = [rng.randn(T) for T in rng.randint(low, high + 1, size=n)]
    y = np.array([x[-5:].mean() for x in X])
    return X, y


def reference_predict(model, sequences):
    """The recurrence of the docstring, one sequence at a time, in plain numpy."""
    f = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0),
         "logistic": lambda z: 1 / (1 + np.exp(-z)), "identity": lambda z: z}
    out = []
    for x in sequences:
        x = np.asarray(x, dtype=float).reshape(len(x), -1)
        a = np.zeros(model.n_hidden)
        for x_t in x:
            a = f[model.activation](x_t @ model.input_weights_ + a @ model.recurrent_weights_
                                    + model.hidden_bias_)
        out.append(f[model.output_activation](a @ model.output_weights_ + model.output_bias_))
    return np.array(out)


@pytest.mark.parametrize("activation", ["tanh", "relu", "logistic", "identity"])
@pytest.mark.parametrize("output_activation", ["identity", "tanh", "logistic"])
def test_predict_is_exactly_the_recurrence(activation, output_activation):
    """predict applies a_t = f(x_t W_ax + a_{t-1} W_aa + b_a), O = g(a_T W_ya + b_y), nothing else."""
    X, y = ragged_sum_task(n=30, low=1, high=12)
    y2 = np.c_[np.tanh(y), 0.5 * np.tanh(y)]
    model = SimpleRNNRegressor(n_hidden=4, activation=activation,
                               output_activation=output_activation, max_iter=5,
                               random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y2)
    np.testing.assert_allclose(model.predict(X), reference_predict(model, X), rtol=1e-10, atol=1e-12)


def test_fitted_attributes_names_and_shapes():
    """The weights are public under the documented names and shapes."""
    rng = np.random.RandomState(0)
    X = rng.randn(20, 6, 3)
    y = rng.randn(20, 2)
    model = SimpleRNNRegressor(n_hidden=5, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.input_weights_.shape == (3, 5)
    assert model.recurrent_weights_.shape == (5, 5)
    assert model.hidden_bias_.shape == (5,)
    assert model.output_weights_.shape == (5, 2)
    assert model.output_bias_.shape == (2,)
    assert (model.n_step_features_, model.n_outputs_) == (3, 2)
    assert not hasattr(model, "n_features_in_")  # 3-D input has no fixed width
    assert model.predict(X).shape == (20, 2)


def test_loss_is_the_objective_at_the_fitted_weights():
    """loss_ equals J evaluated independently at the fitted weights."""
    X, y = ragged_sum_task(n=40)
    w = np.linspace(0.5, 2, 40)
    model = SimpleRNNRegressor(n_hidden=6, alpha=0.3, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=w)
    pred = model.predict(X)
    W = [model.input_weights_, model.recurrent_weights_, model.output_weights_]
    J = (w @ (0.5 * (y - pred) ** 2) + 0.5 * 0.3 * sum((M**2).sum() for M in W)) / w.sum()
    assert model.loss_ == pytest.approx(J, rel=1e-9)


def test_gd_is_plain_gradient_descent():
    """solver='gd' with max_iter=k leaves theta_k of theta <- theta - eta grad J(theta)."""
    X, y = ragged_sum_task(n=25, high=15)
    eta, k = 0.05, 7
    model = SimpleRNNRegressor(n_hidden=4, solver="gd", learning_rate_init=eta, max_iter=k,
                               tol=0.0, alpha=0.01, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    # Replay from the same start: init_params draws from the seed exactly as fit does.
    seqs = validate_sequences(model, X, reset=False)
    obj, network = make_objective(seqs, y.reshape(-1, 1), np.ones(len(X)), 4, "tanh",
                                  SquaredLoss(), 0.01)
    theta = network.init_params(np.random.RandomState(3))
    grad = np.empty_like(theta)
    for _ in range(k):
        obj(theta, grad)
        theta -= eta * grad
    fitted = theta_of(model)
    np.testing.assert_allclose(fitted, theta, rtol=1e-12, atol=1e-14)
    assert model.n_iter_ == k


def test_same_seed_same_model_different_seed_different_model():
    """random_state is the only source of randomness."""
    X, y = ragged_sum_task(n=40)
    kw = dict(n_hidden=6, solver="adam", max_iter=5, batch_size=8, learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = SimpleRNNRegressor(random_state=1, **kw).fit(X, y).predict(X)
        b = SimpleRNNRegressor(random_state=1, **kw).fit(X, y).predict(X)
        c = SimpleRNNRegressor(random_state=2, **kw).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_convergence_warning_when_max_iter_stops_training():
    """Running out of iterations says so, for scipy and our own solvers."""
    X, y = ragged_sum_task(n=30)
    for solver in ["lbfgs", "adam"]:
        with pytest.warns(ConvergenceWarning):
            SimpleRNNRegressor(n_hidden=4, solver=solver, max_iter=2, random_state=0).fit(X, y)


def test_learns_a_ragged_task_and_generalises_to_new_lengths():
    """Fitted on lengths 5-50, the model predicts sequences of unseen lengths well."""
    X, y = ragged_sum_task(n=300, low=5, high=50)
    model = SimpleRNNRegressor(n_hidden=16, alpha=1e-4, random_state=0, max_iter=300, tol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    X_new, y_new = ragged_sum_task(n=100, low=60, high=80, seed=1)
    assert model.score(X, y) > 0.95
    assert model.score(X_new, y_new) > 0.9


def test_grid_search_on_ragged_lengths_5_to_50():
    """GridSearchCV tunes the estimator on a ragged list of sequences of lengths 5 to 50."""
    X, y = ragged_sum_task(n=90)
    search = GridSearchCV(
        SimpleRNNRegressor(max_iter=40, random_state=0),
        {"n_hidden": [4, 8], "alpha": [1e-4, 1e-1]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert set(search.best_params_) == {"n_hidden", "alpha"}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.predict(X[:7]).shape == (7,)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_cross_val_score_time_series_split_in_a_pipeline(n_jobs):
    """cross_val_score with TimeSeriesSplit works on ragged lists, in parallel too, with identical scores."""
    X, y = ragged_sum_task(n=80)
    pipe = Pipeline([
        ("identity", FunctionTransformer(validate=False)),
        ("rnn", SimpleRNNRegressor(n_hidden=6, max_iter=30, random_state=0)),
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=TimeSeriesSplit(n_splits=3), n_jobs=n_jobs)
        reference = cross_val_score(pipe, X, y, cv=TimeSeriesSplit(n_splits=3), n_jobs=1)
    assert scores.shape == (3,)
    np.testing.assert_array_equal(scores, reference)


def test_clone_and_pickle_round_trip():
    """clone copies parameters only; pickling keeps the exact predictions."""
    X, y = ragged_sum_task(n=30)
    model = SimpleRNNRegressor(n_hidden=5, max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    fresh = clone(model)
    assert fresh.get_params() == model.get_params()
    assert not hasattr(fresh, "input_weights_")
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_2d_fit_then_ragged_predict_and_back():
    """A model fitted on a 2-D array predicts on ragged lists of other lengths, and vice versa."""
    rng = np.random.RandomState(0)
    X2 = rng.randn(40, 10)
    y = X2[:, -3:].sum(axis=1)
    model = SimpleRNNRegressor(n_hidden=5, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X2, y)
    assert model.n_features_in_ == 10
    np.testing.assert_allclose(model.predict(list(X2)), model.predict(X2), rtol=1e-12)
    assert model.predict([np.ones(3), np.ones(25)]).shape == (2,)
    with pytest.raises(ValueError, match="X has 7 features, but SimpleRNNRegressor is expecting 10"):
        model.predict(X2[:, :7])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(list(X2), y)
    assert not hasattr(model, "n_features_in_")
    assert model.predict(X2[:, :7]).shape == (40,)
