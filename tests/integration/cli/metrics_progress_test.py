"""`kavro produce` and `kavro consume` with --metrics-port against the fixture's real broker: /metrics
scraped during the run, its counters checked against what the run did; --progress prints progress
lines and --quiet prints none."""
import os
import re
import signal
import struct
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer

KAVRO = os.environ["KAVRO_BIN"]
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("KAVRO_")}, "ASAN_OPTIONS": "detect_leaks=0"}
SERIES = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$")


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


def start(*args):
    """Starts a kavro command with --metrics-port 0 and returns it with its metrics URL (from stderr)."""
    proc = subprocess.Popen([KAVRO, *args, "--metrics-port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        m = re.search(r"metrics at (http://\S+)", line)
        if m:
            return proc, m.group(1)
    proc.kill()
    pytest.fail("no metrics address on stderr: " + "".join(seen))


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        text = r.read().decode()
    series = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = SERIES.match(line)
        assert m, "not a sample line: " + line
        series[m.group(1)] = float(m.group(2))
    return text, series


def scrape_until(url, done, what, proc, limit_s=120):
    """Scrapes until done(series) holds; the wait is bounded only so a broken run fails, not timed."""
    deadline = time.monotonic() + limit_s
    while True:
        text, series = scrape(url)
        if done(series):
            return text, series
        assert proc.poll() is None, f"the run ended before {what}: {proc.stderr.read()}"
        assert time.monotonic() < deadline, f"no {what} in:\n{text}"
        time.sleep(0.2)


def test_produce_metrics_count_what_was_delivered(bootstrap, registry):
    topic = "metrics-p-" + uuid.uuid4().hex[:8]
    proc, url = start("produce", "-b", bootstrap, "-r", registry, "-t", topic, "-n", "250", "--partitions", "2",
                      "--metrics-linger-ms", "120000")
    try:
        summary = proc.stdout.readline()  # printed once every outcome is in; the endpoint stays up
        assert "delivered 250, failed 0" in summary, summary
        text, s = scrape(url)
        assert s["kavro_producer_messages_sent_total"] == 250, text
        assert s["kavro_producer_messages_delivered_total"] == 250, text
        assert s["kavro_producer_messages_failed_total"] == 0, text
        assert s["kavro_producer_recoveries_total"] == 0, text
        assert s["kavro_producer_sent_bytes_total"] > 250 * 5, text  # each: key, magic byte, schema id, record
        # one registration reached the registry client; the serializer keeps the id after that
        assert s["kavro_producer_registry_calls_total"] >= 1, text
        assert "# TYPE kavro_producer_queue_messages gauge" in text
        missing = urllib.request.Request(url.replace("/metrics", "/other"))
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(missing, timeout=10)
        assert e.value.code == 404
    finally:
        proc.send_signal(signal.SIGTERM)  # ends the linger
        assert proc.wait(timeout=60) == 0, proc.stderr.read()


def framed(schema_id, body=b""):
    return b"\x00" + struct.pack(">i", schema_id) + body


def test_consume_metrics_count_handled_and_dead_letters_by_class(bootstrap, registry, tmp_path):
    topic = "metrics-c-" + uuid.uuid4().hex[:8]
    made = kavro("produce", "-b", bootstrap, "-r", registry, "-t", topic, "-n", "6", "--partitions", "1")
    assert made.returncode == 0, made.stderr
    p = Producer({"bootstrap.servers": bootstrap})
    p.produce(topic, key=b"poison-1", value=b'{"not": "avro"}')  # decode
    p.produce(topic, key=b"poison-2", value=b"\x07garbage")  # decode
    p.produce(topic, key=b"poison-3", value=framed(987654))  # unknown_schema
    assert p.flush(30) == 0

    proc, url = start("consume", "-b", bootstrap, "-r", registry, "-t", topic, "-g", "g-" + topic,
                      "--db", str(tmp_path / "o.db"), "--idle-timeout-ms", "600000")
    try:
        def finished(s):
            dead = sum(v for k, v in s.items() if k.startswith("kavro_consumer_dead_letters_total"))
            return s.get("kavro_consumer_messages_handled_total") == 6 and dead == 3
        text, s = scrape_until(url, finished, "6 handled and 3 dead letters", proc)
        assert s["kavro_consumer_messages_received_total"] == 9, text
        assert s['kavro_consumer_dead_letters_total{class="decode"}'] == 2, text
        assert s['kavro_consumer_dead_letters_total{class="unknown_schema"}'] == 1, text
        assert s['kavro_consumer_dead_letters_total{class="handler_permanent"}'] == 0, text
        assert s['kavro_consumer_dead_letters_total{class="handler_exhausted"}'] == 0, text
        assert s["kavro_consumer_handler_calls_total"] == 6, text
        assert s["kavro_consumer_handler_latency_seconds_count"] == 6, text
        assert s["kavro_consumer_handler_failures_total"] == 0, text
        assert s["kavro_consumer_retries_total"] == 0, text
        assert s["kavro_consumer_batch_commits_total"] >= 1, text
        assert (s["kavro_consumer_batch_commit_latency_seconds_count"]
                == s["kavro_consumer_batch_commits_total"] + s["kavro_consumer_batch_commit_failures_total"]), text
        assert s['kavro_consumer_rebalances_total{event="assigned"}'] >= 1, text
        assert s["kavro_consumer_received_bytes_total"] > 0, text
        # the registry client was asked for the order schema and the unknown id; repeats hit the caches
        assert s["kavro_consumer_registry_calls_total"] >= 2, text
        # librdkafka's statistics: once the commit of everything is reported, the lag of partition 0 is 0
        lag = f'kavro_consumer_lag{{topic="{topic}",partition="0"}}'
        text, s = scrape_until(url, lambda s: s.get(lag) == 0, "lag 0 for partition 0", proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "received 9, stored 6" in out, out


def test_progress_lines_with_progress_and_none_with_quiet(bootstrap, registry, tmp_path):
    topic = "progress-" + uuid.uuid4().hex[:8]
    made = kavro("produce", "-b", bootstrap, "-r", registry, "-t", topic, "-n", "20", "--partitions", "1",
                 "--quiet")
    assert made.returncode == 0, made.stderr
    assert made.stdout == "", "--quiet prints no summary: " + made.stdout

    common = ["consume", "-b", bootstrap, "-r", registry, "-t", topic, "--db", str(tmp_path / "o.db"),
              "--idle-timeout-ms", "3000"]
    loud = kavro(*common, "-g", "g1-" + topic, "--progress", "--progress-every", "0.2")
    assert loud.returncode == 0, loud.stderr
    lines = re.findall(r"^kavro consume: (\d+) received \(\S+/s\); stored (\d+), dead-lettered 0, retries 0, "
                       r"lag (?:\d+|unknown)$", loud.stderr, re.M)
    assert lines, loud.stderr
    assert int(lines[-1][0]) == 20 and int(lines[-1][1]) == 20, lines
    assert "received 20, stored 20" in loud.stdout

    quiet = kavro(*common, "-g", "g2-" + topic, "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "", quiet.stdout
    assert "kavro consume:" not in quiet.stderr, quiet.stderr
