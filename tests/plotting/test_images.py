import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import LinearSVC

from sklearn_emnist.plotting import SampleImagesDisplay, WorstErrorsDisplay
from tests._data import load_bench

from ._helpers import LETTERS, flatten, is_png, letters_knn

pytestmark = pytest.mark.xdist_group("plotting-letters-knn")


@pytest.fixture(scope="module")
def model_and_test():
    X, y = load_bench("letters-here", "test", n_per_class=8)
    return letters_knn(), X, y


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_sample_grid_titles_show_true_and_predicted_characters(model_and_test, tmp_path):
    model, X, y = model_and_test
    display = SampleImagesDisplay.from_estimator(model, X, y, target_names=LETTERS, n_images=16)
    assert display.axes_.shape == (4, 4) and len(display.indices_) == 16
    y_pred = model.predict(X)
    for k, index in enumerate(display.indices_):
        title = display.axes_.flat[k].get_title()
        assert title == f"true {LETTERS[y[index]]}\npred {LETTERS[y_pred[index]]}"
        color = display.axes_.flat[k].title.get_color()
        assert color == ("tab:green" if y[index] == y_pred[index] else "tab:red")
    display.figure_.savefig(tmp_path / "samples.png", dpi=60)
    assert is_png(tmp_path / "samples.png")


def test_sample_grid_shows_the_image_upright_and_accepts_flat_input(model_and_test):
    _, X, y = model_and_test
    display = SampleImagesDisplay.from_predictions(flatten(X), y, n_images=3, random_state=None)
    shown = display.axes_.flat[0].get_images()[0].get_array()
    np.testing.assert_array_equal(shown, X[0])
    assert display.axes_.flat[0].get_title() == f"true {y[0]}"


def test_sample_grid_errors_only(model_and_test):
    model, X, y = model_and_test
    y_pred = model.predict(X)
    display = SampleImagesDisplay.from_predictions(X, y, y_pred, which="errors", n_images=9)
    assert len(display.indices_) == min(9, int(np.sum(y != y_pred)))
    assert (y[display.indices_] != y_pred[display.indices_]).all()


def test_worst_errors_are_wrong_and_sorted_by_confidence(model_and_test, tmp_path):
    model, X, y = model_and_test
    display = WorstErrorsDisplay.from_estimator(model, X, y, target_names=LETTERS, n_images=12)
    proba = model.predict_proba(X)
    shown = display.indices_
    assert len(shown) == 12
    assert (proba[shown].argmax(axis=1) != y[shown]).all()
    confidence = proba[shown].max(axis=1)
    assert (np.diff(confidence) <= 0).all()
    wrong = proba.argmax(axis=1) != y
    assert confidence[0] == proba[wrong].max()
    first = display.axes_.flat[0].get_title()
    assert first.startswith(f"true {LETTERS[y[shown[0]]]} → ")
    display.figure_.savefig(tmp_path / "worst.png", dpi=60)
    assert is_png(tmp_path / "worst.png")


def test_worst_errors_need_predict_proba(model_and_test):
    _, X, y = model_and_test
    model = LinearSVC().fit(flatten(X) / 255.0, y)
    with pytest.raises(TypeError, match="no predict_proba"):
        WorstErrorsDisplay.from_estimator(model, X, y)


def test_worst_errors_refuse_labels_instead_of_probabilities(model_and_test):
    _, X, y = model_and_test
    with pytest.raises(ValueError, match="predict_proba"):
        WorstErrorsDisplay.from_predictions(X, y, y)


def test_worst_errors_refuse_nan_probabilities():
    proba = np.array([[np.nan, 0.9], [0.2, 0.8]])
    with pytest.raises(ValueError, match=r"y_proba holds NaN or infinite values \(rows \[0\]\)"):
        WorstErrorsDisplay.from_predictions(np.zeros((2, 784), np.uint8), [1, 0], proba)


def test_grid_refuses_too_few_axes(model_and_test):
    _, X, y = model_and_test
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="ax holds 2 Axes"):
        SampleImagesDisplay.from_predictions(X, y, n_images=4, ax=axes)


def test_grid_refuses_images_of_wrong_size():
    with pytest.raises(ValueError, match="28x28"):
        SampleImagesDisplay.from_predictions(np.zeros((3, 100)), n_images=3)


