"""``CharCNNClassifier``: a convolutional network that fits like a scikit-learn classifier."""

import torch

from ._base import NeuralImageClassifier
from ._modules import DeepCNN, SeedCNN, SmallResNet

__all__ = ["CharCNNClassifier"]


class CharCNNClassifier(NeuralImageClassifier):
    """Convolutional network classifier for 28x28 character images (skorch based).

    A :class:`skorch.NeuralNetClassifier` with the scikit-learn contract in
    full: any label type, images as flat ``(n, 784)``, ``(n, 28, 28)`` or
    ``(n, 1, 28, 28)`` arrays of uint8 (0..255) or float (0..1),
    ``class_weight``, ``sample_weight``, ``random_state``, cloning, pickling,
    Pipeline and GridSearchCV. skorch's routing prefixes (``module__``,
    ``optimizer__``, ``criterion__``, ``callbacks__``, ``iterator_train__``,
    ...) work as in skorch.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        A custom network; ``None`` builds ``architecture``. A class receives
        ``n_classes`` when its ``__init__`` accepts it, plus ``module__*``
        parameters. An instance is copied by every fit from scratch, which
        starts from its weights: the instance itself is never trained.
    architecture : {"deep", "deep-se", "resnet", "seed"}, default="deep"
        ``"seed"``: the seed CNN exactly (Conv32-Pool-Conv64-Pool-Conv64-
        Dense128); ``"deep"``: VGG-style 3x3 conv blocks with batch norm and
        dropout (:class:`~sklearn_emnist.neural.DeepCNN`); ``"deep-se"``: the
        same with squeeze-and-excitation attention; ``"resnet"``: a small
        ResNet (:class:`~sklearn_emnist.neural.SmallResNet`). Tune sizes with
        ``module__channels=...``, ``module__dropout=...``.
    class_weight : dict, "balanced" or None, default=None
        Weights multiplying each sample's loss by its class's weight, computed
        exactly as scikit-learn's ``LogisticRegression`` does
        (:func:`sklearn.utils.class_weight.compute_class_weight`; ``"balanced"``
        counts each class's ``sample_weight`` when ``fit`` is given one): dict
        keys are the labels as given in ``y``. ``partial_fit`` refuses
        ``"balanced"``, as scikit-learn's incremental classifiers do. Both
        weights need per-sample losses: pass ``criterion`` as a class (an
        instance that averages its loss itself is refused).
    augment : bool, "affine", dict or callable, default=True
        Train-time augmentation of every training batch (never at predict
        time): ``True`` / ``"affine"`` applies
        :func:`sklearn_emnist.augmentation.random_affine` with its defaults, a
        dict passes keyword arguments to it, a callable is called as
        ``augment(images, random_state=rng)`` on float32 ``(b, 28, 28)`` arrays.
    lr_schedule : {"onecycle", "cosine", "step", "constant"}, callable or None, \
            default="onecycle"
        Learning-rate schedule stepped every batch over ``max_epochs``;
        ``lr`` is the peak learning rate. A callable maps progress in [0, 1]
        to a factor of ``lr``. Every ``fit`` / ``partial_fit`` call runs the
        whole schedule over its ``max_epochs`` (a warm start starts it again,
        from the current ``lr``).
    early_stopping : bool or int, default=False
        Stop when the validation loss has not improved for 5 (or the given
        number of) epochs, and restore the best weights (kept in memory: no
        checkpoint files, safe under ``GridSearchCV(n_jobs=...)``).
    validation_fraction : float in (0, 1) or None, default=None
        Size of the stratified validation split carved from the training
        data (``valid_loss`` / ``valid_acc`` in the history). ``None`` means
        0.1 with early stopping and no split otherwise. A class's only image
        stays in training; a split too small to give every class its share
        is a plain random split of all images, with a warning.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling, the validation split
        and augmentation. Results are reproducible on the same machine and
        device with the same number of threads: the thread count changes how
        sums are rounded (probabilities differed by up to 3e-4 between one
        and two threads). With the
        default ``n_threads=None`` that count follows joblib, so a fit inside
        ``GridSearchCV(n_jobs=2)`` can differ slightly from the same fit
        outside it; set ``n_threads`` for fits that must match. A fit seeds
        torch's global RNG for its duration and then restores the caller's
        state, so a fit in one thread leaves it untouched. That RNG is
        process-wide: fits running at the same time in threads of one
        process (joblib's ``threading`` backend, a Dask
        ``LocalCluster(processes=False)``) draw from it together, so their
        results are **not reproducible**, even with ``n_threads=1``, and
        they change the caller's RNG. Use processes (joblib's default
        ``loky`` backend) for reproducible parallel fits.
    n_threads : int or None, default=None
        torch threads during fit / predict (restored afterwards). ``None``:
        the limit a joblib parent exported (``OMP_NUM_THREADS``), else all
        cores; so ``GridSearchCV(n_jobs=2)`` does not oversubscribe. torch's
        thread count and random number generator are process-wide: run
        parallel fits in processes (joblib's default ``loky`` backend), not
        with the ``threading`` backend, whose fits are not reproducible (see
        ``random_state``).
    init_from : fitted estimator, state dict, path or None, default=None
        Transfer learning: initialise every layer except the output layer
        ``classifier`` from a model fitted on another split (e.g. digits),
        then train on this data. Same architecture and ``module__`` settings
        required. A path is a model file written by
        :func:`~sklearn_emnist.deploy.save_model` (loading it runs code: only
        files you trust), a folder written by
        :func:`~sklearn_emnist.deploy.save_weights` or a file of weights
        (``save_params(f_params=...)``, ``torch.save(module.state_dict())``). Because ``clone`` (GridSearchCV) returns *unfitted* copies
        of estimator-valued parameters, pass ``model.module_.state_dict()``
        where the estimator will be cloned.
    channels_last : bool, default=True
        Use the channels-last memory format for weights and batches: a
        training step of the default network took 0.59-0.7x the time on this
        2-core CPU (``benchmarks/bench_neural.py speed``).
    predict_batch_size : int, default=256
        Batch size for predict and validation (``iterator_valid__batch_size``
        overrides it); 128-256 predicted 1.6-1.9x more images per second than
        1024 here (smaller activations stay in cache).
    label_smoothing : float in [0, 1), default=0.1
        Label smoothing of the cross-entropy loss (``criterion__label_smoothing``
        overrides it).
    precision : {"float32", "bfloat16"}, default="float32"
        Number format of the network's forward pass. ``"bfloat16"`` runs it
        under :class:`torch.autocast` (the weights, the optimizer's state,
        the loss and ``predict_proba`` stay float32). It pays on CPUs with
        bfloat16 units (Intel AMX or AVX-512 BF16): on a Sapphire Rapids
        Xeon, fit took 0.71x float32's time (0.75x with two threads) and
        predict 0.48x. Elsewhere the format is emulated and slower. Trained
        in bfloat16, the recipes scored within 0.15 point of float32; the
        default recipe's float32 weights predicted in bfloat16 gave
        probabilities within 0.008 of float32's and the same label for
        99.94 % of its validation letters. ONNX export and
        :func:`~sklearn_emnist.deploy.quantize_dynamic` compute in float32.
    optimizer : torch optimizer class, default=torch.optim.AdamW
    lr : float, default=0.003
        Peak learning rate.
    max_epochs : int, default=16
    batch_size : int, default=128
    device : str, default="auto"
        ``"auto"``: CUDA when available, else CPU. Pickled models load on a
        CPU-only machine.
    verbose : int, default=1
        0: silent; 1: one line per epoch; 2: also a progress bar.
    **kwargs
        Any other :class:`skorch.NeuralNetClassifier` parameter or routed
        ``prefix__name`` parameter. skorch's scoring callbacks
        (``EpochScoring``, ``BatchScoring``) score the estimator's own labels,
        as ``predict`` returns them. skorch's ``classes`` (all labels, given
        up front) sets ``classes_`` in its order; unsorted, it warns, as
        scikit-learn's probability scorers assume sorted ``classes_``. Leave
        it ``None`` inside meta-estimators that encode ``y`` to 0..K-1
        themselves (``cross_val_predict`` with ``predict_proba``,
        ``VotingClassifier``, ``StackingClassifier``, ``BaggingClassifier``,
        ``OneVsRestClassifier``): they fit with codes the parameter lacks.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        784.
    feature_names_in_ : ndarray of shape (784,)
        Column names of a DataFrame given to ``fit`` (only then); ``predict``
        checks them as scikit-learn's estimators do.
    class_weight_ : ndarray of shape (n_classes,) or None
        Weight of each class in the loss (``None`` without class_weight).
    n_threads_ : int
        torch threads used by the last fit.
    module_ : torch.nn.Module
    history_ : skorch.History

    Notes
    -----
    *Transfer learning* is a constructor parameter, so it composes with
    Pipeline, clone and GridSearchCV::

        digits = CharCNNClassifier().fit(X_digits, y_digits)
        letters = CharCNNClassifier(init_from=digits.module_.state_dict(),
                                    lr=1e-3, max_epochs=3).fit(X_letters, y_letters)

    Every tensor except the output layer ``classifier`` is copied; the
    output layer is new, sized for the classes of ``y``.

    *Speed on CPU*: the images are converted to one float32 tensor per call
    and batches are slices of it (no per-sample ``__getitem__``), so the
    training loop costs about what a hand-written PyTorch loop over the same
    batches costs (1.02-1.05x under tcmalloc; ``benchmarks/bench_neural.py
    overhead``; the user guide's "Training fast on a CPU" says why glibc's
    malloc blurs that figure and how to avoid it). ``n_threads=None``
    gives each joblib worker its share of the cores.

    *Presets*: :func:`sklearn_emnist.neural.make_recipe` builds the seed
    recipe (``"cnn-seed"``: the seed CNN, Adam 1e-3, 10 epochs, no
    augmentation) and the tuned default (``"cnn-deep"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist import CharCNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    >>> y = np.array(["a", "b"] * 20)
    >>> clf = CharCNNClassifier(architecture="seed", max_epochs=1, verbose=0,
    ...                         random_state=0).fit(X, y)
    >>> clf.classes_
    array(['a', 'b'], dtype='<U1')
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape
    ((3,), (3, 2))
    """

    _architectures = {
        "seed": (SeedCNN, {}),
        "deep": (DeepCNN, {}),
        "deep-se": (DeepCNN, {"attention": True}),
        "resnet": (SmallResNet, {}),
    }

    def __init__(
        self,
        module=None,
        *,
        architecture="deep",
        class_weight=None,
        augment=True,
        lr_schedule="onecycle",
        early_stopping=False,
        validation_fraction=None,
        random_state=None,
        n_threads=None,
        init_from=None,
        channels_last=True,
        predict_batch_size=256,
        label_smoothing=0.1,
        precision="float32",
        optimizer=torch.optim.AdamW,
        lr=0.003,
        max_epochs=16,
        batch_size=128,
        device="auto",
        verbose=1,
        **kwargs,
    ):
        super().__init__(
            module,
            class_weight=class_weight,
            augment=augment,
            lr_schedule=lr_schedule,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            random_state=random_state,
            n_threads=n_threads,
            init_from=init_from,
            channels_last=channels_last,
            predict_batch_size=predict_batch_size,
            label_smoothing=label_smoothing,
            precision=precision,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            device=device,
            verbose=verbose,
            **kwargs,
        )
        self.architecture = architecture
