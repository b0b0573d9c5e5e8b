"""packaging/ checked against the built kavro: generated docs in sync, completion that offers what
exists, systemd units whose commands exist and that systemd accepts."""
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))
import kavro_help  # noqa: E402

SRC = Path(os.environ["KAVRO_SOURCE_DIR"])
BUILD = Path(os.environ["KAVRO_BINARY_DIR"])
KAVRO = os.environ["KAVRO_BIN"]
COMPLETION = SRC / "packaging/completion/kavro.bash"
UNITS = ["kavro-registry.service", "kavro-consume.service"]


def test_man_page_and_completion_are_in_sync_with_help():
    out = subprocess.run([sys.executable, str(SRC / "packaging/gen-cli-docs.py"), KAVRO, "--check"],
                         capture_output=True, text=True, timeout=500)
    assert out.returncode == 0, out.stdout + out.stderr


def complete(line):
    """COMPREPLY for the command line `line` (the cursor at its end), from the completion script."""
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    script = (f"source {shlex.quote(str(COMPLETION))}\n"
              f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\n"
              "_kavro\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, cwd=SRC)
    assert out.returncode == 0, out.stderr
    return sorted(w for w in out.stdout.splitlines() if w)


def subcommands_in_completion():
    """Every command path and the subcommands the completion script offers there."""
    text = COMPLETION.read_text()
    block = text[text.index("_kavro_subcommands() {"):text.index("_kavro_options() {")]
    return {m.group(1): m.group(2).split() for m in re.finditer(r'"([^"]*)"\) echo "([^"]*)"', block)}


def test_every_subcommand_the_completion_offers_exists():
    offered = subcommands_in_completion()
    assert set(offered[""]) >= {"registry", "produce", "consume", "schema", "dlq", "demo", "avro"}
    for path, subs in offered.items():
        _, real = kavro_help.sections(kavro_help.kavro_help(KAVRO, path.split()))
        assert sorted(subs) == sorted(real), f"kavro {path}: completion offers {subs}, --help lists {real}"


def test_completion_completes():
    assert complete("kavro ") == sorted(subcommands_in_completion()[""])
    assert complete("kavro registry ") == ["passwd", "serve"]
    assert complete("kavro registry serve --conf") == ["--config"]
    assert complete("kavro consume --sqlite-sync ") == ["full", "normal"]
    assert "--bootstrap" in complete("kavro produce --")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The runtime component installed into a temporary prefix, as `cmake --install` does it."""
    prefix = tmp_path_factory.mktemp("prefix")
    out = subprocess.run(["cmake", "--install", str(BUILD), "--prefix", str(prefix), "--component", "kavro_runtime"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return prefix


def test_install_puts_each_file_where_its_tool_looks(installed):
    for f in ("bin/kavro", "share/man/man1/kavro.1", "share/bash-completion/completions/kavro",
              "lib/systemd/system/kavro-registry.service", "lib/systemd/system/kavro-consume.service",
              "share/doc/kavro/examples/schema-registry.properties", "share/doc/kavro/examples/registry.env",
              "share/doc/kavro/examples/consume.env"):
        assert (installed / f).is_file(), f"cmake --install did not install {f}"
    assert (installed / "share/man/man1/kavro.1").read_text() == (SRC / "packaging/man/kavro.1").read_text()


def unit_text(prefix, name):
    return (prefix / "lib/systemd/system" / name).read_text()


@pytest.mark.parametrize("unit", UNITS)
def test_unit_runs_a_kavro_command_that_exists(unit, installed):
    text = unit_text(installed, unit)
    exec_start = re.search(r"^ExecStart=(.*)$", text, re.M).group(1)
    args = shlex.split(exec_start)
    assert args[0] == str(installed / "bin/kavro"), "ExecStart names the binary under the install prefix"
    kavro_help.check_command(KAVRO, [a for a in args[1:] if not a.startswith("$")], f"{unit} ExecStart")
    for setting in ("Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "DynamicUser=yes"):
        assert re.search(rf"^{re.escape(setting)}$", text, re.M), f"{unit}: no {setting}"
    assert re.search(r"^EnvironmentFile=-/etc/kavro/\w+\.env$", text, re.M), f"{unit}: no EnvironmentFile"
    # A KAVRO_REGISTRY_* variable is a registry property: an extra-flags variable must not look like one.
    assert not re.search(r"\$KAVRO_REGISTRY_", text)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(installed):
    out = subprocess.run(["systemd-analyze", "verify", "--man=no",
                          *[str(installed / "lib/systemd/system" / u) for u in UNITS]],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_example_registry_properties_are_accepted():
    """The example file's every property is one `--config` reads: with a planted unknown variable the
    only refusal is that variable's (the file's entries are mapped before the environment's)."""
    env = {"PATH": os.environ.get("PATH", ""), "KAVRO_REGISTRY_PLANTED": "x"}
    out = subprocess.run([KAVRO, "registry", "serve", "--config", str(SRC / "packaging/schema-registry.properties")],
                         env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "env KAVRO_REGISTRY_PLANTED: planted: unknown" in out.stderr, out.stderr
