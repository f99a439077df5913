"""Schedules, thread settings, the batch iterator and the named recipes."""

import numpy as np
import pytest
import torch

from sklearn_emnist.neural import RECIPES, BatchIterator, ImageTensorDataset, make_recipe
from sklearn_emnist.neural._schedules import schedule_factor
from sklearn_emnist.neural._threads import effective_n_threads, resolve_device, torch_threads


@pytest.mark.parametrize("name", ["step", "cosine", "onecycle", "constant"])
def test_schedules_start_and_end_where_documented(name):
    factors = [schedule_factor(name, t) for t in np.linspace(0, 1, 101)]
    assert max(factors) == pytest.approx(1.0)
    end = {"step": 0.01, "cosine": 0.0, "onecycle": 4e-6, "constant": 1.0}[name]
    assert factors[-1] == pytest.approx(end, abs=1e-6)
    if name == "onecycle":
        assert factors[0] == pytest.approx(1 / 25) and np.argmax(factors) == 25


def test_effective_threads_follow_the_joblib_worker_limit(monkeypatch):
    import joblib

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert effective_n_threads(None) == joblib.cpu_count()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert effective_n_threads(None) == 1
    assert effective_n_threads(3) == 3
    assert effective_n_threads(-1) == joblib.cpu_count()
    with pytest.raises(ValueError):
        effective_n_threads(0)


def test_torch_threads_restores_the_previous_setting():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


def test_batch_iterator_shuffles_every_sample_once_per_epoch():
    ds = ImageTensorDataset(np.zeros((10, 28, 28), np.float32), np.arange(10))
    iterator = BatchIterator(ds, batch_size=4, shuffle=True,
                             generator=torch.Generator().manual_seed(0))
    assert len(iterator) == 3
    first = torch.cat([yb for _, yb in iterator])
    second = torch.cat([yb for _, yb in iterator])
    assert sorted(first.tolist()) == list(range(10)) == sorted(second.tolist())
    assert first.tolist() != second.tolist()


def test_batch_iterator_augments_whole_batches_and_carries_weights():
    ds = ImageTensorDataset(np.zeros((5, 28, 28), np.float32), np.arange(5),
                            sample_weight=np.arange(5) / 4)
    batches = list(BatchIterator(ds, batch_size=5, augment=lambda images: images + 0.5))
    Xb, yb = batches[0]
    assert torch.all(Xb["X"] == 0.5) and Xb["sample_weight"][-1] == 1.0
    with pytest.raises(TypeError, match="DataLoader"):
        BatchIterator(ds, num_workers=2)


def test_recipes_build_the_seed_and_tuned_models():
    assert set(RECIPES) == {"cnn-seed", "cnn-deep", "cnn-deep-long", "cnn-deeper-long",
                            "lstm-seed", "lstm-bilstm", "lstm-bilstm-long"}
    seed = make_recipe("lstm-seed", random_state=3)
    assert (seed.hidden_size, seed.num_layers, seed.bidirectional, seed.max_epochs) == (
        128, 1, False, 10)
    assert seed.augment is False and seed.random_state == 3
    with pytest.raises(ValueError, match="Unknown recipe"):
        make_recipe("cnn-huge")


def test_long_recipes_change_only_the_number_of_epochs():
    for short, long in (("cnn-deep", "cnn-deep-long"), ("lstm-bilstm", "lstm-bilstm-long")):
        short_params = make_recipe(short).get_params(deep=False)
        long_params = make_recipe(long).get_params(deep=False)
        changed = {k for k in short_params if short_params[k] != long_params[k]}
        assert changed == {"max_epochs"}
        assert long_params["max_epochs"] > short_params["max_epochs"]


def test_deeper_recipe_adds_only_the_second_convolutions_to_the_long_one():
    # its byclass records were run as cnn-deep-long with this one override
    deeper = make_recipe("cnn-deeper-long").get_params(deep=False)
    assert deeper == make_recipe("cnn-deep-long", module__convs_per_block=(1, 2, 2)).get_params(
        deep=False)
    assert deeper["module__convs_per_block"] == (1, 2, 2)
