"""Every runnable example of README.md and docs/*.md, run as written against the built kavro.

A fenced block is runnable when its info string is `sh kavro-example` or `console kavro-example`,
optionally followed by needs: `registry` (a `kavro registry serve` on a free port, reached through
$KAVRO_REGISTRY) and `kafka` (the broker of the ctest fixture, through $KAVRO_BOOTSTRAP; skipped
without it).

- `sh` blocks run with `bash -euo pipefail` and must exit 0.
- `console` blocks: each `$ command` runs on its own; the lines up to the next `$ ` are its exact stdout
  (a line `...` stands for any lines). It must exit 0, or N when the command line ends in `# exit N`.

Each block runs in a fresh directory holding what the docs' commands name: `schemas/` of the
repository, the files of tests/component/cli/docs_examples/, and `build/{debug,release}/src/cli/kavro`
(so `K=build/debug/src/cli/kavro` lines work); `kavro` is on PATH and $K names it.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "docs_examples"
KAVRO = os.environ.get("KAVRO_BIN", "")
FENCE = re.compile(r"^(`{3,})(\w+)\s+kavro-example\b(.*)$")


def documents():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def runnable_blocks():
    """(id, language, needs, text) of every marked block."""
    found = []
    for doc in documents():
        lines = doc.read_text().splitlines()
        i = 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if not m:
                i += 1
                continue
            fence, lang, needs = m.group(1), m.group(2), m.group(3).split()
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].startswith(fence):
                j += 1
            found.append((f"{doc.relative_to(ROOT)}:{start}", lang, needs, "\n".join(lines[start:j]) + "\n"))
            i = j + 1
    return found


BLOCKS = runnable_blocks()


def test_the_docs_have_runnable_examples():
    # A marker typo (or a refactoring of this test) must not turn the test into one that runs nothing.
    assert len(BLOCKS) >= 4, [b[0] for b in BLOCKS]
    assert {b[1] for b in BLOCKS} <= {"sh", "console"}, "a marked block in a language this test does not run"


class registry_process:
    def __init__(self, env):
        self.proc = subprocess.Popen([KAVRO, "registry", "serve", "--host", "127.0.0.1", "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"kavro registry serve did not start: {line!r} {self.proc.stderr.read()}")
        self.url = m.group(1)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def workspace(tmp: Path) -> dict:
    os.symlink(ROOT / "schemas", tmp / "schemas")
    if FIXTURES.is_dir():
        for f in FIXTURES.iterdir():
            shutil.copy(f, tmp / f.name)
    for preset in ("debug", "release"):
        d = tmp / "build" / preset / "src" / "cli"
        d.mkdir(parents=True)
        os.symlink(KAVRO, d / "kavro")
    bindir = tmp / ".bin"
    bindir.mkdir()
    os.symlink(KAVRO, bindir / "kavro")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAVRO_")}
    env.update(PATH=f"{bindir}:{os.environ['PATH']}", K="kavro", HOME=str(tmp))
    # The sanitizers of a debug build must not turn a leak report into a failed example.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    return env


def console_steps(text):
    """(command, expected stdout lines, expected exit code) of a console block."""
    steps = []
    for line in text.splitlines():
        if line.startswith("$ "):
            cmd = line[2:]
            code = 0
            m = re.search(r"\s+#\s*exit\s+(\d+)\s*$", cmd)
            if m:
                code = int(m.group(1))
                cmd = cmd[: m.start()]
            steps.append([cmd, [], code])
        elif steps:
            steps[-1][1].append(line)
    return steps


def lines_match(got, want):
    """Exact lines, where a `...` line of `want` stands for any number of lines."""
    if not want:
        return not got
    if want[0] == "...":
        return any(lines_match(got[i:], want[1:]) for i in range(len(got) + 1))
    return bool(got) and got[0] == want[0] and lines_match(got[1:], want[1:])


@pytest.mark.parametrize("where,lang,needs,text", BLOCKS, ids=[b[0] for b in BLOCKS])
def test_example_runs_as_written(where, lang, needs, text):
    assert KAVRO and os.path.exists(KAVRO), "KAVRO_BIN must name the built kavro"
    with tempfile.TemporaryDirectory(prefix="kavro-docs-") as d:
        tmp = Path(d)
        env = workspace(tmp)
        registry = None
        if "kafka" in needs:
            kafka_dir = os.environ.get("KAVRO_TEST_KAFKA_DIR")
            if not kafka_dir or not (Path(kafka_dir) / "bootstrap").exists():
                pytest.skip("needs the Kafka fixture (ctest -L integration runs it)")
            env["KAVRO_BOOTSTRAP"] = (Path(kafka_dir) / "bootstrap").read_text().strip()
        if "registry" in needs:
            registry = registry_process(env)
            env["KAVRO_REGISTRY"] = registry.url
        try:
            if lang == "sh":
                r = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=tmp, env=env,
                                   capture_output=True, text=True, timeout=120)
                assert r.returncode == 0, f"{where} exit {r.returncode}\n{text}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
                return
            for cmd, expected, code in console_steps(text):
                r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=tmp, env=env,
                                   capture_output=True, text=True, timeout=120)
                assert r.returncode == code, f"{where}: `{cmd}` exit {r.returncode}, expected {code}\nstderr:\n{r.stderr}"
                got = [l.rstrip() for l in r.stdout.rstrip("\n").splitlines()]
                want = [l.rstrip() for l in "\n".join(expected).rstrip("\n").splitlines()]
                assert lines_match(got, want), (f"{where}: `{cmd}` printed\n" + "\n".join(got) +
                                                 f"\nexpected\n" + "\n".join(want) + f"\nstderr:\n{r.stderr}")
        finally:
            if registry:
                registry.stop()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
