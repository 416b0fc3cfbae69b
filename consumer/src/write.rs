//! Applying a projection's rows to Postgres — the one generic write step.
//!
//! Rows go in column-wise: one `WITH u AS (… UNNEST($1::t[], …)) … INSERT`
//! per table and event, sent with its parameter types (no separate prepare),
//! so a 200-row snapshot is one round trip. Table and
//! column names come from static [`Table`] definitions, never from data;
//! every value is a bound parameter.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Transaction;

use crate::pg_text;
use crate::project::{Col, ColType, Mode, Table, TableRows, Val};

/// Write one table's rows of one event, according to its [`Mode`]. Returns
/// the rows the event carried (each now current in the table).
///
/// `Replace`: delete the owner's rows and insert the snapshot's, the two
/// statements pipelined (one round trip). An upsert that skips unchanged
/// rows (`ON CONFLICT … DO UPDATE … WHERE … IS DISTINCT FROM`) was measured
/// slower here — it locks every conflicting row, changed or not: 157 vs 250
/// events/s in `scripts/bench.sh --quick`. `KeepAbsent` (league members,
/// a few rows) retires the absent rows and upserts the rest in one
/// statement; `Series` inserts if absent.
pub async fn apply(tx: &Transaction<'_>, rows: &TableRows) -> Result<u64, tokio_postgres::Error> {
    let table = rows.table;
    let all: Vec<usize> = (0..table.columns.len()).collect();
    let retire_all = || {
        run(
            tx,
            statement(table, Part::RetireOnly),
            Vec::new(),
            &rows.owner,
        )
    };
    if rows.rows.is_empty() {
        if table.mode != Mode::Series {
            retire_all().await?;
        }
        return Ok(0);
    }
    let mut chunks = rows.rows.chunks(CHUNK_ROWS);
    let insert = |chunk: &[Vec<Val>]| {
        run(
            tx,
            statement(table, Part::UpsertOnly),
            column_params(table, &all, chunk),
            &[],
        )
    };
    match table.mode {
        Mode::Replace => {
            // Big snapshots (players: ~15 000 rows) go in slices, so the
            // column arrays and the encoded message exist one slice at a time.
            let first = chunks.next().unwrap_or_default();
            tokio::try_join!(retire_all(), insert(first))?;
        }
        Mode::KeepAbsent { .. } if rows.rows.len() <= CHUNK_ROWS => {
            let params = column_params(table, &all, &rows.rows);
            run(tx, statement(table, Part::Whole), params, &rows.owner).await?;
            return Ok(rows.rows.len() as u64);
        }
        Mode::KeepAbsent { .. } => {
            // Retiring needs every key, but only the keys.
            let params = column_params(table, &key_columns(table), &rows.rows);
            run(
                tx,
                statement(table, Part::RetireByKeys),
                params,
                &rows.owner,
            )
            .await?;
        }
        Mode::Series => {}
    }
    for chunk in chunks {
        insert(chunk).await?;
    }
    Ok(rows.rows.len() as u64)
}

/// Above this many rows a table's rows of one event go in slices.
const CHUNK_ROWS: usize = 2000;

/// Which part of a snapshot's write one statement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Stage every column; retire the owner's absent rows; upsert.
    Whole,
    /// No rows: retire every row of the owner.
    RetireOnly,
    /// Stage the key columns only; retire the owner's rows not among them.
    RetireByKeys,
    /// Stage every column and write them, retiring nothing (no owner
    /// parameters): a plain insert for `Replace` (its owner's rows were just
    /// deleted), an upsert otherwise.
    UpsertOnly,
}

/// Bind the staged column arrays, then the owner's values, and execute.
async fn run(
    tx: &Transaction<'_>,
    sql: String,
    mut params: Vec<(Box<dyn ToSql + Sync + Send>, Type)>,
    owner: &[Val],
) -> Result<(), tokio_postgres::Error> {
    params.extend(owner.iter().map(scalar_param));
    let refs: Vec<(&(dyn ToSql + Sync), Type)> = params
        .iter()
        .map(|(p, t)| (p.as_ref() as &(dyn ToSql + Sync), t.clone()))
        .collect();
    tx.query_typed(&sql, &refs).await?;
    Ok(())
}

/// Indexes (into `table.columns`) of the primary key's columns, in key order.
fn key_columns(table: &Table) -> Vec<usize> {
    table
        .key
        .iter()
        .filter_map(|k| table.columns.iter().position(|c| c.name == *k))
        .collect()
}

