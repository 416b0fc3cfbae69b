//! `/league/{id}/rosters`: players after the moves made so far, the current
//! lineup, and season totals split into `fpts` + `fpts_decimal`.

use serde_json::{json, Map, Value};

use crate::calendar::Phase;
use crate::timeline::Moment;
use crate::world::League;

fn ids(m: &Moment, players: &[usize]) -> Vec<Value> {
    players
        .iter()
        .map(|&p| Value::from(m.world.players[p].id.as_str()))
        .collect()
}

/// The streak at the end of a results string: "2W".
fn streak(results: &str) -> String {
    let Some(last) = results.chars().last() else {
        return String::new();
    };
    let n = results.chars().rev().take_while(|&c| c == last).count();
    format!("{n}{last}")
}

pub fn rosters(m: &Moment, l: &League) -> Value {
    let world = m.world;
    let cal = m.calendar(l.season);
    let week = match cal.phase(m.now) {
        Phase::Pre => l.settings.start_week,
        Phase::Week(w) => w.clamp(l.settings.start_week, l.last_week()),
        Phase::Post => l.last_week(),
    };
    let at = m.now.min(cal.kickoff_ms(week).max(l.draft.end_ms()));
    let lineup_rosters = m.rosters_at(l, at);
    let rosters = m.rosters_at(l, m.now);
    let records = m.standings(l);
    let scored = records.iter().any(|r| !r.results.is_empty());
    // Waiver order: worst record first.
    let mut order: Vec<usize> = (0..rosters.len()).collect();
    order.sort_by_key(|&i| (records[i].wins, records[i].fpts, i));

    let rows = rosters
        .iter()
        .enumerate()
        .map(|(i, players)| {
            let roster_id = i as u32 + 1;
            let rec = &records[i];
            let quality = |p: usize| world.players[p].quality;
            let starters: Vec<Value> = if lineup_rosters[i].is_empty() {
                Vec::new()
            } else {
                m.lineup(l, roster_id, week, &lineup_rosters[i], &quality)
                    .iter()
                    .map(|s| s.map_or(Value::from("0"), |p| Value::from(world.players[p].id.as_str())))
                    .collect()
            };
            let moves: Vec<_> = l
                .transactions
                .iter()
                .filter(|t| t.complete && t.status_updated_ms <= m.now && t.roster_ids.contains(&roster_id))
                .collect();
            let budget_used: u32 = moves.iter().filter_map(|t| t.waiver_bid).sum();
            let mut settings = Map::new();
            settings.insert("wins".into(), rec.wins.into());
            settings.insert("losses".into(), rec.losses.into());
            settings.insert("ties".into(), rec.ties.into());
            settings.insert("fpts".into(), (rec.fpts / 100).into());
            // Before any game is scored the real payload has no decimal,
            // against or potential-points keys at all.
            if scored {
                settings.insert("fpts_decimal".into(), (rec.fpts % 100).into());
                settings.insert("fpts_against".into(), (rec.fpts_against / 100).into());
                settings.insert("fpts_against_decimal".into(), (rec.fpts_against % 100).into());
                settings.insert("ppts".into(), (rec.ppts / 100).into());
                settings.insert("ppts_decimal".into(), (rec.ppts % 100).into());
            }
            settings.insert("total_moves".into(), (moves.len() as u32 + m.overlay.bump(&l.league_id, roster_id)).into());
            settings.insert("waiver_budget_used".into(), budget_used.into());
            let position = order.iter().position(|&o| o == i).unwrap_or(i) + 1;
            settings.insert("waiver_position".into(), position.into());

            let metadata = if l.roster_metadata && scored {
                let mut meta = Map::new();
                meta.insert("record".into(), rec.results.clone().into());
                meta.insert("streak".into(), streak(&rec.results).into());
                if let Some(&p) = players.first() {
                    meta.insert(format!("p_nick_{}", world.players[p].id), "Cornerstone".into());
                }
                Value::Object(meta)
            } else {
                Value::Null
            };
            let null_players = players.is_empty() || l.null_players_roster == Some(roster_id);
            let reserve = (l.settings.reserve_slots > 0 && i % 4 == 0)
                .then(|| players.iter().min_by(|&&a, &&b| quality(a).total_cmp(&quality(b))))
                .flatten()
                .map_or(Value::Null, |&p| json!([world.players[p].id]));
            json!({
                "co_owners": l.co_owners[i].as_ref().map(|c| c.iter().map(|&u| world.users[u].user_id.clone()).collect::<Vec<_>>()),
                "keepers": null,
                "league_id": l.league_id,
                "metadata": metadata,
                "owner_id": if l.orphan == Some(roster_id) { Value::Null } else { Value::from(world.users[l.owners[i]].user_id.as_str()) },
                "player_map": null,
                "players": if null_players { Value::Null } else { Value::Array(ids(m, players)) },
                "reserve": if null_players { Value::Null } else { reserve },
                "roster_id": roster_id,
                "settings": settings,
                "starters": starters,
                "taxi": null,
            })
        })
        .collect();
    Value::Array(rows)
}
