"""Fixtures of the cluster tier: the shared cluster (healed before and after each test) and a registry."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import clusterlib  # noqa: E402


@pytest.fixture
def cluster():
    c = clusterlib.Cluster()
    c.heal()
    yield c
    clusterlib.reap_all()
    c.heal()


@pytest.fixture
def registry(tmp_path):
    r = clusterlib.Registry(tmp_path / "registry.log")
    yield r
    r.stop()
