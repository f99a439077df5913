"""CharCNNClassifier on real EMNIST images: the scikit-learn contract in full."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.class_weight import compute_class_weight

from sklearn_emnist import CharCNNClassifier

from .conftest import LETTERS, TINY_CNN


def cnn(**overrides):
    """The tiny test CNN with some parameters replaced."""
    return CharCNNClassifier(**{**TINY_CNN, **overrides})


def test_short_fit_on_real_letters_learns(letters_train, letters_test):
    X, y = letters_train
    X_test, y_test = letters_test
    clf = cnn(max_epochs=3).fit(X, y)
    # 26 classes: chance is 3.8 %
    assert clf.score(X_test, y_test) > 0.5


def test_one_epoch_of_the_default_schedule_already_predicts(letters_train, letters_test):
    # the batch-norm statistics are recomputed after training: without that, one
    # one-cycle epoch left them so far behind the weights that predictions were
    # at chance (3.8 % here)
    X, y = letters_train
    X_test, y_test = letters_test
    clf = CharCNNClassifier(architecture="deep", max_epochs=1, n_threads=1, verbose=0,
                            random_state=0).fit(X, y)
    assert clf.score(X_test, y_test) > 0.2


def test_validation_scores_use_fresh_batch_norm_and_training_is_unchanged(letters_train):
    # the running averages trail the weights (see the test above): the per-epoch
    # validation scores are computed after a refresh on training images
    X, y = letters_train
    params = dict(architecture="deep", max_epochs=1, n_threads=1, verbose=0, random_state=0,
                  validation_fraction=0.2)
    fresh = CharCNNClassifier(**params).fit(X, y)
    stale = CharCNNClassifier(**params, callbacks__valid_batch_norm=None).fit(X, y)
    assert fresh.history[-1, "valid_acc"] > 0.2
    assert stale.history[-1, "valid_acc"] < 0.1  # what the epoch log showed before
    assert fresh.history[-1, "valid_loss"] < stale.history[-1, "valid_loss"]
    # the refresh uses a random stream of its own and changes no weight
    for (name, a), b in zip(fresh.module_.named_parameters(), stale.module_.parameters()):
        torch.testing.assert_close(a, b, msg=name)


def test_string_labels_are_decoded(fitted_letters_cnn, letters_test):
    X_test, y_test = letters_test
    np.testing.assert_array_equal(fitted_letters_cnn.classes_, LETTERS)
    y_pred = fitted_letters_cnn.predict(X_test)
    assert y_pred.dtype.kind == "U"
    assert set(y_pred) <= set(LETTERS)
    # a decoding slip (labels shifted by one) would score near chance (1/26)
    assert fitted_letters_cnn.score(X_test, LETTERS[y_test]) > 0.4


def test_fitted_attributes(fitted_letters_cnn):
    assert fitted_letters_cnn.n_features_in_ == 784
    assert fitted_letters_cnn.module_.classifier.out_features == 26
    assert fitted_letters_cnn.n_threads_ == 1


def test_every_input_layout_gives_the_same_probabilities(fitted_letters_cnn, letters_test):
    images = letters_test[0][:50]
    reference = fitted_letters_cnn.predict_proba(images)
    np.testing.assert_allclose(reference.sum(axis=1), 1.0, rtol=1e-5)
    for X in (images.reshape(50, 784), images[:, None], images.astype(np.float64) / 255,
              (images / 255).astype(np.float32).reshape(50, 784).tolist()):
        np.testing.assert_allclose(fitted_letters_cnn.predict_proba(X), reference, atol=1e-5)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.full((3, 784), np.nan), "NaN"),
        (np.zeros((3, 700)), "28x28"),
        (np.full((3, 784), 300), "out of range"),
        (np.full((3, 784), 2.0), "grey levels in \\[0, 1\\]"),
    ],
)
def test_bad_images_get_clear_errors(fitted_letters_cnn, X, match):
    with pytest.raises(ValueError, match=match):
        fitted_letters_cnn.predict(X)
    with pytest.raises(ValueError, match=match):
        cnn().fit(X, [0, 1, 0])


def test_predict_before_fit_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CharCNNClassifier().predict(np.zeros((1, 784)))


def test_clone_keeps_every_parameter_and_drops_the_fit(fitted_letters_cnn):
    copy = clone(fitted_letters_cnn)
    assert copy.get_params(deep=False).keys() == fitted_letters_cnn.get_params(deep=False).keys()
    assert copy.module__channels == (8, 16) and copy.module__dense_size == 32
    assert copy.architecture == "deep" and copy.device == "auto"
    assert not hasattr(copy, "classes_inferred_") and not hasattr(copy, "n_features_in_")


def test_pickle_round_trip_predicts_the_same(fitted_letters_cnn, letters_test):
    X_test = letters_test[0][:64]
    loaded = pickle.loads(pickle.dumps(fitted_letters_cnn))
    np.testing.assert_array_equal(loaded.predict(X_test), fitted_letters_cnn.predict(X_test))
    assert loaded.device == "auto"


@pytest.mark.skipif(torch.cuda.is_available(), reason="fakes a GPU model on a CPU-only machine")
def test_model_pickled_on_gpu_loads_on_cpu(fitted_letters_cnn, letters_test):
    """A net whose device says "cuda" (as when trained on a GPU) unpickles on a CPU box.

    The pickled weights are torch-serialised with their device; skorch maps
    them with ``map_location`` to the CPU when CUDA is missing.
    """
    X_test = letters_test[0][:64]
    expected = fitted_letters_cnn.predict(X_test)
    gpu_like = pickle.loads(pickle.dumps(fitted_letters_cnn))
    gpu_like.device = "cuda"
    blob = pickle.dumps(gpu_like)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skorch warns that it falls back to the CPU
        loaded = pickle.loads(blob)
    assert str(loaded.device) == "cpu"
    assert next(loaded.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict(X_test), expected)


def test_random_state_makes_fits_reproducible(letters_train, letters_test):
    X, y = letters_train[0][:400], letters_train[1][:400]
    X_test = letters_test[0][:50]
    first = cnn().fit(X, y).predict_proba(X_test)
    again = cnn().fit(X, y).predict_proba(X_test)
    other = cnn(random_state=1).fit(X, y).predict_proba(X_test)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_global_torch_rng_is_left_alone(letters_train):
    X, y = letters_train[0][:200], letters_train[1][:200]
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    cnn().fit(X, y)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())


def test_class_weight_is_computed_as_scikit_learn_does(letters_train):
    X, y = letters_train
    keep = (y < 3) | (np.arange(len(y)) % 4 == 0)  # make classes 0..2 frequent
    X, labels = X[keep], LETTERS[y[keep]]
    balanced = cnn(class_weight="balanced", max_epochs=0)
    balanced.fit(X, labels)
    expected = compute_class_weight("balanced", classes=np.unique(labels), y=labels)
    np.testing.assert_allclose(balanced.class_weight_, expected, rtol=1e-6)
    as_dict = cnn(class_weight={"a": 5.0}, max_epochs=0).fit(X, labels)
    assert as_dict.class_weight_[0] == 5.0 and np.all(as_dict.class_weight_[1:] == 1.0)


def test_balanced_class_weight_counts_sample_weights_as_logistic_regression_does(
        letters_train):
    X, y = letters_train[0][:300], letters_train[1][:300]
    sample_weight = np.where(y == 1, 10.0, 1.0)
    clf = cnn(class_weight="balanced", max_epochs=0).fit(X, y, sample_weight=sample_weight)
    expected = compute_class_weight("balanced", classes=np.unique(y), y=y,
                                    sample_weight=sample_weight)
    np.testing.assert_allclose(clf.class_weight_, expected, rtol=1e-6)
    unweighted = compute_class_weight("balanced", classes=np.unique(y), y=y)
    assert not np.allclose(clf.class_weight_, unweighted)


@pytest.mark.parametrize("criterion", [{"criterion": torch.nn.CrossEntropyLoss()},
                                       {"criterion__reduction": "mean"}],
                         ids=["instance", "reduction-mean"])
def test_a_criterion_that_averages_its_own_loss_refuses_weights(letters_train, criterion):
    X, y = letters_train[0][:200], letters_train[1][:200]
    with pytest.raises(ValueError, match="one averaged loss"):
        cnn(**criterion, class_weight={0: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="one averaged loss"):
        cnn(**criterion).fit(X, y, sample_weight=np.ones(len(y)))
    assert cnn(**criterion).fit(X, y).score(X, y) > 0  # without weights it trains


def test_class_and_sample_weights_multiply_each_sample_loss(letters_train):
    X, y = letters_train[0][:200], letters_train[1][:200]
    clf = cnn(class_weight={3: 4.0}, max_epochs=0).fit(X, y)
    logits = torch.randn(6, 26)
    y_true = torch.tensor([3, 3, 0, 1, 2, 5])
    sample_weight = torch.tensor([1.0, 0.5, 2.0, 0.0, 1.0, 1.0])
    per_sample = torch.nn.functional.cross_entropy(logits, y_true, reduction="none")
    weight = torch.tensor([4.0, 4.0, 1, 1, 1, 1]) * sample_weight
    loss = clf.get_loss(logits, y_true, X={"X": None, "sample_weight": sample_weight})
    torch.testing.assert_close(loss, (per_sample * weight).mean())


def test_balanced_class_weight_raises_recall_of_a_rare_class(letters_train):
    X, y = letters_train
    rare = (y == 0) & (np.arange(len(y)) % 6 != 0)  # keep 1/6 of the 'a's
    X, y = X[~rare], y[~rare]
    params = {**TINY_CNN, "max_epochs": 2}
    plain = CharCNNClassifier(**params).fit(X, y)
    weighted = CharCNNClassifier(**params, class_weight="balanced").fit(X, y)
    assert (weighted.predict(X) == 0).sum() > (plain.predict(X) == 0).sum()


def test_sample_weight_zero_means_ignored(letters_train):
    # the seed network (no batch norm, no dropout): a zero-weighted image changes
    # nothing, where batch norm would still see it in the batch statistics
    X, y = letters_train[0][:300], letters_train[1][:300]
    half = np.arange(len(y)) < 150
    seed = {key: value for key, value in TINY_CNN.items() if not key.startswith("module__")}

    def first_step(X_fit, y_fit, **fit_params):
        """How one full-batch step moves the weights from the same start."""
        def weights(model):
            return torch.cat([p.detach().flatten() for p in model.module_.parameters()])

        params = {**seed, "architecture": "seed", "batch_size": 300, "classes": np.arange(26)}
        start = weights(CharCNNClassifier(**{**params, "max_epochs": 0}).fit(X_fit, y_fit))
        return weights(CharCNNClassifier(**params).fit(X_fit, y_fit, **fit_params)) - start

    weighted = first_step(X, y, sample_weight=half.astype(float))
    subset = first_step(X[half], y[half])
    everything = first_step(X, y)
    cosine = torch.nn.functional.cosine_similarity
    assert cosine(weighted, subset, dim=0) > 0.999  # the same step as without that half
    assert cosine(weighted, everything, dim=0) < 0.9  # and not the step with it


def torch_threads_used(estimator, X, y):
    """A 'scorer' reporting the torch threads the estimator's fit used."""
    return estimator.n_threads_


