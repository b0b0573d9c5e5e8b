"""Support for the cluster tier: the local Kafka cluster of the ctest fixture (scripts/cluster.sh), kavro as
a user runs it, a registry, topics with replication factor 3, and counting what a topic holds by order_id.
Every test heals the cluster (restarts what it killed, waits for full ISRs) before and after it runs."""
import json
import os
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

REPO = Path(__file__).resolve().parents[2]
CLUSTER_SH = REPO / "scripts" / "cluster.sh"
SCHEMA = json.dumps({"type": "record", "name": "Order", "namespace": "kavro.examples",
                     "fields": [{"name": "order_id", "type": "int"}, {"name": "product", "type": "string"},
                                {"name": "price", "type": "float"}]})


def kavro_bin() -> str:
    b = os.environ.get("KAVRO_BIN")
    assert b and os.access(b, os.X_OK), "KAVRO_BIN must name the built kavro binary (run through ctest)"
    return b


def cluster_dir() -> Path:
    d = os.environ.get("KAVRO_CLUSTER_DIR")
    assert d and Path(d, "bootstrap").exists(), "KAVRO_CLUSTER_DIR must name the fixture's cluster (ctest -L cluster)"
    return Path(d)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def say(msg: str):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Cluster:
    def __init__(self):
        self.dir = cluster_dir()
        self.bootstrap = (self.dir / "bootstrap").read_text().strip()
        self.nodes = [int(line.split()[0]) for line in (self.dir / "ports").read_text().split("\n") if line.strip()]
        self.admin = AdminClient({"bootstrap.servers": self.bootstrap})

    def sh(self, *args, timeout=180) -> str:
        say("cluster.sh " + " ".join(map(str, args)))
        r = subprocess.run(["bash", str(CLUSTER_SH), *map(str, args), "--dir", str(self.dir)],
                           stdout=subprocess.PIPE, text=True, timeout=timeout)
        assert r.returncode == 0, f"cluster.sh {' '.join(map(str, args))} failed ({r.returncode})"
        return r.stdout.strip()

    def kill(self, node: int):
        self.sh("kill", node)

    def restart(self, *nodes: int):
        self.sh("restart", *nodes)

    def leader(self, topic: str, partition: int) -> int:
        return int(self.sh("leader", topic, partition))

    def controller(self):
        """The active controller's node id, or None while the voters are electing one."""
        r = subprocess.run(["bash", str(CLUSTER_SH), "controller", "--dir", str(self.dir)],
                           capture_output=True, text=True, timeout=30)
        return int(r.stdout) if r.returncode == 0 and r.stdout.strip() else None

    def heal(self):
        """Every node running and every partition fully replicated: the state each test starts from."""
        status = subprocess.run(["bash", str(CLUSTER_SH), "status", "--dir", str(self.dir)],
                                capture_output=True, text=True).stdout
        down = []
        for line in status.split("\n"):
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "node":
                node, state = int(parts[1].rstrip(":")), parts[2]
                if state == "paused":
                    self.sh("resume", node)
                elif state != "running":
                    down.append(node)
        if down:
            self.sh("restart", *down)  # together: each restart is a JVM start of 10-20 s on 2 cores
        self.sh("wait-isr")

    def create_topic(self, name: str, partitions: int, rf: int = 3, replicas=None, config=None):
        t = (NewTopic(name, num_partitions=len(replicas), replica_assignment=replicas, config=config or {}) if replicas
             else NewTopic(name, partitions, rf, config=config or {}))
        self.admin.create_topics([t])[name].result(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # created means every broker's metadata knows its leaders
            md = self.admin.list_topics(name, timeout=5).topics.get(name)
            if md and not md.error and len(md.partitions) == (len(replicas) if replicas else partitions) and all(
                    p.leader >= 0 for p in md.partitions.values()):
                return
            time.sleep(0.2)
        raise AssertionError(f"topic {name} has no leaders 30 s after creation")

    def partition_info(self, topic: str):
        md = self.admin.list_topics(topic, timeout=10).topics[topic]
        return {p.id: (p.leader, list(p.replicas), list(p.isrs)) for p in md.partitions.values()}


def order_line(i: int) -> str:
    return json.dumps({"order_id": i, "product": f"p{i}", "price": float(i % 1000) + 0.5})


class Registry:
    """`kavro registry serve` on a free port: in memory, or on Kafka's _schemas with store_args."""

    def __init__(self, log: Path, *store_args):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc = subprocess.Popen([kavro_bin(), "registry", "serve", "--host", "127.0.0.1", "--port",
                                      str(self.port), *store_args], stdout=open(log, "wb"), stderr=subprocess.STDOUT)
        PROCESSES.append(self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the registry exited: {log.read_text(errors='replace')[-2000:]}"
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1):
                    return
            except Exception:
                time.sleep(0.1)
        raise AssertionError(f"the registry on {self.url} is not ready after 60 s")

    def stop(self, sig=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_until(what: str, pred, timeout=60, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s: {what}")


# Every kavro process a test starts, so that the test's teardown kills what a failed assertion left running.
PROCESSES = []


def reap_all():
    for p in PROCESSES:
        if p.poll() is None:
            p.kill()
            p.wait()
    PROCESSES.clear()


class Consumer_:
    """`kavro consume` into a SQLite file (the orders upserted by order_id), in a group."""

    def __init__(self, cluster: "Cluster", registry: "Registry", topic: str, group: str, db: Path, log: Path,
                 extra=()):
        self.log = log
        self.proc = subprocess.Popen(
            [kavro_bin(), "consume", "--bootstrap", cluster.bootstrap, "--registry", registry.url, "--topic", topic,
             "--group", group, "--db", str(db), "--sqlite-sync", "normal", *extra],
            stdout=open(log.with_suffix(".stdout"), "wb"), stderr=open(log, "wb"))
        PROCESSES.append(self.proc)

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.terminate()
        return self.proc.wait(timeout)

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def committed_vs_end(cluster: "Cluster", topic: str, group: str) -> dict:
    """partition -> (committed offset of the group, high watermark)."""
    c = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        parts = cluster.admin.list_topics(topic, timeout=10).topics[topic].partitions
        committed = c.committed([TopicPartition(topic, p) for p in parts], timeout=10)
        out = {}
        for tp in committed:
            _, hi = c.get_watermark_offsets(TopicPartition(topic, tp.partition), timeout=10)
            out[tp.partition] = (tp.offset, hi)
        return out
    finally:
        c.close()


class Producer:
    """`kavro produce --input -` fed orders first..last from a thread at `rate` a second, so that a fault
    injected by the test lands mid-stream. `acknowledged()` is what kavro reported delivered."""

    def __init__(self, cluster: Cluster, registry: Registry, topic: str, first: int, last: int, rate: float,
                 log: Path, extra=()):
        self.first, self.last, self.log = first, last, log
        # Output goes to files: a pipe nobody reads while the feeder runs could fill and stall kavro.
        self.out, self.err = log.with_suffix(".stdout"), log.with_suffix(".stderr")
        self.proc = subprocess.Popen(
            [kavro_bin(), "produce", "--bootstrap", cluster.bootstrap, "--registry", registry.url, "--topic", topic,
             "--input", "-", *extra], stdin=subprocess.PIPE, stdout=open(self.out, "wb"), stderr=open(self.err, "wb"))
        PROCESSES.append(self.proc)
        self.fed = 0
        self.stopping = False
        self.feeder = threading.Thread(target=self._feed, args=(rate,), daemon=True)
        self.feeder.start()

    def _feed(self, rate):
        t0 = time.monotonic()
        try:
            for n, i in enumerate(range(self.first, self.last + 1)):
                if self.stopping:
                    break
                ahead = t0 + n / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
                self.proc.stdin.write((order_line(i) + "\n").encode())
                if n % 50 == 0:
                    self.proc.stdin.flush()
                self.fed += 1
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass

    def stop_feeding(self):
        """End the input early (EOF after the orders fed so far); kavro then flushes and exits."""
        self.stopping = True

    def wait(self, timeout=120):
        self.feeder.join(timeout)
        self.proc.wait(timeout)
        self.stdout, self.stderr = self.out.read_text(errors="replace"), self.err.read_text(errors="replace")
        self.log.write_text(f"exit {self.proc.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}")
        return self.proc.returncode

    def failed_ids(self) -> set:
        # "delivery failed (message N)": N counts the records sent, so order first + N - 1 (every line valid).
        ids = set()
        for line in self.stderr.split("\n"):
            if line.startswith("delivery failed (message "):
                ids.add(self.first + int(line.split("(message ")[1].split(")")[0]) - 1)
        return ids

    def summary(self):
        import re
        m = re.search(r"lines (\d+)\+?: delivered (\d+), failed (\d+), rejected (\d+), not sent (\d+)", self.stdout)
        assert m, f"no summary from kavro produce: {self.log.read_text()[-3000:]}"
        return dict(zip(["lines", "delivered", "failed", "rejected", "not_sent"], map(int, m.groups())))

    def acknowledged(self) -> set:
        """The orders kavro reported delivered: every order fed, minus those reported failed or not sent."""
        s = self.summary()
        failed = self.failed_ids()
        fed = set(range(self.first, self.first + s["lines"]))
        sent = set(range(self.first, self.first + s["lines"] - s["not_sent"]))
        acked = sent - failed
        assert len(acked) == s["delivered"], (
            f"kavro's summary {s} does not match its {len(failed)} failure lines: {self.log.read_text()[-3000:]}")
        assert fed >= acked
        return acked


def topic_keys(cluster: Cluster, topic: str, timeout=60) -> Counter:
    """How many times each order_id (the record key) is on the topic, read to the high watermarks."""
    c = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": "kavro-cluster-count",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    try:
        parts = cluster.admin.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {}
        for p in parts:
            lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            if hi > lo:
                ends[p] = hi
        c.assign([TopicPartition(topic, p, 0) for p in ends])
        counts, done = Counter(), set()
        deadline = time.monotonic() + timeout
        while len(done) < len(ends) and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                continue  # partition EOF and transient errors; the watermarks decide when it is done
            counts[int(m.key())] += 1
            if m.offset() + 1 >= ends[m.partition()]:
                done.add(m.partition())
        assert len(done) == len(ends), f"could not read {topic} to its end in {timeout} s"
        return counts
    finally:
        c.close()


def stored_ids(db: Path) -> Counter:
    if not db.exists():
        return Counter()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return Counter(r[0] for r in con.execute("SELECT order_id FROM orders"))
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):  # kavro has opened the file but not created its table yet
            return Counter()
        raise
    finally:
        con.close()


def verdict(acked: set, on_topic: Counter) -> dict:
    lost = sorted(acked - set(on_topic))
    dups = {k: n for k, n in on_topic.items() if n > 1}
    return {"acknowledged": len(acked), "on_topic": sum(on_topic.values()), "distinct": len(on_topic),
            "lost": len(lost), "lost_ids": lost[:10], "duplicates": sum(n - 1 for n in dups.values())}
