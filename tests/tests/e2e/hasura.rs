//! Keeps Hasura honest without running it (issue 6 item 4).
//!
//! The metadata in `hasura/metadata` (config v3, `!include` resolved in both
//! the tag form and the quoted-string form the Hasura CLI writes) is checked
//! against the catalog of a freshly migrated database: every tracked table or
//! view exists in schema `sleeper`, every table and view of `sleeper` not
//! starting with `_` is tracked, nothing of `pipeline` is, every permission
//! column, custom column name and relationship column mapping exists, and the
//! role `anonymous` has select permissions only — all columns, `filter: {}`,
//! a row limit. Then every example operation in `hasura/queries` is parsed
//! (graphql-parser) and its root fields, fields, relationship names and the
//! columns named in `where` / `order_by` / `distinct_on` are looked up in the
//! metadata as `anonymous` sees it. Not a re-implementation of Hasura's type
//! system: argument types and scalar operators are not checked.
//!
//! So renaming a column without updating the metadata (or the examples)
//! fails the test; a test below shows it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use graphql_parser::query::{
    Definition, Document, OperationDefinition, Selection, SelectionSet, Value as GqlValue,
};
use serde_yaml::Value;
use sleeper_tests::harness::{Bin, TestEnv};

const SCHEMA: &str = "sleeper";
const ROLE: &str = "anonymous";
/// Columns deliberately hidden from `anonymous` (none today).
const HIDDEN_COLUMNS: &[(&str, &str)] = &[];
/// The files Hasura's config v3 directory holds besides `databases/`.
const STANDARD_FILES: &[&str] = &[
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
/// Example operations the issue asks for.
const EXAMPLES: &[&str] = &[
    "standings.graphql",
    "scoreboard.graphql",
    "transactions.graphql",
    "draft_board.graphql",
    "league_history.graphql",
    "live_scores.graphql",
];

fn hasura_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../hasura")
}

// ---------------------------------------------------------------- loading

