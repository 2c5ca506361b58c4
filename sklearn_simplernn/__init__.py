"""A simple (Elman) recurrent neural network for scikit-learn."""

from ._classifier import SimpleRNNClassifier
from ._diagnostics import DataScaleWarning
from ._instance_norm import InstanceNormalizedRegressor
from ._persistence import load, save
from ._regressor import SimpleRNNRegressor
from ._sequence_regressor import SimpleRNNSequenceRegressor
from ._torch_export import to_torch_state_dict

__version__ = "0.1.0"

__all__ = [
    "DataScaleWarning",
    "InstanceNormalizedRegressor",
    "SimpleRNNClassifier",
    "SimpleRNNRegressor",
    "SimpleRNNSequenceRegressor",
    "load",
    "save",
    "to_torch_state_dict",
    "__version__",
]
