"""Training that explodes stops with a clear error; unscaled data gets a warning naming the fix.

A run diverges when a loss exceeds 1000 times the largest of the loss at the
start of training, the loss of predicting zero, and 1 (every mini-batch of
'gd', 'sgd' and 'adam'; the end point of the scipy methods). Data far from
unit scale get a ``DataScaleWarning`` that names the scaler to use, and the
scipy methods' ``ConvergenceWarning`` says what actually stopped them.
"""

import warnings

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_simplernn import SimpleRNNClassifier, SimpleRNNRegressor
from sklearn_simplernn import DataScaleWarning
from sklearn_simplernn.preprocessing import SequenceScaler

DIVERGED = r"Training diverged at iteration \d+: the loss grew from"


def standardised(n=200, T=10, seed=0):
    """Standard normal sequences and a standardised nonlinear target."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, T)
    y = np.tanh(X[:, -3:].sum(axis=1)) + 0.1 * rng.randn(n)
    return X, (y - y.mean()) / y.std()


def price_windows(n=300, T=20, seed=0):
    """Windows of a random walk around 2000 and the next value: raw price levels."""
    rng = np.random.RandomState(seed)
    walk = 2000 + np.cumsum(20 * rng.randn(n + T))
    X = np.lib.stride_tricks.sliding_window_view(walk[:-1], T)[:n].copy()
    return X, walk[T : T + n].copy()


def fit_strict(model, X, y, **kwargs):
    """Fit with every warning an error, except running out of iterations."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kwargs)


def scale_warnings(fit):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in record if issubclass(w.category, DataScaleWarning)]


# ---------------------------------------------------------------------------
# Divergence


