"""How many of a byclass model's validation errors are a case the official splits call ambiguous.

The official bymerge split merges the upper and lower case of 15 letters
(c i j k l m o p s u v w x y z) because their two cases are written alike.
For the validation sample of ``load_protocol("byclass-here", "tune-full")``
this script sorts a fitted model's errors into:

- *merged case*: the right letter in the other case, for those 15 letters;
- *other case*: the right letter in the other case, for the 11 letters
  bymerge keeps apart (a b d e f g h n q r t);
- *digit and letter*: a digit read as a letter or the other way round
  (0 and O, 1 and l, 5 and s, ...);
- *other*: every other error,

and prints the accuracy the same predictions score when the merged cases
count as one class (bymerge's 47 classes), with the most common confusions.

Usage, from the repository root, with a model kept by
``bench_neural.py tune --dataset byclass-here --protocol full ... --save-model PATH``::

    python benchmarks/results/neural/exploration/byclass_case_errors.py PATH
"""

import collections
import sys

import numpy as np
from _validation_run import predictions_of_kept_model

MERGED_LETTERS = set("cijklmopsuvwxyz")  # emnist-bymerge-mapping.txt keeps no lower case of these


def _kind(true, predicted):
    if true.isdigit() != predicted.isdigit():
        return "digit and letter"
    if true.lower() == predicted.lower():
        return "merged case" if true.lower() in MERGED_LETTERS else "other case"
    return "other"


def _merge(char):
    return char.upper() if char.lower() in MERGED_LETTERS else char


def main(model_path):
    _, true, predicted = predictions_of_kept_model(model_path, "byclass-here", "tune-full")
    errors = [(t, p) for t, p in zip(true.tolist(), predicted.tolist()) if t != p]
    kinds = collections.Counter(_kind(t, p) for t, p in errors)
    merged_accuracy = np.mean([_merge(t) == _merge(p) for t, p in zip(true, predicted)])
    n = len(true)
    print(f"validation sample: {n} images; accuracy {100 * (1 - len(errors) / n):.2f} %, "
          f"{len(errors)} errors")
    for kind in ("merged case", "other case", "digit and letter", "other"):
        print(f"{kind}: {kinds[kind]} errors ({100 * kinds[kind] / n:.2f} points)")
    print(f"accuracy with bymerge's merged cases counted as one class: {100 * merged_accuracy:.2f} %")
    print("most common (true, predicted):", collections.Counter(errors).most_common(20))


if __name__ == "__main__":
    main(sys.argv[1])
