"""The CLI's output files: written atomically."""

import json
import os

import pytest

from sklearn_emnist._cli._errors import EXIT_USAGE, CLIError
from sklearn_emnist._cli._outputs import check_output_file, write_json

KEYS = ("model", "summary")  # evaluate's


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
    check_output_file("--json", fifo, report_keys=KEYS)  # returns at once
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_json(fifo, {"a": 1})
    reader.join(timeout=10)
    assert json.loads(received[0]) == {"a": 1} and fifo.is_fifo()
    check_output_file("--json", os.devnull, report_keys=KEYS)
    write_json(os.devnull, {"a": 1})
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)


@pytest.mark.parametrize("content", [
    b'{"model": "m.skem", "summary": {"accuracy": 0.9}}\n',  # an earlier report
    b'\xef\xbb\xbf {"model": "m.skem", "summary": {}, "data": {}}',
    b"",  # mktemp's empty file
    b"\n",  # echo > FILE
    b"  \t\r\n\n",
])
def test_an_earlier_report_or_an_empty_file_may_be_replaced(tmp_path, content):
    path = tmp_path / "report.json"
    path.write_bytes(content)
    check_output_file("--json", path, report_keys=KEYS)  # no error


@pytest.mark.parametrize("content", [
    b"\x00\x00\x08\x01\x00\x00\x00\x03abc",  # a raw IDX labels file
    b"\x1f\x8b\x08\x00" + bytes(20),  # gzip
    b"\x80\x04\x95" + bytes(20),  # a pickle
    b"SKLEARN-EMNIST-MODEL\n{}",  # save_model's header
    b"#!/bin/sh\necho hello\n",
    b'{"truncated": ',  # starts like JSON, is not
    b"1,2,3\n",
    # JSON documents that are no report of evaluate's were replaced
    b"[1, 2]",
    b"NaN",
    b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',  # a notebook
    b'{"format": "sklearn-emnist-weights", "class": "x", "params": {}}',  # estimator.json
    b'{"schema": "sklearn-emnist-benchmark/1", "summary": {"accuracy": 0.9}}',  # no "model"
])
def test_a_file_holding_anything_but_a_report_is_a_usage_error_naming_it(tmp_path, content):
    path = tmp_path / "out.json"
    path.write_bytes(content)
    with pytest.raises(CLIError) as info:
        check_output_file("--json", path, report_keys=KEYS)
    assert info.value.code == EXIT_USAGE and str(path) in str(info.value)
    assert path.read_bytes() == content
