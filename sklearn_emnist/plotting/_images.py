"""Grids of character images: samples with their labels, and the worst errors."""

import numpy as np

from ..metrics._labels import check_label_arrays
from ..utils import check_images
from ._base import CHARACTER_FONT, check_matplotlib, label_names, make_axes_grid

__all__ = ["SampleImagesDisplay", "WorstErrorsDisplay"]

_RIGHT = "tab:green"
_WRONG = "tab:red"


def _check_n_images(n_images, caller):
    if not isinstance(n_images, (int, np.integer)) or n_images < 1:
        raise ValueError(f"{caller}: n_images must be a positive integer, got {n_images!r}.")


def _draw_grid(display, plt, *, ax, ncols, cmap, caller):
    images = display.images
    n = len(images)
    fig, axes = make_axes_grid(plt, n, ax=ax, ncols=ncols, caller=caller)
    for k, axis in enumerate(axes.flat):
        axis.set_xticks([])
        axis.set_yticks([])
        if k >= n:
            axis.set_axis_off()
            continue
        axis.imshow(images[k], cmap=cmap, vmin=0, vmax=255, interpolation="nearest")
        title, color = display._title(k)
        axis.set_title(title, fontsize=9, color=color, pad=2, linespacing=1.0,
                       family=CHARACTER_FONT)
        for spine in axis.spines.values():
            spine.set_edgecolor(color)
            spine.set_linewidth(1.5 if color != "black" else 0.5)
    display.figure_ = fig
    display.axes_ = axes
    display.ax_ = axes
    return display


class SampleImagesDisplay:
    """A grid of character images titled with their true and predicted labels.

    Correct predictions are framed green, wrong ones red. Images are shown
    upright, ink dark on a light background.

    Parameters
    ----------
    images : array-like of shape (n_images, 784) or (n_images, 28, 28)
        Upright images (see :func:`sklearn_emnist.utils.check_images`).
    true_names : sequence of str, default=None
        Name of each image's true class.
    pred_names : sequence of str, default=None
        Name of each image's predicted class.

    Attributes
    ----------
    figure_ : matplotlib Figure
    axes_ : ndarray of matplotlib Axes, shape (n_rows, n_cols)
    ax_ : ndarray of matplotlib Axes
        The same array as ``axes_`` (scikit-learn's attribute name).
    indices_ : ndarray of int
        Set by the ``from_*`` constructors: the rows of ``X`` shown.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_emnist.plotting import SampleImagesDisplay
    >>> X = np.zeros((4, 28, 28), dtype=np.uint8)
    >>> display = SampleImagesDisplay.from_predictions(
    ...     X, ["a", "b", "c", "d"], ["a", "b", "c", "a"], n_images=4)
    >>> display.axes_.shape, display.axes_[1, 1].get_title()
    ((2, 2), 'true d\\npred a')
    """

    def __init__(self, images, *, true_names=None, pred_names=None):
        self.images = images
        self.true_names = true_names
        self.pred_names = pred_names

    @classmethod
    def from_estimator(
        cls, estimator, X, y=None, *, target_names=None, n_images=36, which="all",
        random_state=0, ax=None, **plot_kwargs,
    ):
        """Predict ``X`` with ``estimator`` and show a sample of images.

        ``target_names`` defaults to ``estimator.target_names_`` when present.
        Other parameters: see :meth:`from_predictions`.
        """
        if target_names is None:
            target_names = getattr(estimator, "target_names_", None)
        y_pred = estimator.predict(X)
        return cls.from_predictions(
            X, y, y_pred, classes=getattr(estimator, "classes_", None),
            target_names=target_names, n_images=n_images, which=which,
            random_state=random_state, ax=ax, **plot_kwargs,
        )

    @classmethod
    def from_predictions(
        cls, X, y_true=None, y_pred=None, *, classes=None, target_names=None, n_images=36,
        which="all", random_state=0, ax=None, **plot_kwargs,
    ):
        """Show a sample of images with true and/or predicted labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
            Upright images.
        y_true, y_pred : array-like of shape (n_samples,), default=None
            Labels; either may be ``None`` (no title line for it).
        classes : array-like of shape (n_classes,), default=None
            Every label (an estimator's ``classes_``): a sequence of
            ``target_names`` names them in this order.
        target_names : sequence of str or mapping, default=None
            Character names of the labels; a label a mapping has no entry
            for is named by itself, ``str(label)``.
        n_images : int, default=36
            How many images to show (fewer if fewer are available).
        which : {"all", "errors", "correct"}, default="all"
            Draw from every image, the misclassified ones, or the correct ones
            (the last two need both label arrays).
        random_state : int or None, default=0
            Seed of the sample; ``None`` shows the first images in order.
        ax : array of matplotlib Axes, default=None
        **plot_kwargs
            Passed to :meth:`plot`.
        """
        caller = f"{cls.__name__}.from_predictions"
        _check_n_images(n_images, caller)
        images = check_images(X, dtype=np.uint8, estimator=cls.__name__)
        n = len(images)
        arrays = {}
        for name, y in (("y_true", y_true), ("y_pred", y_pred)):
            if y is not None:
                y = np.asarray(y)
                if y.shape != (n,):
                    raise ValueError(
                        f"{caller}: {name} has shape {y.shape}; expected ({n},), one label per image."
                    )
                arrays[name] = y
        if len(arrays) == 2:  # same kind of label in both, or a clear error
            check_label_arrays(arrays["y_true"], arrays["y_pred"])
        if which not in ("all", "errors", "correct"):
            raise ValueError(f"which must be 'all', 'errors' or 'correct', got {which!r}.")
        candidates = np.arange(n)
        if which != "all":
            if len(arrays) != 2:
                raise ValueError(f"{caller}: which={which!r} needs both y_true and y_pred.")
            wrong = arrays["y_true"] != arrays["y_pred"]
            candidates = np.flatnonzero(wrong if which == "errors" else ~wrong)
            if candidates.size == 0:
                raise ValueError(f"{caller}: there are no {which} predictions to show.")
        if random_state is not None:
            candidates = np.random.default_rng(random_state).permutation(candidates)
        chosen = np.sort(candidates[:n_images]) if random_state is None else candidates[:n_images]
        names = (label_names(*arrays.values(), classes=classes, target_names=target_names)
                 if arrays else {})

        def _names(key):
            if key not in arrays:
                return None
            return [names[label] for label in arrays[key][chosen].tolist()]

        display = cls(images[chosen], true_names=_names("y_true"), pred_names=_names("y_pred"))
        display.indices_ = chosen
        return display.plot(ax=ax, **plot_kwargs)

    def _title(self, k):
        lines = []
        if self.true_names is not None:
            lines.append(f"true {self.true_names[k]}")
        if self.pred_names is not None:
            lines.append(f"pred {self.pred_names[k]}")
        color = "black"
        if self.true_names is not None and self.pred_names is not None:
            color = _RIGHT if self.true_names[k] == self.pred_names[k] else _WRONG
        return "\n".join(lines), color

    def plot(self, *, ax=None, ncols=None, cmap="gray_r"):
        """Draw the grid.

        Parameters
        ----------
        ax : array of matplotlib Axes, default=None
            At least as many Axes as images; a new figure when ``None``.
        ncols : int, default=None
            Columns of the grid (default: about a square).
        cmap : str, default="gray_r"
            ``"gray_r"`` shows ink dark on light; ``"gray"`` as stored.
        """
        plt = check_matplotlib(f"{type(self).__name__}.plot")
        self.images = check_images(self.images, dtype=np.uint8, estimator=type(self).__name__)
        return _draw_grid(self, plt, ax=ax, ncols=ncols, cmap=cmap, caller=type(self).__name__)


