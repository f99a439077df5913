"""Plots in scikit-learn's Display style (matplotlib is an optional extra).

Each ``...Display`` has ``from_estimator`` and ``from_predictions`` (or
``from_history``) constructors and a ``plot(ax=...)`` method, and keeps the
``figure_`` and ``ax_`` it drew on. matplotlib is imported only when a plot is
drawn: ``pip install 'sklearn-emnist[plot]'``.
"""

from ._confusion import CharConfusionMatrixDisplay
from ._history import TrainingCurvesDisplay
from ._images import SampleImagesDisplay, WorstErrorsDisplay
from ._lookalike import LOOKALIKE_GROUPS

__all__ = [
    "LOOKALIKE_GROUPS",
    "CharConfusionMatrixDisplay",
    "SampleImagesDisplay",
    "TrainingCurvesDisplay",
    "WorstErrorsDisplay",
]
