"""
=======================================================
ONNX export: the same predictions without torch
=======================================================

A fitted ``CharCNNClassifier`` exports to one ONNX file with
:func:`~sklearn_emnist.deploy.export_onnx`, its preprocessing included: the
graph takes the same flat ``uint8`` images as ``predict`` and returns the
probabilities and the class index. :func:`~sklearn_emnist.deploy.load_onnx`
wraps the file in a scikit-learn classifier that needs only onnxruntime, with
the same ``classes_`` (here the letters themselves).
:func:`~sklearn_emnist.deploy.quantize_onnx` makes an int8 version from a
few hundred calibration images.

We check on real test images that the exported model predicts the same
letters and how close its probabilities are, then measure what int8
quantization does to accuracy, file size and speed. (The int8 model is about
3x smaller; whether it is faster depends on the CPU: with AVX-512 VNNI it
predicted 1.2-1.5x as many images per second as the float ONNX one at one
thread, without it about as many. The deeper default CNN:
``benchmarks/results/inference/``.)
"""

# sphinx_gallery_thumbnail_number = 3

# %%
# A small CNN trained on real letters
# -----------------------------------
# ``as_characters=True`` makes the targets the letters themselves, so the
# classifier's ``classes_`` (and the ONNX model's) are ``'a'..'z'``.
import os
import shutil
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sklearn_emnist import CharCNNClassifier
from sklearn_emnist.datasets import load_emnist_folder

BENCH = Path(os.environ.get("SKLEARN_EMNIST_SHARED", "../shared/emnist")) / "bench"
X_train, y_train = load_emnist_folder(
    BENCH, name="letters-here", split="letters", subset="train",
    n_samples=3_900, random_state=0, return_X_y=True, as_characters=True,
)
X_test, y_test = load_emnist_folder(
    BENCH, name="letters-here", split="letters", subset="test",
    n_samples=2_600, random_state=0, return_X_y=True, as_characters=True,
)
cnn = CharCNNClassifier(
    architecture="seed", max_epochs=3, batch_size=32, augment=False,
    validation_fraction=0.1, random_state=0, verbose=0,
).fit(X_train, y_train)
print("classes:", "".join(cnn.classes_))
print(f"torch accuracy on {len(X_test)} test letters: {cnn.score(X_test, y_test):.3f}")

# %%
# ``validation_fraction=0.1`` held out a stratified tenth of the training
# images; :class:`~sklearn_emnist.plotting.TrainingCurvesDisplay` draws the
# losses and the validation accuracy recorded in the skorch history.
from sklearn_emnist.plotting import TrainingCurvesDisplay

TrainingCurvesDisplay.from_estimator(cnn)

# %%
# Export, load, compare
# ---------------------
from sklearn_emnist.deploy import export_onnx, load_onnx, quantize_onnx

folder = tempfile.mkdtemp(prefix="emnist-onnx-")
path = export_onnx(cnn, os.path.join(folder, "letters-cnn.onnx"))
onnx_cnn = load_onnx(path, n_threads=1)  # one thread, like torch here

proba_torch = cnn.predict_proba(X_test)
proba_onnx = onnx_cnn.predict_proba(X_test)
same = np.mean(onnx_cnn.predict(X_test) == cnn.predict(X_test))
print(f"identical predicted letters: {same:.2%}")
print(f"largest probability difference: {np.abs(proba_onnx - proba_torch).max():.2e}")

# %%
# Int8 quantization
# -----------------
# Static quantization calibrates the activation ranges on 520 training
# images, then stores weights and activations as int8.
quantized = quantize_onnx(
    cnn, os.path.join(folder, "letters-cnn-int8.onnx"), X_train[:520], n_threads=1
)
quantized_path = os.path.join(folder, "letters-cnn-int8.onnx")
models = {"torch (eager)": cnn, "ONNX": onnx_cnn, "ONNX int8": quantized}


def images_per_second(model, X, repeats=3):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict(X)
        best = min(best, time.perf_counter() - start)
    return len(X) / best


rows = {
    name: {"accuracy": model.score(X_test, y_test),
           "images/s": images_per_second(model, X_test)}
    for name, model in models.items()
}
sizes = {"ONNX": os.path.getsize(path), "ONNX int8": os.path.getsize(quantized_path)}
for name, row in rows.items():
    size = f"{sizes[name] / 1024:7.0f} KiB" if name in sizes else " " * 11
    print(f"{name:<14} accuracy {row['accuracy']:.3f}  "
          f"{row['images/s']:9.0f} images/s {size}")

# %%
# Speed and accuracy side by side
# -------------------------------
# Throughput on the 2,600 test images (batches of 1,024, one thread each,
# best of 3 runs, measured in the same run on the machine that built this
# page), as a ratio to torch. ``benchmarks/bench_inference.py`` measures the
# same at batch sizes 1 and 1,024 on the full test set.
names = list(rows)
ratio = [rows[n]["images/s"] / rows["torch (eager)"]["images/s"] for n in names]
fig, (ax_speed, ax_acc) = plt.subplots(1, 2, figsize=(9, 2.8))
ax_speed.barh(names, ratio, color=["0.6", "tab:blue", "tab:green"])
for y, r in enumerate(ratio):
    ax_speed.text(r, y, f" {r:.1f}x", va="center")
ax_speed.set_xlabel("images per second, relative to torch")
ax_speed.invert_yaxis()
ax_speed.set_xlim(0, max(ratio) * 1.25)
acc = [rows[n]["accuracy"] for n in names]
ax_acc.barh(names, acc, color=["0.6", "tab:blue", "tab:green"])
for y, a in enumerate(acc):
    ax_acc.text(a, y, f" {a:.3f}", va="center")
ax_acc.set_xlim(min(acc) - 0.05, 1.0)
ax_acc.set_xlabel("test accuracy")
ax_acc.invert_yaxis()
ax_acc.set_yticks([])
fig.tight_layout()

# %%
# What the deployed model sees
# ----------------------------
# Test letters with the ONNX model's predictions
# (:class:`~sklearn_emnist.plotting.SampleImagesDisplay`); mistakes are
# marked.
from sklearn_emnist.plotting import SampleImagesDisplay

SampleImagesDisplay.from_predictions(
    X_test, y_test, onnx_cnn.predict(X_test), n_images=24, random_state=0
)
plt.show()

# the model files were only needed to show their sizes and to load them
shutil.rmtree(folder)
