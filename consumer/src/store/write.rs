//! Applying projected rows to Postgres — the one generic write step.
//!
//! Rows go in column-wise: each statement binds whole columns as arrays and
//! reads them through `UNNEST`, sent with its parameter types (no separate
//! prepare), so a table's rows of a whole batch are one statement. Table and
//! column names come from static [`Table`] definitions, never from data;
//! every value is a bound parameter.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Transaction;

use crate::project::{by_table, Col, ColType, Mode, Table, TableRows, Val};
use crate::store::pg_text;

/// Write one table's rows of one event (see [`apply_all`]).
pub async fn apply(tx: &Transaction<'_>, rows: &TableRows) -> Result<u64, tokio_postgres::Error> {
    apply_all(tx, rows.table, &[rows]).await
}

/// Write one table's rows of several events at once, according to its
/// [`Mode`]; each set is one owner's whole snapshot (at most one set per
/// owner — a batch's newest snapshot of each scope) or series samples.
/// Returns the rows the sets carried (each now current in the table).
///
/// `Replace`: one delete of every owner's rows and a plain insert, the two
/// pipelined (one round trip). An upsert that skips unchanged rows
/// (`ON CONFLICT … DO UPDATE … WHERE … IS DISTINCT FROM`) was measured
/// slower here — it locks every conflicting row, changed or not: 157 vs 250
/// events/s in `scripts/bench.sh --quick`. `KeepAbsent` (league members)
/// retires the owners' rows absent from the sets and upserts the rest;
/// `Series` inserts if absent. More than [`CHUNK_ROWS`] rows (players:
/// ~15 000) go in slices, so the column arrays and the encoded message exist
/// one slice at a time.
pub async fn apply_all(
    tx: &Transaction<'_>,
    table: &'static Table,
    sets: &[&TableRows],
) -> Result<u64, tokio_postgres::Error> {
    debug_assert!(sets.iter().all(|s| std::ptr::eq(s.table, table)));
    let rows: Vec<&[Val]> = sets
        .iter()
        .flat_map(|s| s.rows.iter().map(Vec::as_slice))
        .collect();
    let all: Vec<usize> = (0..table.columns.len()).collect();
    let insert = |chunk: &[&[Val]]| {
        run(
            tx,
            statement(table, Part::Insert),
            column_params(table, &all, chunk),
        )
    };
    let retire = (table.mode != Mode::Series && !sets.is_empty()).then(|| {
        let mut params = match table.mode {
            // Retiring the absent needs every key, but only the keys.
            Mode::KeepAbsent { .. } => column_params(table, &table.key_indexes(), &rows),
            _ => Vec::new(),
        };
        params.extend(owner_params(table, sets));
        run(tx, statement(table, Part::Retire), params)
    });
    let mut chunks = rows.chunks(CHUNK_ROWS);
    match (retire, chunks.next()) {
        (Some(retire), Some(first)) => {
            tokio::try_join!(retire, insert(first))?;
        }
        (Some(retire), None) => retire.await?,
        (None, Some(first)) => insert(first).await?,
        (None, None) => {}
    }
    for chunk in chunks {
        insert(chunk).await?;
    }
    Ok(rows.len() as u64)
}

/// Write many tables' rows at once: grouped per table ([`by_table`]; one
/// [`apply_all`] each), every table's statements in flight on the
/// connection together. Returns the rows written.
pub async fn apply_tables<'a>(
    tx: &Transaction<'_>,
    rows: impl IntoIterator<Item = &'a TableRows>,
) -> Result<u64, tokio_postgres::Error> {
    let groups = by_table(rows);
    let writes = groups
        .iter()
        .map(|(table, sets)| apply_all(tx, table, sets));
    Ok(futures::future::try_join_all(writes).await?.iter().sum())
}

/// Above this many rows a table's rows go in slices.
const CHUNK_ROWS: usize = 2000;

