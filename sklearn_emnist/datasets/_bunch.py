"""Turn decoded arrays into the scikit-learn ``Bunch`` the loaders return."""

import numbers
from importlib import resources

import numpy as np

__all__ = ["check_sampling", "make_bunch", "stratified_indices"]


def _descr():
    return resources.files(__package__).joinpath("descr", "emnist.rst").read_text()


def check_sampling(n_samples, random_state, *, n_available=None):
    """Validate ``n_samples`` and ``random_state`` (cheap: call before any I/O).

    Parameters
    ----------
    n_samples : int or None
        Must be an int with ``1 <= n_samples <= n_available``.
    random_state : None, int, RandomState instance or the numpy.random module
        What :func:`sklearn.utils.check_random_state` accepts (checked
        without importing scikit-learn).
    n_available : int, default=None
        Number of images to sample from, when known.

    Returns
    -------
    n_samples : int or None
    """
    if n_samples is not None:
        if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
            raise TypeError(f"n_samples must be None or an int, got {n_samples!r}.")
        if n_samples < 1 or (n_available is not None and n_samples > n_available):
            bound = "" if n_available is None else f" <= {n_available}"
            has = "" if n_available is None else f"this subset has {n_available} images; "
            raise ValueError(
                f"n_samples={n_samples} is out of range: {has}pass 1 <= n_samples"
                f"{bound}, or None for all of them."
            )
        n_samples = int(n_samples)
    if random_state is None or random_state is np.random or isinstance(random_state, np.random.RandomState):
        return n_samples
    if isinstance(random_state, numbers.Integral) and 0 <= random_state <= 2**32 - 1:
        return n_samples
    raise ValueError(
        f"random_state={random_state!r} cannot seed a numpy RandomState: pass None, an "
        "int between 0 and 2**32 - 1 or a numpy.random.RandomState instance."
    )


def stratified_indices(target, n_samples, random_state=None):
    """Indices of a stratified random sub-sample of size ``n_samples``.

    Each class gets ``n_samples * class_share`` rows (largest remainders get
    the leftover rows, ties broken at random), drawn without replacement; the
    result is in random order.
    """
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    target = np.asarray(target)
    classes, inverse, counts = np.unique(target, return_inverse=True, return_counts=True)
    exact = n_samples * counts / counts.sum()
    quota = np.floor(exact).astype(np.int64)
    leftover = n_samples - quota.sum()
    if leftover:
        # largest fractional parts first, random tie-break
        order = np.lexsort((rng.random_sample(len(classes)), -(exact - quota)))
        quota[order[:leftover]] += 1
    by_class = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    chosen = [
        rng.choice(by_class[starts[k] : starts[k + 1]], size=quota[k], replace=False)
        for k in range(len(classes))
        if quota[k]
    ]
    return rng.permutation(np.concatenate(chosen))


def make_bunch(
    info,
    subset,
    images,
    labels,
    *,
    files,
    n_samples=None,
    random_state=None,
    as_characters=False,
    return_X_y=False,
):
    """Map file labels to targets, sub-sample and package the result."""
    if len(labels) == 0:
        image_files = [str(name) for name in files[0::2]]
        where = image_files[0] if len(image_files) == 1 else ", ".join(image_files)
        raise ValueError(f"{where} holds no images (a well-formed IDX file with 0 items); "
                         "nothing to load.")
    lookup = np.full(256, -1, dtype=np.int64)
    lookup[list(info.labels)] = np.arange(info.n_classes)
    target = lookup[labels]
    if target.size and target.min() < 0:
        unknown = np.unique(labels[target < 0])
        label_files = [str(name) for name in files[1::2]]  # (images, labels) per subset
        where = label_files[0] if len(label_files) == 1 else "one of " + ", ".join(label_files)
        raise ValueError(
            f"labels {unknown.tolist()[:10]} in {where} are not labels of the "
            f"EMNIST {info.name!r} split (valid: {info.labels[0]}..{info.labels[-1]}); "
            "pass the split the files were made from."
        )
    n_samples = check_sampling(n_samples, random_state, n_available=len(target))
    if n_samples is not None:
        index = stratified_indices(target, n_samples, random_state)
        images, target = np.asarray(images[index]), target[index]  # copies the rows drawn
    elif not images.flags.writeable or isinstance(images, np.memmap):
        images = np.array(images)  # own memory, writable, detached from the cache file
    target_names = np.array(info.target_names)
    if as_characters:
        target = target_names[target]
    data = images.reshape(len(images), -1)
    if return_X_y:
        return data, target
    from sklearn.utils import Bunch  # imported late: return_X_y does without it

    return Bunch(
        data=data,
        images=images,
        target=target,
        target_names=target_names,
        feature_names=[f"pixel_{row}_{col}" for row in range(28) for col in range(28)],
        DESCR=_descr(),
        split=info.name,
        subset=subset,
        n_classes=info.n_classes,
        char_codes=list(info.char_codes),
        file_labels=list(info.labels),
        files=[str(f) for f in files],
    )
