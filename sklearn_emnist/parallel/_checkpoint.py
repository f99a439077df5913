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


class _NoFolderError(ValueError, RuntimeError):
    """A PerFitCheckpoint's files asked for before any fit gave it a folder.

    A ``ValueError`` as documented for the ``LoadInitState`` pair (the only
    way a fit asks for them), and a ``RuntimeError`` as it has always been,
    much as scikit-learn's ``NotFittedError`` is both a ``ValueError`` and an
    ``AttributeError``.
    """


class PerFitCheckpoint(Checkpoint):
    """A skorch ``Checkpoint`` whose files never collide across parallel fits.

    skorch's :class:`~skorch.callbacks.Checkpoint` writes fixed file names
    (``params.pt``, ``history.json``, ...) into ``dirname``, so the fits of a
    ``GridSearchCV(n_jobs=...)``, or of a search on a Dask cluster, overwrite
    each other's files and ``load_best=True`` may restore another fit's
    weights (skorch issue #819). This callback creates a fresh folder inside
    ``dirname`` when a fit starts from scratch (named after the host, the
    process and a random suffix, see
    :func:`~sklearn_emnist.parallel.worker_scratch_dir`) and writes there;
    every other parameter behaves as in skorch. Training that continues the
    network (``warm_start=True``, ``partial_fit`` after the first call) keeps
    writing to the folder of the fit it continues, and re-initialising the
    callbacks (``net.set_params(callbacks__PerFitCheckpoint__...)``, as
    ``GridSearchCV`` does) creates no folder and keeps ``dirname_``: the last
    fit's files stay reachable, ``net.load_params(checkpoint=checkpoint)``.

    Since each fit starts in a new, empty folder, skorch's
    :class:`~skorch.callbacks.LoadInitState` would find nothing to resume
    from, so ``fit`` refuses it with a ``ValueError``, whether it holds the
    net's own ``PerFitCheckpoint`` or one that has no folder yet (as every
    clone, in a search). To resume a fit, give ``LoadInitState`` a plain
    ``Checkpoint`` of that fit's folder,
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
        The folder of the latest fit, which it writes to (set when a fit
        starts from scratch; kept by continued training and by
        re-initialising the callbacks).

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
        """Check the file names; the folder comes when a fit starts.

        skorch calls this on every ``set_params(callbacks__...)`` too, even of
        an unfitted net, so creating the folder here would leave empty ones
        behind and point ``dirname_`` away from the last fit's files.
        """
        self._validate_filenames()
        return self

    def on_train_begin(self, net, **kwargs):
        """Refuse ``LoadInitState``; give a fit from scratch its own folder."""
        for _, callback in getattr(net, "callbacks_", ()):
            # any PerFitCheckpoint: clone (GridSearchCV) copies the one LoadInitState holds
            if isinstance(callback, LoadInitState) and isinstance(callback.checkpoint,
                                                                  PerFitCheckpoint):
                raise ValueError(_CANNOT_RESUME)
        # an empty history: fit from scratch (or a first partial_fit); otherwise
        # warm_start / partial_fit continue the fit, and its folder, unless this
        # instance never had one (a fitted net's clone or copy)
        if not net.history or getattr(self, "dirname_", None) is None:
            self.dirname_ = worker_scratch_dir(self.dirname or None, prefix="checkpoint")
        return super().on_train_begin(net, **kwargs)

    def _format_target(self, net, f, idx):
        if f is None or not isinstance(f, str):
            return f
        folder = self._folder()  # before the history: LoadInitState asks with an empty one
        name = self.fn_prefix + f.format(
            net=net,
            last_epoch=net.history[idx],
            last_batch=net.history[idx, "batches", -1],
        )
        return os.path.join(folder, name)

    @property
    def f_history_(self):
        if self.f_history is None:
            return None
        return os.path.join(self._folder(), self.fn_prefix + self.f_history)

    def _folder(self):
        folder = getattr(self, "dirname_", None)
        if folder is None:
            raise _NoFolderError(
                "PerFitCheckpoint has no folder yet: it is created when a fit starts "
                "(net.fit(...)), and a clone has none. If LoadInitState asked: "
                + _CANNOT_RESUME
            )
        return folder
