"""Any Avro schema through `kavro produce` and `kavro consume`, on the fixture's real broker: the shipments
example (examples/shipments: nested record, unions, enum, array, logical types) produced from JSON lines
and consumed with the print and sqlite sinks, a reader schema one version ahead of the writer's, schemas
taken from the registry, keys, headers and partitions; and a topic of records that are not Orders consumed
with the default options dead-letters nothing that decodes."""
import json
import os
import re
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

KAVRO = os.environ["KAVRO_BIN"]
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "shipments"
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("KAVRO_")}, "ASAN_OPTIONS": "detect_leaks=0"}
V1 = [json.loads(line) for line in (EXAMPLE / "shipments.jsonl").read_text().splitlines()]
V2 = [json.loads(line) for line in (EXAMPLE / "shipments-v2.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def bootstrap():
    return (Path(os.environ["KAVRO_TEST_KAFKA_DIR"]) / "bootstrap").read_text().strip()


@pytest.fixture(scope="module")
def registry():
    proc = subprocess.Popen([KAVRO, "registry", "serve", "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    m = re.search(r"listening on (http://\S+)", proc.stdout.readline())
    assert m, proc.stderr.read()
    yield m.group(1)
    proc.terminate()
    proc.wait(timeout=30)


def kavro(*args, timeout=180):
    return subprocess.run([KAVRO, *args], capture_output=True, text=True, env=ENV, timeout=timeout)


def fresh_topic(prefix):
    return prefix + "-" + uuid.uuid4().hex[:8]


def produce(bootstrap, registry, topic, *args):
    return kavro("produce", "-b", bootstrap, "-r", registry, "-t", topic, "--partitions", "1", *args)


def consume(bootstrap, registry, topic, count, *args):
    return kavro("consume", "-b", bootstrap, "-r", registry, "-t", topic, "-g", fresh_topic("g"),
                 "--max-messages", str(count), "--idle-timeout-ms", "60000", *args)


def raw_messages(bootstrap, topic, count):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": fresh_topic("raw"), "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    got = []
    for _ in range(600):
        if len(got) >= count:
            break
        m = c.poll(0.1)
        if m is not None and not m.error():
            got.append(m)
    c.close()
    return got


def produce_example(bootstrap, registry, topic):
    one = produce(bootstrap, registry, topic, "--value-schema", str(EXAMPLE / "shipment.avsc"),
                  "--key-field", "shipment_id", "--input", str(EXAMPLE / "shipments.jsonl"))
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith("lines 4: delivered 4, failed 0, rejected 0, not sent 0"), one.stdout
    two = produce(bootstrap, registry, topic, "--value-schema", str(EXAMPLE / "shipment-v2.avsc"),
                  "--key-field", "shipment_id", "--input", str(EXAMPLE / "shipments-v2.jsonl"))
    assert two.returncode == 0, two.stderr
    assert two.stdout.startswith("lines 1: delivered 1, failed 0, rejected 0, not sent 0"), two.stdout


def plain(record):
    """A shipment as kavro prints it: the tagged union form read as its bare value, defaults filled in."""
    out = dict(record)
    out["destination"] = {"postcode": None, **record["destination"]}
    t = record.get("tracking")
    out["tracking"] = next(iter(t.values())) if isinstance(t, dict) else t
    out.setdefault("tags", [])
    return out


def test_shipments_print_sink_with_a_reader_schema_one_version_ahead(bootstrap, registry):
    topic = fresh_topic("ship")
    produce_example(bootstrap, registry, topic)

    run = consume(bootstrap, registry, topic, 5, "--sink", "print", "--reader-schema",
                  str(EXAMPLE / "shipment-v2.avsc"))
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]  # stdout holds only the records
    assert [(r["topic"], r["partition"], r["offset"]) for r in records] == [(topic, 0, i) for i in range(5)]
    assert [r["key"] for r in records] == [s["shipment_id"] for s in V1 + V2]
    expected = [{**plain(s), "carrier": "unknown"} for s in V1] + [plain(s) for s in V2]
    assert [r["value"] for r in records] == expected
    assert "received 5, stored 5, retries 0, dead-lettered 0" in run.stderr, run.stderr

    # Without a reader schema each record is printed as written: version 1 has no carrier.
    as_written = consume(bootstrap, registry, topic, 5, "--sink", "print")
    assert as_written.returncode == 0, as_written.stderr
    values = [json.loads(line)["value"] for line in as_written.stdout.splitlines()]
    assert values == [plain(s) for s in V1] + [plain(s) for s in V2]


def test_shipments_sqlite_sink_upserts_by_key_column(bootstrap, registry, tmp_path):
    topic = fresh_topic("ship")
    produce_example(bootstrap, registry, topic)
    db = tmp_path / "shipments.db"
    args = ["--sink", "sqlite", "--db", str(db), "--key-column", "shipment_id",
            "--reader-schema", str(EXAMPLE / "shipment-v2.avsc")]
    run = consume(bootstrap, registry, topic, 5, *args)
    assert run.returncode == 0, run.stderr
    assert "received 5, stored 5, retries 0, dead-lettered 0" in run.stdout, run.stdout
    # The same records again (another group): upserted by shipment_id, not duplicated.
    again = consume(bootstrap, registry, topic, 5, *args)
    assert again.returncode == 0, again.stderr

    con = sqlite3.connect(db)
    rows = con.execute("SELECT shipment_id, status, shipped_at, destination, weight_kg, tracking, tags, carrier,"
                       " source_topic, source_partition, source_offset FROM Shipment ORDER BY source_offset").fetchall()
    assert len(rows) == 5
    for row, s in zip(rows, V1 + V2):
        want = plain(s)
        assert row[0:3] == (s["shipment_id"], s["status"], s["shipped_at"])
        assert json.loads(row[3]) == want["destination"]  # a nested record is JSON text
        assert row[4] == s["weight_kg"]
        assert row[5] == want["tracking"]
        assert json.loads(row[6]) == want["tags"]
        assert row[7] == s.get("carrier", "unknown")
        assert row[8:10] == (topic, 0)
    types = {r[1]: r[2] for r in con.execute("PRAGMA table_info(Shipment)")}
    assert types["shipped_at"] == "INTEGER" and types["weight_kg"] == "REAL" and types["status"] == "TEXT"


def test_foreign_records_with_default_options_are_stored_not_dead_lettered(bootstrap, registry, tmp_path):
    topic = fresh_topic("foreign")
    produce_example(bootstrap, registry, topic)
    # Orders on the same topic, as the demo makes them, under a subject of their own.
    made = produce(bootstrap, registry, topic, "-n", "3", "--subject", topic + "-orders")
    assert made.returncode == 0, made.stderr
    db = tmp_path / "orders.db"
    run = consume(bootstrap, registry, topic, 8, "--db", str(db))
    assert run.returncode == 0, run.stderr
    assert "received 8, stored 8, retries 0, dead-lettered 0 " in run.stdout, run.stdout
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 3
    # Without a reader schema, the table takes version 2's new column when its first record arrives.
    rows = con.execute("SELECT shipment_id, carrier FROM Shipment ORDER BY source_offset").fetchall()
    assert rows == [(s["shipment_id"], None) for s in V1] + [(s["shipment_id"], s["carrier"]) for s in V2]


def test_the_bytes_are_confluent_avro_that_python_reads(bootstrap, registry):
    topic = fresh_topic("ship")
    produce_example(bootstrap, registry, topic)
    client = SchemaRegistryClient({"url": registry})
    deserializer = AvroDeserializer(client)
    messages = raw_messages(bootstrap, topic, 5)
    assert len(messages) == 5
    first = deserializer(messages[0].value(), SerializationContext(topic, MessageField.VALUE))
    assert str(first["shipment_id"]) == V1[0]["shipment_id"] and first["status"] == "CREATED"
    assert first["destination"]["city"] == "Dublin"
    assert client.get_latest_version(topic + "-value").version == 2


def test_schema_from_the_registry_keys_headers_and_partition(bootstrap, registry, tmp_path):
    topic = fresh_topic("ship")
    made = kavro("produce", "-b", bootstrap, "-r", registry, "-t", topic, "--partitions", "3",
                 "--value-schema", str(EXAMPLE / "shipment.avsc"), "--subject-name-strategy", "record",
                 "--input", str(EXAMPLE / "shipments.jsonl"), "--partition", "2", "-H", "source=test", "-H", "n=1")
    assert made.returncode == 0, made.stderr
    # The record strategy: the subject is the record's full name.
    subject = "example.logistics.Shipment"
    client = SchemaRegistryClient({"url": registry})
    registered = client.get_latest_version(subject)

    # --parse-key, the schema by subject (latest) and by id, never registering.
    keyed = tmp_path / "keyed.jsonl"
    keyed.write_text("".join(f"k{i}|{json.dumps(s)}\n" for i, s in enumerate(V1[:2])))
    by_subject = produce(bootstrap, registry, topic, "--value-subject", subject, "--parse-key", "--key-separator", "|",
                         "--input", str(keyed))
    assert by_subject.returncode == 0, by_subject.stderr
    by_id = produce(bootstrap, registry, topic, "--value-schema-id", str(registered.schema_id), "--key-field",
                    "status", "--input", str(EXAMPLE / "shipments.jsonl"))
    assert by_id.returncode == 0, by_id.stderr

    messages = raw_messages(bootstrap, topic, 10)
    assert len(messages) == 10
    with_headers = [m for m in messages if m.headers()]
    assert len(with_headers) == 4
    assert all(m.partition() == 2 and dict(m.headers()) == {"source": b"test", "n": b"1"} for m in with_headers)
    assert all(not m.key() for m in with_headers)
    rest = sorted(m.key() for m in messages if not m.headers())
    assert rest == sorted([b"k0", b"k1"] + [s["status"].encode() for s in V1])
    assert {int.from_bytes(m.value()[1:5], "big") for m in messages} == {registered.schema_id}


def test_auto_register_off_and_use_latest_version(bootstrap, registry, tmp_path):
    topic = fresh_topic("ship")
    # auto.register.schemas=false: a schema the subject does not hold is refused before anything is sent.
    refused = produce(bootstrap, registry, topic, "--value-schema", str(EXAMPLE / "shipment.avsc"),
                      "--auto-register", "false", "--input", str(EXAMPLE / "shipments.jsonl"))
    assert refused.returncode != 0
    assert f"subject '{topic}-value'" in refused.stderr, refused.stderr

    produce_example(bootstrap, registry, topic)  # registers version 1 and 2
    # use.latest.version: lines read with version 1, written with the subject's latest (version 2).
    latest = produce(bootstrap, registry, topic, "--value-schema", str(EXAMPLE / "shipment.avsc"),
                     "--auto-register", "false", "--use-latest-version", "--input", str(EXAMPLE / "shipments.jsonl"))
    assert latest.returncode == 0, latest.stderr
    run = consume(bootstrap, registry, topic, 9, "--sink", "print")
    assert run.returncode == 0, run.stderr
    values = [json.loads(line)["value"] for line in run.stdout.splitlines()]
    assert [v.get("carrier") for v in values[5:]] == ["unknown"] * 4


def test_serializer_settings_from_a_properties_file(bootstrap, registry, tmp_path):
    """Confluent's serializer settings in a -F file take effect as the flags do; a flag wins over the file,
    and a setting kavro does not implement is refused (exit 2) naming the key."""
    topic = fresh_topic("ship")
    props = tmp_path / "client.properties"
    props.write_text("auto.register.schemas=false\n")
    refused = produce(bootstrap, registry, topic, "-F", str(props), "--value-schema", str(EXAMPLE / "shipment.avsc"),
                      "--input", str(EXAMPLE / "shipments.jsonl"))
    assert refused.returncode != 0 and f"subject '{topic}-value'" in refused.stderr, refused.stderr
    # The command line's --auto-register true is over the file's false.
    flag_wins = produce(bootstrap, registry, topic, "-F", str(props), "--auto-register", "true",
                        "--value-schema", str(EXAMPLE / "shipment.avsc"), "--input", str(EXAMPLE / "shipments.jsonl"))
    assert flag_wins.returncode == 0, flag_wins.stderr

    # value.subject.name.strategy by Java class name: RecordNameStrategy registers under the record's full name.
    record_topic = fresh_topic("ship")
    props.write_text("value.subject.name.strategy=io.confluent.kafka.serializers.subject.RecordNameStrategy\n")
    by_record = produce(bootstrap, registry, record_topic, "-F", str(props),
                        "--value-schema", str(EXAMPLE / "shipment.avsc"), "--input", str(EXAMPLE / "shipments.jsonl"))
    assert by_record.returncode == 0, by_record.stderr
    full_name = json.loads((EXAMPLE / "shipment.avsc").read_text())
    full_name = (full_name.get("namespace", "") + "." if full_name.get("namespace") else "") + full_name["name"]
    assert full_name in SchemaRegistryClient({"url": registry}).get_subjects()

    for line, says in [("auto.register.schemas=maybe", "auto.register.schemas: expects true or false"),
                       ("value.subject.name.strategy=Nope", "value.subject.name.strategy: expects"),
                       ("latest.compatibility.strict=true", "latest.compatibility.strict: a serializer setting")]:
        props.write_text(line + "\n")
        run = produce(bootstrap, registry, topic, "-F", str(props), "--value-schema", str(EXAMPLE / "shipment.avsc"),
                      "--input", str(EXAMPLE / "shipments.jsonl"))
        assert run.returncode == 2, (line, run.stderr)
        assert says in run.stderr, (line, run.stderr)
        assert "maybe" not in run.stderr  # values are never echoed


def test_bad_lines_name_file_and_line_and_lose_nothing(bootstrap, registry, tmp_path):
    topic = fresh_topic("ship")
    lines = tmp_path / "mixed.jsonl"
    bad = {**V1[1], "status": "LOST"}
    lines.write_text("\n".join([json.dumps(V1[0]), json.dumps(bad), "{not json", json.dumps(V1[2])]) + "\n")
    run = produce(bootstrap, registry, topic, "--value-schema", str(EXAMPLE / "shipment.avsc"), "--input", str(lines))
    assert run.returncode == 1
    assert run.stdout.startswith("lines 4: delivered 2, failed 0, rejected 2, not sent 0"), run.stdout
    assert f"{lines}:2: " in run.stderr and "LOST" in run.stderr, run.stderr
    assert f"{lines}:3: " in run.stderr, run.stderr


def test_sink_orders_keeps_the_old_verdict_and_sink_none_only_commits(bootstrap, registry, tmp_path):
    topic = fresh_topic("ship")
    produce_example(bootstrap, registry, topic)
    # --sink orders: only Orders are taken; the others are dead-lettered as permanent, as before --sink.
    old = consume(bootstrap, registry, topic, 5, "--sink", "orders", "--db", str(tmp_path / "o.db"))
    assert old.returncode == 0, old.stderr
    assert "stored 0, retries 0, dead-lettered 5 (undecodable 0, unknown schema 0, rejected 5," in old.stdout, old.stdout
    none = consume(bootstrap, registry, topic, 5, "--sink", "none", "--db", str(tmp_path / "none.db"))
    assert none.returncode == 0, none.stderr
    assert "received 5, stored 5, retries 0, dead-lettered 0" in none.stdout, none.stdout
    assert not (tmp_path / "none.db").exists()
    # A --key-column the records do not have: each is dead-lettered, naming the column.
    keyless = consume(bootstrap, registry, topic, 5, "--sink", "sqlite", "--db", str(tmp_path / "k.db"),
                      "--key-column", "nope", "--dlq-topic", topic + ".nope.dlq")
    assert keyless.returncode == 0, keyless.stderr
    assert "dead-lettered 5 (undecodable 0, unknown schema 0, rejected 5," in keyless.stdout, keyless.stdout


def test_option_errors_exit_2_before_anything_is_sent(bootstrap, registry, tmp_path):
    topic = fresh_topic("ship")
    schema = str(EXAMPLE / "shipment.avsc")
    for args, says in [
        (["--value-schema", schema], "need --input"),
        (["--value-schema", schema, "--use-latest-version", "--input", str(EXAMPLE / "shipments.jsonl")],
         "--use-latest-version needs --auto-register false"),
        (["--value-schema", schema, "--key-field", "nope", "--input", str(EXAMPLE / "shipments.jsonl")],
         "--key-field 'nope'"),
    ]:
        run = produce(bootstrap, registry, topic, *args)
        assert run.returncode == 2, (args, run.stderr)
        assert says in run.stderr, (args, run.stderr)
    bad_reader = tmp_path / "bad.avsc"
    bad_reader.write_text('{"type": "record", "name": "X"}')
    run = consume(bootstrap, registry, topic, 1, "--sink", "print", "--reader-schema", str(bad_reader))
    assert run.returncode == 2 and "--reader-schema" in run.stderr, run.stderr
