//! The HTTP server: the Sleeper API under `/v1` and the weekly stats,
//! projections and schedule at the root (with ETags, gzip and the faults
//! drawn per request), and the `/__sim/*` control endpoints.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body as HttpBody;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::body::{etag_of, Body};
use crate::clock::{ClockReading, ClockUpdate};
use crate::damage;
use crate::faults::{Fault, Faults, PathDelay};
use crate::mutation::Mutation;
use crate::route::Endpoint;
use crate::sim::{lock, Sim};
use crate::stats::StatsSnapshot;

pub fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/__sim/clock", get(get_clock).post(set_clock))
        .route("/__sim/faults", get(get_faults).post(set_faults))
        .route("/__sim/faults/delay", post(add_delay))
        .route("/__sim/stats", get(get_stats))
        .route("/__sim/stats/reset", post(reset_stats))
        .route("/__sim/info", get(info))
        .route("/__sim/override", post(set_override).delete(clear_override))
        .route("/__sim/mutate", post(mutate))
        .fallback(api)
        .with_state(sim)
}

/// Sleeps, but returns early when the simulator shuts down, so a hanging
/// request never keeps the server alive.
async fn pause(sim: &Sim, d: Duration) {
    if d.is_zero() {
        return;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = sim.shutdown.cancelled() => {}
    }
}

fn json_headers(builder: axum::http::response::Builder) -> axum::http::response::Builder {
    builder
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(header::CACHE_CONTROL, "max-age=0, private, must-revalidate")
        .header(header::VARY, "Accept-Encoding")
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|e| e.trim().starts_with("gzip")))
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        })
}

/// Every API request: count it, draw its fault, render, damage, delay, answer.
async fn api(State(sim): State<Arc<Sim>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    let query = uri.query();
    let endpoint = Endpoint::parse(path, query);
    let template = endpoint.as_ref().map_or("unknown", Endpoint::template);
    // The body reflects the instant the request arrived, even if a delay
    // makes it leave later: a slow fetch returns older data.
    let now = sim.now_ms();
    lock(&sim.stats).request(template, path);
    let (draw, hang, huge) = {
        let mut f = lock(&sim.faults);
        let d = f.draw(path);
        (d, f.faults().hang_ms, f.faults().huge_bytes)
    };
    let record = |status: &str| lock(&sim.stats).response(status);

    match draw.fault {
        Fault::Hang => {
            record("hang");
            pause(&sim, Duration::from_millis(hang)).await;
            return plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
        }
        Fault::TooMany { retry_after } => {
            pause(&sim, draw.delay).await;
            record("429");
            let mut resp = plain(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return resp;
        }
        Fault::ServerError(code) => {
            pause(&sim, draw.delay).await;
            record(&code.to_string());
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return plain(status, "<html><body>error</body></html>");
        }
        Fault::Huge => {
            pause(&sim, draw.delay).await;
            record("200");
            let size = huge.max(10);
            return json_headers(Response::builder())
                .header(header::CONTENT_LENGTH, size)
                .body(HttpBody::from_stream(
                    // Stops mid-body on shutdown instead of streaming on.
                    damage::huge(size).take_until(sim.shutdown.clone().cancelled_owned()),
                ))
                .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "build"));
        }
        _ => {}
    }

    if endpoint.as_ref().is_some_and(Endpoint::lacks_season_type) {
        pause(&sim, draw.delay).await;
        record("400");
        return json_headers(Response::builder().status(StatusCode::BAD_REQUEST))
            .body(HttpBody::from(r#"{"error":"season_type is required"}"#))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "build"));
    }
    let found = sim.body(path, endpoint.as_ref(), query, now);
    let (mut status, body) = match found {
        Some(b) => (StatusCode::OK, b),
        None if draw.not_found_200 => (StatusCode::OK, Body::new(&b"null"[..])),
        None => (StatusCode::NOT_FOUND, Body::new(&b"null"[..])),
    };
    let gzip_ok = accepts_gzip(&headers);
    let mut gzip_body = None;
    let raw: Option<Bytes> = match draw.fault {
        Fault::Truncated => Some(damage::truncated(&body.json)),
        Fault::Malformed => Some(damage::malformed(&body.json)),
        Fault::TruncatedGzip => {
            gzip_body = Some(damage::truncated_gzip(&body.json));
            None
        }
        Fault::NullBody => {
            status = StatusCode::OK;
            Some(Bytes::from_static(b"null"))
        }
        Fault::WrongTypes => Some(damage::wrong_types(&body.json)),
        _ => None,
    };
    pause(&sim, draw.delay).await;

    if draw.fault == Fault::Disconnect {
        record(status.as_str());
        return json_headers(Response::builder().status(status))
            .body(HttpBody::from_stream(damage::disconnect(body.json.clone())))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "build"));
    }
    if let Some(z) = gzip_body {
        record(status.as_str());
        return json_headers(Response::builder().status(status))
            .header(header::CONTENT_ENCODING, "gzip")
            .body(HttpBody::from(z))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "build"));
    }
    let (json, etag, gzipped) = match raw {
        Some(bytes) => {
            let etag = etag_of(&bytes);
            let z = gzip_ok.then(|| Bytes::from(crate::body::gzip(&bytes)));
            (bytes, etag, z)
        }
        None => (
            body.json.clone(),
            body.etag.clone(),
            gzip_ok.then(|| body.gzip()),
        ),
    };
    if status == StatusCode::OK && etag_matches(&headers, &etag) {
        record("304");
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .body(HttpBody::empty())
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "build"));
    }
    record(status.as_str());
    let builder = json_headers(Response::builder().status(status)).header(header::ETAG, etag);
    let resp = match gzipped {
        Some(z) => builder
            .header(header::CONTENT_ENCODING, "gzip")
            .body(HttpBody::from(z)),
        None => builder.body(HttpBody::from(json)),
    };
    resp.unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "build"))
}

