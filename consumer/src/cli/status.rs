//! `status [--json]`: the pipeline's state as a table or JSON.

use std::process::ExitCode;

use sleeper_shared::redis_conn;

use crate::config::ConsumerConfig;
use crate::ops::status;
use crate::store::connect;

/// Print the status report; Postgres being down is reported inside it.
pub async fn run(config: &ConsumerConfig, json: bool) -> anyhow::Result<ExitCode> {
    let mut redis = redis_conn::managed(&config.common.redis_url).await?;
    let pg = connect::connect(config).await.ok();
    let now = chrono::Utc::now().timestamp_millis();
    let mut expected: Vec<&str> = vec![config.group.as_str()];
    expected.extend(config.trim_groups.iter().map(String::as_str));
    expected.dedup();
    let status = status::read(&mut redis, &config.keys(), &expected, pg.as_ref(), now)
        .await
        .map_err(|e| anyhow::anyhow!(redis_conn::describe(&config.common.redis_url, &e)))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", status.render());
    }
    Ok(ExitCode::SUCCESS)
}
