//! How often each kind of scope is polled, and when NFL games are live.
//!
//! The defaults follow how Sleeper data changes (SLEEPER_API.md): scores
//! every minute during games, drafts every pick, players once a day, the
//! rest slowly. All of it can be overridden by an optional TOML file named
//! by `SLEEPER_POLL_CONFIG`, so an operator can trade freshness for quota:
//!
//! ```toml
//! timezone = "America/New_York"
//! [[windows]]            # replaces the default windows when present
//! day = "sat"
//! start = "13:00"
//! end = "24:00"
//! [intervals]            # any subset; durations like "90s", "15m", "6h", "3d"
//! live = "60s"
//! matchups = "10m"
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Datelike, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use sleeper_shared::config::parse_duration;

/// A weekly window of live games, in the cadence's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameWindow {
    /// The local weekday it starts on.
    pub day: Weekday,
    /// Minutes after local midnight; `end` may be 1440 (midnight).
    pub start_min: u32,
    /// Minutes after local midnight, after `start_min`.
    pub end_min: u32,
}

/// Poll intervals per kind, and the live game windows.
#[derive(Debug, Clone)]
/// Every interval is the time from one request of a scope to the next; the
/// defaults are in `Default`, a file's `[intervals]` override them by name.
pub struct Cadence {
    /// The time zone of `windows` (default America/New_York).
    pub tz: Tz,
    /// When NFL games are usually live (default Thursday and Monday
    /// 20:00–24:00, Sunday 13:00–24:00).
    pub windows: Vec<GameWindow>,
    /// Current-week matchups and rosters while games are live.
    pub live: Duration,
    /// How long a league stays live after its matchups changed.
    pub live_linger: Duration,
    /// Picks of a draft in status `drafting`.
    pub draft_live: Duration,
    /// `/state/nfl`.
    pub state: Duration,
    /// Current-week matchups outside live games.
    pub matchups: Duration,
    /// Rosters of a league that is not live.
    pub rosters: Duration,
    /// The current week's transactions round.
    pub transactions: Duration,
    /// Re-polls of the previous week's matchups (stat corrections)…
    pub corrections: Duration,
    /// …for this long after the week rolled.
    pub corrections_for: Duration,
    /// `/league/<id>`.
    pub league: Duration,
    /// A league's members (`/league/<id>/users`).
    pub users: Duration,
    /// A league's traded picks.
    pub traded_picks: Duration,
    /// Winners' and losers' brackets.
    pub brackets: Duration,
    /// A league's draft list, while the league is not drafting.
    pub league_drafts: Duration,
    /// A draft object, its traded picks, and the picks of a draft not running.
    pub draft: Duration,
    /// `/players/nfl` (Sleeper asks for at most daily).
    pub players: Duration,
    /// Trending adds and drops.
    pub trending: Duration,
    /// `/user/<SLEEPER_USERNAME>`.
    pub user: Duration,
    /// A user's league list of a season.
    pub user_leagues: Duration,
    /// The current week's NFL stats inside game windows.
    pub stats_live: Duration,
    /// The current week's NFL stats outside game windows, and the previous
    /// week's for `corrections_for` after the week rolled (corrections).
    pub stats: Duration,
    /// The current week's projections (plus one fetch in the hour before
    /// each game window, so a pre-kickoff projection is always in the log).
    pub projections: Duration,
    /// The season's NFL schedule outside game windows.
    pub schedule: Duration,
    /// The schedule inside game windows (game status).
    pub schedule_live: Duration,
    /// How long before a game window the pre-kickoff projections are fetched.
    pub pre_window: Duration,
}

