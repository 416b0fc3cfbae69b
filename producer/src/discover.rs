//! Reading the few fields scheduling needs out of Sleeper bodies.
//!
//! The producer publishes raw bytes; it parses only what the poll plan needs
//! to decide what to fetch next: the NFL season and week, a league's status,
//! season and `previous_league_id`, draft ids and statuses, user ids. Every
//! reader here is tolerant of the quirks in SLEEPER_API.md: ids as strings
//! or as JSON numbers above 2^53 (read as integers, never through f64),
//! absent keys, `null` where a value is expected, unknown keys. A field with
//! the wrong type reads as `None`, so the caller keeps what it knew before —
//! a strange body never stops the plan.

use serde_json::Value;
use sleeper_shared::scope::is_valid_id;

/// What `/state/nfl` says about the calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NflState {
    /// `season`, e.g. 2025.
    pub season: Option<u16>,
    /// `week` (the plan ignores 0).
    pub week: Option<u8>,
    /// `pre`, `regular`, `post` or `off`.
    pub season_type: Option<String>,
}

/// What a league body says about scheduling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeagueInfo {
    /// `pre_draft`, `drafting`, `in_season` or `complete`.
    pub status: Option<String>,
    /// `season`, e.g. 2025.
    pub season: Option<u16>,
    /// `previous_league_id`: the same league's previous season.
    pub previous_league_id: Option<String>,
    /// `draft_id`: the league's current draft.
    pub draft_id: Option<String>,
    /// `settings.playoff_week_start` (0 or absent when the league has none).
    pub playoff_week_start: Option<u8>,
}

/// One league of a user's league list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedLeague {
    /// `league_id`.
    pub league_id: String,
    /// `previous_league_id`: the league it continues, if any.
    pub previous_league_id: Option<String>,
    /// `season`, e.g. 2025.
    pub season: Option<u16>,
}

/// One draft of a league's draft list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDraft {
    /// `draft_id`.
    pub draft_id: String,
    /// `status`, e.g. `pre_draft`, `drafting` or `complete`.
    pub status: Option<String>,
}

fn parse(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

/// An id given as a string or as an integer (never a float), usable in a URL.
pub fn id(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        _ => return None,
    };
    // "0" and "" are Sleeper's "none" (a league with no previous season).
    (s != "0" && is_valid_id(&s)).then_some(s)
}

/// A season given as `"2025"` or `2025`.
fn season(v: &Value) -> Option<u16> {
    let n = match v {
        Value::String(s) => s.trim().parse::<u16>().ok()?,
        Value::Number(n) => u16::try_from(n.as_u64()?).ok()?,
        _ => return None,
    };
    (2000..=2200).contains(&n).then_some(n)
}

/// A small count (week, round) given as a number or a numeric string.
fn small(v: &Value) -> Option<u8> {
    let n = match v {
        Value::String(s) => s.trim().parse::<u64>().ok()?,
        Value::Number(n) => n.as_u64()?,
        _ => return None,
    };
    u8::try_from(n).ok().filter(|n| *n <= 30)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() && s.len() <= 64 => Some(s.clone()),
        _ => None,
    }
}

