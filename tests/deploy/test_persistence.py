"""Versioned model files and skorch's save_params route, with real trained models."""

import contextlib
import copy
import errno
import json
import os
import re
import warnings

import joblib
import numpy as np
import pytest

from sklearn_emnist.deploy import (
    ModelVersionWarning,
    load_model,
    load_weights,
    quantize_dynamic,
    read_model_header,
    save_model,
    save_weights,
)
from sklearn_emnist.deploy._persistence import MAGIC
from tests.deploy.conftest import WRAPPERS, wrapped

# one worker trains the shared tiny models once (session fixtures in conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]


def _rewrite_header(path, change):
    """Edit the JSON header of a saved model file in place (the pickle is kept)."""
    with open(path, "rb") as handle:
        assert handle.read(len(MAGIC)) == MAGIC
        header = json.loads(handle.readline())
        rest = handle.read()
    change(header)
    with open(path, "wb") as handle:
        handle.write(MAGIC + json.dumps(header).encode() + b"\n" + rest)


def test_round_trip_keeps_predictions_and_records_versions(cnn, letters_test, tmp_path):
    X, _ = letters_test
    path = save_model(cnn, tmp_path / "cnn.skem", metadata={"split": "letters", "epochs": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same versions: no warning at all
        loaded, header = load_model(path, return_header=True)
    np.testing.assert_array_equal(loaded.predict_proba(X), cnn.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), cnn.predict(X))
    assert header["format_version"] == 2
    assert header["estimator"] == "sklearn_emnist.neural._cnn.CharCNNClassifier"
    assert {"sklearn_emnist", "scikit-learn", "skorch", "torch", "numpy", "python"} <= set(
        header["versions"])
    assert header["classes"] == list("abcdefghijklmnopqrstuvwxyz")
    assert header["metadata"] == {"split": "letters", "epochs": 2}
    assert read_model_header(path) == header
    assert [f.name for f in tmp_path.iterdir()] == ["cnn.skem"]  # no temporary file left


def test_another_writers_temporary_file_is_left_alone(tmp_path):
    from sklearn.dummy import DummyClassifier

    # what a second process saving to the same path at the same moment would own
    foreign = tmp_path / "model.skem.part"
    foreign.write_bytes(b"another process's half-written model")
    model = DummyClassifier().fit([[0], [1]], ["a", "b"])
    path = save_model(model, tmp_path / "model.skem")
    assert foreign.read_bytes() == b"another process's half-written model"
    assert load_model(path).predict([[0]]).tolist() == ["a"]


def test_version_mismatch_warns_naming_package_and_versions(cnn, tmp_path):
    path = save_model(cnn, tmp_path / "cnn.skem")
    _rewrite_header(path, lambda h: h["versions"].update(torch="1.0.0", skorch="0.9.0"))
    with pytest.warns(ModelVersionWarning) as record:
        loaded = load_model(path)
    (message,) = [str(w.message) for w in record if w.category is ModelVersionWarning]
    assert "torch 1.0.0 (installed: " in message and "skorch 0.9.0 (installed: " in message
    assert "scikit-learn" not in message  # only the packages that differ
    assert loaded.classes_.tolist() == cnn.classes_.tolist()


def test_header_is_read_before_the_pickle(cnn, tmp_path):
    path = save_model(cnn, tmp_path / "cnn.skem")
    _rewrite_header(path, lambda h: h["versions"].update(torch="1.0.0"))
    with open(path, "r+b") as handle:  # break the pickle, keep the header
        handle.seek(-200, 2)
        handle.write(b"\0" * 200)
    with (pytest.warns(ModelVersionWarning, match="torch 1.0.0"),
          pytest.raises(RuntimeError, match=r"cannot unpickle.*torch 1\.0\.0")):
        load_model(path)


def test_newer_format_and_corrupt_header_are_refused(cnn, tmp_path):
    path = save_model(cnn, tmp_path / "cnn.skem")
    _rewrite_header(path, lambda h: h.update(format_version=99))
    with pytest.raises(ValueError, match="newer than this sklearn-emnist"):
        load_model(path)
    (tmp_path / "bad.skem").write_bytes(MAGIC + b"{not json\n")
    with pytest.raises(ValueError, match="corrupt"):
        load_model(tmp_path / "bad.skem")
    with pytest.raises(FileNotFoundError, match="model file not found"):
        load_model(tmp_path / "missing.skem")


def test_cli_format_1_and_plain_joblib_files_load(lstm, letters_test, tmp_path):
    X, _ = letters_test
    cli_file = tmp_path / "cli.joblib"
    joblib.dump({"format": "sklearn-emnist-model", "format_version": 1, "model": lstm,
                 "target_names": ["a"], "versions": {"torch": "0.1"}}, cli_file)
    with pytest.warns(ModelVersionWarning, match="torch 0.1"):
        model, header = load_model(cli_file, return_header=True)
    assert header["metadata"] == {"target_names": ["a"]} and header["format_version"] == 1
    np.testing.assert_array_equal(model.predict(X), lstm.predict(X))
    joblib.dump(lstm, tmp_path / "plain.joblib")
    assert read_model_header(tmp_path / "plain.joblib") == {}
    np.testing.assert_array_equal(load_model(tmp_path / "plain.joblib").predict(X),
                                  lstm.predict(X))


@pytest.mark.parametrize("compress", [0, 3, ("gzip", 3), ("bz2", 3), ("xz", 3), ("lzma", 3)])
def test_plain_joblib_files_of_every_compression_load(compress, tmp_path):
    path = tmp_path / "plain.joblib"
    joblib.dump({"weights": np.arange(3)}, path, compress=compress)
    np.testing.assert_array_equal(load_model(path)["weights"], np.arange(3))


@pytest.mark.parametrize(
    "name, content, hint",
    [("train.py", b"import time; t = time.time()\n", "joblib or pickle"),
     ("model.onnx", b"\x08\x08\x12\x07pytorch", "load_onnx"),
     ("image.png", b"\x89PNG\r\n\x1a\n", "joblib or pickle")],
)
def test_a_file_that_is_no_model_is_refused_before_unpickling(tmp_path, name, content, hint):
    # the script was unpickled before, and failed as a "missing module" 'mport time; t=time'
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"not a model file.*{hint}"):
        load_model(path)