/// Parse a YAML file and resolve every `!include` in it, relative to the
/// including file's directory (as the Hasura CLI does).
fn load_yaml(path: &Path) -> Result<Value, String> {
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
struct Metadata {
    files: BTreeMap<String, Value>,
    sources: Value,
}

fn load_metadata(dir: &Path) -> Result<Metadata, String> {
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

fn tables_of(meta: &Metadata) -> Vec<&Value> {
    meta.sources
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|s| s["tables"].as_sequence().into_iter().flatten())
        .collect()
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn table_key(entry: &Value) -> (String, String) {
    (
        str_of(&entry["table"]["schema"]).to_string(),
        str_of(&entry["table"]["name"]).to_string(),
    )
}

// ---------------------------------------------------------------- catalog

/// Tables and views of schemas `sleeper` and `pipeline`: kind and columns.
#[derive(Debug, Default)]
struct Catalog {
    tables: BTreeMap<(String, String), (String, Vec<String>)>,
}

impl Catalog {
    async fn read(pg: &tokio_postgres::Client) -> Self {
        let mut tables = BTreeMap::new();
        for r in pg
            .query(
                "SELECT table_schema, table_name, table_type FROM information_schema.tables \
                 WHERE table_schema IN ('sleeper', 'pipeline')",
                &[],
            )
            .await
            .expect("catalog tables")
        {
            tables.insert((r.get(0), r.get(1)), (r.get::<_, String>(2), Vec::new()));
        }
        for r in pg
            .query(
                "SELECT table_schema, table_name, column_name FROM information_schema.columns \
                 WHERE table_schema IN ('sleeper', 'pipeline') ORDER BY ordinal_position",
                &[],
            )
            .await
            .expect("catalog columns")
        {
            if let Some(t) = tables.get_mut(&(r.get(0), r.get(1))) {
                t.1.push(r.get(2));
            }
        }
        Self { tables }
    }

    fn columns(&self, schema: &str, table: &str) -> Option<&Vec<String>> {
        self.tables
            .get(&(schema.to_string(), table.to_string()))
            .map(|t| &t.1)
    }
}

// ---------------------------------------------------------------- metadata vs catalog

const ALLOWED_TABLE_KEYS: &[&str] = &[
    "table",
    "configuration",
    "object_relationships",
    "array_relationships",
    "select_permissions",
];

fn check_metadata(meta: &Metadata, cat: &Catalog) -> Vec<String> {
    let mut errs = Vec::new();
    let mut err = |s: String| errs.push(s);

    match meta.files.get("version.yaml") {
        Some(v) if v["version"].as_u64() == Some(3) => {}
        _ => err("version.yaml: not `version: 3`".into()),
    }
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
            // Actions, remote schemas, REST endpoints, cron triggers... would
            // widen what anonymous can reach; none are part of the design.
            err(format!("{f}: expected empty, found {v:?}"));
        }
    }

    let sources = meta.sources.as_sequence().cloned().unwrap_or_default();
    if sources.len() != 1 {
        err(format!(
            "databases.yaml: expected one source, found {}",
            sources.len()
        ));
    }
    for s in &sources {
        if str_of(&s["name"]) != "default" || str_of(&s["kind"]) != "postgres" {
            err(format!(
                "source {:?}: expected `default`, kind postgres",
                s["name"]
            ));
        }
        if str_of(&s["configuration"]["connection_info"]["database_url"]["from_env"])
            != "HASURA_GRAPHQL_DATABASE_URL"
        {
            err("source default: database_url must be from_env HASURA_GRAPHQL_DATABASE_URL".into());
        }
        if let Some(f) = s.get("functions") {
            if f.as_sequence().is_some_and(|f| !f.is_empty()) {
                err("source default: functions are tracked (none are part of the design)".into());
            }
        }
    }

    let entries = tables_of(meta);
    let mut tracked: BTreeMap<(String, String), &Value> = BTreeMap::new();
    for e in &entries {
        let key = table_key(e);
        if tracked.insert(key.clone(), e).is_some() {
            err(format!("{}.{}: tracked twice", key.0, key.1));
        }
    }
    let mut root_fields: BTreeMap<String, String> = BTreeMap::new();

    for ((schema, name), e) in &tracked {
        let t = format!("{schema}.{name}");
        if schema == "pipeline" {
            err(format!("{t}: schema pipeline must never be tracked"));
            continue;
        }
        if schema != SCHEMA {
            err(format!("{t}: only schema {SCHEMA} is served"));
            continue;
        }
        if name.starts_with('_') {
            err(format!(
                "{t}: bookkeeping tables starting with `_` are not tracked"
            ));
        }
        let Some(columns) = cat.columns(schema, name) else {
            err(format!(
                "{t}: tracked, but no such table or view in the migrated database"
            ));
            continue;
        };
        let is_view = cat.tables[&(schema.clone(), name.clone())].0 == "VIEW";
        if let Some(m) = e.as_mapping() {
            for k in m.keys() {
                if !ALLOWED_TABLE_KEYS.contains(&str_of(k)) {
                    err(format!(
                        "{t}: unexpected `{}` (only select permissions and manual relationships)",
                        str_of(k)
                    ));
                }
            }
        }

        // configuration: names
        let conf = &e["configuration"];
        let custom_name = str_of(&conf["custom_name"]);
        if custom_name.is_empty() || custom_name.starts_with("sleeper_") && custom_name != name {
            err(format!(
                "{t}: needs a clean custom_name (not `{custom_name}`)"
            ));
        }
        for key in ["custom_column_names", "column_config"] {
            if let Some(m) = conf[key].as_mapping() {
                for c in m.keys() {
                    if !columns.iter().any(|x| x == str_of(c)) {
                        err(format!(
                            "{t}: configuration.{key} names column `{}`, which does not exist",
                            str_of(c)
                        ));
                    }
                }
            }
        }
        if let Some(m) = conf["custom_root_fields"].as_mapping() {
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
                    err(format!(
                        "{t}: custom root field `{kind}` (anonymous only selects)"
                    ));
                }
                if kind == "select_by_pk" && is_view {
                    err(format!(
                        "{t}: a view has no primary key, so no select_by_pk"
                    ));
                }
                let v = v.as_str().or_else(|| v["name"].as_str()).unwrap_or("");
                if v.starts_with("sleeper_") && !name.starts_with("sleeper_") {
                    err(format!("{t}: root field `{v}` is not a clean name"));
                }
                if let Some(other) = root_fields.insert(v.to_string(), t.clone()) {
                    err(format!("root field `{v}` used by {other} and {t}"));
                }
            }
        } else {
            err(format!("{t}: no configuration.custom_root_fields"));
        }

        // relationships
        let mut field_names: BTreeSet<String> =
            columns.iter().map(|c| custom_column(e, c)).collect();
        for (kind, array) in [
            ("object_relationships", false),
            ("array_relationships", true),
        ] {
            for r in e[kind].as_sequence().into_iter().flatten() {
                let rname = str_of(&r["name"]);
                let what = format!("{t}: relationship `{rname}`");
                if !field_names.insert(rname.to_string()) {
                    err(format!(
                        "{what}: name clashes with a column or another relationship"
                    ));
                }
                let using = &r["using"];
                if using.get("foreign_key_constraint_on").is_some() {
                    err(format!("{what}: uses a foreign key, but no foreign keys exist (DESIGN rule 3): use manual_configuration"));
                    continue;
                }
                let manual = &using["manual_configuration"];
                let (rs, rt) = (
                    str_of(&manual["remote_table"]["schema"]),
                    str_of(&manual["remote_table"]["name"]),
                );
                if rs != SCHEMA || !tracked.contains_key(&(rs.to_string(), rt.to_string())) {
                    err(format!(
                        "{what}: remote table {rs}.{rt} is not a tracked table of schema {SCHEMA}"
                    ));
                    continue;
                }
                let Some(rcols) = cat.columns(rs, rt) else {
                    continue;
                };
                let mapping = manual["column_mapping"]
                    .as_mapping()
                    .cloned()
                    .unwrap_or_default();
                if mapping.is_empty() {
                    err(format!("{what}: empty column_mapping"));
                }
                for (from, to) in &mapping {
                    if !columns.iter().any(|c| c == str_of(from)) {
                        err(format!(
                            "{what}: column_mapping names `{}`, which is not a column of {t}",
                            str_of(from)
                        ));
                    }
                    if !rcols.iter().any(|c| c == str_of(to)) {
                        err(format!(
                            "{what}: column_mapping names `{}`, which is not a column of {rs}.{rt}",
                            str_of(to)
                        ));
                    }
                }
                let _ = array;
            }
        }

        // permissions: anonymous selects, nothing else
        let perms = e["select_permissions"]
            .as_sequence()
            .cloned()
            .unwrap_or_default();
        let mut anonymous = 0;
        for p in &perms {
            let role = str_of(&p["role"]);
            if role != ROLE {
                err(format!(
                    "{t}: select permission for role `{role}` (only {ROLE} is served)"
                ));
                continue;
            }
            anonymous += 1;
            let perm = &p["permission"];
            match perm["columns"].as_sequence() {
                None => err(format!("{t}: {ROLE}'s columns must be an explicit list")),
                Some(list) => {
                    let listed: BTreeSet<&str> = list.iter().map(str_of).collect();
                    for c in &listed {
                        if !columns.iter().any(|x| x == c) {
                            err(format!(
                                "{t}: {ROLE} may select column `{c}`, which does not exist"
                            ));
                        }
                    }
                    for c in columns {
                        let hidden = HIDDEN_COLUMNS.contains(&(name.as_str(), c.as_str()));
                        if !hidden && !listed.contains(c.as_str()) {
                            err(format!(
                                "{t}: column `{c}` is not in {ROLE}'s select permission"
                            ));
                        }
                    }
                }
            }
            if perm["filter"].as_mapping().is_none_or(|m| !m.is_empty()) {
                err(format!(
                    "{t}: {ROLE}'s filter must be {{}} (every row is public)"
                ));
            }
            if perm["limit"].as_u64().is_none_or(|l| l == 0 || l > 10_000) {
                err(format!(
                    "{t}: {ROLE}'s select permission needs a row limit (1..=10000)"
                ));
            }
        }
        if anonymous != 1 {
            err(format!(
                "{t}: expected one select permission for {ROLE}, found {anonymous}"
            ));
        }
    }

    for ((schema, name), (_, _)) in &cat.tables {
        if schema == SCHEMA
            && !name.starts_with('_')
            && !tracked.contains_key(&(schema.clone(), name.clone()))
        {
            err(format!(
                "{schema}.{name}: exists in the database but is not tracked"
            ));
        }
    }
    errs
}

