//! A real Prometheus scrapes a running consumer: when a group stops
//! projecting while events arrive, the lag alert reaches `firing` in
//! Prometheus's own `/api/v1/alerts`, and it clears once a consumer of that
//! group catches up. Uses a copy of the project's rules with short `for:`
//! durations and a low threshold (the real ones are minutes).

use std::process::{Command, Stdio};
use std::time::Duration;

use sleeper_tests::harness::events::{append, create_group, state};
use sleeper_tests::harness::servers::{find_binary, free_port};
use sleeper_tests::harness::{Bin, TestEnv};

use crate::support::{eventually, http_get, with};

struct Prometheus {
    child: std::process::Child,
    _dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_prometheus(target: &str) -> Prometheus {
    let bin = find_binary("prometheus", &[], "apt-get install -y prometheus");
    let dir = tempfile::tempdir().expect("tmp");
    let rules = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../monitoring/prometheus/alerts.yml"
    ))
    .expect("alerts.yml");
    let fast = rules
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("for:") {
                format!("{}for: 2s", &l[..l.len() - l.trim_start().len()])
            } else {
                l.replace(
                    "(sleeper_consumer_lag_seconds) > 300",
                    "(sleeper_consumer_lag_seconds) > 3",
                )
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        fast.contains("sleeper_consumer_lag_seconds) > 3"),
        "the lag alert's expression changed; update this test"
    );
    std::fs::write(dir.path().join("alerts.yml"), fast).expect("write rules");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [alerts.yml]\nscrape_configs:\n  - job_name: consumer\n    static_configs:\n      - targets: ['{target}']\n"
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).expect("write config");
    let port = free_port();
    let child = Command::new(bin)
        .arg(format!(
            "--config.file={}",
            dir.path().join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    Prometheus {
        child,
        _dir: dir,
        port,
    }
}

async fn lag_alert_state(port: u16, group: &str) -> Option<String> {
    let (_, body) = http_get(&format!("http://127.0.0.1:{port}/api/v1/alerts")).await?;
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    v["data"]["alerts"].as_array()?.iter().find_map(|a| {
        (a["labels"]["alertname"] == "SleeperConsumerLagHigh" && a["labels"]["group"] == group)
            .then(|| a["state"].as_str().unwrap_or_default().to_string())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_alert_fires_in_prometheus_and_clears_after_catch_up() {
    let env = TestEnv::migrated("prom").await;
    let vars = env.vars();
    let mut r = env.redis().await;
    // A second group that nobody projects: its lag grows.
    create_group(&mut r, &env.stream_key, "stalled").await;
    let port = free_port();
    let consumer_vars = with(&vars, &[("HTTP_ADDR", format!("127.0.0.1:{port}"))]);
    let _consumer = Bin::consumer().spawn(&["run"], &consumer_vars);
    let prom = start_prometheus(&format!("127.0.0.1:{port}"));

    let feeder = {
        let mut r = r.clone();
        let key = env.stream_key.clone();
        tokio::spawn(async move {
            for w in 0..400u32 {
                append(&mut r, &key, &state(w % 18 + 1)).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    eventually(
        Duration::from_secs(60),
        "SleeperConsumerLagHigh firing for group `stalled`",
        || async {
            (lag_alert_state(prom.port, "stalled").await.as_deref() == Some("firing")).then_some(())
        },
    )
    .await;
    assert_ne!(
        lag_alert_state(prom.port, "projector").await.as_deref(),
        Some("firing"),
        "the live group is not lagging"
    );

    // A consumer of the stalled group catches up: the alert resolves.
    let (_catch_up_db, catch_up) = env.other_group("prom_catchup", "stalled").await;
    let _second = Bin::consumer().spawn(&["run"], &catch_up);
    eventually(Duration::from_secs(60), "the alert resolved", || async {
        lag_alert_state(prom.port, "stalled")
            .await
            .is_none()
            .then_some(())
    })
    .await;
    feeder.abort();
}
