"""Cache primitives: atomic targets and the inter-process lock."""

import threading
import time

import pytest

from sklearn_emnist.datasets._cache import atomic_target, file_lock


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
