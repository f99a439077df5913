"""load_emnist_folder on the real benchmark sets and on small synthetic folders."""

import os
import time

import numpy as np
import pytest

from sklearn_emnist.datasets import IDXFormatError, load_emnist_folder, write_idx

from .conftest import cache_files


def test_letters_here_test_is_upright_with_letter_names(shared_bench, data_home):
    bunch = load_emnist_folder(shared_bench, name="letters-here", split="letters", subset="test")
    assert bunch.images.shape == (7_800, 28, 28) and bunch.data.shape == (7_800, 784)
    assert "".join(bunch.target_names) == "abcdefghijklmnopqrstuvwxyz"
    np.testing.assert_array_equal(np.bincount(bunch.target), np.full(26, 300))
    # the letter 'l' is a vertical stroke once the images are upright
    ells = bunch.images[bunch.target == 11].astype(float)
    rows_with_ink = (ells.sum(axis=2) > 0).sum(axis=1).mean()
    cols_with_ink = (ells.sum(axis=1) > 0).sum(axis=1).mean()
    assert rows_with_ink > 1.5 * cols_with_ink
    assert bunch.images.flags.writeable


def test_decoded_arrays_are_cached_and_keyed_by_the_files(tmp_path, data_home):
    folder = tmp_path / "set"
    folder.mkdir()
    rng = np.random.default_rng(0)
    write_idx(folder / "tiny-train-images-idx3-ubyte.gz", rng.integers(0, 256, (40, 28, 28), dtype=np.uint8))
    write_idx(folder / "tiny-train-labels-idx1-ubyte.gz", rng.integers(0, 10, 40, dtype=np.uint8))
    first = load_emnist_folder(folder, name="tiny", split="digits")
    assert len([f for f in cache_files(data_home) if f.endswith(".npy")]) == 2
    write_idx(folder / "tiny-train-labels-idx1-ubyte.gz", np.zeros(40, dtype=np.uint8))
    os.utime(folder / "tiny-train-labels-idx1-ubyte.gz", ns=(time.time_ns(), time.time_ns() + 10**9))
    second = load_emnist_folder(folder, name="tiny", split="digits")
    assert (second.target == 0).all() and not (first.target == 0).all()  # not served stale
    no_cache = load_emnist_folder(folder, name="tiny", split="digits", cache=False)
    np.testing.assert_array_equal(no_cache.images, second.images)


def _write_tiny(folder, labels):
    folder.mkdir(exist_ok=True)
    write_idx(folder / "tiny-train-images-idx3-ubyte.gz", np.zeros((len(labels), 28, 28), dtype=np.uint8))
    write_idx(folder / "tiny-train-labels-idx1-ubyte.gz", np.array(labels, dtype=np.uint8))
    later = time.time_ns() + len(labels) * 10**9  # a new mtime, however coarse the clock
    os.utime(folder / "tiny-train-labels-idx1-ubyte.gz", ns=(later, later))


def _cached_arrays(data_home):
    return sorted(f for f in cache_files(data_home) if f.endswith(".npy"))


def test_a_new_version_of_the_files_replaces_their_cached_arrays(tmp_path, data_home):
    for labels in ([1, 2], [3, 4, 5], [6, 7, 8, 9]):
        _write_tiny(tmp_path / "set", labels)
        bunch = load_emnist_folder(tmp_path / "set", name="tiny", split="digits")
        np.testing.assert_array_equal(bunch.target, labels)
        assert len(_cached_arrays(data_home)) == 2  # one pair: no stale versions pile up


def test_arrays_cached_under_the_names_of_before_the_source_part_are_replaced(tmp_path, data_home):
    _write_tiny(tmp_path / "set", [1, 2])
    load_emnist_folder(tmp_path / "set", name="tiny", split="digits")
    paths = [data_home / relative for relative in _cached_arrays(data_home)]
    (current,) = {path.name.rsplit("-", 1)[0] for path in paths}
    folder = paths[0].parent
    safe, subset, source, key = current.split("-")
    for kind in ("images", "labels"):  # what an earlier release wrote: <name>-<subset>-<key>
        (folder / f"{safe}-{subset}-{'0' * 12}-{kind}.npy").write_bytes(b"")
    _write_tiny(tmp_path / "set", [3, 4, 5])
    load_emnist_folder(tmp_path / "set", name="tiny", split="digits")
    assert len(_cached_arrays(data_home)) == 2


def test_a_new_version_leaves_other_folders_and_orientations_cached(tmp_path, data_home):
    for folder in ("one", "two"):  # the same name, other files
        _write_tiny(tmp_path / folder, [1, 2])
        load_emnist_folder(tmp_path / folder, name="tiny", split="digits")
    load_emnist_folder(tmp_path / "one", name="tiny", split="digits", transposed=False)
    before = _cached_arrays(data_home)
    assert len(before) == 6
    _write_tiny(tmp_path / "one", [3, 4, 5])
    load_emnist_folder(tmp_path / "one", name="tiny", split="digits")
    after = _cached_arrays(data_home)
    assert len(after) == 6 and len(set(before) & set(after)) == 4  # only one's transposed pair replaced


