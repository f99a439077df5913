"""What happens to a fitted network: parameters set after the fit, a module
instance given as the parameter, the classes fixed at fit, the batch-norm
statistics fit and partial_fit leave, early stopping's restored weights, and
the errors of settings torch would reject in its own terms."""

import copy

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from skorch.callbacks import Callback

from sklearn_emnist import CharCNNClassifier
from sklearn_emnist.deploy import load_weights, save_model, save_weights

from .conftest import LETTERS, TINY_CNN

PLAIN = {k: v for k, v in TINY_CNN.items() if not k.startswith("module__")}


def cnn(**overrides):
    return CharCNNClassifier(**{**TINY_CNN, **overrides})


class LinearNet(torch.nn.Module):
    """A custom network given as an instance (26 outputs)."""

    def __init__(self, n_outputs=26):
        super().__init__()
        torch.manual_seed(0)
        self.classifier = torch.nn.Linear(784, n_outputs)

    def forward(self, X):
        return torch.softmax(self.classifier(X.flatten(1)), dim=-1)


def batch_norm_statistics(module):
    return [(layer.running_mean.clone(), layer.running_var.clone())
            for layer in module.modules()
            if isinstance(layer, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d))]


def statistics_on(model, images, batch_size=256):
    """The batch-norm statistics of ``model``'s network recomputed on ``images``
    (uint8) in batches of ``batch_size``, as a plain PyTorch user would."""
    module = copy.deepcopy(model.module_)
    tensor = torch.from_numpy(images.astype(np.float32) / 255)[:, None]
    tensor = tensor.contiguous(memory_format=torch.channels_last)  # as the model trains
    torch.optim.swa_utils.update_bn(list(torch.split(tensor, batch_size)), module)
    return batch_norm_statistics(module)


def gap(actual, expected):
    """The largest relative distance between two sets of statistics, layer by layer
    (summation order alone, one thread against two, makes about 1e-3)."""
    assert len(actual) == len(expected) > 0
    return max(float(torch.linalg.norm(a - b) / torch.linalg.norm(b))
               for pair, pair_expected in zip(actual, expected)
               for a, b in zip(pair, pair_expected))


# --- set_params on a fitted model ------------------------------------------


def test_module_parameters_set_after_the_fit_wait_for_the_next_fit(letters_train):
    X, y = letters_train[0][:400], letters_train[1][:400]
    clf = cnn(max_epochs=2).fit(X, y)
    expected = clf.predict_proba(X[:50])
    # skorch would rebuild the network at once, with random weights
    clf.set_params(module__dense_size=32)  # the value it has
    np.testing.assert_array_equal(clf.predict_proba(X[:50]), expected)
    clf.set_params(module__dense_size=16)
    np.testing.assert_array_equal(clf.predict_proba(X[:50]), expected)
    assert clf.get_params()["module__dense_size"] == 16
    assert clf.module_.classifier.in_features == 32
    # so do the module and compile parameters skorch rebuilds the network for
    clf.set_params(module=LinearNet(), compile__dynamic=False)
    np.testing.assert_array_equal(clf.predict_proba(X[:50]), expected)
    clf.set_params(module=None).fit(X, y)
    assert clf.module_.classifier.in_features == 16


def test_save_weights_describes_the_network_as_fitted_not_later_parameters(
        letters_train, tmp_path):
    X, y = letters_train
    four = y < 4
    X, y = X[four], LETTERS[y[four]]
    clf = cnn(classes=["a", "b", "c", "d"], max_epochs=2).fit(X, y)
    expected = clf.predict_proba(X)
    clf.set_params(classes=["d", "c", "b", "a"], module__dense_size=16)
    loaded = load_weights(save_weights(clf, tmp_path / "weights"))
    np.testing.assert_array_equal(loaded.classes_, ["a", "b", "c", "d"])
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


