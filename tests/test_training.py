"""The training toolkit: update rules, solvers, stopping, clipping, continuation, callbacks."""

import warnings

import numpy as np
import pytest
from helpers import make_objective, theta_of
from sklearn.exceptions import ConvergenceWarning

from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn._network import Network
from sklearn_simplernn._optimizers import SGD, Adam
from sklearn_simplernn._training import SCIPY_METHODS


def task(n=60, T=8, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, T)
    y = np.tanh(X[:, -2:].sum(axis=1))
    return X, y




def quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


# ---------------------------------------------------------------------------
# Update rules against their textbook formulas


def test_sgd_plain_step():
    """Without momentum SGD is theta - eta g."""
    theta, g = np.array([1.0, -2.0, 0.5]), np.array([0.3, -0.1, 2.0])
    opt = SGD(0.1)
    new = theta.copy()
    opt.step(new, g)
    np.testing.assert_allclose(new, theta - 0.1 * g)


def test_sgd_momentum_two_steps():
    """Classical momentum: v <- mu v - eta g, theta <- theta + v."""
    theta, g1, g2 = np.array([1.0, -2.0]), np.array([0.3, -0.1]), np.array([-1.0, 0.4])
    opt = SGD(0.1, momentum=0.9, nesterov=False)
    new = theta.copy()
    opt.step(new, g1)
    opt.step(new, g2)
    v1 = -0.1 * g1
    v2 = 0.9 * v1 - 0.1 * g2
    np.testing.assert_allclose(new, theta + v1 + v2)


def test_sgd_nesterov_two_steps():
    """Nesterov: v <- mu v - eta g, theta <- theta + mu v - eta g."""
    theta, g1, g2 = np.array([1.0, -2.0]), np.array([0.3, -0.1]), np.array([-1.0, 0.4])
    opt = SGD(0.1, momentum=0.9, nesterov=True)
    new = theta.copy()
    opt.step(new, g1)
    opt.step(new, g2)
    v1 = -0.1 * g1
    t1 = theta + 0.9 * v1 - 0.1 * g1
    v2 = 0.9 * v1 - 0.1 * g2
    np.testing.assert_allclose(new, t1 + 0.9 * v2 - 0.1 * g2)