@contextlib.contextmanager
def _saved_as_on_a_gpu(model, device="cuda"):
    """Pickle ``model`` as a GPU machine writes it: device set, every storage
    tagged ``cuda:0``. Loading such a bytes stream without a map location fails
    here as a real GPU-written file does ("Attempting to deserialize object on
    a CUDA device")."""
    import torch.serialization as serialization

    entry = (0, lambda storage: "cuda:0", lambda storage, location: None)
    original = model.device
    serialization.register_package(*entry)
    model.device = device
    try:
        yield
    finally:
        model.device = original
        serialization._package_registry.remove(entry)


@pytest.fixture
def cpu_only():
    import torch

    if torch.cuda.is_available():
        pytest.skip("checks the CPU-only machine's side")


def test_the_gpu_stand_in_writes_what_a_cpu_cannot_read_unmapped(cnn, cpu_only):
    import io
    import pickle

    import torch

    buffer = io.BytesIO()
    with _saved_as_on_a_gpu(cnn):
        pickle.dump(torch.zeros(3), buffer)
    with pytest.raises(RuntimeError, match="CUDA device"):
        pickle.loads(buffer.getvalue())


def test_gpu_trained_model_loads_on_cpu(cnn, letters_test, tmp_path, cpu_only):
    from skorch.exceptions import DeviceWarning

    X, _ = letters_test
    path = tmp_path / "gpu.skem"
    with _saved_as_on_a_gpu(cnn):
        save_model(cnn, path)
    assert read_model_header(path)["device"] == "cuda"
    with pytest.warns(DeviceWarning, match="cuda"):
        loaded = load_model(path)
    assert str(loaded.device) == "cpu"
    assert next(loaded.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), cnn.predict(X))


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_model_saved_with_device_auto_loads_on_the_loading_machine(
    cnn, letters_test, tmp_path, cpu_only, device
):
    X, _ = letters_test
    path = tmp_path / "auto.skem"
    with _saved_as_on_a_gpu(cnn, device="auto"):
        save_model(cnn, path)
    loaded = load_model(path, device=device)
    assert next(loaded.module_.parameters()).device.type == "cpu"
    assert loaded.device == device
    np.testing.assert_array_equal(loaded.predict(X), cnn.predict(X))


