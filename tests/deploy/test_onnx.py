"""ONNX export and the onnxruntime classifier, on real letters.

Parity rule asserted here (and stated in the docs): on real test images the
exported graph predicts *identical* classes and probabilities within
``atol=1e-5`` of the estimator's ``predict_proba``.
"""

import copy
import json
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_emnist.deploy import OnnxCharClassifier, export_onnx, load_onnx
from tests.deploy.conftest import LETTERS, WRAPPERS, wrapped

# one worker trains the shared tiny models once (session fixtures in conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]

onnxruntime = pytest.importorskip("onnxruntime")

ATOL = 1e-5


def _raw_session(path):
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("name", ["cnn", "lstm"])
def test_parity_on_real_test_images(request, name, letters_test):
    estimator = request.getfixturevalue(name)
    path = request.getfixturevalue(f"{name}_onnx_path")
    X, _ = letters_test
    onnx_clf = load_onnx(path, n_threads=1)
    expected = estimator.predict_proba(X)
    np.testing.assert_array_equal(onnx_clf.predict(X), estimator.predict(X))
    np.testing.assert_allclose(onnx_clf.predict_proba(X), expected, rtol=0, atol=ATOL)
    # the predictions are informative (not a constant class), so parity means something
    assert len(np.unique(onnx_clf.predict(X))) >= 10


def test_a_bfloat16_model_exports_its_float32_counterpart(cnn, onnx_folder, letters_test):
    bfloat16 = copy.deepcopy(cnn).set_params(precision="bfloat16")
    path = export_onnx(bfloat16, onnx_folder / "cnn-bf16.onnx", exporter="torchscript", opset=17)
    X, _ = letters_test
    np.testing.assert_allclose(load_onnx(path, n_threads=1).predict_proba(X),
                               cnn.predict_proba(X), rtol=0, atol=ATOL)


def test_object_labels_come_back_as_objects(cnn, onnx_folder, letters_test):
    as_objects = copy.deepcopy(cnn)
    as_objects._classes_fitted_ = cnn.classes_.astype(object)  # e.g. a pandas column's
    path = export_onnx(as_objects, onnx_folder / "cnn-object.onnx", exporter="torchscript",
                       opset=17)
    onnx_clf = load_onnx(path, n_threads=1)
    assert onnx_clf.classes_.dtype == object and list(onnx_clf.classes_) == list(cnn.classes_)
    assert onnx_clf.predict(letters_test[0][:5]).dtype == object


def test_models_learned_something(cnn, lstm, letters_test):
    X, y = letters_test
    assert cnn.score(X, LETTERS[y]) > 0.4  # chance: 1/26
    assert lstm.score(X, y) > 0.2


def test_graph_takes_uint8_flat_images_and_returns_probabilities_and_index(
        cnn, cnn_onnx_path, letters_test):
    session = _raw_session(cnn_onnx_path)
    (inp,) = session.get_inputs()
    assert (inp.name, inp.type, inp.shape[1]) == ("images", "tensor(uint8)", 784)
    assert [o.name for o in session.get_outputs()] == ["probabilities", "label"]
    X, _ = letters_test
    proba, index = session.run(None, {"images": X.reshape(len(X), 784)})
    assert proba.dtype == np.float32 and index.dtype == np.int64
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(index, proba.argmax(axis=1))
    # the labels travel in the metadata: index -> 'a'..'z' without the estimator
    meta = session.get_modelmeta().custom_metadata_map
    classes = np.asarray(json.loads(meta["sklearn_emnist.classes"]))
    np.testing.assert_array_equal(classes, cnn.classes_)
    np.testing.assert_array_equal(classes[index], cnn.predict(X))
    assert meta["sklearn_emnist.input_dtype"] == "uint8"


def test_dynamic_batch_dimension(cnn_onnx_path, cnn, letters_test):
    X, _ = letters_test
    session = _raw_session(cnn_onnx_path)
    full = cnn.predict_proba(X)
    for n in (1, 3, 257):
        proba, _ = session.run(None, {"images": X[:n].reshape(n, 784)})
        assert proba.shape == (n, 26)
        np.testing.assert_allclose(proba, full[:n], rtol=0, atol=ATOL)


def test_float32_input_graph(lstm, onnx_folder, letters_test):
    path = export_onnx(lstm, onnx_folder / "lstm-float.onnx", input_dtype="float32",
                       exporter="torchscript", opset=17)
    session = _raw_session(path)
    assert session.get_inputs()[0].type == "tensor(float)"
    X, _ = letters_test
    floats = X.reshape(len(X), 784).astype(np.float32) / 255
    proba, _ = session.run(None, {"images": floats})
    np.testing.assert_allclose(proba, lstm.predict_proba(X), rtol=0, atol=ATOL)
    np.testing.assert_array_equal(load_onnx(path).predict(floats), lstm.predict(X))


