"""Int8 quantization: accuracy kept on real test images, same API, smaller models.

Bound asserted here: on 520 real test images the quantized model's accuracy
is within 2 percentage points of the float model's and it agrees with the
float predictions on at least 95 % of the images. (These test nets are tiny
and barely trained, so their probabilities are flat and flip more easily
than a trained model's; the benchmark measures the trained model: see
benchmarks/results/inference.)
"""

import os
import pickle
import re

import numpy as np
import pytest

from sklearn_emnist.deploy import quantize_dynamic, quantize_onnx
from tests.deploy.conftest import LETTERS, WRAPPERS, wrapped

# one worker trains the shared tiny models once (session fixtures in conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("deploy")]

pytest.importorskip("onnxruntime")

MAX_ACCURACY_LOSS = 0.02
MIN_AGREEMENT = 0.95


def _labels(estimator, y):
    return LETTERS[y] if estimator.classes_.dtype.kind == "U" else y


def _assert_close_to_float(quantized, estimator, letters_test):
    X, y = letters_test
    y = _labels(estimator, y)
    float_pred, quant_pred = estimator.predict(X), quantized.predict(X)
    assert np.mean(quant_pred == float_pred) >= MIN_AGREEMENT
    assert quantized.score(X, y) >= estimator.score(X, y) - MAX_ACCURACY_LOSS
    np.testing.assert_array_equal(quantized.classes_, estimator.classes_)


@pytest.mark.parametrize("name", ["cnn", "lstm"])
def test_dynamic_quantization_keeps_accuracy(request, name, letters_test):
    import torch

    estimator = request.getfixturevalue(name)
    before = {k: v.clone() for k, v in estimator.module_.state_dict().items()}
    quantized = quantize_dynamic(estimator)
    _assert_close_to_float(quantized, estimator, letters_test)
    dynamic = "torch.ao.nn.quantized.dynamic"
    assert type(quantized.module_.classifier).__module__.startswith(dynamic)
    if name == "lstm":
        assert type(quantized.module_.lstm).__module__.startswith(dynamic)
        assert quantized.quantized_["layers"] == ["LSTM", "Linear"]
    else:  # convolutions stay float with dynamic quantization
        assert quantized.quantized_["layers"] == ["Linear"]
    # the original estimator keeps its float network
    after = estimator.module_.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert type(estimator.module_.classifier) is torch.nn.Linear


def test_dynamic_quantization_of_a_bfloat16_model_runs_in_float32(lstm, letters_test):
    # the int8 kernels refuse bfloat16 activations ("expected scalar type Float")
    bfloat16 = pickle.loads(pickle.dumps(lstm))
    bfloat16.precision = "bfloat16"
    quantized = quantize_dynamic(bfloat16)
    assert quantized.precision == "float32" and bfloat16.precision == "bfloat16"
    _assert_close_to_float(quantized, lstm, letters_test)


def test_dynamic_quantized_copy_pickles(lstm, letters_test):
    X, _ = letters_test
    quantized = quantize_dynamic(lstm)
    restored = pickle.loads(pickle.dumps(quantized))
    np.testing.assert_array_equal(restored.predict_proba(X), quantized.predict_proba(X))


def test_quantized_copy_is_not_exported_or_quantized_again(lstm, tmp_path):
    from sklearn_emnist.deploy import export_onnx

    quantized = quantize_dynamic(lstm)
    with pytest.raises(ValueError, match="already quantized"):
        export_onnx(quantized, tmp_path / "q.onnx")
    with pytest.raises(ValueError, match="already quantized"):
        quantize_dynamic(quantized)


def test_refitting_a_quantized_copy_gives_a_float_model(lstm, letters_train, tmp_path):
    import torch

    from sklearn_emnist.deploy import export_onnx

    X, y = letters_train
    refitted = quantize_dynamic(lstm).set_params(max_epochs=1).fit(X[:64], y[:64])
    assert not hasattr(refitted, "quantized_")
    assert type(refitted.module_.classifier) is torch.nn.Linear
    assert os.path.exists(export_onnx(refitted, tmp_path / "refitted.onnx"))


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_training_a_quantized_copy_further_is_refused(lstm, letters_train, how):
    X, y = letters_train
    quantized = quantize_dynamic(lstm)
    with pytest.raises(ValueError, match="int8 .dynamic. quantized layers.*float estimator"):
        if how == "partial_fit":
            quantized.partial_fit(X[:64], y[:64])
        else:
            quantized.set_params(warm_start=True).fit(X[:64], y[:64])


def test_dynamic_quantization_errors(cnn):
    with pytest.raises(ValueError, match="no GRU layer"):
        quantize_dynamic(cnn, layers=("GRU",))
    with pytest.raises(ValueError, match="layers must be"):
        quantize_dynamic(cnn, layers=("Conv2d",))


