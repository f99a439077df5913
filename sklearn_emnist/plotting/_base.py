"""Shared helpers for the Display classes: lazy matplotlib and label names."""

import heapq
from collections.abc import Mapping

import numpy as np
from sklearn.utils.multiclass import unique_labels

from ..metrics._labels import _label_kind, resolve_labels

__all__ = [
    "CHARACTER_FONT", "check_matplotlib", "estimator_labels", "label_names", "labels_named_by",
    "make_axes_grid", "names_with_defaults",
]

# Characters are written in DejaVu Sans Mono (shipped with matplotlib), where the
# look-alikes this package is about differ: I has serifs, l a tail, 0 a dot.
CHARACTER_FONT = "DejaVu Sans Mono"


def check_matplotlib(caller):
    """Import and return ``matplotlib.pyplot``, or say how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, which is not installed. Install the plotting extra: "
            "pip install 'sklearn-emnist[plot]' (or pip install matplotlib)."
        ) from exc
    return plt


def labels_named_by(classes, target_names):
    """The ``labels`` that ``target_names`` name, given an estimator's ``classes_``.

    A sequence with one name per class names ``classes_`` in order (labels
    1..26 with 26 letters); otherwise (a model that never saw some classes of
    the split, or no ``classes_``) ``None``: integer labels then index the
    names, as in the metrics.
    """
    if classes is None:
        return None
    if target_names is None or isinstance(target_names, Mapping):
        return classes
    return classes if len(target_names) == len(classes) else None


def estimator_labels(classes, target_names, *ys):
    """Labels and names to show an estimator's predictions on samples ``ys``.

    The labels are :func:`labels_named_by`'s, with the labels of ``ys`` that
    ``classes`` lacks: classes the estimator never saw, which it never
    predicts (probability 0), but whose samples are there and wrong, and must
    be shown as such. They take their place in the label order (merged into
    ``classes``, which scikit-learn keeps sorted), or, when they cannot be
    compared with ``classes`` (labels of mixed types), come last, in sorted
    order. A sequence of ``target_names`` naming ``classes`` one by one
    cannot name those: each is named by its label, ``str(label)``, as is a
    label a mapping has no entry for (see :func:`names_with_defaults`).
    When the labels are left to the metrics (``labels_named_by`` gives
    ``None``: integer labels named by position), ``target_names`` name every
    class of the split, seen or not, and nothing is added.

    Returns
    -------
    labels : ndarray or None
    target_names : sequence of str, mapping or None
        ``target_names``, extended when needed.

    Raises
    ------
    ValueError
        When ``ys`` hold strings and ``classes`` numbers, or the other way
        round: no sample could then be matched to a class.
    """
    labels = labels_named_by(classes, target_names)
    arrays = [np.asarray(y).ravel() for y in ys if y is not None]
    if labels is None or not arrays:
        return labels, target_names
    labels = np.asarray(labels)
    present = unique_labels(*arrays)
    kinds = _label_kind(present), _label_kind(labels)
    if None not in kinds and kinds[0] != kinds[1]:
        raise ValueError(
            f"the labels given are {kinds[0]}s ({present[:5].tolist()}) but the estimator's "
            f"classes_ are {kinds[1]}s ({labels[:5].tolist()}); pass labels of the kind the "
            "estimator was fitted on."
        )
    known = set(labels.tolist())
    unseen = [label for label in present.tolist() if label not in known]
    if not unseen:
        return labels, names_with_defaults(target_names, labels)
    everything = [*labels.tolist(), *unseen]
    order = _merged_order(len(labels), everything)
    labels = np.concatenate([labels, np.asarray(unseen)])[order]
    if target_names is not None and not isinstance(target_names, Mapping):
        names = [*map(str, target_names), *map(str, unseen)]
        target_names = [names[k] for k in order]
    return labels, names_with_defaults(target_names, labels)


def _merged_order(n_known, labels):
    """Positions that merge ``labels[n_known:]`` (sorted) into ``labels[:n_known]``.

    Each list keeps its own order; where the labels cannot be compared
    (``TypeError``: strings and numbers, ``None``), the second list follows the
    first unchanged.
    """
    positions = range(len(labels))
    try:
        return np.array(
            list(heapq.merge(positions[:n_known], positions[n_known:], key=labels.__getitem__)),
            dtype=np.intp,
        )
    except TypeError:
        return np.arange(len(labels))


def names_with_defaults(target_names, *label_arrays):
    """``target_names``, where a mapping names every label of ``label_arrays``.

    A mapping ``{label: name}`` with no entry for a label (a class the
    estimator never saw, one left out of the mapping) names it by itself,
    ``str(label)``, as a plot must show every class; the metrics refuse such
    a mapping instead. A mapping that names none of the labels (keys of
    another type, such as ``"1"`` for ``1``) is refused. A sequence or
    ``None`` is returned unchanged (a sequence of the wrong length stays an
    error).
    """
    if not isinstance(target_names, Mapping):
        return target_names
    labels = dict.fromkeys(
        label for array in label_arrays if array is not None
        for label in np.asarray(array).ravel().tolist()
    )
    missing = {label: str(label) for label in labels if label not in target_names}
    if target_names and labels and len(missing) == len(labels):
        # keys of another type ("1" for 1) or of another data set: a mistake
        raise ValueError(
            f"target_names names none of the labels: its keys (such as "
            f"{next(iter(target_names))!r}) are not labels (such as {next(iter(labels))!r})."
        )
    return {**missing, **target_names} if missing else target_names


def label_names(y_true=None, y_pred=None, *, classes=None, target_names=None):
    """A dict label -> display name, consistent with the metrics module.

    With ``classes`` (an estimator's ``classes_``), see :func:`estimator_labels`:
    labels of ``y_true`` or ``y_pred`` the estimator never saw are named too.
    A label a mapping of ``target_names`` lacks is named ``str(label)``.
    """
    arrays = [np.asarray(y) for y in (y_true, y_pred, classes) if y is not None]
    everything = np.concatenate([a.ravel() for a in arrays])
    labels, target_names = estimator_labels(classes, target_names, y_true, y_pred)
    target_names = names_with_defaults(target_names, everything)
    labels, names = resolve_labels(
        everything, everything, labels=labels, target_names=target_names,
    )
    return {_plain(label): name for label, name in zip(labels, names)}


def _plain(label):
    return label.item() if hasattr(label, "item") else label


def make_axes_grid(plt, n_images, *, ax=None, ncols=None, cell_inches=1.25, caller="Display"):
    """A figure and a 2-d array of axes with room for ``n_images`` images.

    ``ax`` may be a user-supplied array of Axes (at least ``n_images`` of them).
    """
    if ax is not None:
        axes = np.atleast_2d(np.asarray(ax, dtype=object))
        if axes.size < n_images:
            raise ValueError(
                f"{caller}: ax holds {axes.size} Axes but {n_images} images are to be shown; "
                "pass more Axes (e.g. plt.subplots(rows, cols)[1]) or a smaller n_images."
            )
        return axes.flat[0].figure, axes
    if ncols is None:
        ncols = int(np.ceil(np.sqrt(n_images)))
    ncols = max(1, min(ncols, n_images))
    nrows = int(np.ceil(n_images / ncols))
    height = (cell_inches + 0.3) * nrows
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell_inches * ncols, height), squeeze=False)
    # fixed margins (much faster to draw than a constrained layout of many axes)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.42 / height,
                        wspace=0.12, hspace=0.45)
    return fig, axes
