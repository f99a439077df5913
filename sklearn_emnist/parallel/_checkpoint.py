"""A skorch checkpoint that writes every fit's files to a folder of its own."""

import os

from skorch.callbacks import Checkpoint, LoadInitState

from ._dask import worker_scratch_dir

__all__ = ["PerFitCheckpoint"]

_CANNOT_RESUME = (
    "LoadInitState cannot resume from a PerFitCheckpoint: each fit writes to a new, empty "
    "folder. To resume a fit, give LoadInitState a plain Checkpoint of that fit's folder: "
    "LoadInitState(Checkpoint(dirname=<the earlier fit's PerFitCheckpoint.dirname_>))."
)


class PerFitCheckpoint(Checkpoint):
    """A skorch ``Checkpoint`` whose files never collide across parallel fits.

    skorch's :class:`~skorch.callbacks.Checkpoint` writes fixed file names
    (``params.pt``, ``history.json``, ...) into ``dirname``, so the fits of a
    ``GridSearchCV(n_jobs=...)``, or of a search on a Dask cluster, overwrite
    each other's files and ``load_best=True`` may restore another fit's
    weights (skorch issue #819). This callback creates a fresh folder inside
    ``dirname`` each time the network is initialised (named after the host,
    the process and a random suffix, see
    :func:`~sklearn_emnist.parallel.worker_scratch_dir`) and writes there;
    every other parameter behaves as in skorch.

    Since each fit starts in a new, empty folder, skorch's
    :class:`~skorch.callbacks.LoadInitState` would find nothing to resume
    from, so ``fit`` refuses the pair with a ``ValueError``. To resume a fit,
    give ``LoadInitState`` a plain ``Checkpoint`` of that fit's folder,
    ``Checkpoint(dirname=checkpoint.dirname_)``. The folders stay after their
    fit, as skorch's files do: remove ``dirname`` when you no longer need
    them.

    Parameters
    ----------
    dirname : str, default=""
        Parent folder of the per-fit folders; ``""`` uses the system's
        temporary folder. On a multi-machine cluster, give a shared file
        system path to keep the files reachable from the client.
    **kwargs
        Every other :class:`skorch.callbacks.Checkpoint` parameter
        (``monitor``, ``f_params``, ``f_optimizer``, ``f_history``,
        ``load_best``, ``event_name``, ...).

    Attributes
    ----------
    dirname_ : str
        The folder this fit writes to (set when the network is initialised).

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sklearn_emnist.neural import CharCNNClassifier
    >>> from sklearn_emnist.parallel import PerFitCheckpoint
    >>> parent = tempfile.mkdtemp()
    >>> X = np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    >>> y = np.arange(20) % 2
    >>> net = CharCNNClassifier(
    ...     architecture="seed", max_epochs=1, random_state=0, verbose=0,
    ...     callbacks=[PerFitCheckpoint(dirname=parent, monitor=None)],
    ... ).fit(X, y)
    >>> folder = dict(net.callbacks_)["PerFitCheckpoint"].dirname_
    >>> os.path.dirname(folder) == parent, sorted(os.listdir(folder))
    (True, ['criterion.pt', 'history.json', 'optimizer.pt', 'params.pt'])
    >>> import shutil; shutil.rmtree(parent)
    """

    def __init__(self, *, dirname="", **kwargs):
        super().__init__(dirname=dirname, **kwargs)

    def initialize(self):
        """Check the file names and create this fit's own folder."""
        self._validate_filenames()
        self.dirname_ = worker_scratch_dir(self.dirname or None, prefix="checkpoint")
        return self

    def on_train_begin(self, net, **kwargs):
        for _, callback in getattr(net, "callbacks_", ()):
            # any PerFitCheckpoint: clone (GridSearchCV) copies the one LoadInitState holds
            if isinstance(callback, LoadInitState) and isinstance(callback.checkpoint,
                                                                  PerFitCheckpoint):
                raise ValueError(_CANNOT_RESUME)
        return super().on_train_begin(net, **kwargs)

    def _format_target(self, net, f, idx):
        if f is None or not isinstance(f, str):
            return f
        name = self.fn_prefix + f.format(
            net=net,
            last_epoch=net.history[idx],
            last_batch=net.history[idx, "batches", -1],
        )
        return os.path.join(self._folder(), name)

    @property
    def f_history_(self):
        if self.f_history is None:
            return None
        return os.path.join(self._folder(), self.fn_prefix + self.f_history)

    def _folder(self):
        folder = getattr(self, "dirname_", None)
        if folder is None:
            raise RuntimeError(
                "PerFitCheckpoint has no folder yet: it is created when the network "
                "is initialised (net.initialize() or net.fit(...)). If LoadInitState asked: "
                + _CANNOT_RESUME
            )
        return folder