def test_grid_search_with_two_workers_splits_the_cores(letters_train):
    import joblib

    X, y = letters_train[0][:520], letters_train[1][:520]
    search = GridSearchCV(cnn(n_threads=None), {"lr": [1e-3, 3e-3]}, cv=2, n_jobs=2,
                          scoring={"accuracy": "accuracy", "threads": torch_threads_used},
                          refit="accuracy")
    search.fit(X, y)
    # each of the 2 worker processes trains on its share of the cores
    expected = max(joblib.cpu_count() // 2, 1)
    np.testing.assert_array_equal(search.cv_results_["mean_test_threads"], [expected] * 2)
    assert search.best_estimator_.predict(X[:5]).shape == (5,)


def test_works_inside_a_pipeline(letters_train, letters_test):
    X, y = letters_train
    pipe = make_pipeline(FunctionTransformer(lambda images: images.reshape(len(images), -1)),
                         cnn())
    pipe.fit(X, LETTERS[y])
    assert pipe.predict(letters_test[0][:5]).dtype.kind == "U"


def test_transfer_learning_copies_all_but_the_output_layer(digits_train, letters_train,
                                                           letters_test):
    digits = cnn().fit(*digits_train)
    X, y = letters_train
    start = cnn(init_from=digits, max_epochs=0).fit(X, y)
    for name, tensor in digits.module_.state_dict().items():
        if not name.startswith("classifier."):
            torch.testing.assert_close(start.module_.state_dict()[name], tensor)
    assert start.module_.classifier.out_features == 26
    assert digits.module_.classifier.out_features == 10
    # fine-tuning from the state dict (what survives clone) learns the letters
    tuned = CharCNNClassifier(**{**TINY_CNN, "max_epochs": 2},
                              init_from=digits.module_.state_dict())
    tuned = clone(tuned).fit(X, y)
    assert tuned.score(*letters_test) > 0.3


def test_transfer_learning_from_another_architecture_is_refused(digits_train, letters_train):
    digits = cnn().fit(*digits_train)
    wrong = cnn(module__channels=(8, 32), init_from=digits)
    with pytest.raises(ValueError, match="init_from does not match"):
        wrong.fit(*letters_train)
    with pytest.raises(ValueError, match="unfitted"):
        cnn(init_from=clone(digits)).fit(*letters_train)


def test_warm_start_and_partial_fit_continue_training(letters_train):
    X, y = letters_train[0][:300], letters_train[1][:300]
    clf = cnn(warm_start=True).fit(X, y)
    weights = clf.module_.classifier.weight.detach().clone()
    clf.fit(X, y)
    assert len(clf.history) == 2
    assert not torch.equal(weights, clf.module_.classifier.weight)
    clf.partial_fit(X[:100], y[:100])
    assert len(clf.history) == 3
    with pytest.raises(ValueError, match="not seen in the first fit"):
        clf.partial_fit(X[:10], np.full(10, 99))


def test_lr_set_between_warm_start_fits_is_the_new_peak(letters_train):
    X, y = letters_train[0][:300], letters_train[1][:300]
    clf = cnn(warm_start=True, lr_schedule="onecycle", max_epochs=2).fit(X, y)
    assert clf.history[-1]["lr"] < 1e-4  # one-cycle ends near zero
    clf.fit(X, y)  # a warm start runs the whole schedule again, from the same peak
    assert max(clf.history[:, "lr"][2:]) == pytest.approx(max(clf.history[:, "lr"][:2]))
    weights = clf.module_.classifier.weight.detach().clone()
    clf.set_params(lr=0.0, lr_schedule="constant")
    clf.fit(X, y)
    assert clf.history[-1]["lr"] == 0.0
    assert torch.equal(weights, clf.module_.classifier.weight)


def test_a_schedule_removed_before_a_warm_start_leaves_lr_as_the_rate(letters_train):
    X, y = letters_train[0][:300], letters_train[1][:300]
    clf = cnn(warm_start=True, lr_schedule="onecycle", max_epochs=2).fit(X, y)
    assert clf.optimizer_.param_groups[0]["lr"] < 1e-4  # where one-cycle ended
    clf.set_params(lr_schedule=None)
    clf.fit(X, y)
    assert clf.optimizer_.param_groups[0]["lr"] == clf.lr


@pytest.mark.parametrize("n_images, iterator_params, batches_per_epoch", [
    (97, {}, 3),  # 32, 32, 33: a last batch of one image joins the one before
    (200, {"iterator_train__drop_last": True}, 3),  # 64 x 3, the last 8 dropped
], ids=["merged-single", "drop-last"])
def test_the_schedule_counts_the_batches_the_iterator_makes(
        letters_train, n_images, iterator_params, batches_per_epoch):
    X, y = letters_train[0][:n_images], letters_train[1][:n_images]
    batch_size = 32 if n_images == 97 else 64
    clf = cnn(lr_schedule="cosine", max_epochs=4, batch_size=batch_size,
              early_stopping=False, **iterator_params).fit(X, y)
    schedule = dict(clf.callbacks_)["lr_schedule"]
    assert schedule.total_steps_ == schedule.step_ == 4 * batches_per_epoch


def test_skorch_forward_returns_the_networks_outputs(fitted_letters_cnn, letters_test):
    X = letters_test[0][:10]  # uint8, flat: the images predict takes
    outputs = fitted_letters_cnn.forward(X)
    assert outputs.shape == (10, 26)
    probabilities = fitted_letters_cnn.predict_proba(letters_test[0][:10])
    np.testing.assert_array_equal(outputs.argmax(1).numpy(), probabilities.argmax(1))


def test_classes_parameter_names_labels_it_lacks(letters_train):
    X, y = letters_train[0][:200], letters_train[1][:200]
    with pytest.raises(ValueError, match="not in the classes parameter"):
        cnn(classes=[0, 1, 2]).fit(X, y)
    # partial_fit's classes is a set of labels: any order of the same ones is fine
    ordered = cnn(classes=[2, 1, 0] + list(range(3, 26)))
    with pytest.warns(UserWarning, match="not sorted; scikit-learn's probability scorers"):
        ordered.partial_fit(X, y, classes=ordered.classes)
    ordered.partial_fit(X, y, classes=np.arange(26))
    assert list(ordered.classes_[:3]) == [2, 1, 0]


def test_partial_fit_accepts_classes_up_front(letters_train):
    X, y = letters_train[0][:200], letters_train[1][:200]
    only_two = np.isin(y, [0, 1])
    clf = cnn()
    clf.partial_fit(X[only_two], y[only_two], classes=np.arange(26))
    assert clf.module_.classifier.out_features == 26
    clf.partial_fit(X, y)  # later calls may bring the other classes


def test_partial_fit_refuses_balanced_weights_and_takes_them_as_a_dict(letters_train):
    X, y = letters_train[0][:200], letters_train[1][:200]
    classes = np.arange(26)
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        cnn(class_weight="balanced").partial_fit(X, y, classes=classes)
    weights = compute_class_weight("balanced", classes=np.unique(y), y=y)
    clf = cnn(class_weight=dict(zip(np.unique(y), weights)))
    first_chunk = y < 2  # the weights stay the whole set's, not the chunk's
    clf.partial_fit(X[first_chunk], y[first_chunk], classes=np.unique(y))
    np.testing.assert_allclose(clf.class_weight_, weights, rtol=1e-6)


def test_early_stopping_stops_and_keeps_a_stratified_validation_split(letters_train):
    X, y = letters_train
    clf = cnn(max_epochs=30, lr=0.0, early_stopping=1,
                            validation_fraction=0.25)
    clf.fit(X, y)
    assert len(clf.history) == 2  # lr=0: the validation loss cannot improve
    train, valid = clf.get_split_datasets(clf._prepare_fit(X, y, None, reset=False))
    assert len(valid) == int(np.ceil(0.25 * len(y)))
    assert set(np.bincount(valid.y.numpy())) == {15}  # 60 per class -> 15 per class


def test_changed_callback_settings_reach_continued_training(letters_train):
    X, y = letters_train[0][:300], letters_train[1][:300]
    clf = cnn(warm_start=True, early_stopping=3, validation_fraction=0.2).fit(X, y)
    # no validation split any more: the old early stopping would look for valid_loss
    clf.set_params(early_stopping=False, validation_fraction=None).fit(X, y)
    clf.set_params(lr_schedule="constant", lr=0.004, max_epochs=2).partial_fit(X, y)
    assert clf.history[-2:, "lr"] == [0.004, 0.004]
    assert "early_stopping" not in dict(clf.callbacks_)


@pytest.mark.parametrize("n_train, batch_size", [(129, 128), (65, 64)])
def test_a_last_training_batch_of_one_image_joins_the_batch_before(
    letters_train, n_train, batch_size
):
    # the default network's batch norm cannot train on a batch of one image
    X, y = letters_train[0][:n_train], letters_train[1][:n_train]
    clf = cnn(batch_size=batch_size).fit(X, y)
    assert clf.history[-1]["train_batch_count"] == n_train // batch_size


def test_no_epoch_with_early_stopping_fits_nothing_and_does_not_crash(letters_train):
    X, y = letters_train[0][:100], letters_train[1][:100]
    clf = cnn(max_epochs=0, early_stopping=2).fit(X, y)
    assert len(clf.history) == 0 and clf.predict(X[:3]).shape == (3,)


def test_skorch_epoch_scoring_scores_the_estimators_own_labels(letters_train):
    from skorch.callbacks import EpochScoring

    X, y = letters_train
    clf = cnn(max_epochs=2, validation_fraction=0.25, callbacks=[
        EpochScoring("accuracy", name="acc_sklearn", lower_is_better=False),
    ]).fit(X, LETTERS[y])  # string labels: predict returns 'a'..'z'
    # the scorer sees true labels of predict's kind: it agrees with the loop's count
    np.testing.assert_allclose(clf.history[:, "acc_sklearn"], clf.history[:, "valid_acc"])
    assert clf.history[-1]["acc_sklearn"] > 0.1  # far above 1/26: labels matched


def test_a_class_with_one_image_is_trained_on_and_the_rest_stay_stratified(letters_train):
    X, y = letters_train
    # 10 images of each class 0..9 and a single image of class 10
    keep = np.concatenate([np.flatnonzero(y == c)[:10] for c in range(10)]
                          + [np.flatnonzero(y == 10)[:1]])
    X_small, y_small = X[keep], y[keep]
    for random_state in range(4):
        clf = cnn(validation_fraction=0.19, random_state=random_state)  # 20 of 101
        clf._prepare_fit(X_small, y_small, None, reset=True)
        train, valid = clf.get_split_datasets(clf._prepare_fit(X_small, y_small, None,
                                                                reset=False))
        assert np.bincount(valid.y.numpy(), minlength=11).tolist() == [2] * 10 + [0]
        assert 10 in train.y.numpy()


def test_too_small_a_validation_split_is_random_and_says_so_at_the_fit_call(letters_train):
    X, y = letters_train[0][:120], letters_train[1][:120]
    with pytest.warns(UserWarning, match="split is random") as record:
        cnn(validation_fraction=0.05).fit(X, y)
    assert record[0].filename == __file__  # points at the user's fit, not into skorch


def test_one_image_per_class_still_fits_with_a_validation_split(letters_train):
    # a few-shot fine-tune: no class can be split, the split falls back to random
    X, y = letters_train
    first = np.unique(y, return_index=True)[1]
    with pytest.warns(UserWarning, match="split is random"):
        clf = cnn(validation_fraction=0.2).fit(X[first], y[first])
    assert len(clf.history) == 1 and "valid_loss" in clf.history[-1]


def test_fit_leaves_the_users_scoring_callback_as_given(letters_train):
    from skorch.callbacks import EpochScoring
    from skorch.utils import to_numpy

    X, y = letters_train[0][:200], letters_train[1][:200]
    scoring = EpochScoring("accuracy", name="acc_sklearn", lower_is_better=False)
    cnn(validation_fraction=0.25, callbacks=[scoring]).fit(X, LETTERS[y])
    assert scoring.target_extractor is to_numpy


def test_partial_fit_checks_classes_as_scikit_learn_does(letters_train):
    X, y = letters_train[0][:200], letters_train[1][:200]
    with pytest.raises(ValueError, match="not in classes="):
        cnn().partial_fit(X, y, classes=np.arange(5))
    clf = cnn().partial_fit(X, y, classes=np.arange(26))
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=np.arange(30))
    clf.partial_fit(X, y, classes=np.arange(26))  # the same classes again are fine