@pytest.mark.parametrize("params", [
    dict(solver="gd", learning_rate_init=100, max_iter=50),
    dict(solver="sgd", learning_rate_init=10),
    dict(solver="adam", learning_rate_init=100),
], ids=["gd", "sgd", "adam"])
def test_finite_explosion_raises_and_leaves_the_model_unfitted(params):
    """A loss that grows by orders of magnitude but stays finite is a divergence, not a fit."""
    X, y = standardised()
    model = SimpleRNNRegressor(random_state=0, **params)
    with pytest.raises(ValueError, match=DIVERGED):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_divergence_message_gives_the_numbers_and_the_remedies():
    """The error names the starting and final losses, the limit and what to change."""
    X, y = standardised()
    with pytest.raises(ValueError) as info:
        SimpleRNNRegressor(solver="gd", learning_rate_init=100, alpha=1e-4,
                           random_state=0).fit(X, y)
    message = str(info.value)
    start = SimpleRNNRegressor(solver="gd", max_iter=1, alpha=1e-4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start_loss = start.fit(X, y).loss_curve_[0]
    assert f"from {start_loss:.4g} at the start" in message
    assert "above the limit of 1000 " in message
    for remedy in ("learning_rate_init", "clip_norm", "SequenceScaler", "TransformedTargetRegressor"):
        assert remedy in message


def test_diverging_classifier_raises():
    """The rule holds for the cross-entropy of a classifier as well."""
    X, y = standardised()
    model = SimpleRNNClassifier(solver="gd", learning_rate_init=1000, random_state=0)
    with pytest.raises(ValueError, match=DIVERGED):
        model.fit(X, y > 0)


def test_diverging_partial_fit_keeps_the_model():
    """The partial_fit call whose loss explodes raises and leaves the previous call's model."""
    X, y = standardised()
    model = SimpleRNNRegressor(solver="sgd", learning_rate_init=10, random_state=0)
    for call in range(10):
        before = model.predict(X) if call else None
        try:
            model.partial_fit(X, y)
        except ValueError as exc:
            assert exc.args[0].startswith(f"Training diverged at iteration {call + 1}: the loss grew")
            break
    else:
        pytest.fail("ten partial_fit calls at learning_rate_init=10 did not diverge")
    assert call > 0 and model.n_iter_ == call
    np.testing.assert_array_equal(model.predict(X), before)


LEGITIMATE = {
    "adam lr=1e-2": (SimpleRNNRegressor, dict(solver="adam", learning_rate_init=1e-2, max_iter=40)),
    "adam lr=0.1 batch=5": (SimpleRNNRegressor, dict(solver="adam", learning_rate_init=0.1,
                                                     batch_size=5, max_iter=5)),
    "sgd lr=0.1 momentum": (SimpleRNNRegressor, dict(solver="sgd", learning_rate_init=0.1,
                                                     momentum=0.9, batch_size=20, max_iter=40)),
    "gd lr=0.3": (SimpleRNNRegressor, dict(solver="gd", learning_rate_init=0.3, max_iter=40)),
    "classifier adam": (SimpleRNNClassifier, dict(solver="adam", learning_rate_init=1e-2,
                                                  max_iter=40)),
    "classifier sgd lr=1": (SimpleRNNClassifier, dict(solver="sgd", learning_rate_init=1.0,
                                                      max_iter=40)),
    "SLSQP": (SimpleRNNRegressor, dict(solver="SLSQP", n_hidden=4, max_iter=100)),
}


@pytest.mark.parametrize("name", LEGITIMATE)
def test_legitimate_noisy_training_neither_raises_nor_warns(name):
    """Fits on standardised data at default and high learning rates pass the divergence rule."""
    cls, params = LEGITIMATE[name]
    X, y = standardised(n=100)
    if cls is SimpleRNNClassifier:
        y = y > 0
    model = fit_strict(cls(random_state=0, **params), X, y)
    assert np.isfinite(model.loss_curve_).all()


def test_partial_fit_loop_neither_raises_nor_warns():
    """A loop of partial_fit calls with mini-batches passes the rule and warns nothing."""
    X, y = standardised(n=100)
    model = SimpleRNNRegressor(solver="adam", learning_rate_init=1e-2, batch_size=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(20):
            model.partial_fit(X, y)
    assert model.loss_curve_[-1] < model.loss_curve_[0]


def test_continuing_from_a_near_perfect_model_is_not_divergence():
    """Adam's first steps from a near-perfect fit multiply its tiny loss; that is not divergence."""
    X, y = standardised(n=100)
    # A tight tol: the start must be far below the loss of predicting zero.
    model = fit_strict(SimpleRNNRegressor(alpha=0.0, max_iter=300, tol=1e-8, random_state=0),
                       X, y)
    start = model.loss_
    model.set_params(solver="adam", learning_rate_init=1e-2, batch_size=10, warm_start=True,
                     max_iter=5)
    fit_strict(model, X, y)
    # Far above the starting loss, far below the loss of predicting zero: the
    # reference of the rule is the larger of the two.
    worst = max(model.loss_curve_[-5:])
    assert 1000 * start < worst < 0.1


def test_noise_on_targets_near_zero_is_not_divergence():
    """With targets of scale 0.002 the floor of 1 keeps Adam's noise from counting as growth."""
    X, y = standardised(n=100)
    y = 2e-3 * y
    model = fit_strict(SimpleRNNRegressor(max_iter=50, random_state=0), X, y)
    start = model.loss_
    model.set_params(solver="adam", learning_rate_init=0.05, batch_size=10, warm_start=True,
                     max_iter=5)
    fit_strict(model, X, y)
    # Epoch means hundreds of times the start; single mini-batches beyond 1000 times.
    zero_loss = 0.5 * np.mean(y**2)
    assert max(model.loss_curve_[-5:]) > 100 * max(zero_loss, start)


def test_later_batch_with_larger_targets_is_measured_against_predicting_zero():
    """A partial_fit batch whose targets are 50 times larger is not divergence: it is the data."""
    X, y = standardised(n=100)
    model = SimpleRNNRegressor(solver="adam", alpha=1e-4, random_state=0).partial_fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.partial_fit(X, 50 * y)
    assert model.loss_curve_[-1] > 1000 * max(model.loss_curve_[0], 1.0)


def test_warm_start_on_a_good_fit_neither_raises_nor_warns():
    """warm_start with sgd from a good fit continues quietly."""
    X, y = standardised(n=100)
    model = fit_strict(SimpleRNNRegressor(solver="sgd", learning_rate_init=0.1, max_iter=30,
                                          warm_start=True, random_state=0), X, y)
    fit_strict(model, X, y)
    assert model.n_iter_ > 30


def test_scipy_overshoot_on_the_way_is_not_divergence():
    """SLSQP's early iterates overshoot by orders of magnitude and recover: only the end counts."""
    X, y = standardised(n=60, T=8)
    model = SimpleRNNRegressor(solver="SLSQP", n_hidden=4, activation="relu", max_iter=100,
                               random_state=0)
    fit_strict(model, X, y)
    assert max(model.loss_curve_) > 1000 * max(model.loss_curve_[-1], 1.0)
    assert model.score(X, y) > 0.5


def test_scipy_end_point_far_above_the_start_raises(monkeypatch):
    """A scipy method whose end point is beyond the limit raises the same error as the others."""
    import scipy.optimize

    def overshooting_minimize(fun, x0, **kwargs):
        fun(x0)  # the start, as every method evaluates it first
        return scipy.optimize.OptimizeResult(
            x=x0 + 100.0, fun=1e7, success=True, nit=4, message="done")

    monkeypatch.setattr("sklearn_simplernn._training.scipy.optimize.minimize", overshooting_minimize)
    X, y = standardised(n=30)
    model = SimpleRNNRegressor(solver="trust-constr", random_state=0)
    with pytest.raises(ValueError, match=r"Training diverged at iteration 4: the loss grew "
                                         r"from .* to 1e\+07.*Scale X and y"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


# ---------------------------------------------------------------------------
# Data far from unit scale


def test_raw_price_windows_warn_with_both_fixes():
    """Raw price levels give a constant predictor and a warning naming both scalers."""
    X, y = price_windows()
    model = SimpleRNNRegressor(alpha=1e-4, random_state=0)
    messages = scale_warnings(lambda: model.fit(X, y))
    assert len(messages) == 1
    message = messages[0]
    assert "y has mean" in message and "X has mean" in message
    assert "explains almost nothing beyond the mean of y" in message
    assert "TransformedTargetRegressor(regressor=..., transformer=StandardScaler())" in message
    assert "make_pipeline(SequenceScaler(), model)" in message
    assert np.std(model.predict(X)) < 1e-3 * np.std(y)


def test_scaled_price_windows_fit_and_do_not_warn():
    """The fix the warning names removes the warning and fits the prices."""
    X, y = price_windows(n=150)
    rnn = SimpleRNNRegressor(n_hidden=8, max_iter=50, random_state=0)
    model = TransformedTargetRegressor(regressor=make_pipeline(SequenceScaler(), rnn),
                                       transformer=StandardScaler())
    assert scale_warnings(lambda: model.fit(X, y)) == []
    assert model.score(X, y) > 0.9


def test_unscaled_target_alone_names_only_the_target_fix():
    """A target of mean 2000 warns about y only, with TransformedTargetRegressor."""
    X, y = standardised(n=100)
    messages = scale_warnings(lambda: SimpleRNNRegressor(max_iter=20, random_state=0)
                              .fit(X, 2000 + 400 * y))
    assert len(messages) == 1
    assert "y has mean 2000 and standard deviation 400" in messages[0]
    assert "TransformedTargetRegressor" in messages[0] and "SequenceScaler" not in messages[0]


def test_offset_target_that_still_fits_is_not_called_a_constant():
    """A target of mean 30 is flagged, but a fit that explains it is not said to explain nothing."""
    X, y = standardised(n=100)
    model = SimpleRNNRegressor(alpha=1e-4, random_state=0)
    (message,) = scale_warnings(lambda: model.fit(X, 30 + y))
    assert "y has mean 30" in message and "explains almost nothing" not in message
    assert model.score(X, 30 + y) > 0.5


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_unscaled_inputs_alone_name_only_the_input_fix(solver):
    """Inputs of scale 1000 warn about X only, with SequenceScaler, for every solver family."""
    X, y = standardised(n=100)
    messages = scale_warnings(lambda: SimpleRNNRegressor(solver=solver, max_iter=5, random_state=0)
                              .fit(1000 * X, y))
    assert len(messages) == 1
    assert "X has mean" in messages[0] and "SequenceScaler" in messages[0]
    assert "TransformedTargetRegressor" not in messages[0]


def test_tiny_target_warns():
    """A target with a standard deviation of 1e-5 is far from unit scale too."""
    X, y = standardised(n=100)
    messages = scale_warnings(lambda: SimpleRNNRegressor(max_iter=5, random_state=0).fit(X, 1e-5 * y))
    assert len(messages) == 1 and "standard deviation 1e-05" in messages[0]


def test_step_feature_at_fault_is_named():
    """With several step features the warning names the one far from unit scale."""
    rng = np.random.RandomState(0)
    X = rng.randn(50, 6, 3)
    X[:, :, 2] = 500 + 100 * X[:, :, 2]
    messages = scale_warnings(lambda: SimpleRNNRegressor(max_iter=5, random_state=0)
                              .fit(X, rng.randn(50)))
    assert len(messages) == 1 and "(step feature 2)" in messages[0]


@pytest.mark.parametrize("case", ["standardised", "quick start", "daily returns", "classifier"])
def test_scaled_data_do_not_warn(case):
    """Standardised data, the quick-start data and return-sized targets fit without a warning."""
    rng = np.random.RandomState(0)
    if case == "quick start":
        X = [rng.randn(T) for T in rng.randint(5, 50, size=100)]
        y = np.array([x[-5:].mean() for x in X])
    else:
        X, y = standardised(n=100)
    if case == "daily returns":
        y = 0.01 * y
    if case == "classifier":
        # Labels have no scale: only X is checked.
        model = SimpleRNNClassifier(max_iter=20, random_state=0)
        y = np.where(y > 0, 1000, 2000)
    else:
        model = SimpleRNNRegressor(max_iter=20, random_state=0)
    fit_strict(model, X, y)


def test_classifier_with_unscaled_inputs_warns():
    """The input check applies to classifiers too."""
    X, y = standardised(n=100)
    messages = scale_warnings(lambda: SimpleRNNClassifier(max_iter=5, random_state=0)
                              .fit(100 + 50 * X, y > 0))
    assert len(messages) == 1 and "SequenceScaler" in messages[0]


def test_partial_fit_warns_on_the_first_call_only():
    """A partial_fit loop on unscaled data warns once, not once per call."""
    X, y = standardised(n=60)
    model = SimpleRNNRegressor(solver="adam", random_state=0)

    def loop():
        for _ in range(3):
            model.partial_fit(X, 2000 + 400 * y)

    assert len(scale_warnings(loop)) == 1


def test_scale_check_leaves_the_fit_unchanged():
    """Warning or not, the fitted weights are those of the same fit with warnings silenced."""
    X, y = price_windows(n=100)
    fits = []
    for action in ("ignore", "always"):
        with warnings.catch_warnings(record=True):
            warnings.simplefilter(action)
            fits.append(SimpleRNNRegressor(solver="adam", max_iter=3, random_state=0).fit(X, y))
    np.testing.assert_array_equal(fits[0].recurrent_weights_, fits[1].recurrent_weights_)


# ---------------------------------------------------------------------------
# What the scipy methods' ConvergenceWarning says


def convergence_messages(model, X, y):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(X, y)
    return [str(w.message) for w in record if issubclass(w.category, ConvergenceWarning)]


def test_convergence_warning_on_scaled_data_points_at_the_budget():
    """Out of iterations on scaled data: the gradient left and max_iter, not scaling."""
    X, y = standardised(n=60)
    (message,) = convergence_messages(SimpleRNNRegressor(max_iter=3, random_state=0), X, y)
    assert "after max_iter=3 iterations the largest gradient entry is still" in message
    assert "Increase max_iter" in message and "scale" not in message


def test_convergence_warning_on_unscaled_data_points_at_the_scale():
    """Out of iterations on unscaled data: the warning says to scale them first."""
    X, y = standardised(n=60)
    (message,) = convergence_messages(SimpleRNNRegressor(max_iter=3, random_state=0), X, 2000 + 400 * y)
    assert "far from unit scale" in message and "scale them first" in message


def test_convergence_warning_when_precision_runs_out():
    """A tol below what the arithmetic can reach is reported as such, with tol and alpha as fixes."""
    X, y = standardised(n=60, T=4)
    model = SimpleRNNRegressor(n_hidden=2, solver="BFGS", tol=1e-14, max_iter=3000, random_state=0)
    (message,) = convergence_messages(model, X, y)
    assert "cannot lower the loss further" in message and "largest gradient entry" in message
    assert "Raise tol" in message and "alpha" in message
