"""Callbacks used by the default callback list of the neural estimators."""

import re
import sys

import numpy as np
import torch
from skorch.callbacks import Callback, PrintLog
from skorch.utils import to_numpy

__all__ = ["BatchAccuracy", "DecodeLabels", "FreshBatchNormForValidation", "PlainPrintLog"]

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class DecodeLabels:
    """Target extractor for skorch's scoring callbacks: encoded labels decoded.

    The training loop works on labels encoded as ``0..K-1``; ``predict``
    returns the estimator's own labels (``classes_``). Given as the
    ``target_extractor`` of ``EpochScoring`` / ``BatchScoring``, it hands the
    scorer true labels of the same kind as the predictions. The estimators
    set it on scoring callbacks that keep skorch's default extractor.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn_emnist.neural._callbacks import DecodeLabels
    >>> DecodeLabels(np.array(["a", "b", "c"]))(torch.tensor([2, 0])).tolist()
    ['c', 'a']
    """

    def __init__(self, classes):
        self.classes = np.asarray(classes)

    def __call__(self, y):
        return self.classes[to_numpy(y)]


class BatchAccuracy(Callback):
    """Validation accuracy from the predictions the loop already made.

    skorch's ``EpochScoring("accuracy")`` calls ``net.predict`` on the
    validation data; these estimators decode labels in ``predict`` while the
    loop works on encoded labels, and the extra pass costs time, so this
    callback counts correct arg-max predictions batch by batch instead.
    """

    def __init__(self, name="valid_acc", on_train=False):
        self.name = name
        self.on_train = on_train

    def on_epoch_begin(self, net, **kwargs):
        self.correct_ = 0
        self.total_ = 0

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training != self.on_train or y_pred is None:
            return
        y_true = batch[1]
        if y_true is None:
            return
        with torch.no_grad():
            pred = y_pred.argmax(dim=1).cpu()
        self.correct_ += int((pred == y_true.cpu()).sum())
        self.total_ += len(y_true)

    def on_epoch_end(self, net, **kwargs):
        if self.total_:
            net.history.record(self.name, self.correct_ / self.total_)
            best = max(h.get(self.name, -1.0) for h in net.history)
            net.history.record(self.name + "_best", self.correct_ / self.total_ >= best)


class FreshBatchNormForValidation(Callback):
    """Recompute the batch-norm statistics before each epoch's validation pass.

    The running averages batch norm keeps during training trail the weights,
    so far after a few epochs of the one-cycle schedule that ``valid_loss``
    and ``valid_acc`` were near chance while the same weights, with the
    statistics ``fit`` recomputes at its end, predicted well. Before the
    first validation batch of an epoch this callback recomputes them on up to
    ``max_images`` training images, evenly spaced (no augmentation), so that
    the validation scores, and early stopping, judge the weights as
    ``predict`` will use them. The training itself is unchanged: the pass
    draws its random numbers (dropout) from a fixed seed of its own, and
    training batches normalise by their own statistics. Networks without
    batch norm (the LSTM) skip it.

    Parameters
    ----------
    max_images : int, default=2048
        Training images the statistics are computed from (all, if fewer).
    """

    def __init__(self, max_images=2048):
        self.max_images = max_images

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        self.dataset_train_ = dataset_train
        self.pending_ = dataset_train is not None

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training or not getattr(self, "pending_", False):
            return
        self.pending_ = False
        dataset = self.dataset_train_
        if hasattr(dataset, "subset") and len(dataset) > self.max_images:
            dataset = dataset.subset(np.linspace(0, len(dataset) - 1, self.max_images).astype(int))
        net._refresh_batch_norm(dataset, private_rng=True)

    def on_train_end(self, net, **kwargs):
        self.dataset_train_ = None  # the training images are not kept with the model


class PlainPrintLog(PrintLog):
    """skorch's epoch table, without its colour codes when stdout is not a
    terminal (a log file, a pipe, a notebook's captured output), where they
    showed as ``[32m2.7519[0m``. Every ``PrintLog`` parameter works as in
    skorch; a ``sink`` of your own gets the text as skorch writes it.
    """

    def _sink(self, text, verbose):
        if self.sink is print:
            text = plain_unless_terminal(text, sys.stdout)
        super()._sink(text, verbose)


def plain_unless_terminal(text, stream):
    """``text`` without ANSI colour codes, unless ``stream`` is a terminal."""
    return text if _is_terminal(stream) else _ANSI_ESCAPE.sub("", text)


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
