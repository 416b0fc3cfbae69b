//! The producer's settings, read from the environment (see `.env.example`).

use std::time::Duration;

use sleeper_shared::config::{CommonConfig, ConfigError, Env};
use sleeper_shared::scope::is_valid_id;
use sleeper_shared::stream::StreamKeys;

/// Sleeper asks for fewer than this many calls a minute per IP.
pub const SLEEPER_HARD_LIMIT_PER_MINUTE: u32 = 1000;

/// Where the `/v1` API lives.
pub const DEFAULT_API_BASE_URL: &str = "https://api.sleeper.app/v1";
/// Where stats, projections and the schedule live.
pub const DEFAULT_STATS_BASE_URL: &str = "https://api.sleeper.com";

/// Everything the producer needs to run.
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    /// What both binaries read: Redis, the stream key, `HTTP_ADDR`, logging.
    pub common: CommonConfig,
    /// `SLEEPER_API_BASE_URL` without a trailing `/` (default
    /// `https://api.sleeper.app/v1`).
    pub api_base_url: String,
    /// `SLEEPER_STATS_BASE_URL` without a trailing `/`: the host of stats,
    /// projections and the schedule, served outside `/v1`. Default
    /// `https://api.sleeper.com`; when `SLEEPER_API_BASE_URL` points
    /// elsewhere (a simulator, a proxy), that URL without its `/v1`, so
    /// redirecting one never leaves the other on the real host.
    pub stats_base_url: String,
    /// Numeric league ids from `SLEEPER_LEAGUE_IDS` then `PRIMARY_LEAGUE_ID`
    /// (comma-separated), each once, in that order.
    pub league_ids: Vec<String>,
    /// `SLEEPER_USERNAME`: a username or user id whose current leagues are followed.
    pub username: Option<String>,
    /// Requests allowed per quota window, across every producer on this Redis
    /// (`SLEEPER_RATE_LIMIT_PER_MINUTE`, default 300).
    pub rate_limit: u32,
    /// The quota's sliding window (`SLEEPER_QUOTA_WINDOW`, default 60 s).
    pub quota_window: Duration,
    /// Redis key of the quota (`SLEEPER_QUOTA_KEY`, default `<stream>:quota`).
    pub quota_key: String,
    /// Requests in flight per process (`SLEEPER_MAX_IN_FLIGHT`, default 4).
    pub max_in_flight: usize,
    /// One request's timeout (`SLEEPER_HTTP_TIMEOUT`, default 20 s).
    pub http_timeout: Duration,
    /// Largest body accepted, in bytes (`SLEEPER_MAX_BODY_BYTES`, default 64 MiB).
    pub max_body_bytes: usize,
    /// `SIM_CLOCK_URL`: follow a simulator's clock instead of the system's.
    pub sim_clock_url: Option<String>,
    /// Path of an optional TOML file of poll intervals and game windows
    /// (`SLEEPER_POLL_CONFIG`).
    pub poll_config: Option<String>,
}

