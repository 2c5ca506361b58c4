"""A simple (Elman) recurrent neural network for scikit-learn."""

from ._classifier import SimpleRNNClassifier
from ._instance_norm import InstanceNormalizedRegressor
from ._persistence import load, save
from ._regressor import SimpleRNNRegressor
from ._diagnostics import DataScaleWarning

__version__ = "0.1.0"

__all__ = [
    "DataScaleWarning",
    "InstanceNormalizedRegressor",
    "SimpleRNNClassifier",
    "SimpleRNNRegressor",
    "load",
    "save",
    "__version__",
]
