"""Scale-out on the local cluster: `kavro consume` in 1, 2 and 3 processes over a 6-partition topic, and
`kavro produce` with acks=all on replication factor 3 against 1. Prints a Markdown table with messages/s and
the CPU each message costs in the clients and in the brokers (user+sys, from rusage and /proc).

    python bench/cluster/scale.py --cluster-dir D --kavro BIN [--count N] [--out FILE]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TICK = os.sysconf("SC_CLK_TCK")


def broker_cpu(cluster_dir: Path) -> float:
    """CPU seconds (user+sys) the cluster's JVMs have used so far."""
    total = 0.0
    for pidfile in cluster_dir.glob("node-*/kafka.pid"):
        try:
            fields = Path(f"/proc/{pidfile.read_text().strip()}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
        except (OSError, ValueError, IndexError):
            pass
    return total


def run_all(cmds, logs):
    """Start every command at once; wait for all; return (wall seconds, client CPU seconds, exit codes)."""
    t0 = time.monotonic()
    procs = [subprocess.Popen(c, stdout=open(l, "wb"), stderr=subprocess.STDOUT) for c, l in zip(cmds, logs)]
    cpu, codes = 0.0, []
    for p in procs:
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        cpu += ru.ru_utime + ru.ru_stime
        codes.append(p.returncode)
    return time.monotonic() - t0, cpu, codes


def committed_total(bootstrap, topic, group, parts):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        return sum(max(tp.offset, 0) for tp in c.committed([TopicPartition(topic, p) for p in range(parts)], 10))
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cluster-dir", required=True, type=Path)
    ap.add_argument("--kavro", required=True)
    ap.add_argument("--count", type=int, default=200000)
    ap.add_argument("--out")
    a = ap.parse_args()
    bootstrap = (a.cluster_dir / "bootstrap").read_text().strip()
    admin = AdminClient({"bootstrap.servers": bootstrap})
    work = Path(tempfile.mkdtemp(prefix="kavro-scale."))
    run = uuid.uuid4().hex[:6]

    reg_port = 18000 + os.getpid() % 20000
    registry = subprocess.Popen([a.kavro, "registry", "serve", "--host", "127.0.0.1", "--port", str(reg_port)],
                                stdout=open(work / "registry.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{reg_port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/subjects", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    rows = []
    try:
        topics = {"rf3": f"scale-{run}-rf3", "rf1": f"scale-{run}-rf1"}
        fs = admin.create_topics([NewTopic(topics["rf3"], 6, 3), NewTopic(topics["rf1"], 6, 1)])
        for f in fs.values():
            f.result(30)
        time.sleep(2)
        # Warm-up (unmeasured): JIT in the brokers, segments, the producer id.
        run_all([[a.kavro, "produce", "-b", bootstrap, "-r", url, "-t", f"scale-{run}-warm", "-n", "20000"]],
                [work / "warm.log"])
        for rf in ("rf1", "rf3"):
            b0 = broker_cpu(a.cluster_dir)
            wall, cpu, codes = run_all([[a.kavro, "produce", "-b", bootstrap, "-r", url, "-t", topics[rf],
                                         "-n", str(a.count), "-X", "acks=all", "-X", "linger.ms=5"]],
                                       [work / f"produce-{rf}.log"])
            b1 = broker_cpu(a.cluster_dir)
            assert codes == [0], (work / f"produce-{rf}.log").read_text()[-2000:]
            rows.append((f"produce, acks=all, replication factor {rf[2]}", 1, a.count, wall, cpu, b1 - b0))
        for n in (1, 2, 3):
            group = f"scale-{run}-g{n}"
            cmds = [[a.kavro, "consume", "-b", bootstrap, "-r", url, "-t", topics["rf3"], "-g", group,
                     "--db", str(work / f"c{n}-{i}.db"), "--sqlite-sync", "normal", "--idle-timeout-ms", "3000"]
                    for i in range(n)]
            b0 = broker_cpu(a.cluster_dir)
            wall, cpu, codes = run_all(cmds, [work / f"consume-{n}-{i}.log" for i in range(n)])
            b1 = broker_cpu(a.cluster_dir)
            done = committed_total(bootstrap, topics["rf3"], group, 6)
            assert done == a.count, f"{n} consumers committed {done} of {a.count} (logs in {work})"
            # Every process ends 3 s after its last message (--idle-timeout-ms): not consuming time.
            rows.append((f"consume into SQLite, {n} process{'es' if n > 1 else ''}", n, a.count, wall - 3, cpu,
                         b1 - b0))
    finally:
        registry.terminate()
        registry.wait()
    lines = ["| run | processes | messages | seconds | messages/s | client CPU µs/msg | broker CPU µs/msg |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for what, n, msgs, wall, cpu, bcpu in rows:
        lines.append(f"| {what} | {n} | {msgs} | {wall:.1f} | {msgs / wall:,.0f} | {cpu / msgs * 1e6:.1f} | "
                     f"{bcpu / msgs * 1e6:.1f} |")
    table = "\n".join(lines)
    print(table)
    if a.out:
        Path(a.out).write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