def test_lr_schedules_follow_their_shape(letters_train):
    X, y = letters_train[0][:256], letters_train[1][:256]
    lrs = {}
    for schedule in ("cosine", "onecycle", "step"):
        clf = cnn(max_epochs=4, lr_schedule=schedule, lr=0.01)
        clf.fit(X, y)
        lrs[schedule] = clf.history[:, "lr"]
    assert lrs["cosine"] == sorted(lrs["cosine"], reverse=True) and lrs["cosine"][-1] < 1e-3
    assert lrs["onecycle"][0] > lrs["onecycle"][-1] and max(lrs["onecycle"]) <= 0.01
    assert lrs["step"][0] == pytest.approx(0.01) and lrs["step"][-1] == pytest.approx(1e-4)


def test_augmentation_touches_training_batches_only(letters_train, letters_test):
    X, y = letters_train[0][:256], letters_train[1][:256]
    calls = []

    def shift_right(images, random_state):
        calls.append(images.shape)
        return np.roll(images, 1, axis=2)

    clf = cnn(max_epochs=2, augment=shift_right).fit(X, y)
    assert sum(shape[0] for shape in calls) == 2 * 256
    n_calls = len(calls)
    clf.predict(letters_test[0])
    assert len(calls) == n_calls
    # the shared random_affine is the default augmentation
    cnn(augment={"rotation": 5.0}).fit(X, y)