def test_grid_refuses_integer_and_string_labels_mixed():
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    with pytest.raises(ValueError, match="same kind of label"):
        SampleImagesDisplay.from_predictions(images, [0, 1], np.array(["a", "b"]), n_images=2)


def test_sample_grid_names_labels_through_the_estimators_classes(model_and_test):
    # labels 1..26, as in the raw letters files: target_names follow classes_, even
    # when the images shown hold only a few of the classes (a..e here)
    _, X, y = model_and_test
    X_flat = X.reshape(len(X), -1)
    knn = KNeighborsClassifier(n_neighbors=1).fit(X_flat, y + 1)
    few = y < 5
    display = SampleImagesDisplay.from_estimator(knn, X_flat[few], y[few] + 1,
                                                 target_names=LETTERS, n_images=8)
    assert display.true_names == [LETTERS[label] for label in y[few][display.indices_]]
    assert set(display.true_names) <= set("abcde")


def test_displays_of_a_model_that_never_saw_some_classes_name_labels_by_position(
    model_and_test,
):
    # a model fitted on a subset of the split's classes, shown with the split's names
    _, X, y = model_and_test
    X_train, y_train = load_bench("letters-here", "train", n_per_class=5, random_state=3)
    fit_on, shown = np.isin(y_train, [0, 1, 2, 4]), np.isin(y, [0, 1, 2, 4])
    knn = KNeighborsClassifier(n_neighbors=3).fit(flatten(X_train[fit_on]), y_train[fit_on])
    samples = SampleImagesDisplay.from_estimator(knn, flatten(X[shown]), y[shown],
                                                 target_names=LETTERS, n_images=8)
    assert samples.true_names == [LETTERS[label] for label in y[shown][samples.indices_]]
    worst = WorstErrorsDisplay.from_estimator(knn, flatten(X[shown]), y[shown],
                                              target_names=LETTERS)
    assert set(worst.true_names) | set(worst.pred_names) <= {"a", "b", "c", "e"}


def _model_that_never_saw_c(X, y):
    """A KNN fitted on the letters a, b, d, e (string labels) and test images of a..e."""
    keep = y < 5
    X_flat, names = flatten(X)[keep], np.array(LETTERS)[y[keep]]
    seen = names != "c"
    return KNeighborsClassifier(n_neighbors=3).fit(X_flat[seen], names[seen]), X_flat, names


def test_worst_errors_show_samples_of_a_class_the_estimator_never_saw(model_and_test):
    _, X, y = model_and_test
    knn, X_flat, names = _model_that_never_saw_c(X, y)
    # was refused, with advice it already followed ("pass the estimator's classes_")
    display = WorstErrorsDisplay.from_estimator(knn, X_flat, names, n_images=40)
    unseen = np.flatnonzero(names == "c")
    assert set(unseen) <= set(display.indices_.tolist())  # every "c" is an error
    for k, index in enumerate(display.indices_):
        if names[index] == "c":
            assert display.true_probabilities[k] == 0.0
            assert display.axes_.flat[k].get_title().endswith("(c: 0%)")
    confidences = np.asarray(display.confidences)
    assert (np.diff(confidences) <= 0).all()


def test_worst_errors_name_the_cause_of_labels_outside_the_default_classes(model_and_test):
    _, X, y = model_and_test
    knn, X_flat, names = _model_that_never_saw_c(X, y)
    with pytest.raises(ValueError, match=r"outside the default classes 0\.\.3 .* pass the label of "
                                         r"each column as classes"):
        WorstErrorsDisplay.from_predictions(X_flat, names, knn.predict_proba(X_flat))
    with pytest.raises(ValueError, match="numbers .* classes_ are strings"):
        WorstErrorsDisplay.from_estimator(knn, X_flat, y[y < 5])


def test_sample_grid_names_a_class_the_estimator_never_saw(model_and_test):
    _, X, y = model_and_test
    knn, X_flat, names = _model_that_never_saw_c(X, y)
    display = SampleImagesDisplay.from_estimator(knn, X_flat, names, n_images=len(names))
    assert display.true_names == names[display.indices_].tolist()
    assert "c" in display.true_names and "c" not in display.pred_names
