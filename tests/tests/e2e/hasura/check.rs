//! The metadata against the catalog of a freshly migrated database: every
//! tracked table or view exists in schema `sleeper`, every table and view of
//! `sleeper` not starting with `_` is tracked, nothing of `pipeline` is,
//! every permission column, custom column name and relationship column
//! mapping exists, and the role `anonymous` has select permissions only —
//! all columns, `filter: {}`, a row limit.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::catalog::Catalog;
use super::metadata::{custom_column, str_of, table_key, tables_of, Metadata};
use super::{ROLE, SCHEMA};

/// Columns deliberately hidden from `anonymous` (none today).
const HIDDEN_COLUMNS: &[(&str, &str)] = &[];

const ALLOWED_TABLE_KEYS: &[&str] = &[
    "table",
    "configuration",
    "object_relationships",
    "array_relationships",
    "select_permissions",
];

/// Tracked tables by (schema, name).
type Tracked<'a> = BTreeMap<(String, String), &'a Value>;

/// A tracked table of schema `sleeper` that the catalog has.
struct Table<'a> {
    /// `schema.name`, as the messages name it.
    t: String,
    name: &'a str,
    entry: &'a Value,
    columns: &'a [String],
    is_view: bool,
}

/// Every disagreement between the metadata and the catalog, as messages.
pub fn check_metadata(meta: &Metadata, cat: &Catalog) -> Vec<String> {
    let mut errs = Vec::new();
    check_version(meta, &mut errs);
    check_other_files_empty(meta, &mut errs);
    check_source(meta, &mut errs);
    let tracked = tracked_tables(meta, &mut errs);
    let mut root_fields: BTreeMap<String, String> = BTreeMap::new();
    for ((schema, name), entry) in &tracked {
        let Some(table) = in_catalog(schema, name, entry, cat, &mut errs) else {
            continue;
        };
        check_keys(&table, &mut errs);
        check_names(&table, &mut errs);
        check_root_fields(&table, &mut root_fields, &mut errs);
        check_relationships(&table, &tracked, cat, &mut errs);
        check_permissions(&table, &mut errs);
    }
    check_all_tracked(cat, &tracked, &mut errs);
    errs
}

fn check_version(meta: &Metadata, errs: &mut Vec<String>) {
    match meta.files.get("version.yaml") {
        Some(v) if v["version"].as_u64() == Some(3) => {}
        _ => errs.push("version.yaml: not `version: 3`".into()),
    }
}

/// Actions, remote schemas, REST endpoints, cron triggers... would widen
/// what anonymous can reach; none are part of the design: every standard
/// file but `version.yaml` is empty.
fn check_other_files_empty(meta: &Metadata, errs: &mut Vec<String>) {
    for (f, v) in &meta.files {
        let empty_ok = match v {
            Value::Sequence(s) => s.is_empty(),
            Value::Mapping(m) => {
                (f != "actions.yaml" && m.is_empty())
                    || (f == "actions.yaml"
                        && v["actions"].as_sequence().is_some_and(|a| a.is_empty()))
                    || f == "version.yaml"
            }
            Value::String(s) => s.trim().is_empty(),
            Value::Null => true,
            _ => false,
        };
        if !empty_ok && f != "version.yaml" {
            errs.push(format!("{f}: expected empty, found {v:?}"));
        }
    }
}

/// One Postgres source, `default`, its URL from the environment, no
/// functions tracked.
fn check_source(meta: &Metadata, errs: &mut Vec<String>) {
    let sources = meta.sources.as_sequence().cloned().unwrap_or_default();
    if sources.len() != 1 {
        errs.push(format!(
            "databases.yaml: expected one source, found {}",
            sources.len()
        ));
    }
    for s in &sources {
        if str_of(&s["name"]) != "default" || str_of(&s["kind"]) != "postgres" {
            errs.push(format!(
                "source {:?}: expected `default`, kind postgres",
                s["name"]
            ));
        }
        if str_of(&s["configuration"]["connection_info"]["database_url"]["from_env"])
            != "HASURA_GRAPHQL_DATABASE_URL"
        {
            errs.push(
                "source default: database_url must be from_env HASURA_GRAPHQL_DATABASE_URL".into(),
            );
        }
        if let Some(f) = s.get("functions") {
            if f.as_sequence().is_some_and(|f| !f.is_empty()) {
                errs.push(
                    "source default: functions are tracked (none are part of the design)".into(),
                );
            }
        }
    }
}

