"""Accuracy and macro / micro / weighted averages in one object."""

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from ._labels import check_label_arrays, resolve_labels

__all__ = ["Averages", "ClassificationSummary", "classification_summary"]


@dataclass(frozen=True)
class Averages:
    """Precision, recall and F1 under one averaging scheme."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class ClassificationSummary:
    """Accuracy plus macro, micro and weighted precision / recall / F1.

    ``macro`` weighs every class equally (the EMNIST papers' "mean recall" and
    "mean precision"); ``micro`` pools all samples (for single-label
    classification its three values equal the accuracy); ``weighted`` weighs
    classes by their support.
    """

    accuracy: float
    macro: Averages
    micro: Averages
    weighted: Averages
    n_samples: int
    n_classes: int

    def to_dict(self):
        """Nested dict of plain floats and ints (JSON-ready)."""
        return asdict(self)

    def __str__(self):
        lines = [
            f"accuracy  {self.accuracy:.4f}   ({self.n_samples} samples, {self.n_classes} classes)",
            f"{'':9} {'precision':>9} {'recall':>9} {'f1':>9}",
        ]
        for name in ("macro", "micro", "weighted"):
            avg = getattr(self, name)
            lines.append(f"{name:9} {avg.precision:9.4f} {avg.recall:9.4f} {avg.f1:9.4f}")
        return "\n".join(lines)


def classification_summary(y_true, y_pred, *, labels=None, target_names=None, sample_weight=None):
    """Accuracy and macro / micro / weighted precision, recall and F1.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (integers or strings).
    y_pred : array-like of shape (n_samples,)
        Predicted labels, same kind as ``y_true``.
    labels : array-like, default=None
        Classes to average over, as in scikit-learn: a subset averages over
        those classes only. By default the sorted union of ``y_true`` and
        ``y_pred``: a class absent from both (common in a small sample of 62
        classes) does not drag the macro averages down. A class listed here
        but never seen scores 0 (no division warning).
    target_names : sequence of str or mapping, default=None
        Class names; checked against the labels (one name per entry of
        ``labels``, or integer labels that index them), not used to widen the
        averages.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    summary : ClassificationSummary
        Prints as a small table; ``summary.to_dict()`` gives JSON-ready values.

    Examples
    --------
    >>> from sklearn_emnist.metrics import classification_summary
    >>> summary = classification_summary(["a", "b", "b", "c"], ["a", "b", "c", "c"])
    >>> round(summary.accuracy, 2), round(summary.macro.recall, 3)
    (0.75, 0.833)
    >>> print(summary)
    accuracy  0.7500   (4 samples, 3 classes)
              precision    recall        f1
    macro        0.8333    0.8333    0.7778
    micro        0.7500    0.7500    0.7500
    weighted     0.8750    0.7500    0.7500
    """
    y_true, y_pred = check_label_arrays(y_true, y_pred)
    resolved, _ = resolve_labels(
        y_true, y_pred, labels=labels, target_names=target_names, allow_subset=True
    )
    if labels is None:  # only the classes that occur, as scikit-learn averages
        labels = np.union1d(y_true, y_pred)
    else:
        labels = resolved
    averages = {}
    for average in ("macro", "micro", "weighted"):
        precision, recall, f1, _ = precision_recall_fscore_support(
            y_true,
            y_pred,
            labels=labels,
            average=average,
            sample_weight=sample_weight,
            zero_division=0.0,
        )
        averages[average] = Averages(float(precision), float(recall), float(f1))
    accuracy = float(accuracy_score(y_true, y_pred, sample_weight=sample_weight))
    return ClassificationSummary(
        accuracy=accuracy,
        n_samples=int(np.asarray(y_true).shape[0]),
        n_classes=len(labels),
        **averages,
    )
