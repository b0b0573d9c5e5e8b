"""The CLI's readers of untrusted input: a JSON line nested 100k deep, or with a key twice, is a clear
error naming the line (never a crash, never a silent last-one-wins); a schema of unions nested 100k
deep is a clear error; a stream of Confluent-framed datums decodes datum by datum (issue 14, items 2,
3, 15 and 17)."""
import io
import json
import struct

import fastavro
import pytest

DEPTH = 100_000
RECORD = json.dumps({"type": "record", "name": "R", "fields": [
    {"name": "a", "type": "int"},
    {"name": "price", "type": "float"},
    {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "long"}]}},
]})
GOOD = '{"a": 1, "price": 2.5, "inner": {"x": 3}}'

# The commands that read JSON lines, each as (arguments before --input/-o, needs an output file).
READERS = {
    "encode": ["avro", "encode", "--hex"],
    "encode_plain": ["avro", "encode", "--hex", "--plain"],
    "container_write": ["avro", "container", "write"],
}


def run_reader(kavro, tmp_path, reader: str, lines):
    src = tmp_path / "input.jsonl"
    src.write_text("\n".join(lines) + "\n")
    args = READERS[reader] + ["--schema", RECORD, "--input", str(src), "--output", str(tmp_path / "out")]
    return kavro(*args)


DEEP_LINES = {
    "deep_field_value": '{"a": ' + "[" * DEPTH + "]" * DEPTH + ', "price": 2.5, "inner": {"x": 3}}',
    "deep_document": "[" * DEPTH + "]" * DEPTH,
    "deep_objects": '{"a":' * DEPTH + "1" + "}" * DEPTH,
}


@pytest.mark.parametrize("shape", sorted(DEEP_LINES))
@pytest.mark.parametrize("reader", sorted(READERS))
def test_json_line_nested_100k_deep_is_a_clear_error(kavro, tmp_path, reader, shape):
    r = run_reader(kavro, tmp_path, reader, [GOOD, DEEP_LINES[shape]])
    r.assert_clean_failure("line 2")


DUPLICATES = {
    "top_level": '{"a": 1, "price": 2.5, "price": 9.5, "inner": {"x": 3}}',
    "nested": '{"a": 1, "price": 2.5, "inner": {"x": 3, "x": 4}}',
}


def says_duplicate(err: str) -> bool:
    low = err.lower()
    return any(w in low for w in ("duplicate", "more than once", "twice", "repeated"))


@pytest.mark.parametrize("where", sorted(DUPLICATES))
@pytest.mark.parametrize("reader", sorted(READERS))
def test_json_line_with_a_duplicate_key_is_a_clear_error(kavro, tmp_path, reader, where):
    r = run_reader(kavro, tmp_path, reader, [GOOD, DUPLICATES[where]])
    key = "price" if where == "top_level" else "x"
    r.assert_clean_failure("line 2", key)
    assert says_duplicate(r.stderr.decode(errors="replace")), f"the error does not say the key is duplicated: {r.show()}"


def test_schema_with_unions_nested_100k_deep_is_a_clear_error(kavro, tmp_path):
    f = tmp_path / "deep.avsc"
    f.write_text("[" * DEPTH + '"null"' + "]" * DEPTH)
    r = kavro("avro", "canonical", "--schema", str(f))
    r.assert_clean_failure()


def test_record_field_with_unions_nested_100k_deep_is_a_clear_error(kavro, tmp_path):
    f = tmp_path / "deep.avsc"
    f.write_text('{"type": "record", "name": "R", "fields": [{"name": "f", "type": '
                 + "[" * DEPTH + '"int"' + "]" * DEPTH + "}]}")
    r = kavro("avro", "encode", "--schema", str(f), "--input", "-", stdin=b'{"f": 1}\n')
    r.assert_clean_failure()


FRAMED_SCHEMA = {"type": "record", "name": "F", "fields": [{"name": "n", "type": "long"}, {"name": "s", "type": "string"}]}
DATUMS = [{"n": 1, "s": "first"}, {"n": -70000, "s": "second, longer than the first"}]


def framed(schema_id: int, datum) -> bytes:
    """Confluent's wire format, written by fastavro (not by kavro): magic 0, big-endian id, the datum."""
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(FRAMED_SCHEMA), datum)
    return b"\x00" + struct.pack(">I", schema_id) + buf.getvalue()


def test_decode_confluent_reads_every_framed_datum_of_a_stream(kavro):
    data = framed(7, DATUMS[0]) + framed(7, DATUMS[1])
    r = kavro("avro", "decode", "--confluent", "--plain", "--schema", json.dumps(FRAMED_SCHEMA), stdin=data)
    lines = r.stdout.decode().splitlines()
    assert r.rc == 0 and [json.loads(x) for x in lines] == DATUMS, (
        f"two framed datums back to back should decode as {DATUMS}: {r.show()}")


def test_decode_confluent_hex_lines_read_every_framed_datum(kavro):
    data = b"".join(framed(7, d).hex().encode() + b"\n" for d in DATUMS)
    r = kavro("avro", "decode", "--confluent", "--hex", "--plain", "--schema", json.dumps(FRAMED_SCHEMA), stdin=data)
    lines = r.stdout.decode().splitlines()
    assert r.rc == 0 and [json.loads(x) for x in lines] == DATUMS, f"two framed hex lines: {r.show()}"


def test_decode_confluent_refuses_a_datum_without_the_magic_byte(kavro):
    """The second datum's header is not Confluent's (magic byte 1): an error naming that datum, not
    garbage with exit 0."""
    second = bytearray(framed(7, DATUMS[1]))
    second[0] = 1
    r = kavro("avro", "decode", "--confluent", "--plain", "--schema", json.dumps(FRAMED_SCHEMA),
              stdin=framed(7, DATUMS[0]) + bytes(second))
    r.assert_clean_failure("datum 2")