/// Which part of a table's write one statement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Remove (`Replace`) or flag (`KeepAbsent`) the owners' rows that are
    /// not among the new ones. Binds the key columns (`KeepAbsent` only),
    /// then one array per owner column.
    Retire,
    /// Write the rows, binding every column: a plain insert for `Replace`
    /// (the owners' rows were just deleted), an upsert for `KeepAbsent`,
    /// insert-if-absent for `Series`.
    Insert,
}

/// Execute `sql` with its array parameters.
async fn run(
    tx: &Transaction<'_>,
    sql: String,
    params: Vec<(Box<dyn ToSql + Sync + Send>, Type)>,
) -> Result<(), tokio_postgres::Error> {
    let refs: Vec<(&(dyn ToSql + Sync), Type)> = params
        .iter()
        .map(|(p, t)| (p.as_ref() as &(dyn ToSql + Sync), t.clone()))
        .collect();
    tx.query_typed(&sql, &refs).await?;
    Ok(())
}

/// The owner's columns, in owner order.
fn owner_columns(table: &Table) -> Vec<Col> {
    table
        .owner
        .iter()
        .filter_map(|o| table.columns.iter().find(|c| c.name == *o).copied())
        .collect()
}

/// How a staged column (`<alias>.<name>`, bound as an array) becomes a cell.
fn cell(alias: &str, c: &Col) -> String {
    match c.ty {
        ColType::Jsonb => format!("{alias}.{}::jsonb", c.name),
        ColType::Timestamptz => format!("to_timestamp({alias}.{}::float8 / 1000.0)", c.name),
        _ => format!("{alias}.{}", c.name),
    }
}

/// `UNNEST($first::t[], …) AS alias(names…)` over `cols`, parameters
/// numbered from `first`.
fn unnest(cols: &[Col], first: usize, alias: &str) -> String {
    let arrays: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", first + i, c.ty.array_type().name()))
        .collect();
    let names: Vec<&str> = cols.iter().map(|c| c.name).collect();
    format!(
        "UNNEST({}) AS {alias}({})",
        arrays.join(", "),
        names.join(", ")
    )
}

/// The statement for one [`Part`] of a table's write.
fn statement(table: &Table, part: Part) -> String {
    match part {
        Part::Retire => retire_statement(table),
        Part::Insert => insert_statement(table),
    }
}

fn retire_statement(table: &Table) -> String {
    let keys: Vec<Col> = match table.mode {
        Mode::KeepAbsent { .. } => table
            .key_indexes()
            .into_iter()
            .map(|i| table.columns[i])
            .collect(),
        _ => Vec::new(),
    };
    let owner = owner_columns(table);
    let mut sql = String::new();
    if !keys.is_empty() {
        let _ = write!(sql, "WITH u AS (SELECT * FROM {}) ", unnest(&keys, 1, "u"));
    }
    let owners = (!owner.is_empty()).then(|| unnest(&owner, keys.len() + 1, "o"));
    let mut conds: Vec<String> = Vec::new();
    match (table.mode, &owners) {
        (Mode::KeepAbsent { flag }, owners) => {
            let _ = write!(sql, "UPDATE {} AS d SET {flag} = false", table.name);
            if let Some(o) = owners {
                let _ = write!(sql, " FROM {o}");
            }
            conds.push(format!("d.{flag}"));
        }
        (_, Some(o)) => {
            let _ = write!(sql, "DELETE FROM {} AS d USING {o}", table.name);
        }
        (_, None) => {
            let _ = write!(sql, "DELETE FROM {} AS d", table.name);
        }
    }
    conds.extend(owner.iter().map(|c| format!("d.{0} = o.{0}", c.name)));
    if !keys.is_empty() {
        let same_key: Vec<String> = keys
            .iter()
            .map(|k| format!("d.{} = {}", k.name, cell("u", k)))
            .collect();
        conds.push(format!(
            "NOT EXISTS (SELECT 1 FROM u WHERE {})",
            same_key.join(" AND ")
        ));
    }
    if !conds.is_empty() {
        let _ = write!(sql, " WHERE {}", conds.join(" AND "));
    }
    sql
}

