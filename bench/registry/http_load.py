#!/usr/bin/env python3
"""Connection-load figures for kavro's Schema Registry (prints figures, asserts nothing).

1. N concurrent keep-alive clients (default 2000), each holding its own connection: a first GET
   /schemas/ids/1, then, once every client has had its first answer, R-1 more on the same connection:
   how many were answered, and how long clients waited for their first answer.
2. /healthz latency on fresh connections while S slow clients (default 500) each hold a connection
   open, sending one header line a second and never finishing the request (slowloris).

    bench/registry/http_load.py [--kavro build/release/src/cli/kavro | --url http://127.0.0.1:8081]
                                [--clients 2000] [--requests 5] [--slow 500] [--probes 50]
"""
import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SCHEMA = '{"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"Order\\",\\"fields\\":[{\\"name\\":\\"id\\",\\"type\\":\\"int\\"}]}"}'


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def keepalive_client(host, port, requests, start_gate, first_done, all_first, results):
    """One client holding its connection: a first request, then (once every client has had its first
    answer, or after 60 s) the rest on the same connection."""
    t0 = None
    try:
        reader, writer = await asyncio.open_connection(host, port)
        await start_gate.wait()
        t0 = time.perf_counter()
        ok = 0
        first = None
        for i in range(requests):
            writer.write(b"GET /schemas/ids/1 HTTP/1.1\r\nHost: bench\r\n\r\n")
            if await asyncio.wait_for(read_response(reader), timeout=120) == 200:
                ok += 1
            if i == 0:
                first = time.perf_counter() - t0
                first_done()
                try:
                    await asyncio.wait_for(all_first.wait(), timeout=60)
                except asyncio.TimeoutError:
                    pass
        results.append((ok, first, time.perf_counter() - t0))
        writer.close()
    except Exception as e:  # noqa: BLE001 - a failure is a figure here
        results.append((0, None, (time.perf_counter() - t0) if t0 else 0.0, repr(e)))


async def many_keepalive(host, port, clients, requests):
    gate, all_first = asyncio.Event(), asyncio.Event()
    firsts = [0]

    def first_done():
        firsts[0] += 1
        if firsts[0] == clients:
            all_first.set()

    results = []
    tasks = [asyncio.create_task(keepalive_client(host, port, requests, gate, first_done, all_first, results))
             for _ in range(clients)]
    await asyncio.sleep(1.0)  # let the connections open, then start them together
    gate.set()
    t0 = time.perf_counter()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    answered = sum(r[0] for r in results)
    complete = sum(1 for r in results if r[0] == requests)
    first = sorted(r[1] for r in results if r[1] is not None)
    errors = [r[3] for r in results if len(r) > 3]
    p = (lambda q: first[min(len(first) - 1, int(q * len(first)))] * 1000) if first else (lambda q: float("nan"))
    print(f"{clients} keep-alive clients held open x {requests} requests: {answered}/{clients * requests} answered, "
          f"{complete}/{clients} clients complete in {wall:.2f} s; first answer p50 {p(0.5):.0f} ms, "
          f"p99 {p(0.99):.0f} ms, max {p(1.0):.0f} ms" + (f"; {len(errors)} errors (first: {errors[0]})" if errors else ""))


async def slow_client(host, port, stop, opened):
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"GET /subjects HTTP/1.1\r\nHost: bench\r\n")
        opened.append(1)
        i = 0
        while not stop.is_set():
            await asyncio.sleep(1)
            writer.write(f"X-Slow-{i}: x\r\n".encode())
            i += 1
        writer.close()
    except Exception:  # noqa: BLE001
        pass


async def health_under_slowloris(host, port, slow, probes):
    stop = asyncio.Event()
    opened = []
    holders = [asyncio.create_task(slow_client(host, port, stop, opened)) for _ in range(slow)]
    await asyncio.sleep(2.5)  # every slow client connected and trickling
    latencies, failures = [], 0
    for _ in range(probes):
        t0 = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            status = await asyncio.wait_for(read_response(reader), timeout=30)
            writer.close()
            if status == 200:
                latencies.append(time.perf_counter() - t0)
            else:
                failures += 1
        except Exception:  # noqa: BLE001
            failures += 1
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*holders)
    latencies.sort()
    if latencies:
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
        print(f"/healthz with {len(opened)} slow clients held: {len(latencies)}/{probes} answered, "
              f"p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, max {latencies[-1] * 1000:.2f} ms, {failures} failures")
    else:
        print(f"/healthz with {len(opened)} slow clients held: 0/{probes} answered ({failures} failures)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kavro", help="start this kavro binary's registry (in memory) for the run")
    ap.add_argument("--url", default="http://127.0.0.1:8081")
    ap.add_argument("--clients", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=5)
    ap.add_argument("--slow", type=int, default=500)
    ap.add_argument("--probes", type=int, default=50)
    args = ap.parse_args()
    nofile = raise_nofile()
    proc = None
    if args.kavro:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen([args.kavro, "registry", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=log, stderr=log)
        args.url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(args.url + "/healthz", timeout=1)
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.1)
    host, port = args.url.split("//")[1].split(":")
    port = int(port)
    req = urllib.request.Request(args.url + "/subjects/orders-value/versions", data=SCHEMA.encode(),
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    urllib.request.urlopen(req, timeout=10).read()
    print(f"registry {args.url}; client open-file limit {nofile}; {os.cpu_count()} cores")
    try:
        asyncio.run(many_keepalive(host, port, args.clients, args.requests))
        asyncio.run(health_under_slowloris(host, port, args.slow, args.probes))
    finally:
        if proc:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
