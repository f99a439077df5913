"""Model recipes of the benchmark, by name.

A recipe builds an unfitted scikit-learn classifier for a protocol:

- ``seed-cnn``, ``seed-lstm``, ``seed-knn``: the seed's three models, rebuilt
  to reproduce its table (CNN 92 %, LSTM 79 %, KNN 83 % on EMNIST letters);
- ``best-cnn``, ``best-lstm``, ``best-knn``: the package's best recipes
  (``CharCNNClassifier``, ``LSTMRowClassifier``, ``make_knn_pipeline`` with
  the defaults their authors tuned on training data).

Every recipe also has a ``quick`` form (tiny networks, one epoch) that the
tests run end to end, so the runner cannot rot.

Examples
--------
>>> from benchmarks.recipes import RECIPES, build_estimator
>>> sorted(RECIPES)
['best-cnn', 'best-knn', 'best-lstm', 'seed-cnn', 'seed-knn', 'seed-lstm']
>>> build_estimator("seed-knn", protocol="seed", random_state=0)
KNeighborsClassifier(n_neighbors=3)
"""

from dataclasses import dataclass
from typing import Callable

__all__ = ["Recipe", "RECIPES", "DEFAULT_MODELS", "build_estimator", "get_recipe"]


@dataclass(frozen=True)
class Recipe:
    """A named way to build a classifier.

    Attributes
    ----------
    name : str
        Key used on the command line (``--models seed-cnn,best-knn``).
    family : {"CNN", "LSTM", "KNN"}
    label : str
        Row label in the tables.
    description : str
        One sentence: what the recipe is and where its settings come from.
    build : callable
        ``build(protocol, random_state, verbose)`` -> unfitted estimator.
    """

    name: str
    family: str
    label: str
    description: str
    build: Callable


def _neural_common(protocol, random_state, verbose):
    return {"random_state": random_state, "verbose": verbose}


# --- seed recipes ----------------------------------------------------------


def _seed_knn(protocol, random_state, verbose):
    from sklearn.neighbors import KNeighborsClassifier

    return KNeighborsClassifier(n_neighbors=3)


def _seed_cnn(protocol, random_state, verbose):
    from sklearn_emnist import CharCNNClassifier

    params = _neural_common(protocol, random_state, verbose)
    params.update(architecture="seed", max_epochs=1 if protocol == "quick" else 10)
    return CharCNNClassifier(**params)


def _seed_lstm(protocol, random_state, verbose):
    from sklearn_emnist import LSTMRowClassifier

    params = _neural_common(protocol, random_state, verbose)
    params.update(
        hidden_size=16 if protocol == "quick" else 128,
        max_epochs=1 if protocol == "quick" else 10,
    )
    return LSTMRowClassifier(**params)


# --- the package's best recipes -------------------------------------------


def _best_knn(protocol, random_state, verbose):
    from sklearn_emnist import make_knn_pipeline

    return make_knn_pipeline()


def _best_cnn(protocol, random_state, verbose):
    from sklearn_emnist import CharCNNClassifier

    params = _neural_common(protocol, random_state, verbose)
    if protocol == "quick":
        params.update(architecture="seed", max_epochs=1)
    return CharCNNClassifier(**params)


def _best_lstm(protocol, random_state, verbose):
    from sklearn_emnist import LSTMRowClassifier

    params = _neural_common(protocol, random_state, verbose)
    if protocol == "quick":
        params.update(hidden_size=16, max_epochs=1)
    return LSTMRowClassifier(**params)


RECIPES = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            "seed-cnn",
            "CNN",
            "Seed CNN (Conv32-Pool-Conv64-Pool-Conv64-Dense128, 10 epochs)",
            "The seed's CNN exactly: CharCNNClassifier(architecture='seed'), Adam, 10 epochs.",
            _seed_cnn,
        ),
        Recipe(
            "seed-lstm",
            "LSTM",
            "Seed LSTM (rows, 128 units, Dense128, 10 epochs)",
            "The seed's LSTM over the 28 image rows: one layer of 128 units, 10 epochs.",
            _seed_lstm,
        ),
        Recipe(
            "seed-knn",
            "KNN",
            "Seed KNN (k=3, raw pixels)",
            "KNeighborsClassifier(n_neighbors=3) on the 784 raw pixels, brute force.",
            _seed_knn,
        ),
        Recipe(
            "best-cnn",
            "CNN",
            "CharCNNClassifier (package default)",
            "sklearn_emnist.CharCNNClassifier() with the defaults tuned on training data.",
            _best_cnn,
        ),
        Recipe(
            "best-lstm",
            "LSTM",
            "LSTMRowClassifier (package default)",
            "sklearn_emnist.LSTMRowClassifier() with the defaults tuned on training data.",
            _best_lstm,
        ),
        Recipe(
            "best-knn",
            "KNN",
            "make_knn_pipeline() (package default)",
            "sklearn_emnist.make_knn_pipeline(): the tuned preprocessing + PCA + KNN pipeline.",
            _best_knn,
        ),
    )
}

DEFAULT_MODELS = ("seed-cnn", "seed-lstm", "seed-knn", "best-cnn", "best-lstm", "best-knn")


def get_recipe(name):
    """The :class:`Recipe` called ``name``; a clear error listing the names otherwise."""
    try:
        return RECIPES[name]
    except KeyError:
        raise ValueError(
            f"unknown model recipe {name!r}; choose from {', '.join(sorted(RECIPES))}."
        ) from None


def build_estimator(name, *, protocol="seed", random_state=0, verbose=0):
    """Build the unfitted estimator of recipe ``name`` for ``protocol``.

    Parameters
    ----------
    name : str
        A key of :data:`RECIPES`.
    protocol : {"seed", "full", "quick"}, default="seed"
        ``quick`` shrinks the networks and trains one epoch (for tests).
    random_state : int, default=0
    verbose : int, default=0
        Passed to the neural estimators (1 prints one line per epoch).
    """
    return get_recipe(name).build(protocol, random_state, verbose)
