//! The table definitions against the migration SQL: columns, types, keys,
//! and every projected table listed in `TABLES` and created.

use super::*;

fn migration_sql() -> String {
    crate::store::migrate::projection_migrations()
        .iter()
        .map(|(_, sql)| *sql)
        .collect::<Vec<_>>()
        .join("\n")
}

fn sql_type(t: ColType) -> &'static str {
    match t {
        ColType::Text => "text",
        ColType::Int => "integer",
        ColType::BigInt => "bigint",
        ColType::Numeric => "numeric",
        ColType::Bool => "boolean",
        ColType::Jsonb => "jsonb",
        ColType::Timestamptz => "timestamptz",
    }
}

#[test]
fn every_table_matches_its_create_table() {
    let sql = migration_sql();
    for t in TABLES {
        let head = format!("CREATE TABLE {} (", t.name);
        let start = sql
            .find(&head)
            .unwrap_or_else(|| panic!("no `{head}` in the migrations"));
        let body = &sql[start + head.len()..];
        let body = &body[..body.find("\n);").expect("end of CREATE TABLE")];
        let mut columns = Vec::new();
        let mut pk: Vec<String> = Vec::new();
        for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(rest) = line.strip_prefix("PRIMARY KEY (") {
                pk = rest
                    .trim_end_matches(',')
                    .trim_end_matches(')')
                    .split(',')
                    .map(|c| c.trim().to_string())
                    .collect();
                continue;
            }
            let mut words = line.split_whitespace();
            let name = words.next().unwrap().to_string();
            let ty = words.next().unwrap().trim_end_matches(',').to_string();
            if line.contains("PRIMARY KEY") {
                pk = vec![name.clone()];
            }
            columns.push((name, ty));
        }
        let expected: Vec<(String, String)> = t
            .columns
            .iter()
            .map(|c| (c.name.to_string(), sql_type(c.ty).to_string()))
            .collect();
        assert_eq!(columns, expected, "columns of {}", t.name);
        assert_eq!(pk, t.key, "primary key of {}", t.name);
        for o in t.owner {
            assert!(
                t.columns.iter().any(|c| c.name == *o),
                "owner {}.{o}",
                t.name
            );
        }
        if let Mode::KeepAbsent { flag } = t.mode {
            assert!(t
                .columns
                .iter()
                .any(|c| c.name == flag && c.ty == ColType::Bool));
        }
        if t.mode == Mode::Series {
            assert!(t.owner.is_empty(), "{} is a series", t.name);
        } else {
            assert!(!t.owner.is_empty(), "{} needs an owner", t.name);
            assert!(t.columns.iter().any(|c| c.name == "_version"), "{}", t.name);
        }
    }
    for view in [
        "standings",
        "league_seasons",
        "matchup_score_changes",
        "trending_current",
        "matchup_results",
    ] {
        assert!(
            sql.contains(&format!("CREATE VIEW {view} AS")),
            "view {view}"
        );
    }
}

#[test]
fn every_projected_table_is_listed_and_created() {
    let sql = migration_sql();
    let all = all_fixtures();
    let mut seen = std::collections::BTreeSet::new();
    for (kind, scope, body) in all {
        let p = run(kind, scope, body);
        for t in p.snapshot.iter().chain(&p.series) {
            assert!(
                TABLES.iter().any(|x| std::ptr::eq(*x, t.table)),
                "{} missing from TABLES",
                t.table.name
            );
            assert!(sql.contains(&format!("CREATE TABLE {} (", t.table.name)));
            // A table may be empty in one fixture (no FAAB moved) as long
            // as another one feeds it.
            if !t.rows.is_empty() {
                seen.insert(t.table.name);
            }
        }
    }
    let listed: std::collections::BTreeSet<_> = TABLES.iter().map(|t| t.name).collect();
    assert_eq!(seen, listed, "every table is fed by some fixture");
}

/// Columns added to a projected table after its CREATE TABLE are generated
/// by Postgres (`GENERATED ALWAYS AS … STORED`): the writers name the
/// table's columns from its `Table` definition, so a plain added column
/// would stay NULL forever.
#[test]
fn columns_added_to_projected_tables_are_generated() {
    let sql = migration_sql();
    let mut added = 0;
    for t in TABLES {
        let head = format!("ALTER TABLE {} ADD COLUMN ", t.name);
        for (at, _) in sql.match_indices(&head) {
            let statement = &sql[at..];
            let statement = &statement[..statement.find(';').expect("end of ALTER TABLE")];
            let column = statement[head.len()..].split_whitespace().next();
            assert!(
                statement.contains("GENERATED ALWAYS AS"),
                "{}.{column:?} is added but not generated",
                t.name
            );
            assert!(
                !t.columns.iter().any(|c| Some(c.name) == column),
                "{}.{column:?} is generated: the projection must not write it",
                t.name
            );
            added += 1;
        }
    }
    assert!(added >= 2, "rosters.eliminated_week and draft_picks.amount");
}
