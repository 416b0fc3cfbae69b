//! The stream as a source for replay and rebuild (docs/design.md rule 11).
//!
//! The archive holds everything a projector has read, but not what no
//! projector has read yet, nor anything after the archive was emptied or
//! pruned (a restore of only schema `sleeper`, a new database). Before
//! replay or rebuild read the archive, every stream entry it lacks is
//! archived with the live path's rules: decoded the same way, an
//! undecodable entry archived as such (it is in the DLQ already and is not
//! dead-lettered again), insert-if-absent. The build then reads one source.

use std::collections::HashSet;

use redis::aio::ConnectionManager;
use redis::Value;
use sleeper_shared::redis_reply;
use sleeper_shared::StreamId;
use tokio_postgres::{Client, Transaction};

use crate::live::decode::{decode, version_of, Decoded};
use crate::store::archive::{archive, Archived};

/// Stream entries read per round trip (and archived per transaction).
const PAGE: usize = 200;

/// Where replay and rebuild take events from (`--source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Source {
    /// Only `pipeline.event_log`.
    Archive,
    /// Only the ids the stream still holds (archived first).
    Stream,
    /// The archive plus every stream entry it lacks (the default).
    #[default]
    Both,
}

impl Source {
    /// Whether the stream is read (and archived) first.
    pub fn reads_stream(self) -> bool {
        matches!(self, Source::Stream | Source::Both)
    }
}

/// What reading the stream into the archive did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamRead {
    /// Entries read from the stream.
    pub read: u64,
    /// Of those, entries the archive lacked (or held only undecodable): now archived.
    pub archived: u64,
    /// The oldest and newest version (original stream id) the stream held
    /// when read; `None` when it is empty.
    pub first: Option<StreamId>,
    pub last: Option<StreamId>,
    /// The decodable events the archive held only after this read.
    pub ids: HashSet<StreamId>,
}

/// Why the stream could not be read into the archive.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("postgres: {0}")]
    Db(#[from] tokio_postgres::Error),
}

/// Archive every entry of `stream` that the archive lacks, oldest first, in
/// pages of [`PAGE`] (one transaction each). `max_body` is
/// `SLEEPER_MAX_BODY_BYTES`, for decoding.
pub async fn archive_stream(
    redis: &mut ConnectionManager,
    stream: &str,
    client: &mut Client,
    max_body: usize,
) -> Result<StreamRead, SourceError> {
    let mut out = StreamRead::default();
    let mut start = "-".to_string();
    loop {
        let reply: Value = redis::cmd("XRANGE")
            .arg(stream)
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(PAGE)
            .query_async(redis)
            .await?;
        let entries = redis_reply::parse_entries(reply);
        let Some(last) = entries.last() else {
            return Ok(out);
        };
        start = format!("({}", last.id);
        let tx = client.transaction().await?;
        // Only what the archive lacks is decoded and sent: in the common
        // case it holds the whole stream already.
        let versions: Vec<StreamId> = entries.iter().map(version_of).collect();
        let held = decodable_held(&tx, &versions).await?;
        // Entries on the stream are not deliveries: no redelivery limit.
        let decoded: Vec<_> = entries
            .iter()
            .zip(&versions)
            .filter(|(_, id)| !held.contains(id))
            .map(|(e, _)| decode(e, max_body, u64::MAX))
            .collect();
        let items: Vec<Archived<'_>> = decoded.iter().map(Decoded::to_archive).collect();
        out.ids
            .extend(items.iter().filter(|a| a.envelope.is_some()).map(|a| a.id));
        if !items.is_empty() {
            out.archived += archive(&tx, &items).await?;
        }
        tx.commit().await?;
        out.read += entries.len() as u64;
        for &id in &versions {
            out.first = Some(out.first.map_or(id, |f| f.min(id)));
            out.last = Some(out.last.map_or(id, |l| l.max(id)));
        }
        if entries.len() < PAGE {
            return Ok(out);
        }
    }
}

/// Which of `ids` the archive already holds decodable.
async fn decodable_held(
    tx: &Transaction<'_>,
    ids: &[StreamId],
) -> Result<HashSet<StreamId>, tokio_postgres::Error> {
    let ms: Vec<i64> = ids.iter().map(|id| id.ms).collect();
    let seq: Vec<i64> = ids.iter().map(|id| id.seq).collect();
    Ok(tx
        .query(
            "SELECT e.id_ms, e.id_seq FROM pipeline.event_log e
             JOIN UNNEST($1::int8[], $2::int8[]) AS u(ms, seq) ON (e.id_ms, e.id_seq) = (u.ms, u.seq)
             WHERE e.decodable",
            &[&ms, &seq],
        )
        .await?
        .iter()
        .map(|r| StreamId {
            ms: r.get(0),
            seq: r.get(1),
        })
        .collect())
}

/// The oldest and newest id of the archive's decodable events, and how many
/// there are (what a replay that matched nothing reports).
pub async fn archive_range(
    client: &Client,
) -> Result<(Option<StreamId>, Option<StreamId>, i64), tokio_postgres::Error> {
    let edge = |order: &'static str| async move {
        let row = client
            .query_opt(
                &format!(
                    "SELECT id_ms, id_seq FROM pipeline.event_log
                     WHERE decodable AND envelope IS NOT NULL
                     ORDER BY id_ms {order}, id_seq {order} LIMIT 1"
                ),
                &[],
            )
            .await?;
        Ok::<_, tokio_postgres::Error>(row.map(|r| StreamId {
            ms: r.get(0),
            seq: r.get(1),
        }))
    };
    let (first, last) = (edge("ASC").await?, edge("DESC").await?);
    let count: i64 = client
        .query_one(
            "SELECT count(*) FROM pipeline.event_log WHERE decodable AND envelope IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    Ok((first, last, count))
}
