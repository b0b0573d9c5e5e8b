"""RFC 9112 framing: a request whose length or headers can be read two ways is refused with 400 (501 for a
transfer coding the server does not implement), with Confluent's JSON error body, and the connection
is closed after the answer, because the server can no longer know where the next request starts.
Behind a proxy that reads such a request the other way, answering it is request smuggling."""
import pytest

import hostile

SCHEMA = b'{"schema": "\\"string\\""}'  # a valid registration: a lax server answers 200


def post(head_lines, body: bytes) -> bytes:
    """POST /subjects/framing/versions with exactly these header lines (no Connection: close, so a
    close is the server's own decision)."""
    head = b"POST /subjects/framing/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"Content-Type: application/vnd.schemaregistry.v1+json\r\n"
    return head + b"".join(line + b"\r\n" for line in head_lines) + b"\r\n" + body


def get(head_lines) -> bytes:
    return (b"GET /subjects HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(line + b"\r\n" for line in head_lines)
            + b"\r\n")


def chunked(body: bytes) -> bytes:
    return f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"


CL = f"Content-Length: {len(SCHEMA)}".encode()

CASES = {
    # Length: exactly one way to find the end of the body.
    "two_different_content_lengths": (post([CL, f"Content-Length: {len(SCHEMA) + 7}".encode()], SCHEMA + b"0123456"), 400),
    "content_length_and_chunked": (post([f"Content-Length: {len(chunked(SCHEMA))}".encode(),
                                         b"Transfer-Encoding: chunked"], chunked(SCHEMA)), 400),
    "transfer_encoding_identity": (post([b"Transfer-Encoding: identity"], SCHEMA), 400),
    "transfer_encoding_gzip": (post([b"Transfer-Encoding: gzip"], SCHEMA), 400),
    "transfer_encoding_gzip_then_chunked": (post([b"Transfer-Encoding: gzip, chunked"], chunked(SCHEMA)), 501),
    "invalid_chunk_size": (post([b"Transfer-Encoding: chunked"], b"zz\r\n" + SCHEMA + b"\r\n0\r\n\r\n"), 400),
    "negative_content_length": (post([b"Content-Length: -1"], SCHEMA), 400),
    "non_numeric_content_length": (post([b"Content-Length: 2e1"], SCHEMA), 400),
    # Header lines: a field line is `name: value`, nothing else.
    "header_line_without_colon": (get([b"X-No-Colon-Here"]), 400),
    "whitespace_before_colon": (get([b"X-Spaced : value"]), 400),
    "nul_in_header_value": (get([b"X-Nul: a\x00b"]), 400),
    "bare_cr_in_header_value": (get([b"X-Cr: a\rb"]), 400),
    "obs_fold_continuation_line": (get([b"X-Folded: first", b"  continued"]), 400),
    # The request line.
    "garbage_request_line": (b"this is not an http request\r\n\r\n", 400),
    "binary_request_line": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_ambiguous_framing_is_refused_and_the_connection_closed(registry, case):
    data, want = CASES[case]
    r = hostile.exchange(registry.port, data, timeout=5, close_wait=3)
    assert r.status == want, f"{case}: expected {want}, got {r.show()}"
    hostile.assert_error_body(r, want, case)
    assert r.closed and not r.extra, f"{case}: the connection must be closed after the {want}: {r.show()}"
    hostile.assert_serving(registry, case)


def test_smuggled_request_after_content_length_and_chunked_is_not_answered(registry):
    """CL + chunked where the chunked reading ends early: the rest would be a second request (GET
    /subjects/smuggled/versions) to a server that reads chunked. It must not be answered."""
    smuggled = b"GET /subjects/smuggled/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    body = chunked(SCHEMA) + smuggled
    data = post([f"Content-Length: {len(body)}".encode(), b"Transfer-Encoding: chunked"], body)
    r = hostile.exchange(registry.port, data, timeout=5, close_wait=3)
    assert r.status == 400, f"CL + chunked with a smuggled request: expected 400, got {r.show()}"
    assert b"HTTP/1." not in r.extra, f"the smuggled request was answered: {r.show()}"
    assert r.closed, f"the connection must be closed after the 400: {r.show()}"
    hostile.assert_serving(registry, "a smuggled request")


def test_error_answers_on_a_kept_alive_connection_leave_it_usable(registry):
    """The control: an ordinary 4xx (a 404 from the handlers, not a framing error) keeps the
    connection, and the next request on it is answered."""
    with hostile.connect(registry.port) as s:
        s.sendall(hostile.request_bytes("GET", "/subjects/none/versions", close=False))
        first = hostile.read_reply(s, 5)
        assert first.status == 404, f"GET of a missing subject: {first.show()}"
        hostile.assert_error_body(first, 404, "missing subject")
        s.sendall(hostile.request_bytes("GET", "/healthz", close=False))
        second = hostile.read_reply(s, 5)
        assert second.status == 200, f"a second request on the kept-alive connection: {second.show()}"