def test_skorch_routing_prefixes_still_work(letters_train):
    X, y = letters_train[0][:256], letters_train[1][:256]
    clf = cnn(module__dense_size=12, optimizer__weight_decay=0.5,
                            criterion__label_smoothing=0.1, iterator_train__batch_size=32,
                            callbacks__print_log=None)
    clf.fit(X, y)
    assert clf.module_.classifier.in_features == 12
    assert clf.optimizer_.param_groups[0]["weight_decay"] == 0.5
    assert clf.criterion_.label_smoothing == 0.1
    assert cnn(label_smoothing=0.05).fit(X, y).criterion_.label_smoothing == 0.05
    assert clf.history[-1, "train_batch_count"] == 8
    clf.set_params(module__dense_size=20).fit(X, y)
    assert clf.module_.classifier.in_features == 20
    with pytest.raises(ValueError, match="did you mean module__"):
        cnn(module_dense_size=3).fit(X, y)


def test_verbose_switches_the_progress_display(letters_train, capsys):
    X, y = letters_train[0][:128], letters_train[1][:128]
    cnn().fit(X, y)
    assert capsys.readouterr().out == ""
    cnn(verbose=1, max_epochs=2).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out
    # not a terminal: skorch's colour codes for the best values are left out
    assert "\x1b[" not in out


