//! Replay of a range of the archive: an old range never regresses newer
//! data, and bad usage is refused naming the value. (A whole-archive replay
//! is checked against live projection in `rebuild.rs`.)

use sleeper_tests::harness::events::state;
use sleeper_tests::harness::{Bin, TestEnv};

use crate::rebuild::project_live;
use crate::support::{checksums, nfl_week};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_of_an_old_range_never_regresses_newer_data() {
    let env = TestEnv::migrated("replay_old").await;
    let vars = env.vars();
    let ids = project_live(&env, &vars, &[state(3), state(4), state(5)]).await;
    let old = &ids[0];
    let pg = env.pg().await;
    assert_eq!(nfl_week(&pg).await, Some(5));
    let before = checksums(&pg).await;
    for args in [
        vec!["replay", "--to", old.as_str()],
        vec![
            "replay",
            "--from",
            old.as_str(),
            "--to",
            old.as_str(),
            "--kind",
            "state",
        ],
        vec!["replay", "--to", "2100-01-01T00:00:00Z", "--league", "nope"],
    ] {
        let out = Bin::consumer().run(&args, &vars);
        assert!(out.status.success(), "{args:?}: {}", out.stderr);
        assert_eq!(nfl_week(&pg).await, Some(5), "{args:?} regressed the scope");
    }
    let out = Bin::consumer().run(&["replay", "--to", old.as_str()], &vars);
    assert!(out.stdout.contains("1 kept"), "{}", out.stdout);
    assert_eq!(checksums(&pg).await, before);
    // A whole-range replay re-applies the newest (week 5) again.
    let out = Bin::consumer().run(&["replay", "--from", "1970-01-01T00:00:00Z"], &vars);
    assert!(out.stdout.contains("1 re-applied"), "{}", out.stdout);
    assert_eq!(nfl_week(&pg).await, Some(5));
    // Bad usage is exit 2, naming the value.
    for bad in [
        vec!["replay", "--from", "yesterday"],
        vec!["replay", "--kind", "nonsense"],
    ] {
        let out = Bin::consumer().run(&bad, &vars);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stderr.contains(bad[2]), "{}", out.stderr);
    }
}
