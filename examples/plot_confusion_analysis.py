"""
=========================================================
Confusion analysis: which characters does a model mix up?
=========================================================

The EMNIST paper and the seed article both point at the same weak spots:
characters that look alike when handwritten, such as ``0``/``O``, ``1``/``I``/``l``
and the case pairs ``c``/``C``, ``o``/``O``, ``s``/``S``. This example trains the
KNN baseline on real images of the 62-class byclass split and shows where its
errors go: a summary of the metrics, the most confused pairs, a confusion
matrix ordered so that look-alikes sit side by side, and the worst errors.

The images come from :func:`~sklearn_emnist.fetch_emnist` reading the
official ``.gz`` files from a local folder (``mirror=``), exactly as an
offline user would; the files are checked against their official SHA-256.
"""

# %%
# Fetch byclass from a local mirror
# ---------------------------------
# The official byclass *test* file holds 116,323 images. We draw a stratified
# sample of 15,000 and split it into 10,000 images to train on and 5,000 to
# evaluate on.
import os
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from sklearn_emnist import fetch_emnist

MIRROR = Path(os.environ.get("SKLEARN_EMNIST_SHARED", "../shared/emnist")) / "gzip"

byclass = fetch_emnist(
    "byclass", subset="test", mirror=MIRROR, n_samples=15_000, random_state=0
)
names = byclass.target_names
X_train, X_test, y_train, y_test = train_test_split(
    byclass.data, byclass.target, test_size=5_000, stratify=byclass.target,
    random_state=0,
)
print(f"{byclass.n_classes} classes: {''.join(names)}")
print(f"train {X_train.shape}, test {X_test.shape}")

# %%
# The KNN baseline
# ----------------
# :func:`~sklearn_emnist.make_knn_pipeline` builds the tuned recipe:
# deskewing, HOG features, PCA and distance-weighted neighbours. Its PCA is
# randomized: ``random_state`` makes the printed figures reproducible.
from sklearn_emnist import make_knn_pipeline

model = make_knn_pipeline(random_state=0).fit(X_train, y_train)
y_pred = model.predict(X_test)
model

# %%
# Summary metrics
# ---------------
# byclass is imbalanced (digits and a few lower-case letters dominate), so the
# macro averages, where every class counts the same, are well below the
# accuracy.
from sklearn_emnist.metrics import classification_summary

print(classification_summary(y_test, y_pred, target_names=names))

# %%
# The most confused pairs
# -----------------------
# Both directions of each pair are counted together (``total``); the rates
# are per true class. Characters written the same way lead the list: a
# digit and a letter (O and 0, l and 1, I and 1, 5 and S) and case pairs
# (c and C, s and S ...). They are errors of the task more than of the
# model: EMNIST's *bymerge* and *balanced* splits merge the case pairs, and
# only context (a word, a number) tells the digit-letter pairs apart.
from sklearn_emnist.metrics import most_confused_pairs

print(most_confused_pairs(y_test, y_pred, target_names=names, top=12))

# %%
# The classes recognised worst
# ----------------------------
from sklearn_emnist.metrics import per_class_table

print(per_class_table(y_test, y_pred, target_names=names, sort_by="recall")[:10])

# %%
# A confusion matrix that groups look-alikes
# ------------------------------------------
# With 62 classes an alphabetical matrix scatters the interesting cells. The
# ``order="lookalike"`` ordering puts ``0 O o Q D``, ``1 I l i``, ``c C`` ...
# next to each other, so confusions show up as blocks along the diagonal.
# Rows are normalised: each row sums to 1 (recall on the diagonal).
from sklearn_emnist.plotting import CharConfusionMatrixDisplay

fig, ax = plt.subplots(figsize=(10, 10))
CharConfusionMatrixDisplay.from_predictions(
    y_test, y_pred, target_names=names, normalize="true", order="lookalike", ax=ax
)
ax.set_title("byclass, KNN baseline: row-normalised confusion matrix")
fig.tight_layout()

# %%
# The worst errors
# ----------------
# The test images the model got wrong with the highest confidence. Many are
# hard even for a person: the writer's ``O`` is a ``0``, the ``l`` an ``I``.
from sklearn_emnist.plotting import WorstErrorsDisplay

WorstErrorsDisplay.from_estimator(model, X_test, y_test, target_names=names, n_images=20)
plt.show()