class WorstErrorsDisplay:
    """The most confident wrong predictions: what the model is surest about and wrong.

    Each image is titled with its true character, the predicted one and the
    probability given to it, and the probability left for the true class.

    Parameters
    ----------
    images : array-like of shape (n_images, 784) or (n_images, 28, 28)
    true_names, pred_names : sequence of str
    confidences : sequence of float
        Probability of the predicted class.
    true_probabilities : sequence of float, default=None
        Probability of the true class.

    Attributes
    ----------
    figure_ : matplotlib Figure
    axes_ : ndarray of matplotlib Axes
    ax_ : ndarray of matplotlib Axes (same as ``axes_``)
    indices_ : ndarray of int
        Set by the ``from_*`` constructors: rows of ``X`` shown, worst first.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_emnist.plotting import WorstErrorsDisplay
    >>> X = np.zeros((3, 784), dtype=np.uint8)
    >>> proba = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8]])
    >>> display = WorstErrorsDisplay.from_predictions(
    ...     X, [1, 0, 0], proba, target_names=["l", "1"])
    >>> display.indices_.tolist()
    [0, 2, 1]
    >>> print(display.axes_[0, 0].get_title())
    true 1 → l
    p=90% (1: 10%)
    """

    def __init__(self, images, *, true_names, pred_names, confidences, true_probabilities=None):
        self.images = images
        self.true_names = true_names
        self.pred_names = pred_names
        self.confidences = confidences
        self.true_probabilities = true_probabilities

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, target_names=None, n_images=25, ax=None, **plot_kwargs
    ):
        """Show the most confident mistakes of ``estimator`` on ``(X, y)``.

        The estimator needs ``predict_proba`` and ``classes_``. ``target_names``
        defaults to ``estimator.target_names_`` when present. Samples of a
        class the estimator never saw are errors it gives probability 0 to
        their class, and are shown as such (see :meth:`from_predictions`).
        """
        if not hasattr(estimator, "predict_proba"):
            raise TypeError(
                f"{cls.__name__} ranks errors by predicted probability, but "
                f"{type(estimator).__name__} has no predict_proba. Use a probabilistic "
                "classifier (KNeighborsClassifier, CharCNNClassifier, LogisticRegression; "
                "SVC(probability=True)), or SampleImagesDisplay(which='errors') instead."
            )
        if target_names is None:
            target_names = getattr(estimator, "target_names_", None)
        proba = estimator.predict_proba(X)
        return cls.from_predictions(
            X, y, proba, classes=estimator.classes_, target_names=target_names,
            n_images=n_images, ax=ax, **plot_kwargs,
        )

    @classmethod
    def from_predictions(
        cls, X, y_true, y_proba, *, classes=None, target_names=None, n_images=25, ax=None,
        **plot_kwargs,
    ):
        """Show the most confident mistakes given predicted probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
            Upright images.
        y_true : array-like of shape (n_samples,)
            True labels.
        y_proba : array-like of shape (n_samples, n_classes)
            Predicted probabilities, columns in the order of ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Label of each column (an estimator's ``classes_``); default
            ``0..n_classes-1``. A label of ``y_true`` that is not in
            ``classes`` is a class the estimator never saw: it gives it
            probability 0, so its samples are errors, shown with ``0%`` for
            their true class (named by the label itself when ``target_names``
            name ``classes`` one by one). Without ``classes``, such a label
            is refused: the columns' labels are then only a guess.
        target_names : sequence of str or mapping, default=None
            Character names of the labels; a label a mapping has no entry
            for is named by itself, ``str(label)``.
        n_images : int, default=25
            How many errors to show at most.
        ax : array of matplotlib Axes, default=None
        **plot_kwargs
            Passed to :meth:`plot`.

        Raises
        ------
        ValueError
            On probabilities of the wrong shape or not finite, labels of
            ``y_true`` outside the default ``classes`` (``0..n_classes-1``),
            labels of another kind than ``classes`` (strings and numbers),
            or when no prediction is wrong.
        """
        caller = f"{cls.__name__}.from_predictions"
        _check_n_images(n_images, caller)
        images = check_images(X, dtype=np.uint8, estimator=cls.__name__)
        y_true = np.asarray(y_true)
        proba = np.asarray(y_proba, dtype=np.float64)
        n = len(images)
        if proba.ndim != 2 or proba.shape[0] != n:
            raise ValueError(
                f"{caller}: y_proba must have shape (n_samples, n_classes) = ({n}, ...), got "
                f"{proba.shape}; pass estimator.predict_proba(X), not predict(X)."
            )
        if not np.isfinite(proba).all():
            rows = np.flatnonzero(~np.isfinite(proba).all(axis=1))
            raise ValueError(
                f"{caller}: y_proba holds NaN or infinite values (rows {rows[:10].tolist()}); "
                "pass finite probabilities, such as estimator.predict_proba(X)."
            )
        if y_true.shape != (n,):
            raise ValueError(f"{caller}: y_true has shape {y_true.shape}; expected ({n},).")
        default_classes = classes is None
        classes = np.arange(proba.shape[1]) if default_classes else np.asarray(classes)
        if classes.shape != (proba.shape[1],):
            raise ValueError(
                f"{caller}: classes has {classes.shape[0]} labels for {proba.shape[1]} "
                "probability columns."
            )
        column_of = {label: k for k, label in enumerate(classes.tolist())}
        unknown = sorted(set(y_true.tolist()) - set(column_of), key=str)
        if unknown and default_classes:
            raise ValueError(
                f"{caller}: y_true has labels {unknown[:10]} outside the default classes "
                f"0..{proba.shape[1] - 1} (one per column of y_proba); pass the label of each "
                "column as classes (an estimator's classes_)."
            )
        # the names first: they refuse labels of another kind than classes
        names = label_names(y_true, classes=classes, target_names=target_names)
        predicted_column = proba.argmax(axis=1)
        # a class the estimator never saw has no column: probability 0, always wrong
        true_column = np.array([column_of.get(label, -1) for label in y_true.tolist()])
        true_probability = np.where(
            true_column >= 0, proba[np.arange(n), np.maximum(true_column, 0)], 0.0
        )
        wrong = np.flatnonzero(predicted_column != true_column)
        confidence = proba[np.arange(n), predicted_column]
        # most confident first; ties keep the input order
        worst = wrong[np.argsort(-confidence[wrong], kind="stable")][:n_images]
        display = cls(
            images[worst],
            true_names=[names[label] for label in y_true[worst].tolist()],
            pred_names=[names[label] for label in classes[predicted_column[worst]].tolist()],
            confidences=confidence[worst],
            true_probabilities=true_probability[worst],
        )
        display.indices_ = worst
        if worst.size == 0:
            raise ValueError(f"{caller}: no wrong predictions among the {n} images; nothing to show.")
        return display.plot(ax=ax, **plot_kwargs)

    def _title(self, k):
        title = f"true {self.true_names[k]} → {self.pred_names[k]}\np={self.confidences[k]:.0%}"
        if self.true_probabilities is not None:
            title += f" ({self.true_names[k]}: {self.true_probabilities[k]:.0%})"
        return title, _WRONG

    def plot(self, *, ax=None, ncols=None, cmap="gray_r"):
        """Draw the gallery (parameters as :meth:`SampleImagesDisplay.plot`)."""
        plt = check_matplotlib(f"{type(self).__name__}.plot")
        self.images = check_images(self.images, dtype=np.uint8, estimator=type(self).__name__)
        return _draw_grid(self, plt, ax=ax, ncols=ncols, cmap=cmap, caller=type(self).__name__)
