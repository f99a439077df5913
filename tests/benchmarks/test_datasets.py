"""Data sources and protocol samples of the benchmark runner, on real images."""

import numpy as np
import pytest

from benchmarks.datasets import (
    check_source_files,
    class_balanced_indices,
    indices_spread_like,
    load_source,
    parse_source,
    resolve_source,
)
from tests._data import load_bench, require_shared


def test_parse_split_source():
    source = parse_source("split:balanced")
    assert (source.kind, source.name, source.split, source.folder) == (
        "split",
        "balanced",
        "balanced",
        None,
    )


def test_parse_folder_source_infers_split_from_name():
    source = parse_source("folder:/data/bench:byclass-here")
    assert (source.folder, source.name, source.split) == ("/data/bench", "byclass-here", "byclass")
    assert parse_source(source.spec()) == source


def test_parse_folder_source_with_explicit_split():
    assert parse_source("folder:/d:mine:digits").split == "digits"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("split:cursive", "unknown EMNIST split"),
        ("folder:/d:mystuff", "cannot tell which EMNIST split"),
        ("letters", "bad data source"),
        ("ftp:x", "bad data source"),
    ],
)
def test_bad_sources_name_the_accepted_forms(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_source(text)


def test_unknown_dataset_lists_choices():
    with pytest.raises(ValueError, match="letters-here"):
        resolve_source("letters-there")


def test_bench_set_resolves_to_folder_source(tmp_path):
    source = resolve_source("digits-here", data_folder=tmp_path)
    assert source.spec() == f"folder:{tmp_path}:digits-here:digits"


def test_missing_folder_files_give_clear_error(tmp_path):
    # the library's message names no command-line option: each command line
    # checks up front and names its own (bench_knn.py, for one, has no --data-folder)
    with pytest.raises(FileNotFoundError, match="missing .*letters-here-test-images") as info:
        load_source(resolve_source("letters-here", data_folder=tmp_path), "test")
    assert "data_folder" in str(info.value) and "--" not in str(info.value).split("; ")[-1]
    with pytest.raises(FileNotFoundError, match="; point --data-folder at them[.]$"):
        check_source_files(resolve_source("letters-here", data_folder=tmp_path),
                           hint="point --data-folder at them")


def test_folder_source_loads_real_upright_letters(tmp_path):
    folder = require_shared("bench")
    loaded = load_source(resolve_source("letters-here", data_folder=folder), "test", data_home=tmp_path)
    images, labels = load_bench("letters-here", "test")
    assert loaded.data.shape == (7800, 784) and loaded.data.dtype == np.uint8
    np.testing.assert_array_equal(loaded.data, images.reshape(len(images), -1))
    np.testing.assert_array_equal(loaded.target, labels)
    assert loaded.target_names[:3] == ["a", "b", "c"]


def test_class_balanced_sample_of_real_imbalanced_labels():
    require_shared("bench")
    _, labels = load_bench("letters-here", "train")
    index = class_balanced_indices(labels, 40_000, random_state=0)
    counts = np.bincount(labels[index])
    assert len(index) == 40_000 and len(np.unique(index)) == 40_000
    assert counts.max() - counts.min() <= 1  # every class has >= 1,540 images
    np.testing.assert_array_equal(index, class_balanced_indices(labels, 40_000, random_state=0))
    assert not np.array_equal(index, class_balanced_indices(labels, 40_000, random_state=1))


def test_class_balanced_sample_gives_small_classes_all_they_have():
    require_shared("bench")
    _, labels = load_bench("byclass-here", "test")
    counts = np.bincount(labels)
    per_class = int(np.sort(counts)[len(counts) // 2])  # half the classes are smaller
    index = class_balanced_indices(labels, per_class * len(counts), random_state=0)
    sampled = np.bincount(labels[index], minlength=len(counts))
    assert len(index) == per_class * len(counts)
    small = counts < per_class
    np.testing.assert_array_equal(sampled[small], counts[small])
    assert sampled[~small].min() >= per_class


@pytest.mark.parametrize("random_state", range(12))
def test_class_balanced_sample_stays_level_after_capped_classes(random_state):
    # two capped classes: their shortfall is spread without putting the
    # classes that still have room two items apart (random_state 4 did: 15 vs 13)
    y = np.repeat(np.arange(6), [3, 21, 24, 10, 24, 24])
    index = class_balanced_indices(y, 68, random_state=random_state)
    sampled = np.bincount(y[index], minlength=6)
    assert len(index) == 68 and len(np.unique(index)) == 68
    assert sampled[0] == 3 and sampled[3] == 10
    room = sampled < np.bincount(y)
    assert sampled[room].max() - sampled[room].min() <= 1, sampled.tolist()


def test_class_balanced_sample_of_byclass_train_is_level():
    require_shared("bench")
    labels = load_source(resolve_source("byclass-here", data_folder=require_shared("bench")), "train").target
    counts = np.bincount(labels)
    for n_samples in (40_000, 23_264):
        sampled = np.bincount(labels[class_balanced_indices(labels, n_samples, 0)],
                              minlength=len(counts))
        room = sampled < counts
        assert sampled.sum() == n_samples and (~room).any()  # some classes are capped
        assert sampled[room].max() - sampled[room].min() <= 1


def _fingerprint(index):
    import hashlib

    return hashlib.sha256(np.asarray(index, dtype=np.int64).tobytes()).hexdigest()[:16]


def test_committed_letters_samples_are_unchanged():
    """The samples the committed records were measured on (seed, tune and tune-full
    protocols of letters-here, random_state=0) must never change: fingerprints of
    their indices, computed before the sampler's levelling fix."""
    folder = require_shared("bench")
    y = load_source(resolve_source("letters-here", data_folder=folder), "train").target
    y_test = load_source(resolve_source("letters-here", data_folder=folder), "test").target
    n_valid = len(y_test)
    seed = class_balanced_indices(y, 40_000, 0)
    rest = np.setdiff1d(np.arange(len(y)), seed)  # as bench_neural.load_protocol("tune")
    # validation samples are drawn like the (class-balanced) test set
    tune = rest[indices_spread_like(y[rest], y_test, n_valid, 1)]
    tune_full = indices_spread_like(y, y_test, n_valid, 1)
    assert [_fingerprint(i) for i in (seed, tune, tune_full)] == [
        "faf112455b2775d0", "ea9439fe33cbae07", "d340001c06a67694"]


def test_split_source_goes_through_fetch_emnist_with_a_mirror(tmp_path):
    mirror = require_shared("gzip")
    loaded = load_source(parse_source("split:mnist"), "test", data_home=tmp_path, mirror=str(mirror))
    assert loaded.data.shape == (10_000, 784)
    assert loaded.target_names == [str(d) for d in range(10)]
    assert np.bincount(loaded.target).min() > 800  # all ten digits, real labels
    assert any(tmp_path.rglob("*.gz")) or any(tmp_path.rglob("*.npy"))  # cached in data_home
