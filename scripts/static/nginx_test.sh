#!/usr/bin/env bash
# `nginx -t` on proxy/templates/sleeper.conf.template, rendered the way the
# nginx image renders it (envsubst of the PROXY_* variables only), with
# throw-away self-signed certificates and the compose upstream names mapped
# to loopback (nginx resolves them when it loads the configuration).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/conf.d" "$T/certs"
export PROXY_GRAPHQL_HOST=graphql.localhost PROXY_GRAFANA_HOST=grafana.localhost
for h in "$PROXY_GRAPHQL_HOST" "$PROXY_GRAFANA_HOST"; do
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$h" \
    -keyout "$T/certs/$h.key" -out "$T/certs/$h.crt" 2>/dev/null
done
# shellcheck disable=SC2016
envsubst '${PROXY_GRAPHQL_HOST} ${PROXY_GRAFANA_HOST}' <"$ROOT/proxy/templates/sleeper.conf.template" |
  sed -e "s#/etc/nginx/certs#$T/certs#" \
      -e 's#http://hasura:8080#http://127.0.0.1:8080#' \
      -e 's#http://grafana:3000#http://127.0.0.1:3000#' >"$T/conf.d/sleeper.conf"
printf 'pid %s/nginx.pid;\nerror_log stderr;\nevents {}\nhttp { include %s/conf.d/*.conf; }\n' "$T" "$T" >"$T/nginx.conf"
nginx -t -q -c "$T/nginx.conf" -p "$T"
