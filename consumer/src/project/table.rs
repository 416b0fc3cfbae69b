//! The generic row model every projection returns and the writers in `store` apply.

use rust_decimal::Decimal;
use tokio_postgres::types::Type;

/// A column's SQL type, as written to Postgres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    BigInt,
    Numeric,
    Bool,
    /// JSON text, stored as `jsonb` (exact: Postgres parses the original text).
    Jsonb,
    /// Milliseconds since the epoch, stored as `timestamptz`.
    Timestamptz,
}

impl ColType {
    /// The column's own SQL type (what the migrations declare; binary COPY
    /// sends cells in its format).
    pub fn pg_type(self) -> Type {
        match self {
            ColType::Text => Type::TEXT,
            ColType::Jsonb => Type::JSONB,
            ColType::Int => Type::INT4,
            ColType::BigInt => Type::INT8,
            ColType::Timestamptz => Type::TIMESTAMPTZ,
            ColType::Numeric => Type::NUMERIC,
            ColType::Bool => Type::BOOL,
        }
    }

    /// The Postgres array type the writer binds a column as (JSON and
    /// timestamps travel as text and milliseconds; the statement converts).
    pub fn array_type(self) -> Type {
        match self {
            ColType::Text | ColType::Jsonb => Type::TEXT_ARRAY,
            ColType::Int => Type::INT4_ARRAY,
            ColType::BigInt | ColType::Timestamptz => Type::INT8_ARRAY,
            ColType::Numeric => Type::NUMERIC_ARRAY,
            ColType::Bool => Type::BOOL_ARRAY,
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Col {
    pub name: &'static str,
    pub ty: ColType,
}

/// Shorthand for table definitions.
pub const fn col(name: &'static str, ty: ColType) -> Col {
    Col { name, ty }
}

/// How a table's rows relate to the scope that owns them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The snapshot is the whole truth for its owner: absent rows are deleted.
    Replace,
    /// Like `Replace`, but absent rows are kept with `flag = false`
    /// (league members who left: their rosters and matchups still point at them).
    KeepAbsent { flag: &'static str },
    /// Samples: insert-if-absent on the primary key, never deleted.
    Series,
}

/// A projection table in the schema `sleeper` (or the rebuild's shadow).
#[derive(Debug, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Col],
    /// The primary key (natural key).
    pub key: &'static [&'static str],
    /// The columns that identify the owning scope's rows (a prefix of what the
    /// snapshot replaces); empty for series.
    pub owner: &'static [&'static str],
    pub mode: Mode,
}

impl Table {
    /// Indexes (into `columns`) of the primary key's columns, in key order.
    pub fn key_indexes(&self) -> Vec<usize> {
        self.key
            .iter()
            .filter_map(|k| self.columns.iter().position(|c| c.name == *k))
            .collect()
    }
}

/// A value for one cell. `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Val {
    Text(Option<String>),
    Int(Option<i32>),
    BigInt(Option<i64>),
    Numeric(Option<Decimal>),
    Bool(Option<bool>),
    Jsonb(Option<String>),
    Timestamptz(Option<i64>),
}

impl Val {
    /// The column type this value fits.
    pub fn ty(&self) -> ColType {
        match self {
            Val::Text(_) => ColType::Text,
            Val::Int(_) => ColType::Int,
            Val::BigInt(_) => ColType::BigInt,
            Val::Numeric(_) => ColType::Numeric,
            Val::Bool(_) => ColType::Bool,
            Val::Jsonb(_) => ColType::Jsonb,
            Val::Timestamptz(_) => ColType::Timestamptz,
        }
    }

    /// A text value.
    pub fn text(s: impl Into<String>) -> Val {
        Val::Text(Some(s.into()))
    }
}

/// The rows of one table that one event yields.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRows {
    pub table: &'static Table,
    /// Values of `table.owner`, identifying the rows this snapshot replaces.
    pub owner: Vec<Val>,
    /// Full rows, in `table.columns` order.
    pub rows: Vec<Vec<Val>>,
}

impl TableRows {
    /// An empty set of rows for `table` owned by `owner`.
    pub fn new(table: &'static Table, owner: Vec<Val>) -> Self {
        Self {
            table,
            owner,
            rows: Vec::new(),
        }
    }

    /// Add a row; its arity and types must match the table (checked in debug and by tests).
    pub fn push(&mut self, row: Vec<Val>) {
        debug_assert_eq!(
            row.len(),
            self.table.columns.len(),
            "row arity for {}",
            self.table.name
        );
        debug_assert!(
            row.iter()
                .zip(self.table.columns)
                .all(|(v, c)| v.ty() == c.ty),
            "row types for {}",
            self.table.name
        );
        self.rows.push(row);
    }

    /// Keep only the first row of each primary key. A snapshot that lists an
    /// entity twice (a player twice in a roster) is still one entity; without
    /// this the insert would fail on the key and dead-letter the whole event.
    pub fn dedup_by_key(&mut self) {
        let idx = self.table.key_indexes();
        let mut seen = std::collections::HashSet::with_capacity(self.rows.len());
        let keep: Vec<bool> = self
            .rows
            .iter()
            .map(|r| seen.insert(idx.iter().map(|&i| r.get(i)).collect::<Vec<_>>()))
            .collect();
        if keep.iter().all(|k| *k) {
            return;
        }
        let mut keep = keep.into_iter();
        self.rows.retain(|_| keep.next().unwrap_or(true));
    }

    /// The value of column `name` in row `i` (tests and references).
    pub fn get(&self, i: usize, name: &str) -> Option<&Val> {
        let idx = self.table.columns.iter().position(|c| c.name == name)?;
        self.rows.get(i)?.get(idx)
    }
}

/// The rows one event yields.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Projection {
    /// Owned rows, applied under the per-scope version guard.
    pub snapshot: Vec<TableRows>,
    /// Samples, applied insert-if-absent regardless of the guard.
    pub series: Vec<TableRows>,
}
