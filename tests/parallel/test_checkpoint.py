"""PerFitCheckpoint: each fit writes its own folder, so parallel fits never clobber."""

import copy
import io
import json
import os
import pickle

import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback, Checkpoint, LoadInitState

from sklearn_emnist.neural import CharCNNClassifier
from sklearn_emnist.parallel import PerFitCheckpoint
from tests._data import load_bench



@pytest.fixture(scope="module")
def letters():
    return load_bench("letters-here", "train", n_per_class=8, random_state=1)


def _net(parent, **checkpoint):
    return CharCNNClassifier(
        architecture="seed",
        max_epochs=1,
        batch_size=64,
        random_state=0,
        n_threads=1,
        verbose=0,
        callbacks=[PerFitCheckpoint(dirname=str(parent), **checkpoint)],
    )


def _checkpoint(net):
    return dict(net.callbacks_)["PerFitCheckpoint"]


def test_two_fits_of_clones_write_two_folders_holding_their_own_weights(tmp_path, letters):
    X, y = letters
    template = _net(tmp_path, monitor=None)
    first = clone(template).fit(X, y)
    second = clone(template).set_params(random_state=1).fit(X, y)
    folders = [_checkpoint(net).dirname_ for net in (first, second)]
    assert folders[0] != folders[1]
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(f) for f in folders)
    for net, folder in zip((first, second), folders):
        saved = torch.load(os.path.join(folder, "params.pt"), weights_only=True)
        for name, value in net.module_.state_dict().items():
            torch.testing.assert_close(saved[name], value)
        assert os.path.isfile(os.path.join(folder, "history.json"))
    # different seeds, different weights: the files really are per fit
    w0 = torch.load(os.path.join(folders[0], "params.pt"), weights_only=True)
    w1 = torch.load(os.path.join(folders[1], "params.pt"), weights_only=True)
    assert any(not torch.equal(w0[k], w1[k]) for k in w0)


class _ScrambleWeightsInEpoch2(Callback):
    """Make the last epoch the worst, so that restoring the best one shows."""

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == 2:
            with torch.no_grad():
                for parameter in net.module_.parameters():
                    parameter.add_(torch.randn_like(parameter) * 3.0)


def test_load_best_restores_from_the_fits_own_folder(tmp_path, letters):
    X, y = letters
    net = _net(tmp_path, monitor="valid_loss_best", load_best=True)
    net.set_params(max_epochs=2, validation_fraction=0.25, lr=1e-5,
                   callbacks=[*net.callbacks, _ScrambleWeightsInEpoch2()])
    net.fit(X, y)
    # skorch restores the best epoch's history with its weights: epoch 1's
    assert len(net.history) == 1 and net.history[-1, "valid_loss_best"]
    folder = _checkpoint(net).dirname_
    assert os.path.dirname(folder) == str(tmp_path)
    saved = torch.load(os.path.join(folder, "params.pt"), weights_only=True)
    for name, value in net.module_.state_dict().items():
        torch.testing.assert_close(saved[name], value)  # epoch 1's weights, restored


def test_bad_file_names_are_refused_as_skorch_does(tmp_path):
    from skorch.exceptions import SkorchException

    checkpoint = PerFitCheckpoint(dirname=str(tmp_path))
    checkpoint.set_params(f_params=io.BytesIO())
    with pytest.raises(SkorchException, match="dirname"):
        checkpoint.initialize()  # as a fit does after set_params


def test_checkpoint_used_before_initialisation_says_so():
    with pytest.raises(RuntimeError, match="created when a fit starts"):
        PerFitCheckpoint().f_history_


@pytest.mark.parametrize("cloned", [False, True])
def test_load_init_state_is_refused_and_the_documented_resume_works(tmp_path, letters, cloned):
    X, y = letters
    checkpoint = PerFitCheckpoint(dirname=str(tmp_path), monitor=None)
    _net(tmp_path).set_params(callbacks=[checkpoint]).fit(X, y)
    first_folder = checkpoint.dirname_  # the next fit of this instance moves it
    pair = _net(tmp_path).set_params(callbacks=[checkpoint, LoadInitState(checkpoint)])
    with pytest.raises(ValueError, match="LoadInitState cannot resume from a PerFitCheckpoint"):
        (clone(pair) if cloned else pair).fit(X, y)  # GridSearchCV clones it
    earlier = Checkpoint(dirname=first_folder, monitor=None)
    resumed = _net(tmp_path).set_params(callbacks=[earlier, LoadInitState(earlier)]).fit(X, y)
    assert len(resumed.history) == 2  # the first fit's epoch, then one more


