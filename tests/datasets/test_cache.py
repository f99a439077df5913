"""Cache primitives: atomic targets, the inter-process lock, the array cache."""

import errno
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from sklearn_emnist.datasets import _cache
from sklearn_emnist.datasets._cache import atomic_target, file_lock, load_or_build_arrays, remove_dead_parts


def test_atomic_target_renames_on_success_and_cleans_on_failure(tmp_path):
    target = tmp_path / "file.bin"
    with atomic_target(target) as tmp:
        open(tmp, "wb").write(b"ok")
        assert not target.exists()
    assert target.read_bytes() == b"ok"
    with pytest.raises(KeyboardInterrupt):
        with atomic_target(target) as tmp:
            open(tmp, "wb").write(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"ok" and sorted(p.name for p in tmp_path.iterdir()) == ["file.bin"]


def test_lock_excludes_a_second_holder_and_is_removed(tmp_path):
    target = tmp_path / "member"
    events = []

    def worker(name):
        with file_lock(target):
            events.append(("in", name))
            time.sleep(0.05)
            events.append(("out", name))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # never two holders at once: every "in" is followed by its own "out"
    assert [kind for kind, _ in events] == ["in", "out"] * 3
    assert all(events[i][1] == events[i + 1][1] for i in range(0, 6, 2))
    assert list(tmp_path.iterdir()) == []


def _pair():
    return np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28), np.array([3, 7], dtype=np.uint8)


def _refuse(code):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))  # EACCES gives a PermissionError

    return refuse


@pytest.mark.parametrize("step, code", [
    ("mkdir", errno.EACCES),  # no permission to create the folder
    ("lock", errno.EROFS),  # a read-only file system
    ("save", errno.EACCES),
])
def test_an_unwritable_array_cache_builds_in_memory_and_warns(tmp_path, monkeypatch, step, code):
    folder = tmp_path / "arrays"
    if step != "mkdir":
        folder.mkdir()
    where = {"mkdir": (Path, "mkdir"), "lock": (_cache, "file_lock"), "save": (_cache, "_save_npy")}[step]
    monkeypatch.setattr(*where, _refuse(code))
    with pytest.warns(UserWarning, match=f"cache {folder} is not writable"):
        images, labels = load_or_build_arrays(folder, "x-test", _pair)
    np.testing.assert_array_equal(images, _pair()[0])
    np.testing.assert_array_equal(labels, _pair()[1])
    assert not folder.exists() or list(folder.iterdir()) == []


def test_an_existing_read_only_array_cache_folder_builds_in_memory(tmp_path, read_only):
    folder = tmp_path / "arrays"
    folder.mkdir()
    read_only(folder)
    with pytest.warns(UserWarning, match=f"cache {folder} is not writable"):
        images, _ = load_or_build_arrays(folder, "x-test", _pair)
    np.testing.assert_array_equal(images, _pair()[0])
    assert list(folder.iterdir()) == []


def test_a_full_disk_is_an_error_not_an_unwritable_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(_cache, "_save_npy", _refuse(errno.ENOSPC))
    with pytest.raises(OSError, match="No space left"):
        load_or_build_arrays(tmp_path, "x-test", _pair)


def test_lock_files_are_created_0o666_less_the_umask(tmp_path):
    old = os.umask(0o002)  # a cache shared by a group
    try:
        with file_lock(tmp_path / "member"):
            mode = stat.S_IMODE(os.stat(tmp_path / "member.lock").st_mode)
    finally:
        os.umask(old)
    assert mode == 0o664