impl ProducerConfig {
    /// Read and validate; `default_http` is `HTTP_ADDR`'s default for this command.
    pub fn load(env: &Env, default_http: Option<&str>) -> Result<Self, ConfigError> {
        let common = CommonConfig::load(env, default_http)?;
        let api_base_url = env
            .url(
                "SLEEPER_API_BASE_URL",
                &["http", "https"],
                Some(DEFAULT_API_BASE_URL),
            )?
            .trim_end_matches('/')
            .to_string();
        let stats_default = if api_base_url == DEFAULT_API_BASE_URL {
            DEFAULT_STATS_BASE_URL.to_string()
        } else {
            api_base_url.trim_end_matches("/v1").to_string()
        };
        let stats_base_url = env
            .url(
                "SLEEPER_STATS_BASE_URL",
                &["http", "https"],
                Some(&stats_default),
            )?
            .trim_end_matches('/')
            .to_string();
        let mut league_ids = Vec::new();
        for var in ["SLEEPER_LEAGUE_IDS", "PRIMARY_LEAGUE_ID"] {
            if let Some(list) = env.get(var) {
                for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if !id.bytes().all(|b| b.is_ascii_digit()) || id.len() > 30 {
                        return Err(env.invalid(
                            var,
                            list,
                            "a comma-separated list of numeric league ids",
                        ));
                    }
                    if !league_ids.iter().any(|l| l == id) {
                        league_ids.push(id.to_string());
                    }
                }
            }
        }
        let username = match env.get("SLEEPER_USERNAME") {
            Some(u) if is_valid_id(u) => Some(u.to_string()),
            Some(u) => {
                return Err(env.invalid("SLEEPER_USERNAME", u, "a Sleeper username or user id"))
            }
            None => None,
        };
        let rate_limit: u32 =
            env.parse_or("SLEEPER_RATE_LIMIT_PER_MINUTE", 300, "a positive integer")?;
        if rate_limit == 0 {
            return Err(env.invalid("SLEEPER_RATE_LIMIT_PER_MINUTE", "0", "a positive integer"));
        }
        if rate_limit >= SLEEPER_HARD_LIMIT_PER_MINUTE {
            tracing::warn!(
                rate_limit,
                "SLEEPER_RATE_LIMIT_PER_MINUTE is at or above Sleeper's limit of 1000/min; only use this against a simulator"
            );
        }
        let quota_window = env.duration_or("SLEEPER_QUOTA_WINDOW", Duration::from_secs(60))?;
        if quota_window.is_zero() {
            return Err(env.invalid("SLEEPER_QUOTA_WINDOW", "0", "a window longer than zero"));
        }
        let keys = StreamKeys::new(&common.stream_key);
        let quota_key = env
            .get("SLEEPER_QUOTA_KEY")
            .map(str::to_string)
            .unwrap_or_else(|| keys.default_quota());
        let max_in_flight: usize =
            env.parse_or("SLEEPER_MAX_IN_FLIGHT", 4, "a positive integer")?;
        if max_in_flight == 0 {
            return Err(env.invalid("SLEEPER_MAX_IN_FLIGHT", "0", "a positive integer"));
        }
        let http_timeout = env.duration_or("SLEEPER_HTTP_TIMEOUT", Duration::from_secs(20))?;
        let max_body_bytes: usize = env.parse_or(
            "SLEEPER_MAX_BODY_BYTES",
            64 * 1024 * 1024,
            "a size in bytes",
        )?;
        let sim_clock_url = match env.get("SIM_CLOCK_URL") {
            Some(_) => Some(env.url("SIM_CLOCK_URL", &["http", "https"], None)?),
            None => None,
        };
        let poll_config = env.get("SLEEPER_POLL_CONFIG").map(str::to_string);
        Ok(Self {
            common,
            api_base_url,
            stats_base_url,
            league_ids,
            username,
            rate_limit,
            quota_window,
            quota_key,
            max_in_flight,
            http_timeout,
            max_body_bytes,
            sim_clock_url,
            poll_config,
        })
    }

    /// The Redis keys of this deployment.
    pub fn keys(&self) -> StreamKeys {
        StreamKeys::new(&self.common.stream_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn league_ids_merge_both_variables_without_duplicates() {
        let env = Env::from_pairs([("SLEEPER_LEAGUE_IDS", "1, 2,3"), ("PRIMARY_LEAGUE_ID", "2")]);
        let c = ProducerConfig::load(&env, None).unwrap();
        assert_eq!(c.league_ids, ["1", "2", "3"]);
        assert_eq!(c.rate_limit, 300);
        assert_eq!(c.quota_key, "sleeper:events:quota");
        assert_eq!(c.api_base_url, "https://api.sleeper.app/v1");
        assert_eq!(c.stats_base_url, "https://api.sleeper.com");
    }

    #[test]
    fn the_stats_host_follows_a_redirected_api_unless_set() {
        let sim = [("SLEEPER_API_BASE_URL", "http://127.0.0.1:9/v1/")];
        let c = ProducerConfig::load(&Env::from_pairs(sim), None).unwrap();
        assert_eq!(c.stats_base_url, "http://127.0.0.1:9");
        let both = [
            ("SLEEPER_API_BASE_URL", "http://127.0.0.1:9/v1"),
            ("SLEEPER_STATS_BASE_URL", "https://api.sleeper.app/"),
        ];
        let c = ProducerConfig::load(&Env::from_pairs(both), None).unwrap();
        assert_eq!(c.stats_base_url, "https://api.sleeper.app");
    }

    #[test]
    fn bad_values_are_named() {
        for (var, val) in [
            ("SLEEPER_LEAGUE_IDS", "12,abc"),
            ("SLEEPER_RATE_LIMIT_PER_MINUTE", "lots"),
            ("SLEEPER_RATE_LIMIT_PER_MINUTE", "0"),
            ("SLEEPER_API_BASE_URL", "ftp://x"),
            ("SLEEPER_STATS_BASE_URL", "api.sleeper.com"),
            ("SLEEPER_QUOTA_WINDOW", "soon"),
            ("SLEEPER_USERNAME", "a b"),
        ] {
            let err = ProducerConfig::load(&Env::from_pairs([(var, val)]), None).unwrap_err();
            assert_eq!(err.var, var, "{val}");
        }
    }
}