/// The GraphQL name of column `c` of a tracked table.
fn custom_column(entry: &Value, c: &str) -> String {
    let conf = &entry["configuration"];
    conf["column_config"][c]["custom_name"]
        .as_str()
        .or_else(|| conf["custom_column_names"][c].as_str())
        .unwrap_or(c)
        .to_string()
}

// ---------------------------------------------------------------- operations vs metadata

#[derive(Debug, Clone, Copy, PartialEq)]
enum Root {
    Select,
    ByPk,
    Aggregate,
    Stream,
}

struct GqlTable {
    name: String,
    /// GraphQL names of the columns anonymous may select.
    columns: BTreeSet<String>,
    /// relationship → (remote table, is array)
    rels: BTreeMap<String, (String, bool)>,
    aggregations: bool,
}

/// What `anonymous` sees, built from the metadata alone.
struct Surface {
    tables: BTreeMap<String, GqlTable>,
    roots: BTreeMap<String, (String, Root)>,
}

impl Surface {
    fn new(meta: &Metadata) -> Self {
        let mut tables = BTreeMap::new();
        let mut roots = BTreeMap::new();
        for e in tables_of(meta) {
            let (_, name) = table_key(e);
            let Some(perm) = e["select_permissions"]
                .as_sequence()
                .into_iter()
                .flatten()
                .find(|p| str_of(&p["role"]) == ROLE)
            else {
                continue; // invisible to anonymous
            };
            let perm = &perm["permission"];
            let columns = perm["columns"]
                .as_sequence()
                .into_iter()
                .flatten()
                .map(|c| custom_column(e, str_of(c)))
                .collect();
            let mut rels = BTreeMap::new();
            for (kind, array) in [
                ("object_relationships", false),
                ("array_relationships", true),
            ] {
                for r in e[kind].as_sequence().into_iter().flatten() {
                    let remote =
                        str_of(&r["using"]["manual_configuration"]["remote_table"]["name"]);
                    rels.insert(str_of(&r["name"]).to_string(), (remote.to_string(), array));
                }
            }
            let aggregations = perm["allow_aggregations"].as_bool().unwrap_or(false);
            let conf = &e["configuration"];
            let base = conf["custom_name"].as_str().unwrap_or(&name).to_string();
            let custom = &conf["custom_root_fields"];
            for (key, kind, default) in [
                ("select", Root::Select, base.clone()),
                ("select_by_pk", Root::ByPk, format!("{base}_by_pk")),
                (
                    "select_aggregate",
                    Root::Aggregate,
                    format!("{base}_aggregate"),
                ),
                ("select_stream", Root::Stream, format!("{base}_stream")),
            ] {
                let f = custom[key]
                    .as_str()
                    .or_else(|| custom[key]["name"].as_str())
                    .map(str::to_string)
                    .unwrap_or(default);
                if kind == Root::Aggregate && !aggregations {
                    continue;
                }
                roots.insert(f, (name.clone(), kind));
            }
            tables.insert(
                name.clone(),
                GqlTable {
                    name,
                    columns,
                    rels,
                    aggregations,
                },
            );
        }
        Self { tables, roots }
    }
}

