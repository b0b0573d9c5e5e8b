"""Fixtures for the registry interop tests: kavro's registry as a separate process, as a user runs it,
in memory or on a _schemas topic of the broker the ctest fixture started."""
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests


@pytest.fixture(scope="session")
def kavro_bin() -> str:
    b = os.environ.get("KAVRO_BIN")
    assert b and os.access(b, os.X_OK), "KAVRO_BIN must name the built kavro binary"
    return b


@pytest.fixture(scope="session")
def bootstrap() -> str:
    d = os.environ.get("KAVRO_TEST_KAFKA_DIR")
    assert d, "KAVRO_TEST_KAFKA_DIR is not set: run through ctest (scripts/test.sh)"
    return Path(d, "bootstrap").read_text().strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """`kavro registry serve` in a subprocess; stop() is a graceful SIGTERM, kill() a SIGKILL."""

    def __init__(self, kavro_bin: str, log: Path, extra_args=()):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "a") as out:
            self.proc = subprocess.Popen(
                [kavro_bin, "registry", "serve", "--host", "127.0.0.1", "--port", str(self.port), *extra_args],
                stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                if requests.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            # Refused before the port is bound; a timeout while the bound port waits for the leader
            # election, before it accepts.
            except (requests.ConnectionError, requests.Timeout):
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.kill()
                raise AssertionError(f"kavro registry did not start: {log.read_text()}")
            time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        assert self.proc.wait(timeout=30) == 0, self.log.read_text()

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.fixture
def start_registry(kavro_bin, tmp_path):
    started = []

    def start(*extra_args):
        r = Registry(kavro_bin, tmp_path / f"registry-{len(started)}.log", extra_args)
        started.append(r)
        return r

    yield start
    for r in started:
        if r.proc.poll() is None:
            r.kill()


@pytest.fixture
def registry_url(start_registry) -> str:
    return start_registry().url


@pytest.fixture
def schemas_topic() -> str:
    return "_schemas-" + uuid.uuid4().hex[:12]
