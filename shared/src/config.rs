//! Configuration from the environment (12-factor).
//!
//! Every binary reads its settings through [`Env`], so every bad value gets
//! the same treatment: a [`ConfigError`] naming the variable, the rejected
//! value (credentials redacted) and what was expected; `main` prints it on
//! one line and exits 2.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use crate::redact::redact_url;

/// A rejected or missing setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub var: String,
    /// The value as given, already redacted; `None` when it was missing.
    pub value: Option<String>,
    pub expected: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(
                f,
                "invalid {}={:?}: expected {}",
                self.var, v, self.expected
            ),
            None => write!(f, "missing {}: expected {}", self.var, self.expected),
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// The exit code every binary uses for bad configuration.
    pub const EXIT_CODE: i32 = 2;
}

/// A snapshot of environment variables. Empty values count as unset, so
/// `FOO=` in a `.env` file means "use the default".
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    /// An explicit set of variables (tests).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value of `name`, trimmed; `None` when unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A value that must be present.
    pub fn required(&self, name: &str, expected: &str) -> Result<String, ConfigError> {
        self.get(name)
            .map(str::to_string)
            .ok_or_else(|| ConfigError {
                var: name.into(),
                value: None,
                expected: expected.into(),
            })
    }

    /// `name` parsed as `T`, or `default` when unset.
    pub fn parse_or<T: FromStr>(
        &self,
        name: &str,
        default: T,
        expected: &str,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.parse::<T>().map_err(|_| self.invalid(name, v, expected)),
        }
    }

    /// A duration such as `500ms`, `30s`, `5m`, `2h`, `3d` (a bare number is seconds).
    pub fn duration_or(&self, name: &str, default: Duration) -> Result<Duration, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => parse_duration(v).ok_or_else(|| {
                self.invalid(name, v, "a duration such as 500ms, 30s, 5m, 2h or 3d")
            }),
        }
    }

    /// A URL with one of the given schemes; the error never shows its password.
    pub fn url(
        &self,
        name: &str,
        schemes: &[&str],
        default: Option<&str>,
    ) -> Result<String, ConfigError> {
        let expected = format!("a URL with scheme {}", schemes.join(" or "));
        let raw = match (self.get(name), default) {
            (Some(v), _) => v.to_string(),
            (None, Some(d)) => d.to_string(),
            (None, None) => {
                return Err(ConfigError {
                    var: name.into(),
                    value: None,
                    expected,
                })
            }
        };
        match url::Url::parse(&raw) {
            Ok(u) if schemes.contains(&u.scheme()) && u.has_host() => Ok(raw),
            _ => Err(ConfigError {
                var: name.into(),
                value: Some(redact_url(&raw)),
                expected,
            }),
        }
    }

    /// An error for `name` having the value `value`.
    pub fn invalid(&self, name: &str, value: &str, expected: &str) -> ConfigError {
        ConfigError {
            var: name.into(),
            value: Some(value.into()),
            expected: expected.into(),
        }
    }
}

/// Parse `500ms`, `30s`, `5m`, `2h`, `3d` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86_400.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// Settings every binary shares.
#[derive(Debug, Clone)]
pub struct CommonConfig {
    pub redis_url: String,
    pub stream_key: String,
    /// Where to serve `/health`, `/ready`, `/metrics`; `None` serves nothing.
    pub http_addr: Option<SocketAddr>,
    pub log_level: String,
    pub log_format: LogFormat,
}

impl CommonConfig {
    /// Read the shared settings. `default_http` is the binary's default
    /// `HTTP_ADDR` for long-running commands, `None` for one-shot ones.
    pub fn load(env: &Env, default_http: Option<&str>) -> Result<Self, ConfigError> {
        let redis_url = env.url(
            "REDIS_URL",
            &["redis", "rediss"],
            Some("redis://127.0.0.1:6379"),
        )?;
        let stream_key = env
            .get("STREAM_KEY")
            .unwrap_or("sleeper:events")
            .to_string();
        if stream_key
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(env.invalid("STREAM_KEY", &stream_key, "a Redis key without whitespace"));
        }
        let http_addr = match env.get("HTTP_ADDR").or(default_http) {
            None => None,
            Some(a) => Some(a.parse::<SocketAddr>().map_err(|_| {
                env.invalid(
                    "HTTP_ADDR",
                    a,
                    "host:port such as 127.0.0.1:9100 or 0.0.0.0:9100",
                )
            })?),
        };
        let log_level = env.get("LOG_LEVEL").unwrap_or("info").to_string();
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            return Err(env.invalid(
                "LOG_LEVEL",
                &log_level,
                "a level (error, warn, info, debug, trace) or a filter",
            ));
        }
        let log_format = match env.get("LOG_FORMAT").unwrap_or("text") {
            "json" => LogFormat::Json,
            "text" => LogFormat::Text,
            other => return Err(env.invalid("LOG_FORMAT", other, "json or text")),
        };
        Ok(Self {
            redis_url,
            stream_key,
            http_addr,
            log_level,
            log_format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_unset_or_empty() {
        let env = Env::from_pairs([("STREAM_KEY", "")]);
        let c = CommonConfig::load(&env, Some("127.0.0.1:9100")).unwrap();
        assert_eq!(c.stream_key, "sleeper:events");
        assert_eq!(c.redis_url, "redis://127.0.0.1:6379");
        assert_eq!(c.http_addr, Some("127.0.0.1:9100".parse().unwrap()));
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(CommonConfig::load(&Env::default(), None)
            .unwrap()
            .http_addr
            .is_none());
    }

    #[test]
    fn bad_values_name_the_variable_and_hide_passwords() {
        let env = Env::from_pairs([("REDIS_URL", "http://:topsecret@host")]);
        let e = CommonConfig::load(&env, None).unwrap_err();
        assert_eq!(e.var, "REDIS_URL");
        let line = e.to_string();
        assert!(line.starts_with("invalid REDIS_URL="), "{line}");
        assert!(!line.contains("topsecret"), "{line}");
        assert!(!line.contains('\n'));

        let env = Env::from_pairs([("LOG_FORMAT", "xml")]);
        assert_eq!(
            CommonConfig::load(&env, None).unwrap_err().to_string(),
            "invalid LOG_FORMAT=\"xml\": expected json or text"
        );
        let env = Env::from_pairs([("HTTP_ADDR", "nope")]);
        assert_eq!(CommonConfig::load(&env, None).unwrap_err().var, "HTTP_ADDR");
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("3d"), Some(Duration::from_secs(3 * 86_400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("1.5m"), Some(Duration::from_secs(90)));
        for bad in ["", "x", "5 weeks", "-1s", "1y"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