type Frags<'a> = BTreeMap<String, &'a SelectionSet<'a, String>>;

struct OpChecker<'a> {
    surface: &'a Surface,
    frags: Frags<'a>,
    errs: Vec<String>,
}

impl<'a> OpChecker<'a> {
    fn err(&mut self, path: &str, msg: String) {
        self.errs.push(format!("{path}: {msg}"));
    }

    fn document(&mut self, file: &str, doc: &'a Document<'a, String>) {
        for d in &doc.definitions {
            if let Definition::Fragment(f) = d {
                self.frags.insert(f.name.clone(), &f.selection_set);
            }
        }
        for d in &doc.definitions {
            let Definition::Operation(op) = d else {
                continue;
            };
            let (set, subscription, name) = match op {
                OperationDefinition::SelectionSet(s) => (s, false, None),
                OperationDefinition::Query(q) => (&q.selection_set, false, q.name.clone()),
                OperationDefinition::Subscription(s) => (&s.selection_set, true, s.name.clone()),
                OperationDefinition::Mutation(m) => {
                    self.err(
                        file,
                        format!("mutation {:?}: anonymous has no mutations", m.name),
                    );
                    continue;
                }
            };
            let path = format!("{file} {}", name.unwrap_or_default());
            self.root(&path, set, subscription);
        }
    }

