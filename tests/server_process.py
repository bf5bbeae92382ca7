"""`inspect-tool serve` in a subprocess, as a user starts it, for the tests that talk to it over
HTTP (test_server, test_server_roles, test_sync): one way to start it and wait for it."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.pg_cluster import free_port


def serve(server_url: str) -> tuple[subprocess.Popen, str]:
    """The server on a free port of 127.0.0.1, once it answers: its process and base URL
    (the caller stops it; a test that kills it on purpose needs the process)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "inspect_tool",
            "--lang",
            "en",
            "serve",
            "--db",
            server_url,
            "--port",
            str(port),
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # a start-up bound on a loaded machine, not a measure
    while True:
        try:
            with urllib.request.urlopen(base + "/openapi.json", timeout=5):
                return process, base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the server did not start: " + process.stdout.read().decode())
        time.sleep(0.1)


@contextmanager
def running_server(server_url: str) -> Iterator[str]:
    """The server's base URL while the block runs; stopped after it, however it ends."""
    process, base = serve(server_url)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
