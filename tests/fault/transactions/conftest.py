"""Fixtures of the transaction drills: the ctest fixture's broker, the kavro binary, a registry, and
readers that count a topic's records by key as read_committed and read_uncommitted consumers see them."""
import json
import os
import socket
import subprocess
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient


def say(msg: str):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


@pytest.fixture(scope="session")
def bootstrap() -> str:
    d = os.environ.get("KAVRO_TEST_KAFKA_DIR")
    assert d, "KAVRO_TEST_KAFKA_DIR is not set: run through ctest"
    return Path(d, "bootstrap").read_text().strip()


@pytest.fixture(scope="session")
def kavro_bin() -> str:
    b = os.environ.get("KAVRO_BIN")
    assert b and os.access(b, os.X_OK), "KAVRO_BIN must name the built kavro binary"
    return b


@pytest.fixture(scope="session")
def registry_url(kavro_bin, tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("registry") / "registry.log"
    proc = subprocess.Popen([kavro_bin, "registry", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/subjects", timeout=1)
            break
        except Exception:
            assert proc.poll() is None and time.monotonic() < deadline, f"no registry: {log.read_text()}"
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(15)


@pytest.fixture
def topic() -> str:
    return "eos-" + uuid.uuid4().hex[:10]


def order_line(i: int) -> str:
    return json.dumps({"order_id": i, "product": f"p{i}", "price": float(i % 1000) + 0.5})


def produce_junk(bootstrap: str, topic: str, keys):
    """Records that are not Confluent-framed Avro: each is dead-lettered once its turn comes."""
    p = Producer({"bootstrap.servers": bootstrap})
    for k in keys:
        p.produce(topic, b"not avro " + k.encode(), key=k.encode())
    assert p.flush(30) == 0


def read_keys(bootstrap: str, topic: str, isolation: str, timeout=90) -> Counter:
    """Every record's key on the topic, read from the start to each partition's end (for read_committed:
    its last stable offset, so an open transaction makes this wait until it is decided)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    parts = admin.list_topics(topic, timeout=10).topics[topic].partitions
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "eos-reader-" + uuid.uuid4().hex[:6],
                  "enable.auto.commit": False, "enable.partition.eof": True, "isolation.level": isolation})
    try:
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        keys, eof = Counter(), set()
        deadline = time.monotonic() + timeout
        while len(eof) < len(parts) and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    eof.add(m.partition())
                continue
            eof.discard(m.partition())
            keys[m.key().decode()] += 1
        assert len(eof) == len(parts), f"{topic} ({isolation}) not read to its end within {timeout} s"
        return keys
    finally:
        c.close()


def proc_state(pid: int) -> str:
    """The kernel's one-letter state of a process (T: stopped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def wait_until(what: str, pred, timeout=60, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s: {what}")
