#!/usr/bin/env bash
# Fetches (once) and compiles the Java contestant of scripts/bench.sh: Apache Kafka's Java client and Apache
# Avro from Maven Central into $KAVRO_CACHE/java-bench/libs, KavroJavaBench.java compiled with the JDK's
# javac into $KAVRO_CACHE/java-bench/classes. Idempotent: does nothing when both are up to date.
# Called by scripts/setup.sh (with the Kafka jars) and by scripts/bench.sh when the classes are missing.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KAVRO_CACHE:-$HOME/.cache/kavro}"
KAFKA_CLIENTS_VERSION="${KAVRO_JAVA_KAFKA_VERSION:-4.1.1}"
AVRO_VERSION="${KAVRO_JAVA_AVRO_VERSION:-1.12.2}"
OUT="$CACHE/java-bench"
say() { echo "java-bench: $*" >&2; }
die() { echo "java-bench: ERROR: $*" >&2; exit 1; }

pom() {
  cat <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>kavro</groupId><artifactId>java-bench-runtime</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId><version>$KAFKA_CLIENTS_VERSION</version></dependency>
    <dependency><groupId>org.apache.avro</groupId><artifactId>avro</artifactId><version>$AVRO_VERSION</version></dependency>
  </dependencies>
</project>
XML
}

command -v javac >/dev/null 2>&1 || die "javac not found (scripts/setup.sh installs the JDK)"
want="$(pom | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$OUT/.complete" || "$(cat "$OUT/.complete")" != "$want" ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found (scripts/setup.sh installs Maven)"
  say "fetching kafka-clients $KAFKA_CLIENTS_VERSION and avro $AVRO_VERSION into $OUT/libs"
  mkdir -p "$OUT"
  tmp="$(mktemp -d "$OUT/fetch.XXXXXX")"
  pom > "$tmp/pom.xml"
  mvn -q -B -f "$tmp/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp/libs" > "$tmp/mvn.log" 2>&1 || die "maven could not fetch the jars (log: $tmp/mvn.log)"
  rm -rf "$OUT/libs"; mv "$tmp/libs" "$OUT/libs"; rm -rf "$tmp"
  echo "$want" > "$OUT/.complete"
fi
src="$HERE/KavroJavaBench.java"
if [[ ! -f "$OUT/classes/KavroJavaBench.class" || "$src" -nt "$OUT/classes/KavroJavaBench.class" ]]; then
  rm -rf "$OUT/classes"; mkdir -p "$OUT/classes"
  javac -nowarn -d "$OUT/classes" -cp "$OUT/libs/*" "$src" || die "javac failed on $src"
  say "compiled $src"
fi
