"""Error analysis: summary metrics, per-class tables and confused pairs.

Everything works from ``(y_true, y_pred)`` with integer or string labels and
optional character names (``target_names``); nothing here needs pandas or
matplotlib.
"""

from ._confused_pairs import ConfusedPair, most_confused_pairs
from ._per_class import ClassMetrics, per_class_table
from ._summary import Averages, ClassificationSummary, classification_summary
from ._table import RecordTable

__all__ = [
    "Averages",
    "ClassMetrics",
    "ClassificationSummary",
    "ConfusedPair",
    "RecordTable",
    "classification_summary",
    "most_confused_pairs",
    "per_class_table",
]
