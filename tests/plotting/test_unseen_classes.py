"""Classes an estimator never saw: their place in the label order, and their names."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.neighbors import KNeighborsClassifier

from sklearn_emnist.plotting import (
    CharConfusionMatrixDisplay,
    SampleImagesDisplay,
    WorstErrorsDisplay,
)
from sklearn_emnist.plotting._base import estimator_labels


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _images(y):
    """One distinct 28x28 image per class: row 2k inked for the k-th sorted label."""
    y = np.asarray(y)
    index = {label: k for k, label in enumerate(sorted(set(y.tolist())))}
    X = np.zeros((len(y), 28, 28), dtype=np.uint8)
    for row, label in enumerate(y.tolist()):
        X[row, 2 * index[label]] = 255
    return X.reshape(len(y), -1)


def _fit_without(y, unseen):
    """A 1-NN fitted on the images of ``y`` whose labels are not in ``unseen``."""
    y = np.asarray(y)
    X = _images(y)
    seen = ~np.isin(y, unseen)
    return KNeighborsClassifier(n_neighbors=1).fit(X[seen], y[seen]), X, y


def _ticks(display):
    x = [tick.label1.get_text() for tick in display.ax_.xaxis.get_major_ticks()]
    y = [tick.label1.get_text() for tick in display.ax_.yaxis.get_major_ticks()]
    assert x == y
    return x


def test_label_order_puts_unseen_integer_classes_in_their_place():
    # 2 falls between the classes seen, 5 after them
    knn, X, y = _fit_without([0, 1, 2, 3, 4, 5, 2, 0], unseen=[2, 5])
    assert knn.classes_.tolist() == [0, 1, 3, 4]
    display = CharConfusionMatrixDisplay.from_estimator(knn, X, y, order="label",
                                                        normalize=None, colorbar=False)
    assert _ticks(display) == ["0", "1", "2", "3", "4", "5"]
    assert display.labels_.tolist() == [0, 1, 2, 3, 4, 5]
    counts = display.confusion_matrix
    assert counts[2].sum() == 2 and counts[:, 2].sum() == 0  # both 2s, never predicted
    assert counts[5].sum() == 1 and counts[:, 5].sum() == 0
    # the same matrix as from the predictions themselves
    same = CharConfusionMatrixDisplay.from_predictions(y, knn.predict(X), order="label",
                                                       normalize=None, colorbar=False)
    assert _ticks(same) == _ticks(display)
    np.testing.assert_array_equal(counts, same.confusion_matrix)


def test_label_order_puts_an_unseen_string_class_in_its_place():
    knn, X, y = _fit_without(list("abcdec"), unseen=["c"])
    display = CharConfusionMatrixDisplay.from_estimator(knn, X, y, order="label",
                                                        normalize=None, colorbar=False)
    assert _ticks(display) == ["a", "b", "c", "d", "e"]
    assert display.confusion_matrix[2].sum() == 2


def test_a_sequence_of_names_moves_with_its_classes():
    # one name per class seen; the unseen 2 is named by itself, in its place
    knn, X, y = _fit_without([0, 1, 2, 3], unseen=[2])
    display = CharConfusionMatrixDisplay.from_estimator(
        knn, X, y, target_names=["zero", "one", "three"], order="label", normalize=None,
        colorbar=False)
    assert _ticks(display) == ["zero", "one", "2", "three"]
    assert display.labels_.tolist() == [0, 1, 2, 3]
    assert display.confusion_matrix[2].sum() == 1 and display.confusion_matrix[:, 2].sum() == 0


def test_a_mapping_without_an_unseen_class_names_it_by_its_label():
    knn, X, y = _fit_without([0, 1, 2, 3], unseen=[2])
    names = {0: "a", 1: "b", 3: "d"}
    display = CharConfusionMatrixDisplay.from_estimator(knn, X, y, target_names=names,
                                                        order="label", colorbar=False)
    assert _ticks(display) == ["a", "b", "2", "d"]
    assert names == {0: "a", 1: "b", 3: "d"}  # the caller's mapping is left as it was


def test_a_mapping_without_some_labels_names_them_by_their_label_in_from_predictions():
    display = CharConfusionMatrixDisplay.from_predictions(
        ["a", "b", "c", "c"], ["a", "c", "c", "b"], target_names={"a": "A", "c": "C"},
        order="label", colorbar=False)
    assert _ticks(display) == ["A", "b", "C"]


def test_a_sequence_of_names_of_the_wrong_length_is_still_refused():
    knn, X, y = _fit_without(list("abcd"), unseen=["c"])
    with pytest.raises(ValueError, match="target_names has 2 names but there are 4 labels"):
        CharConfusionMatrixDisplay.from_estimator(knn, X, y, target_names=["A", "B"])
    with pytest.raises(ValueError, match="target_names has 2 names but there are 3 labels"):
        CharConfusionMatrixDisplay.from_predictions([0, 1, 2], [0, 1, 1], labels=[0, 1, 2],
                                                    target_names=["a", "b"])


def test_image_grids_name_an_unseen_class_a_mapping_lacks_by_its_label():
    knn, X, y = _fit_without([0, 1, 2, 3, 2], unseen=[2])
    names = {0: "a", 1: "b", 3: "d"}
    samples = SampleImagesDisplay.from_estimator(knn, X, y, target_names=names,
                                                 n_images=len(y), random_state=None)
    assert samples.true_names == ["a", "b", "2", "d", "2"]
    assert "2" not in samples.pred_names
    worst = WorstErrorsDisplay.from_estimator(knn, X, y, target_names=names)
    assert sorted(worst.indices_.tolist()) == [2, 4]  # the two 2s, the only errors
    assert worst.true_names == ["2", "2"]
    for k, title in enumerate(axis.get_title() for axis in worst.axes_.flat[:2]):
        assert title.startswith(f"true 2 → {worst.pred_names[k]}")
        assert title.endswith("(2: 0%)")


def test_labels_that_cannot_be_compared_append_the_unseen_ones_in_order():
    # classes_ of mixed types: no label order; the unseen labels follow, unchanged
    classes = np.array([0, "x"], dtype=object)
    labels, names = estimator_labels(classes, None, np.array([3, 1, 0]))
    assert labels.tolist() == [0, "x", 1, 3]
    assert names is None
    labels, names = estimator_labels(classes, ["zero", "ex"], np.array([3, 1, 0]))
    assert labels.tolist() == [0, "x", 1, 3] and names == ["zero", "ex", "1", "3"]
    labels, names = estimator_labels(classes, {0: "zero"}, np.array([3, 1, 0]))
    assert [names[label] for label in labels.tolist()] == ["zero", "x", "1", "3"]


def test_a_mapping_that_names_none_of_the_labels_is_refused():
    # keys of another type: every label would silently show as itself
    y = np.array([0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match="names none of the labels"):
        CharConfusionMatrixDisplay.from_predictions(y, y, target_names={"0": "a", "1": "b"})
