"""Size limits that hold for every framing: request line over 8 KiB → 414, header section over 16 KiB →
431, body over 8 MiB → 413 whether its length is announced (Content-Length) or not (chunked). A body far
over the limit is refused early: the server answers or closes before the client has sent it all, and its
memory does not grow by the body."""
import socket
import time

import hostile

MiB = 1024 * 1024
BODY_LIMIT = 8 * MiB  # the default of `registry serve` (--max-body-bytes)


def test_request_line_over_8k_is_414(registry):
    data = b"GET /subjects/" + b"a" * (9 * 1024) + b"/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    r = hostile.exchange(registry.port, data)
    assert r.status == 414, f"a 9 KiB request line: expected 414, got {r.show()}"
    hostile.assert_error_body(r, 414, "request line over 8 KiB")
    hostile.assert_serving(registry, "a 9 KiB request line")


def test_many_headers_over_16k_are_431(registry):
    pad = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 1000) for i in range(20))
    data = b"GET /subjects HTTP/1.1\r\nHost: 127.0.0.1\r\n" + pad + b"\r\n"
    r = hostile.exchange(registry.port, data)
    assert r.status == 431, f"20 headers of 1 KB: expected 431, got {r.show()}"
    hostile.assert_error_body(r, 431, "header section over 16 KiB")
    hostile.assert_serving(registry, "a 20 KB header section")


def test_one_header_line_over_16k_is_431(registry):
    data = b"GET /subjects HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + b"a" * (20 * 1024) + b"\r\n\r\n"
    r = hostile.exchange(registry.port, data)
    assert r.status == 431, f"one 20 KiB header line: expected 431, got {r.show()}"
    hostile.assert_error_body(r, 431, "header line over 16 KiB")
    hostile.assert_serving(registry, "a 20 KiB header line")


def body_head(framing: str, length: int = 0) -> bytes:
    head = (b"POST /subjects/big/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/vnd.schemaregistry.v1+json\r\n")
    if framing == "chunked":
        return head + b"Transfer-Encoding: chunked\r\n\r\n"
    return head + f"Content-Length: {length}\r\n\r\n".encode()


def send_while_reading(port: int, framing: str, total: int, piece_size: int, timeout: float):
    """Streams a body of `total` bytes (a JSON string that never ends, so no parser could accept it)
    while reading the answer; returns the reply and the sender (what it managed to send)."""
    piece = b'{"schema": "' + b"x" * (piece_size - 12) if framing == "content-length" else b"x" * piece_size
    sock = hostile.connect(port, timeout)
    out = sock.dup()  # its own time-out, so reading does not shorten the sends
    out.settimeout(30)
    sender = hostile.Sender(out, body_head(framing, total), piece, total, chunked=framing == "chunked")
    sender.start()
    try:
        reply = hostile.read_reply(sock, timeout)
        sender.sent_at_reply = sender.sent_body
    finally:
        sender.stop_flag.set()
        for s in (sock, out):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        sender.join(60)
        out.close()
        sock.close()
    return reply, sender


def test_content_length_body_over_limit_is_413(registry):
    r, _ = send_while_reading(registry.port, "content-length", BODY_LIMIT + 1, 64 * 1024, timeout=30)
    assert r.status == 413, f"a Content-Length body of 8 MiB + 1: expected 413, got {r.show()}"
    hostile.assert_error_body(r, 413, "Content-Length body over the limit")
    hostile.assert_serving(registry, "a Content-Length body over the limit")


def test_chunked_body_over_limit_is_413(registry):
    r, _ = send_while_reading(registry.port, "chunked", 9 * MiB, 64 * 1024, timeout=30)
    assert r.status == 413, f"a chunked body of 9 MiB: expected 413, got {r.show()}"
    hostile.assert_error_body(r, 413, "chunked body over the limit")
    hostile.assert_serving(registry, "a chunked body over the limit")


def peak_growth_mb(registry, before_rss: float) -> float:
    with open(f"/proc/{registry.pid}/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return hwm / 1024.0 - before_rss


def check_refused_early(registry, framing: str, total: int):
    before = registry.rss_mb()
    started = time.monotonic()
    r, sender = send_while_reading(registry.port, framing, total, MiB, timeout=120)
    seconds = time.monotonic() - started
    growth = peak_growth_mb(registry, before)
    print(f"\n{framing} body of {total // MiB} MiB: answer {r.status} after {sender.sent_at_reply // MiB} MiB, "
          f"{sender.sent_body // MiB} MiB sent in all in {seconds:.1f} s, peak RSS growth {growth:.0f} MB")
    assert r.status == 413 or (r.status is None and r.closed), (
        f"a {framing} body of {total // MiB} MiB: expected 413 or a close, got {r.show()}")
    # Answered (or closed) while the client was still sending: the server did not wait for the body.
    # (What it does with the rest, drain or close, is its choice; memory shows it was not kept.)
    assert sender.sent_at_reply < total and not (r.status is None and sender.finished), (
        f"a {framing} body of {total // MiB} MiB was read to its end ({sender.sent_at_reply} bytes sent "
        f"before the answer): the server must refuse it once it passes {BODY_LIMIT} bytes")
    # The body never reaches memory: a server that buffered it would grow by at least its size.
    assert growth < 100, f"peak RSS grew by {growth:.0f} MB for a refused {total // MiB} MiB {framing} body"
    hostile.assert_serving(registry, f"a {total // MiB} MiB {framing} body")


def test_200mb_chunked_body_is_refused_early_with_bounded_memory(registry):
    check_refused_early(registry, "chunked", 200 * MiB)


def test_1gb_content_length_body_is_refused_early_with_bounded_memory(registry):
    check_refused_early(registry, "content-length", 1024 * MiB)
