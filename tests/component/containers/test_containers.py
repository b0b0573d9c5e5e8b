"""The container path, checked without Docker (none runs on the build machines): docker-compose.yml
parses and mirrors the orders stack, every kavro command in it exists with the flags it passes, and
the Dockerfile's build step runs scripts that exist, with the preset the README's local path uses."""
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))
import kavro_help  # noqa: E402

SRC = Path(os.environ.get("KAVRO_SOURCE_DIR", Path(__file__).resolve().parents[3]))
KAVRO = os.environ["KAVRO_BIN"]


def check_command(args, where):
    return kavro_help.check_command(KAVRO, args, where)


def compose():
    return yaml.safe_load((SRC / "docker-compose.yml").read_text())


def kavro_services(doc):
    return {name: s for name, s in doc["services"].items()
            if "build" in s or str(s.get("image", "")).startswith("kavro")}


def test_compose_mirrors_the_orders_stack():
    doc = compose()
    services = doc["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft, no ZooKeeper
    assert "9092:9092" in kafka["ports"]
    assert "8081:8081" in services["registry"]["ports"]
    ours = kavro_services(doc)
    assert {"registry", "consumer", "producer"} <= set(ours)
    commands = {name: s["command"][0:2] if s["command"][0] == "registry" else s["command"][0:1]
                for name, s in ours.items()}
    assert commands == {"registry": ["registry", "serve"], "consumer": ["consume"], "producer": ["produce"]}


def test_every_kavro_command_exists_with_its_flags():
    doc = compose()
    checked = 0
    for name, service in kavro_services(doc).items():
        assert isinstance(service["command"], list), f"{name}: command must be a list (exec form)"
        check_command(service["command"], f"services.{name}.command")
        checked += 1
        test = service.get("healthcheck", {}).get("test")
        if test and test[0] == "CMD" and test[1] == "kavro":
            check_command(test[2:], f"services.{name}.healthcheck")
            checked += 1
    assert checked >= 4


def test_registry_environment_is_what_registry_serve_reads():
    """The registry's variables are Confluent image names that `--config`'s mapping accepts: run the
    mapping on them alone through a serve that is refused before it listens (a conflicting TLS pair)."""
    env = compose()["services"]["registry"]["environment"]
    assert all(k.startswith(("SCHEMA_REGISTRY_", "KAVRO_REGISTRY_")) for k in env)
    bad = {**os.environ, **{k: str(v) for k, v in env.items()}, "SCHEMA_REGISTRY_NOT_A_SETTING": "x"}
    out = subprocess.run([KAVRO, "registry", "serve"], env=bad, capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    # The one refusal is the planted variable: every variable of the compose file was accepted first.
    assert "env SCHEMA_REGISTRY_NOT_A_SETTING: not.a.setting: unknown" in out.stderr, out.stderr


def test_dockerfile_builds_with_the_readme_scripts():
    dockerfile = (SRC / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    assert stages and all(s.startswith("debian:12") for s in stages), stages
    assert len(stages) == 2, "a build stage and a runtime stage"
    run_text = " ".join(re.findall(r"^RUN\s+((?:.*\\\n)*.*)", dockerfile, re.M))
    scripts = set(re.findall(r"(scripts/[\w.-]+)", run_text))
    assert scripts, "the build step runs the repository's setup script"
    for script in scripts:
        assert (SRC / script).is_file(), f"Dockerfile runs {script}, which does not exist"
    setup_help = subprocess.run(["bash", str(SRC / "scripts/setup.sh"), "--help"],
                                capture_output=True, text=True, timeout=30).stdout
    for flag in re.findall(r"scripts/setup\.sh((?:\s+--[\w-]+)*)", run_text)[0].split():
        assert flag in setup_help, f"scripts/setup.sh has no {flag}"
    readme = (SRC / "README.md").read_text()
    for step in ("cmake --preset release", "cmake --build --preset release"):
        assert step in run_text, f"Dockerfile does not run `{step}`"
        assert step in readme, f"README's local path does not show `{step}`"
    # The final image gets the binary and nothing else from the build stage but the package list.
    copies = re.findall(r"^COPY\s+--from=build\s+(\S+)", dockerfile, re.M)
    assert sorted(copies) == ["/kavro", "/runtime/packages"], copies
    assert re.search(r'^ENTRYPOINT \["/usr/bin/kavro"\]', dockerfile, re.M)
