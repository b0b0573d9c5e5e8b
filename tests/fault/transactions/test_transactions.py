"""kavro's exactly-once options on a real broker. Each drill states its invariant and prints the figures it
asserts: dead letters as a read_committed reader of the dead-letter topic sees them (each exactly once),
orders stored in SQLite (every one), and for produce --transactional-id, whole batches only."""
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from conftest import order_line, produce_junk, proc_state, read_keys, say, wait_until


def stored(*dbs: Path) -> Counter:
    ids = Counter()
    for db in dbs:
        if db.exists():
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                ids.update(r[0] for r in con.execute("SELECT order_id FROM orders"))
            finally:
                con.close()
    return ids


def produce_orders(kavro_bin, bootstrap, registry_url, topic, ids, tmp: Path, extra=()):
    src = tmp / f"orders-{ids[0]}.jsonl"
    src.write_text("".join(order_line(i) + "\n" for i in ids))
    r = subprocess.run([kavro_bin, "produce", "-b", bootstrap, "-r", registry_url, "-t", topic, "-i", str(src),
                        *extra], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def seed(kavro_bin, bootstrap, registry_url, topic, tmp, good, junk):
    """Orders 1..good and `junk` poison records, interleaved in two halves over 3 partitions."""
    half = good // 2
    produce_orders(kavro_bin, bootstrap, registry_url, topic, list(range(1, half + 1)), tmp)
    produce_junk(bootstrap, topic, [f"junk-{i}" for i in range(junk // 2)])
    produce_orders(kavro_bin, bootstrap, registry_url, topic, list(range(half + 1, good + 1)), tmp)
    produce_junk(bootstrap, topic, [f"junk-{i}" for i in range(junk // 2, junk)])


def consume(kavro_bin, bootstrap, registry_url, topic, group, db: Path, log: Path, extra=(), env=None):
    return subprocess.Popen(
        [kavro_bin, "consume", "-b", bootstrap, "-r", registry_url, "-t", topic, "-g", group, "--db", str(db),
         "--sqlite-sync", "normal", "--retries", "0", *extra],
        stdout=open(log.with_suffix(".stdout"), "wb"), stderr=open(log, "wb"), env={**os.environ, **(env or {})})


def test_kill_between_dead_letter_and_commit(kavro_bin, bootstrap, registry_url, topic, tmp_path):
    """Invariant: a consumer SIGKILLed after its dead letters were acknowledged but before their
    transaction committed, then restarted, leaves each dead letter exactly once in the read_committed
    view of the dead-letter topic, and every order stored."""
    good, junk = 200, 10
    seed(kavro_bin, bootstrap, registry_url, topic, tmp_path, good, junk)
    common = ["--transactional-id", "eos-kill-" + topic, "--batch", "50", "--idle-timeout-ms", "4000", "-X",
              "session.timeout.ms=6000"]  # the killed member leaves the group after 6 s, not 45
    first = consume(kavro_bin, bootstrap, registry_url, topic, "g-" + topic, tmp_path / "orders.db",
                    tmp_path / "first.log", common, env={"KAVRO_TEST_TXN_FAULT": "kill"})
    rc = first.wait(120)
    say(f"first consumer exit {rc}: " + (tmp_path / "first.log").read_text()[-600:])
    assert rc == -signal.SIGKILL, "the drill did not kill the consumer before a transaction with a dead letter"
    uncommitted = read_keys(bootstrap, topic + ".dlq", "read_uncommitted")
    stored_before = len(stored(tmp_path / "orders.db"))
    say(f"after the kill: {sum(uncommitted.values())} dead letter(s) written (uncommitted), "
        f"{stored_before} order(s) in SQLite")
    assert sum(uncommitted.values()) >= 1, "no dead letter was sent before the kill"

    second = consume(kavro_bin, bootstrap, registry_url, topic, "g-" + topic, tmp_path / "orders.db",
                     tmp_path / "second.log", common)
    assert second.wait(180) == 0, (tmp_path / "second.log").read_text()[-3000:]
    say("second consumer: " + (tmp_path / "second.stdout").read_text().strip())
    committed = read_keys(bootstrap, topic + ".dlq", "read_committed")
    written = read_keys(bootstrap, topic + ".dlq", "read_uncommitted")
    ids = stored(tmp_path / "orders.db")
    dups = {k: n for k, n in committed.items() if n > 1}
    say(f"dead letters: read_committed {sum(committed.values())} ({len(committed)} distinct, "
        f"{sum(n - 1 for n in dups.values())} duplicates), written in all {sum(written.values())}; "
        f"orders stored {len(ids)} of {good}")
    assert committed == Counter({f"junk-{i}": 1 for i in range(junk)}), committed
    assert sum(written.values()) > junk, "the aborted transaction's dead letters should be on the log"
    assert set(ids) == set(range(1, good + 1))


def test_zombie_fenced_after_rebalance(kavro_bin, bootstrap, registry_url, topic, tmp_path):
    """Invariant: a consumer paused (SIGSTOP) with a dead letter in its open transaction, whose partitions
    move to a second consumer of the group meanwhile, cannot commit once it runs again (the group
    generation fences it, KIP-447): it aborts (or stops), and read_committed readers see each dead letter
    once; every order is stored by one of the two."""
    good, junk = 150, 8
    seed(kavro_bin, bootstrap, registry_url, topic, tmp_path, good, junk)
    group = "g-" + topic
    props = ["-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=1000"]
    zombie = consume(kavro_bin, bootstrap, registry_url, topic, group, tmp_path / "a.db", tmp_path / "a.log",
                     ["--transactional", "--idle-timeout-ms", "8000", *props], env={"KAVRO_TEST_TXN_FAULT": "stop"})
    wait_until("the first consumer stops itself before a commit", lambda: proc_state(zombie.pid) == "T", 120)
    say("first consumer stopped with an open transaction holding a dead letter")
    successor = consume(kavro_bin, bootstrap, registry_url, topic, group, tmp_path / "b.db", tmp_path / "b.log",
                        ["--transactional", "--idle-timeout-ms", "5000", *props])
    assert successor.wait(180) == 0, (tmp_path / "b.log").read_text()[-3000:]
    say("second consumer: " + (tmp_path / "b.stdout").read_text().strip())
    os.kill(zombie.pid, signal.SIGCONT)
    rc = zombie.wait(180)
    log = (tmp_path / "a.log").read_text()
    fenced = [line for line in log.split("\n") if "aborting" in line or "transactional producer" in line]
    say(f"first consumer after SIGCONT: exit {rc}; " + " | ".join(fenced[:3]))
    say("first consumer: " + (tmp_path / "a.stdout").read_text().strip())
    assert fenced, f"the zombie's transaction was neither aborted nor refused: {log[-3000:]}"
    committed = read_keys(bootstrap, topic + ".dlq", "read_committed")
    ids = stored(tmp_path / "a.db", tmp_path / "b.db")
    say(f"dead letters read_committed: {sum(committed.values())} ({len(committed)} distinct); "
        f"orders stored {len(set(ids))} of {good}")
    assert committed == Counter({f"junk-{i}": 1 for i in range(junk)}), committed
    assert set(ids) == set(range(1, good + 1))


def test_produce_transactional_batches(kavro_bin, bootstrap, registry_url, topic, tmp_path):
    """Invariant: kavro produce --transactional-id --transaction-size 10 killed mid-batch shows
    read_committed readers whole batches only; a restart with the same id aborts the open one at once."""
    size = 10
    txn = ["--transactional-id", "eos-produce-" + topic, "--transaction-size", str(size)]
    first = subprocess.Popen([kavro_bin, "produce", "-b", bootstrap, "-r", registry_url, "-t", topic, "-i", "-",
                              *txn], stdin=subprocess.PIPE, stdout=open(tmp_path / "p1.out", "wb"),
                             stderr=open(tmp_path / "p1.err", "wb"))
    first.stdin.write("".join(order_line(i) + "\n" for i in range(1, 46)).encode())
    first.stdin.flush()  # 4 whole batches and 5 records of the fifth; stdin stays open
    wait_until("the 45 records are on the topic", lambda: sum(read_keys(bootstrap, topic, "read_uncommitted",
                                                                          timeout=20).values()) >= 45, 90, 1)
    first.kill()
    first.wait()
    produce_orders(kavro_bin, bootstrap, registry_url, topic, list(range(46, 96)), tmp_path, txn)
    committed = read_keys(bootstrap, topic, "read_committed")
    written = read_keys(bootstrap, topic, "read_uncommitted")
    ids = {int(k) for k in committed}
    batches = [set(range(b, b + size)) for b in range(1, 41, size)] + [set(range(46 + b, 56 + b))
                                                                        for b in range(0, 50, size)]
    partial = [b for b in batches if 0 < len(b & ids) < size]
    say(f"read_committed {sum(committed.values())} records ({len(ids)} distinct), written in all "
        f"{sum(written.values())}; partial batches visible {len(partial)}; ids 41..45 visible "
        f"{len(ids & set(range(41, 46)))}")
    assert max(committed.values()) == 1
    assert ids == set(range(1, 41)) | set(range(46, 96))
    assert not partial
    assert set(range(41, 46)) <= {int(k) for k in written}
