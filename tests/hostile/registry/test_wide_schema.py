"""A wide schema: a 100k-field record registers, its successor's compatibility is checked, and while that
check runs other clients are answered (issue 14, item 8: the check was quadratic and held the write
lock). The seconds are printed, not asserted; the time-outs below only detect a hang."""
import json
import threading
import time

import hostile

FIELDS = 100_000
HANG = 300.0  # parsing 100k fields alone takes ~12 s of CPU in the ASan build; the fixed check is well under 1 s in release


def wide(n: int, extra: bool = False) -> str:
    fields = [{"name": f"f{i}", "type": "int"} for i in range(n)]
    if extra:
        fields.append({"name": "added", "type": "string", "default": ""})
    return json.dumps({"type": "record", "name": "Wide", "fields": fields})


def test_100k_field_record_registers_and_its_successor_is_checked_while_others_are_served(registry):
    started = time.monotonic()
    r = hostile.request(registry.port, "POST", "/subjects/wide/versions", {"schema": wide(FIELDS)}, timeout=HANG)
    register_s = time.monotonic() - started
    assert r.status == 200, f"registering a {FIELDS}-field record: {r.show()}"

    # The successor's compatibility check and its registration run in the background ...
    results = {}

    def background(name, path):
        t0 = time.monotonic()
        results[name] = (hostile.request(registry.port, "POST", path, {"schema": wide(FIELDS, extra=True)},
                                         timeout=HANG), time.monotonic() - t0)

    checks = [threading.Thread(target=background, args=("compatibility", "/compatibility/subjects/wide/versions/latest")),
              threading.Thread(target=background, args=("register successor", "/subjects/wide/versions"))]
    for t in checks:
        t.start()
    # ... while other clients read and register (each on its own connection).
    time.sleep(0.2)
    meanwhile = []
    for i in range(3):
        t0 = time.monotonic()
        h = hostile.request(registry.port, "GET", "/healthz", timeout=10)
        o = hostile.request(registry.port, "POST", f"/subjects/other-{i}/versions",
                            hostile.schema_body({"type": "record", "name": "Other", "fields": []}), timeout=10)
        meanwhile.append((h, o, time.monotonic() - t0))
    for t in checks:
        t.join(HANG + 10)

    print(f"\n{FIELDS} fields: register {register_s:.2f} s; "
          + "; ".join(f"{name} {secs:.2f} s" for name, (_, secs) in sorted(results.items()))
          + "; requests meanwhile " + ", ".join(f"{s:.2f} s" for _, _, s in meanwhile))
    for name in ("compatibility", "register successor"):
        assert name in results, f"{name} of the successor did not finish within {HANG:.0f} s"
    compat, _ = results["compatibility"]
    assert compat.status == 200 and compat.json().get("is_compatible") is True, (
        f"compatibility of the successor (one field added with a default): {compat.show()}")
    succ, _ = results["register successor"]
    assert succ.status == 200 and "id" in succ.json(), f"registering the successor: {succ.show()}"
    for h, o, secs in meanwhile:
        assert h.status == 200, f"GET /healthz during the wide check: {h.show()}"
        assert o.status == 200, f"registering another subject during the wide check ({secs:.1f} s): {o.show()}"
    versions = hostile.request(registry.port, "GET", "/subjects/wide/versions")
    assert versions.status == 200 and versions.json() == [1, 2], f"versions of wide: {versions.show()}"
    hostile.assert_serving(registry, "a 100k-field record")