def test_an_unwritable_default_data_home_decodes_in_memory(gzip_folder, tmp_path, monkeypatch, read_only):
    locked = tmp_path / "locked"
    locked.mkdir()
    read_only(locked)
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(locked / "scikit_learn_data"))
    with pytest.warns(UserWarning, match="not writable"):
        bunch = load_emnist_folder(gzip_folder, split="mnist", subset="test")
    assert bunch.images.shape == (10_000, 28, 28)
    assert list(locked.iterdir()) == []


def test_subset_all_concatenates_train_then_test(tmp_path):
    for subset, n in (("train", 5), ("test", 3)):
        write_idx(tmp_path / f"x-{subset}-images-idx3-ubyte", np.full((n, 28, 28), n, dtype=np.uint8))
        write_idx(tmp_path / f"x-{subset}-labels-idx1-ubyte", np.full(n, n, dtype=np.uint8))
    bunch = load_emnist_folder(tmp_path, name="x", split="mnist", subset="all", cache=False)
    np.testing.assert_array_equal(bunch.target, [5] * 5 + [3] * 3)
    assert bunch.subset == "all" and len(bunch.files) == 4


def test_stratified_subsample_characters_and_return_X_y(shared_bench):
    X, y = load_emnist_folder(
        shared_bench, name="letters-here", split="letters", subset="test", cache=False,
        n_samples=260, random_state=3, as_characters=True, return_X_y=True,
    )
    assert X.shape == (260, 784)
    values, counts = np.unique(y, return_counts=True)
    assert "".join(values) == "abcdefghijklmnopqrstuvwxyz" and (counts == 10).all()


def test_default_name_is_the_official_prefix(gzip_folder):
    bunch = load_emnist_folder(gzip_folder, split="mnist", subset="test", cache=False, n_samples=100, random_state=0)
    assert bunch.files[0].endswith("emnist-mnist-test-images-idx3-ubyte.gz")
    assert bunch.images.shape == (100, 28, 28)


def test_missing_files_are_listed(tmp_path, shared_bench, data_home, monkeypatch):
    monkeypatch.setattr("sklearn_emnist.datasets._folder.concrete_subsets", lambda subset: ("valid",))
    with pytest.raises(FileNotFoundError, match="letters-here-valid-images.*letters-here-test-images"):
        load_emnist_folder(shared_bench, name="letters-here", split="letters", subset="test") and None
    write_idx(tmp_path / "a-test-labels-idx1-ubyte", np.zeros(1, dtype=np.uint8))
    with pytest.raises(FileNotFoundError, match=r"Files of 'a' there: \['a-test-labels-idx1-ubyte'\]"):
        load_emnist_folder(tmp_path, name="a", split="digits", subset="test")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_emnist_folder(tmp_path / "nope", split="digits")


