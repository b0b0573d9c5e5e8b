"""Writes the benchmark run's description (settings, machine, load, library versions) as JSON.

    python3 meta.py OUT.json key=value...
"""
import datetime
import json
import os
import subprocess
import sys


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        return "?"


def main():
    meta = {}
    for kv in sys.argv[2:]:
        k, _, v = kv.partition("=")
        meta[k] = int(v) if v.isdigit() else v
    meta.update({
        "cpus": os.cpu_count(),
        "cpu_model": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        "librdkafka": sh("pkg-config --modversion rdkafka"),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    })
    if meta.get("python"):
        meta["python_librdkafka"] = sh(f"'{meta['python']}' -c 'import confluent_kafka as c; print(c.libversion()[0])'")
    with open(sys.argv[1], "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
