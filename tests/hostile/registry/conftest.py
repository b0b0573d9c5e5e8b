"""Fixtures for the registry's hostile tests: each test gets its own `kavro registry serve` in memory
mode on 127.0.0.1, stopped after it."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "support"))
import hostile  # noqa: E402

# 2,000 client sockets here and as many in the server, which inherits this limit.
hostile.raise_fd_limit(20000)


@pytest.fixture
def start_registry(tmp_path):
    started = []

    def start(*extra_args, port: int = 0):
        r = hostile.Registry(tmp_path / f"registry-{len(started)}.log", extra_args, port=port)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


@pytest.fixture
def registry(start_registry):
    return start_registry()