def test_static_onnx_quantization_quantizes_convolutions(cnn, cnn_onnx_path, letters_train,
                                                         letters_test, tmp_path):
    import onnx

    X_train, _ = letters_train
    path = tmp_path / "cnn-int8.onnx"
    quantized = quantize_onnx(cnn_onnx_path, path, X_train[:256], n_threads=1)
    _assert_close_to_float(quantized, cnn, letters_test)
    assert quantized.metadata_["quantization"] == "static-qdq-int8"
    graph = onnx.load(path).graph
    weights_dequantized = {node.output[0] for node in graph.node
                           if node.op_type == "DequantizeLinear"}
    convs = [node for node in graph.node if node.op_type == "Conv"]
    assert convs and all(node.input[1] in weights_dequantized for node in convs)
    int8 = [t for t in graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert sum(np.prod(t.dims) for t in int8) > 0.9 * sum(
        np.prod(t.dims) for t in graph.initializer if len(t.dims) > 1)
    assert os.path.getsize(path) < 0.5 * os.path.getsize(cnn_onnx_path)


@pytest.mark.parametrize("reduce_range, bits, extreme", [(True, 7, 64), (False, 8, 127)])
def test_reduce_range_sets_the_width_of_the_int8_weights(cnn, cnn_onnx_path, letters_train,
                                                         tmp_path, reduce_range, bits, extreme):
    # 7-bit weights keep the uint8 x int8 products of CPUs without VNNI from
    # saturating; the default, and what the agreement tests above rely on there
    import onnx
    from onnx.numpy_helper import to_array

    X_train, _ = letters_train
    path = tmp_path / "cnn-int8.onnx"
    quantized = quantize_onnx(cnn_onnx_path, path, X_train[:256], reduce_range=reduce_range,
                              n_threads=1)
    assert quantized.metadata_["weight_bits"] == str(bits)
    int8 = [to_array(t) for t in onnx.load(path).graph.initializer
            if t.data_type == onnx.TensorProto.INT8 and len(t.dims) > 1]
    largest = max(int(np.abs(w.astype(np.int16)).max()) for w in int8)
    # symmetric per-channel scales: each channel's largest weight takes the extreme
    # level (onnxruntime's 7-bit range is -64..64: 2 x 255 x 64 < 2**15)
    assert largest == extreme


def test_static_onnx_quantization_of_the_lstm(lstm, lstm_onnx_path, letters_train,
                                              letters_test, tmp_path):
    X_train, _ = letters_train
    quantized = quantize_onnx(lstm_onnx_path, tmp_path / "lstm-int8.onnx", X_train[:128],
                              n_threads=1)
    _assert_close_to_float(quantized, lstm, letters_test)


def test_dynamic_onnx_quantization_of_the_lstm(lstm, lstm_onnx_path, letters_test, tmp_path):
    import onnx

    path = tmp_path / "lstm-dyn.onnx"
    quantized = quantize_onnx(lstm_onnx_path, path, method="dynamic", n_threads=1)
    _assert_close_to_float(quantized, lstm, letters_test)
    assert quantized.metadata_["quantization"] == "dynamic-int8"
    ops = {node.op_type for node in onnx.load(path).graph.node}
    assert "DynamicQuantizeLSTM" in ops


def test_quantize_onnx_errors(cnn, cnn_onnx_path, tmp_path):
    with pytest.raises(ValueError, match="X_calibration"):
        quantize_onnx(cnn, tmp_path / "q.onnx")
    with pytest.raises(ValueError, match="method"):
        quantize_onnx(cnn, tmp_path / "q.onnx", method="fp16")
    with pytest.raises(ValueError, match="reduce_range"):
        quantize_onnx(cnn, tmp_path / "q.onnx", method="dynamic", reduce_range="auto")
    with pytest.raises(FileNotFoundError):
        quantize_onnx(tmp_path / "missing.onnx", tmp_path / "q.onnx", method="dynamic")
    with pytest.raises(ValueError, match="28x28"):
        quantize_onnx(cnn_onnx_path, tmp_path / "q.onnx", np.zeros((4, 30), np.uint8))
    assert not (tmp_path / "q.onnx").exists()


@pytest.mark.parametrize("kind", WRAPPERS)
@pytest.mark.parametrize("function", ["quantize_dynamic", "quantize_onnx"])
def test_quantizing_a_pipeline_or_search_names_the_function_and_the_step(
        lstm, tmp_path, kind, function):
    call = {"quantize_dynamic": lambda model: quantize_dynamic(model),
            "quantize_onnx": lambda model: quantize_onnx(model, tmp_path / "q.onnx",
                                                         method="dynamic")}[function]
    with pytest.raises(TypeError, match=rf"^{function} takes a CharCNNClassifier") as info:
        call(wrapped(kind, lstm))
    assert "export_onnx" not in str(info.value)
    assert re.search(WRAPPERS[kind], str(info.value))


def test_quantize_onnx_given_a_model_file_says_it_expects_an_onnx_export(lstm, tmp_path):
    """A save_model file raised protobuf's raw DecodeError."""
    from sklearn_emnist.deploy import save_model

    path = save_model(lstm, tmp_path / "lstm.skem")
    with pytest.raises(ValueError, match=r"lstm\.skem is not an ONNX file .*written by "
                                         r"sklearn_emnist\.deploy\.export_onnx.*load_model"):
        quantize_onnx(path, tmp_path / "q.onnx", method="dynamic")
    (tmp_path / "notes.onnx").write_text("not a graph at all\n")
    with pytest.raises(ValueError, match="export_onnx"):
        quantize_onnx(tmp_path / "notes.onnx", tmp_path / "q.onnx", method="dynamic")
    assert not (tmp_path / "q.onnx").exists()
