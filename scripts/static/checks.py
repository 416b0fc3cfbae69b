#!/usr/bin/env python3
"""Static checks of the deployment files, run by scripts/check-static.sh.

Each subcommand checks one area, prints one `ok ...` line per check that
passed and `FAIL ...` lines naming what is wrong, and exits 1 on any failure.
`--root` points at a copy of the repository (the self-test in
scripts/static/test_static.sh breaks copies on purpose).

    checks.py alerts   alert annotations/labels; every alert fires and stays silent in alerts.test.yml
    checks.py compose  compose files vs the Compose Specification after interpolation, plus the stack's rules
    checks.py env      every variable the binaries read is in .env.example and docker-compose.yml
    checks.py metrics  every metric the dashboard and the alerts use is one the project exports
    checks.py k8s      kustomize base vs Kubernetes (kubernetes-validate) and KEDA schemas, plus its rules
"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys

import jsonschema
import yaml

FAILED = []


def ok(msg):
    print(f"ok   {msg}")


def fail(msg):
    FAILED.append(msg)
    print(f"FAIL {msg}")


def expect(cond, msg, detail=""):
    if cond:
        ok(msg)
    else:
        fail(msg + (f": {detail}" if detail else ""))
    return cond


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


# --------------------------------------------------------------------------- alerts
def cmd_alerts(root):
    rules = load_yaml(root / "monitoring/prometheus/alerts.yml")
    tests = load_yaml(root / "monitoring/prometheus/alerts.test.yml")
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    expect(len(alerts) > 0, "alerts.yml defines alerts", "none found")
    bad = []
    for a in alerts:
        name = a["alert"]
        ann = a.get("annotations", {})
        sev = a.get("labels", {}).get("severity")
        if sev not in ("critical", "warning", "info"):
            bad.append(f"{name}: severity {sev!r}")
        for key in ("summary", "description", "runbook"):
            if not str(ann.get(key, "")).strip():
                bad.append(f"{name}: no {key}")
        if "$value" not in str(ann.get("description", "")):
            bad.append(f"{name}: description does not show $value")
    expect(not bad, f"every alert ({len(alerts)}) has severity, summary, description with its value, runbook", "; ".join(bad))

    fires, silent = set(), set()
    for t in tests.get("tests", []):
        for case in t.get("alert_rule_test", []) or []:
            (fires if case.get("exp_alerts") else silent).add(case["alertname"])
    names = {a["alert"] for a in alerts}
    expect(not (names - fires), "alerts.test.yml shows every alert firing", ", ".join(sorted(names - fires)))
    expect(not (names - silent), "alerts.test.yml shows every alert staying silent", ", ".join(sorted(names - silent)))
    unknown = (fires | silent) - names
    expect(not unknown, "alerts.test.yml tests only alerts that exist", ", ".join(sorted(unknown)))
    with_for = {a["alert"] for a in alerts if a.get("for")}
    # an alert with `for:` must be tested silent at some time (the pending window) as well as firing
    expect(with_for <= silent, "every alert with `for:` is tested before its duration elapses", ", ".join(sorted(with_for - silent)))


# --------------------------------------------------------------------------- compose
INTERP = re.compile(r"\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
BRACED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$", re.S)


class InterpolationError(Exception):
    pass


def parse_env_file(path):
    env = {}
    for line in pathlib.Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ValueError(f"{path}: not KEY=VALUE: {line!r}")
        k, v = line.split("=", 1)
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        env[k.strip()] = v
    return env


def interpolate_str(s, env, where):
    def sub(m):
        if m.group(1):
            return "$"
        if m.group(3):
            return env.get(m.group(3), "")
        inner = m.group(2)
        bm = BRACED.match(inner)
        if not bm:
            raise InterpolationError(f"{where}: bad substitution ${{{inner}}}")
        name, op, arg = bm.group(1), bm.group(2), bm.group(3) or ""
        val = env.get(name)
        unset_or_empty = val is None or (val == "" and op and op.startswith(":"))
        if op is None:
            return val or ""
        if op in (":-", "-"):
            return arg if unset_or_empty else val
        if op in (":?", "?"):
            if unset_or_empty:
                raise InterpolationError(f"{where}: required variable {name} is missing ({arg})")
            return val
        if op in (":+", "+"):
            return "" if unset_or_empty else arg
        raise InterpolationError(f"{where}: bad operator in ${{{inner}}}")

    return INTERP.sub(sub, s)


def interpolate(node, env, where="$"):
    if isinstance(node, dict):
        return {k: interpolate(v, env, f"{where}.{k}") for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env, f"{where}[{i}]") for i, v in enumerate(node)]
    if isinstance(node, str):
        return interpolate_str(node, env, where)
    return node


def required_vars(text):
    """Variables referenced as ${VAR:?...} or ${VAR?...}."""
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", text))


def merge(base, over):
    """Compose-style merge of an override file (mappings merge, sequences of
    ports/volumes append, scalars replace)."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    if isinstance(base, list) and isinstance(over, list):
        return base + [v for v in over if v not in base]
    return over


