"""The pairs of characters a classifier mixes up most."""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix

from ._labels import check_label_arrays, resolve_labels
from ._per_class import _safe_divide
from ._table import RecordTable

__all__ = ["ConfusedPair", "most_confused_pairs"]


@dataclass(frozen=True)
class ConfusedPair:
    """Two classes and how often each is predicted as the other.

    ``a`` is the class whose samples are more often predicted as ``b`` than
    the other way round (``a_as_b >= b_as_a``).

    Attributes
    ----------
    label_a, label_b : label
        The two class labels.
    name_a, name_b : str
        Their character names.
    a_as_b, b_as_a : int
        Samples of ``a`` predicted as ``b``, and of ``b`` predicted as ``a``.
    total : int
        ``a_as_b + b_as_a``.
    a_as_b_rate, b_as_a_rate : float
        ``a_as_b / support(a)`` and ``b_as_a / support(b)`` (0 without support).
    rate : float
        ``total / (support(a) + support(b))``: the share of the two classes'
        samples that land on the other one.
    """

    label_a: object
    label_b: object
    name_a: str
    name_b: str
    a_as_b: int
    b_as_a: int
    total: int
    a_as_b_rate: float
    b_as_a_rate: float
    rate: float

    def __str__(self):
        return (
            f"{self.name_a} <-> {self.name_b}: {self.total} "
            f"({self.name_a}->{self.name_b} {self.a_as_b}, {self.name_b}->{self.name_a} "
            f"{self.b_as_a}; rate {self.rate:.2%})"
        )


def most_confused_pairs(
    y_true, y_pred, *, target_names=None, top=10, by="count", labels=None, min_count=1
):
    """The ``top`` pairs of classes confused most often, both directions summed.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (integers or strings).
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    target_names : sequence of str or mapping, default=None
        Character names: one per entry of ``labels``, in order (with integer
        labels and no ``labels``, ``target_names[label]``), or a dict
        ``{label: name}``. ``None`` uses the labels themselves.
    top : int or None, default=10
        How many pairs to return; ``None`` returns every confused pair.
    by : {"count", "rate"}, default="count"
        Rank by the symmetric count ``total`` or by the symmetric ``rate``
        (which favours pairs of rare classes).
    labels : array-like, default=None
        The classes to consider, in this order (by default as in
        :func:`per_class_table`). A subset ranks the pairs among those
        classes only (``labels=["O", "0", "Q"]``); the rates still divide by
        every sample of the class in ``y_true``.
    min_count : int, default=1
        Leave out pairs confused fewer than this many times in total.

    Returns
    -------
    pairs : RecordTable of ConfusedPair
        Best first; ties broken by the total count and then by label order.

    Examples
    --------
    >>> from sklearn_emnist.metrics import most_confused_pairs
    >>> y_true = ["O", "O", "0", "0", "l", "l", "1"]
    >>> y_pred = ["0", "O", "O", "O", "1", "l", "1"]
    >>> pairs = most_confused_pairs(y_true, y_pred, top=2)
    >>> print(pairs[0])
    0 <-> O: 3 (0->O 2, O->0 1; rate 75.00%)
    >>> (pairs[1].name_a, pairs[1].name_b, pairs[1].a_as_b, pairs[1].b_as_a)
    ('l', '1', 1, 0)
    """
    if by not in ("count", "rate"):
        raise ValueError(f"by must be 'count' or 'rate', got {by!r}.")
    if top is not None and (not isinstance(top, (int, np.integer)) or top < 1):
        raise ValueError(f"top must be a positive integer or None, got {top!r}.")
    if not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count must be a positive integer, got {min_count!r}.")
    y_true, y_pred = check_label_arrays(y_true, y_pred)
    labels, names = resolve_labels(
        y_true, y_pred, labels=labels, target_names=target_names, allow_subset=True
    )
    cm = confusion_matrix(y_true, y_pred, labels=labels).astype(np.int64)
    # from y_true, not the matrix: with a subset of labels its rows miss the
    # samples predicted as other classes
    support = np.array([np.count_nonzero(y_true == label) for label in labels])
    i_upper, j_upper = np.triu_indices(len(labels), k=1)
    forward = cm[i_upper, j_upper]  # i predicted as j
    backward = cm[j_upper, i_upper]  # j predicted as i
    total = forward + backward
    keep = total >= min_count
    i_upper, j_upper = i_upper[keep], j_upper[keep]
    forward, backward, total = forward[keep], backward[keep], total[keep]
    rate = _safe_divide(total, support[i_upper] + support[j_upper])
    primary = total if by == "count" else rate
    # lexsort: last key is the primary one; ascending, so negate.
    order = np.lexsort((j_upper, i_upper, -total, -primary))
    if top is not None:
        order = order[:top]

    def _plain(label):
        return label.item() if hasattr(label, "item") else label

    rows = []
    for k in order:
        i, j, ij, ji = i_upper[k], j_upper[k], int(forward[k]), int(backward[k])
        if ji > ij:  # put the stronger direction first
            i, j, ij, ji = j, i, ji, ij
        rows.append(
            ConfusedPair(
                label_a=_plain(labels[i]),
                label_b=_plain(labels[j]),
                name_a=names[i],
                name_b=names[j],
                a_as_b=ij,
                b_as_a=ji,
                total=int(total[k]),
                a_as_b_rate=float(_safe_divide(ij, support[i])),
                b_as_a_rate=float(_safe_divide(ji, support[j])),
                rate=float(rate[k]),
            )
        )
    return RecordTable(rows, columns=[f.name for f in ConfusedPair.__dataclass_fields__.values()])
