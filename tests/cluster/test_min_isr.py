"""A follower killed, then the leader: the partition's ISR shrinks below min.insync.replicas=2.

Invariant: with one in-sync replica left, kavro produce (acks=all) acknowledges nothing; it fails every
order clearly (Kafka's "Not enough in-sync replicas", exit 1) within its delivery timeout instead of
reporting a delivery that a single broker's loss could undo; every order acknowledged before (with 3,
then 2 replicas in sync) is on the topic after the brokers come back, once."""
import uuid

from clusterlib import Producer, say, topic_keys, verdict, wait_until

BATCH = 500


def test_isr_below_min_insync_refuses_writes_and_keeps_what_was_acknowledged(cluster, registry, tmp_path):
    topic = "min-isr-" + uuid.uuid4().hex[:8]
    # Leader and one follower on KRaft voters that are not the active controller's, the other follower on the
    # broker-only node 4: after both kills two voters of three remain, so the controller can still move the
    # leadership and shrink the ISR (with three combined nodes it could not: the quorum would be gone).
    ctrl = wait_until("an active controller", cluster.controller, timeout=30)
    leader, other = [n for n in (1, 2, 3) if n != ctrl][:2]
    follower = 4
    cluster.create_topic(topic, 1, replicas=[[leader, follower, other]])
    say(f"topic {topic}: {cluster.partition_info(topic)}; controller {ctrl}")

    def produce(first, name, extra=()):
        p = Producer(cluster, registry, topic, first, first + BATCH - 1, 5000, tmp_path / f"{name}.log", extra=extra)
        rc = p.wait(timeout=120)
        say(f"{name}: exit {rc}, {p.summary()}")
        return rc, p

    rc, full = produce(1, "isr3")
    assert rc == 0 and len(full.acknowledged()) == BATCH, full.log.read_text()[-3000:]

    cluster.kill(follower)
    isr = wait_until("the ISR drops the killed follower",
                     lambda: (i := cluster.partition_info(topic)[0]) and follower not in i[2] and i, timeout=30)
    say(f"follower {follower} killed: leader {isr[0]}, ISR {isr[2]}")
    rc, two = produce(1 + BATCH, "isr2")
    assert rc == 0 and len(two.acknowledged()) == BATCH, two.log.read_text()[-3000:]

    cluster.kill(leader)
    isr = wait_until("a new leader with an ISR of one",
                     lambda: (i := cluster.partition_info(topic)[0]) and i[0] == other and i[2] == [other] and i,
                     timeout=30)
    say(f"leader {leader} killed: leader {isr[0]}, ISR {isr[2]} < min.insync.replicas 2")
    rc, one = produce(1 + 2 * BATCH, "isr1", extra=["-X", "delivery.timeout.ms=8000"])
    s = one.summary()
    refused_clearly = "Not enough in-sync replicas" in one.stderr
    say(f"with ISR 1: exit {rc}, acknowledged {s['delivered']}, failed {s['failed']}, "
        f"reason names the ISR: {refused_clearly}")
    assert rc != 0 and s["delivered"] == 0 and s["failed"] + s["not_sent"] == BATCH, one.log.read_text()[-3000:]
    assert refused_clearly, f"the failure does not say why: {one.log.read_text()[-3000:]}"

    cluster.restart(leader, follower)
    acked = full.acknowledged() | two.acknowledged()
    on_topic = topic_keys(cluster, topic)
    v = verdict(acked, on_topic)
    refused_on_topic = sum(1 for k in on_topic if k > 2 * BATCH)
    say(f"figures: {v}; refused orders found on the topic: {refused_on_topic}")
    assert v["lost"] == 0 and v["duplicates"] == 0, v
