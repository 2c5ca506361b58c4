"""scikit-learn's common estimator checks, at the defaults and other configurations.

No expected failures: every check runs and passes for every configuration.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_simplernn import SimpleRNNClassifier, SimpleRNNRegressor


@parametrize_with_checks(
    [
        SimpleRNNRegressor(),
        # Gradient descent with a fixed step on the checks' unscaled targets (mean
        # about -100) is stable with a light penalty; with the default alpha=10
        # it overshoots on the multi-output check and stops as diverged.
        SimpleRNNRegressor(n_hidden=8, solver="gd", learning_rate_init=0.1, max_iter=500,
                           alpha=1e-4),
        SimpleRNNRegressor(n_hidden=8, solver="adam", learning_rate_init=0.01),
        # SGD with momentum amplifies rounding differences exponentially when the
        # step is large; a moderate step keeps weighting == repetition exact.
        SimpleRNNRegressor(n_hidden=8, solver="sgd", learning_rate_init=0.003),
        SimpleRNNRegressor(n_hidden=8, activation="relu", solver="CG"),
        # Stacked bidirectional models, read at the last step and pooled.
        SimpleRNNRegressor(n_hidden=(6, 6), bidirectional=True),
        SimpleRNNRegressor(n_hidden=(5, 4), bidirectional=True, readout="max", solver="adam",
                           learning_rate_init=0.01),
        SimpleRNNClassifier(),
        SimpleRNNClassifier(n_hidden=8, solver="adam", learning_rate_init=0.01),
        SimpleRNNClassifier(n_hidden=8, activation="relu", solver="BFGS"),
        SimpleRNNClassifier(n_hidden=(6, 6), bidirectional=True, readout="mean"),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