def test_wrapper_accepts_every_shape_and_dtype_predict_accepts(cnn_onnx_path, cnn, letters_test):
    X, _ = letters_test
    X = X[:50]
    onnx_clf = load_onnx(cnn_onnx_path)
    expected = cnn.predict(X)
    for variant in (X, X.reshape(50, 784), X.reshape(50, 1, 28, 28), X / 255.0,
                    (X / 255.0).astype(np.float32)):
        np.testing.assert_array_equal(onnx_clf.predict(variant), expected)
    assert onnx_clf.classes_.dtype == cnn.classes_.dtype
    assert onnx_clf.score(X, expected) == 1.0


def test_wrapper_validates_images_like_the_estimator(cnn_onnx_path):
    onnx_clf = load_onnx(cnn_onnx_path)
    with pytest.raises(ValueError, match="28x28"):
        onnx_clf.predict(np.zeros((2, 100), dtype=np.uint8))
    with pytest.raises(ValueError, match="out of range"):
        onnx_clf.predict(np.full((2, 784), 2.0))


def test_wrapper_pickles_with_its_model(cnn_onnx_path, letters_test):
    X, _ = letters_test
    onnx_clf = load_onnx(cnn_onnx_path)
    restored = pickle.loads(pickle.dumps(onnx_clf))
    np.testing.assert_array_equal(restored.predict_proba(X), onnx_clf.predict_proba(X))


def test_unloaded_wrapper_and_foreign_models_are_refused(cnn_onnx_path, tmp_path):
    with pytest.raises(NotFittedError, match="load_onnx"):
        OnnxCharClassifier(cnn_onnx_path).predict(np.zeros((1, 784), np.uint8))
    with pytest.raises(FileNotFoundError, match="export_onnx"):
        load_onnx(tmp_path / "missing.onnx")
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "foreign",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 784])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 784])],
    )
    foreign = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)],
                                ir_version=9)
    onnx.save(foreign, tmp_path / "foreign.onnx")
    with pytest.raises(ValueError, match="not written by sklearn_emnist"):
        load_onnx(tmp_path / "foreign.onnx")
    (tmp_path / "garbage.onnx").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="onnxruntime cannot load"):
        load_onnx(tmp_path / "garbage.onnx")


def test_export_refuses_unfitted_and_non_neural_models(tmp_path, letters_train):
    from sklearn.neighbors import KNeighborsClassifier

    from sklearn_emnist import CharCNNClassifier

    with pytest.raises(NotFittedError):
        export_onnx(CharCNNClassifier(), tmp_path / "x.onnx")
    X, y = letters_train
    knn = KNeighborsClassifier(1).fit(X[:50].reshape(50, -1), y[:50])
    with pytest.raises(TypeError, match="skl2onnx"):
        export_onnx(knn, tmp_path / "x.onnx")


def test_export_parameter_errors(cnn, tmp_path):
    with pytest.raises(ValueError, match="input_dtype"):
        export_onnx(cnn, tmp_path / "x.onnx", input_dtype="float64")
    with pytest.raises(ValueError, match="opset >= 18"):
        export_onnx(cnn, tmp_path / "x.onnx", opset=17)
    assert not (tmp_path / "x.onnx").exists()


def test_running_an_exported_model_needs_no_torch(cnn_onnx_path, letters_test, tmp_path):
    X, _ = letters_test
    np.save(tmp_path / "x.npy", X[:20])
    code = (
        "import sys, numpy as np\n"
        "from sklearn_emnist.deploy import load_onnx\n"
        f"clf = load_onnx({str(cnn_onnx_path)!r}, n_threads=1)\n"
        f"print(''.join(clf.predict(np.load({str(tmp_path / 'x.npy')!r}))))\n"
        "print('torch' in sys.modules, 'skorch' in sys.modules)\n"
    )
    from tests._data import ROOT

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=120).stdout.split()
    assert out[1:] == ["False", "False"]
    assert out[0] == "".join(load_onnx(cnn_onnx_path).predict(X[:20]))


def test_models_from_a_newer_convention_are_refused(cnn_onnx_path, tmp_path):
    import onnx

    model = onnx.load(cnn_onnx_path)
    for prop in model.metadata_props:
        if prop.key == "sklearn_emnist.format_version":
            prop.value = "99"
    onnx.save(model, tmp_path / "future.onnx")
    with pytest.raises(ValueError, match="upgrade sklearn-emnist"):
        load_onnx(tmp_path / "future.onnx")