def test_models_pickled_before_classes_were_fixed_keep_their_labels(letters_train):
    # before, classes_ read the classes parameter when it was set, and
    # classes_inferred_ could hold the labels of an earlier fit without it
    X, y = letters_train[0][:200], letters_train[1][:200] % 4
    clf = cnn().fit(X, y)
    clf.set_params(classes=["a", "b", "c", "d"]).fit(X, LETTERS[y])
    state = clf.__getstate__()
    state.pop("_classes_fitted_")
    state["classes_inferred_"] = np.arange(4)  # what the earlier fit left
    old = type(clf).__new__(type(clf))
    old.__setstate__(state)
    np.testing.assert_array_equal(old.classes_, ["a", "b", "c", "d"])
    np.testing.assert_array_equal(old.predict(X), clf.predict(X))


def test_classes_set_after_the_fit_do_not_relabel_the_outputs(letters_train):
    X, y = letters_train
    four = y < 4
    X, y = X[four], LETTERS[y[four]]
    clf = cnn(classes=["a", "b", "c", "d"], max_epochs=3).fit(X, y)
    expected = clf.predict(X)
    clf.set_params(classes=["d", "c", "b", "a"])
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c", "d"])
    np.testing.assert_array_equal(clf.predict(X), expected)
    with pytest.raises(ValueError, match="was changed since the network was built"):
        clf.set_params(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="was changed since the network was built"):
        clf.partial_fit(X, y)
    with pytest.warns(UserWarning, match="not sorted"):
        refit = clf.set_params(warm_start=False).fit(X, y)
    np.testing.assert_array_equal(refit.classes_, ["d", "c", "b", "a"])


def test_a_classes_parameter_lists_each_label_once(letters_train):
    X, y = letters_train[0][:100], letters_train[1][:100] % 4
    with pytest.raises(ValueError, match=r"lists array\(\[3\]\) more than once"):
        cnn(classes=[0, 1, 2, 3, 3]).fit(X, y)


def test_partial_fit_classes_must_be_those_of_the_classes_parameter(letters_train):
    X, y = letters_train[0][:100], letters_train[1][:100] % 4
    with pytest.raises(ValueError, match="are not those of the classes parameter"):
        cnn(classes=[0, 1, 2, 3]).partial_fit(X, y, classes=[0, 1, 2, 3, 4])
    clf = cnn(classes=[0, 1, 2, 3]).partial_fit(X, y, classes=[3, 2, 1, 0])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2, 3])


# --- a module instance as the parameter ------------------------------------


def test_a_module_instance_is_every_fits_starting_point_never_trained(letters_train):
    X, y = letters_train[0][:600], letters_train[1][:600]
    instance = LinearNet()
    initial = copy.deepcopy(instance.state_dict())
    clf = CharCNNClassifier(**{**PLAIN, "max_epochs": 2}, module=instance)
    first = clf.fit(X, y).predict_proba(X[:50])
    assert clf.module_ is not instance
    for name, tensor in instance.state_dict().items():
        torch.testing.assert_close(tensor, initial[name], rtol=0, atol=0)
    # a second fit starts over instead of going on from the first
    np.testing.assert_array_equal(clf.fit(X, y).predict_proba(X[:50]), first)
    # so a clone of the fitted model cross-validates as a fresh one does
    fresh = CharCNNClassifier(**{**PLAIN, "max_epochs": 2}, module=LinearNet())
    np.testing.assert_array_equal(cross_val_score(clone(clf), X, y, cv=2),
                                  cross_val_score(fresh, X, y, cv=2))


# --- batch-norm statistics --------------------------------------------------


def test_fit_recomputes_batch_norm_on_the_training_split_only(letters_train):
    X, y = letters_train
    clf = cnn(module__dropout=0.0, validation_fraction=0.25).fit(X, y)
    index_train, index_valid = clf._split_indices(y.astype(np.int64), warn=False)
    assert len(index_valid) == 390
    fitted = batch_norm_statistics(clf.module_)
    assert gap(fitted, statistics_on(clf, X[index_train])) < 2e-3
    assert gap(fitted, statistics_on(clf, X)) > 1e-2  # train and validation images


def test_one_partial_fit_call_already_predicts(letters_train, letters_test):
    # with the running averages training leaves, the first calls predicted one
    # class (exploration/partial_fit_batch_norm.json)
    X, y = letters_train
    X_test, y_test = letters_test
    clf = CharCNNClassifier(max_epochs=1, n_threads=1, verbose=0, random_state=0)
    clf.partial_fit(X, y)
    assert len(np.unique(clf.predict(X_test))) > 10
    assert clf.score(X_test, y_test) > 0.2  # chance: 3.8 %


