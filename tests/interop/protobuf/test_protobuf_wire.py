"""confluent-kafka-python's ProtobufSerializer/ProtobufDeserializer against kavro's Protobuf wire codec.

The serializer frames messages (magic byte, schema id, message indexes, body) against a mock registry;
kavro's decoder must find the same id, the same message of the schema and the same field values. The
other way, kavro frames a body and the Python deserializer must read it. No broker or registry needed.
"""
import json
import os
import subprocess
import tempfile

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

from confluent_kafka.schema_registry._sync.mock_schema_registry_client import MockSchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

PROBE = os.environ["KAVRO_PROTOBUF_PROBE"]

SCHEMA = """syntax = "proto3";
package interop;

message First {
  string id = 1;
}
message Order {
  string id = 1;
  int64 amount = 2;
  repeated string tags = 3;
  map<string, int32> counts = 4;
  Line line = 5;
  oneof pay { string card = 6; string iban = 7; }
  message Line {
    string sku = 1;
    message Detail { int32 qty = 1; }
    Detail detail = 2;
  }
}
"""


@pytest.fixture(scope="module")
def schema_file():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "interop.proto")
        with open(path, "w") as f:
            f.write(SCHEMA)
        out = os.path.join(d, "interop.pb")
        subprocess.run(["protoc", "-I", d, "--descriptor_set_out=" + out, path], check=True)
        fds = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as f:
            fds.ParseFromString(f.read())
        pool = descriptor_pool.DescriptorPool()
        for fd in fds.file:
            pool.Add(fd)
        yield path, pool


def message_class(pool, name):
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))


def probe(*args):
    done = subprocess.run([PROBE, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    "name,indexes",
    [("interop.First", [0]), ("interop.Order", [1]), ("interop.Order.Line", [1, 1]),
     ("interop.Order.Line.Detail", [1, 1, 0])],
)
def test_python_frames_decode_in_kavro(schema_file, name, indexes):
    path, pool = schema_file
    cls = message_class(pool, name)
    msg = cls()
    if name == "interop.Order":
        msg.id = "o-1"
        msg.amount = -42
        msg.tags.extend(["a", "b"])
        msg.counts["x"] = 3
        msg.line.sku = "SKU"
        msg.line.detail.qty = 7
        msg.iban = "DE00"
    elif name == "interop.Order.Line":
        msg.sku = "S"
    elif name == "interop.Order.Line.Detail":
        msg.qty = 9
    else:
        msg.id = "f"
    client = MockSchemaRegistryClient({"url": "mock://kavro-protobuf"})
    ser = ProtobufSerializer(cls, client, {"auto.register.schemas": True})
    framed = ser(msg, SerializationContext("orders", MessageField.VALUE))
    decoded = json.loads(probe("decode", path, framed.hex()))
    # Python counts map-entry messages among the nested types (Order's CountsEntry comes before Line),
    # and so does kavro: Order.Line is [1, 1].
    assert decoded["indexes"] == indexes
    assert decoded["message"] == name
    assert decoded["schema_id"] == framed[1] << 24 | framed[2] << 16 | framed[3] << 8 | framed[4]
    # Same field values: parse kavro's text form back with Python's own message type.
    again = text_format.Parse(decoded["text"], cls())
    assert again == msg


def test_schema_as_python_registers_it(schema_file, tmp_path):
    """The serializer registers the FileDescriptorProto in base64; kavro parses that form too."""
    path, pool = schema_file
    cls = message_class(pool, "interop.Order.Line.Detail")
    client = MockSchemaRegistryClient({"url": "mock://kavro-protobuf"})
    ser = ProtobufSerializer(cls, client, {"auto.register.schemas": True})
    framed = ser(cls(qty=5), SerializationContext("orders", MessageField.VALUE))
    registered = client.get_schema(int.from_bytes(framed[1:5], "big")).schema_str
    as_registered = tmp_path / "registered.txt"
    as_registered.write_text(registered)
    decoded = json.loads(probe("decode", str(as_registered), framed.hex()))
    assert decoded["message"] == "interop.Order.Line.Detail"
    assert decoded["indexes"] == [1, 1, 0]
    assert decoded["text"].strip() == "qty: 5"


def test_kavro_frames_decode_in_python(schema_file):
    path, pool = schema_file
    cls = message_class(pool, "interop.Order.Line")
    client = MockSchemaRegistryClient({"url": "mock://kavro-protobuf"})
    # Register the writer schema the way the serializer would, to learn its id.
    ser = ProtobufSerializer(cls, client, {"auto.register.schemas": True})
    line = cls(sku="K-7")
    python_frame = ser(line, SerializationContext("orders", MessageField.VALUE))
    schema_id = int.from_bytes(python_frame[1:5], "big")
    kavro_frame = bytes.fromhex(probe("encode", path, "interop.Order.Line", str(schema_id),
                                      line.SerializeToString().hex()))
    assert kavro_frame == python_frame
    de = ProtobufDeserializer(cls, {"use.deprecated.format": False}, client)
    assert de(kavro_frame, SerializationContext("orders", MessageField.VALUE)) == line
