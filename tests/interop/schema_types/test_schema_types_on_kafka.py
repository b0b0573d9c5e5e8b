"""JSON Schema and Protobuf against kavro's registry through a real topic.

confluent-kafka-python's serializers register their schemas in `kavro registry serve` and produce to the
broker the ctest fixture started; its deserializers read them back, fetching the writer's schema from
kavro. kavro's own wire functions (the probe tools) frame values Python's deserializers read, and read
the frames Python wrote, validating JSON values against the schema kavro serves.
"""
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import requests
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "registry"))
from conftest import Registry  # noqa: E402  the registry interop tests' process wrapper

JSON_PROBE = os.environ["KAVRO_JSONSCHEMA_PROBE"]
PROTOBUF_PROBE = os.environ["KAVRO_PROTOBUF_PROBE"]

ORDER_SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Order",
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "item": {"type": "string"},
        "price": {"type": "number", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["id", "item", "price"],
})

ORDERS = [
    {"id": 1, "item": "coffee", "price": 2.5},
    {"id": 2, "item": "tea \u00e9\u6f22", "price": 0, "tags": ["hot", "x"]},
    {"id": 3, "item": "", "price": 1e3, "tags": []},
]

PROTO = """syntax = "proto3";
package interop;

message Order {
  string id = 1;
  int64 amount = 2;
  repeated string tags = 3;
  Line line = 4;
  message Line {
    string sku = 1;
    int32 qty = 2;
  }
}
"""


@pytest.fixture(scope="module")
def bootstrap() -> str:
    d = os.environ.get("KAVRO_TEST_KAFKA_DIR")
    assert d, "KAVRO_TEST_KAFKA_DIR is not set: run through ctest"
    return Path(d, "bootstrap").read_text().strip()


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    kavro_bin = os.environ["KAVRO_BIN"]
    r = Registry(kavro_bin, tmp_path_factory.mktemp("registry") / "registry.log")
    yield r
    r.stop()


@pytest.fixture
def topic(bootstrap) -> str:
    name = "kavro-types-" + uuid.uuid4().hex[:12]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(name, 1, 1)]).values():
        f.result(timeout=30)
    return name


def produce(bootstrap, topic, values: list):
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for v in values:
        p.produce(topic, value=v)
    assert p.flush(30) == 0


def consume(bootstrap, topic, count: int) -> list:
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "kavro-types-" + uuid.uuid4().hex,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    out = []
    try:
        for _ in range(600):
            if len(out) == count:
                break
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, m.error()
            out.append(m.value())
    finally:
        c.close()
    assert len(out) == count, f"read {len(out)} of {count} messages"
    return out


def run(*args) -> str:
    done = subprocess.run(list(args), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_json_serializer_and_deserializer_through_kavro(registry, bootstrap, topic, tmp_path):
    client = SchemaRegistryClient({"url": registry.url})
    ser = JSONSerializer(ORDER_SCHEMA, client, conf={"auto.register.schemas": True})
    ctx = SerializationContext(topic, MessageField.VALUE)
    produce(bootstrap, topic, [ser(v, ctx) for v in ORDERS])

    # The schema is in kavro, as JSON, under the topic's value subject.
    latest = requests.get(f"{registry.url}/subjects/{topic}-value/versions/latest").json()
    assert latest["schemaType"] == "JSON"
    assert json.loads(latest["schema"]) == json.loads(ORDER_SCHEMA)
    schema_id = latest["id"]

    # The deserializer fetches the writer's schema by id from kavro and validates against it.
    de = JSONDeserializer(None, schema_registry_client=client)
    frames = consume(bootstrap, topic, len(ORDERS))
    assert [de(f, ctx) for f in frames] == ORDERS
    assert all(int.from_bytes(f[1:5], "big") == schema_id for f in frames)

    # kavro reads Python's frames, validating them against the schema kavro serves.
    schema_file = tmp_path / "order.json"
    schema_file.write_text(requests.get(f"{registry.url}/schemas/ids/{schema_id}/schema").text)
    for frame, value in zip(frames, ORDERS):
        decoded = json.loads(run(JSON_PROBE, "decode", str(schema_file), frame.hex()))
        assert decoded == {"schema_id": schema_id, "value": value}


def test_kavro_json_frames_read_by_python(registry, bootstrap, topic, tmp_path):
    client = SchemaRegistryClient({"url": registry.url})
    from confluent_kafka.schema_registry import Schema
    schema_id = client.register_schema(f"{topic}-value", Schema(ORDER_SCHEMA, "JSON"))
    schema_file = tmp_path / "order.json"
    schema_file.write_text(ORDER_SCHEMA)
    frames = [bytes.fromhex(run(JSON_PROBE, "encode", str(schema_file), str(schema_id), json.dumps(v)))
              for v in ORDERS]
    produce(bootstrap, topic, frames)
    de = JSONDeserializer(None, schema_registry_client=client)
    ctx = SerializationContext(topic, MessageField.VALUE)
    assert [de(f, ctx) for f in consume(bootstrap, topic, len(ORDERS))] == ORDERS
    # A value the schema refuses is refused by kavro's encoder too, naming the failure.
    bad = subprocess.run([JSON_PROBE, "encode", str(schema_file), str(schema_id), '{"id":4,"item":"x","price":-1}'],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "does not conform" in bad.stderr


@pytest.fixture(scope="module")
def order_class():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "interop_order.proto")
        with open(path, "w") as f:
            f.write(PROTO)
        out = os.path.join(d, "interop_order.pb")
        subprocess.run(["protoc", "-I", d, "--descriptor_set_out=" + out, path], check=True)
        fds = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as f:
            fds.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.Add(fd)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("interop.Order"))