/// How a staged column (`u.<name>`, bound as an array) becomes a cell.
fn cell(c: &Col) -> String {
    match c.ty {
        ColType::Jsonb => format!("u.{}::jsonb", c.name),
        ColType::Timestamptz => format!("to_timestamp(u.{}::float8 / 1000.0)", c.name),
        _ => format!("u.{}", c.name),
    }
}

/// The statement for one [`Part`] of a table's write. Staged columns are
/// bound as arrays (`$1…`) and read through `u`; the owner's values follow.
fn statement(table: &Table, part: Part) -> String {
    let staged: Vec<Col> = match part {
        Part::Whole | Part::UpsertOnly => table.columns.to_vec(),
        Part::RetireByKeys => key_columns(table)
            .into_iter()
            .map(|i| table.columns[i])
            .collect(),
        Part::RetireOnly => Vec::new(),
    };
    let mut owner = String::new();
    for (i, c) in table.owner.iter().enumerate() {
        let _ = write!(owner, " AND d.{c} = ${}", staged.len() + i + 1);
    }
    let absent = if staged.is_empty() {
        String::new()
    } else {
        let same_key: Vec<String> = key_columns(table)
            .into_iter()
            .map(|i| table.columns[i])
            .map(|k| format!("d.{} = {}", k.name, cell(&k)))
            .collect();
        format!(
            " AND NOT EXISTS (SELECT 1 FROM u WHERE {})",
            same_key.join(" AND ")
        )
    };
    let retire = match (part, table.mode) {
        (Part::UpsertOnly, _) | (_, Mode::Series) => None,
        (_, Mode::Replace) => Some(format!(
            "DELETE FROM {} AS d WHERE true{owner}{absent}",
            table.name
        )),
        (_, Mode::KeepAbsent { flag }) => Some(format!(
            "UPDATE {} AS d SET {flag} = false WHERE d.{flag}{owner}{absent}",
            table.name
        )),
    };
    let names: Vec<&str> = staged.iter().map(|c| c.name).collect();
    let arrays: Vec<String> = staged
        .iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", i + 1, c.ty.array_type()))
        .collect();
    let mut sql = if staged.is_empty() {
        String::new()
    } else {
        format!(
            "WITH u AS (SELECT * FROM UNNEST({}) AS u({})) ",
            arrays.join(", "),
            names.join(", ")
        )
    };
    if matches!(part, Part::RetireOnly | Part::RetireByKeys) {
        sql.push_str(&retire.unwrap_or_default());
        return sql;
    }
    if let Some(retire) = retire {
        sql.truncate(sql.len() - 1);
        let _ = write!(sql, ", retired AS ({retire}) ");
    }
    let cells: Vec<String> = staged.iter().map(cell).collect();
    let _ = write!(
        sql,
        "INSERT INTO {} AS t ({}) SELECT {} FROM u",
        table.name,
        names.join(", "),
        cells.join(", "),
    );
    if table.mode == Mode::Replace && part == Part::UpsertOnly {
        // The owner's rows were deleted just before: nothing to conflict with.
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

/// An owner value, with the type it is bound as.
fn scalar_param(v: &Val) -> (Box<dyn ToSql + Sync + Send>, Type) {
    match v.clone() {
        Val::Text(x) => (
            Box::new(x.map(|s| pg_text::text(&s).into_owned())),
            Type::TEXT,
        ),
        Val::Jsonb(x) => (
            Box::new(x.map(|s| pg_text::jsonb(&s).into_owned())),
            Type::TEXT,
        ),
        Val::Int(x) => (Box::new(x), Type::INT4),
        Val::BigInt(x) | Val::Timestamptz(x) => (Box::new(x), Type::INT8),
        Val::Numeric(x) => (Box::new(x), Type::NUMERIC),
        Val::Bool(x) => (Box::new(x), Type::BOOL),
    }
}

/// One array parameter per chosen column (indexes into `table.columns`),
/// with the array type it is bound as.
fn column_params(
    table: &Table,
    columns: &[usize],
    rows: &[Vec<Val>],
) -> Vec<(Box<dyn ToSql + Sync + Send>, Type)> {
    columns
        .iter()
        .map(|&i| {
            let c = &table.columns[i];
            let cells = rows.iter().map(move |r| &r[i]);
            let param: Box<dyn ToSql + Sync + Send> = match c.ty {
                ColType::Text | ColType::Jsonb => Box::new(
                    cells
                        .map(|v| match v {
                            Val::Text(x) => x.as_deref().map(|s| pg_text::text(s).into_owned()),
                            Val::Jsonb(x) => x.as_deref().map(|s| pg_text::jsonb(s).into_owned()),
                            _ => None,
                        })
                        .collect::<Vec<Option<String>>>(),
                ),
                ColType::Int => Box::new(
                    cells
                        .map(|v| if let Val::Int(x) = v { *x } else { None })
                        .collect::<Vec<Option<i32>>>(),
                ),
                ColType::BigInt | ColType::Timestamptz => Box::new(
                    cells
                        .map(|v| match v {
                            Val::BigInt(x) | Val::Timestamptz(x) => *x,
                            _ => None,
                        })
                        .collect::<Vec<Option<i64>>>(),
                ),
                ColType::Numeric => Box::new(
                    cells
                        .map(|v| if let Val::Numeric(x) = v { *x } else { None })
                        .collect::<Vec<Option<Decimal>>>(),
                ),
                ColType::Bool => Box::new(
                    cells
                        .map(|v| if let Val::Bool(x) = v { *x } else { None })
                        .collect::<Vec<Option<bool>>>(),
                ),
            };
            (param, array_type(c.ty))
        })
        .collect()
}

/// The Postgres array type a column is bound as (see [`ColType::array_type`]).
fn array_type(ty: ColType) -> Type {
    match ty {
        ColType::Text | ColType::Jsonb => Type::TEXT_ARRAY,
        ColType::Int => Type::INT4_ARRAY,
        ColType::BigInt | ColType::Timestamptz => Type::INT8_ARRAY,
        ColType::Numeric => Type::NUMERIC_ARRAY,
        ColType::Bool => Type::BOOL_ARRAY,
    }
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
    fn a_replaced_snapshot_is_a_delete_of_its_owner_and_a_plain_insert() {
        let delete = statement(table("matchups"), Part::RetireOnly);
        assert_eq!(
            delete,
            "DELETE FROM matchups AS d WHERE true AND d.league_id = $1 AND d.week = $2"
        );
        let insert = statement(table("matchups"), Part::UpsertOnly);
        assert!(
            insert.starts_with("WITH u AS (SELECT * FROM UNNEST($1::"),
            "{insert}"
        );
        assert!(
            insert.contains("INSERT INTO matchups AS t (league_id, week, roster_id"),
            "{insert}"
        );
        assert!(
            !insert.contains("ON CONFLICT") && !insert.contains("retired"),
            "{insert}"
        );
    }

    #[test]
    fn members_retire_when_absent_and_are_rewritten_only_when_changed() {
        let sql = statement(table("league_users"), Part::Whole);
        assert!(sql.contains("NOT EXISTS (SELECT 1 FROM u WHERE d.league_id = u.league_id AND d.user_id = u.user_id)"), "{sql}");
        assert!(
            sql.contains("ON CONFLICT (league_id, user_id) DO UPDATE SET"),
            "{sql}"
        );
        assert!(sql.contains("IS DISTINCT FROM (EXCLUDED."), "{sql}");
        // Owner parameters follow the column arrays.
        let n = table("league_users").columns.len();
        assert!(sql.contains(&format!("d.league_id = ${}", n + 1)), "{sql}");
    }

    #[test]
    fn members_who_left_are_flagged_not_deleted_and_an_empty_snapshot_only_retires() {
        let sql = statement(table("league_users"), Part::Whole);
        assert!(
            sql.contains("UPDATE league_users AS d SET in_league = false WHERE d.in_league"),
            "{sql}"
        );
        assert!(!sql.contains("DELETE"), "{sql}");
        let empty = statement(table("matchups"), Part::RetireOnly);
        assert_eq!(
            empty,
            "DELETE FROM matchups AS d WHERE true AND d.league_id = $1 AND d.week = $2"
        );
    }

    #[test]
    fn series_samples_are_only_ever_inserted() {
        let sql = statement(table("matchup_score_history"), Part::Whole);
        assert!(sql.ends_with("DO NOTHING"), "{sql}");
        assert!(!sql.contains("retired"), "{sql}");
    }

    #[test]
    fn a_sliced_keep_absent_snapshot_retires_by_its_keys_then_upserts_without_owner() {
        let users = table("league_users");
        let retire = statement(users, Part::RetireByKeys);
        assert_eq!(
            retire,
            "WITH u AS (SELECT * FROM UNNEST($1::text[], $2::text[]) AS u(league_id, user_id)) \
             UPDATE league_users AS d SET in_league = false WHERE d.in_league AND d.league_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM u WHERE d.league_id = u.league_id AND d.user_id = u.user_id)"
        );
        let upsert = statement(users, Part::UpsertOnly);
        assert!(
            !upsert.contains("retired") && !upsert.contains("d.league_id"),
            "{upsert}"
        );
        assert!(
            upsert.contains("ON CONFLICT (league_id, user_id) DO UPDATE SET"),
            "{upsert}"
        );
    }
}
