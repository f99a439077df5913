"""The split metadata table agrees with the official checksums and mapping files."""

import numpy as np
import pytest

from sklearn_emnist.datasets import SPLITS, get_split_info, read_idx
from sklearn_emnist.datasets._metadata import _table, member_checksum


def _sha256sums(folder):
    rows = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            sha, name, size = line.split()
            rows[name] = (sha, int(size))
    return rows


def test_checksums_equal_the_official_list(shared_emnist):
    official = _sha256sums(shared_emnist)
    assert len(official) == 24
    assert {name: member_checksum(name) for name in _table()["members"]} == official
    members = {m for split in SPLITS for m in get_split_info(split).files.values()}
    assert members == set(official)


@pytest.mark.parametrize("split", ["byclass", "bymerge", "balanced", "letters", "digits", "mnist"])
def test_embedded_mapping_equals_the_mapping_file(gzip_folder, split):
    info = get_split_info(split)
    rows = [list(map(int, line.split())) for line in (gzip_folder / f"emnist-{split}-mapping.txt").read_text().splitlines()]
    assert [[label, *codes] for label, codes in zip(info.labels, info.char_codes)] == rows
    assert info.n_classes == len(rows) == len(set(info.target_names))


@pytest.mark.parametrize("split", ["byclass", "bymerge", "balanced", "letters", "digits", "mnist"])
def test_label_files_use_exactly_the_mapped_labels(gzip_folder, split):
    info = get_split_info(split)
    labels = read_idx(gzip_folder / f"emnist-{split}-test-labels-idx1-ubyte.gz")
    assert len(labels) == info.n_test
    assert set(np.unique(labels)) <= set(info.labels)


def test_counts_and_names():
    expected = {"byclass": 62, "bymerge": 47, "balanced": 47, "letters": 26, "digits": 10, "mnist": 10}
    assert {s: get_split_info(s).n_classes for s in SPLITS} == expected
    letters = get_split_info("letters")
    assert "".join(letters.target_names) == "abcdefghijklmnopqrstuvwxyz"
    assert letters.labels == tuple(range(1, 27)) and letters.char_codes[0] == (65, 97)
    assert "".join(get_split_info("balanced").target_names) == (
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabdefghnqrt"
    )
    assert get_split_info("mnist").n_images("all") == 70_000


@pytest.mark.parametrize("bad, hint", [("leters", "Did you mean 'letters'"), ("Balanced", "Did you mean 'balanced'"), ("xyz", "valid splits")])
def test_unknown_split_lists_valid_ones_and_suggests(bad, hint):
    with pytest.raises(ValueError, match=hint) as info:
        get_split_info(bad)
    assert "'byclass'" in str(info.value)


def test_split_metadata_cannot_be_changed_by_a_caller():
    info = get_split_info("letters")
    with pytest.raises(TypeError):
        info.files["test-images"] = "evil.gz"
    assert get_split_info("letters").files["test-images"] == "emnist-letters-test-images-idx3-ubyte.gz"


def test_unknown_subset_counts_are_refused():
    assert get_split_info("letters").n_images("all") == 124_800 + 20_800
    with pytest.raises(ValueError, match="validation"):
        get_split_info("letters").n_images("validation")
