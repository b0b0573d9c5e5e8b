"""kavro and the orders example's Python stack (confluent-kafka with AvroSerializer/AvroDeserializer)
read each other's messages byte for byte, through kavro's registry and a real broker."""
import json
import sqlite3
import struct
import subprocess

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

# The orders example's schema, as its producer.py declares it.
ORDER_SCHEMA = json.dumps({
    "type": "record",
    "name": "Order",
    "fields": [
        {"name": "order_id", "type": "int"},
        {"name": "product", "type": "string"},
        {"name": "price", "type": "float"},
    ],
})


def f32(x: float) -> float:
    """What an Avro float holds: the value rounded to single precision."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def sample_orders(n: int):
    products = ["Phone", "Laptop", "Café crème", "", "Ünïcödé ✓", "x" * 300]
    return [{"order_id": i * 37 - 500, "product": products[i % len(products)], "price": round(i * 13.37 + 0.99, 2)}
            for i in range(n)]


def consume_all(bootstrap: str, topic: str, count: int, timeout: float = 60.0):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "py-" + topic, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    out = []
    import time
    deadline = time.time() + timeout
    try:
        while len(out) < count and time.time() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, m.error()
            out.append(m)
    finally:
        c.close()
    return out


def test_python_avro_deserializer_reads_what_kavro_produce_wrote(kavro_bin, bootstrap, registry_url, topic, tmp_path):
    orders = sample_orders(200)
    src = tmp_path / "orders.jsonl"
    src.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in orders) + "\n", encoding="utf-8")
    run = subprocess.run([kavro_bin, "produce", "-b", bootstrap, "-r", registry_url, "-t", topic, "-i", str(src)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "delivered 200, failed 0" in run.stdout

    registry = SchemaRegistryClient({"url": registry_url})
    deserializer = AvroDeserializer(registry, ORDER_SCHEMA)
    messages = consume_all(bootstrap, topic, len(orders))
    assert len(messages) == len(orders)
    got = {}
    for m in messages:
        value = deserializer(m.value(), SerializationContext(topic, MessageField.VALUE))
        assert m.key() == str(value["order_id"]).encode()
        assert m.value()[0] == 0, "Confluent magic byte"
        got[value["order_id"]] = value
    assert sorted(got) == sorted(o["order_id"] for o in orders)
    for o in orders:
        assert got[o["order_id"]] == {**o, "price": f32(o["price"])}
    # The subject follows the TopicNameStrategy that both sides default to.
    assert registry.get_latest_version(topic + "-value").schema.schema_str


def test_kavro_consume_reads_what_python_avro_serializer_wrote(kavro_bin, bootstrap, registry_url, topic, tmp_path):
    orders = sample_orders(150)
    registry = SchemaRegistryClient({"url": registry_url})
    serializer = AvroSerializer(registry, ORDER_SCHEMA)
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "retries": 3})
    for o in orders:
        p.produce(topic, key=str(o["order_id"]),
                  value=serializer(o, SerializationContext(topic, MessageField.VALUE)))
    p.produce(topic, key="bad", value=json.dumps(orders[0]).encode())  # JSON where Avro belongs
    assert p.flush(30) == 0

    db = tmp_path / "orders.db"
    run = subprocess.run([kavro_bin, "consume", "-b", bootstrap, "-r", registry_url, "-t", topic, "-g", "kavro-" + topic,
                          "--db", str(db), "--max-messages", str(len(orders) + 1), "--idle-timeout-ms", "60000"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    # kavro's handler rejects an order with an empty product (dead-lettered), and the JSON message
    # cannot be decoded (dead-lettered); every other order is stored exactly as Python wrote it.
    valid = [o for o in orders if o["product"]]
    rejected = len(orders) - len(valid)
    assert f"stored {len(valid)}," in run.stdout, run.stdout
    assert f"dead-lettered {rejected + 1} (undecodable 1, unknown schema 0, rejected {rejected}," in run.stdout

    rows = {r[0]: (r[1], r[2]) for r in sqlite3.connect(db).execute("SELECT order_id, product, price FROM orders")}
    assert rows == {o["order_id"]: (o["product"], f32(o["price"])) for o in valid}

    dead = consume_all(bootstrap, topic + ".dlq", rejected + 1)
    assert len(dead) == rejected + 1
    by_class = {}
    for m in dead:
        headers = dict(m.headers())
        assert headers["kavro.dlq.original.topic"] == topic.encode()
        by_class.setdefault(headers["kavro.dlq.error.class"].decode(), []).append(m)
    assert len(by_class["decode"]) == 1 and by_class["decode"][0].value() == json.dumps(orders[0]).encode()
    assert len(by_class["handler_permanent"]) == rejected


def test_python_schema_registry_client_works_against_kavro_registry(registry_url, topic):
    client = SchemaRegistryClient({"url": registry_url})
    subject = topic + "-value"
    schema_id = client.register_schema(subject, Schema(ORDER_SCHEMA, "AVRO"))
    assert schema_id >= 1
    # The same schema under the same subject and under another one keeps its global id.
    assert client.register_schema(subject, Schema(ORDER_SCHEMA, "AVRO")) == schema_id
    assert client.register_schema(topic + "-other", Schema(ORDER_SCHEMA, "AVRO")) == schema_id
    assert json.loads(client.get_schema(schema_id).schema_str) == json.loads(ORDER_SCHEMA)
    registered = client.lookup_schema(subject, Schema(ORDER_SCHEMA, "AVRO"))
    assert (registered.schema_id, registered.subject, registered.version) == (schema_id, subject, 1)
    assert subject in client.get_subjects()
    assert client.get_versions(subject) == [1]
    latest = client.get_latest_version(subject)
    assert (latest.schema_id, latest.version) == (schema_id, 1)
    assert client.get_version(subject, 1).schema_id == schema_id

    from confluent_kafka.schema_registry.error import SchemaRegistryError
    for call, code in ((lambda: client.get_versions(topic + "-missing"), 40401),
                       (lambda: client.get_version(subject, 7), 40402)):
        try:
            call()
            raise AssertionError("expected a SchemaRegistryError")
        except SchemaRegistryError as e:
            assert e.error_code == code, e
    # The python client caches by id, so ask a fresh one for an id that does not exist.
    try:
        SchemaRegistryClient({"url": registry_url}).get_schema(999999)
        raise AssertionError("expected a SchemaRegistryError")
    except SchemaRegistryError as e:
        assert (e.http_status_code, e.error_code) == (404, 40403)
