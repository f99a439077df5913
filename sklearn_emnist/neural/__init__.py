"""Neural estimators (skorch): :class:`CharCNNClassifier` and :class:`LSTMRowClassifier`.

Importing this subpackage imports torch and skorch; ``import sklearn_emnist``
does not (the top-level names are lazy).
"""

from ._base import NeuralImageClassifier
from ._cnn import CharCNNClassifier
from ._data import BatchIterator, ImageTensorDataset
from ._lstm import LSTMRowClassifier
from ._modules import DeepCNN, RowLSTM, SeedCNN, SmallResNet, SqueezeExcite
from ._recipes import RECIPES, make_recipe

__all__ = [
    "BatchIterator",
    "CharCNNClassifier",
    "DeepCNN",
    "ImageTensorDataset",
    "LSTMRowClassifier",
    "NeuralImageClassifier",
    "RECIPES",
    "RowLSTM",
    "SeedCNN",
    "SmallResNet",
    "SqueezeExcite",
    "make_recipe",
]
