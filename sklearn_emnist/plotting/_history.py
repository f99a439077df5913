"""Training curves (loss and accuracy per epoch) from a skorch history."""

import numpy as np

from ._base import check_matplotlib

__all__ = ["TrainingCurvesDisplay"]

_DEFAULT_KEYS = ("train_loss", "valid_loss", "train_acc", "valid_acc")


def _history_records(history):
    """A list of per-epoch dicts from a skorch History, a list of dicts or a dict of lists."""
    if isinstance(history, dict):
        lengths = {len(v) for v in history.values()}
        if len(lengths) > 1:
            raise ValueError("history given as a dict of lists needs lists of equal length.")
        n = lengths.pop() if lengths else 0
        return [{key: values[k] for key, values in history.items()} for k in range(n)]
    try:
        records = [dict(epoch) for epoch in history]
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "history must be a skorch History (net.history), a list of per-epoch dicts, or a "
            f"dict of lists; got {type(history).__name__}."
        ) from exc
    return records


class TrainingCurvesDisplay:
    """Loss and accuracy per epoch of a neural network (a skorch history).

    Losses go in the left panel, accuracies in the right one; the epoch with
    the best validation loss is marked.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,)
    curves : dict of str -> ndarray of shape (n_epochs,)
        Metric name -> value per epoch (NaN where an epoch lacks it).

    Attributes
    ----------
    figure_ : matplotlib Figure
    axes_ : ndarray of matplotlib Axes
        ``[loss_axes, accuracy_axes]`` (one of them may be ``None``).
    ax_ : matplotlib Axes
        The loss axes (or the accuracy axes when no loss was recorded).
    lines_ : dict of str -> matplotlib Line2D

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_emnist.plotting import TrainingCurvesDisplay
    >>> history = [
    ...     {"epoch": 1, "train_loss": 1.2, "valid_loss": 1.0, "valid_acc": 0.7},
    ...     {"epoch": 2, "train_loss": 0.8, "valid_loss": 0.9, "valid_acc": 0.8},
    ... ]
    >>> display = TrainingCurvesDisplay.from_history(history)
    >>> sorted(display.lines_)
    ['train_loss', 'valid_acc', 'valid_loss']
    """

    def __init__(self, epochs, curves):
        self.epochs = epochs
        self.curves = curves

    @classmethod
    def from_estimator(cls, estimator, *, keys=None, ax=None, **plot_kwargs):
        """Plot the history of a fitted skorch net (``history_`` or ``history``).

        Also accepts a scikit-learn Pipeline whose last step is such a net.
        """
        net = estimator
        if hasattr(net, "steps"):  # Pipeline: the net is the final step
            net = net.steps[-1][1]
        history = getattr(net, "history_", None)
        if history is None:
            history = getattr(net, "history", None)
        if history is None or len(history) == 0:
            raise ValueError(
                f"{type(estimator).__name__} has no training history: fit it first, or pass a "
                "skorch net (CharCNNClassifier, LSTMRowClassifier, NeuralNetClassifier)."
            )
        return cls.from_history(history, keys=keys, ax=ax, **plot_kwargs)

    @classmethod
    def from_history(cls, history, *, keys=None, ax=None, **plot_kwargs):
        """Plot curves from a skorch ``History``, a list of dicts or a dict of lists.

        Parameters
        ----------
        history : skorch History, list of dict or dict of list
            One record per epoch.
        keys : sequence of str, default=None
            Metrics to draw; default: those of ``train_loss``, ``valid_loss``,
            ``train_acc``, ``valid_acc`` that were recorded.
        ax : matplotlib Axes or pair of Axes, default=None
            One Axes: accuracies go on a twin y axis. Two: losses, accuracies.
        """
        records = _history_records(history)
        if not records:
            raise ValueError("history is empty: no epoch recorded.")
        available = set().union(*records)
        if keys is None:
            keys = [key for key in _DEFAULT_KEYS if key in available]
            if not keys:
                raise ValueError(
                    f"history records none of {_DEFAULT_KEYS}; pass keys= from {sorted(available)}."
                )
        else:
            missing = [key for key in keys if key not in available]
            if missing:
                raise ValueError(
                    f"history has no {missing}; recorded keys are {sorted(available)}."
                )
        epochs = np.array([record.get("epoch", k + 1) for k, record in enumerate(records)])
        curves = {
            key: np.array([record.get(key, np.nan) for record in records], dtype=np.float64)
            for key in keys
        }
        return cls(epochs, curves).plot(ax=ax, **plot_kwargs)

    def plot(self, *, ax=None, title=None):
        """Draw the curves (see :meth:`from_history` for ``ax``)."""
        plt = check_matplotlib(f"{type(self).__name__}.plot")
        losses = [key for key in self.curves if "loss" in key]
        others = [key for key in self.curves if "loss" not in key]
        if ax is None:
            n_panels = int(bool(losses)) + int(bool(others))
            fig, axes = plt.subplots(1, n_panels, figsize=(5.5 * n_panels, 4), squeeze=False,
                                     layout="constrained")
            axes = list(axes[0])
            loss_ax = axes.pop(0) if losses else None
            other_ax = axes.pop(0) if others else None
        elif np.ndim(ax) == 0:
            fig = ax.figure
            loss_ax = ax if losses else None
            other_ax = (ax.twinx() if losses else ax) if others else None
        else:
            if len(ax) != 2:
                raise ValueError("ax must be one Axes or a pair (loss axes, accuracy axes).")
            loss_ax, other_ax = ax
            fig = loss_ax.figure
        self.lines_ = {}
        styles = {"train": "-", "valid": "--"}
        panels = ((loss_ax, losses, "loss"), (other_ax, others, _score_label(others)))
        for target, keys, ylabel in panels:
            if target is None or not keys:
                continue
            for key in keys:
                style = styles.get(key.split("_")[0], "-.")
                (line,) = target.plot(self.epochs, self.curves[key], style, marker="o",
                                      markersize=3, label=key)
                self.lines_[key] = line
            target.set_xlabel("epoch")
            target.set_ylabel(ylabel)
            target.grid(alpha=0.3)
            target.legend(loc="best", fontsize=9)
        if "valid_loss" in self.curves and np.isfinite(self.curves["valid_loss"]).any():
            best = int(np.nanargmin(self.curves["valid_loss"]))
            for target in (loss_ax, other_ax):
                if target is not None:
                    target.axvline(self.epochs[best], color="0.6", linestyle=":", linewidth=1)
            if loss_ax is not None:
                loss_ax.annotate(
                    f"best valid_loss\nepoch {self.epochs[best]}",
                    (self.epochs[best], self.curves["valid_loss"][best]),
                    textcoords="offset points", xytext=(6, 12), fontsize=8, color="0.3",
                )
        if len(self.epochs) <= 20:
            for target in (loss_ax, other_ax):
                if target is not None:
                    target.set_xticks(self.epochs)
        if title is not None:
            fig.suptitle(title)
        self.figure_ = fig
        self.axes_ = np.array([loss_ax, other_ax], dtype=object)
        self.ax_ = loss_ax if loss_ax is not None else other_ax
        return self


def _score_label(keys):
    """The y label of the axes of the curves that are not losses: "accuracy"
    when they all are, the key itself when it is alone, else "score"."""
    if keys and all("acc" in key for key in keys):
        return "accuracy"
    return keys[0] if len(keys) == 1 else "score"
