//! The `health` subcommand: ask this host's `/health` whether the process is alive.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// GET `http://<addr>/health` (a wildcard bind address is asked on loopback).
/// `Ok` when it answers 200 within the timeout.
pub async fn probe_health(addr: SocketAddr) -> Result<(), String> {
    let target = if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("http://{target}/health");
    match client.get(&url).send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("{url} answered {}", r.status())),
        Err(e) => Err(format!("{url} did not answer: {e}")),
    }
}
