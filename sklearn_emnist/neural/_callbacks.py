"""Callbacks used by the default callback list of the neural estimators."""

import numpy as np
import torch
from skorch.callbacks import Callback
from skorch.utils import to_numpy

__all__ = ["BatchAccuracy", "DecodeLabels"]


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
