//! What both binaries' `main` does around their commands: a configuration
//! error is one line and exit 2 (docs/design.md, "Configuration"); then
//! tracing, the TLS provider and the runtime; a command's error is one line
//! and exit 1. `main.rs` of each binary stays a command-line parser.

use std::fmt::Display;
use std::future::Future;
use std::process::ExitCode;

use crate::config::{CommonConfig, ConfigError};
use crate::telemetry;

/// Exit code 2 with `<bin>: <message>` on stderr: a bad setting or argument,
/// named in `message`.
pub fn usage_error(bin: &str, message: impl Display) -> ExitCode {
    eprintln!("{bin}: {message}");
    ExitCode::from(ConfigError::EXIT_CODE as u8)
}

/// Exit code 1 with `<bin>: <message>` on stderr: a command that refused or
/// failed at run time.
pub fn failure(bin: &str, message: impl Display) -> ExitCode {
    eprintln!("{bin}: {message}");
    ExitCode::from(1)
}

/// Start tracing (from `common`'s `LOG_LEVEL`/`LOG_FORMAT`) and a
/// multi-threaded runtime, run `command` on it, and turn its result into the
/// process's exit code: its own code, or 1 with the error's chain
/// (`{:#}`) on one line.
pub fn run<F, E>(bin: &str, common: &CommonConfig, command: F) -> ExitCode
where
    F: Future<Output = Result<ExitCode, E>>,
    E: Display,
{
    telemetry::init_tracing(&common.log_level, common.log_format);
    telemetry::install_crypto_provider();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return failure(bin, format_args!("cannot start the runtime: {e}")),
    };
    match runtime.block_on(command) {
        Ok(code) => code,
        Err(e) => failure(bin, format_args!("{e:#}")),
    }
}

/// The `health` subcommand of both binaries: exit 0 if `HTTP_ADDR`'s
/// `/health` answers (a container healthcheck).
pub async fn health(common: &CommonConfig) -> Result<ExitCode, String> {
    let addr = common
        .http_addr
        .ok_or_else(|| "HTTP_ADDR is not set".to_string())?;
    telemetry::probe_health(addr).await?;
    Ok(ExitCode::SUCCESS)
}
