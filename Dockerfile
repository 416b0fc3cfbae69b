# syntax=docker/dockerfile:1.7
#
# One runtime image holding both binaries, `sleeper-producer` and
# `sleeper-consumer` (compose picks the command per service).
#
# - Static musl binaries on distroless/static (CA certificates, tzdata,
#   /etc/passwd with `nonroot`, no shell, no package manager): about 2 MB of
#   base plus the two stripped binaries (release profile: strip, thin LTO).
# - Dependency caching with cargo-chef: the dependency layer is rebuilt only
#   when Cargo.toml/Cargo.lock change, not on every source edit.
# - Built natively for the build platform's architecture (x86_64 or aarch64);
#   `docker buildx build --platform` builds each under emulation.

ARG RUST_VERSION=1.95
ARG CHEF_VERSION=0.1.78

FROM rust:${RUST_VERSION}-bookworm AS chef
ARG CHEF_VERSION
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add "$(uname -m)-unknown-linux-musl" \
 && cargo install cargo-chef --locked --version "${CHEF_VERSION}"
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --target "$(uname -m)-unknown-linux-musl" \
      --recipe-path recipe.json -p sleeper-producer -p sleeper-consumer
COPY . .
RUN cargo build --release --locked --target "$(uname -m)-unknown-linux-musl" \
      -p sleeper-producer -p sleeper-consumer \
 && mkdir -p /out \
 && cp "target/$(uname -m)-unknown-linux-musl/release/sleeper-producer" \
       "target/$(uname -m)-unknown-linux-musl/release/sleeper-consumer" /out/

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
LABEL org.opencontainers.image.title="sleeper-sync" \
      org.opencontainers.image.description="Sleeper fantasy-football league as an event log (Redis Streams) and Postgres tables" \
      org.opencontainers.image.licenses="MIT"
COPY --from=builder /out/sleeper-producer /out/sleeper-consumer /usr/local/bin/
# uid/gid 65532 (`nonroot` in distroless); compose and Kubernetes run it with
# a read-only root filesystem: the binaries write nothing to disk.
USER 65532:65532
# HTTP_ADDR is left to the deployment: the long-running services set
# 0.0.0.0:9100 (producer) / 0.0.0.0:9101 (consumer) so Prometheus and probes
# reach them; one-shot commands (migrate, status, ...) then serve no HTTP.
ENV LOG_FORMAT=json
EXPOSE 9100 9101
# `health` asks this container's own /health on HTTP_ADDR (loopback for a
# wildcard address); compose and Swarm override it for the producer with
# `sleeper-producer health`.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/sleeper-consumer", "health"]
CMD ["/usr/local/bin/sleeper-consumer", "run"]
