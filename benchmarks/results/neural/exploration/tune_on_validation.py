"""Fit one recipe on the tune protocol; save validation accuracy (JSON) and probabilities (.npy).

Usage, from the repository root: EXPLORE_OUT=/tmp/explore python benchmarks/results/neural/exploration/tune_on_validation.py NAME RECIPE JSON_OVERRIDES [THREADS]
"""
import sys, time, os, json
from pathlib import Path
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
os.environ["OMP_NUM_THREADS"] = str(threads)
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
from benchmarks.bench_neural import load_protocol
from sklearn_emnist.neural import make_recipe
OUT = os.environ.get("EXPLORE_OUT", ".")
name, recipe, over = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for k, v in list(over.items()):
    if isinstance(v, list):
        over[k] = tuple(v)
over.setdefault("random_state", 0)
Xtr, ytr, Xva, yva, _ = load_protocol("letters-here", "tune")
clf = make_recipe(recipe, n_threads=threads, verbose=0, **over)
t = time.perf_counter(); clf.fit(Xtr, ytr); fit_s = time.perf_counter() - t
P = clf.predict_proba(Xva)
acc = float(np.mean(clf.classes_[P.argmax(1)] == yva))
np.save(f"{OUT}/{name}.npy", P.astype(np.float32))
np.save(f"{OUT}/yva.npy", yva)
out = {"name": name, "recipe": recipe, "over": repr(over), "val_acc": acc, "fit_s": round(fit_s, 1),
       "epochs": [round(h["dur"], 1) for h in clf.history_], "train_loss": [round(h["train_loss"], 4) for h in clf.history_]}
open(f"{OUT}/{name}.json", "w").write(json.dumps(out) + "\n")
print(json.dumps(out), flush=True)
