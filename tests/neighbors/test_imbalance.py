"""Imbalanced-learn samplers in the KNN pipeline on real, imbalanced byclass-here data.

byclass-here has 62 classes with 238 to 4,748 training images each. A KNN
trained on a stratified (so equally imbalanced) subset rarely predicts the
rare classes, most of which are lower-case twins of common upper-case
letters (c/C, o/O, s/S...). Resampling at fit time shifts the votes towards
them: their recall rises, and for a majority-vote KNN so does the macro
recall on a class-balanced test set.
"""

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline as ImbPipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split

from sklearn_emnist import make_knn_pipeline
from tests._data import load_bench


@pytest.fixture(scope="module")
def byclass():
    X, y = load_bench("byclass-here", "train")
    counts = np.bincount(y, minlength=62)
    rare = np.argsort(counts)[:15]
    X, _, y, _ = train_test_split(X, y, train_size=4000, stratify=y, random_state=0)
    X_test, y_test = load_bench("byclass-here", "test", n_per_class=30, random_state=0)
    return X, y, X_test, y_test, rare


def _recalls(sampler, byclass, **options):
    X, y, X_test, y_test, rare = byclass
    pipe = make_knn_pipeline(sampler=sampler, n_components=40, random_state=0, **options)
    recall = recall_score(y_test, pipe.fit(X, y).predict(X_test), average=None)
    return recall.mean(), recall[rare].mean()


def test_sampler_is_a_fit_time_step_before_the_knn(byclass):
    X, y, _, _, _ = byclass
    pipe = make_knn_pipeline(sampler=RandomUnderSampler(random_state=0), n_components=20)
    assert isinstance(pipe, ImbPipeline)
    assert [name for name, _ in pipe.steps][-2:] == ["sampler", "knn"]
    pipe.fit(X, y)
    fitted_counts = np.bincount(pipe.named_steps["knn"]._y)
    assert fitted_counts.min() == fitted_counts.max() == np.bincount(y).min()


@pytest.mark.parametrize(
    "sampler", [RandomOverSampler(random_state=0), RandomUnderSampler(random_state=0)]
)
def test_resampling_raises_the_recall_of_rare_classes(byclass, sampler):
    _, rare_before = _recalls(None, byclass)
    _, rare_after = _recalls(sampler, byclass)
    assert rare_after > rare_before + 0.05


def test_oversampling_raises_macro_recall_of_a_majority_vote_knn(byclass):
    options = {"n_neighbors": 15, "weights": "uniform"}
    macro_before, _ = _recalls(None, byclass, **options)
    macro_after, _ = _recalls(RandomOverSampler(random_state=0), byclass, **options)
    assert macro_after > macro_before + 0.03