def _folders(parent):
    return sorted(os.path.join(parent, name) for name in os.listdir(parent))


def test_a_search_writes_one_folder_per_fit_and_none_empty(tmp_path, letters):
    from sklearn.model_selection import GridSearchCV

    X, y = letters
    # set_params(callbacks__...) re-initialises the callbacks of every candidate, fitted or not
    search = GridSearchCV(
        _net(tmp_path, monitor=None),
        {"callbacks__PerFitCheckpoint__load_best": [False, True]},
        cv=2, n_jobs=2, error_score="raise",
    ).fit(X, y)
    folders = _folders(tmp_path)
    assert len(folders) == 2 * 2 + 1  # 2 candidates x 2 folds, and the refit
    for folder in folders:
        assert sorted(os.listdir(folder)) == [
            "criterion.pt", "history.json", "optimizer.pt", "params.pt"]
    assert _checkpoint(search.best_estimator_).dirname_ in folders


def test_set_params_after_fit_keeps_the_fits_folder_for_load_params(tmp_path, letters):
    X, y = letters
    net = _net(tmp_path, monitor=None).fit(X, y)
    folder = _checkpoint(net).dirname_
    fitted = {k: v.clone() for k, v in net.module_.state_dict().items()}
    net.set_params(callbacks__PerFitCheckpoint__load_best=True)  # re-initialises the callbacks
    checkpoint = _checkpoint(net)
    assert checkpoint.dirname_ == folder
    assert _folders(tmp_path) == [folder]  # no new, empty folder
    with torch.no_grad():
        for parameter in net.module_.parameters():
            parameter.zero_()
    net.load_params(checkpoint=checkpoint)
    for name, value in net.module_.state_dict().items():
        torch.testing.assert_close(value, fitted[name])
    assert len(net.history) == 1


def test_continued_training_keeps_its_folder_and_a_new_fit_gets_one(tmp_path, letters):
    X, y = letters
    net = _net(tmp_path, monitor=None).fit(X, y)
    folder = _checkpoint(net).dirname_
    net.set_params(warm_start=True, callbacks__PerFitCheckpoint__load_best=False).fit(X, y)
    net.partial_fit(X, y)
    assert _checkpoint(net).dirname_ == folder and _folders(tmp_path) == [folder]
    assert len(net.history) == 3
    saved = torch.load(os.path.join(folder, "params.pt"), weights_only=True)
    for name, value in net.module_.state_dict().items():
        torch.testing.assert_close(saved[name], value)  # the last epoch's weights
    net.set_params(warm_start=False).fit(X, y)  # from scratch: a folder of its own
    assert _checkpoint(net).dirname_ != folder and len(_folders(tmp_path)) == 2
    assert len(net.history) == 1


@pytest.mark.parametrize("f_history", ["history.json", None])
@pytest.mark.parametrize("with_itself", [False, True])
def test_load_init_state_of_a_checkpoint_without_folder_is_refused(tmp_path, letters,
                                                                   f_history, with_itself):
    X, y = letters
    checkpoint = PerFitCheckpoint(dirname=str(tmp_path), monitor=None, f_history=f_history)
    # LoadInitState alone, or before the checkpoint: it asks for the files first
    callbacks = [LoadInitState(checkpoint)] + ([checkpoint] if with_itself else [])
    with pytest.raises(ValueError, match="LoadInitState cannot resume from a PerFitCheckpoint"):
        _net(tmp_path).set_params(callbacks=callbacks).fit(X, y)
    assert _folders(tmp_path) == []


def _history_epochs(folder):
    with open(os.path.join(folder, "history.json")) as f:
        return len(json.load(f))


_PER_EPOCH = ["criterion.pt", "history.json", "optimizer.pt"]


@pytest.mark.parametrize("copier", [copy.deepcopy, lambda net: pickle.loads(pickle.dumps(net))],
                         ids=["deepcopy", "pickle"])
