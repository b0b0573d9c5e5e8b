"""kavro's pipeline commands against a broker with SASL_PLAINTEXT (PLAIN) and SSL listeners (issue 10, "Done
when"): 100 orders produced and consumed into SQLite through the fixture's Confluent-named properties files,
a dead letter written through the same settings, a wrong password that ends produce with a non-zero exit
naming the authentication failure, and no secret in the output or on the command line.

The client settings go in with `-F file` where the command has it, else as `-X key=value` lines read from the
file. A case that fails only because a command does not pass the settings to every client yet is marked
xfail with that cause (checked in its stderr), so it turns green, not silently skipped, once the CLI does."""
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hostile" / "support"))
import hostile  # noqa: E402

N = 100
HANG = 240  # bound on any one command so a hang fails the test instead of the ctest time-out
ADMIN_GAP = ("topic creation (kafka::ensure_topics) builds its admin client from --bootstrap alone: no -X, "
             "so it cannot reach a secured listener")


@pytest.fixture(scope="session")
def secure() -> Path:
    d = os.environ.get("KAVRO_TEST_KAFKA_SECURE_DIR")
    if not d:
        pytest.skip("KAVRO_TEST_KAFKA_SECURE_DIR is not set: run through ctest (fixture kafka_secure)")
    return Path(d)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    r = hostile.Registry(tmp_path_factory.mktemp("registry") / "registry.log")
    yield f"http://127.0.0.1:{r.port}"
    r.stop()


def read_props(path: Path) -> dict:
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            out[k.strip()] = v.strip()
    return out


def has_flag(command: str, flag: str) -> bool:
    r = subprocess.run([hostile.kavro_bin(), *command.split(), "--help"], capture_output=True, text=True,
                       timeout=60, env=hostile.sanitizer_env())
    return any(line.lstrip().startswith(flag + ",") or line.lstrip().startswith(flag + " ")
               for line in (r.stdout + r.stderr).splitlines())


def client_args(command: str, props_file: Path) -> list:
    if has_flag(command, "-F"):
        return ["-F", str(props_file)]
    args = []
    for k, v in read_props(props_file).items():
        args += ["-X", f"{k}={v}"]
    return args


class Run:
    def __init__(self, args, proc, seconds):
        self.args, self.rc, self.seconds = args, proc.returncode, seconds
        self.stdout = proc.stdout.decode(errors="replace")
        self.stderr = proc.stderr.decode(errors="replace")

    def show(self, secret: str = "") -> str:
        def cut(t):
            t = t.replace(secret, "<password>") if secret else t
            return t if len(t) <= 2000 else t[:1000] + f"\n[... {len(t) - 2000} characters ...]\n" + t[-1000:]
        args = " ".join(self.args)
        args = args.replace(secret, "<password>") if secret else args
        return (f"`kavro {args}` exit {self.rc} after {self.seconds:.1f} s\nstdout: {cut(self.stdout)}\n"
                f"stderr: {cut(self.stderr)}")


def kavro(*args) -> Run:
    t0 = time.monotonic()
    proc = subprocess.run([hostile.kavro_bin(), *args], capture_output=True, timeout=HANG, env=hostile.sanitizer_env())
    return Run(list(args), proc, time.monotonic() - t0)