def test_adam_two_steps():
    """Adam with bias correction, as in Kingma & Ba (2015)."""
    theta, g1, g2 = np.array([1.0, -2.0]), np.array([0.3, -0.1]), np.array([-1.0, 0.4])
    b1, b2, eps, eta = 0.9, 0.999, 1e-8, 0.01
    opt = Adam(eta, b1, b2, eps)
    new = theta.copy()
    opt.step(new, g1)
    opt.step(new, g2)
    m = v = 0
    expected = theta.copy()
    for t, g in enumerate([g1, g2], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        expected = expected - eta * m_hat / (np.sqrt(v_hat) + eps)
    # Our form folds the bias correction into eta_t, which moves eps slightly.
    np.testing.assert_allclose(new, expected, rtol=1e-6)


def test_invscaling_and_adaptive_schedules():
    """invscaling divides eta by (t + 1)^power_t; adaptive divides by 5 on each stall."""
    opt = SGD(0.5, learning_rate="invscaling", power_t=0.5)
    opt.iteration_ends(99)
    assert opt.eta == pytest.approx(0.5 / 10)
    opt = SGD(0.5, learning_rate="adaptive")
    assert opt.trigger_stopping() is False and opt.eta == pytest.approx(0.1)
    assert SGD(0.5).trigger_stopping() is True


# ---------------------------------------------------------------------------
# Solvers


@pytest.mark.parametrize("method", ("lbfgs",) + SCIPY_METHODS)
def test_every_scipy_method_lowers_the_loss(method):
    """Each gradient-based scipy method trains below the loss of the initial weights."""
    X, y = task()
    first = quiet_fit(SimpleRNNRegressor(n_hidden=5, solver="gd", max_iter=1,
                                         learning_rate_init=1e-12, random_state=0), X, y)
    model = quiet_fit(SimpleRNNRegressor(n_hidden=5, solver=method, max_iter=30,
                                         random_state=0), X, y)
    assert model.loss_ < 0.5 * first.loss_
    assert len(model.loss_curve_) >= 1
    assert np.isfinite(model.predict(X)).all()


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_iterative_solvers_train_the_ragged_example(solver):
    """gd, sgd and adam reduce the loss on ragged sequences."""
    rng = np.random.RandomState(0)
    X = [rng.randn(T) for T in rng.randint(3, 20, size=80)]
    y = np.array([np.tanh(x[-2:].sum()) for x in X])
    model = quiet_fit(SimpleRNNRegressor(n_hidden=6, solver=solver, learning_rate_init=0.05,
                                         max_iter=40, random_state=0), X, y)
    assert model.loss_curve_[-1] < 0.6 * model.loss_curve_[0]


def _gradient_at_the_fit(model, X, y, alpha):
    from sklearn_simplernn._losses import SquaredLoss
    from sklearn_simplernn._sequences import validate_sequences

    obj, network = make_objective(validate_sequences(model, X, reset=False), y.reshape(-1, 1),
                                  np.ones(len(y)), model.n_hidden, "tanh", SquaredLoss(), alpha)
    grad = np.empty(network.layout.size)
    obj(theta_of(model), grad)
    return grad


def test_a_tight_tol_drives_the_lbfgs_gradient_to_zero():
    """On a small smooth problem a tight tol ends L-BFGS near a stationary point, unwarned."""
    X, y = task(n=30, T=4)
    tol = 1e-8
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = SimpleRNNRegressor(n_hidden=2, alpha=1.0, tol=tol, max_iter=2000,
                                   random_state=0).fit(X, y)
    grad = _gradient_at_the_fit(model, X, y, 1.0)
    before, after = model.loss_curve_[-2:]
    stalled = (before - after) / max(abs(before), abs(after), 1.0) <= tol / 100
    assert np.abs(grad).max() < tol or stalled
    assert np.abs(grad).max() < 1e-5


def test_loss_curve_and_n_iter_for_scipy():
    """scipy solvers record one loss per iteration (MLP does not); the last is loss_."""
    X, y = task()
    model = quiet_fit(SimpleRNNRegressor(n_hidden=4, max_iter=15, random_state=0), X, y)
    assert len(model.loss_curve_) == model.n_iter_ == 15
    assert model.loss_curve_[-1] == pytest.approx(model.loss_)
    assert np.all(np.diff(model.loss_curve_) <= 1e-12)  # L-BFGS-B is monotone


def test_lbfgs_stops_on_a_flat_stretch_by_the_relative_reduction_rule():
    """With the gradient still above tol, L-BFGS stops once an iteration gains < tol/100 of J."""
    X, y = task()
    tol = 1e-4
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # random_state=3: the gradient ends 9 times above tol, far from a tie.
        model = SimpleRNNRegressor(n_hidden=8, alpha=1e-4, tol=tol, random_state=3).fit(X, y)
    assert model.n_iter_ < model.max_iter
    # The gradient rule did not end this fit ...
    assert np.abs(_gradient_at_the_fit(model, X, y, 1e-4)).max() > 3 * tol
    # ... the last iteration's relative gain did (L-BFGS-B's ftol test).
    before, after = model.loss_curve_[-2:]
    assert (before - after) / max(abs(before), abs(after), 1.0) <= tol / 100


def test_lbfgs_relative_stop_follows_a_tight_tol_but_not_a_loose_one():
    """ftol is tol / 100, but never above 1e-6: a loose tol must not end fits that still gain."""
    from sklearn_simplernn._training import _scipy_options

    for tol, ftol in [(1e-2, 1e-6), (1e-4, 1e-6), (1e-7, 1e-9)]:
        options = _scipy_options("L-BFGS-B", max_iter=10, max_fun=100, tol=tol)
        assert options["gtol"] == tol
        assert options["ftol"] == pytest.approx(ftol, rel=1e-12)


def test_a_lower_tol_continues_the_same_lbfgs_path():
    """tol only decides where L-BFGS stops: a tighter fit passes through the looser one."""
    X, y = task()
    loose = SimpleRNNRegressor(n_hidden=8, alpha=1e-4, tol=1e-4, random_state=0).fit(X, y)
    tight = quiet_fit(SimpleRNNRegressor(n_hidden=8, alpha=1e-4, tol=1e-7, random_state=0),
                      X, y)
    assert tight.n_iter_ > loose.n_iter_
    np.testing.assert_allclose(tight.loss_curve_[:loose.n_iter_], loose.loss_curve_,
                               rtol=1e-12)
    assert tight.loss_ < loose.loss_


# ---------------------------------------------------------------------------
# Training control


def test_early_stopping_restores_the_best_weights():
    """The returned weights are those of the best validation iteration, not the last."""
    X, y = task(n=120)
    kw = dict(n_hidden=8, solver="adam", learning_rate_init=0.05, early_stopping=True,
              validation_fraction=0.25, n_iter_no_change=5, tol=0.0, random_state=0)
    model = quiet_fit(SimpleRNNRegressor(max_iter=60, **kw), X, y)
    scores = model.validation_scores_
    best = int(np.argmax(scores))
    assert model.best_validation_score_ == pytest.approx(scores[best])
    assert best < len(scores) - 1  # training went past the best iteration
    # Same seed, same split, same trajectory, stopped right at the best iteration.
    truncated = quiet_fit(SimpleRNNRegressor(max_iter=best + 1, **kw), X, y)
    np.testing.assert_allclose(theta_of(model), theta_of(truncated), rtol=1e-12)


@pytest.mark.parametrize("solver", ["lbfgs", "CG"])
def test_early_stopping_of_scipy_methods_restores_the_best_weights(solver):
    """L-BFGS (and the other scipy methods) stop on held-out sequences and return the best iterate."""
    X, y = task(n=120)
    X = X + 0.3 * np.random.RandomState(1).randn(*X.shape)  # noise to overfit
    kw = dict(n_hidden=8, solver=solver, early_stopping=True, validation_fraction=0.25,
              n_iter_no_change=5, tol=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a validation stop is a normal end
        model = SimpleRNNRegressor(max_iter=500, **kw).fit(X, y)
    scores = model.validation_scores_
    best = int(np.argmax(scores))
    assert len(scores) == model.n_iter_ < 500
    assert model.best_validation_score_ == pytest.approx(scores[best])
    # The returned weights score best_validation_score_ on the held-out quarter...
    from sklearn_simplernn._canonical import canonical_order, content_split
    from sklearn_simplernn._sequences import validate_sequences

    seqs = validate_sequences(None, X, reset=False)
    idx, _ = canonical_order(seqs, y[:, None], np.ones(len(y)))
    train_idx, val_idx = content_split(seqs, y[:, None], idx, 0.25)
    assert len(val_idx) == 30
    assert model.score(X[val_idx], y[val_idx]) == pytest.approx(model.best_validation_score_)
    # ... and loss_ is J over the training sequences at those weights (alpha=1e-4 term included).
    resid = model.predict(X[train_idx]) - y[train_idx]
    penalty = sum(float((getattr(model, a) ** 2).sum())
                  for a in ("input_weights_", "recurrent_weights_", "output_weights_"))
    expected = 0.5 * np.mean(resid**2) + 0.5 * model.alpha * penalty / len(train_idx)
    assert model.loss_ == pytest.approx(expected, rel=1e-9)


def test_early_stopping_split_is_a_function_of_the_data():
    """Full-batch early stopping: the model does not depend on row order, and weight k is k copies."""
    X, y = task(n=80)
    kw = dict(n_hidden=4, early_stopping=True, n_iter_no_change=3, max_iter=40, random_state=0)
    ref = quiet_fit(SimpleRNNRegressor(**kw), X, y)
    perm = np.random.RandomState(3).permutation(len(X))
    shuffled = quiet_fit(SimpleRNNRegressor(**kw), X[perm], y[perm])
    np.testing.assert_array_equal(theta_of(shuffled), theta_of(ref))
    w = np.ones(len(X))
    w[:5] = 3
    weighted = quiet_fit(SimpleRNNRegressor(**kw), X, y, sample_weight=w)
    copies = quiet_fit(SimpleRNNRegressor(**kw), np.vstack([X, X[:5], X[:5]]),
                       np.concatenate([y, y[:5], y[:5]]))
    np.testing.assert_array_equal(theta_of(weighted), theta_of(copies))


def test_partial_fit_twice_equals_fit_two_iterations():
    """Two partial_fit calls on the same batch equal fit with max_iter=2 (state carried over)."""
    X, y = task()
    kw = dict(n_hidden=5, solver="adam", batch_size=20, shuffle=False, learning_rate_init=0.01,
              random_state=0, tol=0.0)
    fitted = quiet_fit(SimpleRNNRegressor(max_iter=2, **kw), X, y)
    streamed = SimpleRNNRegressor(**kw).partial_fit(X, y).partial_fit(X, y)
    np.testing.assert_allclose(theta_of(streamed), theta_of(fitted), rtol=1e-12)
    assert streamed.n_iter_ == 2 and streamed.t_ == 2 * len(X)


def test_partial_fit_not_available_for_scipy_solvers():
    """partial_fit exists only for the incremental solvers."""
    assert not hasattr(SimpleRNNRegressor(solver="lbfgs"), "partial_fit")
    assert hasattr(SimpleRNNRegressor(solver="sgd"), "partial_fit")


def test_warm_start_continues_from_previous_weights():
    """gd for 3 then 2 more iterations with warm_start equals gd for 5."""
    X, y = task()
    kw = dict(n_hidden=4, solver="gd", learning_rate_init=0.1, tol=0.0, random_state=0)
    five = quiet_fit(SimpleRNNRegressor(max_iter=5, **kw), X, y)
    model = quiet_fit(SimpleRNNRegressor(max_iter=3, warm_start=True, **kw), X, y)
    model.set_params(max_iter=2)
    quiet_fit(model, X, y)
    np.testing.assert_allclose(theta_of(model), theta_of(five), rtol=1e-12)
    assert model.n_iter_ == 5 and len(model.loss_curve_) == 5


def test_clip_norm_bounds_the_step():
    """With clip_norm c and eta = 1, one gd step moves theta by at most c."""
    X, y = task()
    y = 100 * y  # a large gradient
    theta0 = Network(1, 4, 1).init_params(np.random.RandomState(0))
    model = quiet_fit(SimpleRNNRegressor(n_hidden=4, solver="gd", learning_rate_init=1.0,
                                         clip_norm=0.1, max_iter=1, random_state=0), X, y)
    assert np.linalg.norm(theta_of(model) - theta0) == pytest.approx(0.1, rel=1e-9)
    model = quiet_fit(SimpleRNNRegressor(n_hidden=4, solver="gd", learning_rate_init=1.0,
                                         clip_value=0.01, max_iter=1, random_state=0), X, y)
    step = np.abs(theta_of(model) - theta0)
    assert step.max() == pytest.approx(0.01, rel=1e-9)


def test_diverging_learning_rate_raises_a_clear_error():
    """A step size that blows up stops with a ValueError naming the iteration and remedies."""
    X, y = task()
    model = SimpleRNNRegressor(n_hidden=8, activation="relu", solver="sgd",
                               learning_rate_init=1e6, random_state=0)
    with pytest.raises(ValueError, match=r"diverged at iteration \d+.*clip_norm"):
        model.fit(X, 1e3 * y)
    assert not hasattr(model, "input_weights_")


def test_clipping_with_a_scipy_solver_warns():
    """clip_norm does not apply to scipy methods; the user is told."""
    X, y = task(n=20)
    with pytest.warns(UserWarning, match="clip_norm"):
        quiet_fit(SimpleRNNRegressor(n_hidden=3, max_iter=3, clip_norm=1.0), X, y)


@pytest.mark.parametrize("solver", ["lbfgs", "CG", "gd", "adam"])
def test_verbose_prints_one_line_per_iteration(solver, capsys):
    """verbose=True prints a loss line for every iteration of every solver family."""
    X, y = task(n=20)
    model = quiet_fit(SimpleRNNRegressor(n_hidden=3, solver=solver, max_iter=4, tol=0.0,
                                         verbose=True, random_state=0), X, y)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("Iteration")]
    assert len(lines) == model.n_iter_ and "loss = " in lines[0]


def test_gradient_norms_at_initialisation():
    """With identity f and orthogonal W_aa, ||dJ_i/da_t|| is the same at every distance."""
    rng = np.random.RandomState(0)
    X = rng.randn(30, 12)
    y = rng.randn(30)
    model = quiet_fit(SimpleRNNRegressor(n_hidden=5, activation="identity", solver="gd",
                                         learning_rate_init=1e-3, max_iter=2,
                                         track_gradients=True, random_state=0), X, y)
    norms = model.gradient_norms_
    assert norms.shape == (2, 12)
    # Iteration 0 is evaluated at the initial weights: e_T = (O_i - y_i) W_ya^T,
    # and e_{t-1} = e_t W_aa^T keeps its norm when W_aa is orthogonal.
    network = Network(1, 5, 1, "identity")
    W_ax, W_aa, b_a, W_ya, b_y = network.layout.unpack(network.init_params(np.random.RandomState(0)))
    a = np.zeros((30, 5))
    for t in range(12):
        a = X[:, t : t + 1] @ W_ax + a @ W_aa + b_a
    resid = (a @ W_ya + b_y).ravel() - y
    expected = np.sqrt(np.mean(resid**2)) * np.linalg.norm(W_ya)
    np.testing.assert_allclose(norms[0], expected, rtol=1e-10)


def test_gradient_norms_ragged_counts_only_sequences_that_reach_back():
    """Distances beyond the shortest sequence average over the longer ones only; NaN beyond all."""
    rng = np.random.RandomState(0)
    X = [rng.randn(3), rng.randn(8), rng.randn(5)]
    model = quiet_fit(SimpleRNNRegressor(n_hidden=3, max_iter=2, track_gradients=True,
                                         random_state=0), X, np.ones(3))
    assert model.gradient_norms_.shape[1] == 8
    assert np.isfinite(model.gradient_norms_).all()
    assert model.gradient_norms_.shape[0] == model.n_iter_


# ---------------------------------------------------------------------------
# scikit-learn callbacks and interruption


class _StopAt:
    """A FitCallback that asks to stop after ``k`` iterations."""

    def __init__(self, k):
        self.k, self.ends = k, 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "iteration" and fitted_estimator is not None:
            self.ends += 1
            return self.ends >= self.k
        return False


class _InterruptAt(_StopAt):
    """Simulate Ctrl-C after ``k`` iterations."""

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if super().on_fit_task_end(estimator, context, fitted_estimator=fitted_estimator):
            raise KeyboardInterrupt


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_scoring_monitor_sees_every_iteration(solver):
    """ScoringMonitor scores a fitted copy at each iteration (and the root task)."""
    callback = pytest.importorskip("sklearn.callback")
    X, y = task(n=30)
    monitor = callback.ScoringMonitor(scoring="r2")
    model = SimpleRNNRegressor(n_hidden=4, solver=solver, max_iter=6, tol=0.0, random_state=0)
    model.set_callbacks(monitor)
    quiet_fit(model, X, y)
    log = monitor.get_logs().data_as_pandas
    iterations = log[log["task_name"] == "iteration"]
    assert len(iterations) == model.n_iter_
    assert iterations["r2"].iloc[-1] == pytest.approx(model.score(X, y))


def test_progress_bar_draws_every_iteration(capsys):
    """scikit-learn's ProgressBar runs through a fit and draws the fit's bar to the end."""
    callback = pytest.importorskip("sklearn.callback")
    pytest.importorskip("rich")
    X, y = task(n=30)
    model = SimpleRNNRegressor(n_hidden=4, solver="adam", max_iter=5, tol=0.0, random_state=0)
    model.set_callbacks(callback.ProgressBar())
    quiet_fit(model, X, y)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "SimpleRNNRegressor - fit" in text and "100%" in text
    assert model.n_iter_ == 5


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_callback_can_stop_training(solver):
    """A callback returning True from on_fit_task_end stops the fit, without a warning."""
    pytest.importorskip("sklearn.callback")
    X, y = task(n=30)
    model = SimpleRNNRegressor(n_hidden=4, solver=solver, max_iter=50, tol=0.0, random_state=0)
    model.set_callbacks(_StopAt(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    assert model.n_iter_ == 3


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_keyboard_interrupt_keeps_the_weights(solver):
    """Ctrl-C during fit warns and leaves a usable model with the weights so far."""
    pytest.importorskip("sklearn.callback")
    X, y = task(n=30)
    model = SimpleRNNRegressor(n_hidden=4, solver=solver, max_iter=50, tol=0.0, random_state=0)
    model.set_callbacks(_InterruptAt(3))
    with pytest.warns(UserWarning, match="interrupted"):
        model.fit(X, y)
    assert np.isfinite(model.predict(X)).all()
    assert 1 <= model.n_iter_ <= 3


# ---------------------------------------------------------------------------
# Full-batch training is a function of the training multiset only


@pytest.mark.parametrize("solver", ["lbfgs", "gd"])
def test_row_order_does_not_change_the_model(solver):
    """Full-batch solvers give bit-identical weights for any order of the training sequences."""
    rng = np.random.RandomState(0)
    X = [rng.randn(T) for T in rng.randint(3, 15, size=50)]
    y = np.array([np.tanh(x[-2:].sum()) for x in X])
    p = rng.permutation(50)
    kw = dict(n_hidden=6, solver=solver, max_iter=60, learning_rate_init=0.1, random_state=0)
    a = quiet_fit(SimpleRNNRegressor(**kw), X, y)
    b = quiet_fit(SimpleRNNRegressor(**kw), [X[i] for i in p], y[p])
    np.testing.assert_array_equal(theta_of(a), theta_of(b))


def test_integer_weights_are_exactly_repetitions():
    """Weight k is k copies and weight 0 is absence, to the last bit, after 200 L-BFGS steps."""
    rng = np.random.RandomState(1)
    X = rng.rand(20, 12)
    y = rng.randn(20)
    w = rng.randint(0, 4, size=20)
    kw = dict(n_hidden=8, max_iter=200, random_state=0)
    weighted = quiet_fit(SimpleRNNRegressor(**kw), X, y, sample_weight=w)
    repeated = quiet_fit(SimpleRNNRegressor(**kw), np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_array_equal(theta_of(weighted), theta_of(repeated))


def test_canonical_order_keeps_the_objective():
    """Merging duplicates and dropping zero weights leaves J and its gradient unchanged."""
    from sklearn_simplernn._canonical import canonical_order
    from sklearn_simplernn._sequences import SequenceData

    rng = np.random.RandomState(0)
    lengths = np.array([4, 2, 4, 3, 2])
    data = rng.randn(15, 2)
    seqs = SequenceData(data, lengths, "ragged")
    seqs = seqs.take([0, 1, 2, 0, 3, 4, 1])  # sequences 0 and 1 repeated
    y = rng.randn(7, 1)
    y[3] = y[0]  # the repeat of 0 has the same target: merged
    w = np.array([1.0, 2.0, 0.5, 3.0, 0.0, 1.5, 1.0])  # 1 repeated with another target: kept
    idx, cw = canonical_order(seqs, y, w)
    assert len(idx) == 5 and cw[idx].sum() == pytest.approx(w.sum())
    assert set(idx) <= {0, 1, 2, 5, 6} and 4 not in idx  # zero weight dropped, 0/3 merged
    obj1, network = make_objective(seqs, y, w, 3, alpha=0.1)
    obj2, _ = make_objective(seqs, y, cw, 3, alpha=0.1, indices=idx)
    theta = network.init_params(np.random.RandomState(0))
    g1, g2 = np.empty(theta.size), np.empty(theta.size)
    J1 = obj1(theta, g1)
    J2 = obj2(theta, g2)
    assert J1 == pytest.approx(J2, rel=1e-13)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-15)


def test_canonical_order_is_a_function_of_the_data_only():
    """Any permutation of the sequences gives the same canonical sequence of contents."""
    from sklearn_simplernn._canonical import canonical_order
    from sklearn_simplernn._sequences import SequenceData

    rng = np.random.RandomState(3)
    lengths = rng.randint(1, 6, size=40)
    seqs = SequenceData(rng.randn(lengths.sum(), 2), lengths, "ragged")
    y = rng.randn(40, 1)
    idx, _ = canonical_order(seqs, y, np.ones(40))
    p = rng.permutation(40)
    shuffled = seqs.take(p)
    idx_p, _ = canonical_order(shuffled, y[p], np.ones(40))
    for a, b in zip(idx, idx_p):
        np.testing.assert_array_equal(seqs.sequence(a), shuffled.sequence(b))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_mini_batch_of_zero_weights_takes_no_step(solver):
    """A mini-batch whose sample weights are all zero is skipped: same model as without those sequences."""
    X, y = task(n=40)
    w = np.ones(40)
    w[:10] = 0.0  # the whole first mini-batch
    params = dict(n_hidden=4, solver=solver, batch_size=10, shuffle=False, max_iter=3,
                  tol=0.0, random_state=0)
    weighted = quiet_fit(SimpleRNNRegressor(**params), X, y, sample_weight=w)
    dropped = quiet_fit(SimpleRNNRegressor(**params), X[10:], y[10:])
    np.testing.assert_allclose(theta_of(weighted), theta_of(dropped), rtol=1e-12, atol=1e-14)


def test_auto_early_stopping_holds_out_only_large_sets_and_never_fails_on_tiny_classes():
    """'auto' holds a tenth out from 1000 distinct sequences, not below, and trains on all when no class can lend one."""
    from sklearn_simplernn import SimpleRNNClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(1000, 4)
    y = np.tanh(X[:, -1])
    kw = dict(n_hidden=2, max_iter=5, random_state=0)
    large = quiet_fit(SimpleRNNRegressor(**kw), X, y)
    assert large.validation_scores_ is not None
    small = quiet_fit(SimpleRNNRegressor(**kw), X[:999], y[:999])
    assert small.validation_scores_ is None
    labels = np.repeat(np.arange(500), 2)  # 500 classes of 2: a tenth of 2 rounds to 0
    clf = quiet_fit(SimpleRNNClassifier(**kw), X, labels)
    assert clf.validation_scores_ is None


@pytest.mark.parametrize("solver", ["lbfgs", *SCIPY_METHODS, "gd", "sgd", "adam"])
@pytest.mark.parametrize("variant", [
    dict(n_hidden=(4, 3)),
    dict(n_hidden=(3, 3), bidirectional=True),
    dict(n_hidden=4, bidirectional=True, readout="mean"),
    dict(n_hidden=(3, 2), readout="max"),
], ids=str)
def test_every_variant_trains_through_every_solver(solver, variant):
    """Stacked, bidirectional and pooled models: every solver lowers J from its start."""
    from sklearn.base import clone

    from sklearn_simplernn import SimpleRNNClassifier

    rng = np.random.RandomState(0)
    X = [rng.randn(T, 2) for T in rng.randint(2, 10, size=40)]
    y = np.array([np.tanh(x[:, 0].sum()) for x in X])
    kw = dict(learning_rate_init=0.01) if solver in ("gd", "sgd", "adam") else {}
    for model, target in ((SimpleRNNRegressor(alpha=1e-3, **variant), y),
                          (SimpleRNNClassifier(**variant), y > 0)):
        model.set_params(solver=solver, max_iter=8, random_state=0, **kw)
        quiet_fit(model, X, target)
        assert np.isfinite(model.loss_)
        # J at the initial weights: one step of gd with a negligible rate.
        start = quiet_fit(clone(model).set_params(max_iter=1, solver="gd",
                                                  learning_rate_init=1e-12), X, target).loss_
        assert model.loss_ < start


@pytest.mark.parametrize("n_hidden", [(), (4, 0), (4, "8"), (2.5,), (True, 3)])
def test_bad_layer_sizes_are_refused(n_hidden):
    X, y = task()
    with pytest.raises(ValueError, match="n_hidden must be a positive int or a non-empty tuple"):
        SimpleRNNRegressor(n_hidden=n_hidden).fit(X, y)


def test_warm_start_continues_only_an_identical_architecture():
    """warm_start keeps the weights when layers, directions and sizes match, else starts afresh."""
    X, y = task()
    model = quiet_fit(SimpleRNNRegressor(n_hidden=(3, 3), bidirectional=True, max_iter=3,
                                         warm_start=True, random_state=0), X, y)
    first = theta_of(model)
    quiet_fit(model.set_params(max_iter=1, solver="gd", learning_rate_init=1e-12), X, y)
    np.testing.assert_allclose(theta_of(model), first, atol=1e-9)
    quiet_fit(model.set_params(bidirectional=False), X, y)  # a new architecture: new weights
    assert [w.shape for w in model.input_weights_] == [(1, 3), (3, 3)]