def _dead_pid():
    """The id of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def test_parts_of_dead_writers_go_and_parts_of_live_ones_stay(tmp_path):
    target = tmp_path / "member.gz"
    dead = tmp_path / f"member.gz.{_dead_pid()}-0123abcd.part"
    live = tmp_path / f"member.gz.{os.getpid()}-89abcdef.part"
    for part in (dead, live):
        part.write_bytes(b"half a download")
    remove_dead_parts(target)
    assert sorted(tmp_path.iterdir()) == [live]


def test_no_part_goes_while_another_holds_the_lock(tmp_path):
    # a writer on another machine sharing the cache: its id means nothing here
    target = tmp_path / "member.gz"
    part = tmp_path / f"member.gz.{_dead_pid()}-0123abcd.part"
    part.write_bytes(b"being written")
    with file_lock(target):
        remove_dead_parts(target)
        assert part.exists()


def test_a_lock_file_left_by_a_killed_process_goes(tmp_path):
    target = tmp_path / "member.gz"
    (tmp_path / "member.gz.lock").write_bytes(b"")  # its flock died with the process
    remove_dead_parts(target)
    assert list(tmp_path.iterdir()) == []


_SCRATCH_OWNER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from sklearn_emnist.datasets._cache import ScratchFolder
folder = ScratchFolder().path("cache", PermissionError(13, "Permission denied"))
(folder / "gzip").mkdir()
(folder / "gzip" / "member.gz").write_bytes(b"half a download")
print(folder, flush=True)
time.sleep(120)
"""


def _new_scratch_folder():
    """Make a scratch folder (the sweep runs then) and remove it again; returns its path."""
    with _cache.ScratchFolder() as scratch:
        path = scratch.path("cache", PermissionError(errno.EACCES, "Permission denied"))
        assert path.is_dir() and f"-{os.getpid()}-" in path.name
    return path


def test_the_scratch_folder_of_a_killed_process_goes_when_a_new_one_is_made(scratch_root):
    env = {**os.environ, "TMPDIR": str(scratch_root)}
    root = str(Path(__file__).resolve().parents[2])
    owner = subprocess.Popen([sys.executable, "-c", _SCRATCH_OWNER, root],
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        left = Path(owner.stdout.readline().strip())
    finally:
        owner.kill()  # SIGKILL: no clean-up code runs
        owner.wait()
        owner.stdout.close()
    assert left.parent == scratch_root and (left / "gzip" / "member.gz").exists()
    _new_scratch_folder()
    assert list(scratch_root.iterdir()) == []


def test_the_scratch_folder_of_a_live_process_stays(scratch_root):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        kept = scratch_root / f"sklearn-emnist-scratch-{live.pid}-abcd_123"
        kept.mkdir()
        _new_scratch_folder()
        assert list(scratch_root.iterdir()) == [kept]
    finally:
        live.kill()
        live.wait()


@pytest.mark.parametrize("name", [
    "sklearn-emnist-{pid}-abcd_123",  # not a scratch folder's name
    "sklearn-emnist-scratch-{pid}-abcd_123-mine",
    "sklearn-emnist-scratch-{pid}",
    "checkpoint-host-{pid}-0123456789ab",
])
def test_folders_not_named_like_a_scratch_folder_stay(scratch_root, name):
    kept = scratch_root / name.format(pid=_dead_pid())
    kept.mkdir()
    _new_scratch_folder()
    assert list(scratch_root.iterdir()) == [kept]


def test_a_scratch_folder_stays_while_its_lock_is_held(scratch_root):
    # an owner in another container sharing the folder: its id means nothing here
    kept = scratch_root / f"sklearn-emnist-scratch-{_dead_pid()}-abcd_123"
    kept.mkdir()
    with file_lock(kept / "scratch"):
        _new_scratch_folder()
        assert kept.is_dir()


def test_a_scratch_folder_of_another_user_stays(scratch_root, monkeypatch):
    kept = scratch_root / f"sklearn-emnist-scratch-{_dead_pid()}-abcd_123"
    kept.mkdir()
    owner = os.stat(kept).st_uid
    monkeypatch.setattr(os, "getuid", lambda: owner + 1)
    _new_scratch_folder()
    assert kept.is_dir()


def test_the_sweep_never_follows_a_lock_file_planted_as_a_link(scratch_root, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    planted = scratch_root / f"sklearn-emnist-scratch-{_dead_pid()}-abcd_123"
    planted.mkdir()
    (planted / "scratch.lock").symlink_to(victim / "created")
    _new_scratch_folder()
    assert list(victim.iterdir()) == []
