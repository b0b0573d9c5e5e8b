"""The registry as three `kavro registry serve` instances on a replicated schemas topic (replication
factor 3), the leader instance killed with SIGKILL.

Invariant: writes through a surviving instance succeed again once the election group's session of the dead
leader expires (measured and printed: the figure docs/delivery.md quotes), every schema registered before
the kill keeps its id, and a schema registered after it is readable by its id from both survivors."""
import json
import time
import urllib.error
import urllib.request
import uuid

from clusterlib import Registry, say, wait_until


def call(url, method="GET", body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
        return 0, {"message": str(e)}


def schema(n: int) -> dict:
    """Version n: n optional fields more than version 0 (backward compatible, the default level)."""
    fields = [{"name": "f", "type": "int"}] + [{"name": f"g{i}", "type": "int", "default": 0} for i in range(n)]
    return {"schema": json.dumps({"type": "record", "name": "Failover", "fields": fields})}


def leader_url(cluster, group):
    g = cluster.admin.describe_consumer_groups([group])[group].result(10)
    owners = [m.client_id for m in g.members if m.assignment and m.assignment.topic_partitions]
    return owners[0] if len(owners) == 1 else None


def test_registry_leader_killed_writes_recover(cluster, tmp_path):
    topic = "_schemas-" + uuid.uuid4().hex[:8]
    store = ["--kafka-bootstrap", cluster.bootstrap, "--kafka-topic", topic, "--kafka-replication-factor", "3"]
    regs = [Registry(tmp_path / f"registry-{i}.log", *store) for i in range(3)]
    try:
        status, first = call(regs[0].url + "/subjects/failover-value/versions", "POST", schema(0))
        assert status == 200, first
        leader = wait_until("one instance leads", lambda: leader_url(cluster, "kavro-schema-registry-" + topic),
                            timeout=30)
        dead = next(r for r in regs if r.url == leader)
        alive = [r for r in regs if r is not dead]
        say(f"topic {topic}: {cluster.partition_info(topic)}; leader {leader}; killing it")
        dead.proc.kill()
        t_kill = time.monotonic()
        attempts, answers = 0, {}
        while True:
            status, body = call(alive[0].url + "/subjects/failover-value/versions", "POST", schema(1), timeout=15)
            attempts += 1
            key = status if status == 200 else f"{status}/{(body or {}).get('error_code')}"
            answers[key] = answers.get(key, 0) + 1
            if status == 200:
                break
            assert time.monotonic() - t_kill < 60, f"no write accepted 60 s after the leader's kill: {answers}"
            time.sleep(0.1)
        recovered = time.monotonic() - t_kill
        new_leader = leader_url(cluster, "kavro-schema-registry-" + topic)
        say(f"writes back {recovered:.1f} s after the kill (election session timeout 6 s), {attempts} attempts, "
            f"answers {answers}; new leader {new_leader}")
        for r in alive:
            s0, b0 = call(f"{r.url}/schemas/ids/{first['id']}")
            s1, b1 = call(f"{r.url}/schemas/ids/{body['id']}")
            assert s0 == 200 and len(json.loads(b0["schema"])["fields"]) == 1, (r.url, s0, b0)
            assert s1 == 200 and len(json.loads(b1["schema"])["fields"]) == 2, (r.url, s1, b1)
        assert body["id"] != first["id"] and new_leader in [r.url for r in alive]
    finally:
        for r in regs:
            r.stop()