def test_partial_fit_averages_batch_norm_statistics_with_the_running_ones(
        letters_train, monkeypatch):
    X, y = letters_train
    first, second = slice(0, 600), slice(600, 1000)
    clf = cnn(module__dropout=0.0).partial_fit(X[first], y[first], classes=np.arange(26))
    # the first call's statistics are its own images', with the final weights
    assert gap(batch_norm_statistics(clf.module_), statistics_on(clf, X[first])) < 2e-3
    running = []
    refresh = CharCNNClassifier._refresh_batch_norm

    def spy(self, *args, **kwargs):
        running.append(batch_norm_statistics(self.module_))  # as the training left them
        return refresh(self, *args, **kwargs)

    monkeypatch.setattr(CharCNNClassifier, "_refresh_batch_norm", spy)
    clf.partial_fit(X[second], y[second])
    # the running averages count for the earlier 600 images against the call's 400
    share = 600 / (600 + 400)
    own = statistics_on(clf, X[second])
    expected = [(mean.lerp(mean_running, share), var.lerp(var_running, share))
                for (mean, var), (mean_running, var_running) in zip(own, running[0])]
    after = batch_norm_statistics(clf.module_)
    assert gap(after, expected) < 2e-3
    assert gap(after, own) > 1e-2 and gap(after, running[0]) > 1e-2


def test_partial_fit_recomputes_batch_norm_on_its_training_split(letters_train):
    X, y = letters_train
    clf = cnn(module__dropout=0.0, validation_fraction=0.25).partial_fit(X, y)
    index_train, _ = clf._split_indices(y.astype(np.int64), warn=False)
    fitted = batch_norm_statistics(clf.module_)
    assert gap(fitted, statistics_on(clf, X[index_train])) < 2e-3
    assert gap(fitted, statistics_on(clf, X)) > 1e-2


def test_running_averages_count_for_at_most_2048_images(letters_train, monkeypatch):
    X, y = letters_train
    clf = cnn(module__dropout=0.0).fit(X, y)
    clf.partial_fit(X, y)  # 1,560 + 1,560 images trained on
    running = []
    refresh = CharCNNClassifier._refresh_batch_norm

    def spy(self, *args, **kwargs):
        running.append(batch_norm_statistics(self.module_))
        return refresh(self, *args, **kwargs)

    monkeypatch.setattr(CharCNNClassifier, "_refresh_batch_norm", spy)
    clf.partial_fit(X[:400], y[:400])
    share = 2048 / (2048 + 400)
    expected = [(mean.lerp(mean_running, share), var.lerp(var_running, share))
                for (mean, var), (mean_running, var_running)
                in zip(statistics_on(clf, X[:400]), running[0])]
    assert gap(batch_norm_statistics(clf.module_), expected) < 2e-3


# --- early stopping ---------------------------------------------------------


class SpoilAfterFirstEpoch(Callback):
    """Keeps the weights of epoch 1, then spoils them."""

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            self.kept = copy.deepcopy(net.module_.state_dict())
            with torch.no_grad():
                net.module_.classifier.weight.mul_(100).add_(5)


def test_early_stopping_restores_the_best_epochs_weights(letters_train):
    X, y = letters_train
    spoil = SpoilAfterFirstEpoch()
    clf = cnn(max_epochs=10, early_stopping=1, validation_fraction=0.25,
              callbacks=[("spoil", spoil)]).fit(X, y)
    assert len(clf.history) == 2
    assert clf.history[1, "valid_loss"] > clf.history[0, "valid_loss"]
    for name, tensor in clf.module_.state_dict().items():
        if "running_" not in name and "num_batches" not in name:  # statistics are recomputed
            torch.testing.assert_close(tensor, spoil.kept[name], rtol=0, atol=0, msg=name)


# --- augmentation and device -----------------------------------------------


