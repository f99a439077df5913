"""Confusion matrix display that stays readable with 62 character classes."""

import numpy as np
from sklearn.metrics import confusion_matrix as _confusion_matrix
from sklearn.utils.multiclass import unique_labels

from ..metrics._labels import check_label_arrays, resolve_labels
from ._base import CHARACTER_FONT, check_matplotlib, estimator_labels, names_with_defaults
from ._lookalike import cluster_order, lookalike_order

__all__ = ["CharConfusionMatrixDisplay"]

_NORMALIZE = (None, "true", "pred", "all")
_ORDERS = ("label", "lookalike", "cluster")


def _normalize(counts, normalize):
    counts = counts.astype(np.float64)
    if normalize is None:
        return counts
    if normalize == "true":
        total = counts.sum(axis=1, keepdims=True)
    elif normalize == "pred":
        total = counts.sum(axis=0, keepdims=True)
    else:
        total = counts.sum()
    return np.divide(counts, total, out=np.zeros_like(counts), where=np.asarray(total) > 0)


class CharConfusionMatrixDisplay:
    """Confusion matrix of characters, ordered so that look-alikes sit together.

    Build it with :meth:`from_estimator` or :meth:`from_predictions`; the
    constructor takes a matrix already in display order. With many classes the
    cells show no numbers except the large off-diagonal ones
    (``include_values="auto"``), the colour scale is a square root so that
    rare confusions stay visible, and thin lines frame the look-alike groups.

    Parameters
    ----------
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        Values to show (counts or rates), rows = true class.
    display_labels : sequence of str, default=None
        Character names in the matrix's order; ``None`` numbers the classes.
    groups : sequence of int, default=None
        Sizes of consecutive groups of classes to frame.
    normalize : {None, "true", "pred", "all"}, default=None
        How ``confusion_matrix`` was normalised (sets the value format and the
        colour bar's label).

    Attributes
    ----------
    im_ : matplotlib AxesImage
    text_ : ndarray of matplotlib Text or None
        Text of each cell that shows a value (``None`` elsewhere).
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    order_ : ndarray of int
        Set by the ``from_*`` constructors: positions in the label order of
        the rows shown.
    labels_ : ndarray
        Set by the ``from_*`` constructors: the class labels, in display order.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_emnist.plotting import CharConfusionMatrixDisplay
    >>> display = CharConfusionMatrixDisplay.from_predictions(
    ...     ["0", "O", "o", "x"], ["O", "O", "o", "x"], order="lookalike")
    >>> display.display_labels
    ['0', 'O', 'o', 'x']
    >>> display.confusion_matrix[0].tolist()
    [0.0, 1.0, 0.0, 0.0]
    """

    def __init__(self, confusion_matrix, *, display_labels=None, groups=None, normalize=None):
        self.confusion_matrix = confusion_matrix
        self.display_labels = display_labels
        self.groups = groups
        self.normalize = normalize

    @classmethod
    def from_estimator(cls, estimator, X, y, *, target_names=None, **kwargs):
        """Predict ``X`` with ``estimator`` and plot the confusion matrix.

        ``target_names`` defaults to ``estimator.target_names_`` when the
        estimator has one. The rows are the estimator's ``classes_`` and the
        labels of ``y`` it never saw (it cannot predict them: their samples
        are all errors, and are shown, as :meth:`from_predictions` shows
        them), in their place in the label order; a sequence of
        ``target_names`` with one name per class of ``classes_``, or a
        mapping with no entry for it, names such a label by itself. Other
        keyword arguments: see :meth:`from_predictions`.
        """
        if not hasattr(estimator, "predict"):
            raise TypeError(
                f"{cls.__name__}.from_estimator needs a fitted classifier with predict; got "
                f"{type(estimator).__name__}."
            )
        if target_names is None:
            target_names = getattr(estimator, "target_names_", None)
        labels = kwargs.pop("labels", None)
        if labels is None:
            labels, target_names = estimator_labels(
                getattr(estimator, "classes_", None), target_names, y
            )
        y_pred = estimator.predict(X)
        return cls.from_predictions(
            y, y_pred, labels=labels, target_names=target_names, **kwargs
        )

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_pred,
        *,
        labels=None,
        target_names=None,
        normalize="true",
        order="lookalike",
        sample_weight=None,
        ax=None,
        **plot_kwargs,
    ):
        """Plot the confusion matrix of true and predicted labels.

        Parameters
        ----------
        y_true, y_pred : array-like of shape (n_samples,)
            True and predicted labels (integers or strings).
        labels : array-like, default=None
            Classes to show (default: see :func:`sklearn_emnist.metrics.per_class_table`).
            A subset zooms in on a group (``labels=["O", "0", "o"]``); the
            normalised rates stay those of the whole classes (a row's share
            read as classes not shown is left out, so it need not sum to 1),
            unlike scikit-learn's ``ConfusionMatrixDisplay``, which
            normalises the sub-matrix alone.
        target_names : sequence of str or mapping, default=None
            Character names: one per class, in the order of the labels, or a
            mapping ``{label: name}``, where a label with no entry is named by
            itself, ``str(label)``.
        normalize : {"true", "pred", "all", None}, default="true"
            ``"true"``: each row sums to 1 (recall on the diagonal, the share
            of a class read as another off it); ``None``: raw counts.
        order : {"lookalike", "cluster", "label"} or array-like, default="lookalike"
            ``"lookalike"`` groups characters by a table of look-alike groups
            (0/O/o, 1/I/l/i, c/C, s/S/5 ...) when every class name is one
            character (string labels or ``target_names``), else keeps the
            label order; ``"cluster"`` by hierarchical
            clustering of this matrix's confusions; ``"label"`` keeps the label
            order; an array gives the labels in the order wanted.
        sample_weight : array-like, default=None
        ax : matplotlib Axes, default=None
        **plot_kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : CharConfusionMatrixDisplay
        """
        if normalize not in _NORMALIZE:
            raise ValueError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}.")
        y_true, y_pred = check_label_arrays(y_true, y_pred)
        # a mapping need not name every class: the others are named by their label
        target_names = names_with_defaults(target_names, labels, y_true, y_pred)
        labels, names = resolve_labels(y_true, y_pred, labels=labels, target_names=target_names,
                                       allow_subset=True)
        # every class counts in the normalisation, shown or not: with a subset of
        # labels the rates stay those of the whole classes
        others = np.setdiff1d(unique_labels(y_true, y_pred), labels)
        everything = _confusion_matrix(y_true, y_pred, labels=np.concatenate([labels, others]),
                                       sample_weight=sample_weight)
        shown = np.arange(len(labels))
        counts = everything[np.ix_(shown, shown)]
        rates = _normalize(everything, normalize)[np.ix_(shown, shown)]
        if isinstance(order, str):
            if order not in _ORDERS:
                raise ValueError(
                    f"order must be one of {_ORDERS} or a list of labels, got {order!r}."
                )
            if order == "label":
                permutation, groups = np.arange(len(labels)), None
            elif order == "lookalike" and all(len(name) == 1 for name in names):
                permutation, groups = lookalike_order(names)
            elif order == "lookalike":  # no characters to group: label numbers stay in order
                permutation, groups = np.arange(len(labels)), None
            else:
                permutation, groups = cluster_order(counts)
        else:
            wanted = list(np.asarray(order).tolist())
            position = {label: k for k, label in enumerate(labels.tolist())}
            unknown = [label for label in wanted if label not in position]
            if unknown or sorted(wanted, key=str) != sorted(position, key=str):
                raise ValueError(
                    "order, when a list, must name every class label exactly once; "
                    f"unknown or missing: {unknown or sorted(set(position) - set(wanted), key=str)}."
                )
            permutation, groups = np.array([position[label] for label in wanted]), None
        values = rates[np.ix_(permutation, permutation)]
        display = cls(
            values,
            display_labels=[names[k] for k in permutation],
            groups=groups,
            normalize=normalize,
        )
        display.order_ = permutation
        display.labels_ = labels[permutation]
        return display.plot(ax=ax, **plot_kwargs)

    def plot(
        self,
        *,
        include_values="auto",
        cmap="Blues",
        color_scale="sqrt",
        values_format=None,
        min_value=None,
        ax=None,
        colorbar=True,
        title=None,
    ):
        """Draw the matrix.

        Parameters
        ----------
        include_values : {"auto", True, False}, default="auto"
            Write values in the cells. ``"auto"``: every non-zero cell up to
            30 classes; beyond, only off-diagonal cells of at least
            ``min_value`` (the confusions worth reading).
        cmap : str or Colormap, default="Blues"
        color_scale : {"sqrt", "linear", "log"}, default="sqrt"
            ``"sqrt"`` keeps rare confusions visible next to a strong diagonal.
        values_format : str, default=None
            Format of cell values; default: per cent without decimals for
            normalised matrices, integers for counts.
        min_value : float, default=None
            Smallest value written in a cell when ``include_values="auto"``
            and there are more than 30 classes, in the matrix's own unit.
            Default: 5 % of a class, whatever ``normalize`` means: 0.05 for
            ``"true"`` and ``"pred"`` (a row or a column sums to 1),
            ``0.05 / n_classes`` for ``"all"`` (the whole matrix sums to 1, so
            an average class's row to ``1 / n_classes``), and 5 % of the
            largest off-diagonal count for counts.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure sized to the number of classes when
            ``None``.
        colorbar : bool, default=True
        title : str, default=None

        Returns
        -------
        display : CharConfusionMatrixDisplay
        """
        plt = check_matplotlib(f"{type(self).__name__}.plot")
        from matplotlib import colors

        matrix = np.asarray(self.confusion_matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"confusion_matrix must be square, got shape {matrix.shape}.")
        n = matrix.shape[0]
        names = (
            [str(k) for k in range(n)] if self.display_labels is None else list(self.display_labels)
        )
        if len(names) != n:
            raise ValueError(
                f"display_labels has {len(names)} names for a {n}x{n} matrix; give one per class."
            )
        if ax is None:
            side = min(18.0, max(5.0, 0.24 * n + 2.5))
            fig, ax = plt.subplots(figsize=(side + (1.2 if colorbar else 0), side),
                                   layout="constrained")
        else:
            fig = ax.figure
        vmax = matrix.max() if matrix.max() > 0 else 1.0
        if color_scale == "sqrt":
            norm = colors.PowerNorm(gamma=0.5, vmin=0.0, vmax=vmax)
        elif color_scale == "log":
            positive = matrix[matrix > 0]
            vmin = positive.min() if positive.size else 1e-3
            # one value in every non-empty cell (a perfect classifier, normalised):
            # a decade of range, so that the scale and the colour bar are defined
            vmin = min(vmin, vmax / 10)
            norm = colors.LogNorm(vmin=vmin, vmax=vmax, clip=True)
        elif color_scale == "linear":
            norm = colors.Normalize(vmin=0.0, vmax=vmax)
        else:
            raise ValueError(
                f"color_scale must be 'sqrt', 'linear' or 'log', got {color_scale!r}."
            )
        self.im_ = ax.imshow(
            np.where(matrix > 0, matrix, np.nan) if color_scale == "log" else matrix,
            cmap=cmap,
            norm=norm,
            interpolation="nearest",
        )
        cmap_obj = self.im_.cmap

        normalized = self.normalize is not None
        if values_format is None:
            fmt = (lambda v: f"{100 * v:.0f}") if normalized else (lambda v: f"{v:.0f}")
        else:
            # counts are whole numbers: integer formats ("d") work on them, as in
            # scikit-learn's ConfusionMatrixDisplay
            fmt = lambda v: format(int(v) if not normalized and float(v).is_integer() else v,
                                   values_format)
        if include_values == "auto":
            if n <= 30:
                show = matrix > 0
            else:
                off = matrix.copy()
                np.fill_diagonal(off, 0)
                threshold = min_value
                if threshold is None:
                    threshold = {
                        None: 0.05 * max(off.max(), 1),
                        "all": 0.05 / n,  # an average class's row sums to 1 / n
                    }.get(self.normalize, 0.05)
                show = off >= threshold
                np.fill_diagonal(show, False)
        elif include_values in (True, False):
            show = np.full(matrix.shape, bool(include_values))
        else:
            raise ValueError(f"include_values must be 'auto', True or False, got {include_values!r}.")
        self.text_ = None
        if show.any():
            self.text_ = np.empty(matrix.shape, dtype=object)
            fontsize = 9 if n <= 15 else (7 if n <= 30 else 6.5)
            for i, j in zip(*np.nonzero(show)):
                value = matrix[i, j]
                r, g, b, _ = cmap_obj(float(np.ravel(norm(value))[0]))
                dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
                self.text_[i, j] = ax.text(
                    j, i, fmt(value), ha="center", va="center", fontsize=fontsize,
                    color="white" if dark else "black",
                )

        label_size = 11 if n <= 30 else 10
        ax.set_xticks(np.arange(n), labels=names, fontsize=label_size, family=CHARACTER_FONT)
        ax.set_yticks(np.arange(n), labels=names, fontsize=label_size, family=CHARACTER_FONT)
        ax.tick_params(axis="x", top=True, labeltop=True, bottom=True, labelbottom=True)
        ax.tick_params(axis="y", left=True, labelleft=True, right=True, labelright=n > 30)
        ax.tick_params(length=2, pad=1.5)
        # faint cell grid: rows and columns can be followed by eye at 62 classes
        ax.set_xticks(np.arange(n + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(n + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="0.85", linewidth=0.4)
        ax.tick_params(which="minor", length=0)
        ax.set_xlabel("predicted character")
        ax.set_ylabel("true character")
        if self.groups is not None and len(self.groups) > 1:
            start = -0.5
            for size in self.groups:
                if size > 1:  # frame groups with more than one character
                    ax.add_patch(
                        plt.Rectangle((start, start), size, size, fill=False,
                                      edgecolor="tab:orange", linewidth=1.2)
                    )
                start += size
        if colorbar:
            bar = fig.colorbar(self.im_, ax=ax, shrink=0.6, pad=0.02)
            bar.set_label(
                {
                    None: "count",
                    "true": "share of the true class (row sums to 1)",
                    "pred": "share of the predicted class (column sums to 1)",
                    "all": "share of all samples",
                }[self.normalize]
            )
            if normalized:
                bar.formatter = plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%")
                bar.update_ticks()
        if title is not None:
            ax.set_title(title)
        self.ax_ = ax
        self.figure_ = fig
        return self
