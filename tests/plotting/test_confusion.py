import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.neighbors import KNeighborsClassifier

from sklearn_emnist.plotting import CharConfusionMatrixDisplay
from tests._data import load_bench

from ._helpers import LETTERS, byclass_names, is_png, letters_knn

pytestmark = pytest.mark.xdist_group("plotting-byclass-knn")


@pytest.fixture(scope="module")
def byclass_predictions():
    X_train, y_train = load_bench("byclass-here", "train", n_per_class=60)
    X_test, y_test = load_bench("byclass-here", "test", n_per_class=25)
    model = KNeighborsClassifier(n_neighbors=3).fit(X_train.reshape(len(X_train), -1), y_train)
    return y_test, model.predict(X_test.reshape(len(X_test), -1))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_62_class_matrix_renders_with_every_character_label(byclass_predictions, tmp_path):
    y_true, y_pred = byclass_predictions
    names = byclass_names()
    display = CharConfusionMatrixDisplay.from_predictions(y_true, y_pred, target_names=names)
    path = tmp_path / "confusion_62.png"
    display.figure_.savefig(path, dpi=80)
    assert is_png(path) and path.stat().st_size > 20_000
    shown = [tick.label1.get_text() for tick in display.ax_.xaxis.get_major_ticks()]
    assert shown == display.display_labels and sorted(shown) == sorted(names)
    assert len(display.ax_.get_xticks()) == 62
    # a person can read 62 labels: the figure gives each cell at least 0.2 inch
    _, height = display.figure_.get_size_inches()
    assert height / 62 >= 0.2
    np.testing.assert_allclose(display.confusion_matrix.sum(axis=1), 1.0)


def test_lookalike_order_puts_case_pairs_and_digit_twins_side_by_side(byclass_predictions):
    y_true, y_pred = byclass_predictions
    display = CharConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, target_names=byclass_names(), order="lookalike"
    )
    position = {name: k for k, name in enumerate(display.display_labels)}
    for a, b in [("c", "C"), ("s", "S"), ("0", "O"), ("O", "o"), ("1", "I"), ("9", "g")]:
        assert abs(position[a] - position[b]) <= 2, (a, b)
    assert sorted(display.order_) == list(range(62))
    assert display.labels_.tolist() == display.order_.tolist()  # integer labels 0..61


def test_lookalike_order_without_character_names_keeps_the_label_order(byclass_predictions):
    # integer labels and no target_names: "10" is no look-alike of "1"
    y_true, y_pred = byclass_predictions
    display = CharConfusionMatrixDisplay.from_predictions(y_true, y_pred)
    assert display.labels_.tolist() == list(range(62))
    assert display.groups is None


def test_from_estimator_of_a_model_that_never_saw_some_classes():
    X, y = load_bench("letters-here", "test", n_per_class=5)
    seen = np.isin(y, [0, 1, 2, 4])
    X_flat = X.reshape(len(X), -1)[seen]
    knn = KNeighborsClassifier(n_neighbors=1).fit(X_flat, y[seen])
    display = CharConfusionMatrixDisplay.from_estimator(knn, X_flat, y[seen],
                                                        target_names=LETTERS)
    # as the metrics do: every class of the names gets a row, named by position
    assert sorted(display.display_labels) == LETTERS
    assert [display.display_labels[k] for k in np.argsort(display.labels_)] == LETTERS


def test_cluster_order_groups_the_most_confused_pairs(byclass_predictions):
    y_true, y_pred = byclass_predictions
    names = byclass_names()
    display = CharConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, target_names=names, order="cluster"
    )
    position = {name: k for k, name in enumerate(display.display_labels)}
    # whatever the two most confused classes are, clustering puts them close
    off = display.confusion_matrix + display.confusion_matrix.T
    np.fill_diagonal(off, 0)
    i, j = np.unravel_index(off.argmax(), off.shape)
    assert abs(i - j) <= 2
    assert abs(position["c"] - position["C"]) <= 3


def test_auto_values_at_62_classes_only_label_large_confusions(byclass_predictions):
    y_true, y_pred = byclass_predictions
    display = CharConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, target_names=byclass_names()
    )
    texts = display.text_
    shown = np.array([[t is not None for t in row] for row in texts])
    assert shown.any()
    assert not np.diag(shown).any()
    assert (display.confusion_matrix[shown] >= 0.05).all()


def test_from_estimator_counts_and_explicit_order(tmp_path):
    model = letters_knn()
    X, y = load_bench("letters-here", "test", n_per_class=10)
    order = list(range(25, -1, -1))
    display = CharConfusionMatrixDisplay.from_estimator(
        model, X, y, target_names=LETTERS, normalize=None, order=order
    )
    assert display.display_labels[:3] == ["z", "y", "x"]
    assert display.confusion_matrix.sum() == len(y)
    # 26 classes: every non-zero cell, and only those, is written, with its count
    written = np.array([[text is not None for text in row] for row in display.text_])
    np.testing.assert_array_equal(written, display.confusion_matrix > 0)
    i, j = np.argwhere(written)[0]
    assert display.text_[i, j].get_text() == str(int(display.confusion_matrix[i, j]))
    display.figure_.savefig(tmp_path / "letters.png", dpi=60)
    assert is_png(tmp_path / "letters.png")


