"""The CLI's output files: written atomically."""

import json
import os

import pytest

from sklearn_emnist._cli._outputs import check_output_file, write_json


def test_write_json_replaces_the_file_whole(tmp_path):
    path = tmp_path / "report.json"
    path.write_text("an older report")
    write_json(path, {"accuracy": 0.9})
    assert json.loads(path.read_text()) == {"accuracy": 0.9}
    assert os.listdir(tmp_path) == ["report.json"]


def test_a_failed_write_json_keeps_the_previous_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "report.json"
    path.write_text('{"accuracy": 0.8}')
    with pytest.raises(TypeError):
        write_json(path, {"accuracy": 0.9, "model": object()})  # fails half-way
    assert path.read_text() == '{"accuracy": 0.8}'
    assert os.listdir(tmp_path) == ["report.json"]


def test_write_json_through_a_link_replaces_its_target(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_json(link, {"a": 1})
    assert link.is_symlink() and json.loads(target.read_text()) == {"a": 1}


def test_special_files_are_written_to_not_read_or_replaced(tmp_path):
    """A FIFO (a shell's >(jq .)) was opened to be read, which waits for a writer
    forever; /dev/null would have been replaced by a regular file."""
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    check_output_file("--json", fifo)  # returns at once
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_json(fifo, {"a": 1})
    reader.join(timeout=10)
    assert json.loads(received[0]) == {"a": 1} and fifo.is_fifo()
    check_output_file("--json", os.devnull)
    write_json(os.devnull, {"a": 1})
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)
