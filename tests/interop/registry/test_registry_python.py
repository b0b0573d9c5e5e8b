"""The Python confluent-kafka Schema Registry client, AvroSerializer and AvroDeserializer against kavro's
registry: every operation gets what it gets from Confluent's registry, errors included."""
import json
import time
import uuid

import pytest
import requests
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient, SchemaRegistryError
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def record(name, fields, namespace=None):
    s = {"type": "record", "name": name, "fields": fields}
    if namespace:
        s["namespace"] = namespace
    return json.dumps(s)


ORDER_V1 = record("Order", [{"name": "order_id", "type": "int"}, {"name": "product", "type": "string"},
                            {"name": "price", "type": "float"}])
ORDER_V2 = record("Order", [{"name": "order_id", "type": "int"}, {"name": "product", "type": "string"},
                            {"name": "price", "type": "float"},
                            {"name": "currency", "type": "string", "default": "EUR"}])
ORDER_BREAKING = record("Order", [{"name": "order_id", "type": "int"}, {"name": "product", "type": "string"},
                                  {"name": "price", "type": "float"}, {"name": "shop", "type": "string"}])


def client(url):
    return SchemaRegistryClient({"url": url})


def test_register_lookup_and_fetch(registry_url):
    sr = client(registry_url)
    sid = sr.register_schema("orders-value", Schema(ORDER_V1, "AVRO"))
    assert sr.register_schema("orders-value", Schema(ORDER_V1, "AVRO")) == sid
    # The same schema under another subject keeps its id (a fresh client, so no cache answers).
    assert client(registry_url).register_schema("other-value", Schema(ORDER_V1, "AVRO")) == sid

    fresh = client(registry_url)
    assert json.loads(fresh.get_schema(sid).schema_str) == json.loads(ORDER_V1)
    found = fresh.lookup_schema("orders-value", Schema(ORDER_V1, "AVRO"))
    assert (found.schema_id, found.subject, found.version) == (sid, "orders-value", 1)
    assert sorted(fresh.get_subjects()) == ["orders-value", "other-value"]
    assert fresh.get_versions("orders-value") == [1]
    latest = fresh.get_latest_version("orders-value")
    assert (latest.schema_id, latest.version) == (sid, 1)
    assert fresh.get_version("orders-value", 1).schema_id == sid
    assert sorted(fresh.get_subjects_by_schema_id(sid)) == ["orders-value", "other-value"]
    assert "AVRO" in fresh.get_schema_types()

    sid2 = fresh.register_schema("orders-value", Schema(ORDER_V2, "AVRO"))
    assert sid2 != sid
    assert fresh.get_versions("orders-value") == [1, 2]
    # (A fresh client: the Python client caches the latest version.)
    assert client(registry_url).get_latest_version("orders-value").version == 2


def test_errors_carry_confluent_codes(registry_url):
    sr = client(registry_url)
    with pytest.raises(SchemaRegistryError) as e:
        sr.get_schema(4242)
    assert (e.value.http_status_code, e.value.error_code) == (404, 40403)
    with pytest.raises(SchemaRegistryError) as e:
        sr.get_latest_version("missing-value")
    assert (e.value.http_status_code, e.value.error_code) == (404, 40401)
    sr.register_schema("e-value", Schema(ORDER_V1, "AVRO"))
    with pytest.raises(SchemaRegistryError) as e:
        sr.get_version("e-value", 9)
    assert e.value.error_code == 40402
    with pytest.raises(SchemaRegistryError) as e:
        sr.lookup_schema("e-value", Schema(ORDER_V2, "AVRO"))
    assert e.value.error_code == 40403
    with pytest.raises(SchemaRegistryError) as e:
        sr.register_schema("e-value", Schema('{"type": "record", "name": "Broken"}', "AVRO"))
    assert (e.value.http_status_code, e.value.error_code) == (422, 42201)


