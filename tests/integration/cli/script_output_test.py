"""Output that scripts can trust, against the fixture's real broker: `kavro consume --print` and
`kavro dlq inspect --json` put only records on stdout, one JSON object a line, with numbers as JSON
numbers; their summaries go to stderr."""
import json
import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer

KAVRO = os.environ["KAVRO_BIN"]
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("KAVRO_")}, "ASAN_OPTIONS": "detect_leaks=0"}


@pytest.fixture(scope="module")
def bootstrap():
    return (Path(os.environ["KAVRO_TEST_KAFKA_DIR"]) / "bootstrap").read_text().strip()


@pytest.fixture(scope="module")
def registry():
    proc = subprocess.Popen([KAVRO, "registry", "serve", "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    m = re.search(r"listening on (http://\S+)", proc.stdout.readline())
    assert m, proc.stderr.read()
    yield m.group(1)
    proc.terminate()
    proc.wait(timeout=30)


def kavro(*args, timeout=180):
    return subprocess.run([KAVRO, *args], capture_output=True, text=True, env=ENV, timeout=timeout)


def json_lines(stdout):
    lines = stdout.splitlines()
    return [json.loads(line) for line in lines]  # raises on any line that is not JSON


def test_consume_print_and_dlq_inspect_json_print_only_records(bootstrap, registry, tmp_path):
    topic = "script-" + uuid.uuid4().hex[:8]
    made = kavro("produce", "-b", bootstrap, "-r", registry, "-t", topic, "-n", "5", "--partitions", "1")
    assert made.returncode == 0, made.stderr
    p = Producer({"bootstrap.servers": bootstrap})
    p.produce(topic, key=b"poison", value=b'{"not": "avro"}')
    assert p.flush(30) == 0

    run = kavro("consume", "-b", bootstrap, "-r", registry, "-t", topic, "-g", "g-" + topic,
                "--db", str(tmp_path / "o.db"), "--print", "--max-messages", "6", "--idle-timeout-ms", "60000")
    assert run.returncode == 0, run.stderr
    records = json_lines(run.stdout)
    assert len(records) == 5, run.stdout
    assert all(isinstance(r["order_id"], int) and isinstance(r["price"], (int, float)) for r in records), records
    assert "received 6, stored 5" in run.stderr, run.stderr

    inspect = kavro("dlq", "inspect", "-b", bootstrap, "-r", registry, "-t", topic + ".dlq", "--json")
    assert inspect.returncode == 0, inspect.stderr
    dead = json_lines(inspect.stdout)
    assert len(dead) == 1, inspect.stdout
    d = dead[0]
    assert d["original_topic"] == topic and d["error_class"] == "decode", d
    for field in ("dlq_partition", "dlq_offset", "original_partition", "original_offset", "attempts"):
        assert isinstance(d[field], int), (field, d)
    assert d["original_offset"] == 5 and d["attempts"] == 0, d
    assert "1 dead letter(s), decode 1" in inspect.stderr, inspect.stderr
