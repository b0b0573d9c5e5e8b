"""Writes messages framed by confluent-kafka's JSONSerializer (Python, extra `json`) as golden files for
kavro's JSON Schema decoder (tests/unit/jsonschema/interop_test.cpp reads them).

Run: .venv/bin/python tests/interop/jsonschema/make_confluent_bytes.py tests/unit/jsonschema/data
The registry is confluent-kafka's in-process mock ("mock://"), so no server is needed; the schema id in
each frame is the one the mock assigned.
"""
import json
import pathlib
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

SCHEMA = json.dumps({
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

VALUES = {
    "order_simple": {"id": 1, "item": "coffee", "price": 2.5},
    "order_unicode": {"id": 2, "item": "caf\u00e9 \u2615", "price": 0, "tags": ["hot", "\u00fcber"]},
}


def main(out_dir: str) -> None:
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    client = SchemaRegistryClient.new_client({"url": "mock://kavro-interop"})
    serializer = JSONSerializer(SCHEMA, client, conf={"auto.register.schemas": True})
    ctx = SerializationContext("orders", MessageField.VALUE)
    for name, value in VALUES.items():
        data = serializer(value, ctx)
        (out / f"{name}.bin").write_bytes(data)
        (out / f"{name}.json").write_text(json.dumps(value, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "order.schema.json").write_text(SCHEMA + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