def test_gpu_fine_tuned_model_loads_on_cpu(cnn, letters_train, letters_test, tmp_path, cpu_only):
    # transfer learning the clone-proof way: init_from holds the source's weights,
    # which on a GPU machine are CUDA tensors
    from sklearn.base import clone

    X, y = letters_train
    tuned = clone(cnn).set_params(init_from=cnn.module_.state_dict(), max_epochs=1)
    tuned.fit(X[:200], y[:200] % 5)
    path = tmp_path / "tuned.skem"
    with _saved_as_on_a_gpu(tuned):
        save_model(tuned, path)
    loaded = load_model(path, device="cpu")
    assert all(t.device.type == "cpu" for t in loaded.init_from.values())
    np.testing.assert_array_equal(loaded.predict(letters_test[0]), tuned.predict(letters_test[0]))


def test_a_cuda_build_of_the_same_release_is_no_version_mismatch(cnn, tmp_path):
    import torch

    path = save_model(cnn, tmp_path / "cnn.skem")
    release = torch.__version__.split("+")[0]
    _rewrite_header(path, lambda header: header["versions"].update(torch=release + "+cu126"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelVersionWarning)
        load_model(path)
    _rewrite_header(path, lambda header: header["versions"].update(torch="1.0.0+cu126"))
    with pytest.warns(ModelVersionWarning, match=r"torch 1\.0\.0\+cu126"):
        load_model(path)


def test_quantized_model_round_trip(lstm, letters_test, tmp_path):
    X, _ = letters_test
    quantized = quantize_dynamic(lstm)
    path = save_model(quantized, tmp_path / "q.skem")
    assert read_model_header(path)["quantized"]["method"] == "dynamic"
    np.testing.assert_array_equal(load_model(path).predict_proba(X), quantized.predict_proba(X))


def test_save_weights_route_rebuilds_an_identical_model(cnn, letters_test, tmp_path):
    X, _ = letters_test
    folder = save_weights(cnn, tmp_path / "weights")
    assert sorted(p.name for p in folder_path(folder).iterdir()) == [
        "estimator.json", "history.json", "params.pt"]
    description = json.loads((folder_path(folder) / "estimator.json").read_text())
    assert description["params"]["optimizer"] == {"__import__": "torch.optim.adam:Adam"}
    rebuilt = load_weights(folder)
    np.testing.assert_array_equal(rebuilt.predict_proba(X), cnn.predict_proba(X))
    np.testing.assert_array_equal(rebuilt.classes_, cnn.classes_)
    assert rebuilt.get_params()["module__channels"] == (8, 16)
    assert len(rebuilt.history_) == len(cnn.history_)


def test_skorch_save_params_by_hand(lstm, letters_test, tmp_path):
    """The documented manual route: same parameters, classes, initialize(), load_params()."""
    from sklearn_emnist import LSTMRowClassifier

    X, _ = letters_test
    lstm.save_params(f_params=tmp_path / "params.pt")
    params = lstm.get_params(deep=False)
    params.update(device="auto", classes=lstm.classes_)  # "auto": resolved by initialize()
    fresh = LSTMRowClassifier(**params)
    fresh.initialize()
    fresh.load_params(f_params=tmp_path / "params.pt")
    assert fresh.device == "auto" and fresh.n_features_in_ == 784
    np.testing.assert_array_equal(fresh.predict_proba(X), lstm.predict_proba(X))
    np.testing.assert_array_equal(fresh.predict(X), lstm.predict(X))


def test_weights_version_mismatch_warns_and_quantized_refused(lstm, tmp_path):
    folder = folder_path(save_weights(lstm, tmp_path / "w"))
    description = json.loads((folder / "estimator.json").read_text())
    description["versions"]["scikit-learn"] = "0.1"
    (folder / "estimator.json").write_text(json.dumps(description))
    with pytest.warns(ModelVersionWarning, match="scikit-learn 0.1"):
        load_weights(folder)
    with pytest.raises(ValueError, match="float networks"):
        save_weights(quantize_dynamic(lstm), tmp_path / "q")
    with pytest.raises(FileNotFoundError, match="save_weights"):
        load_weights(tmp_path / "empty")


def folder_path(folder):
    from pathlib import Path

    return Path(folder)


def _edit_description(folder, edit):
    path = folder_path(folder) / "estimator.json"
    description = json.loads(path.read_text())
    edit(description)
    path.write_text(json.dumps(description))


def test_load_weights_refuses_a_function_outside_the_known_packages(lstm, tmp_path):
    """A shared estimator.json could name any callable as the module; initialize() would call it."""
    folder = save_weights(lstm, tmp_path / "w")
    _edit_description(folder, lambda d: d["params"].update(
        module={"__import__": "subprocess:getoutput"}, module__cmd="touch pwned"))
    with pytest.raises(ValueError, match="'subprocess:getoutput'.*trusted_modules"):
        load_weights(folder)


def test_load_weights_refuses_a_torch_function_and_a_foreign_estimator(lstm, tmp_path):
    folder = save_weights(lstm, tmp_path / "w")
    _edit_description(folder, lambda d: d["params"].update(
        criterion={"__import__": "torch:load"}))
    with pytest.raises(ValueError, match=r"'torch:load', a function \(of 'torch.serialization'\)"):
        load_weights(folder)
    other = save_weights(lstm, tmp_path / "other")
    _edit_description(other, lambda d: d.update(estimator="sklearn.svm:SVC"))
    with pytest.raises(ValueError, match="'sklearn.svm:SVC' is not a neural classifier"):
        load_weights(other)


def test_load_weights_reads_tensors_only_whatever_the_folder_says(lstm, tmp_path):
    folder = save_weights(lstm, tmp_path / "w")
    _edit_description(folder, lambda d: d["params"].update(
        torch_load_kwargs={"__dict__": [["weights_only", False]]}))
    assert load_weights(folder).torch_load_kwargs == {"weights_only": True}


def test_load_weights_trusted_modules_admits_a_function_of_your_own(lstm, tmp_path):
    folder = save_weights(lstm, tmp_path / "w")
    reference = {"__import__": "tests.deploy.test_persistence:folder_path"}
    _edit_description(folder, lambda d: d["params"].update(augment=reference))
    with pytest.raises(ValueError, match="trusted_modules=\\('tests.deploy.test_persistence',\\)"):
        load_weights(folder)
    rebuilt = load_weights(folder, trusted_modules="tests.deploy")
    assert rebuilt.augment is folder_path


def test_load_model_device_moves_the_network_inside_a_pipeline(cnn, letters_test, tmp_path):
    from sklearn.pipeline import make_pipeline

    from sklearn_emnist.preprocessing import PixelScaler

    X, _ = letters_test
    pipeline = make_pipeline(PixelScaler().fit(X), cnn)  # both steps fitted
    path = save_model(pipeline, tmp_path / "pipeline.skem")
    assert read_model_header(path)["device"] == str(cnn.device)
    np.testing.assert_array_equal(load_model(path, device="auto").predict(X), pipeline.predict(X))
    # "meta" exists on every machine, unlike a GPU: the network inside really moves
    moved = load_model(path, device="meta").steps[-1][1]
    assert moved.device == "meta" and next(moved.module_.parameters()).device.type == "meta"


def test_load_model_device_without_a_network_is_a_type_error(tmp_path):
    from sklearn.neighbors import KNeighborsClassifier

    knn = KNeighborsClassifier(n_neighbors=1).fit(np.eye(3), [0, 1, 2])
    path = save_model(knn, tmp_path / "knn.skem")
    assert "device" not in read_model_header(path)
    with pytest.raises(TypeError, match="KNeighborsClassifier holds none"):
        load_model(path, device="cpu")


@pytest.mark.parametrize("parameter, reference", [
    # a name reached through an allowed module is judged by where it is defined
    ("module", "sklearn_emnist.datasets._cache:os.system"),
    ("module", "torch.utils.cpp_extension:subprocess.Popen"),
    # a class of torch, but not of a kind the parameters take (it starts a process)
    ("module", "torch.distributed.elastic.multiprocessing.subprocess_handler.subprocess_handler"
               ":SubprocessHandler"),
    # a function of sklearn-emnist that unpickles, as the module initialize() calls
    ("module", "sklearn_emnist.deploy:load_model"),
    # an augmentation, but not as augment
    ("criterion", "sklearn_emnist.augmentation:random_affine"),
])
def test_load_weights_judges_a_reference_by_what_it_is(lstm, tmp_path, parameter, reference):
    folder = save_weights(lstm, tmp_path / "w")
    _edit_description(folder, lambda d: d["params"].update({parameter: {"__import__": reference}}))
    with pytest.raises(ValueError, match="load_weights imports only the network, loss"):
        load_weights(folder)


def test_load_weights_takes_an_augmentation_of_the_package_as_augment(lstm, tmp_path):
    from sklearn_emnist.augmentation import random_affine

    augmented = copy.deepcopy(lstm).set_params(augment=random_affine)  # not the shared fixture
    folder = save_weights(augmented, tmp_path / "w")
    assert load_weights(folder).augment is random_affine


def _print_to_stderr(*args, **kwargs):
    """A sink of one's own, in a module load_weights does not trust."""
    import sys

    print(*args, file=sys.stderr, **kwargs)


def test_where_callbacks_print_is_not_stored_and_the_default_comes_back(
        lstm, letters_test, tmp_path):
    """The command line's train sets callbacks__print_log__sink to its stderr printer:
    stored, it made load_weights refuse every CLI-trained network's folder."""
    X, _ = letters_test
    printing = copy.deepcopy(lstm).set_params(callbacks__print_log__sink=_print_to_stderr)
    folder = folder_path(save_weights(printing, tmp_path / "w"))
    assert "sink" not in (folder / "estimator.json").read_text()
    rebuilt = load_weights(folder)
    assert dict(rebuilt.callbacks_)["print_log"].sink is print
    np.testing.assert_array_equal(rebuilt.predict_proba(X), lstm.predict_proba(X))


def test_a_callback_sink_in_an_older_folder_is_skipped_never_imported(lstm, tmp_path):
    import sys

    folder = save_weights(lstm, tmp_path / "w")
    _edit_description(folder, lambda d: d["params"].update(
        callbacks__print_log__sink={"__import__": "sklearn_emnist._cli._models:print_to_stderr"},
        callbacks__early_stopping__sink={"__import__": "no_such_module_of_sinks:sink"}))
    rebuilt = load_weights(folder)
    assert dict(rebuilt.callbacks_)["print_log"].sink is print
    assert "no_such_module_of_sinks" not in sys.modules


def _partial_then_disk_full(path):
    with open(path, "wb") as handle:
        handle.write(b"half a file")
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("failing", ["params.pt", "history.json", "estimator.json"])
def test_a_failing_save_weights_leaves_the_previous_folder_intact(
        cnn, lstm, letters_test, tmp_path, monkeypatch, failing):
    """Overwriting a folder on a full disk left old and truncated files that no longer
    loaded together; now the three files are renamed only once all are written."""
    import builtins

    import torch
    from skorch.history import History

    from sklearn_emnist.deploy import _persistence

    X, _ = letters_test
    folder = tmp_path / "w"
    save_weights(cnn, folder)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    if failing == "params.pt":
        monkeypatch.setattr(torch, "save", lambda obj, f, *a, **k: _partial_then_disk_full(f))
    elif failing == "history.json":
        monkeypatch.setattr(History, "to_file", lambda self, f: _partial_then_disk_full(f))
    else:
        def failing_open(file, mode="r", *args, **kwargs):
            if "estimator.json" in str(file) and "w" in mode:
                _partial_then_disk_full(file)
            return builtins.open(file, mode, *args, **kwargs)

        monkeypatch.setattr(_persistence, "open", failing_open, raising=False)
    with pytest.raises(OSError, match="No space left on device"):
        save_weights(lstm, folder)
    monkeypatch.undo()
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    np.testing.assert_array_equal(load_weights(folder).predict_proba(X), cnn.predict_proba(X))


@pytest.mark.parametrize("new", ["new", "new/nested/deeper"])
def test_a_failing_save_weights_to_a_new_folder_leaves_nothing(lstm, tmp_path, monkeypatch,
                                                                new):
    """Only the innermost of the folders the call created was removed."""
    import torch

    (tmp_path / "kept").mkdir()  # a folder that was there before: kept
    monkeypatch.setattr(torch, "save", lambda obj, f, *a, **k: _partial_then_disk_full(f))
    with pytest.raises(OSError, match="No space left on device"):
        save_weights(lstm, tmp_path / new)
    with pytest.raises(OSError, match="No space left on device"):
        save_weights(lstm, tmp_path / "kept" / new)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept"]


def test_save_weights_keeps_the_permissions_of_the_files_it_replaces(lstm, tmp_path):
    """Saving again over a folder reset its files' permissions to the umask's (a
    group-writable folder lost its group write permission)."""
    import stat

    folder = folder_path(save_weights(lstm, tmp_path / "w"))
    modes = {"params.pt": 0o664, "history.json": 0o640, "estimator.json": 0o604}
    for name, mode in modes.items():
        (folder / name).chmod(mode)
    save_weights(lstm, folder)
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()} == modes
    assert load_weights(folder).classes_.tolist() == lstm.classes_.tolist()
    # a file that was not there gets the umask's permissions, as a new folder's files do
    (folder / "history.json").unlink()
    umask = os.umask(0o022)
    try:
        save_weights(lstm, folder)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((folder / "history.json").stat().st_mode) == 0o644


