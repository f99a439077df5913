"""A skorch checkpoint that writes every fit's files to a folder of its own."""

import os
import shutil
import warnings
import weakref

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
    writing to the folder of the fit it continues when it is *the same fit*:
    the same network object, with this same callback object, in the process
    that started the fit. A copy of a fitted network (pickled to a joblib or
    Dask worker, saved and loaded, ``copy.deepcopy``, inherited by a forked
    process) that trains on gets a folder of its own, first filled with a
    copy of the earlier folder's files, as they are when it starts, where
    this process can read them (so ``load_best=True`` can still restore
    an earlier epoch, and files named per epoch keep their history); copies
    of one fitted network fine-tuned in parallel, and the original, thus
    never write to the same folder. A network that trains on with a
    ``PerFitCheckpoint`` object last used by another network's fit gets a
    new, empty folder. Re-initialising the callbacks
    (``net.set_params(callbacks__PerFitCheckpoint__...)``, as
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
        starts from scratch, or when a copy of a fitted network trains on;
        kept by continued training of the same fit and by re-initialising
        the callbacks).

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
        """Refuse ``LoadInitState``; give a fit from scratch, or a copy of a
        fitted network that trains on, a folder of its own."""
        for _, callback in getattr(net, "callbacks_", ()):
            # any PerFitCheckpoint: clone (GridSearchCV) copies the one LoadInitState holds
            if isinstance(callback, LoadInitState) and isinstance(callback.checkpoint,
                                                                  PerFitCheckpoint):
                raise ValueError(_CANNOT_RESUME)
        earlier = getattr(self, "dirname_", None)
        owner = vars(self).get("_owner_")  # (pid, weakref to the net) of the fit it wrote for
        if not net.history or earlier is None:
            # a fit from scratch (or a first partial_fit); or a fitted net whose
            # callback never had a folder (set_params(callbacks=[...]) since)
            self.dirname_ = worker_scratch_dir(self.dirname or None, prefix="checkpoint")
        elif owner is None or owner[0] != os.getpid():
            # a copy of a fitted net (pickled, deep-copied, forked) trains on: never in
            # the folder it was copied from, which the original or another copy may
            # still write to; it starts with that folder's files
            self.dirname_ = worker_scratch_dir(self.dirname or None, prefix="checkpoint")
            self._seed_from(earlier)
        elif owner[1]() is not net:
            # this instance last wrote for another network: that one's folder and files
            self.dirname_ = worker_scratch_dir(self.dirname or None, prefix="checkpoint")
        # else: the same network, in the same process, continues its fit and folder
        # (_owner_ is not copied by pickle or deepcopy: see __getstate__)
        self._owner_ = (os.getpid(), weakref.ref(net))
        return super().on_train_begin(net, **kwargs)

    def _seed_from(self, earlier):
        """Copy the files of the folder a copied network wrote to into the new
        one, when this process can read it (another machine's local folder it
        cannot: the new folder then starts empty)."""
        if not os.path.isdir(earlier):
            return
        new = os.path.realpath(self.dirname_)

        def skip_the_new_folder(folder, names):  # when dirname was moved inside `earlier`
            return [n for n in names if os.path.realpath(os.path.join(folder, n)) == new]

        try:
            shutil.copytree(earlier, self.dirname_, ignore=skip_the_new_folder,
                            dirs_exist_ok=True)
        except (OSError, shutil.Error) as exc:
            warnings.warn(
                f"PerFitCheckpoint could not copy the earlier fit's files from {earlier!r} "
                f"to this fit's folder {self.dirname_!r} ({exc}); the files of the epochs "
                "this fit continues from are missing there, so load_best=True can only "
                "restore an epoch of this fit.",
                RuntimeWarning,
                stacklevel=3,
            )

    def __getstate__(self):
        # a copy (pickle, deepcopy, joblib / Dask workers) is not the fit's owner
        state = self.__dict__.copy()
        state.pop("_owner_", None)
        return state

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
