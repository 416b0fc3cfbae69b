//! What the role `anonymous` sees of the GraphQL API, built from the
//! metadata alone: tables, their visible columns and relationships, and the
//! root fields.

use std::collections::{BTreeMap, BTreeSet};

use super::metadata::{custom_column, str_of, table_key, tables_of, Metadata};
use super::ROLE;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Root {
    Select,
    ByPk,
    Aggregate,
    Stream,
}

pub struct GqlTable {
    pub name: String,
    /// GraphQL names of the columns anonymous may select.
    pub columns: BTreeSet<String>,
    /// relationship → (remote table, is array)
    pub rels: BTreeMap<String, (String, bool)>,
    pub aggregations: bool,
}

/// What `anonymous` sees, built from the metadata alone.
pub struct Surface {
    pub tables: BTreeMap<String, GqlTable>,
    pub roots: BTreeMap<String, (String, Root)>,
}

impl Surface {
    pub fn new(meta: &Metadata) -> Self {
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