fn insert_statement(table: &Table) -> String {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    let cells: Vec<String> = table.columns.iter().map(|c| cell("u", c)).collect();
    let mut sql = format!(
        "INSERT INTO {} AS t ({}) SELECT {} FROM {}",
        table.name,
        names.join(", "),
        cells.join(", "),
        unnest(table.columns, 1, "u"),
    );
    if table.mode == Mode::Replace {
        // The owners' rows were deleted just before: nothing to conflict with.
        return sql;
    }
    let _ = write!(sql, " ON CONFLICT ({}) ", table.key.join(", "));
    let rest: Vec<&str> = names
        .iter()
        .copied()
        .filter(|c| !table.key.contains(c))
        .collect();
    if table.mode == Mode::Series || rest.is_empty() {
        sql.push_str("DO NOTHING");
    } else {
        let set: Vec<String> = rest.iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
        let old: Vec<String> = rest.iter().map(|c| format!("t.{c}")).collect();
        let new: Vec<String> = rest.iter().map(|c| format!("EXCLUDED.{c}")).collect();
        let _ = write!(
            sql,
            "DO UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})",
            set.join(", "),
            old.join(", "),
            new.join(", ")
        );
    }
    sql
}

/// One array parameter per chosen column (indexes into `table.columns`).
fn column_params(
    table: &Table,
    columns: &[usize],
    rows: &[&[Val]],
) -> Vec<(Box<dyn ToSql + Sync + Send>, Type)> {
    columns
        .iter()
        .map(|&i| array_param(table.columns[i].ty, rows.iter().map(|r| r.get(i))))
        .collect()
}

/// One array parameter per owner column, an element per set.
fn owner_params(table: &Table, sets: &[&TableRows]) -> Vec<(Box<dyn ToSql + Sync + Send>, Type)> {
    owner_columns(table)
        .iter()
        .enumerate()
        .map(|(j, c)| array_param(c.ty, sets.iter().map(|s| s.owner.get(j))))
        .collect()
}