def kcat(props_file: Path, *args, data: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(["kcat", "-F", str(props_file), *args], input=data, capture_output=True, timeout=120)


def xfail_if_admin_gap(r: Run, what: str, secret: str = ""):
    """A failure in topic creation is the known gap; any other failure is a real one."""
    if r.rc != 0 and "topics: " in r.stderr and ("Timed out" in r.stderr or "timed out" in r.stderr):
        pytest.xfail(f"{what}: {ADMIN_GAP} ({r.seconds:.0f} s, last line: {r.stderr.strip().splitlines()[-1]})")


def produce(registry, props: Path, topic: str, bootstrap: str) -> Run:
    return kavro("produce", "--bootstrap", bootstrap, "--registry", registry, "--topic", topic, "--count", str(N),
                 "--partitions", "1", *client_args("produce", props))


def consume(registry, props: Path, topic: str, bootstrap: str, db: Path, messages: int) -> Run:
    return kavro("consume", "--bootstrap", bootstrap, "--registry", registry, "--topic", topic,
                 "--group", "g-" + uuid.uuid4().hex[:8], "--db", str(db), "--max-messages", str(messages),
                 "--idle-timeout-ms", "15000", "--batch", "1", *client_args("consume", props))


def rows(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT COUNT(*) FROM orders").fetchone()[0]


LISTENERS = ["sasl", "ssl"]
AUTH_FAILED = ("authentication failed", "authentication error", "invalid username or password")


@pytest.mark.parametrize("listener", LISTENERS)
def test_orders_round_trip_over_the_secured_listener(secure, registry, tmp_path, listener):
    """The user's view: --bootstrap names the secured listener and the properties carry the rest."""
    props = secure / f"{listener}.properties"
    boot = read_props(props)["bootstrap.servers"]
    topic = f"secure-{listener}-" + uuid.uuid4().hex[:8]
    p = produce(registry, props, topic, boot)
    xfail_if_admin_gap(p, "produce")
    assert p.rc == 0 and f"delivered {N}, failed 0" in p.stdout + p.stderr, p.show()
    db = tmp_path / "orders.db"
    c = consume(registry, props, topic, boot, db, N)
    xfail_if_admin_gap(c, "consume (dead-letter topic)")
    assert c.rc == 0, c.show()
    assert rows(db) == N, c.show()


@pytest.mark.parametrize("listener", LISTENERS)
def test_producer_and_consumer_themselves_use_the_secured_listener(secure, registry, tmp_path, listener):
    """Topic creation goes to the PLAINTEXT listener (--bootstrap); the producer and the consumer get
    bootstrap.servers and the security settings from the properties, so their data goes over SASL or SSL.
    This isolates the clients that take -X today from the admin client that does not."""
    props = secure / f"{listener}.properties"
    plain = (secure / "bootstrap").read_text().strip()
    topic = f"split-{listener}-" + uuid.uuid4().hex[:8]
    p = produce(registry, props, topic, plain)
    assert p.rc == 0 and f"delivered {N}, failed 0" in p.stdout + p.stderr, p.show()
    # The orders really are on the topic, read back over the secured listener by another client.
    k = kcat(props, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o\n")
    assert k.returncode == 0 and len(k.stdout.splitlines()) == N, k
    db = tmp_path / "orders.db"
    c = consume(registry, props, topic, plain, db, N)
    assert c.rc == 0, c.show()
    assert rows(db) == N, c.show()


def test_dead_letter_goes_through_the_same_settings(secure, registry, tmp_path):
    """A record that is not Confluent-framed Avro is dead-lettered by the consumer's dead-letter producer,
    which must reach the SASL listener with the same settings; `dlq` then sees it through them too."""
    props = secure / "sasl.properties"
    boot = read_props(props)["bootstrap.servers"]
    topic = "secure-dlq-" + uuid.uuid4().hex[:8]
    p = produce(registry, props, topic, boot)
    xfail_if_admin_gap(p, "produce")
    assert p.rc == 0, p.show()
    k = kcat(props, "-P", "-t", topic, data=b"not an avro record\n")
    assert k.returncode == 0, k
    db = tmp_path / "orders.db"
    c = consume(registry, props, topic, boot, db, N + 1)
    xfail_if_admin_gap(c, "consume (dead-letter topic)")
    assert c.rc == 0 and rows(db) == N, c.show()
    dl = kcat(props, "-C", "-t", f"{topic}.dlq", "-o", "beginning", "-e", "-q", "-f", "%o\n")
    assert dl.returncode == 0 and len(dl.stdout.splitlines()) == 1, (dl, c.show())
    if not (has_flag("dlq inspect", "-F") or has_flag("dlq inspect", "-X")):
        pytest.xfail("`kavro dlq` takes no client properties (-X/-F), so it cannot reach a secured cluster")
    i = kavro("dlq", "inspect", "--bootstrap", boot, "--topic", f"{topic}.dlq", *client_args("dlq inspect", props))
    assert i.rc == 0 and ("not an avro record" in i.stdout or "undecodable" in i.stdout + i.stderr), i.show()


@pytest.mark.parametrize("bootstrap_via", ["sasl", "split"])
def test_wrong_password_fails_with_an_authentication_error(secure, registry, tmp_path, bootstrap_via):
    """A wrong password ends produce with a non-zero exit whose stderr names the authentication failure,
    and the password is printed nowhere. `split`: topic creation over PLAINTEXT, so the producer itself
    meets the refusal (the path that works today)."""
    wrong = "wrong-" + uuid.uuid4().hex
    good = read_props(secure / "sasl.properties")
    bad = tmp_path / "bad.properties"
    bad.write_text("".join(f"{k}={wrong if k == 'sasl.password' else v}\n" for k, v in good.items()))
    boot = good["bootstrap.servers"] if bootstrap_via == "sasl" else (secure / "bootstrap").read_text().strip()
    topic = "secure-badpw-" + uuid.uuid4().hex[:8]
    r = kavro("produce", "--bootstrap", boot, "--registry", registry, "--topic", topic, "--count", "3",
              "--partitions", "1", *client_args("produce", bad))
    print(f"wrong password via {bootstrap_via}: exit {r.rc} after {r.seconds:.1f} s; "
          f"stderr tail: {r.stderr.strip().splitlines()[-1:] if r.stderr.strip() else ''}")
    assert not hostile.crashed(r.rc), r.show(wrong)
    assert r.rc != 0, r.show(wrong)
    assert wrong not in r.stdout and wrong not in r.stderr, f"the password was printed: {r.show(wrong)}"
    assert good["sasl.password"] not in r.stdout + r.stderr, r.show(wrong)
    # "broker might require SASL authentication" (a client that did not try SASL) does not count.
    named = any(w in r.stderr.lower() for w in AUTH_FAILED)
    if not named:
        xfail_if_admin_gap(r, "wrong password", wrong)
    assert named, f"stderr does not name the authentication failure: {r.show(wrong)}"


def test_password_is_not_on_the_command_line(secure, registry):
    """`ps` shows argv: the password must come from a file, so produce needs -F."""
    if not has_flag("produce", "-F"):
        pytest.xfail("produce takes client properties only as -X key=value, so sasl.password is in argv (ps)")
    props = secure / "sasl.properties"
    password = read_props(props)["sasl.password"]
    proc = subprocess.Popen([hostile.kavro_bin(), "produce", "--bootstrap", read_props(props)["bootstrap.servers"],
                             "--registry", registry, "--topic", "secure-ps-" + uuid.uuid4().hex[:8], "--count", "3",
                             "--partitions", "1", "-F", str(props)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=hostile.sanitizer_env())
    try:
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
    finally:
        out, err = proc.communicate(timeout=HANG)
    assert password.encode() not in cmdline
    assert password.encode() not in out + err
