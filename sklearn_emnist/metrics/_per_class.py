"""Per-class precision, recall, F1 and support, with character names."""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix

from ._labels import check_label_arrays, resolve_labels
from ._table import RecordTable

__all__ = ["ClassMetrics", "per_class_table"]


@dataclass(frozen=True)
class ClassMetrics:
    """One row of :func:`per_class_table`.

    ``top_confusion`` is the name of the class this one is most often
    mistaken for (``""`` when it never is) and ``top_confusion_rate`` the
    share of this class's samples predicted as it.
    """

    label: object
    name: str
    precision: float
    recall: float
    f1: float
    support: int
    n_predicted: int
    top_confusion: str
    top_confusion_rate: float


def _safe_divide(numerator, denominator):
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def per_class_table(y_true, y_pred, *, labels=None, target_names=None, sort_by=None):
    """Precision, recall, F1, support and the top confusion of every class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (integers or strings).
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, default=None
        Classes to list, in this order. By default every index of
        ``target_names`` when the labels are integers ``0..K-1`` (so classes
        missing from a subset still get a row), else the sorted union of
        ``y_true`` and ``y_pred``.
    target_names : sequence of str or mapping, default=None
        Character names: one per entry of ``labels``, in order (with integer
        labels and no ``labels``, ``target_names[label]``), or a dict
        ``{label: name}``. ``None`` prints the labels themselves.
    sort_by : {None, "f1", "recall", "precision", "support"}, default=None
        ``None`` keeps the label order; otherwise rows are sorted by that
        column, ascending (worst classes first for the scores).

    Returns
    -------
    table : RecordTable of ClassMetrics
        Prints as aligned text; ``table.to_records()`` is JSON-ready.

    Examples
    --------
    >>> from sklearn_emnist.metrics import per_class_table
    >>> table = per_class_table([0, 0, 1, 1], [0, 1, 1, 1], target_names=["O", "0"])
    >>> [(row.name, row.recall, row.top_confusion) for row in table]
    [('O', 0.5, '0'), ('0', 1.0, '')]
    """
    y_true, y_pred = check_label_arrays(y_true, y_pred)
    labels, names = resolve_labels(y_true, y_pred, labels=labels, target_names=target_names)
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    true_positive = np.diag(cm)
    support = cm.sum(axis=1)
    n_predicted = cm.sum(axis=0)
    precision = _safe_divide(true_positive, n_predicted)
    recall = _safe_divide(true_positive, support)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    off_diagonal = cm.copy()
    np.fill_diagonal(off_diagonal, 0)
    top = off_diagonal.argmax(axis=1)
    top_count = off_diagonal[np.arange(len(labels)), top]
    top_rate = _safe_divide(top_count, support)
    rows = [
        ClassMetrics(
            label=labels[i].item() if hasattr(labels[i], "item") else labels[i],
            name=names[i],
            precision=float(precision[i]),
            recall=float(recall[i]),
            f1=float(f1[i]),
            support=int(support[i]),
            n_predicted=int(n_predicted[i]),
            top_confusion=names[top[i]] if top_count[i] > 0 else "",
            top_confusion_rate=float(top_rate[i]),
        )
        for i in range(len(labels))
    ]
    if sort_by is not None:
        allowed = ("f1", "recall", "precision", "support")
        if sort_by not in allowed:
            raise ValueError(f"sort_by must be None or one of {allowed}, got {sort_by!r}.")
        rows.sort(key=lambda row: getattr(row, sort_by))
    return RecordTable(rows)