def test_the_epoch_table_keeps_its_colours_on_a_terminal(letters_train, monkeypatch, capsys):
    import sys

    X, y = letters_train[0][:128], letters_train[1][:128]
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    cnn(verbose=1, max_epochs=2).fit(X, y)
    assert "\x1b[" in capsys.readouterr().out  # the best train_loss, coloured


def test_custom_module_and_architectures(letters_train):
    X, y = letters_train[0][:128], letters_train[1][:128]

    class Linear(torch.nn.Module):
        def __init__(self, n_classes):
            super().__init__()
            self.classifier = torch.nn.Linear(784, n_classes)

        def forward(self, X):
            return self.classifier(X.flatten(1))

    plain = {k: v for k, v in TINY_CNN.items() if not k.startswith("module__")}
    clf = CharCNNClassifier(**plain, module=Linear).fit(X, y)
    assert clf.module_.classifier.out_features == 26 and clf.predict(X).shape == (128,)
    for architecture in ("seed", "resnet", "deep-se"):
        params = {**TINY_CNN, "architecture": architecture}
        if architecture == "seed":
            params = {k: v for k, v in params.items() if not k.startswith("module__")}
        if architecture == "resnet":
            params.pop("module__convs_per_block"), params.pop("module__dense_size")
        clf = CharCNNClassifier(**params).fit(X, y)
        assert clf.predict_proba(X[:3]).shape == (3, 26)
    with pytest.raises(ValueError, match="architecture"):
        cnn(architecture="vgg99").fit(X, y)


