#!/usr/bin/env bash
# Self-test of scripts/check-static.sh: each case breaks a copy of the
# repository on purpose and asserts that the check meant to catch it fails.
# A check that cannot fail proves nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATIC="$ROOT/scripts/static"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
failures=0

# fresh_copy DIR: the files the static checks read
fresh_copy() {
  local dir="$1" p
  mkdir -p "$dir"
  for p in monitoring deploy schemas docker-compose.yml docker-compose.dev.yml docker-stack.yml .env.example \
           shared/src producer/src consumer/src; do
    if [ -e "$ROOT/$p" ]; then
      mkdir -p "$dir/$(dirname "$p")"
      cp -r "$ROOT/$p" "$dir/$p"
    fi
  done
}

# mutate FILE PYTHON-EXPR-ON-s: rewrite a file, failing if nothing changed
mutate() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys
path, expr = sys.argv[1], sys.argv[2]
s = open(path).read()
new = eval(expr, {"s": s})
if new == s:
    sys.exit(f"mutation did not change {path}: {expr}")
open(path, "w").write(new)
PYEOF
}

# expect_caught NAME CMD...: the command must fail
expect_caught() {
  local name="$1"; shift
  if "$@" >"$WORK/last.log" 2>&1; then
    echo "FAIL self-test: $name was NOT caught"
    sed 's/^/     /' "$WORK/last.log" | tail -n 20
    failures=$((failures + 1))
  else
    echo "ok   self-test: $name is caught"
  fi
}

# --- alert rules: promtool test rules must fail when an alert is broken.
# The three runs take ~10 s each; run them in parallel.
declare -A alert_cases=(
  [lag-threshold]='s.replace("max by (stream, group) (sleeper_consumer_lag_seconds) > 300", "max by (stream, group) (sleeper_consumer_lag_seconds) > 3000")'
  [no-consumer-logic]='s.replace("unless on() (count(up{job=\"consumer\"} == 1) > 0)\n        for: 5m\n        labels:\n          severity: critical\n        annotations:\n          summary: \"No consumer", "and on() (count(up{job=\"consumer\"} == 1) > 0)\n        for: 5m\n        labels:\n          severity: critical\n        annotations:\n          summary: \"No consumer")'
  [state-stale-for]='s.replace("sleeper_last_success_timestamp_seconds{kind=\"state\"}) > 900\n        for: 5m", "sleeper_last_success_timestamp_seconds{kind=\"state\"}) > 900\n        for: 0m")'
)
declare -A pids=()
for c in "${!alert_cases[@]}"; do
  fresh_copy "$WORK/$c"
  mutate "$WORK/$c/monitoring/prometheus/alerts.yml" "${alert_cases[$c]}"
  ( cd "$WORK/$c/monitoring/prometheus" && promtool test rules alerts.test.yml >"$WORK/$c.log" 2>&1 ) &
  pids[$c]=$!
done
for c in "${!alert_cases[@]}"; do
  if wait "${pids[$c]}"; then
    echo "FAIL self-test: broken alert ($c) was NOT caught by promtool test rules"
    failures=$((failures + 1))
  else
    echo "ok   self-test: broken alert ($c) is caught by promtool test rules"
  fi
done

# --- an alert without a silent case is caught by the coverage check
fresh_copy "$WORK/cov"
mutate "$WORK/cov/monitoring/prometheus/alerts.yml" 's.replace("alert: SleeperDLQNotEmpty", "alert: SleeperDLQNotEmptyRenamed")'
expect_caught "an alert no test covers" "$PY" "$STATIC/checks.py" alerts --root "$WORK/cov"

# --- compose
fresh_copy "$WORK/compose1"
mutate "$WORK/compose1/docker-compose.yml" 's.replace("    stop_grace_period: 30s\n", "    stop_grace_period: 30s\n    restart_policy: always\n", 1)'
expect_caught "an unknown compose key" "$PY" "$STATIC/checks.py" compose --root "$WORK/compose1"
fresh_copy "$WORK/compose2"
mutate "$WORK/compose2/docker-compose.yml" 's.replace("${BIND_ADDR:-127.0.0.1}:${GRAFANA_PORT:-3000}:3000", "${GRAFANA_PORT:-3000}:3000")'
expect_caught "a port published on every interface" "$PY" "$STATIC/checks.py" compose --root "$WORK/compose2"
fresh_copy "$WORK/compose3"
mutate "$WORK/compose3/docker-compose.yml" 's.replace("${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD in .env}", "${GRAFANA_ADMIN_PASSWORD:-admin}")'
expect_caught "a secret with a default" "$PY" "$STATIC/checks.py" compose --root "$WORK/compose3"

# --- environment coverage
fresh_copy "$WORK/env1"
mutate "$WORK/env1/.env.example" 's.replace("\nSTREAM_KEY=", "\nREMOVED_STREAM_KEY=")'
expect_caught "a variable missing from .env.example" "$PY" "$STATIC/checks.py" env --root "$WORK/env1"
fresh_copy "$WORK/env2"
mutate "$WORK/env2/docker-compose.yml" 's.replace("  STREAM_KEY: ${STREAM_KEY:-sleeper:events}\n", "")'
expect_caught "a variable missing from docker-compose.yml" "$PY" "$STATIC/checks.py" env --root "$WORK/env2"

# --- dashboard
fresh_copy "$WORK/dash"
mutate "$WORK/dash/monitoring/grafana/dashboards/sleeper-sync.json" 's.replace("sleeper_consumer_pending", "sleeper_consumer_pendingz", 1)'
expect_caught "a dashboard metric the project does not export" "$PY" "$STATIC/checks.py" metrics --root "$WORK/dash"
fresh_copy "$WORK/dash2"
mutate "$WORK/dash2/monitoring/grafana/dashboards/sleeper-sync.json" 's[:-3]'
expect_caught "an invalid dashboard JSON" "$PY" "$STATIC/checks.py" metrics --root "$WORK/dash2"

# --- kubernetes
fresh_copy "$WORK/k1"
mutate "$WORK/k1/deploy/kubernetes/consumer-scaledobject.yaml" 's.replace("lagCount:", "pendingEntriesCount:")'
expect_caught "KEDA scaling on pendingEntriesCount" "$PY" "$STATIC/checks.py" k8s --root "$WORK/k1"
fresh_copy "$WORK/k2"
mutate "$WORK/k2/deploy/kubernetes/consumer-scaledobject.yaml" 's.replace("  minReplicaCount: 1", "  minReplicas: 1")'
expect_caught "a field KEDA's schema does not have" "$PY" "$STATIC/checks.py" k8s --root "$WORK/k2"
fresh_copy "$WORK/k3"
mutate "$WORK/k3/deploy/kubernetes/producer.yaml" 's.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: yes please")'
expect_caught "a Kubernetes field of the wrong type" "$PY" "$STATIC/checks.py" k8s --root "$WORK/k3"
fresh_copy "$WORK/k4"
mutate "$WORK/k4/deploy/kubernetes/producer.yaml" 's.replace("type: Recreate", "type: RollingUpdate")'
expect_caught "a producer rollout that could run two producers" "$PY" "$STATIC/checks.py" k8s --root "$WORK/k4"

if [ "$failures" -gt 0 ]; then
  echo "self-test: $failures case(s) not caught"
  exit 1
fi
