#!/usr/bin/env bash
# The test command: installs what is missing, then format, lints, every test
# of the workspace against real redis-server and Postgres, and the static
# checks (compose, Prometheus rules, Kubernetes, Grafana).
#
#   scripts/test.sh          # the default run (what CI runs)
#   scripts/test.sh --soak   # the same suites, longer (SLEEPER_SOAK=1)
set -euo pipefail
cd "$(dirname "$0")/.."

for arg in "$@"; do
  case "$arg" in
    --soak) export SLEEPER_SOAK=1 ;;
    *) echo "usage: scripts/test.sh [--soak]" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
bash scripts/install-deps.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build binaries"
# The end-to-end tests run the real binaries: build them first.
cargo build --workspace --bins --locked

step "cargo test"
cargo test --workspace --locked --no-fail-fast

if [ -f scripts/check-static.sh ]; then
  step "static checks"
  bash scripts/check-static.sh
fi
step "all checks passed"
