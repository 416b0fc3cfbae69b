//! Keeps Hasura honest without running it.
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
//!
//! - `metadata`   — loading the metadata directory, `!include` resolved
//! - `catalog`    — the migrated database's tables, views and columns
//! - `check`      — the metadata against the catalog
//! - `surface`    — what `anonymous` sees, from the metadata alone
//! - `operations` — the example operations against that surface

mod catalog;
mod check;
mod metadata;
mod operations;
mod surface;

use std::path::{Path, PathBuf};

use serde_yaml::Value;
use sleeper_tests::harness::TestEnv;

use catalog::Catalog;
use check::check_metadata;
use metadata::{load_metadata, load_yaml, table_key, tables_of, Metadata};
use operations::check_operations;
use surface::Surface;

const SCHEMA: &str = "sleeper";
const ROLE: &str = "anonymous";

fn hasura_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../hasura")
}

/// The project's metadata, `hasura/metadata`.
fn project_metadata() -> Metadata {
    load_metadata(&hasura_dir().join("metadata")).expect("load metadata")
}

async fn migrated_catalog(name: &str) -> (TestEnv, Catalog) {
    let env = TestEnv::migrated(name).await;
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
    let meta = project_metadata();
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
    let meta = project_metadata();
    report(
        "example operations",
        &check_operations(&meta, &hasura_dir().join("queries")),
    );
}

/// The relationships a user needs to walk from a league to its rosters,
/// members, matchups, moves and drafts, and on to the players: (table,
/// relationship, remote table, array).
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
    // all-time: both sides of a head-to-head row and a record, a career's names
    ("leagues", "chain", "league_chains", false),
    ("head_to_head", "manager", "chain_managers", false),
    ("head_to_head", "opponent", "chain_managers", false),
    ("records", "manager", "chain_managers", false),
    ("records", "opponent", "chain_managers", false),
    ("manager_careers", "manager", "chain_managers", false),
    ("manager_careers", "finishes", "season_finishes", true),
    ("season_finishes", "manager", "chain_managers", false),
];

#[test]
fn hasura_serves_the_relationships_users_need() {
    let meta = project_metadata();
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
    let (env, cat) = migrated_catalog("hasura_broken").await;

    // 1. A permission column renamed in the metadata only.
    let mut meta = project_metadata();
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
    let meta = project_metadata();
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
    let mut meta = project_metadata();
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
    let meta = project_metadata();
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
