"""The orders example's Python stack as a benchmark contestant: confluent-kafka's Producer with
AvroSerializer and Consumer with AvroDeserializer (fastavro), through the same registry and broker as
kavro's contestants. One contestant per process; prints one JSON line like bench/pipeline/kavro-bench.

    python bench_python.py python-produce --bootstrap B --registry URL --topic T --count N [-X k=v]...
    python bench_python.py python-consume --bootstrap B --registry URL --topic T --count N [-C k=v]...

Order i is the same as kavro-bench's (order_id i+1, the same product names and prices), so the bytes
on the topic are the same. The clock runs as in kavro-bench: from the first produce call to the last
acknowledgement, or from the first message received to the last one decoded and handled.
"""
import argparse
import json
import os
import resource
import sqlite3
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

ORDER_SCHEMA = json.dumps({
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "order_id", "type": "int"},
        {"name": "product", "type": "string"},
        {"name": "price", "type": "float"},
    ],
})
PRODUCTS = ["Phone", "Laptop", "Tablet", "Headphones", "Monitor", "Keyboard", "Mouse", "Camera"]


def sample_order(i: int, pad: int) -> dict:
    return {"order_id": i + 1, "product": PRODUCTS[i % 8] + "x" * pad, "price": ((i * 7919) % 100000) / 100.0}


class Sample:
    def __init__(self):
        ru = resource.getrusage(resource.RUSAGE_SELF)  # every thread: librdkafka's included
        self.wall, self.user, self.sys = time.monotonic(), ru.ru_utime, ru.ru_stime


def props(pairs):
    out = {}
    for kv in pairs:
        k, sep, v = kv.partition("=")
        if not sep or not k:
            raise SystemExit(f"expected key=value, got {kv!r}")
        out[k] = v
    return out


def report(args, role, messages, nbytes, begin, end, note=""):
    ok = messages == args.count
    print(json.dumps({
        "contestant": args.contestant, "role": role, "lang": "Python", "ok": ok, "expected": args.count,
        "messages": messages, "bytes": nbytes, "seconds": end.wall - begin.wall,
        "cpu_user": end.user - begin.user, "cpu_sys": end.sys - begin.sys,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "note": note,
    }), flush=True)
    if not ok:
        print(f"{args.contestant}: moved {messages} of {args.count} messages", file=sys.stderr)
    return 0 if ok else 1


def produce(args):
    registry = SchemaRegistryClient({"url": args.registry})
    serializer = AvroSerializer(registry, ORDER_SCHEMA)
    ctx = SerializationContext(args.topic, MessageField.VALUE)
    warm = sample_order(args.count, args.pad)  # the warm-up order, as in kavro-bench: a distinct id
    warm_value = serializer(warm, ctx)  # registration is start-up, outside the clock
    conf = props(args.X)
    conf["bootstrap.servers"] = args.bootstrap
    p = Producer(conf)
    delivered = 0
    failed = 0

    def on_delivery(err, msg):
        nonlocal delivered, failed
        if err is not None:
            if failed == 0:
                print(f"delivery failed: {err}", file=sys.stderr)
            failed += 1
        else:
            delivered += 1

    # The warm-up message, as in kavro-bench: connection and producer id are start-up.
    p.produce(args.topic, key=str(warm["order_id"]), value=warm_value, on_delivery=on_delivery)
    p.flush(60)
    delivered = 0
    nbytes = 0
    begin = Sample()
    for i in range(args.count):
        order = sample_order(i, args.pad)
        key = str(order["order_id"])
        value = serializer(order, ctx)
        while True:
            try:
                p.produce(args.topic, key=key, value=value, on_delivery=on_delivery)
                break
            except BufferError:  # local queue full: serve deliveries, then try again
                p.poll(0.05)
        p.poll(0)
        nbytes += len(key) + len(value)
    p.flush(120)
    end = Sample()
    return report(args, "produce", delivered, nbytes, begin, end)


def consume(args, store):
    registry = SchemaRegistryClient({"url": args.registry})
    deserializer = AvroDeserializer(registry, ORDER_SCHEMA)
    ctx = SerializationContext(args.topic, MessageField.VALUE)
    conf = props(args.C)
    conf.update({"bootstrap.servers": args.bootstrap, "group.id": args.group or f"bench-{args.contestant}-{args.topic}"})
    conf.setdefault("auto.offset.reset", "earliest")
    c = Consumer(conf)
    c.subscribe([args.topic])
    db = None
    if store:
        path = args.db or f"{args.contestant}.db"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, product TEXT NOT NULL, price REAL NOT NULL,"
                   " source_topic TEXT, source_partition INTEGER, source_offset INTEGER)")
    messages = 0
    nbytes = 0
    begin = end = None
    last = time.monotonic()
    while messages < args.count and time.monotonic() - last < args.idle_timeout:
        m = c.poll(0.1)
        if m is None:
            continue
        if m.error() is not None:
            if m.error().code() != KafkaError._PARTITION_EOF:
                print(f"consumer: {m.error()}", file=sys.stderr)
            continue
        if messages == 0:
            begin = Sample()
        order = deserializer(m.value(), ctx)
        if db is not None:  # as a straightforward consumer.py would: one commit per order
            db.execute("INSERT INTO orders(order_id, product, price, source_topic, source_partition, source_offset)"
                       " VALUES(?,?,?,?,?,?) ON CONFLICT(order_id) DO UPDATE SET product=excluded.product,"
                       " price=excluded.price", (order["order_id"], order["product"], order["price"],
                                                 m.topic(), m.partition(), m.offset()))
            db.commit()
        messages += 1
        nbytes += len(m.key() or b"") + len(m.value())
        last = time.monotonic()
        if messages == args.count:
            end = Sample()
    if end is None:
        end = Sample()
    if begin is None:
        begin = end
    c.close()
    if db is not None:
        rows = db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
        if rows != args.count:
            print(f"the database holds {rows} orders, expected {args.count}", file=sys.stderr)
            messages = min(messages, rows)
    return report(args, "consume", messages, nbytes, begin, end)


CONTESTANTS = {
    "python-produce": ("produce", "confluent-kafka Producer + AvroSerializer", produce),
    "python-consume": ("consume", "confluent-kafka Consumer + AvroDeserializer, no-op handler",
                       lambda a: consume(a, False)),
    "python-consume-sqlite": ("consume", "confluent-kafka Consumer + AvroDeserializer + sqlite3 (a commit per order)",
                              lambda a: consume(a, True)),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("contestant", choices=sorted(CONTESTANTS) + ["list"])
    ap.add_argument("-b", "--bootstrap")
    ap.add_argument("-r", "--registry", default="http://127.0.0.1:8081")
    ap.add_argument("-t", "--topic")
    ap.add_argument("-n", "--count", type=int, default=100000)
    ap.add_argument("-g", "--group")
    ap.add_argument("--db")
    ap.add_argument("--pad", type=int, default=0)
    ap.add_argument("--idle-timeout", type=float, default=60)
    ap.add_argument("-X", action="append", default=[], help="producer property key=value")
    ap.add_argument("-C", action="append", default=[], help="consumer property key=value")
    args = ap.parse_args()
    if args.contestant == "list":
        for name, (role, what, _) in CONTESTANTS.items():
            print(f"{name}\t{role}\t{what}")
        return 0
    if not args.bootstrap or not args.topic:
        ap.error("--bootstrap and --topic are required")
    return CONTESTANTS[args.contestant][2](args)


if __name__ == "__main__":
    sys.exit(main())
