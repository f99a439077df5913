import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from sklearn_emnist.metrics import ConfusedPair, most_confused_pairs
from tests._data import load_bench, require_shared

pytestmark = pytest.mark.xdist_group("metrics-real-pairs")


def _byclass_names():
    mapping = require_shared("gzip", "emnist-byclass-mapping.txt")
    return [chr(int(line.split()[1])) for line in mapping.read_text().splitlines()]


def test_pairs_count_both_directions_and_symmetric_totals():
    y_true = np.array([0] * 10 + [1] * 10 + [2] * 10)
    y_pred = np.array([0] * 6 + [1] * 4 + [1] * 8 + [0] * 2 + [2] * 9 + [0])
    pairs = most_confused_pairs(y_true, y_pred, target_names=["O", "0", "o"])
    first = pairs[0]
    assert isinstance(first, ConfusedPair)
    assert (first.name_a, first.name_b) == ("O", "0")
    assert (first.a_as_b, first.b_as_a, first.total) == (4, 2, 6)
    assert first.a_as_b_rate == pytest.approx(0.4)
    assert first.b_as_a_rate == pytest.approx(0.2)
    assert first.rate == pytest.approx(6 / 20)
    assert (pairs[1].name_a, pairs[1].name_b, pairs[1].total) == ("o", "O", 1)
    assert len(pairs) == 2  # (0, o) never confused: left out


def test_pairs_put_the_stronger_direction_first():
    pairs = most_confused_pairs(["a", "b", "b", "b"], ["a", "a", "a", "b"])
    assert (pairs[0].name_a, pairs[0].a_as_b, pairs[0].b_as_a) == ("b", 2, 0)


def test_pairs_ranked_by_rate_favour_rare_classes():
    y_true = np.array([0] * 100 + [1] * 100 + [2] * 4 + [3] * 4)
    y_pred = y_true.copy()
    y_pred[:10] = 1  # 10 confusions among 200 samples
    y_pred[200:203] = 3  # 3 confusions among 8 samples
    by_count = most_confused_pairs(y_true, y_pred, top=1)
    by_rate = most_confused_pairs(y_true, y_pred, top=1, by="rate")
    assert (by_count[0].label_a, by_count[0].label_b) == (0, 1)
    assert (by_rate[0].label_a, by_rate[0].label_b) == (2, 3)


def test_pairs_top_min_count_and_json():
    y_true = [0, 0, 0, 1, 1, 2, 2, 3]
    y_pred = [1, 1, 0, 0, 2, 3, 3, 2]
    assert len(most_confused_pairs(y_true, y_pred, top=None)) == 3
    assert len(most_confused_pairs(y_true, y_pred, top=1)) == 1
    kept = most_confused_pairs(y_true, y_pred, top=None, min_count=3)
    assert [(p.label_a, p.label_b, p.total) for p in kept] == [(0, 1, 3), (2, 3, 3)]
    json.dumps(kept.to_records())


def test_pairs_among_a_subset_of_labels_keep_whole_class_rates():
    y_true = ["O"] * 10 + ["0"] * 10 + ["Q"] * 10
    y_pred = ["0"] * 3 + ["D"] * 5 + ["O"] * 2 + ["O"] * 4 + ["0"] * 6 + ["Q"] * 10
    pairs = most_confused_pairs(y_true, y_pred, labels=["O", "0", "Q"], top=None)
    assert [(p.name_a, p.name_b, p.a_as_b, p.b_as_a) for p in pairs] == [("0", "O", 4, 3)]
    # rates over every O and 0 in y_true, including the 5 O read as D (outside the subset)
    assert pairs[0].a_as_b_rate == pytest.approx(4 / 10)
    assert pairs[0].b_as_a_rate == pytest.approx(3 / 10)
    assert pairs[0].rate == pytest.approx(7 / 20)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"top": 0}, "top must be"), ({"by": "f1"}, "by must be"), ({"min_count": 0}, "min_count")],
)
def test_pairs_reject_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        most_confused_pairs([0, 1], [1, 0], **kwargs)


# Look-alike groups of EMNIST byclass (case pairs whose glyphs share a shape,
# and digit/letter twins).
LOOK_ALIKES = {
    frozenset(pair)
    for pair in [
        ("c", "C"), ("s", "S"), ("o", "O"), ("0", "O"), ("0", "o"), ("1", "l"), ("1", "I"),
        ("I", "l"), ("i", "l"), ("u", "U"), ("v", "V"), ("w", "W"), ("x", "X"), ("z", "Z"),
        ("m", "M"), ("p", "P"), ("k", "K"), ("y", "Y"), ("9", "q"), ("9", "g"), ("g", "q"),
        ("f", "F"), ("j", "J"), ("2", "z"), ("2", "Z"), ("5", "s"), ("5", "S"), ("t", "T"),
        ("u", "v"), ("U", "V"), ("1", "i"), ("1", "7"), ("6", "b"), ("a", "d"), ("h", "n"),
    ]
}


@pytest.mark.slow
def test_real_knn_confusions_on_byclass_are_known_look_alikes():
    names = _byclass_names()
    X_train, y_train = load_bench("byclass-here", "train", n_per_class=100)
    X_test, y_test = load_bench("byclass-here", "test", n_per_class=40)
    model = KNeighborsClassifier(n_neighbors=3).fit(X_train.reshape(len(X_train), -1), y_train)
    y_pred = model.predict(X_test.reshape(len(X_test), -1))
    pairs = most_confused_pairs(y_test, y_pred, target_names=names, top=10)
    found = [frozenset((p.name_a, p.name_b)) for p in pairs]
    known = [pair for pair in found if pair in LOOK_ALIKES]
    assert len(known) >= 8, [tuple(pair) for pair in found]
    assert frozenset(("c", "C")) in found or frozenset(("s", "S")) in found
    # a look-alike pair is confused far more often than an average pair
    n_pairs = len(names) * (len(names) - 1) / 2
    mean_total = np.sum(y_pred != y_test) / n_pairs
    assert pairs[0].total > 20 * mean_total


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_real_letters_confusions_include_known_look_alikes():
    X_train, y_train = load_bench("letters-here", "train", n_per_class=120)
    X_test, y_test = load_bench("letters-here", "test", n_per_class=60)
    letters = [chr(ord("a") + k) for k in range(26)]
    model = LogisticRegression(max_iter=200, C=0.01)
    model.fit(X_train.reshape(len(X_train), -1) / 255.0, y_train)
    y_pred = model.predict(X_test.reshape(len(X_test), -1) / 255.0)
    # string labels: the same analysis on characters directly
    pairs = most_confused_pairs(
        np.array(letters)[y_test], np.array(letters)[y_pred], top=8
    )
    found = {frozenset((p.name_a, p.name_b)) for p in pairs}
    expected = {frozenset(pair) for pair in [("g", "q"), ("i", "l"), ("u", "v"), ("a", "q"),
                                             ("h", "n"), ("c", "e"), ("a", "d"), ("b", "d")]}
    assert frozenset(("i", "l")) in found, sorted(tuple(sorted(p)) for p in found)
    assert len(found & expected) >= 3, sorted(tuple(sorted(p)) for p in found)
