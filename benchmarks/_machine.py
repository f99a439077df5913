"""Describe the machine, the package versions and the command of a benchmark run.

Every JSON record the benchmarks write carries this description, so that a
figure can always be traced to the computer, the software and the command
that produced it.

Examples
--------
>>> from benchmarks._machine import describe_machine
>>> machine = describe_machine(include_gpu=False)
>>> machine["cores_usable"] >= 1
True
"""

import datetime
import importlib.metadata
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

__all__ = [
    "cpu_label",
    "current_rss_mb",
    "describe_machine",
    "git_revision",
    "package_versions",
    "peak_rss_mb",
    "utc_now",
]

REPO_ROOT = Path(__file__).resolve().parents[1]

# distribution name -> reported key
_PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "joblib",
    "imbalanced-learn",
    "torch",
    "skorch",
    "matplotlib",
    "onnxruntime",
    "psutil",
)


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


# the vector extensions that change torch's and onnxruntime's kernels (and so
# speed, and int8 saturation without VNNI), as /proc/cpuinfo names them
_CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile",
              "amx_bf16",
              "asimd", "asimddp", "sve")


def _cpu_flags():
    """The vector extensions of ``_CPU_FLAGS`` this CPU has (Linux), else ``None``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key = line.split(":", 1)[0].strip().lower()
                if key in ("flags", "features"):  # x86, ARM
                    present = set(line.split(":", 1)[1].split())
                    return [flag for flag in _CPU_FLAGS if flag in present]
    except OSError:
        pass
    return None


def cpu_label(machine):
    """The CPU of a record's ``machine`` with its vector extensions, if recorded.

    Examples
    --------
    >>> from benchmarks._machine import cpu_label
    >>> cpu_label({"cpu_model": "AMD EPYC", "cpu_flags": ["avx2", "fma"]})
    'AMD EPYC (avx2, fma)'
    >>> cpu_label({"cpu_model": "AMD EPYC"})  # a record from before the flags
    'AMD EPYC'
    """
    flags = machine.get("cpu_flags")
    model = machine.get("cpu_model")
    return f"{model} ({', '.join(flags)})" if flags else f"{model}"


def _memory_total_gb():
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024**2, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:  # pragma: no cover - non-Linux
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1)
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return None


def _usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count()


def _gpus():
    """GPUs torch can see, or a reason why none are listed."""
    try:
        import torch
    except ImportError as exc:
        return {"available": False, "reason": f"torch not importable: {exc}"}
    if not torch.cuda.is_available():
        return {
            "available": False,
            "reason": f"torch.cuda.is_available() is False (torch {torch.__version__})",
        }
    devices = []
    for index in range(torch.cuda.device_count()):
        properties = torch.cuda.get_device_properties(index)
        devices.append(
            {"name": properties.name, "memory_gb": round(properties.total_memory / 1024**3, 1)}
        )
    return {"available": True, "devices": devices, "cuda": torch.version.cuda}


def describe_machine(*, include_gpu=True):
    """The computer a benchmark runs on, as a JSON-safe dict.

    Parameters
    ----------
    include_gpu : bool, default=True
        Ask torch for CUDA devices (imports torch, about one second).

    Returns
    -------
    machine : dict
        ``cpu_model`` and ``cpu_flags`` (the vector extensions that change
        the kernels torch and onnxruntime run: AVX2, AVX-512, VNNI, ...; from
        ``/proc/cpuinfo``, ``None`` elsewhere), ``cores_logical``
        (``os.cpu_count()``), ``cores_usable`` (``os.sched_getaffinity``: the
        cores this process may run on), ``memory_gb``, ``platform``,
        ``python``, ``hostname`` and ``gpu``.

    Examples
    --------
    >>> from benchmarks._machine import describe_machine
    >>> sorted(describe_machine(include_gpu=False))[:4]
    ['cores_logical', 'cores_usable', 'cpu_flags', 'cpu_model']
    """
    machine = {
        "cpu_model": _cpu_model(),
        "cpu_flags": _cpu_flags(),
        "cores_logical": os.cpu_count(),
        "cores_usable": _usable_cores(),
        "memory_gb": _memory_total_gb(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "hostname": platform.node(),
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    if include_gpu:
        machine["gpu"] = _gpus()
    return machine


def package_versions():
    """Installed versions of the packages a benchmark depends on.

    Examples
    --------
    >>> from benchmarks._machine import package_versions
    >>> "numpy" in package_versions()
    True
    """
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    try:
        from sklearn_emnist import __version__

        versions["sklearn-emnist"] = __version__
    except ImportError:  # pragma: no cover
        versions["sklearn-emnist"] = None
    return versions


def git_revision(root=REPO_ROOT):
    """The git commit of ``root`` and whether the work tree had local changes,
    as they were when this process first asked.

    A run takes minutes to hours and its code is imported at the start: a
    commit made meanwhile must not be credited with its figures. The revision
    of this repository is therefore read when this module is imported (with
    the benchmark's own code), and every later call returns that reading.

    Returns ``{"commit": None, ...}`` outside a git checkout.
    """
    key = str(Path(root).resolve())
    if key not in _REVISIONS:
        _REVISIONS[key] = _read_git_revision(root)
    return dict(_REVISIONS[key])


def _read_git_revision(root):
    def _git(*args):
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()

    try:
        commit = _git("rev-parse", "HEAD")
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


_REVISIONS = {}
git_revision()  # the code this process runs: read now, before a long run


def current_rss_mb():
    """Resident memory of this process now, in MiB (Linux; else None)."""
    try:
        with open("/proc/self/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):  # pragma: no cover
        pass
    return None


def peak_rss_mb():
    """Peak resident memory of this process so far, in MiB.

    ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` counts every allocation,
    torch's included (unlike ``tracemalloc``). Kilobytes on Linux, bytes on
    macOS.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    divisor = 1024**2 if sys.platform == "darwin" else 1024
    return round(peak / divisor, 1)


def utc_now():
    """The current time, ISO 8601 in UTC, to the second."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
