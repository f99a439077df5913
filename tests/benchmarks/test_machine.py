"""The machine / versions / memory description carried by every benchmark record."""

import json
import os
import shutil
import subprocess

import pytest

from benchmarks import _machine


def test_machine_description_is_json_and_counts_usable_cores():
    machine = _machine.describe_machine(include_gpu=True)
    json.dumps(machine)
    assert machine["cores_usable"] == len(os.sched_getaffinity(0))
    assert machine["memory_gb"] > 0.1
    assert machine["cpu_model"] and machine["cpu_model"] != "unknown"
    gpu = machine["gpu"]
    assert gpu["available"] is bool(gpu.get("devices"))
    if not gpu["available"]:
        assert gpu["reason"]  # says why no GPU is listed


def test_package_versions_name_the_stack():
    versions = _machine.package_versions()
    for name in ("numpy", "scikit-learn", "sklearn-emnist", "python"):
        assert versions[name]


def test_peak_rss_sees_large_allocations():
    # allocate past this process's earlier peak, so that the peak must rise by
    # about 256 MiB (MiB, not KiB) and stay there once the block is freed
    import numpy as np

    before = _machine.peak_rss_mb()
    extra_mib = max(before - _machine.current_rss_mb(), 0) + 256
    block = np.ones(int(extra_mib * 1024 * 1024 // 8))  # touched
    held = _machine.current_rss_mb()
    del block
    peak = _machine.peak_rss_mb()
    assert peak - before >= 200
    assert held - 1 <= peak <= held + 64
    assert peak - _machine.current_rss_mb() >= 200  # the peak, not the current size


def test_git_revision_of_the_repository():
    revision = _machine.git_revision()
    if not (_machine.REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout (an unpacked sdist): no commit to record")
    commit = revision["commit"]
    assert isinstance(commit, str) and len(commit) == 40, revision
    assert set(commit) <= set("0123456789abcdef")
    assert revision["dirty"] in (True, False)


def test_git_revision_outside_a_checkout(tmp_path):
    assert _machine.git_revision(tmp_path)["commit"] is None


def test_git_revision_is_the_one_the_run_started_with(tmp_path):
    # a commit made while a long benchmark runs must not be credited with its figures
    if shutil.which("git") is None:
        pytest.skip("git is not installed")

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c",
                        "user.email=t@example.org", *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "code.py")
    git("commit", "-qm", "first")
    started = _machine.git_revision(tmp_path)
    (tmp_path / "code.py").write_text("x = 2\n")
    git("commit", "-qam", "second, while the run goes on")
    assert _machine.git_revision(tmp_path) == started
    assert started["commit"] is not None and started["dirty"] is False


def test_machine_description_names_the_cpus_vector_extensions():
    # they decide which kernels torch and onnxruntime run: AVX2-only CPUs train
    # slower and saturate 8-bit int8 weights (no VNNI)
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        flags = next(line for line in handle if line.startswith(("flags", "Features")))
    present = set(flags.split(":", 1)[1].split())
    machine = _machine.describe_machine(include_gpu=False)
    assert machine["cpu_flags"] == [f for f in _machine._CPU_FLAGS if f in present]
    assert ("avx2" in machine["cpu_flags"]) == ("avx2" in present)
    for flag in machine["cpu_flags"]:
        assert flag in _machine.cpu_label(machine)
