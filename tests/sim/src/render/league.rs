//! The league object, league members, a user, and a user's leagues.

use serde_json::{json, Map, Value};

use crate::calendar::Phase;
use crate::ids::snowflake;
use crate::timeline::Moment;
use crate::world::{League, LeagueKind};

/// The week the league's season is in at `now`, and the last scored week.
fn legs(m: &Moment, league: &League) -> (u32, u32) {
    let weeks = m.world.config.weeks;
    match m.calendar(league.season).phase(m.now) {
        _ if league.kind == LeagueKind::Complete => (weeks - 1, weeks - 1),
        Phase::Pre => (1, 0),
        Phase::Week(w) => (w, w.saturating_sub(1)),
        Phase::Post => (weeks - 1, weeks - 1),
    }
}

fn settings(m: &Moment, league: &League) -> Value {
    let s = &league.settings;
    let (leg, last_scored) = legs(m, league);
    let mut v = json!({
        "best_ball": 0, "last_report": last_scored.saturating_sub(1), "waiver_budget": s.waiver_budget,
        "disable_adds": 0, "capacity_override": 1, "taxi_deadline": 4,
        "draft_rounds": league.draft.rounds, "reserve_allow_na": 0, "start_week": s.start_week,
        "playoff_seed_type": 0, "playoff_teams": s.playoff_teams, "veto_votes_needed": 6,
        "squads": 1, "num_teams": league.total_rosters(), "daily_waivers_hour": s.daily_waivers_hour,
        "playoff_type": 0, "taxi_slots": s.taxi_slots, "sub_start_time_eligibility": 0,
        "last_scored_leg": last_scored, "daily_waivers_days": 5463,
        "playoff_week_start": s.playoff_week_start, "position_limit_k": 2, "waiver_clear_days": 1,
        "reserve_allow_doubtful": 0, "commissioner_direct_invite": 0, "veto_auto_poll": 0,
        "reserve_allow_dnr": 0, "taxi_allow_vets": 1, "waiver_day_of_week": 2,
        "playoff_round_type": s.playoff_round_type, "reserve_allow_out": 1, "reserve_allow_sus": 0,
        "veto_show_votes": 0, "trade_deadline": s.trade_deadline, "taxi_years": 2,
        "daily_waivers": 1, "position_limit_def": 2, "disable_trades": 0, "pick_trading": 1,
        "type": 2, "max_keepers": 1, "waiver_type": s.waiver_type, "max_subs": 3,
        "league_average_match": u32::from(s.median), "trade_review_days": 0, "bench_lock": 0, "offseason_adds": 1,
        "leg": leg, "daily_waivers_base": 4, "reserve_slots": s.reserve_slots,
        "reserve_allow_cov": 1, "daily_waivers_last_ran": 31,
    });
    if let (Some(t), Value::Object(map)) = (s.loser_bracket_type, &mut v) {
        map.insert("loser_bracket_type".into(), t.into());
    }
    v
}

/// The league object as `/league/{id}` serves it.
pub fn league(m: &Moment, l: &League) -> Value {
    let world = m.world;
    let status = m.league_status(l);
    let (msg_at, author) = m.last_message(l);
    let author = &world.users[author];
    let has_bracket = !matches!(status.as_str(), "pre_draft" | "drafting");
    let complete = l.kind == LeagueKind::Complete;
    let big = |present: bool, id: u64| {
        if present {
            Value::from(id)
        } else {
            Value::Null
        }
    };
    json!({
        "name": l.name,
        "status": status,
        "metadata": {
            "auto_continue": "on",
            "keeper_deadline": "0",
            "latest_league_winner_roster_id": ((l.index % l.owners.len()) + 1).to_string(),
        },
        "settings": settings(m, l),
        "avatar": l.avatar,
        "company_id": null,
        "shard": l.shard,
        "season": l.season.to_string(),
        "season_type": "regular",
        "sport": "nfl",
        "scoring_settings": l.scoring.to_json(),
        "last_message_id": snowflake(msg_at, 7).to_string(),
        "last_author_avatar": author.avatar,
        "last_author_display_name": author.display_name,
        "last_author_id": author.user_id,
        "last_author_is_bot": false,
        "last_message_attachment": null,
        "last_message_text_map": null,
        "last_message_time": msg_at,
        "last_pinned_message_id": snowflake(l.created_ms + 86_400_000, 9).to_string(),
        "draft_id": l.draft.draft_id,
        "last_read_id": null,
        "league_id": l.league_id,
        "previous_league_id": l.previous_league_id,
        "roster_positions": l.roster_positions,
        "bracket_id": big(has_bracket, l.bracket_id),
        "bracket_overrides_id": big(complete, l.bracket_overrides_id),
        "group_id": null,
        "loser_bracket_id": big(has_bracket, l.loser_bracket_id),
        "loser_bracket_overrides_id": big(complete, l.loser_bracket_overrides_id),
        "total_rosters": l.total_rosters(),
    })
}