fn items(body: &[u8]) -> Vec<Value> {
    match parse(body) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// `/state/nfl`. `None` when the body is not an object.
pub fn state(body: &[u8]) -> Option<NflState> {
    let v = parse(body)?;
    v.as_object()?;
    Some(NflState {
        season: season(&v["season"]),
        week: small(&v["week"]),
        season_type: text(&v["season_type"]),
    })
}

/// `/league/<id>`. `None` when the body is not an object.
pub fn league(body: &[u8]) -> Option<LeagueInfo> {
    let v = parse(body)?;
    v.as_object()?;
    Some(LeagueInfo {
        status: text(&v["status"]),
        season: season(&v["season"]),
        previous_league_id: id(&v["previous_league_id"]),
        draft_id: id(&v["draft_id"]),
        playoff_week_start: small(&v["settings"]["playoff_week_start"]),
    })
}

/// `/league/<id>/drafts`: the drafts with a usable id.
pub fn league_drafts(body: &[u8]) -> Vec<ListedDraft> {
    items(body)
        .iter()
        .filter_map(|d| {
            Some(ListedDraft {
                draft_id: id(&d["draft_id"])?,
                status: text(&d["status"]),
            })
        })
        .collect()
}

/// `/draft/<id>`: its status (`pre_draft`, `drafting`, `paused`, `complete`).
pub fn draft_status(body: &[u8]) -> Option<String> {
    text(&parse(body)?["status"])
}

/// `/user/<name or id>`: the user id.
pub fn user_id(body: &[u8]) -> Option<String> {
    id(&parse(body)?["user_id"])
}

/// `/user/<id>/leagues/nfl/<season>`.
pub fn user_leagues(body: &[u8]) -> Vec<ListedLeague> {
    items(body)
        .iter()
        .filter_map(|l| {
            Some(ListedLeague {
                league_id: id(&l["league_id"])?,
                previous_league_id: id(&l["previous_league_id"]),
                season: season(&l["season"]),
            })
        })
        .collect()
}

/// `/league/<id>/users`: the members' user ids, owners first.
pub fn league_members(body: &[u8]) -> Vec<String> {
    let all = items(body);
    let owner = |u: &Value| u["is_owner"].as_bool().unwrap_or(false);
    let mut out: Vec<String> = all
        .iter()
        .filter(|u| owner(u))
        .chain(all.iter().filter(|u| !owner(u)))
        .filter_map(|u| id(&u["user_id"]))
        .collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../tests/fixtures/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn real_fixtures_yield_their_scheduling_fields() {
        let s = state(&fixture("state_nfl")).unwrap();
        assert_eq!(s.season, Some(2025));
        assert_eq!(s.week, Some(1));
        assert_eq!(s.season_type.as_deref(), Some("regular"));

        let l = league(&fixture("league")).unwrap();
        assert_eq!(l.status.as_deref(), Some("complete"));
        assert_eq!(l.season, Some(2024));
        assert_eq!(l.previous_league_id.as_deref(), Some("917927810109476864"));
        assert_eq!(l.draft_id.as_deref(), Some("1048229732543836161"));
        assert_eq!(l.playoff_week_start, Some(15));

        let d = league_drafts(&fixture("league_drafts"));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].draft_id, "1199102384333144064");
        assert_eq!(d[0].status.as_deref(), Some("complete"));
        assert_eq!(draft_status(&fixture("draft")).as_deref(), Some("complete"));
        assert!(user_id(&fixture("user")).is_some());
        let ul = user_leagues(&fixture("user_leagues"));
        assert_eq!(ul[0].league_id, "1199102384316362752");
        assert_eq!(
            ul[0].previous_league_id.as_deref(),
            Some("1116034371909222400")
        );
        assert_eq!(league_members(&fixture("users")).len(), 3);
    }

    #[test]
    fn big_numeric_ids_are_exact_and_floats_are_not_ids() {
        let l = league(br#"{"draft_id":1048229732543836161,"previous_league_id":1.5e18}"#).unwrap();
        assert_eq!(l.draft_id.as_deref(), Some("1048229732543836161"));
        assert_eq!(l.previous_league_id, None);
    }

    #[test]
    fn wrong_types_and_odd_bodies_read_as_unknown_without_panicking() {
        let s = state(br#"{"season":["2025"],"week":"3","season_type":7}"#).unwrap();
        assert_eq!(
            s,
            NflState {
                season: None,
                week: Some(3),
                season_type: None
            }
        );
        assert_eq!(state(b"null"), None);
        assert_eq!(state(b"[1,2]"), None);
        assert_eq!(state(b"{not json"), None);
        let l =
            league(br#"{"status":null,"season":2024,"previous_league_id":"0","settings":null}"#)
                .unwrap();
        assert_eq!(l.season, Some(2024));
        assert_eq!(l.previous_league_id, None);
        assert_eq!(l.playoff_week_start, None);
        assert!(league_drafts(br#"{"draft_id":"1"}"#).is_empty());
        assert!(league_drafts(br#"[null, 3, {"draft_id":null}, {"draft_id":"../x"}]"#).is_empty());
        assert_eq!(user_id(b"null"), None);
        assert!(user_leagues(b"null").is_empty());
        assert_eq!(
            league_members(br#"[{"user_id":"2"},{"user_id":"1","is_owner":true},{"user_id":5}]"#),
            ["1", "2", "5"]
        );
    }
}
