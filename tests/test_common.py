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
        SimpleRNNClassifier(),
        SimpleRNNClassifier(n_hidden=8, solver="adam", learning_rate_init=0.01),
        SimpleRNNClassifier(n_hidden=8, activation="relu", solver="BFGS"),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