/// The tracked tables, each once.
fn tracked_tables<'a>(meta: &'a Metadata, errs: &mut Vec<String>) -> Tracked<'a> {
    let mut tracked: Tracked<'a> = BTreeMap::new();
    for e in tables_of(meta) {
        let key = table_key(e);
        if tracked.insert(key.clone(), e).is_some() {
            errs.push(format!("{}.{}: tracked twice", key.0, key.1));
        }
    }
    tracked
}

/// A tracked table, if it is one of schema `sleeper` that the catalog has
/// (bookkeeping tables starting with `_` are reported but still checked).
fn in_catalog<'a>(
    schema: &str,
    name: &'a str,
    entry: &'a Value,
    cat: &'a Catalog,
    errs: &mut Vec<String>,
) -> Option<Table<'a>> {
    let t = format!("{schema}.{name}");
    if schema == "pipeline" {
        errs.push(format!("{t}: schema pipeline must never be tracked"));
        return None;
    }
    if schema != SCHEMA {
        errs.push(format!("{t}: only schema {SCHEMA} is served"));
        return None;
    }
    if name.starts_with('_') {
        errs.push(format!(
            "{t}: bookkeeping tables starting with `_` are not tracked"
        ));
    }
    let Some(columns) = cat.columns(schema, name) else {
        errs.push(format!(
            "{t}: tracked, but no such table or view in the migrated database"
        ));
        return None;
    };
    let is_view = cat.tables[&(schema.to_string(), name.to_string())].0 == "VIEW";
    Some(Table {
        t,
        name,
        entry,
        columns,
        is_view,
    })
}

/// Only select permissions and manual relationships.
fn check_keys(table: &Table, errs: &mut Vec<String>) {
    let Some(m) = table.entry.as_mapping() else {
        return;
    };
    for k in m.keys() {
        if !ALLOWED_TABLE_KEYS.contains(&str_of(k)) {
            errs.push(format!(
                "{}: unexpected `{}` (only select permissions and manual relationships)",
                table.t,
                str_of(k)
            ));
        }
    }
}

/// A clean custom name, and custom column names of columns that exist.
fn check_names(table: &Table, errs: &mut Vec<String>) {
    let t = &table.t;
    let conf = &table.entry["configuration"];
    let custom_name = str_of(&conf["custom_name"]);
    if custom_name.is_empty() || custom_name.starts_with("sleeper_") && custom_name != table.name {
        errs.push(format!(
            "{t}: needs a clean custom_name (not `{custom_name}`)"
        ));
    }
    for key in ["custom_column_names", "column_config"] {
        if let Some(m) = conf[key].as_mapping() {
            for c in m.keys() {
                if !table.columns.iter().any(|x| x == str_of(c)) {
                    errs.push(format!(
                        "{t}: configuration.{key} names column `{}`, which does not exist",
                        str_of(c)
                    ));
                }
            }
        }
    }
}

/// Custom root fields: select kinds only (no `select_by_pk` for a view),
/// clean names, each used by one table (`root_fields`: name → table).
fn check_root_fields(
    table: &Table,
    root_fields: &mut BTreeMap<String, String>,
    errs: &mut Vec<String>,
) {
    let t = &table.t;
    let Some(m) = table.entry["configuration"]["custom_root_fields"].as_mapping() else {
        errs.push(format!("{t}: no configuration.custom_root_fields"));
        return;
    };
    for (k, v) in m {
        let kind = str_of(k);
        if ![
            "select",
            "select_by_pk",
            "select_aggregate",
            "select_stream",
        ]
        .contains(&kind)
        {
            errs.push(format!(
                "{t}: custom root field `{kind}` (anonymous only selects)"
            ));
        }
        if kind == "select_by_pk" && table.is_view {
            errs.push(format!(
                "{t}: a view has no primary key, so no select_by_pk"
            ));
        }
        let v = v.as_str().or_else(|| v["name"].as_str()).unwrap_or("");
        if v.starts_with("sleeper_") && !table.name.starts_with("sleeper_") {
            errs.push(format!("{t}: root field `{v}` is not a clean name"));
        }
        if let Some(other) = root_fields.insert(v.to_string(), t.clone()) {
            errs.push(format!("root field `{v}` used by {other} and {t}"));
        }
    }
}

/// Every relationship: a name of its own, manual, to a tracked table of
/// `sleeper`, mapping columns that exist on both sides.
fn check_relationships(table: &Table, tracked: &Tracked, cat: &Catalog, errs: &mut Vec<String>) {
    let mut field_names: BTreeSet<String> = table
        .columns
        .iter()
        .map(|c| custom_column(table.entry, c))
        .collect();
    for kind in ["object_relationships", "array_relationships"] {
        for r in table.entry[kind].as_sequence().into_iter().flatten() {
            let rname = str_of(&r["name"]);
            let what = format!("{}: relationship `{rname}`", table.t);
            if !field_names.insert(rname.to_string()) {
                errs.push(format!(
                    "{what}: name clashes with a column or another relationship"
                ));
            }
            check_relationship_mapping(table, &what, &r["using"], tracked, cat, errs);
        }
    }
}