def test_a_copy_of_a_fitted_net_trains_on_in_a_folder_of_its_own_seeded_with_the_fits_files(
        tmp_path, letters, copier):
    X, y = letters
    net = _net(tmp_path, monitor=None, f_params="p-{last_epoch[epoch]}.pt").fit(X, y)
    folder = _checkpoint(net).dirname_
    copied = copier(net).set_params(warm_start=True, max_epochs=2).fit(X, y)
    new = _checkpoint(copied).dirname_
    assert new != folder and os.path.dirname(new) == str(tmp_path)
    # the original's folder is as its fit left it
    assert sorted(os.listdir(folder)) == _PER_EPOCH + ["p-1.pt"]
    assert _history_epochs(folder) == 1
    # the copy's folder starts with the earlier fit's files, then its own epochs
    assert sorted(os.listdir(new)) == _PER_EPOCH + ["p-1.pt", "p-2.pt", "p-3.pt"]
    assert _history_epochs(new) == 3
    w_orig = torch.load(os.path.join(folder, "p-1.pt"), weights_only=True)
    w_seed = torch.load(os.path.join(new, "p-1.pt"), weights_only=True)
    assert all(torch.equal(w_orig[k], w_seed[k]) for k in w_orig)
    # the original still continues its own fit, in its own folder
    net.set_params(warm_start=True).fit(X, y)
    assert _checkpoint(net).dirname_ == folder and _history_epochs(folder) == 2
    assert _folders(tmp_path) == sorted([folder, new])


def _fine_tune(net, X, y, lr):
    net.set_params(warm_start=True, lr=lr).fit(X, y)
    return os.getpid(), _checkpoint(net).dirname_, len(net.history)


def test_parallel_fine_tunes_of_one_fitted_net_never_share_a_folder(tmp_path, letters):
    from joblib import Parallel, delayed

    X, y = letters
    net = _net(tmp_path, monitor=None).fit(X, y)
    folder = _checkpoint(net).dirname_
    results = Parallel(n_jobs=2, backend="loky")(
        delayed(_fine_tune)(net, X, y, lr) for lr in (1e-3, 3e-3))
    folders = [folder] + [new for _, new, _ in results]
    assert len(set(folders)) == 3 and _folders(tmp_path) == sorted(folders)
    assert _history_epochs(folder) == 1  # no worker wrote the original's history
    for _, new, epochs in results:
        assert epochs == 2 and _history_epochs(new) == 2


def test_load_best_in_a_copy_restores_an_epoch_the_copy_continues_from(tmp_path, letters):
    X, y = letters
    net = _net(tmp_path, monitor="valid_loss_best", load_best=True)
    net.set_params(validation_fraction=0.25, lr=1e-5,
                   callbacks=[*net.callbacks, _ScrambleWeightsInEpoch2()])
    net.fit(X, y)  # epoch 1, the best, saved in the original's folder
    best = {k: v.clone() for k, v in net.module_.state_dict().items()}
    copied = copy.deepcopy(net).set_params(warm_start=True)
    copied.fit(X, y)  # epoch 2 is scrambled: no new best, load_best restores epoch 1
    assert _checkpoint(copied).dirname_ != _checkpoint(net).dirname_
    assert len(copied.history) == 1 and copied.history[-1, "valid_loss_best"]
    for name, value in copied.module_.state_dict().items():
        torch.testing.assert_close(value, best[name])


def test_a_forked_process_continuing_the_fit_gets_a_folder_of_its_own(tmp_path, letters,
                                                                     monkeypatch):
    X, y = letters
    net = _net(tmp_path, monitor=None).fit(X, y)
    folder = _checkpoint(net).dirname_
    parent = os.getpid()
    # a fork's child holds the very same objects, in another process
    monkeypatch.setattr(os, "getpid", lambda: parent + 1)
    net.set_params(warm_start=True).fit(X, y)
    new = _checkpoint(net).dirname_
    assert new != folder and _history_epochs(folder) == 1 and _history_epochs(new) == 2
    # the child's own fit continues in the child's folder
    net.fit(X, y)
    assert _checkpoint(net).dirname_ == new and len(_folders(tmp_path)) == 2


def test_a_checkpoint_shared_by_two_nets_never_mixes_their_folders(tmp_path, letters):
    X, y = letters
    checkpoint = PerFitCheckpoint(dirname=str(tmp_path), monitor=None)
    first = _net(tmp_path).set_params(callbacks=[checkpoint]).fit(X, y)
    _net(tmp_path).set_params(callbacks=[checkpoint], random_state=1).fit(X, y)  # a second net
    second_folder = checkpoint.dirname_
    first.set_params(warm_start=True).fit(X, y)
    assert checkpoint.dirname_ != second_folder
    assert _history_epochs(second_folder) == 1  # the second net's files are its own
    # nothing of the second net's was copied into the first's new folder
    saved = torch.load(os.path.join(checkpoint.dirname_, "params.pt"), weights_only=True)
    for name, value in first.module_.state_dict().items():
        torch.testing.assert_close(saved[name], value)
    assert len(_folders(tmp_path)) == 3
