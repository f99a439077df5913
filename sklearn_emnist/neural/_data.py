"""Whole-array tensors and a batch iterator without per-sample Python work.

The images are converted to one float32 tensor ``(n, 1, 28, 28)`` once per
``fit`` / ``predict`` call; a batch is one fancy-indexing operation on it (no
per-sample ``__getitem__`` and no ``collate``), so the skorch loop costs about
what a hand-written PyTorch loop costs. Train-time augmentation runs on the
whole batch at once, in the training iterator only.
"""

import warnings

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = ["ImageTensorDataset", "BatchIterator", "batch_bounds"]


class ImageTensorDataset(Dataset):
    """Images, encoded labels and optional sample weights as whole tensors.

    Parameters
    ----------
    X : ndarray of shape (n, 28, 28), float32 in [0, 1]
    y : ndarray of shape (n,) of int or None
    sample_weight : ndarray of shape (n,) or None

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.neural._data import ImageTensorDataset
    >>> ds = ImageTensorDataset(np.zeros((3, 28, 28), np.float32), np.array([0, 1, 0]))
    >>> len(ds), tuple(ds.X.shape), ds.y.dtype
    (3, (3, 1, 28, 28), torch.int64)
    """

    def __init__(self, X, y=None, sample_weight=None):
        if isinstance(X, torch.Tensor):
            self.X = X
        else:
            X = np.ascontiguousarray(X, dtype=np.float32)
            with warnings.catch_warnings():
                # a read-only array (e.g. a memmap) is shared, not copied: nothing
                # here writes to the images (batches are new tensors or read-only views)
                warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
                self.X = torch.from_numpy(X).reshape(X.shape[0], 1, 28, 28)
        self.y = None if y is None else torch.as_tensor(np.asarray(y), dtype=torch.int64)
        self.sample_weight = (
            None if sample_weight is None
            else torch.as_tensor(np.asarray(sample_weight), dtype=torch.float32)
        )

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, index):
        X = self.X[index]
        if self.sample_weight is not None:
            X = {"X": X, "sample_weight": self.sample_weight[index]}
        y = self.y[index] if self.y is not None else torch.zeros((), dtype=torch.int64)
        return X, y

    def subset(self, index):
        """A new dataset holding the rows ``index`` (a copy)."""
        index = torch.as_tensor(np.asarray(index), dtype=torch.int64)
        out = ImageTensorDataset.__new__(ImageTensorDataset)
        out.X = self.X[index]
        out.y = None if self.y is None else self.y[index]
        out.sample_weight = None if self.sample_weight is None else self.sample_weight[index]
        return out


def batch_bounds(n_samples, batch_size, drop_last=False, merge_single=False):
    """Start and end of every batch of an epoch over ``n_samples`` samples.

    ``drop_last`` drops an incomplete last batch; ``merge_single`` lets a last
    batch of one sample join the batch before (batch norm cannot train on it).

    Examples
    --------
    >>> from sklearn_emnist.neural._data import batch_bounds
    >>> batch_bounds(9, 4), batch_bounds(9, 4, merge_single=True)
    ([(0, 4), (4, 8), (8, 9)], [(0, 4), (4, 9)])
    >>> batch_bounds(9, 4, drop_last=True)
    [(0, 4), (4, 8)]
    """
    stop = n_samples - n_samples % batch_size if drop_last else n_samples
    edges = [*range(0, stop, batch_size), stop]
    if merge_single and len(edges) > 2 and edges[-1] - edges[-2] == 1:
        del edges[-2]  # the lone last sample joins the batch before
    return list(zip(edges[:-1], edges[1:]))


class BatchIterator:
    """Iterate over an :class:`ImageTensorDataset` in mini-batches.

    Parameters
    ----------
    dataset : ImageTensorDataset
    batch_size : int, default=128
    shuffle : bool, default=False
        A new permutation each epoch, drawn from ``generator``.
    generator : torch.Generator or None
    augment : callable or None
        ``augment(images)`` on a float32 numpy batch ``(b, 28, 28)``, returning
        the same shape; applied to training batches only.
    drop_last : bool, default=False
    merge_single : bool, default=False
        Add a final batch of one sample to the batch before it (batch norm
        cannot train on a batch of one); the training iterator sets it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.neural._data import BatchIterator, ImageTensorDataset
    >>> ds = ImageTensorDataset(np.zeros((5, 28, 28), np.float32), np.arange(5))
    >>> [tuple(Xb.shape) for Xb, yb in BatchIterator(ds, batch_size=2)]
    [(2, 1, 28, 28), (2, 1, 28, 28), (1, 1, 28, 28)]
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, generator=None, augment=None,
                 drop_last=False, merge_single=False, **kwargs):
        if kwargs:
            raise TypeError(
                f"BatchIterator got unsupported DataLoader arguments {sorted(kwargs)}; "
                "to use them, set iterator_train=torch.utils.data.DataLoader explicitly."
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.augment = augment
        self.drop_last = drop_last
        self.merge_single = merge_single

    def _bounds(self):
        """Start and end of every batch."""
        return batch_bounds(len(self.dataset), self.batch_size, self.drop_last,
                            self.merge_single)

    def __len__(self):
        return len(self._bounds())

    def __iter__(self):
        ds = self.dataset
        n = len(ds)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else None
        for start, end in self._bounds():
            index = slice(start, end) if order is None else order[start:end]
            Xb = ds.X[index]
            if self.augment is not None:
                images = self.augment(Xb.numpy().reshape(-1, 28, 28))
                Xb = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
                Xb = Xb.reshape(-1, 1, 28, 28)
            # a plain skorch Dataset (skorch's forward) carries no weights
            sample_weight = getattr(ds, "sample_weight", None)
            if sample_weight is not None:
                Xb = {"X": Xb, "sample_weight": sample_weight[index]}
            yb = ds.y[index] if ds.y is not None else None
            yield Xb, yb