def test_compatibility_and_config(registry_url):
    sr = client(registry_url)
    sr.register_schema("c-value", Schema(ORDER_V1, "AVRO"))
    assert sr.get_compatibility() == "BACKWARD"
    assert sr.test_compatibility("c-value", Schema(ORDER_V2, "AVRO")) is True
    assert sr.test_compatibility("c-value", Schema(ORDER_BREAKING, "AVRO")) is False
    assert sr.test_compatibility_all_versions("c-value", Schema(ORDER_BREAKING, "AVRO")) is False
    with pytest.raises(SchemaRegistryError) as e:
        sr.register_schema("c-value", Schema(ORDER_BREAKING, "AVRO"))
    assert (e.value.http_status_code, e.value.error_code) == (409, 409)
    assert "incompatible with an earlier schema" in e.value.error_message

    sr.set_compatibility("c-value", "NONE")
    assert sr.get_compatibility("c-value") == "NONE"
    assert sr.register_schema("c-value", Schema(ORDER_BREAKING, "AVRO")) > 0
    sr.set_compatibility(level="FULL")
    assert sr.get_compatibility() == "FULL"
    assert sr.get_config().compatibility_level.value == "FULL"
    sr.delete_config("c-value")
    with pytest.raises(SchemaRegistryError) as e:
        sr.get_compatibility("c-value")
    assert e.value.error_code == 40408
    sr.set_compatibility(level="BACKWARD")


def test_deletes(registry_url):
    sr = client(registry_url)
    sr.register_schema("d-value", Schema(ORDER_V1, "AVRO"))
    sr.register_schema("d-value", Schema(ORDER_V2, "AVRO"))
    assert sr.delete_version("d-value", 1) == 1
    assert sr.get_versions("d-value") == [2]
    with pytest.raises(SchemaRegistryError) as e:
        sr.delete_version("d-value", 1)
    assert e.value.error_code == 40406
    assert sr.delete_version("d-value", 1, permanent=True) == 1
    assert sr.delete_subject("d-value") == [2]
    assert "d-value" not in sr.get_subjects()
    with pytest.raises(SchemaRegistryError) as e:
        sr.delete_subject("d-value")
    assert e.value.error_code == 40404
    assert sr.delete_subject("d-value", permanent=True) == [2]
    with pytest.raises(SchemaRegistryError) as e:
        sr.delete_subject("d-value", permanent=True)
    assert e.value.error_code == 40401


def test_modes(registry_url):
    sr = client(registry_url)
    assert sr.get_global_mode() == "READWRITE"
    assert sr.update_mode("m-value", "READONLY") == "READONLY"
    assert sr.get_mode("m-value") == "READONLY"
    with pytest.raises(SchemaRegistryError) as e:
        sr.register_schema("m-value", Schema(ORDER_V1, "AVRO"))
    assert e.value.error_code == 42205
    assert sr.delete_mode("m-value") == "READONLY"
    assert sr.register_schema("m-value", Schema(ORDER_V1, "AVRO")) > 0


def test_references(registry_url):
    sr = client(registry_url)
    address = record("Address", [{"name": "city", "type": "string"}], "com.acme")
    person = record("Person", [{"name": "name", "type": "string"}, {"name": "home", "type": "com.acme.Address"}],
                    "com.acme")
    sr.register_schema("address", Schema(address, "AVRO"))
    refs = [SchemaReference("com.acme.Address", "address", 1)]
    pid = sr.register_schema("person-value", Schema(person, "AVRO", refs))
    got = client(registry_url).get_schema(pid)
    assert [(r.name, r.subject, r.version) for r in got.references] == [("com.acme.Address", "address", 1)]
    assert sr.get_referenced_by("address", 1) == [pid]

    # The serializers resolve references through the registry too.
    ser = AvroSerializer(sr, Schema(person, "AVRO", refs), conf={"auto.register.schemas": False, "use.latest.version": True})
    de = AvroDeserializer(sr)
    ctx = SerializationContext("person", MessageField.VALUE)
    value = {"name": "Ada", "home": {"city": "London"}}
    assert de(ser(value, ctx), ctx) == value


def test_avro_serializer_and_deserializer(registry_url):
    sr = client(registry_url)
    ctx = SerializationContext("pay", MessageField.VALUE)
    ser_v1 = AvroSerializer(sr, ORDER_V1)  # auto.register.schemas: registers pay-value v1
    data = ser_v1({"order_id": 1, "product": "Phone", "price": 2.5}, ctx)
    assert data[0] == 0 and int.from_bytes(data[1:5], "big") == sr.get_latest_version("pay-value").schema_id
    ser_v2 = AvroSerializer(sr, ORDER_V2)  # a compatible evolution: version 2
    data2 = ser_v2({"order_id": 2, "product": "Laptop", "price": 4.0, "currency": "USD"}, ctx)
    assert sr.get_versions("pay-value") == [1, 2]

    # A deserializer that fetches whatever schema the bytes name.
    de = AvroDeserializer(client(registry_url))
    assert de(data, ctx) == {"order_id": 1, "product": "Phone", "price": 2.5}
    assert de(data2, ctx)["currency"] == "USD"
    # A v1 reader reads v2 data (the added field is dropped), as schema resolution says.
    de_v1 = AvroDeserializer(client(registry_url), ORDER_V1)
    assert de_v1(data2, ctx) == {"order_id": 2, "product": "Laptop", "price": 4.0}
    # use.latest.version with auto-registration off serializes with the subject's latest schema.
    latest = AvroSerializer(client(registry_url), ORDER_V2,
                            conf={"auto.register.schemas": False, "use.latest.version": True})
    assert latest({"order_id": 3, "product": "Pen", "price": 1.0, "currency": "EUR"}, ctx)[1:5] == data2[1:5]


