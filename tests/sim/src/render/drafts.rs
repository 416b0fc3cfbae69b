//! The draft object (also listed by `/league/{id}/drafts`), its picks and
//! its traded picks (`draft_id` there is a JSON number above 2^53).

use serde_json::{json, Map, Value};

use crate::ids::snowflake;
use crate::timeline::Moment;
use crate::world::League;

pub fn draft(m: &Moment, l: &League) -> Value {
    let world = m.world;
    let d = &l.draft;
    let made = m.picks_made(d);
    let status = m.draft_status(d);
    let draft_order: Map<String, Value> = d
        .slot_to_roster
        .iter()
        .enumerate()
        .map(|(slot, &r)| {
            (
                world.users[l.owners[r as usize - 1]].user_id.clone(),
                Value::from(slot + 1),
            )
        })
        .collect();
    let slot_to_roster: Map<String, Value> = d
        .slot_to_roster
        .iter()
        .enumerate()
        .map(|(slot, &r)| ((slot + 1).to_string(), Value::from(r)))
        .collect();
    let n = l.total_rosters();
    let message_at = made.last().map_or(d.created_ms, |p| p.at_ms + 500);
    json!({
        "created": d.created_ms,
        "creators": [world.users[l.commissioner].user_id],
        "draft_id": d.draft_id,
        "draft_order": if status == "pre_draft" { Value::Null } else { Value::Object(draft_order) },
        "last_message_id": snowflake(message_at, 11).to_string(),
        "last_message_time": message_at,
        "last_picked": made.last().map(|p| p.at_ms),
        "league_id": l.league_id,
        "metadata": { "description": "", "name": l.name, "scoring_type": if l.settings.rec >= 1.0 { "ppr" } else if l.settings.rec > 0.0 { "half_ppr" } else { "std" } },
        "season": l.season.to_string(),
        "season_type": "regular",
        "settings": {
            "alpha_sort": 0, "autopause_enabled": 0, "autopause_end_time": 900,
            "autopause_start_time": 180, "autostart": 0, "cpu_autopick": 1,
            "enforce_position_limits": 1, "nomination_timer": 60,
            "pick_timer": d.pick_interval_ms / 1000, "player_type": 0, "reversal_round": 0,
            "rounds": d.rounds, "slots_bn": 6, "slots_def": 1, "slots_flex": 1, "slots_k": 1,
            "slots_qb": 1, "slots_rb": 2, "slots_te": 1, "slots_wr": 2, "teams": n,
        },
        "slot_to_roster_id": slot_to_roster,
        "sport": "nfl",
        "start_time": d.start_ms,
        "status": status,
        "type": d.kind,
    })
}

/// The draft as `/league/{id}/drafts` lists it: without `slot_to_roster_id`.
pub fn listed(m: &Moment, l: &League) -> Value {
    let mut v = draft(m, l);
    if let Value::Object(map) = &mut v {
        map.remove("slot_to_roster_id");
    }
    v
}

pub fn picks(m: &Moment, l: &League) -> Value {
    let world = m.world;
    let rows = m
        .picks_made(&l.draft)
        .iter()
        .map(|p| {
            let pl = &world.players[p.player];
            // Every metadata value is a string, numbers included.
            json!({
                "draft_id": l.draft.draft_id,
                "draft_slot": p.draft_slot,
                "is_keeper": null,
                "metadata": {
                    "first_name": pl.first_name, "injury_status": "", "last_name": pl.last_name,
                    "news_updated": pl.news_updated.map(|n| n.to_string()).unwrap_or_default(),
                    "number": pl.number.to_string(), "player_id": pl.id, "position": pl.position,
                    "sport": "nfl", "status": "Active", "team": pl.team.unwrap_or(""),
                    "team_abbr": "", "team_changed_at": "", "years_exp": pl.years_exp.to_string(),
                },
                "pick_no": p.pick_no,
                "picked_by": world.users[p.picked_by].user_id,
                "player_id": pl.id,
                "reactions": null,
                "roster_id": p.roster_id,
                "round": p.round,
            })
        })
        .collect();
    Value::Array(rows)
}

pub fn traded_picks(l: &League) -> Value {
    let draft_id: u64 = l.draft.draft_id.parse().unwrap_or_default();
    let rows = l
        .draft
        .traded
        .iter()
        .map(|p| {
            json!({
                "round": p.round,
                "season": p.season.to_string(),
                "draft_id": draft_id,
                "roster_id": p.roster_id,
                "owner_id": p.owner_id,
                "previous_owner_id": p.previous_owner_id,
            })
        })
        .collect();
    Value::Array(rows)
}
