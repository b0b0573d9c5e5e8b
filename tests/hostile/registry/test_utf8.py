"""Invalid UTF-8 in a subject or a body never poisons the registry: the request registers (invalid
sequences decoded to U+FFFD, as Confluent decodes them) or is refused with a 4xx, and every listing
still answers 200 with valid JSON afterwards (issue 14, item 10: today 500 forever)."""
import json

import pytest

import hostile

SCHEMA = {"type": "record", "name": "Utf", "fields": [{"name": "n", "type": "long"}]}

LISTINGS = ["/subjects", "/subjects?deleted=true", "/schemas", "/schemas?deleted=true", "/schemas/ids/1/subjects",
            "/schemas/ids/1/versions"]


@pytest.fixture
def seeded(registry):
    """A registry holding one schema (id 1) under "first", so the by-id listings have something to list."""
    r = hostile.request(registry.port, "POST", "/subjects/first/versions", hostile.schema_body(SCHEMA))
    assert r.status == 200 and r.json()["id"] == 1, f"registering a first schema: {r.show()}"
    return registry


def assert_listings_answer(registry, after: str):
    for path in LISTINGS:
        r = hostile.request(registry.port, "GET", path)
        assert r.status == 200, f"after {after}: GET {path} answered {r.show()}"
        try:
            json.loads(r.body.decode("utf-8"))  # strict: a JSON text is UTF-8
        except ValueError as e:
            raise AssertionError(f"after {after}: GET {path} is not valid UTF-8 JSON ({e}): {r.show()}") from None


# Percent-escapes that decode to bytes which are not UTF-8.
SUBJECTS = {
    "lone_ff": "bad%FF",
    "bad_continuation": "bad%C3%28",
    "encoded_surrogate": "bad%ED%A0%80",
    "overlong_slash": "bad%C0%AF",
    "above_u10ffff": "bad%F4%90%80%80",
    "truncated_sequence": "bad%E2%82",
}


@pytest.mark.parametrize("case", sorted(SUBJECTS))
def test_invalid_utf8_subject_registers_as_replacement_or_is_refused(seeded, case):
    registry = seeded
    escaped = SUBJECTS[case]
    r = hostile.request(registry.port, "POST", f"/subjects/{escaped}/versions", hostile.schema_body(SCHEMA))
    assert r.status == 200 or 400 <= r.status < 500, f"registering under {escaped}: expected 200 or 4xx, got {r.show()}"
    if r.status != 200:
        hostile.assert_error_body(r, r.status, f"subject {escaped}")
    assert_listings_answer(registry, f"registering under /subjects/{escaped}")
    subjects = hostile.request(registry.port, "GET", "/subjects").json()
    if r.status == 200:
        odd = [s for s in subjects if s.startswith("bad")]
        assert len(odd) == 1 and "\ufffd" in odd[0], (
            f"{escaped} registered: expected one subject with U+FFFD in the list, got {subjects}")
        if case == "lone_ff":
            assert odd[0] == "bad\ufffd", f"bad%FF should list as 'bad\\ufffd', got {odd[0]!r}"
        back = hostile.request(registry.port, "GET", f"/subjects/{escaped}/versions")
        assert back.status == 200 and back.json() == [1], f"GET /subjects/{escaped}/versions: {back.show()}"
    else:
        assert subjects == ["first"], f"{escaped} was refused but the subjects are {subjects}"
    hostile.assert_serving(registry, f"a subject {escaped}")


def test_raw_non_utf8_byte_in_the_path_does_not_poison_listings(seeded):
    registry = seeded
    data = (b"POST /subjects/raw\xff\xfe/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/vnd.schemaregistry.v1+json\r\n")
    body = json.dumps(hostile.schema_body(SCHEMA)).encode()
    r = hostile.exchange(registry.port, data + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    assert r.status == 200 or 400 <= r.status < 500, f"raw bytes 0xFF 0xFE in the path: expected 200 or 4xx, got {r.show()}"
    assert_listings_answer(registry, "raw non-UTF-8 bytes in the path")
    hostile.assert_serving(registry, "raw non-UTF-8 bytes in the path")


@pytest.mark.parametrize("escaped", ["nul%00inside", "line%0Abreak", "tab%09and%7Fdel"])
def test_control_characters_in_a_subject_keep_listings_valid(seeded, escaped):
    registry = seeded
    r = hostile.request(registry.port, "POST", f"/subjects/{escaped}/versions", hostile.schema_body(SCHEMA))
    assert r.status == 200 or 400 <= r.status < 500, f"subject {escaped}: expected 200 or 4xx, got {r.show()}"
    assert_listings_answer(registry, f"a subject {escaped}")
    hostile.assert_serving(registry, f"a subject {escaped}")


BODIES = {
    # The request body is not UTF-8 (a raw 0xFF inside the schema string).
    "raw_ff_in_body": b'{"schema": "{\\"type\\": \\"record\\", \\"name\\": \\"R\xff\\", \\"fields\\": []}"}',
    # The body is valid; the schema inside it holds an escaped lone surrogate.
    "lone_surrogate_in_schema": json.dumps(
        {"schema": '{"type": "record", "name": "R", "doc": "\\ud800", "fields": []}'}).encode(),
    # The body itself holds a lone surrogate escape.
    "lone_surrogate_in_body": b'{"schema": "\\"string\\"", "schemaType": "AVRO\\udc00"}',
}


@pytest.mark.parametrize("case", sorted(BODIES))
def test_invalid_unicode_in_a_body_is_a_4xx(seeded, case):
    registry = seeded
    r = hostile.request(registry.port, "POST", "/subjects/body/versions", BODIES[case])
    if case == "lone_surrogate_in_schema" and r.status == 200:
        # Jackson (Confluent) reads an unpaired surrogate escape; if it is accepted, it must read back.
        back = hostile.request(registry.port, "GET", f"/schemas/ids/{r.json()['id']}")
        assert back.status == 200, f"{case} registered but does not read back: {back.show()}"
    else:
        assert r.status in (400, 422), f"{case}: expected 400 or 422, got {r.show()}"
        hostile.assert_error_body(r, r.status, case)
    assert_listings_answer(registry, case)
    hostile.assert_serving(registry, case)
