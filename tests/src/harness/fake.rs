//! A minimal Sleeper fake: serves fixed bodies at fixed paths over real HTTP.
//! (The full simulator, with generated leagues, a clock and faults, is the
//! `sleeper-sim` crate; this is for tests that need exact bytes.)

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;

type Routes = Arc<Mutex<HashMap<String, (u16, Vec<u8>)>>>;

/// A running fake; stops when dropped.
pub struct Fake {
    pub addr: SocketAddr,
    routes: Routes,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct AppState {
    routes: Routes,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Fake {
    /// Serve on 127.0.0.1 with no routes (everything 404 `null`).
    pub async fn start() -> Self {
        let routes: Routes = Arc::default();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let app = axum::Router::new().fallback(handler).with_state(AppState {
            routes: routes.clone(),
            hits: hits.clone(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            routes,
            hits,
            task,
        }
    }

    /// The base URL to give as `SLEEPER_API_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Serve `body` with `status` at `/v1<path>` (path without query).
    pub fn set(&self, path: &str, status: u16, body: Vec<u8>) {
        self.routes
            .lock()
            .expect("routes")
            .insert(format!("/v1{path}"), (status, body));
    }

    /// Serve `body` with `status` at `path` outside `/v1` (the stats host's
    /// paths, when `SLEEPER_STATS_BASE_URL` follows the API's), query ignored.
    pub fn set_root(&self, path: &str, status: u16, body: Vec<u8>) {
        self.routes
            .lock()
            .expect("routes")
            .insert(path.to_string(), (status, body));
    }

    /// How many requests `path` (outside `/v1`, query ignored) received.
    pub fn root_hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("hits")
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// How many requests `/v1<path>` received.
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("hits")
            .get(&format!("/v1{path}"))
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handler(State(state): State<AppState>, uri: Uri) -> Response {
    let path = uri.path().to_string();
    *state
        .hits
        .lock()
        .expect("hits")
        .entry(path.clone())
        .or_default() += 1;
    let found = state.routes.lock().expect("routes").get(&path).cloned();
    let (status, body) = found.unwrap_or((404, b"null".to_vec()));
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}
