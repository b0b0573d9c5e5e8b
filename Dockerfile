# kavro in a container: the `kavro` binary and its runtime libraries on Debian 12, nothing else.
# The build stage runs the same scripts/setup.sh and release preset as the README's local path.
# Untested here (no Docker on the build machines): tests/component/containers checks what can be checked.
#
#   docker build -t kavro .
#   docker run --rm -p 8081:8081 kavro registry serve

FROM debian:12 AS build
WORKDIR /src
COPY . .
# Debian packages only: the image needs neither the test venv nor Kafka's jars.
RUN scripts/setup.sh --no-python --no-kafka \
 && rm -rf build/release \
 && cmake --preset release -DKAVRO_BUILD_TESTS=OFF -DKAVRO_BUILD_BENCH=OFF \
 && cmake --build --preset release --target kavro \
 && strip -o /kavro build/release/src/cli/kavro \
 && mkdir -p /runtime \
 && for f in $(ldd /kavro | awk '/=> \//{print $3}'); do \
      dpkg -S "$f" 2>/dev/null || dpkg -S "$(readlink -f "$f")"; \
    done | cut -d: -f1 | sort -u > /runtime/packages

FROM debian:12-slim
# The shared libraries the binary links, by the Debian packages that own them (listed by the build stage).
COPY --from=build /runtime/packages /tmp/packages
RUN apt-get update \
 && xargs -a /tmp/packages apt-get install -y --no-install-recommends \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/packages \
 && useradd --system --home-dir /var/lib/kavro --create-home kavro
COPY --from=build /kavro /usr/bin/kavro
USER kavro
WORKDIR /var/lib/kavro
EXPOSE 8081
ENTRYPOINT ["/usr/bin/kavro"]
CMD ["--help"]
