"""Ensembles and the most confused letter pairs, from tune_on_validation.py's saved probabilities.

Usage: python benchmarks/results/neural/exploration/analyze_validation.py FOLDER NAME [NAME ...]
(the first NAME is the model whose errors are counted).
"""
import collections
import itertools
import sys
from pathlib import Path

import numpy as np

folder, names = Path(sys.argv[1]), sys.argv[2:]
y = np.load(folder / "yva.npy")
probas = {name: np.load(folder / f"{name}.npy") for name in names}
classes = np.unique(y)


def accuracy(p):
    return 100 * np.mean(classes[p.argmax(1)] == y)


for name in names:
    print(f"{name} {accuracy(probas[name]):.2f}")
for r in range(2, len(names) + 1):
    for combo in itertools.combinations(names, r):
        mean = accuracy(sum(probas[n] for n in combo))
        geometric = accuracy(sum(np.log(probas[n] + 1e-9) for n in combo))
        print(f"{'+'.join(combo)} mean {mean:.2f} geo {geometric:.2f}")
pred = classes[probas[names[0]].argmax(1)]
pairs = collections.Counter((chr(97 + t), chr(97 + p)) for t, p in zip(y, pred) if t != p)
print(f"{names[0]}: {sum(pairs.values())} errors of {len(y)}; most common (true, predicted):")
print(pairs.most_common(10))
