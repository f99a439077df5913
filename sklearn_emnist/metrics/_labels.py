"""Resolving the label set and the character name of each label.

Every metric, table and plot in this package goes through
:func:`resolve_labels`, so integer labels with ``target_names``, string
labels, and explicit ``labels`` all behave the same way everywhere.
"""

from collections.abc import Mapping

import numpy as np
from sklearn.utils.multiclass import unique_labels

__all__ = ["check_label_arrays", "resolve_labels"]


def check_label_arrays(y_true, y_pred):
    """Return ``y_true`` and ``y_pred`` as 1-d arrays of equal length."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.ndim != 1:
            raise ValueError(
                f"{name} must be a 1-d array of class labels, got shape {y.shape}. "
                "If you have probabilities, take the argmax and map it through classes_ first."
            )
        if y.shape[0] == 0:
            raise ValueError(f"{name} is empty; at least one label is required.")
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"y_true and y_pred have different lengths ({y_true.shape[0]} and "
            f"{y_pred.shape[0]}); pass one prediction per true label."
        )
    if (y_true.dtype.kind in "US") != (y_pred.dtype.kind in "US") and (
        y_true.dtype.kind != "O" and y_pred.dtype.kind != "O"
    ):
        raise ValueError(
            f"y_true holds {y_true.dtype} labels but y_pred holds {y_pred.dtype} labels; "
            "use the same kind of label (integers or strings) for both."
        )
    return y_true, y_pred


def _is_integer_labels(labels):
    return np.asarray(labels).dtype.kind in "iu"


def _label_kind(labels):
    """``"string"`` or ``"number"`` for an array of labels, None when mixed or other."""
    kind = labels.dtype.kind
    if kind in "US":
        return "string"
    if kind in "iufb":
        return "number"
    values = labels.tolist()
    if all(isinstance(value, str) for value in values):
        return "string"
    if all(isinstance(value, (int, float, np.number)) for value in values):
        return "number"
    return None


def resolve_labels(y_true, y_pred, *, labels=None, target_names=None, allow_subset=False):
    """Labels in a fixed order and the display name of each.

    One rule names the labels, whatever subset of classes a sample holds:
    a sequence of ``target_names`` gives the name of each entry of the
    resolved ``labels``, position by position (as scikit-learn's
    ``classification_report`` does), and a mapping is looked up by label.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels, integers or strings.
    labels : array-like, default=None
        The labels to report, in this order. By default: when ``target_names``
        is a sequence and the labels are integers, ``0..len(target_names) - 1``
        (an EMNIST classifier's ``classes_``), so that classes absent from a
        subset still get a row and ``target_names[label]`` names each label;
        otherwise the sorted union of ``y_true`` and ``y_pred``.
    target_names : sequence of str or mapping, default=None
        Display names: one per entry of ``labels``, in the same order, or a
        mapping ``{label: name}``. ``None`` uses ``str(label)``.
    allow_subset : bool, default=False
        Whether ``labels`` may leave out labels present in ``y_true`` or
        ``y_pred`` (averaging over some classes only, as scikit-learn's
        metrics allow); tables and plots need every present label.

    Returns
    -------
    labels : ndarray of shape (n_labels,)
    names : list of str

    Raises
    ------
    ValueError
        If ``labels`` are strings while the labels are numbers, or the other
        way round (``labels=["1", "2"]`` for integer labels matches nothing).
        If integer labels fall outside ``0..len(target_names) - 1`` with no
        ``labels`` given (the labels 1..26 of the raw letters files, for
        instance), or if the number of names differs from the number of
        labels: guessing would name classes inconsistently.

    Examples
    --------
    >>> from sklearn_emnist.metrics._labels import resolve_labels
    >>> labels, names = resolve_labels([0, 2], [2, 2], target_names=["a", "b", "c"])
    >>> labels.tolist(), names
    ([0, 1, 2], ['a', 'b', 'c'])
    >>> labels, names = resolve_labels([26, 1], [26, 2], labels=range(1, 27),
    ...                                target_names="abcdefghijklmnopqrstuvwxyz")
    >>> names[:2], names[-1]
    (['a', 'b'], 'z')
    """
    present = unique_labels(y_true, y_pred)
    is_sequence = target_names is not None and not isinstance(target_names, Mapping)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.size == 0:
            raise ValueError("labels must be a non-empty 1-d list of class labels.")
        if len(np.unique(labels)) != labels.size:
            raise ValueError("labels contains duplicates; list each class once.")
        present_kind, labels_kind = _label_kind(present), _label_kind(labels)
        if None not in (present_kind, labels_kind) and present_kind != labels_kind:
            raise ValueError(
                f"labels are {labels_kind}s ({labels[:5].tolist()}) but y_true and y_pred "
                f"hold {present_kind}s ({present[:5].tolist()}); give `labels` of the same "
                "type as the labels themselves."
            )
        missing = np.setdiff1d(present, labels)
        if missing.size and not allow_subset:
            raise ValueError(
                f"y_true or y_pred contain labels not in `labels`: {missing[:10].tolist()}; "
                "add them to `labels` or leave `labels=None`."
            )
    elif is_sequence and _is_integer_labels(present):
        n_names = len(target_names)
        if present.min() < 0 or present.max() >= n_names:
            raise ValueError(
                f"Integer labels name their class by position in target_names "
                f"(target_names[label]), but the labels run from {present.min()} to "
                f"{present.max()} and target_names has {n_names} names (positions 0.."
                f"{n_names - 1}). Pass `labels` listing the label of each name in order "
                f"(e.g. labels=range(1, {n_names + 1}) for labels 1..{n_names}), or a dict "
                "mapping label -> name."
            )
        labels = np.arange(n_names)
    else:
        labels = present

    if target_names is None:
        names = [str(label) for label in labels]
    elif isinstance(target_names, Mapping):
        missing = [label for label in labels.tolist() if label not in target_names]
        if missing:
            raise ValueError(
                f"target_names has no entry for labels {missing[:10]}; give a name for every "
                "class."
            )
        names = [str(target_names[label]) for label in labels.tolist()]
    else:
        names = [str(name) for name in target_names]
        if len(names) != len(labels):
            raise ValueError(
                f"target_names has {len(names)} names but there are {len(labels)} labels "
                f"({labels[:10].tolist()}{'...' if len(labels) > 10 else ''}); give one name "
                "per label, in the order of `labels`, or a dict mapping label -> name."
            )
    return labels, names
