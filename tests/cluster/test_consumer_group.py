"""Three `kavro consume` processes in one group on a 6-partition topic, one SIGKILLed and one added
mid-stream while kavro produce runs.

Invariant: every order kavro produce acknowledged is stored in the shared SQLite database exactly once
(the consumers upsert by order_id, so a redelivery after the kill cannot duplicate a row), nothing else is
stored, and no partition is left unconsumed: the group's committed offset equals the end of every
partition."""
import time
import uuid

from clusterlib import Consumer_, Producer, committed_vs_end, say, stored_ids, topic_keys, verdict, wait_until

ORDERS = 12000
RATE = 600  # a second: 20 s of stream; a consumer is killed after 6 s and one added after 12 s


def test_group_of_three_with_one_killed_and_one_added(cluster, registry, tmp_path):
    topic = "group-" + uuid.uuid4().hex[:8]
    group = topic + "-group"
    db = tmp_path / "orders.db"
    cluster.create_topic(topic, partitions=6, rf=3)
    # --print: each process prints every order it stores, so redeliveries (hidden by the upsert) are counted.
    consumers = [Consumer_(cluster, registry, topic, group, db, tmp_path / f"consume-{i}.log", extra=["--print"])
                 for i in (1, 2, 3)]
    p = Producer(cluster, registry, topic, 1, ORDERS, RATE, tmp_path / "produce.log")
    wait_until("orders reach the database", lambda: len(stored_ids(db)) > 0, timeout=90)
    t0 = time.monotonic()
    while p.fed < ORDERS * 3 // 10:
        time.sleep(0.1)
    consumers[1].kill()
    stored_at_kill = len(stored_ids(db))
    say(f"consumer 2 SIGKILLed {time.monotonic() - t0:.1f} s in, {p.fed} orders fed, {stored_at_kill} stored")
    while p.fed < ORDERS * 6 // 10:
        time.sleep(0.1)
    consumers.append(Consumer_(cluster, registry, topic, group, db, tmp_path / "consume-4.log", extra=["--print"]))
    say(f"consumer 4 added {time.monotonic() - t0:.1f} s in, {p.fed} orders fed")
    rc = p.wait(timeout=120)
    acked = p.acknowledged()
    offsets = wait_until("the group's commits reach every partition's end",
                         lambda: (o := committed_vs_end(cluster, topic, group)) and
                         all(com == end for com, end in o.values()) and o, timeout=120, step=1)
    t_done = time.monotonic() - t0
    codes = [c.stop() for c in consumers if c.proc.returncode is None]
    stored = stored_ids(db)
    v = verdict(acked, topic_keys(cluster, topic))
    missing = sorted(acked - set(stored))
    extra = sorted(set(stored) - acked)
    handled = sum(len(c.log.with_suffix(".stdout").read_text().splitlines()) for c in consumers)
    say(f"produce exit {rc}; figures: {v}; stored {len(stored)} rows ({sum(stored.values())} with repeats), "
        f"acknowledged but not stored {len(missing)}, stored but not acknowledged {len(extra)}; orders handled "
        f"{handled} (handled again after the kill or a rebalance, upserted: {handled - len(stored)}); all committed "
        f"{t_done:.0f} s after the first order; committed/end per partition {offsets}; exits {codes}")
    assert len(acked) == ORDERS and v["lost"] == 0 and v["duplicates"] == 0, v
    assert not missing and not extra, (missing[:10], extra[:10])
    assert all(n == 1 for n in stored.values())
    assert handled >= len(stored)
    assert all(com == end and end > 0 for com, end in offsets.values()), offsets