def test_load_weights_refuses_a_script_before_importing_anything(lstm, tmp_path):
    """Importing torch.utils.model_dump.__main__ ran argparse on sys.argv (SystemExit)."""
    import sys

    folder = save_weights(lstm, tmp_path / "w")
    for trusted in ((), ("torch",)):
        _edit_description(folder, lambda d: d["params"].update(
            criterion={"__import__": "torch.utils.model_dump.__main__:main"}))
        with pytest.raises(ValueError, match=r"parameter criterion names "
                                             r"'torch.utils.model_dump.__main__:main'.*script"):
            load_weights(folder, trusted_modules=trusted)
    assert not [name for name in sys.modules if name.startswith("torch.utils.model_dump")]
    _edit_description(folder, lambda d: d.update(estimator="sklearn_emnist.__main__:main"))
    with pytest.raises(ValueError, match="script"):
        load_weights(folder)
    assert "sklearn_emnist.__main__" not in sys.modules


def _main_network():
    """A network class as a script or notebook defines it: in ``__main__``."""
    import torch

    class MyNet(torch.nn.Module):
        def __init__(self, n_classes=2):
            super().__init__()
            self.lin = torch.nn.Linear(784, n_classes)

        def forward(self, X):
            return self.lin(X.reshape(len(X), -1).float())

    MyNet.__module__, MyNet.__qualname__ = "__main__", "MyNet"
    return MyNet


