"""tune_malloc: glibc allocator thresholds for torch training, in workers and (once per
process, unless chosen elsewhere) in the neural estimators."""

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


@pytest.fixture
def untuned_process(monkeypatch):
    """The module as in a process where nothing set the thresholds yet, with
    tune_malloc recorded instead of applied."""
    from sklearn_emnist.parallel import _malloc

    calls = []
    monkeypatch.setattr(_malloc, "_APPLIED", None)
    monkeypatch.setattr(_malloc, "tune_malloc", lambda: calls.append("tuned") or {"tuned": 1})
    for name in ("SKLEARN_EMNIST_TUNE_MALLOC", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_",
                 "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "GLIBC_TUNABLES", "LD_PRELOAD"):
        monkeypatch.delenv(name, raising=False)
    return _malloc, calls


def test_training_default_tunes_an_untouched_process_once(untuned_process, monkeypatch):
    _malloc, calls = untuned_process
    assert _malloc.tune_malloc_for_training() == {"tuned": 1}
    monkeypatch.setattr(_malloc, "_APPLIED", {"tuned": 1})  # what tune_malloc records
    assert _malloc.tune_malloc_for_training() is None
    assert calls == ["tuned"]


@pytest.mark.parametrize("name, value", [
    ("SKLEARN_EMNIST_TUNE_MALLOC", "0"),
    ("SKLEARN_EMNIST_TUNE_MALLOC", "off"),
    ("MALLOC_TRIM_THRESHOLD_", "65536"),  # as Dask's nanny sets it
    ("MALLOC_MMAP_THRESHOLD_", "131072"),
    ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=65536"),
    ("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"),
])
def test_training_default_keeps_an_allocator_chosen_elsewhere(untuned_process, monkeypatch,
                                                              name, value):
    _malloc, calls = untuned_process
    monkeypatch.setenv(name, value)
    assert _malloc.tune_malloc_for_training() is None
    assert calls == []


def test_training_default_keeps_the_users_own_thresholds(untuned_process, monkeypatch):
    _malloc, calls = untuned_process
    monkeypatch.setattr(_malloc, "_APPLIED", {"mmap_threshold": 1 << 20, "trim_threshold": 0})
    assert _malloc.tune_malloc_for_training() is None
    assert calls == []


_FIT_THEN_REPORT = """
import numpy as np
from sklearn_emnist import CharCNNClassifier
from sklearn_emnist.parallel._malloc import applied_malloc_settings
X = np.random.default_rng(0).integers(0, 256, size=(8, 28, 28), dtype=np.uint8)
CharCNNClassifier(architecture="seed", max_epochs=1, verbose=0, n_threads=1).fit(X, [0, 1] * 4)
print(applied_malloc_settings())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt is Linux only")
@pytest.mark.parametrize("opt_out, expected", [
    (None, str({"mmap_threshold": 32 << 20, "trim_threshold": 128 << 20})),
    ("0", "None"),
])
def test_a_neural_fit_tunes_a_fresh_process_unless_opted_out(opt_out, expected):
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MALLOC_", "SKLEARN_EMNIST_TUNE")) and k != "LD_PRELOAD"}
    if opt_out is not None:
        env["SKLEARN_EMNIST_TUNE_MALLOC"] = opt_out
    out = subprocess.run([sys.executable, "-c", _FIT_THEN_REPORT], env=env, check=True,
                         capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == expected