def test_the_default_augmentation_is_random_affine_on_training_batches(letters_train, monkeypatch):
    from sklearn_emnist import augmentation

    X, y = letters_train[0][:256], letters_train[1][:256]
    calls = []
    original = augmentation.random_affine

    def spy(images, random_state=None, **kwargs):
        calls.append((len(images), kwargs))
        return original(images, random_state=random_state, **kwargs)

    monkeypatch.setattr(augmentation, "random_affine", spy)
    clf = cnn(max_epochs=2, augment=True).fit(X, y)
    assert sum(n for n, _ in calls) == 2 * 256 and {repr(k) for _, k in calls} == {"{}"}
    clf.predict(X)
    assert sum(n for n, _ in calls) == 2 * 256  # predict does not augment
    calls.clear()
    cnn(augment={"rotation": 5.0}).fit(X, y)
    assert calls and all(kwargs == {"rotation": 5.0} for _, kwargs in calls)


def test_device_auto_trains_on_a_gpu_when_there_is_one(letters_train, monkeypatch):
    X, y = letters_train[0][:128], letters_train[1][:128]
    if torch.cuda.is_available():
        clf = cnn().fit(X, y)
        assert next(clf.module_.parameters()).device.type == "cuda"
        assert clf.device == "auto"
        return
    # no GPU here: a torch that says it has one gets the network sent to it
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with pytest.raises((AssertionError, RuntimeError), match="CUDA"):
        cnn().fit(X, y)


# --- errors in the estimator's terms ---------------------------------------


def test_batches_of_one_image_get_an_error_naming_the_batch_size(letters_train):
    X, y = letters_train[0][:100], letters_train[1][:100]
    with pytest.raises(ValueError, match="batch_size"):
        cnn(batch_size=0).fit(X, y)
    with pytest.raises(ValueError, match="single image.*batch_size >= 2"):
        cnn(batch_size=1).fit(X, y)
    with pytest.raises(ValueError, match="single image.*validation split"):
        cnn(early_stopping=1).fit(X[:2], [0, 1])
    with pytest.raises(ValueError, match="single image.*batch_size >= 2"):
        cnn(batch_size=1).partial_fit(X, y)


def test_a_network_with_the_wrong_number_of_outputs_is_named(letters_train):
    X, y = letters_train[0][:100], letters_train[1][:100] % 4
    with pytest.raises(ValueError, match=r"shape \(64, 26\).*one output per class: \(64, 4\)"):
        CharCNNClassifier(**PLAIN, module=LinearNet(26)).fit(X, y)


def test_init_from_takes_a_model_file_or_a_weights_folder(letters_train, digits_train, tmp_path):
    X_digits, y_digits = digits_train
    source = cnn(max_epochs=2).fit(X_digits, y_digits)
    save_model(source, tmp_path / "digits.skem")
    save_weights(source, tmp_path / "digits-weights")
    expected = {name: tensor for name, tensor in source.module_.state_dict().items()
                if not name.startswith("classifier.")}
    X, y = letters_train
    for path in (tmp_path / "digits.skem", tmp_path / "digits-weights", str(tmp_path / "digits.skem")):
        clf = cnn(max_epochs=0, init_from=path).fit(X, y)
        assert clf.module_.classifier.out_features == 26
        state = clf.module_.state_dict()
        for name, tensor in expected.items():
            torch.testing.assert_close(state[name], tensor, rtol=0, atol=0, msg=name)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="without params.pt: not a folder written by save_weights"):
        cnn(init_from=tmp_path / "empty").fit(X, y)
    (tmp_path / "notes.txt").write_text("not weights")
    with pytest.raises(ValueError, match="no network weights.*save_model.*save_weights"):
        cnn(init_from=tmp_path / "notes.txt").fit(X, y)


# --- loss, optimizer and iterators set after the fit -------------------------


