"""SimpleRNNClassifier: labels, probabilities, losses and workflows on the shared engine."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_simplernn import SimpleRNNClassifier


def trend_task(n=150, seed=0, low=4, high=30):
    """Ragged sequences labelled by the sign of their last steps' trend: 'up', 'flat', 'down'."""
    rng = np.random.RandomState(seed)
    X, y = [], []
    for k in range(n):
        label = ["down", "flat", "up"][k % 3]
        T = rng.randint(low, high)
        slope = {"down": -0.5, "flat": 0.0, "up": 0.5}[label]
        X.append(slope * np.arange(T) / 4 + 0.3 * rng.randn(T))
        y.append(label)
    return X, np.array(y)


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def test_string_labels_probabilities_and_accuracy():
    """Any label type: classes_ sorted, probabilities sum to 1, predict is their argmax."""
    X, y = trend_task()
    clf = quiet(SimpleRNNClassifier(n_hidden=8, random_state=0).fit, X, y)
    assert list(clf.classes_) == ["down", "flat", "up"]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y) > 0.9
    X_new, y_new = trend_task(n=60, seed=1, low=35, high=45)  # longer than any in fit
    assert clf.score(X_new, y_new) > 0.8


def test_binary_probabilities_and_log_probabilities():
    """Binary: column 1 is P(classes_[1]); log-probabilities are exact even when saturated."""
    X, y = trend_task()
    keep = y != "flat"
    X = [x for x, k in zip(X, keep) if k]
    y = (y[keep] == "up").astype(int)
    clf = quiet(SimpleRNNClassifier(n_hidden=6, random_state=0).fit, X, y)
    assert clf.n_outputs_ == 1
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert proba.shape == log_proba.shape == (len(X), 2)
    assert np.isfinite(log_proba).all()
    inside = (proba > 1e-12).all(axis=1)
    np.testing.assert_allclose(np.exp(log_proba[inside]), proba[inside], rtol=1e-9)
    np.testing.assert_array_equal(clf.predict(X), proba.argmax(axis=1))


def test_loss_is_the_cross_entropy_objective():
    """loss_ is the weighted mean cross-entropy plus the L2 term at the fitted weights."""
    X, y = trend_task(n=60)
    w = np.linspace(0.5, 2.0, 60)
    clf = quiet(SimpleRNNClassifier(n_hidden=5, alpha=0.2, max_iter=30, random_state=0).fit,
                X, y, sample_weight=w)
    log_p = clf.predict_log_proba(X)
    nll = -log_p[np.arange(60), np.searchsorted(clf.classes_, y)]
    # Every layer's (and direction's) W_ax and W_aa, and W_ya: the penalised weights.
    W = clf.input_weights_ + clf.recurrent_weights_ + [clf.output_weights_]
    J = (w @ nll + 0.5 * 0.2 * sum((M**2).sum() for M in W)) / w.sum()
    assert clf.loss_ == pytest.approx(J, rel=1e-9)


def test_multilabel_indicator_targets():
    """A 2-D 0/1 y trains one sigmoid per label and predicts an indicator matrix."""
    rng = np.random.RandomState(0)
    X = [rng.randn(T) for T in rng.randint(3, 15, size=120)]
    Y = np.array([[x[-1] > 0, x.mean() > 0] for x in X]).astype(int)
    clf = quiet(SimpleRNNClassifier(n_hidden=8, random_state=0).fit, X, Y)
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    assert (pred == Y).mean() > 0.9
    assert clf.predict_proba(X).shape == Y.shape


def test_one_class_is_refused():
    """Training on a single class is an error that says so."""
    with pytest.raises(ValueError, match="at least 2 classes"):
        SimpleRNNClassifier().fit([np.ones(3), np.zeros(4)], ["a", "a"])


def test_partial_fit_needs_classes_first_and_accepts_partial_batches():
    """classes= on the first call; later batches may lack classes but not add new ones."""
    X, y = trend_task(n=60)
    clf = SimpleRNNClassifier(n_hidden=5, solver="adam", learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:10], y[:10], classes=["down", "flat", "up"])
    only_up = [x for x, lab in zip(X, y) if lab == "up"]
    clf.partial_fit(only_up, ["up"] * len(only_up))
    assert clf.n_iter_ == 2
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:2], ["sideways", "up"])
    assert clf.predict(X[:3]).dtype.kind == "U"


def test_stratified_cross_validation_and_grid_search_on_ragged_lists():
    """cross_val_score with StratifiedKFold and GridSearchCV in a Pipeline work on ragged lists."""
    X, y = trend_task(n=90)
    pipe = Pipeline([("id", FunctionTransformer(validate=False)),
                     ("rnn", SimpleRNNClassifier(max_iter=40, random_state=0))])
    scores = quiet(cross_val_score, pipe, X, y, cv=StratifiedKFold(3), n_jobs=2)
    assert scores.shape == (3,) and scores.mean() > 0.7
    search = GridSearchCV(pipe, {"rnn__n_hidden": [4, 8]}, cv=StratifiedKFold(3))
    quiet(search.fit, X, y)
    assert search.best_params_["rnn__n_hidden"] in (4, 8)


def test_early_stopping_scores_accuracy_on_a_stratified_split():
    """Early stopping records validation accuracies and keeps the best."""
    X, y = trend_task(n=150)
    clf = quiet(SimpleRNNClassifier(n_hidden=8, solver="adam", learning_rate_init=0.02,
                                    early_stopping=True, validation_fraction=0.2,
                                    max_iter=40, random_state=0).fit, X, y)
    scores = np.array(clf.validation_scores_)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert clf.best_validation_score_ == pytest.approx(scores.max())
