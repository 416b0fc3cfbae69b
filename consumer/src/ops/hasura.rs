//! Telling Hasura that the tables it tracks are new objects (after
//! `rebuild` swapped the schema), so GraphQL serves them without a restart.

/// Ask Hasura to reload its metadata (the tables it tracks are new
/// objects). Best-effort: failures are logged, the rebuild stands.
pub async fn reload_metadata(url: &str, secret: &str) {
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "hasura reload: no HTTP client");
            return;
        }
    };
    let endpoint = format!("{}/v1/metadata", url.trim_end_matches('/'));
    let result = client
        .post(&endpoint)
        .header("x-hasura-admin-secret", secret)
        .json(&serde_json::json!({"type": "reload_metadata", "args": {}}))
        .send()
        .await;
    match result {
        Ok(r) if r.status().is_success() => tracing::info!("hasura metadata reloaded"),
        Ok(r) => tracing::warn!(status = r.status().as_u16(), "hasura reload refused"),
        Err(e) => tracing::warn!(error = %e, "hasura reload failed"),
    }
}
