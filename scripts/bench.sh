#!/usr/bin/env bash
# The benchmark: builds the release binaries, then runs sleeper-bench, which
# starts its own redis-server and Postgres, generates a deterministic season
# log with the simulator, and measures each figure beside a ceiling taken in
# the same run. Prints a markdown table; writes target/bench/report.json.
#
#   scripts/bench.sh                 # full run (20 leagues; < 20 min on 2 cores)
#   scripts/bench.sh --quick         # < 3 min
#   scripts/bench.sh --leagues 50    # any other sleeper-bench flag passes through
set -euo pipefail
cd "$(dirname "$0")/.."

for arg in "$@"; do
  case "$arg" in
    -h|--help) exec cargo run --release -q -p sleeper-bench -- --help ;;
  esac
done

cargo build --release -p sleeper-bench -p sleeper-consumer -p sleeper-producer -p sleeper-sim
target="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
exec "$target/release/sleeper-bench" --bin-dir "$target/release" --out "$target/bench/report.json" "$@"