/// A column of cells as one array parameter, with the array type it is
/// bound as. A cell of another type than the column's (a projection bug,
/// caught by the projection tests) binds as NULL.
fn array_param<'a>(
    ty: ColType,
    cells: impl Iterator<Item = Option<&'a Val>>,
) -> (Box<dyn ToSql + Sync + Send>, Type) {
    let param: Box<dyn ToSql + Sync + Send> = match ty {
        ColType::Text | ColType::Jsonb => Box::new(
            cells
                .map(|v| match v {
                    Some(Val::Text(x)) => x.as_deref().map(|s| pg_text::text(s).into_owned()),
                    Some(Val::Jsonb(x)) => x.as_deref().map(|s| pg_text::jsonb(s).into_owned()),
                    _ => None,
                })
                .collect::<Vec<Option<String>>>(),
        ),
        ColType::Int => Box::new(
            cells
                .map(|v| if let Some(Val::Int(x)) = v { *x } else { None })
                .collect::<Vec<Option<i32>>>(),
        ),
        ColType::BigInt | ColType::Timestamptz => Box::new(
            cells
                .map(|v| match v {
                    Some(Val::BigInt(x) | Val::Timestamptz(x)) => *x,
                    _ => None,
                })
                .collect::<Vec<Option<i64>>>(),
        ),
        ColType::Numeric => Box::new(
            cells
                .map(|v| {
                    if let Some(Val::Numeric(x)) = v {
                        *x
                    } else {
                        None
                    }
                })
                .collect::<Vec<Option<Decimal>>>(),
        ),
        ColType::Bool => Box::new(
            cells
                .map(|v| if let Some(Val::Bool(x)) = v { *x } else { None })
                .collect::<Vec<Option<bool>>>(),
        ),
    };
    (param, ty.array_type())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::TABLES;

    fn table(name: &str) -> &'static Table {
        TABLES
            .iter()
            .copied()
            .find(|t| t.name == name)
            .expect("table")
    }

    #[test]
    fn replaced_snapshots_are_one_delete_of_their_owners_and_a_plain_insert() {
        let delete = statement(table("matchups"), Part::Retire);
        assert_eq!(
            delete,
            "DELETE FROM matchups AS d USING UNNEST($1::_text, $2::_int4) AS o(league_id, week) \
             WHERE d.league_id = o.league_id AND d.week = o.week"
        );
        let insert = statement(table("matchups"), Part::Insert);
        assert!(
            insert.starts_with("INSERT INTO matchups AS t (league_id, week, roster_id"),
            "{insert}"
        );
        assert!(
            insert.contains(" FROM UNNEST($1::_text, $2::_int4, "),
            "{insert}"
        );
        assert!(!insert.contains("ON CONFLICT"), "{insert}");
    }

    #[test]
    fn a_table_owned_whole_is_deleted_whole() {
        let trending = table("trending_players");
        assert!(trending.owner.is_empty());
        assert_eq!(
            statement(trending, Part::Retire),
            "DELETE FROM trending_players AS d"
        );
    }

    #[test]
    fn members_who_left_are_flagged_not_deleted_and_the_rest_rewritten_only_when_changed() {
        let users = table("league_users");
        let retire = statement(users, Part::Retire);
        assert_eq!(
            retire,
            "WITH u AS (SELECT * FROM UNNEST($1::_text, $2::_text) AS u(league_id, user_id)) \
             UPDATE league_users AS d SET in_league = false FROM UNNEST($3::_text) AS o(league_id) \
             WHERE d.in_league AND d.league_id = o.league_id \
             AND NOT EXISTS (SELECT 1 FROM u WHERE d.league_id = u.league_id AND d.user_id = u.user_id)"
        );
        let upsert = statement(users, Part::Insert);
        assert!(
            upsert.contains("ON CONFLICT (league_id, user_id) DO UPDATE SET"),
            "{upsert}"
        );
        assert!(upsert.contains("IS DISTINCT FROM (EXCLUDED."), "{upsert}");
    }

    #[test]
    fn series_samples_are_only_ever_inserted() {
        let sql = statement(table("matchup_score_history"), Part::Insert);
        assert!(sql.ends_with("DO NOTHING"), "{sql}");
        assert!(!sql.contains("DELETE") && !sql.contains("UPDATE"), "{sql}");
    }

    #[test]
    fn owners_bind_one_element_per_set_and_rows_one_per_row() {
        let t = table("matchups");
        let mut a = TableRows::new(t, vec![Val::text("L1"), Val::Int(Some(3))]);
        let mut b = TableRows::new(t, vec![Val::text("L2"), Val::Int(Some(4))]);
        let row = |l: &str, w: i32| {
            t.columns
                .iter()
                .map(|c| match c.name {
                    "league_id" => Val::text(l),
                    "week" => Val::Int(Some(w)),
                    _ => match c.ty {
                        ColType::Text => Val::Text(None),
                        ColType::Jsonb => Val::Jsonb(None),
                        ColType::Int => Val::Int(Some(1)),
                        ColType::BigInt => Val::BigInt(None),
                        ColType::Timestamptz => Val::Timestamptz(None),
                        ColType::Numeric => Val::Numeric(None),
                        ColType::Bool => Val::Bool(None),
                    },
                })
                .collect::<Vec<_>>()
        };
        a.push(row("L1", 3));
        a.push(row("L1", 3));
        b.push(row("L2", 4));
        let owners = owner_params(t, &[&a, &b]);
        assert_eq!(owners.len(), 2);
        assert_eq!(owners[0].1, Type::TEXT_ARRAY);
        assert_eq!(owners[1].1, Type::INT4_ARRAY);
        assert_eq!(
            format!("{:?}", owners[0].0),
            format!("{:?}", vec![Some("L1".to_string()), Some("L2".to_string())])
        );
        let rows: Vec<&[Val]> = [&a, &b]
            .iter()
            .flat_map(|s| s.rows.iter().map(Vec::as_slice))
            .collect();
        let cols = column_params(t, &[0, 1], &rows);
        assert_eq!(
            format!("{:?}", cols[1].0),
            format!("{:?}", vec![Some(3), Some(3), Some(4)])
        );
    }
}