/// A relationship's `using`: a manual configuration (there are no foreign
/// keys, docs/design.md rule 3) whose column mapping names columns of both
/// tables.
fn check_relationship_mapping(
    table: &Table,
    what: &str,
    using: &Value,
    tracked: &Tracked,
    cat: &Catalog,
    errs: &mut Vec<String>,
) {
    if using.get("foreign_key_constraint_on").is_some() {
        errs.push(format!("{what}: uses a foreign key, but no foreign keys exist (docs/design.md rule 3): use manual_configuration"));
        return;
    }
    let manual = &using["manual_configuration"];
    let (rs, rt) = (
        str_of(&manual["remote_table"]["schema"]),
        str_of(&manual["remote_table"]["name"]),
    );
    if rs != SCHEMA || !tracked.contains_key(&(rs.to_string(), rt.to_string())) {
        errs.push(format!(
            "{what}: remote table {rs}.{rt} is not a tracked table of schema {SCHEMA}"
        ));
        return;
    }
    let Some(rcols) = cat.columns(rs, rt) else {
        return;
    };
    let mapping = manual["column_mapping"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    if mapping.is_empty() {
        errs.push(format!("{what}: empty column_mapping"));
    }
    for (from, to) in &mapping {
        if !table.columns.iter().any(|c| c == str_of(from)) {
            errs.push(format!(
                "{what}: column_mapping names `{}`, which is not a column of {}",
                str_of(from),
                table.t
            ));
        }
        if !rcols.iter().any(|c| c == str_of(to)) {
            errs.push(format!(
                "{what}: column_mapping names `{}`, which is not a column of {rs}.{rt}",
                str_of(to)
            ));
        }
    }
}

/// Permissions: one select permission, for `anonymous`, nothing else.
fn check_permissions(table: &Table, errs: &mut Vec<String>) {
    let t = &table.t;
    let perms = table.entry["select_permissions"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    let mut anonymous = 0;
    for p in &perms {
        let role = str_of(&p["role"]);
        if role != ROLE {
            errs.push(format!(
                "{t}: select permission for role `{role}` (only {ROLE} is served)"
            ));
            continue;
        }
        anonymous += 1;
        check_anonymous_permission(table, &p["permission"], errs);
    }
    if anonymous != 1 {
        errs.push(format!(
            "{t}: expected one select permission for {ROLE}, found {anonymous}"
        ));
    }
}

/// `anonymous` selects every column (but the hidden ones) by an explicit
/// list, every row (`filter: {}`), under a row limit.
fn check_anonymous_permission(table: &Table, perm: &Value, errs: &mut Vec<String>) {
    let t = &table.t;
    match perm["columns"].as_sequence() {
        None => errs.push(format!("{t}: {ROLE}'s columns must be an explicit list")),
        Some(list) => {
            let listed: BTreeSet<&str> = list.iter().map(str_of).collect();
            for c in &listed {
                if !table.columns.iter().any(|x| x == c) {
                    errs.push(format!(
                        "{t}: {ROLE} may select column `{c}`, which does not exist"
                    ));
                }
            }
            for c in table.columns {
                let hidden = HIDDEN_COLUMNS.contains(&(table.name, c.as_str()));
                if !hidden && !listed.contains(c.as_str()) {
                    errs.push(format!(
                        "{t}: column `{c}` is not in {ROLE}'s select permission"
                    ));
                }
            }
        }
    }
    if perm["filter"].as_mapping().is_none_or(|m| !m.is_empty()) {
        errs.push(format!(
            "{t}: {ROLE}'s filter must be {{}} (every row is public)"
        ));
    }
    if perm["limit"].as_u64().is_none_or(|l| l == 0 || l > 10_000) {
        errs.push(format!(
            "{t}: {ROLE}'s select permission needs a row limit (1..=10000)"
        ));
    }
}

/// Every table and view of `sleeper` not starting with `_` is tracked.
fn check_all_tracked(cat: &Catalog, tracked: &Tracked, errs: &mut Vec<String>) {
    for (schema, name) in cat.tables.keys() {
        if schema == SCHEMA
            && !name.starts_with('_')
            && !tracked.contains_key(&(schema.clone(), name.clone()))
        {
            errs.push(format!(
                "{schema}.{name}: exists in the database but is not tracked"
            ));
        }
    }
}
