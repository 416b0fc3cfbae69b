//! Tracing setup from `LOG_LEVEL` and `LOG_FORMAT`.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Install the global subscriber. Logs go to stderr, so stdout stays free for
/// command output (`status --json`, `dlq list`). Safe to call twice (tests).
pub fn init_tracing(level: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
