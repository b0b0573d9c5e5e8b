#!/usr/bin/env bash
# Install everything kavro needs on a fresh Debian 12 machine (run as root).
# Idempotent: each step checks first and is skipped when already done.
#
#   scripts/setup.sh [--no-apt] [--no-python] [--no-kafka]
#
#   --no-apt     skip Debian packages
#   --no-python  skip the Python venv (.venv, pinned from requirements.txt)
#   --no-kafka   skip Java/Maven and the Kafka broker jars
#
# Environment:
#   KAVRO_CACHE          cache root (default $HOME/.cache/kavro); jars go to
#                        $KAVRO_CACHE/kafka-<version>/libs
#   KAVRO_KAFKA_VERSION  Kafka version to fetch (default 4.1.1)
#   KAVRO_PYTHON         interpreter used to create .venv (default: python3 on PATH)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_VERSION="${KAVRO_KAFKA_VERSION:-4.1.1}"
LOG4J_VERSION="2.24.3"
CACHE="${KAVRO_CACHE:-$HOME/.cache/kavro}"
KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"

do_apt=1 do_python=1 do_kafka=1
for arg in "$@"; do
  case "$arg" in
    --no-apt) do_apt=0 ;;
    --no-python) do_python=0 ;;
    --no-kafka) do_kafka=0 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown option: $arg (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*"; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- apt packages
APT_PKGS=(build-essential cmake ninja-build pkg-config librdkafka-dev nlohmann-json3-dev
  libcli11-dev libcpp-httplib-dev libexpected-dev libcurl4-openssl-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev kcat clang-format wrk
  libssl-dev zlib1g-dev libavro-dev clang libclang-rt-14-dev ccache libboost-dev)  # avro: fingerprints, deflate, the avro-c benchmark, libFuzzer (clang-rt)
APT_PKGS+=(libprotobuf-dev libprotoc-dev protobuf-compiler)  # protobuf: the .proto parser (libprotoc-dev has its header)
APT_PKGS+=(libvalijson-dev json-schema-test-suite)  # JSON Schema: validation, and the official test suite as its oracle

setup_apt() {
  local pkgs=("${APT_PKGS[@]}") missing=() p
  if (( do_python )); then pkgs+=(python3-venv); fi
  if (( do_kafka )); then
    # Java/Maven only when absent: machines of this kind normally ship them outside apt's default-* names.
    command -v java >/dev/null 2>&1 || pkgs+=(default-jre-headless)
    command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
  fi
  for p in "${pkgs[@]}"; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" == installed ]] || missing+=("$p")
  done
  if (( ${#missing[@]} == 0 )); then
    say "apt: all ${#pkgs[@]} packages present"
    return
  fi
  [[ $(id -u) -eq 0 ]] || die "apt: missing ${missing[*]} and not root (re-run as root)"
  say "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
  say "apt: done"
}

# ------------------------------------------------------------------ python venv
setup_python() {
  local venv="$REPO/.venv" req="$REPO/requirements.txt" py="${KAVRO_PYTHON:-python3}"
  [[ -f "$req" ]] || die "python: $req not found"
  command -v "$py" >/dev/null 2>&1 || die "python: interpreter '$py' not found"
  local pyver want have=""
  pyver="$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')" \
    || die "python: '$py' does not run"
  want="$(sha256sum "$req" | cut -d' ' -f1) python-$pyver"
  [[ -f "$venv/.kavro-stamp" ]] && have="$(cat "$venv/.kavro-stamp")"
  if [[ "$have" == "$want" ]] && "$venv/bin/python" -c 'import confluent_kafka' 2>/dev/null; then
    say "python: .venv up to date (python $pyver)"
    return
  fi
  if [[ -x "$venv/bin/python" ]] && [[ "$("$venv/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" == "$pyver" ]]; then
    say "python: updating .venv (python $pyver)"
  else
    say "python: creating .venv (python $pyver)"
    "$py" -m venv --clear "$venv" || die "python: venv creation failed (on Debian's python3: apt-get install python3-venv)"
  fi
  rm -f "$venv/.kavro-stamp"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" \
    || die "python: pip install -r requirements.txt failed"
  "$venv/bin/python" -c 'import confluent_kafka, fastavro, pytest; from confluent_kafka.schema_registry.avro import AvroSerializer' \
    || die "python: installed packages do not import"
  echo "$want" > "$venv/.kavro-stamp"
  say "python: .venv ready ($("$venv/bin/python" -c 'import confluent_kafka as c; v = c.version(); print("confluent-kafka", v[0] if isinstance(v, tuple) else v, "librdkafka", c.libversion()[0])'))"
}

# ------------------------------------------------------------------ kafka jars
kafka_pom() {
  cat <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kavro</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
}

setup_kafka() {
  command -v java >/dev/null 2>&1 || die "kafka: java not found (run without --no-apt)"
  local libs="$KAFKA_HOME/libs" stamp="$KAFKA_HOME/.complete" want
  want="$(kafka_pom | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$libs/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    say "kafka: $KAFKA_VERSION jars present in $libs"
    return
  fi
  command -v mvn >/dev/null 2>&1 || die "kafka: mvn not found (run without --no-apt)"
  say "kafka: fetching Apache Kafka $KAFKA_VERSION jars into $libs"
  mkdir -p "$KAFKA_HOME"
  rm -f "$stamp"
  local tmp; tmp="$(mktemp -d "$KAFKA_HOME/fetch.XXXXXX")"
  kafka_pom > "$tmp/pom.xml"
  local t0=$SECONDS
  if ! mvn -q -B -f "$tmp/pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp/libs" > "$tmp/mvn.log" 2>&1; then
    tail -n 40 "$tmp/mvn.log" >&2
    die "kafka: maven could not fetch the jars (log: $tmp/mvn.log)"
  fi
  [[ -f "$tmp/libs/kafka_2.13-$KAFKA_VERSION.jar" && -f "$tmp/libs/log4j-core-$LOG4J_VERSION.jar" ]] \
    || die "kafka: fetched classpath is incomplete (see $tmp)"
  rm -rf "$libs"
  mv "$tmp/libs" "$libs"
  rm -rf "$tmp"
  echo "$want" > "$stamp"   # written last: marks the cache complete
  say "kafka: $(ls "$libs" | wc -l) jars in $((SECONDS - t0)) s"
}

(( do_apt )) && setup_apt
(( do_python )) && setup_python
(( do_kafka )) && setup_kafka
# The Java contestant of scripts/bench.sh (kafka-clients + Apache Avro jars, compiled with javac).
(( do_kafka )) && bash "$REPO/bench/java/setup.sh"
say "ok"
