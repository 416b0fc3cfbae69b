//! The consumer's settings, read from the environment (see `.env.example`).

use std::time::Duration;

use sleeper_shared::config::{CommonConfig, ConfigError, Env};
use sleeper_shared::stream::StreamKeys;

/// Everything the consumer needs.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    pub common: CommonConfig,
    pub database_url: String,
    pub group: String,
    pub consumer_name: String,
    pub batch_size: usize,
    pub block: Duration,
    /// Deliveries after which an entry is dead-lettered unread.
    pub max_deliveries: u64,
    /// Pending entries idle this long on another consumer are claimed.
    pub claim_idle: Duration,
    /// Consumer names idle this long with nothing pending are removed.
    pub idle_remove: Duration,
    /// `None` = never trim.
    pub retention: Option<Duration>,
    pub trim_groups: Vec<String>,
    pub max_body_bytes: usize,
    pub hasura_url: Option<String>,
    pub hasura_admin_secret: Option<String>,
    /// Fault injection for crash tests: abort the process right after the
    /// N-th committed batch, before its XACK. Never set in production.
    pub crash_after_commit: Option<u64>,
}

impl ConsumerConfig {
    /// Read and validate; `default_http` is `HTTP_ADDR`'s default for this command.
    pub fn load(env: &Env, default_http: Option<&str>) -> Result<Self, ConfigError> {
        let common = CommonConfig::load(env, default_http)?;
        let database_url = env.url(
            "DATABASE_URL",
            &["postgres", "postgresql"],
            Some("postgres://postgres@127.0.0.1:5432/sleeper"),
        )?;
        let group = env.get("CONSUMER_GROUP").unwrap_or("projector").to_string();
        let consumer_name = match env.get("CONSUMER_NAME") {
            Some(n) => n.to_string(),
            None => hostname(),
        };
        let batch_size: usize = env.parse_or("CONSUMER_BATCH_SIZE", 100, "a positive integer")?;
        if batch_size == 0 || batch_size > 10_000 {
            return Err(env.invalid(
                "CONSUMER_BATCH_SIZE",
                &batch_size.to_string(),
                "an integer from 1 to 10000",
            ));
        }
        let block =
            Duration::from_millis(env.parse_or("CONSUMER_BLOCK_MS", 2000, "milliseconds")?);
        let max_deliveries: u64 =
            env.parse_or("CONSUMER_MAX_DELIVERIES", 10, "a positive integer")?;
        if max_deliveries == 0 {
            return Err(env.invalid("CONSUMER_MAX_DELIVERIES", "0", "a positive integer"));
        }
        let claim_idle = env.duration_or("CONSUMER_CLAIM_IDLE", Duration::from_secs(30))?;
        let idle_remove = env.duration_or("CONSUMER_IDLE_REMOVE", Duration::from_secs(3600))?;
        let retention = env.duration_or("STREAM_RETENTION", Duration::from_secs(3 * 86_400))?;
        let retention = (!retention.is_zero()).then_some(retention);
        let trim_groups = match env.get("TRIM_GROUPS") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            None => vec![group.clone()],
        };
        let max_body_bytes: usize = env.parse_or(
            "SLEEPER_MAX_BODY_BYTES",
            64 * 1024 * 1024,
            "a size in bytes",
        )?;
        let hasura_url = match env.get("HASURA_URL") {
            Some(_) => Some(env.url("HASURA_URL", &["http", "https"], None)?),
            None => None,
        };
        let hasura_admin_secret = env.get("HASURA_ADMIN_SECRET").map(str::to_string);
        let crash_after_commit = match env.get("CONSUMER_CRASH_AFTER_COMMIT") {
            None => None,
            Some(v) => Some(
                v.parse::<u64>()
                    .map_err(|_| env.invalid("CONSUMER_CRASH_AFTER_COMMIT", v, "a batch count"))?,
            ),
        };
        Ok(Self {
            common,
            database_url,
            group,
            consumer_name,
            batch_size,
            block,
            max_deliveries,
            claim_idle,
            idle_remove,
            retention,
            trim_groups,
            max_body_bytes,
            hasura_url,
            hasura_admin_secret,
            crash_after_commit,
        })
    }

    /// The Redis keys of this deployment.
    pub fn keys(&self) -> StreamKeys {
        StreamKeys::new(&self.common.stream_key)
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("consumer-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = ConsumerConfig::load(&Env::default(), None).unwrap();
        assert_eq!(c.group, "projector");
        assert_eq!(c.trim_groups, ["projector"]);
        assert_eq!(c.retention, Some(Duration::from_secs(259_200)));
        assert_eq!(c.max_deliveries, 10);
        assert!(!c.consumer_name.is_empty());
    }

    #[test]
    fn retention_zero_means_never_and_bad_values_are_named() {
        let c = ConsumerConfig::load(&Env::from_pairs([("STREAM_RETENTION", "0")]), None).unwrap();
        assert_eq!(c.retention, None);
        for (var, val) in [
            ("DATABASE_URL", "mysql://x/y"),
            ("CONSUMER_BATCH_SIZE", "0"),
            ("CONSUMER_MAX_DELIVERIES", "many"),
            ("STREAM_RETENTION", "forever"),
        ] {
            let e = ConsumerConfig::load(&Env::from_pairs([(var, val)]), None).unwrap_err();
            assert_eq!(e.var, var);
        }
    }
}