def test_channels_last_trains_an_equivalent_network(letters_train, letters_test):
    X, y = letters_train
    X_test, y_test = letters_test
    default = cnn(channels_last=False, max_epochs=3).fit(X, y)
    cl = cnn(channels_last=True, max_epochs=3).fit(X, y)
    weight = cl.module_.features[0].weight
    assert weight.is_contiguous(memory_format=torch.channels_last)
    # same seed and batches; the summation order differs, and so do the trajectories,
    # but both learn as well
    assert cl.score(X_test, y_test) > 0.4
    assert abs(cl.score(X_test, y_test) - default.score(X_test, y_test)) < 0.1
    # the same weights give the same probabilities in either memory format
    same = pickle.loads(pickle.dumps(default))
    same.channels_last = True
    same.module_.to(memory_format=torch.channels_last)
    np.testing.assert_allclose(same.predict_proba(X_test), default.predict_proba(X_test),
                               atol=1e-4)


def test_bfloat16_precision_trains_an_equivalent_network(letters_train, letters_test):
    X, y = letters_train
    X_test, y_test = letters_test
    fp32 = cnn(max_epochs=3).fit(X, y)
    bf16 = cnn(max_epochs=3, precision="bfloat16").fit(X, y)
    # autocast: the weights (and so the optimizer's state) stay float32
    assert {p.dtype for p in bf16.module_.parameters()} == {torch.float32}
    proba = bf16.predict_proba(X_test)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert bf16.score(X_test, y_test) > 0.4
    assert abs(bf16.score(X_test, y_test) - fp32.score(X_test, y_test)) < 0.1
    # the forward pass really runs in bfloat16 (8-bit mantissa): the same weights
    # give slightly different probabilities, and nearly always the same labels
    same = pickle.loads(pickle.dumps(fp32))
    same.precision = "bfloat16"
    rounded = same.predict_proba(X_test)
    exact = fp32.predict_proba(X_test)
    assert 1e-4 < np.abs(rounded - exact).max() < 0.2
    assert np.mean(rounded.argmax(1) == exact.argmax(1)) > 0.95