def test_load_weights_loads_a_network_of_the_running_script_when_trusted(
        letters_train, tmp_path, monkeypatch):
    """A class defined in a script or notebook (__main__:MyNet, trusted) was
    refused as a script; importing __main__ only returns the running program."""
    import sys

    from sklearn_emnist import LSTMRowClassifier

    network = _main_network()
    monkeypatch.setattr(sys.modules["__main__"], "MyNet", network, raising=False)
    X, y = letters_train
    X, y = X[:64], y[:64] % 2
    clf = LSTMRowClassifier(module=network, max_epochs=1, verbose=0, random_state=0,
                            n_threads=1, device="cpu").fit(X, y)
    folder = save_weights(clf, tmp_path / "w")
    description = json.loads((folder_path(folder) / "estimator.json").read_text())
    assert description["params"]["module"] == {"__import__": "__main__:MyNet"}
    with pytest.raises(ValueError, match=r"trusted_modules=\('__main__',\)"):
        load_weights(folder)  # not trusted: refused, as any module of your own
    rebuilt = load_weights(folder, trusted_modules=("__main__",))
    assert isinstance(rebuilt.module_, network)
    np.testing.assert_array_equal(rebuilt.predict(X), clf.predict(X))


@pytest.mark.parametrize("reference, missing", [
    ("sklearn_emnist.augmentation:np.load", "'np'"),
    ("sklearn_emnist.augmentation:no_such_augmentation", "'no_such_augmentation'"),
])
def test_a_reference_that_does_not_resolve_names_the_file_and_parameter(
        lstm, tmp_path, reference, missing):
    folder = save_weights(lstm, tmp_path / "w")
    _edit_description(folder, lambda d: d["params"].update(augment={"__import__": reference}))
    with pytest.raises(ValueError) as info:
        load_weights(folder)
    message = str(info.value)
    assert "estimator.json: parameter augment names" in message and missing in message


@pytest.mark.parametrize("kind", WRAPPERS)
def test_save_weights_of_a_pipeline_or_search_names_itself_and_the_step(lstm, tmp_path, kind):
    with pytest.raises(TypeError, match=r"^save_weights takes a CharCNNClassifier") as info:
        save_weights(wrapped(kind, lstm), tmp_path / "w")
    assert "export_onnx" not in str(info.value)
    assert re.search(WRAPPERS[kind], str(info.value))
    assert not (tmp_path / "w").exists()
