"""tune_malloc: glibc allocator thresholds for torch training in workers."""

import sys

import pytest

from sklearn_emnist.parallel import tune_malloc
from sklearn_emnist.parallel._malloc import applied_malloc_settings


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt is Linux only")
def test_tune_malloc_applies_and_records_the_thresholds():
    settings = tune_malloc(mmap_threshold=16 << 20, trim_threshold=64 << 20)
    assert settings == {"mmap_threshold": 16 << 20, "trim_threshold": 64 << 20}
    assert applied_malloc_settings() == settings
    tune_malloc()  # this package's defaults (glibc's adaptive ones cannot come back)
    assert applied_malloc_settings()["mmap_threshold"] == 32 << 20


@pytest.mark.parametrize("bad", [-1, 1.5, "big", True])
def test_bad_threshold_is_refused(bad):
    with pytest.raises(ValueError, match="non-negative number of bytes"):
        tune_malloc(mmap_threshold=bad)


@pytest.mark.parametrize("name, value", [("mmap_threshold", 1 << 30), ("trim_threshold", 1 << 32)])
def test_threshold_glibc_would_not_apply_is_refused(name, value):
    with pytest.raises(ValueError, match="above what glibc accepts"):
        tune_malloc(**{name: value})
