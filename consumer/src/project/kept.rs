//! Compacting a scope's history: merging its older snapshots into its
//! newest, for tables whose absent rows are kept (`Mode::KeepAbsent`: league
//! members who left).
//!
//! Whoever applies only the newest snapshot of a scope — `rebuild`, `replay`,
//! and a live batch holding several snapshots of one scope (`coalesce`) —
//! must leave what applying every snapshot in order leaves: a member seen in
//! an older snapshot and absent from the newest stays, flagged as gone. They
//! all do it through [`Compaction`]. Series samples are not part of it: each
//! event's are written as they are (docs/design.md rule 4).

use std::borrow::Cow;
use std::collections::HashSet;

use super::table::{Mode, Projection, Table, TableRows, Val};

/// A scope's newest projection with what its older events' kept rows add.
///
/// Feed it the older events newest to oldest ([`Compaction::add_older`]);
/// [`Compaction::finish`] gives the projection that applying them all in
/// order would have left (borrowed unchanged when nothing is added).
pub struct Compaction<'a> {
    newest: Cow<'a, Projection>,
    kept: KeptRows,
}

impl<'a> Compaction<'a> {
    /// Start from the scope's newest projectable event.
    pub fn new(newest: Cow<'a, Projection>) -> Self {
        let kept = KeptRows::new(&newest);
        Self { newest, kept }
    }

    /// Whether the older events matter at all — for their series samples
    /// or their kept rows. When not, a reader need not fetch them.
    pub fn needs_older(&self) -> bool {
        needs_history(&self.newest)
    }

    /// Merge the next older event (newest to oldest: the first row seen per key wins).
    pub fn add_older(&mut self, older: &Projection) {
        self.kept.merge(older);
    }

    /// The compacted projection.
    pub fn finish(self) -> Cow<'a, Projection> {
        if !self.kept.adds_rows() {
            return self.newest;
        }
        let mut merged = self.newest.into_owned();
        self.kept.finish(&mut merged);
        Cow::Owned(merged)
    }
}

/// Whether a projection needs the scope's older events too.
fn needs_history(p: &Projection) -> bool {
    !p.series.is_empty()
        || p.snapshot
            .iter()
            .any(|t| matches!(t.table.mode, Mode::KeepAbsent { .. }))
}

/// Rows of `KeepAbsent` tables seen in older events but absent from the
/// newest: kept with their last-seen values and the flag false — what
/// applying every event in order leaves behind.
struct KeptRows {
    /// Per KeepAbsent table of the newest projection: keys seen, rows to add.
    tables: Vec<KeptTable>,
}

/// A table's keys seen so far and the absent rows to add.
type KeptTable = (&'static Table, HashSet<Vec<Val>>, Vec<Vec<Val>>);

fn key_of(t: &TableRows, row: &[Val]) -> Vec<Val> {
    t.table
        .key_indexes()
        .into_iter()
        .filter_map(|i| row.get(i).cloned())
        .collect()
}

impl KeptRows {
    /// Start from the newest snapshot: its rows are the current ones.
    fn new(newest: &Projection) -> Self {
        let tables = newest
            .snapshot
            .iter()
            .filter(|t| matches!(t.table.mode, Mode::KeepAbsent { .. }))
            .map(|t| {
                let keys = t.rows.iter().map(|r| key_of(t, r)).collect();
                (t.table, keys, Vec::new())
            })
            .collect();
        Self { tables }
    }

    /// Merge an older event (called newest to oldest: the first row seen per key wins).
    fn merge(&mut self, older: &Projection) {
        for t in &older.snapshot {
            let Mode::KeepAbsent { flag } = t.table.mode else {
                continue;
            };
            let Some(flag_idx) = t.table.columns.iter().position(|c| c.name == flag) else {
                continue;
            };
            let Some((_, keys, extra)) = self
                .tables
                .iter_mut()
                .find(|(table, _, _)| std::ptr::eq(*table, t.table))
            else {
                continue;
            };
            for r in &t.rows {
                if keys.insert(key_of(t, r)) {
                    let mut row = r.clone();
                    if let Some(cell) = row.get_mut(flag_idx) {
                        *cell = Val::Bool(Some(false));
                    }
                    extra.push(row);
                }
            }
        }
    }

    /// Whether any older row is to be kept (otherwise the newest stands as is).
    fn adds_rows(&self) -> bool {
        self.tables.iter().any(|(_, _, extra)| !extra.is_empty())
    }

    /// Add the kept rows to the newest snapshot's tables.
    fn finish(self, newest: &mut Projection) {
        for (table, _, extra) in self.tables {
            if let Some(t) = newest
                .snapshot
                .iter_mut()
                .find(|t| std::ptr::eq(t.table, table))
            {
                t.rows.extend(extra);
            }
        }
    }
}
