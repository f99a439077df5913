"""Neural estimators (skorch): :class:`CharCNNClassifier` and :class:`LSTMRowClassifier`.

Importing this subpackage imports torch and skorch; ``import sklearn_emnist``
does not (the top-level names are lazy).

Before torch is first imported, ``OMP_WAIT_POLICY`` defaults to ``PASSIVE``
(a value the user set wins): with the default busy-waiting OpenMP threads, a
2-thread training step on a 2-core machine that other processes also used was
measured 6x slower than with one thread; with passive waiting, two threads
were faster than one there, and on an idle machine both policies give two
threads about 0.67x one thread's time. See
``benchmarks/results/neural/threads-deep-loaded.json`` and ``threads-deep.json``.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read by OpenMP when torch loads

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
