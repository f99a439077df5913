"""The CLI's output files: written atomically."""

import json
import os

import pytest

from sklearn_emnist._cli._outputs import write_json


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
