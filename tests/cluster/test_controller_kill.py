"""kill -9 of the active KRaft controller (a combined broker+controller node) while kavro produce runs.

Invariant: the two remaining voters elect a new controller, a topic created after the kill gets its
leaders (the controller works again), and the produce loses and duplicates no acknowledged order."""
import time
import uuid

from clusterlib import Producer, say, topic_keys, verdict, wait_until

ORDERS = 4000
RATE = 800


def test_active_controller_killed_mid_produce(cluster, registry, tmp_path):
    topic = "controller-kill-" + uuid.uuid4().hex[:8]
    cluster.create_topic(topic, partitions=3, rf=3)
    p = Producer(cluster, registry, topic, 1, ORDERS, RATE, tmp_path / "produce.log",
                 extra=["-X", "delivery.timeout.ms=60000"])
    while p.fed < ORDERS // 3:
        time.sleep(0.05)
    old = wait_until("an active controller", cluster.controller, timeout=30)
    t_kill = time.monotonic()
    cluster.kill(old)
    new = wait_until("a new active controller", lambda: (c := cluster.controller()) not in (None, old) and c, timeout=60)
    t_new = time.monotonic() - t_kill
    # The new controller's work: a topic created after the kill gets leaders on the live brokers.
    after = topic + "-after"
    cluster.create_topic(after, partitions=3, rf=3)
    t_topic = time.monotonic() - t_kill
    rc = p.wait(timeout=150)
    acked = p.acknowledged()
    say(f"controller {old} killed: node {new} active after {t_new:.1f} s, a new topic led after {t_topic:.1f} s; "
        f"produce exit {rc}, {p.summary()}")
    cluster.restart(old)
    v = verdict(acked, topic_keys(cluster, topic))
    say(f"figures: {v}")
    assert v["lost"] == 0 and v["duplicates"] == 0, v
    assert len(acked) == ORDERS, p.log.read_text()[-3000:]