def test_invalid_parameters_are_named(letters_train):
    X, y = letters_train[0][:64], letters_train[1][:64]
    with pytest.raises(ValueError, match="class_weight"):
        cnn(class_weight="balance").fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction"):
        cnn(validation_fraction=1.5).fit(X, y)
    with pytest.raises(ValueError, match="train_split"):
        cnn(train_split=lambda ds, y: (ds, None)).fit(X, y)
    with pytest.raises(ValueError, match="label_smoothing"):
        cnn(label_smoothing=0.2, criterion=torch.nn.NLLLoss).fit(X, y)
    with pytest.raises(ValueError, match="precision"):
        cnn(precision="float16").fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        cnn().fit(X, np.zeros(len(X), int))


@pytest.mark.parametrize("bad_refit", [
    {"sample_weight": np.ones(10)},          # wrong length
    {"class_weight": {"zz": 2.0}},           # a class the labels lack
])
def test_a_refit_that_fails_on_its_input_leaves_the_fitted_model_as_it_was(
        digits_train, letters_train, bad_refit):
    """The classes_ of the new labels were set before the error, with the old
    network kept: predict returned letters for digit outputs, silently."""
    X, y = digits_train
    clf = cnn().fit(X, y)
    before = clf.predict(X)
    X_new, y_new = letters_train
    class_weight = bad_refit.get("class_weight")
    with pytest.raises(ValueError):
        clf.set_params(class_weight=class_weight).fit(
            X_new, LETTERS[y_new], sample_weight=bad_refit.get("sample_weight"))
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    np.testing.assert_array_equal(clf.set_params(class_weight=None).predict(X), before)


