"""Fixtures for the interop tier: the real broker (from the ctest fixture), the kavro binary, and a
kavro registry server started as a separate process, as a user would run it."""
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests


@pytest.fixture(scope="session")
def bootstrap() -> str:
    d = os.environ.get("KAVRO_TEST_KAFKA_DIR")
    assert d, "KAVRO_TEST_KAFKA_DIR is not set: run through ctest (scripts/test.sh)"
    return Path(d, "bootstrap").read_text().strip()


@pytest.fixture(scope="session")
def kavro_bin() -> str:
    b = os.environ.get("KAVRO_BIN")
    assert b and os.access(b, os.X_OK), "KAVRO_BIN must name the built kavro binary"
    return b


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def registry_url(kavro_bin, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("registry") / "registry.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([kavro_bin, "registry", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while True:
        try:
            requests.get(url + "/subjects", timeout=1)
            break
        except requests.ConnectionError:
            if proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"kavro registry did not start: {log.read_text()}")
            time.sleep(0.1)
    yield url
    proc.terminate()
    assert proc.wait(timeout=10) == 0, log.read_text()


@pytest.fixture
def topic() -> str:
    return "interop-" + uuid.uuid4().hex[:12]