def orders(cls):
    return [cls(id="o-1", amount=-42, tags=["a", "b"], line=cls.Line(sku="S", qty=3)),
            cls(id="o-2"),
            cls(id="\u00e9", amount=2**40, line=cls.Line(qty=-1))]


def test_protobuf_serializer_and_deserializer_through_kavro(registry, bootstrap, topic, order_class, tmp_path):
    client = SchemaRegistryClient({"url": registry.url})
    ser = ProtobufSerializer(order_class, client, {"auto.register.schemas": True})
    ctx = SerializationContext(topic, MessageField.VALUE)
    values = orders(order_class)
    produce(bootstrap, topic, [ser(v, ctx) for v in values])

    latest = requests.get(f"{registry.url}/subjects/{topic}-value/versions/latest").json()
    assert latest["schemaType"] == "PROTOBUF"
    schema_id = latest["id"]

    # The deserializer fetches the writer's schema from kavro (?format=serialized) to find the message:
    # a client of its own, whose cache does not hold what the serializer registered.
    de = ProtobufDeserializer(order_class, {}, schema_registry_client=SchemaRegistryClient({"url": registry.url}))
    frames = consume(bootstrap, topic, len(values))
    assert [de(f, ctx) for f in frames] == values

    # kavro's decoder reads Python's frames with the schema text kavro serves.
    schema_file = tmp_path / "order.proto"
    schema_file.write_text(requests.get(f"{registry.url}/schemas/ids/{schema_id}/schema").text)
    for frame, value in zip(frames, values):
        decoded = json.loads(run(PROTOBUF_PROBE, "decode", str(schema_file), frame.hex()))
        assert decoded["schema_id"] == schema_id
        assert decoded["message"] == "interop.Order"
        assert decoded["indexes"] == [0]


def test_kavro_protobuf_frames_read_by_python(registry, bootstrap, topic, order_class, tmp_path):
    client = SchemaRegistryClient({"url": registry.url})
    from confluent_kafka.schema_registry import Schema
    schema_id = client.register_schema(f"{topic}-value", Schema(PROTO, "PROTOBUF"))
    schema_file = tmp_path / "order.proto"
    schema_file.write_text(PROTO)
    values = orders(order_class)
    frames = [bytes.fromhex(run(PROTOBUF_PROBE, "encode", str(schema_file), "interop.Order", str(schema_id),
                                v.SerializeToString().hex())) for v in values]
    produce(bootstrap, topic, frames)
    de = ProtobufDeserializer(order_class, {}, schema_registry_client=SchemaRegistryClient({"url": registry.url}))
    ctx = SerializationContext(topic, MessageField.VALUE)
    assert [de(f, ctx) for f in consume(bootstrap, topic, len(values))] == values
