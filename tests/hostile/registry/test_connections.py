"""Slow and many clients cannot starve the registry: health and reads are answered while 500 slowloris
connections are held, 2,000 concurrent keep-alive clients each get answers, an idle connection is
eventually closed, and a second registry on a port in use refuses to start.
Time-outs here are hang detectors (generous, for the ASan build on a busy machine), not performance
assertions."""
import asyncio
import re
import socket
import subprocess
import time

import pytest

import hostile

PROBE_TIMEOUT = 5.0  # a probe request waiting longer than this is treated as not answered


async def open_many(port: int, n: int, parallel: int = 100, timeout: float = 15.0):
    """n connections, opened at most `parallel` at a time; returns the (reader, writer) pairs and the
    number that could not be opened."""
    sem = asyncio.Semaphore(parallel)

    async def one():
        async with sem:
            try:
                return await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
            except (OSError, asyncio.TimeoutError):
                return None

    conns = await asyncio.gather(*(one() for _ in range(n)))
    opened = [c for c in conns if c is not None]
    return opened, n - len(opened)


async def read_response(reader: asyncio.StreamReader):
    """Status and body of one response (Content-Length framed, as the registry answers)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


async def probe(port: int, path: str):
    """One request on a fresh connection: (status, body, seconds), or (None, reason, seconds)."""
    started = time.monotonic()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), PROBE_TIMEOUT)
        writer.write(hostile.request_bytes("GET", path))
        status, body = await asyncio.wait_for(read_response(reader), PROBE_TIMEOUT)
        return status, body, time.monotonic() - started
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
        return None, repr(e), time.monotonic() - started
    finally:
        if writer is not None:
            writer.close()


def close_all(conns):
    for _, w in conns:
        w.close()


def test_health_and_reads_answered_while_500_slowloris_connections_are_held(registry):
    async def run():
        conns, failed = await open_many(registry.port, 500)
        stop = asyncio.Event()

        async def drip(writer):
            # A request whose header section never ends: one more header line every ~2 s.
            try:
                writer.write(b"GET /subjects HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                i = 0
                while not stop.is_set():
                    try:
                        await asyncio.wait_for(stop.wait(), 2.0)
                    except asyncio.TimeoutError:
                        pass
                    writer.write(b"X-Slow-%d: still coming\r\n" % i)
                    await writer.drain()
                    i += 1
            except OSError:
                pass  # the server may close slow clients once their header time-out passes

        drips = [asyncio.create_task(drip(w)) for _, w in conns]
        await asyncio.sleep(1.0)
        results = []
        for _ in range(4):  # ~10 s of probes while the slow clients hold their connections
            for path in ("/healthz", "/subjects"):
                results.append((path, *(await probe(registry.port, path))))
            await asyncio.sleep(2.0)
        held_rss = registry.rss_mb()
        stop.set()
        await asyncio.wait_for(asyncio.gather(*drips, return_exceptions=True), 30)
        close_all(conns)
        return len(conns), failed, results, held_rss

    before = registry.rss_mb()
    held, failed, results, held_rss = asyncio.run(run())
    print(f"\nslowloris: {held} connections held, {failed} not opened, RSS {before:.0f} -> {held_rss:.0f} MB; "
          "probe seconds " + ", ".join(f"{p} {s:.2f}" for p, _, _, s in results))
    bad = [(p, st, b) for p, st, b, _ in results if st != 200]
    assert not bad, (f"with {held} slowloris connections held, probes were not answered 200 within "
                     f"{PROBE_TIMEOUT} s: {bad}")
    assert held_rss - before < 256, f"RSS grew {held_rss - before:.0f} MB for {held} slow connections"
    hostile.assert_serving(registry, "500 slowloris connections")


def test_2000_concurrent_keep_alive_clients_all_answered(registry):
    n = 2000

    async def run():
        conns, failed = await open_many(registry.port, n)

        async def ask(reader, writer, path):
            try:
                writer.write(hostile.request_bytes("GET", path, close=False))
                await writer.drain()
                status, _ = await asyncio.wait_for(read_response(reader), 15.0)
                return status
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
                return repr(e)

        # Every client asks at once, then asks again on the same connection (kept alive throughout).
        first = await asyncio.gather(*(ask(r, w, "/healthz") for r, w in conns))
        second = await asyncio.gather(*(ask(r, w, "/subjects") for r, w in conns))
        held_rss = registry.rss_mb()
        close_all(conns)
        return len(conns), failed, first, second, held_rss

    before = registry.rss_mb()
    started = time.monotonic()
    opened, failed, first, second, held_rss = asyncio.run(run())
    seconds = time.monotonic() - started
    print(f"\n{opened} keep-alive clients: two rounds in {seconds:.1f} s, RSS {before:.0f} -> {held_rss:.0f} MB")
    assert failed == 0, f"{failed} of {n} connections could not be opened"
    for name, answers in (("first request (/healthz)", first), ("second request (/subjects)", second)):
        not_ok = [a for a in answers if a != 200]
        assert not not_ok, (f"{len(not_ok)} of {n} concurrent keep-alive clients got no 200 to their {name}; "
                            f"e.g. {not_ok[:3]}")
    assert held_rss - before < 256, f"RSS grew {held_rss - before:.0f} MB for {opened} keep-alive connections"
    hostile.assert_serving(registry, f"{n} concurrent keep-alive clients")


def test_200_pipelined_requests_answered_in_order(registry):
    n = 200
    data = b"".join(hostile.request_bytes("GET", "/healthz" if i % 2 else "/subjects", close=False)
                    for i in range(n))
    with hostile.connect(registry.port, 10) as s:
        s.sendall(data)
        buf = b""
        answers = []
        for _ in range(n):
            r = hostile.read_reply(s, 10, buf=buf)
            assert r.status is not None, f"pipelined response {len(answers) + 1} of {n} missing: {r.show()}"
            answers.append(r.status)
            buf = r.extra
    assert answers == [200] * n, f"pipelined answers: {answers}"
    hostile.assert_serving(registry, f"{n} pipelined requests")


def idle_flag(help_text: str):
    """(flag, value) that shortens the idle time-out to about 2 s, if `registry serve` has one."""
    flag = hostile.find_flag(help_text, "idle")
    if flag is None:
        return None
    return flag, "2000" if flag.endswith("-ms") else "2"


def test_idle_connection_is_eventually_closed(start_registry):
    shortened = idle_flag(hostile.serve_help())
    registry = start_registry(*shortened) if shortened else start_registry()
    # Without a flag, the default idle time-out (30 s) is waited out.
    limit = 15.0 if shortened else 45.0
    with hostile.connect(registry.port) as idle, hostile.connect(registry.port) as after_request:
        after_request.sendall(hostile.request_bytes("GET", "/healthz", close=False))
        first = hostile.read_reply(after_request, 5)
        assert first.status == 200, f"GET /healthz: {first.show()}"
        started = time.monotonic()
        for name, s in (("an idle connection", idle), ("a kept-alive idle connection", after_request)):
            s.settimeout(max(0.1, limit - (time.monotonic() - started)))
            try:
                got = s.recv(1024)
            except socket.timeout:
                pytest.fail(f"{name} was still open after {limit:.0f} s"
                            f"{' with ' + ' '.join(shortened) if shortened else ''}")
            except ConnectionResetError:
                got = b""
            assert got in (b"",) or got.startswith(b"HTTP/1.1 408"), f"{name}: the server sent {got!r}"
        print(f"\nidle connections closed after {time.monotonic() - started:.1f} s "
              f"({' '.join(shortened) if shortened else 'default idle time-out'})")
    hostile.assert_serving(registry, "idle connections")


def wait_exit(proc: subprocess.Popen, timeout: float):
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)
        return None


def second_serve(port: int):
    proc = subprocess.Popen([hostile.kavro_bin(), "registry", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=hostile.sanitizer_env())
    rc = wait_exit(proc, 15)
    return rc, proc.stdout.read().decode(errors="replace")


def test_second_registry_on_a_port_in_use_refuses_to_start(registry):
    rc, out = second_serve(registry.port)
    assert rc is not None, f"a second registry on port {registry.port} (in use) started and served:\n{out}"
    assert rc != 0, f"a second registry on a port in use exited 0:\n{out}"
    assert "address already in use" in out.lower(), f"its message does not say 'address already in use':\n{out}"
    hostile.assert_serving(registry, "a second registry on its port")


def test_registry_on_a_port_held_by_another_program_refuses_to_start():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        rc, out = second_serve(holder.getsockname()[1])
    assert rc is not None and rc != 0, f"a registry on a port another program listens on: exit {rc}\n{out}"
    assert "address already in use" in out.lower(), f"its message does not say 'address already in use':\n{out}"
    assert re.search(r"127\.0\.0\.1:\d+", out), f"the message does not name the address:\n{out}"
