//! What the rebuilt tables would lose against the live ones
//! (docs/design.md rule 11): scopes the live `_versions` hold that the shadow
//! lacks or holds at an older version, and series rows (score history and
//! other samples) of the live tables missing from the shadow.

use std::fmt;

use tokio_postgres::GenericClient;

use crate::project::{Mode, TABLES};
use crate::store::migrate::{quote_ident, PROJECTION_SCHEMA};

/// Examples kept per kind of loss.
const EXAMPLES: i64 = 3;

/// The comparison of the shadow with the live tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loss {
    /// Live scopes missing from the shadow or older there.
    pub scopes: u64,
    /// A few of them, with their live and rebuilt versions.
    pub scope_examples: Vec<String>,
    /// Live series rows missing from the shadow.
    pub series_rows: u64,
    /// A few of them, as `table (key…)`.
    pub series_examples: Vec<String>,
}

impl Loss {
    /// Whether nothing would be lost.
    pub fn is_empty(&self) -> bool {
        self.scopes == 0 && self.series_rows == 0
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} scope(s) missing or older in the rebuilt tables{}, {} series row(s) missing{}",
            self.scopes,
            examples(&self.scope_examples),
            self.series_rows,
            examples(&self.series_examples)
        )
    }
}

fn examples(list: &[String]) -> String {
    if list.is_empty() {
        String::new()
    } else {
        format!(" (e.g. {})", list.join(", "))
    }
}

impl Loss {
    /// Both comparisons together (versions and series).
    pub fn with(self, other: Loss) -> Loss {
        let mut examples = self.series_examples;
        examples.extend(other.series_examples);
        examples.truncate(EXAMPLES as usize);
        let mut scope_examples = self.scope_examples;
        scope_examples.extend(other.scope_examples);
        scope_examples.truncate(EXAMPLES as usize);
        Loss {
            scopes: self.scopes + other.scopes,
            scope_examples,
            series_rows: self.series_rows + other.series_rows,
            series_examples: examples,
        }
    }
}

/// Live `_versions` scopes missing from `shadow` or older there: one small
/// join (a row per scope), cheap enough to run under the swap's lock.
pub async fn compare_versions(
    client: &impl GenericClient,
    shadow: &str,
) -> Result<Loss, tokio_postgres::Error> {
    let (live, shadow) = (quote_ident(PROJECTION_SCHEMA), quote_ident(shadow));
    let mut loss = Loss::default();
    let rows = client
        .query(
            &format!(
                "SELECT l.scope || ' (live ' || l.version_ms || '-' || l.version_seq || ', rebuilt '
                        || coalesce(s.version_ms || '-' || s.version_seq, 'none') || ')',
                        count(*) OVER ()
                 FROM {live}._versions l LEFT JOIN {shadow}._versions s ON s.scope = l.scope
                 WHERE s.scope IS NULL OR (s.version_ms, s.version_seq) < (l.version_ms, l.version_seq)
                 ORDER BY l.scope LIMIT $1"
            ),
            &[&EXAMPLES],
        )
        .await?;
    loss.scopes = rows.first().map_or(0, |r| r.get::<_, i64>(1) as u64);
    loss.scope_examples = rows.iter().map(|r| r.get(0)).collect();
    Ok(loss)
}

/// The temp table (of the session that stages it) holding a series
/// table's candidate missing keys.
fn staged(table: &str) -> String {
    quote_ident(&format!("lost_{table}"))
}

/// The costly half, before the swap's lock: the keys of live series rows
/// (score history, trending samples) that `shadow` lacks right now, kept in
/// temp tables of this session (`pg_temp.lost_<table>`). Some of them may
/// still arrive with the swap's tail (events archived since the catch-up);
/// any row live gains meanwhile comes from such an event too, so only these
/// candidates need looking at again ([`recheck_series`], on the same
/// session). Returns how many candidates there are.
pub async fn stage_series(
    client: &impl GenericClient,
    shadow: &str,
) -> Result<u64, tokio_postgres::Error> {
    let (live, shadow) = (quote_ident(PROJECTION_SCHEMA), quote_ident(shadow));
    let mut candidates = 0;
    for table in TABLES.iter().filter(|t| t.mode == Mode::Series) {
        let (name, lost) = (quote_ident(table.name), staged(table.name));
        let key = key_list(table);
        client
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS pg_temp.{lost};
                 CREATE TEMP TABLE {lost} AS
                   SELECT {key} FROM {live}.{name} EXCEPT SELECT {key} FROM {shadow}.{name}"
            ))
            .await?;
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM pg_temp.{lost}"), &[])
            .await?
            .get(0);
        candidates += n as u64;
    }
    Ok(candidates)
}

/// Of the candidates [`stage_series`] kept (on this same session), the
/// rows `shadow` still lacks: the series loss. Cheap — it reads the
/// candidates, not the tables — so it runs under the swap's lock.
pub async fn recheck_series(
    client: &impl GenericClient,
    shadow: &str,
) -> Result<Loss, tokio_postgres::Error> {
    let shadow = quote_ident(shadow);
    let mut loss = Loss::default();
    for table in TABLES.iter().filter(|t| t.mode == Mode::Series) {
        let (name, lost) = (quote_ident(table.name), staged(table.name));
        let matches: Vec<String> = table
            .key
            .iter()
            .map(|k| format!("s.{k} = l.{k}", k = quote_ident(k)))
            .collect();
        let rows = client
            .query(
                &format!(
                    "SELECT '{table_name} (' || concat_ws(', ', {key}) || ')', count(*) OVER ()
                     FROM pg_temp.{lost} AS l
                     WHERE NOT EXISTS (SELECT 1 FROM {shadow}.{name} AS s WHERE {matches})
                     ORDER BY 1 LIMIT $1",
                    table_name = table.name,
                    key = table
                        .key
                        .iter()
                        .map(|k| format!("l.{}", quote_ident(k)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    matches = matches.join(" AND "),
                ),
                &[&EXAMPLES],
            )
            .await?;
        loss.series_rows += rows.first().map_or(0, |r| r.get::<_, i64>(1) as u64);
        let room = (EXAMPLES as usize).saturating_sub(loss.series_examples.len());
        loss.series_examples
            .extend(rows.iter().take(room).map(|r| r.get::<_, String>(0)));
    }
    Ok(loss)
}

fn key_list(table: &crate::project::Table) -> String {
    table
        .key
        .iter()
        .map(|k| quote_ident(k))
        .collect::<Vec<_>>()
        .join(", ")
}