impl Default for Cadence {
    fn default() -> Self {
        let w = |day, start: u32, end: u32| GameWindow {
            day,
            start_min: start * 60,
            end_min: end * 60,
        };
        let m = |n: u64| Duration::from_secs(60 * n);
        Self {
            tz: chrono_tz::America::New_York,
            windows: vec![
                w(Weekday::Thu, 20, 24),
                w(Weekday::Sun, 13, 24),
                w(Weekday::Mon, 20, 24),
            ],
            live: Duration::from_secs(60),
            live_linger: m(15),
            draft_live: Duration::from_secs(15),
            state: m(5),
            matchups: m(15),
            rosters: m(15),
            transactions: m(15),
            corrections: m(60),
            corrections_for: m(3 * 24 * 60),
            league: m(60),
            users: m(6 * 60),
            traded_picks: m(6 * 60),
            brackets: m(6 * 60),
            league_drafts: m(6 * 60),
            draft: m(6 * 60),
            players: m(24 * 60),
            trending: m(60),
            user: m(24 * 60),
            user_leagues: m(60),
            stats_live: m(10),
            stats: m(60),
            projections: m(24 * 60),
            schedule: m(24 * 60),
            schedule_live: m(5),
            pre_window: m(60),
        }
    }
}

/// Why the poll configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CadenceError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: {field} = {value:?} is not valid ({expected})")]
    Invalid {
        path: String,
        field: String,
        value: String,
        expected: &'static str,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    timezone: Option<String>,
    windows: Option<Vec<WindowFile>>,
    #[serde(default)]
    intervals: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowFile {
    day: String,
    start: String,
    end: String,
}

impl Cadence {
    /// The defaults, overridden by the TOML file at `path` when given.
    pub fn load(path: Option<&str>) -> Result<Self, CadenceError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| CadenceError::Read {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        Self::from_toml(path, &text)
    }

    /// The defaults overridden by `text` (`path` names it in errors).
    pub fn from_toml(path: &str, text: &str) -> Result<Self, CadenceError> {
        let file: File = toml::from_str(text).map_err(|e| CadenceError::Parse {
            path: path.to_string(),
            message: e.message().to_string(),
        })?;
        let invalid = |field: &str, value: &str, expected| CadenceError::Invalid {
            path: path.to_string(),
            field: field.to_string(),
            value: value.to_string(),
            expected,
        };
        let mut c = Self::default();
        if let Some(tz) = file.timezone {
            c.tz = tz
                .parse()
                .map_err(|_| invalid("timezone", &tz, "an IANA time zone name"))?;
        }
        if let Some(windows) = file.windows {
            c.windows = windows
                .iter()
                .map(|w| {
                    let day = w
                        .day
                        .parse::<Weekday>()
                        .map_err(|_| invalid("windows.day", &w.day, "a weekday such as \"sun\""))?;
                    let start = minutes(&w.start)
                        .ok_or_else(|| invalid("windows.start", &w.start, "HH:MM"))?;
                    let end =
                        minutes(&w.end).ok_or_else(|| invalid("windows.end", &w.end, "HH:MM"))?;
                    if end <= start {
                        return Err(invalid("windows.end", &w.end, "after start"));
                    }
                    Ok(GameWindow {
                        day,
                        start_min: start,
                        end_min: end,
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        for (name, value) in &file.intervals {
            let field = format!("intervals.{name}");
            let d = parse_duration(value)
                .filter(|d| !d.is_zero())
                .ok_or_else(|| invalid(&field, value, "a duration such as \"90s\" or \"15m\""))?;
            let slot = match name.as_str() {
                "live" => &mut c.live,
                "live_linger" => &mut c.live_linger,
                "draft_live" => &mut c.draft_live,
                "state" => &mut c.state,
                "matchups" => &mut c.matchups,
                "rosters" => &mut c.rosters,
                "transactions" => &mut c.transactions,
                "corrections" => &mut c.corrections,
                "corrections_for" => &mut c.corrections_for,
                "league" => &mut c.league,
                "users" => &mut c.users,
                "traded_picks" => &mut c.traded_picks,
                "brackets" => &mut c.brackets,
                "league_drafts" => &mut c.league_drafts,
                "draft" => &mut c.draft,
                "players" => &mut c.players,
                "trending" => &mut c.trending,
                "user" => &mut c.user,
                "user_leagues" => &mut c.user_leagues,
                "stats_live" => &mut c.stats_live,
                "stats" => &mut c.stats,
                "projections" => &mut c.projections,
                "schedule" => &mut c.schedule,
                "schedule_live" => &mut c.schedule_live,
                "pre_window" => &mut c.pre_window,
                _ => return Err(invalid(&field, value, "a known interval name")),
            };
            *slot = d;
        }
        Ok(c)
    }

    /// Whether `now_ms` falls in a live game window.
    pub fn in_game_window(&self, now_ms: i64) -> bool {
        let Some(local) = self.tz.timestamp_millis_opt(now_ms).single() else {
            return false;
        };
        let minute = local.hour() * 60 + local.minute();
        let day = local.weekday();
        self.windows
            .iter()
            .any(|w| w.day == day && minute >= w.start_min && minute < w.end_min)
    }
}

impl Cadence {
    /// When the pre-kickoff period began (ms), if `now_ms` is within
    /// `pre_window` before the start of a game window (and not in one).
    pub fn pre_window_since(&self, now_ms: i64) -> Option<i64> {
        if self.in_game_window(now_ms) {
            return None;
        }
        let lead = self.pre_window.as_millis() as i64;
        let local = self.tz.timestamp_millis_opt(now_ms + lead).single()?;
        let minute = local.hour() * 60 + local.minute();
        let day = local.weekday();
        self.windows
            .iter()
            .find(|w| w.day == day && minute >= w.start_min && minute < w.end_min)
            .map(|w| {
                // `now + lead` is `into` past the window's start, so the
                // pre-kickoff period (`lead` before the start) began `into` ago.
                let into = i64::from(minute - w.start_min) * 60_000
                    + i64::from(local.second()) * 1000
                    + i64::from(local.timestamp_subsec_millis());
                now_ms - into
            })
    }
}

/// `HH:MM` → minutes after midnight; `24:00` is allowed as an end.
fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= 24 * 60).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2025-11-09 is a Sunday; US Eastern is UTC−5 then.
    const SUN_14_ET: i64 = 1_762_714_800_000; // 2025-11-09T19:00:00Z
    const SUN_10_ET: i64 = 1_762_700_400_000; // 2025-11-09T15:00:00Z
    const TUE_21_ET: i64 = 1_762_912_800_000; // 2025-11-12T02:00:00Z

    #[test]
    fn default_windows_follow_us_eastern() {
        let c = Cadence::default();
        assert!(c.in_game_window(SUN_14_ET));
        assert!(!c.in_game_window(SUN_10_ET));
        assert!(!c.in_game_window(TUE_21_ET));
    }

    #[test]
    fn the_hour_before_a_window_is_pre_kickoff() {
        let c = Cadence::default();
        let sun_13_et = SUN_14_ET - 3_600_000;
        let sun_1230_et = sun_13_et - 1_800_000;
        assert_eq!(c.pre_window_since(sun_1230_et), Some(sun_13_et - 3_600_000));
        assert_eq!(
            c.pre_window_since(sun_13_et - 3_600_000),
            Some(sun_13_et - 3_600_000)
        );
        assert_eq!(c.pre_window_since(sun_13_et - 3_600_001), None);
        assert_eq!(c.pre_window_since(SUN_14_ET), None, "inside the window");
        assert_eq!(c.pre_window_since(SUN_10_ET), None);
    }

    #[test]
    fn a_file_overrides_windows_and_intervals() {
        let c = Cadence::from_toml(
            "p.toml",
            r#"
timezone = "America/New_York"
[[windows]]
day = "tue"
start = "20:00"
end = "24:00"
[intervals]
live = "30s"
players = "12h"
"#,
        )
        .unwrap();
        assert!(c.in_game_window(TUE_21_ET));
        assert!(!c.in_game_window(SUN_14_ET));
        assert_eq!(c.live, Duration::from_secs(30));
        assert_eq!(c.players, Duration::from_secs(12 * 3600));
        assert_eq!(c.matchups, Cadence::default().matchups);
    }

    #[test]
    fn bad_files_name_the_field() {
        for (text, field) in [
            ("[intervals]\nlive = \"soon\"", "intervals.live"),
            ("[intervals]\nlivee = \"1m\"", "intervals.livee"),
            ("timezone = \"Mars/Olympus\"", "timezone"),
            (
                "[[windows]]\nday = \"sun\"\nstart = \"13:00\"\nend = \"12:00\"",
                "windows.end",
            ),
        ] {
            let e = Cadence::from_toml("p.toml", text).unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
        assert!(Cadence::from_toml("p.toml", "nonsense = 1").is_err());
    }
}