def test_loss_and_optimizer_set_after_the_fit_wait_for_training(letters_train):
    X, y = letters_train[0][:300], letters_train[1][:300]
    clf = cnn(label_smoothing=0.0, max_epochs=2).fit(X, y)
    expected = clf.predict_proba(X[:20])
    # skorch rebuilt the loss at once (predict_proba then gave raw scores) and
    # refused an optimizer or iterator setting with its "something went wrong"
    clf.set_params(criterion=torch.nn.NLLLoss, optimizer=torch.optim.SGD,
                   iterator_train__shuffle=False)
    np.testing.assert_array_equal(clf.predict_proba(X[:20]), expected)
    assert isinstance(clf.criterion_, torch.nn.CrossEntropyLoss)
    assert isinstance(clf.optimizer_, torch.optim.AdamW)
    clf.set_params(warm_start=True).fit(X, y)  # training resumes with the new parts
    assert isinstance(clf.criterion_, torch.nn.NLLLoss)
    assert isinstance(clf.optimizer_, torch.optim.SGD)


def test_the_learning_rate_set_after_the_fit_reaches_the_optimizer_at_once(letters_train):
    X, y = letters_train[0][:200], letters_train[1][:200]
    clf = cnn().fit(X, y)
    clf.set_params(optimizer__lr=0.123)
    assert clf.optimizer_.param_groups[0]["lr"] == 0.123


# --- predicting leaves the estimator alone ----------------------------------


def test_predict_leaves_the_device_parameter_as_it_is(letters_train):
    # a predict in one thread turned device "auto" into "cpu" for its duration:
    # another thread predicting then handed "auto" to torch, which refused it
    X, y = letters_train[0][:200], letters_train[1][:200]
    clf = cnn(device="auto").fit(X, y)
    seen = []
    clf.module_.register_forward_hook(lambda module, inputs, output: seen.append(clf.device))
    clf.predict(X[:10])
    assert seen and set(seen) == {"auto"}


def test_a_paused_forward_iter_holds_no_thread_setting(letters_train):
    X, y = letters_train[0][:600], letters_train[1][:600]
    clf = cnn(n_threads=1, predict_batch_size=100).fit(X, y)
    before = torch.get_num_threads()
    with torch_threads_set_to(2):
        batches = clf.forward_iter(X)
        first = next(batches)
        assert torch.get_num_threads() == 2  # not 1 while the caller holds the generator
        rest = list(batches)
    assert torch.get_num_threads() == before
    assert len(first) + sum(len(batch) for batch in rest) == 600


def torch_threads_set_to(n):
    from sklearn_emnist.neural._threads import torch_threads

    return torch_threads(n)


# --- class weights ----------------------------------------------------------


@pytest.mark.parametrize("weight", [np.nan, np.inf, -1.0])
def test_class_weights_must_be_finite_and_non_negative(letters_train, weight):
    X, y = letters_train[0][:100], letters_train[1][:100] % 4
    with pytest.raises(ValueError, match="class_weight must be finite and non-negative"):
        cnn(class_weight={0: weight}).fit(X, y)


def test_class_weight_keys_of_digit_string_labels_are_matched(letters_train):
    # scikit-learn's compute_class_weight turns '0' into 0 and then finds no key
    X, y = letters_train[0][:100], letters_train[1][:100] % 4
    digits = np.array(["0", "1", "2", "3"])[y]
    clf = cnn(class_weight={"0": 5.0}, max_epochs=0).fit(X, digits)
    np.testing.assert_array_equal(clf.class_weight_, [5.0, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"class_weight has keys \['7'\] that are not classes"):
        cnn(class_weight={"7": 2.0}).fit(X, digits)


def test_balanced_weights_need_images_of_every_class(letters_train):
    X, y = letters_train[0][:100], letters_train[1][:100] % 4
    with pytest.raises(ValueError, match=r"y has no images of array\(\[4\]\)"):
        cnn(class_weight="balanced", classes=[0, 1, 2, 3, 4]).fit(X, y)


def test_labels_encoded_by_a_meta_estimator_are_explained(letters_train):
    X, y = letters_train[0][:100], letters_train[1][:100] % 4
    with pytest.raises(ValueError, match="meta-estimator that encodes y itself"):
        cnn(classes=["a", "b", "c", "d"]).fit(X, y)


def test_save_weights_stores_classes_given_as_an_array(letters_train, tmp_path):
    X, y = letters_train[0][:100], letters_train[1][:100] % 4
    clf = cnn(classes=np.arange(4)).fit(X, y)
    loaded = load_weights(save_weights(clf, tmp_path / "weights"))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
