"""A rolling restart of every broker (controlled shutdown, start, wait for full ISRs, next) while kavro
produce and kavro consume run.

Invariant: every order kavro produce acknowledged is in the consumer's SQLite database (stored once: the
consumer upserts by order_id) and on the topic once (0 duplicates with idempotence), and the consumer
group's committed offsets reach the end of every partition."""
import time
import uuid

from clusterlib import Consumer_, Producer, committed_vs_end, say, stored_ids, topic_keys, verdict, wait_until

RATE = 200  # orders a second, for as long as the restarts take


def test_rolling_restart_during_produce_and_consume(cluster, registry, tmp_path):
    topic = "rolling-" + uuid.uuid4().hex[:8]
    group = topic + "-group"
    db = tmp_path / "orders.db"
    cluster.create_topic(topic, partitions=6, rf=3)
    p = Producer(cluster, registry, topic, 1, 1_000_000, RATE, tmp_path / "produce.log",
                 extra=["-X", "delivery.timeout.ms=120000"])
    c = Consumer_(cluster, registry, topic, group, db, tmp_path / "consume.log")
    wait_until("the consumer stores its first orders", lambda: len(stored_ids(db)) > 0, timeout=90)
    t0 = time.monotonic()
    for node in cluster.nodes:
        cluster.restart(node)
    t_roll = time.monotonic() - t0
    p.stop_feeding()
    rc = p.wait(timeout=180)
    acked = p.acknowledged()
    say(f"rolled {len(cluster.nodes)} brokers in {t_roll:.0f} s; produce exit {rc}, {p.summary()}")
    offsets = wait_until("the group's commits reach every partition's end",
                         lambda: (o := committed_vs_end(cluster, topic, group)) and
                         all(com == end for com, end in o.values()) and o, timeout=90, step=1)
    c.stop()
    stored = stored_ids(db)
    v = verdict(acked, topic_keys(cluster, topic))
    missing = sorted(acked - set(stored))
    say(f"figures: {v}; stored in SQLite {len(stored)}, acknowledged but not stored {len(missing)}; "
        f"committed/end per partition {offsets}")
    assert v["lost"] == 0 and v["duplicates"] == 0, v
    assert not missing, f"acknowledged orders not stored: {missing[:10]}"
    assert set(stored) <= set(range(1, p.fed + 1))
