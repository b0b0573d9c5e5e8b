"""Shared by the hostile tier: `kavro registry serve` as a subprocess on 127.0.0.1, a raw-socket HTTP
client that shows exactly what came back on the wire, and the "keeps serving, memory bounded" checks."""
import json
import os
import re
import resource
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

# ASan keeps freed blocks in a quarantine of up to 256 MB by default, which would show in VmRSS as growth
# the server never asked for; a small one makes RSS measure what the server holds.
ASAN_QUARANTINE = "quarantine_size_mb=16"
V1_JSON = "application/vnd.schemaregistry.v1+json"


def kavro_bin() -> str:
    b = os.environ.get("KAVRO_BIN")
    assert b and os.access(b, os.X_OK), "KAVRO_BIN must name the built kavro binary (run through ctest)"
    return b


def sanitizer_env() -> dict:
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(x for x in (env.get("ASAN_OPTIONS", ""), ASAN_QUARANTINE) if x)
    return env


def raise_fd_limit(want: int = 20000) -> int:
    """The test process and the servers it starts (which inherit it) need a descriptor per connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else want
    target = min(max(soft, want), target)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError(f"no VmRSS for pid {pid}")


def crashed(rc: Optional[int]) -> bool:
    """A signal death, or an abort as the shell reports it (134 SIGABRT, 139 SIGSEGV)."""
    return rc is not None and (rc < 0 or rc in (134, 136, 139))


def sanitizer_report(text: str) -> Optional[str]:
    """The first line of an AddressSanitizer/UBSan report: ASan ends a process with exit code 1 on a
    stack overflow, so a crash in the debug build does not always show as a signal."""
    for line in text.splitlines():
        if "AddressSanitizer" in line or "LeakSanitizer" in line or "runtime error:" in line:
            return line.strip()
    return None


class Registry:
    """`kavro registry serve --host 127.0.0.1 --port 0` in memory mode; the port is read from its
    "listening on http://host:port" line."""

    def __init__(self, log: Path, extra_args=(), port: int = 0):
        self.log = log
        self.args = [kavro_bin(), "registry", "serve", "--host", "127.0.0.1", "--port", str(port), *extra_args]
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=sanitizer_env())
        self.pid = self.proc.pid
        deadline = time.monotonic() + 60
        while True:
            m = re.search(r"listening on http://[^\s:]+:(\d+)", self.log_text())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"kavro registry did not start ({' '.join(self.args)}):\n{self.log_text()}")
            time.sleep(0.05)

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def serve_help() -> str:
    r = subprocess.run([kavro_bin(), "registry", "serve", "--help"], capture_output=True, text=True, timeout=30,
                       env=sanitizer_env())
    return r.stdout + r.stderr


def find_flag(help_text: str, *words: str) -> Optional[str]:
    """The first --flag in `registry serve --help` whose name holds every word (the flags for limits
    and time-outs come with the new transport; a test that needs one looks it up)."""
    for flag in re.findall(r"(--[a-z0-9][a-z0-9-]*)", help_text):
        if all(w in flag for w in words):
            return flag
    return None


# ---- raw HTTP over a socket -------------------------------------------------------------------------

@dataclass
class Reply:
    """What came back on one connection: the first response (if any), whether the server then closed
    the connection, and anything more it sent (a second response would mean it kept reading)."""
    status: Optional[int] = None
    reason: str = ""
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    closed: bool = False      # EOF (or reset) seen after the response, or with no response at all
    reset: bool = False       # the connection was reset
    timed_out: bool = False   # nothing complete arrived before the deadline
    extra: bytes = b""        # bytes after the first response
    raw: bytes = b""

    def json(self):
        return json.loads(self.body)

    def show(self) -> str:
        what = f"status {self.status} {self.reason}" if self.status else "no response"
        flags = [n for n in ("closed", "reset", "timed_out") if getattr(self, n)]
        raw = self.raw[:600]
        more = f" (+{len(self.raw) - 600} bytes)" if len(self.raw) > 600 else ""
        extra = f"; then {len(self.extra)} more bytes: {self.extra[:200]!r}" if self.extra else ""
        return f"{what} [{', '.join(flags)}]: {raw!r}{more}{extra}"


def _parse_response(buf: bytes):
    """(Reply, bytes used) for the first complete response in buf, or None if it is not complete."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end].decode("latin-1").split("\r\n")
    parts = head[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise AssertionError(f"not an HTTP response: {buf[:200]!r}")
    r = Reply(status=int(parts[1]), reason=parts[2] if len(parts) > 2 else "")
    for line in head[1:]:
        name, _, value = line.partition(":")
        r.headers[name.strip().lower()] = value.strip()
    pos = end + 4
    if r.headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            nl = buf.find(b"\r\n", pos)
            if nl < 0:
                return None
            size = int(buf[pos:nl].split(b";")[0], 16)
            if len(buf) < nl + 2 + size + 2:
                return None
            body += buf[nl + 2:nl + 2 + size]
            pos = nl + 2 + size + 2
            if size == 0:
                break
        r.body = body
        return r, pos
    n = int(r.headers.get("content-length", "0"))
    if len(buf) < pos + n:
        return None
    r.body = buf[pos:pos + n]
    return r, pos + n


def read_reply(sock: socket.socket, timeout: float, close_wait: float = 0.0, buf: bytes = b"") -> Reply:
    """Reads the first response; then, if close_wait, waits that long more to see whether the server
    closes the connection (a refused request must not leave a connection that reads on)."""
    deadline = time.monotonic() + timeout
    parsed = _parse_response(buf) if buf else None
    eof = reset = False
    while parsed is None:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            reset = True
            break
        if not chunk:
            eof = True
            break
        buf += chunk
        parsed = _parse_response(buf)
    if parsed is None:
        return Reply(closed=eof or reset, reset=reset, timed_out=not (eof or reset), raw=buf)
    r, used = parsed
    r.raw = buf
    r.extra = buf[used:]
    if close_wait > 0:
        deadline = time.monotonic() + close_wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                r.closed = r.reset = True
                break
            if not chunk:
                r.closed = True
                break
            r.extra += chunk
            r.raw += chunk
    return r


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def exchange(port: int, data: bytes, timeout: float = 5.0, close_wait: float = 0.0) -> Reply:
    """Sends data as it is on a new connection and reads what comes back (a refused connection is a
    Reply without a status, so a dead server fails the caller's assertion with its message)."""
    try:
        s = connect(port, timeout)
    except OSError as e:
        return Reply(closed=True, reset=isinstance(e, ConnectionResetError), raw=f"<cannot connect: {e}>".encode())
    with s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse before it has read everything: its answer may still be there
        return read_reply(s, timeout, close_wait)


def request_bytes(method: str, path: str, body: Optional[bytes] = None, headers: Optional[dict] = None,
                  close: bool = True) -> bytes:
    h = {"Host": "127.0.0.1"}
    if body is not None:
        h["Content-Type"] = V1_JSON
        h["Content-Length"] = str(len(body))
    if close:
        h["Connection"] = "close"
    h.update(headers or {})
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
    return head.encode("latin-1") + (body or b"")


def request(port: int, method: str, path: str, body=None, timeout: float = 5.0, headers=None) -> Reply:
    """One well-formed request on its own connection; a dict or list body is sent as JSON."""
    if body is not None and not isinstance(body, (bytes, bytearray)):
        body = json.dumps(body).encode()
    return exchange(port, request_bytes(method, path, body, headers), timeout)


def schema_body(schema) -> dict:
    return {"schema": schema if isinstance(schema, str) else json.dumps(schema)}


def assert_alive(reg: Registry, after: str, reply: Optional[Reply] = None):
    """The registry is running; after a request that got no answer, a dying process is given a moment
    to finish dying (ASan writes its report first), so the failure says it crashed."""
    if reply is not None and reply.status is None:
        try:
            reg.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            pass
    if reg.alive():
        return
    rc = reg.proc.returncode
    how = f"signal {-rc}" if rc < 0 else f"exit {rc}"
    report = sanitizer_report(reg.log_text())
    raise AssertionError(f"after {after}: the registry died ({how}{'; ' + report if report else ''}); "
                         f"log tail:\n{reg.log_tail()}")


def assert_serving(reg: Registry, after: str):
    """The invariant every hostile case ends with: the process is alive, answers /healthz, and a schema
    registration works (on fresh connections, within a hang-detector time-out)."""
    assert_alive(reg, after)
    h = request(reg.port, "GET", "/healthz")
    assert h.status == 200, f"after {after}: GET /healthz answered {h.show()}; log tail:\n{reg.log_tail()}"
    subject = "alive-" + uuid.uuid4().hex[:8]
    r = request(reg.port, "POST", f"/subjects/{subject}/versions",
                schema_body({"type": "record", "name": "Alive", "fields": [{"name": "n", "type": "long"}]}))
    assert r.status == 200 and "id" in r.json(), (
        f"after {after}: registering a schema under {subject} answered {r.show()}; log tail:\n{reg.log_tail()}")


def assert_error_body(r: Reply, status: int, what: str):
    """Confluent's error body: {"error_code": <code>, "message": ...}, code starting with the status."""
    try:
        body = r.json()
    except ValueError:
        raise AssertionError(f"{what}: the {r.status} body is not JSON: {r.show()}") from None
    assert isinstance(body, dict) and isinstance(body.get("message"), str), f"{what}: error body {r.show()}"
    code = body.get("error_code")
    assert isinstance(code, int) and str(code).startswith(str(status)), (
        f"{what}: error_code {code!r} does not carry the status {status}: {r.show()}")


class Sender(threading.Thread):
    """Sends a long body in pieces on a socket while the caller reads the answer, counting what the
    server accepted before it answered or closed; stops at `limit` bytes or on any send error."""

    def __init__(self, sock: socket.socket, head: bytes, piece: bytes, limit: int, chunked: bool):
        super().__init__(daemon=True)
        self.sock, self.head, self.piece, self.limit, self.chunked = sock, head, piece, limit, chunked
        self.sent_body = 0
        self.sent_at_reply = 0  # set by the reader when the answer came
        self.error: Optional[BaseException] = None
        self.finished = False
        self.stop_flag = threading.Event()

    def run(self):
        try:
            self.sock.sendall(self.head)
            frame = (f"{len(self.piece):x}\r\n".encode() + self.piece + b"\r\n") if self.chunked else self.piece
            while self.sent_body < self.limit and not self.stop_flag.is_set():
                if self.chunked:
                    self.sock.sendall(frame)
                    self.sent_body += len(self.piece)
                else:
                    n = min(len(self.piece), self.limit - self.sent_body)
                    self.sock.sendall(self.piece[:n])
                    self.sent_body += n
            if self.chunked and not self.stop_flag.is_set():
                self.sock.sendall(b"0\r\n\r\n")
            self.finished = not self.stop_flag.is_set()
        except OSError as e:  # broken pipe, reset, or the send time-out: the server stopped reading
            self.error = e