def test_counts_take_integer_formats_as_scikit_learn_does():
    display = CharConfusionMatrixDisplay.from_predictions(
        [0, 1, 1, 1], [0, 1, 0, 1], normalize=None, values_format="d", colorbar=False
    )
    assert display.text_[1, 1].get_text() == "2" and display.text_[1, 0].get_text() == "1"
    plt.close(display.figure_)


def test_plot_on_given_axes_string_labels():
    fig, ax = plt.subplots()
    display = CharConfusionMatrixDisplay.from_predictions(
        ["a", "b", "b"], ["a", "a", "b"], order="label", ax=ax, colorbar=False
    )
    assert display.ax_ is ax and display.figure_ is fig
    assert display.confusion_matrix.tolist() == [[1.0, 0.0], [0.5, 0.5]]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"normalize": "rows"}, "normalize must be"),
        ({"order": "alphabet"}, "order must be"),
        ({"order": ["a"]}, "every class label"),
        ({"color_scale": "cubic"}, "color_scale"),
    ],
)
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CharConfusionMatrixDisplay.from_predictions(["a", "b"], ["a", "b"], **kwargs)


def test_a_subset_of_labels_zooms_in_with_whole_class_rates():
    # O: one read as 0, one as x (not shown); Q read as O
    display = CharConfusionMatrixDisplay.from_predictions(
        ["O", "0", "Q", "x", "O"], ["0", "0", "O", "x", "x"], labels=["O", "0", "Q"],
        order="label")
    assert display.display_labels == ["O", "0", "Q"]
    assert display.confusion_matrix.tolist() == [[0.0, 0.5, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


@pytest.mark.parametrize("y_pred", [["O", "0", "l"], ["0", "O", "O"]])
def test_log_colour_scale_with_one_value_in_every_cell(y_pred):
    """A perfect classifier, normalised, has 1.0 in every non-empty cell (LogNorm had vmin == vmax)."""
    display = CharConfusionMatrixDisplay.from_predictions(
        ["O", "0", "l"], y_pred, color_scale="log", include_values=True)
    vmin, vmax = display.im_.norm.vmin, display.im_.norm.vmax
    assert vmax == display.confusion_matrix.max() and vmin < vmax


def test_missing_matplotlib_gives_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"sklearn-emnist\[plot\]"):
        CharConfusionMatrixDisplay.from_predictions([0, 1], [0, 1])


def test_from_estimator_shows_the_true_classes_the_estimator_never_saw():
    X, y = load_bench("letters-here", "test", n_per_class=5)
    keep = y < 5
    X_flat, names = X.reshape(len(X), -1)[keep], np.array(LETTERS)[y[keep]]
    seen = names != "c"
    knn = KNeighborsClassifier(n_neighbors=1).fit(X_flat[seen], names[seen])  # never saw "c"
    display = CharConfusionMatrixDisplay.from_estimator(knn, X_flat, names, normalize=None)
    # the "c" row was dropped, and its 5 samples with it
    assert sorted(display.display_labels) == ["a", "b", "c", "d", "e"]
    assert display.confusion_matrix.sum() == len(names)
    row = display.display_labels.index("c")
    assert display.confusion_matrix[row].sum() == 5 and display.confusion_matrix[:, row].sum() == 0
    same = CharConfusionMatrixDisplay.from_predictions(names, knn.predict(X_flat), normalize=None)
    assert display.display_labels == same.display_labels
    np.testing.assert_array_equal(display.confusion_matrix, same.confusion_matrix)


def test_from_estimator_names_an_unseen_integer_label_by_itself():
    # integer labels with one name per class the estimator saw: the unseen
    # label has no name of its own
    X, y = load_bench("letters-here", "test", n_per_class=5)
    keep = y < 3
    X_flat, y = X.reshape(len(X), -1)[keep], y[keep]
    knn = KNeighborsClassifier(n_neighbors=1).fit(X_flat[y < 2], y[y < 2])
    display = CharConfusionMatrixDisplay.from_estimator(knn, X_flat, y, target_names=["a", "b"],
                                                        normalize=None, order="label")
    assert display.display_labels == ["a", "b", "2"]
    assert display.confusion_matrix.sum() == len(y)


def test_normalize_all_writes_the_large_confusions_at_62_classes(byclass_predictions):
    # with normalize="all" the whole matrix sums to 1: a class's row to about
    # 1 / 62, so that the 5 % written for "true" is 0.05 / 62 here
    y_true, y_pred = byclass_predictions
    display = CharConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, target_names=byclass_names(), normalize="all"
    )
    assert display.text_ is not None  # no cell was written: every value < 0.05
    shown = np.array([[t is not None for t in row] for row in display.text_])
    off = ~np.eye(62, dtype=bool)
    np.testing.assert_array_equal(shown, off & (display.confusion_matrix >= 0.05 / 62))
    rows = CharConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, target_names=byclass_names(), normalize="true"
    )
    # about as many confusions are worth reading either way
    n_rows = sum(t is not None for t in rows.text_.ravel())
    assert 0.5 * n_rows <= shown.sum() <= 2 * n_rows