    fn root(&mut self, path: &str, set: &'a SelectionSet<'a, String>, subscription: bool) {
        for item in &set.items {
            match item {
                Selection::Field(f) => {
                    if f.name == "__typename" || f.name.starts_with("__") {
                        continue;
                    }
                    let p = format!("{path} > {}", f.name);
                    let Some((table, kind)) = self.surface.roots.get(&f.name).cloned() else {
                        self.err(&p, "no such root field for anonymous".into());
                        continue;
                    };
                    if kind == Root::Stream && !subscription {
                        self.err(
                            &p,
                            "streaming root fields exist only in subscriptions".into(),
                        );
                    }
                    self.arguments(&p, &table, kind, &f.arguments);
                    match kind {
                        Root::Aggregate => self.aggregate(&p, &table, &f.selection_set),
                        _ => self.selection(&p, &table, &f.selection_set),
                    }
                }
                Selection::FragmentSpread(s) => match self.frags.get(&s.fragment_name).copied() {
                    Some(set) => self.root(path, set, subscription),
                    None => self.err(path, format!("unknown fragment {}", s.fragment_name)),
                },
                Selection::InlineFragment(i) => self.root(path, &i.selection_set, subscription),
            }
        }
    }

    fn table(&self, name: &str) -> &'a GqlTable {
        let surface: &'a Surface = self.surface;
        &surface.tables[name]
    }

    fn selection(&mut self, path: &str, table: &str, set: &'a SelectionSet<'a, String>) {
        let t = self.table(table);
        if set.items.is_empty() {
            self.err(path, format!("selects nothing of {}", t.name));
        }
        for item in &set.items {
            match item {
                Selection::Field(f) => {
                    let p = format!("{path} > {}", f.name);
                    if f.name == "__typename" {
                        continue;
                    }
                    if t.columns.contains(&f.name) {
                        if !f.selection_set.items.is_empty() {
                            self.err(&p, "a column has no sub-fields".into());
                        }
                        continue;
                    }
                    if let Some((remote, array)) = t.rels.get(&f.name).cloned() {
                        if array {
                            self.arguments(&p, &remote, Root::Select, &f.arguments);
                        }
                        self.selection(&p, &remote, &f.selection_set);
                        continue;
                    }
                    if let Some(base) = f.name.strip_suffix("_aggregate") {
                        if let Some((remote, true)) = t.rels.get(base).cloned() {
                            if !self.table(&remote).aggregations {
                                self.err(&p, format!("{remote} allows no aggregations"));
                            }
                            self.arguments(&p, &remote, Root::Aggregate, &f.arguments);
                            self.aggregate(&p, &remote, &f.selection_set);
                            continue;
                        }
                    }
                    self.err(
                        &p,
                        format!(
                            "{} has no field `{}` visible to {ROLE} (columns: {:?}; relationships: {:?})",
                            t.name,
                            f.name,
                            t.columns,
                            t.rels.keys().collect::<Vec<_>>()
                        ),
                    );
                }
                Selection::FragmentSpread(s) => match self.frags.get(&s.fragment_name).copied() {
                    Some(set) => self.selection(path, table, set),
                    None => self.err(path, format!("unknown fragment {}", s.fragment_name)),
                },
                Selection::InlineFragment(i) => self.selection(path, table, &i.selection_set),
            }
        }
    }

    fn aggregate(&mut self, path: &str, table: &str, set: &'a SelectionSet<'a, String>) {
        for item in &set.items {
            let Selection::Field(f) = item else {
                self.err(
                    path,
                    "fragments in aggregates are not checked; inline the fields".into(),
                );
                continue;
            };
            let p = format!("{path} > {}", f.name);
            match f.name.as_str() {
                "__typename" => {}
                "nodes" => self.selection(&p, table, &f.selection_set),
                "aggregate" => {
                    for a in &f.selection_set.items {
                        let Selection::Field(a) = a else { continue };
                        let pa = format!("{p} > {}", a.name);
                        match a.name.as_str() {
                            "count" | "__typename" => {}
                            "sum" | "avg" | "max" | "min" | "stddev" | "stddev_pop"
                            | "stddev_samp" | "var_pop" | "var_samp" | "variance" => {
                                let cols = self.table(table).columns.clone();
                                for c in &a.selection_set.items {
                                    if let Selection::Field(c) = c {
                                        if c.name != "__typename" && !cols.contains(&c.name) {
                                            self.err(
                                                &pa,
                                                format!("{table} has no column `{}`", c.name),
                                            );
                                        }
                                    }
                                }
                            }
                            other => self.err(&pa, format!("no aggregate function `{other}`")),
                        }
                    }
                }
                other => self.err(
                    &p,
                    format!("an aggregate has `aggregate` and `nodes`, not `{other}`"),
                ),
            }
        }
    }

    fn arguments(
        &mut self,
        path: &str,
        table: &str,
        kind: Root,
        args: &'a [(String, GqlValue<'a, String>)],
    ) {
        for (name, value) in args {
            let p = format!("{path}({name})");
            match (kind, name.as_str()) {
                (Root::ByPk, col) => {
                    if !self.table(table).columns.contains(col) {
                        self.err(&p, format!("{table} has no column `{col}`"));
                    }
                }
                (_, "where") => self.bool_exp(&p, table, value),
                (_, "order_by") => self.order_by(&p, table, value),
                (_, "distinct_on") => {
                    let values = match value {
                        GqlValue::List(l) => l.iter().collect(),
                        v => vec![v],
                    };
                    for v in values {
                        if let GqlValue::Enum(c) = v {
                            if !self.table(table).columns.contains(c) {
                                self.err(&p, format!("{table} has no column `{c}`"));
                            }
                        }
                    }
                }
                (_, "limit" | "offset") => {}
                (Root::Stream, "batch_size" | "cursor") => {}
                (_, other) => self.err(&p, format!("unknown argument `{other}`")),
            }
        }
    }

    fn bool_exp(&mut self, path: &str, table: &str, v: &'a GqlValue<'a, String>) {
        match v {
            GqlValue::Variable(_) => {}
            GqlValue::List(l) => l.iter().for_each(|x| self.bool_exp(path, table, x)),
            GqlValue::Object(m) => {
                for (k, val) in m {
                    let t = self.table(table);
                    match k.as_str() {
                        "_and" | "_or" | "_not" => self.bool_exp(path, table, val),
                        c if t.columns.contains(c) => {}
                        r => match t.rels.get(r).cloned() {
                            Some((remote, _)) => {
                                self.bool_exp(&format!("{path}.{r}"), &remote, val)
                            }
                            None => self.err(
                                path,
                                format!("{table} has no column or relationship `{r}` to filter on"),
                            ),
                        },
                    }
                }
            }
            other => self.err(path, format!("a filter must be an object, not {other}")),
        }
    }

    fn order_by(&mut self, path: &str, table: &str, v: &'a GqlValue<'a, String>) {
        match v {
            GqlValue::Variable(_) => {}
            GqlValue::List(l) => l.iter().for_each(|x| self.order_by(path, table, x)),
            GqlValue::Object(m) => {
                for (k, val) in m {
                    let t = self.table(table);
                    if t.columns.contains(k) {
                        continue;
                    }
                    if let Some((remote, false)) = t.rels.get(k).cloned() {
                        self.order_by(&format!("{path}.{k}"), &remote, val);
                        continue;
                    }
                    if let Some(base) = k.strip_suffix("_aggregate") {
                        if let Some((_, true)) = t.rels.get(base) {
                            continue;
                        }
                    }
                    self.err(
                        path,
                        format!("{table} has no column or object relationship `{k}` to order by"),
                    );
                }
            }
            other => self.err(path, format!("order_by must be an object, not {other}")),
        }
    }
}