def test_a_refit_whose_network_cannot_be_built_leaves_the_model_unfitted(digits_train):
    from sklearn.exceptions import NotFittedError

    X, y = digits_train
    clf = cnn().fit(X, y)
    wrong = {"features.0.weight": torch.zeros(3, 3)}  # not the shape of this network
    with pytest.raises(ValueError, match="init_from does not match this network"):
        clf.set_params(init_from=wrong).fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_set_params_keeps_the_device_asked_for(digits_train):
    assert cnn(device="auto").set_params(device="cpu").device == "cpu"
    X, y = digits_train
    clf = cnn(device="cpu").fit(X[:100], y[:100])
    # a rebuilt criterion on a fitted net: skorch moves it to the concrete device
    clf.set_params(device="auto", criterion=torch.nn.CrossEntropyLoss)
    assert clf.device == "auto"


def test_dataframe_columns_are_checked_against_those_of_fit(digits_train):
    pd = pytest.importorskip("pandas")
    X, y = digits_train
    frame = pd.DataFrame(X[:200].reshape(200, -1), columns=[f"pixel{k}" for k in range(784)])
    clf = cnn().fit(frame, y[:200])
    assert list(clf.feature_names_in_[:2]) == ["pixel0", "pixel1"]
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(clf.predict(frame), clf.predict(X[:200]))
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(frame[frame.columns[::-1]])


def test_a_refit_on_mixed_type_column_names_fails_before_changing_the_model(digits_train):
    pd = pytest.importorskip("pandas")
    X, y = digits_train
    clf = cnn().fit(X[:100], y[:100])
    before = clf.predict(X[:100])
    frame = pd.DataFrame(X[:100].reshape(100, -1), columns=["p0", *range(1, 784)])
    with pytest.raises(TypeError, match="Feature names are only supported if all input"):
        clf.fit(frame, LETTERS[y[:100]])
    np.testing.assert_array_equal(clf.classes_, np.unique(y[:100]))
    np.testing.assert_array_equal(clf.predict(X[:100]), before)


def test_predict_batch_size_is_the_prediction_batch_size(digits_train):
    X, y = digits_train
    clf = cnn(batch_size=128, predict_batch_size=16).fit(X[:100], y[:100])
    assert len(list(clf.forward_iter(X[:100]))) == 7  # ceil(100 / 16)
