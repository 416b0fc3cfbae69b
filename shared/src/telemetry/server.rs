//! The HTTP server for `/health`, `/ready` and `/metrics`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use prometheus::{Encoder, Registry, TextEncoder};
use tokio_util::sync::CancellationToken;

use super::ready::{Check, ReadyReport};

struct AppState {
    registry: Registry,
    checks: Vec<Box<dyn Check>>,
}

/// A running server: its bound address (useful with port 0) and its task.
pub struct ServerHandle {
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<()>,
}

/// Bind `addr` and serve until `shutdown` is cancelled.
pub async fn serve(
    addr: SocketAddr,
    registry: Registry,
    checks: Vec<Box<dyn Check>>,
    shutdown: CancellationToken,
) -> std::io::Result<ServerHandle> {
    let state = Arc::new(AppState { registry, checks });
    let app = Router::new()
        .route(
            "/health",
            get(|| async { Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "http server stopped");
        }
    });
    tracing::info!(%addr, "serving /health /ready /metrics");
    Ok(ServerHandle { addr, task })
}

async fn ready(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let report = ReadyReport::run(&state.checks).await;
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}

async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let mut buf = Vec::new();
    let families = state.registry.gather();
    match TextEncoder::new().encode(&families, &mut buf) {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)],
            buf,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
