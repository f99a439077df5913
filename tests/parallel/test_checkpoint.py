"""PerFitCheckpoint: each fit writes its own folder, so parallel fits never clobber."""

import io
import os

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
