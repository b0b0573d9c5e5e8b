"""kill -9 of the leader of the partitions `kavro produce` is writing to, mid-stream.

Invariant: every order kavro produce reported delivered (acks=all, idempotent) is on the topic after the
leader's crash, and none is there twice: 0 acknowledged orders lost, 0 duplicates (counted by order_id,
the record key, reading every partition to its end)."""
import time
import uuid

from clusterlib import Producer, say, topic_keys, verdict

ORDERS = 6000
RATE = 1000  # a second: the produce lasts 6 s, the kill lands after 2 s


def test_leader_killed_mid_produce_loses_and_duplicates_nothing(cluster, registry, tmp_path):
    topic = "leader-kill-" + uuid.uuid4().hex[:8]
    cluster.create_topic(topic, partitions=3, rf=3)
    victim = cluster.leader(topic, 0)
    say(f"topic {topic}: {cluster.partition_info(topic)}; killing node {victim}, leader of partition 0")
    p = Producer(cluster, registry, topic, 1, ORDERS, RATE, tmp_path / "produce.log",
                 extra=["-X", "delivery.timeout.ms=60000"])
    while p.fed < ORDERS // 3:
        time.sleep(0.05)
    t_kill = time.monotonic()
    cluster.kill(victim)
    rc = p.wait(timeout=150)
    say(f"kavro produce exit {rc} {time.monotonic() - t_kill:.1f} s after the kill; {p.summary()}")
    new_leader = cluster.leader(topic, 0)
    acked = p.acknowledged()
    cluster.restart(victim)
    v = verdict(acked, topic_keys(cluster, topic))
    say(f"leader of partition 0: node {victim} -> node {new_leader}; figures: {v}")
    assert new_leader not in (victim, -1)
    assert v["lost"] == 0, f"acknowledged orders lost: {v}"
    assert v["duplicates"] == 0, f"duplicates with idempotence on: {v}"
    assert len(acked) == ORDERS, f"an order failed although 2 of 3 replicas stayed up: {p.log.read_text()[-3000:]}"