def test_labels_outside_the_split_are_refused(tmp_path):
    write_idx(tmp_path / "b-test-images-idx3-ubyte", np.zeros((2, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "b-test-labels-idx1-ubyte", np.array([0, 27], dtype=np.uint8))
    with pytest.raises(ValueError, match=r"labels \[0, 27\].*'letters' split"):
        load_emnist_folder(tmp_path, name="b", split="letters", subset="test", cache=False)


@pytest.mark.parametrize("cache", [False, True])
def test_files_with_no_images_are_refused_by_name(tmp_path, data_home, cache):
    write_idx(tmp_path / "z-test-images-idx3-ubyte.gz", np.zeros((0, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "z-test-labels-idx1-ubyte.gz", np.zeros(0, dtype=np.uint8))
    for _ in range(2):  # the second time from the cache, where there is one
        with pytest.raises(ValueError, match=r"z-test-images-idx3-ubyte\.gz holds no images"):
            load_emnist_folder(tmp_path, name="z", split="letters", subset="test", cache=cache)


def test_with_subset_all_the_error_names_both_label_files(tmp_path):
    for part, labels in (("train", [0, 3]), ("test", [1, 2])):  # the bad label is in train
        write_idx(tmp_path / f"b-{part}-images-idx3-ubyte", np.zeros((2, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"b-{part}-labels-idx1-ubyte", np.array(labels, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"in one of \S*b-train-labels\S*, \S*b-test-labels"):
        load_emnist_folder(tmp_path, name="b", split="letters", subset="all", cache=False)


def test_malformed_file_is_an_idx_error(tmp_path):
    (tmp_path / "c-test-images-idx3-ubyte").write_bytes(b"<html>not idx</html>")
    write_idx(tmp_path / "c-test-labels-idx1-ubyte", np.zeros(2, dtype=np.uint8))
    with pytest.raises(IDXFormatError, match="HTML"):
        load_emnist_folder(tmp_path, name="c", split="mnist", subset="test", cache=False)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(split="letter"), ValueError, "Did you mean 'letters'"),
    (dict(split="letters", subset="valid"), ValueError, "valid subsets are 'train', 'test', 'all'"),
    (dict(split="letters", n_samples=0), ValueError, "n_samples=0 is out of range"),
    (dict(split="letters", n_samples=2.5), TypeError, "n_samples must be None or an int"),
])
def test_bad_arguments(shared_bench, kwargs, error, message):
    with pytest.raises(error, match=message):
        load_emnist_folder(shared_bench, name="letters-here", subset=kwargs.pop("subset", "test"), cache=False, **kwargs)


def test_name_with_a_subfolder_is_cached(tmp_path, data_home):
    (tmp_path / "sub").mkdir()
    write_idx(tmp_path / "sub" / "x-test-images-idx3-ubyte.gz", np.zeros((2, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "sub" / "x-test-labels-idx1-ubyte.gz", np.array([0, 1], dtype=np.uint8))
    bunch = load_emnist_folder(tmp_path, name="sub/x", split="digits", subset="test", data_home=data_home)
    np.testing.assert_array_equal(bunch.target, [0, 1])


def _write_upright_copy(folder, bunch, name):
    """Write a Bunch's upright images and its labels as stored in the files."""
    write_idx(folder / f"{name}-test-images-idx3-ubyte.gz", bunch.images)
    write_idx(folder / f"{name}-test-labels-idx1-ubyte.gz", np.array(bunch.file_labels, dtype=np.uint8)[bunch.target])


def test_upright_files_round_trip_with_transposed_false(shared_bench, tmp_path):
    official = load_emnist_folder(shared_bench, name="letters-here", split="letters", subset="test", cache=False)
    _write_upright_copy(tmp_path, official, "mine")
    again = load_emnist_folder(tmp_path, name="mine", split="letters", subset="test", cache=False, transposed=False)
    np.testing.assert_array_equal(again.images, official.images)
    np.testing.assert_array_equal(again.target, official.target)


def test_transposed_is_part_of_the_cache_key(shared_bench, tmp_path, data_home):
    official = load_emnist_folder(shared_bench, name="letters-here", split="letters", subset="test", cache=False)
    _write_upright_copy(tmp_path, official, "mine")
    load_emnist_folder(tmp_path, name="mine", split="letters", subset="test")  # cached transposed
    upright = load_emnist_folder(tmp_path, name="mine", split="letters", subset="test", transposed=False)
    np.testing.assert_array_equal(upright.images, official.images)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(n_samples=-1), ValueError, "n_samples=-1 is out of range"),
    (dict(n_samples=2.5), TypeError, "n_samples must be None or an int"),
    (dict(n_samples=5, random_state="x"), ValueError, "random_state='x' cannot seed"),
    (dict(transposed="no"), TypeError, "transposed must be True"),
])
def test_bad_arguments_fail_before_anything_is_cached(shared_bench, data_home, kwargs, error, message):
    with pytest.raises(error, match=message):
        load_emnist_folder(shared_bench, name="letters-here", split="letters", subset="test", **kwargs)
    assert not any(name.endswith(".npy") for name in cache_files(data_home))


def test_a_file_rewritten_with_its_size_and_mtime_kept_is_decoded_again(tmp_path, data_home):
    """cp -p, rsync -t and tar x keep the size and the modification time: the
    status change time (and the inode, for a replaced file) tell the change."""
    folder = tmp_path / "set"
    _write_tiny(folder, [1, 2, 3])
    labels = folder / "tiny-train-labels-idx1-ubyte.gz"
    first = load_emnist_folder(folder, name="tiny", split="digits")
    np.testing.assert_array_equal(first.target, [1, 2, 3])
    before = os.stat(labels)
    deadline = time.monotonic() + 5
    while True:  # the change time has the file system's granularity
        write_idx(labels, np.array([4, 5, 6], dtype=np.uint8))  # the same size
        os.utime(labels, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same mtime
        after = os.stat(labels)
        if after.st_ctime_ns != before.st_ctime_ns or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    second = load_emnist_folder(folder, name="tiny", split="digits")
    np.testing.assert_array_equal(second.target, [4, 5, 6])  # not the stale cached arrays
    assert len(_cached_arrays(data_home)) == 2  # and the stale pair was replaced


def test_a_file_replaced_by_another_with_its_size_and_mtime_is_decoded_again(tmp_path, data_home):
    folder = tmp_path / "set"
    _write_tiny(folder, [1, 2, 3])
    labels = folder / "tiny-train-labels-idx1-ubyte.gz"
    load_emnist_folder(folder, name="tiny", split="digits")
    before = os.stat(labels)
    replacement = tmp_path / "new.gz"
    write_idx(replacement, np.array([7, 8, 9], dtype=np.uint8))
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, labels)  # what rsync and tar do: a new file renamed in place
    assert os.stat(labels).st_ino != before.st_ino
    bunch = load_emnist_folder(folder, name="tiny", split="digits")
    np.testing.assert_array_equal(bunch.target, [7, 8, 9])