/// Parse every `.graphql` file of `dir` and check it against the metadata.
fn check_operations(meta: &Metadata, dir: &Path) -> Vec<String> {
    let surface = Surface::new(meta);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("hasura/queries")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "graphql"))
        .collect();
    files.sort();
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(p).expect("read example"),
            )
        })
        .collect();
    let mut errs = Vec::new();
    let mut subscriptions = 0;
    for (file, text) in &texts {
        let doc = match graphql_parser::parse_query::<String>(text) {
            Ok(d) => d,
            Err(e) => {
                errs.push(format!("{file}: does not parse: {e}"));
                continue;
            }
        };
        subscriptions += doc
            .definitions
            .iter()
            .filter(|d| {
                matches!(
                    d,
                    Definition::Operation(OperationDefinition::Subscription(_))
                )
            })
            .count();
        let mut checker = OpChecker {
            surface: &surface,
            frags: BTreeMap::new(),
            errs: Vec::new(),
        };
        checker.document(file, &doc);
        errs.extend(checker.errs);
    }
    for f in EXAMPLES {
        if !texts.iter().any(|(n, _)| n == f) {
            errs.push(format!("hasura/queries/{f}: missing"));
        }
    }
    if subscriptions == 0 {
        errs.push("hasura/queries: no live-score subscription".into());
    }
    errs
}

