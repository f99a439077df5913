"""Orderings of classes that put characters which look alike side by side.

``LOOKALIKE_GROUPS`` is data: each string is one group of characters that
handwriting makes hard to tell apart (from the EMNIST paper's merged classes
and the confusions of real classifiers). Classes are matched by their display
name, one character each; a name of several characters (e.g. ``"Aa"`` or
``"10"``) is in no group: it gets a group of its own, after the table's.
"""

import numpy as np

__all__ = ["LOOKALIKE_GROUPS", "cluster_order", "lookalike_order"]

LOOKALIKE_GROUPS = (
    "0OoQD",
    "1Il|i",
    "jJ",
    "7",
    "tT",
    "fF",
    "2Zz",
    "3",
    "4",
    "5Ss",
    "6b",
    "8B",
    "9gq",
    "Aad",
    "cC",
    "eE",
    "hn",
    "kK",
    "mM",
    "pP",
    "rR",
    "uUvV",
    "wW",
    "xX",
    "yY",
    "GH",
    "LN",
)


def lookalike_order(names):
    """Order and group boundaries that keep look-alike characters together.

    Parameters
    ----------
    names : sequence of str
        Display names of the classes, in label order.

    Returns
    -------
    order : ndarray of int
        Indices into ``names``.
    groups : list of int
        Sizes of consecutive groups along ``order``.

    Examples
    --------
    >>> from sklearn_emnist.plotting._lookalike import lookalike_order
    >>> order, groups = lookalike_order(["0", "1", "I", "O", "o", "x"])
    >>> order.tolist(), groups
    ([0, 3, 4, 1, 2, 5], [3, 2, 1])
    """
    slot_of = {}
    for group_index, group in enumerate(LOOKALIKE_GROUPS):
        for position, char in enumerate(group):
            slot_of.setdefault(char, (group_index, position))
    keyed = []
    for index, name in enumerate(names):
        slot = slot_of.get(str(name))  # characters only: "10" is no look-alike of "1"
        if slot is None:  # not in the table: a group of its own, after the table's groups
            slot = (len(LOOKALIKE_GROUPS) + index, 0)
        keyed.append((slot, index))
    keyed.sort()
    order = np.array([index for _, index in keyed], dtype=np.intp)
    groups = []
    previous = None
    for (group_index, _), _ in keyed:
        if group_index == previous:
            groups[-1] += 1
        else:
            groups.append(1)
        previous = group_index
    return order, groups


def cluster_order(counts, *, threshold=0.9):
    """Order classes by hierarchical clustering of their confusions.

    The distance between two classes is ``1 - (r_ij + r_ji) / 2`` where
    ``r_ij`` is the share of class ``i``'s samples predicted as ``j``;
    average linkage with optimal leaf ordering puts mutually confused classes
    next to each other. Groups are the flat clusters at ``threshold``.

    Parameters
    ----------
    counts : ndarray of shape (n_classes, n_classes)
        Confusion matrix of counts (rows true, columns predicted).
    threshold : float, default=0.9
        Distance at which the tree is cut into groups (0.9: classes confused
        at a mean rate of at least about 10 % join a group).

    Returns
    -------
    order : ndarray of int
    groups : list of int
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0]
    if n < 3:
        return np.arange(n), [1] * n
    support = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, support, out=np.zeros_like(counts), where=support > 0)
    similarity = (rates + rates.T) / 2
    distance = 1.0 - similarity
    np.fill_diagonal(distance, 0.0)
    distance = np.clip(distance, 0.0, 1.0)
    tree = linkage(squareform(distance, checks=False), method="average", optimal_ordering=True)
    from scipy.cluster.hierarchy import leaves_list

    order = leaves_list(tree).astype(np.intp)
    flat = fcluster(tree, t=threshold, criterion="distance")[order]
    groups = []
    for k, cluster in enumerate(flat):
        if k > 0 and cluster == flat[k - 1]:
            groups[-1] += 1
        else:
            groups.append(1)
    return order, groups
