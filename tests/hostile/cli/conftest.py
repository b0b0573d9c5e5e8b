"""Fixtures for the CLI's hostile tests: the kavro binary, run as a user runs it, and (for produce) the
broker of the ctest fixture with a registry in memory."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "support"))
import hostile  # noqa: E402


class Run:
    def __init__(self, args, proc: subprocess.CompletedProcess):
        self.args, self.rc, self.stdout, self.stderr = args, proc.returncode, proc.stdout, proc.stderr

    def show(self) -> str:
        def cut(b: bytes) -> str:  # the start of a sanitizer report and the end of a summary both matter
            t = b.decode(errors="replace")
            return t if len(t) <= 1600 else t[:800] + f"\n[... {len(t) - 1600} characters ...]\n" + t[-800:]
        args = " ".join(a if len(a) <= 120 else a[:100] + "..." for a in self.args)
        return f"`kavro {args}` exit {self.rc}\nstdout: {cut(self.stdout)}\nstderr: {cut(self.stderr)}"

    def assert_clean_failure(self, *needles: str):
        """Exits non-zero on its own terms: no signal, no sanitizer report, and stderr says where."""
        err = self.stderr.decode(errors="replace")
        assert not hostile.crashed(self.rc), f"kavro crashed: {self.show()}"
        report = hostile.sanitizer_report(err)
        assert report is None, f"kavro hit a sanitizer error ({report}): {self.show()}"
        assert self.rc != 0, f"kavro accepted the input: {self.show()}"
        for n in needles:
            assert n in err, f"the error does not name {n!r}: {self.show()}"


@pytest.fixture
def kavro():
    def run(*args, stdin: bytes = b"", timeout: float = 120) -> Run:
        proc = subprocess.run([hostile.kavro_bin(), *args], input=stdin, capture_output=True, timeout=timeout,
                              env=hostile.sanitizer_env())
        return Run(list(args), proc)

    return run


@pytest.fixture(scope="session")
def bootstrap() -> str:
    d = os.environ.get("KAVRO_TEST_KAFKA_DIR")
    if not d:
        pytest.skip("KAVRO_TEST_KAFKA_DIR is not set: produce needs the broker of the ctest fixture")
    return Path(d, "bootstrap").read_text().strip()


@pytest.fixture
def registry(tmp_path):
    r = hostile.Registry(tmp_path / "registry.log")
    yield r
    r.stop()