def test_durable_on_kafka_survives_kill_9(start_registry, bootstrap, schemas_topic):
    args = ("--kafka-bootstrap", bootstrap, "--kafka-topic", schemas_topic)
    first = start_registry(*args)
    sr = client(first.url)
    sid1 = sr.register_schema("k-value", Schema(ORDER_V1, "AVRO"))
    sid2 = sr.register_schema("k-value", Schema(ORDER_V2, "AVRO"))
    sr.set_compatibility("k-value", "FULL")
    sr.register_schema("gone-value", Schema(record("Gone", [{"name": "x", "type": "int"}]), "AVRO"))
    sr.delete_subject("gone-value")
    first.kill()  # SIGKILL: no graceful shutdown

    second = start_registry(*args)
    sr2 = client(second.url)
    assert sr2.get_versions("k-value") == [1, 2]
    assert sr2.get_latest_version("k-value").schema_id == sid2
    assert json.loads(sr2.get_schema(sid1).schema_str) == json.loads(ORDER_V1)
    assert sr2.get_compatibility("k-value") == "FULL"
    assert "gone-value" not in sr2.get_subjects()
    # Ids continue after the highest id in the topic. (The killed instance still leads the election
    # group until its session times out, so writes are refused with a 5xx for a few seconds.)
    sid3 = register_when_led(second.url, "new-value", Schema(record("New", [{"name": "y", "type": "long"}]), "AVRO"))
    assert sid3 > max(sid1, sid2)


def register_when_led(url, subject, schema, timeout=60.0):
    """Registers, retrying while the registry answers 5xx (no live leader yet)."""
    import time
    deadline = time.time() + timeout
    while True:
        try:
            return client(url).register_schema(subject, schema)
        except SchemaRegistryError as e:
            assert e.http_status_code >= 500, e
            assert time.time() < deadline, "no live leader within the timeout"
            time.sleep(0.5)


def test_two_instances_on_kafka_and_the_leader_killed(start_registry, bootstrap, schemas_topic):
    args = ("--kafka-bootstrap", bootstrap, "--kafka-topic", schemas_topic)
    a = start_registry(*args)
    b = start_registry(*args)
    # The Python client with both URLs, as a producer would be configured.
    sid1 = client(a.url).register_schema("two-value", Schema(ORDER_V1, "AVRO"))
    sid2 = client(b.url).register_schema("two-value", Schema(ORDER_V2, "AVRO"))
    for url in (a.url, b.url):
        fresh = client(url)
        assert fresh.get_versions("two-value") == [1, 2]
        assert fresh.get_schema(sid2) is not None and fresh.get_schema(sid1) is not None
    a.kill()  # SIGKILL: the group notices after its session timeout and b leads
    sid3 = register_when_led(b.url, "after-value", Schema(record("After", [{"name": "z", "type": "int"}]), "AVRO"))
    assert sid3 > sid2
    assert client(b.url).get_versions("two-value") == [1, 2]


def test_wrong_method_is_405_and_unknown_path_404(registry_url):
    sr = client(registry_url)
    sr.register_schema("w-value", Schema(ORDER_V1, "AVRO"))
    r = requests.delete(registry_url + "/subjects/w-value/versions")
    assert (r.status_code, r.json()) == (405, {"error_code": 405, "message": "HTTP 405 Method Not Allowed"})
    r = requests.post(registry_url + "/config", json={"compatibility": "NONE"})
    assert (r.status_code, r.json()["error_code"]) == (405, 405)
    r = requests.get(registry_url + "/no/such/path")
    assert (r.status_code, r.json()) == (404, {"error_code": 404, "message": "HTTP 404 Not Found"})
    assert sr.get_versions("w-value") == [1]


