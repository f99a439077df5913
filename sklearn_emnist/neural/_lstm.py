"""``LSTMRowClassifier``: an LSTM over image rows that fits like a scikit-learn classifier."""

import numbers

import torch
from sklearn.utils._param_validation import Interval

from ._base import NeuralImageClassifier
from ._modules import RowLSTM

__all__ = ["LSTMRowClassifier"]


class LSTMRowClassifier(NeuralImageClassifier):
    """LSTM classifier that reads the 28 rows of an image as a sequence (skorch based).

    Same contract and parameters as :class:`~sklearn_emnist.CharCNNClassifier`
    (see there for ``class_weight``, ``augment``, ``lr_schedule``,
    ``early_stopping``, ``validation_fraction``, ``random_state``,
    ``n_threads``, ``init_from``, ``device``, ``verbose``); only the
    architectures and the default recipe differ.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        A custom network; ``None`` builds a
        :class:`~sklearn_emnist.neural.RowLSTM` from the sizes below. An
        instance is copied by every fit from scratch, which starts from its
        weights: the instance itself is never trained.
    hidden_size : int, default=128
        LSTM units per direction.
    num_layers : int, default=2
        Stacked LSTM layers.
    bidirectional : bool, default=True
        Read the rows top-down and bottom-up.
    dense_size : int, default=128
        Width of the ReLU dense layer after the LSTM (0: none).
    dropout : float, default=0.2
        Dropout between LSTM layers and before the output layer.
        The seed recipe is ``hidden_size=128, num_layers=1,
        bidirectional=False, dense_size=128, dropout=0`` (see
        ``sklearn_emnist.neural.make_recipe("lstm-seed")``).
    class_weight, augment, lr_schedule, early_stopping, validation_fraction
        As in :class:`~sklearn_emnist.CharCNNClassifier`.
    random_state, n_threads
        As in :class:`~sklearn_emnist.CharCNNClassifier`. torch's random
        number generator and thread count are process-wide: fits running at
        the same time in threads of one process (joblib's ``threading``
        backend, a Dask ``LocalCluster(processes=False)``) are **not
        reproducible**, even with ``random_state`` and ``n_threads=1``, and
        change the caller's torch RNG. Use processes (joblib's default
        ``loky`` backend) for reproducible parallel fits.
    init_from, channels_last, predict_batch_size, label_smoothing, precision
        As in :class:`~sklearn_emnist.CharCNNClassifier`.
    optimizer : torch optimizer class, default=torch.optim.AdamW
    lr : float, default=0.003
    max_epochs : int, default=20
    batch_size : int, default=128
    device : str, default="auto"
    verbose : int, default=1
    **kwargs
        Any other :class:`skorch.NeuralNetClassifier` parameter;
        ``module__<name>`` overrides the sizes above. skorch's ``classes``
        sets ``classes_`` in its order (unsorted, it warns: scikit-learn's
        probability scorers assume sorted ``classes_``).

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

    Notes
    -----
    *Speed on CPU*: the LSTM steps through 28 rows of small matrix products,
    which a second thread slows down rather than speeds up. On a 2-core
    Sapphire Rapids Xeon an epoch of the default network on 4,096 images
    took 4.4 s with one thread and 4.5 s with two (float32), 1.6 s and 3.5 s
    with ``precision="bfloat16"`` (``benchmarks/bench_neural.py speed``); so
    pass ``n_threads=1`` there, and run parallel fits in processes
    (``GridSearchCV(n_jobs=-1)``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist import LSTMRowClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((40, 784), dtype=np.float32)
    >>> y = np.array([3, 7] * 20)
    >>> clf = LSTMRowClassifier(hidden_size=16, num_layers=1, bidirectional=False,
    ...                         max_epochs=1, verbose=0, random_state=0).fit(X, y)
    >>> clf.classes_, clf.n_features_in_
    (array([3, 7]), 784)
    """

    def __init__(
        self,
        module=None,
        *,
        hidden_size=128,
        num_layers=2,
        bidirectional=True,
        dense_size=128,
        dropout=0.2,
        class_weight=None,
        augment=True,
        lr_schedule="onecycle",
        early_stopping=False,
        validation_fraction=None,
        random_state=None,
        n_threads=None,
        init_from=None,
        channels_last=False,
        predict_batch_size=256,
        label_smoothing=0.0,
        precision="float32",
        optimizer=torch.optim.AdamW,
        lr=0.003,
        max_epochs=20,
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
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dense_size = dense_size
        self.dropout = dropout

    def _extra_parameter_constraints(self):
        return {
            "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
            "num_layers": [Interval(numbers.Integral, 1, None, closed="left")],
            "bidirectional": ["boolean"],
            "dense_size": [Interval(numbers.Integral, 0, None, closed="left")],
            "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        }

    def _module_factory(self):
        if self.module is not None:
            return self.module, {}
        # plain Python numbers: torch's LSTM refuses numpy's (np.int64, np.True_),
        # which a search over np.arange(...) hands over
        return RowLSTM, {
            "hidden_size": int(self.hidden_size),
            "num_layers": int(self.num_layers),
            "bidirectional": bool(self.bidirectional),
            "dense_size": int(self.dense_size),
            "dropout": float(self.dropout),
        }