// ---------------------------------------------------------------- tests

async fn migrated_catalog(name: &str) -> (TestEnv, Catalog) {
    let env = TestEnv::new(name).await;
    let out = Bin::consumer().run(&["migrate"], &env.vars());
    assert!(out.status.success(), "migrate: {}", out.stderr);
    let cat = Catalog::read(&env.pg().await).await;
    (env, cat)
}

fn report(what: &str, errs: &[String]) {
    assert!(
        errs.is_empty(),
        "{what}: {} problem(s):\n  {}",
        errs.len(),
        errs.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hasura_metadata_matches_the_migrated_catalog() {
    let meta = load_metadata(&hasura_dir().join("metadata")).expect("load metadata");
    let (_env, cat) = migrated_catalog("hasura_meta").await;
    assert!(
        cat.tables
            .keys()
            .any(|(s, t)| s == "pipeline" && t == "event_log"),
        "the catalog read sees schema pipeline"
    );
    let tracked = tables_of(&meta).len();
    assert!(tracked >= 20, "only {tracked} tables tracked");
    report("metadata vs catalog", &check_metadata(&meta, &cat));
}

#[test]
fn hasura_example_operations_use_only_what_the_metadata_serves() {
    let meta = load_metadata(&hasura_dir().join("metadata")).expect("load metadata");
    report(
        "example operations",
        &check_operations(&meta, &hasura_dir().join("queries")),
    );
}

/// The relationships a user needs (issue 6): (table, relationship, remote table, array).
const REQUIRED_RELATIONSHIPS: &[(&str, &str, &str, bool)] = &[
    ("leagues", "rosters", "rosters", true),
    ("leagues", "users", "league_users", true),
    ("leagues", "matchups", "matchups", true),
    ("leagues", "transactions", "transactions", true),
    ("leagues", "drafts", "drafts", true),
    ("leagues", "traded_picks", "traded_picks", true),
    ("leagues", "seasons", "league_seasons", true),
    ("rosters", "owner", "league_users", false),
    ("rosters", "players", "roster_players", true),
    ("roster_players", "player", "players", false),
    ("matchups", "roster", "rosters", false),
    ("matchups", "players", "matchup_players", true),
    ("matchup_players", "player", "players", false),
    // both sides of the pairing: a manual relationship cannot say "other roster"
    ("matchups", "matchup_pair", "matchups", true),
    ("transactions", "moves", "transaction_moves", true),
    ("transaction_moves", "player", "players", false),
    ("drafts", "picks", "draft_picks", true),
    ("draft_picks", "player", "players", false),
];

#[test]
fn hasura_serves_the_relationships_users_need() {
    let meta = load_metadata(&hasura_dir().join("metadata")).expect("load metadata");
    let surface = Surface::new(&meta);
    let mut missing = Vec::new();
    for (table, rel, remote, array) in REQUIRED_RELATIONSHIPS {
        let found = surface
            .tables
            .get(*table)
            .and_then(|t| t.rels.get(*rel))
            .map(|(r, a)| (r.as_str(), *a));
        if found != Some((remote, *array)) {
            missing.push(format!(
                "{table}.{rel} -> {remote} (array: {array}), found {found:?}"
            ));
        }
    }
    // the owner is the league member whose user_id is the roster's owner_id
    let owner = tables_of(&meta)
        .into_iter()
        .find(|t| t["table"]["name"].as_str() == Some("rosters"))
        .and_then(|t| {
            t["object_relationships"]
                .as_sequence()?
                .iter()
                .find(|r| r["name"].as_str() == Some("owner"))
                .cloned()
        })
        .expect("rosters.owner");
    let mapping = &owner["using"]["manual_configuration"]["column_mapping"];
    assert_eq!(mapping["league_id"].as_str(), Some("league_id"));
    assert_eq!(mapping["owner_id"].as_str(), Some("user_id"));
    report("required relationships", &missing);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hasura_check_fails_on_a_broken_column() {
    let dir = hasura_dir().join("metadata");
    let (env, cat) = migrated_catalog("hasura_broken").await;

    // 1. A permission column renamed in the metadata only.
    let mut meta = load_metadata(&dir).expect("load metadata");
    let tables = meta.sources[0]["tables"].as_sequence_mut().expect("tables");
    let rosters = tables
        .iter_mut()
        .find(|t| t["table"]["name"].as_str() == Some("rosters"))
        .expect("rosters tracked");
    let cols = rosters["select_permissions"][0]["permission"]["columns"]
        .as_sequence_mut()
        .expect("columns");
    let wins = cols
        .iter_mut()
        .find(|c| c.as_str() == Some("wins"))
        .expect("wins");
    *wins = Value::String("no_such_column".into());
    let errs = check_metadata(&meta, &cat);
    assert!(
        errs.iter()
            .any(|e| e.contains("`no_such_column`, which does not exist")),
        "{errs:?}"
    );
    assert!(
        errs.iter().any(|e| e.contains("column `wins` is not in")),
        "{errs:?}"
    );
    // ... and the examples that select `wins` of a roster no longer resolve
    // (standings uses the view's own `wins`; the broken one is rosters').
    let surface = Surface::new(&meta);
    assert!(!surface.tables["rosters"].columns.contains("wins"));

    // 2. A column renamed in the database without updating the metadata.
    let pg = env.pg().await;
    pg.batch_execute("ALTER TABLE sleeper.matchups RENAME COLUMN points TO score")
        .await
        .expect("rename");
    let cat = Catalog::read(&pg).await;
    let meta = load_metadata(&dir).expect("load metadata");
    let errs = check_metadata(&meta, &cat);
    assert!(
        errs.iter()
            .any(|e| e.contains("sleeper.matchups") && e.contains("`points`")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("sleeper.matchups") && e.contains("column `score` is not in")),
        "{errs:?}"
    );

    // 3. A tracked pipeline table and a missing table.
    let mut meta = load_metadata(&dir).expect("load metadata");
    let tables = meta.sources[0]["tables"].as_sequence_mut().expect("tables");
    let first = tables.remove(0);
    let mut pipeline = first.clone();
    pipeline["table"]["schema"] = Value::String("pipeline".into());
    pipeline["table"]["name"] = Value::String("event_log".into());
    tables.push(pipeline);
    let errs = check_metadata(&meta, &cat);
    assert!(
        errs.iter().any(|e| e.contains("pipeline.event_log")),
        "{errs:?}"
    );
    let (_, gone) = table_key(&first);
    assert!(
        errs.iter().any(|e| e.contains(&format!(
            "sleeper.{gone}: exists in the database but is not tracked"
        ))),
        "{errs:?}"
    );
}

#[test]
fn hasura_operation_check_fails_on_an_unknown_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bad.graphql"),
        "query { rosters { wins no_such_field owner { nope } } sleeper_rosters { wins } \
         matchups(where: {pointz: {_gt: 1}}) { points } }\nmutation { delete_rosters { affected_rows } }",
    )
    .unwrap();
    let meta = load_metadata(&hasura_dir().join("metadata")).expect("load metadata");
    let errs = check_operations(&meta, dir.path());
    for needle in [
        "no_such_field",
        "nope",
        "sleeper_rosters",
        "pointz",
        "mutation",
    ] {
        assert!(
            errs.iter().any(|e| e.contains(needle)),
            "{needle}: {errs:?}"
        );
    }
}

#[test]
fn hasura_include_resolves_tag_and_quoted_forms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::create_dir_all(p.join("default/tables")).unwrap();
    std::fs::write(
        p.join("databases.yaml"),
        "- name: default\n  tables: !include default/tables/tables.yaml\n  other: \"!include x.yaml\"\n",
    )
    .unwrap();
    std::fs::write(p.join("x.yaml"), "answer: 42\n").unwrap();
    std::fs::write(
        p.join("default/tables/tables.yaml"),
        "- \"!include a.yaml\"\n- !include b.yaml\n",
    )
    .unwrap();
    std::fs::write(
        p.join("default/tables/a.yaml"),
        "table: {name: a, schema: sleeper}\n",
    )
    .unwrap();
    std::fs::write(
        p.join("default/tables/b.yaml"),
        "table: {name: b, schema: sleeper}\n",
    )
    .unwrap();
    let v = load_yaml(&p.join("databases.yaml")).expect("resolves");
    assert_eq!(v[0]["other"]["answer"].as_u64(), Some(42));
    let names: Vec<&str> = v[0]["tables"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t["table"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert!(load_yaml(&p.join("default/tables/missing.yaml")).is_err());
}