def published_host_ips(service):
    ips = []
    for p in service.get("ports", []) or []:
        if isinstance(p, dict):
            ips.append(p.get("host_ip", "0.0.0.0") if "published" in p else None)
        else:
            parts = str(p).rsplit(":", 2)
            ips.append(parts[0] if len(parts) == 3 else ("0.0.0.0" if len(parts) == 2 else None))
    return [ip for ip in ips if ip is not None]


def cmd_compose(root):
    schema = json.loads((root / "schemas/compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    env_example = parse_env_file(root / ".env.example")

    files = {
        "docker-compose.yml": root / "docker-compose.yml",
        "docker-compose.dev.yml": root / "docker-compose.dev.yml",
        "docker-stack.yml": root / "docker-stack.yml",
    }
    texts = {n: p.read_text() for n, p in files.items() if p.exists()}
    expect("docker-compose.yml" in texts, "docker-compose.yml exists")
    required = set().union(*(required_vars(t) for t in texts.values()))

    # Secrets: empty in .env.example, required (${VAR:?}) wherever used.
    secret_like = {k for k in env_example if re.search(r"PASSWORD|SECRET", k)}
    non_empty = sorted(k for k in secret_like if env_example[k])
    expect(not non_empty, ".env.example leaves every secret empty", ", ".join(non_empty))
    loose = []
    for n, t in texts.items():
        for m in re.finditer(r"(?<!\$)\$\{?([A-Z][A-Z0-9_]*(?:PASSWORD|SECRET)[A-Z0-9_]*)(\}|:-|-|:\?|\?)?", t):
            if m.group(2) not in (":?", "?"):
                loose.append(f"{n}: {m.group(0)}")
    expect(not loose, "compose files use secrets only as ${VAR:?...} (no defaults)", "; ".join(loose))

    # Unconfigured (.env.example as copied): compose must refuse to start.
    try:
        interpolate(load_yaml(files["docker-compose.yml"]), env_example)
        fail("docker-compose.yml refuses to start with the secrets of .env.example unset: interpolation succeeded")
    except InterpolationError as e:
        ok(f"docker-compose.yml refuses to start unconfigured ({str(e).split(': ', 1)[1]})")

    placeholders = {v: f"placeholder{v.lower().replace('_', '')}" for v in required if not env_example.get(v)}
    env = {**env_example, **placeholders}
    rendered = {}
    for n, t in texts.items():
        try:
            doc = interpolate(yaml.safe_load(t), env)
        except InterpolationError as e:
            fail(f"{n} interpolates with .env.example + placeholder secrets: {e}")
            continue
        rendered[n] = doc
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        expect(not errors, f"{n} is valid against the Compose Specification (after interpolation)",
               "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5]))

    base = rendered.get("docker-compose.yml")
    if not base:
        return
    if "docker-compose.dev.yml" in rendered:
        merged = merge(base, rendered["docker-compose.dev.yml"])
        errors = list(validator.iter_errors(merged))
        expect(not errors, "docker-compose.yml + docker-compose.dev.yml merged is valid",
               "; ".join(e.message[:200] for e in errors[:5]))
        dev_services = set(rendered["docker-compose.dev.yml"].get("services", {}))
        expect(dev_services <= set(base["services"]), "the dev override only changes services of docker-compose.yml",
               ", ".join(sorted(dev_services - set(base["services"]))))
    else:
        merged = base

    svcs = base["services"]
    for name in ("postgres", "redis", "migrate", "hasura", "producer", "consumer", "prometheus", "grafana"):
        expect(name in svcs, f"docker-compose.yml has service {name}")
    if not all(n in svcs for n in ("postgres", "redis", "migrate", "hasura", "producer", "consumer")):
        return

    # every published port on loopback (the dev override included)
    exposed = []
    for fname, doc in (("docker-compose.yml", base), ("with dev override", merged)):
        for sname, s in doc["services"].items():
            for ip in published_host_ips(s):
                if ip != "127.0.0.1":
                    exposed.append(f"{fname}: {sname} on {ip}")
    expect(not exposed, "every published port is bound to 127.0.0.1 by default", "; ".join(exposed))

    redis_cmd = json.dumps(svcs["redis"].get("command", ""))
    for flag in ("--appendonly yes", "--appendfsync everysec", "--maxmemory-policy noeviction", "requirepass"):
        expect(flag in redis_cmd, f"redis runs with {flag}")

    def depends(svc, dep, cond):
        d = svcs[svc].get("depends_on", {})
        return isinstance(d, dict) and d.get(dep, {}).get("condition") == cond

    for svc in ("consumer", "hasura"):
        expect(depends(svc, "migrate", "service_completed_successfully"), f"{svc} waits for migrate to complete")
    expect(svcs["producer"].get("deploy", {}).get("replicas", 1) in (1, "1"), "producer runs one replica")
    expect(str(svcs["consumer"].get("deploy", {}).get("replicas", "")) not in ("", "0", "1"),
           "consumer runs several replicas by default", str(svcs["consumer"].get("deploy", {}).get("replicas")))
    expect("cli-migrations-v3" in svcs["hasura"].get("image", ""), "hasura uses the cli-migrations-v3 image")
    henv = svcs["hasura"].get("environment", {})
    expect(henv.get("HASURA_GRAPHQL_UNAUTHORIZED_ROLE") == "anonymous", "hasura's unauthorized role is anonymous")
    expect(any(str(v).startswith("./hasura/metadata:") for v in svcs["hasura"].get("volumes", [])), "hasura mounts ./hasura/metadata")
    for sname in ("migrate", "producer", "consumer"):
        s = svcs[sname]
        expect(str(s.get("read_only")).lower() == "true" and str(s.get("user", "0")).split(":")[0] not in ("0", "root"),
               f"{sname} runs non-root with a read-only root filesystem")
    nohealth = [n for n, s in svcs.items() if n != "migrate" and not s.get("healthcheck")]
    expect(not nohealth, "every long-running service has a healthcheck", ", ".join(nohealth))
    norestart = [n for n, s in svcs.items() if n != "migrate" and s.get("restart") not in ("unless-stopped", "always", "on-failure")]
    expect(not norestart, "every long-running service has a restart policy", ", ".join(norestart))
    nolimits = [n for n, s in svcs.items() if not s.get("deploy", {}).get("resources", {}).get("limits")]
    expect(not nolimits, "every service has resource limits", ", ".join(nolimits))

    if "docker-stack.yml" in rendered:
        stack = rendered["docker-stack.yml"]["services"]
        bad = []
        for sname, s in stack.items():
            d = s.get("deploy", {})
            if d.get("mode") == "replicated-job":
                continue
            if not d.get("restart_policy"):
                bad.append(f"{sname}: no restart_policy")
            if sname in ("producer", "consumer") and (d.get("update_config", {}).get("failure_action") != "rollback" or not d.get("rollback_config")):
                bad.append(f"{sname}: no rolling update with rollback")
        if "producer" in stack:
            if str(stack["producer"].get("deploy", {}).get("replicas")) != "1":
                bad.append("producer: replicas must be 1")
            if stack["producer"].get("deploy", {}).get("update_config", {}).get("order") != "stop-first":
                bad.append("producer: update order must be stop-first (never two producers)")
        expect(not bad and "producer" in stack and "consumer" in stack,
               "docker-stack.yml: replicas, rolling update with rollback, restart policies", "; ".join(bad))


# --------------------------------------------------------------------------- env
RUST_DIRS = ("shared/src", "producer/src", "consumer/src")
NAME = r"[A-Z][A-Z0-9_]{2,}"
ENV_CALL = re.compile(r"\benv\s*\.\s*[a-z_][a-z0-9_]*\s*\(\s*\"(" + NAME + r")\"")
STD_ENV = re.compile(r"\benv::var(?:_os)?\s*\(\s*\"(" + NAME + r")\"")
CLAP_ENV = re.compile(r"\benv\s*=\s*\"(" + NAME + r")\"")
FOR_LIST = re.compile(r"for\s+(\w+)\s+in\s+\[([^\]]*)\]")


def strip_test_modules(src):
    """Drop `#[cfg(test)]` items (test fixtures set variables, they do not read them)."""
    out, i = [], 0
    while True:
        j = src.find("#[cfg(test)]", i)
        if j < 0:
            out.append(src[i:])
            return "".join(out)
        out.append(src[i:j])
        k = src.find("{", j)
        semi = src.find(";", j)
        if k < 0 or (0 <= semi < k):
            i = semi + 1 if semi >= 0 else len(src)
            continue
        depth = 0
        for pos in range(k, len(src)):
            if src[pos] == "{":
                depth += 1
            elif src[pos] == "}":
                depth -= 1
                if depth == 0:
                    break
        i = pos + 1


def rust_env_vars(root):
    found = {}
    for d in RUST_DIRS:
        for path in sorted((root / d).rglob("*.rs")) if (root / d).exists() else []:
            src = strip_test_modules(path.read_text())
            names = set(ENV_CALL.findall(src)) | set(STD_ENV.findall(src)) | set(CLAP_ENV.findall(src))
            for m in FOR_LIST.finditer(src):
                var, items = m.group(1), m.group(2)
                body = src[m.end(): m.end() + 600]
                if re.search(r"\benv\s*\.\s*[a-z_]+\s*\(\s*" + re.escape(var) + r"\b", body):
                    names |= set(re.findall(r"\"(" + NAME + r")\"", items))
            for n in names:
                found.setdefault(n, str(path.relative_to(root)))
    return found


# Set by the operating system or the container runtime, not by the operator.
SYSTEM_VARS = {"HOSTNAME", "HOME", "PATH", "USER", "TZ", "TMPDIR", "PWD", "SHELL"}
# Fault-injection knobs for the crash tests: documented, never passed by compose.
TEST_ONLY_VARS = {"CONSUMER_CRASH_AFTER_COMMIT"}


def cmd_env(root):
    found = {n: p for n, p in rust_env_vars(root).items() if n not in SYSTEM_VARS}
    expect(len(found) > 0, f"found the variables the binaries read ({len(found)})", "none: did the env lookup pattern change?")
    env_example = parse_env_file(root / ".env.example")
    compose = (root / "docker-compose.yml").read_text()
    compose_doc = yaml.safe_load(compose)
    compose_keys = set()
    for s in compose_doc.get("services", {}).values():
        e = s.get("environment", {})
        compose_keys |= set(e) if isinstance(e, dict) else {x.split("=", 1)[0] for x in e}
    compose_refs = set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", compose))
    all_refs = set(compose_refs)
    for extra in ("docker-compose.dev.yml", "docker-stack.yml"):
        if (root / extra).exists():
            all_refs |= set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", (root / extra).read_text()))
    missing_example = sorted(n for n in found if n not in env_example)
    missing_compose = sorted(n for n in found if n not in compose_keys and n not in compose_refs and n not in TEST_ONLY_VARS)
    expect(not missing_example, "every variable the binaries read is documented in .env.example",
           ", ".join(f"{n} ({found[n]})" for n in missing_example))
    expect(not missing_compose, "every variable the binaries read is passed in docker-compose.yml",
           ", ".join(f"{n} ({found[n]})" for n in missing_compose))
    # every ${VAR} compose uses is documented too
    undocumented = sorted(v for v in all_refs if v not in env_example)
    expect(not undocumented, "every variable the compose files interpolate is documented in .env.example", ", ".join(undocumented))


# --------------------------------------------------------------------------- metrics
# The metrics docs/design.md ("Metrics") names.
DESIGN_METRICS = {
    # producer
    "sleeper_api_requests_total", "sleeper_api_request_duration_seconds", "sleeper_ratelimit_wait_seconds",
    "sleeper_events_published_total", "sleeper_snapshots_unchanged_total", "sleeper_last_success_timestamp_seconds",
    "sleeper_oldest_snapshot_age_seconds",
    # consumer
    "sleeper_events_projected_total", "sleeper_projection_batch_seconds", "sleeper_dead_letters_total", "sleeper_dlq_length",
    # both
    "sleeper_consumer_lag_events", "sleeper_consumer_lag_seconds", "sleeper_consumer_pending", "sleeper_stream_length",
    "sleeper_redis_used_memory_bytes",
}
# Named with the developers (see the report in the commit that added this).
EXTRA_METRICS = {
    "sleeper_plan_deferred_total", "sleeper_quota_saturated", "sleeper_api_not_found_total",
    "sleeper_api_invalid_body_total", "sleeper_redis_maxmemory_bytes",
}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
METRIC_TOKEN = re.compile(r"(?<![A-Za-z0-9_:\"{.])((?:sleeper|process)_[a-z0-9_]+|sleeper:[a-z0-9_:]+)\b")


def rust_metric_names(root):
    names = set()
    for d in RUST_DIRS:
        for path in (root / d).rglob("*.rs") if (root / d).exists() else []:
            names |= set(re.findall(r"\"(sleeper_[a-z0-9_]+)\"", path.read_text()))
    return names


def unknown_metrics(expr, known, recorded):
    bad = []
    for tok in METRIC_TOKEN.findall(expr):
        if tok.startswith("process_") or tok in recorded or tok in known:
            continue
        base = next((tok[: -len(s)] for s in HISTOGRAM_SUFFIXES if tok.endswith(s)), None)
        if base and base in known:
            continue
        bad.append(tok)
    return bad


def cmd_metrics(root):
    from_rust = rust_metric_names(root)
    known = DESIGN_METRICS | EXTRA_METRICS | from_rust
    rules = load_yaml(root / "monitoring/prometheus/alerts.yml")
    recorded = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}

    dash_path = root / "monitoring/grafana/dashboards/sleeper-sync.json"
    try:
        dash = json.loads(dash_path.read_text())
        ok("grafana dashboard is valid JSON")
    except (OSError, json.JSONDecodeError) as e:
        fail(f"grafana dashboard is valid JSON: {e}")
        return

    def panels(ps):
        for p in ps:
            yield p
            yield from panels(p.get("panels", []))

    all_panels = list(panels(dash.get("panels", [])))
    exprs, bad, empty = [], [], []
    for p in all_panels:
        if p.get("type") == "row":
            continue
        ts = p.get("targets", [])
        if not ts:
            empty.append(p.get("title"))
        for t in ts:
            e = t.get("expr", "")
            exprs.append(e)
            if not METRIC_TOKEN.search(e) and "up{" not in e:
                empty.append(f"{p.get('title')}: {e}")
            bad += [f"{p.get('title')}: {m}" for m in unknown_metrics(e, known, recorded)]
    expect(not empty, f"every dashboard panel ({len(all_panels)}) queries a metric", "; ".join(map(str, empty)))
    expect(not bad, "every metric in the dashboard is one the project exports", "; ".join(bad))
    ids = [p.get("id") for p in all_panels]
    expect(len(ids) == len(set(ids)), "dashboard panel ids are unique")
    wanted = {
        "throughput by kind": "sleeper_events_projected_total", "lag in events": "sleeper_consumer_lag_events",
        "lag in seconds": "sleeper_consumer_lag_seconds", "pending": "sleeper_consumer_pending",
        "DLQ": "sleeper_dlq_length", "API requests by status": "sleeper_api_requests_total",
        "request latency": "sleeper_api_request_duration_seconds_bucket", "rate-limit waits": "sleeper_ratelimit_wait_seconds_bucket",
        "RSS": "process_resident_memory_bytes",
    }
    joined = "\n".join(exprs)
    missing = [k for k, m in wanted.items() if m not in joined]
    expect(not missing, "the dashboard shows throughput, lag, pending, DLQ, API status, latency, rate-limit waits, RSS", ", ".join(missing))

    ds = load_yaml(root / "monitoring/grafana/provisioning/datasources/prometheus.yml")
    uids = {d.get("uid") for d in ds.get("datasources", [])}
    used = {t.get("datasource", {}).get("uid") for p in all_panels for t in p.get("targets", [])} - {None}
    expect(used <= uids, "dashboard queries the provisioned datasource", f"uses {sorted(used)}, provisioned {sorted(uids)}")

    bad_rules = []
    for g in rules["groups"]:
        for r in g["rules"]:
            bad_rules += [f"{r.get('alert') or r.get('record')}: {m}" for m in unknown_metrics(r["expr"], known, recorded)]
    expect(not bad_rules, "every metric in alerts.yml is one the project exports", "; ".join(bad_rules))

    if from_rust:
        absent = sorted((DESIGN_METRICS | EXTRA_METRICS) - from_rust)
        if absent:
            print(f"note metrics the monitoring uses but the Rust sources do not name (yet): {', '.join(absent)}")


# --------------------------------------------------------------------------- kubernetes
def kustomize_lite(kdir):
    """Enough of kustomize for validation when kubectl is not installed:
    resources, namespace, configMapGenerator literals, images."""
    k = load_yaml(kdir / "kustomization.yaml")
    docs = []
    for r in k.get("resources", []):
        docs += [d for d in yaml.safe_load_all((kdir / r).read_text()) if d]
    for g in k.get("configMapGenerator", []):
        data = dict(l.split("=", 1) for l in g.get("literals", []))
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": g["name"]}, "data": data})
    images = {i["name"]: i for i in k.get("images", [])}
    for d in docs:
        if k.get("namespace") and d["kind"] != "Namespace":
            d["metadata"]["namespace"] = k["namespace"]
        for c in containers_of(d):
            i = images.get(c.get("image"))
            if i:
                c["image"] = f"{i.get('newName', c['image'])}:{i.get('newTag', 'latest')}"
    return docs


def pod_spec(d):
    spec = d.get("spec", {})
    if d["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        return spec.get("template", {}).get("spec", {})
    return None


def containers_of(d):
    ps = pod_spec(d) or {}
    return ps.get("containers", []) + ps.get("initContainers", [])


def cmd_k8s(root, use_kubectl=True):
    kdir = root / "deploy/kubernetes"
    if use_kubectl and shutil.which("kubectl"):
        r = subprocess.run(["kubectl", "kustomize", str(kdir)], capture_output=True, text=True)
        if not expect(r.returncode == 0, "kubectl kustomize renders deploy/kubernetes", r.stderr.strip()[:500]):
            return
        docs = [d for d in yaml.safe_load_all(r.stdout) if d]
    else:
        docs = kustomize_lite(kdir)
        ok("deploy/kubernetes rendered (kustomize-lite; kubectl not installed)")

    import kubernetes_validate  # noqa: E402  (installed by check-static.sh)

    version = kubernetes_validate.utils.latest_version()
    keda = {
        "ScaledObject": json.loads((root / "schemas/keda/scaledobject-keda-v1alpha1.json").read_text()),
        "TriggerAuthentication": json.loads((root / "schemas/keda/triggerauthentication-keda-v1alpha1.json").read_text()),
    }
    errors = []
    for d in docs:
        ident = f"{d.get('kind')}/{d.get('metadata', {}).get('name')}"
        if d.get("apiVersion", "").startswith("keda.sh/"):
            schema = keda.get(d["kind"])
            if schema is None:
                errors.append(f"{ident}: no vendored KEDA schema")
                continue
            errs = list(jsonschema.Draft202012Validator(schema).iter_errors(d))
            errors += [f"{ident}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errs[:3]]
            continue
        try:
            kubernetes_validate.validate(d, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{ident}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
        except kubernetes_validate.utils.SchemaNotFoundError as e:
            errors.append(f"{ident}: {e.message}")
    expect(not errors, f"{len(docs)} Kubernetes resources valid (Kubernetes {version} strict schemas, KEDA v1alpha1)", "; ".join(errors))

    by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    prod = by.get(("Deployment", "sleeper-producer"))
    cons = by.get(("Deployment", "sleeper-consumer"))
    expect(prod is not None and prod["spec"].get("replicas") == 1 and prod["spec"].get("strategy", {}).get("type") == "Recreate",
           "producer Deployment: exactly one replica, Recreate")
    expect(cons is not None and "replicas" not in cons["spec"], "consumer Deployment leaves its replica count to KEDA")

    cm = next((d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("sleeper-sync-config")), {"data": {}})
    so = [d for d in docs if d["kind"] == "ScaledObject"]
    good = False
    for s in so:
        for t in s["spec"].get("triggers", []):
            m = t.get("metadata", {})
            good |= (t.get("type") == "redis-streams" and "lagCount" in m and "pendingEntriesCount" not in m
                     and "streamLength" not in m
                     and m.get("consumerGroup") == cm["data"].get("CONSUMER_GROUP", "projector")
                     and m.get("stream") == cm["data"].get("STREAM_KEY", "sleeper:events")
                     and s["spec"]["scaleTargetRef"]["name"] == "sleeper-consumer")
    expect(good, "KEDA ScaledObject scales sleeper-consumer with redis-streams on the group's lagCount")

    expect(any(d["kind"] == "PodDisruptionBudget" for d in docs), "a PodDisruptionBudget protects the consumers")
    job = [d for d in docs if d["kind"] == "Job" and any("migrate" in c.get("command", []) for c in containers_of(d))]
    expect(bool(job), "a Job runs `sleeper-consumer migrate`")
    services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    expect({"sleeper-producer", "sleeper-consumer"} <= services, "Services for producer and consumer")

    problems = []
    for d in docs:
        ps = pod_spec(d)
        if ps is None:
            continue
        ident = f"{d['kind']}/{d['metadata']['name']}"
        if not ps.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f"{ident}: runAsNonRoot")
        for c in containers_of(d):
            sc = c.get("securityContext", {})
            if not sc.get("readOnlyRootFilesystem") or sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{ident}/{c['name']}: readOnlyRootFilesystem, allowPrivilegeEscalation")
            res = c.get("resources", {})
            if not all(k in res.get(x, {}) for x in ("requests", "limits") for k in ("cpu", "memory")):
                problems.append(f"{ident}/{c['name']}: resources")
            if d["kind"] == "Deployment":
                live = c.get("livenessProbe", {}).get("httpGet", {}).get("path")
                ready = c.get("readinessProbe", {}).get("httpGet", {}).get("path")
                if (live, ready) != ("/health", "/ready"):
                    problems.append(f"{ident}/{c['name']}: probes {live}, {ready}")
            for e in c.get("env", []):
                v = str(e.get("value", ""))
                if re.search(r"PASSWORD|SECRET", e["name"]) or re.search(r"://[^/@\s]*:[^/@\s]+@", v):
                    if "value" in e:
                        problems.append(f"{ident}/{c['name']}: {e['name']} inlined")
    expect(not problems, "pods: non-root, read-only root filesystem, resources, /health and /ready probes", "; ".join(problems))
    secrets = [d["metadata"]["name"] for d in docs if d["kind"] == "Secret"]
    expect(not secrets, "no Secret is inlined in the manifests (they are referenced)", ", ".join(secrets))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("check", choices=["alerts", "compose", "env", "metrics", "k8s"])
    ap.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]))
    ap.add_argument("--no-kubectl", action="store_true", help="render with kustomize-lite even if kubectl exists")
    a = ap.parse_args()
    root = pathlib.Path(a.root).resolve()
    if a.check == "k8s":
        cmd_k8s(root, use_kubectl=not a.no_kubectl)
    else:
        {"alerts": cmd_alerts, "compose": cmd_compose, "env": cmd_env, "metrics": cmd_metrics}[a.check](root)
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