def read_topic(bootstrap, topic, timeout=30.0):
    """Every record of the topic's one partition, as (key, value) text; None for a tombstone."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "kavro-interop-" + uuid.uuid4().hex,
                         "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    records = []
    deadline = time.time() + timeout
    try:
        while True:
            assert time.time() < deadline, "did not reach the end of " + topic
            m = consumer.poll(1.0)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    return records
                raise AssertionError(m.error())
            records.append((m.key().decode(), None if m.value() is None else m.value().decode()))
    finally:
        consumer.close()


def test_permanent_subject_delete_tombstones_its_config_and_mode(start_registry, bootstrap, schemas_topic):
    args = ("--kafka-bootstrap", bootstrap, "--kafka-topic", schemas_topic)
    first = start_registry(*args)
    sr = client(first.url)
    sr.register_schema("p-value", Schema(ORDER_V1, "AVRO"))
    sr.set_compatibility("p-value", "NONE")
    sr.update_mode("p-value", "READWRITE")
    sr.delete_subject("p-value")
    # A soft delete keeps the subject's own settings.
    assert client(first.url).get_compatibility("p-value") == "NONE"
    assert client(first.url).get_mode("p-value") == "READWRITE"
    assert sr.delete_subject("p-value", permanent=True) == [1]
    # What Confluent writes for it: the version's tombstone, then the mode's and the level's.
    assert read_topic(bootstrap, schemas_topic)[-3:] == [
        ('{"keytype":"SCHEMA","subject":"p-value","version":1,"magic":1}', None),
        ('{"keytype":"MODE","subject":"p-value","magic":0}', None),
        ('{"keytype":"CONFIG","subject":"p-value","magic":0}', None),
    ]
    first.stop()

    second = start_registry(*args)
    fresh = client(second.url)
    for get, code in ((fresh.get_compatibility, 40408), (fresh.get_mode, 40409)):
        with pytest.raises(SchemaRegistryError) as e:
            get("p-value")
        assert e.value.error_code == code


def test_import_mode_clears_soft_deleted_versions_on_kafka(start_registry, bootstrap, schemas_topic):
    args = ("--kafka-bootstrap", bootstrap, "--kafka-topic", schemas_topic)
    first = start_registry(*args)
    sr = client(first.url)
    sr.register_schema("i-value", Schema(ORDER_V1, "AVRO"))
    sr.delete_subject("i-value")
    assert sr.update_mode("i-value", "IMPORT") == "IMPORT"
    # Confluent's records for the switch: the soft-deleted version's tombstone, CLEAR_SUBJECT, the mode.
    assert read_topic(bootstrap, schemas_topic)[-3:] == [
        ('{"keytype":"SCHEMA","subject":"i-value","version":1,"magic":1}', None),
        ('{"keytype":"CLEAR_SUBJECT","subject":"i-value","magic":0}', '{"subject":"i-value"}'),
        ('{"keytype":"MODE","subject":"i-value","magic":0}', '{"mode":"IMPORT"}'),
    ]
    first.stop()

    second = start_registry(*args)
    assert "i-value" not in client(second.url).get_subjects(deleted=True)
    assert client(second.url).get_mode("i-value") == "IMPORT"


def test_paging_stops_at_an_empty_page(registry_url):
    # confluent-kafka's get_subjects / get_versions send offset and limit; a client paging until it
    # gets an empty page must stop.
    c = client(registry_url)
    requests.put(registry_url + "/config", json={"compatibility": "NONE"}).raise_for_status()
    for name in ("a", "b", "c"):
        c.register_schema(name, Schema(record("R" + name, [{"name": "x", "type": "int"}]), "AVRO"))
    for i in range(2, 4):
        c.register_schema("a", Schema(record("A%d" % i, [{"name": "x", "type": "int"}]), "AVRO"))
    pages, offset = [], 0
    while True:
        page = c.get_subjects(offset=offset, limit=2)
        if not page:
            break
        pages.append(page)
        offset += len(page)
    assert pages == [["a", "b"], ["c"]]
    assert c.get_subjects() == ["a", "b", "c"]
    assert c.get_versions("a", offset=1, limit=1) == [2]
    assert c.get_versions("a", offset=3) == []
    assert c.get_subjects_by_schema_id(1, offset=0, limit=1) == ["a"]
    assert [v.version for v in c.get_schema_versions(1, offset=1)] == []
    assert c.get_contexts() == ["."]


def test_compatibility_before_the_first_registration(registry_url):
    # The CI step "test before registering": Confluent answers compatible for a subject with no
    # live version, and 40402 for a numbered version that is not there.
    c = client(registry_url)
    order = Schema(ORDER_V1, "AVRO")
    assert c.test_compatibility("orders-value", order) is True
    assert c.test_compatibility("orders-value", order, version="latest") is True
    assert c.test_compatibility_all_versions("orders-value", order) is True
    with pytest.raises(SchemaRegistryError) as e:
        c.test_compatibility("orders-value", order, version=1)
    assert (e.value.http_status_code, e.value.error_code) == (404, 40402)
    c.register_schema("orders-value", order)
    assert c.test_compatibility("orders-value", Schema(ORDER_BREAKING, "AVRO")) is False
    c.delete_subject("orders-value")
    # Every version soft-deleted: nothing left to be incompatible with.
    assert c.test_compatibility("orders-value", Schema(ORDER_BREAKING, "AVRO")) is True


def test_data_contract_round_trip(registry_url):
    # metadata and a rule set sent by confluent-kafka's client come back as it parses them.
    from confluent_kafka.schema_registry import Metadata, MetadataProperties, MetadataTags, Rule, RuleKind, \
        RuleMode, RuleParams, RuleSet
    c = client(registry_url)
    metadata = Metadata(tags=MetadataTags({"$.price": ["PII"]}), properties=MetadataProperties({"owner": "shop"}),
                        sensitive=["price"])
    rule = Rule(name="positive", doc=None, kind=RuleKind.CONDITION, mode=RuleMode.WRITE, type="CEL", tags=None,
                params=RuleParams({"k": "v"}), expr="message.price > 0", on_success=None, on_failure="ERROR",
                disabled=False)
    schema_id = c.register_schema("contract-value", Schema(ORDER_V1, "AVRO", metadata=metadata,
                                                           rule_set=RuleSet(migration_rules=None, domain_rules=[rule])))
    latest = c.get_latest_version("contract-value")
    assert latest.schema_id == schema_id
    assert latest.schema.metadata.properties.properties == {"owner": "shop"}
    assert latest.schema.metadata.tags.tags == {"$.price": ["PII"]}
    assert latest.schema.metadata.sensitive == ["price"]
    [got] = latest.schema.rule_set.domain_rules
    assert (got.name, got.kind, got.mode, got.type, got.expr, got.on_failure, got.params.params) == \
        ("positive", RuleKind.CONDITION, RuleMode.WRITE, "CEL", "message.price > 0", "ERROR", {"k": "v"})
    raw = requests.get(registry_url + "/subjects/contract-value/versions/1").json()
    assert raw["ruleSet"] == {"domainRules": [{"name": "positive", "kind": "CONDITION", "mode": "WRITE",
                                               "type": "CEL", "params": {"k": "v"}, "expr": "message.price > 0",
                                               "onFailure": "ERROR", "disabled": False}]}


def test_config_data_contracts_and_latest_with_metadata(registry_url):
    # confluent-kafka's ServerConfig with default and override metadata and a compatibility group:
    # stored, merged into the next registration as Confluent merges them, found by metadata.
    from confluent_kafka.schema_registry import ConfigCompatibilityLevel, Metadata, MetadataProperties, \
        ServerConfig
    c = client(registry_url)
    config = ServerConfig(compatibility=ConfigCompatibilityLevel.BACKWARD, compatibility_group="major",
                          default_metadata=Metadata(tags=None, properties=MetadataProperties({"owner": "shop"}),
                                                    sensitive=None),
                          override_metadata=Metadata(tags=None, properties=MetadataProperties({"major": "1"}),
                                                     sensitive=None))
    c.set_config("dc-value", config)
    got = c.get_config("dc-value")
    assert got.compatibility_level == ConfigCompatibilityLevel.BACKWARD
    assert got.compatibility_group == "major"
    assert got.default_metadata.properties.properties == {"owner": "shop"}
    assert got.override_metadata.properties.properties == {"major": "1"}
    schema_id = c.register_schema("dc-value", Schema(ORDER_V1, "AVRO"))
    latest = c.get_latest_version("dc-value")
    assert latest.schema.metadata.properties.properties == {"major": "1", "owner": "shop"}
    found = c.get_latest_with_metadata("dc-value", {"major": "1"})
    assert (found.schema_id, found.version) == (schema_id, 1)
    with pytest.raises(SchemaRegistryError) as e:
        c.get_latest_with_metadata("dc-value", {"major": "2"})
    assert (e.value.http_status_code, e.value.error_code) == (404, 40403)
