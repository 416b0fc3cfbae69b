//! Binary `COPY … FROM STDIN` of projected rows into tables that hold none of
//! their keys yet — the rebuild's shadow, where every scope is written once
//! and every series sample (keyed by its event's id) comes once.
//!
//! Why not the live writer (`crate::store::write`): its statements delete what a
//! snapshot replaces and insert through `UNNEST` with `ON CONFLICT` checks,
//! work an empty table does not need; COPY is Postgres's fastest way in (the
//! benchmark's ceiling). The cells are the live writer's, byte for byte in
//! meaning: NUL in text becomes U+FFFD (`crate::store::pg_text`), JSON goes in as
//! `jsonb`, and milliseconds become a `timestamptz` by the very arithmetic
//! Postgres's `to_timestamp(ms / 1000.0)` does. A duplicate key or a value
//! Postgres refuses fails the COPY with the same data-error SQLSTATE the
//! live writer would get, so callers fall back the same way.

use std::error::Error;

use bytes::{BufMut, BytesMut};
use futures::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::Transaction;

use crate::project::{by_table, Table, TableRows, Val};
use crate::store::pg_text;

/// COPY every set's rows, grouped per table ([`by_table`]): one COPY per
/// table, one after another (a connection carries one COPY at a time).
/// Returns the rows written.
pub async fn copy_tables<'a>(
    tx: &Transaction<'_>,
    rows: impl IntoIterator<Item = &'a TableRows>,
) -> Result<u64, tokio_postgres::Error> {
    let mut written = 0;
    for (table, sets) in by_table(rows) {
        written += copy_table(tx, table, &sets).await?;
    }
    Ok(written)
}

/// One table's rows of many sets, in one COPY.
async fn copy_table(
    tx: &Transaction<'_>,
    table: &Table,
    sets: &[&TableRows],
) -> Result<u64, tokio_postgres::Error> {
    if sets.iter().all(|s| s.rows.is_empty()) {
        return Ok(0);
    }
    let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    let sink = tx
        .copy_in(&format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            table.name,
            names.join(", ")
        ))
        .await?;
    let types: Vec<Type> = table.columns.iter().map(|c| c.ty.pg_type()).collect();
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    // One vector of cell references for every row (all borrow `sets`).
    let mut cells: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(table.columns.len());
    for row in sets.iter().flat_map(|s| &s.rows) {
        cells.clear();
        cells.extend(row.iter().map(|v| v as &(dyn ToSql + Sync)));
        writer.as_mut().write(&cells).await?;
    }
    writer.finish().await
}

/// Milliseconds since 1970 → microseconds since 2000 (Postgres's epoch),
/// computed as `to_timestamp(ms::float8 / 1000.0)` computes it, so COPY
/// and the live writer store the same instant. `None` when it cannot be an
/// `int8`; the caller then sends a value Postgres refuses as out of range.
fn pg_micros(ms: i64) -> Option<i64> {
    /// Seconds from 1970-01-01 to 2000-01-01.
    const PG_EPOCH_S: f64 = 946_684_800.0;
    let micros = ((ms as f64 / 1000.0 - PG_EPOCH_S) * 1_000_000.0).round_ties_even();
    // i64::MAX as f64 rounds up to 2^63, which is out of range.
    (micros.is_finite() && micros >= i64::MIN as f64 && micros < i64::MAX as f64)
        .then_some(micros as i64)
}

/// Beyond Postgres's timestamp range but not its `infinity` (`i64::MAX`):
/// refused on receipt as "timestamp out of range", like `to_timestamp`.
const OUT_OF_RANGE_MICROS: i64 = i64::MAX - 1;

/// A cell in Postgres's binary format for its column's type.
impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Val::Text(None)
            | Val::Jsonb(None)
            | Val::Timestamptz(None)
            | Val::Int(None)
            | Val::BigInt(None)
            | Val::Numeric(None)
            | Val::Bool(None) => Ok(IsNull::Yes),
            Val::Text(Some(s)) => {
                out.put_slice(pg_text::text(s).as_bytes());
                Ok(IsNull::No)
            }
            Val::Jsonb(Some(s)) => {
                // jsonb's binary format: version 1, then the JSON text.
                out.put_u8(1);
                out.put_slice(pg_text::jsonb(s).as_bytes());
                Ok(IsNull::No)
            }
            Val::Timestamptz(Some(ms)) => {
                out.put_i64(pg_micros(*ms).unwrap_or(OUT_OF_RANGE_MICROS));
                Ok(IsNull::No)
            }
            Val::Int(Some(i)) => i.to_sql(ty, out),
            Val::BigInt(Some(i)) => i.to_sql(ty, out),
            Val::Numeric(Some(d)) => d.to_sql(ty, out),
            Val::Bool(Some(b)) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // The type is the column's (`ColType::pg_type`); a cell of another
        // type than its column is a projection bug the projection tests catch.
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_become_microseconds_since_2000() {
        assert_eq!(pg_micros(946_684_800_000), Some(0));
        assert_eq!(
            pg_micros(1_700_000_000_123),
            Some((1_700_000_000_123 - 946_684_800_000) * 1000)
        );
        assert_eq!(pg_micros(-1), Some(-946_684_800_001_000));
        // 9e18 ms is ~2.85e20 years away: no int8 holds it.
        assert_eq!(pg_micros(9_000_000_000_000_000_000), None);
    }

    #[test]
    fn cells_are_postgres_binary() {
        let mut out = BytesMut::new();
        let text = Val::text("a\0b");
        text.to_sql(&Type::TEXT, &mut out).expect("text");
        assert_eq!(&out[..], "a\u{FFFD}b".as_bytes());
        out.clear();
        let json = Val::Jsonb(Some(r#"{"k":1}"#.into()));
        json.to_sql(&Type::JSONB, &mut out).expect("jsonb");
        assert_eq!(&out[..], b"\x01{\"k\":1}");
        out.clear();
        let ts = Val::Timestamptz(Some(946_684_800_001));
        ts.to_sql(&Type::TIMESTAMPTZ, &mut out).expect("ts");
        assert_eq!(&out[..], 1000i64.to_be_bytes());
        assert!(matches!(
            Val::Int(None).to_sql(&Type::INT4, &mut out),
            Ok(IsNull::Yes)
        ));
    }
}