def test_exporter_failure_names_the_other_exporter_and_leaves_no_file(
        cnn, tmp_path, monkeypatch):
    from sklearn_emnist.deploy import _onnx

    def failing_export(*args):
        raise NotImplementedError("data-dependent control flow")

    monkeypatch.setattr(_onnx, "_export", failing_export)
    with pytest.raises(RuntimeError, match="exporter='torchscript'"):
        export_onnx(cnn, tmp_path / "x.onnx")
    assert list(tmp_path.iterdir()) == []


def test_wrapper_takes_a_joblib_workers_share_of_the_cores(cnn_onnx_path, monkeypatch):
    # a loky worker of n_jobs=2 on 2 cores runs with OMP_NUM_THREADS=1
    monkeypatch.setenv("OMP_NUM_THREADS", "1")

    def intra_op_threads(clf):
        return clf._session.get_session_options().intra_op_num_threads

    assert intra_op_threads(load_onnx(cnn_onnx_path)) == 1
    assert intra_op_threads(load_onnx(cnn_onnx_path, n_threads=2)) == 2


@pytest.mark.parametrize(
    "missing, exporter", [("onnx", "dynamo"), ("onnxscript", "dynamo"), ("onnx", "torchscript")]
)
def test_missing_onnx_package_names_the_extra(cnn, tmp_path, monkeypatch, missing, exporter):
    monkeypatch.setitem(sys.modules, missing, None)  # import raises ImportError
    with pytest.raises(ImportError, match=rf"needs {missing}: pip install 'sklearn-emnist\[onnx\]'"):
        export_onnx(cnn, tmp_path / "m.onnx", exporter=exporter, opset=17 if exporter ==
                    "torchscript" else 18)
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("exporter", ["dynamo", "torchscript"])
def test_a_failing_write_raises_the_os_error_unchanged(cnn, tmp_path, monkeypatch, exporter):
    """A full disk was reported as the exporter's failure, suggesting the other one."""
    import errno

    from sklearn_emnist.deploy import _onnx

    def disk_full(graph, example, path, opset, exporter):
        with open(path, "wb") as handle:
            handle.write(b"half a graph")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_onnx, "_export", disk_full)
    opset = 18 if exporter == "dynamo" else 17
    with pytest.raises(OSError, match="No space left on device") as info:
        export_onnx(cnn, tmp_path / "x.onnx", exporter=exporter, opset=opset)
    assert type(info.value) is OSError and info.value.errno == errno.ENOSPC
    assert "exporter=" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", WRAPPERS)
def test_export_of_a_pipeline_or_search_names_the_step_to_pass(cnn, tmp_path, kind):
    with pytest.raises(TypeError, match=r"^export_onnx takes a CharCNNClassifier") as info:
        export_onnx(wrapped(kind, cnn), tmp_path / "x.onnx")
    assert re.search(WRAPPERS[kind], str(info.value))


def _knn_model(kind, letters_train):
    """A fitted model that ends in no network of this package: a KNN pipeline,
    a search over one, a search over a plain KNN."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier

    from sklearn_emnist import make_knn_pipeline

    X, y = letters_train
    X, y = X[:260], y[:260]
    model = {"knn pipeline": lambda: make_knn_pipeline(n_components=10),
             "search over a knn pipeline": lambda: GridSearchCV(
                 make_knn_pipeline(n_components=10), {"knn__n_neighbors": [1, 3]}, cv=2),
             "search over a knn": lambda: GridSearchCV(
                 KNeighborsClassifier(), {"n_neighbors": [1, 3]}, cv=2)}[kind]()
    return model.fit(X.reshape(len(X), -1), y)


@pytest.mark.parametrize("kind", ["knn pipeline", "search over a knn pipeline",
                                  "search over a knn"])
def test_a_pipeline_or_search_without_a_network_gets_the_functions_own_hint(
        letters_train, tmp_path, kind):
    """make_knn_pipeline() was told to pass pipe[-1], a KNeighborsClassifier that
    no function of sklearn_emnist.deploy takes either."""
    from sklearn_emnist.deploy import quantize_dynamic, quantize_onnx, save_weights

    model = _knn_model(kind, letters_train)
    calls = {
        "export_onnx": (lambda: export_onnx(model, tmp_path / "x.onnx"), "use skl2onnx"),
        "save_weights": (lambda: save_weights(model, tmp_path / "w"), "with save_model"),
        "quantize_onnx": (lambda: quantize_onnx(model, tmp_path / "q.onnx", method="dynamic"),
                          "use skl2onnx"),
        "quantize_dynamic": (lambda: quantize_dynamic(model), None),
    }
    for function, (call, hint) in calls.items():
        with pytest.raises(TypeError, match=rf"^{function} takes a CharCNNClassifier") as info:
            call()
        message = str(info.value)
        assert "pipe[-1]" not in message and "best_estimator_" not in message, message
        if hint is not None:
            assert hint in message
    assert list(tmp_path.iterdir()) == []
