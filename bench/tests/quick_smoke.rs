//! The benchmark cannot silently rot: the `--quick` workload at a tiny size,
//! against the debug binaries the test command builds, must finish and write
//! every report key (the figures themselves are not judged here).

use std::process::Command;

#[test]
fn quick_workload_at_tiny_size_writes_every_report_key() {
    let out = tempfile_path();
    let status = Command::new(env!("CARGO_BIN_EXE_sleeper-bench"))
        .args([
            "--quick",
            "--leagues",
            "2",
            "--steps",
            "4",
            "--players",
            "200",
            "--live-leagues",
            "3",
            "--live-players",
            "300",
            "--live-secs",
            "3",
            "--speed",
            "30",
            "--analytics-leagues",
            "1",
            "--latency-leagues",
            "2",
            "--latency-seasons",
            "2",
            "--chains",
            "2",
            "--chain-seasons",
            "2",
        ])
        .arg("--out")
        .arg(&out)
        .status()
        .expect("running sleeper-bench");
    assert!(status.success(), "sleeper-bench --quick failed: {status}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("report.json")).expect("json");
    for key in [
        "projector_events_per_s",
        "projector_rows_per_s",
        "copy_ceiling_rows_per_s",
        "xrange_events_per_s",
        "full_replay_s",
        "compacted_rebuild_s",
        "e2e_p50_ms",
        "e2e_p99_ms",
        "producer_peak_rss_mb",
        "consumer_peak_rss_mb",
        "binary_size_mb",
        "start_to_ready_ms",
        "leagues_at_quota",
        "workload_events",
        "workload_rows_written",
        "workload_bytes",
        "analytics_rows_per_s",
        "analytics_copy_rows_per_s",
        "lineup_query_p95_ms",
        "all_time_head_to_head_p95_ms",
        "all_time_record_book_p95_ms",
        "all_time_careers_p95_ms",
    ] {
        assert!(
            report.get(key).is_some(),
            "report.json lacks {key}: {report}"
        );
    }
    assert!(report["workload_events"].as_u64().unwrap_or(0) > 0);
    assert!(report["analytics_season_rows"].as_u64().unwrap_or(0) > 0);
    // The producer's peak RSS is only "with the players body" if it fetched it.
    assert!(
        report["producer_players_fetches"].as_u64().unwrap_or(0) >= 1,
        "the live phase never fetched players/nfl: {report}"
    );
    let _ = std::fs::remove_file(&out);
}

fn tempfile_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("sleeper-bench-{}.json", std::process::id()))
}