async fn get_clock(State(sim): State<Arc<Sim>>) -> Json<ClockReading> {
    Json(lock(&sim.clock).reading())
}

async fn set_clock(
    State(sim): State<Arc<Sim>>,
    Json(update): Json<ClockUpdate>,
) -> Json<ClockReading> {
    let mut clock = lock(&sim.clock);
    clock.update(update);
    Json(clock.reading())
}

async fn get_faults(State(sim): State<Arc<Sim>>) -> Json<Faults> {
    Json(lock(&sim.faults).faults().clone())
}

async fn set_faults(State(sim): State<Arc<Sim>>, Json(faults): Json<Faults>) -> Json<Faults> {
    lock(&sim.faults).set(faults.clone());
    Json(faults)
}

async fn add_delay(State(sim): State<Arc<Sim>>, Json(delay): Json<PathDelay>) -> StatusCode {
    lock(&sim.faults).add_delay(delay);
    StatusCode::NO_CONTENT
}

async fn get_stats(State(sim): State<Arc<Sim>>) -> Json<StatsSnapshot> {
    Json(lock(&sim.stats).snapshot())
}

async fn reset_stats(State(sim): State<Arc<Sim>>) -> StatusCode {
    lock(&sim.stats).reset();
    StatusCode::NO_CONTENT
}

/// What a test driving the binary needs to know to build its config.
#[derive(Serialize)]
struct Info {
    seed: u64,
    now_ms: i64,
    current_season: i32,
    league_ids: Vec<String>,
    all_league_ids: Vec<String>,
    usernames: Vec<String>,
    user_ids: Vec<String>,
}

async fn info(State(sim): State<Arc<Sim>>) -> Json<Info> {
    let w = &sim.world;
    Json(Info {
        seed: w.config.seed,
        now_ms: sim.now_ms(),
        current_season: w.current_season(),
        league_ids: w.current_league_ids(),
        all_league_ids: w.all_league_ids(),
        usernames: w.usernames(),
        user_ids: w.users.iter().map(|u| u.user_id.clone()).collect(),
    })
}

#[derive(Deserialize)]
struct PathParam {
    path: String,
}

async fn set_override(
    State(sim): State<Arc<Sim>>,
    Query(p): Query<PathParam>,
    body: Bytes,
) -> StatusCode {
    sim.overrides
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(p.path, Body::new(body));
    StatusCode::NO_CONTENT
}

async fn clear_override(State(sim): State<Arc<Sim>>, Query(p): Query<PathParam>) -> StatusCode {
    sim.overrides
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&p.path);
    StatusCode::NO_CONTENT
}

async fn mutate(State(sim): State<Arc<Sim>>, Json(m): Json<Mutation>) -> StatusCode {
    if m.apply(&sim) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}
