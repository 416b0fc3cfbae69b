//! Applying a projection's rows to Postgres — the one generic write step.
//!
//! Rows go in column-wise: one `INSERT … SELECT FROM UNNEST($1::t[], …)`
//! per table and event, so a 200-row snapshot is one round trip. Table and
//! column names come from static [`Table`] definitions, never from data;
//! every value is a bound parameter.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use tokio_postgres::types::ToSql;
use tokio_postgres::Transaction;

use crate::pg_text;
use crate::project::{ColType, Mode, TableRows, Val};

/// Write one table's rows of one event, according to its [`Mode`].
pub async fn apply(tx: &Transaction<'_>, rows: &TableRows) -> Result<u64, tokio_postgres::Error> {
    let table = rows.table;
    let mut written = 0;
    let owner_where = || {
        let mut w = String::new();
        for (i, c) in table.owner.iter().enumerate() {
            let _ = write!(w, "{}{} = ${}", if i == 0 { "" } else { " AND " }, c, i + 1);
        }
        w
    };
    let owner_params: Vec<Box<dyn ToSql + Sync + Send>> =
        rows.owner.iter().map(scalar_param).collect();
    match table.mode {
        Mode::Replace => {
            let sql = format!("DELETE FROM {} WHERE {}", table.name, owner_where());
            tx.execute(&sql, &as_refs(&owner_params)).await?;
        }
        Mode::KeepAbsent { flag } => {
            let sql = format!(
                "UPDATE {} SET {flag} = false WHERE {} AND {flag}",
                table.name,
                owner_where()
            );
            tx.execute(&sql, &as_refs(&owner_params)).await?;
        }
        Mode::Series => {}
    }
    if rows.rows.is_empty() {
        return Ok(0);
    }
    let cols: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    let mut sql = format!("INSERT INTO {} ({}) SELECT ", table.name, cols.join(", "));
    for (i, c) in table.columns.iter().enumerate() {
        let expr = match c.ty {
            ColType::Jsonb => format!("u.{}::jsonb", c.name),
            ColType::Timestamptz => format!("to_timestamp(u.{}::float8 / 1000.0)", c.name),
            _ => format!("u.{}", c.name),
        };
        let _ = write!(sql, "{}{}", if i == 0 { "" } else { ", " }, expr);
    }
    sql.push_str(" FROM UNNEST(");
    for (i, c) in table.columns.iter().enumerate() {
        let _ = write!(
            sql,
            "{}${}::{}",
            if i == 0 { "" } else { ", " },
            i + 1,
            c.ty.array_type()
        );
    }
    let _ = write!(sql, ") AS u({})", cols.join(", "));
    match table.mode {
        Mode::Replace => {}
        Mode::Series => {
            let _ = write!(sql, " ON CONFLICT ({}) DO NOTHING", table.key.join(", "));
        }
        Mode::KeepAbsent { .. } => {
            let updates: Vec<String> = cols
                .iter()
                .filter(|c| !table.key.contains(c))
                .map(|c| format!("{c} = EXCLUDED.{c}"))
                .collect();
            let _ = write!(
                sql,
                " ON CONFLICT ({}) DO UPDATE SET {}",
                table.key.join(", "),
                updates.join(", ")
            );
        }
    }
    let params = column_params(rows);
    written += tx.execute(&sql, &as_refs(&params)).await?;
    Ok(written)
}

fn as_refs(params: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

fn scalar_param(v: &Val) -> Box<dyn ToSql + Sync + Send> {
    match v.clone() {
        Val::Text(x) => Box::new(x.map(|s| pg_text::text(&s).into_owned())),
        Val::Jsonb(x) => Box::new(x.map(|s| pg_text::jsonb(&s).into_owned())),
        Val::Int(x) => Box::new(x),
        Val::BigInt(x) | Val::Timestamptz(x) => Box::new(x),
        Val::Numeric(x) => Box::new(x),
        Val::Bool(x) => Box::new(x),
    }
}

/// One array parameter per column.
fn column_params(rows: &TableRows) -> Vec<Box<dyn ToSql + Sync + Send>> {
    rows.table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| -> Box<dyn ToSql + Sync + Send> {
            let cells = rows.rows.iter().map(move |r| &r[i]);
            match c.ty {
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
            }
        })
        .collect()
}
