"""``class_weight`` read as scikit-learn's classifiers read it, one weight per class."""


import numpy as np
from sklearn.utils.class_weight import compute_class_weight

__all__ = ["class_weight_vector"]


def class_weight_vector(class_weight, classes, y, sample_weight):
    """One weight per class of ``classes``, as scikit-learn's classifiers read
    ``class_weight``: "balanced" counts each class's summed sample weight (as
    LogisticRegression does; SVC counts images), a dict gives some classes a
    weight (the others 1) and must name only classes. Weights must be finite and
    non-negative (a negative one rewards the loss, NaN makes it NaN)."""
    if isinstance(class_weight, str):  # "balanced", the only string allowed
        missing = np.setdiff1d(classes, y)
        if missing.size:
            raise ValueError(
                f"class_weight='balanced' weighs each class by its share of y, but y has no "
                f"images of {missing[:10]!r} (classes of the classes parameter or of "
                "partial_fit's classes). Give those classes weights of your own "
                "(class_weight=dict) or train on images of every class."
            )
        return compute_class_weight(class_weight, classes=classes, y=y,
                                    sample_weight=sample_weight).astype(np.float32)
    # a dict, matched by label equality (scikit-learn's compute_class_weight turns
    # labels into int where it can, so that the keys '0', '1' of digit-string labels
    # never matched: scikit-learn issue #34883)
    labels = [label.item() if isinstance(label, np.generic) else label for label in classes]
    known = set(labels)
    unknown = [key for key in class_weight if key not in known]
    if unknown:
        raise ValueError(
            f"class_weight has keys {unknown[:10]!r} that are not classes; the classes are "
            f"{np.asarray(classes)[:10]!r}{'...' if len(classes) > 10 else ''}."
        )
    weights = np.array([class_weight.get(label, 1.0) for label in labels], dtype=np.float64)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        bad = {label: weight for label, weight in zip(labels, weights)
               if not np.isfinite(weight) or weight < 0}
        raise ValueError(
            f"class_weight must be finite and non-negative, got {bad!r}: a negative weight "
            "rewards the loss of its class, NaN or infinity makes the loss NaN."
        )
    return weights.astype(np.float32)
