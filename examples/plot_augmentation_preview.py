"""
=====================================
Augmentation previews on real letters
=====================================

Train-time augmentation makes new training images out of old ones: a small
rotation, shift, zoom or slant of a handwritten character is still the same
character. This example shows what
:func:`~sklearn_emnist.augmentation.random_affine` does to real EMNIST
letters, why its limits are "character-safe", and how
:class:`~sklearn_emnist.augmentation.RandomAffineAugmenter` adds the copies
inside a pipeline during ``fit`` only.
"""

# %%
# Real letters from the benchmark set
# -----------------------------------
# The gallery reads the ``letters-here`` benchmark set with
# :func:`~sklearn_emnist.datasets.load_emnist_folder`, the same data source
# the benchmarks use. ``n_samples`` draws a stratified sub-sample.
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sklearn_emnist.datasets import load_emnist_folder

BENCH = Path(os.environ.get("SKLEARN_EMNIST_SHARED", "../shared/emnist")) / "bench"

train = load_emnist_folder(
    BENCH, name="letters-here", split="letters", subset="train",
    n_samples=2600, random_state=0,
)
test = load_emnist_folder(
    BENCH, name="letters-here", split="letters", subset="test",
    n_samples=2600, random_state=0,
)
print(train.images.shape, test.images.shape, "".join(train.target_names))

# %%
# One transform per copy
# ----------------------
# Each row is one real letter (left) followed by five random copies with the
# default ranges: rotation up to 10 degrees, shift up to 2 pixels, zoom 0.9 to
# 1.1 and a slant (shear) up to 0.2.
from sklearn_emnist.augmentation import random_affine

rows = [np.flatnonzero(train.target == k)[0] for k in (0, 6, 10, 16, 17, 24)]
originals = train.images[rows]
copies = [random_affine(originals, random_state=seed) for seed in range(5)]

fig, axes = plt.subplots(len(rows), 6, figsize=(6, 6.3))
for i in range(len(rows)):
    for j, image in enumerate([originals[i]] + [c[i] for c in copies]):
        axes[i, j].imshow(image, cmap="gray_r")
        axes[i, j].set_xticks([])
        axes[i, j].set_yticks([])
    name = train.target_names[train.target[rows[i]]]
    axes[i, 0].set_ylabel(name, rotation=0, labelpad=10, fontsize=12)
axes[0, 0].set_title("original", fontsize=9)
for j in range(1, 6):
    axes[0, j].set_title(f"copy {j}", fontsize=9)
fig.suptitle("random_affine with its default, character-safe ranges")
fig.tight_layout()

# %%
# Why the ranges are bounded
# --------------------------
# Larger transforms change what a character *is*: at 45 degrees this ``n``
# already lies down like a ``z``, and half a turn makes ``d`` a ``p``. The
# function refuses rotations beyond 45 degrees and defaults to 10. Here the
# same letters are turned by a fixed angle (``rotation=(a, a)`` draws exactly
# ``a``); an elastic warp (``elastic=(alpha, sigma)``) is on the right.
angles = [0, 10, 25, 45]
pick = [np.flatnonzero(train.target == k)[1] for k in (3, 13, 15)]  # d, n, p
fig, axes = plt.subplots(len(pick), len(angles) + 1, figsize=(6, 3.9))
for i, index in enumerate(pick):
    image = train.images[index : index + 1]
    for j, angle in enumerate(angles):
        turned = random_affine(
            image, rotation=(angle, angle), shift=0, scale=(1, 1), shear=0
        )
        axes[i, j].imshow(turned[0], cmap="gray_r")
        axes[0, j].set_title(f"{angle} deg", fontsize=9)
    warped = random_affine(
        image, rotation=0, shift=0, scale=(1, 1), shear=0,
        elastic=(1.5, 3.0), random_state=1,
    )
    axes[i, -1].imshow(warped[0], cmap="gray_r")
    axes[0, -1].set_title("elastic", fontsize=9)
    name = train.target_names[train.target[index]]
    axes[i, 0].set_ylabel(name, rotation=0, labelpad=10, fontsize=12)
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %%
# Augmentation inside a pipeline
# ------------------------------
# :class:`~sklearn_emnist.augmentation.RandomAffineAugmenter` is an
# imbalanced-learn sampler: in :class:`imblearn.pipeline.Pipeline` its
# ``fit_resample`` runs while the pipeline is fitted and is skipped by
# ``predict`` and ``score``, so the test images are never touched. With 2,600
# real training letters (a stratified sample of the imbalanced letters-here
# set, 34 to 216 per class), two distorted copies of each help a
# nearest-neighbour classifier on the held-out test images.
from imblearn.pipeline import make_pipeline
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier

from sklearn_emnist.augmentation import RandomAffineAugmenter


def knn():
    return [
        PCA(n_components=40, random_state=0),
        KNeighborsClassifier(n_neighbors=5, weights="distance"),
    ]


plain = make_pipeline(*knn()).fit(train.data, train.target)
augmented = make_pipeline(
    RandomAffineAugmenter(n_augmented=2, random_state=0), *knn()
)
augmented.fit(train.data, train.target)
scores = {
    "no augmentation": plain.score(test.data, test.target),
    "2 affine copies per image": augmented.score(test.data, test.target),
}
for name, score in scores.items():
    print(f"{name:>28}: test accuracy {score:.3f}")

fig, ax = plt.subplots(figsize=(5, 2))
ax.barh(list(scores), list(scores.values()), color=["0.6", "tab:blue"])
ax.set_xlim(min(scores.values()) - 0.05, max(scores.values()) + 0.03)
ax.set_xlabel("test accuracy (letters-here, 2,600 test images)")
for y, score in enumerate(scores.values()):
    ax.text(score + 0.003, y, f"{score:.3f}", va="center")
fig.tight_layout()
plt.show()
