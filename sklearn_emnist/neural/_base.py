"""The shared skorch base of :class:`CharCNNClassifier` and :class:`LSTMRowClassifier`.

One mechanism for both estimators: validate the images with
:func:`sklearn_emnist.utils.check_images`, encode any labels to ``0..K-1``,
build the module from a named architecture (or any user module), train with
the whole data set as one float32 tensor, decode in ``predict``. Everything
scikit-learn users expect (``classes_``, ``class_weight``, ``sample_weight``,
``random_state``, cloning, pickling) lives here; the subclasses only choose
the architectures and the default recipe.
"""

import copy
import numbers
import os
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from functools import partial

import numpy as np
import torch
from scipy.sparse import issparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_feature_names,
    _check_sample_weight,
    _get_feature_names,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import (
    BatchScoring,
    EarlyStopping,
    EpochScoring,
    EpochTimer,
    PassthroughScoring,
    ProgressBar,
)
from skorch.utils import to_numpy, to_tensor

from ..parallel._malloc import tune_malloc_for_training
from ..utils import N_PIXELS, check_images
from ._callbacks import (
    BatchAccuracy,
    DecodeLabels,
    FreshBatchNormForValidation,
    PlainPrintLog,
)
from ._class_weights import class_weight_vector
from ._data import BatchIterator, ImageTensorDataset, batch_bounds
from ._schedules import SCHEDULES, LRSchedule
from ._threads import effective_n_threads, resolve_device, torch_threads
from ._transfer import weights_at

__all__ = ["NeuralImageClassifier"]

_MAX_SEED = 2**31 - 1
# how many images the running batch-norm averages count for, at most, when a
# partial_fit call averages them with the statistics of its own images
# (benchmarks/results/neural/exploration/partial_fit_batch_norm.json)
_BATCH_NORM_MEMORY = 2048


def _silent(*args, **kwargs):
    """A sink that prints nothing (module level so that it pickles)."""


def _augment_batch(function, kwargs, rng, images):
    return function(images, random_state=rng, **kwargs)


def _accepts(factory, name):
    import inspect

    try:
        return name in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False


def _same_value(a, b):
    """Whether two parameter values are the same (False where equality is unclear)."""
    try:
        return a is b or bool(a == b)
    except (ValueError, TypeError, RuntimeError):  # arrays, tensors: truth is ambiguous
        return False


