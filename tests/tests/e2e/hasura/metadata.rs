//! Loading Hasura's metadata directory (config v3), `!include` resolved in
//! both the tag form and the quoted-string form the Hasura CLI writes, and
//! reading the tracked tables out of it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

/// The files Hasura's config v3 directory holds besides `databases/`.
pub const STANDARD_FILES: &[&str] = &[
    "version.yaml",
    "actions.graphql",
    "actions.yaml",
    "allow_list.yaml",
    "api_limits.yaml",
    "backend_configs.yaml",
    "cron_triggers.yaml",
    "graphql_schema_introspection.yaml",
    "inherited_roles.yaml",
    "metrics_config.yaml",
    "network.yaml",
    "opentelemetry.yaml",
    "query_collections.yaml",
    "remote_schemas.yaml",
    "rest_endpoints.yaml",
];

/// Parse a YAML file and resolve every `!include` in it, relative to the
/// including file's directory (as the Hasura CLI does).
pub fn load_yaml(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    resolve(value, path.parent().unwrap_or(Path::new(".")))
}

fn resolve(value: Value, dir: &Path) -> Result<Value, String> {
    match value {
        // the form the Hasura CLI writes: a quoted string
        Value::String(s) if s.starts_with("!include ") => {
            load_yaml(&dir.join(s["!include ".len()..].trim()))
        }
        // the YAML tag form: !include file.yaml
        Value::Tagged(t) if t.tag == "!include" || t.tag == "include" => match t.value {
            Value::String(s) => load_yaml(&dir.join(s.trim())),
            other => Err(format!("!include of a non-string: {other:?}")),
        },
        Value::Sequence(items) => items
            .into_iter()
            .map(|v| resolve(v, dir))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Sequence),
        Value::Mapping(m) => {
            let mut out = serde_yaml::Mapping::new();
            for (k, v) in m {
                out.insert(k, resolve(v, dir)?);
            }
            Ok(Value::Mapping(out))
        }
        other => Ok(other),
    }
}

/// The metadata directory: each standard file by name, and the sources.
pub struct Metadata {
    pub files: BTreeMap<String, Value>,
    pub sources: Value,
}

pub fn load_metadata(dir: &Path) -> Result<Metadata, String> {
    let mut files = BTreeMap::new();
    for f in STANDARD_FILES {
        let path = dir.join(f);
        let v = if f.ends_with(".graphql") {
            Value::String(std::fs::read_to_string(&path).map_err(|e| format!("{f}: {e}"))?)
        } else {
            load_yaml(&path)?
        };
        files.insert(f.to_string(), v);
    }
    let sources = load_yaml(&dir.join("databases/databases.yaml"))?;
    Ok(Metadata { files, sources })
}

pub fn tables_of(meta: &Metadata) -> Vec<&Value> {
    meta.sources
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|s| s["tables"].as_sequence().into_iter().flatten())
        .collect()
}

pub fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

pub fn table_key(entry: &Value) -> (String, String) {
    (
        str_of(&entry["table"]["schema"]).to_string(),
        str_of(&entry["table"]["name"]).to_string(),
    )
}

/// The GraphQL name of column `c` of a tracked table.
pub fn custom_column(entry: &Value, c: &str) -> String {
    let conf = &entry["configuration"];
    conf["column_config"][c]["custom_name"]
        .as_str()
        .or_else(|| conf["custom_column_names"][c].as_str())
        .unwrap_or(c)
        .to_string()
}