/// Members as `/league/{id}/users` lists them: roster owners and co-owners,
/// less those who left (they keep their rosters).
pub fn members(m: &Moment, l: &League) -> Vec<usize> {
    let mut ids: Vec<usize> = l
        .owners
        .iter()
        .copied()
        .chain(l.co_owners.iter().flatten().flatten().copied())
        .filter(|u| !l.departed.contains(u))
        .filter(|&u| {
            !m.overlay
                .is_removed(&l.league_id, &m.world.users[u].user_id)
        })
        .collect();
    ids.sort_by(|&a, &b| m.world.users[a].user_id.cmp(&m.world.users[b].user_id));
    ids.dedup();
    ids
}

pub fn users(m: &Moment, l: &League) -> Value {
    let rows = members(m, l)
        .into_iter()
        .map(|u| {
            let user = &m.world.users[u];
            let mut meta = Map::new();
            meta.insert("allow_pn".into(), "on".into());
            meta.insert("allow_sms".into(), "on".into());
            if let Some(url) = &user.uploaded_avatar {
                meta.insert("avatar".into(), url.as_str().into());
            }
            meta.insert("mention_pn".into(), "on".into());
            if let Some(team) = &user.team_name {
                meta.insert("team_name".into(), team.as_str().into());
            }
            json!({
                "avatar": user.avatar,
                "display_name": user.display_name_in(l.season),
                "is_bot": false,
                "is_owner": u == l.commissioner,
                "league_id": l.league_id,
                "metadata": meta,
                "settings": null,
                "user_id": user.user_id,
            })
        })
        .collect();
    Value::Array(rows)
}

pub fn user(m: &Moment, u: usize) -> Value {
    let user = &m.world.users[u];
    json!({
        "avatar": user.avatar, "cookies": null, "created": null, "currencies": null,
        "data_updated": null, "deleted": null, "display_name": user.display_name, "email": null,
        "is_bot": false, "metadata": null, "notifications": null, "pending": null, "phone": null,
        "real_name": null, "solicitable": null, "summoner_name": null, "summoner_region": null,
        "token": null, "user_id": user.user_id, "username": user.username, "verification": null,
    })
}

/// The leagues a user is a member of in a season, with the user-specific
/// keys (`display_order`, `last_read_id`, `last_transaction_id`).
pub fn user_leagues(m: &Moment, u: usize, season: &str) -> Value {
    let rows = m
        .world
        .leagues
        .iter()
        .filter(|l| l.season.to_string() == season)
        .filter(|l| members(m, l).contains(&u))
        .enumerate()
        .map(|(order, l)| {
            let mut v = league(m, l);
            let last_tx = l
                .transactions
                .iter()
                .filter(|t| t.status_updated_ms <= m.now)
                .map(|t| t.id)
                .max();
            if let Value::Object(map) = &mut v {
                map.insert("display_order".into(), order.into());
                let read = map.get("last_message_id").cloned().unwrap_or(Value::Null);
                map.insert("last_read_id".into(), read);
                map.insert(
                    "last_transaction_id".into(),
                    last_tx.map_or(Value::Null, Value::from),
                );
            }
            v
        })
        .collect();
    Value::Array(rows)
}