class NeuralImageClassifier(NeuralNetClassifier):
    """Base class: a skorch ``NeuralNetClassifier`` that behaves like a scikit-learn one.

    Not meant to be used directly: use :class:`~sklearn_emnist.CharCNNClassifier`
    or :class:`~sklearn_emnist.LSTMRowClassifier`, whose docstrings describe
    the parameters. Subclasses set ``_architectures`` (name -> (module class,
    default module keyword arguments)).
    """

    _architectures = {}
    # init_from may hold a state dict, module or estimator on the GPU: skorch
    # pickles the attributes listed here so that they load with the map
    # location of the loading machine (module_, optimizer_ ... are added at
    # initialisation), so a fine-tuned GPU model unpickles on a CPU
    cuda_dependent_attributes_ = ["init_from"]

    _own_parameter_constraints = {
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "augment": ["boolean", StrOptions({"affine"}), dict, callable, None],
        "lr_schedule": [StrOptions(set(SCHEDULES)), callable, None],
        "early_stopping": ["boolean", Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
        "n_threads": [Interval(numbers.Integral, None, -1, closed="right"),
                      Interval(numbers.Integral, 1, None, closed="left"), None],
        "channels_last": ["boolean"],
        "predict_batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"),
                       Options(numbers.Integral, {-1})],
        "label_smoothing": [Interval(numbers.Real, 0, 1, closed="left")],
        "precision": [StrOptions({"float32", "bfloat16"})],
    }

    def __init__(
        self,
        module=None,
        *,
        class_weight,
        augment,
        lr_schedule,
        early_stopping,
        validation_fraction,
        random_state,
        n_threads,
        init_from,
        channels_last,
        predict_batch_size,
        label_smoothing=0.0,
        precision="float32",
        **kwargs,
    ):
        kwargs.setdefault("criterion", torch.nn.CrossEntropyLoss)
        kwargs.setdefault("iterator_train", BatchIterator)
        kwargs.setdefault("iterator_valid", BatchIterator)
        kwargs.setdefault("train_split", None)
        kwargs.setdefault("device", "auto")
        super().__init__(module, **kwargs)
        self.class_weight = class_weight
        self.augment = augment
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.n_threads = n_threads
        self.init_from = init_from
        self.channels_last = channels_last
        self.predict_batch_size = predict_batch_size
        self.label_smoothing = label_smoothing
        self.precision = precision

    # ------------------------------------------------------------------
    # scikit-learn protocol
    # ------------------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return bool(getattr(self, "initialized_", False)) and hasattr(self, "n_features_in_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.classifier_tags.poor_score = True
        tags.classifier_tags.multi_class = True
        return tags

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_", including its private
        # _params_to_validate bookkeeping set; parameters never start with "_"
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def _extra_parameter_constraints(self):
        """Constraints of the subclass's own parameters (architecture choice)."""
        return {"architecture": [StrOptions(set(self._architectures))]}

    def _check_own_params(self):
        constraints = {**self._own_parameter_constraints}
        if self.module is None:
            constraints.update(self._extra_parameter_constraints())
        params = {name: getattr(self, name) for name in constraints}
        validate_parameter_constraints(constraints, params, caller_name=type(self).__name__)
        if self.train_split is not None:
            raise ValueError(
                f"{type(self).__name__} carves its validation split itself: set "
                "validation_fraction=<float> (stratified) instead of train_split."
            )
        if self.early_stopping is not False and self._validation_fraction() == 0:
            raise ValueError("early_stopping needs a validation split; set validation_fraction.")

    def _validation_fraction(self):
        if self.validation_fraction is not None:
            return float(self.validation_fraction)
        return 0.1 if self.early_stopping is not False else 0.0

    # ------------------------------------------------------------------
    # data
    # ------------------------------------------------------------------
    def _check_targets(self, X, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        check_classification_targets(y)
        return y

    def _classes_for(self, y, classes=None):
        """The classes a fit from scratch on ``y`` will have (nothing is set)."""
        if self.classes is not None:
            known = np.asarray(self.classes)
            labels, counts = np.unique(known, return_counts=True)
            if np.any(counts > 1):
                raise ValueError(
                    f"The classes parameter lists {labels[counts > 1][:10]!r} more than once; "
                    "each class needs an output of its own: list every label once."
                )
            if classes is not None and not np.array_equal(np.unique(np.asarray(classes)), labels):
                raise ValueError(
                    f"partial_fit's classes={np.unique(np.asarray(classes))!r} are not those of "
                    f"the classes parameter ({known!r}); give the same labels, or only one of them."
                )
        elif classes is not None:
            known = np.unique(np.asarray(classes))
        else:
            known = np.unique(y)
        if known.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {known[0]!r}."
            )
        return known

    def _check_partial_fit_classes(self, y, classes, first_call):
        """``partial_fit``'s ``classes`` as scikit-learn's incremental classifiers
        check it: all labels of ``y`` on the first call, unchanged later."""
        classes = np.unique(np.asarray(classes))
        if not first_call:
            # a set of labels: classes_ keeps the order of the classes parameter
            if not np.array_equal(classes, np.unique(self.classes_)):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the first call to "
                    f"partial_fit ({self.classes_!r}); to learn other classes, fit again "
                    "from scratch."
                )
            return
        missing = np.setdiff1d(np.unique(y), classes)
        if missing.size:
            raise ValueError(
                f"y contains labels {missing[:10]!r} that are not in classes={classes!r}; "
                "classes must list every label partial_fit will ever see."
            )

    def _encode(self, y, classes):
        sorter = np.argsort(classes, kind="stable")
        position = np.searchsorted(classes, y, sorter=sorter)
        position = np.clip(position, 0, len(classes) - 1)
        encoded = sorter[position]
        unknown = classes[encoded] != y
        if np.any(unknown):
            labels = np.unique(y[unknown])[:10]
            if self.classes is not None:
                encoded_by_caller = (np.asarray(y).dtype.kind in "iu"
                                     and np.asarray(classes).dtype.kind not in "iu"
                                     and set(np.unique(y).tolist()) <= set(range(len(classes))))
                hint = (" y holds 0..K-1 where the classes are not integers: a meta-estimator "
                        "that encodes y itself (cross_val_predict with predict_proba, "
                        "VotingClassifier, StackingClassifier, BaggingClassifier, "
                        "OneVsRestClassifier) fits with its codes. Leave classes=None inside "
                        "those." if encoded_by_caller else "")
                raise ValueError(
                    f"y contains labels {labels!r} that are not in the classes parameter "
                    f"({classes!r}); classes must list every label of y.{hint}"
                )
            raise ValueError(
                f"y contains labels not seen in the first fit: {labels!r}; "
                f"known classes are {classes!r}. Refit from scratch (warm_start=False) "
                "or pass all classes up front (classes=...)."
            )
        return encoded.astype(np.int64)

    def _check_images(self, X, reset=False):
        if issparse(X):
            raise TypeError(
                f"{type(self).__name__} does not accept sparse input (a sparse matrix or "
                "array); pass dense images, e.g. X.toarray()."
            )
        if not reset and hasattr(self, "n_features_in_"):
            # a DataFrame's columns against those of fit, as scikit-learn checks them
            _check_feature_names(self, X, reset=False)
        return check_images(X, dtype=np.float32, estimator=self)

    def _prepare_fit(self, X, y, sample_weight, reset, classes=None):
        self._check_own_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        # everything is checked before anything is set: a fit that fails on its
        # input leaves a fitted estimator as it was (its classes_ matching its network)
        images = self._check_images(X, reset=reset)
        if reset:
            _get_feature_names(X)  # mixed-type column names: scikit-learn's TypeError, now
        y = self._check_targets(images, y)
        if classes is not None:
            self._check_partial_fit_classes(y, classes, first_call=reset)
        if not reset:
            self._check_classes_unchanged()
        known = self._classes_for(y, classes) if reset else self.classes_
        y_encoded = self._encode(y, known)
        if sample_weight is not None:
            # negative weights would reward the loss; all-zero ones leave nothing to learn
            sample_weight = _check_sample_weight(sample_weight, images, dtype=np.float32,
                                                 ensure_non_negative=True)
        class_weight = None
        if self.class_weight is not None:
            class_weight = class_weight_vector(self.class_weight, known, y, sample_weight)
        if reset:
            self._check_classes_order(known)
            if self.classes is None:
                self.classes_inferred_ = known
            # classes_ is fixed with the output layer: a later
            # set_params(classes=...) must not relabel the network's outputs
            self._classes_fitted_ = known
            self.n_features_in_ = N_PIXELS
            _check_feature_names(self, X, reset=True)  # a DataFrame's columns, or none
            seed = check_random_state(self.random_state).randint(_MAX_SEED)
            self._rng_ = np.random.default_rng(seed)
            self._split_seed_ = int(self._rng_.integers(_MAX_SEED))
        self.class_weight_ = class_weight
        return ImageTensorDataset(images, y_encoded, sample_weight)

    @property
    def classes_(self):
        """The class labels of the network's outputs, fixed when the network
        was built (by ``fit``, or ``initialize()``)."""
        fitted = getattr(self, "_classes_fitted_", None)
        if fitted is not None:
            return fitted
        # models pickled before classes_ was fixed, and skorch's initialize()
        # before the network is built: skorch's rule
        return super().classes_

    def _check_classes_unchanged(self):
        """Continued training (warm start, ``partial_fit``) keeps the fitted
        network's outputs: a ``classes`` parameter set since must match them."""
        if self.classes is not None and not np.array_equal(np.asarray(self.classes),
                                                           self.classes_):
            raise ValueError(
                f"The classes parameter ({np.asarray(self.classes)!r}) was changed since the "
                f"network was built for classes_={self.classes_!r}; continued training "
                "(warm_start=True, partial_fit) keeps the network's outputs. Fit from scratch "
                "(warm_start=False) to train for the new classes."
            )

    def _check_classes_order(self, known):
        if self.classes is not None and not np.array_equal(known, np.unique(known)):
            warnings.warn(
                f"classes_ keeps the order of the classes parameter ({known[:5].tolist()}...), "
                "which is not sorted; scikit-learn's probability scorers (neg_log_loss, "
                "roc_auc_ovr, ...) assume sorted classes_ and would score the columns as "
                "the wrong classes. Pass the classes sorted to use them.",
                UserWarning,
                stacklevel=4,
            )

    def _initialize_or_forget(self):
        """``initialize()`` for a fit from scratch; if it fails (``init_from`` of
        the wrong shape, a module that cannot be built), the estimator is left
        unfitted rather than with new classes and the old network."""
        vars(self).pop("_rebuild_when_training_", None)  # everything is built anew
        try:
            self.initialize()
        except BaseException:
            self.initialized_ = False
            for name in ("module_", "classes_inferred_", "_classes_fitted_", "n_features_in_"):
                vars(self).pop(name, None)
            raise

    def _next_seed(self):
        rng = getattr(self, "_rng_", None)
        if rng is None:
            self._rng_ = rng = np.random.default_rng()
        return int(rng.integers(_MAX_SEED))

    @contextmanager
    def _runtime(self, seed=True):
        """Concrete device, thread count and (in fit) a seeded private torch RNG.

        The first call in a process also raises glibc's allocator thresholds,
        unless the allocator was chosen elsewhere (see ``fit``'s Notes).
        """
        tune_malloc_for_training()
        n_threads = effective_n_threads(self.n_threads)
        if seed:
            self.n_threads_ = n_threads
        with torch_threads(n_threads):
            # torch.manual_seed also seeds every CUDA device: fork their RNGs too
            seeds_cuda = seed and torch.cuda.is_available()
            cuda = list(range(torch.cuda.device_count())) if seeds_cuda else []
            with torch.random.fork_rng(devices=cuda, enabled=seed):
                if seed:
                    torch.manual_seed(self._next_seed())
                with self._resolved_device():
                    yield

    @contextmanager
    def _resolved_device(self):
        """skorch reads ``self.device`` directly: make "auto" concrete inside."""
        device_param = self.device
        resolved = resolve_device(device_param)
        self.device = resolved
        try:
            yield
        finally:
            if self.device is resolved:  # unless the block set a new device
                self.device = device_param

    def initialize(self):
        """Initialise the network as skorch does, with ``device="auto"`` resolved.

        ``fit`` calls it. Called directly with ``classes`` set (skorch's
        ``initialize()`` then ``load_params(...)`` route), it also records
        ``n_features_in_`` so that the net predicts without being fitted.

        Returns
        -------
        self : object
        """
        with self._resolved_device():
            super().initialize()
        if self.classes is not None and not hasattr(self, "n_features_in_"):
            self.n_features_in_ = N_PIXELS
        return self

    def load_params(self, *args, **kwargs):
        # skorch maps the loaded tensors to self.device: make "auto" concrete
        with self._resolved_device():
            return super().load_params(*args, **kwargs)

    def set_params(self, **params):
        """Set the parameters of this estimator, as scikit-learn and skorch do.

        On a fitted estimator, nothing is rebuilt at once (skorch rebuilds
        the network for ``module__*`` parameters, with new random weights, and
        the loss for ``criterion__*`` ones, which changed what ``predict_proba``
        returns, while the estimator still counted as fitted):

        - ``module``, ``module__*``, ``compile`` and ``compile__*``, like
          ``architecture`` and the other parameters the network is built
          from, take effect at the next fit from scratch; continued training
          (``warm_start=True``, ``partial_fit``) goes on with the fitted
          network;
        - ``criterion``, ``criterion__*``, ``optimizer`` and ``optimizer__*``
          (but the learning rate, which skorch sets on the optimizer at once)
          take effect when training resumes: the next fit, or a continued one,
          builds the loss or the optimizer anew (an optimizer built anew
          starts without its state, e.g. Adam's moments);
        - ``iterator_train__*`` and ``iterator_valid__*`` take effect with the
          next batches.

        Parameters
        ----------
        **params : dict
            Estimator parameters, with skorch's routing prefixes
            (``module__``, ``optimizer__``, ``criterion__``, ``callbacks__``, ...).

        Returns
        -------
        self : object
        """
        kwargs = dict(params)
        deferred = {}
        if self.__sklearn_is_fitted__():
            # the components skorch would rebuild (or refuse, with its "something
            # went wrong": the optimizer, the iterators) for these keys
            components = (*self._modules, *self._criteria, *self._optimizers, "compile",
                          "iterator_train", "iterator_valid")
            deferred = {key: kwargs.pop(key) for key in list(kwargs)
                        if key.split("__", 1)[0] in components
                        and not self._is_virtual_param(key)}
        # re-initialising a fitted net's module moves it to self.device: skorch
        # gets the concrete device, the parameter keeps the value asked for
        # ("auto" stays "auto", "cpu" stays "cpu" even where "auto" means the CPU)
        requested = kwargs.get("device", self.device)
        if "device" in kwargs:
            kwargs["device"] = resolve_device(requested)
        with self._resolved_device():
            result = super().set_params(**kwargs)
        self.device = requested
        for key, value in deferred.items():
            setattr(self, key, value)
            self._params_to_validate.add(key)  # skorch checks them at the next initialize
            component = key.split("__", 1)[0]
            if component in (*self._criteria, *self._optimizers):
                self._rebuild_when_training_ = {*getattr(self, "_rebuild_when_training_", ()),
                                                component}
        return result

    def _rebuild_changed_training_parts(self):
        """Before continued training: build the loss and the optimizer anew when
        their parameters were set since the fit (see ``set_params``)."""
        pending = vars(self).pop("_rebuild_when_training_", set())
        if pending & set(self._criteria):
            self.initialize_criterion()
        if pending:  # a new loss, or an optimizer of other settings
            self.initialize_optimizer()

    # ------------------------------------------------------------------
    # fit / predict
    # ------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the network from scratch (or continue it when ``warm_start=True``).

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or \
                (n_samples, 1, 28, 28)
            Images: uint8 0..255 or float 0..1.
        y : array-like of shape (n_samples,)
            Labels of any type scikit-learn accepts (ints, strings, ...).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-sample weights multiplying each sample's loss
            (together with ``class_weight``); each mini-batch's loss is the mean
            of the weighted losses. The validation split's loss, which early
            stopping monitors, is weighted the same way. A zero weight removes
            an image from the loss, not from the network: batch norm (the
            ``"deep"`` networks) still counts it in the batch statistics.
        **fit_params : dict
            Passed to the module's ``forward``, as in skorch.

        Returns
        -------
        self : object

        Notes
        -----
        After training, the batch-norm statistics of the network (the
        ``"deep"``, ``"deep-se"`` and ``"resnet"`` CNNs) are recomputed with
        one forward pass over the training images: the running averages kept
        during training trail the weights, far so after one or two epochs of
        the one-cycle schedule (validation accuracy 4 % instead of 57 % after
        one epoch on 3,000 letters; 94.81 % and 94.90 % after the default 16
        epochs; ``benchmarks/results/neural/exploration/batch_norm_refresh.json``).
        The pass costs about 3 % of a default fit. It uses the training
        images only, not a validation split's. ``partial_fit`` recomputes
        them too, on its own images, averaged with the running averages
        (see there). With a validation split, the statistics are also
        recomputed (on up to
        2,048 training images) before each epoch's validation pass, so that
        ``valid_loss``, ``valid_acc`` and early stopping score the weights as
        ``predict`` uses them; the weights are the same either way
        (``callbacks__valid_batch_norm=None`` turns it off).

        On Linux (glibc), the first fit or predict of a process raises the
        allocator's thresholds (:func:`sklearn_emnist.parallel.tune_malloc`),
        so that the activation memory freed after each batch is reused instead
        of being handed back to the system and faulted in again: a short fit
        of the default CNN took 0.82x the time of one under glibc's defaults,
        and the training loop 1.02x (one thread) and 1.05x (two) the time of a
        plain PyTorch loop, against up to 1.17x under glibc's defaults
        (``benchmarks/bench_neural.py allocators`` and ``overhead``). Settings
        of your own are kept: the thresholds are left alone once set in the
        process, when
        ``SKLEARN_EMNIST_TUNE_MALLOC=0``, when glibc's settings come from the
        environment (``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_MMAP_THRESHOLD_``,
        ``GLIBC_TUNABLES``) and when another allocator is preloaded
        (``LD_PRELOAD``).
        """
        reset = not (self.warm_start and self.initialized_ and self.__sklearn_is_fitted__())
        if not reset:
            self._check_not_quantized("fit with warm_start=True")
        dataset = self._prepare_fit(X, y, sample_weight, reset=reset)
        with self._runtime():
            if reset:
                self._initialize_or_forget()
            else:
                self._refresh_default_callbacks()
            with self._naming_single_image_batches():
                NeuralNet.partial_fit(self, dataset, None, **fit_params)
            trained_on = self._training_part(dataset)
            self._refresh_batch_norm(trained_on)
        self._batch_norm_images_ = len(trained_on)
        return self

    @contextmanager
    def _naming_single_image_batches(self):
        """torch's error for a batch of one image in batch norm, said in the
        estimator's terms."""
        try:
            yield
        except ValueError as error:
            if "Expected more than 1 value per channel when training" not in str(error):
                raise
            raise ValueError(
                "A training batch held a single image, which the network's batch norm "
                "cannot normalise. Use batch_size >= 2 and at least 2 training images "
                "(after the validation split, when validation_fraction or early_stopping "
                "takes one)."
            ) from error

    def _check_not_quantized(self, what):
        quantized = getattr(self, "quantized_", None)
        if quantized is not None:
            raise ValueError(
                f"{what} would train this copy's int8 ({quantized.get('method')}) "
                "quantized layers, which are for inference only. Continue training the float "
                "estimator and quantize it again (or call fit, which starts a float network "
                "from scratch)."
            )

    def _batch_norm_layers(self):
        return [layer for layer in self.module_.modules()
                if isinstance(layer, torch.nn.modules.batchnorm._BatchNorm)
                and layer.track_running_stats]

    def _batch_norm_statistics(self):
        """A copy of every batch-norm layer's running mean and variance."""
        return [(layer.running_mean.clone(), layer.running_var.clone())
                for layer in self._batch_norm_layers()]

    def _refresh_batch_norm(self, dataset, private_rng=False, earlier=None):
        """Recompute every batch-norm layer's statistics on ``dataset``'s images
        (no augmentation), with the weights as training left them.

        ``earlier``: ``(statistics, n_images)``, statistics to average the
        new ones with, as if computed on ``n_images`` images (None: replaced).

        ``private_rng``: the pass runs in training mode, where dropout draws
        random numbers; draw them from a fixed seed and restore torch's state
        afterwards, so that a refresh in the middle of training leaves the rest
        of the training as it would be, and the same weights give the same
        statistics."""
        if len(dataset) < 2 or self._runs_no_epoch():
            return  # max_epochs=0 (a transfer start): the source's statistics stay
        batches = BatchIterator(dataset, batch_size=max(self.batch_size, self.predict_batch_size),
                                merge_single=True)
        cuda = (list(range(torch.cuda.device_count()))
                if private_rng and torch.cuda.is_available() else [])
        # torch's own pass: a plain average, modes restored; it returns before
        # reading a batch when the network has no batch norm (the LSTM)
        with torch.no_grad(), self._autocast(), torch.random.fork_rng(cuda, enabled=private_rng):
            if private_rng:
                torch.manual_seed(0)
            torch.optim.swa_utils.update_bn(
                (self._module_input(Xb) for Xb, _ in batches), self.module_
            )
            if earlier is not None:
                statistics, n_images = earlier
                share = n_images / (n_images + len(dataset))
                for layer, (mean, var) in zip(self._batch_norm_layers(), statistics):
                    layer.running_mean.lerp_(mean, share)
                    layer.running_var.lerp_(var, share)

    def partial_fit(self, X, y, classes=None, sample_weight=None, **fit_params):
        """Continue training for ``max_epochs`` epochs without re-initialising.

        The first call initialises the network; ``classes`` (all labels that
        will ever be seen) may be given then, as in scikit-learn's
        incremental classifiers: it must hold every label of ``y``, and a
        later call that gives ``classes`` must give the same ones. Later
        calls must only use known labels. Changed ``early_stopping``,
        ``lr_schedule`` or ``verbose`` take effect from the next call.

        After its epochs, each call recomputes the batch-norm statistics of
        the network (the ``"deep"``, ``"deep-se"`` and ``"resnet"`` CNNs) on
        its training images and averages them with the running averages
        that training kept, which count for as many images as the earlier
        calls trained on, at most 2,048: the first call's statistics are its
        own images', and a small chunk later moves them a little. The running
        averages alone trail the weights so far in the first calls that the
        model predicted one class: streaming 20,480 letters in chunks of 256
        images, one epoch a call, the validation accuracy after 2,560 images
        was 4 % with them and 65 % with the averaged statistics, and 88 % for
        both after all 20,480 (chunks of 2,048: 6 % and 69 % after 4,096
        images, 87 % and 88 % at the end;
        ``benchmarks/results/neural/exploration/partial_fit_batch_norm.json``).

        Returns
        -------
        self : object
        """
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            # as scikit-learn's SGDClassifier.partial_fit: one chunk's label
            # frequencies are not the training set's
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: it would be "
                "computed from each chunk alone. Compute the weights once from all training "
                "labels, compute_class_weight('balanced', classes=classes, y=y_all), and pass "
                "them as class_weight=dict(zip(classes, weights)); or call fit."
            )
        reset = not self.__sklearn_is_fitted__()
        if not reset:
            self._check_not_quantized("partial_fit")
        dataset = self._prepare_fit(X, y, sample_weight, reset=reset, classes=classes)
        with self._runtime():
            if reset or not self.initialized_:
                self._initialize_or_forget()
                self._batch_norm_images_ = 0
            else:
                self._refresh_default_callbacks()
            with self._naming_single_image_batches():
                NeuralNet.partial_fit(self, dataset, None, **fit_params)
            # the running averages trail the weights, so far in the first calls that
            # predictions were at chance: the statistics are recomputed on this call's
            # images and averaged with the running averages, which count for the
            # images the earlier calls trained on, at most _BATCH_NORM_MEMORY
            seen = getattr(self, "_batch_norm_images_", _BATCH_NORM_MEMORY)
            running = (self._batch_norm_statistics(), min(seen, _BATCH_NORM_MEMORY))
            trained_on = self._training_part(dataset)
            self._refresh_batch_norm(trained_on, earlier=running)
        if not self._runs_no_epoch():
            self._batch_norm_images_ = seen + len(trained_on)
        return self

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like of images (any shape accepted by ``fit``)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float32
        """
        check_is_fitted(self)
        if isinstance(X, torch.utils.data.Dataset):
            dataset = X  # skorch's scoring callbacks pass the validation Dataset itself
        else:
            dataset = ImageTensorDataset(self._check_images(X))
        # skorch's predict_proba, with n_threads set once for the whole pass; the
        # estimator itself is left unchanged ("auto" is resolved where a batch goes
        # to the device), so that threads may predict with one fitted model at once
        tune_malloc_for_training()
        nonlinearity = self._get_predict_nonlinearity()
        with torch_threads(effective_n_threads(self.n_threads)):
            probabilities = [to_numpy(nonlinearity(output))
                             for output in NeuralNet.forward_iter(self, dataset, training=False)]
        return np.concatenate(probabilities, 0)

    def forward_iter(self, X, training=False, device="cpu"):
        """skorch's batched forward pass (``forward`` concatenates it), taking
        the images ``predict`` takes, with ``device="auto"`` and ``n_threads``
        applied as in ``predict``: ``n_threads`` while each batch is computed,
        never while the generator waits for its caller (torch's thread count is
        the process's, and a paused generator would hold it)."""
        if not isinstance(X, torch.utils.data.Dataset):
            X = ImageTensorDataset(self._check_images(X))
        n_threads = effective_n_threads(self.n_threads)
        outputs = NeuralNet.forward_iter(self, X, training=training, device=device)
        while True:
            with torch_threads(n_threads):
                output = next(outputs, None)
            if output is None:
                return
            yield output

    def predict(self, X):
        """Predicted labels (same type as the labels given to ``fit``).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def check_data(self, X, y=None):
        # labels are validated and encoded in fit; nothing to infer here
        pass

    # ------------------------------------------------------------------
    # skorch hooks
    # ------------------------------------------------------------------
    def _default_callback_settings(self):
        """The parameters the default callbacks are built from."""
        return repr((self.early_stopping, self.lr_schedule, self.verbose, self._runs_no_epoch()))

    def _runs_no_epoch(self):
        # any value: get_params builds the default callbacks before fit validates
        return isinstance(self.max_epochs, numbers.Integral) and self.max_epochs == 0

    def initialize_callbacks(self):
        """Build the callbacks as skorch does, noting the settings they follow.

        skorch's scoring callbacks (``EpochScoring``, ``BatchScoring``) with
        their default ``target_extractor`` get the batches' labels as the
        estimator's own labels, which ``predict`` returns, not as the encoded
        0..K-1 the loss uses.
        """
        self._callbacks_built_for_ = self._default_callback_settings()
        super().initialize_callbacks()
        classes = getattr(self, "classes_", None)  # unknown before the labels are seen
        for k, (name, callback) in enumerate(self.callbacks_):
            extractor = getattr(callback, "target_extractor", None)
            if (classes is not None and isinstance(callback, (EpochScoring, BatchScoring))
                    and (extractor is to_numpy or isinstance(extractor, DecodeLabels))):
                # a copy: the user's callback (a parameter) stays as it was given
                callback = copy.copy(callback)
                callback.target_extractor = DecodeLabels(classes)
                self.callbacks_[k] = (name, callback)
        return self

    def _refresh_default_callbacks(self):
        """Rebuild the callbacks before continued training (warm start,
        ``partial_fit``) when early_stopping, lr_schedule or verbose changed
        since they were built; otherwise keep them (and their state), as skorch
        does. The loss and the optimizer are built anew when ``set_params``
        changed them since."""
        self._rebuild_changed_training_parts()
        if getattr(self, "_callbacks_built_for_", None) != self._default_callback_settings():
            self.initialize_callbacks()
        if self.lr_schedule is None:
            # a schedule removed since the last call: the rate it left goes back to
            # its peak (lr, or the rate the user set since)
            for group in self.optimizer_.param_groups:
                if "scheduled_lr" in group and group["lr"] == group["scheduled_lr"]:
                    group["lr"] = group["initial_lr"]
                    del group["scheduled_lr"]

    def _n_train_batches(self, dataset):
        """How many batches an epoch over ``dataset`` has, as ``get_iterator``
        would build them (without drawing its seeds)."""
        kwargs = self.get_params_for("iterator_train")
        batch_size = kwargs.get("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        ours = isinstance(self.iterator_train, type) and issubclass(self.iterator_train,
                                                                     BatchIterator)
        return len(batch_bounds(len(dataset), batch_size, kwargs.get("drop_last", False),
                                kwargs.get("merge_single", ours)))

    @property
    def _default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("valid_acc", BatchAccuracy(name="valid_acc")),
            ("valid_batch_norm", FreshBatchNormForValidation()),
        ]
        if self.lr_schedule is not None:
            callbacks.append(("lr_schedule", LRSchedule(self.lr_schedule)))
        # evaluated by get_params too: never raise here, fit validates the values
        stopping = self.early_stopping
        # with no epoch to run there is no validation loss to stop on
        if stopping is not False and stopping is not None and not self._runs_no_epoch():
            patience = (stopping if isinstance(stopping, numbers.Integral)
                        and not isinstance(stopping, bool) and stopping > 0 else 5)
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="valid_loss", patience=patience, load_best=True,
                sink=_silent if isinstance(self.verbose, numbers.Real) and not self.verbose
                else print,
            )))
        if isinstance(self.verbose, numbers.Real) and self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.append(("print_log", PlainPrintLog()))
        return callbacks

    def _n_outputs(self):
        if self.classes is not None:
            return len(self.classes)
        classes = getattr(self, "classes_inferred_", None)
        if classes is None:
            raise ValueError(
                f"{type(self).__name__} builds its output layer from the classes in y: "
                "call fit (or pass classes=...) before initialize()."
            )
        return len(classes)

    def _module_factory(self):
        if self.module is not None:
            return self.module, {}
        try:
            return self._architectures[self.architecture]
        except KeyError:
            raise ValueError(
                f"Unknown architecture {self.architecture!r}; choose one of "
                f"{sorted(self._architectures)} or pass module=<torch.nn.Module class>."
            ) from None

    def initialize_module(self):
        factory, preset = self._module_factory()
        kwargs = self.get_params_for("module")
        if not isinstance(factory, torch.nn.Module):
            overridden = [key for key in preset.keys() & kwargs.keys()
                          if not _same_value(preset[key], kwargs[key])]
            for key in sorted(overridden):
                warnings.warn(
                    f"module__{key}={kwargs[key]!r} overrides the network's {key}="
                    f"{preset[key]!r} (set by {type(self).__name__}'s parameters); set only "
                    "one of them.", UserWarning, stacklevel=4)
            kwargs = {**preset, **kwargs}
            if "n_classes" not in kwargs and _accepts(factory, "n_classes"):
                kwargs["n_classes"] = self._n_outputs()
        module = self.initialized_instance(factory, kwargs)
        if module is factory:
            # a module instance given as the parameter is every fit's starting
            # point: it is copied, never trained itself (a second fit would
            # otherwise go on from the first, and a clone of a fitted estimator
            # would start from weights that saw its data)
            module = copy.deepcopy(module)
        if self.init_from is not None:
            self._load_pretrained(module)
        if self.channels_last:
            module = module.to(memory_format=torch.channels_last)
        self.module_ = module
        # what the network was built for and from: classes_, and the parameters
        # save_weights must describe it with even after set_params changed them
        self._classes_fitted_ = (np.asarray(self.classes) if self.classes is not None
                                 else getattr(self, "classes_inferred_", None))
        self._network_params_ = {
            "module": self.module, "classes": self.classes,
            **{name: getattr(self, name) for name in self._extra_parameter_constraints()},
            **{f"module__{name}": value for name, value in self.get_params_for("module").items()},
        }
        vars(self).pop("quantized_", None)  # a float network again, whatever was quantized
        return self

    def initialize_criterion(self):
        kwargs = self.get_params_for("criterion")
        criterion = self.criterion
        if isinstance(criterion, type) and "reduction" not in kwargs:
            # per-sample losses, weighted in get_loss (class_weight, sample_weight)
            kwargs["reduction"] = "none"
        if self.label_smoothing:
            if not (isinstance(criterion, type)
                    and issubclass(criterion, torch.nn.CrossEntropyLoss)):
                raise ValueError(
                    "label_smoothing needs criterion=torch.nn.CrossEntropyLoss (a class); "
                    "set label_smoothing=0 with another criterion."
                )
            kwargs.setdefault("label_smoothing", self.label_smoothing)
        self.criterion_ = self.initialized_instance(criterion, kwargs)
        return self

    def get_iterator(self, dataset, training=False):
        prefix = "iterator_train" if training else "iterator_valid"
        iterator = self.iterator_train if training else self.iterator_valid
        kwargs = self.get_params_for(prefix)
        default_size = self.batch_size if training else self.predict_batch_size
        kwargs.setdefault("batch_size", default_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        augment = self._make_augment() if training else None
        if isinstance(iterator, type) and issubclass(iterator, BatchIterator):
            if training:
                kwargs.setdefault("shuffle", True)
                kwargs.setdefault("generator",
                                  torch.Generator().manual_seed(self._next_seed()))
                kwargs.setdefault("augment", augment)
                # a last batch of one image would stop batch norm (the default
                # network): it joins the batch before
                kwargs.setdefault("merge_single", True)
        elif augment is not None:
            raise ValueError(
                "augment works with the default iterator_train (BatchIterator); with a "
                f"custom iterator_train ({iterator!r}) augment inside its dataset instead."
            )
        elif training:
            kwargs.setdefault("shuffle", True)
        return iterator(dataset, **kwargs)

    def _make_augment(self):
        augment = self.augment
        if augment is None or augment is False:
            return None
        rng = np.random.default_rng(self._next_seed())
        if augment is True or isinstance(augment, (str, dict)):
            from ..augmentation import random_affine

            kwargs = dict(augment) if isinstance(augment, dict) else {}
            return partial(_augment_batch, random_affine, kwargs, rng)
        return partial(_augment_batch, augment, {}, rng)

    def get_split_datasets(self, X, y=None, **fit_params):
        dataset = X
        if not self._validation_fraction():
            return dataset, None
        index_train, index_valid = self._split_indices(dataset.y.numpy(), warn=True)
        return dataset.subset(index_train), dataset.subset(index_valid)

    def _training_part(self, dataset):
        """The images of ``dataset`` that training used: all of them, or the
        training side of the validation split (the same split: its seed is
        drawn once per fit)."""
        if not self._validation_fraction():
            return dataset
        return dataset.subset(self._split_indices(dataset.y.numpy(), warn=False)[0])

    def _split_indices(self, labels, warn):
        """Sorted training and validation indices of the stratified split."""
        from sklearn.model_selection import train_test_split

        fraction = self._validation_fraction()
        n = len(labels)
        n_valid = int(np.ceil(fraction * n))
        counts = np.bincount(labels)
        # a class's only image is always trained on; the others are split
        # stratified, so that every class keeps its share of validation images
        if n_valid < 1 or n - n_valid < 1:
            raise ValueError(
                f"validation_fraction={fraction} leaves no training or validation sample "
                f"from {n} samples."
            )
        alone = np.flatnonzero(counts[labels] == 1)
        splittable = np.flatnonzero(counts[labels] >= 2)
        n_classes = int(np.count_nonzero(counts >= 2))
        stratify = labels[splittable]
        if min(n_valid, splittable.size - n_valid) < n_classes:
            # too few images to give every class its share: a plain random split
            # of all images (a class's only image may then be validated on)
            splittable, alone, stratify = np.arange(n), alone[:0], None
        if stratify is None and warn:
            warnings.warn(
                f"validation_fraction={fraction} gives {n_valid} validation images for "
                f"{n_classes} classes with more than one image (of {n} samples): too few "
                "to stratify, so the validation split is random. Use a larger "
                "validation_fraction or more images.",
                UserWarning,
                stacklevel=6,  # the user's fit: skorch's fit_loop and partial_fit between
            )
        index_train, index_valid = train_test_split(
            splittable, test_size=n_valid, stratify=stratify,
            random_state=getattr(self, "_split_seed_", 0),
        )
        index_train = np.concatenate([index_train, alone])
        return np.sort(index_train), np.sort(index_valid)

    def _module_input(self, x):
        """A batch as the network takes it: the images tensor, on the device, in
        the memory format training uses."""
        if isinstance(x, Mapping):
            x = x["X"]
        x = to_tensor(x, device=resolve_device(self.device))
        if self.channels_last and x.ndim == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def _autocast(self):
        """The network's forward pass in ``precision``: bfloat16 autocast (the
        weights, optimizer state and loss stay float32), or nothing."""
        return torch.autocast(device_type=torch.device(resolve_device(self.device)).type,
                              dtype=torch.bfloat16, enabled=self.precision == "bfloat16")

    def infer(self, x, **fit_params):
        x = self._module_input(x)
        with self._autocast():
            y_pred = self.module_(x, **fit_params)
        # the loss and the probabilities are computed in float32
        return y_pred.float() if self.precision == "bfloat16" else y_pred

    def get_loss(self, y_pred, y_true, X=None, training=False):
        n_classes = len(self.classes_)
        if y_pred.ndim != 2 or y_pred.shape[1] != n_classes:
            raise ValueError(
                f"The network returned outputs of shape {tuple(y_pred.shape)} for a batch of "
                f"{len(y_true)} images; it needs one output per class: ({len(y_true)}, "
                f"{n_classes}) for the {n_classes} classes. Size the last layer of the module "
                "for the classes (a module class gets n_classes when its __init__ takes it)."
            )
        y_true = to_tensor(y_true, device=y_pred.device)
        if isinstance(self.criterion_, torch.nn.NLLLoss):
            y_pred = torch.log(y_pred + torch.finfo(y_pred.dtype).eps)
        loss = self.criterion_(y_pred, y_true)
        class_weight = getattr(self, "class_weight_", None)
        has_sample_weight = isinstance(X, Mapping) and "sample_weight" in X
        if loss.ndim == 0:  # a criterion that reduces itself
            if class_weight is not None or has_sample_weight:
                raise ValueError(
                    "The criterion returns one averaged loss (a criterion instance, or "
                    "criterion__reduction other than 'none'), so class_weight and "
                    "sample_weight cannot weight each sample's loss. Pass the criterion as "
                    "a class (criterion=torch.nn.CrossEntropyLoss): per-sample losses are "
                    "then set up for you."
                )
            return loss
        weight = None
        if class_weight is not None:
            weight = torch.as_tensor(class_weight, device=loss.device)[y_true]
        if has_sample_weight:
            sample_weight = to_tensor(X["sample_weight"], device=loss.device)
            weight = sample_weight if weight is None else weight * sample_weight
        if weight is not None:
            loss = loss * weight
        return loss.mean()

    # ------------------------------------------------------------------
    # transfer learning
    # ------------------------------------------------------------------
    def _pretrained_state(self):
        source = self.init_from
        if isinstance(source, NeuralImageClassifier):
            if not source.__sklearn_is_fitted__():
                raise ValueError(
                    "init_from is an unfitted estimator. Pass a fitted one, or (to survive "
                    "clone(), e.g. in GridSearchCV) its weights: init_from=model.module_.state_dict()."
                )
            return source.module_.state_dict()
        if isinstance(source, torch.nn.Module):
            return source.state_dict()
        if isinstance(source, Mapping):
            return source
        if isinstance(source, (str, os.PathLike)):
            return weights_at(source)
        raise TypeError(
            "init_from must be a fitted estimator, a torch module, a state dict or a path (a "
            "save_model file, a save_weights folder or a file written by "
            f"save_params(f_params=...)); got {type(source).__name__}."
        )

    def _load_pretrained(self, module):
        """Copy every pretrained tensor except the output layer ``classifier``."""
        state = self._pretrained_state()
        own = module.state_dict()
        body = [key for key in own if not key.startswith("classifier.")]
        missing = [key for key in body if key not in state]
        mismatched = [key for key in body if key in state and state[key].shape != own[key].shape]
        if missing or mismatched:
            raise ValueError(
                "init_from does not match this network: "
                f"missing {missing[:5]}, shape mismatch {mismatched[:5]}. Use the same "
                "architecture and module__ parameters as the pretrained model."
            )
        for key in body:
            own[key] = state[key].detach().to("cpu")
        module.load_state_dict(own)
        self.n_pretrained_tensors_ = len(body)

    def __setstate__(self, state):
        # "auto" is resolved for the machine that loads the model; a model
        # trained on a GPU lands on the CPU where there is none.
        device = state.get("device")
        if device == "auto":
            state["device"] = resolve_device("auto")
        super().__setstate__(state)
        if device == "auto":
            self.device = "auto"
