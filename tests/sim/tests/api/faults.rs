//! Fault knobs: rates, damaged bodies, hangs, delays and huge bodies.

use std::time::{Duration, Instant};

use serde_json::Value;
use sleeper_sim::Faults;

use crate::{client, spawn};

#[tokio::test]
async fn error_statuses_come_at_the_configured_rates() {
    let sim = spawn(31).await;
    sim.set_faults(Faults {
        seed: 5,
        rate_429: 0.2,
        rate_429_retry_after: 0.1,
        retry_after_secs: 7,
        rate_5xx: 0.1,
        ..Faults::default()
    });
    let url = format!("{}/state/nfl", sim.base_url());
    let c = client();
    let (mut plain429, mut retry429, mut s5xx, mut ok) = (0, 0, 0, 0);
    let n = 600;
    for _ in 0..n {
        let resp = c.get(&url).send().await.expect("request");
        match resp.status().as_u16() {
            429 => match resp.headers().get("retry-after") {
                Some(v) => {
                    assert_eq!(v, "7");
                    retry429 += 1;
                }
                None => plain429 += 1,
            },
            500..=599 => s5xx += 1,
            200 => ok += 1,
            other => panic!("unexpected {other}"),
        }
    }
    // Binomial: 3 standard deviations of 600 draws are within these bounds.
    assert!((84..=156).contains(&plain429), "{plain429}");
    assert!((33..=87).contains(&retry429), "{retry429}");
    assert!((33..=87).contains(&s5xx), "{s5xx}");
    assert_eq!(plain429 + retry429 + s5xx + ok, n);
    let stats = sim.stats();
    assert_eq!(stats.total_requests, n as u64);
    assert_eq!(
        stats.responses_per_status.get("429").copied().unwrap_or(0),
        (plain429 + retry429) as u64
    );
    assert_eq!(
        stats.max_requests_in_any_60s_window, n as u64,
        "429s and 5xx count too"
    );
}

async fn body_with(fault: Faults, gzip: bool) -> Result<(u16, Vec<u8>), reqwest::Error> {
    let sim = spawn(32).await;
    sim.set_faults(fault);
    let c = crate::builder()
        .gzip(gzip)
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let resp = c
        .get(format!(
            "{}/league/{}/rosters",
            sim.base_url(),
            sim.league_ids()[0]
        ))
        .send()
        .await?;
    let status = resp.status().as_u16();
    Ok((status, resp.bytes().await?.to_vec()))
}

#[tokio::test]
async fn damaged_bodies_are_what_they_claim() {
    let parse = |b: &[u8]| serde_json::from_slice::<Value>(b);
    let (s, b) = body_with(
        Faults {
            rate_truncated: 1.0,
            ..Faults::default()
        },
        true,
    )
    .await
    .expect("truncated is well framed");
    assert_eq!(s, 200);
    assert!(parse(&b).is_err());
    let (_, b) = body_with(
        Faults {
            rate_malformed: 1.0,
            ..Faults::default()
        },
        true,
    )
    .await
    .expect("malformed");
    assert!(parse(&b).is_err());
    let (s, b) = body_with(
        Faults {
            rate_null: 1.0,
            ..Faults::default()
        },
        true,
    )
    .await
    .expect("null");
    assert_eq!((s, b.as_slice()), (200, &b"null"[..]));
    let (_, b) = body_with(
        Faults {
            rate_wrong_types: 1.0,
            ..Faults::default()
        },
        true,
    )
    .await
    .expect("wrong types");
    let v = parse(&b).expect("still JSON");
    assert_eq!(v[0]["roster_id"], "one");
    assert!(
        body_with(
            Faults {
                rate_truncated_gzip: 1.0,
                ..Faults::default()
            },
            true
        )
        .await
        .is_err(),
        "gzip cut in half"
    );
    assert!(
        body_with(
            Faults {
                rate_disconnect: 1.0,
                ..Faults::default()
            },
            true
        )
        .await
        .is_err(),
        "connection cut"
    );
    let started = Instant::now();
    let hang = body_with(
        Faults {
            rate_hang: 1.0,
            ..Faults::default()
        },
        true,
    )
    .await;
    assert!(hang.is_err_and(|e| e.is_timeout()));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_delayed_fetch_finishes_after_a_newer_one_with_older_data() {
    let sim = spawn(33).await;
    let league = sim.league_ids()[0].clone();
    let path = format!("/v1/league/{league}/matchups/10");
    let url = format!("http://{}{path}", sim.addr());
    sim.set_clock(sim.now_ms() + 2 * 3_600_000, 0.0); // Sunday 14:55 ET: games on
    sim.delay_next(&path, Duration::from_millis(800), 1);
    let slow = tokio::spawn({
        let url = url.clone();
        async move {
            let body = client()
                .get(&url)
                .send()
                .await
                .expect("slow")
                .text()
                .await
                .expect("body");
            (Instant::now(), body)
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    sim.advance(3_600_000);
    let fast = client()
        .get(&url)
        .send()
        .await
        .expect("fast")
        .text()
        .await
        .expect("body");
    let fast_at = Instant::now();
    let (slow_at, slow_body) = slow.await.expect("join");
    assert!(slow_at > fast_at, "the delayed request finishes last");
    assert_ne!(slow_body, fast, "and carries the older scores");
}

#[tokio::test]
async fn huge_bodies_stream_in_full() {
    let sim = spawn(34).await;
    let size: u64 = 48 * 1024 * 1024;
    sim.set_faults(Faults {
        rate_huge: 1.0,
        huge_bytes: size,
        ..Faults::default()
    });
    let mut resp = client()
        .get(format!("{}/players/nfl", sim.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.content_length(), Some(size));
    let mut total = 0u64;
    let mut head = Vec::new();
    while let Some(chunk) = resp.chunk().await.expect("chunk") {
        if head.len() < 8 {
            head.extend_from_slice(&chunk[..chunk.len().min(8)]);
        }
        total += chunk.len() as u64;
    }
    assert_eq!(total, size);
    assert!(head.starts_with(b"{\"pad\""));
}

#[tokio::test]
async fn not_found_can_be_200_null() {
    let sim = spawn(35).await;
    sim.set_faults(Faults {
        not_found_200: 1.0,
        ..Faults::default()
    });
    let resp = client()
        .get(format!("{}/user/nobody_at_all", sim.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.text().await.expect("body"), "null");
}
